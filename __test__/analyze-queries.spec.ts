/**
 * `analyze(X, { queries })`: the query section is exactly what `queryDifficulty` and
 * `reduceHubness` give on the analysed neighbour sample (same rows, same metric treatment), it is
 * seeded-subsampled beyond `maxQueries`, rendered in the report, and bad queries get coded errors.
 */
import { describe, expect, it } from 'vitest'

import { analyze, matrix, queryDifficultySync, reduceHubnessSync, renderReport, type DenseMatrix } from '../src/index.js'
import { native } from '../src/native.js'
import { histogram, summarize } from '../src/summary.js'
import { randomData, rejection } from './helpers.js'

const X = matrix(randomData(400, 8, 11), 8)
const Q = matrix(randomData(90, 8, 12), 8)
const METHODS = ['mutualProximity', 'mutualProximityGaussian', 'localScaling', 'nicdm', 'csls'] as const

/** Rows scaled to unit length by the same pool job analyze uses (embgeo_metrics::norms::unit_rows). */
function unit(m: DenseMatrix): DenseMatrix {
  return matrix(native().unitRowsSync(m.data, m.cols, {}), m.cols)
}

describe('analyze with queries', () => {
  it.each(['euclidean', 'cosine'] as const)('%s: equals queryDifficulty and reduceHubness on the same sample', async (metric) => {
    const phases: Array<[string, number]> = []
    const a = await analyze(X, { metric, queries: Q, k: 7, localK: 12, onProgress: (p) => phases.push([p.phase, p.total]) })
    expect(a.sample).toMatchObject({ rows: 400, subsampled: false, duplicatesRemoved: 0 })
    const S = metric === 'cosine' ? unit(X) : X
    const Qm = metric === 'cosine' ? unit(Q) : Q
    const q = a.queries!
    expect(q).toMatchObject({ name: 'queries', rows: 90, totalRows: 90, subsampled: false, k: 12 })
    const d = queryDifficultySync(S, Qm, { k: 12, metric: 'euclidean' })
    expect(q.lid).toEqual({ ...summarize(d.lid), histogram: histogram(d.lid, 40), nonFinite: 0 })
    expect(q.relativeContrast.median).toBe(summarize(d.relativeContrast).median)
    expect(q.expansion.p90).toBe(summarize(d.expansion).p90)
    expect(q.hubnessReduction.methods.map((m) => m.method)).toEqual([...METHODS])
    for (const m of q.hubnessReduction.methods) {
      const neighbors = Math.min({ mutualProximity: 100, mutualProximityGaussian: 100, localScaling: 6, nicdm: 6, csls: 10 }[m.method as (typeof METHODS)[number]], 400)
      expect(m.neighbors).toBe(neighbors)
      const r = reduceHubnessSync(S, { k: 7, method: m.method as (typeof METHODS)[number], metric: 'euclidean', queries: Qm, neighbors })
      expect(m.after.skewness).toBe(r.hubness.after.skewness)
      expect(m.after.robinhood).toBe(r.hubness.after.robinhood)
      expect(q.hubnessReduction.before.skewness).toBe(r.hubness.before.skewness)
      expect(m.seconds).toBeGreaterThanOrEqual(0)
    }
    expect(phases.map(([p]) => p)).toContain('hubness reduction')
    expect(new Set(phases.map(([, t]) => t))).toEqual(new Set([11]))
  })

  it('takes a seeded sample of maxQueries rows, the same for the same seed; CSLS neighbours capped by the queries', async () => {
    const a = await analyze(X, { queries: Q, maxQueries: 5, seed: 4 })
    const b = await analyze(X, { queries: Q, maxQueries: 5, seed: 4 })
    expect(a.queries).toMatchObject({ rows: 5, totalRows: 90, subsampled: true })
    expect(a.queries!.lid).toEqual(b.queries!.lid)
    expect(a.queries!.hubnessReduction.methods.find((m) => m.method === 'csls')!.neighbors).toBe(5)
  })

  it('renders the query card and figures', async () => {
    const a = await analyze(X, { queries: Q, queriesName: 'held-out <queries>' })
    const html = renderReport(a)
    for (const id of ['plot-query-lid', 'plot-query-contrast']) expect(html).toContain(`<figure id="${id}">`)
    expect(html).toContain('Queries: held-out &lt;queries&gt;')
    expect(html).toContain('Hubness reduction (queries, k = 10)')
    expect(html).not.toMatch(/NaN|undefined|-?Infinity/)
    const plain = renderReport(await analyze(X))
    expect(plain).not.toContain('plot-query-lid')
  })

  it('rejects bad queries with coded errors before any work', async () => {
    expect((await rejection(analyze(X, { queries: matrix(randomData(5, 7, 1), 7) }))).code).toBe('ERR_SHAPE')
    expect((await rejection(analyze(X, { queries: matrix(new Float64Array(0), 8) }))).code).toBe('ERR_EMPTY')
    expect((await rejection(analyze(X, { queries: Q, maxQueries: 0 }))).code).toBe('ERR_OUT_OF_RANGE')
    const nan = Float64Array.from(Q.data)
    nan[3] = Number.NaN
    expect((await rejection(analyze(X, { queries: matrix(nan, 8) }))).code).toBe('ERR_NON_FINITE')
  })
})
