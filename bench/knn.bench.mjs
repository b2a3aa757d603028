#!/usr/bin/env node
// Exact kNN, embgeo vs faiss-cpu, scikit-learn (PyPI, .venv-ref) and usearch, hnswlib-node
// (npm, bench/peers/node), in one run, sequentially, each implementation in its own process.
// Writes bench/results/knn.md and knn.json (NAME.md and NAME.json with `--name`). Not a test: nothing is asserted.
//
// Setup once: bash scripts/reference/setup.sh && .venv-ref/bin/pip install faiss-cpu==1.15.1
//             (cd bench/peers/node && npm ci) && npm run build
// Run: npm run bench:knn [-- --quick] [-- --only id,id --name NAME]: `--name` writes
// bench/results/NAME.md and NAME.json instead (a partial run beside the full report).
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'

import { dataset } from './lib/data.mjs'
import { machine, probe, python, pythonEnv, quiet, root, stats, work } from './lib/env.mjs'

const quick = process.argv.includes('--quick')
const THREADS = 2
const scale = quick ? 0.1 : 1

const cases = [
  { id: 'g2-20k-384-k10', title: 'all-pairs, G2 20 000 × 384, k = 10, euclidean', data: ['G2', 20000, 384], k: 10, metric: 'euclidean' },
  { id: 'g2-20k-384-k100', title: 'all-pairs, G2 20 000 × 384, k = 100, euclidean', data: ['G2', 20000, 384], k: 100, metric: 'euclidean' },
  { id: 'g2-100k-32-k10', title: 'all-pairs, G2 100 000 × 32, k = 10, euclidean', data: ['G2', 100000, 32], k: 10, metric: 'euclidean' },
  { id: 'g3-50k-768-cos', title: 'all-pairs, G3 50 000 × 768, k = 10, cosine', data: ['G3', 50000, 768], k: 10, metric: 'cosine' },
  { id: 'g3-50k-768-dot', title: 'all-pairs, G3 50 000 × 768, k = 10, dot', data: ['G3', 50000, 768], k: 10, metric: 'dot' },
  { id: 'g1-1m-128-q100', title: '100 queries vs G1 1 000 000 × 128, k = 10, euclidean', data: ['G1', 1000000, 128], queries: ['G1', 100, 128], k: 10, metric: 'euclidean' },
]

function run(cmd, argv, env = {}) {
  const out = execFileSync(cmd, argv, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, ...pythonEnv(THREADS), ...env },
    timeout: 60 * 60 * 1000,
  })
  return JSON.parse(out.trim().split('\n').pop())
}

function readU32(path) {
  const b = readFileSync(path)
  return new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4)
}

/** Fraction of the reference's neighbour sets found (recall@k), over the rows both have. */
function agreement(ref, got, k) {
  const rows = Math.min(ref.length, got.length) / k
  let hit = 0
  for (let i = 0; i < rows; i++) {
    const s = new Set(ref.subarray(i * k, (i + 1) * k))
    for (let t = 0; t < k; t++) if (s.has(got[i * k + t])) hit++
  }
  return hit / (rows * k)
}

