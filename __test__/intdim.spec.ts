/**
 * Intrinsic dimension through the public API: parity with scikit-dimension 0.5.0 / DADApy 0.3.4
 * on the fixtures written by scripts/reference/intdim.py (__test__/fixtures/intdim/*.json; each
 * key's tolerance is the fixture's own `rtol` entry, longest matching prefix), f32 = f64 of the
 * same values, reused neighbours = computed ones, sync = async, the duplicates policies, the
 * benchmark manifolds and bad input.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import {
  corrInt,
  corrIntSync,
  danco,
  datasets,
  estimateId,
  estimateIdSync,
  ess,
  essSync,
  fisherS,
  fisherSSync,
  gride,
  grideSync,
  idScaling,
  idScalingSync,
  knnId,
  knnIdSync,
  knnSync,
  localId,
  localIdSync,
  lpca,
  lpcaSync,
  mada,
  madaSync,
  mindMl,
  mindMlSync,
  mle,
  mleSync,
  mom,
  momSync,
  tle,
  tleSync,
  twoNN,
  twoNNSync,
  type DenseMatrix,
  type IdResult,
} from '../src/index.js'
import { native } from '../src/native.js'
import { rejection, thrown } from './helpers.js'

interface Fixture {
  name: string
  X: DenseMatrix & { data: Float64Array }
  expected: Record<string, unknown>
  rtol: Record<string, { rtol: number }>
}

const DIR = fileURLToPath(new URL('./fixtures/intdim/', import.meta.url))

function load(name: string): Fixture {
  // Python's json writes bare NaN (FisherS n_alpha of skdim_testdata); read it as null → NaN.
  const text = readFileSync(`${DIR}${name}.json`, 'utf8').replace(/([[,:])NaN/g, '$1null')
  const j = JSON.parse(text) as { input: { rows: number; cols: number; data: number[] }; expected: Record<string, unknown>; rtol: Fixture['rtol'] }
  return { name, X: { data: Float64Array.from(j.input.data), rows: j.input.rows, cols: j.input.cols }, expected: j.expected, rtol: j.rtol }
}

/** The fixtures of the crate's parity tests plus scikit-dimension's own test data. */
const NAMES = ['fx1_ball5in10', 'fx2_sphere2in3', 'fx3_paraboloid2in3', 'fx4_dups', 'fx5_ball5in30', 'fx2_f32', 'skdim_testdata'] as const
const FX = Object.fromEntries(NAMES.map((n) => [n, load(n)])) as Record<(typeof NAMES)[number], Fixture>
const ALL = NAMES.map((n) => FX[n])

function scalar(fx: Fixture, key: string): number {
  const v = fx.expected[key]
  if (typeof v !== 'number') throw new Error(`${fx.name}: ${key} is not a number`)
  return v
}

function vector(fx: Fixture, key: string): number[] {
  const v = fx.expected[key]
  if (!Array.isArray(v)) throw new Error(`${fx.name}: ${key} is not an array`)
  return v.map((x) => (x === null ? NaN : (x as number)))
}

/** The fixture's tolerance for `key`: its longest matching prefix in the rtol table. */
function tol(fx: Fixture, key: string): number {
  let best = ['', 1e-12] as [string, number]
  for (const [p, t] of Object.entries(fx.rtol)) if (key.startsWith(p) && p.length > best[0].length) best = [p, t.rtol]
  return best[1]
}

function close(label: string, got: number, want: number, rtol: number): void {
  const ok = Math.abs(got - want) <= rtol * Math.abs(want) || (want === 0 && Math.abs(got) <= rtol)
  expect(ok, `${label}: got ${got}, want ${want} (rtol ${rtol})`).toBe(true)
}

function allClose(label: string, got: ArrayLike<number> | undefined, want: number[], rtol: number): void {
  expect(got, label).toBeDefined()
  expect(got!.length, label).toBe(want.length)
  for (let i = 0; i < want.length; i++) {
    const g = got![i]!
    const w = want[i]!
    if (Number.isNaN(w)) expect(Number.isNaN(g), `${label}[${i}]`).toBe(true)
    else close(`${label}[${i}]`, g, w, rtol)
  }
}

const codeOf = (f: () => unknown) => thrown(f).code

