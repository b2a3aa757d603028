/**
 * The persistent-homology dimension `ph` / `phSync` (scikit-dimension 0.5.0 `PH`) through the
 * public API. Exact parity of the deterministic core (MST total persistence of fixed index sets,
 * the fit on the reference's own subsamples) is tested in crates/intdim/tests/ph.rs; here the
 * seeded end-to-end estimate is checked against the reference's sampling spread (fixture
 * intdim/ph.json "spread": mean and seed-to-seed standard deviation of `PH(nsteps=20,
 * subsamples=5)` over 10 random_states; embgeo's subsamples come from ChaCha8, not numpy, so its estimate must lie
 * within `sds` = 4 such standard deviations of the reference mean), plus options, sync = async,
 * estimateId, AbortSignal and bad input.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import { estimateId, estimateIdSync, knnSync, ph, phSync, type DenseMatrix } from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'

const DIR = fileURLToPath(new URL('./fixtures/intdim/', import.meta.url))
const read = (name: string) => JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8'))

function data(name: string): DenseMatrix & { data: Float64Array } {
  const j = read(name) as { input: { rows: number; cols: number; data: number[] } }
  return { data: Float64Array.from(j.input.data), rows: j.input.rows, cols: j.input.cols }
}

type Spread = { mean: number; sd: number; seeds: number; params: { nsteps: number; subsamples: number } }
const PH = read('ph') as { rtol: { spread: { sds: number } }; cases: { fixture: string; metric: string; spread?: Spread }[] }
const SPREAD = PH.cases.filter((c) => c.spread !== undefined)
const small = (rows = 60, cols = 3, seed = 5) => ({ data: randomData(rows, cols, seed), rows, cols })
const FAST = { nsteps: 6, subsamples: 2 }

describe('phSync', () => {
  it.each(SPREAD.map((c) => [c.fixture, c.spread!] as const))('%s: the seeded estimate is within the reference sampling spread (fixture ph spread)', (name, s) => {
    const X = data(name)
    for (const seed of [0, 1]) {
      const d = phSync(X, { ...s.params, seed }).dimension
      expect(Math.abs(d - s.mean), `${name} seed ${seed}: ${d} vs ${s.mean} ± ${s.sd}`).toBeLessThanOrEqual(PH.rtol.spread.sds * s.sd)
    }
  })

  it('reports every effective option and the reference x_, y_ and fit as diagnostics', () => {
    const r = phSync(small(), FAST)
    expect(r.method).toBe('ph')
    expect(r.params).toEqual({ alpha: 1, nRangeMin: 0.5, nRangeMax: 1, rangeType: 'fraction', nsteps: 6, subsamples: 2, metric: 'euclidean', seed: 0 })
    // 6 sizes × 2 subsamples
    expect(r.diagnostics!.log_sizes!.length).toBe(12)
    expect(r.diagnostics!.log_total_persistence!.length).toBe(12)
    // nmin = ceil(0.5 · 60) = 30, nmax = 60
    expect(Array.from(r.diagnostics!.n_range!)).toEqual([30, 60])
    const [slope] = r.diagnostics!.fit!
    expect(r.dimension).toBeCloseTo(1 / (1 - slope!), 12)
  })

  it('is a function of the seed, and f32 input gives the f64 result of the same values', () => {
    const X = small(50, 3, 8)
    expect(phSync(X, { ...FAST, seed: 4 })).toEqual(phSync(X, { ...FAST, seed: 4 }))
    expect(phSync(X, { ...FAST, seed: 5 }).dimension).not.toBe(phSync(X, { ...FAST, seed: 4 }).dimension)
    const X32 = { data: Float32Array.from(X.data), rows: X.rows, cols: X.cols }
    const X64 = { data: Float64Array.from(X32.data), rows: X.rows, cols: X.cols }
    const [a, b] = [phSync(X32, FAST).dimension, phSync(X64, FAST).dimension]
    expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * b)
  })

  it("takes metric 'cosine' (the spanning tree's distance), rangeType 'num' and alpha", () => {
    const X = small(60, 4, 3)
    const c = phSync(X, { ...FAST, metric: 'cosine' })
    expect(c.params.metric).toBe('cosine')
    expect(c.dimension).not.toBe(phSync(X, FAST).dimension)
    const n = phSync(X, { ...FAST, rangeType: 'num', nRangeMin: 10, nRangeMax: 40, alpha: 2 })
    expect(Array.from(n.diagnostics!.n_range!)).toEqual([10, 40])
    expect(n.params).toMatchObject({ rangeType: 'num', nRangeMin: 10, nRangeMax: 40, alpha: 2 })
  })
})

describe('ph', () => {
  it('equals phSync and estimateId({ method: "ph" })', async () => {
    const X = small(40, 3, 2)
    const s = phSync(X, FAST)
    expect(await ph(X, FAST)).toEqual(s)
    expect(estimateIdSync(X, { method: 'ph', ...FAST })).toEqual(s)
    expect(await estimateId(X, { method: 'PH', ...FAST } as never)).toEqual(s)
  })

  it('rejects an aborted signal with ABORT_ERR', async () => {
    const ac = new AbortController()
    ac.abort()
    const e = await rejection(ph(small(), { signal: ac.signal }))
    expect([e.code, e.name]).toEqual(['ABORT_ERR', 'AbortError'])
  })

  const X = small()
  const bad: [string, () => unknown, string][] = [
    ['alpha 0', () => phSync(X, { alpha: 0 }), 'ERR_OUT_OF_RANGE'],
    ['unknown option n_jobs', () => phSync(X, { nJobs: 2 } as never), 'ERR_OUT_OF_RANGE'],
    ['unknown rangeType', () => phSync(X, { rangeType: 'fractions' } as never), 'ERR_INVALID_ARG_VALUE'],
    ['metric dot', () => phSync(X, { metric: 'dot' } as never), 'ERR_INVALID_ARG_VALUE'],
    ['nRangeMin above nRangeMax', () => phSync(X, { nRangeMin: 0.8, nRangeMax: 0.4 }), 'ERR_OUT_OF_RANGE'],
    ['fraction above 1', () => phSync(X, { nRangeMax: 1.5 }), 'ERR_OUT_OF_RANGE'],
    ["non-integer sizes under 'num'", () => phSync(X, { rangeType: 'num', nRangeMin: 2.5, nRangeMax: 10 }), 'ERR_OUT_OF_RANGE'],
    ["a largest size beyond N under 'num'", () => phSync(X, { rangeType: 'num', nRangeMin: 5, nRangeMax: 61 }), 'ERR_OUT_OF_RANGE'],
    ['nsteps 1', () => phSync(X, { nsteps: 1 }), 'ERR_OUT_OF_RANGE'],
    ['neighbors given', () => phSync(X, { neighbors: knnSync(X, { k: 3 }) }), 'ERR_OUT_OF_RANGE'],
    ['2 rows', () => phSync({ data: new Float64Array(6), rows: 2, cols: 3 }), 'ERR_EMPTY'],
    ['NaN', () => phSync({ data: Float64Array.from([0, 1, 2, NaN, 4, 5, 6, 7, 8]), rows: 3, cols: 3 }), 'ERR_NON_FINITE'],
    ['identical rows', () => phSync({ data: new Float64Array(30).fill(0.25), rows: 10, cols: 3 }), 'ERR_DEGENERATE'],
    ['a zero row under cosine', () => phSync({ data: Float64Array.from([0, 0, 1, 0, 0, 1, 1, 1]), rows: 4, cols: 2 }, { metric: 'cosine' }), 'ERR_DEGENERATE'],
  ]
  it.each(bad)('rejects %s with %s', async (_label, f, code) => {
    expect(thrown(f).code).toBe(code)
  })
  it('rejects bad options asynchronously too', async () => {
    expect((await rejection(ph(X, { alpha: -1 }))).code).toBe('ERR_OUT_OF_RANGE')
    expect((await rejection(ph(X, { rangeType: 'x' } as never))).code).toBe('ERR_INVALID_ARG_VALUE')
  })
})
