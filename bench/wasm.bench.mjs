#!/usr/bin/env node
// embgeo's WebAssembly binding (wasm32-wasip1-threads, SIMD128) vs the native addon, in Node, in
// one run: kNN 20 000 × 384 (k = 10), TwoNN on the same rows, PCA fit 50 000 × 384 (10
// components), each binding at 1 and 2 threads, each configuration in its own process
// (EMBGEO_FORCE_WASM=1 selects the WebAssembly one). Then the same jobs on the WebAssembly build in
// headless Chromium (bench/browser/, cross-origin isolated, 1 and 2 threads), and in the same tab
// the in-browser peers on fewer rows: druidjs's exact kNN graph (NaiveKNN, with its own
// WebAssembly distance matrix and with it switched off) and ml-pca (pure JS), against embgeo on
// the same rows. Writes bench/results/wasm.md and wasm.json. Not a test: nothing is asserted.
// Other builds may run at the same time on this machine: the load average is recorded with the
// numbers; compare the ratios, measured in the same run.
//
// Setup: npm run build && npm run build:wasm && (cd bench/peers/node && npm ci) &&
//        bash scripts/ensure-chromium.sh.   Run: npm run bench:wasm [-- --quick] [-- --node-only]
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { basename } from 'node:path'

import { buildPage, openPage, serve } from './lib/chromium.mjs'
import { dataset } from './lib/data.mjs'
import { machine, root, stats } from './lib/env.mjs'

const quick = process.argv.includes('--quick')
const REPS = quick ? 1 : 3
const scale = quick ? 0.1 : 1
const KNN = ['G2', Math.round(20000 * scale), 384]
const PCA = ['G3', Math.round(50000 * scale), 384]
// The in-browser peers are 100-1000x slower: they run on the first rows of the same files.
const PEER_KNN_ROWS = Math.round(5000 * scale)
const PEER_PCA_ROWS = Math.round(10000 * scale)
const K = 10
const COMPONENTS = 10

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
    knn: await time(() => e.knn(k, { k: K })),
    twoNN: await time(() => e.twoNN(k)),
    pca: await time(() => new e.PCA({ nComponents: COMPONENTS }).fit(p)),
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

/** The served file of a dataset, its first `rows` rows. */
const served = (spec, rows = spec[1]) => ({ name: basename(dataset(...spec).f32), rows, cols: spec[2] })

/**
 * The Chromium half: per thread count a fresh page runs embgeo's three jobs (the Node sizes) and
 * the peer-sized kNN and PCA; the peers run once, in the one-thread page (they do not use
 * embgeo's pool). Long jobs run `REPS` times without a warm-up, like the Node half; the short
 * peer-sized embgeo jobs get one untimed warm-up; each peer runs once.
 */
async function browser() {
  buildPage()
  const server = await serve()
  const runs = []
  try {
    for (const threads of [1, 2]) {
      const page = await openPage(`${server.origin}/?threads=${threads}`)
      try {
        const info = page.info
        if (!info.crossOriginIsolated) throw new Error('the bench page is not cross-origin isolated')
        const job = async (label, spec) => {
          const r = await page.job(spec)
          runs.push({ label, threads, kind: spec.kind, rows: spec.data.rows, cols: spec.data.cols, ...r, load: loadavg()[0], info })
          console.error(`chromium ${threads}T ${label} ${spec.data.rows} × ${spec.data.cols}: ${r.median.toFixed(3)} s (load ${loadavg()[0].toFixed(2)})`)
        }
        await job('knn', { kind: 'embgeo-knn', data: served(KNN), k: K, reps: REPS, warm: false })
        await job('twoNN', { kind: 'embgeo-twoNN', data: served(KNN), reps: REPS, warm: false })
        await job('pca', { kind: 'embgeo-pca', data: served(PCA), nComponents: COMPONENTS, reps: REPS, warm: false })
        await job('knn-peer-size', { kind: 'embgeo-knn', data: served(KNN, PEER_KNN_ROWS), k: K, reps: 3, warm: true })
        await job('pca-peer-size', { kind: 'embgeo-pca', data: served(PCA, PEER_PCA_ROWS), nComponents: COMPONENTS, reps: 3, warm: true })
        if (threads === 1) {
          await job('druid-knn-wasm', { kind: 'druid-knn', data: served(KNN, PEER_KNN_ROWS), k: K, wasm: true, reps: 1, warm: false })
          await job('druid-knn-js', { kind: 'druid-knn', data: served(KNN, PEER_KNN_ROWS), k: K, wasm: false, reps: 1, warm: false })
          await job('mlpca', { kind: 'mlpca', data: served(PCA, PEER_PCA_ROWS), reps: 1, warm: false })
        }
        if (page.problems.length) throw new Error(`console errors in the bench page: ${page.problems.join('; ')}`)
      } finally {
        await page.close()
      }
    }
  } finally {
    server.close()
  }
  return runs
}

/** Rows (of `rows` × k neighbour indices, row-major) where two kNN answers differ. */
function differingRows(a, b, k) {
  let n = 0
  for (let i = 0; i < a.length; i += k) if (a.slice(i, i + k).some((v, j) => v !== b[i + j])) n++
  return n
}

