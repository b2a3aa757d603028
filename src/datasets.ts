/**
 * Benchmark manifolds of scikit-dimension (`BenchmarkManifolds`, after Hein & Audibert 2005 and
 * Campadelli et al. 2015) with their true intrinsic dimensions: data with a known answer for
 * intrinsic-dimension estimators.
 */
import { embgeoError } from './errors.js'
import { checkInteger, checkOptions, type DenseMatrix } from './input.js'
import { native } from './native.js'
import { runSync } from './run.js'

/** Names of the 24 benchmark manifolds, in scikit-dimension's order. */
export type ManifoldName =
  | 'M1_Sphere'
  | 'M2_Affine_3to5'
  | 'M3_Nonlinear_4to6'
  | 'M4_Nonlinear'
  | 'M5a_Helix1d'
  | 'M5b_Helix2d'
  | 'M6_Nonlinear'
  | 'M7_Roll'
  | 'M8_Nonlinear'
  | 'M9_Affine'
  | 'M10a_Cubic'
  | 'M10b_Cubic'
  | 'M10c_Cubic'
  | 'M10d_Cubic'
  | 'M11_Moebius'
  | 'M12_Norm'
  | 'M13a_Scurve'
  | 'M13b_Spiral'
  | 'Mbeta'
  | 'Mn1_Nonlinear'
  | 'Mn2_Nonlinear'
  | 'Mp1_Paraboloid'
  | 'Mp2_Paraboloid'
  | 'Mp3_Paraboloid'

/** One benchmark manifold: its name, true intrinsic dimension and ambient dimension (columns). */
export interface ManifoldInfo {
  readonly name: ManifoldName
  readonly intrinsicDimension: number
  readonly ambientDimension: number
}

const TABLE: readonly (readonly [ManifoldName, number, number])[] = [
  ['M1_Sphere', 10, 11],
  ['M2_Affine_3to5', 3, 5],
  ['M3_Nonlinear_4to6', 4, 6],
  ['M4_Nonlinear', 4, 8],
  ['M5a_Helix1d', 1, 3],
  ['M5b_Helix2d', 2, 3],
  ['M6_Nonlinear', 6, 36],
  ['M7_Roll', 2, 3],
  ['M8_Nonlinear', 12, 72],
  ['M9_Affine', 20, 20],
  ['M10a_Cubic', 10, 11],
  ['M10b_Cubic', 17, 18],
  ['M10c_Cubic', 24, 25],
  ['M10d_Cubic', 70, 71],
  ['M11_Moebius', 2, 3],
  ['M12_Norm', 20, 20],
  ['M13a_Scurve', 2, 3],
  ['M13b_Spiral', 1, 13],
  ['Mbeta', 10, 40],
  ['Mn1_Nonlinear', 18, 72],
  ['Mn2_Nonlinear', 24, 96],
  ['Mp1_Paraboloid', 3, 12],
  ['Mp2_Paraboloid', 6, 21],
  ['Mp3_Paraboloid', 9, 30],
]

/** The 24 benchmark manifolds (scikit-dimension 0.5.0 `BenchmarkManifolds`), in its order. */
export const manifolds: readonly ManifoldInfo[] = Object.freeze(
  TABLE.map(([name, intrinsicDimension, ambientDimension]) => Object.freeze({ name, intrinsicDimension, ambientDimension })),
)

/** Options of {@link benchmarkManifold}. */
export interface BenchmarkManifoldOptions {
  /** Number of points, an integer from 1 to 2^32 − 1. */
  n: number
  /** Uniform noise (U − 0.5)·noise added to every coordinate; default 0. */
  noise?: number
  /** Seed of the ChaCha8 stream; an integer from 0 to 2^53 − 1, default 0. */
  seed?: number
}

/** A generated benchmark manifold: an n × ambient-dimension f64 matrix and its true ID. */
export type BenchmarkManifold = DenseMatrix & { data: Float64Array; intrinsicDimension: number; name: ManifoldName }

/**
 * Points on one of scikit-dimension's benchmark manifolds. Same formulas as
 * `skdim.datasets.BenchmarkManifolds`; the random numbers come from a seeded ChaCha8 stream, so
 * the points are statistically (not bitwise) the reference's, and identical on every platform.
 *
 * @param name one of {@link manifolds}' names.
 * @returns `{ data, rows: n, cols: ambient dimension, intrinsicDimension, name }`.
 * @throws ERR_INVALID_ARG_TYPE (wrong types), ERR_OUT_OF_RANGE (unknown name, n not an integer
 *   ≥ 1, negative or non-finite noise, bad seed)
 */
export function benchmarkManifold(name: ManifoldName, options: BenchmarkManifoldOptions): BenchmarkManifold {
  if (typeof name !== 'string') {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `name must be a string (one of datasets.manifolds' names); got ${typeof name}`)
  }
  if (!TABLE.some(([m]) => m === name)) {
    throw embgeoError('ERR_OUT_OF_RANGE', `name must be one of ${TABLE.map(([m]) => `'${m}'`).join(', ')}; got '${name}'`)
  }
  if (options === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options is required: { n }')
  const o = checkOptions('options', options)
  if (o.n === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.n is required (the number of points)')
  const n = checkInteger('options.n', o.n, 1, 0xffff_ffff)
  const noise = o.noise ?? 0
  if (typeof noise !== 'number') throw embgeoError('ERR_INVALID_ARG_TYPE', `options.noise must be a number; got ${typeof noise}`)
  if (!(noise >= 0) || !Number.isFinite(noise)) {
    throw embgeoError('ERR_OUT_OF_RANGE', `options.noise must be a finite number >= 0; got ${noise}`)
  }
  const seed = o.seed === undefined ? 0 : checkInteger('options.seed', o.seed, 0)
  const m = runSync(() => native().intdimBenchmarkManifold(name, n, noise, seed))
  return { data: m.data, rows: m.rows, cols: m.cols, intrinsicDimension: m.intrinsicDimension, name }
}
