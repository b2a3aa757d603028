/**
 * Wide inputs never take the process down (issue 17 item 1). An 11 × 20,000 f32 matrix (880 KB,
 * e.g. a 20,000 × 11 set saved transposed) goes through every path that builds a d × d matrix.
 * The rule (embgeo_core::dense, README "Memory"): a dense square f64 matrix may take at most
 * 2 GiB (side ≤ 16,384), checked before allocating, and every square buffer is allocated
 * fallibly. Paths with an n × n or n × d route (PCA auto → SVD, spectrum's Gram route, lPCA,
 * FisherS, analyze) answer; paths whose model is d × d (covariance PCA, partialFit, whitening,
 * allButTheTop) reject with ERR_OUT_OF_RANGE naming the size and the way out — synchronously
 * and asynchronously, without allocating.
 */
import { describe, expect, it } from 'vitest'

import {
  allButTheTop,
  allButTheTopSync,
  analyze,
  fisherS,
  fisherSSync,
  lpca,
  lpcaSync,
  PCA,
  spectrum,
  spectrumSync,
  Whitener,
  whitening,
  type DenseMatrix,
} from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'

const rows = 11
const cols = 20_000
const wide: DenseMatrix = { data: Float32Array.from(randomData(rows, cols, 17)), rows, cols }

/** The coded error of a d × d path over the limit: a RangeError naming the size and a fix. */
function expectTooWide(e: Error & { code?: string }): void {
  expect(e.code, e.message).toBe('ERR_OUT_OF_RANGE')
  expect(e).toBeInstanceOf(RangeError)
  expect(e.message).toContain('20,000 × 20,000 f64 matrix (3.2 GB)')
  expect(e.message).toMatch(/at most 16,384/)
}

describe('d × d paths on an 11 × 20,000 matrix', () => {
  it("PCA solver 'covariance' rejects with ERR_OUT_OF_RANGE naming the size, sync and async", async () => {
    expectTooWide(thrown(() => new PCA({ solver: 'covariance' }).fitSync(wide)))
    expectTooWide(await rejection(new PCA({ solver: 'covariance' }).fit(wide)))
    expect(thrown(() => new PCA({ solver: 'covariance' }).fitSync(wide)).message).toMatch(/solver: 'svd'/)
  })

  it('PCA partialFit rejects with ERR_OUT_OF_RANGE and stays unfitted', () => {
    const p = new PCA({ nComponents: 2 })
    expectTooWide(thrown(() => p.partialFit(wide)))
    expect(thrown(() => p.transformSync(wide)).code).toBe('ERR_NOT_FITTED')
  })

  it("PCA solver 'auto' takes the SVD route (n × d) and answers", async () => {
    const p = await new PCA({ nComponents: 3 }).fit(wide)
    expect(p.explainedVariance.length).toBe(3)
    const y = p.transformSync(wide)
    expect([y.rows, y.cols]).toEqual([rows, 3])
  })

  it('Whitener pca and zca reject with ERR_OUT_OF_RANGE, sync and async', async () => {
    for (const method of ['pca', 'zca'] as const) {
      expectTooWide(thrown(() => new Whitener({ method, nComponents: 5 }).fitSync(wide)))
      expectTooWide(await rejection(new Whitener({ method, nComponents: 5 }).fit(wide)))
    }
  })

  it('whitening.bert, whitening.zca and whitening.zipfian reject with ERR_OUT_OF_RANGE', async () => {
    expectTooWide(thrown(() => whitening.bert({ nComponents: 5 }).fitSync(wide)))
    expectTooWide(thrown(() => whitening.zca().fitSync(wide)))
    const weights = Array.from({ length: rows }, (_, i) => 1 / (i + 1))
    expectTooWide(thrown(() => whitening.zipfian({ nComponents: 5 }).fitSync(wide, { weights })))
    expectTooWide(await rejection(whitening.zca().fit(wide)))
  })

  it('allButTheTop rejects with ERR_OUT_OF_RANGE, sync and async', async () => {
    expectTooWide(thrown(() => allButTheTopSync(wide, { remove: 2 })))
    expectTooWide(await rejection(allButTheTop(wide, { remove: 2 })))
  })

  it('spectrum takes the n × n Gram route and answers', async () => {
    const s = spectrumSync(wide)
    expect(s.eigenvalues.length).toBe(cols)
    expect(s.rank).toBe(rows - 1)
    expect((await spectrum(wide)).eigenvalues).toEqual(s.eigenvalues)
  })

  it('lpca and fisherS run their thin SVD of the n × d data (fisherS: ERR_DEGENERATE, its own verdict)', async () => {
    expect(Number.isFinite(lpcaSync(wide).dimension)).toBe(true)
    expect((await lpca(wide)).dimension).toBe(lpcaSync(wide).dimension)
    // 11 random points in 20,000 dimensions are all separable: FisherS's documented verdict,
    // reached after the SVD (no d × d matrix), not a size error.
    expect(thrown(() => fisherSSync(wide)).code).toBe('ERR_DEGENERATE')
    expect((await rejection(fisherS(wide))).code).toBe('ERR_DEGENERATE')
  })

  it('analyze answers (its spectrum and 2-D projection take the n × n / n × d routes)', async () => {
    const a = await analyze(wide)
    expect([a.source.rows, a.source.cols]).toEqual([rows, cols])
  })
})
