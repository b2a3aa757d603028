// The estimator registry's behaviour as JavaScript sees it: one k rule for every k-based
// estimator, ERR_INVALID_ARG_VALUE for unknown strings, analyze() parity with the standalone
// estimators on f32 input, and analyze() on 8–10 rows.
import { describe, expect, it } from 'vitest'

import { analyze, corrIntSync, dancoSync, essSync, grideSync, idScalingSync, madaSync, mindMlSync, mleSync, momSync, tleSync, twoNNSync } from '../dist/index.js'
import { randomData, rejection, thrown } from './helpers.js'

const X = (rows: number, cols = 5, seed = 7) => ({ data: randomData(rows, cols, seed), rows, cols })
const f32 = (m: { data: Float64Array; rows: number; cols: number }) => ({ data: Float32Array.from(m.data), rows: m.rows, cols: m.cols })

describe('the k rule', () => {
  const X15 = X(15)
  const kBased: [string, (x: unknown, o?: unknown) => { params: Record<string, unknown> }, string, number][] = [
    ['mle', mleSync as never, 'k', 14],
    ['mom', momSync as never, 'k', 14],
    ['tle', tleSync as never, 'k', 14],
    ['mada', madaSync as never, 'k', 14],
    ['ess', essSync as never, 'k', 14],
    ['mindMl', mindMlSync as never, 'k', 13],
    ['danco', dancoSync as never, 'k', 13], // default 10 fits 15 rows: checked on 11 rows below
    ['corrInt', corrIntSync as never, 'k2', 14],
  ]
  for (const [name, f, key, max] of kBased) {
    it(`${name}: a given ${key} beyond what N allows is ERR_K_TOO_LARGE; a clamped default is reported`, () => {
      const x = name === 'danco' ? X(11) : X15
      const limit = name === 'danco' ? 9 : max
      expect(thrown(() => f(X15, { [key]: 20 })).code).toBe('ERR_K_TOO_LARGE')
      expect(thrown(() => f(X15, { [key]: max + 1 })).code).toBe('ERR_K_TOO_LARGE')
      const r = f(x)
      expect(r.params[key]).toBe(limit)
      expect(r.params.kClamped).toBe(true)
      expect(f(X15, { [key]: max }).params.kClamped).toBeUndefined()
    })
  }

  it('idScaling gride: a given rangeMax beyond N − 1 is ERR_K_TOO_LARGE, the default is clamped', () => {
    expect(thrown(() => idScalingSync(X15, { method: 'gride', rangeMax: 64 })).code).toBe('ERR_K_TOO_LARGE')
    expect(idScalingSync(X15, { method: 'gride' }).sizes.at(-1)).toBeLessThanOrEqual(14)
  })
})

describe('unknown string values', () => {
  it('are ERR_INVALID_ARG_VALUE', async () => {
    expect(thrown(() => mleSync(X(40), { aggregate: 'mode' as never })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => twoNNSync(X(40), { estimator: 'ols' as never })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect((await rejection(analyze(X(40), { metric: 'dot' } as never))).code).toBe('ERR_OUT_OF_RANGE')
  })
})

describe('analyze', () => {
  it('on f32 input gives exactly the standalone TwoNN, MLE and GRIDE', async () => {
    const m = f32(X(300, 8, 11))
    const a = await analyze(m)
    const t = twoNNSync(m)
    const l = mleSync(m, { k: 20 })
    const g = grideSync(m)
    expect(a.id.twoNN.dimension).toBe(t.dimension)
    expect(a.id.mle.dimension).toBe(l.dimension)
    expect(a.id.gride.dimension).toBe(g.dimension)
    expect(a.id.gride.stderr).toBe(g.stderr)
  })

  it('works on 8, 9 and 10 rows (README: from 8 rows)', async () => {
    for (const rows of [8, 9, 10]) {
      const a = await analyze(X(rows, 4, rows))
      expect(Number.isFinite(a.id.twoNN.dimension), `${rows} rows`).toBe(true)
      expect(a.scaling.twonn.sizes).toEqual([rows])
    }
  })
})
