/**
 * Issue 17 item 6: f64 data at extreme but finite magnitudes. Every capability gives the
 * answer of the unscaled data (neighbours identical; distances and other quantities with a
 * unit equal to the unscaled ones times the scale to its power, within 1e-12 relative;
 * dimensions identical within 1e-12), or a documented coded error (ERR_OUT_OF_RANGE where a
 * result itself does not fit in f64) — never NaN, never ERR_INTERNAL.
 */
import { describe, expect, it } from 'vitest'

import {
  anisotropySync,
  columnStatsSync,
  corrIntSync,
  dancoSync,
  duplicatesSync,
  essSync,
  fisherSSync,
  grideSync,
  hubnessSync,
  KnnIndex,
  knnIdSync,
  knnSync,
  localIdSync,
  lpcaSync,
  madaSync,
  matrix,
  mindMlSync,
  mleSync,
  momSync,
  PCA,
  spectrumSync,
  tleSync,
  twoNNSync,
  whitening,
} from '../src/index.js'
import { randomData } from './helpers.js'

const N = 80
const D = 6
const base = randomData(N, D, 17)
const SCALES = [1e-170, 1e-165, 1e-150, 1e150, 1e154, 1e300]
const scaled = (c: number) => matrix(base.map((v) => v * c), D)
const X0 = matrix(base, D)

/**
 * The outcome of `f`: its value, or the error code it threw: ERR_OUT_OF_RANGE (a result does
 * not fit in f64), or one of `also` (never ERR_INTERNAL).
 */
function outcome<T>(f: () => T, also: string[] = []): { value?: T; code?: string } {
  try {
    return { value: f() }
  } catch (e) {
    const code = (e as { code?: string }).code
    expect(code, String(e)).not.toBe('ERR_INTERNAL')
    expect(['ERR_OUT_OF_RANGE', ...also], String(e)).toContain(code)
    return { code }
  }
}
/** PCA and whitening refuse a covariance that overflows f64 with ERR_DEGENERATE (crates/pca covariance.rs). */
const COVARIANCE_OVERFLOW = ['ERR_DEGENERATE']

const close = (a: number, b: number, rtol: number) => (a === b ? true : Math.abs(a - b) <= rtol * Math.abs(b))
const expectClose = (a: ArrayLike<number>, b: ArrayLike<number>, rtol: number, what: string) => {
  expect(a.length, what).toBe(b.length)
  for (let i = 0; i < a.length; i++) {
    const [x, y] = [a[i] as number, b[i] as number]
    expect(Number.isFinite(x), `${what}[${i}] = ${x}`).toBe(true)
    if (!close(x, y, rtol)) expect(x, `${what}[${i}]`).toBe(y)
  }
}
const times = (a: ArrayLike<number>, f: number) => Array.from(a, (v) => v * f)

/** The power of the data's unit in each metric's distance. */
const METRICS = [
  ['euclidean', 1],
  ['sqeuclidean', 2],
  ['cosine', 0],
  ['dot', 2],
] as const

