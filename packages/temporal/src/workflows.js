/**
 * Workflows (deterministic: they only orchestrate; every computation is an activity):
 *
 * - {@link knnGraph}: the exact all-points kNN graph, merged per query block; the merged blocks,
 *   concatenated, equal `knn(corpus, { k })` bit for bit. When the blocks tile the corpus, the
 *   graph is tiled by blocks (a diagonal part per block, one `knnCrossPart` per pair: the single
 *   process's work); otherwise each block is searched against every shard.
 * - {@link knnQuery}: the exact kNN of a query set against a sharded corpus.
 * - {@link pcaFit} / {@link whitenerFit}: PCA or a Whitener (weighted or not) from per-shard
 *   moments merged in shard order.
 * - {@link intrinsicDimension}: TwoNN / MLE / GRIDE / … on the merged kNN graph.
 * - {@link analyze}: `analyze`'s anisotropy, ID and hubness (plus column statistics) from the
 *   merged graph and merged per-shard / per-block parts.
 *
 * Inputs and outputs are small (store URL, file paths, row ranges, keys); states are in the
 * store. A part that fails to load at merge time (ERR_BAD_MODEL) is recomputed, then merged again.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow'

/** Activity options: a worker that dies is noticed within the heartbeat timeout, then retried elsewhere. */
const acts = proxyActivities({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '3 seconds',
  retry: { initialInterval: '100 milliseconds', backoffCoefficient: 2, maximumInterval: '2 seconds', maximumAttempts: 10 },
})

/** Is `err` the ERR_BAD_MODEL failure of a merge, and which key did it name? */
function badKey(err) {
  const cause = err && err.cause instanceof ApplicationFailure ? err.cause : err
  if (cause instanceof ApplicationFailure && cause.type === 'ERR_BAD_MODEL') return cause.details?.[0]
  return undefined
}

/** Merge, recomputing (once each) the parts a merge reports as corrupt. */
async function mergeRepairing(merge, recompute, keys) {
  const repaired = []
  for (;;) {
    try {
      return { result: await merge(), repaired }
    } catch (err) {
      const key = badKey(err)
      if (key === undefined || repaired.includes(key) || !keys.includes(key)) throw err
      repaired.push(key)
      await recompute(key)
    }
  }
}

function sources(corpus, ranges) {
  return ranges.map((rows) => ({ path: corpus.path, options: corpus.options, rows }))
}

/**
 * The all-points kNN graph of `corpus`.
 *
 * When the query blocks tile the corpus (contiguous, in order, from row 0 to the end of the last
 * shard, each block with more than k rows) the graph is tiled by blocks: one diagonal `knnPart`
 * per block (the symmetric all-points pass of its rows) and one `knnCrossPart` per pair of
 * blocks (both directions from one pass), so the graph does the single process's work; part
 * (b, c), the rows of block b against those of block c, is stored under `part-b{b}-c{c}`. The
 * activities are issued largest first (a pair |b|·|c| pairs of rows, a diagonal |b|²/2), and
 * workers that take one activity at a time (the worker's default) balance the graph greedily;
 * the order is a hint (the server's task-queue partitions need not keep it) unless `inFlight`
 * (the workers' activity slots together) caps the parts in flight: then the tiled graph is
 * scheduled strictly largest first (list scheduling), at the cost of one round trip per part.
 * Otherwise (a block of at most k rows) each block is searched against every shard
 * (`part-b{b}-s{s}`, (2 − 1/S)× the work).
 * @param {{ store: string, prefix: string, corpus: { path: string, options?: object },
 *   shards: [number, number][], blocks: [number, number][], k: number, metric?: string,
 *   inFlight?: number }} input
 *   `shards`: disjoint row ranges covering the corpus, each with more than k rows; `blocks`: the
 *   query blocks (row ranges of the same corpus); `inFlight`: at most this many parts of a tiled
 *   graph at once (default: all).
 * @returns {Promise<{ blocks: string[], partKeys: string[][], k: number, parts: object[], repaired: string[] }>}
 *   `blocks`: the keys of the merged block parts (in block order); `partKeys[b]`: the keys of the
 *   parts merged into block b.
 */
