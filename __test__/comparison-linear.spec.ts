/**
 * compare's shared entry (src/comparison-linear.ts, `embgeo_align::linear`): the linear measures of
 * a pair from products computed once must equal each measure's own function bit for bit (every
 * number, every typed-array byte), on the shared routes and on the routes that keep their own pass.
 */
import { describe, expect, it } from 'vitest'

import { linearMeasures, linearMeasuresSync } from '../src/comparison-linear.js'
import { cca, ccaSync, cka, ckaSync, compare, compareManySync, compareSync, linearity, linearitySync, matrix, procrustes, procrustesSync, type DenseMatrix } from '../src/index.js'
import { randomData } from './helpers.js'

/** `a` and `b` equal bit for bit: numbers by `Object.is`, typed arrays by their bytes, objects key by key. */
function sameBits(a: unknown, b: unknown, path = ''): void {
  if (ArrayBuffer.isView(a) && ArrayBuffer.isView(b)) {
    const bytes = (x: ArrayBufferView) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)
    expect(bytes(a).equals(bytes(b)), path).toBe(true)
  } else if (typeof a === 'number') {
    expect(Object.is(a, b), `${path}: ${a} vs ${String(b)}`).toBe(true)
  } else if (a !== null && typeof a === 'object') {
    expect(Object.keys(a), path).toEqual(Object.keys(b as object))
    for (const [k, v] of Object.entries(a)) sameBits(v, (b as Record<string, unknown>)[k], `${path}.${k}`)
  } else {
    expect(a, path).toEqual(b)
  }
}

/** A (n × da) and B (n × db, partly a linear image of A), in f64 or f32. */
function pair(n: number, da: number, db: number, f32: boolean, seed: number): [DenseMatrix, DenseMatrix] {
  const a = randomData(n, da, seed)
  const noise = randomData(n, db, seed + 1)
  const b = Array.from({ length: n * db }, (_, t) => {
    const i = Math.floor(t / db)
    const j = t % db
    return a[i * da + (j % da)]! - 0.5 * a[i * da + ((j + 1) % da)]! + 0.2 * noise[t]!
  })
  const T = f32 ? Float32Array : Float64Array
  return [matrix(T.from(a), da), matrix(T.from(b), db)]
}

const LINEAR = ['cka', 'ckaDebiased', 'procrustes', 'cca', 'svcca', 'pwcca', 'linearity'] as const

/** Each linear measure's own function with the options compare gives it. */
const OWN = {
  cka: (A: DenseMatrix, B: DenseMatrix) => ckaSync(A, B, { kernel: 'linear', debiased: false }),
  ckaDebiased: (A: DenseMatrix, B: DenseMatrix) => ckaSync(A, B, { kernel: 'linear', debiased: true }),
  procrustes: (A: DenseMatrix, B: DenseMatrix) => procrustesSync(A, B),
  cca: (A: DenseMatrix, B: DenseMatrix) => ccaSync(A, B, { variant: 'mean' }),
  svcca: (A: DenseMatrix, B: DenseMatrix) => ccaSync(A, B, { variant: 'svcca' }),
  pwcca: (A: DenseMatrix, B: DenseMatrix) => ccaSync(A, B, { variant: 'pwcca' }),
  linearity: (A: DenseMatrix, B: DenseMatrix) => linearitySync(A, B),
}

