#!/usr/bin/env node
// Intrinsic dimension, end to end (exact kNN included): embgeo vs scikit-dimension 0.5.0 and
// DADApy 0.3.4 (PyPI, .venv-ref), in one run, sequentially, each implementation and estimator in
// its own child process, on the same seeded G2 data (bench/lib/data.mjs). Writes
// bench/results/intdim.md and intdim.json. Not a test: nothing is asserted.
//
// embgeo path: the public Node API (dist/, async functions, pool of 2 threads) through
// bench/runners/embgeo-id.mjs — the cost a JavaScript user pays, input copy included. (Earlier
// results were timed through the Rust crate, crates/intdim/examples/bench_id.rs, which remains
// for profiling.) Requires `npm run build:ts` and the release addon.
//
// Setup once: bash scripts/reference/setup.sh (scikit-dimension, dadapy in .venv-ref)
// Run: node bench/intdim.bench.mjs [--quick] [--budget-min 36]
//   Cases run in priority order (cheap estimators at 5k and 20k first); a case is skipped when
//   its projection from the smaller sizes exceeds 10 minutes per run, or when the run budget
//   left cannot cover it. Every skip is written into the table with its reason.
import { execFileSync, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'

import { dataset } from './lib/data.mjs'
import { machine, python, pythonEnv, quiet, root, stats, work } from './lib/env.mjs'

const quick = process.argv.includes('--quick')
const THREADS = 2
const budgetArg = process.argv.indexOf('--budget-min')
const budgetS = 60 * (budgetArg > 0 ? Number(process.argv[budgetArg + 1]) : quick ? 4 : 36)
const LIMIT_S = 600 // a peer projected above 10 minutes per run at a size is skipped there
const D = 384
const runner = `${root}bench/runners/embgeo-id.mjs`

const IMPLS = ['embgeo', 'skdim', 'dadapy']
const NAMES = { embgeo: 'embgeo', skdim: 'scikit-dimension', dadapy: 'DADApy' }
const EST = {
  twonn: { label: 'TwoNN', det: true },
  mle: { label: 'MLE (k = 20)', det: true },
  gride: { label: 'GRIDE (n1 = 1, n2 = 2)', det: true },
  gride_scaling: { label: 'GRIDE scaling (range_max = 64)', det: true },
  lpca: { label: 'lPCA pointwise (k = 100, FO), mean', det: true },
  tle: { label: 'TLE (k = 20)', det: true },
  ess: { label: 'ESS (k = 100), mean', det: false },
  danco: { label: 'DANCo (k = 10)', det: false },
}
// Which estimators each peer has (DADApy 0.3.4 has neither MLE, lPCA, TLE, ESS nor DANCo).
const HAS = {
  embgeo: Object.keys(EST),
  skdim: Object.keys(EST),
  dadapy: ['twonn', 'gride', 'gride_scaling'],
}
const SIZES = quick ? [1000, 2000, 4000] : [5000, 20000, 100000]
const [S, M, L] = SIZES
const cheap = ['twonn', 'mle', 'gride', 'gride_scaling', 'tle']
// Priority order: the headline (TwoNN, MLE at 20k) early; the expensive pointwise estimators later.
// [n, estimator, implementations (all if omitted), timeout cap s for an unprojected case]
const order = [
  ...cheap.map((e) => [S, e]),
  ...cheap.map((e) => [M, e]),
  [S, 'lpca', ['embgeo', 'dadapy']],
  [S, 'ess'],
  ...cheap.map((e) => [L, e]),
  ...['lpca', 'ess'].map((e) => [M, e]),
  ...['lpca', 'ess'].map((e) => [L, e]),
  ...SIZES.map((n) => [n, 'danco']),
  // scikit-dimension's lPCA fit_pw did not finish in 70 s at N = 1000 in a pre-run: last, with
  // whatever budget is left.
  [S, 'lpca', ['skdim'], 660],
]

// Per-run seconds measured outside this run (pilot, N = 2000, 1 run, embgeo only, crate level:
// crates/intdim/examples/bench_id at b753fc0, 2026-12-05): used only to project the first size
// of the estimators that have no smaller size in this run.
const PILOT = { n: 2000, embgeo: { lpca: 0.84, ess: 0.27, danco: 11.2 } }

// pythonEnv: the peers' OpenBLAS on its SkylakeX kernels on AVX-512 CPUs (the wheels do not
// recognise these CPUs and otherwise run a generic kernel: scikit-dimension's TwoNN on 20,000 ×
// 384 took 20.5 s that way against 9.2 s, on the Xeon model 207)
const childEnv = { ...process.env, ...pythonEnv(THREADS), RAYON_NUM_THREADS: String(THREADS) }
const coretypeNote = childEnv.OPENBLAS_CORETYPE ? `; OPENBLAS_CORETYPE=${childEnv.OPENBLAS_CORETYPE} for the Python peers (the wheels' OpenBLAS does not recognise this CPU and otherwise runs a generic kernel)` : ''

function runChild(cmd, argv, timeoutS) {
  const r = spawnSync(cmd, argv, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26, env: childEnv, timeout: Math.round(timeoutS * 1000), killSignal: 'SIGKILL' })
  if (r.error?.code === 'ETIMEDOUT' || r.signal === 'SIGKILL') return { timedOut: true }
  if (r.status !== 0) return { failed: `${r.status}: ${(r.stderr || '').trim().split('\n').pop()}` }
  const lines = r.stdout.trim().split('\n')
  return JSON.parse(lines[lines.length - 1])
}

