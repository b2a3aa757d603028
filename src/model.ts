/**
 * Shared plumbing of the model classes: the one busy rule of every model (PCA, Whitener,
 * KnnIndex), and {@link FittedModel}, the base of PCA and Whitener (fit/transform jobs in both
 * twins, state, memory, dispose, JSON and safetensors forms).
 *
 * The busy rule: a model never changes under a pending job of its own. From the moment an
 * async job is accepted (also while it waits in the queue) until it settles, and during a sync
 * job, {@link JobGuard} refuses with `ERR_BUSY`: any fit or mutation (`fit`, `fitTransform`,
 * `partialFit`, `merge`, `add`, `dispose`) while any job is pending, and any job while a fit is
 * pending. Reads (transform, search) may overlap each other.
 */
import { embgeoError } from './errors.js'
import { toMatrix, type DenseMatrix, type FloatArray, type MatrixLike } from './input.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

/** The operations a native model job performs. */
export type ModelOp = 'fit' | 'fitTransform' | 'transform' | 'inverseTransform'

/** Counts the pending jobs of one model and enforces the busy rule. */
export class JobGuard {
  #reads = 0
  #fitting = false

  /** @param kind the model's name in messages ('PCA', 'Whitener', 'KnnIndex'). */
  constructor(readonly kind: string) {}

  #busy(what: string): Error {
    return embgeoError('ERR_BUSY', `this ${this.kind} has a pending ${this.#fitting ? 'fit' : 'job'}; await it before ${what}`)
  }

  /** Accept a read job (transform, search); returns its release. @throws ERR_BUSY while a fit is pending */
  read(what: string): () => void {
    if (this.#fitting) throw this.#busy(what)
    this.#reads++
    let done = false
    return () => {
      if (!done) this.#reads--
      done = true
    }
  }

  /** Accept a fit or mutation; returns its release. @throws ERR_BUSY while any job is pending */
  write(what: string): () => void {
    if (this.#fitting || this.#reads > 0) throw this.#busy(what)
    this.#fitting = true
    let done = false
    return () => {
      if (!done) this.#fitting = false
      done = true
    }
  }

  /** Run a synchronous mutation under {@link JobGuard.write}. */
  mutate<T>(what: string, body: () => T): T {
    const release = this.write(what)
    try {
      return body()
    } finally {
      release()
    }
  }
}

/** Hold `release` until `job` settles. */
export function holding<T>(release: () => void, job: () => Promise<T>): Promise<T> {
  let p: Promise<T>
  try {
    p = job()
  } catch (err) {
    release()
    throw err
  }
  return p.finally(release)
}

/** What the native model classes have in common (crates/node/src/pca.rs `model_class!`). */
export interface NativeModel<S> {
  runSync(op: ModelOp, data: FloatArray, cols: number, weights?: Float64Array | null): FloatArray | null
  run(op: ModelOp, data: FloatArray, cols: number, weights?: Float64Array | null, control?: unknown): Promise<FloatArray | null>
  state(): S | null
  syncMemory(): void
  readonly memory: number
  dispose(): void
  toJson(): string
  serialize(): Uint8Array
  partialFit(data: FloatArray, cols: number, weights?: Float64Array | null): void
  merge(other: never): void
}

/** Rows of `width` columns from a flat output. */
export function asMatrix(data: FloatArray | null, width: number): DenseMatrix {
  if (data === null) throw embgeoError('ERR_INTERNAL', 'internal error: the native job returned no rows. This is a bug in embgeo; please report it.')
  return { data, rows: width === 0 ? 0 : data.length / width, cols: width }
}

/** Parse the JSON form, checking it is an object or a string. */
export function jsonText(json: unknown, kind: string): string {
  if (typeof json === 'string') return json
  if (json !== null && typeof json === 'object') return JSON.stringify(json)
  throw embgeoError('ERR_INVALID_ARG_TYPE', `${kind}.fromJSON expects the object (or string) toJSON() returned; got ${typeof json}`)
}

/** Check serialised bytes are a Uint8Array. */
export function bytesArg(bytes: unknown, kind: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `${kind}.deserialize expects a Uint8Array from serialize(); got ${typeof bytes}`)
  }
  return bytes
}

/** `Symbol.dispose` where the runtime defines it (for TypeScript's `using`), else Node's registered `nodejs.dispose` symbol. */
export const disposeSymbol: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('nodejs.dispose')

