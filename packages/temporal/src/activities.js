/**
 * The activities: each reads its shard by row range, computes one partial state with embgeo,
 * writes it to the store and returns its key (states never travel in Temporal payloads).
 *
 * Every activity is idempotent under retries: a state already in the store is reused when it
 * loads (a corrupt or truncated one is ERR_BAD_MODEL, reported and recomputed), and writes are
 * atomic. Progress is heartbeated (also every 200 ms while embgeo computes, so a killed worker
 * is noticed after the heartbeat timeout and cancellation arrives quickly); Temporal's
 * cancellation is mapped to embgeo's AbortSignal, so the native job stops at its next
 * checkpoint (a few ms).
 */
import { fileURLToPath } from 'node:url'

import { Context } from '@temporalio/activity'
import { ApplicationFailure } from '@temporalio/common'
import {
  anisotropyPart,
  anisotropyPartFromBytes,
  anisotropyPartToBytes,
  anisotropySection,
  columnStatsPart,
  columnStatsPartFromBytes,
  columnStatsPartToBytes,
  deserializeKnnPart,
  estimateId,
  gride,
  hubnessPart,
  hubnessPartFromBytes,
  hubnessPartToBytes,
  hubnessSection,
  idEstimate,
  knn,
  knnCrossParts,
  mergeAnisotropy,
  mergeColumnStats,
  mergeHubness,
  mergeKnn,
  mle,
  PCA,
  readEmbeddings,
  serializeKnnPart,
  twoNN,
  Whitener,
} from 'embgeo'

import { openStore } from './store.js'

/**
 * A row range of an embedding file.
 * @typedef {{ path: string, rows: [number, number], options?: Record<string, unknown> }} Source
 */

function readSource(src, signal) {
  const path = src.path.startsWith('file:') ? fileURLToPath(src.path) : src.path
  return readEmbeddings(path, { ...(src.options ?? {}), rows: src.rows, signal })
}

/** Run `body(signal, progress)` with the activity's cancellation signal and heartbeats. */
async function working(body) {
  const ctx = Context.current()
  let last = { phase: 'start', completed: 0, total: 0 }
  const timer = setInterval(() => ctx.heartbeat(last), 200)
  try {
    return await body(ctx.cancellationSignal, (p) => {
      last = p
      ctx.heartbeat(p)
    })
  } finally {
    clearInterval(timer)
  }
}

/** A state in the store, loaded by `load`; `undefined` when absent; `{ corrupt: true }` when it does not load. */
async function existing(store, key, load) {
  const bytes = await store.get(key)
  if (bytes === undefined) return undefined
  try {
    return { value: load(bytes) }
  } catch (err) {
    if (err && err.code === 'ERR_BAD_MODEL') return { corrupt: true }
    throw err
  }
}

/** A non-retryable ERR_BAD_MODEL failure naming `key` (the workflow recomputes it). */
function badState(what, key) {
  return ApplicationFailure.create({ type: 'ERR_BAD_MODEL', message: `${what} '${key}' is missing or corrupt; recompute it`, nonRetryable: true, details: [key] })
}

/** Load every state under `keys` with `load`, failing with {@link badState} on the first that does not load. */
async function loadAll(store, keys, load, what) {
  const out = []
  for (const key of keys) {
    const got = await existing(store, key, load)
    if (got?.value === undefined) throw badState(what, key)
    out.push(got.value)
  }
  return out
}

/**
 * kNN part of `queries` (or, with `queryOffset`, a block of the corpus itself) against one
 * corpus shard, with global row ids; written as `serializeKnnPart` bytes under `key`.
 * @param {{ store: string, key: string, corpus: Source, queries?: Source, k: number,
 *   metric?: string, queryOffset?: number, force?: boolean }} input
 * @returns {Promise<{ key: string, reused: boolean, recomputed: boolean, bytes: number }>}
 */
