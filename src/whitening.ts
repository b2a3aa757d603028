/**
 * Whitening and post-processing of embedding sets (api.md "PCA and whitening"): `Whitener`
 * (PCA / ZCA whitening, WhiteningBERT top-k, Zipfian frequency-weighted whitening), presets in
 * `whitening`, and `allButTheTop`.
 */
import { embgeoError } from './errors.js'
import { toMatrix, type DenseMatrix, type FloatArray, type MatrixLike } from './input.js'
import { bytesArg, FittedModel, jsonText, type ModelOp, type NativeModel } from './model.js'
import { native } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { is, RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

/** Options of {@link Whitener}. */
export interface WhitenerOptions {
  /** 'pca' (rotate onto the principal axes and scale; k outputs) or 'zca' (rotate back; d outputs). Default 'pca'. */
  method?: 'pca' | 'zca'
  /** Keep the top k axes (WhiteningBERT); default all d. */
  nComponents?: number
  /** Added to every eigenvalue before the inverse square root (shrinkage); default 1e-8. */
  epsilon?: number
  /** Subtract the (weighted) mean; default true. */
  center?: boolean
  /** 'l2' scales each output row to unit norm (for cosine search); default false. */
  normalize?: false | 'l2'
}

/** Options of {@link Whitener.fit}: run options plus per-row weights (Zipfian whitening). */
export interface WhitenerFitOptions extends RunOptions {
  /** One non-negative weight per row (e.g. token or item frequency): weighted mean and covariance. */
  weights?: FloatArray | readonly number[]
}

type NativeWhitener = InstanceType<ReturnType<typeof native>['NativeWhitener']>
type State = NonNullable<ReturnType<NativeWhitener['state']>>

const FROM_NATIVE: unique symbol = Symbol('Whitener.fromNative')

/** The constraints of {@link WhitenerOptions}. */
const WHITENER_OPTIONS: Constraints = {
  method: is.oneOf('pca', 'zca'),
  nComponents: is.int(1, 2 ** 31),
  epsilon: is.num({ min: 0 }),
  center: is.bool,
  normalize: is.custom,
}

function nativeOptions(options: WhitenerOptions | undefined): object {
  const o = validateOptions<WhitenerOptions>('Whitener', options, WHITENER_OPTIONS)
  if (o.normalize === undefined) return o
  if (o.normalize !== false && o.normalize !== 'l2') {
    const code = typeof o.normalize === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE'
    throw embgeoError(code, `options.normalize must be false or 'l2'; got ${String(o.normalize)}`, { name: 'options.normalize' })
  }
  return { ...o, normalize: o.normalize === 'l2' }
}

function weightsArg(weights: unknown, rows: number): Float64Array | undefined {
  if (weights === undefined) return undefined
  let w: Float64Array
  if (weights instanceof Float64Array) w = weights
  else if (weights instanceof Float32Array || Array.isArray(weights)) w = Float64Array.from(weights as ArrayLike<number>)
  else throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.weights must be a Float64Array, Float32Array or number[] with one weight per row')
  if (w.length !== rows) throw embgeoError('ERR_SHAPE', `options.weights has ${w.length} values but X has ${rows} rows`, { expected: rows, actual: w.length })
  return w
}

/**
 * A whitening transform fitted to a set of rows: `Y = (X − μ) W`. PCA whitening keeps the top
 * `nComponents` axes; ZCA rotates back to feature space; weights at fit time give Zipfian
 * whitening. Learned state: `mean`, `matrix` (d × out), `eigenvalues`. Exact streaming and
 * shards: `partialFit` and `merge` (f64 moments, Chan merge with weight sums) give the whitener
 * of a batch `fit` of all rows; `serialize()` keeps the moments. The busy rule of
 * {@link PCA} applies (`ERR_BUSY` for a fit, partialFit, merge or dispose while a job is pending).
 */
export class Whitener extends FittedModel<State> {
  constructor(options?: WhitenerOptions) {
    const loaded = (options as { [FROM_NATIVE]?: NativeWhitener } | undefined)?.[FROM_NATIVE]
    super((loaded ?? runSync(() => new (native().NativeWhitener)(nativeOptions(options)))) as NativeModel<State>, 'Whitener')
  }

  protected inputWidth(s: State, op: 'transform' | 'inverseTransform'): number {
    return op === 'transform' ? s.nFeatures : s.outDim
  }

  protected outputWidth(s: State, op: ModelOp): number {
    return op === 'inverseTransform' ? s.nFeatures : s.outDim
  }

  protected override fitOptions(): Constraints {
    return { weights: is.custom }
  }

  protected override weights(o: Record<string, unknown>, rows: number): Float64Array | undefined {
    return weightsArg(o.weights, rows)
  }

  /** Fit mean and covariance (weighted when `weights` is given), on embgeo's pool. @throws ERR_EMPTY, ERR_NON_FINITE, ERR_SHAPE, ERR_DEGENERATE (singular covariance: message gives the rank and a workable epsilon/nComponents), ERR_OUT_OF_RANGE (weights), ERR_BUSY, ABORT_ERR */
  async fit(X: MatrixLike, options?: WhitenerFitOptions): Promise<this> {
    await this.job('fit', 'fit', X, options)
    return this
  }

  /** {@link Whitener.fit} on the calling thread. */
  fitSync(X: MatrixLike, options?: { weights?: FloatArray | readonly number[] }): this {
    this.jobSync('fitSync', 'fit', X, options)
    return this
  }

  /** Fit, then whiten the same rows. */
  async fitTransform(X: MatrixLike, options?: WhitenerFitOptions): Promise<DenseMatrix> {
    return (await this.job('fitTransform', 'fitTransform', X, options))!
  }

  /** {@link Whitener.fitTransform} on the calling thread. */
  fitTransformSync(X: MatrixLike, options?: { weights?: FloatArray | readonly number[] }): DenseMatrix {
    return this.jobSync('fitTransformSync', 'fitTransform', X, options)!
  }

  /**
   * Add rows (with one weight per row for Zipfian whitening) to the exact streaming moments; the
   * refit from them runs once, on the next read of the learned state, transform or save. After
   * any sequence of partialFit and merge calls the whitener equals a
   * batch `fit` of all rows with the same weights (to rounding). No data is kept. It stays
   * unfitted (transform throws ERR_NOT_FITTED) while the rows seen cannot be whitened alone
   * (fewer than 2, all weights 0, identical rows, fewer rows than components). Blocks the
   * calling thread.
   * @throws ERR_SHAPE (another width, weights length), ERR_NON_FINITE, ERR_OUT_OF_RANGE (bad
   * weights; weights on a whitener fitted without them or the other way round), ERR_BUSY
   */
  partialFit(X: MatrixLike, options?: { weights?: FloatArray | readonly number[] }): this {
    this.partialFitRows(X, options)
    return this
  }

  /**
   * Combine another Whitener's moments (fits made on other shards or workers) into this one,
   * which may be unfitted; this whitener's options are kept.
   * @throws ERR_NOT_FITTED (other has seen no rows), ERR_OUT_OF_RANGE (one weighted and the other not), ERR_SHAPE, ERR_BUSY
   */
  merge(other: Whitener): this {
    this.mergeFrom(other, Whitener)
    return this
  }

  /** The (weighted) mean, d values. */
  declare readonly mean: Float64Array
  /** Kept covariance eigenvalues (without epsilon), decreasing. */
  declare readonly eigenvalues: Float64Array
  declare readonly nSamplesSeen: number
  static {
    this.stateAccessors(Whitener, ['mean', 'eigenvalues', 'nSamplesSeen'])
  }
  /** The whitening matrix W, d × out, so that Y = (X − mean) W. */
  get matrix(): DenseMatrix {
    const s = this.fitted()
    return { data: s.matrix, rows: s.nFeatures, cols: s.outDim }
  }
  get nFeaturesIn(): number {
    return this.fitted().nFeatures
  }

  /** Load a model from {@link Whitener.toJSON}'s object or JSON text. @throws ERR_BAD_MODEL */
  static fromJSON(json: unknown): Whitener {
    const text = jsonText(json, 'Whitener')
    return new Whitener({ [FROM_NATIVE]: runSync(() => native().NativeWhitener.fromJson(text)) } as WhitenerOptions)
  }

  /** Load a model written by {@link Whitener.serialize}. @throws ERR_BAD_MODEL */
  static deserialize(bytes: Uint8Array): Whitener {
    const b = bytesArg(bytes, 'Whitener')
    return new Whitener({ [FROM_NATIVE]: runSync(() => native().NativeWhitener.deserialize(b)) } as WhitenerOptions)
  }
}

/** Presets of the whitening variants in the literature. */
export const whitening = {
  /** WhiteningBERT / BERT-whitening (Huang et al. 2021; Su et al. 2021): PCA whitening of the top `nComponents` axes, epsilon 0. */
  bert(options?: { nComponents?: number }): Whitener {
    const o = validateOptions<{ nComponents?: number }>('whitening.bert', options, { nComponents: WHITENER_OPTIONS.nComponents! })
    return new Whitener({ method: 'pca', nComponents: o.nComponents, epsilon: 0 })
  },
  /** ZCA (Mahalanobis) whitening: rotate, scale, rotate back; `epsilon` default 1e-8. */
  zca(options?: { epsilon?: number }): Whitener {
    const o = validateOptions<{ epsilon?: number }>('whitening.zca', options, { epsilon: WHITENER_OPTIONS.epsilon! })
    return new Whitener({ method: 'zca', epsilon: o.epsilon ?? 1e-8 })
  },
  /** Zipfian whitening (Yokoi et al. 2024): pass word/item frequencies as `weights` to `fit`. */
  zipfian(options?: { nComponents?: number }): Whitener {
    const o = validateOptions<{ nComponents?: number }>('whitening.zipfian', options, { nComponents: WHITENER_OPTIONS.nComponents! })
    return new Whitener({ method: 'pca', nComponents: o.nComponents, epsilon: 0 })
  },
}

/** All-but-the-top output: the processed rows plus what was removed. */
export interface AllButTheTopResult extends DenseMatrix {
  /** The subtracted mean (d values). */
  mean: Float64Array
  /** The removed principal directions, remove × d. */
  directions: DenseMatrix
}

const ABTT_OPTIONS: Constraints = { remove: is.int(0) }

/** Validate the input and options of both twins (`remove` ≤ d). */
function prepareAbtt(fn: string, X: MatrixLike, options: unknown, table: Constraints) {
  const m = toMatrix('X', X)
  if (options === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options is required: { remove }')
  const o = validateOptions<{ remove?: number } & RunOptions>(fn, options, { ...ABTT_OPTIONS, ...table })
  if (o.remove === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.remove is required')
  if (o.remove > m.cols) throw embgeoError('ERR_OUT_OF_RANGE', `options.remove must be an integer from 0 to ${m.cols}; got ${o.remove}`, { name: 'options.remove' })
  return { m, o, native: { remove: o.remove } }
}

function finishAbtt(r: { data: FloatArray; mean: Float64Array; directions: Float64Array }, cols: number, remove: number): AllButTheTopResult {
  return { data: r.data, rows: r.data.length / cols, cols, mean: r.mean, directions: { data: r.directions, rows: remove, cols } }
}

/**
 * All-but-the-top (Mu & Viswanath, ICLR 2018): subtract the mean, then remove the projections
 * on the top `remove` principal directions (the paper suggests about d / 100).
 * @throws ERR_EMPTY (n < 2), ERR_NON_FINITE, ERR_OUT_OF_RANGE (remove > d, unknown option), ABORT_ERR
 */
export function allButTheTop(X: MatrixLike, options: { remove: number } & RunOptions): Promise<AllButTheTopResult> {
  return rejecting(() => {
    const p = prepareAbtt('allButTheTop', X, options, RUN)
    return runAsync(p.o, [p.m.data] as const, (c, [d]) => native().allButTheTop(d, p.m.cols, p.native, c)).then((r) =>
      finishAbtt(r, p.m.cols, p.native.remove),
    )
  })
}

/** {@link allButTheTop} on the calling thread. */
export function allButTheTopSync(X: MatrixLike, options: { remove: number }): AllButTheTopResult {
  const p = prepareAbtt('allButTheTop', X, options, SYNC_RUN)
  return finishAbtt(runSync(() => native().allButTheTopSync(p.m.data, p.m.cols, p.native)), p.m.cols, p.native.remove)
}
