/**
 * The measures `compare` and `compareMany` (src/comparison.ts) know, described once: the public
 * function pair that computes each, which of compare's shared options it takes, the fixed options
 * that select it (e.g. `{ debiased: true }`), the scalar fields of its result, its symmetry and
 * the identity that gives its diagonal.
 */
import { procrustes, procrustesSync, cca, ccaSync } from './align.js'
import { cka, ckaSync, linearity, linearitySync, rsa, rsaSync } from './compare.js'
import type { LinearMeasure } from './comparison-linear.js'
import type { DenseMatrix } from './input.js'
import { informationImbalance, informationImbalanceSync, mutualKnn, mutualKnnSync } from './neighborhood.js'

/** The options of compare that a measure may take. */
type Shared = 'metric' | 'k' | 'seed'

/** One measure as compare runs it. */
export interface MeasureSpec<R = unknown> {
  label: string
  about: string
  fn(A: DenseMatrix, B: DenseMatrix, options: Record<string, unknown>): Promise<R>
  fnSync(A: DenseMatrix, B: DenseMatrix, options: Record<string, unknown>): R
  /** compare's options it takes. */
  takes: readonly Shared[]
  /** Options that select this measure among its function's variants. */
  fixed: Record<string, unknown>
  /**
   * Options compareMany adds (it keeps only `fields`): they skip what it would drop, leaving the
   * fields the same to rounding.
   */
  lean?: Record<string, unknown>
  /** The scalars of a result; `primary` names the one of heatmaps and text. */
  fields(r: R): Record<string, number>
  primary: string
  /** 'symmetric': m(A, B) = m(B, A); 'both': one call gives both orders (`reversed`); 'directed': one call per order. */
  order: 'symmetric' | 'both' | 'directed'
  /** For order 'both': the fields of m(B, A) from the result of m(A, B). */
  reversed?(r: R): Record<string, number>
  /** The fields of m(X, X) when an identity gives them; otherwise they are computed. */
  identity?: Record<string, number>
  similarity: boolean
  range: readonly [number, number]
  /**
   * Set for the linear measures: the native measure that computes it in compare's shared entry
   * (src/comparison-linear.ts; one call per pair for all of them, bit-identical to `fn`).
   */
  linear?: LinearMeasure
}

type Fn<R> = (A: DenseMatrix, B: DenseMatrix, options: Record<string, unknown>) => R

/** A table entry, typed by its function's result. */
function measure<R>(
  s: Omit<MeasureSpec<R>, 'fn' | 'fnSync' | 'fields' | 'reversed'> & {
    fn: Fn<Promise<R>>
    fnSync: Fn<R>
    fields(r: NoInfer<R>): Record<string, number>
    reversed?(r: NoInfer<R>): Record<string, number>
  },
): MeasureSpec<R> {
  return s
}

const value = (r: { value: number }): Record<string, number> => ({ value: r.value })

// The function signatures take their own option types; the table passes only options they accept.
/* eslint-disable @typescript-eslint/no-explicit-any */
const as = <R>(f: (A: any, B: any, o?: any) => R): Fn<R> => f

/** What most entries share: a symmetric similarity in [0, 1] with identity 1, its `value` the cell. */
const SIMILARITY = {
  takes: [] as readonly Shared[],
  fixed: {},
  fields: value,
  primary: 'value',
  order: 'symmetric',
  identity: { value: 1 },
  similarity: true,
  range: [0, 1],
} as const