export async function knnPart(input) {
  const store = openStore(input.store)
  const had = input.force ? undefined : await existing(store, input.key, deserializeKnnPart)
  if (had?.value !== undefined) return { key: input.key, reused: true, recomputed: false, bytes: 0 }
  // a diagonal block of the all-points graph (the block is the shard) is the shard's own
  // all-points graph: the symmetric pass computes each pair once (half the work), same answer
  const q = input.queries
  const diagonal =
    q !== undefined && input.queryOffset === input.corpus.rows[0] && q.path === input.corpus.path && q.rows[0] === input.corpus.rows[0] && q.rows[1] === input.corpus.rows[1]
  return working(async (signal, onProgress) => {
    const shard = await readSource(input.corpus, signal)
    const queries = q === undefined || diagonal ? undefined : await readSource(q, signal)
    const part = await knn(shard, {
      k: input.k,
      ...(input.metric === undefined ? {} : { metric: input.metric }),
      ...(queries === undefined ? {} : { queries }),
      rowOffset: input.corpus.rows[0],
      ...(input.queryOffset === undefined || diagonal ? {} : { queryOffset: input.queryOffset }),
      signal,
      onProgress,
    })
    const bytes = serializeKnnPart(part)
    await store.put(input.key, bytes)
    return { key: input.key, reused: false, recomputed: had?.corrupt === true || input.force === true, bytes: bytes.length }
  })
}

/**
 * Both kNN parts of a pair of shards of the all-points graph whose query blocks are the shards,
 * from one pass (`knnCrossParts`: each distance computed once, half the work of two
 * `knnPart`s): `keys[0]` gets shard `a`'s rows against shard `b`, `keys[1]` shard `b`'s rows
 * against shard `a`, each the `serializeKnnPart` bytes `knnPart` would write. Reused when both
 * load; with `force`, or when either is missing or corrupt, both are recomputed.
 * @param {{ store: string, keys: [string, string], a: Source, b: Source, k: number,
 *   metric?: string, force?: boolean }} input
 * @returns {Promise<Array<{ key: string, reused: boolean, recomputed: boolean, bytes: number }>>}
 */
export async function knnCrossPart(input) {
  const store = openStore(input.store)
  const had = input.force ? [undefined, undefined] : await Promise.all(input.keys.map((key) => existing(store, key, deserializeKnnPart)))
  if (had.every((h) => h?.value !== undefined)) return input.keys.map((key) => ({ key, reused: true, recomputed: false, bytes: 0 }))
  return working(async (signal, onProgress) => {
    const a = await readSource(input.a, signal)
    const b = await readSource(input.b, signal)
    const { aToB, bToA } = await knnCrossParts(a, b, {
      k: input.k,
      ...(input.metric === undefined ? {} : { metric: input.metric }),
      aOffset: input.a.rows[0],
      bOffset: input.b.rows[0],
      signal,
      onProgress,
    })
    const out = []
    for (const [i, part] of [aToB, bToA].entries()) {
      const bytes = serializeKnnPart(part)
      await store.put(input.keys[i], bytes)
      // one pass writes both: a corrupt or forced part recomputes its pair-mate too
      out.push({ key: input.keys[i], reused: false, recomputed: had.some((h) => h?.corrupt === true) || input.force === true, bytes: bytes.length })
    }
    return out
  })
}

/**
 * Merge the parts under `keys` (one query block against every shard) into `outKey`. A part that
 * does not load fails with a non-retryable `ERR_BAD_MODEL` ApplicationFailure whose details
 * name the key, so the workflow recomputes that part and merges again.
 * @param {{ store: string, keys: string[], k: number, outKey: string }} input
 */
export async function mergeParts(input) {
  const store = openStore(input.store)
  const had = await existing(store, input.outKey, deserializeKnnPart)
  if (had?.value !== undefined) return { key: input.outKey, reused: true, bytes: 0 }
  return working(async (signal, onProgress) => {
    const parts = await loadAll(store, input.keys, deserializeKnnPart, 'kNN part')
    const merged = await mergeKnn(parts, { k: input.k, signal, onProgress })
    const bytes = serializeKnnPart(merged)
    await store.put(input.outKey, bytes)
    return { key: input.outKey, reused: false, bytes: bytes.length }
  })
}

/** The models whose moments merge exactly (`partialFit` / `merge` / `serialize`). */
const MODELS = { PCA, Whitener }

function modelClass(name) {
  const Model = MODELS[name ?? 'PCA']
  if (Model === undefined) throw ApplicationFailure.create({ type: 'ERR_INVALID_ARG_VALUE', message: `model must be 'PCA' or 'Whitener'; got '${name}'`, nonRetryable: true })
  return Model
}

/**
 * Moments of one shard for a mergeable model (`partialFit`), written as its `serialize()` bytes
 * under `key`. A Whitener's per-row weights (Zipfian whitening) come from `weights`, an n × 1
 * embedding file read over the shard's rows.
 * @param {{ store: string, key: string, model?: 'PCA' | 'Whitener', corpus: Source,
 *   weights?: { path: string, options?: object }, options?: object, force?: boolean }} input
 */
