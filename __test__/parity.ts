// Parity checks shared by the fixture-based suites: a committed fixture matrix as a DenseMatrix,
// and the two tolerance rules the suites use.
import { expect } from 'vitest'

import type { DenseMatrix } from '../src/index.js'

/** A matrix as the reference scripts write it (`dtype` 'f32'/'float32' → Float32Array, else Float64Array). */
export function fixtureMatrix(m: { dtype: string; rows: number; cols: number; data: number[] }): DenseMatrix {
  const f32 = m.dtype === 'f32' || m.dtype === 'float32'
  return { data: f32 ? Float32Array.from(m.data) : Float64Array.from(m.data), rows: m.rows, cols: m.cols }
}

/** |ours − ref| ≤ rtol · max(|ref|, floor). */
export function scalar(what: string, ours: number, ref: number, rtol: number, floor = 1): void {
  expect(Math.abs(ours - ref), `${what}: ${ours} vs ${ref}`).toBeLessThanOrEqual(rtol * Math.max(Math.abs(ref), floor))
}

/** Same length, and every |ours[i] − ref[i]| ≤ rtol · max|ref| (relative to the array's scale). */
export function closeToScale(what: string, ours: ArrayLike<number>, ref: ArrayLike<number>, rtol: number): void {
  expect(ours.length, what).toBe(ref.length)
  let scale = 0
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!))
  for (let i = 0; i < ref.length; i++) {
    expect(Math.abs(ours[i]! - ref[i]!), `${what}[${i}]: ${ours[i]} vs ${ref[i]}`).toBeLessThanOrEqual(rtol * Math.max(scale, 1e-300))
  }
}
