/**
 * procrustes and cca through the public API, against the numpy implementations of netrep's
 * LinearMetric and of CCA / SVCCA / PWCCA in __test__/fixtures/align (written by
 * scripts/reference/align.py; each carries its provenance and rtol). As in
 * crates/align/tests/parity.rs: arrays norm-wise |ours − ref| ≤ rtol · max|ref|; scalars
 * |ours − ref| ≤ rtol · max(|ref|, 1); counts exactly.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import { cca, ccaSync, matrix, procrustes, procrustesSync, type DenseMatrix } from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'
import { closeToScale, fixtureMatrix, scalar } from './parity.js'

interface Input {
  rows: number
  cols: number
  dtype: 'f32' | 'f64'
  data: number[]
}

interface Fixture {
  name: string
  rtol: number
  input: { A: Input; B: Input }
  expected: {
    procrustes: Array<{ alpha: number; distance: number; angular: number; normA: number; normB: number; rotation: number[] | null }>
    cca: Array<{
      variant: 'mean' | 'svcca' | 'pwcca'
      varianceKept: number
      value: number
      correlations: number[]
      weights: number[]
      kept: [number, number]
      rank: [number, number]
    }>
  }
}

const dir = new URL('./fixtures/align/', import.meta.url)
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ ...(JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture), name: f.replace(/\.json$/, '') }))

/** `x` (n × d, row-major) times `r` (d × e, row-major). */
function times(x: Float64Array, d: number, r: Float64Array, e: number): Float64Array {
  const n = x.length / d
  const out = new Float64Array(n * e)
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) for (let j = 0; j < e; j++) out[i * e + j]! += x[i * d + k]! * r[k * e + j]!
  return out
}

/** A d × d Householder reflection `I − 2vvᵀ/‖v‖²` (orthogonal). */
function householder(d: number, seed: number): Float64Array {
  const v = randomData(1, d, seed)
  const vv = v.reduce((s, x) => s + x * x, 0)
  return Float64Array.from({ length: d * d }, (_, k) => (Math.floor(k / d) === k % d ? 1 : 0) - (2 * v[Math.floor(k / d)]! * v[k % d]!) / vv)
}

describe('procrustes parity with netrep LinearMetric', () => {
  for (const fx of fixtures) {
    it(`${fx.name} (rtol ${fx.rtol})`, async () => {
      const [A, B] = [fixtureMatrix(fx.input.A), fixtureMatrix(fx.input.B)]
      // with the rotation (the default: full SVD) and without it (singular values only)
      for (const [e, rotation] of fx.expected.procrustes.flatMap((e) => [[e, true], [e, false]] as const)) {
        const opts = rotation ? { alpha: e.alpha } : { alpha: e.alpha, rotation }
        const r = await procrustes(A, B, opts)
        const what = `alpha ${e.alpha} rotation ${rotation}`
        scalar(`${what} distance`, r.distance, e.distance, fx.rtol)
        scalar(`${what} angular`, r.angular, e.angular, fx.rtol)
        scalar(`${what} normA`, r.diagnostics.normA, e.normA, fx.rtol)
        scalar(`${what} normB`, r.diagnostics.normB, e.normB, fx.rtol)
        expect(r.value).toBe(r.angular)
        expect(r.params).toEqual({ alpha: e.alpha, rotation })
        const width = Math.max(A.cols, B.cols)
        expect(r.diagnostics).toMatchObject({ rows: A.rows, colsA: A.cols, colsB: B.cols, width })
        expect(r.rotation.length).toBe(rotation ? width * width : 0)
        if (rotation && e.rotation !== null) closeToScale(`${what} rotation`, r.rotation, e.rotation, fx.rtol)
        expect(procrustesSync(A, B, opts)).toEqual(r)
      }
    })
  }
})

describe('cca parity with the CCA / SVCCA / PWCCA definitions', () => {
  for (const fx of fixtures) {
    it(`${fx.name} (rtol ${fx.rtol})`, async () => {
      const [A, B] = [fixtureMatrix(fx.input.A), fixtureMatrix(fx.input.B)]
      for (const e of fx.expected.cca) {
        const r = await cca(A, B, { variant: e.variant, varianceKept: e.varianceKept })
        const what = `${e.variant} ${e.varianceKept}`
        scalar(`${what} value`, r.value, e.value, fx.rtol)
        closeToScale(`${what} correlations`, r.correlations, e.correlations, fx.rtol)
        expect([r.diagnostics.keptA, r.diagnostics.keptB], what).toEqual(e.kept)
        expect([r.diagnostics.rankA, r.diagnostics.rankB], what).toEqual(e.rank)
        expect(r.params).toEqual({ variant: e.variant, varianceKept: e.varianceKept })
        if (e.variant === 'pwcca') closeToScale(`${what} weights`, r.diagnostics.weights!, e.weights, fx.rtol)
        else expect(r.diagnostics.weights).toBeUndefined()
        expect(ccaSync(A, B, { variant: e.variant, varianceKept: e.varianceKept })).toEqual(r)
      }
    })
  }
})

