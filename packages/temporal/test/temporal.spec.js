/**
 * The workflows against a real `temporal server start-dev` (binary from
 * scripts/temporal/ensure-cli.sh, or $TEMPORAL_CLI) with 3 worker processes: results equal the
 * single-process API bit for bit; a worker SIGKILLed mid-run changes nothing; cancellation
 * stops every worker's computing within a second; a corrupt partial state is recomputed.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { Client, Connection } from '@temporalio/client'
import { bundleWorkflowCode } from '@temporalio/worker'
import { analyze, columnStatsSync, deserializeKnnPart, estimateIdSync, knnSync, matrix, PCA, Whitener, writeNpySync } from 'embgeo'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const ROOT = join(HERE, '..', '..', '..')
const WORKER = join(HERE, '..', 'src', 'worker.js')

function temporalBin() {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI
  return execFileSync('bash', [join(ROOT, 'scripts', 'temporal', 'ensure-cli.sh')], { encoding: 'utf8' }).trim()
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
    s.on('error', rej)
  })
}

/** Seeded uniform data (mulberry32). */
function data(rows, cols, seed) {
  let a = seed >>> 0
  const out = new Float32Array(rows * cols)
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5
  }
  return out
}

/** CPU seconds (user + system) a process has used. */
function cpuSeconds(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}

let dir
let server
let client
let connection
let address
let bundle
const workers = []
const TASK_QUEUE = 'embgeo-test'

function startWorker() {
  const w = spawn(process.execPath, [WORKER, '--address', address, '--task-queue', TASK_QUEUE, '--workflow-bundle', bundle], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, EMBGEO_THREADS: '1' },
  })
  const ready = new Promise((res, rej) => {
    w.stdout.on('data', (b) => String(b).includes('worker ready') && res())
    w.on('exit', (code) => rej(new Error(`worker exited ${code}`)))
  })
  workers.push(w)
  return ready.then(() => w)
}

const SMALL = { rows: 2400, cols: 24, k: 10 }
// BIG is sized so that a worker computes its share of the graph for about a second even on a
// fast host: the kill and cancel tests need a worker caught mid-run (at 16,000 rows a worker's
// whole share took 0.27 s of CPU on a 2-core AVX-512 Xeon, and the kill test found no run to
// interrupt; at 32,000 rows the same happened on the AMX Xeon once the kNN took one bf16 pass
// on the tiles, so 64,000: four times the pairs).
const BIG = { rows: 64000, cols: 64, k: 10 }
let small
let big

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'embgeo-temporal-'))
  const bin = temporalBin()
  const port = await freePort()
  address = `127.0.0.1:${port}`
  server = spawn(bin, ['server', 'start-dev', '--headless', '--port', String(port), '--http-port', String(await freePort()), '--metrics-port', String(await freePort()), '--log-level', 'error'], {
    stdio: 'ignore',
  })
  for (let i = 0; ; i++) {
    try {
      connection = await Connection.connect({ address, connectTimeout: 1000 })
      client = new Client({ connection, namespace: 'default' })
      await client.workflowService.getSystemInfo({})
      break
    } catch (err) {
      if (i > 60) throw err
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  const { code } = await bundleWorkflowCode({ workflowsPath: join(HERE, '..', 'src', 'workflows.js') })
  bundle = join(dir, 'workflows-bundle.js')
  writeFileSync(bundle, code)
  await Promise.all([startWorker(), startWorker(), startWorker()])
  small = { path: join(dir, 'small.npy'), x: data(SMALL.rows, SMALL.cols, 1) }
  writeNpySync(small.path, matrix(small.x, SMALL.cols))
  big = { path: join(dir, 'big.npy'), x: data(BIG.rows, BIG.cols, 2) }
  writeNpySync(big.path, matrix(big.x, BIG.cols))
})

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL')
  await connection?.close()
  server?.kill('SIGTERM')
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** The merged blocks of a knnGraph result, concatenated. */
function graphOf(store, result) {
  const parts = result.blocks.map((key) => deserializeKnnPart(new Uint8Array(readFileSync(join(store, key)))))
  const n = parts.reduce((s, p) => s + p.indices.length, 0)
  const indices = new Uint32Array(n)
  const distances = new Float32Array(n)
  let o = 0
  for (const p of parts) {
    indices.set(p.indices, o)
    distances.set(p.distances, o)
    o += p.indices.length
  }
  return { indices, distances }
}

