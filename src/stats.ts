/**
 * Column statistics: per-feature mean, variance, minimum and maximum (f64 accumulation).
 */
import { toMatrix, type DenseMatrix, type MatrixLike } from './input.js'
import { matrixTwins } from './matrix-fn.js'
import type { RunOptions } from './run.js'
import { is, RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

const COLUMN_STATS_OPTIONS: Constraints = { ddof: is.int(0, 1_000_000) }

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

function prepare(fn: string, X: unknown, options: unknown, async: boolean) {
  const m = toMatrix('X', X)
  const table = { ...COLUMN_STATS_OPTIONS, ...(async ? RUN : SYNC_RUN) }
  const { ddof, ...rest } = validateOptions<ColumnStatsOptions & RunOptions>(fn.replace(/Sync$/, ''), options, table)
  return { m, run: rest, native: ddof === undefined ? {} : { ddof } }
}

function finish(m: DenseMatrix, r: { rows: number; mean: Float64Array; variance: Float64Array; min: Float64Array; max: Float64Array }): ColumnStats {
  return { rows: r.rows, cols: m.cols, mean: r.mean, variance: r.variance, min: r.min, max: r.max }
}

const TWINS = matrixTwins('columnStats', prepare, (p, r) => finish(p.m, r))

/**
 * Per-column mean, variance, min and max of `X` (rows = samples), accumulated in f64 with a
 * blocked two-pass + Chan merge (no cancellation loss; bit-identical for any thread count).
 * Runs on embgeo's pool; `X`'s data is copied once before this returns.
 *
 * @param X n × d matrix, n > ddof.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (n <= ddof), ERR_NON_FINITE, ERR_OUT_OF_RANGE, ABORT_ERR
 */
export function columnStats(X: MatrixLike, options?: ColumnStatsOptions & RunOptions): Promise<ColumnStats> {
  return TWINS.async(X, options)
}

/** {@link columnStats} on the calling thread (blocks it; no copy of typed-array input). */
export function columnStatsSync(X: MatrixLike, options?: ColumnStatsOptions): ColumnStats {
  return TWINS.sync(X, options)
}
