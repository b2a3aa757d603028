/**
 * Principal component analysis with scikit-learn semantics (api.md "PCA and whitening"):
 * covariance + eigendecomposition, thin SVD or seeded randomized SVD; exact streaming with
 * partialFit and merge; JSON and safetensors model files.
 */
import { embgeoError } from './errors.js'
import { type DenseMatrix, type MatrixLike } from './input.js'
import { bytesArg, FittedModel, jsonText, type ModelOp, type NativeModel } from './model.js'
import { native } from './native.js'
import { runSync, type RunOptions } from './run.js'
import { checkInteger, is, validateOptions, type Constraints } from './validate.js'

/** Options of {@link PCA} (scikit-learn's, in camelCase). */
export interface PCAOptions {
  /** A count (1 ≤ k ≤ min(n, d)) or `{ varianceRatio }` in (0, 1); default all components. */
  nComponents?: number | { varianceRatio: number }
  /** Subtract the mean first (default true). */
  center?: boolean
  /** Scale transformed outputs to unit variance (default false). */
  whiten?: boolean
  /** 'auto' (default: covariance when n ≥ 10·d, else SVD or randomized as scikit-learn), 'covariance', 'svd', 'randomized'. */
  solver?: 'auto' | 'covariance' | 'svd' | 'randomized'
  /** Seed of the randomized solver (default 0). */
  seed?: number
}

type NativePca = InstanceType<ReturnType<typeof native>['NativePca']>
type State = NonNullable<ReturnType<NativePca['state']>>

const FROM_NATIVE: unique symbol = Symbol('PCA.fromNative')

/** The constraints of {@link PCAOptions}. */
const PCA_OPTIONS: Constraints = {
  nComponents: is.custom,
  center: is.bool,
  whiten: is.bool,
  solver: is.oneOf('auto', 'covariance', 'svd', 'randomized'),
  seed: is.int(0, Number.MAX_SAFE_INTEGER),
}

/** Validated options in the native form (`nComponents` as the crate's `{ count }` or `{ varianceRatio }`). */
function nativeOptions(options: PCAOptions | undefined): object {
  const o = validateOptions<PCAOptions>('PCA', options, PCA_OPTIONS)
  const n = o.nComponents
  if (n === undefined) return o
  if (typeof n === 'number') return { ...o, nComponents: { count: checkInteger('options.nComponents', n, 1, 2 ** 31) } }
  if (n === null || typeof n !== 'object') {
    throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.nComponents must be a number or { varianceRatio: number }')
  }
  const r = validateOptions<{ varianceRatio?: number }>('PCA options.nComponents', n, { varianceRatio: is.unitOpen })
  if (r.varianceRatio === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.nComponents must be a number or { varianceRatio: number }')
  return { ...o, nComponents: { varianceRatio: r.varianceRatio } }
}

/**
 * PCA of the rows of a matrix. Learned attributes are available after `fit`/`partialFit`
 * (reading them earlier throws `ERR_NOT_FITTED`). A fit replaces the state only when it
 * succeeds. While a job on the model is pending (queued or running), every fit or change
 * (`fit`, `partialFit`, `merge`, `dispose`) throws `ERR_BUSY`, and so does a transform while a
 * fit is pending.
 */
export class PCA extends FittedModel<State> {
  constructor(options?: PCAOptions) {
    const loaded = (options as { [FROM_NATIVE]?: NativePca } | undefined)?.[FROM_NATIVE]
    super((loaded ?? runSync(() => new (native().NativePca)(nativeOptions(options)))) as NativeModel<State>, 'PCA')
  }

  protected inputWidth(s: State, op: 'transform' | 'inverseTransform'): number {
    return op === 'transform' ? s.nFeaturesIn : s.nComponents
  }

  protected outputWidth(s: State, op: ModelOp): number {
    return op === 'inverseTransform' ? s.nFeaturesIn : s.nComponents
  }

  /** Fit on all rows of X (n ≥ 2), on embgeo's pool. @throws ERR_EMPTY, ERR_NON_FINITE, ERR_SHAPE, ERR_OUT_OF_RANGE (nComponents > min(n, d)), ERR_BUSY, ABORT_ERR */
  async fit(X: MatrixLike, run?: RunOptions): Promise<this> {
    await this.job('fit', 'fit', X, run)
    return this
  }

  /** {@link PCA.fit} on the calling thread (blocks it). */
  fitSync(X: MatrixLike): this {
    this.jobSync('fitSync', 'fit', X)
    return this
  }

  /**
   * Add rows to the exact streaming moments (f64 mean and co-moment matrix, Chan merge); the
   * refit from them (one eigendecomposition) runs once, on the next read of a learned attribute,
   * transform or save, not on every call. After any sequence of partialFit calls the model equals
   * a batch fit of all rows (covariance solver). No data is kept. Blocks the calling thread.
   * @throws ERR_BUSY
   */
  partialFit(X: MatrixLike): this {
    this.partialFitRows(X, undefined)
    return this
  }

  /**
   * Combine another PCA's moments (partial fits or covariance fits of other shards or workers)
   * into this one; this PCA may be unfitted.
   * @throws ERR_NOT_FITTED (other has seen no rows), ERR_OUT_OF_RANGE (a model fitted by the SVD or randomized solver), ERR_SHAPE, ERR_BUSY
   */
  merge(other: PCA): this {
    this.mergeFrom(other, PCA)
    return this
  }

  /** Fit, then transform the same rows. */
  async fitTransform(X: MatrixLike, run?: RunOptions): Promise<DenseMatrix> {
    return (await this.job('fitTransform', 'fitTransform', X, run))!
  }

  /** {@link PCA.fitTransform} on the calling thread. */
  fitTransformSync(X: MatrixLike): DenseMatrix {
    return this.jobSync('fitTransformSync', 'fitTransform', X)!
  }

  /** nComponents × nFeatures principal axes (scikit-learn ≥ 1.5 sign rule). */
  get components(): DenseMatrix {
    const s = this.fitted()
    return { data: s.components, rows: s.nComponents, cols: s.nFeaturesIn }
  }
  declare readonly explainedVariance: Float64Array
  declare readonly explainedVarianceRatio: Float64Array
  declare readonly singularValues: Float64Array
  declare readonly mean: Float64Array
  declare readonly noiseVariance: number
  declare readonly nComponents: number
  declare readonly nFeaturesIn: number
  declare readonly nSamplesSeen: number
  /** The solver that ran ('covariance', 'svd' or 'randomized'). */
  declare readonly solver: string
  static {
    this.stateAccessors(PCA, [
      'explainedVariance',
      'explainedVarianceRatio',
      'singularValues',
      'mean',
      'noiseVariance',
      'nComponents',
      'nFeaturesIn',
      'nSamplesSeen',
      'solver',
    ])
  }

  /** Load a model from {@link PCA.toJSON}'s object or its JSON text. @throws ERR_BAD_MODEL */
  static fromJSON(json: unknown): PCA {
    const text = jsonText(json, 'PCA')
    return new PCA({ [FROM_NATIVE]: runSync(() => native().NativePca.fromJson(text)) } as PCAOptions)
  }

  /** Load a model written by {@link PCA.serialize}. @throws ERR_BAD_MODEL */
  static deserialize(bytes: Uint8Array): PCA {
    const b = bytesArg(bytes, 'PCA')
    return new PCA({ [FROM_NATIVE]: runSync(() => native().NativePca.deserialize(b)) } as PCAOptions)
  }
}