const renderOnly = process.argv.includes('--render-only')
// `--only id,id`: run only these cases (the report then holds only them)
const onlyArg = process.argv.indexOf('--only')
const only = onlyArg > 0 ? process.argv[onlyArg + 1].split(',') : undefined
const nameArg = process.argv.indexOf('--name')
const name = nameArg > 0 ? process.argv[nameArg + 1] : 'knn'
const env = renderOnly ? undefined : machine()
const load0 = renderOnly ? 0 : await quiet(0.5, quick ? 5 : 180)
const peak = renderOnly ? undefined : probe(THREADS)
if (!renderOnly) console.log(`machine: ${env.cpu}, probe ${JSON.stringify(peak)}, load ${load0.toFixed(2)}`)
const results = []
for (const c of renderOnly ? [] : cases.filter((c) => only === undefined || only.includes(c.id))) {
  const [kind, n0, d] = c.data
  const n = Math.max(200, Math.round(n0 * scale))
  const X = dataset(kind, n, d)
  const Q = c.queries ? dataset(c.queries[0], c.queries[1], c.queries[2], 7) : undefined
  const nq = Q ? Q.rows : n
  const flop = 2 * nq * n * d
  const bytes = n * d * 4
  const memoryBound = Q !== undefined && nq < 20
  const runs = flop > 2e12 ? 3 : 5
  const common = ['--cols', String(d), '--k', String(c.k), '--metric', c.metric, '--threads', String(THREADS)]
  const data = ['--data', X.f32, ...(Q ? ['--queries', Q.f32] : [])]
  const rows = []
  const load = loadavg()[0]
  console.log(`\n${c.title} (n = ${n}${quick ? ', quick' : ''})`)

  const ours = run(process.execPath, [`${root}bench/runners/embgeo-knn.mjs`, ...data, ...common, '--runs', String(runs), '--out', `${work}${c.id}.embgeo.u32`])
  const ref = readU32(`${work}${c.id}.embgeo.u32`)
  rows.push({ impl: 'embgeo', ...stats(ours.times), rss: ours.maxRssMiB, recall: 1, path: ours })
  // When `auto` screened the f32 rows on other units (split-bf16 on AMX), the fp32 path too:
  // the same answer, so the gain of the choice is measured in the same run.
  if (ours.precision !== 'fp32') {
    const f = run(process.execPath, [`${root}bench/runners/embgeo-knn.mjs`, ...data, ...common, '--precision', 'fp32', '--runs', String(runs), '--out', `${work}${c.id}.embgeo-fp32.u32`])
    rows.push({ impl: "embgeo, precision 'fp32'", ...stats(f.times), rss: f.maxRssMiB, recall: agreement(ref, readU32(`${work}${c.id}.embgeo-fp32.u32`), c.k), path: f })
  }
  // Searches of a corpus by a few queries read the corpus once: the async call's copy of it is
  // a pass of its own, which `copy: false` skips (same answer).
  if (Q !== undefined) {
    const r = run(process.execPath, [`${root}bench/runners/embgeo-knn.mjs`, ...data, ...common, '--copy', 'false', '--runs', String(runs), '--out', `${work}${c.id}.embgeo-nocopy.u32`])
    rows.push({ impl: 'embgeo, copy: false', ...stats(r.times), rss: r.maxRssMiB, recall: agreement(ref, readU32(`${work}${c.id}.embgeo-nocopy.u32`), c.k), path: r })
    // A KnnIndex holds the corpus and its row statistics: its searches skip that pass (timed:
    // the search only, the index built once before the runs).
    const x = run(process.execPath, [`${root}bench/runners/embgeo-knn.mjs`, ...data, ...common, '--index', 'true', '--runs', String(runs), '--out', `${work}${c.id}.embgeo-index.u32`])
    rows.push({ impl: 'embgeo, KnnIndex.search', ...stats(x.times), rss: x.maxRssMiB, recall: agreement(ref, readU32(`${work}${c.id}.embgeo-index.u32`), c.k), path: x })
  }
  // Low-precision inputs (issue 12): the same data as bf16 and as int8 values, searched exactly;
  // recall is against the f32 answer (other values, so other neighbours near ties).
  for (const dtype of c.metric === 'cosine' ? [] : ['bf16', 'i8']) {
    const r = run(process.execPath, [`${root}bench/runners/embgeo-knn.mjs`, ...data, ...common, '--dtype', dtype, '--runs', String(runs), '--out', `${work}${c.id}.embgeo-${dtype}.u32`])
    rows.push({ impl: `embgeo, ${dtype} input`, ...stats(r.times), rss: r.maxRssMiB, recall: agreement(ref, readU32(`${work}${c.id}.embgeo-${dtype}.u32`), c.k), path: r })
    // the issue's roofline target names the bf16 input too: an index of the low-precision rows
    if (Q !== undefined) {
      const x = run(process.execPath, [`${root}bench/runners/embgeo-knn.mjs`, ...data, ...common, '--dtype', dtype, '--index', 'true', '--runs', String(runs), '--out', `${work}${c.id}.embgeo-index-${dtype}.u32`])
      rows.push({ impl: `embgeo, KnnIndex.search, ${dtype} input`, ...stats(x.times), rss: x.maxRssMiB, recall: agreement(ref, readU32(`${work}${c.id}.embgeo-index-${dtype}.u32`), c.k), path: x })
    }
  }

  if (existsSync(python)) {
    for (const peer of ['faiss', 'sklearn']) {
      // scikit-learn's cosine path (argpartition over dense chunks) needs minutes per run on
      // the 50k × 768 cases; it is measured once there.
      const peerRuns = peer === 'sklearn' && flop > 2e12 ? 1 : runs
      const npz = `${work}${c.id}.${peer}.npz`
      const qa = Q ? ['--queries', Q.npy] : []
      try {
        const r = run(python, [`${root}bench/peers/knn_peers.py`, X.npy, ...qa, '--k', String(c.k), '--metric', c.metric, '--threads', String(THREADS), '--runs', String(peerRuns), '--peers', peer, '--indices-out', npz])
        const p = r.peers[peer]
        const version = r.env.versions[peer === 'faiss' ? 'faiss' : 'sklearn'] ?? ''
        if (!p || p.skipped) {
          rows.push({ impl: `${peer} ${version}`, skipped: p?.skipped ?? 'no result' })
          continue
        }
        execFileSync(python, ['-c', `import numpy as np; z = np.load('${npz}'); z['${peer}_indices'].astype('<u4').tofile('${work}${c.id}.${peer}.u32')`])
        const got = readU32(`${work}${c.id}.${peer}.u32`)
        rows.push({ impl: `${peer} ${version}`, median: p.median_s, min: p.min_s, runs: peerRuns, rss: r.env.max_rss_mb, recall: agreement(ref, got, c.k) })
      } catch (err) {
        rows.push({ impl: peer, skipped: `failed: ${String(err.message).split('\n')[0]}` })
      }
    }
  }
  if (existsSync(`${root}bench/peers/node/node_modules/usearch`)) {
    const maxQ = Math.min(nq, flop > 2e12 ? 2000 : 5000)
    const r = run(process.execPath, [`${root}bench/runners/usearch-knn.mjs`, ...data, ...common, '--runs', '1', '--maxQueries', String(maxQ), '--out', `${work}${c.id}.usearch.u32`])
    const f = nq / r.queriesTimed
    rows.push({ impl: `usearch exactSearch${f > 1 ? ` (${r.queriesTimed} queries, ×${f.toFixed(1)})` : ''}`, ...scaled(stats(r.times), f), rss: r.maxRssMiB, recall: agreement(ref, readU32(`${work}${c.id}.usearch.u32`), c.k) })
    const maxH = Math.min(nq, 500)
    const h = run(process.execPath, [`${root}bench/runners/hnswlib-knn.mjs`, ...data, ...common, '--runs', '1', '--maxQueries', String(maxH), '--out', `${work}${c.id}.hnswlib.u32`])
    const fh = nq / h.queriesTimed
    rows.push({ impl: `hnswlib-node BruteforceSearch (1 thread${fh > 1 ? `, ${h.queriesTimed} queries, ×${fh.toFixed(1)}` : ''})`, ...scaled(stats(h.times), fh), rss: h.maxRssMiB, recall: agreement(ref, readU32(`${work}${c.id}.hnswlib.u32`), c.k) })
  }
  for (const r of rows) if (r.median) r.rate = memoryBound ? bytes / r.median / 1e9 : flop / r.median / 1e9
  const entry = { ...c, n, nq, d, flop, memoryBound, load, loadAfter: loadavg()[0], rows }
  results.push(entry)
  for (const r of rows) console.log(`  ${r.impl}: ${r.skipped ?? `${r.median.toFixed(3)} s`}`)
}