describe('twoNN', () => {
  it('matches scikit-dimension TwoNN (linear and mle, three discard fractions) on every fixture', () => {
    for (const fx of ALL) {
      for (const f of [0.1, 0.05, 0.2]) {
        for (const [estimator, tag] of [
          ['regression', 'linear'],
          ['mle', 'mle'],
        ] as const) {
          const key = `twonn_${tag}_${f}`
          close(`${fx.name} ${key}`, twoNNSync(fx.X, { discardFraction: f, estimator }).dimension, scalar(fx, key), tol(fx, key))
        }
      }
      const r = twoNNSync(fx.X, { discardFraction: 0, estimator: 'mle' })
      close(`${fx.name} twonn_mle_0`, r.dimension, scalar(fx, 'twonn_mle_0'), tol(fx, 'twonn'))
    }
  })

  it('matches DADApy compute_id_2NN (scale) and compute_id_2NN_wprior (id and error)', () => {
    for (const fx of ALL.filter((f) => f.name !== 'fx4_dups')) {
      const base = vector(fx, 'dadapy_2nn_base')
      const r = twoNNSync(fx.X)
      close(`${fx.name} base`, r.dimension, base[0]!, tol(fx, 'dadapy_2nn_base'))
      close(`${fx.name} scale`, r.diagnostics!.scale![0]!, base[2]!, 1e-12)
      const wp = vector(fx, 'dadapy_2nn_wprior')
      const b = twoNNSync(fx.X, { estimator: 'bayes' })
      close(`${fx.name} wprior`, b.dimension, wp[0]!, tol(fx, 'dadapy_2nn_wprior'))
      close(`${fx.name} wprior err`, b.stderr!, wp[1]!, tol(fx, 'dadapy_2nn_wprior'))
    }
  })

  it('reports every effective parameter, defaults included, and the TwoNN diagnostics', () => {
    const r = twoNNSync(FX.fx1_ball5in10.X)
    expect(r.method).toBe('twoNN')
    expect(r.params).toEqual({
      discardFraction: 0.1,
      estimator: 'regression',
      priorAlpha: 2,
      priorBeta: 5,
      posteriorMean: true,
      duplicates: 'keep',
      metric: 'euclidean',
      neighbors: 'computed',
    })
    expect(r.nSamples).toBe(200)
    // floor(200 · 0.1) = 20 largest ratios discarded
    expect(r.dropped).toEqual({ duplicates: 0, discarded: 20 })
    expect(r.nUsed).toBe(180)
    expect(r.diagnostics!.log_mu).toBeInstanceOf(Float64Array)
    expect(r.diagnostics!.neg_log_1m_f).toBeInstanceOf(Float64Array)
    expect(r.pointwise).toBeUndefined()
  })
})

describe('mle', () => {
  it('matches scikit-dimension MLE for k = 5, 10, 20 and every aggregate', () => {
    for (const fx of ALL) {
      for (const k of [5, 10, 20]) {
        for (const aggregate of ['harmonic', 'mean', 'median'] as const) {
          const key = `mle_k${k}_${aggregate}`
          const want = scalar(fx, key)
          if (want === 0) {
            // the reference's harmonic mean of a zero pointwise value; refused (DIFFERENCES.md)
            expect(codeOf(() => mleSync(fx.X, { k, aggregate, duplicates: 'keep' }))).toBe('ERR_DUPLICATES')
            expect(codeOf(() => mleSync(fx.X, { k, aggregate }))).toBe('ERR_DUPLICATES')
          } else {
            close(`${fx.name} ${key}`, mleSync(fx.X, { k, aggregate, duplicates: 'keep' }).dimension, want, tol(fx, key))
          }
        }
      }
    }
  })

  it('matches the reference pointwise, smoothed, unbiased and pooled variants', () => {
    for (const fx of ALL) {
      const r = mleSync(fx.X, { aggregate: 'mean', smooth: true, pointwise: true, duplicates: 'keep' })
      allClose(`${fx.name} pointwise`, r.pointwise, vector(fx, 'mle_k20_pointwise'), tol(fx, 'mle'))
      allClose(`${fx.name} smooth`, r.diagnostics!.pointwise_smooth, vector(fx, 'mle_k20_smooth'), tol(fx, 'mle'))
      const unbiased = scalar(fx, 'mle_k20_unbiased')
      if (unbiased !== 0) close(fx.name, mleSync(fx.X, { normalization: 'unbiased' }).dimension, unbiased, tol(fx, 'mle'))
      const pooled = scalar(fx, 'mle_k20_pooled')
      if (pooled === 0) expect(() => mleSync(fx.X, { neighborhoodBased: false })).toThrow()
      else close(fx.name, mleSync(fx.X, { neighborhoodBased: false }).dimension, pooled, tol(fx, 'mle'))
    }
  })
})

describe('gride and idScaling', () => {
  it('idScaling gride matches DADApy return_id_scaling_gride (ids, errors, orders, scales)', () => {
    for (const fx of ALL.filter((f) => f.name !== 'fx4_dups')) {
      const want = vector(fx, 'dadapy_gride_64')
      const got = idScalingSync(fx.X, { method: 'gride', duplicates: 'keep' })
      const s = got.dimensions.length
      expect(3 * s).toBe(want.length)
      for (let i = 0; i < s; i++) {
        // bisection to 1e-7 absolute
        expect(Math.abs(got.dimensions[i]! - want[i]!), `${fx.name} id[${i}]`).toBeLessThan(1e-6)
        close(`${fx.name} err[${i}]`, got.stderr[i]!, want[s + i]!, tol(fx, 'dadapy_gride'))
        expect(got.sizes[i]).toBe(want[2 * s + i])
      }
      const w16 = vector(fx, 'dadapy_gride_16_scales')
      const g16 = idScalingSync(fx.X, { method: 'gride', rangeMax: 16, duplicates: 'keep' })
      allClose(`${fx.name} scales`, g16.scales, w16.slice(2 * g16.dimensions.length), 1e-9)
      // the single scale n1 = 1, n2 = 2 is scale 0 of the curve
      const single = grideSync(fx.X, { duplicates: 'keep' })
      expect(Math.abs(single.dimension - g16.dimensions[0]!)).toBeLessThan(1e-12)
      expect(single.stderr).toBeGreaterThan(0)
    }
  })

  it('idScaling twonn follows DADApy return_id_scaling_2NN sizes, and its full-size value is TwoNN', () => {
    for (const fx of [FX.fx1_ball5in10, FX.fx3_paraboloid2in3]) {
      const want = vector(fx, 'dadapy_scaling_2nn')
      const s = want.length / 3
      const got = idScalingSync(fx.X, { method: 'twonn' })
      expect(Array.from(got.sizes)).toEqual(want.slice(2 * s))
      close(fx.name, got.dimensions[0]!, want[0]!, tol(fx, 'dadapy_2nn_base'))
      expect(got.stderr[0]).toBe(0)
      expect(got.dimensions[0]).toBe(twoNNSync(fx.X).dimension)
    }
  })
})

