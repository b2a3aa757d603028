#!/usr/bin/env node
// Load test of the example HTTP server (examples/server/server.mjs): the server runs in its own
// process with a 2000 × 64 corpus; this script keeps `--connections` keep-alive connections busy
// for `--duration` seconds with a mix of POST /knn (8 queries, k = 10) and POST /id (TwoNN, MLE,
// GRIDE on 400-row subsets, TwoNN on 200 × 64 posted points), checks EVERY answer against one
// computed here with the sync API (bit-identical: same algorithm, deterministic), and samples
// the server's event-loop delay histogram (perf_hooks.monitorEventLoopDelay, reset after the
// warm-up) and memory once a second. Writes bench/results/server.md and server.json.
//
//   node bench/server.bench.mjs                               # 200 connections, 30 s (the issue-7 run)
//   node bench/server.bench.mjs --duration 5 --connections 50 # short run
//
// Requires the built package (npm run build:ts). Nothing is asserted here; __test__/server.spec.ts
// runs a short version in CI.
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'

import { estimateIdSync, KnnIndex, matrix, versions } from '../dist/index.js'
import { subset, syntheticCorpus } from '../examples/server/server.mjs'

const root = fileURLToPath(new URL('../', import.meta.url))

/** Start the example server in a child process; resolves { port, child, stop() }. */
export function startServer({ rows = 2000, cols = 64, seed = 1, env = {} } = {}) {
  const child = spawn(process.execPath, [`${root}examples/server/server.mjs`, '--port', '0', '--rows', String(rows), '--cols', String(cols), '--seed', String(seed)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d) => (stderr += d))
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s: ${out} ${stderr}`)), 30_000)
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening: ${stderr}`)))
    child.stdout.on('data', (d) => {
      out += d
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        child.removeAllListeners('exit')
        const stop = () =>
          new Promise((res) => {
            if (child.exitCode !== null) return res(child.exitCode)
            const t0 = Date.now()
            child.once('exit', (code) => res({ code, ms: Date.now() - t0, stderr }))
            child.kill('SIGTERM')
          })
        resolve({ port: Number(m[1]), child, stop, stderr: () => stderr })
      }
    })
  })
}

/** One HTTP request; resolves { status, body }. */
export function call(port, method, path, payload, agent, timeoutMs = 15_000) {
  return new Promise((resolve, reject) => {
    const data = payload === undefined ? undefined : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload))
    const req = request(
      { host: '127.0.0.1', port, method, path, agent, headers: data ? { 'content-type': 'application/json', 'content-length': data.length } : {} },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          try {
            resolve({ status: res.statusCode, body: JSON.parse(text) })
          } catch {
            resolve({ status: res.statusCode, body: text })
          }
        })
        res.on('error', reject)
      },
    )
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end(data)
  })
}

/**
 * The request mix with the expected answer of each request, computed here with the sync API on
 * the same seeded corpus: knn answers must match index for index and distance for distance, ID
 * answers to the last bit.
 */
