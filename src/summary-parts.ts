/**
 * Mergeable summary statistics (issue 16): {@link columnStatsPart} and {@link anisotropyPart}
 * compute the additive state of one shard; {@link mergeColumnStats} / {@link mergeAnisotropy}
 * combine the parts of disjoint shards into what `columnStats` / `anisotropy` give on all rows
 * (to rounding: see each function); `…PartToBytes` / `…PartFromBytes` move parts between
 * processes (versioned, CRC-32 checked).
 */
import { embgeoError } from './errors.js'
import { toMatrix, type MatrixLike } from './input.js'
import { matrixTwins } from './matrix-fn.js'
import type { Anisotropy } from './metrics.js'
import { native } from './native.js'
import { runSync, type RunOptions } from './run.js'
import type { ColumnStats, ColumnStatsOptions } from './stats.js'
import { is, RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

/** The column-statistics state of some rows: count, per-column mean, sum of squared deviations (m2), min, max. */
export interface ColumnStatsPart {
  rows: number
  cols: number
  mean: Float64Array
  m2: Float64Array
  min: Float64Array
  max: Float64Array
}

/** The anisotropy state of some rows: sums over rows (see {@link anisotropyPart}). */
export interface AnisotropyPart {
  rows: number
  cols: number
  zeroRows: number
  /** Σ xᵢ (cols values). */
  sum: Float64Array
  /** Σ xᵢ/‖xᵢ‖ over the non-zero rows (cols values). */
  unitSum: Float64Array
  /** Σ ‖xᵢ‖. */
  normSum: number
  /** Lower triangle of the unit rows' Gram UᵀU, packed row by row: cols·(cols+1)/2 values. */
  gram: Float64Array
}

function prepare(fn: string, X: unknown, o: unknown, async: boolean) {
  const run = validateOptions<RunOptions>(fn.replace(/Sync$/, ''), o, async ? RUN : SYNC_RUN)
  return { m: toMatrix('X', X), run, native: {} }
}

const COLUMN_TWINS = matrixTwins('columnStatsPart', prepare, (p, r) => ({ ...r, cols: p.m.cols }) as ColumnStatsPart)
const ANISOTROPY_TWINS = matrixTwins('anisotropyPart', prepare, (p, r) => ({ ...r, cols: p.m.cols }) as AnisotropyPart)

/**
 * The column-statistics state of the rows of `X` (a shard): 32·d bytes, O(n·d) time, on
 * embgeo's pool. Parts of disjoint shards merge with {@link mergeColumnStats}.
 * @param X n × d matrix, n ≥ 1.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (no rows), ERR_NON_FINITE, ERR_OUT_OF_RANGE, ABORT_ERR
 */
export function columnStatsPart(X: MatrixLike, options?: RunOptions): Promise<ColumnStatsPart> {
  return COLUMN_TWINS.async(X, options)
}

/** {@link columnStatsPart} on the calling thread. */
export function columnStatsPartSync(X: MatrixLike): ColumnStatsPart {
  return COLUMN_TWINS.sync(X, undefined)
}

/**
 * The anisotropy state of the rows of `X` (a shard): the row count, zero rows, Σxᵢ, Σ‖xᵢ‖, the
 * sum of the unit rows and the d × d Gram of the unit rows (all additive over rows; the n × n
 * cosines `anisotropy` uses when n ≤ d are not, so a part always holds the Gram). Size
 * 8·(2d + d(d+1)/2) bytes; O(n·d²) time, on embgeo's pool.
 * @param X n × d matrix, n ≥ 1, d ≤ 16,384.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE, ERR_EMPTY (no rows), ERR_NON_FINITE, ERR_OUT_OF_RANGE, ABORT_ERR
 */
export function anisotropyPart(X: MatrixLike, options?: RunOptions): Promise<AnisotropyPart> {
  return ANISOTROPY_TWINS.async(X, options)
}

/** {@link anisotropyPart} on the calling thread. */
export function anisotropyPartSync(X: MatrixLike): AnisotropyPart {
  return ANISOTROPY_TWINS.sync(X, undefined)
}

const F64 = (v: unknown): boolean => v instanceof Float64Array
export const COUNT = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0

/** Check that `p` has the fields of a part (the binding checks lengths and values again). */
export function checkPart<P>(name: string, p: unknown, kind: string, fields: Record<string, (v: unknown) => boolean>): P {
  const o = p as Record<string, unknown> | null
  if (o === null || typeof o !== 'object' || !Object.entries(fields).every(([f, ok]) => ok(o[f]))) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `${name} must be a ${kind} part as ${kind}Part or ${kind}PartFromBytes returned it`)
  }
  return p as P
}

const COLUMN_FIELDS = { rows: COUNT, mean: F64, m2: F64, min: F64, max: F64 }
const ANISOTROPY_FIELDS = { rows: COUNT, zeroRows: COUNT, sum: F64, unitSum: F64, normSum: (v: unknown) => typeof v === 'number', gram: F64 }

