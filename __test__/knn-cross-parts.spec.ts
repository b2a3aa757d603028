/**
 * knnCrossParts: both directions of two disjoint row blocks in one pass. The references are the
 * two shard searches it replaces (knnSync with queries and rowOffset) and, for a sharded graph,
 * knnSync of the whole corpus: results must equal them bit for bit (toEqual on indices, keys and
 * distances).
 */
import { describe, expect, it } from 'vitest'

import { knnCrossParts, knnCrossPartsSync, knnSync, mergeKnnSync, type KnnPart, type Metric } from '../src/index.js'
import { randomData, rejection, rng, thrown, tieData } from './helpers.js'

const D = 6


const DATASETS: Array<[string, Float32Array | Float64Array]> = [
  ['random f64', randomData(420, D, 21)],
  ['random f32', Float32Array.from(randomData(420, D, 22))],
  ['ties f64', tieData(420, D, 23)],
  ['ties f32', Float32Array.from(tieData(420, D, 24))],
]

const METRICS: Metric[] = ['euclidean', 'sqeuclidean', 'cosine', 'dot']

function rows<T extends Float32Array | Float64Array>(x: T, start: number, end: number) {
  return { data: x.subarray(start * D, end * D) as T, rows: end - start, cols: D }
}

function same(got: KnnPart, want: KnnPart): void {
  expect(got.rows).toBe(want.rows)
  expect(got.k).toBe(want.k)
  expect(got.metric).toBe(want.metric)
  expect(got.indices).toEqual(want.indices)
  expect(got.keys).toEqual(want.keys)
  expect(got.distances).toEqual(want.distances)
}

