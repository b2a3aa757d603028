/**
 * Intrinsic dimension (api.md "Intrinsic dimension"): thirteen global estimators with scikit-dimension
 * 0.5.0 / DADApy 0.3.4 defaults, a dispatcher, local ID, ID versus scale, the benchmark manifolds.
 * Every estimator is declared once, in the Rust registry (`crates/intdim/src/registry`); the option
 * interfaces and validation tables are generated from it (`src/generated/intdim-options.ts`). This file
 * validates with them, calls the one native entry `intdimRun[Sync]` and shapes the result.
 */
import type { CurveOut as NativeCurve, IdOut as NativeId } from '../binding.cjs'
import { embgeoError } from './errors.js'
import { INTDIM, type IntdimInfo } from './generated/intdim-options.js'
import type * as G from './generated/intdim-options.js'
import { toMatrix, type DenseMatrix, type MatrixLike } from './input.js'
import type { KnnResult } from './knn.js'
import { native } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { checkEnum, checkInteger, checkObject, checkValue, describe, is, RUN, validateOptions, type Constraints } from './validate.js'

export * as datasets from './datasets.js'
export type { BenchmarkManifold, BenchmarkManifoldOptions, ManifoldInfo, ManifoldName } from './datasets.js'
export type { TwoNNOptions, MleOptions, GrideOptions, LpcaOptions, CorrIntOptions, MomOptions, TleOptions } from './generated/intdim-options.js'
export type { MadaOptions, MindMlOptions, DancoOptions, EssOptions, FisherSOptions, KnnIdOptions, PhOptions } from './generated/intdim-options.js'

/** What to do with zero-distance neighbours (exact duplicates). */
export type DuplicatesPolicy = 'error' | 'drop' | 'keep'

/** How pointwise values are combined: harmonic mean, arithmetic mean or median. */
export type Aggregate = 'harmonic' | 'mean' | 'median'

/** Options every estimator takes (each ignores those it has no use for, see each function). */
export interface IdOptions extends RunOptions {
  /** Distance of the neighbour search; default 'euclidean'. Only for estimators that use neighbours, and PH's spanning tree. */
  metric?: 'euclidean' | 'cosine'
  /** Neighbours computed earlier by `knn(X, { k })` on this X (k large enough; f32 distances are widened). */
  neighbors?: KnnResult
  /**
   * Zero-distance neighbours: 'error' throws ERR_DUPLICATES, 'drop' removes duplicate rows,
   * 'keep' does what the reference does. Default per estimator (see each function); only
   * estimators with a policy accept it.
   */
  duplicates?: DuplicatesPolicy
  /** Seed of randomised estimators (DANCo, ESS, KNN, PH, TwoNN scaling); integer ≥ 0, default 0. Ignored elsewhere. */
  seed?: number
}

/** Options of estimators that have pointwise values. */
export interface PointwiseOption {
  /** Return the pointwise values in `IdResult.pointwise` (default false). */
  pointwise?: boolean
}

/** One intrinsic-dimension estimate. */
export interface IdResult {
  /** The estimator, as `estimateId`'s `method` spells it (e.g. 'twoNN'). */
  method: IdMethod
  /** The estimate, in dimensions (always finite). */
  dimension: number
  /** Standard error where the method defines one. */
  stderr?: number
  /** One value per used row (estimators with pointwise values, with `pointwise: true`). */
  pointwise?: Float64Array
  /** Rows given. */
  nSamples: number
  /** Rows that entered the estimate. */
  nUsed: number
  /** Rows removed as duplicates, and rows discarded by the method itself (e.g. TwoNN's largest ratios). */
  dropped: { duplicates: number; discarded: number }
  /** Every effective parameter, defaults included; `kClamped: true` when a default k was lowered to fit N. */
  params: Record<string, unknown>
  /** Auxiliary arrays, e.g. TwoNN `log_mu` and `neg_log_1m_f` for plotting. */
  diagnostics?: Record<string, Float64Array>
}

