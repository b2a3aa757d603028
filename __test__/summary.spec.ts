/** Descriptive statistics used by analyze (src/summary.ts) and the seeded row sampler (src/sample.ts). */
import { describe, expect, it } from 'vitest'

import { gatherRows, sampleIndices, takeRows } from '../src/sample.js'
import { histogram, integerHistogram, percentile, summarize } from '../src/summary.js'

describe('summary statistics', () => {
  it('percentile interpolates linearly like numpy.percentile (default method)', () => {
    // numpy.percentile([1, 2, 4, 8], [0, 10, 50, 90, 100]) = [1, 1.3, 3, 6.8, 8]
    const s = [1, 2, 4, 8]
    expect([0, 10, 50, 90, 100].map((q) => percentile(s, q))).toEqual([1, 1.3, 3, 6.800000000000001, 8])
  })

  it('summarize gives min, max, mean, median, population std and the 10/90 % points', () => {
    const r = summarize([4, 8, 1, 2])
    expect(r).toMatchObject({ min: 1, max: 8, mean: 3.75, median: 3 })
    expect(r.std).toBeCloseTo(Math.sqrt(((4 - 3.75) ** 2 + (8 - 3.75) ** 2 + (1 - 3.75) ** 2 + (2 - 3.75) ** 2) / 4), 14)
  })

  it('histogram counts every value once, the maximum in the last bin', () => {
    const h = histogram([0, 0.5, 1, 1, 2], 4)
    expect(h.edges).toEqual([0, 0.5, 1, 1.5, 2])
    expect(h.counts).toEqual([1, 1, 2, 1])
  })

  it('treats values equal up to rounding as one bin (no bins narrower than f64 can place)', () => {
    const h = histogram([0.9999999999999998, 1, 1.0000000000000002], 40)
    expect(h.counts).toEqual([3])
    expect(h.edges[0]).toBeLessThan(1)
    expect(h.edges[1]).toBeGreaterThan(1)
    expect(histogram([0, 0], 10)).toEqual({ edges: [-0.5, 0.5], counts: [2] })
  })

  it('integerHistogram uses one bin per integer, merging the tail beyond maxBins', () => {
    expect(integerHistogram([0, 1, 1, 3], 60)).toEqual({ edges: [0, 1, 2, 3, 4], counts: [1, 2, 0, 1] })
    const wide = integerHistogram([0, 99, 100, 199], 50)
    expect(wide.edges[1]).toBe(4)
    expect(wide.counts.reduce((a, b) => a + b, 0)).toBe(4)
  })
})

describe('seeded row sampling', () => {
  it('draws m distinct sorted indices, the same for the same seed, and all rows when m >= n', () => {
    const a = sampleIndices(1000, 50, 7)
    expect(a).toHaveLength(50)
    expect(new Set(a).size).toBe(50)
    expect(Array.from(a)).toEqual(Array.from(a).sort((x, y) => x - y))
    expect(Array.from(sampleIndices(1000, 50, 7))).toEqual(Array.from(a))
    expect(Array.from(sampleIndices(1000, 50, 8))).not.toEqual(Array.from(a))
    expect(Array.from(sampleIndices(5, 9, 1))).toEqual([0, 1, 2, 3, 4])
  })

  it('takeRows copies the chosen rows in order, keeping the element type', () => {
    const X = { data: Float32Array.from([0, 1, 2, 3, 4, 5]), rows: 3, cols: 2 }
    const Y = takeRows(X, Uint32Array.from([0, 2]))
    expect(Y.data).toBeInstanceOf(Float32Array)
    expect(Array.from(Y.data)).toEqual([0, 1, 4, 5])
    expect(Y.rows).toBe(2)
  })

  it('gatherRows (on the pool) equals takeRows, for both element types', async () => {
    for (const data of [Float32Array.from([0, 1, 2, 3, 4, 5]), Float64Array.from([0.5, 1, 2, 3, 4, 5])]) {
      const X = { data, rows: 3, cols: 2 }
      const idx = Uint32Array.from([2, 0, 2])
      expect(await gatherRows(X, idx)).toEqual(takeRows(X, idx))
    }
  })
})
