/**
 * cka, linearity, rsa and relativeRepresentation through the public API, against the numpy /
 * scipy transcriptions of the papers in __test__/fixtures/compare (written by
 * scripts/reference/compare.py; one file per input set, `cases` = [{ measure, params, expected }]).
 * Values: |ours − ref| ≤ rtol · max(|ref|, 1e-3); matrices norm-wise |ours − ref| ≤ rtol · max|ref|;
 * rtol 1e-10 for f64 input, 1e-5 for f32 input (the fixture's own `rtol`).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import {
  cka,
  ckaSync,
  linearity,
  linearitySync,
  matrix,
  relativeRepresentation,
  relativeRepresentationSync,
  rsa,
  rsaSync,
  type DenseMatrix,
} from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'
import { fixtureMatrix, scalar } from './parity.js'

interface Mat {
  dtype: 'float32' | 'float64'
  rows: number
  cols: number
  data: number[]
}
interface Case {
  measure: 'cka' | 'linearity' | 'rsa' | 'relative'
  params: Record<string, unknown>
  expected: { value?: number; matrix?: number[]; rows?: number; cols?: number }
}
interface Fixture {
  name: string
  rtol: number
  input: Record<string, Mat>
  cases: Case[]
}

const dir = new URL('./fixtures/compare/', import.meta.url)
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f, ...(JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Omit<Fixture, 'name'>) }))

function cases(measure: Case['measure']): Array<[string, Fixture, Case]> {
  const out: Array<[string, Fixture, Case]> = []
  for (const f of fixtures) for (const c of f.cases) if (c.measure === measure) out.push([`${f.name} ${JSON.stringify(c.params)}`, f, c])
  return out
}

/** A Householder reflection `X(I − 2vvᵀ/‖v‖²)`: an orthogonal map of the rows. */
function reflect(x: DenseMatrix, seed: number): DenseMatrix {
  const v = randomData(1, x.cols, seed)
  const vv = v.reduce((s, a) => s + a * a, 0)
  const out = new Float64Array(x.data.length)
  for (let i = 0; i < x.rows; i++) {
    let dot = 0
    for (let j = 0; j < x.cols; j++) dot += x.data[i * x.cols + j]! * v[j]!
    for (let j = 0; j < x.cols; j++) out[i * x.cols + j] = x.data[i * x.cols + j]! - (2 * dot * v[j]!) / vv
  }
  return matrix(out, x.cols)
}

const X = matrix(randomData(150, 8, 1), 8)
const Y = matrix(randomData(150, 5, 2), 5)

describe('ckaSync', () => {
  it.each(cases('cka'))('matches the reference: %s', (_, f, c) => {
    const r = ckaSync(fixtureMatrix(f.input.A!), fixtureMatrix(f.input.B!), c.params)
    scalar('value', r.value, c.expected.value!, f.rtol, 1e-3)
  })

  it('is 1 for an orthogonal map and for a scaling, with every kernel and estimator', () => {
    // Identities of Kornblith et al. 2019 (invariance to orthogonal transforms and isotropic scaling).
    const scaled = matrix(X.data.map((v) => 3 * v), 8)
    for (const kernel of ['linear', 'rbf'] as const) {
      for (const debiased of [false, true]) {
        for (const other of [reflect(X, 3), scaled]) {
          expect(Math.abs(ckaSync(X, other, { kernel, debiased }).value - 1)).toBeLessThan(1e-12)
        }
      }
    }
  })

  it('lies in [0, 1], reports every effective option and its route', () => {
    const r = ckaSync(X, Y)
    expect(r.value).toBeGreaterThanOrEqual(0)
    expect(r.value).toBeLessThanOrEqual(1)
    expect(r.params).toEqual({ kernel: 'linear', debiased: false, sigma: 1, maxRows: 5000, seed: 0 })
    // n(d₁ + d₂) = 1950 ≥ d₁² + d₂² + d₁d₂ = 129: feature route.
    expect(r.diagnostics.route).toBe('features')
    const small = ckaSync({ data: X.data.subarray(0, 40), rows: 5, cols: 8 }, { data: Y.data.subarray(0, 25), rows: 5, cols: 5 })
    expect(small.diagnostics.route).toBe('gram')
  })

  it('samples rows for the RBF kernel above maxRows, reproducibly by seed', () => {
    const o = { kernel: 'rbf' as const, maxRows: 60, seed: 5 }
    const a = ckaSync(X, Y, o)
    expect(a.diagnostics.rowsUsed).toBe(60)
    expect(ckaSync(X, Y, o)).toEqual(a)
    expect(ckaSync(X, Y, { ...o, seed: 6 }).value).not.toBe(a.value)
  })

  it('accepts mixed element types (f32 A, f64 B)', () => {
    const a32 = matrix(Float32Array.from(X.data), 8)
    const widened = matrix(Float64Array.from(a32.data), 8)
    expect(ckaSync(a32, Y).value).toBe(ckaSync(widened, Y).value)
  })

  it.each([
    ['ERR_SHAPE', () => ckaSync(X, { data: Y.data.subarray(0, 745), rows: 149, cols: 5 })],
    ['ERR_DEGENERATE', () => ckaSync(X, matrix(new Float64Array(150 * 2).fill(4), 2))],
    ['ERR_EMPTY', () => ckaSync([[1, 2], [3, 4], [5, 7]], [[1], [2], [4]], { debiased: true })],
    ['ERR_NON_FINITE', () => ckaSync(X, matrix(Y.data.map((v, i) => (i === 7 ? NaN : v)), 5))],
    ['ERR_INVALID_ARG_VALUE', () => ckaSync(X, Y, { kernel: 'poly' as 'rbf' })],
    ['ERR_OUT_OF_RANGE', () => ckaSync(X, Y, { sigma: 0 })],
    ['ERR_OUT_OF_RANGE', () => ckaSync(X, Y, { debiased: true, maxRows: 3 })],
    ['ERR_OUT_OF_RANGE', () => ckaSync(X, Y, { kernal: 'rbf' } as object)],
  ])('throws %s on bad input', (code, f) => {
    expect(thrown(f).code).toBe(code)
  })
})

