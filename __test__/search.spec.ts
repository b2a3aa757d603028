/**
 * reduceHubness and queryDifficulty through the public API, against the numpy / scipy definitions
 * in __test__/fixtures/search (written by scripts/reference/search.py, whose secondary distances
 * are cross-checked against scikit-hubness 0.21.2; each fixture carries its provenance, rtol and
 * the reason for it). Neighbour indices exactly; values |ours − ref| ≤ rtol · max(|ref|, 1).
 */
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

import {
  hubnessSync,
  knnSync,
  matrix,
  queryDifficulty,
  queryDifficultySync,
  reduceHubness,
  reduceHubnessSync,
  type DenseMatrix,
  type ReduceHubnessOptions,
} from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'
import { fixtureMatrix } from './parity.js'

interface Mat {
  dtype: 'f32' | 'f64'
  rows: number
  cols: number
  data: number[]
}

interface Fixture {
  name: string
  rtol: number
  input: { corpus: Mat; queries: Mat | null }
  options: Record<string, string | number>
  expected: Record<string, number[] | { skewness: number; robinhood: number; occurrences: number[] }>
}

function load(prefix: string): Fixture[] {
  const dir = new URL('./fixtures/search/', import.meta.url)
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture)
}

function close(what: string, ours: ArrayLike<number>, ref: ArrayLike<number>, rtol: number): void {
  expect(ours.length, what).toBe(ref.length)
  for (let i = 0; i < ref.length; i++) {
    const tol = rtol * Math.max(Math.abs(ref[i]!), 1)
    expect(Math.abs(ours[i]! - ref[i]!), `${what}[${i}]: ${ours[i]} vs ${ref[i]}`).toBeLessThanOrEqual(tol)
  }
}

const reduceFixtures = load('reduce-')
const difficultyFixtures = load('difficulty-')