function run(workflow, args, id) {
  return client.workflow.execute(workflow, { taskQueue: TASK_QUEUE, workflowId: id, args: [args] })
}

describe('knnGraph / knnQuery / pcaFit / whitenerFit / intrinsicDimension on 3 workers', () => {
  it('the kNN graph, a query set and PCA equal the single-process API bit for bit', async () => {
    const store = join(dir, 'store-a')
    const shards = [[0, 700], [700, 1500], [1500, SMALL.rows]]
    // blocks that tile the corpus (not the shards): a diagonal part per block (symmetric pass), one
    // knnCrossPart per pair of blocks (both directions); every part written once
    const g = await run('knnGraph', { store, prefix: 'g', corpus: { path: small.path }, shards, blocks: [[0, 1000], [1000, SMALL.rows]], k: SMALL.k }, 'graph-a')
    const want = knnSync(matrix(small.x, SMALL.cols), { k: SMALL.k })
    const got = graphOf(store, g)
    expect(got.indices).toEqual(want.indices)
    expect(got.distances).toEqual(want.distances)
    expect(g.partKeys).toEqual([0, 1].map((b) => [0, 1].map((c) => `g/part-b${b}-c${c}`)))
    expect(g.parts.map((p) => p.key).sort()).toEqual(g.partKeys.flat().sort())
    // at most 2 parts in flight (strictly largest first): the same graph
    const g2 = await run('knnGraph', { store, prefix: 'g2', corpus: { path: small.path }, shards, blocks: [[0, 600], [600, 1000], [1000, SMALL.rows]], k: SMALL.k, inFlight: 2 }, 'graph-inflight')
    expect(graphOf(store, g2).indices).toEqual(want.indices)
    expect(graphOf(store, g2).distances).toEqual(want.distances)
    expect(g2.parts.map((p) => p.key).sort()).toEqual(g2.partKeys.flat().sort())
    // the history: never more than 2 part activities open at once, scheduled largest first (row
    // pairs: the 1400-row diagonal 979,300, then the pairs 840,000 / 560,000 / 240,000, then the
    // 600- and 400-row diagonals)
    const { events } = await client.workflow.getHandle('graph-inflight').fetchHistory()
    const open = new Set()
    let most = 0
    const scheduled = []
    for (const e of events) {
      const a = e.activityTaskScheduledEventAttributes
      if (a && a.activityType.name !== 'mergeParts') {
        open.add(String(e.eventId))
        most = Math.max(most, open.size)
        scheduled.push(`${a.activityType.name} ${JSON.parse(Buffer.from(a.input.payloads[0].data).toString()).queryOffset ?? 'pair'}`)
      }
      const done = e.activityTaskCompletedEventAttributes
      if (done) open.delete(String(done.scheduledEventId))
    }
    expect(most).toBe(2)
    expect(scheduled).toEqual(['knnPart 1000', 'knnCrossPart pair', 'knnCrossPart pair', 'knnCrossPart pair', 'knnPart 0', 'knnPart 600'])
    for (const inFlight of [0, 1.5, 'two']) {
      await expect(run('knnGraph', { store, prefix: 'gx', corpus: { path: small.path }, shards, blocks: shards, k: SMALL.k, inFlight }, `graph-inflight-bad-${inFlight}`)).rejects.toMatchObject({
        cause: { type: 'ERR_INVALID_ARG_VALUE' },
      })
    }
    // a block of at most k rows: each block is searched against every shard
    const gs = await run('knnGraph', { store, prefix: 'gs', corpus: { path: small.path }, shards, blocks: [[0, SMALL.k], [SMALL.k, SMALL.rows]], k: SMALL.k }, 'graph-s')
    expect(graphOf(store, gs).indices).toEqual(want.indices)
    expect(graphOf(store, gs).distances).toEqual(want.distances)
    expect(gs.partKeys).toEqual([0, 1].map((b) => [0, 1, 2].map((s) => `gs/part-b${b}-s${s}`)))
    expect(gs.parts.map((p) => p.key).sort()).toEqual(gs.partKeys.flat().sort())
    // blocks equal to the shards, tiled the same way
    const gd = await run('knnGraph', { store, prefix: 'gd', corpus: { path: small.path }, shards, blocks: shards, k: SMALL.k }, 'graph-diag')
    expect(graphOf(store, gd).indices).toEqual(want.indices)
    expect(graphOf(store, gd).distances).toEqual(want.distances)
    expect(gd.parts.map((p) => p.key).sort()).toEqual([0, 1, 2].flatMap((b) => [0, 1, 2].map((c) => `gd/part-b${b}-c${c}`)).sort())
    // a corrupt part of a pair is recomputed (with its pair-mate, from one pass); the graph is unchanged
    const bad = join(store, 'gd', 'part-b2-c0')
    const badBytes = readFileSync(bad)
    badBytes[badBytes.length >> 1] ^= 0x10
    writeFileSync(bad, badBytes)
    rmSync(join(store, 'gd', 'graph-b2'))
    const gd2 = await run('knnGraph', { store, prefix: 'gd', corpus: { path: small.path }, shards, blocks: shards, k: SMALL.k }, 'graph-diag-2')
    expect(gd2.parts.filter((p) => p.recomputed).map((p) => p.key).sort()).toEqual(['gd/part-b0-c2', 'gd/part-b2-c0'])
    expect(graphOf(store, gd2).indices).toEqual(want.indices)
    expect(graphOf(store, gd2).distances).toEqual(want.distances)

    const q = await run('knnQuery', { store, prefix: 'q', corpus: { path: small.path }, shards, queries: { path: small.path, rows: [100, 160] }, k: 7, metric: 'cosine' }, 'query-a')
    const qp = deserializeKnnPart(new Uint8Array(readFileSync(join(store, q.key))))
    const qw = knnSync(matrix(small.x, SMALL.cols), { k: 7, metric: 'cosine', queries: matrix(small.x.subarray(100 * SMALL.cols, 160 * SMALL.cols), SMALL.cols) })
    expect(qp.indices).toEqual(qw.indices)
    expect(qp.distances).toEqual(qw.distances)

    const p = await run('pcaFit', { store, prefix: 'p', corpus: { path: small.path }, shards, options: { nComponents: 5 } }, 'pca-a')
    const model = PCA.deserialize(new Uint8Array(readFileSync(join(store, p.key))))
    const one = new PCA({ nComponents: 5 })
    for (const [a, b] of shards) one.partialFit(matrix(small.x.subarray(a * SMALL.cols, b * SMALL.cols), SMALL.cols))
    expect(model.components.data).toEqual(one.components.data)
    expect(model.explainedVariance).toEqual(one.explainedVariance)
  })

  it('whitenerFit (Zipfian weights) and intrinsicDimension equal the single-process API bit for bit', async () => {
    const store = join(dir, 'store-w')
    const C = SMALL.cols
    const shards = [[0, 700], [700, 1500], [1500, SMALL.rows]]
    // shard states merged in row order repeat one model's partialFit calls exactly (each partialFit merges its rows' moments)
    const w = Float64Array.from({ length: SMALL.rows }, (_, i) => 1 / (1 + (i % 17)))
    const weights = join(dir, 'weights.npy')
    writeNpySync(weights, matrix(w, 1))
    const options = { nComponents: 8, epsilon: 0 }
    const r = await run('whitenerFit', { store, prefix: 'w', corpus: { path: small.path }, shards, weights: { path: weights }, options }, 'whiten-a')
    const model = Whitener.deserialize(new Uint8Array(readFileSync(join(store, r.key))))
    const one = new Whitener(options)
    for (const [a, b] of shards) one.partialFit(matrix(small.x.subarray(a * C, b * C), C), { weights: w.subarray(a, b) })
    expect(model.nSamplesSeen).toBe(SMALL.rows)
    expect(model.mean).toEqual(one.mean)
    expect(model.matrix.data).toEqual(one.matrix.data)
    expect(model.eigenvalues).toEqual(one.eigenvalues)

    const X = matrix(small.x, C)
    const neighbors = knnSync(X, { k: 10 })
    for (const [method, o] of [['twoNN', {}], ['mle', { k: 10 }]]) {
      const id = await run('intrinsicDimension', { store, prefix: `id-${method}`, corpus: { path: small.path }, shards, blocks: [[0, 1000], [1000, SMALL.rows]], k: 10, method, options: o }, `id-${method}`)
      const want = estimateIdSync(X, { method, ...o, neighbors })
      expect(id.result.dimension).toBe(want.dimension)
      expect(id.result.nUsed).toBe(want.nUsed)
      expect(id.result.stderr).toBe(want.stderr)
    }
  })

  it('analyze: ID, hubness and column statistics bit for bit, anisotropy to its merge tolerance, of the single-process analyze', async () => {
    const store = join(dir, 'store-analyze')
    const C = SMALL.cols
    const shards = [[0, 2048], [2048, SMALL.rows]]
    const blocks = [[0, 1000], [1000, 1800], [1800, SMALL.rows]]
    const input = { store, prefix: 'an', corpus: { path: small.path }, shards, blocks, k: 10, localK: 20 }
    const { result: r, repaired } = await run('analyze', input, 'analyze-a')
    expect(repaired).toEqual([])
    const X = matrix(small.x, C)
    // every row is used (2400 ≤ maxRows) and the uniform data have no duplicate rows
    const want = await analyze(X, { k: 10, localK: 20 })
    expect(want.sample).toMatchObject({ rows: SMALL.rows, subsampled: false, duplicatesRemoved: 0 })
    expect(r.source).toEqual({ rows: SMALL.rows, cols: C })
    expect(r.metric).toBe(want.metric)
    expect(r.id).toEqual(want.id)
    expect(r.hubness).toEqual(want.hubness)
    const rel = (a, b) => Math.abs(a - b) / Math.abs(b)
    expect(r.anisotropy.zeroRows).toBe(want.anisotropy.zeroRows)
    // README "Partial states and shards": 1e-13 (ratio, mean cosine), 1e-10 (cosine spread)
    expect(rel(r.anisotropy.meanNormRatio, want.anisotropy.meanNormRatio)).toBeLessThanOrEqual(1e-13)
    expect(rel(r.anisotropy.averageCosine, want.anisotropy.averageCosine)).toBeLessThanOrEqual(1e-13)
    expect(rel(r.anisotropy.cosineStd, want.anisotropy.cosineStd)).toBeLessThanOrEqual(1e-10)
    // shards of one 2048-row block each, merged in row order: columnStats' own merges (README), bit for bit
    const cs = columnStatsSync(X)
    expect(r.columnStats).toEqual({ rows: cs.rows, mean: Array.from(cs.mean), variance: Array.from(cs.variance), min: Array.from(cs.min), max: Array.from(cs.max) })

    // corrupt a hubness part, an anisotropy part and a merged graph block: recomputed, the result unchanged
    const flip = (key) => {
      const b = readFileSync(join(store, key))
      b[b.length >> 1] ^= 0x10
      writeFileSync(join(store, key), b)
    }
    flip('an/hubness-b1')
    flip('an/summary-s1/anisotropy')
    flip('an/graph/graph-b0')
    const again = await run('analyze', input, 'analyze-a2')
    expect(again.result).toEqual(r)

    // inFlight reaches the graph: one graph part at a time, the same result
    const one = await run('analyze', { ...input, prefix: 'an1', inFlight: 1 }, 'analyze-inflight')
    expect(one.result).toEqual(r)
    const { events } = await client.workflow.getHandle('analyze-inflight').fetchHistory()
    const open = new Set()
    let most = 0
    let graphParts = 0
    for (const e of events) {
      const a = e.activityTaskScheduledEventAttributes
      if (a && (a.activityType.name === 'knnPart' || a.activityType.name === 'knnCrossPart')) {
        open.add(String(e.eventId))
        most = Math.max(most, open.size)
        graphParts++
      }
      const done = e.activityTaskCompletedEventAttributes
      if (done) open.delete(String(done.scheduledEventId))
    }
    // 3 blocks: 3 diagonals and 3 pairs
    expect(graphParts).toBe(6)
    expect(most).toBe(1)
    // a bad inFlight fails the workflow before any activity is scheduled
    await expect(run('analyze', { ...input, prefix: 'anx', inFlight: 0 }, 'analyze-inflight-bad')).rejects.toMatchObject({ cause: { type: 'ERR_INVALID_ARG_VALUE' } })
    const bad = await client.workflow.getHandle('analyze-inflight-bad').fetchHistory()
    expect(bad.events.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([])
  })

  it('a corrupt partial state is ERR_BAD_MODEL and recomputed; the result is unchanged', async () => {
    const store = join(dir, 'store-a')
    // the block × shard layout of the first test (prefix 'gs'): only the corrupt part is recomputed
    const key = join(store, 'gs', 'part-b0-s1')
    const bytes = readFileSync(key)
    bytes[bytes.length >> 1] ^= 0x10
    writeFileSync(key, bytes)
    rmSync(join(store, 'gs', 'graph-b0'))
    const shards = [[0, 700], [700, 1500], [1500, SMALL.rows]]
    const g = await run('knnGraph', { store, prefix: 'gs', corpus: { path: small.path }, shards, blocks: [[0, SMALL.k], [SMALL.k, SMALL.rows]], k: SMALL.k }, 'graph-a2')
    const recomputed = g.parts.filter((p) => p.recomputed).map((p) => p.key)
    expect(recomputed).toEqual(['gs/part-b0-s1'])
    const want = knnSync(matrix(small.x, SMALL.cols), { k: SMALL.k })
    expect(graphOf(store, g).indices).toEqual(want.indices)
  })

  it('a worker SIGKILLed mid-run changes nothing', async () => {
    const store = join(dir, 'store-kill')
    const shards = [[0, 10000], [10000, 22000], [22000, BIG.rows]]
    const blocks = [[0, 8000], [8000, 16000], [16000, 24000], [24000, BIG.rows]]
    const pending = run('knnGraph', { store, prefix: 'g', corpus: { path: big.path }, shards, blocks, k: BIG.k }, 'graph-kill')
    // wait until the victim computes, then kill it
    const victim = workers[0]
    const t0 = cpuSeconds(victim.pid)
    for (let i = 0; i < 200 && cpuSeconds(victim.pid) - t0 < 0.3; i++) await new Promise((r) => setTimeout(r, 50))
    expect(cpuSeconds(victim.pid) - t0).toBeGreaterThanOrEqual(0.3)
    victim.kill('SIGKILL')
    const finished = await Promise.race([pending.then(() => true), new Promise((r) => setTimeout(() => r(false), 0))])
    expect(finished).toBe(false)
    const g = await pending
    const want = knnSync(matrix(big.x, BIG.cols), { k: BIG.k })
    const got = graphOf(store, g)
    expect(got.indices).toEqual(want.indices)
    expect(got.distances).toEqual(want.distances)
    await startWorker()
  })

  it('cancelling a workflow stops every worker computing within a second', async () => {
    const store = join(dir, 'store-cancel')
    const shards = [[0, 16000], [16000, BIG.rows]]
    const blocks = [[0, 16000], [16000, BIG.rows]]
    const handle = await client.workflow.start('knnGraph', { taskQueue: TASK_QUEUE, workflowId: 'graph-cancel', args: [{ store, prefix: 'g', corpus: { path: big.path }, shards, blocks, k: BIG.k }] })
    const live = workers.filter((w) => w.exitCode === null && w.signalCode === null)
    const before = live.map((w) => cpuSeconds(w.pid))
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 50))
      if (live.some((w, j) => cpuSeconds(w.pid) - before[j] > 0.3)) break
    }
    expect(live.some((w, j) => cpuSeconds(w.pid) - before[j] > 0.3)).toBe(true)
    const t = Date.now()
    await handle.cancel()
    await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - t))))
    const at1 = live.map((w) => cpuSeconds(w.pid))
    await new Promise((r) => setTimeout(r, 1000))
    const used = live.map((w, j) => cpuSeconds(w.pid) - at1[j])
    // idle workers only poll: a few ms of CPU per second, not a computing core
    for (const u of used) expect(u).toBeLessThan(0.15)
    await expect(handle.result()).rejects.toThrow()
  })
})

describe('worker command line', () => {
  it('rejects a --max-concurrent-activities that is not a positive integer, before connecting', () => {
    for (const bad of ['0', '-1', '1.5', 'two']) {
      const r = spawnSync(process.execPath, [WORKER, '--address', '127.0.0.1:1', `--max-concurrent-activities=${bad}`], { encoding: 'utf8', timeout: 20000 })
      expect(r.status).toBe(2)
      expect(r.stderr).toContain(`--max-concurrent-activities must be a positive integer; got '${bad}'`)
    }
  })
})
