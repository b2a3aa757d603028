/**
 * Embedding files: read .npy, .fvecs/.bvecs/.ivecs, safetensors, raw f32, JSON/JSONL and
 * CSV/TSV into a matrix; write .npy and .fvecs/.ivecs atomically. Parsing is in crates/io
 * (bounded: no size a file declares is trusted before it is checked against the file's length).
 */
import { fileURLToPath } from 'node:url'
import { embgeoError } from './errors.js'
import { checkInteger, toMatrix, type DenseMatrix, type FloatArray, type MatrixLike } from './input.js'
import { native } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { is, RUN, validateOptions, type Constraints } from './validate.js'

/** A file format `readEmbeddings` understands. */
export type EmbeddingFormat = 'npy' | 'fvecs' | 'bvecs' | 'ivecs' | 'safetensors' | 'raw' | 'json' | 'jsonl' | 'csv' | 'tsv' | 'txt'

/** The element type stored in a file (`'text'` for decimal formats). */
export type FileDtype = 'f16' | 'bf16' | 'f32' | 'f64' | 'i8' | 'u8' | 'i16' | 'u16' | 'i32' | 'u32' | 'i64' | 'u64' | 'text'

const FORMATS: readonly EmbeddingFormat[] = ['npy', 'fvecs', 'bvecs', 'ivecs', 'safetensors', 'raw', 'json', 'jsonl', 'csv', 'tsv', 'txt']

/** Options of {@link readEmbeddings}. */
export interface ReadEmbeddingsOptions {
  /**
   * The format. Default: from the extension (`.npy`, `.fvecs`, `.bvecs`, `.ivecs`,
   * `.safetensors`, `.f32`/`.raw`/`.bin` = raw, `.json`, `.jsonl`/`.ndjson`, `.csv`,
   * `.tsv`/`.tab`), else from the first bytes (npy, safetensors, JSON, delimited text).
   */
  format?: EmbeddingFormat
  /** Values per row of a raw file (required for raw, which has no header); an integer >= 1. */
  dim?: number
  /** The safetensors tensor to read; default: the file's only 2-D tensor. */
  tensor?: string
  /**
   * Element type of the result. Default: `'f32'` when the file's values convert exactly (f16,
   * bf16, f32, 8- and 16-bit integers), else `'f64'` (f64, 32/64-bit integers, text).
   */
  dtype?: 'f32' | 'f64'
  /** Read only the first `limitRows` rows (all if the file has fewer; of `rows` when given); an integer >= 1. */
  limitRows?: number
  /**
   * Read only rows `start` to `end` (0-based, `end` exclusive) of a binary file (npy, fvecs,
   * bvecs, ivecs, safetensors, raw) by positioned reads: only the header and those rows' bytes
   * are read, so a worker reads its shard of a file larger than memory. ERR_OUT_OF_RANGE unless
   * `0 ≤ start ≤ end ≤` the file's rows, and for text formats.
   */
  rows?: readonly [number, number]
  /** JSON/JSONL rows that are objects: the key holding the vector, e.g. `'embedding'`. */
  field?: string
  /** CSV/TSV/TXT field separator, one ASCII character (`' '` = any run of spaces/tabs); default from the format, else sniffed. */
  delimiter?: string
  /** Whether delimited text starts with a header row; default: yes if its first row is not all numbers. */
  header?: boolean
}

/** A matrix read from a file: `rows × cols`, row-major, plus what the file held. */
export interface EmbeddingFile extends DenseMatrix {
  /** The element type in the file (the result's own type is `data`'s). */
  dtype: FileDtype
  /** The format read. */
  format: EmbeddingFormat
}

/** A row-major matrix of 32-bit integers (`.npy` `<i4`/`<u4`, `.ivecs`), e.g. `knn` indices. */
export interface IntMatrix {
  data: Int32Array | Uint32Array
  rows: number
  cols: number
}

