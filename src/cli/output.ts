/**
 * How the CLI ends: exit codes scripts can rely on, error reports (text or JSON), and writing
 * result matrices to .npy / .fvecs / .ivecs by the output file's extension.
 */
import { extname } from 'node:path'

import { EmbgeoError } from '../errors.js'
import { writeFvecs, writeIvecs, writeNpy } from '../io.js'
import { UsageError } from './args.js'

/** Exit codes of `embgeo` (also in `embgeo --help`). */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** An unexpected failure (ERR_INTERNAL, or anything that is not one of the cases below). */
  internal: 1,
  /** Bad command line: unknown command or option, missing argument, invalid option value. */
  usage: 2,
  /** A file cannot be read or written (ERR_IO: input, output, --labels, --weights, --html, --model) or is not valid (ERR_BAD_FILE). */
  file: 3,
  /** The data cannot be processed as asked (ERR_NON_FINITE, ERR_EMPTY, ERR_DEGENERATE, ERR_K_TOO_LARGE, …). */
  data: 4,
  /** Interrupted (SIGINT); the running job was aborted. */
  interrupted: 130,
} as const

/** The exit code for an error. */
export function exitCode(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage
  if (!(err instanceof EmbgeoError)) return EXIT.internal
  switch (err.code) {
    case 'ERR_IO':
    case 'ERR_BAD_FILE':
      return EXIT.file
    case 'ERR_INVALID_ARG_TYPE':
    case 'ERR_INVALID_ARG_VALUE':
    case 'ERR_OUT_OF_RANGE':
      return EXIT.usage
    case 'ABORT_ERR':
      return EXIT.interrupted
    case 'ERR_INTERNAL':
    case 'ERR_NATIVE_LOAD':
      return EXIT.internal
    default:
      return EXIT.data
  }
}

/** Report `err` on stderr (text) or stdout (`--json`: `{ "error": { code, message } }`). */
export function reportError(err: unknown, json: boolean): void {
  const code = err instanceof UsageError ? 'ERR_USAGE' : err instanceof EmbgeoError ? err.code : 'ERR_INTERNAL'
  const message = err instanceof Error ? err.message : String(err)
  if (json) process.stdout.write(JSON.stringify({ error: { code, message } }) + '\n')
  else process.stderr.write(`embgeo: ${message}${code === 'ERR_USAGE' ? '' : ` [${code}]`}\n`)
}

/** A matrix to write. */
export interface OutMatrix {
  data: Float32Array | Float64Array | Uint32Array | Int32Array
  rows: number
  cols: number
}

/**
 * Write `m` to `path`; the format follows the extension (.npy any dtype, .fvecs floats, .ivecs
 * integers). `signal` (the CLI's SIGINT) aborts the write: the temporary is removed and the
 * destination is left as it was.
 */
export async function writeMatrix(path: string, m: OutMatrix, signal?: AbortSignal): Promise<void> {
  const ext = extname(path).toLowerCase()
  const run = signal === undefined ? {} : { signal }
  if (ext === '.npy') return writeNpy(path, m, run)
  if (ext === '.fvecs' || ext === '.ivecs') {
    const integer = m.data instanceof Uint32Array || m.data instanceof Int32Array
    if (integer !== (ext === '.ivecs')) throw new UsageError(`${path}: ${integer ? 'integer output needs .ivecs or .npy' : 'float output needs .fvecs or .npy'}`)
    return m.data instanceof Uint32Array || m.data instanceof Int32Array
      ? writeIvecs(path, { data: m.data, rows: m.rows, cols: m.cols }, run)
      : writeFvecs(path, { data: m.data, rows: m.rows, cols: m.cols }, run)
  }
  throw new UsageError(`${path}: unsupported output extension '${ext}'; use .npy, .fvecs or .ivecs`)
}

/** Print a result: JSON on stdout, or aligned `key  value` lines. */
export function printResult(json: boolean, result: Record<string, unknown>, lines: Array<[string, string]>): void {
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n')
    return
  }
  const width = Math.max(...lines.map(([k]) => k.length)) + 2
  process.stdout.write(lines.map(([k, v]) => `${k.padEnd(width)}${v}`).join('\n') + '\n')
}

/** A number with `digits` significant digits, without exponent noise for ordinary magnitudes. */
export function fmt(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x)
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3)) return x.toExponential(digits - 1)
  return Number(x.toPrecision(digits)).toString()
}
