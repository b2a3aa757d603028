#!/usr/bin/env node
// Comparing representations: embgeo vs numpy / DADApy references (bench/peers/compare_peers.py,
// .venv-ref), in one run, sequentially, each (implementation, measure) in its own child process,
// on the same seeded data (two representations of the same items, generated once by the peer
// script). Linear and debiased CKA, Procrustes and CCA on 50 000 × 768 vs 50 000 × 1024 f32;
// mutual kNN on 20 000 × 384 vs 20 000 × 768; information imbalance on the same 20 000 rows.
// CKA and Procrustes are also put against their GEMM floor: 2·N·d_A·d_B FLOPs (the cross
// product Aᵀ B) at the FP32 FMA peak measured in this run (bench/probe/peak.c).
// Last row: compare()'s default measures (embgeo only, in the same run): compare() on the 50 000-row
// pair with the linear ones (one shared native call) plus compare() on the 20 000-row pair with
// mutual kNN and information imbalance; its reference is the sum of the peer rows above.
// Writes bench/results/compare.md and compare.json (--quick: smaller sizes, into .tmp/bench/).
// Not a test: nothing is asserted.
//
// Setup once: bash scripts/reference/setup.sh; npm run build
// Run: npm run bench:compare [-- --quick] [--budget-min 30]
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'

import { machine, probe, python, pythonEnv, quiet, root, stats, work } from './lib/env.mjs'

const quick = process.argv.includes('--quick')
const THREADS = 2
const budgetArg = process.argv.indexOf('--budget-min')
const budgetS = 60 * (budgetArg > 0 ? Number(process.argv[budgetArg + 1]) : quick ? 5 : 40)
const CAP_S = quick ? 180 : 900
const runner = `${root}bench/runners/embgeo-compare.mjs`
const peers = `${root}bench/peers/compare_peers.py`

const LABEL = {
  cka: 'linear CKA',
  ckaDebiased: 'debiased CKA (unbiased HSIC)',
  procrustes: 'Procrustes, angular (α = 1, no rotation)',
  cca: 'CCA, mean correlation',
  mutualKnn: 'mutual kNN (k = 10, cosine)',
  informationImbalance: 'information imbalance (k = 1)',
  compareDefault: 'compare() default measures (the rows above + linearity)',
}
const PEER = {
  cka: 'numpy (Kornblith et al. 2019, feature space)',
  ckaDebiased: 'numpy (Song et al. 2012 unbiased HSIC, feature space)',
  procrustes: 'numpy (netrep LinearMetric definition, singular values only)',
  cca: 'numpy (SVCCA cca_core definition)',
  mutualKnn: 'numpy (platonic-rep mutual_knn)',
  informationImbalance: 'DADApy 0.3.4 (default maxk)',
}
/** Measures whose floor is the cross product Aᵀ B. */
const GEMM = new Set(['cka', 'ckaDebiased', 'procrustes'])
const BIG = quick ? [5000, 768, 1024] : [50000, 768, 1024]
const KNN = quick ? [2000, 384, 768] : [20000, 384, 768]
const CASES = [
  ...['cka', 'ckaDebiased', 'procrustes', 'cca'].map((m) => [m, BIG]),
  ['mutualKnn', KNN],
  ['informationImbalance', KNN],
  ['compareDefault', BIG],
]
/** compareDefault's measures with a peer row (linearity has none: embgeo's time includes it, the reference does not). */
const PEERED = ['cka', 'ckaDebiased', 'procrustes', 'cca', 'mutualKnn', 'informationImbalance']

const env = machine()
const childEnv = { ...process.env, ...pythonEnv(THREADS), RAYON_NUM_THREADS: String(THREADS) }
let pyVersions = {}
try {
  pyVersions = JSON.parse(execFileSync(python, ['-c', 'import json, numpy, importlib.metadata as m; print(json.dumps({"numpy": numpy.__version__, **{p: m.version(p) for p in ["dadapy", "scipy"]}}))'], { encoding: 'utf8' }))
} catch {
  pyVersions = { error: 'no .venv-ref' }
}
const load0 = await quiet(0.5, quick ? 1 : 60)
const loadStart = loadavg()
const probes = [probe(THREADS)]
console.log(`machine: ${env.cpu}, probe ${JSON.stringify(probes[0])}, load ${loadStart.map((x) => x.toFixed(2)).join(' ')}; budget ${budgetS} s`)
const t0 = Date.now()
const left = () => budgetS - (Date.now() - t0) / 1000

