/**
 * Neighbourhood alignment of two representations of the same items (issue 14): information
 * imbalance, mutual k-NN alignment with CKNNA and per-row Jaccard; and the separability
 * dimension of one set. Each has a Promise twin (embgeo's pool, cancellable, with progress) and a
 * Sync twin. Neighbours come from the exact kNN engine: self excluded by index, ties to the lower
 * index.
 */
import { toMatrix, type FloatArray, type MatrixLike } from './input.js'
import { checkK, METRICS, type Metric } from './knn.js'
import { native } from './native.js'
import { measureOptions, pairTwins, preparePair, type Prepared } from './pair.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { is, type Constraints } from './validate.js'

/** `{ k, metric }` of the two-representation measures (`k` checked against the rows later). */
const K_METRIC: Constraints = { k: is.int(1), metric: is.oneOf(...METRICS) }

/** The check of a `{ k, metric }` measure: the pair and its effective options (defaults `k0`, `metric0`; k checked against the rows). */
function kMetric(k0: number, metric0: Metric) {
  return (fn: string, A: unknown, B: unknown, o: unknown, async: boolean): Prepared<{ k: number; metric: Metric }> => {
    const p = preparePair<{ k?: number; metric?: Metric }>(fn, A, B, o, K_METRIC, async)
    const opts = {
      k: checkK(p.opts.k ?? k0, p.a.rows - 1, `A and B have ${p.a.rows} rows and each row's own index is excluded`),
      metric: p.opts.metric ?? metric0,
    }
    return { ...p, opts }
  }
}

// ------------------------------------------------------------------------- information imbalance

/** Options of {@link informationImbalance}. */
export interface InformationImbalanceOptions {
  /** Neighbours of each row in the source space, 1 ≤ k < N. Default 1 (DADApy's). */
  k?: number
  /** Distance in both spaces. Default 'euclidean' ('sqeuclidean' ranks the same). */
  metric?: Metric
}

/** Information imbalance in both directions. */
export interface InformationImbalance {
  /** Δ(A→B) = 2/N · mean rank in B of A's k nearest neighbours: ≈ 0 when A predicts B's neighbourhoods, ≈ 1 when unrelated. */
  aToB: number
  /** Δ(B→A). */
  bToA: number
  /** Every effective option. */
  params: { k: number; metric: Metric }
  diagnostics: {
    rows: number
    /** Exact pair distances evaluated by the screened ranks, both directions: the neighbours' own (N·k in B, k per screened row in A) plus the pairs the screening bound could not order (at most 2·N·(N − 1) + 2·N·k; a few per row on ordinary data). */
    keyEvaluations: number
    /** Rows of A whose ranks of B's neighbours were screened against every row; the ranks of the others were read off A's own kNN list (every neighbour among the row's first max(k, 32)). N when all were screened. */
    screenedRows: number
  }
}

type NativeImbalance = { aToB: number; bToA: number; rows: number; keyEvaluations: number; screenedRows: number }

function finishImbalance(p: Prepared<{ k: number; metric: Metric }>, r: NativeImbalance): InformationImbalance {
  const diagnostics = { rows: r.rows, keyEvaluations: r.keyEvaluations, screenedRows: r.screenedRows }
  return { aToB: r.aToB, bToA: r.bToA, params: p.opts, diagnostics }
}

const IMBALANCE_TWINS = pairTwins('informationImbalance', kMetric(1, 'euclidean'), finishImbalance)

/**
 * Information imbalance Δ(A→B) and Δ(B→A) (Glielmo et al. 2022, PNAS Nexus), at parity with
 * DADApy 0.3.4 `MetricComparisons.return_inf_imb_two_selected_coords` with every rank exact
 * (`maxk = N − 1`). `Δ(A→B) = 2/N · ⟨r_B(i, j)⟩` over each row i and its k nearest neighbours j
 * in A, `r_B` the rank (1 = nearest) of j among the other rows by distance from i in B; ties go
 * to the lower index. Cost, in three passes of f32 (f64 for f64 data) GEMM tiles: A's exact
 * kNN graph with max(k, 32) neighbours per row; one pass over B that builds B's graph and
 * counts the ranks of A's neighbours in B from the same tiles (each 384 × 384 tile of a pair
 * of row blocks serves both blocks, N²·d_B FLOPs, while every row's tally, about k·32 + 20
 * bytes, fits 512 MiB); then the ranks in A of B's neighbours: read off A's list where they
 * appear in it (position + 1, no work), and screened against every row of A only for the
 * other rows (`diagnostics.screenedRows`: 2·m·N·d_A FLOPs for m rows, or N²·d_A for all rows
 * when m exceeds 40 % of N). Screening uses the kNN engine's proven error bound: exact
 * distances only for the neighbours and the pairs the bound cannot order
 * (`diagnostics.keyEvaluations`), so every rank stays exact. Extra memory: the tallies and
 * B's kNN states, plus one key tile per worker (384 × 384 or 384 × 1024; no N × N matrix).
 * Both inputs are copied once before this returns.
 *
 * @param A N × d_A matrix; @param B N × d_B matrix (same items, row by row; widths and element
 *   types may differ).
 * @throws ERR_INVALID_ARG_TYPE, ERR_EMPTY, ERR_SHAPE (row counts differ), ERR_NON_FINITE,
 *   ERR_K_TOO_LARGE (k ≥ N), ERR_OUT_OF_RANGE (k < 1, unknown option), ERR_INVALID_ARG_VALUE
 *   (unknown metric), ERR_DEGENERATE (zero row under cosine), ABORT_ERR
 */