describe('mom, tle, mada', () => {
  it('match scikit-dimension MOM, TLE and MADA, global and pointwise', () => {
    for (const fx of ALL) {
      for (const k of [20, 100]) {
        const r = momSync(fx.X, { k: Math.min(k, fx.X.rows - 1), pointwise: true }) // a given k > N − 1 is ERR_K_TOO_LARGE; the reference clamps
        close(`${fx.name} mom_k${k}`, r.dimension, scalar(fx, `mom_k${k}`), tol(fx, 'mom'))
        allClose(`${fx.name} mom_k${k}_pointwise`, r.pointwise, vector(fx, `mom_k${k}_pointwise`), tol(fx, 'mom'))
      }
      close(`${fx.name} mom median`, momSync(fx.X, { aggregate: 'median' }).dimension, scalar(fx, 'mom_k100_median'), tol(fx, 'mom'))
      const t = tleSync(fx.X, { pointwise: true })
      close(`${fx.name} tle_k20`, t.dimension, scalar(fx, 'tle_k20'), tol(fx, 'tle'))
      allClose(`${fx.name} tle pointwise`, t.pointwise, vector(fx, 'tle_k20_pointwise'), tol(fx, 'tle'))
      close(`${fx.name} tle_k10`, tleSync(fx.X, { k: 10 }).dimension, scalar(fx, 'tle_k10'), tol(fx, 'tle'))
      const m = madaSync(fx.X, { pointwise: true })
      close(`${fx.name} mada`, m.dimension, scalar(fx, 'mada_k20'), tol(fx, 'mada'))
      allClose(`${fx.name} mada pointwise`, m.pointwise, vector(fx, 'mada_k20_pointwise'), tol(fx, 'mada'))
    }
  })
})

describe('lpca', () => {
  const versions = [
    ['FO', 'FO'],
    ['fan', 'Fan'],
    ['maxgap', 'maxgap'],
    ['ratio', 'ratio'],
    ['participationRatio', 'participation_ratio'],
    ['kaiser', 'Kaiser'],
    ['brokenStick', 'broken_stick'],
  ] as const

  it('matches scikit-dimension lPCA for every version, and its explained variance', () => {
    for (const fx of ALL) {
      for (const [version, key] of versions) {
        const r = lpcaSync(fx.X, { version })
        close(`${fx.name} lpca_${key}`, r.dimension, scalar(fx, `lpca_${key}`), tol(fx, 'lpca'))
        if (version === 'FO') {
          const ev = vector(fx, 'lpca_explained_variance')
          const got = r.diagnostics!.explained_variance!
          for (let i = 0; i < ev.length; i++) expect(Math.abs(got[i]! - ev[i]!)).toBeLessThanOrEqual(1e-12 * ev[0]!)
        }
      }
    }
  })

  it('with k matches lPCA.fit_pw(n_neighbors = 20)', () => {
    for (const fx of ALL) {
      for (const [version, key] of [
        ['FO', 'lpca_FO_pw20'],
        ['participationRatio', 'lpca_participation_ratio_pw20'],
      ] as const) {
        const r = lpcaSync(fx.X, { version, k: 20, pointwise: true })
        allClose(`${fx.name} ${key}`, r.pointwise, vector(fx, key), tol(fx, 'lpca'))
        expect(r.params.k).toBe(20)
      }
    }
  })
})

describe('corrInt', () => {
  it('matches scikit-dimension CorrInt (default and k1 = 5, k2 = 15)', () => {
    for (const fx of ALL) {
      close(fx.name, corrIntSync(fx.X).dimension, scalar(fx, 'corrint'), tol(fx, 'corrint'))
      const got = corrIntSync(fx.X, { k1: 5, k2: 15 })
      const want = scalar(fx, 'corrint_5_15')
      if (fx.X.rows % 2 === 1 && Math.abs(got.dimension - want) > 1e-10 * want) {
        // odd N: the median radius is itself a pair distance, which the reference counts or not
        // depending on its expanded-form rounding (id-estimators.md §3.9): one pair moved across
        // the radius must reproduce the reference value (as in crates/intdim/tests/parity.rs).
        const r = got.diagnostics!.radii!
        const c = got.diagnostics!.pair_counts!
        const nn = fx.X.rows * fx.X.rows
        const f = (a: number, b: number) => (Math.log(b / nn) - Math.log(a / nn)) / Math.log(r[1]! / r[0]!)
        const ok = [
          [2, 0],
          [-2, 0],
          [0, 2],
          [0, -2],
        ].some(([da, db]) => Math.abs(f(c[0]! + da!, c[1]! + db!) - want) <= 1e-10 * want)
        expect(ok, `${fx.name}: ${got.dimension} vs ${want}`).toBe(true)
      } else {
        close(fx.name, got.dimension, want, tol(fx, 'corrint'))
      }
    }
  })
})