export async function knnGraph(input) {
  const { store, prefix, k, metric } = input
  checkInFlight(input.inFlight)
  const tiled = blocksTile(input)
  // tiled: the blocks are also the corpus pieces; else the shards are
  const pieces = sources(input.corpus, tiled ? input.blocks : input.shards)
  const key = (b, c) => `${prefix}/part-b${b}-${tiled ? 'c' : 's'}${c}`
  const partKeys = input.blocks.map((_, b) => pieces.map((_, c) => key(b, c)))
  const partInput = (b, c, force) => {
    const block = input.blocks[b]
    const query = { path: input.corpus.path, options: input.corpus.options, rows: block }
    return { store, key: key(b, c), corpus: pieces[c], queries: query, k, metric, queryOffset: block[0], force }
  }
  const crossInput = (b, c, force) => ({ store, keys: [key(b, c), key(c, b)], a: pieces[b], b: pieces[c], k, metric, force })
  /** Recompute part (b, c); in a tiled graph an off-diagonal part is recomputed with its pair-mate. */
  const recompute = (b, c) => (tiled && b !== c ? acts.knnCrossPart(crossInput(Math.min(b, c), Math.max(b, c), true)) : acts.knnPart(partInput(b, c, true)))
  const parts = []
  if (tiled) {
    const rows = (b) => input.blocks[b][1] - input.blocks[b][0]
    const tasks = []
    for (let b = 0; b < pieces.length; b++) {
      tasks.push({ pairs: (rows(b) * (rows(b) - 1)) / 2, run: () => acts.knnPart(partInput(b, b, false)).then((r) => [r]) })
      for (let c = b + 1; c < pieces.length; c++) tasks.push({ pairs: rows(b) * rows(c), run: () => acts.knnCrossPart(crossInput(b, c, false)) })
    }
    // largest first (stable sort: ties keep their order), so the last activities are the small ones
    tasks.sort((x, y) => y.pairs - x.pairs)
    for (const made of await inOrder(tasks, input.inFlight ?? tasks.length)) parts.push(...made)
  }
  const repaired = []
  const blocks = await Promise.all(
    input.blocks.map(async (_, b) => {
      const keys = partKeys[b]
      if (!tiled) parts.push(...(await Promise.all(pieces.map((_, s) => acts.knnPart(partInput(b, s, false))))))
      const outKey = `${prefix}/graph-b${b}`
      const m = await mergeRepairing(
        () => acts.mergeParts({ store, keys, k, outKey }),
        (bad) => recompute(b, keys.indexOf(bad)),
        keys,
      )
      repaired.push(...m.repaired)
      return outKey
    }),
  )
  return { blocks, partKeys, k, parts, repaired }
}

/** `inFlight` is absent or a positive integer, else a non-retryable ERR_INVALID_ARG_VALUE. */
function checkInFlight(inFlight) {
  if (inFlight !== undefined && !(Number.isInteger(inFlight) && inFlight >= 1)) {
    throw ApplicationFailure.create({ type: 'ERR_INVALID_ARG_VALUE', message: `inFlight must be a positive integer; got ${inFlight}`, nonRetryable: true })
  }
}

/**
 * Run `tasks` in their order with at most `limit` in flight (each lane starts the next task as
 * its last one ends); the results in task order.
 */
async function inOrder(tasks, limit) {
  const out = new Array(tasks.length)
  let next = 0
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++
      out[i] = await tasks[i].run()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane))
  return out
}

/**
 * Do the query blocks tile the corpus: contiguous and in order from row 0 to the end of the last
 * shard (the shards cover the corpus in order), each with more than k rows (a diagonal part is
 * the block's own all-points graph)?
 */
function blocksTile(input) {
  const n = input.shards[input.shards.length - 1][1]
  let at = 0
  for (const [a, b] of input.blocks) {
    if (a !== at || b - a <= input.k) return false
    at = b
  }
  return at === n
}

/**
 * The kNN of a query set against a sharded corpus.
 * @param {{ store: string, prefix: string, corpus: { path: string, options?: object },
 *   shards: [number, number][], queries: { path: string, rows: [number, number], options?: object },
 *   k: number, metric?: string }} input
 * @returns {Promise<{ key: string, k: number, repaired: string[] }>}
 */
