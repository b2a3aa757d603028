/**
 * Input normalisation and validation (api.md "Data in"): the one place where arguments are
 * checked. Numeric crates re-check their own preconditions (including finiteness, which is a
 * scan over every element and therefore belongs in Rust) and return the same error codes.
 */
import { embgeoError } from './errors.js'
import { checkInteger, checkObject, describe } from './validate.js'

export { checkInteger } from './validate.js'

/** A typed array of floats: the fast path. */
export type FloatArray = Float32Array | Float64Array

/** A row-major matrix: `rows` samples of `cols` features. */
export interface DenseMatrix {
  data: FloatArray
  rows: number
  cols: number
}

/** Anything embgeo accepts as a matrix: a DenseMatrix (no copy), or rows (copied). */
export type MatrixLike = DenseMatrix | readonly (readonly number[])[] | readonly FloatArray[]

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
 * @throws ERR_INVALID_ARG_TYPE if `data` is not a Float32Array/Float64Array or `cols` not a number.
 * @throws ERR_OUT_OF_RANGE if `cols` is not an integer >= 1.
 * @throws ERR_SHAPE if `data.length` is not a multiple of `cols`.
 */
export function matrix(data: FloatArray, cols: number): DenseMatrix {
  if (!isFloatArray(data)) {
    throw embgeoError(
      'ERR_INVALID_ARG_TYPE',
      `data must be a Float32Array or Float64Array; got ${describe(data)}. Convert with Float32Array.from(data).`,
    )
  }
  checkInteger('cols', cols, 1)
  if (data.length % cols !== 0) {
    throw embgeoError(
      'ERR_SHAPE',
      `data.length is ${data.length}, which is not a multiple of cols = ${cols} (${Math.floor(data.length / cols)} full rows and ${data.length % cols} values left over)`,
      { length: data.length, cols },
    )
  }
  return { data, rows: data.length / cols, cols }
}

/**
 * Normalise a MatrixLike argument to a DenseMatrix (typed arrays are not copied; rows are).
 * `name` is the argument's name in messages.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (see api.md)
 */
export function toMatrix(name: string, x: unknown): DenseMatrix {
  if (Array.isArray(x)) return fromRows(name, x)
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
      `${name}.data must be a Float32Array or Float64Array; got ${describe(m.data)}. Convert with Float32Array.from(${name}.data).`,
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