describe.each(SCALES)('data scaled by %s', (c) => {
  const X = scaled(c)

  it.each(METRICS)('knnSync (%s): same neighbours, distances × scale^p, or ERR_OUT_OF_RANGE', (metric, p) => {
    const want = knnSync(X0, { k: 5, metric })
    const got = outcome(() => knnSync(X, { k: 5, metric }))
    if (got.value) {
      expect(Array.from(got.value.indices)).toEqual(Array.from(want.indices))
      expectClose(got.value.distances, times(want.distances, c ** p), 1e-12, `${metric} distances`)
    } else {
      // only a distance outside the f64 range (c^p beyond 1e±300) may fail
      expect(c ** p > 1e300 || c ** p < 1e-300).toBe(true)
    }
  })

  it.each(METRICS)('KnnIndex.searchSync (%s) equals knnSync with queries', (metric, p) => {
    const queries = matrix(base.slice(0, 10 * D).map((v) => v * c), D)
    const want = knnSync(X0, { k: 4, metric, queries: matrix(base.slice(0, 10 * D), D) })
    const got = outcome(() => new KnnIndex(X, { metric }).searchSync(queries, { k: 4 }))
    if (got.value) {
      expect(Array.from(got.value.indices)).toEqual(Array.from(want.indices))
      expectClose(got.value.distances, times(want.distances, c ** p), 1e-12, `${metric} distances`)
    } else {
      expect(c ** p > 1e300 || c ** p < 1e-300).toBe(true)
    }
  })

  it('duplicatesSync finds exactly the duplicates, and knn puts them at distance 0', () => {
    const data = base.map((v) => v * c)
    data.copyWithin(D, 0, D) // row 1 = row 0
    const Xd = matrix(data, D)
    expect(duplicatesSync(Xd).count).toBe(1)
    const nb = knnSync(Xd, { k: 1 })
    expect([nb.indices[0], nb.distances[0]]).toEqual([1, 0])
    expect(nb.distances.slice(2).every((v) => v > 0)).toBe(true)
  })

  it('anisotropySync: scale-free ratios, norms × scale, never NaN', () => {
    const want = anisotropySync(X0)
    const got = anisotropySync(X)
    expect(close(got.meanNormRatio, want.meanNormRatio, 1e-12)).toBe(true)
    expect(close(got.averageCosine, want.averageCosine, 1e-12)).toBe(true)
    expect(close(got.meanNorm, want.meanNorm * c, 1e-12)).toBe(true)
    for (const v of Object.values(got)) if (typeof v === 'number') expect(Number.isNaN(v)).toBe(false)
  })

  it('columnStatsSync: mean × scale, variance × scale², or ERR_OUT_OF_RANGE', () => {
    const want = columnStatsSync(X0)
    const got = outcome(() => columnStatsSync(X))
    if (got.value) {
      expectClose(got.value.mean, times(want.mean, c), 1e-12, 'mean')
      expectClose(got.value.variance, times(want.variance, c * c), 1e-12, 'variance')
    } else {
      expect(c * c > 1e300 || c * c < 1e-300).toBe(true)
    }
  })

  it('spectrumSync: eigenvalues × scale², same effective rank, or ERR_OUT_OF_RANGE', () => {
    const want = spectrumSync(X0)
    const got = outcome(() => spectrumSync(X))
    if (got.value) {
      expectClose(got.value.eigenvalues, times(want.eigenvalues, c * c), 1e-10, 'eigenvalues')
      expect(close(got.value.effectiveRank, want.effectiveRank, 1e-12)).toBe(true)
      expect(got.value.rank).toBe(want.rank)
    } else {
      expect(c * c > 1e300 || c * c < 1e-300).toBe(true)
    }
  })

  it('hubnessSync on the kNN graph equals the unscaled one', () => {
    expect(hubnessSync(knnSync(X, { k: 5 }))).toEqual(hubnessSync(knnSync(X0, { k: 5 })))
  })

  it('PCA.fitSync: same components, variances × scale², or ERR_OUT_OF_RANGE', () => {
    for (const solver of ['covariance', 'svd', 'randomized'] as const) {
      const want = new PCA({ nComponents: 3, solver }).fitSync(X0)
      const got = outcome(() => new PCA({ nComponents: 3, solver }).fitSync(X), COVARIANCE_OVERFLOW)
      if (got.value) {
        expectClose(got.value.explainedVarianceRatio, want.explainedVarianceRatio, 1e-10, `${solver} ratio`)
        expectClose(got.value.explainedVariance, times(want.explainedVariance, c * c), 1e-10, `${solver} variance`)
      } else {
        expect(c * c > 1e300 || c * c < 1e-300).toBe(true)
      }
    }
  })

  // epsilon 0 (BERT-whitening): the default epsilon 1e-8 is in squared data units, not scale-free
  it('whitening.bert fitSync + transformSync: the whitened data are scale-free, or a coded error', () => {
    const want = whitening.bert().fitSync(X0).transformSync(X0)
    const got = outcome(() => whitening.bert().fitSync(X).transformSync(X), COVARIANCE_OVERFLOW)
    if (got.value) {
      // whitened values are O(1); the scaled inputs round differently (an ordinary scale of 3: 1.2e-14)
      const [g, w] = [got.value.data, want.data]
      for (let i = 0; i < w.length; i++) expect(Math.abs((g[i] as number) - (w[i] as number))).toBeLessThan(1e-12)
    } else {
      expect(c * c > 1e300 || c * c < 1e-300).toBe(true)
    }
  })

  const ID: Array<[string, (x: typeof X) => { dimension: number }, number]> = [
    ['twoNN', (x) => twoNNSync(x), 1e-12],
    ['mle', (x) => mleSync(x, { k: 10 }), 1e-12],
    ['gride', (x) => grideSync(x), 1e-12],
    ['lpca', (x) => lpcaSync(x), 1e-12],
    ['lpca (k 10)', (x) => lpcaSync(x, { k: 10 }), 1e-12],
    ['corrInt', (x) => corrIntSync(x), 1e-12],
    ['mom', (x) => momSync(x, { k: 10 }), 1e-12],
    ['tle', (x) => tleSync(x, { k: 10 }), 1e-12],
    ['mada', (x) => madaSync(x, { k: 10 }), 1e-12],
    ['mindMl', (x) => mindMlSync(x, { k: 10 }), 1e-12],
    // DANCo's likelihood fit stops at ~1e-8: an ordinary scale of 3 moves it by 5e-9
    ['danco', (x) => dancoSync(x, { k: 5 }), 1e-7],
    ['ess', (x) => essSync(x, { k: 10 }), 1e-12],
    ['fisherS', (x) => fisherSSync(x), 1e-12],
    ['knnId', (x) => knnIdSync(x), 1e-12],
    ['localId (tle)', (x) => ({ dimension: localIdSync(x, { method: 'tle', k: 10 }).reduce((a, b) => a + b) / N }), 1e-12],
  ]
  it.each(ID)('%s gives the unscaled dimension', (name, f, rtol) => {
    const want = f(X0).dimension
    const got = outcome(() => f(X))
    // lPCA reports explained variances (× scale²) beside the dimension: out of range when they do not fit
    if (got.code !== undefined) expect(name.startsWith('lpca') && (c * c > 1e300 || c * c < 1e-300)).toBe(true)
    else expect(close(got.value!.dimension, want, rtol), `${got.value!.dimension} vs ${want}`).toBe(true)
  })
})

describe('lpcaSync', () => {
  it('rejects identical rows with ERR_DEGENERATE in every version', () => {
    const X = matrix(new Float64Array(30).fill(0.25), 3)
    for (const version of ['FO', 'fan', 'maxgap', 'ratio', 'participationRatio', 'kaiser', 'brokenStick'] as const) {
      let code: string | undefined
      try {
        lpcaSync(X, { version })
      } catch (e) {
        code = (e as { code?: string }).code
      }
      expect(code, version).toBe('ERR_DEGENERATE')
    }
  })
})

describe('whitening.zipfian', () => {
  it('blames weights whose sum overflows (ERR_OUT_OF_RANGE naming weights), not the data', () => {
    const weights = new Float64Array(N).fill(1e308)
    let err: { code?: string; message?: string } = {}
    try {
      whitening.zipfian().fitSync(X0, { weights })
    } catch (e) {
      err = e as typeof err
    }
    expect(err.code).toBe('ERR_OUT_OF_RANGE')
    expect(err.message).toMatch(/weights/)
  })
})
