/**
 * Mergeable column statistics and anisotropy (issue 16): parts of disjoint shards, moved as
 * bytes and merged, equal columnStats / anisotropy on all rows. Expected values: the
 * single-call results themselves; tolerances as documented (crates/metrics: Chan merges and
 * sums in another order; anisotropy's cosine spread uses E[c²] − E[c]²).
 */
import { describe, expect, it } from 'vitest'

import {
  anisotropyPart,
  anisotropyPartFromBytes,
  anisotropyPartSync,
  anisotropyPartToBytes,
  anisotropySync,
  columnStatsPart,
  columnStatsPartFromBytes,
  columnStatsPartSync,
  columnStatsPartToBytes,
  columnStatsSync,
  matrix,
  mergeAnisotropy,
  mergeColumnStats,
  type DenseMatrix,
} from '../src/index.js'
import { randomData, thrown } from './helpers.js'

const D = 6
const N = 5000
// offset 3: anisotropic (cosines well above 0), as embeddings are
const X = randomData(N, D, 44).map((v) => v + 3)
const rows = (a: number, b: number): DenseMatrix => matrix(X.subarray(a * D, b * D), D)
const CUTS = [0, 1, 1500, 1501, 4096, N]

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), Number.MIN_VALUE)
}
function closeArray(what: string, a: Float64Array, b: Float64Array, rtol: number): void {
  for (let i = 0; i < b.length; i++) expect(rel(a[i]!, b[i]!), `${what}[${i}]`).toBeLessThanOrEqual(rtol)
}

describe('columnStatsPart / mergeColumnStats', () => {
  it('parts of uneven shards, moved as bytes, merge to columnStats of all rows (rows, min, max exact)', async () => {
    const whole = columnStatsSync(rows(0, N), { ddof: 1 })
    const parts = []
    for (let s = 0; s + 1 < CUTS.length; s++) {
      const p = s % 2 === 0 ? columnStatsPartSync(rows(CUTS[s]!, CUTS[s + 1]!)) : await columnStatsPart(rows(CUTS[s]!, CUTS[s + 1]!))
      const bytes = columnStatsPartToBytes(p)
      expect(bytes.length).toBe(32 + 32 * D)
      parts.push(columnStatsPartFromBytes(bytes))
    }
    const merged = mergeColumnStats(parts, { ddof: 1 })
    expect([merged.rows, merged.cols]).toEqual([N, D])
    expect(merged.min).toEqual(whole.min)
    expect(merged.max).toEqual(whole.max)
    closeArray('mean', merged.mean, whole.mean, 1e-15)
    closeArray('variance', merged.variance, whole.variance, 1e-12)
  })

  it('is bit-identical when every part is one 2048-row block merged in row order', () => {
    const whole = columnStatsSync(rows(0, N))
    const parts = [0, 2048, 4096].map((a) => columnStatsPartSync(rows(a, Math.min(a + 2048, N))))
    expect(mergeColumnStats(parts)).toEqual(whole)
  })

  it('rejects bad parts and bytes with their codes', () => {
    const p = columnStatsPartSync(rows(0, 10))
    const bytes = columnStatsPartToBytes(p)
    const flipped = bytes.slice()
    flipped[20]! ^= 1
    expect(thrown(() => columnStatsPartFromBytes(flipped)).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => columnStatsPartFromBytes(bytes.subarray(0, bytes.length - 1))).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => columnStatsPartFromBytes(anisotropyPartToBytes(anisotropyPartSync(rows(0, 10))))).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => mergeColumnStats([])).code).toBe('ERR_EMPTY')
    expect(thrown(() => mergeColumnStats([{}] as never)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => mergeColumnStats([p, columnStatsPartSync([[1, 2]])])).code).toBe('ERR_SHAPE')
    expect(thrown(() => mergeColumnStats([columnStatsPartSync([[1, 2]])], { ddof: 1 })).code).toBe('ERR_EMPTY')
    expect(thrown(() => mergeColumnStats([p], { dof: 1 } as never)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => mergeColumnStats([{ ...p, m2: p.m2.map(() => -1) }])).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => columnStatsPartSync(rows(0, 0))).code).toBe('ERR_EMPTY')
    expect(thrown(() => columnStatsPartFromBytes('x' as never)).code).toBe('ERR_INVALID_ARG_TYPE')
  })
})

describe('anisotropyPart / mergeAnisotropy', () => {
  for (const [what, n, d] of [
    ['n > d (anisotropy takes the Gram route)', N, D],
    ['n ≤ d (anisotropy takes the UUᵀ route; parts always hold the Gram)', 40, 64],
  ] as const) {
    it(`${what}: parts moved as bytes merge to anisotropy of all rows`, async () => {
      const data = randomData(n, d, 45).map((v) => v + 0.5)
      const m = (a: number, b: number): DenseMatrix => matrix(data.subarray(a * d, b * d), d)
      const whole = anisotropySync(m(0, n))
      const cuts = [0, 1, Math.floor(n / 3), n]
      const parts = []
      for (let s = 0; s + 1 < cuts.length; s++) {
        const p = s === 1 ? await anisotropyPart(m(cuts[s]!, cuts[s + 1]!)) : anisotropyPartSync(m(cuts[s]!, cuts[s + 1]!))
        const bytes = anisotropyPartToBytes(p)
        expect(bytes.length).toBe(48 + 20 * d + 4 * d * d)
        parts.push(anisotropyPartFromBytes(bytes))
      }
      const merged = mergeAnisotropy(parts)
      expect([merged.rows, merged.cols, merged.zeroRows]).toEqual([whole.rows, whole.cols, whole.zeroRows])
      for (const k of ['meanNormRatio', 'meanNorm', 'meanRowNorm', 'averageCosine'] as const) {
        expect(rel(merged[k], whole[k]), k).toBeLessThanOrEqual(1e-13)
      }
      expect(rel(merged.cosineStd, whole.cosineStd)).toBeLessThanOrEqual(1e-10)
    })
  }

  it('rejects bad parts and bytes with their codes', () => {
    const p = anisotropyPartSync(rows(0, 10))
    const bytes = anisotropyPartToBytes(p)
    const flipped = bytes.slice()
    flipped[bytes.length - 9]! ^= 0x40
    expect(thrown(() => anisotropyPartFromBytes(flipped)).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => mergeAnisotropy([])).code).toBe('ERR_EMPTY')
    expect(thrown(() => mergeAnisotropy([{ ...p, gram: new Float64Array(2) }])).code).toBe('ERR_SHAPE')
    expect(thrown(() => mergeAnisotropy([p, anisotropyPartSync([[1, 2]])])).code).toBe('ERR_SHAPE')
    expect(thrown(() => mergeAnisotropy([anisotropyPartSync([[1, 2]])])).code).toBe('ERR_EMPTY')
    expect(thrown(() => mergeAnisotropy([anisotropyPartSync([[1, 2], [0, 0]])])).code).toBe('ERR_DEGENERATE')
    expect(thrown(() => anisotropyPartToBytes({ rows: 1 } as never)).code).toBe('ERR_INVALID_ARG_TYPE')
  })
})