describe('cka', () => {
  it('resolves to the same result as ckaSync, rejects bad input, honours AbortSignal and reports progress', async () => {
    for (const o of [{}, { debiased: true }, { kernel: 'rbf' as const }]) expect(await cka(X, Y, o)).toEqual(ckaSync(X, Y, o))
    expect((await rejection(cka(X, Y, { sigma: -1 }))).code).toBe('ERR_OUT_OF_RANGE')
    const ac = new AbortController()
    ac.abort()
    expect((await rejection(cka(X, Y, { signal: ac.signal }))).code).toBe('ABORT_ERR')
    const phases = new Set<string>()
    await cka(matrix(randomData(20000, 64, 4), 64), matrix(randomData(20000, 32, 5), 32), { onProgress: (p) => phases.add(p.phase) })
    expect(phases.has('cka-features')).toBe(true)
  })
})

describe('linearitySync', () => {
  it.each(cases('linearity'))('matches the reference: %s', (_, f, c) => {
    const [a, b] = c.params.reverse === true ? [f.input.B!, f.input.A!] : [f.input.A!, f.input.B!]
    scalar('value', linearitySync(fixtureMatrix(a), fixtureMatrix(b)).value, c.expected.value!, f.rtol, 1e-3)
  })

  it('is 1 for an affine image and low for unrelated sets', () => {
    const affine = matrix(reflect(X, 4).data.map((v) => 2 * v + 1), 8)
    expect(Math.abs(linearitySync(X, affine).value - 1)).toBeLessThan(1e-12)
    const r = linearitySync(X, Y)
    expect(r.value).toBeLessThan(0.2)
    expect(r.diagnostics).toEqual({ route: 'features', rank: 8 })
  })

  it('throws ERR_SHAPE and ERR_DEGENERATE on bad input', () => {
    expect(thrown(() => linearitySync(X, [[1], [2]])).code).toBe('ERR_SHAPE')
    expect(thrown(() => linearitySync(X, matrix(new Float64Array(150).fill(1), 1))).code).toBe('ERR_DEGENERATE')
  })
})

describe('linearity', () => {
  it('resolves to the same result as linearitySync and honours AbortSignal', async () => {
    expect(await linearity(X, Y)).toEqual(linearitySync(X, Y))
    expect((await rejection(linearity(X, Y, { ridge: 1 } as object))).code).toBe('ERR_OUT_OF_RANGE')
    const ac = new AbortController()
    ac.abort()
    expect((await rejection(linearity(X, Y, { signal: ac.signal }))).code).toBe('ABORT_ERR')
  })
})