export async function knnQuery(input) {
  const { store, prefix, k, metric } = input
  const shardSrc = sources(input.corpus, input.shards)
  const partInput = (s, force) => ({ store, key: `${prefix}/query-s${s}`, corpus: shardSrc[s], queries: input.queries, k, metric, force })
  const made = await Promise.all(shardSrc.map((_, s) => acts.knnPart(partInput(s, false))))
  const keys = made.map((m) => m.key)
  const outKey = `${prefix}/query`
  const m = await mergeRepairing(
    () => acts.mergeParts({ store, keys, k, outKey }),
    (key) => acts.knnPart(partInput(keys.indexOf(key), true)),
    keys,
  )
  return { key: outKey, k, repaired: m.repaired }
}

/**
 * A mergeable model (PCA or Whitener) of a sharded corpus: moments per shard, merged in shard
 * order (the model equals one model's `partialFit` of the shards in that order).
 */
async function modelFit(input, model) {
  const { store, prefix } = input
  const shardSrc = sources(input.corpus, input.shards)
  const stateInput = (s, force) => ({ store, model, key: `${prefix}/moments-s${s}`, corpus: shardSrc[s], weights: input.weights, options: input.options, force })
  const made = await Promise.all(shardSrc.map((_, s) => acts.modelMoments(stateInput(s, false))))
  const keys = made.map((m) => m.key)
  const outKey = `${prefix}/${model === 'PCA' ? 'pca' : 'whitener'}`
  const m = await mergeRepairing(
    () => acts.modelMerge({ store, model, keys, outKey }),
    (key) => acts.modelMoments(stateInput(keys.indexOf(key), true)),
    keys,
  )
  return { key: outKey, repaired: m.repaired }
}

/**
 * PCA of a sharded corpus: moments per shard, merged in shard order (the model equals one
 * PCA's `partialFit` of the shards in that order).
 * @param {{ store: string, prefix: string, corpus: { path: string, options?: object },
 *   shards: [number, number][], options?: object }} input  `options`: PCA options
 * @returns {Promise<{ key: string, repaired: string[] }>} the key of the `PCA.serialize()` bytes
 */
export async function pcaFit(input) {
  return modelFit({ ...input, weights: undefined }, 'PCA')
}

/**
 * A Whitener of a sharded corpus (PCA/ZCA/BERT/Zipfian whitening): moments per shard, weighted
 * by `weights` (an n × 1 embedding file of per-row frequencies, read over each shard's rows)
 * when given, merged in shard order; the whitener equals one Whitener's `partialFit` of the
 * shards in that order.
 * @param {{ store: string, prefix: string, corpus: { path: string, options?: object },
 *   shards: [number, number][], weights?: { path: string, options?: object },
 *   options?: object }} input  `options`: Whitener options
 * @returns {Promise<{ key: string, repaired: string[] }>} the key of the `Whitener.serialize()` bytes
 */
export async function whitenerFit(input) {
  return modelFit(input, 'Whitener')
}

/**
 * Intrinsic dimension of a sharded corpus from its exact kNN graph: {@link knnGraph} (parts per
 * query block × shard, merged per block), then one `estimateId` on the merged neighbour lists
 * (`method`: an estimator that uses neighbours, e.g. 'twoNN', 'mle', 'gride'; `k` enough for
 * it). The result equals `estimateId(X, { method, ...options, neighbors: knn(X, { k, metric }) })`
 * bit for bit.
 * @param {{ store: string, prefix: string, corpus: { path: string, options?: object },
 *   shards: [number, number][], blocks: [number, number][], k: number, metric?: string,
 *   method: string, options?: object, inFlight?: number }} input `inFlight`: as {@link knnGraph}.
 * @returns {Promise<{ result: object, blocks: string[], repaired: string[] }>}
 */
export async function intrinsicDimension(input) {
  const graph = await knnGraph({ ...input, prefix: `${input.prefix}/graph` })
  const metric = input.metric === undefined ? {} : { metric: input.metric }
  const result = await acts.idFromGraph({ store: input.store, blocks: graph.blocks, corpus: input.corpus, method: input.method, options: { ...(input.options ?? {}), ...metric } })
  return { result, blocks: graph.blocks, repaired: graph.repaired }
}

