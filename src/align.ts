/**
 * Aligning two representations of the same items (issue 14): orthogonal Procrustes distance and
 * the angular shape metric with partial whitening (Williams et al. 2021, netrep's
 * `LinearMetric`), and canonical correlations with their mean / SVCCA / PWCCA summaries. `A` and
 * `B` have the same rows (the same items, row by row) and any widths; their element types may
 * differ. Each measure has a Promise twin (embgeo's pool, cancellable, with progress) and a Sync
 * twin.
 */
import type { DenseMatrix, MatrixLike } from './input.js'
import { native } from './native.js'
import { pairTwins } from './pair.js'
import type { RunOptions } from './run.js'
import { is, type Constraints } from './validate.js'

/** Shapes of the pair, reported in every result's `diagnostics`. */
interface PairShape {
  rows: number
  colsA: number
  colsB: number
}

function shape(a: DenseMatrix, b: DenseMatrix): PairShape {
  return { rows: a.rows, colsA: a.cols, colsB: b.cols }
}

// ------------------------------------------------------------------------------------ procrustes

/** Options of {@link procrustes}. */
export interface ProcrustesOptions {
  /**
   * Partial whitening in [0, 1] (netrep's `alpha`): 1 = none (rotations only, orthogonal
   * Procrustes), 0 = full whitening (any invertible linear map; CCA-like). Default 1.
   */
  alpha?: number
  /**
   * Return the rotation (default true). `false` leaves `rotation` empty and takes only the
   * singular values of the dA × dB cross product: the same `distance` and `angular` to rounding,
   * without the singular vectors and `U Vᵀ` (50 000 × 768 vs 1024 on 2 AVX2 cores: 6.5–7.4 s
   * instead of 7.9–8.9 s).
   */
  rotation?: boolean
}

/** The result of {@link procrustes}. */
export interface ProcrustesResult {
  /** The angular shape metric (= `angular`), radians in [0, π/2]; netrep's default score. */
  value: number
  /** `‖ÃQ − B̃‖_F` in the data's units (after partial whitening; netrep `score_method: 'euclidean'`). */
  distance: number
  /** `arccos(⟨ÃQ, B̃⟩ / (‖Ã‖‖B̃‖))`, radians in [0, π/2]. */
  angular: number
  /**
   * The orthogonal `width × width` matrix Q (row-major) with `Ã Q ≈ B̃`, Ã and B̃ the centred,
   * partially whitened sets zero-padded to the common width `max(colsA, colsB)`. Unique only
   * when `ÃᵀB̃` has full rank (never when the widths differ). Empty with `rotation: false`.
   */
  rotation: Float64Array
  /** Every effective option. */
  params: { alpha: number; rotation: boolean }
  /** The shapes, the common width and `‖Ã‖_F`, `‖B̃‖_F`. */
  diagnostics: PairShape & { width: number; normA: number; normB: number }
}

const PROCRUSTES: Constraints = { alpha: is.num({ min: 0, max: 1 }), rotation: is.bool }

type NativeProcrustes = ReturnType<ReturnType<typeof native>['procrustesSync']>

/** The public result from the binding's (also for compare's shared entry, src/comparison-linear.ts). */
export function finishProcrustes(a: DenseMatrix, b: DenseMatrix, r: NativeProcrustes): ProcrustesResult {
  return {
    value: r.angular,
    distance: r.distance,
    angular: r.angular,
    rotation: r.rotation,
    // a computed rotation is width × width (width ≥ 1), so empty means not asked for
    params: { alpha: r.alpha, rotation: r.rotation.length > 0 },
    diagnostics: { ...shape(a, b), width: r.width, normA: r.normA, normB: r.normB },
  }
}

const PROCRUSTES_TWINS = pairTwins('procrustes', PROCRUSTES, (p, r) => finishProcrustes(p.a, p.b, r))

/**
 * Procrustes distance and angular shape metric between two representations of the same items,
 * with partial whitening (Williams, Kunz, Kornblith & Linderman 2021; netrep `LinearMetric`):
 * centre, zero-pad to a common width, whiten by `Z = V diag(s·(α + (1−α)/√λ)) Vᵀ` (eigenvalues of
 * XᵀX clipped at 1e-7, s keeping the total variance), rotate by `Q = U Vᵀ` from the SVD of the
 * cross-covariance. Symmetric; 0 for rotated (and, at α = 0, linearly mapped) copies. f64
 * accumulation; bit-identical for any thread count. Cost: 2·n·dA·dB flops plus a d × d SVD
 * (α < 1 adds the two Gram matrices and eigendecompositions). `A` and `B` are copied once before
 * this returns.
 *
 * @param A n × dA matrix (rows = items).
 * @param B n × dB matrix, the same items in the same order.
 * @throws ERR_INVALID_ARG_TYPE, ERR_EMPTY (n < 2), ERR_SHAPE (row counts differ), ERR_NON_FINITE,
 *   ERR_OUT_OF_RANGE (alpha outside [0, 1], unknown option), ERR_DEGENERATE (a constant set), ABORT_ERR
 */
