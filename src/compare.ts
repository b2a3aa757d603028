/**
 * Comparing representations (issue 14): two embedding sets of the same items (same rows, any
 * widths, either element type) — CKA (linear, debiased, RBF), the linearity score, RSA — and
 * relative representations of one set against anchors. Each has a Promise twin (runs on
 * embgeo's pool, cancellable, with progress) and a Sync twin; options are validated here once
 * and cross to Rust as one object (`embgeo_compare`'s serde `Params`).
 */
import { embgeoError } from './errors.js'
import { toMatrix, type DenseMatrix, type FloatArray, type MatrixLike } from './input.js'
import { native } from './native.js'
import { measureOptions, pairAsync, pairSync, preparePair as prepare, type Prepared } from './pair.js'
import { rejecting, type RunOptions } from './run.js'
import { is, type Constraints } from './validate.js'

// ------------------------------------------------------------------------------------------- CKA

/** Options of {@link cka}. */
export interface CkaOptions {
  /** 'linear' (default) or 'rbf' (Gaussian kernel, bandwidth `sigma` × median distance). */
  kernel?: 'linear' | 'rbf'
  /** Unbiased HSIC (Song et al. 2012; Nguyen et al. 2021) instead of the biased one; needs n ≥ 4. Default false. */
  debiased?: boolean
  /** RBF bandwidth as a multiple of the median pairwise distance (Kornblith's `threshold`); > 0. Default 1. */
  sigma?: number
  /** RBF only: above this many rows CKA uses a seeded sample of `maxRows` rows (its kernels are maxRows² f64). Default 5000. */
  maxRows?: number
  /** Seed of that sample (integer ≥ 0). Default 0. */
  seed?: number
}

/** A CKA value with every effective option and how it was computed. */
export interface CkaResult {
  /** CKA; in [0, 1] for the biased estimator, may be slightly negative when debiased. */
  value: number
  params: Required<CkaOptions>
  diagnostics: {
    /** `⟨K̃, L̃⟩_F`, the unnormalised HSIC. */
    hsic: number
    /** `‖K̃‖_F` and `‖L̃‖_F`. */
    normA: number
    normB: number
    /** 'features' (d × d products, linear kernel with n(d₁+d₂) ≥ d₁²+d₂²+d₁d₂) or 'gram' (n × n kernels). */
    route: 'features' | 'gram'
    /** Rows used: n, or maxRows when the RBF kernel sampled rows. */
    rowsUsed: number
    /** RBF: median squared pairwise distance of A's and B's (sampled) rows; 0 for linear. */
    medianSqDistanceA: number
    medianSqDistanceB: number
  }
}

const CKA_OPTIONS: Constraints = {
  kernel: is.oneOf('linear', 'rbf'),
  debiased: is.bool,
  sigma: is.positive,
  maxRows: is.int(2),
  seed: is.int(0),
}

interface NativeCka {
  value: number
  hsic: number
  normA: number
  normB: number
  route: string
  rowsUsed: number
  medianSqDistanceA: number
  medianSqDistanceB: number
  params: unknown
}

function prepareCka(fn: string, A: unknown, B: unknown, o: unknown, async: boolean): Prepared<CkaOptions> {
  const p = prepare<CkaOptions>(fn, A, B, o, CKA_OPTIONS, async)
  if (p.opts.debiased === true && p.opts.maxRows !== undefined && p.opts.maxRows < 4) {
    throw embgeoError('ERR_OUT_OF_RANGE', `options.maxRows must be an integer >= 4 with debiased: true; got ${p.opts.maxRows}`, { name: 'options.maxRows' })
  }
  return p
}

/** The public result from the binding's (also for compare's shared entry, src/comparison-linear.ts). */
export function finishCka(r: NativeCka): CkaResult {
  return {
    value: r.value,
    params: r.params as Required<CkaOptions>,
    diagnostics: {
      hsic: r.hsic,
      normA: r.normA,
      normB: r.normB,
      route: r.route as 'features' | 'gram',
      rowsUsed: r.rowsUsed,
      medianSqDistanceA: r.medianSqDistanceA,
      medianSqDistanceB: r.medianSqDistanceB,
    },
  }
}

