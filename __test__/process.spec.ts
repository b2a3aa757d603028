/** Process-level behaviour: worker threads, clean exit after async work, survival of panics. */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const run = (code: string, env: Record<string, string> = {}) =>
  execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  })

describe('worker_threads', () => {
  it('loads the addon in 4 workers at once and computes the same result in each', () => {
    const out = run(`
      import { Worker } from 'node:worker_threads'
      const src = \`
        import('node:worker_threads').then(async ({ parentPort }) => {
          const e = await import(${JSON.stringify(root + 'dist/index.js')})
          const s = await e.columnStats([[1, 2], [3, 4], [5, 9]])
          parentPort.postMessage(Array.from(s.mean))
        })
      \`
      const results = await Promise.all(Array.from({ length: 4 }, () => new Promise((resolve, reject) => {
        const w = new Worker(src, { eval: true })
        w.once('message', (m) => { resolve(m); w.terminate() })
        w.once('error', reject)
      })))
      console.log(JSON.stringify(results))
    `)
    expect(JSON.parse(out)).toEqual([[3, 5], [3, 5], [3, 5], [3, 5]])
  })
})

describe('process lifetime', () => {
  it('exits promptly after async work, progress polling and an abort (no dangling handles)', () => {
    const started = Date.now()
    run(`
      import { columnStats, matrix } from ${JSON.stringify(root + 'dist/index.js')}
      await columnStats(matrix(new Float64Array(200000), 4), { onProgress: () => {} })
      const ac = new AbortController(); ac.abort()
      await columnStats([[1]], { signal: ac.signal }).catch(() => {})
    `)
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('survives a panic in a pool worker and keeps serving (separate process)', () => {
    const out = run(
      `
      import { native } from ${JSON.stringify(root + 'dist/native.js')}
      import { runAsync } from ${JSON.stringify(root + 'dist/run.js')}
      import { columnStatsSync } from ${JSON.stringify(root + 'dist/index.js')}
      const e = await runAsync({}, [], (c) => native().testPanic('worker', c)).catch((e) => e)
      console.log(JSON.stringify([e.code, Array.from(columnStatsSync([[2, 4]]).mean)]))
    `,
      { EMBGEO_TEST_HOOKS: '1' },
    )
    expect(JSON.parse(out.trim().split('\n').pop()!)).toEqual(['ERR_INTERNAL', [2, 4]])
  })

  it('keeps the test hooks inert without EMBGEO_TEST_HOOKS=1', () => {
    const out = run(
      `
      import { native } from ${JSON.stringify(root + 'dist/native.js')}
      import { runSync } from ${JSON.stringify(root + 'dist/run.js')}
      try { runSync(() => native().testPanicSync('caller')) } catch (e) { console.log(JSON.stringify([e.code, e.message])) }
    `,
      { EMBGEO_TEST_HOOKS: '0' },
    )
    const [code, message] = JSON.parse(out) as [string, string]
    expect(code).toBe('ERR_INTERNAL')
    expect(message).toMatch(/test hooks are disabled/)
  })
})
