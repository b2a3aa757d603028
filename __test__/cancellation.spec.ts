/**
 * Cancellation of large jobs (issue 7): kNN, intrinsic dimension (TwoNN, whose kNN dominates) and
 * PCA aborted mid-run reject with AbortError / ABORT_ERR long before an unaborted run of the same
 * job would finish, the next call works, and a process exits promptly after an abort (its pool
 * threads and the aborted job do not keep it alive).
 *
 * No absolute time is asserted for the in-process cases: each job is first sized so an unaborted
 * run takes at least ~0.4 s (PCA 0.25 s) on this machine (sizes double until it does, within a
 * memory bound), timed once, then rerun
 * and aborted at a quarter of that time; the rejection must arrive within half of the unaborted
 * duration after the abort. Absolute abort latencies are measured by bench/abort.bench.mjs
 * (bench/results/abort.md). Run-time machinery (queue, progress, already-aborted signals) is
 * covered by run.spec.ts.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

import { knn, knnSync, matrix, PCA, twoNN, twoNNSync, type DenseMatrix } from '../src/index.js'
import { rejection } from './helpers.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Fast seeded f32 data (xorshift32 → [-1, 1)). */
function data(rows: number, cols: number, seed = 1): DenseMatrix {
  const a = new Float32Array(rows * cols)
  let s = seed >>> 0 || 1
  for (let i = 0; i < a.length; i++) {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    a[i] = s / 2 ** 31 - 1
  }
  return matrix(a, cols)
}

interface Job {
  name: string
  cols: number
  start: number
  /** Size the job until an unaborted run takes this long (default 400 ms)… */
  minMs?: number
  /** …or the rows have doubled this often (default 8; bounds memory). */
  maxDoublings?: number
  run: (X: DenseMatrix, signal?: AbortSignal) => Promise<unknown>
  small: (X: DenseMatrix) => Promise<unknown>
  smallSync: (X: DenseMatrix) => unknown
}

const JOBS: Job[] = [
  {
    name: 'knn (all points, k 10)',
    cols: 128,
    start: 4000,
    run: (X, signal) => knn(X, { k: 10, signal }),
    small: (X) => knn(X, { k: 3 }).then((r) => Array.from(r.indices)),
    smallSync: (X) => Array.from(knnSync(X, { k: 3 }).indices),
  },
  {
    name: 'twoNN (kNN inside)',
    cols: 128,
    start: 4000,
    run: (X, signal) => twoNN(X, { signal }),
    small: (X) => twoNN(X).then((r) => r.dimension),
    smallSync: (X) => twoNNSync(X).dimension,
  },
  {
    // The row pass (checkpointed per 2048-row block) must dominate: an abort that lands in the
    // final eigendecomposition (≈ 4d³ flops, no checkpoint) is not honoured (see
    // bench/results/abort.md). d = 384 gives ~3 µs of SYRK per row against ~40 ms of eigh.
    name: 'PCA.fit (covariance)',
    cols: 384,
    start: 20000,
    minMs: 250,
    maxDoublings: 3,
    run: (X, signal) => new PCA({ nComponents: 8 }).fit(X, { signal }),
    small: (X) => new PCA({ nComponents: 2 }).fit(X).then((p) => Array.from(p.explainedVariance)),
    smallSync: (X) => Array.from(new PCA({ nComponents: 2 }).fitSync(X).explainedVariance),
  },
]

/**
 * Milliseconds from the moment the call returns to its settlement: the job's own run time. (The
 * synchronous part, which copies the input once, is left out: for PCA's 245 MB it is 0.2-0.9 s.)
 */
async function timed(start: () => Promise<unknown>): Promise<number> {
  const p = start()
  const t0 = performance.now()
  await p
  return performance.now() - t0
}

describe('abort of large jobs', () => {
  it.each(JOBS.map((j) => ({ ...j, label: j.name })))(
    '$label: rejects with AbortError well before an unaborted run would finish, and the next call works',
    async (job) => {
      // Size the job: double the rows until one unaborted run takes >= minMs (bounded doublings).
      let rows = job.start
      let X = data(rows, job.cols)
      let full = await timed(() => job.run(X))
      for (let i = 0; i < (job.maxDoublings ?? 8) && full < (job.minMs ?? 400); i++) {
        rows *= 2
        X = data(rows, job.cols)
        full = await timed(() => job.run(X))
      }
      const ac = new AbortController()
      const reason = new Error('test abort')
      const p = job.run(X, ac.signal)
      const t0 = performance.now()
      await new Promise((r) => setTimeout(r, full / 4))
      const abortedAt = performance.now()
      ac.abort(reason)
      const e = await rejection(p)
      const latency = performance.now() - abortedAt
      console.log(`${job.name} ${rows} × ${job.cols}: unaborted ${full.toFixed(0)} ms; aborted at ${(abortedAt - t0).toFixed(0)} ms, rejected ${latency.toFixed(1)} ms later`)
      expect([e.name, e.code]).toEqual(['AbortError', 'ABORT_ERR'])
      expect(e.cause).toBe(reason)
      expect(latency).toBeLessThan(full / 2)
      // The next call works and gives the sync twin's answer.
      const small = data(300, 16, 2)
      expect(await job.small(small)).toEqual(job.smallSync(small))
    },
    120_000,
  )

  it('aborting one of several queued jobs leaves the others intact', async () => {
    const X = data(3000, 64)
    const ac = new AbortController()
    const a = knn(X, { k: 5 })
    const b = knn(X, { k: 5, signal: ac.signal })
    const c = knn(X, { k: 5 })
    ac.abort()
    const [ra, eb, rc] = await Promise.all([a, rejection(b), c])
    expect(eb.code).toBe('ABORT_ERR')
    expect(ra.indices).toEqual(rc.indices)
    expect(ra.indices).toEqual(knnSync(X, { k: 5 }).indices)
  })
})

describe('process exit after an abort', () => {
  it('exits promptly after aborting a long kNN job (the aborted job does not keep it alive)', async () => {
    // The child starts a kNN job that runs for many seconds, aborts it after 300 ms, reports the
    // time, and has nothing left to do. Exit must follow quickly; the bound (20 s) only catches a
    // process kept alive by the aborted job.
    const code = `
      import { knn, matrix } from ${JSON.stringify(`${root}dist/index.js`)}
      const a = new Float32Array(60000 * 256)
      let s = 7
      for (let i = 0; i < a.length; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; a[i] = s / 2 ** 31 - 1 }
      const ac = new AbortController()
      const p = knn(matrix(a, 256), { k: 10, signal: ac.signal })
      setTimeout(() => { process.stdout.write('abort ' + Date.now() + '\\n'); ac.abort() }, 300)
      const e = await p.catch((e) => e)
      process.stdout.write('rejected ' + Date.now() + ' ' + e.code + '\\n')
    `
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    const exit = await new Promise<{ code: number | null; at: number }>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000)
      child.on('exit', (c) => {
        clearTimeout(timer)
        resolve({ code: c, at: Date.now() })
      })
    })
    expect(err).toBe('')
    expect(exit.code).toBe(0)
    const abortAt = Number(/abort (\d+)/.exec(out)?.[1])
    const [, rejectedAt, rejectCode] = /rejected (\d+) (\S+)/.exec(out) ?? []
    expect(rejectCode).toBe('ABORT_ERR')
    console.log(`child: rejection ${Number(rejectedAt) - abortAt} ms after abort, exit ${exit.at - abortAt} ms after abort`)
    expect(exit.at - abortAt).toBeLessThan(20_000)
  }, 90_000)
})