describe('mindMl', () => {
  it('matches scikit-dimension MiND_ML (MLk, MLi, k = 10 with D = 5)', () => {
    for (const fx of ALL) {
      close(`${fx.name} mlk`, mindMlSync(fx.X, { duplicates: 'keep' }).dimension, scalar(fx, 'mind_mlk'), tol(fx, 'mind'))
      close(`${fx.name} mli`, mindMlSync(fx.X, { version: 'MLi', duplicates: 'keep' }).dimension, scalar(fx, 'mind_mli'), tol(fx, 'mind'))
      const r = mindMlSync(fx.X, { k: 10, maxDim: 5, duplicates: 'keep' })
      close(`${fx.name} k10 D5`, r.dimension, scalar(fx, 'mind_mlk_k10_D5'), tol(fx, 'mind'))
      expect(r.params).toMatchObject({ k: 10, maxDim: 5, version: 'MLk' })
    }
  })
})

describe('fisherS', () => {
  it('matches scikit-dimension FisherS (dimension and n_alpha per alpha)', () => {
    for (const fx of ALL) {
      const want = vector(fx, 'fishers')
      const r = fisherSSync(fx.X)
      close(fx.name, r.dimension, want[0]!, tol(fx, 'fishers'))
      allClose(`${fx.name} n_alpha`, r.diagnostics!.n_alpha, want.slice(1), tol(fx, 'fishers'))
      expect(r.params.metric).toBeUndefined()
    }
  })
})

describe('ess', () => {
  it('matches scikit-dimension ESS (versions a and b, k = 20), global and pointwise', () => {
    for (const fx of ALL) {
      for (const [version, key] of [
        ['a', 'ess_a_k20'],
        ['b', 'ess_b_k20'],
      ] as const) {
        const r = essSync(fx.X, { version, k: 20, pointwise: true })
        close(`${fx.name} ${key}`, r.dimension, scalar(fx, key), tol(fx, 'ess'))
        allClose(`${fx.name} ${key} pointwise`, r.pointwise, vector(fx, `${key}_pointwise`), tol(fx, 'ess'))
      }
    }
  })
})

describe('danco and knnId', () => {
  it('run with their reference defaults and land near the true dimension (fixture fx2, true ID 2)', async () => {
    const X = FX.fx2_sphere2in3.X
    const d = await danco(X, { maxDim: 3 })
    expect(d.method).toBe('danco')
    // statistical estimator (ChaCha8 calibration, DIFFERENCES.md): within 0.5 of the truth
    expect(Math.abs(d.dimension - 2)).toBeLessThan(0.5)
    expect(d.params).toMatchObject({ k: 10, maxDim: 3, fractal: true, seed: 0, duplicates: 'error' })
    const k = knnIdSync(X, { seed: 3 })
    expect(k.method).toBe('knnId')
    expect(Number.isInteger(k.dimension) && k.dimension >= 1 && k.dimension <= 3).toBe(true)
    expect(k.params).toMatchObject({ k: 2, m: 1, gamma: 2, seed: 3 })
    expect(await knnId(X, { seed: 3 })).toEqual(k)
  })
})

describe('estimateId', () => {
  it('dispatches by name (function names, or crate spellings) with the same result as the function', async () => {
    const X = FX.fx1_ball5in10.X
    expect(estimateIdSync(X, { method: 'mle', k: 10 })).toEqual(mleSync(X, { k: 10 }))
    expect(await estimateId(X, { method: 'twoNN', discardFraction: 0.2 })).toEqual(twoNNSync(X, { discardFraction: 0.2 }))
    expect(estimateIdSync(X, { method: 'mind_ml' } as never).method).toBe('mindMl')
    expect(estimateIdSync(X, { method: 'FISHERS' } as never).method).toBe('fisherS')
    for (const method of ['twoNN', 'mle', 'gride', 'lpca', 'corrInt', 'mom', 'tle', 'mada', 'mindMl', 'ess', 'fisherS', 'knnId'] as const) {
      const r = estimateIdSync(X, { method })
      expect(r.method).toBe(method)
      expect(Number.isFinite(r.dimension)).toBe(true)
    }
  })
})