describe('compare: the linear measures of a pair in one shared call', () => {
  // 400 × 24 vs 16: every feature route (one f32-block and one f64 pass for f32, one pass for f64);
  // 20 × 30 vs 12: CKA's kernel route, CCA's SVD route and linearity's kernel route (own passes)
  describe.each([
    { n: 400, da: 24, db: 16, route: 'shared products' },
    { n: 20, da: 30, db: 12, route: 'own passes' },
  ])('$route ($n × $da vs $db)', ({ n, da, db }) => {
    it.each([false, true])('f32 input: %s, async and sync, bit for bit', async (f32) => {
      const [A, B] = pair(n, da, db, f32, 7)
      const r = await compare(A, B, { measures: [...LINEAR, 'mutualKnn'] })
      const s = compareSync(A, B, { measures: [...LINEAR] })
      for (const m of LINEAR) {
        sameBits(r[m], OWN[m](A, B), m)
        sameBits(s[m], OWN[m](A, B), `${m} (sync)`)
      }
      expect(Object.keys(r)).toEqual([...LINEAR, 'mutualKnn'])
      // the async twins of the measures agree too (the same native code on the pool)
      sameBits(r.cka, await cka(A, B))
      sameBits(r.procrustes, await procrustes(A, B))
    })
  })

  it('mixed element types and non-default options (partial whitening, varianceKept, RBF keeps its own pass)', async () => {
    const [A] = pair(300, 10, 6, true, 11)
    const [, B] = pair(300, 10, 6, false, 12)
    const reqs = [
      { measure: 'procrustes', options: { alpha: 0.3 } },
      { measure: 'cca', options: { variant: 'svcca', varianceKept: 0.8 } },
      { measure: 'cka', options: { kernel: 'rbf', sigma: 0.7, maxRows: 100, seed: 3 } },
      { measure: 'cka', options: { kernel: 'linear', debiased: true } },
      { measure: 'linearity', options: {} },
    ] as const
    const own = [
      await procrustes(A, B, { alpha: 0.3 }),
      await cca(A, B, { variant: 'svcca', varianceKept: 0.8 }),
      await cka(A, B, { kernel: 'rbf', sigma: 0.7, maxRows: 100, seed: 3 }),
      await cka(A, B, { kernel: 'linear', debiased: true }),
      await linearity(A, B),
    ]
    const got = await linearMeasures(A, B, reqs.map((q) => ({ measure: q.measure, options: { ...q.options } })))
    const sync = linearMeasuresSync(A, B, reqs.map((q) => ({ measure: q.measure, options: { ...q.options } })))
    own.forEach((o, i) => {
      sameBits(got[i], o, `${reqs[i]!.measure} ${i}`)
      sameBits(sync[i], o, `${reqs[i]!.measure} ${i} (sync)`)
    })
  })

  it('compareMany fills the linear cells from shared calls with the own functions’ values (with its lean options)', () => {
    const sets = [pair(150, 9, 7, true, 21)[0], pair(150, 9, 7, true, 21)[1], pair(150, 5, 4, false, 23)[0]]
    const c = compareManySync(sets, { measures: ['linearity', 'cka', 'pwcca', 'procrustes'] })
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        if (i === j) continue
        const [lo, hi] = [sets[Math.min(i, j)]!, sets[Math.max(i, j)]!]
        expect(Object.is(c.matrices.linearity!.fields['value']![i]![j], linearitySync(sets[i]!, sets[j]!).value)).toBe(true)
        expect(Object.is(c.matrices.pwcca!.fields['value']![i]![j], ccaSync(sets[i]!, sets[j]!, { variant: 'pwcca' }).value)).toBe(true)
        expect(Object.is(c.matrices.cka!.fields['value']![i]![j], ckaSync(lo, hi).value)).toBe(true)
        // compareMany keeps no rotation, so it asks for none (its lean options)
        const p = procrustesSync(lo, hi, { rotation: false })
        expect(Object.is(c.matrices.procrustes!.fields['angular']![i]![j], p.angular)).toBe(true)
        expect(Object.is(c.matrices.procrustes!.fields['distance']![i]![j], p.distance)).toBe(true)
      }
    }
  })

  it('a degenerate pair fails with the first failing measure’s error, as the calls one by one', () => {
    const [A] = pair(50, 4, 3, false, 31)
    const flat = matrix(new Float64Array(50 * 3).fill(1), 3)
    const own = (() => {
      try {
        ckaSync(A, flat)
      } catch (e) {
        return e as Error & { code: string }
      }
    })()
    expect(() => compareSync(A, flat, { measures: ['cka', 'procrustes'] })).toThrow(expect.objectContaining({ code: own!.code, message: own!.message }))
  })
})