const env = machine()
const t0 = Date.now()
const left = () => budgetS - (Date.now() - t0) / 1000
let pyVersions = {}
try {
  pyVersions = JSON.parse(execFileSync(python, ['-c', 'import json, numpy, importlib.metadata as m; print(json.dumps({"numpy": numpy.__version__, **{p: m.version(p) for p in ["scikit-dimension", "dadapy", "scikit-learn", "scipy"]}}))'], { encoding: 'utf8' }))
} catch {
  pyVersions = { error: 'no .venv-ref' }
}
const load0 = await quiet(0.5, quick ? 1 : 10)
const loadStart = loadavg()
console.log(`machine: ${env.cpu}, load ${loadStart.map((x) => x.toFixed(2)).join(' ')}; budget ${budgetS} s`)

const results = [] // one entry per (n, estimator, impl)
const find = (impl, est, n) => results.find((r) => r.impl === impl && r.estimator === est && r.n === n)

/** Projected seconds per run of (impl, est) at n from the smaller sizes measured in this run. */
function project(impl, est, n) {
  const pts = results.filter((r) => r.impl === impl && r.estimator === est && r.n < n && r.median).sort((a, b) => a.n - b.n)
  if (pts.length === 0) {
    const p = PILOT[impl]?.[est]
    if (p === undefined) return undefined
    return { seconds: p * (n / PILOT.n) ** 2, from: `pilot N = ${PILOT.n}: ${p} s (outside this run), exponent 2 assumed` }
  }
  const b = pts[pts.length - 1]
  let e = 2
  let how = 'exponent 2 assumed (kNN is O(N²))'
  if (pts.length >= 2) {
    const a = pts[pts.length - 2]
    e = Math.min(2.5, Math.max(1, Math.log(b.median / a.median) / Math.log(b.n / a.n)))
    how = `exponent ${e.toFixed(2)} fitted on N = ${a.n}, ${b.n}`
  }
  return { seconds: b.median * (n / b.n) ** e, from: `N = ${b.n}: ${b.median.toFixed(2)} s, ${how}` }
}

function runCase(impl, est, n, cap = 300) {
  const base = { impl, estimator: est, n, d: D }
  if (!HAS[impl].includes(est)) return { ...base, skipped: 'no such estimator', na: true }
  const proj = project(impl, est, n)
  if (proj && proj.seconds > LIMIT_S) return { ...base, skipped: `projected ${Math.round(proj.seconds)} s > 10 min per run (${proj.from})`, projected: proj }
  const remaining = left()
  if (proj && proj.seconds > remaining - 20) return { ...base, skipped: `run budget: projected ${Math.round(proj.seconds)} s, ${Math.max(0, Math.round(remaining))} s left (${proj.from})`, projected: proj }
  if (remaining < 30) return { ...base, skipped: `run budget exhausted (${Math.max(0, Math.round(remaining))} s left)` }
  const X = dataset('G2', n, D)
  // Repeats: warm-up + 3 below 2 s per run, else up to 3 runs within `rep` seconds, else 1.
  const rep = Math.max(0, Math.min(120, remaining * 0.1))
  const timeoutS = Math.min(remaining - 10, proj ? Math.max(90, 6 * proj.seconds + 30) : cap, LIMIT_S + rep + 60)
  const lb = loadavg()[0]
  const tStart = Date.now()
  const r =
    impl === 'embgeo'
      ? runChild(process.execPath, [runner, '--data', X.f32, '--cols', String(D), '--estimators', est, '--runs', '3', '--threads', String(THREADS), '--budget', String(rep)], timeoutS)
      : runChild(python, [`${root}bench/peers/id_peers.py`, X.npy, '--peer', impl, '--estimator', est, '--runs', '3', '--budget', String(rep)], timeoutS)
  const la = loadavg()[0]
  const wall = (Date.now() - tStart) / 1000
  const out = { ...base, loadBefore: lb, loadAfter: la, wall, projected: proj }
  if (r.timedOut) return { ...out, skipped: `timed out: killed after ${Math.round(timeoutS)} s (per-case cap of this run)${proj ? ` (projected ${Math.round(proj.seconds)} s)` : ''}`, timedOut: timeoutS }
  if (r.failed) return { ...out, skipped: `failed (${r.failed})` }
  if (r.skipped) return { ...out, skipped: r.skipped, na: true }
  if (r.error) return { ...out, skipped: `error: ${r.error}` }
  return { ...out, times: r.times, warmup: r.warmup, ...stats(r.times), dimension: r.dimension, curve: r.extra?.curve ?? r.params?.curve, rss: r.max_rss_mb ?? r.maxRssMiB }
}

