/**
 * Intrinsic dimension (api.md "Intrinsic dimension"): thirteen global estimators with
 * scikit-dimension 0.5.0 / DADApy 0.3.4 defaults, a dispatcher, pointwise (local) ID, ID versus
 * scale, and the benchmark manifolds (`datasets`).
 *
 * Options are validated here (types and ranges, ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE); the
 * native job maps them onto the Rust crate's `Params` (defaults = the references') and the crate
 * re-checks its preconditions.
 */
import { embgeoError } from './errors.js'
import { checkInteger, checkOptions, toMatrix, type DenseMatrix, type MatrixLike } from './input.js'
import type { KnnResult } from './knn.js'
import { native } from './native.js'
import { runAsync, runSync, type RunOptions } from './run.js'

export * as datasets from './datasets.js'
export type { BenchmarkManifold, BenchmarkManifoldOptions, ManifoldInfo, ManifoldName } from './datasets.js'

/** What to do with zero-distance neighbours (exact duplicates). */
export type DuplicatesPolicy = 'error' | 'drop' | 'keep'

/** How pointwise values are combined: harmonic mean, arithmetic mean or median. */
export type Aggregate = 'harmonic' | 'mean' | 'median'

/** Options every estimator takes (each ignores those it has no use for, see each function). */
export interface IdOptions extends RunOptions {
  /** Distance of the neighbour search; default 'euclidean'. Only for estimators that use neighbours. */
  metric?: 'euclidean' | 'cosine'
  /** Neighbours computed earlier by `knn(X, { k })` on this X (k large enough; f32 distances are widened). */
  neighbors?: KnnResult
  /**
   * Zero-distance neighbours: 'error' throws ERR_DUPLICATES, 'drop' removes duplicate rows,
   * 'keep' does what the reference does. Default per estimator (see each function); only
   * estimators with a policy accept it.
   */
  duplicates?: DuplicatesPolicy
  /** Seed of randomised estimators (DANCo, ESS, KNN, TwoNN scaling); integer ≥ 0, default 0. Ignored elsewhere. */
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
  /** Every effective parameter, defaults included. */
  params: Record<string, unknown>
  /** Auxiliary arrays, e.g. TwoNN `log_mu` and `neg_log_1m_f` for plotting. */
  diagnostics?: Record<string, Float64Array>
}

/** {@link twoNN} options (scikit-dimension `TwoNN`, DADApy `compute_id_2NN`). */
export interface TwoNNOptions extends IdOptions {
  /** Fraction of the largest ratios discarded, in [0, 1); default 0.1 (0 needs `estimator: 'mle'` or 'bayes'). */
  discardFraction?: number
  /** 'regression' (default, Facco et al.), 'mle' (censored unbiased MLE) or 'bayes' (Gamma prior, DADApy). */
  estimator?: 'regression' | 'mle' | 'bayes'
  /** Gamma prior shape of 'bayes'; default 2. */
  priorAlpha?: number
  /** Gamma prior rate of 'bayes'; default 5. */
  priorBeta?: number
  /** 'bayes': posterior mean (default true) or mode. */
  posteriorMean?: boolean
}

/** {@link mle} options (Levina–Bickel; MacKay–Ghahramani harmonic aggregation). */
export interface MleOptions extends IdOptions, PointwiseOption {
  /** Neighbours per point, ≥ 2; default 20 (clamped to N − 1 like the reference). */
  k?: number
  /** Default 'harmonic' (scikit-dimension `fit().dimension_`). */
  aggregate?: Aggregate
  /** 'levinaBickel' (k − 1, default), 'unbiased' (k − 2) or 'hill' (k, Amsaleg's LID). */
  normalization?: 'levinaBickel' | 'unbiased' | 'hill'
  /** Also return smoothed pointwise values as diagnostic `pointwise_smooth`; default false. */
  smooth?: boolean
  /** false: pool distinct distances of `globalK` neighbours (scikit-dimension `neighborhood_based=False`); default true. */
  neighborhoodBased?: boolean
  /** Neighbours pooled when `neighborhoodBased` is false; default 5. */
  globalK?: number
}

/** {@link gride} options (DADApy `compute_id_gride`, one scale). */
export interface GrideOptions extends IdOptions {
  /** Lower neighbour order, ≥ 1; default 1. */
  n1?: number
  /** Upper neighbour order, > n1; default 2·n1. */
  n2?: number
  /** Bisection interval start; default 0.001. */
  d0?: number
  /** Bisection interval end; default 1000. */
  d1?: number
  /** Bisection tolerance; default 1e-7. */
  eps?: number
}

/** {@link lpca} options (scikit-dimension `lPCA`). */
export interface LpcaOptions extends IdOptions, PointwiseOption {
  /** Rule turning the spectrum into a dimension; default 'FO' (Fukunaga–Olsen). */
  version?: 'FO' | 'fan' | 'maxgap' | 'ratio' | 'participationRatio' | 'kaiser' | 'brokenStick'
  /** Neighbourhood size: the version applied to each point's k nearest neighbours (`fit_pw`), dimension = their mean. Omitted: one global PCA. */
  k?: number
  /** α of 'ratio'; default 0.05. */
  alphaRatio?: number
  /** α of 'FO'; default 0.05. */
  alphaFo?: number
  /** Gap threshold of 'fan'; default 10. */
  alphaFan?: number
  /** Cumulative threshold of 'fan'; default 0.8. */
  betaFan?: number
  /** Noise-variance cut of 'fan'; default 0.95. */
  pFan?: number
  /** Centre the data; default true. */
  center?: boolean
  /** scikit-dimension ≤ 0.3 broken-stick rule; default false. */
  legacyBrokenStick?: boolean
}

