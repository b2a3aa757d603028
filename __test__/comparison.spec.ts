/**
 * compare / compareSync and compareMany / compareManySync (src/comparison.ts): the dispatcher runs
 * exactly what the measures' own functions return, validates like every other function, and fills
 * the n × n matrices (symmetric measures once per pair, directed ones per order, diagonals from
 * identities). The measures' numbers have their own parity suites.
 */
import { describe, expect, it } from 'vitest'

import {
  cka,
  ckaSync,
  compare,
  compareMany,
  compareManySync,
  compareSync,
  DEFAULT_MEASURES,
  informationImbalanceSync,
  linearitySync,
  matrix,
  MEASURE_NAMES,
  procrustesSync,
  type DenseMatrix,
  type Progress,
} from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'

const N = 120
const A = matrix(Float64Array.from(randomData(N, 8, 1)), 8)
const noise = randomData(N, 6, 2)
/** B = a nonlinear function of A plus noise, 6 columns. */
const B = matrix(
  Float64Array.from({ length: N * 6 }, (_, t) => {
    const i = Math.floor(t / 6)
    const j = t % 6
    return Math.tanh(A.data[i * 8 + j]! + A.data[i * 8 + j + 2]!) + 0.3 * noise[t]!
  }),
  6,
)
const C = matrix(Float32Array.from(randomData(N, 10, 3)), 10)

/** Drop what JSON cannot hold the same way twice (typed arrays compare fine; this is for readability). */
function plain(x: unknown): unknown {
  return JSON.parse(JSON.stringify(x, (_, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v)))
}

describe('compare', () => {
  it('runs the default measures, each result exactly what its own function returns', async () => {
    const r = await compare(A, B)
    expect(Object.keys(r)).toEqual(DEFAULT_MEASURES)
    expect(plain(r.cka)).toEqual(plain(ckaSync(A, B, { kernel: 'linear', debiased: false })))
    expect(plain(r.ckaDebiased)).toEqual(plain(ckaSync(A, B, { kernel: 'linear', debiased: true })))
    expect(plain(r.procrustes)).toEqual(plain(procrustesSync(A, B)))
    expect(plain(r.linearity)).toEqual(plain(linearitySync(A, B)))
    expect(plain(r.informationImbalance)).toEqual(plain(informationImbalanceSync(A, B)))
  })

  it('compareSync returns what compare resolves to', async () => {
    const o = { measures: [...MEASURE_NAMES], k: 5, metric: 'cosine', seed: 3 } as const
    expect(plain(compareSync(A, C, o))).toEqual(plain(await compare(A, C, o)))
  })

  it('passes metric, k and seed to the measures that take them, and only to those', async () => {
    const r = await compare(A, B, { measures: ['mutualKnn', 'informationImbalance', 'cka'], k: 4, metric: 'cosine' })
    expect(Object.keys(r)).toEqual(['mutualKnn', 'informationImbalance', 'cka'])
    expect(r.mutualKnn!.params).toMatchObject({ k: 4, metric: 'cosine' })
    expect(r.informationImbalance!.params).toMatchObject({ k: 4, metric: 'cosine' })
    expect(plain(r.cka)).toEqual(plain(await cka(A, B)))
  })

  it('reports progress per measure and ends with done', async () => {
    const seen: Progress[] = []
    await compare(A, B, { measures: ['cka', 'linearity'], onProgress: (p) => seen.push(p) })
    expect(seen).toEqual([
      { phase: 'cka', completed: 0, total: 2 },
      { phase: 'linearity', completed: 1, total: 2 },
      { phase: 'done', completed: 2, total: 2 },
    ])
  })

  it('rejects bad input with the documented codes (async: rejections, sync: throws)', async () => {
    expect((await rejection(compare(A, B, { measures: ['cka', 'bogus' as never] }))).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => compareSync(A, B, { measures: ['cka', 'cka'] })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => compareSync(A, B, { measures: [] })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => compareSync(A, B, { measures: 'cka' as never })).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => compareSync(A, B, { metric: 'manhattan' as never })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => compareSync(A, B, { kk: 3 } as never)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => compareSync(A, B, { k: 0 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => compareSync(A, B, { measures: ['mutualKnn'], k: N })).code).toBe('ERR_K_TOO_LARGE')
    const short: DenseMatrix = { data: B.data.subarray(0, (N - 1) * 6), rows: N - 1, cols: 6 }
    expect((await rejection(compare(A, short))).code).toBe('ERR_SHAPE')
    expect(thrown(() => compareSync(A, short)).code).toBe('ERR_SHAPE')
    const flat = matrix(new Float64Array(N * 3).fill(2), 3)
    expect(thrown(() => compareSync(A, flat, { measures: ['cka'] })).code).toBe('ERR_DEGENERATE')
  })

  it('an aborted signal rejects with ABORT_ERR, before or during the run', async () => {
    expect((await rejection(compare(A, B, { signal: AbortSignal.abort() }))).code).toBe('ABORT_ERR')
    const controller = new AbortController()
    const p = compare(A, B, { signal: controller.signal, onProgress: (x) => x.completed === 1 && controller.abort() })
    expect((await rejection(p)).code).toBe('ABORT_ERR')
  })
})

