#!/usr/bin/env node
// PCA and whitening, embgeo vs scikit-learn PCA (default and covariance_eigh solvers) and numpy
// cov + eigh (PyPI, .venv-ref, bench/peers/pca_peers.py) and ml-pca (npm, small sizes), in one
// run, sequentially, each in its own process, on identical data (the peer script generates it
// and saves the bytes). Writes bench/results/pca.md and pca.json (NAME.md and NAME.json with
// `--name`, e.g. a run on another CPU beside the main report). Not a test.
//
// Setup once: bash scripts/reference/setup.sh; (cd bench/peers/node && npm ci); npm run build
// Run: npm run bench:pca [-- --name NAME]
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'

import { machine, probe, python, pythonEnv, quiet, root, work } from './lib/env.mjs'

const THREADS = 2
const nameArg = process.argv.indexOf('--name')
const name = nameArg > 0 ? process.argv[nameArg + 1] : 'pca'
const RUNS = 3
const env = machine()
const load0 = await quiet(0.5, 120)
const peak = probe(THREADS)
const lines = (cmd, argv) =>
  execFileSync(cmd, argv, {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: { ...process.env, ...pythonEnv(THREADS) },
  })
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))

console.log(`machine: ${env.cpu}, probe ${JSON.stringify(peak)}, load ${load0.toFixed(2)}`)
const rows = []
// Python peers twice: OpenBLAS's default kernel choice and the forced best core type for this CPU
// (SkylakeX with AVX-512, Haswell = AVX2+FMA without); the summary compares with the faster.
const coretype = readFileSync('/proc/cpuinfo', 'utf8').includes(' avx512f') ? 'SkylakeX' : 'Haswell'
const peerEnv = (core) => {
  const e = { ...process.env, ...pythonEnv(THREADS) }
  delete e.OPENBLAS_CORETYPE
  return core ? { ...e, OPENBLAS_CORETYPE: core } : e
}
const peerRun = (core, save) =>
  execFileSync(python, [`${root}bench/peers/pca_peers.py`, '--threads', String(THREADS), '--runs', String(RUNS), ...(save ? ['--save-dir', work] : [])], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    env: peerEnv(core),
  })
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
const peers = [
  ...peerRun(null, true).map((r) => ({ ...r, openblas_coretype: 'default' })),
  ...peerRun(coretype, false).map((r) => ({ ...r, impl: `${r.impl} [${coretype}]`, openblas_coretype: coretype })),
]
for (const [n, d] of [
  [200000, 384],
  [100000, 1536],
]) {
  const data = `${work}pca-${n}x${d}.f32`
  const load = loadavg()[0]
  rows.push(...lines(process.execPath, [`${root}bench/runners/embgeo-pca.mjs`, '--data', data, '--cols', String(d), '--threads', String(THREADS), '--runs', String(RUNS), '--whiten', '1']).map((r) => ({ ...r, load })))
  rows.push(...peers.filter((p) => p.n === n && p.d === d))
}
// ml-pca is pure JS (~450× slower than BLAS): 10 000 × 384 only, against embgeo on the same rows.
const small = `${work}pca-200000x384.f32`
rows.push(...lines(process.execPath, [`${root}bench/runners/mlpca-pca.mjs`, '--data', small, '--cols', '384', '--rows', '10000', '--runs', '1']))
rows.push(...lines(process.execPath, [`${root}bench/runners/embgeo-pca.mjs`, '--data', small, '--cols', '384', '--rows', '10000', '--threads', String(THREADS), '--runs', String(RUNS)]))
const load1 = loadavg()[0]
// A probe that shares the CPU with other work reads low: take the best of the start and two end probes.
const probes = [peak, probe(THREADS), probe(THREADS)]
const peakG = Math.max(...probes.map((p) => p.fma_gflops))

function versionsKernel() {
  const r = execFileSync(process.execPath, ['-e', "import('./dist/index.js').then((m) => console.log(m.versions().covarianceKernel))"], { cwd: root, encoding: 'utf8' })
  return r.trim()
}