describe('reduceHubnessSync', () => {
  it('has fixtures for every method', () => {
    const methods = new Set(reduceFixtures.map((f) => f.options.method))
    expect([...methods].sort()).toEqual(['csls', 'localScaling', 'mutualProximity', 'mutualProximityGaussian', 'nicdm'])
  })

  for (const fx of reduceFixtures) {
    it(`matches the full secondary-distance ranking: ${fx.name}`, () => {
      const q = fx.input.queries === null ? undefined : fixtureMatrix(fx.input.queries)
      const r = reduceHubnessSync(fixtureMatrix(fx.input.corpus), { ...(fx.options as unknown as ReduceHubnessOptions), queries: q })
      expect(Array.from(r.indices)).toEqual(fx.expected.indices)
      close('distances', r.distances, fx.expected.distances as number[], fx.rtol)
      for (const side of ['before', 'after'] as const) {
        const h = fx.expected[side] as { skewness: number; robinhood: number; occurrences: number[] }
        expect(Array.from(r.hubness[side].occurrences)).toEqual(h.occurrences)
        close(`${side}.skewness`, [r.hubness[side].skewness], [h.skewness], 1e-10)
        close(`${side}.robinhood`, [r.hubness[side].robinhood], [h.robinhood], 1e-10)
      }
      expect(r.params).toEqual({ k: fx.options.k, method: fx.options.method, metric: fx.options.metric, neighbors: fx.options.neighbors })
      expect(r.rows).toBe(q === undefined ? fx.input.corpus.rows : q.rows)
      expect(r.neighbors(0).indices).toEqual(r.indices.subarray(0, r.k))
    })
  }

  const X = matrix(randomData(300, 32, 7), 32)

  it('reduces hubness on high-dimensional data, and hubness.before is hubness() of knn()', () => {
    const r = reduceHubnessSync(X, { k: 10, method: 'mutualProximity' })
    const plain = hubnessSync(knnSync(X, { k: 10 }))
    expect(r.hubness.before).toEqual(plain)
    expect(r.hubness.after.skewness).toBeLessThan(r.hubness.before.skewness)
    expect(r.params.neighbors).toBe(100) // scikit-hubness n_candidates
  })

  it('defaults: Gaussian mutual proximity, euclidean, neighbourhood capped at n − 1', () => {
    const small = matrix(randomData(40, 4, 2), 4)
    expect(reduceHubnessSync(small, { k: 3 }).params).toEqual({ k: 3, method: 'mutualProximityGaussian', metric: 'euclidean', neighbors: 39 })
    expect(reduceHubnessSync(small, { k: 3, method: 'localScaling' }).params.neighbors).toBe(6)
  })

  it('bad input gets its code', () => {
    expect(thrown(() => reduceHubnessSync(X, { k: 300 })).code).toBe('ERR_K_TOO_LARGE')
    expect(thrown(() => reduceHubnessSync(X, { k: 3, neighbors: 300 })).code).toBe('ERR_K_TOO_LARGE')
    expect(thrown(() => reduceHubnessSync(X, { k: 0 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => reduceHubnessSync(X, { k: 3, neighbors: 0 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => reduceHubnessSync(X, { k: 3, bogus: 1 } as unknown as ReduceHubnessOptions)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => reduceHubnessSync(X, { k: 3, method: 'hubless' as 'csls' })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => reduceHubnessSync(X, { k: 3, method: 'nicdm', metric: 'dot' })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => reduceHubnessSync(X, { k: 3, queries: matrix(randomData(2, 5, 1), 5) })).code).toBe('ERR_SHAPE')
    expect(thrown(() => reduceHubnessSync(X, { k: 3, method: 'csls', queries: matrix(randomData(4, 32, 1), 32) })).code).toBe(
      'ERR_K_TOO_LARGE',
    )
    const nan = randomData(300, 32, 7)
    nan[40] = Number.NaN
    expect(thrown(() => reduceHubnessSync(matrix(nan, 32), { k: 3 })).code).toBe('ERR_NON_FINITE')
    // Three identical rows and a neighbourhood of 2: the local scale is 0.
    const dup = matrix(Float64Array.from([0, 0, 0, 0, 0, 0, 1, 2, 3, 1]), 2)
    expect(thrown(() => reduceHubnessSync(dup, { k: 1, method: 'localScaling', neighbors: 2 })).code).toBe('ERR_DEGENERATE')
    expect(thrown(() => reduceHubnessSync(X, undefined as unknown as ReduceHubnessOptions)).code).toBe('ERR_INVALID_ARG_TYPE')
  })
})

describe('reduceHubness', () => {
  const X = matrix(randomData(200, 16, 9), 16)
  const Q = matrix(randomData(30, 16, 10), 16)

  it('equals the Sync twin for every method', async () => {
    for (const method of ['mutualProximity', 'mutualProximityGaussian', 'localScaling', 'nicdm', 'csls'] as const) {
      const o = { k: 5, method, queries: Q, neighbors: 12 }
      const a = await reduceHubness(X, o)
      const b = reduceHubnessSync(X, o)
      expect(Array.from(a.indices)).toEqual(Array.from(b.indices))
      expect(Array.from(a.distances)).toEqual(Array.from(b.distances))
      expect(a.hubness).toEqual(b.hubness)
      expect(a.diagnostics).toEqual(b.diagnostics)
    }
  })

  it('rejects (never throws) bad input, and rejects with ABORT_ERR on an aborted signal', async () => {
    expect((await rejection(reduceHubness(X, { k: 500 }))).code).toBe('ERR_K_TOO_LARGE')
    const ac = new AbortController()
    ac.abort()
    expect((await rejection(reduceHubness(X, { k: 3, signal: ac.signal }))).code).toBe('ABORT_ERR')
  })
})

describe('queryDifficultySync', () => {
  for (const fx of difficultyFixtures) {
    it(`matches the reference: ${fx.name}`, () => {
      const r = queryDifficultySync(fixtureMatrix(fx.input.corpus), fixtureMatrix(fx.input.queries!), fx.options as { k: number })
      for (const key of ['lid', 'relativeContrast', 'expansion'] as const) {
        close(key, r[key], fx.expected[key] as number[], fx.rtol)
      }
      expect(r.params).toEqual({ k: fx.options.k, metric: fx.options.metric })
    })
  }

  const C = matrix(randomData(100, 8, 3), 8)
  const Q = matrix(randomData(10, 8, 4), 8)

  it('defaults to k = 20, euclidean; a query far from the corpus has a relative contrast of about 1', () => {
    const r = queryDifficultySync(C, Q)
    expect(r.params).toEqual({ k: 20, metric: 'euclidean' })
    expect(r.lid.length).toBe(10)
    // Every value ≥ 1: the mean distance and r_2k are at least r_k.
    for (const v of [...r.relativeContrast, ...r.expansion]) expect(v).toBeGreaterThanOrEqual(1)
    const far = matrix(Float64Array.from({ length: 8 }, () => 1e3), 8)
    expect(queryDifficultySync(C, far, { k: 5 }).relativeContrast[0]).toBeLessThan(1.01)
  })

  it('bad input gets its code', () => {
    expect(thrown(() => queryDifficultySync(C, Q, { k: 51 })).code).toBe('ERR_K_TOO_LARGE')
    expect(thrown(() => queryDifficultySync(C, Q, { k: 1 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => queryDifficultySync(C, Q, { metric: 'dot' as 'cosine' })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => queryDifficultySync(C, matrix(randomData(3, 4, 1), 4))).code).toBe('ERR_SHAPE')
    expect(thrown(() => queryDifficultySync(C, Q, { neighbors: 3 } as unknown as { k: number })).code).toBe('ERR_OUT_OF_RANGE')
  })
})

describe('queryDifficulty', () => {
  const C = matrix(randomData(400, 12, 5), 12)
  const Q = matrix(randomData(50, 12, 6), 12)

  it('equals the Sync twin, reports progress and honours an aborted signal', async () => {
    const phases = new Set<string>()
    const a = await queryDifficulty(C, Q, { k: 7, metric: 'cosine', onProgress: (p) => phases.add(p.phase) })
    expect(a).toEqual(queryDifficultySync(C, Q, { k: 7, metric: 'cosine' }))
    expect(phases.size).toBeGreaterThan(0)
    const ac = new AbortController()
    ac.abort()
    expect((await rejection(queryDifficulty(C, Q, { signal: ac.signal }))).code).toBe('ABORT_ERR')
    expect((await rejection(queryDifficulty(C, Q, { k: 300 }))).code).toBe('ERR_K_TOO_LARGE')
  })
})
