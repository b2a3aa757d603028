/**
 * The example HTTP server (examples/server/server.mjs) under a short, bounded load: 50 keep-alive
 * connections for ~5 s of /knn and /id requests through the async API, every answer checked (the
 * load generator compares each one with the sync API; one kNN answer is also checked here
 * against a plain brute force), coded errors mapped to HTTP statuses, jobs aborted when their
 * client disconnects, and a clean exit on SIGTERM. The full 200-connection, 30-second run is
 * bench/server.bench.mjs (results in bench/results/server.md).
 *
 * Event-loop lag p99 is printed, not asserted: speed is never asserted in a timed unit test, and
 * on a shared 2-core CI runner (server, load generator and vitest competing for the cores) a
 * bound loose enough never to flake would not catch anything a reviewer would not see in the log.
 * Runs the server from dist/ (npm run build:ts).
 */
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))

interface Server {
  port: number
  stop: () => Promise<{ code: number; ms: number; stderr: string }>
}
interface Bench {
  startServer(o?: object): Promise<Server>
  runLoad(o: object): Promise<Record<string, any>>
  workload(o?: object): unknown
  call(port: number, method: string, path: string, payload?: unknown, agent?: unknown): Promise<{ status: number; body: any }>
}
interface Example {
  syntheticCorpus(rows: number, cols: number, seed?: number): { data: Float32Array; rows: number; cols: number }
}

// Plain-JS modules, imported by path (no type declarations).
const benchPath = `${root}bench/server.bench.mjs`
const examplePath = `${root}examples/server/server.mjs`
let bench: Bench
let example: Example
let server: Server

beforeAll(async () => {
  bench = (await import(benchPath)) as Bench
  example = (await import(examplePath)) as Example
  server = await bench.startServer({ rows: 2000, cols: 64, seed: 1 })
}, 60_000)

afterAll(async () => {
  if (server) await server.stop()
})