/**
 * What `analyze(X, { k, localK })` reports about a sharded corpus, from partial states: the exact
 * kNN graph with K = min(max(k, localK), n − 1) neighbours ({@link knnGraph}), then per merged
 * query block the hubness counts of its first min(k, K) neighbours (`hubnessOfBlock`); per shard
 * the column-statistics and anisotropy parts (`summaryParts`, one read of the shard, alongside
 * the graph); finally `analyzeMerge` merges the parts and runs TwoNN, MLE (min(localK, K)
 * neighbours) and GRIDE on the merged graph. Euclidean only.
 *
 * Result: `source` ({ rows, cols }), `metric`, `anisotropy`, `id` ({ twoNN, mle, gride }),
 * `hubness` — the fields of `analyze`'s result, equal to them bit for bit (`id`, `hubness`) or to
 * the merges' documented rounding (`anisotropy`) when `analyze` uses every row (n ≤ its maxRows)
 * and X has no duplicate rows (else `analyze` subsamples or deduplicates its neighbour sample) —
 * plus `columnStats` ({ rows, mean, variance (ddof 0), min, max }, as `mergeColumnStats`).
 * Not produced: `norms`, `spectrum`, `projection`/`scatter`, `twoNNFit`, `scaling`, `localId`,
 * `duplicates` (see the README).
 * @param {{ store: string, prefix: string, corpus: { path: string, options?: object },
 *   shards: [number, number][], blocks: [number, number][], k?: number, localK?: number,
 *   inFlight?: number }} input
 *   `shards` and `blocks`: disjoint row ranges covering the corpus in order (each shard with more
 *   than K rows); `k` default 10, `localK` default 20 (as `analyze`); `inFlight`: {@link knnGraph}'s
 *   cap on graph parts in flight (the per-shard summary parts, one read of a shard each, are not
 *   counted).
 * @returns {Promise<{ result: object, repaired: string[] }>}
 */
export async function analyze(input) {
  const { store, prefix, shards, blocks } = input
  // checked before any activity starts (the graph would check it only after the summaries began)
  checkInFlight(input.inFlight)
  const n = shards[shards.length - 1][1]
  const localK = input.localK ?? 20
  const K = Math.min(Math.max(input.k ?? 10, localK), n - 1)
  const kh = Math.min(input.k ?? 10, K)
  const shardSrc = sources(input.corpus, shards)
  const summaryInput = (s, force) => ({ store, key: `${prefix}/summary-s${s}`, corpus: shardSrc[s], force })
  const [summaries, graph] = await Promise.all([
    Promise.all(shardSrc.map((_, s) => acts.summaryParts(summaryInput(s, false)))),
    knnGraph({ store, prefix: `${prefix}/graph`, corpus: input.corpus, shards, blocks, k: K, metric: 'euclidean', inFlight: input.inFlight }),
  ])
  const repaired = [...graph.repaired]
  // a merged block that no longer loads is merged again from its parts
  const remerge = (b) => acts.mergeParts({ store, keys: graph.partKeys[b], k: K, outKey: graph.blocks[b] })
  const hubInput = (b, force) => ({ store, key: `${prefix}/hubness-b${b}`, block: graph.blocks[b], queryOffset: blocks[b][0], points: n, k: kh, force })
  const hub = await Promise.all(
    graph.blocks.map(async (key, b) => {
      const m = await mergeRepairing(() => acts.hubnessOfBlock(hubInput(b, false)), () => remerge(b), [key])
      repaired.push(...m.repaired)
      return m.result.key
    }),
  )
  const keys = {
    columnStats: summaries.map((s) => s.columnStats),
    anisotropy: summaries.map((s) => s.anisotropy),
    hubness: hub,
    blocks: graph.blocks,
  }
  const recompute = (key) => {
    const s = summaries.findIndex((x) => x.columnStats === key || x.anisotropy === key)
    if (s >= 0) return acts.summaryParts(summaryInput(s, true))
    const h = hub.indexOf(key)
    if (h >= 0) return acts.hubnessOfBlock(hubInput(h, true))
    return remerge(graph.blocks.indexOf(key))
  }
  const m = await mergeRepairing(
    () => acts.analyzeMerge({ store, ...keys, corpus: input.corpus, localK: Math.min(localK, K) }),
    recompute,
    [...keys.columnStats, ...keys.anisotropy, ...keys.hubness, ...keys.blocks],
  )
  repaired.push(...m.repaired)
  return { result: m.result, repaired }
}