/**
 * Centred kernel alignment of two representations of the same items (Kornblith et al. 2019):
 * linear `‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F)` on centred data, debiased with the unbiased HSIC
 * (Song et al. 2012), or with RBF kernels. Identities: CKA(X, XQ) = 1 for orthogonal Q,
 * CKA(X, cX) = 1. Cost: linear min(n(d₁²+d₂²+d₁d₂), n²(d₁+d₂)) multiply-adds, memory
 * O(d₁² + d₂² + d₁d₂) (or n² when n is the smaller side); RBF O(m²(d₁+d₂)) on m = min(n, maxRows)
 * rows, memory 2.5m² f64. f64 accumulation; bit-identical for any thread count.
 *
 * @param A n × d₁ matrix; @param B n × d₂ matrix (same rows, any widths, either element type).
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE (row counts differ), ERR_EMPTY (n < 2, or < 4 debiased),
 *   ERR_NON_FINITE, ERR_DEGENERATE (a set with zero variance), ERR_INVALID_ARG_VALUE (kernel),
 *   ERR_OUT_OF_RANGE (sigma, maxRows, seed, unknown option), ABORT_ERR
 */
export function cka(A: MatrixLike, B: MatrixLike, options?: CkaOptions & RunOptions): Promise<CkaResult> {
  return rejecting(() => pairAsync(prepareCka('cka', A, B, options, true), (a, ac, b, bc, o, c) => native().cka(a, ac, b, bc, o, c)).then(finishCka))
}

/** {@link cka} on the calling thread (blocks it; typed-array input is read in place). */
export function ckaSync(A: MatrixLike, B: MatrixLike, options?: CkaOptions): CkaResult {
  const p = prepareCka('ckaSync', A, B, options, false)
  return finishCka(pairSync(p, native().ckaSync))
}

// ------------------------------------------------------------------------------------ linearity

/** The linearity score of B given A. */
export interface LinearityResult {
  /** `1 − min_W ‖ÃW − B̃‖²_F` in [0, 1] (Ã, B̃ centred, Frobenius norm 1). */
  value: number
  params: Record<string, never>
  diagnostics: {
    /** 'features' (d₁ × d₁ Gram, n ≥ d₁) or 'kernels' (n × n, n < d₁). */
    route: 'features' | 'kernels'
    /** Numerical rank of the centred A. */
    rank: number
  }
}

interface NativeLinearity {
  value: number
  featureRoute: boolean
  rank: number
}

/** The public result from the binding's (also for src/comparison-linear.ts). */
export function finishLinearity(r: NativeLinearity): LinearityResult {
  return { value: r.value, params: {}, diagnostics: { route: r.featureRoute ? 'features' : 'kernels', rank: r.rank } }
}

/**
 * Linearity score of Razzhigaev et al. 2024 ("Your Transformer is Secretly Linear"): centre both
 * sets, scale each to Frobenius norm 1, fit B from A by least squares, score = 1 − residual
 * (1 when B is an affine image of A). Not symmetric. Cost O(n(d₁² + d₁d₂) + d₁³) (n ≥ d₁) or
 * O(n²(d₁ + d₂) + n³), memory O(d₁² + d₁d₂) or O(n²).
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (n < 2), ERR_NON_FINITE, ERR_DEGENERATE
 *   (a set with zero variance), ERR_OUT_OF_RANGE (unknown option), ABORT_ERR
 */
export function linearity(A: MatrixLike, B: MatrixLike, options?: RunOptions): Promise<LinearityResult> {
  return rejecting(() =>
    pairAsync(prepare<object>('linearity', A, B, options, {}, true), (a, ac, b, bc, o, c) => native().linearity(a, ac, b, bc, o, c)).then(finishLinearity),
  )
}

/** {@link linearity} on the calling thread. */
export function linearitySync(A: MatrixLike, B: MatrixLike): LinearityResult {
  const p = prepare<object>('linearitySync', A, B, undefined, {}, false)
  return finishLinearity(pairSync(p, native().linearitySync))
}

// ------------------------------------------------------------------------------------------ RSA

/** Options of {@link rsa}. */
export interface RsaOptions {
  /** Dissimilarity between rows: 'euclidean' (default) or 'cosine' (1 − cosine similarity, scipy's). */
  metric?: 'euclidean' | 'cosine'
  /** 'pearson' (default) or 'spearman' (average ranks for ties, scipy's `rankdata`). */
  correlation?: 'pearson' | 'spearman'
  /** Exact when n(n−1)/2 ≤ maxPairs, else this many seeded random pairs (integer ≥ 2). Default 1,000,000. */
  maxPairs?: number
  /** Seed of the pair sample (integer ≥ 0). Default 0. */
  seed?: number
}

/** An RSA value. */
export interface RsaResult {
  /** Correlation of the two pairwise-distance vectors, in [−1, 1]. */
  value: number
  params: Required<RsaOptions>
  diagnostics: {
    /** Pairs used. */
    pairs: number
    /** Whether the pairs were sampled. */
    sampled: boolean
  }
}