/** Any row-major matrix a writer takes: float or 32-bit integer data. */
export interface NumericMatrix {
  data: Float32Array | Float64Array | Int32Array | Uint32Array
  rows: number
  cols: number
}

/** Short name of {@link ReadEmbeddingsOptions}. */
export type ReadOptions = ReadEmbeddingsOptions

/** The options of `readEmbeddings` (src/validate.ts rules: unknown names ERR_OUT_OF_RANGE, unknown strings ERR_INVALID_ARG_VALUE). */
const READ: Constraints = {
  format: is.oneOf(...FORMATS),
  dim: is.int(1, 0xffff_ffff),
  tensor: is.string,
  dtype: is.oneOf('f32', 'f64'),
  limitRows: is.int(1, 0xffff_ffff),
  rows: is.custom,
  field: is.string,
  delimiter: is.string,
  header: is.bool,
  ...RUN,
}

function checkPath(path: unknown): string {
  if (path instanceof URL) {
    if (path.protocol !== 'file:') {
      throw embgeoError('ERR_INVALID_ARG_TYPE', `path must be a string or a file: URL; got a ${path.protocol} URL`)
    }
    return fileURLToPath(path)
  }
  if (typeof path !== 'string' || path.length === 0) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `path must be a non-empty string or a file: URL; got ${path === '' ? 'an empty string' : typeof path}`)
  }
  return path
}

/** `[start, end]`: two integers with 0 ≤ start ≤ end. */
export function checkRowRange(rows: unknown): [number, number] {
  if (!Array.isArray(rows) || rows.length !== 2) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `options.rows must be [start, end] (two integers); got ${Array.isArray(rows) ? `an array of ${rows.length}` : typeof rows}`)
  }
  const start = checkInteger('options.rows[0]', rows[0], 0)
  const end = checkInteger('options.rows[1]', rows[1], 0)
  if (start > end) throw embgeoError('ERR_OUT_OF_RANGE', `options.rows must have start <= end; got [${start}, ${end}]`, { name: 'rows' })
  return [start, end]
}

/** The options as the native reader takes them (serde: camelCase, unknown fields rejected). */
type NativeReadOptions = Omit<ReadEmbeddingsOptions, never>

function prepareRead(path: unknown, options: unknown, table: Constraints): { path: string | Uint8Array; opts: NativeReadOptions } {
  const p = path instanceof Uint8Array ? path : checkPath(path)
  const { signal: _signal, onProgress: _onProgress, copy: _copy, ...opts } = validateOptions<ReadEmbeddingsOptions & RunOptions>('readEmbeddings', options, table)
  const d = opts.delimiter
  if (d !== undefined && (d.length !== 1 || d.charCodeAt(0) > 127 || d === '\n' || d === '\r' || d === '"')) {
    throw embgeoError('ERR_OUT_OF_RANGE', `options.delimiter must be one ASCII character other than a newline or '"'; got ${JSON.stringify(d)}`, { name: 'delimiter' })
  }
  if (opts.rows !== undefined) opts.rows = checkRowRange(opts.rows)
  if (opts.format === 'raw' && opts.dim === undefined) {
    throw embgeoError('ERR_OUT_OF_RANGE', 'options.dim must be an integer >= 1 for raw files (they have no header saying the row length); got undefined', { name: 'dim' })
  }
  return { path: p, opts }
}

function finishRead(r: { data: FloatArray; rows: number; cols: number; dtype: string; format: string }): EmbeddingFile {
  return { data: r.data, rows: r.rows, cols: r.cols, dtype: r.dtype as FileDtype, format: r.format as EmbeddingFormat }
}