/** The Chromium section of the report. */
function browserSection(runs, nodeRows) {
  const fmt = (x) => x.toFixed(2)
  const get = (label, threads = 1) => runs.find((r) => r.label === label && r.threads === threads)
  const info = get('knn').info
  const lines = [
    '## Headless Chromium',
    '',
    `${info.userAgent.match(/Chrome\/[\d.]+/)?.[0] ?? info.userAgent}, Debian's /usr/bin/chromium (headless, playwright-core), the page of bench/browser/ built by Vite and served with COOP/COEP headers (crossOriginIsolated: ${info.crossOriginIsolated}), embgeo's WebAssembly build (${info.target}, simd: ${JSON.stringify(info.simd)}). Same datasets and options as the Node half.`,
    '',
    '| job | threads | Chromium WASM (s) | Node WASM (s) | native (s) | Chromium / native | load |',
    '|---|---|---|---|---|---|---|',
  ]
  for (const t of [1, 2]) {
    for (const job of ['knn', 'twoNN', 'pca']) {
      const c = get(job, t)
      const w = nodeRows.find((r) => r.binding === 'wasm' && r.threads === t)[job].median
      const n = nodeRows.find((r) => r.binding === 'native' && r.threads === t)[job].median
      lines.push(`| ${job} | ${t} | ${fmt(c.median)} | ${fmt(w)} | ${fmt(n)} | ${(c.median / n).toFixed(1)}× | ${fmt(c.load)} |`)
    }
  }
  const dw = get('druid-knn-wasm')
  const dj = get('druid-knn-js')
  const ml = get('mlpca')
  const e1 = get('knn-peer-size')
  const e2 = get('knn-peer-size', 2)
  const p1 = get('pca-peer-size')
  const p2 = get('pca-peer-size', 2)
  const relTop = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.abs(b[i])))
  lines.push(
    '',
    `In-browser peers, in the same tab, one run each; embgeo on the same rows (median of 3 after a warm-up). kNN graph: ${e1.rows} × ${e1.cols} (the first rows of the kNN data), k = ${K}, euclidean, every row against all others; druidjs: \`new NaiveKNN(rows)\` then \`search_by_index(i, ${K})\` for every row (its exact kNN API whose distance matrix runs in its own WebAssembly when enabled; \`k_nearest_neighbors\` sorts whole rows and is slower). PCA: fit of ${p1.rows} × ${p1.cols} (the first rows of the PCA data); ml-pca: \`new PCA(rows, { method: 'covarianceMatrix' })\`, all components. The peers take float64 rows (\`Float64Array\` / \`number[]\`), converted from the same f32 data before timing.`,
    '',
    '| job | peer | peer (s) | embgeo 1 thread (s) | embgeo 2 threads (s) | peer / embgeo (1 thread) | peer / embgeo (2 threads) | same answer |',
    '|---|---|---|---|---|---|---|---|',
  )
  for (const [d, name] of [
    [dw, `druidjs ${dw.wasm ? '(its WebAssembly on)' : '(its WebAssembly unavailable: JS)'}`],
    [dj, 'druidjs (WebAssembly off: JS)'],
  ]) {
    const diff = differingRows(d.out, e1.out, K)
    lines.push(`| kNN graph ${d.rows} × ${d.cols} | ${name} | ${fmt(d.median)} | ${e1.median.toFixed(3)} | ${e2.median.toFixed(3)} | ${(d.median / e1.median).toFixed(0)}× | ${(d.median / e2.median).toFixed(0)}× | ${diff === 0 ? 'identical neighbour lists' : `${diff} of ${d.rows} rows differ`} |`)
  }
  lines.push(`| PCA fit ${ml.rows} × ${ml.cols} | ml-pca (JS) | ${fmt(ml.median)} | ${p1.median.toFixed(3)} | ${p2.median.toFixed(3)} | ${(ml.median / p1.median).toFixed(0)}× | ${(ml.median / p2.median).toFixed(0)}× | top-5 variances within ${relTop(ml.out, p1.out).toExponential(1)} relative |`)
  lines.push('')
  return lines
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
  const runs = process.argv.includes('--node-only') ? [] : await browser()
  const m = machine()
  const get = (b, t) => rows.find((r) => r.binding === b && r.threads === t)
  const fmt = (x) => x.toFixed(2)
  const lines = [
    '# WebAssembly vs native (Node), and in Chromium vs the in-browser peers',
    '',
    `${m.date}, ${m.cpu} (${m.cores} cores), Node ${m.node}, ${m.rustc}, commit ${m.commit}.`,
    `Load average (1 min) at the start ${load0.map(fmt).join(' / ')}; each row records the load when it finished (other work on this machine makes absolute times noisy): compare the ratios (same run).`,
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
  if (runs.length) lines.push(...browserSection(runs, rows))
  const md = lines.join('\n')
  writeFileSync(`${root}bench/results/wasm${quick ? '-quick' : ''}.md`, md)
  writeFileSync(`${root}bench/results/wasm${quick ? '-quick' : ''}.json`, JSON.stringify({ machine: m, load0, rows, chromium: runs.map(({ out, info, ...r }) => r), chromiumInfo: runs[0]?.info }, null, 2))
  console.log(md)
}

await main()
