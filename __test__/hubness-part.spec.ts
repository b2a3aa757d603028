/**
 * Mergeable hubness (issue 16): the k-occurrence counts of query blocks, moved as bytes and
 * merged, give `hubness` of the whole graph bit for bit (counts are integers; the statistics are
 * computed by the same Rust function). Expected values: the single-call `hubnessSync` result
 * itself, compared with toEqual (no tolerance).
 */
import { describe, expect, it } from 'vitest'

import {
  anisotropyPartSync,
  anisotropyPartToBytes,
  hubnessPart,
  hubnessPartFromBytes,
  hubnessPartSync,
  hubnessPartToBytes,
  hubnessSync,
  knnSync,
  matrix,
  mergeHubness,
  mergeKnnSync,
  type HubnessPart,
  type KnnResult,
} from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'

const N = 600
const D = 32
const K = 10
// 32 uniform dimensions: a clearly hubby graph (skewness well above 0, hubs and anti-hubs)
const X = randomData(N, D, 61)
const rowsOf = (a: number, b: number) => matrix(X.subarray(a * D, b * D), D)
const GRAPH = knnSync(rowsOf(0, N), { k: K })

/** Rows a..b of a graph as neighbour lists (a view, no copy). */
function block(g: KnnResult, a: number, b: number, stride = g.k) {
  return { indices: g.indices.subarray(a * stride, b * stride), rows: b - a, k: g.k, stride }
}

const SHARDINGS = [
  [0, N],
  [0, 1, 300, N],
  [0, 17, 18, 450, N],
]

