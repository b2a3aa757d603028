/**
 * anisotropy, spectrum, effectiveRank, hubness and duplicates through the public API, against the
 * numpy / scipy definitions in __test__/fixtures/metrics (written by scripts/reference/metrics.py;
 * each carries its provenance, rtol and the reason for it). As in crates/metrics/tests/parity.rs:
 * arrays norm-wise |ours − ref| ≤ rtol · max|ref|; scalars |ours − ref| ≤ rtol · max(|ref|, 1)
 * (cosines and skewness can be near 0); integers exactly.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import {
  anisotropy,
  anisotropySync,
  duplicates,
  duplicatesSync,
  effectiveRank,
  hubness,
  hubnessSync,
  knnSync,
  matrix,
  spectrum,
  spectrumSync,
  type DenseMatrix,
} from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'
import { closeToScale, scalar } from './parity.js'

interface HubnessCase {
  k: number
  metric: string
  indices: number[]
  expected: Record<string, number | number[]>
}

interface Fixture {
  name: string
  rtol: number
  input?: { dtype: 'f32' | 'f64'; rows: number; cols: number; data: number[] }
  expected?: Record<string, Record<string, number | number[]>>
  hubness?: HubnessCase[]
  spectra?: Array<{ eigenvalues: number[]; effective_rank: number; participation_ratio: number }>
}

const dir = new URL('./fixtures/metrics/', import.meta.url)
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture)
const dataFixtures = fixtures.filter((f) => f.input !== undefined)

function X(fx: Fixture): DenseMatrix {
  const i = fx.input!
  const data = i.dtype === 'f32' ? Float32Array.from(i.data) : Float64Array.from(i.data)
  return { data, rows: i.rows, cols: i.cols }
}

const num = (v: unknown) => v as number
const nums = (v: unknown) => v as number[]

describe('anisotropy parity with the pairwise-cosine definition', () => {
  for (const fx of dataFixtures) {
    it(`${fx.name} (rtol ${fx.rtol})`, async () => {
      const e = fx.expected!.anisotropy!
      const a = await anisotropy(X(fx))
      expect([a.rows, a.cols, a.zeroRows]).toEqual([fx.input!.rows, fx.input!.cols, e.zero_rows])
      scalar('meanNorm', a.meanNorm, num(e.mean_norm), fx.rtol)
      scalar('meanRowNorm', a.meanRowNorm, num(e.mean_row_norm), fx.rtol)
      scalar('meanNormRatio', a.meanNormRatio, num(e.mean_norm_ratio), fx.rtol)
      scalar('averageCosine', a.averageCosine, num(e.average_cosine), fx.rtol)
      scalar('cosineStd', a.cosineStd, num(e.cosine_std), fx.rtol)
      expect(anisotropySync(X(fx))).toEqual(a)
    })
  }
})

describe('spectrum parity with np.linalg.eigvalsh(np.cov(X))', () => {
  for (const fx of dataFixtures) {
    it(`${fx.name} (rtol ${fx.rtol})`, async () => {
      const e = fx.expected!.spectrum!
      const s = await spectrum(X(fx))
      expect(s.rank).toBe(e.rank)
      closeToScale('eigenvalues', s.eigenvalues, nums(e.eigenvalues), fx.rtol)
      closeToScale('explainedVarianceRatio', s.explainedVarianceRatio, nums(e.explained_variance_ratio), fx.rtol)
      expect(Math.abs(s.totalVariance - num(e.total_variance))).toBeLessThanOrEqual(fx.rtol * num(e.total_variance))
      scalar('effectiveRank', s.effectiveRank, num(e.effective_rank), fx.rtol)
      // Roy–Vetterli on singular values sqrt(λ(n − 1)) equals it on eigenvalues: the factor cancels.
      scalar('effectiveRank (singular values)', s.effectiveRank, num(e.effective_rank_singular_values), fx.rtol)
      scalar('participationRatio', s.participationRatio, num(e.participation_ratio), fx.rtol)
      expect(effectiveRank(s.eigenvalues)).toBe(s.effectiveRank)
      const t = spectrumSync(X(fx))
      expect(t.eigenvalues).toEqual(s.eigenvalues)
      expect(t).toEqual(s)
    })
  }
})

describe('effectiveRank', () => {
  const fx = fixtures.find((f) => f.spectra !== undefined)!
  it(`matches numpy on given spectra (rtol ${fx.rtol}), from arrays and typed arrays`, () => {
    for (const s of fx.spectra!) {
      scalar('effectiveRank', effectiveRank(s.eigenvalues), s.effective_rank, fx.rtol)
      scalar('effectiveRank (Float32Array)', effectiveRank(Float64Array.from(s.eigenvalues)), s.effective_rank, fx.rtol)
    }
    // Three equal eigenvalues and a zero: p = 1/3 each, erank = exp(ln 3) = 3.
    expect(effectiveRank([2, 2, 2, 0])).toBeCloseTo(3, 14)
  })

  it('rejects bad spectra with ERR_EMPTY, ERR_OUT_OF_RANGE, ERR_DEGENERATE and ERR_INVALID_ARG_TYPE', () => {
    expect(thrown(() => effectiveRank([])).code).toBe('ERR_EMPTY')
    const neg = thrown(() => effectiveRank([1, -0.5]))
    expect(neg.code).toBe('ERR_OUT_OF_RANGE')
    expect(neg.message).toContain('at index 1')
    expect(thrown(() => effectiveRank([1, Number.NaN])).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => effectiveRank([0, 0])).code).toBe('ERR_DEGENERATE')
    expect(thrown(() => effectiveRank([1, '2' as unknown as number])).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => effectiveRank(3 as unknown as number[])).code).toBe('ERR_INVALID_ARG_TYPE')
  })
})

describe('hubness parity with scikit-hubness definitions on scikit-learn kNN graphs', () => {
  for (const fx of dataFixtures) {
    for (const h of fx.hubness!) {
      it(`${fx.name} k=${h.k} ${h.metric} (rtol ${fx.rtol})`, async () => {
        const rows = fx.input!.rows
        const nb = { indices: Uint32Array.from(h.indices), rows, k: h.k }
        const r = await hubness(nb)
        const e = h.expected
        expect(Array.from(r.occurrences)).toEqual(e.occurrences)
        expect([r.k, r.maxOccurrence, r.antiHubs, r.hubs]).toEqual([h.k, e.max_occurrence, e.anti_hubs, e.hubs])
        scalar('skewness', r.skewness, num(e.skewness), fx.rtol)
        scalar('robinhood', r.robinhood, num(e.robinhood), fx.rtol)
        scalar('hubOccurrence', r.hubOccurrence, num(e.hub_occurrence), fx.rtol)
        expect(hubnessSync(nb)).toEqual(r)
        expect(hubnessSync({ indices: Int32Array.from(h.indices), rows, k: h.k })).toEqual(r)
      })
    }
  }

  it('takes a KnnResult of knn(X, { k }) directly', () => {
    const m = matrix(randomData(300, 12, 5), 12)
    const nb = knnSync(m, { k: 6 })
    const r = hubnessSync(nb)
    expect(r.occurrences.length).toBe(300)
    // Every list has k = 6 entries: the occurrences sum to rows · k.
    expect(r.occurrences.reduce((a, b) => a + b, 0)).toBe(300 * 6)
    expect(r.robinhood).toBeGreaterThanOrEqual(0)
    expect(r.robinhood).toBeLessThan(1)
  })

  it('reads the first k of longer lists through stride (same result as a narrowed copy)', async () => {
    const m = matrix(randomData(200, 8, 9), 8)
    const wide = knnSync(m, { k: 9 })
    const narrow = new Uint32Array(200 * 4)
    for (let r = 0; r < 200; r++) narrow.set(wide.indices.subarray(r * 9, r * 9 + 4), r * 4)
    const want = hubnessSync({ indices: narrow, rows: 200, k: 4 })
    expect(hubnessSync({ indices: wide.indices, rows: 200, k: 4, stride: 9 })).toEqual(want)
    expect(await hubness({ indices: wide.indices, rows: 200, k: 4, stride: 9 })).toEqual(want)
    // stride below k, or a length that is not rows · stride: coded errors.
    expect(thrown(() => hubnessSync({ indices: wide.indices, rows: 200, k: 4, stride: 3 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => hubnessSync({ indices: wide.indices, rows: 200, k: 4, stride: 8 })).code).toBe('ERR_SHAPE')
  })
})

describe('duplicates parity with np.unique(X, axis=0)', () => {
  for (const fx of dataFixtures) {
    it(`${fx.name} (exact)`, async () => {
      const e = fx.expected!.duplicates!
      const d = await duplicates(X(fx))
      expect([d.count, d.groups, d.unique]).toEqual([e.count, e.groups, e.unique])
      expect(Array.from(d.firstOf)).toEqual(e.first_of)
      expect(duplicatesSync(X(fx))).toEqual(d)
    })
  }

  it('treats -0 as 0 and accepts number[][]', () => {
    const d = duplicatesSync([
      [0, 1],
      [-0, 1],
      [2, 3],
      [0, 1],
    ])
    expect(Array.from(d.firstOf)).toEqual([0, 0, 2, 0])
    expect([d.count, d.groups, d.unique]).toEqual([2, 1, 2])
  })
})

describe('summary measures: errors, cancellation and progress', () => {
  const m = matrix(randomData(200, 8, 9), 8)

  it('rejects NaN with ERR_NON_FINITE naming row and column, in both twins', async () => {
    const data = randomData(10, 3, 1)
    data[3 * 3 + 1] = Number.NaN
    const bad = matrix(data, 3)
    for (const f of [anisotropySync, spectrumSync, duplicatesSync]) {
      const e = thrown(() => f(bad))
      expect(e.code).toBe('ERR_NON_FINITE')
      expect(e.message).toContain('row 3, column 1')
    }
    for (const f of [anisotropy, spectrum, duplicates]) {
      expect((await rejection(f(bad))).code).toBe('ERR_NON_FINITE')
    }
  })

  it('reports ERR_EMPTY, ERR_DEGENERATE and ERR_SHAPE with the numbers', async () => {
    expect(thrown(() => anisotropySync([[1, 2]])).code).toBe('ERR_EMPTY')
    expect(thrown(() => spectrumSync([[1, 2]])).code).toBe('ERR_EMPTY')
    const z = thrown(() =>
      anisotropySync([
        [0, 0],
        [1, 2],
        [0, 0],
      ]),
    )
    expect(z.code).toBe('ERR_DEGENERATE')
    expect(z.message).toContain('1 non-zero rows of 3')
    expect(
      (
        await rejection(
          spectrum([
            [1, 2],
            [1, 2],
          ]),
        )
      ).code,
    ).toBe('ERR_DEGENERATE')
    expect(thrown(() => duplicatesSync({ data: new Float32Array(5), rows: 2, cols: 3 })).code).toBe('ERR_SHAPE')
    expect(thrown(() => hubnessSync({ indices: new Uint32Array(5), rows: 2, k: 3 })).code).toBe('ERR_SHAPE')
  })

  it('rejects bad neighbour indices and options with ERR_OUT_OF_RANGE / ERR_INVALID_ARG_TYPE', async () => {
    const idx = Uint32Array.of(1, 2, 0, 7, 0, 1)
    const e = thrown(() => hubnessSync({ indices: idx, rows: 3, k: 2 }))
    expect(e.code).toBe('ERR_OUT_OF_RANGE')
    expect(e.message).toContain('7 at row 1, column 1')
    expect(hubnessSync({ indices: idx, rows: 3, k: 2 }, { points: 8 }).occurrences.length).toBe(8)
    const neg = thrown(() => hubnessSync({ indices: Int32Array.of(1, -1, 0, 2, 0, 1), rows: 3, k: 2 }))
    expect(neg.code).toBe('ERR_OUT_OF_RANGE')
    expect(neg.message).toContain('row 0, column 1')
    expect(thrown(() => hubnessSync({ indices: [1, 2] as unknown as Uint32Array, rows: 1, k: 2 })).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => hubnessSync({ indices: idx, rows: 3, k: 2 }, { hubSize: 0 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => hubnessSync({ indices: idx, rows: 3, k: 2 }, { points: 1.5 })).code).toBe('ERR_OUT_OF_RANGE')
    expect((await rejection(hubness({ indices: idx, rows: 3, k: 2 }))).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => spectrumSync(m, { rankRtol: -1 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => spectrumSync(m, { rankRtol: 'x' as unknown as number })).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => spectrumSync(m, { nComponents: 3 } as never)).code).toBe('ERR_OUT_OF_RANGE')
    expect((await rejection(anisotropy(m, { k: 3 } as never))).code).toBe('ERR_OUT_OF_RANGE')
    expect((await rejection(duplicates(m, null as never))).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => anisotropySync(new Float32Array(4) as never)).code).toBe('ERR_INVALID_ARG_TYPE')
  })

  it('rankRtol controls which eigenvalues count: a huge tolerance leaves rank 1', () => {
    const s = spectrumSync(m, { rankRtol: 0.999999 })
    expect(s.rank).toBe(1)
    expect(s.effectiveRank).toBe(1)
    expect(s.eigenvalues[1]).toBe(0)
  })

  it('rejects with ABORT_ERR when the signal is already aborted, and reports progress', async () => {
    const ac = new AbortController()
    ac.abort()
    for (const p of [anisotropy(m, { signal: ac.signal }), spectrum(m, { signal: ac.signal }), duplicates(m, { signal: ac.signal })]) {
      expect((await rejection(p)).code).toBe('ABORT_ERR')
    }
    const phases = new Set<string>()
    await anisotropy(matrix(randomData(20000, 16, 3), 16), { onProgress: (p) => phases.add(p.phase) })
    // Progress is polled every 100 ms and once at the end: the last report is always delivered.
    expect(phases.size).toBeGreaterThan(0)
  })

  it('keeps results identical for f32 and its f64 widening (accumulation is f64)', () => {
    const d32 = Float32Array.from(randomData(500, 10, 4))
    const a = anisotropySync(matrix(d32, 10))
    const b = anisotropySync(matrix(Float64Array.from(d32), 10))
    expect(a).toEqual(b)
  })
})
