#!/usr/bin/env node
// embgeo's WebAssembly binding (wasm32-wasip1-threads, SIMD128) vs the native addon, in Node, in
// one run: kNN 20 000 × 384 (k = 10), TwoNN on the same rows, PCA fit 50 000 × 384 (10
// components), each binding at 1 and 2 threads, each configuration in its own process
// (EMBGEO_FORCE_WASM=1 selects the WebAssembly one). Writes bench/results/wasm.md and wasm.json.
// Not a test: nothing is asserted. Other builds may run at the same time on this machine: the load
// average is recorded with the numbers; compare the ratios, measured in the same run.
//
// Setup: npm run build && npm run build:wasm.  Run: npm run bench:wasm [-- --quick]
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'

import { dataset } from './lib/data.mjs'
import { machine, root, stats } from './lib/env.mjs'

const quick = process.argv.includes('--quick')
const REPS = quick ? 1 : 3
const scale = quick ? 0.1 : 1
const KNN = ['G2', Math.round(20000 * scale), 384]
const PCA = ['G3', Math.round(50000 * scale), 384]

/** Child: time the three jobs on the binding this process loaded; print one JSON line. */
async function child(threads) {
  const e = await import(`${root}dist/index.js`)
  e.setThreads(threads)
  const v = e.versions()
  const time = async (f) => {
    const t = []
    for (let i = 0; i < REPS; i++) {
      const t0 = performance.now()
      await f()
      t.push((performance.now() - t0) / 1000)
    }
    return stats(t)
  }
  const k = dataset(...KNN)
  const p = dataset(...PCA)
  const out = {
    target: v.target,
    threads: v.threads,
    simd: v.simd,
    knn: await time(() => e.knn(k, { k: 10 })),
    twoNN: await time(() => e.twoNN(k)),
    pca: await time(() => new e.PCA({ nComponents: 10 }).fit(p)),
  }
  console.log(JSON.stringify(out))
}

function run(wasm, threads) {
  const env = { ...process.env }
  delete env.EMBGEO_FORCE_WASM
  if (wasm) env.EMBGEO_FORCE_WASM = '1'
  const out = execFileSync(process.execPath, ['--no-warnings', new URL(import.meta.url).pathname, '--child', String(threads), ...(quick ? ['--quick'] : [])], {
    cwd: root,
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 24,
  })
  return JSON.parse(out.trim().split('\n').pop())
}

async function main() {
  const i = process.argv.indexOf('--child')
  if (i >= 0) return child(Number(process.argv[i + 1]))
  const load0 = loadavg()
  const rows = []
  for (const threads of [1, 2]) {
    for (const wasm of [false, true]) {
      const r = run(wasm, threads)
      rows.push({ binding: wasm ? 'wasm' : 'native', ...r, load: loadavg()[0] })
      console.error(`${wasm ? 'wasm  ' : 'native'} ${threads}T: kNN ${r.knn.median.toFixed(2)} s, TwoNN ${r.twoNN.median.toFixed(2)} s, PCA ${r.pca.median.toFixed(2)} s (load ${loadavg()[0].toFixed(2)})`)
    }
  }
  const m = machine()
  const get = (b, t) => rows.find((r) => r.binding === b && r.threads === t)
  const fmt = (x) => x.toFixed(2)
  const lines = [
    '# WebAssembly vs native (Node)',
    '',
    `${m.date}, ${m.cpu} (${m.cores} cores), Node ${m.node}, ${m.rustc}, commit ${m.commit}.`,
    `Load average (1 min) at the start ${load0.map(fmt).join(' / ')}; other builds were running on this machine, so absolute times are noisy: compare the ratios (same run).`,
    `Median of ${REPS} run(s). kNN: ${KNN[1]} × ${KNN[2]} (${KNN[0]}), k = 10, euclidean. TwoNN: the same rows. PCA: fit of ${PCA[1]} × ${PCA[2]} (${PCA[0]}), 10 components.`,
    `WebAssembly: wasm32-wasip1-threads + SIMD128 (simd: ${JSON.stringify(get('wasm', 1).simd)}), cargo profile \`wasm\` (opt-level 3, no LTO); native: ${get('native', 1).target} (simd: ${get('native', 1).simd.join(', ')}) as built in this checkout.`,
    '',
    '| job | threads | native (s) | WASM (s) | WASM / native | load |',
    '|---|---|---|---|---|---|',
  ]
  for (const t of [1, 2]) {
    for (const job of ['knn', 'twoNN', 'pca']) {
      const n = get('native', t)[job].median
      const w = get('wasm', t)[job].median
      lines.push(`| ${job} | ${t} | ${fmt(n)} | ${fmt(w)} | ${(w / n).toFixed(1)}× | ${fmt(get('wasm', t).load)} |`)
    }
  }
  lines.push('')
  const md = lines.join('\n')
  writeFileSync(`${root}bench/results/wasm${quick ? '-quick' : ''}.md`, md)
  writeFileSync(`${root}bench/results/wasm${quick ? '-quick' : ''}.json`, JSON.stringify({ machine: m, load0, rows }, null, 2))
  console.log(md)
}

await main()
