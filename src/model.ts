/**
 * Shared plumbing of the model classes (PCA, Whitener): running native fit/transform jobs in
 * both twins, typed-array outputs as matrices, JSON and safetensors forms.
 */
import { embgeoError } from './errors.js'
import { checkOptions, toMatrix, type DenseMatrix, type FloatArray, type MatrixLike } from './input.js'
import { runAsync, runSync, type RunOptions } from './run.js'

/** The operations a native model job performs. */
export type ModelOp = 'fit' | 'fitTransform' | 'transform' | 'inverseTransform'

/** What the native model classes have in common. */
export interface NativeModel {
  runSync(op: string, data: FloatArray, cols: number, weights?: Float64Array | null): FloatArray | null
  run(op: string, data: FloatArray, cols: number, ...rest: never[]): Promise<FloatArray | null>
  toJson(): string
  serialize(): Uint8Array
}

/** Rows of `width` columns from a flat output. */
export function asMatrix(data: FloatArray | null, width: number): DenseMatrix {
  if (data === null) throw embgeoError('ERR_INTERNAL', 'internal error: the native job returned no rows. This is a bug in embgeo; please report it.')
  return { data, rows: width === 0 ? 0 : data.length / width, cols: width }
}

/** Validate run options given to a model method (undefined or an object). */
export function runOptions(run: RunOptions | undefined): RunOptions {
  return checkOptions('options', run)
}

/** Validate and normalise a model's input matrix. */
export function input(name: string, X: MatrixLike): DenseMatrix {
  return toMatrix(name, X)
}

/** Call a native async model job under the queue. */
export function runModel(
  run: RunOptions,
  data: FloatArray,
  start: (control: unknown, data: FloatArray) => Promise<FloatArray | null>,
): Promise<FloatArray | null> {
  return runAsync(run, [data] as const, (control, [d]) => start(control, d))
}

/** Call a native sync model job. */
export function runModelSync(call: () => FloatArray | null): FloatArray | null {
  return runSync(call)
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