/** A job prepared on the JS thread: validated input, accepted under the busy rule. */
interface Prepared {
  m: DenseMatrix
  weights: Float64Array | undefined
  /** Output width for transforms, read when the job is accepted (the model cannot change after). */
  width: number
  release: () => void
}

/**
 * The base of PCA and Whitener. Subclasses say how wide inputs and outputs are and which fit
 * options they take; everything else (twins, busy rule, state cache, memory, files) is here.
 */
export abstract class FittedModel<S> {
  protected readonly native: NativeModel<S>
  protected readonly guard: JobGuard
  #state: S | null | undefined

  protected constructor(native: NativeModel<S>, kind: string) {
    this.native = native
    this.guard = new JobGuard(kind)
  }

  /** Columns `op` expects of its input (transforms only). */
  protected abstract inputWidth(s: S, op: 'transform' | 'inverseTransform'): number
  /** Columns of `op`'s output. */
  protected abstract outputWidth(s: S, op: ModelOp): number
  /** Fit options besides signal/onProgress (Whitener: weights). */
  protected fitOptions(): Constraints {
    return {}
  }
  /** Per-row weights from validated fit options (Whitener). */
  protected weights(_o: Record<string, unknown>, _rows: number): Float64Array | undefined {
    return undefined
  }

  /**
   * Read-only accessors on `cls.prototype`, one per name, returning the fitted state's field of
   * that name (`ERR_NOT_FITTED` before a fit); the class declares them `declare readonly`.
   */
  protected static stateAccessors<S>(cls: { prototype: FittedModel<S> }, names: readonly (keyof S & string)[]): void {
    for (const name of names) {
      Object.defineProperty(cls.prototype, name, {
        configurable: true,
        get(this: FittedModel<S>): S[keyof S & string] {
          return this.fitted()[name]
        },
      })
    }
  }

  /** The learned state. @throws ERR_NOT_FITTED */
  protected fitted(): S {
    this.#state ??= this.native.state()
    if (this.#state === null) {
      throw embgeoError('ERR_NOT_FITTED', `This ${this.guard.kind} instance is not fitted yet. Call fit() before using it.`)
    }
    return this.#state
  }

