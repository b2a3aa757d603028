/**
 * Input normalisation and validation (api.md "Data in"): the one place where arguments are
 * checked. Numeric crates re-check their own preconditions (including finiteness, which is a
 * scan over every element and therefore belongs in Rust) and return the same error codes.
 */
import { embgeoError } from './errors.js'
import { native } from './native.js'
import { checkInteger, checkObject, describe } from './validate.js'

export { checkInteger } from './validate.js'

/** A typed array of floats: the fast path. */
export type FloatArray = Float32Array | Float64Array

/** Every typed array embgeo reads matrix data from. */
export type AnyArray = FloatArray | Uint16Array | Int8Array

/** A row-major matrix: `rows` samples of `cols` features. */
export interface DenseMatrix {
  data: FloatArray
  rows: number
  cols: number
}

/** Element types stored in fewer than 32 bits: bfloat16 and IEEE half bits (`Uint16Array`), int8. */
export type LowPrecisionDtype = 'bf16' | 'f16' | 'i8'

/**
 * A row-major matrix of bf16 or f16 values (their 16-bit patterns in a `Uint16Array`) or int8
 * values (`Int8Array`): half or a quarter of the memory of f32. `knn` screens bf16 and int8 data
 * on the CPU's bf16 units where it has them (exact results); every other function widens the
 * values to f32 first (exact: each of them is an f32 value). Build one with
 * `matrix(data, cols, { dtype })`.
 */
export interface LowPrecisionMatrix {
  data: Uint16Array | Int8Array
  rows: number
  cols: number
  dtype: LowPrecisionDtype
}

/** Anything embgeo accepts as a matrix: a DenseMatrix or LowPrecisionMatrix (no copy), or rows (copied). */
export type MatrixLike = DenseMatrix | LowPrecisionMatrix | readonly (readonly number[])[] | readonly FloatArray[]

/** Options of {@link matrix}. */
export interface MatrixOptions {
  /**
   * The element type: required for `Uint16Array` data (`'bf16'` or `'f16'`), `'i8'` for
   * `Int8Array`, `'f16'` for a `Float16Array` (where the runtime has one), and when given for
   * float arrays it must match them (`'f32'` / `'f64'`).
   */
  dtype?: 'f32' | 'f64' | LowPrecisionDtype
}

/** The runtime's Float16Array constructor, if it has one (Node 20 does not). */
const Float16: (abstract new (...args: never[]) => ArrayBufferView) | undefined = (globalThis as { Float16Array?: abstract new (...args: never[]) => ArrayBufferView }).Float16Array

/** A matrix object holding 16- or 8-bit data (a `dtype` beside float data, as `readEmbeddings` reports the file's type, is not one). */
function isLowPrecision(x: unknown): x is LowPrecisionMatrix {
  if (x === null || typeof x !== 'object' || !('data' in x)) return false
  const data = (x as { data: unknown }).data
  return data instanceof Uint16Array || data instanceof Int8Array
}

function isFloatArray(v: unknown): v is FloatArray {
  return v instanceof Float32Array || v instanceof Float64Array
}

function isDetached(a: ArrayBufferView): boolean {
  const buf = a.buffer as ArrayBuffer & { detached?: boolean }
  return buf.detached === true
}

/** `options` must be undefined or a plain object; returns it (or `{}`). Prefer `validateOptions` (validate.ts). */
export const checkOptions = checkObject

/**
 * View a flat typed array as a matrix of `cols` columns, without copying.
 * `Float32Array`/`Float64Array` give a DenseMatrix; `Uint16Array` with `{ dtype: 'bf16' | 'f16' }`,
 * `Int8Array` and `Float16Array` give a LowPrecisionMatrix.
 * @throws ERR_INVALID_ARG_TYPE if `data` is not one of those typed arrays or `cols` not a number;
 *   ERR_INVALID_ARG_VALUE if `dtype` is missing for a Uint16Array or does not match the array.
 * @throws ERR_OUT_OF_RANGE if `cols` is not an integer >= 1.
 * @throws ERR_SHAPE if `data.length` is not a multiple of `cols`.
 */
