/**
 * Mergeable kNN partial states: shard searches with global row ids (rowOffset, queryOffset),
 * mergeKnn, and the part's binary form. The reference is knnSync on the whole corpus; merged
 * results must equal it bit for bit (toEqual on indices and distances).
 */
import { describe, expect, it } from 'vitest'

import {
  deserializeKnnPart,
  knn,
  knnSync,
  matrix,
  mergeKnn,
  mergeKnnSync,
  serializeKnnPart,
  type KnnPart,
  type KnnResult,
  type Metric,
} from '../src/index.js'
import { randomData, rejection, thrown, tieData } from './helpers.js'

const N = 203
const D = 8
const K = 5


const DATASETS: Array<[string, Float32Array | Float64Array]> = [
  ['random f64', randomData(N, D, 11)],
  ['random f32', Float32Array.from(randomData(N, D, 12))],
  ['ties f64', tieData(N, D, 13)],
  ['ties f32', Float32Array.from(tieData(N, D, 14))],
]

/** Shard boundaries: 1, 2, 3 and 4 uneven shards, each with more than K rows. */
const CUTS = [
  [0, N],
  [0, 77, N],
  [0, 13, 140, N],
  [0, 6, 90, 97, N],
]

const METRICS: Metric[] = ['euclidean', 'cosine', 'dot', 'sqeuclidean']

function rowsOf(data: Float32Array | Float64Array, a: number, b: number) {
  return matrix(data.subarray(a * D, b * D), D)
}

function concat(results: KnnResult[]) {
  const indices = new Uint32Array(results.reduce((s, r) => s + r.indices.length, 0))
  const Ctor = results[0]!.distances.constructor as Float32ArrayConstructor | Float64ArrayConstructor
  const distances = new Ctor(indices.length)
  let o = 0
  for (const r of results) {
    indices.set(r.indices, o)
    distances.set(r.distances, o)
    o += r.indices.length
  }
  return { indices, distances }
}

/** The all-points graph from query blocks × shards, merged per block. */
function shardedGraph(data: Float32Array | Float64Array, cuts: number[], blocks: number[], metric: Metric) {
  const merged: KnnPart[] = []
  for (let b = 0; b + 1 < blocks.length; b++) {
    const queries = rowsOf(data, blocks[b]!, blocks[b + 1]!)
    const parts = []
    for (let s = 0; s + 1 < cuts.length; s++) {
      const shard = rowsOf(data, cuts[s]!, cuts[s + 1]!)
      parts.push(knnSync(shard, { k: K, metric, queries, rowOffset: cuts[s]!, queryOffset: blocks[b]! }))
    }
    merged.push(mergeKnnSync(parts, { k: K }))
  }
  return concat(merged)
}