describe('sync and async twins', () => {
  it('give identical results for every estimator, localId and idScaling', async () => {
    const X = FX.fx2_sphere2in3.X
    const pairs: [string, () => unknown, () => Promise<unknown>][] = [
      ['twoNN', () => twoNNSync(X, { estimator: 'bayes' }), () => twoNN(X, { estimator: 'bayes' })],
      ['mle', () => mleSync(X, { pointwise: true }), () => mle(X, { pointwise: true })],
      ['gride', () => grideSync(X, { n1: 2 }), () => gride(X, { n1: 2 })],
      ['lpca', () => lpcaSync(X, { k: 15 }), () => lpca(X, { k: 15 })],
      ['corrInt', () => corrIntSync(X), () => corrInt(X)],
      ['mom', () => momSync(X), () => mom(X)],
      ['tle', () => tleSync(X), () => tle(X)],
      ['mada', () => madaSync(X), () => mada(X)],
      ['mindMl', () => mindMlSync(X), () => mindMl(X)],
      ['ess', () => essSync(X, { k: 20 }), () => ess(X, { k: 20 })],
      ['fisherS', () => fisherSSync(X), () => fisherS(X)],
      ['estimateId', () => estimateIdSync(X, { method: 'mom', k: 10 }), () => estimateId(X, { method: 'mom', k: 10 })],
      ['localId', () => localIdSync(X, { method: 'tle', k: 10 }), () => localId(X, { method: 'tle', k: 10 })],
      ['idScaling', () => idScalingSync(X, { method: 'twonn', seed: 5 }), () => idScaling(X, { method: 'twonn', seed: 5 })],
    ]
    for (const [label, s, a] of pairs) expect(await a(), label).toEqual(s())
  })
})

describe('cancellation', () => {
  it('an aborted signal rejects with ABORT_ERR and the sync twin is unaffected', async () => {
    const ac = new AbortController()
    ac.abort()
    const X = FX.fx1_ball5in10.X
    const e = await rejection(corrInt(X, { signal: ac.signal }))
    expect([e.code, e.name]).toEqual(['ABORT_ERR', 'AbortError'])
    expect((await rejection(idScaling(X, { method: 'twonn', signal: ac.signal }))).code).toBe('ABORT_ERR')
    expect(Number.isFinite(corrIntSync(X).dimension)).toBe(true)
  })

  it('reports progress to onProgress', async () => {
    const seen: string[] = []
    await mle(FX.fx1_ball5in10.X, { onProgress: (p) => seen.push(p.phase) })
    expect(seen.length).toBeGreaterThan(0)
  })
})

describe('f32 input', () => {
  it('gives the same estimates as f64 input of the same values (fixture fx2_f32)', () => {
    const fx = FX.fx2_f32
    const X32 = { data: Float32Array.from(fx.X.data), rows: fx.X.rows, cols: fx.X.cols }
    // the fixture's values are f32 values stored as f64: the conversion is exact
    expect(Array.from(X32.data)).toEqual(Array.from(fx.X.data))
    const cases: [string, (X: DenseMatrix) => IdResult][] = [
      ['twoNN', (X) => twoNNSync(X)],
      ['mle', (X) => mleSync(X)],
      ['tle', (X) => tleSync(X)],
      ['lpca', (X) => lpcaSync(X, { version: 'participationRatio' })],
      ['corrInt', (X) => corrIntSync(X)],
      ['fisherS', (X) => fisherSSync(X)],
      ['ess', (X) => essSync(X, { k: 20 })],
    ]
    for (const [label, f] of cases) {
      const a = f(X32)
      const b = f(fx.X)
      close(`${label} f32 vs f64`, a.dimension, b.dimension, 1e-12)
    }
    close('twoNN f32 vs fixture', twoNNSync(X32).dimension, scalar(fx, 'twonn_linear_0.1'), tol(fx, 'twonn'))
    close('mle f32 vs fixture', mleSync(X32).dimension, scalar(fx, 'mle_k20_harmonic'), tol(fx, 'mle'))
  })
})

describe('options.neighbors', () => {
  it('reusing knn(X, { k }) gives the same result as computing the neighbours', () => {
    const X = FX.fx1_ball5in10.X
    const nb = knnSync(X, { k: 25 })
    const cases: [string, (o: object) => IdResult][] = [
      ['twoNN', (o) => twoNNSync(X, o)],
      ['mle', (o) => mleSync(X, { ...o, k: 20 })],
      ['gride', (o) => grideSync(X, { ...o, n1: 4 })],
      ['mom', (o) => momSync(X, { ...o, k: 20 })],
      ['tle', (o) => tleSync(X, { ...o, k: 20 })],
      ['mada', (o) => madaSync(X, { ...o, k: 20 })],
      ['lpca', (o) => lpcaSync(X, { ...o, k: 20 })],
      ['corrInt', (o) => corrIntSync(X, o)],
      ['mindMl', (o) => mindMlSync(X, o)],
      ['ess', (o) => essSync(X, { ...o, k: 20 })],
    ]
    for (const [label, f] of cases) {
      const given = f({ neighbors: nb })
      const computed = f({})
      expect(given.params.neighbors, label).toBe('given')
      expect(given.dimension, label).toBe(computed.dimension)
    }
    expect(localIdSync(X, { method: 'mle', k: 10, neighbors: nb })).toEqual(localIdSync(X, { method: 'mle', k: 10 }))
    expect(idScalingSync(X, { method: 'gride', rangeMax: 16, neighbors: nb })).toEqual(idScalingSync(X, { method: 'gride', rangeMax: 16 }))
  })

  it('too few neighbours → ERR_K_TOO_LARGE; neighbours of other rows → ERR_SHAPE', async () => {
    const X = FX.fx1_ball5in10.X
    const nb = knnSync(X, { k: 5 })
    expect(codeOf(() => mleSync(X, { k: 20, neighbors: nb }))).toBe('ERR_K_TOO_LARGE')
    expect((await rejection(mle(X, { k: 20, neighbors: nb }))).code).toBe('ERR_K_TOO_LARGE')
    expect(codeOf(() => corrIntSync(X, { neighbors: nb }))).toBe('ERR_K_TOO_LARGE')
    const other = knnSync({ data: X.data.subarray(0, 100 * X.cols), rows: 100, cols: X.cols }, { k: 5 })
    expect(codeOf(() => twoNNSync(X, { neighbors: other }))).toBe('ERR_SHAPE')
    expect(codeOf(() => twoNNSync(X, { neighbors: knnSync(X, { k: 2, metric: 'dot' }) }))).toBe('ERR_OUT_OF_RANGE')
  })
})