describe('hubnessPart / mergeHubness', () => {
  it('parts of every sharding, moved as bytes, merge to hubness of the whole graph bit for bit (any order)', async () => {
    const whole = hubnessSync(GRAPH)
    expect(whole.skewness).toBeGreaterThan(0.3)
    expect(whole.hubs).toBeGreaterThan(0)
    expect(whole.antiHubs).toBeGreaterThan(0)
    for (const cuts of SHARDINGS) {
      const parts: HubnessPart[] = []
      for (let s = 0; s + 1 < cuts.length; s++) {
        const [a, b] = [cuts[s]!, cuts[s + 1]!]
        const o = { points: N, queryOffset: a }
        const p = s % 2 === 0 ? hubnessPartSync(block(GRAPH, a, b), o) : await hubnessPart(block(GRAPH, a, b), o)
        expect([p.k, p.rows, p.points, p.queryOffset]).toEqual([K, b - a, N, a])
        const bytes = hubnessPartToBytes(p)
        expect(bytes.length).toBe(48 + 4 * N)
        parts.push(hubnessPartFromBytes(bytes))
      }
      expect(mergeHubness(parts), `cuts ${cuts}`).toEqual(whole)
      expect(mergeHubness(parts.slice().reverse()), `cuts ${cuts} reversed`).toEqual(whole)
      expect(mergeHubness(parts, { hubSize: 1.5 })).toEqual(hubnessSync(GRAPH, { hubSize: 1.5 }))
    }
  })

  it('from a sharded kNN graph (query blocks × corpus shards, mergeKnn per block), equals hubness(knn(X))', () => {
    const shards = [[0, 250], [250, N]] as const
    const blocks = [[0, 200], [200, 380], [380, N]] as const
    const parts = blocks.map(([a, b]) => {
      const queries = rowsOf(a, b)
      const merged = mergeKnnSync(
        shards.map(([s, e]) => knnSync(rowsOf(s, e), { k: K, queries, rowOffset: s, queryOffset: a })),
        { k: K },
      )
      return hubnessPartSync(merged, { points: N, queryOffset: a })
    })
    expect(mergeHubness(parts)).toEqual(hubnessSync(GRAPH))
  })

  it('reads the first k of longer lists (stride) and counts a query set into another corpus (points ≠ rows)', () => {
    const whole5 = hubnessSync({ ...GRAPH, k: 5, stride: K })
    const parts = [[0, 222], [222, N]].map(([a, b]) => hubnessPartSync({ ...block(GRAPH, a!, b!), k: 5, stride: K }, { points: N, queryOffset: a! }))
    expect(mergeHubness(parts)).toEqual(whole5)
    // 150 queries (rows 0..150 of another set) into the corpus rows 150..600 (450 points)
    const corpus = rowsOf(150, N)
    const Q = matrix(randomData(150, D, 62), D)
    const q = knnSync(corpus, { k: 7, queries: Q })
    const want = hubnessSync(q, { points: N - 150 })
    const qp = [[0, 100], [100, 150]].map(([a, b]) => hubnessPartSync(block(q, a!, b!), { points: N - 150, queryOffset: a! }))
    expect(mergeHubness(qp)).toEqual(want)
  })

  it('rejects bad neighbour lists, options and parts with their codes', async () => {
    const good = hubnessPartSync(block(GRAPH, 0, 10), { points: N })
    expect(thrown(() => hubnessPartSync(GRAPH, undefined as never)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => hubnessPartSync(GRAPH, {} as never)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => hubnessPartSync(GRAPH, { points: 0 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => hubnessPartSync(GRAPH, { points: N, queryOffset: -1 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => hubnessPartSync(GRAPH, { points: N, queryOffset: 2 ** 32 - 10 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => hubnessPartSync(GRAPH, { points: N, offset: 1 } as never)).code).toBe('ERR_OUT_OF_RANGE')
    // an index ≥ points names its row and column
    const e = thrown(() => hubnessPartSync(GRAPH, { points: 5 }))
    expect(e.code).toBe('ERR_OUT_OF_RANGE')
    expect(e.message).toMatch(/at row 0, column \d/)
    expect((await rejection(hubnessPart(GRAPH, { points: 5 }))).code).toBe('ERR_OUT_OF_RANGE')
    expect((await rejection(hubnessPart(null as never, { points: N }))).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => hubnessPartSync({ indices: new Uint32Array(5), rows: 2, k: 3 }, { points: N })).code).toBe('ERR_SHAPE')
    expect(thrown(() => hubnessPartSync({ indices: Int32Array.of(1, -1), rows: 1, k: 2 }, { points: N })).code).toBe('ERR_OUT_OF_RANGE')

    expect(thrown(() => mergeHubness([])).code).toBe('ERR_EMPTY')
    expect(thrown(() => mergeHubness('parts' as never)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => mergeHubness([{}] as never)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => mergeHubness([good], { hubSize: 0 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => mergeHubness([good], { hubsize: 2 } as never)).code).toBe('ERR_OUT_OF_RANGE')
    // the same rows twice (no queryOffset on either part)
    const twice = thrown(() => mergeHubness([good, hubnessPartSync(block(GRAPH, 10, 20), { points: N })]))
    expect(twice.code).toBe('ERR_OUT_OF_RANGE')
    expect(twice.message).toMatch(/both count query row 0/)
    const otherPoints = hubnessPartSync(block(GRAPH, 10, 20), { points: N + 1, queryOffset: 10 })
    expect(thrown(() => mergeHubness([good, otherPoints])).code).toBe('ERR_SHAPE')
    const otherK = hubnessPartSync({ ...block(GRAPH, 10, 20), k: 3, stride: K }, { points: N, queryOffset: 10 })
    expect(thrown(() => mergeHubness([good, otherK])).code).toBe('ERR_OUT_OF_RANGE')
    // counts that no lists could give (sum ≠ rows · k)
    const forged = { ...good, occurrences: good.occurrences.map((c, i) => (i === 0 ? c + 1 : c)) }
    expect(thrown(() => mergeHubness([forged])).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => hubnessPartToBytes(forged)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => hubnessPartToBytes({ k: 1 } as never)).code).toBe('ERR_INVALID_ARG_TYPE')
  })

  it('corrupt, truncated or foreign bytes are ERR_BAD_MODEL', () => {
    const bytes = hubnessPartToBytes(hubnessPartSync(block(GRAPH, 0, 50), { points: N }))
    for (const at of [0, 9, 12, 20, 44, 48, bytes.length >> 1, bytes.length - 1]) {
      const flipped = bytes.slice()
      flipped[at]! ^= 0x08
      expect(thrown(() => hubnessPartFromBytes(flipped)).code, `byte ${at}`).toBe('ERR_BAD_MODEL')
    }
    expect(thrown(() => hubnessPartFromBytes(bytes.subarray(0, bytes.length - 4))).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => hubnessPartFromBytes(new Uint8Array(0))).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => hubnessPartFromBytes(anisotropyPartToBytes(anisotropyPartSync(rowsOf(0, 10))))).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => hubnessPartFromBytes([1, 2, 3] as never)).code).toBe('ERR_INVALID_ARG_TYPE')
  })
})