/**
 * Read the embedding matrix stored in a file, streaming it on embgeo's pool (the event loop
 * stays free). Memory: the result plus a 1 MiB block (text: plus the longest line).
 *
 * @param path a file path or `file:` URL, or the bytes of a file (a `Uint8Array`, e.g. from a
 *   browser `File`; copied once; pass `options.format` when the content alone is ambiguous).
 * @returns `{ data, rows, cols, dtype, format }`: `rows × cols` row-major values
 *   (`Float32Array` or `Float64Array`, see `options.dtype`), the file's element type and format.
 * @throws ERR_INVALID_ARG_TYPE, ERR_OUT_OF_RANGE (options out of range or unknown; `dim` missing
 *   for raw files), ERR_INVALID_ARG_VALUE (an unknown `format` or `dtype`)
 * @throws ERR_BAD_FILE the content is not a valid file of the format (the message gives the byte
 *   offset or the line and column, what was expected and what was found)
 * @throws ERR_IO the file cannot be opened or read (missing, no permission), or is not a regular
 *   file (a directory, FIFO, socket or device: refused before anything can block)
 * @throws ERR_NON_FINITE the file holds NaN or ±Infinity (row and column given)
 * @throws ABORT_ERR `options.signal` fired
 */
export function readEmbeddings(path: string | URL | Uint8Array, options?: ReadEmbeddingsOptions & RunOptions): Promise<EmbeddingFile> {
  return rejecting(() => {
    const { path: src, opts } = prepareRead(path, options, READ)
    return runAsync(options ?? {}, [] as const, (control) =>
      typeof src === 'string' ? native().readEmbeddings(src, opts, control) : native().readEmbeddingsBytes(src, opts, control),
    ).then(finishRead)
  })
}

/** {@link readEmbeddings} on the calling thread (blocks it). */
export function readEmbeddingsSync(path: string | URL | Uint8Array, options?: ReadEmbeddingsOptions): EmbeddingFile {
  const { path: src, opts } = prepareRead(path, options, READ)
  return finishRead(runSync(() => (typeof src === 'string' ? native().readEmbeddingsSync(src, opts) : native().readEmbeddingsBytesSync(src, opts))))
}

type WriteArray = Float32Array | Float64Array | Int32Array | Uint32Array

function toWritable(name: string, X: unknown, allowed: readonly string[], target: string): { data: WriteArray; rows: number; cols: number } {
  if (X !== null && typeof X === 'object' && 'data' in X && (X.data instanceof Int32Array || X.data instanceof Uint32Array)) {
    const m = X as IntMatrix
    if (!allowed.includes(m.data.constructor.name)) {
      throw embgeoError('ERR_INVALID_ARG_TYPE', `${name}.data is a ${m.data.constructor.name}, which ${target} cannot hold`)
    }
    const rows = checkInteger(`${name}.rows`, m.rows, 0)
    const cols = checkInteger(`${name}.cols`, m.cols, 1)
    if (m.data.length !== rows * cols) {
      throw embgeoError('ERR_SHAPE', `${name}.data.length is ${m.data.length} but rows * cols = ${rows} * ${cols} = ${rows * cols}; fix rows/cols or the data`, {
        length: m.data.length,
        rows,
        cols,
      })
    }
    return { data: m.data, rows, cols }
  }
  return toMatrix(name, X)
}

function checkCounts(rows: number, cols: number): void {
  checkInteger('rows', rows, 0, 0xffff_ffff)
  checkInteger('cols', cols, 1, 0x7fff_ffff)
}

function prepareWrite(path: unknown, X: unknown, allowed: readonly string[]): { path: string; m: { data: WriteArray; rows: number; cols: number } } {
  const p = checkPath(path)
  const m = toWritable('X', X, allowed, allowed === NPY_TYPES ? '.npy' : allowed === IVECS_TYPES ? '.ivecs' : '.fvecs (f32)')
  checkCounts(m.rows, m.cols)
  return { path: p, m }
}

function writeAsync(fn: string, path: unknown, X: unknown, allowed: readonly string[], vecs: boolean, options: RunOptions | undefined): Promise<void> {
  return rejecting(() => {
    const { path: p, m } = prepareWrite(path, X, allowed)
    const run = validateOptions<RunOptions>(fn, options, RUN)
    // runAsync copies its inputs with `.slice()` when the job must wait in the queue; integer
    // arrays have the same method, so they ride along as inputs. A write commits (the rename):
    // once it has, the promise resolves whatever onProgress throws (see runAsync).
    const inputs = [m.data] as unknown as readonly [FloatArray]
    return runAsync(
      run,
      inputs,
      (control, [data]) => native().writeMatrix(p, data as WriteArray, m.rows, m.cols, vecs, control),
      { commits: true },
    )
  })
}