/** Estimator names of {@link estimateId} (the registry's, through the generated option interfaces). */
export type IdMethod = keyof G.IntdimOptions

/** {@link estimateId} options: `method` plus that estimator's options. */
export type EstimateIdOptions = { [M in IdMethod]: { method: M } & G.IntdimOptions[M] }[IdMethod]

/** {@link localId} options. */
export interface LocalIdOptions extends Omit<IdOptions, 'duplicates' | 'seed'> {
  /** The local estimator: 'mle', 'lid' (Hill/Amsaleg), 'mom', 'tle', 'mada', 'lpca' (FO) or 'ess'. */
  method: 'mle' | 'lid' | 'mom' | 'tle' | 'mada' | 'lpca' | 'ess'
  /** Neighbours per point; default 20 (more than N − 1 is ERR_K_TOO_LARGE). */
  k?: number
}

/** {@link idScaling} options. */
export type IdScalingOptions =
  | ({
      /** TwoNN on random subsets of sizes N, N/2, N/4, … (DADApy `return_id_scaling_2NN`); euclidean only. */
      method: 'twonn'
      /** Smallest subset size kept (sizes must exceed it); default 10, lowered to N − 1 for N ≤ 10. */
      nMin?: number
    } & Omit<G.TwoNNOptions, 'metric' | 'neighbors'>)
  | ({
      /** GRIDE at doubling neighbour orders (DADApy `return_id_scaling_gride`). */
      method: 'gride'
      /** Largest neighbour order; default 64 (clamped to N − 1; a larger given value is ERR_K_TOO_LARGE). */
      rangeMax?: number
    } & Omit<G.GrideOptions, 'n1' | 'n2'>)

/** An ID-versus-scale curve. */
export interface IdScalingResult {
  method: 'twonn' | 'gride'
  /** Mean neighbour distance of each scale (DADApy's `rs`). */
  scales: Float64Array
  /** ID per scale. */
  dimensions: Float64Array
  /** Error bar per scale (standard error over subsets, or 1/√Fisher information). */
  stderr: Float64Array
  /** Subset size (twonn) or neighbour order n₂ (gride) of each scale. */
  sizes: Float64Array
}

// ---------------------------------------------------------------------------------------------
// Validation and the native call

const METHODS = Object.keys(INTDIM).filter((n) => !n.includes(':') && n !== 'localId') as IdMethod[]

type NativeNeighbors = { k: number; rows: number; indices: Uint32Array; distances: Float64Array }

/** A validated call: the matrix, the registry name, the options for the binding, the neighbour source, whether to return pointwise values. */
type Prepared = { m: DenseMatrix; name: string; options: Record<string, unknown>; metric: 'euclidean' | 'cosine'; uses: boolean } & {
  nb: NativeNeighbors | undefined
  pointwise: boolean
}

/** Validate `neighbors` against X; returns the native form (copied, distances in f64) and its metric. */
function checkNeighbors(v: unknown, rows: number): { nb: NativeNeighbors; metric: string } {
  const nb = v as Partial<KnnResult> | null
  if (nb === null || typeof nb !== 'object' || !(nb.indices instanceof Uint32Array) || !(nb.distances instanceof Float32Array || nb.distances instanceof Float64Array)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.neighbors must be a KnnResult from knn(X, { k }) on the same X')
  }
  const k = checkInteger('options.neighbors.k', nb.k, 1)
  const nrows = checkInteger('options.neighbors.rows', nb.rows, 0)
  if (nrows !== rows) {
    throw embgeoError('ERR_SHAPE', `options.neighbors has ${nrows} rows but X has ${rows}; pass knn(X, { k }) of this X (without queries)`, { expected: rows, actual: nrows })
  }
  if (nb.indices.length !== nrows * k || nb.distances.length !== nrows * k) {
    throw embgeoError('ERR_SHAPE', `options.neighbors arrays must hold rows * k = ${nrows * k} values; got ${nb.indices.length} indices and ${nb.distances.length} distances`)
  }
  const metric = nb.metric ?? 'euclidean'
  if (metric !== 'euclidean' && metric !== 'cosine') {
    throw embgeoError('ERR_OUT_OF_RANGE', `options.neighbors.metric must be 'euclidean' or 'cosine' for intrinsic dimension; got '${String(metric)}'`)
  }
  return { nb: { k, rows: nrows, indices: nb.indices.slice(), distances: Float64Array.from(nb.distances) }, metric }
}