export function matrix(data: FloatArray, cols: number, options?: MatrixOptions): DenseMatrix
export function matrix(data: Uint16Array | Int8Array | ArrayBufferView, cols: number, options?: MatrixOptions): LowPrecisionMatrix
export function matrix(data: AnyArray | ArrayBufferView, cols: number, options?: MatrixOptions): DenseMatrix | LowPrecisionMatrix {
  const o = checkObject('options', options) as MatrixOptions
  const dtype = o.dtype
  const want = (ok: readonly (string | undefined)[], what: string): void => {
    if (!ok.includes(dtype)) {
      throw embgeoError('ERR_INVALID_ARG_VALUE', `options.dtype must be ${what} for ${data.constructor.name} data; got ${describe(dtype)}`)
    }
  }
  let typed: AnyArray
  let low: LowPrecisionDtype | undefined
  if (data instanceof Float32Array) {
    want([undefined, 'f32'], "'f32' or omitted")
    typed = data
  } else if (data instanceof Float64Array) {
    want([undefined, 'f64'], "'f64' or omitted")
    typed = data
  } else if (data instanceof Uint16Array) {
    want(['bf16', 'f16'], "'bf16' or 'f16' (what the 16-bit patterns hold)")
    typed = data
    low = dtype as 'bf16' | 'f16'
  } else if (data instanceof Int8Array) {
    want([undefined, 'i8'], "'i8' or omitted")
    typed = data
    low = 'i8'
  } else if (Float16 !== undefined && data instanceof Float16) {
    want([undefined, 'f16'], "'f16' or omitted")
    typed = new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
    low = 'f16'
  } else {
    throw embgeoError(
      'ERR_INVALID_ARG_TYPE',
      `data must be a Float32Array, Float64Array, Uint16Array (bf16/f16 bits), Int8Array or Float16Array; got ${describe(data)}. Convert with Float32Array.from(data).`,
    )
  }
  checkInteger('cols', cols, 1)
  if (typed.length % cols !== 0) {
    throw embgeoError(
      'ERR_SHAPE',
      `data.length is ${typed.length}, which is not a multiple of cols = ${cols} (${Math.floor(typed.length / cols)} full rows and ${typed.length % cols} values left over)`,
      { length: typed.length, cols },
    )
  }
  const rows = typed.length / cols
  return low === undefined ? { data: typed as FloatArray, rows, cols } : { data: typed as Uint16Array | Int8Array, rows, cols, dtype: low }
}

/**
 * Normalise a MatrixLike argument keeping a LowPrecisionMatrix as it is (its shape and
 * element type checked): for `knn`, which screens such data natively.
 * @throws as {@link toMatrix}
 */
export function toAnyMatrix(name: string, x: unknown): DenseMatrix | LowPrecisionMatrix {
  if (!isLowPrecision(x)) return toMatrix(name, x)
  const m = x as { data: Uint16Array | Int8Array; rows: unknown; cols: unknown; dtype?: unknown }
  const data = m.data
  const dtype = data instanceof Int8Array ? (m.dtype ?? 'i8') : m.dtype
  const ok = data instanceof Int8Array ? dtype === 'i8' : dtype === 'bf16' || dtype === 'f16'
  if (!ok) {
    throw embgeoError(
      'ERR_INVALID_ARG_VALUE',
      `${name}.dtype must be ${data instanceof Int8Array ? "'i8' or omitted for Int8Array data" : "'bf16' or 'f16' for Uint16Array data (what the 16-bit patterns hold)"}; got ${describe(m.dtype)}`,
    )
  }
  const rows = checkInteger(`${name}.rows`, m.rows, 0)
  const cols = checkInteger(`${name}.cols`, m.cols, 1)
  if (data.length !== rows * cols) {
    throw embgeoError(
      'ERR_SHAPE',
      `${name}.data.length is ${data.length} but rows * cols = ${rows} * ${cols} = ${rows * cols}; fix rows/cols or the data`,
      { length: data.length, rows, cols },
    )
  }
  return { data, rows, cols, dtype: dtype as LowPrecisionDtype }
}

/**
 * Normalise a MatrixLike argument to a DenseMatrix (typed arrays are not copied; rows are).
 * `name` is the argument's name in messages.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (see api.md)
 */