const NPY_TYPES = ['Float32Array', 'Float64Array', 'Int32Array', 'Uint32Array'] as const
const IVECS_TYPES = ['Int32Array', 'Uint32Array'] as const

/**
 * Write a matrix as a numpy `.npy` file (v1.0, C order, little-endian `<f4`, `<f8`, `<i4` or
 * `<u4` after the data's type), atomically: the file is written beside `path` under a
 * temporary name and renamed over it, so readers never see a partial file. `X`'s data is
 * copied once before this returns.
 *
 * @param X `rows × cols` (a DenseMatrix, rows, or an {@link IntMatrix}); cols >= 1, rows >= 0.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_NON_FINITE (NaN/±Infinity), ERR_OUT_OF_RANGE (an
 *   unknown option), ERR_IO (also a destination that is read-only or not a regular file; see
 *   README "Files": the destination keeps its mode), ABORT_ERR (nothing was written)
 */
export function writeNpy(path: string | URL, X: MatrixLike | NumericMatrix, options?: RunOptions): Promise<void> {
  return writeAsync('writeNpy', path, X, NPY_TYPES, false, options)
}

/** {@link writeNpy} on the calling thread (blocks it; no copy). */
export function writeNpySync(path: string | URL, X: MatrixLike | NumericMatrix): void {
  const { path: p, m } = prepareWrite(path, X, NPY_TYPES)
  runSync(() => native().writeMatrixSync(p, m.data, m.rows, m.cols, false))
}

/**
 * Write a float matrix as `.fvecs` (per row: little-endian i32 `cols`, then `cols` f32 values),
 * atomically. Float64Array data is rounded to the nearest f32.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_NON_FINITE, ERR_OUT_OF_RANGE (a value beyond f32's
 *   range), ERR_IO, ABORT_ERR
 */
export function writeFvecs(path: string | URL, X: MatrixLike, options?: RunOptions): Promise<void> {
  return writeAsync('writeFvecs', path, X, [], true, options)
}

/** {@link writeFvecs} on the calling thread (blocks it; no copy). */
export function writeFvecsSync(path: string | URL, X: MatrixLike): void {
  const { path: p, m } = prepareWrite(path, X, [])
  runSync(() => native().writeMatrixSync(p, m.data, m.rows, m.cols, true))
}

/**
 * Write a 32-bit integer matrix (e.g. ground-truth neighbour ids, `knn(...).indices`) as
 * `.ivecs` (per row: i32 `cols`, then `cols` i32 values), atomically.
 *
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_OUT_OF_RANGE (a Uint32Array value above
 *   2^31 - 1), ERR_IO, ABORT_ERR
 */
export function writeIvecs(path: string | URL, X: IntMatrix, options?: RunOptions): Promise<void> {
  return rejecting(() => {
    requireInt(X)
    return writeAsync('writeIvecs', path, X, IVECS_TYPES, true, options)
  })
}

/** {@link writeIvecs} on the calling thread (blocks it; no copy). */
export function writeIvecsSync(path: string | URL, X: IntMatrix): void {
  requireInt(X)
  const { path: p, m } = prepareWrite(path, X, IVECS_TYPES)
  runSync(() => native().writeMatrixSync(p, m.data, m.rows, m.cols, true))
}

function requireInt(X: unknown): void {
  const data = (X as { data?: unknown } | null)?.data
  if (!(data instanceof Int32Array || data instanceof Uint32Array)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `X must be { data: Int32Array | Uint32Array, rows, cols } for .ivecs; got ${data === undefined ? typeof X : (data as object).constructor?.name ?? typeof data}`)
  }
}