/**
 * Validate the options of registry estimator `name` (`fn` names the public function in messages):
 * the generated table plus the options every call takes; `skip` names keys consumed by the caller.
 */
function prepare(fn: string, name: string, X: MatrixLike, options: unknown, skip = '', seed = true): Prepared {
  const info: IntdimInfo = INTDIM[name]!
  const given = { ...checkObject('options', options as object | undefined) } as Record<string, unknown>
  if (skip) delete given[skip]
  const m = toMatrix('X', X)
  const table: Constraints = {
    ...info.options,
    metric: is.oneOf('euclidean', 'cosine'),
    neighbors: is.custom,
    ...(seed ? { seed: is.int(0) } : {}),
    ...(info.pointwise ? { pointwise: is.bool } : {}),
    ...RUN,
  }
  if (given.duplicates !== undefined && info.options.duplicates === undefined) {
    checkValue('options.duplicates', given.duplicates, is.oneOf('error', 'drop', 'keep'))
    throw embgeoError('ERR_OUT_OF_RANGE', `${fn} has no duplicates policy (options.duplicates); remove it`, { name: 'duplicates' })
  }
  if (given.pointwise !== undefined && !info.pointwise) {
    throw embgeoError('ERR_OUT_OF_RANGE', `${fn} has no pointwise values (options.pointwise); remove it`, { name: 'pointwise' })
  }
  const o = validateOptions<Record<string, unknown>>(fn, given, table)
  const uses = info.neighbors === true || (typeof info.neighbors === 'string' && o[info.neighbors] !== undefined)
  let metric = (o.metric ?? 'euclidean') as 'euclidean' | 'cosine'
  if (!uses && !('metric' in info.options) && metric !== 'euclidean') throw embgeoError('ERR_OUT_OF_RANGE', `${fn} uses no neighbours here, so options.metric '${metric}' does not apply; remove it`)
  let nb: NativeNeighbors | undefined
  if (o.neighbors !== undefined) {
    if (!uses) throw embgeoError('ERR_OUT_OF_RANGE', `${fn} uses no neighbours here, so options.neighbors does not apply; remove it`)
    const checked = checkNeighbors(o.neighbors, m.rows)
    if (o.metric !== undefined && checked.metric !== metric) {
      throw embgeoError('ERR_OUT_OF_RANGE', `options.metric is '${metric}' but options.neighbors were computed with '${checked.metric}'`)
    }
    metric = checked.metric as 'euclidean' | 'cosine'
    nb = checked.nb
  }
  if (m.rows < info.minRows) {
    throw embgeoError('ERR_EMPTY', `X has ${m.rows} rows; ${fn} needs at least ${info.minRows}`, { rows: m.rows, needed: info.minRows })
  }
  const native: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) if (k in info.options) native[k] = v
  if (uses) native.metric = metric
  return { m, name, options: native, metric, uses, nb, pointwise: o.pointwise === true }
}

function asId(r: NativeId | NativeCurve): NativeId {
  if ('scales' in r) throw embgeoError('ERR_INTERNAL', 'internal error: an estimator returned a curve. This is a bug in embgeo; please report it.')
  return r
}

