/**
 * Scale-out benchmark (not a test): the all-points kNN graph and PCA through Temporal with 1, 2
 * and 4 shards (SHARDS / PCA_SHARDS) against the single-process API on the same data, one run. Reports the
 * orchestration overhead (Temporal wall time / single-process wall time − 1), bytes written to
 * the store, each worker's peak RSS and CPU seconds, and checks every Temporal answer equals the
 * single-process one bit for bit first. Writes ../../bench/results/${OUT}.{md,json}.
 *
 *   TEMPORAL_CLI=$(bash scripts/temporal/ensure-cli.sh) node packages/temporal/bench/scale-out.bench.mjs
 *   env: KNN_ROWS (default 60000), KNN_COLS (128), PCA_ROWS (200000; 0 skips PCA), PCA_COLS (384),
 *   WORKERS (2), SLOTS (activities a worker runs at once, default 1 as the worker's default),
 *   SHARDS (the kNN graph's shard counts, default "1,2,4"), PCA_SHARDS (PCA's, default SHARDS),
 *   INFLIGHT (knnGraph's inFlight, default unset), OUT (the results file name in bench/results,
 *   default "scale-out")
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { Client, Connection } from '@temporalio/client'
import { bundleWorkflowCode } from '@temporalio/worker'
import { deserializeKnnPart, knn, matrix, PCA, readEmbeddings, writeNpySync } from 'embgeo'

const HERE = fileURLToPath(new URL('.', import.meta.url))
const ROOT = join(HERE, '..', '..', '..')
const env = (n, d) => Number(process.env[n] ?? d)
const KNN = { rows: env('KNN_ROWS', 60000), cols: env('KNN_COLS', 128), k: 10 }
const PCAS = { rows: env('PCA_ROWS', 200000), cols: env('PCA_COLS', 384) }
const WORKERS = env('WORKERS', 2)
const SLOTS = env('SLOTS', 1)
const SHARDS = (process.env.SHARDS ?? '1,2,4').split(',').map(Number)
const PCA_SHARDS = (process.env.PCA_SHARDS ?? SHARDS.join(',')).split(',').map(Number)
const OUT = process.env.OUT ?? 'scale-out'
const IN_FLIGHT = process.env.INFLIGHT === undefined ? {} : { inFlight: Number(process.env.INFLIGHT) }
const TQ = 'embgeo-bench'

const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => res(port))
    })
  })

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

const ranges = (n, s) => Array.from({ length: s }, (_, i) => [Math.floor((i * n) / s), Math.floor(((i + 1) * n) / s)])
const dirBytes = (d) => readdirSync(d, { recursive: true }).reduce((s, f) => s + (statSync(join(d, f)).isFile() ? statSync(join(d, f)).size : 0), 0)
const cpuSeconds = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}
const peakRss = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024
const mb = (b) => (b / 1e6).toFixed(1)

const dir = mkdtempSync(join(tmpdir(), 'embgeo-scale-'))
const bin = process.env.TEMPORAL_CLI ?? execFileSync('bash', [join(ROOT, 'scripts/temporal/ensure-cli.sh')], { encoding: 'utf8' }).trim()
const port = await freePort()
const address = `127.0.0.1:${port}`
const server = spawn(bin, ['server', 'start-dev', '--headless', '--port', String(port), '--log-level', 'error'], { stdio: 'ignore' })
let connection
for (let i = 0; ; i++) {
  try {
    connection = await Connection.connect({ address })
    await connection.workflowService.getSystemInfo({})
    break
  } catch (err) {
    if (i > 60) throw err
    await new Promise((r) => setTimeout(r, 500))
  }
}
const client = new Client({ connection })
const bundle = join(dir, 'bundle.js')
writeFileSync(bundle, (await bundleWorkflowCode({ workflowsPath: join(HERE, '..', 'src', 'workflows.js'), logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } })).code)

async function startWorkers() {
  return Promise.all(
    Array.from({ length: WORKERS }, () => {
      const w = spawn(process.execPath, [join(HERE, '..', 'src', 'worker.js'), '--address', address, '--task-queue', TQ, '--workflow-bundle', bundle, '--max-concurrent-activities', String(SLOTS)], {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, EMBGEO_THREADS: String(Math.max(1, Math.floor(cpus().length / WORKERS))) },
      })
      return new Promise((res) => w.stdout.on('data', (b) => String(b).includes('worker ready') && res(w)))
    }),
  )
}

const rows = []
const load0 = loadavg()[0]

// kNN graph
const kx = data(KNN.rows, KNN.cols, 1)
const kpath = join(dir, 'knn.npy')
writeNpySync(kpath, matrix(kx, KNN.cols))
let t = performance.now()
const whole = await knn(await readEmbeddings(kpath), { k: KNN.k })
const single = performance.now() - t
rows.push({ job: `kNN graph ${KNN.rows} × ${KNN.cols}, k = ${KNN.k}`, shards: 'single process', seconds: single / 1000 })
for (const s of SHARDS) {
  const workers = await startWorkers()
  const store = join(dir, `store-knn-${s}`)
  t = performance.now()
  const g = await client.workflow.execute('knnGraph', { taskQueue: TQ, workflowId: `knn-${s}-${Date.now()}`, args: [{ store, prefix: 'g', corpus: { path: kpath }, shards: ranges(KNN.rows, s), blocks: ranges(KNN.rows, s), k: KNN.k, ...IN_FLIGHT }] })
  const secs = (performance.now() - t) / 1000
  const parts = g.blocks.map((key) => deserializeKnnPart(new Uint8Array(readFileSync(join(store, key)))))
  const idx = new Uint32Array(parts.reduce((a, p) => a + p.indices.length, 0))
  parts.reduce((o, p) => (idx.set(p.indices, o), o + p.indices.length), 0)
  if (idx.some((v, i) => v !== whole.indices[i])) throw new Error(`kNN graph with ${s} shards differs from the single-process answer`)
  rows.push({ job: 'kNN graph', shards: s, seconds: secs, overhead: secs / (single / 1000) - 1, storeBytes: dirBytes(store), peakRss: workers.map((w) => peakRss(w.pid)), cpu: workers.map((w) => cpuSeconds(w.pid)) })
  for (const w of workers) w.kill('SIGTERM')
}

// PCA
if (PCAS.rows > 0) {
  const px = data(PCAS.rows, PCAS.cols, 2)
  const ppath = join(dir, 'pca.npy')
  writeNpySync(ppath, matrix(px, PCAS.cols))
  t = performance.now()
  const one = new PCA({ nComponents: 16 }).partialFit(await readEmbeddings(ppath))
  const psingle = performance.now() - t
  rows.push({ job: `PCA ${PCAS.rows} × ${PCAS.cols}`, shards: 'single process', seconds: psingle / 1000 })
  for (const s of PCA_SHARDS) {
    const workers = await startWorkers()
    const store = join(dir, `store-pca-${s}`)
    t = performance.now()
    const r = await client.workflow.execute('pcaFit', { taskQueue: TQ, workflowId: `pca-${s}-${Date.now()}`, args: [{ store, prefix: 'p', corpus: { path: ppath }, shards: ranges(PCAS.rows, s), options: { nComponents: 16 } }] })
    const secs = (performance.now() - t) / 1000
    const m = PCA.deserialize(new Uint8Array(readFileSync(join(store, r.key))))
    // the reference: one process's partialFit of the same shards in the same order (same Chan merges)
    const ref = new PCA({ nComponents: 16 })
    for (const [a, b] of ranges(PCAS.rows, s)) ref.partialFit(matrix(px.subarray(a * PCAS.cols, b * PCAS.cols), PCAS.cols))
    const rel = (a, b) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]) / Math.max(Math.abs(b[i]), 1e-300)))
    if (!(rel(m.explainedVariance, ref.explainedVariance) < 1e-12)) {
      throw new Error(`PCA with ${s} shards differs from one process's partialFit of the same shards`)
    }
    const diff = Math.max(...m.explainedVariance.map((v, i) => Math.abs(v - one.explainedVariance[i]) / one.explainedVariance[i]))
    rows.push({ job: 'PCA vs one partialFit of all rows', shards: s, relativeDiff: diff })
    rows.push({ job: 'PCA', shards: s, seconds: secs, overhead: secs / (psingle / 1000) - 1, storeBytes: dirBytes(store), peakRss: workers.map((w) => peakRss(w.pid)), cpu: workers.map((w) => cpuSeconds(w.pid)) })
    for (const w of workers) w.kill('SIGTERM')
  }
}

await connection.close()
server.kill('SIGTERM')
rmSync(dir, { recursive: true, force: true })

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
const head = `# Scale-out through Temporal vs the single-process API — commit ${commit}, ${new Date().toISOString().slice(0, 10)}, ${cpus()[0].model}, ${cpus().length} cores
Node ${process.version}, Temporal CLI dev server (Server 1.29.1), @temporalio/* 1.24.0; ${WORKERS} worker processes (EMBGEO_THREADS = cores / workers, ${SLOTS} activit${SLOTS === 1 ? 'y' : 'ies'} at a time each), one run; load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end.
The kNN graph runs with query blocks = shards, tiled by blocks: a diagonal \`knnPart\` (symmetric pass) per block and one \`knnCrossPart\` (both directions from one pass) per pair of blocks, i.e. the single process's GEMM work, issued largest first${IN_FLIGHT.inFlight === undefined ? '' : ` with at most ${IN_FLIGHT.inFlight} in flight (\`inFlight\`)`}.
Every Temporal answer was checked first: kNN graph indices bit-identical to the single-process \`knn\`; PCA explained variance to 1e-12 relative of one process's \`partialFit\` of the same shards in the same order (Chan merges of independently computed moments agree to ~1e-16, not bit for bit) (the "vs one partialFit of all rows" lines give the largest relative explained-variance difference to a single partialFit of all rows).
Wall times include reading the file (single process: all of it; workers: their row ranges) and, for Temporal, scheduling, store writes and merges.

| job | shards | seconds | overhead vs single | bytes written to the store | peak RSS per worker | CPU seconds per worker (whole process) |
|---|---|---|---|---|---|---|
`
const md =
  head +
  rows
    .map((r) => r.relativeDiff !== undefined ? `| ${r.job} | ${r.shards} | max rel. diff ${r.relativeDiff.toExponential(1)} | | | | |` : `| ${r.job} | ${r.shards} | ${r.seconds.toFixed(2)} | ${r.overhead === undefined ? '' : `${(100 * r.overhead).toFixed(0)} %`} | ${r.storeBytes === undefined ? '' : `${mb(r.storeBytes)} MB`} | ${r.peakRss === undefined ? '' : r.peakRss.map((b) => `${mb(b)} MB`).join(', ')} | ${r.cpu === undefined ? '' : r.cpu.map((c) => c.toFixed(1)).join(', ')} |`)
    .join('\n') +
  '\n'
writeFileSync(join(ROOT, 'bench', 'results', `${OUT}.md`), md)
writeFileSync(join(ROOT, 'bench', 'results', `${OUT}.json`), JSON.stringify({ rows, load: [load0, loadavg()[0]] }, null, 2) + '\n')
process.stdout.write(md)