export async function modelMoments(input) {
  const Model = modelClass(input.model)
  const store = openStore(input.store)
  const had = input.force ? undefined : await existing(store, input.key, (b) => Model.deserialize(b))
  if (had?.value !== undefined) return { key: input.key, reused: true, recomputed: false, bytes: 0 }
  return working(async (signal) => {
    const shard = await readSource(input.corpus, signal)
    const w = input.weights === undefined ? undefined : await readSource({ ...input.weights, rows: input.corpus.rows }, signal)
    signal.throwIfAborted()
    const fit = w === undefined ? undefined : { weights: Float64Array.from(w.data) }
    const bytes = new Model(input.options ?? {}).partialFit(shard, fit).serialize()
    await store.put(input.key, bytes)
    return { key: input.key, reused: false, recomputed: had?.corrupt === true || input.force === true, bytes: bytes.length }
  })
}

/**
 * Merge the moments under `keys` (in order) into one model under `outKey`; a state that does not
 * load fails as in {@link mergeParts}.
 * @param {{ store: string, keys: string[], outKey: string, model?: 'PCA' | 'Whitener' }} input
 */
export async function modelMerge(input) {
  const Model = modelClass(input.model)
  const store = openStore(input.store)
  return working(async () => {
    const states = await loadAll(store, input.keys, (b) => Model.deserialize(b), `${input.model ?? 'PCA'} state`)
    const model = states.reduce((a, b) => a.merge(b))
    const bytes = model.serialize()
    await store.put(input.outKey, bytes)
    return { key: input.outKey, bytes: bytes.length }
  })
}

/** {@link modelMoments} of a PCA (the activity name of earlier versions). */
export function pcaMoments(input) {
  return modelMoments({ ...input, model: 'PCA' })
}

/** {@link modelMerge} of PCAs (the activity name of earlier versions). */
export function pcaMerge(input) {
  return modelMerge({ ...input, model: 'PCA' })
}

/**
 * The merged kNN graph blocks under `blocks` (in row order, covering the corpus) as one
 * neighbour list per row (a KnnResult). Distances: with `exact`, f64 recomputed from the exact
 * keys (euclidean: √key, the distance `knn` reports for the rows widened to f64, which is what
 * `analyze` gives its estimators; other metrics: the key), else the parts' own (f32 for f32
 * data, as `knn` reports them). A block that does not load fails as in {@link mergeParts}.
 */
async function graphOf(store, blocks, exact) {
  const parts = await loadAll(store, blocks, deserializeKnnPart, 'kNN graph block')
  const { k, metric } = parts[0]
  const rows = parts.reduce((s, p) => s + p.rows, 0)
  const indices = new Uint32Array(rows * k)
  const distances = exact ? new Float64Array(rows * k) : new parts[0].distances.constructor(rows * k)
  let at = 0
  for (const p of parts) {
    indices.set(p.indices, at)
    if (!exact) distances.set(p.distances, at)
    else for (let i = 0; i < p.keys.length; i++) distances[at + i] = metric === 'euclidean' ? Math.sqrt(p.keys[i]) : p.keys[i]
    at += p.indices.length
  }
  return { k, rows, metric, indices, distances }
}

/**
 * Intrinsic dimension from the merged kNN graph: the blocks under `blocks` (in row order,
 * covering the corpus) are concatenated into the graph's neighbour lists and passed to
 * `estimateId(X, { method, ...options, neighbors })`, so no distance is recomputed; `X` (the
 * whole corpus) is read for the estimator's shape checks and the estimators that also read the
 * rows. A block that does not load fails as in {@link mergeParts}.
 * @param {{ store: string, blocks: string[], corpus: { path: string, options?: object },
 *   method: string, options?: object }} input
 * @returns {Promise<object>} the IdResult without pointwise values
 */
export async function idFromGraph(input) {
  const store = openStore(input.store)
  return working(async (signal, onProgress) => {
    const neighbors = await graphOf(store, input.blocks, false)
    const path = input.corpus.path.startsWith('file:') ? fileURLToPath(input.corpus.path) : input.corpus.path
    const X = await readEmbeddings(path, { ...(input.corpus.options ?? {}), signal })
    const { pointwise, ...result } = await estimateId(X, { ...(input.options ?? {}), method: input.method, neighbors, signal, onProgress })
    return result
  })
}

/**
 * The column-statistics and anisotropy parts of one shard (one read of its rows), written as
 * `columnStatsPartToBytes` / `anisotropyPartToBytes` bytes under `${key}/column-stats` and
 * `${key}/anisotropy`.
 * @param {{ store: string, key: string, corpus: Source, force?: boolean }} input
 * @returns {Promise<{ columnStats: string, anisotropy: string, reused: boolean, recomputed: boolean, bytes: number }>}
 */