function finish(p: Prepared, raw: NativeId | NativeCurve): IdResult {
  const r = asId(raw)
  const stderr = r.stderr ?? undefined
  if (!Number.isFinite(r.dimension) || (stderr !== undefined && !Number.isFinite(stderr))) {
    throw embgeoError('ERR_DEGENERATE', `${r.method} produced a non-finite estimate (${r.dimension} ± ${stderr}); the data are degenerate for this estimator`)
  }
  const params: Record<string, unknown> = { ...r.params }
  if (p.uses) {
    params.metric = p.metric
    params.neighbors = p.nb === undefined ? 'computed' : 'given'
  }
  const out: IdResult = { method: r.method as IdMethod, dimension: r.dimension, nSamples: r.nSamples, nUsed: r.nUsed, dropped: { duplicates: r.droppedDuplicates, discarded: r.discarded }, params }
  if (stderr !== undefined) out.stderr = stderr
  if (p.pointwise && r.pointwise) out.pointwise = r.pointwise
  if (r.diagnosticNames.length > 0) out.diagnostics = Object.fromEntries(r.diagnosticNames.map((n, i) => [n, r.diagnosticValues[i]!]))
  return out
}

function callSync(p: Prepared): NativeId | NativeCurve {
  return runSync(() => native().intdimRunSync(p.m.data, p.m.cols, p.name, p.options, p.nb))
}

function callAsync(p: Prepared, options: unknown): Promise<NativeId | NativeCurve> {
  const o = (options ?? {}) as RunOptions
  return runAsync({ signal: o.signal, onProgress: o.onProgress, copy: o.copy }, [p.m.data] as const, (control, [d]) =>
    native().intdimRun(d, p.m.cols, p.name, p.options, p.nb, control),
  )
}

type Twin<O> = readonly [(X: MatrixLike, options?: O) => Promise<IdResult>, (X: MatrixLike, options?: O) => IdResult]

/** The async and sync functions of registry estimator `name`. */
function twin<M extends IdMethod>(name: M): Twin<G.IntdimOptions[M]> {
  return [
    (X, options) => rejecting(() => {
      const p = prepare(name, name, X, options)
      return callAsync(p, options).then((r) => finish(p, r))
    }),
    (X, options) => {
      const p = prepare(name, name, X, options)
      return finish(p, callSync(p))
    },
  ]
}

const TWINS = Object.fromEntries(METHODS.map((m) => [m, twin(m)])) as unknown as { readonly [M in IdMethod]: Twin<G.IntdimOptions[M]> }

// ---------------------------------------------------------------------------------------------
// Estimators (each: async on embgeo's pool, `…Sync` on the calling thread). Errors of all:
// ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE,
// ERR_OUT_OF_RANGE, ERR_DEGENERATE, ABORT_ERR; neighbour-based ones also ERR_K_TOO_LARGE and,
// with a duplicates policy, ERR_DUPLICATES. A k the caller gives beyond N − 1 is
// ERR_K_TOO_LARGE; a default beyond it is clamped and reported as `params.kClamped`.

/**
 * TwoNN (Facco et al. 2017): the ratio of second to first neighbour distance is Pareto(1, d).
 * Defaults = scikit-dimension 0.5.0 `TwoNN()`: regression through the origin after discarding the
 * 10 % largest ratios; duplicates 'keep' (rows with r₁ = 0 excluded, counted in `dropped.duplicates`).
 * Diagnostics `log_mu`, `neg_log_1m_f` (regression), `scale`. X: n × d, n ≥ 3.
 */