describe('rsaSync', () => {
  it.each(cases('rsa'))('matches the reference: %s', (_, f, c) => {
    scalar('value', rsaSync(fixtureMatrix(f.input.A!), fixtureMatrix(f.input.B!), c.params).value, c.expected.value!, f.rtol, 1e-3)
  })

  it('is exact up to maxPairs, then samples reproducibly by seed', () => {
    const exact = rsaSync(X, Y)
    expect(exact.diagnostics).toEqual({ pairs: (150 * 149) / 2, sampled: false })
    expect(exact.params).toEqual({ metric: 'euclidean', correlation: 'pearson', maxPairs: 1000000, seed: 0 })
    const s = rsaSync(X, Y, { maxPairs: 2000, seed: 1 })
    expect(s.diagnostics).toEqual({ pairs: 2000, sampled: true })
    expect(rsaSync(X, Y, { maxPairs: 2000, seed: 1 })).toEqual(s)
    // Within sampling error of the exact value (2000 pairs: standard error ≈ 0.02).
    expect(Math.abs(s.value - exact.value)).toBeLessThan(0.1)
    // A reflection keeps every distance up to rounding; a swap of two near-tied ranks would move
    // Spearman's ρ by 12 / (P(P² − 1)) ≈ 9e-12 for P = 11,175 pairs, hence 1e-9.
    expect(Math.abs(rsaSync(X, reflect(X, 5), { correlation: 'spearman' }).value - 1)).toBeLessThan(1e-9)
  })

  it.each([
    ['ERR_SHAPE', () => rsaSync(X, [[1, 2]])],
    ['ERR_DEGENERATE', () => rsaSync(X, matrix(new Float64Array(300).fill(2), 2))],
    ['ERR_INVALID_ARG_VALUE', () => rsaSync(X, Y, { correlation: 'kendall' as 'pearson' })],
    ['ERR_OUT_OF_RANGE', () => rsaSync(X, Y, { maxPairs: 1 })],
  ])('throws %s on bad input', (code, f) => {
    expect(thrown(f).code).toBe(code)
  })
})

describe('rsa', () => {
  it('resolves to the same result as rsaSync and honours AbortSignal', async () => {
    const o = { metric: 'cosine' as const, correlation: 'spearman' as const }
    expect(await rsa(X, Y, o)).toEqual(rsaSync(X, Y, o))
    const ac = new AbortController()
    ac.abort()
    expect((await rejection(rsa(X, Y, { signal: ac.signal }))).code).toBe('ABORT_ERR')
  })
})

describe('relativeRepresentationSync', () => {
  it.each(cases('relative'))('matches the reference: %s', (_, f, c) => {
    const r = relativeRepresentationSync(fixtureMatrix(f.input.X!), fixtureMatrix(f.input.anchors!), c.params)
    expect([r.rows, r.cols]).toEqual([c.expected.rows, c.expected.cols])
    expect(r.data).toBeInstanceOf(f.input.X!.dtype === 'float32' ? Float32Array : Float64Array)
    const ref = c.expected.matrix!
    const scale = Math.max(...ref.map(Math.abs))
    let worst = 0
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(r.data[i]! - ref[i]!) / scale)
    expect(worst).toBeLessThanOrEqual(f.rtol)
  })

  it('gives cosine 1 and distance 0 for an anchor against its own row', () => {
    const anchors = { data: X.data.subarray(16, 32), rows: 2, cols: 8 } // rows 2 and 3 of X
    const cos = relativeRepresentationSync(X, anchors)
    expect(Math.abs(cos.data[2 * 2]! - 1)).toBeLessThan(1e-15)
    expect(relativeRepresentationSync(X, anchors, { metric: 'euclidean' }).data[3 * 2 + 1]).toBe(0)
  })

  it.each([
    ['ERR_SHAPE', () => relativeRepresentationSync(X, Y)],
    ['ERR_DEGENERATE', () => relativeRepresentationSync(X, [[0, 0, 0, 0, 0, 0, 0, 0]])],
    ['ERR_INVALID_ARG_VALUE', () => relativeRepresentationSync(X, X, { metric: 'l1' as 'dot' })],
    ['ERR_OUT_OF_RANGE', () => relativeRepresentationSync(X, X, { metrics: 'dot' } as object)],
  ])('throws %s on bad input', (code, f) => {
    expect(thrown(f).code).toBe(code)
  })
})

describe('relativeRepresentation', () => {
  it('resolves to the same matrix as the Sync twin and honours AbortSignal', async () => {
    const anchors = { data: X.data.subarray(0, 40), rows: 5, cols: 8 }
    expect(await relativeRepresentation(X, anchors, { metric: 'dot' })).toEqual(relativeRepresentationSync(X, anchors, { metric: 'dot' }))
    const ac = new AbortController()
    ac.abort()
    expect((await rejection(relativeRepresentation(X, anchors, { signal: ac.signal }))).code).toBe('ABORT_ERR')
  })
})
