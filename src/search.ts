/**
 * Geometry for search (issue 14): hubness reduction with exact re-ranked neighbour lists
 * (`reduceHubness`) and per-query difficulty (`queryDifficulty`). Each has a Promise twin (runs on
 * embgeo's pool, cancellable, with progress) and a Sync twin. Numerics: `crates/search`.
 */
import { embgeoError } from './errors.js'
import { toMatrix, type DenseMatrix, type MatrixLike } from './input.js'
import { alignQueries, checkK, knnResult, type KnnResult, type Metric } from './knn.js'
import type { Hubness } from './metrics.js'
import { native } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { is, RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

// ------------------------------------------------------------------------------ reduceHubness

/** A secondary distance for hubness reduction. */
export type HubnessReductionMethod = 'mutualProximity' | 'mutualProximityGaussian' | 'localScaling' | 'nicdm' | 'csls'

const METHODS: readonly HubnessReductionMethod[] = ['mutualProximity', 'mutualProximityGaussian', 'localScaling', 'nicdm', 'csls']
const METRICS: readonly Metric[] = ['euclidean', 'sqeuclidean', 'cosine', 'dot']

/** Reference neighbourhood sizes (scikit-hubness 0.21.2 / Conneau et al. 2018), capped at the neighbours available. */
const DEFAULT_NEIGHBORS: Record<HubnessReductionMethod, number> = {
  mutualProximity: 100,
  mutualProximityGaussian: 100,
  localScaling: 6,
  nicdm: 6,
  csls: 10,
}

/** Options of {@link reduceHubness}. */
export interface ReduceHubnessOptions extends RunOptions {
  /** Neighbours per row in the answer, 1 ≤ k ≤ available (corpus rows, minus 1 without `queries`). */
  k: number
  /**
   * The secondary distance; default 'mutualProximityGaussian' (scikit-hubness's MP default).
   * - 'mutualProximity': empiric MP, `1 − |{m ∈ N(x): d(x,m) > d(x,y) ∧ d(y,m) > d(x,y)}| / |N(x)|` (Schnitzer et al. 2012)
   * - 'mutualProximityGaussian': `1 − SF(d; μx, σx)·SF(d; μy, σy)`, μ, σ of each point's neighbour distances
   * - 'localScaling': `1 − exp(−d² / (σx σy))`, σ = distance to the `neighbors`-th neighbour (Zelnik-Manor & Perona 2005)
   * - 'nicdm': `d / √(μx μy)`, μ = mean neighbour distance (Jégou et al. 2010)
   * - 'csls': `2d − mx − my`, m = mean neighbour distance (= −CSLS under cosine; Conneau et al. 2018)
   */
  method?: HubnessReductionMethod
  /** Primary distance; default 'euclidean'. 'dot' only with 'mutualProximity', 'mutualProximityGaussian' and 'csls'. */
  metric?: Metric
  /** Rows to find neighbours for; omitted: every corpus row against the others (itself excluded by index). */
  queries?: MatrixLike
  /**
   * Neighbourhood size of the secondary statistics (scikit-hubness: `n_candidates` for MP,
   * `LocalScaling(k)` + 1 for LS/NICDM; Conneau's K for CSLS). Default 100 (MP), 6 (LS, NICDM),
   * 10 (CSLS), capped at the neighbours available. Under CSLS with `queries`, corpus points take
   * their neighbours among the queries, so it must not exceed the query rows.
   */
  neighbors?: number
}

/** Result of {@link reduceHubness}: a KnnResult whose distances are the secondary distances (f64). */
export interface ReduceHubnessResult extends KnnResult {
  distances: Float64Array
  /** Hubness (k-occurrence over the corpus) of the plain kNN lists and of the re-ranked ones. */
  hubness: { before: Hubness; after: Hubness }
  /** Every effective option. */
  params: { k: number; method: HubnessReductionMethod; metric: Metric; neighbors: number }
  /** Rows whose candidate list was widened to prove exactness, and the largest list used. */
  diagnostics: { widenedRows: number; maxCandidates: number }
}

const REDUCE_OPTIONS: Constraints = {
  k: is.custom,
  method: is.oneOf(...METHODS),
  metric: is.oneOf(...METRICS),
  queries: is.custom,
  neighbors: is.int(1),
}

function prepareReduce(fn: string, corpus: MatrixLike, options: ReduceHubnessOptions, run: Constraints) {
  if (options === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options is required: { k }')
  const o = validateOptions<ReduceHubnessOptions>(fn, options, { ...REDUCE_OPTIONS, ...run })
  const c = toMatrix('corpus', corpus)
  const q = o.queries === undefined ? undefined : alignQueries(c, o.queries)
  const method = o.method ?? 'mutualProximityGaussian'
  const metric = o.metric ?? 'euclidean'
  if (metric === 'dot' && (method === 'localScaling' || method === 'nicdm')) {
    throw embgeoError('ERR_INVALID_ARG_VALUE', `options.metric 'dot' cannot be used with method '${method}' (it needs distances ≥ 0); use 'euclidean', 'sqeuclidean' or 'cosine'`, {
      name: 'metric',
      value: metric,
    })
  }
  if (c.rows === 0) {
    throw embgeoError('ERR_EMPTY', `corpus has 0 rows; reduceHubness needs at least ${q === undefined ? 2 : 1}`, { rows: 0, needed: q === undefined ? 2 : 1 })
  }
  if (q !== undefined && q.rows === 0) throw embgeoError('ERR_EMPTY', 'queries has 0 rows; at least 1 is needed', { rows: 0, needed: 1 })
  const available = q === undefined ? c.rows - 1 : c.rows
  const why = q === undefined ? `corpus has ${c.rows} rows and each row's own index is excluded` : `corpus has ${c.rows} rows`
  const k = checkK(o.k, available, why)
  const neighbors = o.neighbors ?? Math.min(DEFAULT_NEIGHBORS[method], available)
  if (neighbors > available) {
    throw embgeoError('ERR_K_TOO_LARGE', `options.neighbors = ${neighbors} but only ${available} neighbours are available (${why})`, {
      k: neighbors,
      available,
    })
  }
  if (method === 'csls' && q !== undefined && neighbors > q.rows) {
    throw embgeoError(
      'ERR_K_TOO_LARGE',
      `options.neighbors = ${neighbors} but CSLS takes each corpus point's neighbours among the ${q.rows} queries; lower neighbors`,
      { k: neighbors, available: q.rows },
    )
  }
  return { c, q, params: { k, method, metric, neighbors }, run: o as RunOptions }
}

interface NativeReduced {
  k: number
  rows: number
  indices: Uint32Array
  distances: Float64Array
  before: Hubness
  after: Hubness
  widenedRows: number
  maxCandidates: number
}

function finishReduce(r: NativeReduced, params: ReduceHubnessResult['params']): ReduceHubnessResult {
  const base = knnResult(r, params.metric) as ReduceHubnessResult
  base.hubness = { before: r.before, after: r.after }
  base.params = params
  base.diagnostics = { widenedRows: r.widenedRows, maxCandidates: r.maxCandidates }
  return base
}

/**
 * Hubness reduction: the k nearest corpus rows of every query row (or of every corpus row, itself
 * excluded) under a secondary distance that removes hubs, with the k-occurrence skewness and
 * Robin Hood index before and after. Exact: the ranking is over the whole corpus, not only a
 * candidate list (candidates from the exact kNN engine are certified by a lower bound on every
 * farther point and widened when it fails). Time ≈ two exact kNN passes with `max(k, neighbors)`
 * neighbours + O(rows · neighbors log neighbors) (empiric MP: O(rows · neighbors²)).
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE (queries width), ERR_EMPTY, ERR_NON_FINITE,
 *   ERR_OUT_OF_RANGE (k, neighbors, unknown option), ERR_INVALID_ARG_VALUE (unknown method or
 *   metric; 'dot' with 'localScaling'/'nicdm'), ERR_K_TOO_LARGE (k or neighbors),
 *   ERR_DEGENERATE (a zero scale: more than `neighbors` identical points; zero row under cosine), ABORT_ERR
 */
export function reduceHubness(corpus: MatrixLike, options: ReduceHubnessOptions): Promise<ReduceHubnessResult> {
  return rejecting(() => {
    const p = prepareReduce('reduceHubness', corpus, options, RUN)
    const inputs = p.q === undefined ? ([p.c.data] as const) : ([p.c.data, p.q.data] as const)
    return runAsync(p.run, inputs, (control, [cd, qd]) => native().reduceHubness(cd, p.c.cols, qd, p.params, control)).then((r) =>
      finishReduce(r, p.params),
    )
  })
}

/** {@link reduceHubness} on the calling thread (blocks it; typed-array input is read in place). */
export function reduceHubnessSync(corpus: MatrixLike, options: ReduceHubnessOptions): ReduceHubnessResult {
  const p = prepareReduce('reduceHubness', corpus, options, SYNC_RUN)
  return finishReduce(
    runSync(() => native().reduceHubnessSync(p.c.data, p.c.cols, p.q?.data, p.params)),
    p.params,
  )
}

// ---------------------------------------------------------------------------- queryDifficulty

/** Options of {@link queryDifficulty}. */
export interface QueryDifficultyOptions extends RunOptions {
  /** Neighbours of the LID and the contrast (expansion uses 2k); integer ≥ 2, 2k ≤ corpus rows. Default 20. */
  k?: number
  /** Distance; default 'euclidean'. */
  metric?: 'euclidean' | 'sqeuclidean' | 'cosine'
}

/** Per-query difficulty: one value per query row in each array. */
export interface QueryDifficulty {
  /** Query LID: Levina–Bickel MLE of the k nearest corpus distances (scikit-dimension's MLE; 0 if a distance is 0). */
  lid: Float64Array
  /** Relative contrast at k (He et al. 2012): mean distance to the whole corpus / k-th neighbour distance (∞ if that is 0). */
  relativeContrast: Float64Array
  /** Expansion (Aumüller & Ceccarello 2019): 2k-th / k-th neighbour distance (NaN if both are 0). */
  expansion: Float64Array
  /** Every effective option. */
  params: { k: number; metric: 'euclidean' | 'sqeuclidean' | 'cosine' }
  /** Mean distance of each query to the corpus (the contrast's numerator). */
  diagnostics: { meanDistance: Float64Array }
}

const DIFFICULTY_OPTIONS: Constraints = { k: is.int(2), metric: is.oneOf('euclidean', 'sqeuclidean', 'cosine') }

function prepareDifficulty(fn: string, corpus: MatrixLike, queries: MatrixLike, options: QueryDifficultyOptions | undefined, run: Constraints) {
  const o = validateOptions<QueryDifficultyOptions>(fn, options, { ...DIFFICULTY_OPTIONS, ...run })
  const c: DenseMatrix = toMatrix('corpus', corpus)
  const q = alignQueries(c, queries)
  if (q.rows === 0) throw embgeoError('ERR_EMPTY', 'queries has 0 rows; at least 1 is needed', { rows: 0, needed: 1 })
  const k = o.k ?? 20
  if (2 * k > c.rows) {
    throw embgeoError('ERR_K_TOO_LARGE', `k = ${k} but expansion needs the 2k = ${2 * k} nearest and the corpus has ${c.rows} rows; lower k`, {
      k,
      available: Math.floor(c.rows / 2),
    })
  }
  return { c, q, params: { k, metric: o.metric ?? 'euclidean' }, run: o as RunOptions }
}

interface NativeDifficulty {
  lid: Float64Array
  relativeContrast: Float64Array
  expansion: Float64Array
  meanDistance: Float64Array
}

function finishDifficulty(r: NativeDifficulty, params: QueryDifficulty['params']): QueryDifficulty {
  return { lid: r.lid, relativeContrast: r.relativeContrast, expansion: r.expansion, params, diagnostics: { meanDistance: r.meanDistance } }
}

/**
 * Per-query difficulty of `queries` against `corpus` for nearest-neighbour search: query LID,
 * relative contrast and expansion (low LID, high contrast and expansion: an easy query). Exact:
 * one kNN search with 2k neighbours and one blocked pass over all query–corpus pairs for the mean
 * distance, O(q·n·d) time, O(q·k) memory.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE (widths differ), ERR_EMPTY, ERR_NON_FINITE,
 *   ERR_OUT_OF_RANGE (k not an integer ≥ 2, unknown option), ERR_INVALID_ARG_VALUE (metric),
 *   ERR_K_TOO_LARGE (2k > corpus rows), ERR_DEGENERATE (a query's k nearest distances all 0 or all
 *   equal; zero row under cosine), ABORT_ERR
 */
export function queryDifficulty(corpus: MatrixLike, queries: MatrixLike, options?: QueryDifficultyOptions): Promise<QueryDifficulty> {
  return rejecting(() => {
    const p = prepareDifficulty('queryDifficulty', corpus, queries, options, RUN)
    return runAsync(p.run, [p.c.data, p.q.data] as const, (control, [cd, qd]) =>
      native().queryDifficulty(cd, p.c.cols, qd, p.params, control),
    ).then((r) => finishDifficulty(r, p.params))
  })
}

/** {@link queryDifficulty} on the calling thread (blocks it; typed-array input is read in place). */
export function queryDifficultySync(corpus: MatrixLike, queries: MatrixLike, options?: QueryDifficultyOptions): QueryDifficulty {
  const p = prepareDifficulty('queryDifficulty', corpus, queries, options, SYNC_RUN)
  return finishDifficulty(
    runSync(() => native().queryDifficultySync(p.c.data, p.c.cols, p.q.data, p.params)),
    p.params,
  )
}
