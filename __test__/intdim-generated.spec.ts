// The generated option interfaces and validation tables (src/generated/intdim-options.ts) equal
// what scripts/gen-intdim.mjs makes from the Rust registry's schema: one source of truth.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import { loadSchema, OUTPUT, render } from '../scripts/gen-intdim.mjs'

describe('generated intdim options', () => {
  it('the committed file equals a fresh generation from the native schema', () => {
    const fresh = render(loadSchema())
    expect(readFileSync(OUTPUT, 'utf8')).toBe(fresh)
  })
})