export function partsArg<P>(fn: string, parts: unknown, kind: string, fields: Record<string, (v: unknown) => boolean>): P[] {
  if (!Array.isArray(parts)) throw embgeoError('ERR_INVALID_ARG_TYPE', `${fn}: parts must be an array of ${kind} parts`)
  if (parts.length === 0) throw embgeoError('ERR_EMPTY', `${fn}: parts is empty; pass at least one part`, { rows: 0, needed: 1 })
  return parts.map((p, i) => checkPart<P>(`parts[${i}]`, p, kind, fields))
}

const MERGE_COLUMN_OPTIONS: Constraints = { ddof: is.int(0, 1_000_000) }

/**
 * Merge the column-statistics parts of disjoint shards, in order (Chan et al.'s pairwise
 * update): the statistics of all their rows. Rows, min and max are exact; mean and variance
 * equal `columnStats` on all rows to rounding (≈ 1e-15 relative for the mean, 1e-12 for the
 * variance), bit for bit when every part is one 2048-row block of `columnStats` merged in row
 * order (floating-point merges are not associative). O(d · parts), on the calling thread.
 * @throws ERR_INVALID_ARG_TYPE (not a part), ERR_EMPTY (no parts, or rows ≤ ddof), ERR_SHAPE
 *   (column counts differ), ERR_OUT_OF_RANGE (ddof, an inconsistent part, overflow)
 */
export function mergeColumnStats(parts: readonly ColumnStatsPart[], options?: ColumnStatsOptions): ColumnStats {
  const o = validateOptions<ColumnStatsOptions>('mergeColumnStats', options, MERGE_COLUMN_OPTIONS)
  const ps = partsArg<ColumnStatsPart>('mergeColumnStats', parts, 'columnStats', COLUMN_FIELDS)
  const r = runSync(() => native().mergeColumnStats(ps, o.ddof ?? 0))
  return { ...r, cols: ps[0]!.mean.length }
}

/**
 * Merge the anisotropy parts of disjoint shards (every field is a sum): the anisotropy of all
 * their rows, equal to `anisotropy` on all rows to rounding (tested: 1e-13 relative for the
 * ratio, norms and mean cosine, 1e-10 for the cosine spread, whose E[c²] − E[c]² form
 * amplifies rounding). O(d² · parts), on the calling thread.
 * @throws ERR_INVALID_ARG_TYPE (not a part), ERR_EMPTY (no parts, fewer than 2 rows),
 *   ERR_SHAPE (column counts differ), ERR_DEGENERATE (fewer than 2 non-zero rows),
 *   ERR_OUT_OF_RANGE (an inconsistent part, overflow)
 */
export function mergeAnisotropy(parts: readonly AnisotropyPart[]): Anisotropy {
  const ps = partsArg<AnisotropyPart>('mergeAnisotropy', parts, 'anisotropy', ANISOTROPY_FIELDS)
  const r = runSync(() => native().mergeAnisotropy(ps))
  return { ...r, cols: ps[0]!.sum.length }
}

export function bytesArg(bytes: unknown, fn: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw embgeoError('ERR_INVALID_ARG_TYPE', `${fn}: bytes must be a Uint8Array; got ${typeof bytes}`)
  return bytes
}

/**
 * A column-statistics part's binary form: version 1, 32 + 32·d bytes (magic, version, d,
 * rows, the four f64 arrays, CRC-32), bit-exact.
 * @throws ERR_INVALID_ARG_TYPE (not a part), ERR_SHAPE / ERR_OUT_OF_RANGE (an inconsistent part)
 */
export function columnStatsPartToBytes(part: ColumnStatsPart): Uint8Array {
  const p = checkPart<ColumnStatsPart>('part', part, 'columnStats', COLUMN_FIELDS)
  return runSync(() => native().columnStatsPartToBytes(p))
}

/** Load a part written by {@link columnStatsPartToBytes}. @throws ERR_BAD_MODEL for corrupt, truncated or foreign bytes */
export function columnStatsPartFromBytes(bytes: Uint8Array): ColumnStatsPart {
  const r = runSync(() => native().columnStatsPartFromBytes(bytesArg(bytes, 'columnStatsPartFromBytes')))
  return { ...r, cols: r.mean.length }
}

/**
 * An anisotropy part's binary form: version 1, 48 + 20·d + 4·d² bytes (magic, version, d,
 * rows, zero rows, the norm sum, the two sums, the packed Gram, CRC-32), bit-exact.
 * @throws ERR_INVALID_ARG_TYPE (not a part), ERR_SHAPE / ERR_OUT_OF_RANGE (an inconsistent part)
 */
export function anisotropyPartToBytes(part: AnisotropyPart): Uint8Array {
  const p = checkPart<AnisotropyPart>('part', part, 'anisotropy', ANISOTROPY_FIELDS)
  return runSync(() => native().anisotropyPartToBytes(p))
}

/** Load a part written by {@link anisotropyPartToBytes}. @throws ERR_BAD_MODEL for corrupt, truncated or foreign bytes */
export function anisotropyPartFromBytes(bytes: Uint8Array): AnisotropyPart {
  const r = runSync(() => native().anisotropyPartFromBytes(bytesArg(bytes, 'anisotropyPartFromBytes')))
  return { ...r, cols: r.sum.length }
}