export const [twoNN, twoNNSync] = TWINS.twoNN
/** Levina–Bickel MLE, harmonic-mean aggregation (scikit-dimension `MLE`). Defaults k = 20, duplicates 'error'. */
export const [mle, mleSync] = TWINS.mle
/** GRIDE (Denti et al. 2022, DADApy `compute_id_gride`) at one scale n₁, n₂ = 2·n₁; `stderr` from the Fisher information. */
export const [gride, grideSync] = TWINS.gride
/** PCA ID (scikit-dimension `lPCA`): one global PCA, or with `k` each point's neighbourhood, averaged. Diagnostics `explained_variance`, `gaps`. */
export const [lpca, lpcaSync] = TWINS.lpca
/** Correlation dimension (Grassberger–Procaccia; scikit-dimension `CorrInt`) between the median k1-th and k2-th radii; O(N²·d). */
export const [corrInt, corrIntSync] = TWINS.corrInt
/** Method of moments (Amsaleg et al.; scikit-dimension `MOM`). Defaults k = 100, aggregate 'mean', duplicates 'keep'. */
export const [mom, momSync] = TWINS.mom
/** Tight local estimator (Amsaleg et al. 2019; scikit-dimension `TLE`). Defaults k = 20, epsilon 1e-4. */
export const [tle, tleSync] = TWINS.tle
/** Manifold-adaptive dimension (Farahmand et al. 2007; scikit-dimension `MADA`), zero distances skipped as the reference. */
export const [mada, madaSync] = TWINS.mada
/** MiND_ML (Lombardi et al. 2011; scikit-dimension `MiND_ML`). Defaults k = 20, maxDim 10, version 'MLk'. */
export const [mindMl, mindMlSync] = TWINS.mindMl
/** DANCo (Ceruti et al. 2014; scikit-dimension `DANCo`), calibration balls sampled with `seed`. Costly: up to maxDim balls of N points. */
export const [danco, dancoSync] = TWINS.danco
/** Expected simplex skewness (Johnsson et al. 2015; scikit-dimension `ESS`); groups sampled with `seed` when C(k, d+1) > 5000. */
export const [ess, essSync] = TWINS.ess
/** Fisher separability (Albergante et al. 2019; scikit-dimension `FisherS`); no neighbours. Diagnostics `alphas`, `n_alpha`, `p_alpha_mean`, `separable_fraction`. */
export const [fisherS, fisherSSync] = TWINS.fisherS
/** Carter's kNN-graph length estimator (scikit-dimension `KNN`), an integer in 1..d, on random samples drawn with `seed`. */
export const [knnId, knnIdSync] = TWINS.knnId
/**
 * Persistent-homology dimension (Schweinhart 2020; scikit-dimension `PH`): d = α / (1 − slope) of the log
 * α-weighted exact-MST length of seeded subsamples against log size. O(subsamples · Σ size² · d); memory O(N).
 */
export const [ph, phSync] = TWINS.ph