/** The two data files of a size, generated once (seeded) by the peer script. */
function data([n, da, db]) {
  const prefix = `${work}compare-${n}-${da}x${db}`
  if (!existsSync(`${prefix}-B.f32`)) execFileSync(python, [peers, '--make-data', prefix, '--n', String(n), '--da', String(da), '--db', String(db)], { stdio: 'inherit', env: childEnv })
  return { prefix, n, da, db }
}

function runChild(cmd, argv, timeoutS) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26, env: childEnv, timeout: Math.round(timeoutS * 1000), killSignal: 'SIGKILL' })
  if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL') return { skipped: `timed out: killed after ${Math.round(timeoutS)} s` }
  if (r.status !== 0) return { skipped: `failed (${r.status}: ${(r.stderr || '').trim().split('\n').pop()})` }
  const out = JSON.parse(r.stdout.trim().split('\n').pop())
  return out.error ? { skipped: `error: ${out.error}` } : out
}

const results = []
for (const [measure, size] of CASES) {
  const d = data(size)
  const d2 = measure === 'compareDefault' ? data(KNN) : undefined
  for (const impl of measure === 'compareDefault' ? ['embgeo'] : ['embgeo', 'python']) {
    const base = { impl, measure, n: d.n, da: d.da, db: d.db }
    const remaining = left()
    if (remaining < 30) {
      results.push({ ...base, skipped: `run budget exhausted (${Math.max(0, Math.round(remaining))} s left)` })
      continue
    }
    const rep = Math.max(0, Math.min(120, remaining * 0.1))
    const timeoutS = Math.min(remaining - 10, CAP_S)
    const lb = loadavg()[0]
    const r =
      impl === 'embgeo'
        ? runChild(
            process.execPath,
            [
              runner,
              ...['--a', `${d.prefix}-A.f32`, '--acols', String(d.da), '--b', `${d.prefix}-B.f32`, '--bcols', String(d.db), '--measure', measure, '--runs', '3', '--threads', String(THREADS), '--budget', String(rep)],
              ...(d2 === undefined ? [] : ['--a2', `${d2.prefix}-A.f32`, '--acols2', String(d2.da), '--b2', `${d2.prefix}-B.f32`, '--bcols2', String(d2.db)]),
            ],
            timeoutS,
          )
        : runChild(python, [peers, '--measure', measure, '--a', `${d.prefix}-A.npy`, '--b', `${d.prefix}-B.npy`, '--runs', '3', '--budget', String(rep)], timeoutS)
    const out = { ...base, loadBefore: lb, loadAfter: loadavg()[0] }
    results.push(r.skipped ? { ...out, skipped: r.skipped } : { ...out, ...stats(r.times), times: r.times, warmup: r.warmup, value: r.value, extra: r.extra, rss: r.maxRssMiB ?? r.max_rss_mb })
    const last = results.at(-1)
    console.log(`${measure.padEnd(22)} ${impl.padEnd(7)} ${last.skipped ? `skipped: ${last.skipped}` : `${last.median.toFixed(3)} s, value ${last.value}`}  [${Math.round(left())} s left]`)
  }
  write(false)
}
// a probe that shares the CPU with other work reads low: the best of the start and one end probe
probes.push(probe(THREADS))
write(true)

/** The sum of the peer medians of compareDefault's measures (undefined until all ran). */
function peerSum() {
  const ps = PEERED.map((m) => results.find((r) => r.impl === 'python' && r.measure === m))
  if (ps.some((r) => !r?.median)) return undefined
  return { median: ps.reduce((t, r) => t + r.median, 0), runs: 'sum', loadBefore: ps[0].loadBefore, loadAfter: ps.at(-1).loadAfter }
}

function fmtS(r) {
  if (!r) return 'not run'
  if (r.skipped) return `skipped: ${r.skipped}`
  const runs = r.runs === 'sum' ? 'sum of medians' : r.runs === 1 ? '1 run' : `median of ${r.runs}`
  return `${r.median < 10 ? r.median.toFixed(3) : r.median.toFixed(1)} (${runs})`
}