export function toMatrix(name: string, x: unknown): DenseMatrix {
  if (Array.isArray(x)) return fromRows(name, x)
  if (isLowPrecision(x)) {
    const m = toAnyMatrix(name, x) as LowPrecisionMatrix
    return { data: native().castFloats(m.data, m.dtype, 'f32') as Float32Array, rows: m.rows, cols: m.cols }
  }
  if (isFloatArray(x)) {
    throw embgeoError(
      'ERR_INVALID_ARG_TYPE',
      `${name} is a flat ${x.constructor.name} without a column count; wrap it as matrix(data, cols) or { data, rows, cols }`,
    )
  }
  if (x === null || typeof x !== 'object' || !('data' in x)) {
    throw embgeoError(
      'ERR_INVALID_ARG_TYPE',
      `${name} must be { data, rows, cols } with a Float32Array/Float64Array, number[][] or an array of Float32Array/Float64Array rows; got ${describe(x)}`,
    )
  }
  const m = x as { data: unknown; rows: unknown; cols: unknown }
  if (!isFloatArray(m.data)) {
    throw embgeoError(
      'ERR_INVALID_ARG_TYPE',
      `${name}.data must be a Float32Array or Float64Array (or a Uint16Array of bf16/f16 bits with a dtype, or an Int8Array); got ${describe(m.data)}. Convert with Float32Array.from(${name}.data).`,
    )
  }
  const rows = checkInteger(`${name}.rows`, m.rows, 0)
  const cols = checkInteger(`${name}.cols`, m.cols, 1)
  // Node 20 has no ArrayBuffer.prototype.detached; a detached view reads as length 0 over a
  // buffer of byteLength 0, which only a genuinely empty matrix may have.
  if (isDetached(m.data) || (m.data.length === 0 && m.data.buffer.byteLength === 0 && rows * cols > 0)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `${name}.data is backed by a detached ArrayBuffer (it was transferred); pass a live array`)
  }
  if (m.data.length !== rows * cols) {
    throw embgeoError(
      'ERR_SHAPE',
      `${name}.data.length is ${m.data.length} but rows * cols = ${rows} * ${cols} = ${rows * cols}; fix rows/cols or the data`,
      { length: m.data.length, rows, cols },
    )
  }
  return { data: m.data, rows, cols }
}

function fromRows(name: string, x: readonly unknown[]): DenseMatrix {
  if (x.length === 0) {
    throw embgeoError('ERR_EMPTY', `${name} has 0 rows; at least 1 is needed`, { rows: 0 })
  }
  const first = x[0]
  if (!Array.isArray(first) && !isFloatArray(first)) {
    throw embgeoError(
      'ERR_INVALID_ARG_TYPE',
      `${name}[0] must be an array of numbers or a Float32Array/Float64Array; got ${describe(first)}`,
      { row: 0 },
    )
  }
  const cols = first.length
  if (cols === 0) {
    throw embgeoError('ERR_EMPTY', `${name} has 0 columns; at least 1 is needed`, { cols: 0 })
  }
  const allF32 = x.every((r) => r instanceof Float32Array)
  const out = allF32 ? new Float32Array(x.length * cols) : new Float64Array(x.length * cols)
  for (let i = 0; i < x.length; i++) {
    const row = x[i]
    if (isFloatArray(row)) {
      if (row.length !== cols) throw ragged(name, i, row.length, cols)
      out.set(row, i * cols)
      continue
    }
    if (!Array.isArray(row)) {
      throw embgeoError(
        'ERR_INVALID_ARG_TYPE',
        `${name}[${i}] must be an array of numbers or a Float32Array/Float64Array; got ${describe(row)}`,
        { row: i },
      )
    }
    if (row.length !== cols) throw ragged(name, i, row.length, cols)
    for (let j = 0; j < cols; j++) {
      const v: unknown = row[j]
      if (typeof v !== 'number') {
        throw embgeoError(
          'ERR_INVALID_ARG_TYPE',
          `${name}[${i}][${j}] must be a number; got ${describe(v)}`,
          { row: i, col: j },
        )
      }
      out[i * cols + j] = v
    }
  }
  return { data: out, rows: x.length, cols }
}

function ragged(name: string, row: number, actual: number, expected: number): Error {
  return embgeoError(
    'ERR_SHAPE',
    `${name} row ${row} has ${actual} values; expected ${expected} (from row 0). All rows must have the same length.`,
    { row, expected, actual },
  )
}

/**
 * Normalise two matrices that describe the same items (row i of `A` and row i of `B` are the
 * same item; widths may differ), as the representation-comparison measures take them.
 * Element types may differ (each side keeps its own). `names` are the arguments' names in messages.
 * @throws ERR_INVALID_ARG_TYPE, ERR_EMPTY (see `toMatrix`), ERR_SHAPE if the row counts differ
 */
export function toPair(A: unknown, B: unknown, names: readonly [string, string] = ['A', 'B']): [DenseMatrix, DenseMatrix] {
  const a = toMatrix(names[0], A)
  const b = toMatrix(names[1], B)
  if (a.rows !== b.rows) {
    throw embgeoError(
      'ERR_SHAPE',
      `${names[0]} has ${a.rows} rows but ${names[1]} has ${b.rows}; the two representations must describe the same items, row by row`,
      { rows: [a.rows, b.rows] },
    )
  }
  return [a, b]
}