export function procrustes(A: MatrixLike, B: MatrixLike, options?: ProcrustesOptions & RunOptions): Promise<ProcrustesResult> {
  return PROCRUSTES_TWINS.async(A, B, options)
}

/** {@link procrustes} on the calling thread (blocks it; typed-array input is read in place). */
export function procrustesSync(A: MatrixLike, B: MatrixLike, options?: ProcrustesOptions): ProcrustesResult {
  return PROCRUSTES_TWINS.sync(A, B, options)
}

// ------------------------------------------------------------------------------------------- cca

/** Summaries of {@link cca}. */
export type CcaVariant = 'mean' | 'svcca' | 'pwcca'

/** Options of {@link cca}. */
export interface CcaOptions {
  /**
   * 'mean' (default): mean canonical correlation over the numerical ranks; 'svcca': keep the
   * leading singular directions of each side explaining `varianceKept` of its variance, then
   * mean CCA (Raghu et al. 2017); 'pwcca': projection-weighted mean (Morcos et al. 2018).
   */
  variant?: CcaVariant
  /** SVCCA's fraction of variance kept on each side, in (0, 1]. Default 0.99. */
  varianceKept?: number
}

/** The result of {@link cca}. */
export interface CcaResult {
  /** The variant's summary, in [0, 1]. */
  value: number
  /** The `min(keptA, keptB)` canonical correlations, decreasing, in [0, 1]. */
  correlations: Float64Array
  /** Every effective option. */
  params: { variant: CcaVariant; varianceKept: number }
  /**
   * Directions kept and numerical ranks of each centred side (singular values above
   * `smax · max(n, d) · 2⁻⁵²`); `weights`: PWCCA's weights, summing to 1 (pwcca only).
   */
  diagnostics: PairShape & { keptA: number; keptB: number; rankA: number; rankB: number; weights?: Float64Array }
}

const CCA: Constraints = {
  variant: is.oneOf('mean', 'svcca', 'pwcca'),
  varianceKept: is.num({ min: 0, max: 1, minOpen: true }),
}

type NativeCca = ReturnType<ReturnType<typeof native>['ccaSync']>

/** The public result from the binding's (also for src/comparison-linear.ts). */
export function finishCca(a: DenseMatrix, b: DenseMatrix, r: NativeCca): CcaResult {
  const variant = r.variant as CcaVariant
  const diagnostics: CcaResult['diagnostics'] = { ...shape(a, b), keptA: r.keptA, keptB: r.keptB, rankA: r.rankA, rankB: r.rankB }
  if (variant === 'pwcca') diagnostics.weights = r.weights
  return { value: r.value, correlations: r.correlations, params: { variant, varianceKept: r.varianceKept }, diagnostics }
}

const CCA_TWINS = pairTwins('cca', CCA, (p, r) => finishCca(p.a, p.b, r))

/**
 * Canonical correlations between two representations of the same items: the singular values of
 * `QAᵀ QB`, Q the left singular vectors of each centred set (Björck & Golub 1973; no covariance
 * inverse), summarised as their mean, SVCCA or PWCCA. Invariant to invertible linear maps of
 * either side (CCA of X and XR is 1). Rank-deficient sets use their numerical rank. f64
 * accumulation; bit-identical for any thread count. Cost: two thin SVDs, O(n·dA² + n·dB²), and a
 * kA × kB cross product; memory ≈ 2·n·(dA + dB) f64. `A` and `B` are copied once before this returns.
 *
 * @param A n × dA matrix (rows = items).
 * @param B n × dB matrix, the same items in the same order.
 * @throws ERR_INVALID_ARG_TYPE, ERR_EMPTY (n < 2), ERR_SHAPE (row counts differ), ERR_NON_FINITE,
 *   ERR_INVALID_ARG_VALUE (unknown variant), ERR_OUT_OF_RANGE (varianceKept outside (0, 1], unknown
 *   option), ERR_DEGENERATE (a constant set), ABORT_ERR
 */
export function cca(A: MatrixLike, B: MatrixLike, options?: CcaOptions & RunOptions): Promise<CcaResult> {
  return CCA_TWINS.async(A, B, options)
}

/** {@link cca} on the calling thread (blocks it; typed-array input is read in place). */
export function ccaSync(A: MatrixLike, B: MatrixLike, options?: CcaOptions): CcaResult {
  return CCA_TWINS.sync(A, B, options)
}