/** {@link corrInt} options (Grassberger–Procaccia correlation integral). */
export interface CorrIntOptions extends IdOptions {
  /** Neighbour order of the small radius; default 10. */
  k1?: number
  /** Neighbour order of the large radius; default 20. */
  k2?: number
}

/** {@link mom} options (method of moments). */
export interface MomOptions extends IdOptions, PointwiseOption {
  /** Neighbours per point, ≥ 2; default 100 (clamped to N − 1). */
  k?: number
  /** Default 'mean'. */
  aggregate?: Aggregate
}

/** {@link tle} options (tight local estimator). */
export interface TleOptions extends IdOptions, PointwiseOption {
  /** Neighbours per point, ≥ 2; default 20 (clamped to N − 1). */
  k?: number
  /** Absolute distance threshold ε; default 1e-4. */
  epsilon?: number
  /** Default 'mean'. */
  aggregate?: Aggregate
  /** scikit-dimension 0.3.x ε handling; default false. */
  legacyEpsilonQuirk?: boolean
}

/** {@link mada} options (manifold-adaptive dimension). */
export interface MadaOptions extends IdOptions, PointwiseOption {
  /** Neighbour order, ≥ 2; default 20 (clamped to N − 1). */
  k?: number
  /** Default 'mean'. */
  aggregate?: Aggregate
}

/** {@link mindMl} options (MiND_ML). */
export interface MindMlOptions extends IdOptions {
  /** k of the likelihood (ρ uses the (k+1)-th neighbour); default 20. */
  k?: number
  /** Largest dimension considered; default 10. */
  maxDim?: number
  /** 'MLk' (continuous, default) or 'MLi' (integer). */
  version?: 'MLk' | 'MLi'
  /** Return the exact maximiser instead of the reference optimizer's value; default false. */
  exactMaximiser?: boolean
}

/** {@link danco} options (DANCo). */
export interface DancoOptions extends IdOptions {
  /** Neighbourhood size; default 10. */
  k?: number
  /** Largest candidate dimension; default the number of columns. */
  maxDim?: number
  /** Refine on a spline of the KL curve; default true. */
  fractal?: boolean
  /** Calibrate d̂ with D = 2m + 5 (R original) instead of the reference's k; default false. */
  fixCalibrationDmax?: boolean
}

/** {@link ess} options (expected simplex skewness). */
export interface EssOptions extends IdOptions, PointwiseOption {
  /** 'a' (volume, default) or 'b' (projection, d = 1 only). */
  version?: 'a' | 'b'
  /** Simplex dimension; default 1. */
  d?: number
  /** Neighbours per point; default 100 (clamped to N − 1). */
  k?: number
  /** Default 'mean'. */
  aggregate?: Aggregate
}

/** {@link fisherS} options (Fisher separability). */
export interface FisherSOptions extends IdOptions {
  /** Keep principal components with λⱼ/λ₁ > 1/conditionalNumber; default 10. */
  conditionalNumber?: number
  /** Project the whitened points onto the unit sphere; default true. */
  projectOnSphere?: boolean
  /** Margins α in (0, 1), ascending; default 0.6, 0.62, …, 0.98. */
  alphas?: readonly number[]
  /** Clip the result to the number of columns; default false. */
  limitMaxdim?: boolean
}

/** {@link knnId} options (Carter's kNN-graph length estimator). */
export interface KnnIdOptions extends IdOptions {
  /** Neighbours in the graph; default 2. */
  k?: number
  /** Sample sizes, each in (k, N]; default k+1 … k+4. */
  ps?: readonly number[]
  /** Repetitions per sample size; default 1. */
  m?: number
  /** Edge-length exponent γ; default 2. */
  gamma?: number
}

/** Estimator names of {@link estimateId}. */
export type IdMethod =
  | 'twoNN'
  | 'mle'
  | 'gride'
  | 'lpca'
  | 'corrInt'
  | 'mom'
  | 'tle'
  | 'mada'
  | 'mindMl'
  | 'danco'
  | 'ess'
  | 'fisherS'
  | 'knnId'

/** {@link estimateId} options: `method` plus that estimator's options. */
export type EstimateIdOptions =
  | ({ method: 'twoNN' } & TwoNNOptions)
  | ({ method: 'mle' } & MleOptions)
  | ({ method: 'gride' } & GrideOptions)
  | ({ method: 'lpca' } & LpcaOptions)
  | ({ method: 'corrInt' } & CorrIntOptions)
  | ({ method: 'mom' } & MomOptions)
  | ({ method: 'tle' } & TleOptions)
  | ({ method: 'mada' } & MadaOptions)
  | ({ method: 'mindMl' } & MindMlOptions)
  | ({ method: 'danco' } & DancoOptions)
  | ({ method: 'ess' } & EssOptions)
  | ({ method: 'fisherS' } & FisherSOptions)
  | ({ method: 'knnId' } & KnnIdOptions)

/** {@link localId} options. */
export interface LocalIdOptions extends Omit<IdOptions, 'duplicates' | 'seed'> {
  /** The local estimator: 'mle', 'lid' (Hill/Amsaleg), 'mom', 'tle', 'mada', 'lpca' (FO) or 'ess'. */
  method: 'mle' | 'lid' | 'mom' | 'tle' | 'mada' | 'lpca' | 'ess'
  /** Neighbours per point; default 20. */
  k?: number
}