  #prepare(method: string, op: ModelOp, X: MatrixLike, options: unknown, run: boolean): Prepared & { o: Record<string, unknown> } {
    const fit = op === 'fit' || op === 'fitTransform'
    // Both twins accept the same names (sync twins ignore run options), so messages agree.
    const table: Constraints = { ...(run ? RUN : SYNC_RUN), ...(fit ? this.fitOptions() : {}) }
    const o = validateOptions<Record<string, unknown>>(`${this.guard.kind}.${method.replace(/Sync$/, '')}`, options, table)
    const m = toMatrix(op === 'inverseTransform' ? 'Y' : 'X', X)
    let width = 0
    if (!fit) {
      const s = this.fitted()
      const want = this.inputWidth(s, op)
      if (m.cols !== want) {
        const what = op === 'transform' ? 'features' : 'components'
        throw embgeoError('ERR_SHAPE', `X has ${m.cols} ${what}, but ${this.guard.kind} is expecting ${want} ${what} as input`, {
          expected: want,
          actual: m.cols,
        })
      }
      width = this.outputWidth(s, op)
    }
    const weights = fit ? this.weights(o, m.rows) : undefined
    const release = fit ? this.guard.write(`${method}()`) : this.guard.read(`${method}()`)
    return { o, m, weights, width, release }
  }

  #finish(op: ModelOp, out: FloatArray | null, width: number): DenseMatrix | null {
    if (op === 'fit' || op === 'fitTransform') this.#state = undefined
    if (op === 'fit') return null
    return asMatrix(out, op === 'fitTransform' ? this.outputWidth(this.fitted(), op) : width)
  }

  /** Run `op` on embgeo's pool (input copied once); rejects instead of throwing. */
  protected job(method: string, op: ModelOp, X: MatrixLike, options: unknown): Promise<DenseMatrix | null> {
    return rejecting(() => {
      const p = this.#prepare(method, op, X, options, true)
      const fit = op === 'fit' || op === 'fitTransform'
      return holding(p.release, () =>
        runAsync(p.o as RunOptions, [p.m.data] as const, (c, [d]) => this.native.run(op, d, p.m.cols, p.weights, c)).finally(() => {
          if (fit) this.native.syncMemory()
        }),
      ).then((out) => this.#finish(op, out, p.width))
    })
  }

  /** Run `op` on the calling thread (blocks it). */
  protected jobSync(method: string, op: ModelOp, X: MatrixLike, options?: unknown): DenseMatrix | null {
    const p = this.#prepare(method, op, X, options, false)
    let out: FloatArray | null
    try {
      out = runSync(() => this.native.runSync(op, p.m.data, p.m.cols, p.weights))
    } finally {
      p.release()
    }
    return this.#finish(op, out, p.width)
  }

  /**
   * Map rows through the fitted model (PCA: project onto the components, n × nComponents;
   * Whitener: whiten, n × out), in X's element type, on embgeo's pool.
   */
  async transform(X: MatrixLike, run?: RunOptions): Promise<DenseMatrix> {
    return (await this.job('transform', 'transform', X, run))!
  }

  /** {@link FittedModel.transform} on the calling thread. */
  transformSync(X: MatrixLike): DenseMatrix {
    return this.jobSync('transformSync', 'transform', X)!
  }

  /**
   * Map transformed rows (n × the output width) back to feature space (n × nFeaturesIn); a
   * Whitener does not undo its L2 normalisation, if any.
   */
  async inverseTransform(Y: MatrixLike, run?: RunOptions): Promise<DenseMatrix> {
    return (await this.job('inverseTransform', 'inverseTransform', Y, run))!
  }

  /** {@link FittedModel.inverseTransform} on the calling thread. */
  inverseTransformSync(Y: MatrixLike): DenseMatrix {
    return this.jobSync('inverseTransformSync', 'inverseTransform', Y)!
  }

  /** Forget the cached state (after a mutation). */
  protected changed(): void {
    this.#state = undefined
  }

  /**
   * Add rows (with the fit options' weights, Whitener) to the exact streaming moments, on the
   * calling thread (the refit runs on the next read of the state). @throws ERR_BUSY while a job is pending, plus the fit's input errors
   */
  protected partialFitRows(X: MatrixLike, options: unknown): void {
    const o = validateOptions<Record<string, unknown>>(`${this.guard.kind}.partialFit`, options, this.fitOptions())
    const m = toMatrix('X', X)
    const weights = this.weights(o, m.rows)
    this.guard.mutate('partialFit()', () => runSync(() => this.native.partialFit(m.data, m.cols, weights)))
    this.changed()
  }

  /**
   * Merge the moments of `other`, an instance of `cls`, into this model (the refit runs on the
   * next read of the state).
   * @throws ERR_INVALID_ARG_TYPE (not a `cls`), ERR_NOT_FITTED (`other` has seen no rows), ERR_BUSY
   */
  protected mergeFrom(other: unknown, cls: abstract new (...args: never[]) => FittedModel<S>): void {
    const kind = this.guard.kind
    if (!(other instanceof cls)) throw embgeoError('ERR_INVALID_ARG_TYPE', `merge expects another ${kind}`)
    const theirs = other.native as never
    this.guard.mutate('merge()', () => {
      try {
        runSync(() => this.native.merge(theirs))
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'ERR_NOT_FITTED') throw err
        // Merging into an unfitted model is legal: the model without rows is `other`.
        throw embgeoError('ERR_NOT_FITTED', `the ${kind} passed to merge() has seen no rows yet; call its partialFit() (or fit()) first`)
      }
    })
    this.changed()
  }

  /** Native bytes this model holds (reported to V8 as external memory, so GC pressure accounts for it). */
  get memory(): number {
    return this.native.memory
  }

  /**
   * Free the fitted state now instead of at garbage collection: the instance becomes unfitted
   * (options kept; fit again to reuse it). Also `using m = new PCA(…)`.
   * @throws ERR_BUSY while a job on the model is pending
   */
  dispose(): void {
    this.guard.mutate('dispose()', () => runSync(() => this.native.dispose()))
    this.#state = undefined
  }

  /** The model as a plain object (`JSON.stringify(model)` works); `fromJSON` reads it back. */
  toJSON(): Record<string, unknown> {
    return JSON.parse(runSync(() => this.native.toJson())) as Record<string, unknown>
  }

  /** The model in the safetensors layout (readable by Python's `safetensors`). */
  serialize(): Uint8Array {
    return runSync(() => this.native.serialize())
  }
}

Object.defineProperty(FittedModel.prototype, disposeSymbol, {
  value(this: FittedModel<unknown>) {
    this.dispose()
  },
})