describe('mergeKnnSync', () => {
  for (const [name, data] of DATASETS) {
    it(`all-points graph over 1–4 shards equals knnSync bit for bit (${name})`, () => {
      for (const metric of METRICS) {
        const whole = knnSync(matrix(data, D), { k: K, metric })
        for (const [c, cuts] of CUTS.entries()) {
          const blocks = c % 2 === 0 ? [0, N] : [0, 100, 101, N]
          const got = shardedGraph(data, cuts, blocks, metric)
          expect(got.indices, `${metric} ${cuts}`).toEqual(whole.indices)
          expect(got.distances, `${metric} ${cuts}`).toEqual(whole.distances)
        }
      }
    })

    it(`a query set over 1–4 shards equals knnSync bit for bit (${name})`, () => {
      const Q = data instanceof Float32Array ? Float32Array.from(tieData(31, D, 99)) : tieData(31, D, 99)
      const queries = matrix(Q, D)
      for (const metric of METRICS) {
        const whole = knnSync(matrix(data, D), { k: K, metric, queries })
        for (const cuts of CUTS) {
          const parts = []
          for (let s = 0; s + 1 < cuts.length; s++) {
            parts.push(knnSync(rowsOf(data, cuts[s]!, cuts[s + 1]!), { k: K, metric, queries, rowOffset: cuts[s]! }))
          }
          const m = mergeKnnSync(parts.reverse(), { k: K })
          expect(m.indices, `${metric} ${cuts}`).toEqual(whole.indices)
          expect(m.distances, `${metric} ${cuts}`).toEqual(whole.distances)
          expect(m.metric).toBe(metric)
        }
      }
    })
  }

  it('merges are associative: a tree of merges equals one merge', () => {
    const data = DATASETS[2]![1]
    const queries = rowsOf(data, 0, 40)
    const parts = CUTS[3]!.slice(0, -1).map((a, s) => knnSync(rowsOf(data, a, CUTS[3]![s + 1]!), { k: K, queries, rowOffset: a }))
    const flat = mergeKnnSync(parts, { k: K })
    const tree = mergeKnnSync([mergeKnnSync(parts.slice(0, 2), { k: K }), mergeKnnSync(parts.slice(2), { k: K })], { k: K })
    expect(tree.indices).toEqual(flat.indices)
    expect(tree.keys).toEqual(flat.keys)
  })

  it('rejects plain results, overlapping shards, mixed shapes and large k with codes', () => {
    const data = DATASETS[0]![1]
    const queries = rowsOf(data, 0, 10)
    const a = knnSync(rowsOf(data, 0, 50), { k: K, queries, rowOffset: 0 })
    const b = knnSync(rowsOf(data, 50, N), { k: K, queries, rowOffset: 50 })
    const plain = knnSync(rowsOf(data, 0, 50), { k: K, queries })
    expect(thrown(() => mergeKnnSync([plain as KnnPart], { k: K })).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => mergeKnnSync([], { k: K })).code).toBe('ERR_EMPTY')
    expect(thrown(() => mergeKnnSync([a, b], { k: 2 * K + 1 })).code).toBe('ERR_K_TOO_LARGE')
    expect(thrown(() => mergeKnnSync([a, b], { k: 0 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => mergeKnnSync([a, b], { k: K, nope: 1 } as never)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => mergeKnnSync([a, a], { k: K + 1 })).code).toBe('ERR_OUT_OF_RANGE')
    const fewer = knnSync(rowsOf(data, 50, N), { k: K, queries: rowsOf(data, 0, 9), rowOffset: 50 })
    expect(thrown(() => mergeKnnSync([a, fewer], { k: K })).code).toBe('ERR_SHAPE')
    const cos = knnSync(rowsOf(data, 50, N), { k: K, queries, rowOffset: 50, metric: 'cosine' })
    expect(thrown(() => mergeKnnSync([a, cos], { k: K })).code).toBe('ERR_INVALID_ARG_VALUE')
  })
})

describe('mergeKnn', () => {
  it('equals mergeKnnSync, and an aborted merge rejects with ABORT_ERR', async () => {
    const data = DATASETS[1]![1]
    const queries = rowsOf(data, 0, 60)
    const parts = await Promise.all(
      CUTS[2]!.slice(0, -1).map((a, s) => knn(rowsOf(data, a, CUTS[2]![s + 1]!), { k: K, queries, rowOffset: a, queryOffset: 0 })),
    )
    const sync = parts.map((p, s) => knnSync(rowsOf(data, CUTS[2]![s]!, CUTS[2]![s + 1]!), { k: K, queries, rowOffset: CUTS[2]![s]!, queryOffset: 0 }))
    for (const [i, p] of parts.entries()) expect(p.keys).toEqual(sync[i]!.keys)
    const m = await mergeKnn(parts, { k: K })
    const s = mergeKnnSync(sync, { k: K })
    expect(m.indices).toEqual(s.indices)
    expect(m.distances).toEqual(s.distances)
    expect(m.keys).toEqual(s.keys)
    const ac = new AbortController()
    ac.abort()
    expect((await rejection(mergeKnn(parts, { k: K, signal: ac.signal }))).code).toBe('ABORT_ERR')
    expect((await rejection(mergeKnn([], { k: K }))).code).toBe('ERR_EMPTY')
  })
})

describe('knn with rowOffset / queryOffset', () => {
  const data = DATASETS[0]![1]
  it('offsets the indices, keeps the distances and returns keys', () => {
    const queries = rowsOf(data, 0, 7)
    const plain = knnSync(rowsOf(data, 100, N), { k: K, queries })
    const part = knnSync(rowsOf(data, 100, N), { k: K, queries, rowOffset: 1000 })
    expect(Array.from(part.indices)).toEqual(Array.from(plain.indices, (i) => i + 1000))
    expect(part.distances).toEqual(plain.distances)
    // euclidean keys are squared distances
    expect(Array.from(part.keys, Math.sqrt)).toEqual(Array.from(plain.distances))
    expect('keys' in plain).toBe(false)
  })

  it('rejects bad offsets with codes', async () => {
    const shard = rowsOf(data, 0, 50)
    const queries = rowsOf(data, 0, 10)
    expect(thrown(() => knnSync(shard, { k: K, queryOffset: 0 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => knnSync(shard, { k: K, queries, rowOffset: -1 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => knnSync(shard, { k: K, queries, rowOffset: 1.5 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => knnSync(shard, { k: K, queries, rowOffset: 2 ** 32 - 10 })).code).toBe('ERR_OUT_OF_RANGE')
    // overlapping block: each query's own row is excluded, so k ≤ shard rows − 1
    expect(thrown(() => knnSync(shard, { k: 50, queries, rowOffset: 0, queryOffset: 5 })).code).toBe('ERR_K_TOO_LARGE')
    expect(knnSync(shard, { k: 50, queries, rowOffset: 0, queryOffset: 50 }).k).toBe(50)
    expect((await rejection(knn(shard, { k: K, queryOffset: 0 }))).code).toBe('ERR_OUT_OF_RANGE')
  })
})

describe('serializeKnnPart / deserializeKnnPart', () => {
  for (const [name, data] of [DATASETS[0]!, DATASETS[3]!]) {
    it(`round-trips exactly in 36 + 12·rows·k bytes (${name})`, () => {
      const part = knnSync(rowsOf(data, 0, 120), { k: K, metric: 'cosine', queries: rowsOf(data, 100, 130), rowOffset: 0, queryOffset: 100 })
      const bytes = serializeKnnPart(part)
      expect(bytes.length).toBe(36 + 12 * part.rows * part.k)
      const back = deserializeKnnPart(bytes)
      expect(back.indices).toEqual(part.indices)
      expect(back.distances).toEqual(part.distances)
      expect(back.keys).toEqual(part.keys)
      expect([back.k, back.rows, back.metric]).toEqual([part.k, part.rows, part.metric])
    })
  }

  it('rejects corrupt, truncated and foreign bytes with ERR_BAD_MODEL', () => {
    const part = knnSync(rowsOf(DATASETS[0]![1], 0, 60), { k: K, rowOffset: 7 })
    const bytes = serializeKnnPart(part)
    for (const at of [0, 12, 40, bytes.length - 20, bytes.length - 1]) {
      const bad = bytes.slice()
      bad[at]! ^= 0x04
      expect(thrown(() => deserializeKnnPart(bad)).code, `byte ${at}`).toBe('ERR_BAD_MODEL')
    }
    expect(thrown(() => deserializeKnnPart(bytes.subarray(0, bytes.length - 3))).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => deserializeKnnPart(new Uint8Array(10))).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => deserializeKnnPart('x' as never)).code).toBe('ERR_INVALID_ARG_TYPE')
  })
})
