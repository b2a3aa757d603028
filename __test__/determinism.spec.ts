/**
 * Determinism (issue 7, api.md "Determinism and precision"): kNN, TwoNN, MLE, PCA and Whitener give
 * bit-identical outputs for 1 and 2 pool threads, for the sync and the async twin, and across
 * repeated runs. Inputs are large enough to be split into several blocks (kNN tiles, PCA's
 * 2048-row moment blocks and lanes), so a reduction whose order followed the scheduling would
 * show. run.spec.ts checks the same for columnStats.
 */
import { afterAll, describe, expect, it } from 'vitest'

import { knn, knnSync, matrix, mle, mleSync, PCA, setThreads, twoNN, twoNNSync, versions, Whitener, type DenseMatrix } from '../src/index.js'
import { randomData } from './helpers.js'

const initialThreads = versions().threads
afterAll(() => setThreads(initialThreads))

/** Every output bit of a result: typed arrays as base64, numbers as their f64 bits, recursively. */
function fingerprint(v: unknown): unknown {
  if (typeof v === 'number') return Buffer.from(Float64Array.of(v).buffer).toString('hex')
  if (ArrayBuffer.isView(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
  if (v === null || typeof v !== 'object') return v
  return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x !== 'function').map(([k, x]) => [k, fingerprint(x)]))
}

const X64 = matrix(randomData(2500, 48, 21), 48)
const X32: DenseMatrix = matrix(Float32Array.from(randomData(5000, 48, 22)), 48)
const Q32: DenseMatrix = matrix(Float32Array.from(randomData(300, 48, 23)), 48)

interface Op {
  name: string
  sync: () => unknown
  async: () => Promise<unknown>
}

const modelOut = (m: PCA | Whitener, Y: DenseMatrix) => ({ json: JSON.stringify(m.toJSON()), Y: Y.data })

const OPS: Op[] = [
  { name: 'knn all points (f64, k 10)', sync: () => knnSync(X64, { k: 10 }), async: () => knn(X64, { k: 10 }) },
  { name: 'knn queries (f32, cosine, k 5)', sync: () => knnSync(X32, { k: 5, metric: 'cosine', queries: Q32 }), async: () => knn(X32, { k: 5, metric: 'cosine', queries: Q32 }) },
  { name: 'twoNN (f32)', sync: () => twoNNSync(X32), async: () => twoNN(X32) },
  { name: "mle (f64, k 10, pointwise)", sync: () => mleSync(X64, { k: 10, pointwise: true }), async: () => mle(X64, { k: 10, pointwise: true }) },
  {
    name: 'PCA fit + transform (f32, covariance)',
    sync: () => {
      const p = new PCA({ nComponents: 10 }).fitSync(X32)
      return modelOut(p, p.transformSync(X32))
    },
    async: async () => {
      const p = await new PCA({ nComponents: 10 }).fit(X32)
      return modelOut(p, await p.transform(X32))
    },
  },
  {
    name: 'PCA fit + transform (f64, randomized)',
    sync: () => {
      const p = new PCA({ nComponents: 6, solver: 'randomized', seed: 3 }).fitSync(X64)
      return modelOut(p, p.transformSync(X64))
    },
    async: async () => {
      const p = await new PCA({ nComponents: 6, solver: 'randomized', seed: 3 }).fit(X64)
      return modelOut(p, await p.transform(X64))
    },
  },
  {
    name: 'Whitener fit + transform (f32, zca)',
    sync: () => {
      const w = new Whitener({ method: 'zca' }).fitSync(X32)
      return modelOut(w, w.transformSync(X32))
    },
    async: async () => {
      const w = await new Whitener({ method: 'zca' }).fit(X32)
      return modelOut(w, await w.transform(X32))
    },
  },
]

describe('bit-identical results', () => {
  it.each(OPS.map((o) => ({ ...o, label: o.name })))('$label: threads 1 and 2, sync and async, repeated', async (op) => {
    const seen: [string, unknown][] = []
    for (const threads of [1, 2]) {
      setThreads(threads)
      for (let rep = 0; rep < 2; rep++) {
        seen.push([`threads ${threads} sync #${rep}`, fingerprint(op.sync())])
        seen.push([`threads ${threads} async #${rep}`, fingerprint(await op.async())])
      }
    }
    const [, first] = seen[0]!
    for (const [label, fp] of seen) expect([label, fp]).toEqual([label, first])
  }, 120_000)
})