export function workload({ rows = 2000, cols = 64, seed = 1 } = {}) {
  const corpus = syntheticCorpus(rows, cols, seed)
  const index = new KnnIndex(corpus)
  const queriesOf = (i) => {
    // 8 queries near corpus rows (row + small seeded offsets), as number[][] (what a client posts).
    const out = []
    for (let q = 0; q < 8; q++) {
      const r = (i * 97 + q * 31) % rows
      out.push(Array.from(corpus.data.subarray(r * cols, (r + 1) * cols), (v, j) => Math.fround(v + 0.05 * Math.sin(i + q * 7 + j))))
    }
    return out
  }
  const knnRequests = Array.from({ length: 32 }, (_, i) => {
    const queries = queriesOf(i)
    const r = index.searchSync(matrix(Float32Array.from(queries.flat()), cols), { k: 10 })
    const indices = []
    const distances = []
    for (let q = 0; q < r.rows; q++) {
      indices.push(Array.from(r.indices.subarray(q * 10, q * 10 + 10)))
      distances.push(Array.from(r.distances.subarray(q * 10, q * 10 + 10)))
    }
    return { path: '/knn', body: JSON.stringify({ queries, k: 10 }), check: (b) => same(b.indices, indices) && same(b.distances, distances) }
  })
  index.dispose()
  const idSpecs = [
    { subset: { n: 400, seed: 1 }, method: 'twoNN' },
    { subset: { n: 400, seed: 2 }, method: 'mle', options: { k: 10 } },
    { subset: { n: 400, seed: 3 }, method: 'gride', options: { n1: 2 } },
    { subset: { n: 400, seed: 4 }, method: 'twoNN', options: { estimator: 'mle' } },
  ]
  const idRequests = idSpecs.map((spec) => {
    const X = subset(corpus, spec.subset.n, spec.subset.seed)
    const want = estimateIdSync(X, { method: spec.method, ...spec.options })
    return { path: '/id', body: JSON.stringify(spec), check: (b) => b.dimension === want.dimension && b.nUsed === want.nUsed }
  })
  // Client-side points (200 × 64 posted as JSON).
  const posted = subset(corpus, 200, 99)
  const postedRows = []
  for (let i = 0; i < posted.rows; i++) postedRows.push(Array.from(posted.data.subarray(i * cols, (i + 1) * cols)))
  const postedWant = estimateIdSync(posted, { method: 'twoNN' })
  idRequests.push({ path: '/id', body: JSON.stringify({ data: postedRows, method: 'twoNN' }), check: (b) => b.dimension === postedWant.dimension })
  return { knnRequests, idRequests }
}

function same(a, b) {
  if (!Array.isArray(a) || a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return false
    for (let j = 0; j < a[i].length; j++) if (a[i][j] !== b[i][j]) return false
  }
  return true
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

/**
 * Drive the server: `connections` loops, each sending one request at a time on its own keep-alive
 * socket until `durationS` has passed (plus `warmupS` first, not measured). `idShare` of the
 * requests are /id. Every response is checked. Returns the measurements.
 */
export async function runLoad({ port, connections = 200, durationS = 30, warmupS = 3, idShare = 0.2, work = workload(), log = () => {} }) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections })
  const statsAgent = new Agent({ keepAlive: false })
  const stats = () => call(port, 'GET', '/stats', undefined, statsAgent).then((r) => r.body)
  const errors = { http: {}, wrong: 0, network: {} }
  const latencies = { knn: [], id: [] }
  let measuring = false
  let stop = false
  let sent = 0
  const pick = (n) => {
    const isId = (n * 0.6180339887) % 1 < idShare
    const pool = isId ? work.idRequests : work.knnRequests
    return { kind: isId ? 'id' : 'knn', req: pool[n % pool.length] }
  }
  async function loop(c) {
    let n = c
    while (!stop) {
      const { kind, req } = pick(n)
      n += connections
      const t0 = performance.now()
      try {
        const r = await call(port, 'POST', req.path, req.body, agent)
        const ms = performance.now() - t0
        if (r.status !== 200) {
          const code = `${r.status} ${r.body?.error?.code ?? ''}`.trim()
          errors.http[code] = (errors.http[code] ?? 0) + 1
        } else if (!req.check(r.body)) errors.wrong++
        else if (measuring) latencies[kind].push(ms)
      } catch (err) {
        const key = err.code ?? err.message
        errors.network[key] = (errors.network[key] ?? 0) + 1
      }
      if (measuring) sent++
    }
  }
  const loops = Array.from({ length: connections }, (_, c) => loop(c))
  await new Promise((r) => setTimeout(r, warmupS * 1000))
  const before = await stats()
  await call(port, 'GET', '/stats?reset=1', undefined, statsAgent)
  measuring = true
  const t0 = performance.now()
  const samples = []
  const load0 = loadavg()
  while (performance.now() - t0 < durationS * 1000) {
    await new Promise((r) => setTimeout(r, 1000))
    const s = await stats()
    samples.push({ t: Number(((performance.now() - t0) / 1000).toFixed(1)), rss: s.memory.rss, heapUsed: s.memory.heapUsed, external: s.memory.external, p99: s.eventLoopLagMs.p99, inflight: s.inflight })
    log(`  t=${samples.at(-1).t}s rss=${(s.memory.rss / 2 ** 20).toFixed(1)} MiB lag p99=${s.eventLoopLagMs.p99} ms inflight=${s.inflight}`)
  }
  const elapsed = (performance.now() - t0) / 1000
  measuring = false
  const after = await stats()
  stop = true
  await Promise.all(loops)
  agent.destroy()
  const final = await stats()
  const sortAll = (xs) => [...xs].sort((a, b) => a - b)
  const lat = (xs) => {
    const s = sortAll(xs)
    return { count: s.length, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s.at(-1) ?? NaN }
  }
  const rss = samples.map((s) => s.rss)
  const errorCount = errors.wrong + Object.values(errors.http).reduce((a, b) => a + b, 0) + Object.values(errors.network).reduce((a, b) => a + b, 0)
  return {
    connections,
    durationS: elapsed,
    requests: sent,
    throughput: sent / elapsed,
    latencyMs: { knn: lat(latencies.knn), id: lat(latencies.id) },
    eventLoop: { delayMs: after.eventLoopDelayMs, lagMs: after.eventLoopLagMs },
    errors: { total: errorCount, ...errors },
    memory: {
      rssBeforeWarmupEnd: before.memory.rss,
      rssStart: rss[0],
      rssPeak: Math.max(...rss),
      rssEnd: rss.at(-1),
      rssAfter: final.memory.rss,
      growthPct: ((rss.at(-1) - rss[0]) / rss[0]) * 100,
      heapUsedEnd: after.memory.heapUsed,
      externalEnd: after.memory.external,
    },
    server: after.counts,
    loadavg: { before: load0, after: loadavg() },
    samples,
  }
}