const RSA_OPTIONS: Constraints = {
  metric: is.oneOf('euclidean', 'cosine'),
  correlation: is.oneOf('pearson', 'spearman'),
  maxPairs: is.int(2),
  seed: is.int(0),
}

function finishRsa(r: { value: number; pairs: number; sampled: boolean; params: unknown }): RsaResult {
  return { value: r.value, params: r.params as Required<RsaOptions>, diagnostics: { pairs: r.pairs, sampled: r.sampled } }
}

/**
 * Representational similarity analysis: Pearson or Spearman correlation of the condensed
 * pairwise-distance vectors of A and B (scipy `pdist` order). Exact up to maxPairs pairs, else a
 * seeded uniform sample of pairs (the same pairs for both sets). Cost O(P(d₁ + d₂)) for P pairs
 * (+ O(P log P) for Spearman), memory 2P f64 (4P + P indices for Spearman).
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (n < 3), ERR_NON_FINITE, ERR_DEGENERATE
 *   (zero row under cosine, constant distances), ERR_INVALID_ARG_VALUE (metric, correlation),
 *   ERR_OUT_OF_RANGE (maxPairs, seed, unknown option), ABORT_ERR
 */
export function rsa(A: MatrixLike, B: MatrixLike, options?: RsaOptions & RunOptions): Promise<RsaResult> {
  return rejecting(() =>
    pairAsync(prepare<RsaOptions>('rsa', A, B, options, RSA_OPTIONS, true), (a, ac, b, bc, o, c) => native().rsa(a, ac, b, bc, o, c)).then(finishRsa),
  )
}

/** {@link rsa} on the calling thread. */
export function rsaSync(A: MatrixLike, B: MatrixLike, options?: RsaOptions): RsaResult {
  const p = prepare<RsaOptions>('rsaSync', A, B, options, RSA_OPTIONS, false)
  return finishRsa(pairSync(p, native().rsaSync))
}

// ------------------------------------------------------------------------ relative representation

/** Options of {@link relativeRepresentation}. */
export interface RelativeOptions {
  /** 'cosine' similarity (default; Moschella et al.), 'dot' product, or 'euclidean' distance. */
  metric?: 'cosine' | 'dot' | 'euclidean'
}

const RELATIVE_OPTIONS: Constraints = { metric: is.oneOf('cosine', 'dot', 'euclidean') }

function prepareRelative(fn: string, X: unknown, anchors: unknown, o: unknown, async: boolean): Prepared<RelativeOptions> {
  const { opts, run } = measureOptions<RelativeOptions>(fn, o, RELATIVE_OPTIONS, async)
  const a = toMatrix('X', X)
  const b = toMatrix('anchors', anchors)
  if (a.cols !== b.cols) {
    throw embgeoError('ERR_SHAPE', `anchors have ${b.cols} columns but X has ${a.cols}; anchors must live in the same space as X`, { cols: [a.cols, b.cols] })
  }
  return { a, b, opts, run }
}

function finishRelative(p: Prepared<RelativeOptions>, data: FloatArray): DenseMatrix {
  return { data, rows: p.a.rows, cols: p.b.rows }
}

/**
 * Relative representation (Moschella et al. 2023): row i of the n × m result holds the
 * similarity of row i of X to each of the m anchors (cosine by default), in X's element type
 * (computed in f64). Cost O(n·m·d), memory the n × m output plus m·d f64.
 *
 * @param X n × d matrix; @param anchors m × d matrix (often rows of X, or their counterparts).
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE (column counts differ), ERR_EMPTY, ERR_NON_FINITE,
 *   ERR_DEGENERATE (zero row or anchor under cosine), ERR_INVALID_ARG_VALUE (metric),
 *   ERR_OUT_OF_RANGE (unknown option), ABORT_ERR
 */
export function relativeRepresentation(X: MatrixLike, anchors: MatrixLike, options?: RelativeOptions & RunOptions): Promise<DenseMatrix> {
  return rejecting(() => {
    const p = prepareRelative('relativeRepresentation', X, anchors, options, true)
    return pairAsync(p, (a, ac, b, bc, o, c) => native().relativeRepresentation(a, ac, b, bc, o, c)).then((d) => finishRelative(p, d))
  })
}

/** {@link relativeRepresentation} on the calling thread. */
export function relativeRepresentationSync(X: MatrixLike, anchors: MatrixLike, options?: RelativeOptions): DenseMatrix {
  const p = prepareRelative('relativeRepresentationSync', X, anchors, options, false)
  return finishRelative(p, pairSync(p, native().relativeRepresentationSync))
}