export function informationImbalance(
  A: MatrixLike,
  B: MatrixLike,
  options?: InformationImbalanceOptions & RunOptions,
): Promise<InformationImbalance> {
  return IMBALANCE_TWINS.async(A, B, options)
}

/** {@link informationImbalance} on the calling thread (blocks it; typed arrays are read in place). */
export function informationImbalanceSync(A: MatrixLike, B: MatrixLike, options?: InformationImbalanceOptions): InformationImbalance {
  return IMBALANCE_TWINS.sync(A, B, options)
}

// ------------------------------------------------------------------------------------ mutual kNN

/** Options of {@link mutualKnn}. */
export interface MutualKnnOptions {
  /** Neighbours per row, 1 ≤ k < N (CKNNA needs k ≥ 2). Default 10. */
  k?: number
  /** Distance in both spaces. Default 'cosine' (the Platonic-representation code's normalised inner product). */
  metric?: Metric
}

/** Mutual k-NN alignment of two representations. */
export interface MutualKnn {
  /** Mean over rows of |N_A(i) ∩ N_B(i)| / k, in [0, 1]; 1 for identical neighbourhoods. */
  value: number
  /**
   * CKNNA (Huh et al. 2024): centred kernel alignment restricted to mutual-neighbour pairs, in
   * [−1, 1]; NaN when undefined (k < 2, N < 4, or a non-positive self-alignment term).
   */
  cknna: number
  /** Per row, |N_A(i) ∩ N_B(i)| / |N_A(i) ∪ N_B(i)|. */
  jaccard: Float64Array
  /** Every effective option. */
  params: { k: number; metric: Metric }
  diagnostics: {
    rows: number
    /** Per row, |N_A(i) ∩ N_B(i)|. */
    intersections: Uint32Array
  }
}

type NativeMutual = { value: number; cknna: number; jaccard: Float64Array; intersections: Uint32Array; rows: number }

function finishMutual(p: Prepared<{ k: number; metric: Metric }>, r: NativeMutual): MutualKnn {
  return { value: r.value, cknna: r.cknna, jaccard: r.jaccard, params: p.opts, diagnostics: { rows: r.rows, intersections: r.intersections } }
}

const MUTUAL_TWINS = pairTwins('mutualKnn', kMetric(10, 'cosine'), finishMutual)

/**
 * Mutual k-nearest-neighbour alignment (Huh et al. 2024, "The Platonic Representation
 * Hypothesis"; platonic-rep `mutual_knn`): the mean fraction of each row's k nearest neighbours
 * shared by both representations; with CKNNA (platonic-rep `cknna`, unbiased HSIC, without its
 * `+1e-6` guard) and the per-row Jaccard index. Neighbours are exact (self excluded by index,
 * ties to the lower index). Cost: two exact kNN graphs (2·N²·d FLOPs each) + O(N·k·d); memory
 * O(N·k). Both inputs are copied once before this returns.
 *
 * @param A N × d_A matrix; @param B N × d_B matrix (same items, row by row).
 * @throws ERR_INVALID_ARG_TYPE, ERR_EMPTY, ERR_SHAPE (row counts differ), ERR_NON_FINITE,
 *   ERR_K_TOO_LARGE (k ≥ N), ERR_OUT_OF_RANGE (k < 1, unknown option), ERR_INVALID_ARG_VALUE
 *   (unknown metric), ERR_DEGENERATE (zero row under cosine), ABORT_ERR
 */
export function mutualKnn(A: MatrixLike, B: MatrixLike, options?: MutualKnnOptions & RunOptions): Promise<MutualKnn> {
  return MUTUAL_TWINS.async(A, B, options)
}

/** {@link mutualKnn} on the calling thread (blocks it; typed arrays are read in place). */
export function mutualKnnSync(A: MatrixLike, B: MatrixLike, options?: MutualKnnOptions): MutualKnn {
  return MUTUAL_TWINS.sync(A, B, options)
}

// ------------------------------------------------------------------------- separability dimension

