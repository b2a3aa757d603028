/**
 * Mergeable hubness (issue 16): {@link hubnessPart} counts the k-occurrences of the points over
 * the neighbour lists of one block of query rows (e.g. a merged block of a sharded all-points
 * kNN graph); {@link mergeHubness} sums the counts of disjoint blocks (exact integers) and
 * computes the statistics once, by the code `hubness` runs, so the result equals `hubness` of the
 * whole graph bit for bit; `hubnessPartToBytes` / `hubnessPartFromBytes` move parts between
 * processes (versioned, CRC-32 checked).
 */
import { embgeoError } from './errors.js'
import type { FloatArray } from './input.js'
import type { Hubness, HubnessOptions, NeighborIndices } from './metrics.js'
import { native } from './native.js'
import { neighborArrays } from './neighbor-indices.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { bytesArg, checkPart, COUNT, partsArg } from './summary-parts.js'
import { is, RUN, SYNC_RUN, validateOptions } from './validate.js'

/** The k-occurrence counts of the points over the neighbour lists of some query rows. */
export interface HubnessPart {
  /** Neighbours per list. */
  k: number
  /** Global row id of the first query row counted. */
  queryOffset: number
  /** Query rows (neighbour lists) counted. */
  rows: number
  /** Points the lists refer to (`occurrences.length`). */
  points: number
  /** N_k(j) over these lists, one per point. */
  occurrences: Uint32Array
}

/** Options of {@link hubnessPart}. */
export interface HubnessPartOptions {
  /** Number of points the indices refer to (the whole corpus: every index is below it). Required. */
  points: number
  /**
   * Global row id of the block's first query row (default 0): query row i is `queryOffset + i`.
   * {@link mergeHubness} refuses parts whose query rows overlap, so give each block its offset.
   */
  queryOffset?: number
}

const PART_OPTIONS = { points: is.int(1, 2 ** 32 - 1), queryOffset: is.int(0, 2 ** 32 - 1) }

function prepare(neighbors: NeighborIndices, opts: unknown, async: boolean) {
  if (opts === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'hubnessPart: options is required: { points, queryOffset? }')
  const o = validateOptions<HubnessPartOptions & RunOptions>('hubnessPart', opts, { ...PART_OPTIONS, ...(async ? RUN : SYNC_RUN) })
  if (o.points === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'hubnessPart: options.points is required (the number of points the indices refer to)')
  const a = neighborArrays(neighbors)
  const queryOffset = o.queryOffset ?? 0
  if (queryOffset + a.rows > 2 ** 32) {
    throw embgeoError('ERR_OUT_OF_RANGE', `queryOffset + rows = ${queryOffset} + ${a.rows} exceeds 2^32 (u32 global row ids)`)
  }
  return { ...a, points: o.points, queryOffset, run: o as RunOptions }
}

/** The native part with its point count. */
function withPoints(r: Omit<HubnessPart, 'points'>): HubnessPart {
  return { ...r, points: r.occurrences.length }
}

/**
 * The hubness state of one block of query rows: the k-occurrence N_k(j) of each of the `points`
 * points over the block's neighbour lists (the first k of each; `stride` as for `hubness`).
 * Parts of disjoint blocks merge exactly with {@link mergeHubness}. Size 4·points bytes
 * (`hubnessPartToBytes`: 48 + 4·points). O(rows·k + points) time, on embgeo's pool; the indices
 * are copied once before this returns.
 *
 * @param neighbors the block's lists with global point ids, e.g. a merged block of `mergeKnn`.
 * @throws ERR_INVALID_ARG_TYPE (no options / points), ERR_SHAPE (indices length ≠ rows·k),
 *   ERR_OUT_OF_RANGE (an index ≥ points or < 0, naming row and column; points, queryOffset,
 *   unknown option), ABORT_ERR
 */
export function hubnessPart(neighbors: NeighborIndices, options: HubnessPartOptions & RunOptions): Promise<HubnessPart> {
  return rejecting(() => {
    const p = prepare(neighbors, options, true)
    const inputs = [p.u32] as unknown as readonly [FloatArray]
    return runAsync(p.run, inputs, (control, [idx]) =>
      native().hubnessPart(idx as unknown as Uint32Array, [p.rows, p.k, p.stride, p.points], p.queryOffset, control),
    ).then(withPoints)
  })
}

/** {@link hubnessPart} on the calling thread (blocks it; the indices are read in place). */
export function hubnessPartSync(neighbors: NeighborIndices, options: HubnessPartOptions): HubnessPart {
  const p = prepare(neighbors, options, false)
  return withPoints(runSync(() => native().hubnessPartSync(p.u32, [p.rows, p.k, p.stride, p.points], p.queryOffset)))
}

const U32 = (v: unknown): boolean => v instanceof Uint32Array
const FIELDS = { k: COUNT, queryOffset: COUNT, rows: COUNT, occurrences: U32 }

/**
 * Merge the hubness parts of disjoint query blocks: the counts summed (exact), then skewness,
 * Robin Hood index, hubs, anti-hubs and hub occurrence computed once by the code `hubness` runs.
 * The result equals `hubness` of all the blocks' lists together bit for bit, in any part order.
 * O(points · parts), on the calling thread.
 * @throws ERR_INVALID_ARG_TYPE (not a part), ERR_EMPTY (no parts), ERR_SHAPE (different point
 *   counts), ERR_OUT_OF_RANGE (different k, overlapping query rows, an inconsistent part: counts
 *   not summing to rows·k; hubSize, unknown option)
 */
export function mergeHubness(parts: readonly HubnessPart[], options?: Pick<HubnessOptions, 'hubSize'>): Hubness {
  const o = validateOptions<Pick<HubnessOptions, 'hubSize'>>('mergeHubness', options, { hubSize: is.positive })
  const ps = partsArg<HubnessPart>('mergeHubness', parts, 'hubness', FIELDS)
  return runSync(() => native().mergeHubness(ps, o.hubSize))
}

/**
 * A hubness part's binary form: version 1, 48 + 4·points bytes (magic, version, points, k,
 * query offset, rows, the u32 counts, CRC-32).
 * @throws ERR_INVALID_ARG_TYPE (not a part), ERR_OUT_OF_RANGE (an inconsistent part)
 */
export function hubnessPartToBytes(part: HubnessPart): Uint8Array {
  const p = checkPart<HubnessPart>('part', part, 'hubness', FIELDS)
  return runSync(() => native().hubnessPartToBytes(p))
}

/** Load a part written by {@link hubnessPartToBytes}. @throws ERR_BAD_MODEL for corrupt, truncated or foreign bytes */
export function hubnessPartFromBytes(bytes: Uint8Array): HubnessPart {
  return withPoints(runSync(() => native().hubnessPartFromBytes(bytesArg(bytes, 'hubnessPartFromBytes'))))
}