for (const [n, est, only, cap] of order) {
  for (const impl of only ?? IMPLS) {
    const r = runCase(impl, est, n, cap)
    results.push(r)
    console.log(`${String(n).padStart(6)} ${est.padEnd(14)} ${impl.padEnd(7)} ${r.skipped ? `skipped: ${r.skipped}` : `${r.median.toFixed(3)} s (${r.runs} run${r.runs > 1 ? 's' : ''}${r.warmup ? ' + warm-up' : ''}) dim ${r.dimension?.toFixed(4)} load ${r.loadBefore.toFixed(2)}→${r.loadAfter.toFixed(2)}`}  [${Math.round(left())} s left]`)
  }
  write(false)
}
write(true)

function fmtS(r) {
  if (!r) return 'not run'
  if (r.na) return '— (no such estimator)'
  if (r.skipped) return `skipped: ${r.skipped}`
  return `${r.median < 10 ? r.median.toFixed(3) : r.median.toFixed(1)} (${r.runs === 1 ? '1 run' : r.runs === 2 ? 'faster of 2 runs' : `median of ${r.runs}`})`
}

function write(done) {
  const loadEnd = loadavg()
  const peersLine = `scikit-dimension ${pyVersions['scikit-dimension']}, DADApy ${pyVersions.dadapy}, numpy ${pyVersions.numpy}, scikit-learn ${pyVersions['scikit-learn']}, scipy ${pyVersions.scipy}`
  const lines = [
    `# Intrinsic dimension, end to end (exact kNN included), G2 × ${D} — commit ${env.commit}, ${env.date.slice(0, 16).replace('T', ' ')} UTC, ${env.cpu}, ${THREADS} threads`,
    '',
    `Node ${env.node}, ${env.rustc}; ${peersLine} (PyPI, .venv-ref)${coretypeNote}. ${env.cores} logical CPUs, ${env.memGiB} GiB.`,
    '',
    `**The machine was loaded**: it is shared with other jobs; 1-minute load average ${loadStart[0].toFixed(2)} at the start (5-/15-minute ${loadStart[1].toFixed(2)} / ${loadStart[2].toFixed(2)}), ${loadEnd[0].toFixed(2)} at the end, on ${env.cores} CPUs, ` +
      `so every absolute time below is inflated and noisy; the ratios compare implementations measured in the same run under similar load (the load before → after each case is in the last column).` +
      (done ? '' : ' **Run in progress: partial results.**') +
      (quick ? ' **Quick mode: small sizes, not comparable.**' : ''),
    '',
    'embgeo path: the **public Node API** (`twoNN`, `mle`, … from dist/index.js, async, input copy included) via `bench/runners/embgeo-id.mjs`; ' +
      `embgeo at ${THREADS} threads (rayon pool); peers at their default n_jobs (scikit-dimension estimators n_jobs = 1, its kNN via scikit-learn; DADApy Data n_jobs = 2), ` +
      `OMP/OpenBLAS threads = ${THREADS}. Every (implementation, estimator, size) runs in its own child process, one after another, never concurrently; loading the data is not timed.`,
    '',
    'Repeats: a first run under 2 s is a warm-up followed by 3 timed runs (median of 3); a longer first run counts and up to 2 more follow while they fit in the repeat budget; otherwise 1 run (marked "1 run"). ' +
      `Skips: a peer is not run at a size where its time per run, projected from the smaller sizes of this run (power law; exponent fitted on two sizes, or 2 — the kNN's O(N²) — with one), exceeds 10 minutes; ` +
      `the run also had a total budget of ${Math.round(budgetS / 60)} min, and cases it could not cover say so. Estimates: the ID each implementation returned (mean of the pointwise ID for lPCA; first scale n2 = 2 for GRIDE scaling); ⚠ marks a relative disagreement above 1e-3 (deterministic estimators) or 5 % (ESS, DANCo: randomised).`,
    '',
    'Estimators and defaults: TwoNN (discard 10 %, regression; DADApy compute_id_2NN), MLE (Levina–Bickel, k = 20, harmonic aggregation), GRIDE n1 = 1, n2 = 2 (scikit-dimension GRIDE(); DADApy: return_id_scaling_gride(range_max = 2), its first scale), ' +
      'GRIDE scaling (scikit-dimension GRIDE(multiscale=True); DADApy return_id_scaling_gride(), range_max = 64), lPCA fit_pw(n_neighbors = 100, FO), TLE (k = 20), ESS (version a, k = 100), DANCo (k = 10, D = 384 calibration). ' +
      'DADApy 0.3.4 has no MLE, lPCA, TLE, ESS or DANCo.',
    '',
    `Measured before this run, on the same machine and data generator (not part of the tables' medians, used only for projections and ordering): embgeo at N = ${PILOT.n}, 1 run: lPCA ${PILOT.embgeo.lpca} s, ESS ${PILOT.embgeo.ess} s, DANCo ${PILOT.embgeo.danco} s (its calibration runs kNN on generated data for every candidate dimension up to D = 384); ` +
      'scikit-dimension lPCA fit_pw at N = 1000 did not finish within 70 s (killed), so it is scheduled last in this run.',
    '',
  ]
  for (const n of SIZES) {
    lines.push(`## N = ${n.toLocaleString('en-US').replace(/,/g, ' ')} × ${D}`, '')
    lines.push('| estimator | embgeo s | scikit-dimension s | DADApy s | ratio(s) peer / embgeo | estimates | 1-min load before → after (embgeo; skdim; DADApy) |')
    lines.push('|---|---|---|---|---|---|---|')
    for (const est of Object.keys(EST)) {
      const rs = IMPLS.map((i) => find(i, est, n))
      if (rs.every((r) => !r)) {
        lines.push(`| ${EST[est].label} | not run | not run | not run | | | |`)
        continue
      }
      const [e, s, p] = rs
      const ratio = [s, p]
        .map((r, j) => (e?.median && r?.median ? `${j === 0 ? 'skdim' : 'DADApy'} ${(r.median / e.median).toFixed(r.median / e.median < 10 ? 2 : 1)}×` : ''))
        .filter(Boolean)
        .join(', ')
      const dims = rs.map((r, j) => (r?.dimension != null ? `${['embgeo', 'skdim', 'DADApy'][j]} ${r.dimension.toFixed(4)}` : '')).filter(Boolean)
      const vals = rs.filter((r) => r?.dimension != null).map((r) => r.dimension)
      const tol = EST[est].det ? 1e-3 : 0.05
      const disagree = vals.length > 1 && (Math.max(...vals) - Math.min(...vals)) / Math.abs(Math.min(...vals)) > tol
      const loads = rs.map((r) => (r?.loadBefore != null ? `${r.loadBefore.toFixed(2)}→${r.loadAfter.toFixed(2)}` : '—')).join('; ')
      lines.push(`| ${EST[est].label} | ${fmtS(e)} | ${fmtS(s)} | ${fmtS(p)} | ${ratio} | ${dims.join(' / ')}${disagree ? ' ⚠ disagree' : ''} | ${loads} |`)
    }
    lines.push('')
  }
  const curves = results.filter((r) => r.estimator === 'gride_scaling' && r.curve)
  if (curves.length) {
    lines.push('GRIDE scaling curves (ID at n2 = 2, 4, …, 64):', '')
    for (const r of curves) lines.push(`- N = ${r.n}, ${NAMES[r.impl]}: ${r.curve.map((v) => v.toFixed(3)).join(', ')}`)
    lines.push('')
  }
  lines.push('"ratio" > 1 means the peer is slower than embgeo. Times in seconds, wall clock, per estimator call from raw coordinates to the estimate.', '')
  const dir = quick ? work : `${root}bench/results/`
  writeFileSync(`${dir}intdim.md`, lines.join('\n'))
  writeFileSync(`${dir}intdim.json`, JSON.stringify({ complete: done, quick, env, pyVersions, threads: THREADS, embgeoPath: 'node-api: bench/runners/embgeo-id.mjs (dist/index.js)', budgetS, limitS: LIMIT_S, load0, loadStart, loadEnd, pilot: PILOT, results }, null, 2))
  if (done) console.log(lines.join('\n'))
}
