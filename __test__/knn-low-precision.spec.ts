/**
 * bf16, f16 and int8 data (`matrix(data, cols, { dtype })`): kNN gives exactly the neighbours
 * and distances of the same values in a Float32Array, on whatever units it screens with (the
 * result says which), and every other function takes such matrices widened exactly to f32.
 */
import { describe, expect, it } from 'vitest'

import { knn, knnSync, matrix, twoNNSync, type KnnResult, type LowPrecisionMatrix, type Metric } from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'

/** bf16 bits of each value (truncated: any bf16 pattern is a valid input). */
function toBf16(x: Float64Array): Uint16Array {
  const u = new Uint32Array(Float32Array.from(x).buffer)
  return Uint16Array.from(u, (v) => v >>> 16)
}

/** bf16 bits widened to f32 (exact). */
function widenBf16(b: Uint16Array): Float32Array {
  return new Float32Array(Uint32Array.from(b, (v) => v << 16).buffer)
}

/** IEEE half bits of small integers and halves (exact in f16). */
function toF16(x: number[]): Uint16Array {
  const f32 = new Float32Array(1)
  const u32 = new Uint32Array(f32.buffer)
  return Uint16Array.from(x, (v) => {
    f32[0] = v
    const b = u32[0]!
    const sign = (b >>> 16) & 0x8000
    const exp = ((b >>> 23) & 0xff) - 127 + 15
    if (v === 0) return sign
    return sign | (exp << 10) | ((b >>> 13) & 0x3ff)
  })
}

function same(got: KnnResult, want: KnnResult): void {
  expect(Array.from(got.indices)).toEqual(Array.from(want.indices))
  expect(Array.from(got.distances)).toEqual(Array.from(want.distances))
  expect(got.distances).toBeInstanceOf(Float32Array)
}

const METRICS: Metric[] = ['euclidean', 'sqeuclidean', 'dot', 'cosine']
const ROWS = 300
const D = 40
const X = randomData(ROWS, D, 3)
const B = toBf16(X)
const BW = widenBf16(B)

describe('matrix() element types', () => {
  it('tags Uint16Array, Int8Array and float arrays, and rejects a missing or wrong dtype', () => {
    expect(matrix(B, D, { dtype: 'bf16' })).toMatchObject({ rows: ROWS, cols: D, dtype: 'bf16' })
    expect(matrix(new Int8Array(6), 3)).toMatchObject({ rows: 2, cols: 3, dtype: 'i8' })
    expect(matrix(new Float32Array(6), 2, { dtype: 'f32' })).toEqual({ data: new Float32Array(6), rows: 3, cols: 2 })
    expect(thrown(() => matrix(B, D)).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => matrix(new Float32Array(4), 2, { dtype: 'bf16' })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => matrix(new Uint8Array(4) as unknown as Int8Array, 2)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => matrix(B, 7, { dtype: 'bf16' })).code).toBe('ERR_SHAPE')
    expect(thrown(() => knnSync({ data: B, rows: ROWS, cols: D, dtype: 'i8' } as LowPrecisionMatrix, { k: 2 })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => knnSync({ data: B, rows: ROWS, cols: D } as unknown as LowPrecisionMatrix, { k: 2 })).code).toBe('ERR_INVALID_ARG_VALUE')
  })
})

describe('kNN on bf16 data equals kNN on the same values in f32', () => {
  for (const metric of METRICS) {
    it(`${metric}: all points and queries, sync and async`, async () => {
      const m = matrix(B, D, { dtype: 'bf16' })
      const want = knnSync(matrix(BW, D), { k: 7, metric })
      const got = knnSync(m, { k: 7, metric })
      same(got, want)
      expect(want.precision).toBe('fp32')
      expect(['fp32', 'bf16']).toContain(got.precision)
      expect(got.precision === 'bf16').toBe(['avx512bf16', 'amx-bf16'].includes(got.kernel ?? ''))
      if (metric === 'cosine') expect(got.precision).toBe('fp32')
      expect(got.inflation).toBeGreaterThanOrEqual(1)
      const queries = matrix(B.subarray(0, 50 * D), D, { dtype: 'bf16' })
      same(await knn(m, { k: 5, metric, queries }), knnSync(matrix(BW, D), { k: 5, metric, queries: matrix(BW.subarray(0, 50 * D), D) }))
    })
  }

  it("precision: 'bf16' runs on the bf16 units or says why it cannot", () => {
    const m = matrix(B, D, { dtype: 'bf16' })
    let got: KnnResult | undefined
    try {
      got = knnSync(m, { k: 4, precision: 'bf16' })
    } catch (err) {
      expect((err as { code?: string }).code).toBe('ERR_INVALID_ARG_VALUE')
      expect((err as Error).message).toMatch(/AVX512-BF16/)
    }
    if (got !== undefined) {
      expect(got.precision).toBe('bf16')
      same(got, knnSync(matrix(BW, D), { k: 4 }))
    }
    const fp32 = knnSync(m, { k: 4, precision: 'fp32' })
    expect(fp32.precision).toBe('fp32')
    same(fp32, knnSync(matrix(BW, D), { k: 4 }))
  })

  it('mixed element types widen exactly: bf16 corpus with f32 queries', () => {
    const q = Float32Array.from(randomData(20, D, 9))
    same(knnSync(matrix(B, D, { dtype: 'bf16' }), { k: 3, queries: matrix(q, D) }), knnSync(matrix(BW, D), { k: 3, queries: matrix(q, D) }))
  })

  it('shard searches return the f32 part', () => {
    const part = knnSync(matrix(B, D, { dtype: 'bf16' }), { k: 3, rowOffset: 1000 })
    const want = knnSync(matrix(BW, D), { k: 3, rowOffset: 1000 })
    same(part, want)
    expect(Array.from(part.keys)).toEqual(Array.from(want.keys))
  })
})