function write(done) {
  const peakG = Math.max(...probes.map((p) => p.fma_gflops))
  const loadEnd = loadavg()
  const lines = [
    `# Comparing representations — commit ${env.commit}, ${env.date.slice(0, 16).replace('T', ' ')} UTC, ${env.cpu}, ${THREADS} threads`,
    '',
    `Node ${env.node}, ${env.rustc}; numpy ${pyVersions.numpy}, DADApy ${pyVersions.dadapy}, scipy ${pyVersions.scipy} (PyPI, .venv-ref). ${env.cores} logical CPUs, ${env.memGiB} GiB. ` +
      `FP32 FMA peak ${peakG} GFLOP/s, the best of ${probes.length} runs of bench/probe/peak.c around this run (${probes.map((p) => p.fma_gflops).join(', ')}).`,
    '',
    `1-minute load average ${loadStart[0].toFixed(2)} at the start (5-/15-minute ${loadStart[1].toFixed(2)} / ${loadStart[2].toFixed(2)}), ${loadEnd[0].toFixed(2)} at the end, on ${env.cores} CPUs` +
      (loadStart[0] > 0.5 ? ' — **the machine was shared with other jobs**: absolute times are inflated and noisy; the ratios compare implementations measured one after the other under similar load (last column).' : '.') +
      (done ? '' : ' **Run in progress: partial results.**') +
      (quick ? ' **Quick mode: small sizes, not the issue’s sizes.**' : ''),
    '',
    'embgeo path: the public Node API (`cka`, `procrustes`, `cca`, `mutualKnn`, `informationImbalance`, `compare` from dist/index.js, async, input copy included) via bench/runners/embgeo-compare.mjs, ' +
      `${THREADS} pool threads. Peers: bench/peers/compare_peers.py, float64 numpy on the same float32 data (OpenBLAS at ${THREADS} threads; OPENBLAS_CORETYPE=SkylakeX on AVX-512 CPUs, see bench/lib/env.mjs), DADApy n_jobs = 2. ` +
      'Each (implementation, measure) runs in its own process, one after another; loading the data is not timed. Repeats: a first run under 2 s is a warm-up followed by 3 timed runs (median); otherwise runs follow while they fit in the repeat budget.',
    '',
    'GEMM floor: 2·N·d_A·d_B FLOPs (the cross product Aᵀ B every one of CKA and Procrustes needs) at the FMA peak; "× floor" is the measured time over that floor (1 = at the peak; the issue’s target is ≤ 2). ' +
      'Values: embgeo / peer; DADApy at its default maxk draws the ranks of neighbours beyond maxk at random, so its information imbalance is an estimate of the exact value embgeo returns.',
    '',
    '| measure | data | embgeo s | peer | peer s | peer / embgeo | GEMM floor s | embgeo × floor | values (embgeo / peer) | 1-min load before → after (embgeo; peer) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ]
  for (const [measure, [n, da, db]] of CASES) {
    const e = results.find((r) => r.impl === 'embgeo' && r.measure === measure)
    const p = measure === 'compareDefault' ? peerSum() : results.find((r) => r.impl === 'python' && r.measure === measure)
    const floor = GEMM.has(measure) ? (2 * n * da * db) / (peakG * 1e9) : undefined
    const ratio = e?.median && p?.median ? `${(p.median / e.median).toFixed(p.median / e.median < 10 ? 2 : 1)}×` : ''
    const vals = [e, p].map((r) => (r?.value != null ? Number(r.value).toPrecision(8) : '—')).join(' / ')
    const loads = [e, p].map((r) => (r?.loadBefore != null ? `${r.loadBefore.toFixed(2)}→${r.loadAfter.toFixed(2)}` : '—')).join('; ')
    lines.push(
      `| ${LABEL[measure]} | ${measure === 'compareDefault' ? `${n.toLocaleString('en-US')} × ${da} vs ${db} (linear), ${KNN[0].toLocaleString('en-US')} × ${KNN[1]} vs ${KNN[2]} (kNN)` : `${n.toLocaleString('en-US')} × ${da} vs ${db}`} | ${fmtS(e)} | ${PEER[measure] ?? 'sum of the peer rows above'} | ${fmtS(p)} | ${ratio} | ${floor === undefined ? '—' : floor.toFixed(3)} | ${floor !== undefined && e?.median ? (e.median / floor).toFixed(2) : '—'} | ${vals} | ${loads} |`,
    )
  }
  lines.push('', '"peer / embgeo" > 1 means the peer is slower. Times in seconds, wall clock, per call from the two matrices to the number.', '')
  const dir = quick ? work : `${root}bench/results/`
  writeFileSync(`${dir}compare.md`, lines.join('\n'))
  writeFileSync(`${dir}compare.json`, JSON.stringify({ complete: done, quick, env, pyVersions, threads: THREADS, budgetS, load0, loadStart, loadEnd, probes, results }, null, 2))
  if (done) console.log(lines.join('\n'))
}
