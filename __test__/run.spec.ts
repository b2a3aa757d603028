import { afterEach, describe, expect, it } from 'vitest'

import { columnStats, EmbgeoError, matrix, setConcurrency, setThreads, versions } from '../src/index.js'
import { native } from '../src/native.js'
import { runAsync, runSync } from '../src/run.js'
import { rejection, thrown } from './helpers.js'

const sleep = (steps: number, ms: number, run = {}) => runAsync(run, [], (c) => native().testSleep(steps, ms, c))

afterEach(() => setConcurrency(1))

describe('abort', () => {
  it('rejects at once with AbortError when the signal is already aborted (reason as cause)', async () => {
    const reason = new Error('user left')
    const e = await rejection(columnStats([[1, 2]], { signal: AbortSignal.abort(reason) }))
    expect(e).toBeInstanceOf(EmbgeoError)
    expect([e.name, e.code]).toEqual(['AbortError', 'ABORT_ERR'])
    expect(e.cause).toBe(reason)
  })

  it('stops a running job at its next checkpoint', async () => {
    const ac = new AbortController()
    const started = Date.now()
    const p = sleep(200, 10, { signal: ac.signal, onProgress: () => ac.abort() })
    const e = await rejection(p)
    expect(e.code).toBe('ABORT_ERR')
    // 200 steps of 10 ms would take 2 s; the abort lands after the first progress poll (~100 ms).
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('removes a queued job that is aborted before it starts', async () => {
    const first = sleep(5, 20)
    const ac = new AbortController()
    const second = sleep(5, 20, { signal: ac.signal })
    ac.abort()
    expect((await rejection(second)).code).toBe('ABORT_ERR')
    expect(await first).toBe(1)
  })
})

describe('abort of a stuck job', () => {
  it('settles the promise at once, and keeps the slot until the native job really ends', async () => {
    // one step of 1.5 s: the job cannot see the cancellation until the step ends (like a read
    // blocked in the kernel)
    const ac = new AbortController()
    const started = Date.now()
    const stuck = sleep(1, 1500, { signal: ac.signal })
    const next = sleep(1, 10)
    setTimeout(() => ac.abort(), 50)
    const e = await rejection(stuck)
    expect(e.code).toBe('ABORT_ERR')
    expect(Date.now() - started).toBeLessThan(700)
    // the next job could not start before the stuck one ended: never two at once
    expect(await next).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400)
  })

  it('lets a job waiting behind a stuck one be aborted too', async () => {
    const stuck = sleep(1, 800)
    const ac = new AbortController()
    const waiting = sleep(1, 10, { signal: ac.signal })
    ac.abort()
    expect((await rejection(waiting)).code).toBe('ABORT_ERR')
    expect(await stuck).toBe(1)
  })
})

describe('copy: false (arrays read in place)', () => {
  it('hands the caller\'s own arrays to a queued job, where the default hands copies', async () => {
    const a = new Float32Array([1, 2, 3])
    const seen: unknown[] = []
    const job = (run: object) => runAsync(run, [a] as const, (c, [x]) => (seen.push(x), native().testSleep(1, 1, c)))
    const busy = sleep(1, 100)
    await Promise.all([job({ copy: false }), job({}), busy])
    expect(seen[0]).toBe(a)
    expect(seen[1]).not.toBe(a)
    expect(seen[1]).toEqual(a)
  })

  it('settles an aborted job only once the native job has ended, with AbortError', async () => {
    // one step of 0.8 s that cannot see the cancellation: the caller may touch its arrays only
    // after the promise settles, so it must not settle before the step ends
    const ac = new AbortController()
    const started = Date.now()
    const stuck = sleep(1, 800, { signal: ac.signal, copy: false })
    setTimeout(() => ac.abort(), 50)
    const e = await rejection(stuck)
    expect([e.name, e.code]).toEqual(['AbortError', 'ABORT_ERR'])
    expect(Date.now() - started).toBeGreaterThanOrEqual(750)
  })

  it('stops a running job at its next checkpoint as the default does', async () => {
    const ac = new AbortController()
    const started = Date.now()
    const e = await rejection(sleep(200, 10, { signal: ac.signal, copy: false, onProgress: () => ac.abort() }))
    expect(e.code).toBe('ABORT_ERR')
    expect(Date.now() - started).toBeLessThan(1500)
  })
})

describe('job queue', () => {
  it('runs one heavy job at a time by default', async () => {
    const peaks = await Promise.all([sleep(3, 10), sleep(3, 10), sleep(3, 10)])
    expect(peaks).toEqual([1, 1, 1])
  })

  it('runs more at once after setConcurrency(2)', async () => {
    setConcurrency(2)
    const peaks = await Promise.all([sleep(10, 10), sleep(10, 10)])
    expect(Math.max(...peaks)).toBe(2)
  })

  it('rejects a bad concurrency with ERR_OUT_OF_RANGE', () => {
    expect(thrown(() => setConcurrency(0)).code).toBe('ERR_OUT_OF_RANGE')
  })
})

describe('progress', () => {
  it('delivers throttled, increasing reports ending at the total', async () => {
    const seen: number[] = []
    await sleep(30, 10, { onProgress: (p: { completed: number }) => seen.push(p.completed) })
    // 30 steps of 10 ms polled every 100 ms: a handful of reports, not 30.
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.length).toBeLessThan(30)
    expect(seen[seen.length - 1]).toBe(30)
    expect([...seen].sort((a, b) => a - b)).toEqual(seen)
  })

  it('surfaces an exception thrown by onProgress as the rejection', async () => {
    const boom = new Error('callback failed')
    const e = await rejection(sleep(3, 10, { onProgress: () => { throw boom } }))
    expect(e).toBe(boom)
  })
})

