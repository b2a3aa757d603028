/**
 * Whitening and post-processing of embedding sets (api.md "PCA and whitening"): `Whitener`
 * (PCA / ZCA whitening, WhiteningBERT top-k, Zipfian frequency-weighted whitening), presets in
 * `whitening`, and `allButTheTop`.
 */
import { embgeoError } from './errors.js'
import { checkInteger, checkOptions, toMatrix, type DenseMatrix, type FloatArray, type MatrixLike } from './input.js'
import { asMatrix, bytesArg, disposeSymbol, input, jsonText, runModel, runModelSync, runOptions, type ModelOp } from './model.js'
import { native } from './native.js'
import { runAsync, runSync, type RunOptions } from './run.js'

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

function nativeOptions(options: WhitenerOptions | undefined) {
  const o = checkOptions('options', options)
  const method = o.method ?? 'pca'
  if (method !== 'pca' && method !== 'zca') throw embgeoError('ERR_OUT_OF_RANGE', `options.method must be 'pca' or 'zca'; got '${String(method)}'`)
  const nComponents = o.nComponents === undefined ? undefined : checkInteger('options.nComponents', o.nComponents, 1, 2 ** 31)
  const epsilon = o.epsilon ?? 1e-8
  if (typeof epsilon !== 'number') throw embgeoError('ERR_INVALID_ARG_TYPE', `options.epsilon must be a number; got ${typeof epsilon}`)
  if (!(epsilon >= 0 && Number.isFinite(epsilon))) throw embgeoError('ERR_OUT_OF_RANGE', `options.epsilon must be a finite number >= 0; got ${epsilon}`)
  const center = o.center ?? true
  if (typeof center !== 'boolean') throw embgeoError('ERR_INVALID_ARG_TYPE', `options.center must be a boolean; got ${typeof center}`)
  const normalize = o.normalize ?? false
  if (normalize !== false && normalize !== 'l2') throw embgeoError('ERR_OUT_OF_RANGE', `options.normalize must be false or 'l2'; got ${String(normalize)}`)
  return { method, nComponents, epsilon, center, normalize: normalize === 'l2' }
}

function weightsArg(weights: unknown, rows: number): Float64Array | undefined {
  if (weights === undefined) return undefined
  let w: Float64Array
  if (weights instanceof Float64Array) w = weights
  else if (weights instanceof Float32Array || Array.isArray(weights)) w = Float64Array.from(weights as ArrayLike<number>)
  else throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.weights must be a Float64Array, Float32Array or number[] with one weight per row')
  if (w.length !== rows) throw embgeoError('ERR_SHAPE', `options.weights has ${w.length} values but X has ${rows} rows`, { expected: rows, actual: w.length })
  for (let i = 0; i < w.length; i++) {
    if (!(Number.isFinite(w[i]!) && w[i]! >= 0)) throw embgeoError('ERR_OUT_OF_RANGE', `options.weights[${i}] must be a finite number >= 0; got ${w[i]}`)
  }
  return w
}

/**
 * A whitening transform fitted to a set of rows: `Y = (X − μ) W`. PCA whitening keeps the top
 * `nComponents` axes; ZCA rotates back to feature space; weights at fit time give Zipfian
 * whitening. Learned state: `mean`, `matrix` (d × out), `eigenvalues`.
 */
export class Whitener {
  readonly #native: NativeWhitener
  #state: State | null | undefined
  #fitting = false

  constructor(options?: WhitenerOptions) {
    const loaded = (options as { [FROM_NATIVE]?: NativeWhitener } | undefined)?.[FROM_NATIVE]
    this.#native = loaded ?? runSync(() => new (native().NativeWhitener)(nativeOptions(options)))
  }

  #fitted(): State {
    this.#state ??= this.#native.state()
    if (this.#state === null) throw embgeoError('ERR_NOT_FITTED', 'This Whitener instance is not fitted yet. Call fit() before using it.')
    return this.#state
  }

