import { describe, expect, it } from 'vitest'

import { columnStats, columnStatsSync, matrix, type FloatArray } from '../src/index.js'
import { randomData } from './helpers.js'

/** Plain JS reference: two-pass mean/variance in f64, as numpy computes them. */
function reference(data: FloatArray, rows: number, cols: number, ddof: number) {
  const mean = new Float64Array(cols)
  const variance = new Float64Array(cols)
  const min = new Float64Array(cols).fill(Infinity)
  const max = new Float64Array(cols).fill(-Infinity)
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j]!
      mean[j]! += v
      min[j] = Math.min(min[j]!, v)
      max[j] = Math.max(max[j]!, v)
    }
  }
  for (let j = 0; j < cols; j++) mean[j]! /= rows
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) variance[j]! += (data[i * cols + j]! - mean[j]!) ** 2
  }
  for (let j = 0; j < cols; j++) variance[j]! /= rows - ddof
  return { mean, variance, min, max }
}

function expectClose(actual: Float64Array, expected: Float64Array, rtol: number): void {
  expect(actual.length).toBe(expected.length)
  for (let j = 0; j < expected.length; j++) {
    const tol = rtol * Math.max(1, Math.abs(expected[j]!))
    expect(Math.abs(actual[j]! - expected[j]!), `index ${j}: ${actual[j]} vs ${expected[j]}`).toBeLessThanOrEqual(tol)
  }
}

describe('columnStatsSync', () => {
  it('matches a plain f64 two-pass reference on f64 data spanning many blocks', () => {
    // 5000 rows > the 2048-row block: exercises the ordered Chan merge.
    const rows = 5000
    const cols = 13
    const data = randomData(rows, cols, 1, 1e3, 1e3 + 1) // large offset: where one-pass formulas fail
    const s = columnStatsSync(matrix(data, cols), { ddof: 1 })
    const r = reference(data, rows, cols, 1)
    // rtol 1e-12: both sides are f64 two-pass sums of the same values in different groupings.
    expectClose(s.mean, r.mean, 1e-12)
    expectClose(s.variance, r.variance, 1e-9)
    expect(Array.from(s.min)).toEqual(Array.from(r.min))
    expect(Array.from(s.max)).toEqual(Array.from(r.max))
    expect([s.rows, s.cols]).toEqual([rows, cols])
  })

  it('accumulates f32 input in f64', () => {
    const rows = 3000
    const cols = 4
    const data = Float32Array.from(randomData(rows, cols, 2))
    const s = columnStatsSync({ data, rows, cols })
    const r = reference(data, rows, cols, 0)
    // The reference reads the same f32 values widened to f64, so agreement is to f64 rounding.
    expectClose(s.mean, r.mean, 1e-12)
    expectClose(s.variance, r.variance, 1e-10)
  })

  it('accepts number[][] and arrays of typed rows', () => {
    const s = columnStatsSync([
      [1, 2],
      [3, 4],
      [5, 9],
    ])
    // By hand: means (1+3+5)/3 = 3 and (2+4+9)/3 = 5; variances (4+0+4)/3 and (9+1+16)/3.
    expectClose(s.mean, Float64Array.of(3, 5), 1e-15)
    expectClose(s.variance, Float64Array.of(8 / 3, 26 / 3), 1e-15)
    const t = columnStatsSync([Float32Array.of(1, 2), Float32Array.of(3, 4)])
    expectClose(t.mean, Float64Array.of(2, 3), 1e-15)
  })
})

describe('columnStats', () => {
  it('gives bit-identical results to columnStatsSync', async () => {
    const data = randomData(7000, 9, 3)
    const a = columnStatsSync(matrix(data, 9))
    const b = await columnStats(matrix(data, 9))
    expect(b).toEqual(a)
  })

  it('copies its input: changing the array after the call does not change the result', async () => {
    const data = randomData(4000, 3, 4)
    const expected = columnStatsSync(matrix(data, 3))
    const p = columnStats(matrix(data, 3))
    data.fill(0)
    expect(await p).toEqual(expected)
  })

  it('reports progress in rows, ending at the total', async () => {
    const data = new Float32Array(4_000_000 * 8) // 4e6 rows: ~2000 blocks, long enough to be polled
    for (let i = 0; i < data.length; i++) data[i] = i % 17
    const seen: { phase: string; completed: number; total: number }[] = []
    await columnStats(matrix(data, 8), { onProgress: (p) => seen.push(p) })
    expect(seen.length).toBeGreaterThan(0)
    const last = seen[seen.length - 1]!
    expect(last).toEqual({ phase: 'columnStats', completed: 4_000_000, total: 4_000_000 })
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.completed).toBeGreaterThanOrEqual(seen[i - 1]!.completed)
  })
})