describe('panics', () => {
  it('turn into ERR_INTERNAL in sync calls, and the next call works', () => {
    for (const place of ['caller', 'worker']) {
      const e = thrown(() => runSync(() => native().testPanicSync(place)))
      expect(e).toBeInstanceOf(EmbgeoError)
      expect(e.code).toBe('ERR_INTERNAL')
      expect(e.message).toMatch(/injected panic/)
    }
    expect(runSync(() => native().testSleep)).toBeTypeOf('function')
  })

  it('turn into ERR_INTERNAL in async calls (caller thread and pool worker), and the next call works', async () => {
    for (const place of ['caller', 'worker']) {
      const e = await rejection(runAsync({}, [], (c) => native().testPanic(place, c)))
      expect(e.code).toBe('ERR_INTERNAL')
      expect(e.message).toMatch(/injected panic/)
    }
    const s = await columnStats(matrix(Float64Array.of(1, 2, 3, 4), 2))
    expect(Array.from(s.mean)).toEqual([2, 3])
  })
})

describe('setThreads and versions', () => {
  it('reports package, native version, target, SIMD features and threads', () => {
    const v = versions()
    expect(v.package).toBe(v.native)
    expect(v.target).toMatch(/^(x86_64|aarch64)-/)
    expect(Array.isArray(v.simd)).toBe(true)
    expect(['avx512', 'avx2+fma', 'neon', 'scalar']).toContain(v.knnKernel)
    if (v.simd.includes('avx512f')) expect(v.knnKernel).toBe('avx512')
    expect(['avx512', 'avx2+fma', 'scalar']).toContain(v.gemmKernel)
    if (v.simd.includes('avx512f') && !process.env.EMBGEO_KERNEL) expect(v.gemmKernel).toBe('avx512')
    expect(['amx-bf16', 'avx512bf16', 'scalar']).toContain(v.bf16Kernel)
    expect(['amx-int8', 'avx512vnni', 'scalar-i8']).toContain(v.int8Kernel)
    // the covariance SYRK: the FMA micro-kernel, and from 256 columns the split-bf16 SYRK where
    // the bf16 tiles are AMX ones
    expect(v.covarianceKernel).toBe(
      v.bf16Kernel === 'amx-bf16' ? `split-bf16-amx from 256 columns, else ${v.gemmKernel}` : v.gemmKernel,
    )
    if (v.simd.includes('avx512bf16') && !process.env.EMBGEO_LOWP_KERNEL) expect(v.bf16Kernel).not.toBe('scalar')
    expect(v.threads).toBeGreaterThanOrEqual(1)
  })

  it('resizes the pool, and results do not depend on the thread count', async () => {
    const data = new Float64Array(50_000 * 3).map((_, i) => Math.sin(i))
    setThreads(1)
    expect(versions().threads).toBe(1)
    const one = await columnStats(matrix(data, 3))
    setThreads(2)
    expect(versions().threads).toBe(2)
    const two = await columnStats(matrix(data, 3))
    expect(two).toEqual(one)
  })

  it('rejects 0, fractions and non-numbers', () => {
    expect(thrown(() => setThreads(0)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => setThreads(1.5)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => setThreads('2' as unknown as number)).code).toBe('ERR_INVALID_ARG_TYPE')
  })
})