  #check(X: DenseMatrix, op: ModelOp): void {
    if (op !== 'transform' && op !== 'inverseTransform') return
    const s = this.#fitted()
    const want = op === 'transform' ? s.nFeatures : s.outDim
    if (X.cols !== want) throw embgeoError('ERR_SHAPE', `X has ${X.cols} columns, but the Whitener expects ${want}`, { expected: want, actual: X.cols })
  }

  #width(op: ModelOp): number {
    const s = this.#fitted()
    return op === 'inverseTransform' ? s.nFeatures : s.outDim
  }

  #claim(op: ModelOp): boolean {
    if (op !== 'fit' && op !== 'fitTransform') return false
    if (this.#fitting) throw embgeoError('ERR_BUSY', 'this Whitener is already fitting; await the running fit() first')
    this.#fitting = true
    return true
  }

  async #run(op: ModelOp, X: MatrixLike, o: WhitenerFitOptions | undefined): Promise<DenseMatrix | null> {
    const run: WhitenerFitOptions = runOptions(o)
    const m = input('X', X)
    this.#check(m, op)
    const w = op === 'fit' || op === 'fitTransform' ? weightsArg(run.weights, m.rows) : undefined
    const claimed = this.#claim(op)
    let out
    try {
      out = await runModel(run, m.data, (c, d) => this.#native.run(op, d, m.cols, w, c as never))
    } finally {
      if (claimed) this.#fitting = false
      if (claimed) this.#native.syncMemory()
    }
    if (op === 'fit' || op === 'fitTransform') this.#state = undefined
    return out === null ? null : asMatrix(out, this.#width(op))
  }

  #runSync(op: ModelOp, X: MatrixLike, o?: { weights?: FloatArray | readonly number[] }): DenseMatrix | null {
    const opts = checkOptions('options', o)
    const m = input('X', X)
    this.#check(m, op)
    const w = op === 'fit' || op === 'fitTransform' ? weightsArg(opts.weights, m.rows) : undefined
    if ((op === 'fit' || op === 'fitTransform') && this.#fitting) throw embgeoError('ERR_BUSY', 'a fit() of this model is running; await it first')
    const out = runModelSync(() => this.#native.runSync(op, m.data, m.cols, w))
    if (op === 'fit' || op === 'fitTransform') this.#state = undefined
    return out === null ? null : asMatrix(out, this.#width(op))
  }

  /** Fit mean and covariance (weighted when `weights` is given), on embgeo's pool. @throws ERR_EMPTY, ERR_NON_FINITE, ERR_SHAPE, ERR_DEGENERATE (singular covariance: message gives the rank and a workable epsilon/nComponents), ERR_BUSY, ABORT_ERR */
  async fit(X: MatrixLike, options?: WhitenerFitOptions): Promise<this> {
    await this.#run('fit', X, options)
    return this
  }

  /** {@link Whitener.fit} on the calling thread. */
  fitSync(X: MatrixLike, options?: { weights?: FloatArray | readonly number[] }): this {
    this.#runSync('fit', X, options)
    return this
  }

  /** Whiten rows: n × out (k for PCA, d for ZCA), in X's element type. */
  async transform(X: MatrixLike, run?: RunOptions): Promise<DenseMatrix> {
    return (await this.#run('transform', X, run))!
  }

  /** {@link Whitener.transform} on the calling thread. */
  transformSync(X: MatrixLike): DenseMatrix {
    return this.#runSync('transform', X)!
  }

  /** Fit, then whiten the same rows. */
  async fitTransform(X: MatrixLike, options?: WhitenerFitOptions): Promise<DenseMatrix> {
    return (await this.#run('fitTransform', X, options))!
  }

  /** {@link Whitener.fitTransform} on the calling thread. */
  fitTransformSync(X: MatrixLike, options?: { weights?: FloatArray | readonly number[] }): DenseMatrix {
    return this.#runSync('fitTransform', X, options)!
  }

  /** Undo the whitening (L2 normalisation, if any, is not undone). */
  async inverseTransform(Y: MatrixLike, run?: RunOptions): Promise<DenseMatrix> {
    return (await this.#run('inverseTransform', Y, run))!
  }

  /** {@link Whitener.inverseTransform} on the calling thread. */
  inverseTransformSync(Y: MatrixLike): DenseMatrix {
    return this.#runSync('inverseTransform', Y)!
  }

  /** The (weighted) mean, d values. */
  get mean(): Float64Array {
    return this.#fitted().mean
  }
  /** The whitening matrix W, d × out, so that Y = (X − mean) W. */
  get matrix(): DenseMatrix {
    const s = this.#fitted()
    return { data: s.matrix, rows: s.nFeatures, cols: s.outDim }
  }
  /** Kept covariance eigenvalues (without epsilon), decreasing. */
  get eigenvalues(): Float64Array {
    return this.#fitted().eigenvalues
  }
  get nFeaturesIn(): number {
    return this.#fitted().nFeatures
  }
  get nSamplesSeen(): number {
    return this.#fitted().nSamplesSeen
  }

  /** The model as a plain object; {@link Whitener.fromJSON} reads it back. */
  /** Native bytes this model holds (reported to V8 as external memory, so GC pressure accounts for it). */
  get memory(): number {
    return this.#native.memory
  }

  /**
   * Free the fitted state now instead of at garbage collection: the instance becomes unfitted
   * (options kept; fit again to reuse it). Also `using m = new Whitener(…)`.
   * @throws ERR_BUSY while a fit is running
   */
  dispose(): void {
    runSync(() => this.#native.dispose())
    this.#state = undefined
  }

  toJSON(): Record<string, unknown> {
    return JSON.parse(runSync(() => this.#native.toJson())) as Record<string, unknown>
  }

  /** Load a model from {@link Whitener.toJSON}'s object or JSON text. @throws ERR_BAD_MODEL */
  static fromJSON(json: unknown): Whitener {
    const text = jsonText(json, 'Whitener')
    return new Whitener({ [FROM_NATIVE]: runSync(() => native().NativeWhitener.fromJson(text)) } as WhitenerOptions)
  }

  /** The model in the safetensors layout. */
  serialize(): Uint8Array {
    return runSync(() => this.#native.serialize())
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
    const o = checkOptions('options', options)
    return new Whitener({ method: 'pca', nComponents: o.nComponents, epsilon: 0 })
  },
  /** ZCA (Mahalanobis) whitening: rotate, scale, rotate back; `epsilon` default 1e-8. */
  zca(options?: { epsilon?: number }): Whitener {
    const o = checkOptions('options', options)
    return new Whitener({ method: 'zca', epsilon: o.epsilon ?? 1e-8 })
  },
  /** Zipfian whitening (Yokoi et al. 2024): pass word/item frequencies as `weights` to `fit`. */
  zipfian(options?: { nComponents?: number }): Whitener {
    const o = checkOptions('options', options)
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

function abttArgs(X: MatrixLike, options: { remove: number } | undefined) {
  const m = toMatrix('X', X)
  const o = checkOptions('options', options)
  if (options === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options is required: { remove }')
  const remove = checkInteger('options.remove', o.remove, 0, m.cols)
  return { m, remove }
}

function abttResult(r: { data: FloatArray; mean: Float64Array; directions: Float64Array }, cols: number, remove: number): AllButTheTopResult {
  return { data: r.data, rows: r.data.length / cols, cols, mean: r.mean, directions: { data: r.directions, rows: remove, cols } }
}

/**
 * All-but-the-top (Mu & Viswanath, ICLR 2018): subtract the mean, then remove the projections
 * on the top `remove` principal directions (the paper suggests about d / 100).
 * @throws ERR_EMPTY (n < 2), ERR_NON_FINITE, ERR_OUT_OF_RANGE (remove > d), ABORT_ERR
 */
export function allButTheTop(X: MatrixLike, options: { remove: number } & RunOptions): Promise<AllButTheTopResult> {
  try {
    const { m, remove } = abttArgs(X, options)
    return runAsync(options, [m.data] as const, (c, [d]) => native().allButTheTop(d, m.cols, remove, c)).then((r) =>
      abttResult(r, m.cols, remove),
    )
  } catch (err) {
    return Promise.reject(err)
  }
}

/** {@link allButTheTop} on the calling thread. */
export function allButTheTopSync(X: MatrixLike, options: { remove: number }): AllButTheTopResult {
  const { m, remove } = abttArgs(X, options)
  return abttResult(runSync(() => native().allButTheTopSync(m.data, m.cols, remove)), m.cols, remove)
}

Object.defineProperty(Whitener.prototype, disposeSymbol, { value: Whitener.prototype.dispose })