describe('knnCrossParts', () => {
  for (const [name, x] of DATASETS) {
    for (const metric of METRICS) {
      it(`equals the two shard searches bit for bit (${name}, ${metric})`, async () => {
        // blocks larger than the engine's 384-row tile, B before A in global ids
        const a = rows(x, 0, 190)
        const b = rows(x, 190, 420)
        const k = 7
        const opts = { k, metric, aOffset: 1000, bOffset: 10 }
        const want = {
          aToB: knnSync(b, { k, metric, queries: a, rowOffset: 10 }),
          bToA: knnSync(a, { k, metric, queries: b, rowOffset: 1000 }),
        }
        const got = await knnCrossParts(a, b, opts)
        same(got.aToB, want.aToB)
        same(got.bToA, want.bToA)
        const sync = knnCrossPartsSync(a, b, opts)
        same(sync.aToB, want.aToB)
        same(sync.bToA, want.bToA)
      })
    }
  }

  it('with the diagonal parts, merges into the single-process all-points graph', async () => {
    const x = tieData(700, D, 31)
    const cuts = [0, 150, 390, 520, 700]
    const k = 6
    const want = knnSync({ data: x, rows: 700, cols: D }, { k })
    const s = cuts.length - 1
    const parts: KnnPart[][] = Array.from({ length: s }, () => new Array<KnnPart>(s))
    for (let i = 0; i < s; i++) {
      parts[i]![i] = knnSync(rows(x, cuts[i]!, cuts[i + 1]!), { k, rowOffset: cuts[i]! })
      for (let j = i + 1; j < s; j++) {
        const c = await knnCrossParts(rows(x, cuts[i]!, cuts[i + 1]!), rows(x, cuts[j]!, cuts[j + 1]!), { k, aOffset: cuts[i], bOffset: cuts[j] })
        parts[i]![j] = c.aToB
        parts[j]![i] = c.bToA
      }
    }
    const merged = parts.map((row) => mergeKnnSync(row, { k }))
    const indices = new Uint32Array(merged.flatMap((m) => Array.from(m.indices)))
    const distances = new Float64Array(merged.flatMap((m) => Array.from(m.distances)))
    expect(indices).toEqual(want.indices)
    expect(distances).toEqual(want.distances)
  })

  it('takes low-precision blocks (bf16) like the shard searches', async () => {
    const r = rng(41)
    const bits = new Uint16Array(300 * D)
    // bf16 patterns of small positive and negative numbers
    for (let i = 0; i < bits.length; i++) bits[i] = (r() < 0.5 ? 0x3f00 : 0xbf00) | Math.floor(r() * 128)
    const a = { data: bits.subarray(0, 120 * D), rows: 120, cols: D, dtype: 'bf16' as const }
    const b = { data: bits.subarray(120 * D), rows: 180, cols: D, dtype: 'bf16' as const }
    const got = await knnCrossParts(a, b, { k: 4, aOffset: 0, bOffset: 120 })
    same(got.aToB, knnSync(b, { k: 4, queries: a, rowOffset: 120 }))
    same(got.bToA, knnSync(a, { k: 4, queries: b, rowOffset: 0 }))
  })

  it('rejects bad input with coded errors', async () => {
    const x = randomData(40, D, 51)
    const a = rows(x, 0, 10)
    const b = rows(x, 10, 40)
    const code = (f: () => unknown) => thrown(f).code
    expect(code(() => knnCrossPartsSync(a, b, { k: 2, aOffset: 0, bOffset: 5 }))).toBe('ERR_OUT_OF_RANGE')
    expect(code(() => knnCrossPartsSync(a, b, { k: 2, aOffset: 25, bOffset: 0 }))).toBe('ERR_OUT_OF_RANGE')
    expect(code(() => knnCrossPartsSync(a, b, { k: 11, aOffset: 0, bOffset: 10 }))).toBe('ERR_K_TOO_LARGE')
    expect(code(() => knnCrossPartsSync(a, b, { k: 0, aOffset: 0, bOffset: 10 }))).toBe('ERR_OUT_OF_RANGE')
    expect(code(() => knnCrossPartsSync(a, b, { k: 2, aOffset: 2 ** 32 - 5, bOffset: 0 }))).toBe('ERR_OUT_OF_RANGE')
    expect(code(() => knnCrossPartsSync(a, { data: new Float64Array(12), rows: 3, cols: 4 }, { k: 2, bOffset: 10 }))).toBe('ERR_SHAPE')
    expect(code(() => knnCrossPartsSync(a, { data: Float32Array.from(b.data), rows: 30, cols: D }, { k: 2, bOffset: 10 }))).toBe('ERR_INVALID_ARG_VALUE')
    expect(code(() => knnCrossPartsSync(a, { data: new Float64Array(0), rows: 0, cols: D }, { k: 2, bOffset: 10 }))).toBe('ERR_EMPTY')
    expect(code(() => knnCrossPartsSync(a, b, { k: 2, bOffset: 10, metric: 'manhattan' as Metric }))).toBe('ERR_INVALID_ARG_VALUE')
    expect(code(() => knnCrossPartsSync(a, b, { k: 2, bOffset: 10, offset: 3 } as never))).toBe('ERR_OUT_OF_RANGE')
    expect(code(() => knnCrossPartsSync(a, b, undefined as never))).toBe('ERR_INVALID_ARG_TYPE')
    const nan = Float64Array.from(b.data)
    nan[7] = Number.NaN
    expect((await rejection(knnCrossParts(a, { data: nan, rows: 30, cols: D }, { k: 2, bOffset: 10 }))).code).toBe('ERR_NON_FINITE')
    const zero = Float64Array.from(b.data)
    zero.fill(0, 0, D)
    expect(code(() => knnCrossPartsSync(a, { data: zero, rows: 30, cols: D }, { k: 2, bOffset: 10, metric: 'cosine' }))).toBe('ERR_DEGENERATE')
    const ac = new AbortController()
    ac.abort()
    expect((await rejection(knnCrossParts(a, b, { k: 2, bOffset: 10, signal: ac.signal }))).name).toBe('AbortError')
  })
})