describe("precision: 'bf16' on f32 data (split hi + lo copies on the bf16 units)", () => {
  const F = Float32Array.from(randomData(ROWS, D, 13))
  for (const metric of METRICS) {
    it(`${metric}: all points and queries equal the fp32 path bit for bit, or a clear error`, async () => {
      const m = matrix(F, D)
      const want = knnSync(m, { k: 6, metric, precision: 'fp32' })
      let got: KnnResult | undefined
      try {
        got = knnSync(m, { k: 6, metric, precision: 'bf16' })
      } catch (err) {
        // a CPU without AVX512-BF16 (and no EMBGEO_LOWP_KERNEL=scalar)
        expect((err as { code?: string }).code).toBe('ERR_INVALID_ARG_VALUE')
        expect((err as Error).message).toMatch(/AVX512-BF16/)
        return
      }
      same(got, want)
      expect(got.precision).toBe('bf16')
      expect(['amx-bf16', 'avx512bf16', 'scalar']).toContain(got.kernel)
      expect(got.inflation).toBeGreaterThanOrEqual(1)
      const queries = matrix(F.subarray(0, 40 * D), D)
      const gq = await knn(m, { k: 5, metric, queries, precision: 'bf16' })
      same(gq, knnSync(m, { k: 5, metric, queries, precision: 'fp32' }))
      expect(gq.precision).toBe('bf16')
    })
  }
})

describe('int8 and f16 data', () => {
  it('int8: exact, on the int8 or bf16 units when the CPU has them', () => {
    const i8 = Int8Array.from(randomData(ROWS, D, 5), (v) => Math.round(v * 127))
    const w = Float32Array.from(i8)
    for (const metric of ['euclidean', 'sqeuclidean', 'dot'] as Metric[]) {
      const want = knnSync(matrix(w, D), { k: 6, metric })
      const got = knnSync(matrix(i8, D), { k: 6, metric })
      same(got, want)
      expect(['fp32', 'bf16', 'int8']).toContain(got.precision)
      for (const precision of ['int8', 'bf16'] as const) {
        let r: KnnResult | undefined
        try {
          r = knnSync(matrix(i8, D), { k: 6, metric, precision })
        } catch (err) {
          expect((err as { code?: string }).code).toBe('ERR_INVALID_ARG_VALUE') // a CPU without those units
        }
        if (r !== undefined) {
          expect(r.precision).toBe(precision)
          same(r, want)
        }
      }
    }
  })

  it('f16: exact through f32', async () => {
    const vals = Array.from(randomData(120, 8, 6), (v) => Math.round(v * 64) / 2)
    const f16 = toF16(vals)
    const got = await knn(matrix(f16, 8, { dtype: 'f16' }), { k: 4 })
    same(got, knnSync(matrix(Float32Array.from(vals), 8), { k: 4 }))
    expect(got.precision).toBe('fp32')
  })

  it('every other function takes low-precision matrices widened to f32', () => {
    const m = matrix(B, D, { dtype: 'bf16' })
    expect(twoNNSync(m)).toEqual(twoNNSync(matrix(BW, D)))
  })
})

describe('errors', () => {
  it('refused precisions, unknown values and non-finite bf16 are coded', async () => {
    const m = matrix(B, D, { dtype: 'bf16' })
    expect(thrown(() => knnSync(m, { k: 2, precision: 'int8' })).code).toBe('ERR_INVALID_ARG_VALUE') // bf16 data
    expect(thrown(() => knnSync(m, { k: 2, precision: 'bogus' as 'auto' })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => knnSync(m, { k: 2, precision: 'bf16', metric: 'cosine' })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => knnSync(matrix(B, D, { dtype: 'bf16' }), { k: 2, precision: 'int8' })).code).toBe('ERR_INVALID_ARG_VALUE')
    const inf = B.slice()
    inf[3 * D + 5] = 0x7f80
    const e = thrown(() => knnSync(matrix(inf, D, { dtype: 'bf16' }), { k: 2 }))
    expect(e.code).toBe('ERR_NON_FINITE')
    expect(e.message).toMatch(/row 3/)
    expect((await rejection(knn(m, { k: ROWS }))).code).toBe('ERR_K_TOO_LARGE')
  })
})