/** {@link idScaling} options. */
export type IdScalingOptions =
  | ({
      /** TwoNN on random subsets of sizes N, N/2, N/4, … (DADApy `return_id_scaling_2NN`); euclidean only. */
      method: 'twonn'
      /** Smallest subset size kept (sizes must exceed it); default 10. */
      nMin?: number
    } & Omit<TwoNNOptions, 'metric' | 'neighbors'>)
  | ({
      /** GRIDE at doubling neighbour orders (DADApy `return_id_scaling_gride`). */
      method: 'gride'
      /** Largest neighbour order; default 64. */
      rangeMax?: number
    } & Omit<GrideOptions, 'n1' | 'n2'>)

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
// Option specifications

type Spec =
  | { kind: 'int'; min: number; max?: number }
  | { kind: 'number'; min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean }
  | { kind: 'bool' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'numbers'; min?: number; max?: number; open?: boolean }
  | { kind: 'ints'; min: number }

interface Estimator {
  /** Method name of the native job. */
  native: string
  /** Needs neighbours (metric and neighbors apply). */
  neighbors: boolean | ((o: Record<string, unknown>) => boolean)
  /** Has a duplicates policy. */
  duplicates: boolean
  /** Has pointwise values. */
  pointwise: boolean
  /** Minimum rows checked up front (the crate checks too). */
  minRows: number
  options: Readonly<Record<string, Spec>>
}

const int = (min: number, max?: number): Spec => (max === undefined ? { kind: 'int', min } : { kind: 'int', min, max })
const pos: Spec = { kind: 'number', min: 0, minOpen: true }
const unit: Spec = { kind: 'number', min: 0, max: 1, minOpen: true, maxOpen: true }
const bool: Spec = { kind: 'bool' }
const oneOf = (...values: string[]): Spec => ({ kind: 'enum', values })
const AGG = oneOf('harmonic', 'mean', 'median')

const TWONN_OPTIONS: Record<string, Spec> = {
  discardFraction: { kind: 'number', min: 0, max: 1, maxOpen: true },
  estimator: oneOf('regression', 'mle', 'bayes'),
  priorAlpha: pos,
  priorBeta: pos,
  posteriorMean: bool,
}
const GRIDE_BISECTION: Record<string, Spec> = { d0: pos, d1: pos, eps: pos }

const ESTIMATORS: Readonly<Record<IdMethod, Estimator>> = {
  twoNN: { native: 'twonn', neighbors: true, duplicates: true, pointwise: false, minRows: 3, options: TWONN_OPTIONS },
  mle: {
    native: 'mle',
    neighbors: true,
    duplicates: true,
    pointwise: true,
    minRows: 3,
    options: {
      k: int(2),
      aggregate: AGG,
      normalization: oneOf('levinaBickel', 'unbiased', 'hill'),
      smooth: bool,
      neighborhoodBased: bool,
      globalK: int(2),
    },
  },
  gride: {
    native: 'gride',
    neighbors: true,
    duplicates: true,
    pointwise: false,
    minRows: 3,
    options: { n1: int(1), n2: int(2), ...GRIDE_BISECTION },
  },
  lpca: {
    native: 'lpca',
    neighbors: (o) => o.k !== undefined,
    duplicates: false,
    pointwise: true,
    minRows: 2,
    options: {
      version: oneOf('FO', 'fan', 'maxgap', 'ratio', 'participationRatio', 'kaiser', 'brokenStick'),
      k: int(2),
      alphaRatio: unit,
      alphaFo: unit,
      alphaFan: pos,
      betaFan: unit,
      pFan: unit,
      center: bool,
      legacyBrokenStick: bool,
    },
  },
  corrInt: { native: 'corrint', neighbors: true, duplicates: false, pointwise: false, minRows: 3, options: { k1: int(1), k2: int(2) } },
  mom: { native: 'mom', neighbors: true, duplicates: true, pointwise: true, minRows: 3, options: { k: int(2), aggregate: AGG } },
  tle: {
    native: 'tle',
    neighbors: true,
    duplicates: true,
    pointwise: true,
    minRows: 3,
    options: { k: int(2), epsilon: { kind: 'number', min: 0 }, aggregate: AGG, legacyEpsilonQuirk: bool },
  },
  mada: { native: 'mada', neighbors: true, duplicates: true, pointwise: true, minRows: 3, options: { k: int(2), aggregate: AGG } },
  mindMl: {
    native: 'mind_ml',
    neighbors: true,
    duplicates: true,
    pointwise: false,
    minRows: 3,
    options: { k: int(1), maxDim: int(1), version: oneOf('MLk', 'MLi'), exactMaximiser: bool },
  },
  danco: {
    native: 'danco',
    neighbors: true,
    duplicates: true,
    pointwise: false,
    minRows: 3,
    options: { k: int(1), maxDim: int(1), fractal: bool, fixCalibrationDmax: bool },
  },
  ess: {
    native: 'ess',
    neighbors: true,
    duplicates: false,
    pointwise: true,
    minRows: 3,
    options: { version: oneOf('a', 'b'), d: int(1), k: int(2), aggregate: AGG },
  },
  fisherS: {
    native: 'fishers',
    neighbors: false,
    duplicates: false,
    pointwise: false,
    minRows: 2,
    options: {
      conditionalNumber: pos,
      projectOnSphere: bool,
      alphas: { kind: 'numbers', min: 0, max: 1, open: true },
      limitMaxdim: bool,
    },
  },
  knnId: {
    native: 'knn',
    neighbors: false,
    duplicates: false,
    pointwise: false,
    minRows: 3,
    options: { k: int(1), ps: { kind: 'ints', min: 2 }, m: int(1), gamma: pos },
  },
}

