#!/usr/bin/env node
// An HTTP service over embgeo's async API: nearest neighbours against an in-memory corpus and
// intrinsic dimension of posted point sets, without ever blocking the event loop (every heavy
// call is the Promise twin, run on embgeo's own thread pool; a request that goes away aborts its
// job through an AbortSignal). Node's built-in http only, no dependencies.
//
//   node examples/server/server.mjs [--port 8080] [--rows 2000] [--cols 64] [--seed 1]
//
//   GET  /health   {"ok":true,"versions":{…},"corpus":{"rows":2000,"cols":64,"metric":"euclidean"}}
//   GET  /stats    event-loop delay and lag percentiles (ms), RSS / heap / external bytes, request counts;
//                  /stats?reset=1 also restarts the delay histogram
//   POST /knn      {"queries":[[…64 numbers…], …], "k":10}        → {"k","rows","indices":[[…]],"distances":[[…]]}
//                  queries may also be {"data":[…flat…],"cols":64}
//   POST /id       {"data":[[…], …], "method":"twoNN", "options":{…}} → the IdResult (arrays as lists)
//                  or {"subset":{"n":500,"seed":3}, "method":"mle"}   (a seeded subset of the corpus)
//
// Errors: embgeo's coded errors are 400 {"error":{"code","message"}} (ERR_INTERNAL is 500); a body
// over --max-body bytes is 413 ERR_BODY_TOO_LARGE, malformed JSON 400 ERR_BAD_JSON, unknown
// routes 404. Requests whose client disconnects are aborted (counted in /stats as `aborted`).
// Requires the built package: npm run build:ts (or npm ci).
import { createServer } from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

import { EmbgeoError, estimateId, KnnIndex, matrix, setConcurrency, versions } from '../../dist/index.js'

/** Mulberry32 → Box–Muller: the seeded synthetic corpus (a mixture of 32 Gaussian clusters). */
export function syntheticCorpus(rows, cols, seed = 1) {
  let a = seed >>> 0
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const gauss = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u())
  const centres = Array.from({ length: 32 }, () => Float64Array.from({ length: cols }, () => 3 * gauss()))
  const data = new Float32Array(rows * cols)
  for (let i = 0; i < rows; i++) {
    const c = centres[Math.floor(u() * centres.length)]
    for (let j = 0; j < cols; j++) data[i * cols + j] = c[j] + gauss()
  }
  return matrix(data, cols)
}

/** A seeded subset of `n` distinct rows of `m` (partial Fisher–Yates). */
export function subset(m, n, seed) {
  let a = (seed >>> 0) ^ 0x9e3779b9
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const order = Uint32Array.from({ length: m.rows }, (_, i) => i)
  const out = new Float32Array(n * m.cols)
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(u() * (m.rows - i))
    ;[order[i], order[j]] = [order[j], order[i]]
    out.set(m.data.subarray(order[i] * m.cols, (order[i] + 1) * m.cols), i * m.cols)
  }
  return matrix(out, m.cols)
}

/** Sampling interval of the event-loop delay histogram; every sample includes it (lag = delay − this). */
export const LAG_RESOLUTION_MS = 1

class HttpError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** Queries as posted: number[][] (passed on; embgeo validates it) or { data: number[], cols }. */
function toMatrixLike(v, name) {
  if (v !== null && typeof v === 'object' && !Array.isArray(v) && Array.isArray(v.data)) {
    if (!Number.isInteger(v.cols) || v.cols < 1 || v.data.length % v.cols !== 0) {
      throw new HttpError(400, 'ERR_SHAPE', `${name}.data.length must be a multiple of ${name}.cols`)
    }
    if (!v.data.every((x) => typeof x === 'number')) throw new HttpError(400, 'ERR_INVALID_ARG_TYPE', `${name}.data must hold numbers`)
    return matrix(Float32Array.from(v.data), v.cols)
  }
  return v // number[][] or anything else: embgeo answers with its own coded error
}

/** Rows of a flat typed array as plain arrays (JSON). */
function rowsOf(a, width) {
  const out = []
  for (let i = 0; i < a.length; i += width) out.push(Array.from(a.subarray(i, i + width)))
  return out
}