const fmt = (x, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x))
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`

function report(r, m) {
  const v = versions()
  const ok = r.eventLoop.lagMs.p99 < 10 && r.errors.total === 0
  return [
    `# Example server under load — ${r.connections} connections, ${fmt(r.durationS, 1)} s — ${m.date.slice(0, 10)}, ${m.cpu}, ${v.threads} threads`,
    '',
    `Node ${m.node}, embgeo ${v.package} (${v.target}), commit ${m.commit}; ${m.cores} cores, ${m.memGiB} GiB. Load generator in the same machine (a second process),`,
    `so server and client share the ${m.cores} cores. Load average (1/5/15 min): ${r.loadavg.before.map((x) => x.toFixed(2)).join(' / ')} at the start, ${r.loadavg.after.map((x) => x.toFixed(2)).join(' / ')} at the end${r.loadavg.before[0] > 1 ? ' — **the machine was shared with other jobs**' : ''}.`,
    '',
    'Server: `examples/server/server.mjs`, 2000 × 64 f32 corpus in a `KnnIndex`, async API only, default job concurrency 1.',
    'Mix: 80 % POST /knn (8 queries × 64, k = 10, JSON number[][]), 20 % POST /id (TwoNN / MLE k = 10 / GRIDE n1 = 2 on seeded 400-row subsets of the corpus, TwoNN on 200 × 64 posted points). Every answer is compared with the sync API\'s answer computed in the client (kNN: every index and distance; ID: the dimension to the last bit).',
    '',
    '| measure | value |',
    '|---|---|',
    `| requests (measured window) | ${r.requests} |`,
    `| throughput | ${fmt(r.throughput, 0)} req/s |`,
    `| errors (HTTP, wrong answers, network) | ${r.errors.total} (${JSON.stringify(r.errors.http)}, ${r.errors.wrong}, ${JSON.stringify(r.errors.network)}) |`,
    `| latency /knn p50 / p90 / p99 / max | ${fmt(r.latencyMs.knn.p50)} / ${fmt(r.latencyMs.knn.p90)} / ${fmt(r.latencyMs.knn.p99)} / ${fmt(r.latencyMs.knn.max)} ms (${r.latencyMs.knn.count} requests) |`,
    `| latency /id p50 / p90 / p99 / max | ${fmt(r.latencyMs.id.p50)} / ${fmt(r.latencyMs.id.p90)} / ${fmt(r.latencyMs.id.p99)} / ${fmt(r.latencyMs.id.max)} ms (${r.latencyMs.id.count} requests) |`,
    `| **event-loop lag p50 / p99 / max** | **${r.eventLoop.lagMs.p50} / ${r.eventLoop.lagMs.p99} / ${r.eventLoop.lagMs.max} ms** |`,
    `| raw timer delay p50 / p99 / max (1 ms sampling interval included) | ${r.eventLoop.delayMs.p50} / ${r.eventLoop.delayMs.p99} / ${r.eventLoop.delayMs.max} ms (${r.eventLoop.delayMs.samples} samples) |`,
    `| server RSS start / peak / end of window | ${mib(r.memory.rssStart)} / ${mib(r.memory.rssPeak)} / ${mib(r.memory.rssEnd)} (growth ${fmt(r.memory.growthPct, 1)} %) |`,
    `| server RSS after the load stopped | ${mib(r.memory.rssAfter)} |`,
    `| server heap used / external at the end | ${mib(r.memory.heapUsedEnd)} / ${mib(r.memory.externalEnd)} |`,
    `| server counters | ${JSON.stringify(r.server)} |`,
    '',
    `Target (issue 7): p99 lag < 10 ms, no errors, bounded memory — ${ok ? '**met**' : '**not met**'}.`,
    '',
    'Event-loop delay is `perf_hooks.monitorEventLoopDelay({ resolution: 1 })` in the server, reset after a 3 s warm-up, read at the end; "lag" is the delay minus the 1 ms sampling interval. Latencies are client-side (queueing in the server\'s single job queue included). RSS sampled once a second:',
    '',
    '| t (s) | RSS | heap used | external | lag p99 so far (ms) | in flight |',
    '|---|---|---|---|---|---|',
    ...r.samples.filter((_, i) => i % Math.max(1, Math.floor(r.samples.length / 15)) === 0 || i === r.samples.length - 1).map((s) => `| ${s.t} | ${mib(s.rss)} | ${mib(s.heapUsed)} | ${mib(s.external)} | ${s.p99} | ${s.inflight} |`),
    '',
    'Reproduce: `npm run build:ts && node bench/server.bench.mjs` (`--duration 5 --connections 50` for a short run).',
    '',
  ].join('\n')
}

async function main() {
  const { machine } = await import('./lib/env.mjs')
  const a = { duration: 30, connections: 200, warmup: 3 }
  const argv = process.argv.slice(2)
  for (let i = 0; i < argv.length; i += 2) a[argv[i].replace(/^--/, '')] = Number(argv[i + 1])
  const m = machine()
  console.log(`${cpus().length} cores, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}; building the workload…`)
  const work = workload()
  const srv = await startServer()
  console.log(`server on port ${srv.port}; ${a.connections} connections for ${a.duration} s after ${a.warmup} s warm-up`)
  let r
  try {
    r = await runLoad({ port: srv.port, connections: a.connections, durationS: a.duration, warmupS: a.warmup, work, log: console.log })
  } finally {
    const exit = await srv.stop()
    console.log(`server stopped: ${JSON.stringify(exit)}`)
  }
  const md = report(r, m)
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
  writeFileSync(new URL('./results/server.md', import.meta.url), md)
  writeFileSync(new URL('./results/server.json', import.meta.url), JSON.stringify({ machine: m, ...r }, null, 1) + '\n')
  console.log(md)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