const METHODS = Object.keys(ESTIMATORS) as IdMethod[]

/** Public spelling of each crate method name. */
const PUBLIC_NAME: Readonly<Record<string, IdMethod>> = Object.fromEntries(METHODS.map((m) => [ESTIMATORS[m].native, m]))

/** Keys every call accepts (validated separately). */
const COMMON = new Set(['metric', 'neighbors', 'duplicates', 'seed', 'pointwise', 'signal', 'onProgress'])

/** Param keys of the crate renamed to the option names. */
const PARAM_NAMES: Readonly<Record<string, string>> = { D: 'maxDim', PFan: 'pFan', alphaFO: 'alphaFo', M: 'm' }

function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`
  if (Array.isArray(v)) return `an array of length ${v.length}`
  return `${typeof v} ${String(v)}`
}

function checkNumber(name: string, v: unknown, s: { min?: number; max?: number; minOpen?: boolean; maxOpen?: boolean }): number {
  if (typeof v !== 'number') throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a number; got ${describeValue(v)}`, { name })
  const lo = s.min === undefined || (s.minOpen ? v > s.min : v >= s.min)
  const hi = s.max === undefined || (s.maxOpen ? v < s.max : v <= s.max)
  if (!Number.isFinite(v) || !lo || !hi) {
    const parts: string[] = []
    if (s.min !== undefined) parts.push(`${s.minOpen ? '>' : '>='} ${s.min}`)
    if (s.max !== undefined) parts.push(`${s.maxOpen ? '<' : '<='} ${s.max}`)
    throw embgeoError('ERR_OUT_OF_RANGE', `${name} must be a finite number${parts.length ? ' ' + parts.join(' and ') : ''}; got ${v}`, { name, value: v })
  }
  return v
}

