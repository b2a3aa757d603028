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
import { deserializeKnnPart, knn, mergeKnn, PCA, readEmbeddings, serializeKnnPart } from 'embgeo'

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
    const parts = []
    for (const key of input.keys) {
      const got = await existing(store, key, deserializeKnnPart)
      if (got?.value === undefined) {
        throw ApplicationFailure.create({
          type: 'ERR_BAD_MODEL',
          message: `kNN part '${key}' is ${got === undefined ? 'missing' : 'corrupt (ERR_BAD_MODEL)'}; recompute it`,
          nonRetryable: true,
          details: [key],
        })
      }
      parts.push(got.value)
    }
    const merged = await mergeKnn(parts, { k: input.k, signal, onProgress })
    const bytes = serializeKnnPart(merged)
    await store.put(input.outKey, bytes)
    return { key: input.outKey, reused: false, bytes: bytes.length }
  })
}

/**
 * PCA moments of one shard (partialFit), written as `PCA.serialize()` bytes under `key`.
 * @param {{ store: string, key: string, corpus: Source, options?: object, force?: boolean }} input
 */
export async function pcaMoments(input) {
  const store = openStore(input.store)
  const had = input.force ? undefined : await existing(store, input.key, (b) => PCA.deserialize(b))
  if (had?.value !== undefined) return { key: input.key, reused: true, recomputed: false, bytes: 0 }
  return working(async (signal) => {
    const shard = await readSource(input.corpus, signal)
    signal.throwIfAborted()
    const bytes = new PCA(input.options ?? {}).partialFit(shard).serialize()
    await store.put(input.key, bytes)
    return { key: input.key, reused: false, recomputed: had?.corrupt === true || input.force === true, bytes: bytes.length }
  })
}

/**
 * Merge the moments under `keys` (in order) into one PCA model under `outKey`; a state that
 * does not load fails as in {@link mergeParts}.
 * @param {{ store: string, keys: string[], outKey: string }} input
 */
export async function pcaMerge(input) {
  const store = openStore(input.store)
  return working(async () => {
    let model
    for (const key of input.keys) {
      const got = await existing(store, key, (b) => PCA.deserialize(b))
      if (got?.value === undefined) {
        throw ApplicationFailure.create({ type: 'ERR_BAD_MODEL', message: `PCA state '${key}' is missing or corrupt; recompute it`, nonRetryable: true, details: [key] })
      }
      model = model === undefined ? got.value : model.merge(got.value)
    }
    const bytes = model.serialize()
    await store.put(input.outKey, bytes)
    return { key: input.outKey, bytes: bytes.length }
  })
}