describe("metric: 'cosine'", () => {
  it('on unit vectors halves TwoNN (1 − cos = ‖x − y‖²/2, so ln μ doubles)', () => {
    const X = FX.fx2_sphere2in3.X
    for (let i = 0; i < X.rows; i++) {
      const r = X.data.subarray(i * 3, i * 3 + 3)
      expect(Math.abs(Math.hypot(r[0]!, r[1]!, r[2]!) - 1)).toBeLessThan(1e-12)
    }
    const e = twoNNSync(X)
    const c = twoNNSync(X, { metric: 'cosine' })
    close('cosine / 2', c.dimension, e.dimension / 2, 1e-6)
    expect(c.params.metric).toBe('cosine')
    expect(twoNNSync(X, { neighbors: knnSync(X, { k: 2, metric: 'cosine' }) }).dimension).toBe(c.dimension)
  })
})

describe('duplicates (fixture fx4_dups: 60 points on a sphere plus copies of rows 0..4)', () => {
  const X = FX.fx4_dups.X

  it("twoNN: default 'keep' is scikit-dimension 0.5.0 (r₁ = 0 rows excluded and counted)", () => {
    const r = twoNNSync(X)
    close('keep', r.dimension, scalar(FX.fx4_dups, 'twonn_linear_0.1'), tol(FX.fx4_dups, 'twonn'))
    // 5 copied rows and their 5 originals have r₁ = 0
    expect(r.dropped.duplicates).toBe(10)
    expect(codeOf(() => twoNNSync(X, { duplicates: 'error' }))).toBe('ERR_DUPLICATES')
    const d = twoNNSync(X, { duplicates: 'drop' })
    // 'drop' removes the 5 later copies and keeps the originals
    expect(d.dropped.duplicates).toBe(5)
    expect(d.nSamples).toBe(65)
    expect(Number.isFinite(d.dimension)).toBe(true)
  })

  it("mle, gride and mindMl default to 'error'; 'keep' reproduces the reference where it is finite; 'drop' deduplicates", async () => {
    expect(codeOf(() => mleSync(X))).toBe('ERR_DUPLICATES')
    expect((await rejection(mle(X))).code).toBe('ERR_DUPLICATES')
    close('mle mean keep', mleSync(X, { aggregate: 'mean', duplicates: 'keep' }).dimension, scalar(FX.fx4_dups, 'mle_k20_mean'), 1e-10)
    const dropped = mleSync(X, { duplicates: 'drop' })
    expect(dropped.dropped.duplicates).toBe(5)
    expect(dropped.nUsed).toBe(60)
    expect(codeOf(() => grideSync(X))).toBe('ERR_DUPLICATES')
    expect(Number.isFinite(grideSync(X, { duplicates: 'drop' }).dimension)).toBe(true)
    expect(codeOf(() => idScalingSync(X, { method: 'gride' }))).toBe('ERR_DUPLICATES')
    expect(codeOf(() => mindMlSync(X))).toBe('ERR_DUPLICATES')
    // the reference's ρ = 0 gives 1 (fixture mind_mlk)
    expect(mindMlSync(X, { duplicates: 'keep' }).dimension).toBe(scalar(FX.fx4_dups, 'mind_mlk'))
    close('mom keep', momSync(X, { k: 20 }).dimension, scalar(FX.fx4_dups, 'mom_k20'), 1e-10)
    expect(momSync(X, { k: 20, duplicates: 'drop' }).dropped.duplicates).toBe(5)
    expect(codeOf(() => momSync(X, { duplicates: 'error' }))).toBe('ERR_DUPLICATES')
  })
})