export async function summaryParts(input) {
  const store = openStore(input.store)
  const keys = { columnStats: `${input.key}/column-stats`, anisotropy: `${input.key}/anisotropy` }
  const had = input.force
    ? undefined
    : [await existing(store, keys.columnStats, columnStatsPartFromBytes), await existing(store, keys.anisotropy, anisotropyPartFromBytes)]
  if (had !== undefined && had.every((h) => h?.value !== undefined)) return { ...keys, reused: true, recomputed: false, bytes: 0 }
  return working(async (signal, onProgress) => {
    const shard = await readSource(input.corpus, signal)
    const c = columnStatsPartToBytes(await columnStatsPart(shard, { signal }))
    const a = anisotropyPartToBytes(await anisotropyPart(shard, { signal, onProgress }))
    await store.put(keys.columnStats, c)
    await store.put(keys.anisotropy, a)
    const recomputed = input.force === true || (had ?? []).some((h) => h?.corrupt === true)
    return { ...keys, reused: false, recomputed, bytes: c.length + a.length }
  })
}

/**
 * The hubness part of one merged query block of the kNN graph (the first `k` of each of its
 * lists), written as `hubnessPartToBytes` bytes under `key`. A block that does not load fails as
 * in {@link mergeParts}, naming the block's key.
 * @param {{ store: string, key: string, block: string, queryOffset: number, points: number,
 *   k: number, force?: boolean }} input
 * @returns {Promise<{ key: string, reused: boolean, recomputed: boolean, bytes: number }>}
 */
export async function hubnessOfBlock(input) {
  const store = openStore(input.store)
  const had = input.force ? undefined : await existing(store, input.key, hubnessPartFromBytes)
  if (had?.value !== undefined) return { key: input.key, reused: true, recomputed: false, bytes: 0 }
  return working(async (signal, onProgress) => {
    const [g] = await loadAll(store, [input.block], deserializeKnnPart, 'kNN graph block')
    const part = await hubnessPart({ indices: g.indices, rows: g.rows, k: input.k, stride: g.k }, { points: input.points, queryOffset: input.queryOffset, signal, onProgress })
    const bytes = hubnessPartToBytes(part)
    await store.put(input.key, bytes)
    return { key: input.key, reused: false, recomputed: had?.corrupt === true || input.force === true, bytes: bytes.length }
  })
}


/**
 * The last step of the `analyze` workflow: merges the shards' column-statistics and anisotropy
 * parts and the blocks' hubness parts, and runs TwoNN, MLE (`localK` neighbours) and GRIDE on
 * the merged kNN graph. A state that does not load fails as in {@link mergeParts}.
 * @param {{ store: string, columnStats: string[], anisotropy: string[], hubness: string[],
 *   blocks: string[], corpus: { path: string, options?: object }, localK: number }} input
 * @returns {Promise<object>} `source`, `metric`, `anisotropy`, `id`, `hubness` as in
 *   `analyze`'s result, and `columnStats` (plain arrays)
 */
export async function analyzeMerge(input) {
  const store = openStore(input.store)
  return working(async (signal, onProgress) => {
    const cs = mergeColumnStats(await loadAll(store, input.columnStats, columnStatsPartFromBytes, 'column-statistics part'))
    const an = mergeAnisotropy(await loadAll(store, input.anisotropy, anisotropyPartFromBytes, 'anisotropy part'))
    const hub = mergeHubness(await loadAll(store, input.hubness, hubnessPartFromBytes, 'hubness part'))
    const neighbors = await graphOf(store, input.blocks, true)
    const path = input.corpus.path.startsWith('file:') ? fileURLToPath(input.corpus.path) : input.corpus.path
    const X = await readEmbeddings(path, { ...(input.corpus.options ?? {}), signal })
    const run = { signal, onProgress }
    const id = {
      twoNN: idEstimate(await twoNN(X, { neighbors, ...run })),
      mle: idEstimate(await mle(X, { neighbors, k: input.localK, ...run })),
      gride: idEstimate(await gride(X, { neighbors, ...run })),
    }
    return {
      source: { rows: cs.rows, cols: cs.cols },
      metric: 'euclidean',
      anisotropy: anisotropySection(an),
      id,
      hubness: hubnessSection(hub),
      columnStats: { rows: cs.rows, mean: Array.from(cs.mean), variance: Array.from(cs.variance), min: Array.from(cs.min), max: Array.from(cs.max) },
    }
  })
}
