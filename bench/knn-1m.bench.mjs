#!/usr/bin/env node
// The memory bound of issue 3 at full size: an exact all-points kNN graph of N = 1,000,000 rows
// × d = 128 (G1 isotropic Gaussian, f32, k = 10, euclidean) through the public async API, with
// the process's peak RSS (getrusage maxRSS, which includes the 512 MB input and the outputs).
// Writes bench/results/knn-1m.md and .json. Not a test: nothing is asserted. Takes ~15-30 min
// on 2 cores. Run: npm run build:ts && node bench/knn-1m.bench.mjs [--n 1000000]
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'

import { dataset } from './lib/data.mjs'
import { machine, root } from './lib/env.mjs'

const { knn, versions } = await import(`${root}dist/index.js`)

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? Number(process.argv[i + 1]) : fallback
}
const N = arg('--n', 1_000_000)
const D = 128
const K = 10
const MiB = 2 ** 20

const X = dataset('G1', N, D)
const before = process.resourceUsage().maxRSS * 1024
const load0 = loadavg()
let lastPrint = 0
const t0 = performance.now()
const r = await knn(X, {
  k: K,
  onProgress: (p) => {
    const now = performance.now()
    if (now - lastPrint > 60_000) {
      lastPrint = now
      console.error(`${((now - t0) / 1000).toFixed(0)} s: ${p.phase} ${p.completed}/${p.total}, RSS ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB`)
    }
  },
})
const seconds = (performance.now() - t0) / 1000
const peak = process.resourceUsage().maxRSS * 1024
const load1 = loadavg()
const inputBytes = N * D * 4
const outputBytes = r.indices.byteLength + r.distances.byteLength
// The symmetric pass computes each unordered pair's dot product once: N²/2 pairs × d multiply-adds = N²·d flops.
const flops = N * N * D
const result = {
  machine: machine(),
  versions: versions(),
  n: N,
  d: D,
  k: K,
  seconds,
  gflops: flops / seconds / 1e9,
  peakRssBytes: peak,
  rssBeforeBytes: before,
  inputBytes,
  outputBytes,
  loadavg: { start: load0, end: load1 },
  // the path the engine took (auto): screening precision, tile kernel, candidate inflation
  path: { precision: r.precision, kernel: r.kernel, inflation: r.inflation },
}
function pathText({ precision, kernel, inflation }) {
  if (precision === undefined) return 'not reported'
  const infl = typeof inflation === 'number' ? `, candidate inflation ${inflation.toFixed(2)}` : ''
  return `${precision} screening on ${kernel}${infl}`
}
writeFileSync(`${root}bench/results/knn-1m.json`, JSON.stringify(result, null, 2) + '\n')
const md = `# Exact all-points kNN at N = ${N.toLocaleString('en')} × d = ${D}, k = ${K} — memory bound

${result.machine.date.slice(0, 10)}, ${result.machine.cpu}, ${result.versions.threads} threads, commit ${result.machine.commit}; path taken (\`precision: 'auto'\`): ${pathText(result.path)} (the fp32 kernel of this CPU: ${result.versions.knnKernel}).
Load average (1/5/15 min) ${load0.map((v) => v.toFixed(2)).join(' / ')} at the start, ${load1.map((v) => v.toFixed(2)).join(' / ')} at the end${load0[0] > 1.5 ? ' — **the machine was shared with other jobs; the time is not a speed measurement**' : ''}.

| measure | value |
|---|---|
| data | G1 isotropic Gaussian, f32, seeded (bench/lib/data.mjs) |
| wall time | ${seconds.toFixed(1)} s (${result.gflops.toFixed(1)} GFLOP/s, counting the symmetric pass's N²/2 pairs × d multiply-adds as N²·d flops) |
| **process peak RSS** | **${(peak / MiB).toFixed(0)} MiB** (limit in issue 3: 8 GiB = 8192 MiB) |
| RSS before the call (input loaded) | ${(before / MiB).toFixed(0)} MiB |
| input | ${(inputBytes / MiB).toFixed(0)} MiB (copied once by the async call) |
| outputs (indices u32 + distances f32) | ${(outputBytes / MiB).toFixed(0)} MiB |

Peak RSS includes Node itself, the input (twice: the caller's and the async job's copy) and the
outputs; the engine's own scratch is bounded by \`embgeo_knn::search_scratch\` (tiles and per-row
top-k state, independent of N² — no N × N buffer), as the counting-allocator test
\`crates/knn/tests/memory_bound.rs\` checks at small sizes.

Reproduce: \`npm run build:ts && node bench/knn-1m.bench.mjs\`.
`
writeFileSync(`${root}bench/results/knn-1m.md`, md)
console.log(md)