function checkSpec(name: string, v: unknown, s: Spec): unknown {
  switch (s.kind) {
    case 'int':
      return checkInteger(name, v, s.min, s.max)
    case 'number':
      return checkNumber(name, v, s)
    case 'bool':
      if (typeof v !== 'boolean') throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a boolean; got ${describeValue(v)}`, { name })
      return v
    case 'enum':
      if (typeof v !== 'string') throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a string; got ${describeValue(v)}`, { name })
      if (!s.values.includes(v)) {
        throw embgeoError('ERR_OUT_OF_RANGE', `${name} must be one of ${s.values.map((x) => `'${x}'`).join(', ')}; got '${v}'`, { name })
      }
      return v
    case 'numbers':
    case 'ints': {
      if (!Array.isArray(v) && !(v instanceof Float64Array) && !(v instanceof Float32Array)) {
        throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be an array of numbers; got ${describeValue(v)}`, { name })
      }
      const arr = Array.from(v as ArrayLike<unknown>)
      if (arr.length === 0) throw embgeoError('ERR_OUT_OF_RANGE', `${name} must not be empty`, { name })
      return arr.map((x, i) =>
        s.kind === 'ints'
          ? checkInteger(`${name}[${i}]`, x, s.min)
          : checkNumber(`${name}[${i}]`, x, { min: s.min, max: s.max, minOpen: s.open, maxOpen: s.open }),
      )
    }
  }
}

interface Prepared {
  m: DenseMatrix
  method: string
  json: string
  metric: 'euclidean' | 'cosine'
  nb: { k: number; rows: number; indices: Uint32Array; distances: Float64Array } | undefined
  pointwise: boolean
}

/** Validate `neighbors` against X; returns the native form (copied, distances in f64). */
function checkNeighbors(v: unknown, rows: number): NonNullable<Prepared['nb']> & { metric: string } {
  const nb = v as Partial<KnnResult> | null
  if (nb === null || typeof nb !== 'object' || !(nb.indices instanceof Uint32Array) || !(nb.distances instanceof Float32Array || nb.distances instanceof Float64Array)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.neighbors must be a KnnResult from knn(X, { k }) on the same X')
  }
  const k = checkInteger('options.neighbors.k', nb.k, 1)
  const nrows = checkInteger('options.neighbors.rows', nb.rows, 0)
  if (nrows !== rows) {
    throw embgeoError('ERR_SHAPE', `options.neighbors has ${nrows} rows but X has ${rows}; pass knn(X, { k }) of this X (without queries)`, {
      expected: rows,
      actual: nrows,
    })
  }
  if (nb.indices.length !== nrows * k || nb.distances.length !== nrows * k) {
    throw embgeoError('ERR_SHAPE', `options.neighbors arrays must hold rows * k = ${nrows * k} values; got ${nb.indices.length} indices and ${nb.distances.length} distances`)
  }
  const metric = nb.metric ?? 'euclidean'
  if (metric !== 'euclidean' && metric !== 'cosine') {
    throw embgeoError('ERR_OUT_OF_RANGE', `options.neighbors.metric must be 'euclidean' or 'cosine' for intrinsic dimension; got '${String(metric)}'`)
  }
  return { k, rows: nrows, indices: nb.indices.slice(), distances: Float64Array.from(nb.distances), metric }
}

/** Common validation; `fn` names the public function in messages. */
function prepare(fn: string, X: MatrixLike, options: object | undefined, est: Estimator, byName = false): Prepared {
  const o = checkOptions('options', options) as Record<string, unknown>
  const m = toMatrix('X', X)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(o)) {
    if (o[key] === undefined || (byName && key === 'method')) continue
    const spec = est.options[key]
    if (spec !== undefined) {
      out[key] = checkSpec(`options.${key}`, o[key], spec)
    } else if (!COMMON.has(key)) {
      const known = [...Object.keys(est.options), ...COMMON].filter((k) => k !== 'signal' && k !== 'onProgress')
      throw embgeoError('ERR_OUT_OF_RANGE', `${fn} has no option '${key}'; its options are ${known.join(', ')}, signal, onProgress`, { name: key })
    }
  }
  const usesNeighbors = typeof est.neighbors === 'function' ? est.neighbors(o) : est.neighbors
  let metric: 'euclidean' | 'cosine' = 'euclidean'
  if (o.metric !== undefined) {
    metric = checkSpec('options.metric', o.metric, oneOf('euclidean', 'cosine')) as 'euclidean' | 'cosine'
    if (!usesNeighbors && metric !== 'euclidean') {
      throw embgeoError('ERR_OUT_OF_RANGE', `${fn} uses no neighbours here, so options.metric 'cosine' does not apply; remove it`)
    }
  }
  let nb: Prepared['nb']
  if (o.neighbors !== undefined) {
    if (!usesNeighbors) throw embgeoError('ERR_OUT_OF_RANGE', `${fn} uses no neighbours here, so options.neighbors does not apply; remove it`)
    const { metric: nbMetric, ...rest } = checkNeighbors(o.neighbors, m.rows)
    if (o.metric !== undefined && nbMetric !== metric) {
      throw embgeoError('ERR_OUT_OF_RANGE', `options.metric is '${metric}' but options.neighbors were computed with '${nbMetric}'`)
    }
    metric = nbMetric as 'euclidean' | 'cosine'
    nb = rest
  }
  if (o.duplicates !== undefined) {
    const d = checkSpec('options.duplicates', o.duplicates, oneOf('error', 'drop', 'keep'))
    if (!est.duplicates) throw embgeoError('ERR_OUT_OF_RANGE', `${fn} has no duplicates policy (options.duplicates); remove it`)
    out.duplicates = d
  }
  if (o.seed !== undefined) out.seed = checkInteger('options.seed', o.seed, 0)
  let pointwise = false
  if (o.pointwise !== undefined) {
    pointwise = checkSpec('options.pointwise', o.pointwise, bool) as boolean
    if (!est.pointwise) throw embgeoError('ERR_OUT_OF_RANGE', `${fn} has no pointwise values (options.pointwise); remove it`)
  }
  if (typeof out.n1 === 'number' && typeof out.n2 === 'number' && out.n2 <= out.n1) {
    throw embgeoError('ERR_OUT_OF_RANGE', `options.n2 must be greater than options.n1 = ${out.n1}; got ${out.n2}`)
  }
  if (m.rows < est.minRows) {
    throw embgeoError('ERR_EMPTY', `X has ${m.rows} rows; ${fn} needs at least ${est.minRows}`, { rows: m.rows, needed: est.minRows })
  }
  return { m, method: est.native, json: JSON.stringify(out), metric, nb, pointwise }
}

interface NativeId {
  method: string
  dimension: number
  stderr?: number | null
  pointwise?: Float64Array | null
  nSamples: number
  nUsed: number
  droppedDuplicates: number
  discarded: number
  params: string
  diagnosticNames: string[]
  diagnosticValues: Float64Array[]
}

interface NativeCurve {
  method: string
  scales: Float64Array
  dimensions: Float64Array
  stderr: Float64Array
  sizes: Float64Array
}

function isCurve(r: NativeId | NativeCurve): r is NativeCurve {
  return 'scales' in r
}

function asId(r: NativeId | NativeCurve): NativeId {
  if (isCurve(r)) throw embgeoError('ERR_INTERNAL', 'internal error: an estimator returned a curve. This is a bug in embgeo; please report it.')
  return r
}

function finish(p: Prepared, raw: NativeId | NativeCurve): IdResult {
  const r = asId(raw)
  const stderr = r.stderr ?? undefined
  if (!Number.isFinite(r.dimension) || (stderr !== undefined && !Number.isFinite(stderr))) {
    throw embgeoError(
      'ERR_DEGENERATE',
      `${r.method} produced a non-finite estimate (${r.dimension} ± ${stderr}); the data are degenerate for this estimator`,
    )
  }
  const params: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(JSON.parse(r.params) as Record<string, unknown>)) params[PARAM_NAMES[k] ?? k] = v
  const usesNeighbors = r.method !== 'fishers' && r.method !== 'knn' && !(r.method === 'lpca' && params.k === undefined)
  if (usesNeighbors) {
    params.metric = p.metric
    params.neighbors = p.nb === undefined ? 'computed' : 'given'
  }
  const out: IdResult = {
    method: PUBLIC_NAME[r.method] ?? (r.method as IdMethod),
    dimension: r.dimension,
    nSamples: r.nSamples,
    nUsed: r.nUsed,
    dropped: { duplicates: r.droppedDuplicates, discarded: r.discarded },
    params,
  }
  if (stderr !== undefined) out.stderr = stderr
  if (p.pointwise && r.pointwise) out.pointwise = r.pointwise
  if (r.diagnosticNames.length > 0) {
    out.diagnostics = Object.fromEntries(r.diagnosticNames.map((n, i) => [n, r.diagnosticValues[i]!]))
  }
  return out
}

function callSync(p: Prepared): NativeId | NativeCurve {
  return runSync(() => native().intdimRunSync(p.m.data, p.m.cols, p.method, p.json, p.metric, p.nb))
}

function callAsync(p: Prepared, run: RunOptions): Promise<NativeId | NativeCurve> {
  return runAsync(run, [p.m.data] as const, (control, [d]) => native().intdimRun(d, p.m.cols, p.method, p.json, p.metric, p.nb, control))
}

function runOptions(options: object | undefined): RunOptions {
  const o = (options ?? {}) as RunOptions
  return { signal: o.signal, onProgress: o.onProgress }
}

function estimateAsync(fn: IdMethod, X: MatrixLike, options: object | undefined, byName = false): Promise<IdResult> {
  try {
    const p = prepare(fn, X, options, ESTIMATORS[fn], byName)
    return callAsync(p, runOptions(options)).then((r) => finish(p, r))
  } catch (err) {
    return Promise.reject(err)
  }
}

function estimateSync(fn: IdMethod, X: MatrixLike, options: object | undefined, byName = false): IdResult {
  const p = prepare(fn, X, options, ESTIMATORS[fn], byName)
  return finish(p, callSync(p))
}

// ---------------------------------------------------------------------------------------------
// Estimators

/**
 * TwoNN (Facco et al. 2017): the ratio of second to first neighbour distance is Pareto(1, d).
 * Defaults = scikit-dimension 0.5.0 `TwoNN()`: regression through the origin after discarding
 * the 10 % largest ratios; duplicates default 'keep' (rows with r₁ = 0 excluded and counted in
 * `dropped.duplicates`). Diagnostics `log_mu`, `neg_log_1m_f` (regression), `scale`.
 *
 * @param X n × d matrix, n ≥ 3.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (n < 3), ERR_NON_FINITE, ERR_OUT_OF_RANGE
 *   (bad option, discardFraction 0 with 'regression'), ERR_K_TOO_LARGE (neighbors with k < 2),
 *   ERR_DUPLICATES (duplicates: 'error'), ERR_DEGENERATE, ABORT_ERR
 */
export function twoNN(X: MatrixLike, options?: TwoNNOptions): Promise<IdResult> {
  return estimateAsync('twoNN', X, options)
}

/** {@link twoNN} on the calling thread (blocks it). */
export function twoNNSync(X: MatrixLike, options?: TwoNNOptions): IdResult {
  return estimateSync('twoNN', X, options)
}

/**
 * Levina–Bickel maximum-likelihood ID from the k nearest neighbours, aggregated by the harmonic
 * mean (MacKay–Ghahramani; scikit-dimension `MLE().fit().dimension_`). Defaults k = 20,
 * aggregate 'harmonic', duplicates 'error' (the reference's harmonic mean is silently 0 with a
 * single duplicated pair).
 *
 * @param X n × d matrix, n ≥ 3.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES, ERR_DEGENERATE, ABORT_ERR
 */
export function mle(X: MatrixLike, options?: MleOptions): Promise<IdResult> {
  return estimateAsync('mle', X, options)
}

/** {@link mle} on the calling thread (blocks it). */
export function mleSync(X: MatrixLike, options?: MleOptions): IdResult {
  return estimateSync('mle', X, options)
}

/**
 * GRIDE (Denti et al. 2022, DADApy `compute_id_gride`) at one scale: the ratio of the n₂-th to
 * the n₁-th neighbour distance. Defaults n1 = 1, n2 = 2·n1, duplicates 'error'. `stderr` from
 * the Fisher information.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES, ERR_DEGENERATE, ABORT_ERR
 */
export function gride(X: MatrixLike, options?: GrideOptions): Promise<IdResult> {
  return estimateAsync('gride', X, options)
}

/** {@link gride} on the calling thread (blocks it). */
export function grideSync(X: MatrixLike, options?: GrideOptions): IdResult {
  return estimateSync('gride', X, options)
}

/**
 * Local/global PCA ID (scikit-dimension `lPCA`): one PCA of X (default), or with `k` the version
 * applied to each point's k nearest neighbours and averaged. Default version 'FO'. Diagnostics
 * `explained_variance` and `gaps` (global).
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DEGENERATE, ABORT_ERR
 */
export function lpca(X: MatrixLike, options?: LpcaOptions): Promise<IdResult> {
  return estimateAsync('lpca', X, options)
}

/** {@link lpca} on the calling thread (blocks it). */
export function lpcaSync(X: MatrixLike, options?: LpcaOptions): IdResult {
  return estimateSync('lpca', X, options)
}

/**
 * Correlation dimension (Grassberger–Procaccia; scikit-dimension `CorrInt`): slope of the pair
 * count between the median k1-th and k2-th neighbour radii. Defaults k1 = 10, k2 = 20.
 * O(N²·d) pair pass.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DEGENERATE, ABORT_ERR
 */
export function corrInt(X: MatrixLike, options?: CorrIntOptions): Promise<IdResult> {
  return estimateAsync('corrInt', X, options)
}

/** {@link corrInt} on the calling thread (blocks it). */
export function corrIntSync(X: MatrixLike, options?: CorrIntOptions): IdResult {
  return estimateSync('corrInt', X, options)
}

/**
 * Method of moments (Amsaleg et al.; scikit-dimension `MOM`). Defaults k = 100 (clamped to
 * N − 1), aggregate 'mean', duplicates 'keep'.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES, ERR_DEGENERATE, ABORT_ERR
 */
export function mom(X: MatrixLike, options?: MomOptions): Promise<IdResult> {
  return estimateAsync('mom', X, options)
}

/** {@link mom} on the calling thread (blocks it). */
export function momSync(X: MatrixLike, options?: MomOptions): IdResult {
  return estimateSync('mom', X, options)
}

/**
 * Tight local estimator (Amsaleg et al. 2019; scikit-dimension `TLE`). Defaults k = 20,
 * epsilon 1e-4, aggregate 'mean', duplicates 'keep'.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES, ERR_DEGENERATE, ABORT_ERR
 */
export function tle(X: MatrixLike, options?: TleOptions): Promise<IdResult> {
  return estimateAsync('tle', X, options)
}

/** {@link tle} on the calling thread (blocks it). */
export function tleSync(X: MatrixLike, options?: TleOptions): IdResult {
  return estimateSync('tle', X, options)
}

/**
 * Manifold-adaptive dimension (Farahmand et al. 2007; scikit-dimension `MADA`):
 * ln 2 / ln(r_k / r_⌊k/2⌋). Defaults k = 20, aggregate 'mean', duplicates 'keep' (zero distances
 * skipped, as the reference).
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES, ERR_DEGENERATE, ABORT_ERR
 */
export function mada(X: MatrixLike, options?: MadaOptions): Promise<IdResult> {
  return estimateAsync('mada', X, options)
}

/** {@link mada} on the calling thread (blocks it). */
export function madaSync(X: MatrixLike, options?: MadaOptions): IdResult {
  return estimateSync('mada', X, options)
}

/**
 * MiND_ML (Lombardi et al. 2011; scikit-dimension `MiND_ML`). Defaults k = 20, maxDim 10,
 * version 'MLk', duplicates 'error'.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES, ERR_DEGENERATE, ABORT_ERR
 */
export function mindMl(X: MatrixLike, options?: MindMlOptions): Promise<IdResult> {
  return estimateAsync('mindMl', X, options)
}

/** {@link mindMl} on the calling thread (blocks it). */
export function mindMlSync(X: MatrixLike, options?: MindMlOptions): IdResult {
  return estimateSync('mindMl', X, options)
}

/**
 * DANCo (Ceruti et al. 2014; scikit-dimension `DANCo`): compares neighbour-distance and angle
 * statistics with those of calibration balls sampled with `seed` (ChaCha8). Defaults k = 10,
 * maxDim = columns, fractal true, duplicates 'error'. Costly: the calibration samples up to
 * maxDim balls of N points.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES, ERR_DEGENERATE, ABORT_ERR
 */
export function danco(X: MatrixLike, options?: DancoOptions): Promise<IdResult> {
  return estimateAsync('danco', X, options)
}

/** {@link danco} on the calling thread (blocks it). */
export function dancoSync(X: MatrixLike, options?: DancoOptions): IdResult {
  return estimateSync('danco', X, options)
}

/**
 * Expected simplex skewness (Johnsson et al. 2015; scikit-dimension `ESS`). Defaults version
 * 'a', d = 1, k = 100 (clamped to N − 1), aggregate 'mean'; groups sampled with `seed` when
 * C(k, d+1) > 5000. No duplicates policy (zero vectors carry zero weight).
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DEGENERATE, ABORT_ERR
 */
export function ess(X: MatrixLike, options?: EssOptions): Promise<IdResult> {
  return estimateAsync('ess', X, options)
}

/** {@link ess} on the calling thread (blocks it). */
export function essSync(X: MatrixLike, options?: EssOptions): IdResult {
  return estimateSync('ess', X, options)
}

/**
 * Fisher separability ID (Albergante et al. 2019; scikit-dimension `FisherS`). Uses no
 * neighbours. Defaults conditionalNumber 10, projectOnSphere true, alphas 0.6…0.98.
 * Diagnostics `alphas`, `n_alpha` (NaN where inseparability is 0), `p_alpha_mean`,
 * `separable_fraction`.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_DEGENERATE (all points fully separable), ABORT_ERR
 */
export function fisherS(X: MatrixLike, options?: FisherSOptions): Promise<IdResult> {
  return estimateAsync('fisherS', X, options)
}

/** {@link fisherS} on the calling thread (blocks it). */
export function fisherSSync(X: MatrixLike, options?: FisherSOptions): IdResult {
  return estimateSync('fisherS', X, options)
}

/**
 * Carter's kNN-graph length estimator (scikit-dimension `KNN`), an integer in 1..d, on random
 * samples drawn with `seed`. Uses no neighbour input. Defaults k = 2, ps k+1…k+4, m = 1, gamma 2.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_DEGENERATE, ABORT_ERR
 */
export function knnId(X: MatrixLike, options?: KnnIdOptions): Promise<IdResult> {
  return estimateAsync('knnId', X, options)
}

/** {@link knnId} on the calling thread (blocks it). */
export function knnIdSync(X: MatrixLike, options?: KnnIdOptions): IdResult {
  return estimateSync('knnId', X, options)
}

/** Resolve a method name: the function names, case-insensitively, underscores ignored ('twonn', 'mind_ml'). */
function resolveMethod(options: unknown): IdMethod {
  const o = checkOptions('options', options as object | undefined) as { method?: unknown }
  if (options === undefined || o.method === undefined) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `options.method is required: one of ${METHODS.map((m) => `'${m}'`).join(', ')}`)
  }
  if (typeof o.method !== 'string') throw embgeoError('ERR_INVALID_ARG_TYPE', `options.method must be a string; got ${describeValue(o.method)}`)
  const key = o.method.toLowerCase().replace(/_/g, '')
  const found = METHODS.find((m) => m.toLowerCase() === key || ESTIMATORS[m].native.replace(/_/g, '') === key)
  if (found === undefined) {
    throw embgeoError('ERR_OUT_OF_RANGE', `options.method must be one of ${METHODS.map((m) => `'${m}'`).join(', ')}; got '${o.method}'`)
  }
  return found
}

/**
 * Any estimator by name: `estimateId(X, { method: 'mle', k: 10 })` equals `mle(X, { k: 10 })`.
 * @throws ERR_INVALID_ARG_TYPE (no method), ERR_OUT_OF_RANGE (unknown method), and the
 *   estimator's own errors
 */
export function estimateId(X: MatrixLike, options: EstimateIdOptions): Promise<IdResult> {
  try {
    return estimateAsync(resolveMethod(options), X, options, true)
  } catch (err) {
    return Promise.reject(err)
  }
}

/** {@link estimateId} on the calling thread (blocks it). */
export function estimateIdSync(X: MatrixLike, options: EstimateIdOptions): IdResult {
  return estimateSync(resolveMethod(options), X, options, true)
}

// ---------------------------------------------------------------------------------------------
// Local ID and ID versus scale

const LOCAL: Estimator = {
  native: '',
  neighbors: true,
  duplicates: false,
  pointwise: false,
  minRows: 3,
  options: { method: oneOf('mle', 'lid', 'mom', 'tle', 'mada', 'lpca', 'ess'), k: int(2) },
}

function prepareLocal(X: MatrixLike, options: LocalIdOptions): Prepared {
  if (options === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', "options is required: { method, k }, e.g. { method: 'mle', k: 20 }")
  const o = checkOptions('options', options)
  if (o.method === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', "options.method is required: 'mle', 'lid', 'mom', 'tle', 'mada', 'lpca' or 'ess'")
  const method = checkSpec('options.method', o.method, LOCAL.options.method!) as string
  if ((o as { seed?: unknown }).seed !== undefined || (o as { duplicates?: unknown }).duplicates !== undefined) {
    throw embgeoError('ERR_OUT_OF_RANGE', "localId takes neither seed nor duplicates (zero distances are kept, as the reference; rows whose value is undefined throw ERR_DUPLICATES)")
  }
  const p = prepare('localId', X, o, LOCAL, true)
  const k = o.k ?? 20
  const kk = checkInteger('options.k', k, 2)
  return { ...p, method: `local:${method}`, json: JSON.stringify({ k: kk }) }
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
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES (a row's value undefined because of a zero distance),
 *   ERR_DEGENERATE, ABORT_ERR
 */
export function localId(X: MatrixLike, options: LocalIdOptions & RunOptions): Promise<Float64Array> {
  try {
    const p = prepareLocal(X, options)
    return callAsync(p, runOptions(options)).then(finishLocal)
  } catch (err) {
    return Promise.reject(err)
  }
}

/** {@link localId} on the calling thread (blocks it). */
export function localIdSync(X: MatrixLike, options: LocalIdOptions): Float64Array {
  return finishLocal(callSync(prepareLocal(X, options)))
}

const SCALING: Readonly<Record<'twonn' | 'gride', Estimator>> = {
  twonn: {
    native: 'scaling:twonn',
    neighbors: false,
    duplicates: true,
    pointwise: false,
    minRows: 3,
    options: { ...TWONN_OPTIONS, nMin: int(2) },
  },
  gride: {
    native: 'scaling:gride',
    neighbors: true,
    duplicates: true,
    pointwise: false,
    minRows: 3,
    options: { rangeMax: int(2), ...GRIDE_BISECTION },
  },
}

function prepareScaling(X: MatrixLike, options: IdScalingOptions | undefined): Prepared {
  const o = checkOptions('options', options) as { method?: unknown }
  if (options === undefined || o.method === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', "options.method is required: 'twonn' or 'gride'")
  const method = checkSpec('options.method', o.method, oneOf('twonn', 'gride')) as 'twonn' | 'gride'
  return prepare(`idScaling ${method}`, X, options, SCALING[method], true)
}

function finishScaling(raw: NativeId | NativeCurve): IdScalingResult {
  if (!isCurve(raw)) throw embgeoError('ERR_INTERNAL', 'internal error: idScaling without a curve. This is a bug in embgeo; please report it.')
  return { method: raw.method as 'twonn' | 'gride', scales: raw.scales, dimensions: raw.dimensions, stderr: raw.stderr, sizes: raw.sizes }
}

/**
 * Intrinsic dimension versus scale, with error bars. 'twonn': TwoNN on random subsets of sizes
 * N, N/2, N/4, … > nMin (DADApy `return_id_scaling_2NN`; subsets from `seed`; euclidean only);
 * 'gride': GRIDE at neighbour orders 1, 2, 4, … up to rangeMax (DADApy
 * `return_id_scaling_gride`; default rangeMax 64, duplicates 'error').
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY, ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_K_TOO_LARGE, ERR_DUPLICATES, ERR_DEGENERATE, ABORT_ERR
 */
export function idScaling(X: MatrixLike, options: IdScalingOptions): Promise<IdScalingResult> {
  try {
    const p = prepareScaling(X, options)
    return callAsync(p, runOptions(options)).then(finishScaling)
  } catch (err) {
    return Promise.reject(err)
  }
}

/** {@link idScaling} on the calling thread (blocks it). */
export function idScalingSync(X: MatrixLike, options: IdScalingOptions): IdScalingResult {
  return finishScaling(callSync(prepareScaling(X, options)))
}
