/**
 * Both directions of two disjoint row blocks of a sharded all-points graph from one pass
 * (issue 16): {@link knnCrossParts} / {@link knnCrossPartsSync}.
 */
import { embgeoError } from './errors.js'
import { toAnyMatrix, type DenseMatrix, type LowPrecisionMatrix, type MatrixLike } from './input.js'
import { checkK, knnResult, METRICS, type KnnPart, type Metric } from './knn.js'
import { native } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { is, RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

/** Options of {@link knnCrossParts}. */
export interface KnnCrossPartsOptions extends RunOptions {
  /** Neighbours per row, 1 ≤ k ≤ the rows of each block. */
  k: number
  /** Default 'euclidean' (see {@link Metric}). */
  metric?: Metric
  /** Global row id of `a`'s first row (default 0). */
  aOffset?: number
  /** Global row id of `b`'s first row (default 0); the ranges of `a` and `b` must not overlap. */
  bOffset?: number
}

/** The two parts of {@link knnCrossParts}. */
export interface KnnCrossParts {
  /** The k nearest rows of `b` of every row of `a` (global ids `bOffset + j`). */
  aToB: KnnPart
  /** The k nearest rows of `a` of every row of `b` (global ids `aOffset + i`). */
  bToA: KnnPart
}

const OPTIONS: Constraints = {
  k: is.custom,
  metric: is.oneOf(...METRICS),
  aOffset: is.int(0, Number.MAX_SAFE_INTEGER),
  bOffset: is.int(0, Number.MAX_SAFE_INTEGER),
}

/** Global row ids are u32: offset + rows ≤ 2^32. */
const MAX_GLOBAL_ROWS = 2 ** 32

/** The element type of a matrix: its typed array's, or its low-precision dtype. */
function elementType(m: DenseMatrix | LowPrecisionMatrix): string {
  return 'dtype' in m ? m.dtype : m.data instanceof Float32Array ? 'f32' : 'f64'
}

function halfDtype(m: DenseMatrix | LowPrecisionMatrix): 'bf16' | 'f16' | undefined {
  return 'dtype' in m && m.dtype !== 'i8' ? m.dtype : undefined
}

function prepare(fn: string, a: MatrixLike, b: MatrixLike, options: KnnCrossPartsOptions, run: Constraints) {
  if (options === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options is required: { k, aOffset, bOffset }')
  const o = validateOptions<KnnCrossPartsOptions>(fn, options, { ...OPTIONS, ...run })
  const am = toAnyMatrix('a', a)
  const bm = toAnyMatrix('b', b)
  for (const [name, m] of [['a', am], ['b', bm]] as const) {
    if (m.rows === 0) throw embgeoError('ERR_EMPTY', `${name} has 0 rows; ${fn} needs at least 1 row in each block`, { rows: 0, needed: 1 })
  }
  if (am.cols !== bm.cols) {
    throw embgeoError('ERR_SHAPE', `b has ${bm.cols} features, but a has ${am.cols}; use blocks of the same corpus`, { expected: am.cols, actual: bm.cols })
  }
  if (elementType(am) !== elementType(bm)) {
    throw embgeoError('ERR_INVALID_ARG_VALUE', `a and b must have the same element type (blocks of one corpus); got ${elementType(am)} and ${elementType(bm)}`)
  }
  const ao = o.aOffset ?? 0
  const bo = o.bOffset ?? 0
  for (const [name, off, rows] of [['aOffset', ao, am.rows], ['bOffset', bo, bm.rows]] as const) {
    if (off + rows > MAX_GLOBAL_ROWS) {
      throw embgeoError('ERR_OUT_OF_RANGE', `options.${name} + rows must be ≤ 2^32 (u32 global row ids); got ${off} + ${rows}`)
    }
  }
  if (ao < bo + bm.rows && bo < ao + am.rows) {
    throw embgeoError(
      'ERR_OUT_OF_RANGE',
      `the global rows of a (${ao}..${ao + am.rows}) and b (${bo}..${bo + bm.rows}) overlap; a block against itself is knn(block, { k, rowOffset })`,
    )
  }
  const k = checkK(o.k, Math.min(am.rows, bm.rows), `a has ${am.rows} rows and b has ${bm.rows}; each row's neighbours come from the other block`)
  const metric = o.metric ?? 'euclidean'
  return {
    am,
    bm,
    metric,
    native: { k, metric, rowOffset: ao, queryOffset: bo },
    dtypes: [halfDtype(am), halfDtype(bm)] as const,
    run: o as RunOptions,
  }
}

interface NativeCross {
  aToB: Parameters<typeof knnResult>[0]
  bToA: Parameters<typeof knnResult>[0]
}

function wrap(r: NativeCross, metric: Metric): KnnCrossParts {
  return { aToB: knnResult(r.aToB, metric) as KnnPart, bToA: knnResult(r.bToA, metric) as KnnPart }
}

/**
 * The kNN of every row of `a` among the rows of `b`, and of every row of `b` among the rows of
 * `a`, with global row ids, from one pass that computes each (a row, b row) distance once.
 *
 * `aToB` equals `knn(b, { k, metric, queries: a, rowOffset: bOffset })` and `bToA` equals
 * `knn(a, { k, metric, queries: b, rowOffset: aOffset })` bit for bit, at half their work: in
 * a sharded all-points graph (blocks = shards), the diagonal parts
 * `knn(shard, { k, rowOffset })` and one `knnCrossParts` per pair of shards give every
 * {@link mergeKnn} input, so the sharded graph does the single process's work (two searches per
 * pair do (2 − 1/S)× for S shards). Memory: a copy of both blocks plus per-row selection states
 * (when the states of `a.rows + b.rows` rows exceed 2 GiB it runs the two searches: the same
 * parts, twice the work). Runs on embgeo's pool; typed-array inputs are copied once before
 * this returns.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE (widths differ), ERR_EMPTY (a block without rows),
 *   ERR_INVALID_ARG_VALUE (element types differ, unknown metric), ERR_OUT_OF_RANGE (k not an
 *   integer ≥ 1, an offset + rows over 2^32, overlapping global rows, unknown option),
 *   ERR_K_TOO_LARGE (k above either block's rows), ERR_NON_FINITE, ERR_DEGENERATE (zero vector
 *   under cosine), ABORT_ERR
 */
export function knnCrossParts(a: MatrixLike, b: MatrixLike, options: KnnCrossPartsOptions): Promise<KnnCrossParts> {
  return rejecting(() => {
    const p = prepare('knnCrossParts', a, b, options, RUN)
    return runAsync(p.run, [p.am.data, p.bm.data] as const, (control, [ad, bd]) =>
      native().knnCrossParts(ad, p.am.cols, bd, p.native, ...p.dtypes, control),
    ).then((r) => wrap(r, p.metric))
  })
}

/** {@link knnCrossParts} on the calling thread (blocks it; typed-array input is read in place). */
export function knnCrossPartsSync(a: MatrixLike, b: MatrixLike, options: KnnCrossPartsOptions): KnnCrossParts {
  const p = prepare('knnCrossPartsSync', a, b, options, SYNC_RUN)
  return wrap(runSync(() => native().knnCrossPartsSync(p.am.data, p.am.cols, p.bm.data, p.native, ...p.dtypes)), p.metric)
}
