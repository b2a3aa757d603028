/**
 * informationImbalance, mutualKnn and separabilityDimension through the public API, against
 * __test__/fixtures/neighborhood (written by scripts/reference/neighborhood.py: DADApy 0.3.4 for
 * the imbalance, numpy transcriptions of platonic-rep and stealth-edits for the others; each
 * carries its provenance, rtol and reason). As in crates/neighborhood/tests/parity.rs: scalars
 * |ours − ref| ≤ rtol · max(|ref|, 1), per-row values the same, integers exactly.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import {
  informationImbalance,
  informationImbalanceSync,
  matrix,
  mutualKnn,
  mutualKnnSync,
  separabilityDimension,
  separabilityDimensionSync,
  type DenseMatrix,
} from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'
import { fixtureMatrix, scalar } from './parity.js'

interface Mat {
  dtype: 'f32' | 'f64'
  rows: number
  cols: number
  data: number[]
}

interface Fixture {
  name: string
  rtol: number
  input: { a?: Mat; b?: Mat; x?: Mat; options: Record<string, unknown> }
  expected: Record<string, number | number[]>
}

const dir = new URL('./fixtures/neighborhood/', import.meta.url)
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture)
const named = (prefix: string) => fixtures.filter((f) => f.name.startsWith(prefix))

const num = (v: unknown) => v as number
const nums = (v: unknown) => v as number[]

describe('informationImbalance', () => {
  for (const fx of named('imbalance-')) {
    it(`matches DADApy 0.3.4 on ${fx.name} (rtol ${fx.rtol}), sync = async`, async () => {
      const r = await informationImbalance(fixtureMatrix(fx.input.a!), fixtureMatrix(fx.input.b!), fx.input.options)
      scalar('aToB', r.aToB, num(fx.expected.aToB), fx.rtol)
      scalar('bToA', r.bToA, num(fx.expected.bToA), fx.rtol)
      expect(r.params).toEqual(fx.input.options)
      expect(informationImbalanceSync(fixtureMatrix(fx.input.a!), fixtureMatrix(fx.input.b!), fx.input.options)).toEqual(r)
    })
  }

  it('gives the minimal 2/N · (k + 1)/2 for identical sets and reports every option', () => {
    // Each neighbour of rank r in A has rank r in B: mean rank (k + 1)/2, so Δ = (k + 1)/N.
    const X = matrix(randomData(40, 5, 1), 5)
    const r = informationImbalanceSync(X, X, { k: 3 })
    expect(r.aToB).toBe(4 / 40)
    expect(r.bToA).toBe(4 / 40)
    expect(r.params).toEqual({ k: 3, metric: 'euclidean' })
    // B's neighbours are A's: every rank in A is read off A's kNN list, no row of A is screened;
    // exact keys (B's screened ranks only): at least the N·k neighbours' own, at most those plus
    // every other pair
    expect(r.diagnostics.rows).toBe(40)
    expect(r.diagnostics.screenedRows).toBe(0)
    expect(r.diagnostics.keyEvaluations).toBeGreaterThanOrEqual(40 * 3)
    expect(r.diagnostics.keyEvaluations).toBeLessThanOrEqual(40 * 39 + 40 * 3)
  })

  it('accepts different widths and element types', () => {
    const a = matrix(randomData(30, 6, 2), 6)
    const b64 = randomData(30, 2, 3)
    const b32 = Float32Array.from(b64)
    const x = informationImbalanceSync(a, matrix(b32, 2))
    const y = informationImbalanceSync(a, matrix(Float64Array.from(b32), 2))
    expect(x).toEqual(y)
  })
})

describe('mutualKnn', () => {
  for (const fx of named('mutual-')) {
    it(`matches the platonic-rep definitions on ${fx.name} (rtol ${fx.rtol}), sync = async`, async () => {
      const r = await mutualKnn(fixtureMatrix(fx.input.a!), fixtureMatrix(fx.input.b!), fx.input.options)
      scalar('value', r.value, num(fx.expected.value), fx.rtol)
      scalar('cknna', r.cknna, num(fx.expected.cknna), fx.rtol)
      expect(Array.from(r.diagnostics.intersections)).toEqual(nums(fx.expected.intersections))
      const jac = nums(fx.expected.jaccard)
      expect(r.jaccard.length).toBe(jac.length)
      r.jaccard.forEach((v, i) => scalar(`jaccard[${i}]`, v, jac[i]!, fx.rtol))
      expect(r.params).toEqual(fx.input.options)
      expect(mutualKnnSync(fixtureMatrix(fx.input.a!), fixtureMatrix(fx.input.b!), fx.input.options)).toEqual(r)
    })
  }

  it('is 1 (and CKNNA 1, every Jaccard 1) for identical sets, with defaults k = 10, cosine', () => {
    const X = matrix(randomData(60, 8, 4), 8)
    const r = mutualKnnSync(X, X)
    expect(r.value).toBe(1)
    expect(Math.abs(r.cknna - 1)).toBeLessThan(1e-12)
    expect(r.jaccard.every((v) => v === 1)).toBe(true)
    expect(r.params).toEqual({ k: 10, metric: 'cosine' })
    expect(r.diagnostics.rows).toBe(60)
  })

  it('leaves CKNNA NaN for k = 1 (it needs two neighbours)', () => {
    const X = matrix(randomData(20, 3, 5), 3)
    expect(mutualKnnSync(X, X, { k: 1 }).cknna).toBeNaN()
  })
})

describe('separabilityDimension', () => {
  for (const fx of named('separability-')) {
    it(`matches the stealth-edits definition on ${fx.name} (rtol ${fx.rtol}), sync = async`, async () => {
      const r = await separabilityDimension(fixtureMatrix(fx.input.x!), fx.input.options)
      expect(r.diagnostics.pairs).toBe(fx.expected.pairs)
      expect(r.diagnostics.sampled).toBe(false)
      const p = nums(fx.expected.probability)
      const d = nums(fx.expected.dimension)
      r.probability.forEach((v, i) => scalar(`probability[${i}]`, v, p[i]!, fx.rtol))
      r.dimension.forEach((v, i) => scalar(`dimension[${i}]`, v, d[i]!, fx.rtol))
      expect(separabilityDimensionSync(fixtureMatrix(fx.input.x!), fx.input.options)).toEqual(r)
    })
  }

  it('samples maxPairs seeded pairs when N(N − 1) exceeds it, within sampling error of the exact value', async () => {
    const X = matrix(randomData(300, 6, 6), 6)
    const exact = separabilityDimensionSync(X, { deltas: [-0.5, 0] })
    const o = { deltas: [-0.5, 0], maxPairs: 40_000, seed: 3 }
    const a = await separabilityDimension(X, o)
    expect(a.diagnostics).toEqual({ rows: 300, pairs: 40_000, sampled: true })
    expect(separabilityDimensionSync(X, o)).toEqual(a)
    a.probability.forEach((ps, i) => {
      const pe = exact.probability[i]!
      // binomial standard error of a fraction over 40 000 draws; 5σ
      expect(Math.abs(ps - pe)).toBeLessThanOrEqual(5 * Math.sqrt((pe * (1 - pe)) / 40_000))
    })
    expect(a.params).toEqual({ deltas: [-0.5, 0], maxPairs: 40_000, seed: 3, center: true, normalize: false })
  })
})

describe('bad input', () => {
  const a = matrix(randomData(12, 3, 7), 3)
  const b = matrix(randomData(11, 3, 8), 3)
  it.each([
    ['row counts differ', () => informationImbalanceSync(a, b), 'ERR_SHAPE'],
    ['row counts differ (mutualKnn)', () => mutualKnnSync(a, b), 'ERR_SHAPE'],
    ['k ≥ N', () => mutualKnnSync(a, a, { k: 12 }), 'ERR_K_TOO_LARGE'],
    ['k ≥ N (imbalance)', () => informationImbalanceSync(a, a, { k: 12 }), 'ERR_K_TOO_LARGE'],
    ['k = 0', () => mutualKnnSync(a, a, { k: 0 }), 'ERR_OUT_OF_RANGE'],
    ['unknown metric', () => mutualKnnSync(a, a, { metric: 'manhattan' as 'cosine' }), 'ERR_INVALID_ARG_VALUE'],
    ['unknown option', () => informationImbalanceSync(a, a, { kk: 2 } as object), 'ERR_OUT_OF_RANGE'],
    ['NaN', () => mutualKnnSync(a, matrix(Float64Array.from({ length: 36 }, (_, i) => (i === 7 ? NaN : i)), 3)), 'ERR_NON_FINITE'],
    ['zero row under cosine', () => mutualKnnSync(a, matrix(new Float64Array(36).fill(1).fill(0, 3, 6), 3), { k: 2 }), 'ERR_DEGENERATE'],
    ['constant set', () => separabilityDimensionSync(matrix(new Float64Array(30).fill(2), 3)), 'ERR_DEGENERATE'],
    ['empty deltas', () => separabilityDimensionSync(a, { deltas: [] }), 'ERR_OUT_OF_RANGE'],
    ['maxPairs 0', () => separabilityDimensionSync(a, { maxPairs: 0 }), 'ERR_OUT_OF_RANGE'],
  ])('%s → %s', (_, f, code) => {
    expect(thrown(f).code).toBe(code)
  })

  it('the async twins reject instead of throwing', async () => {
    expect((await rejection(informationImbalance(a, b))).code).toBe('ERR_SHAPE')
    expect((await rejection(mutualKnn(a, a, { k: 12 }))).code).toBe('ERR_K_TOO_LARGE')
    expect((await rejection(separabilityDimension(a, { deltas: [Infinity] }))).code).toBe('ERR_OUT_OF_RANGE')
  })
})

describe('cancellation and progress', () => {
  it('rejects with ABORT_ERR on an aborted signal and reports progress', async () => {
    const ac = new AbortController()
    ac.abort()
    const X = matrix(randomData(50, 4, 9), 4)
    for (const p of [
      informationImbalance(X, X, { signal: ac.signal }),
      mutualKnn(X, X, { signal: ac.signal }),
      separabilityDimension(X, { signal: ac.signal }),
    ]) {
      expect((await rejection(p)).code).toBe('ABORT_ERR')
    }
    // unrelated sets: B's neighbours are rarely among A's first 32, so the ranks in A are
    // screened (phase 'ranks'; identical sets would read them all off A's kNN list)
    const phases = new Set<string>()
    const Y = matrix(randomData(3000, 8, 10), 8)
    const Z = matrix(randomData(3000, 8, 11), 8)
    const r = await informationImbalance(Y, Z, { onProgress: (p) => phases.add(p.phase) })
    expect(r.diagnostics.screenedRows).toBeGreaterThan(0)
    expect(phases.has('ranks')).toBe(true)
  })
})
