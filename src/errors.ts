/**
 * Errors raised by embgeo: one family with stable `code`s (api.md "Errors").
 *
 * Every error is `instanceof EmbgeoError`; input errors are also `instanceof RangeError`, type
 * errors `instanceof TypeError`, so code written for Node's built-in errors keeps working.
 */

/** The stable error codes. */
export type ErrorCode =
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_SHAPE'
  | 'ERR_EMPTY'
  | 'ERR_NON_FINITE'
  | 'ERR_K_TOO_LARGE'
  | 'ERR_DUPLICATES'
  | 'ERR_DEGENERATE'
  | 'ERR_NOT_FITTED'
  | 'ERR_BAD_MODEL'
  | 'ERR_BUSY'
  | 'ERR_BAD_FILE'
  | 'ERR_IO'
  | 'ABORT_ERR'
  | 'ERR_INTERNAL'
  | 'ERR_NATIVE_LOAD'

const RANGE_CODES: ReadonlySet<string> = new Set([
  'ERR_OUT_OF_RANGE',
  'ERR_SHAPE',
  'ERR_EMPTY',
  'ERR_NON_FINITE',
  'ERR_K_TOO_LARGE',
  'ERR_DUPLICATES',
  'ERR_DEGENERATE',
])

const BRAND = Symbol.for('embgeo.error')

/** Fields every embgeo error carries. */
export interface EmbgeoErrorFields {
  readonly code: ErrorCode
  /** Structured numbers behind the message (row, column, expected, actual, …) where known. */
  readonly details?: Readonly<Record<string, unknown>>
}

function brand<E extends Error>(e: E, code: ErrorCode, details?: Record<string, unknown>): E & EmbgeoErrorFields {
  Object.defineProperty(e, BRAND, { value: true })
  Object.defineProperty(e, 'code', { value: code, enumerable: true })
  if (details !== undefined) Object.defineProperty(e, 'details', { value: Object.freeze(details), enumerable: true })
  return e as E & EmbgeoErrorFields
}

/**
 * Base class of all embgeo errors. `err instanceof EmbgeoError` is true for every error embgeo
 * raises, including the `TypeError`/`RangeError` kinds and `AbortError`.
 */
export class EmbgeoError extends Error implements EmbgeoErrorFields {
  declare readonly code: ErrorCode
  declare readonly details?: Readonly<Record<string, unknown>>
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'EmbgeoError'
    brand(this, code, options?.details)
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true
  }
}

/**
 * A subclass of the built-in error class `Base` that carries embgeo's `code` and `details` and
 * keeps `Base`'s name (`err.name === 'TypeError'`, as Node's own coded errors).
 */
function codedError<E extends Error>(Base: new (message?: string) => E, name: string) {
  return class extends (Base as new (message?: string) => Error) implements EmbgeoErrorFields {
    declare readonly code: ErrorCode
    declare readonly details?: Readonly<Record<string, unknown>>
    constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
      super(message)
      this.name = name
      brand(this, code, details)
    }
  }
}

/** An embgeo error that is also a `TypeError` (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, as in Node). */
export class EmbgeoTypeError extends codedError(TypeError, 'TypeError') {}

/** An embgeo error that is also a `RangeError` (shape, range, non-finite, k, duplicates, degenerate). */
export class EmbgeoRangeError extends codedError(RangeError, 'RangeError') {}

/** Build the error of the natural kind for `code`. */
export function embgeoError(
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): EmbgeoError | EmbgeoTypeError | EmbgeoRangeError {
  if (code === 'ERR_INVALID_ARG_TYPE' || code === 'ERR_INVALID_ARG_VALUE') return new EmbgeoTypeError(code, message, details)
  if (RANGE_CODES.has(code)) return new EmbgeoRangeError(code, message, details)
  return new EmbgeoError(code, message, details === undefined ? undefined : { details })
}

/** Node's `AbortError` convention: name 'AbortError', code 'ABORT_ERR', the signal's reason as `cause`. */
export function abortError(reason?: unknown): EmbgeoError {
  const e = new EmbgeoError('ABORT_ERR', 'The operation was aborted', reason === undefined ? undefined : { cause: reason })
  e.name = 'AbortError'
  return e
}

const KNOWN: ReadonlySet<string> = new Set([...RANGE_CODES, 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'ERR_NOT_FITTED', 'ERR_BAD_MODEL', 'ERR_BUSY', 'ERR_BAD_FILE', 'ERR_IO', 'ABORT_ERR', 'ERR_INTERNAL', 'ERR_NATIVE_LOAD'])

/** `[ERR_…] ` at the head of a message from the WebAssembly binding. */
const WASM_CODE = /^\[((?:ERR|ABORT)_[A-Z_]+)\] /

/**
 * Convert what the native addon threw into an embgeo error (native errors carry `code`).
 * Anything without a known code is a bug and becomes `ERR_INTERNAL` with the original as `cause`.
 */
export function fromNative(err: unknown, signal?: AbortSignal): Error {
  if (err instanceof EmbgeoError) return err
  let code = (err as { code?: unknown } | null)?.code
  let message = err instanceof Error ? err.message : String(err)
  // The WebAssembly binding carries the code at the head of the message (crates/node/src/error.rs).
  const tagged = WASM_CODE.exec(message)
  if (tagged !== null && (typeof code !== 'string' || !KNOWN.has(code))) {
    code = tagged[1]
    message = message.slice(tagged[0].length)
  }
  if (code === 'ABORT_ERR') return abortError(signal?.reason)
  if (typeof code === 'string' && KNOWN.has(code)) return embgeoError(code as ErrorCode, message)
  const e = new EmbgeoError('ERR_INTERNAL', `internal error: ${message}. This is a bug in embgeo; please report it.`, { cause: err })
  return e
}