/** Options of {@link separabilityDimension}. */
export interface SeparabilityDimensionOptions {
  /** Thresholds δ (finite numbers), in squared data units (of the unit rows under `normalize`). Default [0]. */
  deltas?: readonly number[]
  /** All N(N − 1) ordered pairs while that is ≤ maxPairs, else a seeded sample of maxPairs pairs. Default 10 000 000. */
  maxPairs?: number
  /** Seed of the pair sample (an integer ≥ 0). Default 0. */
  seed?: number
  /** Subtract the column means first. Default true. */
  center?: boolean
  /** Scale each (centred) row to unit norm. Default false. */
  normalize?: boolean
}

/** The separability dimension curve over the thresholds. */
export interface SeparabilityDimension {
  /** n(δ) = −1 − log₂ p(δ) for each δ of `params.deltas` (+Infinity where p = 0), in dimensions. */
  dimension: Float64Array
  /** p(δ): the fraction of ordered pairs (x, y) of distinct rows with ⟨x − y, y⟩ ≥ δ. */
  probability: Float64Array
  /** Every effective option. */
  params: { deltas: number[]; maxPairs: number; seed: number; center: boolean; normalize: boolean }
  diagnostics: {
    rows: number
    /** Ordered pairs evaluated: N(N − 1), or maxPairs when sampled. */
    pairs: number
    sampled: boolean
  }
}

const SEPARABILITY: Constraints = {
  deltas: is.numbers(),
  maxPairs: is.int(1),
  seed: is.int(0),
  center: is.bool,
  normalize: is.bool,
}

type NativeSeparability = { probability: Float64Array; dimension: Float64Array; pairs: number; sampled: boolean; rows: number }

function prepareSeparability(fn: string, X: MatrixLike, o: unknown, async: boolean) {
  const { opts, run } = measureOptions<SeparabilityDimensionOptions>(fn, o, SEPARABILITY, async)
  const { deltas, maxPairs, seed, center, normalize } = opts
  const params = {
    deltas: deltas === undefined ? [0] : [...deltas],
    maxPairs: maxPairs ?? 10_000_000,
    seed: seed ?? 0,
    center: center ?? true,
    normalize: normalize ?? false,
  }
  return { m: toMatrix('X', X), params, run }
}

function finishSeparability(params: SeparabilityDimension['params'], r: NativeSeparability): SeparabilityDimension {
  return { dimension: r.dimension, probability: r.probability, params, diagnostics: { rows: r.rows, pairs: r.pairs, sampled: r.sampled } }
}

/**
 * The separability dimension n(δ) = −1 − log₂ p(δ) of "Stealth edits for provably fixing or
 * attacking large language models" (Sutton et al. 2024; stealth-edits `calc_sep_intrinsic_dim`):
 * p(δ) is the probability that an ordered pair (x, y) of distinct (centred, optionally
 * normalised) rows is δ-separable, ⟨x − y, y⟩ ≥ δ, counted from one Gram pass over all pairs
 * (N²·d multiply-adds in GEMM tiles), or over a seeded sample of `maxPairs` pairs (ChaCha8)
 * when N(N − 1) > maxPairs (a sampled pair reads two random rows: about 20× the cost of a pair of
 * the exact pass, so sample only with maxPairs ≪ N(N − 1)). For the uniform n-ball, n(0) ≈ n. Extra memory: an f64 copy of X
 * plus a 2 MiB tile per thread. `X` is copied once before this returns.
 *
 * @param X N × d matrix, N ≥ 2.
 * @throws ERR_INVALID_ARG_TYPE, ERR_EMPTY (N < 2), ERR_NON_FINITE, ERR_OUT_OF_RANGE (empty or
 *   non-finite deltas, maxPairs < 1, seed < 0, unknown option), ERR_DEGENERATE (all rows equal,
 *   or a zero row under normalize), ABORT_ERR
 */
export function separabilityDimension(X: MatrixLike, options?: SeparabilityDimensionOptions & RunOptions): Promise<SeparabilityDimension> {
  return rejecting(() => {
    const { m, params, run } = prepareSeparability('separabilityDimension', X, options, true)
    return runAsync(run, [m.data] as const, (control, [data]: readonly [FloatArray]) =>
      native().separabilityDimension(data, m.cols, params, control),
    ).then((r) => finishSeparability(params, r))
  })
}

/** {@link separabilityDimension} on the calling thread (blocks it; typed-array input is read in place). */
export function separabilityDimensionSync(X: MatrixLike, options?: SeparabilityDimensionOptions): SeparabilityDimension {
  const { m, params } = prepareSeparability('separabilityDimensionSync', X, options, false)
  return finishSeparability(params, runSync(() => native().separabilityDimensionSync(m.data, m.cols, params)))
}
