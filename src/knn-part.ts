/**
 * Mergeable kNN partial states (issue 16): {@link mergeKnn}/{@link mergeKnnSync} combine the
 * {@link KnnPart}s of disjoint corpus shards exactly; {@link serializeKnnPart} /
 * {@link deserializeKnnPart} move them between processes (versioned, CRC-32 checked).
 */
import { embgeoError } from './errors.js'
import { knnResult, METRICS, type KnnPart, type Metric } from './knn.js'
import { native } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { is, RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

/** Options of {@link mergeKnn}. */
export interface MergeKnnOptions extends RunOptions {
  /** Neighbours per row of the result, 1 ≤ k ≤ the parts' neighbours per row together. */
  k: number
}

const MERGE_OPTIONS: Constraints = { k: is.int(1, 2 ** 32 - 1) }

/** The native form of a part: its shape and arrays (the binding copies them once). */
interface NativePart {
  shape: { k: number; rows: number; metric: Metric; dtype: 'f32' | 'f64' }
  indices: Uint32Array
  keys: Float64Array
}

/** Check that `p` is a KnnPart (from a shard search, mergeKnn or deserializeKnnPart). */
function toNative(name: string, p: unknown): NativePart {
  const part = p as Partial<KnnPart> | null
  const ok =
    part !== null &&
    typeof part === 'object' &&
    part.indices instanceof Uint32Array &&
    part.keys instanceof Float64Array &&
    (part.distances instanceof Float32Array || part.distances instanceof Float64Array) &&
    METRICS.includes(part.metric as Metric) &&
    Number.isSafeInteger(part.k) &&
    Number.isSafeInteger(part.rows)
  if (!ok) {
    throw embgeoError(
      'ERR_INVALID_ARG_TYPE',
      `${name} must be a kNN part: a result of knn(shard, { k, rowOffset, ... }), mergeKnn or deserializeKnnPart (with keys)`,
    )
  }
  const dtype = part.distances instanceof Float32Array ? 'f32' : 'f64'
  return { shape: { k: part.k!, rows: part.rows!, metric: part.metric!, dtype }, indices: part.indices!, keys: part.keys! }
}

function prepare(fn: string, parts: readonly KnnPart[], options: MergeKnnOptions, run: Constraints) {
  if (!Array.isArray(parts)) throw embgeoError('ERR_INVALID_ARG_TYPE', `${fn}: parts must be an array of kNN parts`)
  if (options === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options is required: { k }')
  const o = validateOptions<MergeKnnOptions>(fn, options, { ...MERGE_OPTIONS, ...run })
  if (o.k === undefined) throw embgeoError('ERR_INVALID_ARG_TYPE', 'options.k is required (the number of neighbours per row)')
  if (parts.length === 0) throw embgeoError('ERR_EMPTY', `${fn}: parts is empty; pass at least one part`, { rows: 0, needed: 1 })
  const natives = parts.map((p, i) => toNative(`parts[${i}]`, p))
  const { metric } = natives[0]!.shape
  const available = natives.reduce((s, p) => s + p.shape.k, 0)
  if (o.k > available) {
    throw embgeoError('ERR_K_TOO_LARGE', `k = ${o.k} but the ${parts.length} parts hold ${available} neighbours per row together; lower k`, {
      k: o.k,
      available,
    })
  }
  return { natives, metric, k: o.k, run: o as RunOptions }
}

/**
 * Merge the kNN parts of the same query rows against disjoint corpus shards: per row, the k
 * best `(exact key, global index)` pairs of all parts, ties to the lower global index. The
 * result equals `knn` on the whole corpus bit for bit (indices and distances), and is itself a
 * part (merges are associative). Time O(rows·K·log K), K = Σ part.k; runs on embgeo's pool;
 * the parts are copied once.
 *
 * @throws ERR_INVALID_ARG_TYPE (not a part), ERR_EMPTY (no parts), ERR_SHAPE (row counts differ),
 *   ERR_INVALID_ARG_VALUE (metrics or element types differ), ERR_OUT_OF_RANGE (k, unknown option,
 *   a global row id twice in a row: overlapping shards), ERR_K_TOO_LARGE, ABORT_ERR
 */
export function mergeKnn(parts: readonly KnnPart[], options: MergeKnnOptions): Promise<KnnPart> {
  return rejecting(() => {
    const p = prepare('mergeKnn', parts, options, RUN)
    // the job may wait in the queue: hold copies, so callers may reuse their arrays at once
    const held = p.natives.map((n) => ({ shape: n.shape, indices: n.indices.slice(), keys: n.keys.slice() }))
    return runAsync(p.run, [] as const, (control) => native().mergeKnn(held, { k: p.k }, control)).then(
      (r) => knnResult(r, p.metric) as KnnPart,
    )
  })
}

/** {@link mergeKnn} on the calling thread (blocks it). */
export function mergeKnnSync(parts: readonly KnnPart[], options: MergeKnnOptions): KnnPart {
  const p = prepare('mergeKnnSync', parts, options, SYNC_RUN)
  return knnResult(
    runSync(() => native().mergeKnnSync(p.natives, { k: p.k })),
    p.metric,
  ) as KnnPart
}

/**
 * A part's binary form: version 1, `36 + 12 · rows · k` bytes (header, u32 global ids, f64
 * keys, CRC-32). The distances are recomputed from the keys on load, bit for bit.
 * @throws ERR_INVALID_ARG_TYPE (not a part), ERR_OUT_OF_RANGE (an inconsistent part)
 */
export function serializeKnnPart(part: KnnPart): Uint8Array {
  const n = toNative('part', part)
  return runSync(() => native().knnPartToBytes(n))
}

/** Load a part written by {@link serializeKnnPart}. @throws ERR_BAD_MODEL for corrupt, truncated or foreign bytes */
export function deserializeKnnPart(bytes: Uint8Array): KnnPart {
  if (!(bytes instanceof Uint8Array)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `bytes must be a Uint8Array from serializeKnnPart(); got ${typeof bytes}`)
  }
  const r = runSync(() => native().knnPartFromBytes(bytes))
  return knnResult(r.part, r.metric as Metric) as KnnPart
}