describe('localId', () => {
  it('returns one value per row, equal to the estimators’ pointwise values', () => {
    const fx = FX.fx1_ball5in10
    const v = localIdSync(fx.X, { method: 'mle', k: 20 })
    expect(v).toBeInstanceOf(Float64Array)
    allClose('mle', v, vector(fx, 'mle_k20_pointwise'), tol(fx, 'mle'))
    const lid = localIdSync(fx.X, { method: 'lid', k: 20 })
    // Hill normalisation k instead of k − 1
    for (let i = 0; i < v.length; i++) close(`lid[${i}]`, lid[i]!, (v[i]! * 20) / 19, 1e-12)
    allClose('mom', localIdSync(fx.X, { method: 'mom', k: 20 }), vector(fx, 'mom_k20_pointwise'), tol(fx, 'mom'))
    allClose('tle', localIdSync(fx.X, { method: 'tle' }), vector(fx, 'tle_k20_pointwise'), tol(fx, 'tle'))
    allClose('mada', localIdSync(fx.X, { method: 'mada', k: 20 }), vector(fx, 'mada_k20_pointwise'), tol(fx, 'mada'))
    allClose('lpca', localIdSync(fx.X, { method: 'lpca', k: 20 }), vector(fx, 'lpca_FO_pw20'), tol(fx, 'lpca'))
    allClose('ess', localIdSync(fx.X, { method: 'ess', k: 20 }), vector(fx, 'ess_a_k20_pointwise'), tol(fx, 'ess'))
  })

  it('refuses MLE rows with a zero distance (ERR_DUPLICATES) instead of returning 0', () => {
    expect(codeOf(() => localIdSync(FX.fx4_dups.X, { method: 'mle', k: 10 }))).toBe('ERR_DUPLICATES')
  })
})

describe('datasets.benchmarkManifold', () => {
  it('lists the 24 manifolds of the crate with their true and ambient dimensions', () => {
    expect(datasets.manifolds).toHaveLength(24)
    const fromNative = native().intdimManifolds()
    expect(datasets.manifolds.map((m) => [m.name, m.intrinsicDimension, m.ambientDimension])).toEqual(fromNative)
  })

  it('returns n × ambient points with the true ID, deterministic per seed', () => {
    for (const info of datasets.manifolds) {
      const m = datasets.benchmarkManifold(info.name, { n: 20 })
      expect([m.rows, m.cols, m.data.length, m.intrinsicDimension, m.name]).toEqual([20, info.ambientDimension, 20 * info.ambientDimension, info.intrinsicDimension, info.name])
      expect(m.data.every(Number.isFinite)).toBe(true)
    }
    const a = datasets.benchmarkManifold('M7_Roll', { n: 50, seed: 4 })
    expect(datasets.benchmarkManifold('M7_Roll', { n: 50, seed: 4 })).toEqual(a)
    expect(datasets.benchmarkManifold('M7_Roll', { n: 50, seed: 5 }).data).not.toEqual(a.data)
    const noisy = datasets.benchmarkManifold('M7_Roll', { n: 50, seed: 4, noise: 0.01 })
    // uniform noise (U − 0.5)·0.01: every coordinate moves by at most 0.005
    for (let i = 0; i < a.data.length; i++) expect(Math.abs(noisy.data[i]! - a.data[i]!)).toBeLessThanOrEqual(0.005)
  })

  it('TwoNN lands within 10 % of the true ID on low-dimensional manifolds', () => {
    for (const name of ['M7_Roll', 'M2_Affine_3to5', 'M3_Nonlinear_4to6'] as const) {
      const m = datasets.benchmarkManifold(name, { n: 1000, seed: 1 })
      const d = twoNNSync(m).dimension
      expect(Math.abs(d - m.intrinsicDimension) / m.intrinsicDimension, `${name}: ${d}`).toBeLessThan(0.1)
    }
  })

  it('rejects unknown names and bad options', () => {
    expect(codeOf(() => datasets.benchmarkManifold('nope' as never, { n: 5 }))).toBe('ERR_OUT_OF_RANGE')
    expect(codeOf(() => datasets.benchmarkManifold(3 as never, { n: 5 }))).toBe('ERR_INVALID_ARG_TYPE')
    expect(codeOf(() => datasets.benchmarkManifold('M7_Roll', { n: 0 }))).toBe('ERR_OUT_OF_RANGE')
    expect(codeOf(() => datasets.benchmarkManifold('M7_Roll', undefined as never))).toBe('ERR_INVALID_ARG_TYPE')
    expect(codeOf(() => datasets.benchmarkManifold('M7_Roll', { n: 5, noise: -1 }))).toBe('ERR_OUT_OF_RANGE')
    expect(codeOf(() => datasets.benchmarkManifold('M7_Roll', { n: 5, seed: 1.5 }))).toBe('ERR_OUT_OF_RANGE')
  })
})