describe('examples/server', () => {
  it('answers /health with versions and the corpus shape', async () => {
    const r = await bench.call(server.port, 'GET', '/health')
    expect(r.status).toBe(200)
    expect(r.body.ok).toBe(true)
    expect(r.body.corpus).toEqual({ rows: 2000, cols: 64, metric: 'euclidean' })
  })

  it('answers a kNN request exactly as a brute force over the same corpus', async () => {
    const c = example.syntheticCorpus(2000, 64, 1)
    const queries = [0, 17, 1999].map((r) => Array.from(c.data.subarray(r * 64, (r + 1) * 64), (v, j) => Math.fround(v + 0.01 * Math.cos(j + r))))
    const r = await bench.call(server.port, 'POST', '/knn', { queries, k: 5 })
    expect(r.status).toBe(200)
    for (let q = 0; q < queries.length; q++) {
      // f64 distances from the f32 values, sorted by (distance, index): api.md's definition.
      const d = Array.from({ length: c.rows }, (_, j) => {
        let s = 0
        for (let t = 0; t < 64; t++) s += (queries[q]![t]! - c.data[j * 64 + t]!) ** 2
        return [Math.sqrt(s), j] as const
      }).sort((a, b) => a[0] - b[0] || a[1] - b[1])
      expect(r.body.indices[q]).toEqual(d.slice(0, 5).map(([, j]) => j))
      // Distances come back in the corpus's element type (f32) of the f64 value.
      expect(r.body.distances[q]).toEqual(d.slice(0, 5).map(([x]) => Math.fround(x)))
    }
  })

  it('maps coded errors to HTTP statuses', async () => {
    const post = (path: string, body: unknown) => bench.call(server.port, 'POST', path, body)
    const cases: [string, Promise<{ status: number; body: any }>, number, string][] = [
      ['queries of another width', post('/knn', { queries: [[1, 2, 3]], k: 2 }), 400, 'ERR_SHAPE'],
      ['k missing', post('/knn', { queries: [new Array(64).fill(0)] }), 400, 'ERR_INVALID_ARG_TYPE'],
      ['k 0', post('/knn', { queries: [new Array(64).fill(0)], k: 0 }), 400, 'ERR_OUT_OF_RANGE'],
      ['NaN sent as null', post('/knn', { queries: [[null, ...new Array(63).fill(0)]], k: 2 }), 400, 'ERR_INVALID_ARG_TYPE'],
      ['ID of 2 points', post('/id', { data: [[1, 2], [3, 4]], method: 'twoNN' }), 400, 'ERR_EMPTY'],
      ['unknown estimator', post('/id', { data: [[1, 2], [3, 4], [5, 7]], method: 'pca' }), 400, 'ERR_INVALID_ARG_VALUE'],
      ['duplicates under mle', post('/id', { data: [[1, 2], [1, 2], [3, 4], [5, 7], [6, 1]], method: 'mle', options: { k: 2 } }), 400, 'ERR_DUPLICATES'],
      ['malformed JSON', post('/knn', '{"queries": [[1, 2'), 400, 'ERR_BAD_JSON'],
      ['body over 1 MiB', post('/knn', JSON.stringify({ pad: 'x'.repeat((1 << 20) + 10) })), 413, 'ERR_BODY_TOO_LARGE'],
      ['unknown route', post('/nope', {}), 404, 'ERR_NOT_FOUND'],
    ]
    for (const [label, p, status, code] of cases) {
      const r = await p
      expect([label, r.status, r.body?.error?.code]).toEqual([label, status, code])
    }
  })

  it('serves 50 concurrent keep-alive connections for 5 s with no errors and every answer correct', async () => {
    const r = await bench.runLoad({ port: server.port, connections: 50, durationS: 5, warmupS: 1, work: bench.workload() })
    console.log(
      `server load: ${r.requests} requests in ${r.durationS.toFixed(1)} s (${r.throughput.toFixed(0)} req/s), ` +
        `event-loop lag p50/p99/max ${r.eventLoop.lagMs.p50}/${r.eventLoop.lagMs.p99}/${r.eventLoop.lagMs.max} ms, ` +
        `RSS ${(r.memory.rssStart / 2 ** 20).toFixed(1)} → ${(r.memory.rssEnd / 2 ** 20).toFixed(1)} MiB (peak ${(r.memory.rssPeak / 2 ** 20).toFixed(1)}), ` +
        `knn p99 ${r.latencyMs.knn.p99?.toFixed(1)} ms, id p99 ${r.latencyMs.id.p99?.toFixed(1)} ms`,
    )
    expect(r.errors).toEqual({ total: 0, http: {}, wrong: 0, network: {} })
    expect(r.latencyMs.knn.count).toBeGreaterThan(0)
    expect(r.latencyMs.id.count).toBeGreaterThan(0)
    expect(r.server.serverErrors).toBe(0)
  }, 90_000)

  it('aborts the jobs of clients that disconnect (running and queued) and keeps serving', async () => {
    const stats = async () => (await bench.call(server.port, 'GET', '/stats')).body
    const aborted0 = (await stats()).counts.aborted as number
    const open = (path: string, body: unknown) => {
      const data = JSON.stringify(body)
      const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } })
      req.on('error', () => {})
      req.end(data)
      return req
    }
    const until = async (f: (s: any) => boolean, ms = 30_000) => {
      const t0 = Date.now()
      for (;;) {
        const s = await stats()
        if (f(s)) return s
        if (Date.now() - t0 > ms) throw new Error(`timed out: ${JSON.stringify(s.counts)} inflight ${s.inflight}`)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    // DANCo on the whole corpus runs for seconds; a kNN request queues behind it (concurrency 1).
    const running = open('/id', { subset: { n: 2000, seed: 0 }, method: 'danco' })
    await until((s) => s.inflight >= 1)
    await new Promise((r) => setTimeout(r, 300))
    const queued = open('/knn', { queries: [new Array(64).fill(0)], k: 3 })
    await until((s) => s.inflight >= 2)
    queued.destroy()
    running.destroy()
    const s = await until((x) => x.counts.aborted >= aborted0 + 2 && x.inflight === 0)
    expect(s.counts.aborted - aborted0).toBe(2)
    const r = await bench.call(server.port, 'POST', '/knn', { queries: [new Array(64).fill(0)], k: 3 })
    expect(r.status).toBe(200)
  }, 60_000)

  it('exits with code 0 on SIGTERM', async () => {
    const exit = await server.stop()
    expect(exit.code).toBe(0)
    expect(exit.stderr).toBe('')
    server = undefined as unknown as Server
  })
})