/** Resolve a method name: the function names, case-insensitively, underscores ignored ('twonn', 'mind_ml', 'knn'). */
function resolve(options: unknown): { method: IdMethod; rest: Record<string, unknown> } {
  const { method, ...rest } = checkObject('options', options as object | undefined) as Record<string, unknown>
  const names = METHODS.map((m) => `'${m}'`).join(', ')
  if (options === undefined || method === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', `options.method is required: one of ${names}`)
  if (typeof method !== 'string') throw embgeoError('ERR_INVALID_ARG_TYPE', `options.method must be a string; got ${describe(method)}`, { name: 'options.method' })
  const key = method.toLowerCase().replace(/_/g, '')
  const found = METHODS.find((m) => m.toLowerCase() === key || (key === 'knn' && m === 'knnId'))
  if (found === undefined) throw embgeoError('ERR_INVALID_ARG_VALUE', `options.method must be one of ${names}; got '${method}'`, { name: 'options.method', value: method })
  return { method: found, rest }
}

/**
 * Any estimator by name: `estimateId(X, { method: 'mle', k: 10 })` equals `mle(X, { k: 10 })`.
 * @throws ERR_INVALID_ARG_TYPE (no method), ERR_INVALID_ARG_VALUE (unknown method), and the estimator's own errors
 */
export function estimateId(X: MatrixLike, options: EstimateIdOptions): Promise<IdResult> {
  return rejecting(() => {
    const { method, rest } = resolve(options)
    return (TWINS[method][0] as Twin<object>[0])(X, rest)
  })
}

/** {@link estimateId} on the calling thread (blocks it). */
export function estimateIdSync(X: MatrixLike, options: EstimateIdOptions): IdResult {
  const { method, rest } = resolve(options)
  return (TWINS[method][1] as Twin<object>[1])(X, rest)
}

// ---------------------------------------------------------------------------------------------
// Local ID and ID versus scale

function prepareLocal(X: MatrixLike, options: LocalIdOptions): Prepared {
  if (options === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', "options is required: { method, k }, e.g. { method: 'mle', k: 20 }")
  const o = checkObject('options', options) as unknown as Record<string, unknown>
  if (o.method === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', "options.method is required: 'mle', 'lid', 'mom', 'tle', 'mada', 'lpca' or 'ess'")
  if (o.seed !== undefined) throw embgeoError('ERR_OUT_OF_RANGE', 'localId takes neither seed nor duplicates (zero distances are kept, as the reference; rows whose value is undefined throw ERR_DUPLICATES)')
  return prepare('localId', 'localId', X, options, '', false)
}

function finishLocal(raw: NativeId | NativeCurve): Float64Array {
  const r = asId(raw)
  if (!r.pointwise) throw embgeoError('ERR_INTERNAL', 'internal error: local ID without values. This is a bug in embgeo; please report it.')
  return r.pointwise
}

/**
 * Pointwise (local) intrinsic dimension of every row from its own k nearest neighbours, with the
 * estimator's reference defaults otherwise: 'mle' (Levina–Bickel), 'lid' (Amsaleg's MLE, k/Σ),
 * 'mom', 'tle', 'mada', 'lpca' (Fukunaga–Olsen) or 'ess'. Default k = 20.
 *
 * @returns one value per row.
 * @throws ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES (a row's value undefined because of a zero distance), ERR_DEGENERATE, ABORT_ERR
 */
export function localId(X: MatrixLike, options: LocalIdOptions & RunOptions): Promise<Float64Array> {
  return rejecting(() => {
    const p = prepareLocal(X, options)
    return callAsync(p, options).then(finishLocal)
  })
}

/** {@link localId} on the calling thread (blocks it). */
export function localIdSync(X: MatrixLike, options: LocalIdOptions): Float64Array {
  return finishLocal(callSync(prepareLocal(X, options)))
}

function prepareScaling(X: MatrixLike, options: IdScalingOptions | undefined): Prepared {
  const o = checkObject('options', options) as { method?: unknown }
  if (options === undefined || o.method === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', "options.method is required: 'twonn' or 'gride'")
  const method = checkEnum('options.method', o.method, ['twonn', 'gride'] as const)
  return prepare(`idScaling ${method}`, `idScaling:${method}`, X, options, 'method')
}

function finishScaling(raw: NativeId | NativeCurve): IdScalingResult {
  if (!('scales' in raw)) throw embgeoError('ERR_INTERNAL', 'internal error: idScaling without a curve. This is a bug in embgeo; please report it.')
  return { method: raw.method as 'twonn' | 'gride', scales: raw.scales, dimensions: raw.dimensions, stderr: raw.stderr, sizes: raw.sizes }
}

/**
 * Intrinsic dimension versus scale, with error bars. 'twonn': TwoNN on random subsets of sizes
 * N, N/2, N/4, … > nMin (DADApy `return_id_scaling_2NN`; subsets from `seed`; euclidean only);
 * 'gride': GRIDE at neighbour orders 1, 2, 4, … up to rangeMax (DADApy
 * `return_id_scaling_gride`; default rangeMax 64, duplicates 'error').
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES, ERR_DEGENERATE, ABORT_ERR
 */
export function idScaling(X: MatrixLike, options: IdScalingOptions): Promise<IdScalingResult> {
  return rejecting(() => {
    const p = prepareScaling(X, options)
    return callAsync(p, options).then(finishScaling)
  })
}

/** {@link idScaling} on the calling thread (blocks it). */
export function idScalingSync(X: MatrixLike, options: IdScalingOptions): IdScalingResult {
  return finishScaling(callSync(prepareScaling(X, options)))
}