describe('bad input', () => {
  const X = FX.fx2_sphere2in3.X
  const withNaN = Float64Array.from(X.data)
  withNaN[40] = NaN
  const identical = { data: new Float64Array(30).fill(1), rows: 10, cols: 3 }
  const oneCol = { data: Float64Array.from(X.data.subarray(0, 100)), rows: 100, cols: 1 }
  type Call = [sync: (X: unknown, o: unknown) => unknown, async: (X: unknown, o: unknown) => Promise<unknown>]
  const fn = (s: (X: never, o: never) => unknown, a: (X: never, o: never) => Promise<unknown>): Call => [s as Call[0], a as Call[1]]
  const TWONN = fn(twoNNSync, twoNN)
  const MLE = fn(mleSync, mle)
  const cases: [label: string, call: Call, X: unknown, options: unknown, code: string, message?: RegExp][] = [
    ['NaN in X', TWONN, { data: withNaN, rows: X.rows, cols: 3 }, {}, 'ERR_NON_FINITE', /row 13, column 1/],
    ['too few rows', TWONN, { data: X.data.subarray(0, 6), rows: 2, cols: 3 }, {}, 'ERR_EMPTY', /needs at least 3/],
    ['zero rows', MLE, { data: new Float64Array(0), rows: 0, cols: 3 }, {}, 'ERR_EMPTY'],
    ['one column', fn(lpcaSync, lpca), oneCol, {}, 'ERR_EMPTY', /columns/],
    ['X not a matrix', TWONN, 'hello', {}, 'ERR_INVALID_ARG_TYPE'],
    ['options not an object', TWONN, X, 5, 'ERR_INVALID_ARG_TYPE'],
    ['unknown option', TWONN, X, { discard: 0.1 }, 'ERR_OUT_OF_RANGE', /no option 'discard'/],
    ['discardFraction 1', TWONN, X, { discardFraction: 1 }, 'ERR_OUT_OF_RANGE', /discardFraction/],
    ['discardFraction as a string', TWONN, X, { discardFraction: '0.1' }, 'ERR_INVALID_ARG_TYPE'],
    ['discardFraction 0 with the regression', TWONN, X, { discardFraction: 0 }, 'ERR_OUT_OF_RANGE'],
    ['unknown estimator', TWONN, X, { estimator: 'ols' }, 'ERR_INVALID_ARG_VALUE', /'regression', 'mle', 'bayes'/],
    ['fractional k', MLE, X, { k: 2.5 }, 'ERR_OUT_OF_RANGE', /options.k/],
    ['k = 1', MLE, X, { k: 1 }, 'ERR_OUT_OF_RANGE'],
    ['unknown aggregate', MLE, X, { aggregate: 'max' }, 'ERR_INVALID_ARG_VALUE'],
    ['unknown metric', MLE, X, { metric: 'dot' }, 'ERR_INVALID_ARG_VALUE'],
    ['duplicates as a boolean', MLE, X, { duplicates: true }, 'ERR_INVALID_ARG_TYPE'],
    ["duplicates: 'error' with duplicates", MLE, FX.fx4_dups.X, { duplicates: 'error' }, 'ERR_DUPLICATES'],
    ['all points identical', TWONN, identical, { duplicates: 'error' }, 'ERR_DUPLICATES'],
    ['neighbors not a KnnResult', MLE, X, { neighbors: {} }, 'ERR_INVALID_ARG_TYPE'],
    ['negative seed', MLE, X, { seed: -1 }, 'ERR_OUT_OF_RANGE'],
    ['pointwise on twoNN', TWONN, X, { pointwise: true }, 'ERR_OUT_OF_RANGE'],
    ['duplicates on ess', fn(essSync, ess), X, { duplicates: 'drop' }, 'ERR_OUT_OF_RANGE', /no duplicates policy/],
    ['cosine on fisherS', fn(fisherSSync, fisherS), X, { metric: 'cosine' }, 'ERR_OUT_OF_RANGE', /no neighbours/],
    ['alphas out of (0, 1)', fn(fisherSSync, fisherS), X, { alphas: [0.5, 1.2] }, 'ERR_OUT_OF_RANGE', /alphas\[1\]/],
    ['n2 <= n1', fn(grideSync, gride), X, { n1: 4, n2: 4 }, 'ERR_OUT_OF_RANGE', /n2/],
    ['lpca k >= n', fn(lpcaSync, lpca), X, { k: 300 }, 'ERR_K_TOO_LARGE'],
    ['knnId sample size above N', fn(knnIdSync, knnId), X, { ps: [3, 400] }, 'ERR_OUT_OF_RANGE'],
    ['estimateId without method', fn(estimateIdSync, estimateId), X, {}, 'ERR_INVALID_ARG_TYPE', /method is required/],
    ['method on a named estimator', TWONN, X, { method: 'mle' }, 'ERR_OUT_OF_RANGE', /no option 'method'/],
    ['estimateId with an option of another estimator', fn(estimateIdSync, estimateId), X, { method: 'twoNN', k: 5 }, 'ERR_OUT_OF_RANGE', /twoNN has no option 'k'/],
    ['estimateId unknown method', fn(estimateIdSync, estimateId), X, { method: 'pca' }, 'ERR_INVALID_ARG_VALUE', /'twoNN'/],
    ['localId unknown method', fn(localIdSync, localId), X, { method: 'twonn' }, 'ERR_INVALID_ARG_VALUE'],
    ['localId k too large', fn(localIdSync, localId), X, { method: 'mle', k: 300 }, 'ERR_K_TOO_LARGE'],
    ['localId without options', fn(localIdSync, localId), X, undefined, 'ERR_INVALID_ARG_TYPE'],
    ['idScaling unknown method', fn(idScalingSync, idScaling), X, { method: 'mle' }, 'ERR_INVALID_ARG_VALUE'],
    ['idScaling twonn with cosine', fn(idScalingSync, idScaling), X, { method: 'twonn', metric: 'cosine' }, 'ERR_OUT_OF_RANGE'],
  ]

  for (const [label, [s, a], x, o, code, message] of cases) {
    it(`${label} → ${code}`, async () => {
      const e = thrown(() => s(x, o))
      expect(e.code, e.message).toBe(code)
      if (message) expect(e.message).toMatch(message)
      const r = await rejection(a(x, o))
      expect(r.code).toBe(code)
    })
  }
})
