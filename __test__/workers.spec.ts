/**
 * worker_threads (issue 7): the addon loads and works in 4 workers at once, and models travel
 * between threads as bytes: a PCA, a Whitener and a KnnIndex fitted here are serialized, posted to
 * the workers (one set transferred, the others cloned; the PCA also as toJSON text),
 * deserialized there, and their transform / search results equal this thread's bit for bit.
 * The workers also fit their own partial PCA on a shard and send it back serialized, and the
 * merge of the four equals a fit of all rows here. process.spec.ts covers loading in workers with
 * a single columnStats call.
 *
 * Workers import dist/ (npm run build:ts); this thread imports src/ — one native addon either way.
 */
import { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

import { KnnIndex, knnSync, matrix, PCA, Whitener } from '../src/index.js'
import { randomData } from './helpers.js'

const root = fileURLToPath(new URL('..', import.meta.url))

const bits = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')

const WORKER = `
  const { parentPort, workerData } = require('node:worker_threads')
  import(${JSON.stringify(`${root}dist/index.js`)}).then(async (e) => {
    const { X, Q, shard, pcaBytes, pcaJson, whitenerBytes, indexBytes } = workerData
    const bits = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')
    const x = e.matrix(X, 32)
    const q = e.matrix(Q, 32)
    const pca = e.PCA.deserialize(pcaBytes)
    const pcaFromJson = e.PCA.fromJSON(pcaJson)
    const w = e.Whitener.deserialize(whitenerBytes)
    const index = e.KnnIndex.deserialize(indexBytes)
    const out = {
      pcaSync: bits(pca.transformSync(x).data),
      pcaAsync: bits((await pca.transform(x)).data),
      pcaJson: bits(pcaFromJson.transformSync(x).data),
      inverse: bits(pca.inverseTransformSync(pca.transformSync(x)).data),
      whiten: bits((await w.transform(x)).data),
      searchIdx: bits(index.searchSync(q, { k: 7 }).indices),
      searchDist: bits((await index.search(q, { k: 7 })).distances),
      knn: bits((await e.knn(x, { k: 5 })).indices),
      partial: new e.PCA().partialFit(e.matrix(shard, 32)).serialize(),
    }
    index.dispose()
    parentPort.postMessage(out)
  }).catch((err) => { throw err })
`

function runWorker(data: Record<string, unknown>, transfer: ArrayBuffer[]): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData: data, transferList: transfer })
    w.once('message', (m) => {
      resolve(m)
      void w.terminate()
    })
    w.once('error', reject)
    w.once('exit', (code) => {
      if (code !== 0 && code !== 1) reject(new Error(`worker exited with ${code}`))
    })
  })
}

describe('models across worker_threads', () => {
  it('4 workers at once deserialize PCA, Whitener and KnnIndex and reproduce this thread bit for bit', async () => {
    const X = randomData(400, 32, 11)
    const Q = randomData(50, 32, 12)
    const x = matrix(X, 32)
    const q = matrix(Q, 32)
    const pca = new PCA({ nComponents: 8 }).fitSync(x)
    const whitener = new Whitener({ nComponents: 16 }).fitSync(x)
    const index = new KnnIndex(x)
    const expected = {
      pcaSync: bits(pca.transformSync(x).data),
      pcaAsync: bits((await pca.transform(x)).data),
      pcaJson: bits(pca.transformSync(x).data),
      inverse: bits(pca.inverseTransformSync(pca.transformSync(x)).data),
      whiten: bits((await whitener.transform(x)).data),
      searchIdx: bits(index.searchSync(q, { k: 7 }).indices),
      searchDist: bits(index.searchSync(q, { k: 7 }).distances),
      knn: bits(knnSync(x, { k: 5 }).indices),
    }
    const shards = [0, 1, 2, 3].map((i) => X.slice(i * 100 * 32, (i + 1) * 100 * 32))
    const results = await Promise.all(
      shards.map((shard, i) => {
        const data = {
          X,
          Q,
          shard,
          pcaBytes: pca.serialize(),
          pcaJson: JSON.stringify(pca),
          whitenerBytes: whitener.serialize(),
          indexBytes: index.serialize(),
        }
        // Worker 0 gets its buffers transferred (zero-copy), the others structured clones.
        const transfer = i === 0 ? [data.pcaBytes.buffer, data.whitenerBytes.buffer, data.indexBytes.buffer, shard.buffer] : []
        return runWorker(data, transfer as ArrayBuffer[])
      }),
    )
    index.dispose()
    for (const r of results) {
      const { partial, ...rest } = r
      expect(rest).toEqual(expected)
      expect(partial).toBeInstanceOf(Uint8Array)
    }
    // Streaming fits made in the workers, merged here, equal one fit of all rows (api.md merge).
    const merged = PCA.deserialize(results[0]!.partial)
    for (const r of results.slice(1)) merged.merge(PCA.deserialize(r.partial))
    const whole = new PCA().partialFit(x)
    expect(merged.nSamplesSeen).toBe(400)
    // Chan merges of four shards vs one pass: equal up to rounding (1e-10 relative).
    const close = (a: Float64Array, b: Float64Array) => a.every((v, i) => Math.abs(v - b[i]!) <= 1e-10 * Math.max(1, Math.abs(b[i]!)))
    expect(close(merged.mean, whole.mean)).toBe(true)
    expect(close(merged.explainedVariance, whole.explainedVariance)).toBe(true)
  }, 60_000)
})