describe('compareMany', () => {
  const sets = [A, B, C]
  const labels = ['a', 'b', 'c']

  it('fills every cell from the pair results: symmetric once, directed per order, both directions of Δ', () => {
    const c = compareManySync(sets, { labels, measures: ['cka', 'procrustes', 'linearity', 'informationImbalance'] })
    expect(c.schema).toBe('embgeo.comparison/1')
    expect([c.labels, c.rows, c.cols]).toEqual([labels, N, [8, 6, 10]])
    const cka = c.matrices.cka!.fields['value']!
    const angular = c.matrices.procrustes!.fields['angular']!
    const lin = c.matrices.linearity!.fields['value']!
    const ii = c.matrices.informationImbalance!.fields['value']!
    for (let i = 0; i < 3; i++) {
      // diagonals from the identities; Δ(X → X) computed
      expect([cka[i]![i], angular[i]![i], lin[i]![i]]).toEqual([1, 0, 1])
      expect(ii[i]![i]).toBe(informationImbalanceSync(sets[i]!, sets[i]!).aToB)
      for (let j = 0; j < 3; j++) {
        if (i === j) continue
        expect(cka[i]![j]).toBe(cka[j]![i])
        expect(cka[i]![j]).toBe(ckaSync(sets[Math.min(i, j)]!, sets[Math.max(i, j)]!).value)
        expect(angular[i]![j]).toBe(procrustesSync(sets[Math.min(i, j)]!, sets[Math.max(i, j)]!).angular)
        expect(lin[i]![j]).toBe(linearitySync(sets[i]!, sets[j]!).value)
        const pair = informationImbalanceSync(sets[Math.min(i, j)]!, sets[Math.max(i, j)]!)
        expect(ii[i]![j]).toBe(i < j ? pair.aToB : pair.bToA)
      }
    }
    expect([c.matrices.cka!.symmetric, c.matrices.linearity!.symmetric, c.matrices.informationImbalance!.symmetric]).toEqual([true, false, false])
    expect(Object.keys(c.matrices.procrustes!.fields)).toEqual(['angular', 'distance'])
  })

  it('compareManySync returns what compareMany resolves to (but the clock)', async () => {
    const strip = (c: unknown) => {
      const x = plain(c) as { createdAt?: string; matrices: Record<string, { seconds?: number }> }
      delete x.createdAt
      for (const m of Object.values(x.matrices)) delete m.seconds
      return x
    }
    expect(strip(await compareMany(sets, { k: 3 }))).toEqual(strip(compareManySync(sets, { k: 3 })))
  })

  it('labels default to set 0, set 1, …; progress counts every call', async () => {
    const seen: Progress[] = []
    const c = await compareMany(sets, { measures: ['cka', 'linearity'], onProgress: (p) => seen.push(p) })
    expect(c.labels).toEqual(['set 0', 'set 1', 'set 2'])
    // cka: 3 pairs; linearity: 6 ordered pairs
    expect(seen.at(-1)).toEqual({ phase: 'done', completed: 9, total: 9 })
    expect(seen[0]).toEqual({ phase: 'cka set 0 × set 1', completed: 0, total: 9 })
  })

  it('rejects bad input with the documented codes', async () => {
    expect(thrown(() => compareManySync([A]))).toMatchObject({ code: 'ERR_OUT_OF_RANGE' })
    expect(thrown(() => compareManySync(A as never))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    expect(thrown(() => compareManySync(sets, { labels: ['a'] }))).toMatchObject({ code: 'ERR_SHAPE' })
    expect(thrown(() => compareManySync(sets, { labels: [1, 2, 3] as never }))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' })
    const short = matrix(Float64Array.from(randomData(N - 2, 4, 9)), 4)
    expect((await rejection(compareMany([A, B, short])))).toMatchObject({ code: 'ERR_SHAPE' })
    expect((await rejection(compareMany(sets, { measures: ['nope' as never] })))).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
    expect((await rejection(compareMany(sets, { signal: AbortSignal.abort() })))).toMatchObject({ code: 'ABORT_ERR' })
  })
})
