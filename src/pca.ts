/**
 * Principal component analysis with scikit-learn semantics (api.md "PCA and whitening"):
 * covariance + eigendecomposition, thin SVD or seeded randomized SVD; exact streaming with
 * partialFit and merge; JSON and safetensors model files.
 */
import { embgeoError } from './errors.js'
import { checkInteger, checkOptions, type DenseMatrix, type MatrixLike } from './input.js'
import { asMatrix, bytesArg, disposeSymbol, input, jsonText, runModel, runModelSync, runOptions, type ModelOp } from './model.js'
import { native } from './native.js'
import { runSync, type RunOptions } from './run.js'

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

const SOLVERS = ['auto', 'covariance', 'svd', 'randomized']
const FROM_NATIVE: unique symbol = Symbol('PCA.fromNative')

function checkBoolean(name: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined) return fallback
  if (typeof v !== 'boolean') throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a boolean; got ${typeof v}`)
  return v
}

function nativeOptions(options: PCAOptions | undefined) {
  const o = checkOptions('options', options)
  let nComponents: number | undefined
  let varianceRatio: number | undefined
  if (typeof o.nComponents === 'number') nComponents = checkInteger('options.nComponents', o.nComponents, 1, 2 ** 31)
  else if (o.nComponents !== undefined) {
    const r = checkOptions('options.nComponents', o.nComponents as { varianceRatio: number }).varianceRatio
    if (typeof r !== 'number') throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.nComponents must be a number or { varianceRatio: number }')
    if (!(r > 0 && r < 1)) throw embgeoError('ERR_OUT_OF_RANGE', `options.nComponents.varianceRatio must be in (0, 1); got ${r}`)
    varianceRatio = r
  }
  const solver = o.solver ?? 'auto'
  if (typeof solver !== 'string') throw embgeoError('ERR_INVALID_ARG_TYPE', `options.solver must be a string; got ${typeof solver}`)
  if (!SOLVERS.includes(solver)) throw embgeoError('ERR_OUT_OF_RANGE', `options.solver must be one of 'auto', 'covariance', 'svd', 'randomized'; got '${solver}'`)
  const seed = o.seed === undefined ? 0 : checkInteger('options.seed', o.seed, 0, Number.MAX_SAFE_INTEGER)
  return {
    nComponents,
    varianceRatio,
    center: checkBoolean('options.center', o.center, true),
    whiten: checkBoolean('options.whiten', o.whiten, false),
    solver,
    seed,
  }
}

/**
 * PCA of the rows of a matrix. Learned attributes are available after `fit`/`partialFit`
 * (reading them earlier throws `ERR_NOT_FITTED`). A fit replaces the state only when it
 * succeeds; a second fit while one runs throws `ERR_BUSY`.
 */
export class PCA {
  readonly #native: NativePca
  #state: State | null | undefined
  #fitting = false

  constructor(options?: PCAOptions) {
    const loaded = (options as { [FROM_NATIVE]?: NativePca } | undefined)?.[FROM_NATIVE]
    this.#native = loaded ?? runSync(() => new (native().NativePca)(nativeOptions(options)))
  }

  #fitted(): State {
    this.#state ??= this.#native.state()
    if (this.#state === null) {
      throw embgeoError('ERR_NOT_FITTED', 'This PCA instance is not fitted yet. Call fit() or partialFit() before using it.')
    }
    return this.#state
  }

  #width(op: ModelOp): number {
    const s = op === 'fit' || op === 'fitTransform' ? undefined : this.#fitted()
    return op === 'inverseTransform' ? s!.nFeaturesIn : op === 'transform' ? s!.nComponents : 0
  }

  #checkFeatures(X: DenseMatrix, op: ModelOp): void {
    if (op !== 'transform' && op !== 'inverseTransform') return
    const s = this.#fitted()
    const want = op === 'transform' ? s.nFeaturesIn : s.nComponents
    if (X.cols !== want) {
      const what = op === 'transform' ? 'features' : 'components'
      throw embgeoError('ERR_SHAPE', `X has ${X.cols} ${what}, but PCA is expecting ${want} ${what} as input`, { expected: want, actual: X.cols })
    }
  }

  #claim(op: ModelOp): boolean {
    if (op !== 'fit' && op !== 'fitTransform') return false
    if (this.#fitting) throw embgeoError('ERR_BUSY', 'this PCA is already fitting; await the running fit() first')
    this.#fitting = true
    return true
  }

  async #run(op: ModelOp, X: MatrixLike, run?: RunOptions): Promise<DenseMatrix | null> {
    const m = input('X', X)
    this.#checkFeatures(m, op)
    const claimed = this.#claim(op)
    let out
    try {
      out = await runModel(runOptions(run), m.data, (c, d) => this.#native.run(op, d, m.cols, c as never))
    } finally {
      if (claimed) this.#fitting = false
      if (claimed) this.#native.syncMemory()
    }
    if (op === 'fit' || op === 'fitTransform') this.#state = undefined
    return out === null ? null : asMatrix(out, op === 'fitTransform' ? this.#fitted().nComponents : this.#width(op))
  }

  #runSync(op: ModelOp, X: MatrixLike): DenseMatrix | null {
    const m = input('X', X)
    this.#checkFeatures(m, op)
    if ((op === 'fit' || op === 'fitTransform') && this.#fitting) throw embgeoError('ERR_BUSY', 'a fit() of this model is running; await it first')
    const out = runModelSync(() => this.#native.runSync(op, m.data, m.cols))
    if (op === 'fit' || op === 'fitTransform') this.#state = undefined
    return out === null ? null : asMatrix(out, op === 'fitTransform' ? this.#fitted().nComponents : this.#width(op))
  }

  /** Fit on all rows of X (n ≥ 2), on embgeo's pool. @throws ERR_EMPTY, ERR_NON_FINITE, ERR_SHAPE, ERR_OUT_OF_RANGE (nComponents > min(n, d)), ERR_BUSY, ABORT_ERR */
  async fit(X: MatrixLike, run?: RunOptions): Promise<this> {
    await this.#run('fit', X, run)
    return this
  }

  /** {@link PCA.fit} on the calling thread (blocks it). */
  fitSync(X: MatrixLike): this {
    this.#runSync('fit', X)
    return this
  }

  /**
   * Add rows to the exact streaming moments (f64 mean and co-moment matrix, Chan merge) and
   * refit from them: after any sequence of partialFit calls the model equals a batch fit of all
   * rows (covariance solver). No data is kept. Blocks the calling thread.
   */
  partialFit(X: MatrixLike): this {
    const m = input('X', X)
    if (this.#fitting) throw embgeoError('ERR_BUSY', 'a fit() of this PCA is running; await it first')
    runSync(() => this.#native.partialFit(m.data, m.cols))
    this.#state = undefined
    return this
  }

  /** Combine another PCA's partial fits (other shards or workers) into this one. */
  merge(other: PCA): this {
    if (!(other instanceof PCA)) throw embgeoError('ERR_INVALID_ARG_TYPE', 'merge expects another PCA')
    if (runSync(() => other.#native.state()) === null) {
      throw embgeoError('ERR_NOT_FITTED', 'the PCA passed to merge() is not fitted yet; call its partialFit() (or fit() with the covariance solver) first')
    }
    runSync(() => this.#native.merge(other.#native))
    this.#state = undefined
    return this
  }

  /** Project rows onto the components: n × nComponents, in X's element type. */
  async transform(X: MatrixLike, run?: RunOptions): Promise<DenseMatrix> {
    return (await this.#run('transform', X, run))!
  }

  /** {@link PCA.transform} on the calling thread. */
  transformSync(X: MatrixLike): DenseMatrix {
    return this.#runSync('transform', X)!
  }

  /** Fit, then transform the same rows. */
  async fitTransform(X: MatrixLike, run?: RunOptions): Promise<DenseMatrix> {
    return (await this.#run('fitTransform', X, run))!
  }

  /** {@link PCA.fitTransform} on the calling thread. */
  fitTransformSync(X: MatrixLike): DenseMatrix {
    return this.#runSync('fitTransform', X)!
  }

  /** Map projected rows (n × nComponents) back to feature space (n × nFeaturesIn). */
  async inverseTransform(Y: MatrixLike, run?: RunOptions): Promise<DenseMatrix> {
    return (await this.#run('inverseTransform', Y, run))!
  }

  /** {@link PCA.inverseTransform} on the calling thread. */
  inverseTransformSync(Y: MatrixLike): DenseMatrix {
    return this.#runSync('inverseTransform', Y)!
  }

  /** nComponents × nFeatures principal axes (scikit-learn ≥ 1.5 sign rule). */
  get components(): DenseMatrix {
    const s = this.#fitted()
    return { data: s.components, rows: s.nComponents, cols: s.nFeaturesIn }
  }
  get explainedVariance(): Float64Array {
    return this.#fitted().explainedVariance
  }
  get explainedVarianceRatio(): Float64Array {
    return this.#fitted().explainedVarianceRatio
  }
  get singularValues(): Float64Array {
    return this.#fitted().singularValues
  }
  get mean(): Float64Array {
    return this.#fitted().mean
  }
  get noiseVariance(): number {
    return this.#fitted().noiseVariance
  }
  get nComponents(): number {
    return this.#fitted().nComponents
  }
  get nFeaturesIn(): number {
    return this.#fitted().nFeaturesIn
  }
  get nSamplesSeen(): number {
    return this.#fitted().nSamplesSeen
  }
  /** The solver that ran ('covariance', 'svd' or 'randomized'). */
  get solver(): string {
    return this.#fitted().solver
  }

  /** The model as a plain object (`JSON.stringify(pca)` works); {@link PCA.fromJSON} reads it back. */
  /** Native bytes this model holds (reported to V8 as external memory, so GC pressure accounts for it). */
  get memory(): number {
    return this.#native.memory
  }

  /**
   * Free the fitted state now instead of at garbage collection: the instance becomes unfitted
   * (options kept; fit again to reuse it). Also `using m = new PCA(…)`.
   * @throws ERR_BUSY while a fit is running
   */
  dispose(): void {
    runSync(() => this.#native.dispose())
    this.#state = undefined
  }

  toJSON(): Record<string, unknown> {
    return JSON.parse(runSync(() => this.#native.toJson())) as Record<string, unknown>
  }

  /** Load a model from {@link PCA.toJSON}'s object or its JSON text. @throws ERR_BAD_MODEL */
  static fromJSON(json: unknown): PCA {
    const text = jsonText(json, 'PCA')
    return new PCA({ [FROM_NATIVE]: runSync(() => native().NativePca.fromJson(text)) } as PCAOptions)
  }

  /** The model in the safetensors layout (readable by Python's `safetensors`). */
  serialize(): Uint8Array {
    return runSync(() => this.#native.serialize())
  }

  /** Load a model written by {@link PCA.serialize}. @throws ERR_BAD_MODEL */
  static deserialize(bytes: Uint8Array): PCA {
    const b = bytesArg(bytes, 'PCA')
    return new PCA({ [FROM_NATIVE]: runSync(() => native().NativePca.deserialize(b)) } as PCAOptions)
  }
}

Object.defineProperty(PCA.prototype, disposeSymbol, { value: PCA.prototype.dispose })