function scaled(s, f) {
  return { median: s.median * f, min: s.min * f, runs: s.runs }
}

if (renderOnly) {
  // Re-render bench/results/knn.md from knn.json with the best of the probes recorded plus
  // fresh ones (a probe taken while the machine was busy understates the peak).
  const saved = JSON.parse(readFileSync(`${root}bench/results/${name}.json`, 'utf8'))
  const probes = [...(saved.probes ?? [saved.peak]), probe(THREADS), probe(THREADS), probe(THREADS)]
  render(saved.env, probes, saved.results)
} else {
  const probes = [peak, probe(THREADS)]
  writeFileSync(`${root}bench/results/${name}.json`, JSON.stringify({ env, probes, results }, null, 2))
  render(env, probes, results)
}

function render(env, probes, results) {
const peakG = Math.max(...probes.map((p) => p.fma_gflops))
const peakB = Math.max(0, ...probes.map((p) => p.bf16_gflops ?? 0))
const peakAmxB = Math.max(0, ...probes.map((p) => p.amx_bf16_gflops ?? 0))
const peakAmxI = Math.max(0, ...probes.map((p) => p.amx_int8_gops ?? 0))
const peakI16 = Math.max(0, ...probes.map((p) => p.i16_gops ?? 0))
const peakVnni16 = Math.max(0, ...probes.map((p) => p.vnni16_gops ?? 0))
// the peak of the unit a run screened on: AMX tiles, AVX512-BF16, AVX512-VNNI or AVX2 int16
// multiply-adds, or FP32 FMA (int8 on VNNI and fp32)
const unitPeakOf = (path) =>
  path?.kernel === 'amx-bf16' && peakAmxB > 0 ? peakAmxB
  : path?.kernel === 'amx-int8' && peakAmxI > 0 ? peakAmxI
  : path?.precision === 'bf16' && peakB > 0 ? peakB
  : path?.kernel === 'avx512vnni-int16' && peakVnni16 > 0 ? peakVnni16
  : path?.precision === 'int16' && peakI16 > 0 ? peakI16
  : peakG
const bw = Math.max(...probes.map((p) => p.bandwidth_gbs))
const lines = [
  `# Exact kNN — commit ${env.commit}, ${env.date.slice(0, 10)}, ${env.cpu}, ${THREADS} threads`,
  '',
  `Node ${env.node}, ${env.rustc}; peers: faiss-cpu and scikit-learn from PyPI (.venv-ref), usearch 2.26.2 and hnswlib-node 3.0.0 from npm. ` +
    `Machine limits: FP32 FMA peak ${peakG} GFLOP/s, DRAM read ${bw} GB/s — the best of ${probes.length} runs of bench/probe/peak.c around this run ` +
    `(probes: ${probes.map((p) => p.fma_gflops).join(', ')} GFLOP/s; a probe that shares the CPU with other work reads low)` +
    (peakB > 0 ? `; bf16 dot-product peak (AVX512-BF16 vdpbf16ps, 12 chains per thread) ${peakB} GFLOP/s` : '') +
    (peakI16 > 0 ? `; int16 multiply-add peak (AVX2 vpmaddwd + vpaddd, 6 chains per thread, 2 ops per multiply-add) ${peakI16} GOP/s` : '') +
    (peakVnni16 > 0 ? `; AVX512-VNNI int16 peak (vpdpwssd zmm, 12 chains per thread) ${peakVnni16} GOP/s` : '') +
    (peakAmxB > 0 ? `; AMX tile peaks (four accumulator tiles, operands loaded once) ${peakAmxB} GFLOP/s bf16 (tdpbf16ps), ${peakAmxI} GOP/s int8 (tdpbssd)` : '') +
    '. ' +
    `Median of 5 runs (3 above 2 TFLOP of work) after a warm-up; each implementation in its own process, one after another; ` +
    `OMP_WAIT_POLICY=PASSIVE for the Python peers, and OPENBLAS_CORETYPE=SkylakeX on AVX-512 CPUs (the wheels' OpenBLAS does not recognise this CPU and otherwise runs a generic kernel several times slower). Data: performance.md §9.1 generators (bench/lib/data.mjs), seed 42.` +
    (quick ? ' **Quick mode: sizes scaled by 0.1, not comparable.**' : ''),
  '',
]
for (const e of results) {
  const ours = e.rows[0]
  lines.push(`## ${e.title}`, '', `n = ${e.n}, queries = ${e.nq}; load average ${e.load.toFixed(2)} before, ${e.loadAfter.toFixed(2)} after.`, '')
  lines.push(`| impl | seconds (median) | min | vs embgeo | ${e.memoryBound ? 'GB/s | % of DRAM bandwidth' : 'GFLOP/s | % of the screening unit peak (FP32 FMA; AVX512-BF16 or AMX for bf16 and int8 runs on them, the int16 peak for int16 runs)'} | peak RSS MiB | recall@k vs embgeo | embgeo path: precision, kernel, inflation |`)
  lines.push('|---|---|---|---|---|---|---|---|---|')
  for (const r of e.rows) {
    if (r.skipped) {
      lines.push(`| ${r.impl} | ${r.skipped} | | | | | | | |`)
      continue
    }
    // KnnIndex.search reports its path since f86492d's successor; runs before it did not: then it
    // entered the engine where `knn` does (same `auto` choice)
    const indexRow = r.impl.includes('KnnIndex') && !r.path?.precision
    const rp = indexRow ? ours.path : r.path
    const unitPeak = unitPeakOf(rp)
    const pct = e.memoryBound ? (100 * r.rate) / bw : (100 * r.rate) / unitPeak
    const path = indexRow ? '(as embgeo; not reported)' : r.path?.precision ? `${r.path.precision}, ${r.path.kernel}, ${r.path.inflation?.toFixed(2)}` : ''
    lines.push(
      `| ${r.impl} | ${r.median.toFixed(3)} | ${r.min.toFixed(3)} | ${(r.median / ours.median).toFixed(2)}× | ${r.rate.toFixed(1)} | ${pct.toFixed(0)} % | ${r.rss ? Math.round(r.rss) : ''} | ${r.recall.toFixed(4)} | ${path} |`,
    )
  }
  if (e.nq < e.n) {
    // the shape's roofline: the corpus read once from DRAM (at the row's bytes per value), or
    // the products at the peak of the unit the row ran on
    const roofOf = (r, valueBytes) =>
      Math.max(((e.n + e.nq) * e.d * valueBytes) / (bw * 1e9), (2 * e.nq * e.n * e.d) / (unitPeakOf(r.path ?? ours.path) * 1e9))
    const bytes = (e.n + e.nq) * e.d * 4
    const roof = roofOf(ours, 4)
    const of = (impl) => e.rows.find((r) => r.impl === impl)
    // the bytes per value the row's tiles read: bf16 and int8 inputs, and an index's int16 copy
    const valueBytes = (impl) =>
      impl.includes('bf16 input') || of(impl).path?.precision === 'int16' ? 2 : impl.includes('i8 input') ? 1 : 4
    const rel = ['embgeo', 'embgeo, copy: false', 'embgeo, KnnIndex.search', 'embgeo, KnnIndex.search, bf16 input', 'embgeo, KnnIndex.search, i8 input']
      .filter((impl) => of(impl) && !of(impl).skipped)
      .map((impl) => `${impl} ${(of(impl).median / roofOf(of(impl), valueBytes(impl))).toFixed(2)}×`)
    lines.push(
      `Roofline of this shape: max(${(bytes / 1e6).toFixed(0)} MB of f32 rows / ${bw} GB/s, products / unit peak) = ${roof.toFixed(4)} s (bf16 and int8 rows, and rows screened on an index's int16 copy: 2, 1 and 2 bytes per value, each row against the peak of the unit it ran on); median time over its roofline: ${rel.join(', ')}.`,
      '',
    )
  }
  lines.push('')
}
lines.push(
  'f32 data under `auto` on AMX screens on the tiles in one of three ways (docs/exact-screening.md): all points through split-bf16 copies (each value as bf16 hi + lo, three bf16 products per value pair: the tiles execute 3× the FLOPs counted here, so the % of the AMX peak reads a third of the tiles\' use), or in one bf16 pass where n·d ≥ 50,000·k (margins from the rows\' measured rounding residuals; the G2 and G3 all-points cases); queries (more than 16, against 10,000 rows or more) in one bf16 pass, the corpus rounded block by block as the search streams through it. The row "embgeo, precision \'fp32\'" is the fp32 path on the same data in the same run, for the gain of that choice.',
  '',
  'Inflation = exact f64 re-rankings per result slot (candidates that survived the screening, per row and k; docs/exact-screening.md). bf16 and int8 inputs are the f32 data rounded to bf16 or quantised to int8 (one scale): embgeo answers them exactly, so their recall against the f32 answer measures the data change, not an approximation.',
  '',
)
lines.push('"vs embgeo" > 1 means slower than embgeo. Recall below 1 for a peer means it returned other neighbours than the exact ones (ties, rounding of the norms identity, or approximation).', '')
lines.push(
  "GFLOP/s counts the full 2·nq·nb·d of the brute-force product, as faiss does; embgeo's all-points pass computes each pair of row blocks once (symmetry), so it executes about half of those FLOPs, and its all-points rates can exceed the FMA peak.",
  '',
)
if (results.some((e) => e.rows.some((r) => /usearch/.test(r.impl) && r.recall < 0.99))) {
  lines.push(
    "usearch recall below 1 in the all-points cases is a harness artefact of this run, not a usearch result: its exactSearch ignores the byteOffset of a typed-array view (performance.md §2.2), and the runner passed views for query batches 2 and later, so those batches searched the first rows again. The work timed is the same; bench/runners/usearch-knn.mjs now copies each batch.",
    '',
  )
}
if (!quick) writeFileSync(`${root}bench/results/${name}.md`, lines.join('\n'))
console.log(lines.join('\n'))
}