const md = [
  `# PCA and whitening — commit ${env.commit}, ${env.date.slice(0, 10)}, ${env.cpu}, ${THREADS} threads`,
  '',
  `Node ${env.node}, ${env.rustc}; scikit-learn and numpy from .venv-ref (versions in each row's JSON), ml-pca 4.1.1 from npm. ` +
    `FP32 FMA peak: ${peakG} GFLOP/s, the best of ${probes.length} runs of bench/probe/peak.c around this run (${probes.map((p) => p.fma_gflops).join(', ')}). Median of ${RUNS} runs after a warm-up ` +
    `(ml-pca: 1 run). Data: bench/peers/pca_peers.py's splitmix64 generator (anisotropic, variance 1/(j+1) per column), f32, identical bytes for every implementation. ` +
    `Load average ${load0.toFixed(2)} at the start, ${load1.toFixed(2)} at the end. Python peers run twice: OpenBLAS's default kernel and OPENBLAS_CORETYPE=${coretype} (rows marked [${coretype}]); the summary compares embgeo with the faster of the two. embgeo's covariance SYRK of f32 inputs: ${versionsKernel()} (versions().covarianceKernel: the FMA kernel of the widest vector extension present, or on AMX-BF16 CPUs from 256 columns the split-bf16 SYRK on the AMX tiles). The async fit and transform copy their input once on the JS thread before computing (the rule for every async twin: on threads, into huge-page memory); the fitSync and transformSync rows read it in place, as numpy does, and so do the async rows marked copy: false (the opt-in that skips the copy).`,
  '',
  'Covariance FLOPs are counted as n·d² (what a SYRK does); "% of peak" = that rate over the measured FMA peak.',
  '',
]
for (const [n, d] of [
  [200000, 384],
  [100000, 1536],
  [10000, 384],
]) {
  const group = rows.filter((r) => r.n === n && r.d === d)
  if (group.length === 0) continue
  const ours = group.find((r) => r.impl === 'embgeo' && /nComponents=32/.test(r.op)) ?? group.find((r) => r.impl === 'embgeo')
  md.push(`## ${n.toLocaleString('en')} × ${d}`, '', '| impl | operation | seconds (median) | best | vs embgeo k=32 fit | % of FP32 peak (n·d²) | top variance |', '|---|---|---|---|---|---|---|')
  for (const r of group) {
    const isFit = /fit/i.test(r.op) || /eigh/.test(r.op)
    const pct = isFit ? ((100 * n * d * d) / r.seconds / 1e9 / peakG).toFixed(0) + ' %' : ''
    const top = (r.top ?? r.top_explained_variance ?? [])[0]
    md.push(`| ${r.impl} | ${r.op} | ${r.seconds.toFixed(3)} | ${r.best.toFixed(3)} | ${isFit && ours ? (r.seconds / ours.seconds).toFixed(2) + '×' : ''} | ${pct} | ${top === undefined ? '' : top.toFixed(6)} |`)
  }
  md.push('')
}
md.push('"vs embgeo" > 1 means slower than embgeo\'s k = 32 covariance fit on the same data.', '')
// Summary: embgeo against the fastest peer of each operation (either OpenBLAS kernel).
const best = (group, re) => group.filter((r) => r.impl !== 'embgeo' && re.test(r.op)).sort((a, b) => a.seconds - b.seconds)[0]
const ourOp = (group, re) => group.find((r) => r.impl === 'embgeo' && re.test(r.op))
md.push('## Summary: embgeo vs the fastest peer (ratio > 1 = embgeo faster)', '', '| shape | operation | embgeo s | fastest peer | peer s | ratio |', '|---|---|---|---|---|---|')
for (const [n, d] of [
  [200000, 384],
  [100000, 1536],
]) {
  const group = rows.filter((r) => r.n === n && r.d === d)
  const pairs = [
    ['fit k = 32 (covariance)', /PCA\(nComponents=32\) fit$/, /cov \(f32|covariance_eigh', n_components=32|svd_solver='auto', n_components=32/],
    ['fit k = 32, fitSync (no input copy)', /fitSync/, /cov \(f32|covariance_eigh', n_components=32|svd_solver='auto', n_components=32/],
    ['fit k = 32, copy: false (async, no input copy)', /nComponents=32\) fit, copy: false/, /cov \(f32|covariance_eigh', n_components=32|svd_solver='auto', n_components=32/],
    ['fit all (covariance)', /PCA\(nComponents=all\) fit/, /cov \(f32|covariance_eigh', n_components=None|svd_solver='auto', n_components=None/],
    ['transform k = 32', /nComponents=32\) transform$/, /n_components=32\)\.transform/],
    ['transform k = 32, transformSync (no input copy)', /nComponents=32\) transformSync/, /n_components=32\)\.transform/],
    ['transform k = 32, copy: false (async, no input copy)', /nComponents=32\) transform, copy: false/, /n_components=32\)\.transform/],
    ['whitening transform k = d', /whitening transform, k = d/, /whitening transform/],
    ['whitening transform k = d, transformSync (no input copy)', /whitening transformSync/, /whitening transform/],
    ['whitening transform k = d, copy: false (async, no input copy)', /whitening transform \(copy: false\)/, /whitening transform/],
    ['randomized fit k = 32', /randomized\) fit/, /randomized', n_components=32/],
  ]
  for (const [label, oursRe, peerRe] of pairs) {
    const o = ourOp(group, oursRe)
    const p = best(group, peerRe)
    if (!o || !p) continue
    md.push(`| ${n.toLocaleString('en')} × ${d} | ${label} | ${o.seconds.toFixed(3)} | ${p.impl}: ${p.op} | ${p.seconds.toFixed(3)} | ${(p.seconds / o.seconds).toFixed(2)}× |`)
  }
  const pf = ourOp(group, /partialFit/)
  if (pf) md.push(`| ${n.toLocaleString('en')} × ${d} | partialFit over 10 blocks | ${pf.seconds.toFixed(3)} | (${pf.gbs.toFixed(2)} GB/s of f32 input) | | |`)
}
md.push('')
writeFileSync(`${root}bench/results/${name}.md`, md.join('\n'))
writeFileSync(`${root}bench/results/${name}.json`, JSON.stringify({ env, probes, load0, load1, rows }, null, 2))
console.log(md.join('\n'))
