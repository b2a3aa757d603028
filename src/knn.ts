/**
 * Exact k nearest neighbours (api.md "Exact nearest neighbours"): `knn`/`knnSync` and `KnnIndex`.
 */
import { embgeoError } from './errors.js'
import { checkInteger, checkOptions, toAnyMatrix, toMatrix, type DenseMatrix, type LowPrecisionMatrix, type MatrixLike } from './input.js'
import { disposeSymbol, holding, JobGuard } from './model.js'
import { native } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { is, RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

/** Distances are "smaller is closer": euclidean ‖x−y‖, sqeuclidean ‖x−y‖², cosine 1−cos(x,y), dot −⟨x,y⟩. */
export type Metric = 'euclidean' | 'sqeuclidean' | 'cosine' | 'dot'

export const METRICS: readonly Metric[] = ['euclidean', 'sqeuclidean', 'cosine', 'dot']

/**
 * Precision of kNN's candidate (screening) pass. Every value gives the same, exact neighbours
 * and distances: it picks the arithmetic units, never the answer (candidates are bounded
 * rigorously and re-ranked in f64; docs/exact-screening.md has the proof).
 * - `'auto'` (default): the fastest exact path for the data — the CPU's int8 units
 *   (AVX512-VNNI) for int8 data from 128 columns, its bf16 units (AVX512-BF16) for bf16 data
 *   (and int8 data without VNNI) from 384 columns (narrower, they measured slower than f32)
 *   where they keep up with the FMA units (AMD, or AMX tiles; not Intel's AVX512-BF16, which
 *   measured 1.6× slower than f32); on CPUs with AMX, f32 data from 64 columns and 2,048 rows
 *   on each side through split copies (see `'bf16'`; 0.60× the fp32 time for all points of
 *   20,000 × 384); on CPUs with AVX2 and neither (AMD Zen 2/3, older Intel), a `KnnIndex`'s
 *   f32 searches of 17–128 queries against 10,000 or more rows of 32–4,096 columns screen in
 *   int16 (`vpmaddwd`, exact integer products) against an int16 copy of the index made once
 *   (reported as `'int16'`), and so do those of 17 or more queries on AVX-512 CPUs with
 *   AVX512-VNNI and no AMX (`vpdpwssd`), where all points of 10,000 or more f32 rows of
 *   384–4,096 columns, and `knn` calls of 1,000 or more f32 queries against 10,000 or more
 *   rows, screen in int16 too (the rows quantised for the call); else the data's own
 *   precision. Cosine screens bf16/int8 data's
 *   unit rows in f32.
 * - `'fp32'`: f32 screening (f32, f16, bf16 and int8 data; not f64 data).
 * - `'bf16'`: the bf16 units: bf16 and int8 data (whose values are bf16 values exactly), and
 *   f32 data through split copies (each value as bf16 hi + lo, one bf16 dot product of 3× the
 *   width; any metric). On CPUs without AMX this is slower than `'fp32'` (measured 2.6–5×),
 *   so `'auto'` picks it for f32 data only on the AMX tiles.
 * - `'int8'`: the int8 units (int8 data; exact integer dot products).
 * An explicit precision the CPU or the data cannot run is ERR_INVALID_ARG_VALUE (never a
 * silent fallback): no such units, cosine, or other data.
 */
export type KnnPrecision = 'auto' | 'fp32' | 'bf16' | 'int8'

export const KNN_PRECISIONS: readonly KnnPrecision[] = ['auto', 'fp32', 'bf16', 'int8']

/** Options of {@link knn}. */
export interface KnnOptions extends RunOptions {
  /** Neighbours per row, 1 ≤ k ≤ available (corpus rows, minus 1 without `queries`). */
  k: number
  /** Default 'euclidean'. */
  metric?: Metric
  /** Screening precision, default 'auto' (see {@link KnnPrecision}); never changes the result. */
  precision?: KnnPrecision
  /** Rows to find neighbours for; omitted: every corpus row against the others (itself excluded by index). */
  queries?: MatrixLike
  /**
   * Shard searches: the global row id of the corpus's first row (a non-negative safe integer,
   * offset + rows ≤ 2^32). Reported indices are global, and the result is a {@link KnnPart}
   * that {@link mergeKnn} merges exactly with the parts of the other shards.
   */
  rowOffset?: number
  /**
   * Shard searches of the all-points graph (with `queries` only): query row i is global row
   * `queryOffset + i`, and the corpus row with that global id is excluded (the self-match).
   * When the query block overlaps the shard, k ≤ shard rows − 1.
   */
  queryOffset?: number
}

/** {@link KnnOptions} of a shard search: `rowOffset` and/or `queryOffset` given. */
export type KnnShardOptions = KnnOptions & ({ rowOffset: number } | { queryOffset: number })

/** The k nearest neighbours of each query row, best first; ties go to the lower index. */
export interface KnnResult {
  k: number
  rows: number
  metric: Metric
  /** `rows * k` corpus row indices, row-major. */
  indices: Uint32Array
  /** `rows * k` distances, row-major, in the input's element type. */
  distances: Float32Array | Float64Array
  /** Row `i`'s neighbours, as views into `indices` and `distances` (no copy). */
  neighbors(i: number): { indices: Uint32Array; distances: Float32Array | Float64Array }
  /** Searches (`knn`/`knnSync`, `KnnIndex.search`; not shard parts or merges): the screening precision that ran (`'fp32'`, `'fp64'`, `'bf16'`, `'int8'`, or `'int16'`: a `KnnIndex`'s f32 searches under `'auto'` on AVX2 CPUs and on AVX-512 CPUs with VNNI and no AMX, and all points and searches of 1,000+ queries of f32 rows on the latter). */
  precision?: 'fp32' | 'fp64' | 'bf16' | 'int8' | 'int16'
  /** Searches (`knn`/`knnSync`, `KnnIndex.search`): the kernel that filled the distance tiles (e.g. `'amx-bf16'`, `'amx-int8'`, `'avx512vnni'`, `'avx512bf16'`, `'faer-f32'`, `'avx2-rows-f32'`: f32 tiles reading the corpus rows in place, AVX2 CPUs, at most 128 queries; `'avx2-int16'`, `'avx512vnni-int16'`: int16 tiles against a `KnnIndex`'s int16 copy). */
  kernel?: string
  /**
   * Searches (`knn`/`knnSync`, `KnnIndex.search`): candidate inflation, the exact f64 re-rankings per result slot
   * (`≥ 1`; how much work the screening left; the symmetric all-points pass's count can vary a
   * little with the thread count, the neighbours never do).
   */
  inflation?: number
}

/**
 * A kNN result with global row ids that merges exactly: returned by a shard search
 * (`knn(shard, { k, queries, rowOffset, queryOffset })`) and by {@link mergeKnn}.
 * `keys` are the exact f64 ordering keys (squared distance for euclidean, the distance
 * otherwise), so merges order exactly as a single-process run even where two distances round to
 * the same f32. Holds `rows · k · 12` bytes besides `distances`.
 */
export interface KnnPart extends KnnResult {
  /** `rows * k` exact f64 ordering keys, row-major. */
  keys: Float64Array
}

interface NativeKnn {
  k: number
  rows: number
  indices: Uint32Array
  distances: Float32Array | Float64Array
  keys?: Float64Array | null
  precision?: string | null
  kernel?: string | null
  inflation?: number | null
}

/** The metric option of knn and KnnIndex. */
const METRIC: Constraints = { metric: is.oneOf(...METRICS) }

/** The options of knn: `k` (checked against the data by {@link checkK}), metric, queries, shard offsets. */
const KNN_OPTIONS: Constraints = {
  k: is.custom,
  ...METRIC,
  precision: is.oneOf(...KNN_PRECISIONS),
  queries: is.custom,
  rowOffset: is.int(0, Number.MAX_SAFE_INTEGER),
  queryOffset: is.int(0, Number.MAX_SAFE_INTEGER),
}

/** Global row ids are u32: offset + rows ≤ 2^32. */
const MAX_GLOBAL_ROWS = 2 ** 32

function checkGlobal(name: string, offset: number, rows: number): void {
  if (offset + rows > MAX_GLOBAL_ROWS) {
    throw embgeoError('ERR_OUT_OF_RANGE', `options.${name} + rows must be ≤ 2^32 (u32 global row ids); got ${offset} + ${rows}`)
  }
}

/** Validate k against the neighbours available; `why` explains where the limit comes from. */
export function checkK(k: unknown, available: number, why: string): number {
  if (k === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.k is required (the number of neighbours per row)')
  const v = checkInteger('options.k', k, 1)
  if (v > available) {
    throw embgeoError('ERR_K_TOO_LARGE', `k = ${v} but only ${available} neighbours are available (${why}); lower k`, { k: v, available })
  }
  return v
}

/** Queries in the corpus's element type and width (copied only when the type differs). */
export function alignQueries(corpus: DenseMatrix, queries: unknown): DenseMatrix {
  const q = toMatrix('queries', queries)
  checkQueryWidth(q.cols, corpus.cols)
  if (q.data.constructor === corpus.data.constructor) return q
  const data = native().castFloats(q.data, null, corpus.data instanceof Float32Array ? 'f32' : 'f64')
  return { data, rows: q.rows, cols: q.cols }
}

/** Wrap native output as a KnnResult. */
export function knnResult(r: NativeKnn, metric: Metric): KnnResult {
  const { k, rows, indices, distances } = r
  const result: KnnResult = {
    k,
    rows,
    metric,
    indices,
    distances,
    neighbors(i: number) {
      checkInteger('i', i, 0, rows - 1)
      return { indices: indices.subarray(i * k, (i + 1) * k), distances: distances.subarray(i * k, (i + 1) * k) }
    },
  }
  if (r.keys !== undefined && r.keys !== null) (result as KnnPart).keys = r.keys
  if (r.precision !== undefined && r.precision !== null) {
    result.precision = r.precision as KnnResult['precision']
    result.kernel = r.kernel ?? undefined
    result.inflation = r.inflation ?? undefined
  }
  return result
}

/** The dtype argument of the native kNN for a matrix (`Uint16Array` data only). */
function halfDtype(m: DenseMatrix | LowPrecisionMatrix | undefined): 'bf16' | 'f16' | undefined {
  return m !== undefined && 'dtype' in m && m.dtype !== 'i8' ? m.dtype : undefined
}

/** ERR_SHAPE unless queries have the corpus's width. */
function checkQueryWidth(q: number, c: number): void {
  if (q !== c) {
    throw embgeoError('ERR_SHAPE', `queries have ${q} features, but the corpus has ${c}; use vectors from the same model`, { expected: c, actual: q })
  }
}

/** kNN queries: float queries in the corpus's float type; low-precision ones as they are (the engine widens mixed types exactly). */
function knnQueries(corpus: DenseMatrix | LowPrecisionMatrix, queries: unknown): DenseMatrix | LowPrecisionMatrix {
  const q = toAnyMatrix('queries', queries)
  checkQueryWidth(q.cols, corpus.cols)
  if ('dtype' in q || 'dtype' in corpus) return q
  return alignQueries(corpus, q)
}

function prepare(fn: string, corpus: MatrixLike, options: KnnOptions, run: Constraints) {
  if (options === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options is required: { k }')
  const o = validateOptions<KnnOptions>(fn, options, { ...KNN_OPTIONS, ...run })
  const c = toAnyMatrix('corpus', corpus)
  const metric = o.metric ?? 'euclidean'
  const q = o.queries === undefined ? undefined : knnQueries(c, o.queries)
  if (c.rows === 0) {
    throw embgeoError('ERR_EMPTY', `corpus has 0 rows; knn needs at least ${q === undefined ? 2 : 1}`, { rows: 0, needed: q === undefined ? 2 : 1 })
  }
  const shard = o.rowOffset !== undefined || o.queryOffset !== undefined
  const ro = o.rowOffset ?? 0
  if (shard) checkGlobal('rowOffset', ro, c.rows)
  if (o.queryOffset !== undefined) {
    if (q === undefined) throw embgeoError('ERR_OUT_OF_RANGE', 'options.queryOffset is given only with options.queries (the global row of the first query)')
    checkGlobal('queryOffset', o.queryOffset, q.rows)
  }
  // a query block overlapping the shard loses each overlapping query's own row
  const overlap = q !== undefined && o.queryOffset !== undefined && o.queryOffset < ro + c.rows && ro < o.queryOffset + q.rows
  const k =
    q === undefined
      ? checkK(o.k, c.rows - 1, `corpus has ${c.rows} rows and each row's own index is excluded`)
      : overlap
        ? checkK(o.k, c.rows - 1, `the shard has ${c.rows} rows and each query's own global row is excluded`)
        : checkK(o.k, c.rows, `corpus has ${c.rows} rows`)
  const offsets = shard ? { rowOffset: ro, ...(o.queryOffset === undefined ? {} : { queryOffset: o.queryOffset }) } : {}
  const precision = o.precision === undefined ? {} : { precision: o.precision }
  return { c, q, metric, native: { k, metric, ...precision, ...offsets }, dtypes: [halfDtype(c), halfDtype(q)] as const, run: o as RunOptions }
}

/**
 * Exact k nearest neighbours of every query row (or of every corpus row, itself excluded by
 * index, so exact duplicates are each other's neighbours at distance 0). Tiled distance blocks
 * with the top-k pass fused; the k final distances are recomputed from the vectors in f64.
 * Runs on embgeo's pool; typed-array inputs are copied once before this returns.
 *
 * Shard searches: with `rowOffset` (and, for the all-points graph, `queries` + `queryOffset`)
 * the indices are global row ids and the result is a {@link KnnPart}; {@link mergeKnn} of the
 * parts of disjoint shards equals the single-process result bit for bit.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE (queries width), ERR_EMPTY, ERR_NON_FINITE,
 *   ERR_OUT_OF_RANGE (k not an integer ≥ 1, unknown option name), ERR_INVALID_ARG_VALUE
 *   (unknown metric), ERR_K_TOO_LARGE, ERR_DEGENERATE (zero vector under cosine), ABORT_ERR
 */
export function knn(corpus: MatrixLike, options: KnnShardOptions): Promise<KnnPart>
export function knn(corpus: MatrixLike, options: KnnOptions): Promise<KnnResult>
export function knn(corpus: MatrixLike, options: KnnOptions): Promise<KnnResult> {
  return rejecting(() => {
    const p = prepare('knn', corpus, options, RUN)
    const inputs = p.q === undefined ? ([p.c.data] as const) : ([p.c.data, p.q.data] as const)
    return runAsync(p.run, inputs, (control, [cd, qd]) => native().knn(cd, p.c.cols, qd, p.native, ...p.dtypes, control)).then((r) =>
      knnResult(r, p.metric),
    )
  })
}

/** {@link knn} on the calling thread (blocks it; typed-array input is read in place). */
export function knnSync(corpus: MatrixLike, options: KnnShardOptions): KnnPart
export function knnSync(corpus: MatrixLike, options: KnnOptions): KnnResult
export function knnSync(corpus: MatrixLike, options: KnnOptions): KnnResult {
  const p = prepare('knn', corpus, options, SYNC_RUN)
  return knnResult(
    runSync(() => native().knnSync(p.c.data, p.c.cols, p.q?.data, p.native, ...p.dtypes)),
    p.metric,
  )
}

type NativeIndex = InstanceType<ReturnType<typeof native>['NativeKnnIndex']>


/**
 * A native-owned copy of a corpus, searched many times (no copy of the corpus per search).
 * Its memory is reported to V8 and freed by {@link KnnIndex.dispose} (also `using`) or by GC.
 */
const FROM_NATIVE: unique symbol = Symbol('KnnIndex.fromNative')

export class KnnIndex {
  readonly #native: NativeIndex
  readonly #dtype: 'f32' | 'f64'
  readonly #guard = new JobGuard('KnnIndex')

  /**
   * Copy `corpus` into a new index.
   * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE (unknown
   *   option name), ERR_INVALID_ARG_VALUE (unknown metric), ERR_DEGENERATE (zero row under cosine)
   */
  constructor(corpus: MatrixLike, options?: { metric?: Metric }) {
    const loaded = (corpus as { [FROM_NATIVE]?: NativeIndex } | null)?.[FROM_NATIVE]
    if (loaded !== undefined) {
      this.#native = loaded
    } else {
      const o = validateOptions<{ metric?: Metric }>('KnnIndex', options, METRIC)
      const c = toMatrix('corpus', corpus)
      this.#native = runSync(() => new (native().NativeKnnIndex)(c.data, c.cols, o))
    }
    this.#dtype = runSync(() => this.#native.info())[3] as 'f32' | 'f64'
  }

  static #wrap(n: NativeIndex): KnnIndex {
    return new KnnIndex({ [FROM_NATIVE]: n } as unknown as MatrixLike)
  }

  /** Load an index written by {@link KnnIndex.serialize}. @throws ERR_BAD_MODEL for anything else. */
  static deserialize(bytes: Uint8Array): KnnIndex {
    if (!(bytes instanceof Uint8Array)) {
      throw embgeoError('ERR_INVALID_ARG_TYPE', `bytes must be a Uint8Array; got ${typeof bytes}`)
    }
    return KnnIndex.#wrap(runSync(() => native().NativeKnnIndex.deserialize(bytes)))
  }

  #info(): [number, number, string, string] {
    return runSync(() => this.#native.info())
  }

  /** Rows in the index. */
  get size(): number {
    return this.#info()[0]
  }

  /** Features per row. */
  get dim(): number {
    return this.#info()[1]
  }

  /** The metric searches use. */
  get metric(): Metric {
    return this.#info()[2] as Metric
  }

  /** Native bytes held (also reported to V8 as external memory). */
  get memoryBytes(): number {
    return this.#native.memoryBytes()
  }

  #rows(name: string, x: MatrixLike): DenseMatrix {
    const m = toMatrix(name, x)
    const dim = this.dim
    if (m.cols !== dim) {
      throw embgeoError('ERR_SHAPE', `${name} have ${m.cols} features, but the index has ${dim}`, { expected: dim, actual: m.cols })
    }
    const want = this.#dtype === 'f32' ? Float32Array : Float64Array
    return m.data instanceof want ? m : { data: native().castFloats(m.data, null, this.#dtype), rows: m.rows, cols: m.cols }
  }

  /**
   * Append rows.
   * @throws ERR_SHAPE, ERR_NON_FINITE, ERR_DEGENERATE, ERR_BUSY (a search is pending: queued or
   *   running), ERR_NOT_FITTED (disposed)
   */
  add(rows: MatrixLike): void {
    const m = this.#rows('rows', rows)
    this.#guard.mutate('add()', () => runSync(() => this.#native.add(m.data, m.cols)))
  }

  #k(fn: string, options: { k: number } | undefined, run: Constraints): { k: number; run: RunOptions } {
    if (options === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options is required: { k }')
    const o = validateOptions<{ k: number } & RunOptions>(fn, options, { k: is.custom, ...run })
    return { k: checkK(o.k, this.size, `the index holds ${this.size} rows`), run: o }
  }

  /**
   * The k nearest indexed rows of each query row, on embgeo's pool (queries copied once). The
   * index cannot change while the search is pending: `add()` and `dispose()` throw `ERR_BUSY`
   * from this call until the promise settles.
   */
  search(queries: MatrixLike, options: { k: number } & RunOptions): Promise<KnnResult> {
    return rejecting(() => {
      const q = this.#rows('queries', queries)
      const { k, run } = this.#k('KnnIndex.search', options, RUN)
      const metric = this.metric
      return holding(this.#guard.read('search()'), () =>
        runAsync(run, [q.data] as const, (control, [qd]) => this.#native.search(qd, q.cols, { k }, control)),
      ).then((r) => {
        // a search may have made the index's int16 copy: V8 learns of it here
        this.#native.reportMemory()
        return knnResult(r, metric)
      })
    })
  }

  /** {@link KnnIndex.search} on the calling thread (blocks it). */
  searchSync(queries: MatrixLike, options: { k: number }): KnnResult {
    const q = this.#rows('queries', queries)
    const { k } = this.#k('KnnIndex.search', options, SYNC_RUN)
    const release = this.#guard.read('searchSync()')
    try {
      const r = runSync(() => this.#native.searchSync(q.data, q.cols, { k }))
      this.#native.reportMemory()
      return knnResult(r, this.metric)
    } finally {
      release()
    }
  }

  /** The index as bytes (versioned binary format; transferable to workers). */
  serialize(): Uint8Array {
    return runSync(() => this.#native.serialize())
  }

  /** Free the native memory now; later calls throw ERR_NOT_FITTED. @throws ERR_BUSY while a search is pending */
  dispose(): void {
    this.#guard.mutate('dispose()', () => runSync(() => this.#native.dispose()))
  }

  /** `using index = new KnnIndex(...)` disposes at the end of the scope. */
  [Symbol.dispose](): void {
    this.dispose()
  }
}

Object.defineProperty(KnnIndex.prototype, disposeSymbol, { value: KnnIndex.prototype.dispose })

/**
 * Recall@k of an approximate search (HNSW, IVF, …) against exact neighbours: with
 * k = min(approx.k, exact.k), the fraction of each query's exact k nearest found among its first
 * k approximate ones. Negative indices (padding) never count.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE (lengths), ERR_OUT_OF_RANGE (k), ERR_EMPTY
 */
export function recall(
  approx: { indices: Uint32Array | Int32Array | BigUint64Array | BigInt64Array; k: number },
  exact: KnnResult,
): { recall: number; perQuery: Float64Array } {
  const a = checkOptions('approx', approx)
  const ok =
    a.indices instanceof Uint32Array || a.indices instanceof Int32Array || a.indices instanceof BigUint64Array || a.indices instanceof BigInt64Array
  if (!ok) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', 'approx.indices must be a Uint32Array, Int32Array, BigUint64Array or BigInt64Array')
  }
  const k = checkInteger('approx.k', a.k, 1)
  if (exact === null || typeof exact !== 'object' || !(exact.indices instanceof Uint32Array)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', 'exact must be a KnnResult from knn() or KnnIndex.search()')
  }
  if (a.indices.length !== exact.rows * k) {
    throw embgeoError(
      'ERR_SHAPE',
      `approx.indices.length is ${a.indices.length} but exact.rows * approx.k = ${exact.rows} * ${k} = ${exact.rows * k}`,
    )
  }
  const [value, perQuery] = runSync(() => native().recall(a.indices, k, exact.indices, exact.k))
  return { recall: value, perQuery }
}

