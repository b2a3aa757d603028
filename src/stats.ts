/**
 * Column statistics: per-feature mean, variance, minimum and maximum (f64 accumulation).
 */
import { checkInteger, checkOptions, toMatrix, type DenseMatrix, type MatrixLike } from './input.js'
import { native } from './native.js'
import { runAsync, runSync, type RunOptions } from './run.js'

/** Options of {@link columnStats}. */
export interface ColumnStatsOptions {
  /** Delta degrees of freedom of the variance, `M2 / (n - ddof)`; default 0 (numpy's default). */
  ddof?: number
}

/** Per-column statistics; every array has one entry per column. */
export interface ColumnStats {
  rows: number
  cols: number
  mean: Float64Array
  variance: Float64Array
  min: Float64Array
  max: Float64Array
}

function prepare(X: MatrixLike, options: ColumnStatsOptions | undefined): { m: DenseMatrix; ddof: number } {
  const m = toMatrix('X', X)
  const o = checkOptions('options', options)
  const ddof = o.ddof === undefined ? 0 : checkInteger('options.ddof', o.ddof, 0, 1_000_000)
  return { m, ddof }
}

function finish(m: DenseMatrix, r: { rows: number; mean: Float64Array; variance: Float64Array; min: Float64Array; max: Float64Array }): ColumnStats {
  return { rows: r.rows, cols: m.cols, mean: r.mean, variance: r.variance, min: r.min, max: r.max }
}

/**
 * Per-column mean, variance, min and max of `X` (rows = samples), accumulated in f64 with a
 * blocked two-pass + Chan merge (no cancellation loss; bit-identical for any thread count).
 * Runs on embgeo's pool; `X`'s data is copied once before this returns.
 *
 * @param X n × d matrix, n > ddof.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (n <= ddof), ERR_NON_FINITE, ERR_OUT_OF_RANGE, ABORT_ERR
 */
export function columnStats(X: MatrixLike, options?: ColumnStatsOptions & RunOptions): Promise<ColumnStats> {
  try {
    const { m, ddof } = prepare(X, options)
    return runAsync(options ?? {}, [m.data] as const, (control, [data]) => native().columnStats(data, m.cols, ddof, control)).then((r) =>
      finish(m, r),
    )
  } catch (err) {
    return Promise.reject(err)
  }
}

/** {@link columnStats} on the calling thread (blocks it; no copy of typed-array input). */
export function columnStatsSync(X: MatrixLike, options?: ColumnStatsOptions): ColumnStats {
  const { m, ddof } = prepare(X, options)
  return finish(m, runSync(() => native().columnStatsSync(m.data, m.cols, ddof)))
}
