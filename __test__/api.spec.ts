/**
 * The public type surface (checked by `tsc` in `npm run lint`, which includes __test__/):
 * names, option types and result types as api.md states them.
 */
import { describe, expectTypeOf, it } from 'vitest'

import * as embgeo from '../src/index.js'
import type { ColumnStats, DenseMatrix, ErrorCode, LowPrecisionMatrix, MatrixLike, Progress, RunOptions, Versions } from '../src/index.js'

describe('public types', () => {
  it('data in', () => {
    expectTypeOf(embgeo.matrix(new Float32Array(4), 2)).toEqualTypeOf<DenseMatrix>()
    expectTypeOf(embgeo.matrix(new Float64Array(4), 2, { dtype: 'f64' })).toEqualTypeOf<DenseMatrix>()
    expectTypeOf(embgeo.matrix(new Uint16Array(4), 2, { dtype: 'bf16' })).toEqualTypeOf<LowPrecisionMatrix>()
    expectTypeOf(embgeo.matrix(new Int8Array(4), 2)).toEqualTypeOf<LowPrecisionMatrix>()
    expectTypeOf<LowPrecisionMatrix>().toMatchTypeOf<MatrixLike>()
    expectTypeOf<number[][]>().toMatchTypeOf<MatrixLike>()
    expectTypeOf<Float32Array[]>().toMatchTypeOf<MatrixLike>()
    expectTypeOf<{ data: Float64Array; rows: number; cols: number }>().toMatchTypeOf<MatrixLike>()
    expectTypeOf<Int8Array>().not.toMatchTypeOf<MatrixLike>()
  })

  it('async twins return promises of what the sync twins return', () => {
    expectTypeOf(embgeo.columnStats).returns.toEqualTypeOf<Promise<ColumnStats>>()
    expectTypeOf(embgeo.columnStatsSync).returns.toEqualTypeOf<ColumnStats>()
    expectTypeOf<Parameters<typeof embgeo.columnStats>[1]>().toMatchTypeOf<RunOptions | undefined>()
  })

  it('run options, progress and versions', () => {
    expectTypeOf<RunOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>()
    expectTypeOf<RunOptions['copy']>().toEqualTypeOf<boolean | undefined>()
    expectTypeOf<Progress>().toEqualTypeOf<{ phase: string; completed: number; total: number }>()
    expectTypeOf(embgeo.versions).returns.toEqualTypeOf<Versions>()
    expectTypeOf<Versions['simd']>().toEqualTypeOf<string[]>()
  })

  it('errors carry a code from the closed set', () => {
    expectTypeOf<embgeo.EmbgeoError['code']>().toEqualTypeOf<ErrorCode>()
    expectTypeOf<'ERR_NON_FINITE'>().toMatchTypeOf<ErrorCode>()
  })
})
