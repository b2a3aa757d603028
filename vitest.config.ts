import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__test__/**/*.spec.ts'],
    // Native addons and worker threads do not mix well in vitest's `threads` pool: use forks.
    pool: 'forks',
    testTimeout: 60_000,
    env: { EMBGEO_TEST_HOOKS: '1' },
  },
})
