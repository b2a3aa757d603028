/**
 * Summary measures of an embedding set (issue 6): anisotropy, covariance spectrum and effective
 * rank, hubness of a kNN graph, exact duplicate rows. Each has a Promise twin (runs on embgeo's
 * pool, cancellable, with progress) and a Sync twin; `effectiveRank` is a pure function.
 */
import { embgeoError } from './errors.js'
import { checkInteger, toMatrix, type DenseMatrix, type FloatArray, type MatrixLike } from './input.js'
import { matrixTwins } from './matrix-fn.js'
import { neighborArrays } from './neighbor-indices.js'
import { native } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { is, RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

/** Validate `options` of `fn` against `table` (plus signal/onProgress for the async twin). */
function options<T extends object>(fn: string, o: unknown, table: Constraints, async: boolean): T & RunOptions {
  return validateOptions<T & RunOptions>(fn.replace(/Sync$/, ''), o, { ...table, ...(async ? RUN : SYNC_RUN) })
}

// ------------------------------------------------------------------------------------ anisotropy

/** Anisotropy of a set of vectors: how much they share one direction. */
export interface Anisotropy {
  rows: number
  cols: number
  /** All-zero rows; left out of the cosine statistics. */
  zeroRows: number
  /** ‖mean row‖ (over all rows), in the data's units. */
  meanNorm: number
  /** Mean of ‖xᵢ‖ over all rows. */
  meanRowNorm: number
  /** `meanNorm / meanRowNorm` in [0, 1]: 0 for a set centred at the origin, 1 if all rows point the same way. */
  meanNormRatio: number
  /** Mean cosine similarity over all ordered pairs of distinct non-zero rows (exact, not sampled). */
  averageCosine: number
  /** Population standard deviation of those cosines. */
  cosineStd: number
}

/** A function of `X` alone: no options but signal/onProgress. */
function prepareMatrix(fn: string, X: unknown, o: unknown, async: boolean) {
  const run = options<object>(fn, o, {}, async)
  return { m: toMatrix('X', X), run, native: {} }
}

const ANISOTROPY_TWINS = matrixTwins('anisotropy', prepareMatrix, (p, r) => finishMatrix(p.m, r))

/**
 * Mean-vector norm ratio `‖x̄‖ / mean‖xᵢ‖` and the mean and standard deviation of the cosine
 * similarity over all pairs of distinct non-zero rows (Ethayarajh 2019; Mu & Viswanath 2018),
 * computed exactly without the n × n cosine matrix: the mean from `‖Σuᵢ‖²` (O(n·d)), the
 * spread from the d × d Gram of the unit rows (O(n·d²), or O(n²·d) when n ≤ d). f64
 * accumulation; bit-identical for any thread count. `X` is copied once before this returns.
 *
 * @param X n × d matrix (rows = vectors), at least 2 non-zero rows.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (n < 2), ERR_NON_FINITE,
 *   ERR_DEGENERATE (fewer than 2 non-zero rows), ERR_OUT_OF_RANGE (unknown option), ABORT_ERR
 */
export function anisotropy(X: MatrixLike, options?: RunOptions): Promise<Anisotropy> {
  return ANISOTROPY_TWINS.async(X, options)
}

/** {@link anisotropy} on the calling thread (blocks it; typed-array input is read in place). */
export function anisotropySync(X: MatrixLike): Anisotropy {
  return ANISOTROPY_TWINS.sync(X, undefined)
}

/** A native matrix result with the input's `cols` after its `rows` (the public result shape). */
function finishMatrix<R extends { rows: number }>(m: DenseMatrix, r: R): { rows: number; cols: number } & Omit<R, 'rows'> {
  const { rows, ...rest } = r
  return { rows, cols: m.cols, ...rest }
}

// -------------------------------------------------------------------------------------- spectrum

/** Options of {@link spectrum}. */
export interface SpectrumOptions {
  /**
   * Eigenvalues at or below `rankRtol · λmax` are rounding noise: reported as 0 and not counted
   * in `rank`. Default `max(n, d) · ε` with ε = 2⁻²³ for Float32Array input, 2⁻⁵² for
   * Float64Array (numpy `matrix_rank`'s rule). A finite number ≥ 0.
   */
  rankRtol?: number
}

/** The covariance spectrum of a set and its summaries. */
export interface Spectrum {
  rows: number
  cols: number
  /** The `cols` eigenvalues of the covariance (ddof 1), decreasing, in squared data units. */
  eigenvalues: Float64Array
  /** `eigenvalues / totalVariance` (sums to 1). */
  explainedVarianceRatio: Float64Array
  /** Sum of the eigenvalues (trace of the covariance). */
  totalVariance: number
  /** Roy & Vetterli (2007) effective rank, in [1, rank]: exp of the entropy of the normalised singular values. */
  effectiveRank: number
  /** `(Σλ)² / Σλ²`, in [1, rank]. */
  participationRatio: number
  /** Eigenvalues above the tolerance: the numerical rank of the centred data. */
  rank: number
  /** The absolute tolerance used, `rankRtol · λmax`. */
  rankTolerance: number
}

function prepareSpectrum(fn: string, X: unknown, o: unknown, async: boolean) {
  const { rankRtol, ...run } = options<SpectrumOptions>(fn, o, { rankRtol: is.num({ min: 0 }) }, async)
  return { m: toMatrix('X', X), run, native: rankRtol === undefined ? {} : { rankRtol } }
}

const SPECTRUM_TWINS = matrixTwins('spectrum', prepareSpectrum, (p, r) => finishMatrix(p.m, r))

/**
 * Eigenvalues of the covariance of `X` (ddof 1, decreasing; exact f64 streaming moments, then a
 * symmetric eigensolver), with explained-variance ratios, the Roy–Vetterli effective rank and the
 * participation ratio. Time O(n·d² + d³), memory O(d²). `X` is copied once before this returns.
 *
 * @param X n × d matrix, n ≥ 2.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (n < 2), ERR_NON_FINITE,
 *   ERR_DEGENERATE (all rows identical), ERR_OUT_OF_RANGE (rankRtol, unknown option), ABORT_ERR
 */
export function spectrum(X: MatrixLike, options?: SpectrumOptions & RunOptions): Promise<Spectrum> {
  return SPECTRUM_TWINS.async(X, options)
}

/** {@link spectrum} on the calling thread (blocks it; typed-array input is read in place). */
export function spectrumSync(X: MatrixLike, options?: SpectrumOptions): Spectrum {
  return SPECTRUM_TWINS.sync(X, options)
}

/**
 * Roy & Vetterli (2007) effective rank of any spectrum of eigenvalues (of a covariance or Gram
 * matrix): `exp(−Σ pᵢ ln pᵢ)` with `pᵢ = √λᵢ / Σ√λⱼ` (the normalised singular values), in
 * [1, number of positive values]. Negative values down to −1e-9 · max are eigensolver rounding
 * and read as 0. `spectrumSync(X).effectiveRank === effectiveRank(spectrumSync(X).eigenvalues)`.
 *
 * @param eigenvalues one or more finite values ≥ 0, any order.
 * @throws ERR_INVALID_ARG_TYPE (not an array of numbers), ERR_EMPTY (no values),
 *   ERR_OUT_OF_RANGE (non-finite or negative value, naming its index), ERR_DEGENERATE (all zero)
 */
export function effectiveRank(eigenvalues: ArrayLike<number>): number {
  const values = toFloat64('eigenvalues', eigenvalues)
  return runSync(() => native().effectiveRank(values))[0]
}

function toFloat64(name: string, v: unknown): Float64Array {
  if (v instanceof Float64Array) return v
  if (v instanceof Float32Array) return Float64Array.from(v)
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be an array of numbers or a Float32Array/Float64Array; got ${typeof v}`, { name })
  }
  const a = v as ArrayLike<unknown>
  const out = new Float64Array(a.length)
  for (let i = 0; i < a.length; i++) {
    const x = a[i]
    if (typeof x !== 'number') {
      throw embgeoError('ERR_INVALID_ARG_TYPE', `${name}[${i}] must be a number; got ${typeof x}`, { name, index: i })
    }
    out[i] = x
  }
  return out
}

// --------------------------------------------------------------------------------------- hubness

/** Neighbour lists: a `KnnResult` of `knn(X, { k })`, or any `rows × k` index array. */
export interface NeighborIndices {
  /** `rows * k` point indices, row-major; row i lists point i's neighbours (itself excluded). */
  indices: Uint32Array | Int32Array
  rows: number
  k: number
  /**
   * Values per row of `indices` when the lists are longer than `k` (default `k`): the first `k`
   * of each row are used, without a copy (e.g. hubness at k = 10 of a k = 20 KnnResult).
   */
  stride?: number
}

/** Options of {@link hubness}. */
export interface HubnessOptions {
  /** Hubs are points occurring in at least `hubSize · k` lists. Default 2 (scikit-hubness). */
  hubSize?: number
  /**
   * Number of points the indices refer to (all indices must be below it). Default `rows`: an
   * all-points graph such as `knn(X, { k })`. Set it when the lists come from queries into a
   * corpus of another size.
   */
  points?: number
}

/** Hubness of a kNN graph (Radovanović et al. 2010; Feldbauer et al. 2018). */
export interface Hubness {
  k: number
  /** k-occurrence N_k(j): how many lists contain point j (length `points`). */
  occurrences: Uint32Array
  /** Fisher–Pearson skewness of the k-occurrences (biased, `scipy.stats.skew`); 0 if all equal. */
  skewness: number
  /** Robin Hood index `½ Σ|N_k − mean| / Σ N_k` in [0, 1): share of occurrences to move for an even graph. */
  robinhood: number
  /** Largest k-occurrence. */
  maxOccurrence: number
  /** Points in no list (N_k = 0). */
  antiHubs: number
  /** Points with N_k ≥ hubSize · k. */
  hubs: number
  /** Share of the `rows · k` list slots taken by hubs. */
  hubOccurrence: number
}

function prepareHubness(fn: string, neighbors: NeighborIndices, opts: unknown, async: boolean) {
  const o = options<HubnessOptions>(fn, opts, { hubSize: is.positive, points: is.int(1, 2 ** 32 - 1) }, async)
  const a = neighborArrays(neighbors)
  return { ...a, points: o.points ?? a.rows, run: o, native: o.hubSize === undefined ? {} : { hubSize: o.hubSize } }
}

/**
 * Hubness of a kNN graph: each point's k-occurrence (how many neighbour lists contain it), their
 * skewness, the Robin Hood index, hubs and anti-hubs (scikit-hubness's definitions). O(rows·k + n)
 * time, n counters of memory. The indices are copied once before this returns.
 *
 * @param neighbors `knn(X, { k })` (self excluded), or `{ indices, rows, k }` with indices < points.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE (indices length ≠ rows·k), ERR_OUT_OF_RANGE (an index
 *   ≥ points or < 0, naming row and column; hubSize, points, unknown option), ABORT_ERR
 */
export function hubness(neighbors: NeighborIndices, options?: HubnessOptions & RunOptions): Promise<Hubness> {
  return rejecting(() => {
    const p = prepareHubness('hubness', neighbors, options, true)
    // runAsync copies its inputs with `.slice()` when the job must queue; that works for any
    // typed array, the FloatArray type notwithstanding.
    const inputs = [p.u32] as unknown as readonly [FloatArray]
    return runAsync(p.run, inputs, (control, [idx]) =>
      native().hubness(idx as unknown as Uint32Array, [p.rows, p.k, p.stride, p.points], p.native, control),
    )
  })
}

/** {@link hubness} on the calling thread (blocks it; the indices are read in place). */
export function hubnessSync(neighbors: NeighborIndices, options?: HubnessOptions): Hubness {
  const p = prepareHubness('hubnessSync', neighbors, options, false)
  return runSync(() => native().hubnessSync(p.u32, [p.rows, p.k, p.stride, p.points], p.native))
}

// ------------------------------------------------------------------------------------ duplicates

/** Exact duplicate rows. */
export interface Duplicates {
  /** Rows equal to an earlier row (`rows − unique`). */
  count: number
  /** Distinct rows that occur more than once. */
  groups: number
  /** Distinct rows. */
  unique: number
  /** Per row, the index of the first row equal to it (its own index if it is the first). */
  firstOf: Uint32Array
}

function finishDuplicates(r: Duplicates): Duplicates {
  return { count: r.count, groups: r.groups, unique: r.unique, firstOf: r.firstOf }
}

const DUPLICATES_TWINS = matrixTwins('duplicates', prepareMatrix, (_p, r) => finishDuplicates(r))

/**
 * Exact duplicate rows of `X` (every value equal; −0 equals 0, as `np.unique(X, axis=0)`):
 * rows hashed in parallel, resolved in index order with a value comparison (collisions never
 * merge distinct rows). O(n·d) time, O(n) memory. `X` is copied once before this returns.
 *
 * @param X n × d matrix, n ≥ 1.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE (unknown option), ABORT_ERR
 */
export function duplicates(X: MatrixLike, options?: RunOptions): Promise<Duplicates> {
  return DUPLICATES_TWINS.async(X, options)
}

/** {@link duplicates} on the calling thread (blocks it; typed-array input is read in place). */
export function duplicatesSync(X: MatrixLike): Duplicates {
  return DUPLICATES_TWINS.sync(X, undefined)
}