function jsonSafe(v) {
  if (ArrayBuffer.isView(v)) return Array.from(v)
  if (v === null || typeof v !== 'object') return v
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]))
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'])
    if (declared > limit) {
      reject(new HttpError(413, 'ERR_BODY_TOO_LARGE', `body of ${declared} bytes exceeds the limit of ${limit}`))
      req.resume()
      return
    }
    const chunks = []
    let size = 0
    req.on('data', (c) => {
      size += c.length
      if (size > limit) {
        reject(new HttpError(413, 'ERR_BODY_TOO_LARGE', `body exceeds the limit of ${limit} bytes`))
        req.removeAllListeners('data')
        req.resume()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * Build the service (not yet listening). `options`: rows, cols, seed, maxBody (bytes), maxK.
 * Returns { server, index, stats(), close() }.
 */
export function createService({ rows = 2000, cols = 64, seed = 1, maxBody = 1 << 20, maxK = 100 } = {}) {
  const corpus = syntheticCorpus(rows, cols, seed)
  const index = new KnnIndex(corpus) // native copy; the JS array can go
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS })
  lag.enable()
  const counts = { requests: 0, ok: 0, clientErrors: 0, serverErrors: 0, aborted: 0, byCode: {} }
  let inflight = 0

  function stats(reset) {
    const ms = (ns) => Number((ns / 1e6).toFixed(3))
    const lagMs = (ns) => Number(Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS).toFixed(3))
    const m = process.memoryUsage()
    const out = {
      // Raw timer delays (each includes the LAG_RESOLUTION_MS sampling interval) and the lag beyond it.
      eventLoopDelayMs: { resolution: LAG_RESOLUTION_MS, min: ms(lag.min), mean: ms(lag.mean), p50: ms(lag.percentile(50)), p90: ms(lag.percentile(90)), p99: ms(lag.percentile(99)), max: ms(lag.max), samples: lag.count },
      eventLoopLagMs: { p50: lagMs(lag.percentile(50)), p99: lagMs(lag.percentile(99)), max: lagMs(lag.max) },
      memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers },
      counts: { ...counts, byCode: { ...counts.byCode } },
      inflight,
      uptimeS: Number(process.uptime().toFixed(1)),
    }
    if (reset) lag.reset()
    return out
  }

  async function knnRoute(body, signal) {
    if (body === null || typeof body !== 'object') throw new HttpError(400, 'ERR_INVALID_ARG_TYPE', 'body must be a JSON object { queries, k }')
    if (typeof body.k === 'number' && body.k > maxK) throw new HttpError(400, 'ERR_OUT_OF_RANGE', `k must be at most ${maxK} here; got ${body.k}`)
    const r = await index.search(toMatrixLike(body.queries, 'queries'), { k: body.k, signal })
    return { k: r.k, rows: r.rows, metric: r.metric, indices: rowsOf(r.indices, r.k), distances: rowsOf(r.distances, r.k) }
  }

  async function idRoute(body, signal) {
    if (body === null || typeof body !== 'object') throw new HttpError(400, 'ERR_INVALID_ARG_TYPE', 'body must be a JSON object { data | subset, method, options }')
    let X
    if (body.subset !== undefined) {
      const { n, seed: s = 0 } = body.subset ?? {}
      if (!Number.isInteger(n) || n < 3 || n > rows) throw new HttpError(400, 'ERR_OUT_OF_RANGE', `subset.n must be an integer from 3 to ${rows}`)
      if (!Number.isInteger(s) || s < 0) throw new HttpError(400, 'ERR_OUT_OF_RANGE', 'subset.seed must be an integer >= 0')
      X = subset(corpus, n, s)
    } else X = toMatrixLike(body.data, 'data')
    const options = body.options ?? {}
    if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new HttpError(400, 'ERR_INVALID_ARG_TYPE', 'options must be an object')
    const r = await estimateId(X, { ...options, method: body.method ?? 'twoNN', signal })
    return jsonSafe(r)
  }

  const routes = { 'POST /knn': knnRoute, 'POST /id': idRoute }

  const server = createServer(async (req, res) => {
    counts.requests++
    const url = new URL(req.url ?? '/', 'http://localhost')
    const send = (status, payload) => {
      if (res.destroyed || res.writableEnded) return
      const text = JSON.stringify(payload)
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
      res.end(text)
    }
    const fail = (status, code, message) => {
      if (status >= 500) counts.serverErrors++
      else counts.clientErrors++
      counts.byCode[code] = (counts.byCode[code] ?? 0) + 1
      send(status, { error: { code, message } })
    }
    if (req.method === 'GET' && url.pathname === '/health') {
      send(200, { ok: true, versions: versions(), corpus: { rows, cols, metric: 'euclidean' } })
      counts.ok++
      return
    }
    if (req.method === 'GET' && url.pathname === '/stats') {
      send(200, stats(url.searchParams.get('reset') === '1'))
      return
    }
    const route = routes[`${req.method} ${url.pathname}`]
    if (route === undefined) {
      fail(404, 'ERR_NOT_FOUND', `no route ${req.method} ${url.pathname}; try POST /knn, POST /id, GET /health, GET /stats`)
      req.resume()
      return
    }
    // The job is aborted when the client goes away before the answer is written.
    const ac = new AbortController()
    res.on('close', () => {
      if (!res.writableFinished) ac.abort(new Error('client closed the connection'))
    })
    inflight++
    try {
      const raw = await readBody(req, maxBody)
      let body
      try {
        body = JSON.parse(raw.toString('utf8'))
      } catch (err) {
        throw new HttpError(400, 'ERR_BAD_JSON', `the body is not JSON: ${err.message}`)
      }
      const out = await route(body, ac.signal)
      counts.ok++
      send(200, out)
    } catch (err) {
      if (err instanceof HttpError) fail(err.status, err.code, err.message)
      else if (err instanceof EmbgeoError && err.code === 'ABORT_ERR') {
        counts.aborted++ // nobody is listening any more
      } else if (err instanceof EmbgeoError && err.code !== 'ERR_INTERNAL') fail(400, err.code, err.message)
      else {
        console.error(err)
        fail(500, err?.code ?? 'ERR_INTERNAL', String(err?.message ?? err))
      }
    } finally {
      inflight--
    }
  })
  server.keepAliveTimeout = 30_000
  server.headersTimeout = 35_000
  server.requestTimeout = 60_000

  async function close() {
    await new Promise((resolve) => {
      server.close(() => resolve())
      server.closeIdleConnections?.()
    })
    lag.disable()
    index.dispose()
  }
  return { server, index, stats, close }
}

function args(argv) {
  const out = {}
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '')
    if (!key) continue
    out[key.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = Number(argv[i + 1])
  }
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const a = args(process.argv.slice(2))
  if (Number.isInteger(a.concurrency)) setConcurrency(a.concurrency)
  const service = createService({ rows: a.rows, cols: a.cols, seed: a.seed, maxBody: a.maxBody })
  service.server.listen(a.port ?? 8080, '127.0.0.1', () => {
    const { port } = service.server.address()
    console.log(`embgeo example server listening on http://127.0.0.1:${port}`)
  })
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await service.close()
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}