export const MEASURES = {
  cka: measure({
    ...SIMILARITY,
    linear: 'cka',
    label: 'linear CKA',
    about: 'Centred kernel alignment with linear kernels (Kornblith et al. 2019): 1 = the same up to rotation and isotropic scale.',
    fn: as(cka),
    fnSync: as(ckaSync),
    fixed: { kernel: 'linear', debiased: false },
  }),
  ckaDebiased: measure({
    ...SIMILARITY,
    linear: 'cka',
    label: 'debiased CKA',
    about: 'Linear CKA from the unbiased HSIC estimator (Song et al. 2012): plain CKA without its small-N bias toward 1.',
    fn: as(cka),
    fnSync: as(ckaSync),
    fixed: { kernel: 'linear', debiased: true },
  }),
  ckaRbf: measure({
    ...SIMILARITY,
    label: 'RBF CKA',
    about: 'CKA with Gaussian kernels, bandwidth the median distance (seeded row sample for large N).',
    fn: as(cka),
    fnSync: as(ckaSync),
    takes: ['seed'],
    fixed: { kernel: 'rbf' },
  }),
  procrustes: measure({
    ...SIMILARITY,
    linear: 'procrustes',
    label: 'Procrustes',
    about: 'Angular shape distance after the best rotation (Williams et al. 2021): 0 = the same up to rotation and scale, π/2 = unrelated.',
    fn: as(procrustes),
    fnSync: as(procrustesSync),
    lean: { rotation: false },
    fields: (r: { angular: number; distance: number }) => ({ angular: r.angular, distance: r.distance }),
    primary: 'angular',
    identity: { angular: 0, distance: 0 },
    similarity: false,
    range: [0, Math.PI / 2],
  }),
  cca: measure({
    ...SIMILARITY,
    linear: 'cca',
    label: 'CCA (mean correlation)',
    about: 'Mean canonical correlation: 1 = the same up to an invertible linear map.',
    fn: as(cca),
    fnSync: as(ccaSync),
    fixed: { variant: 'mean' },
  }),
  svcca: measure({
    ...SIMILARITY,
    linear: 'cca',
    label: 'SVCCA',
    about: 'Mean canonical correlation after keeping 99 % of each side’s variance (Raghu et al. 2017).',
    fn: as(cca),
    fnSync: as(ccaSync),
    fixed: { variant: 'svcca' },
  }),
  pwcca: measure({
    ...SIMILARITY,
    linear: 'cca',
    label: 'PWCCA',
    about: 'Canonical correlations weighted by how much of the first set they explain (Morcos et al. 2018).',
    fn: as(cca),
    fnSync: as(ccaSync),
    fixed: { variant: 'pwcca' },
    order: 'directed',
  }),
  linearity: measure({
    ...SIMILARITY,
    linear: 'linearity',
    label: 'linearity',
    about: 'Normalised least-squares fit of the second set from the first (Razzhigaev et al. 2024): 1 = a linear map explains it.',
    fn: as(linearity),
    fnSync: as(linearitySync),
    order: 'directed',
  }),
  rsa: measure({
    ...SIMILARITY,
    label: 'RSA',
    about: 'Correlation of the two pairwise-distance vectors (seeded sample of pairs for large N).',
    fn: as(rsa),
    fnSync: as(rsaSync),
    takes: ['metric', 'seed'],
    range: [-1, 1],
  }),
  mutualKnn: measure({
    ...SIMILARITY,
    label: 'mutual kNN',
    about: 'Mean share of each row’s k nearest neighbours found in both sets (Huh et al. 2024); cknna is CKA restricted to them.',
    fn: as(mutualKnn),
    fnSync: as(mutualKnnSync),
    takes: ['metric', 'k'],
    fields: (r: { value: number; cknna: number }) => ({ value: r.value, cknna: r.cknna }),
    identity: { value: 1, cknna: 1 },
  }),
  informationImbalance: measure({
    label: 'information imbalance',
    about: 'Δ(first → second) (Glielmo et al. 2022): near 0 = the first set’s neighbours predict the second’s; near 1 = no information.',
    fn: as(informationImbalance),
    fnSync: as(informationImbalanceSync),
    takes: ['metric', 'k'],
    fixed: {},
    fields: (r: { aToB: number; bToA: number }) => ({ value: r.aToB }),
    reversed: (r: { aToB: number; bToA: number }) => ({ value: r.bToA }),
    primary: 'value',
    order: 'both',
    similarity: false,
    range: [0, 1],
  }),
}

/** A measure compare knows. */
export type MeasureName = keyof typeof MEASURES

/** Every measure name, in table order. */
export const MEASURE_NAMES = Object.keys(MEASURES) as MeasureName[]

/** What each measure's function returns. */
export type MeasureResults = { [K in MeasureName]: Awaited<ReturnType<(typeof MEASURES)[K]['fn']>> }