describe('procrustes', () => {
  const n = 40
  const a = randomData(n, 5, 1)
  const A = matrix(a, 5)

  it('is 0 for a rotated, shifted copy and symmetric, with an orthogonal rotation', () => {
    const b = times(a, 5, householder(5, 2), 5).map((v, i) => v + [3, -1, 0.5, 2, 7][i % 5]!)
    for (const alpha of [1, 0.5, 0]) {
      const r = procrustesSync(A, matrix(b, 5), { alpha })
      // √ of a difference of O(‖A‖²) terms: rounding leaves ≈ √ε·‖A‖.
      expect(r.distance).toBeLessThan(1e-6 * r.diagnostics.normA)
      expect(r.angular).toBeLessThan(1e-6)
    }
    const B = matrix(randomData(n, 3, 3), 3)
    const ab = procrustesSync(A, B, { alpha: 0.3 })
    const ba = procrustesSync(B, A, { alpha: 0.3 })
    expect(Math.abs(ab.distance - ba.distance)).toBeLessThan(1e-12 * ab.distance)
    expect(Math.abs(ab.angular - ba.angular)).toBeLessThan(1e-12)
    const q = ab.rotation
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        let dot = 0
        for (let k = 0; k < 5; k++) dot += q[k * 5 + i]! * q[k * 5 + j]!
        expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-12)
      }
    }
  })

  it('defaults to alpha = 1 (netrep LinearMetric())', () => {
    expect(procrustesSync(A, A).params).toEqual({ alpha: 1, rotation: true })
  })
})

describe('cca', () => {
  it('is 1 for X and XR with R invertible', async () => {
    const x = randomData(60, 4, 5)
    const y = times(x, 4, randomData(4, 4, 6), 4)
    for (const variant of ['mean', 'svcca', 'pwcca'] as const) {
      const r = await cca(matrix(x, 4), matrix(y, 4), { variant })
      expect(Math.abs(r.value - 1), variant).toBeLessThan(1e-12)
    }
    expect(ccaSync(matrix(x, 4), matrix(y, 4)).params).toEqual({ variant: 'mean', varianceKept: 0.99 })
  })
})

describe('bad input', () => {
  const A = matrix(randomData(10, 2, 1), 2)
  const short = matrix(randomData(9, 2, 2), 2)
  const constant = matrix(new Float64Array(20).fill(3), 2)

  it('different row counts are ERR_SHAPE, constant sets ERR_DEGENERATE (sync and async)', async () => {
    expect(thrown(() => procrustesSync(A, short)).code).toBe('ERR_SHAPE')
    expect(thrown(() => ccaSync(A, short)).code).toBe('ERR_SHAPE')
    expect((await rejection(procrustes(A, short))).code).toBe('ERR_SHAPE')
    expect(thrown(() => procrustesSync(A, constant)).code).toBe('ERR_DEGENERATE')
    expect(thrown(() => ccaSync(constant, A)).code).toBe('ERR_DEGENERATE')
    expect((await rejection(cca(A, constant))).code).toBe('ERR_DEGENERATE')
    // 0.1 is not exact in binary: the mean of equal rows need not centre them to exact zeros.
    const tenths = matrix(new Float64Array(20).fill(0.1), 2)
    expect(thrown(() => procrustesSync(A, tenths)).code).toBe('ERR_DEGENERATE')
    expect(thrown(() => ccaSync(tenths, A)).code).toBe('ERR_DEGENERATE')
    const nan = matrix(Float64Array.from([1, 2, NaN, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1]), 2)
    expect(thrown(() => procrustesSync(A, nan)).code).toBe('ERR_NON_FINITE')
  })

  it('alpha outside [0, 1], varianceKept outside (0, 1] and unknown options are ERR_OUT_OF_RANGE; unknown variants ERR_INVALID_ARG_VALUE', async () => {
    for (const alpha of [-0.1, 1.5, NaN]) expect(thrown(() => procrustesSync(A, A, { alpha })).code).toBe('ERR_OUT_OF_RANGE')
    expect((await rejection(procrustes(A, A, { alpha: 2 }))).code).toBe('ERR_OUT_OF_RANGE')
    for (const varianceKept of [0, 1.01]) expect(thrown(() => ccaSync(A, A, { varianceKept })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => procrustesSync(A, A, { alfa: 1 } as never)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => procrustesSync(A, A, { rotation: 'no' } as never)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => ccaSync(A, A, { variant: 'svd' as never })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect((await rejection(cca(A, A, { variant: 'svd' as never }))).code).toBe('ERR_INVALID_ARG_VALUE')
  })

  it('rejects with ABORT_ERR when the signal is already aborted, and reports progress', async () => {
    const ac = new AbortController()
    ac.abort()
    for (const p of [procrustes(A, A, { signal: ac.signal }), cca(A, A, { signal: ac.signal })]) {
      expect((await rejection(p)).code).toBe('ABORT_ERR')
    }
    const phases = new Set<string>()
    const big = matrix(randomData(5000, 64, 3), 64)
    await procrustes(big, big, { alpha: 0.5, onProgress: (p) => phases.add(p.phase) })
    expect(phases.size).toBeGreaterThan(0)
  })
})
