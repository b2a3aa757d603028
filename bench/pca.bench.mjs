#!/usr/bin/env node
// PCA and whitening, embgeo vs scikit-learn PCA (default and covariance_eigh solvers) and numpy
// cov + eigh (PyPI, .venv-ref, bench/peers/pca_peers.py) and ml-pca (npm, small sizes), in one
// run, sequentially, each in its own process, on identical data (the peer script generates it
// and saves the bytes). Writes bench/results/pca.md and pca.json. Not a test.
//
// Setup once: bash scripts/reference/setup.sh; (cd bench/peers/node && npm ci); npm run build
// Run: npm run bench:pca
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'

import { machine, probe, python, pythonEnv, quiet, root, work } from './lib/env.mjs'

const THREADS = 2
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
const peers = lines(python, [`${root}bench/peers/pca_peers.py`, '--threads', String(THREADS), '--runs', String(RUNS), '--save-dir', work])
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

const md = [
  `# PCA and whitening — commit ${env.commit}, ${env.date.slice(0, 10)}, ${env.cpu}, ${THREADS} threads`,
  '',
  `Node ${env.node}, ${env.rustc}; scikit-learn and numpy from .venv-ref (versions in each row's JSON), ml-pca 4.1.1 from npm. ` +
    `FP32 FMA peak: ${peakG} GFLOP/s, the best of ${probes.length} runs of bench/probe/peak.c around this run (${probes.map((p) => p.fma_gflops).join(', ')}). Median of ${RUNS} runs after a warm-up ` +
    `(ml-pca: 1 run). Data: bench/peers/pca_peers.py's splitmix64 generator (anisotropic, variance 1/(j+1) per column), f32, identical bytes for every implementation. ` +
    `Load average ${load0.toFixed(2)} at the start, ${load1.toFixed(2)} at the end. Python peers run with OPENBLAS_CORETYPE=SkylakeX on AVX-512 CPUs (see bench/lib/env.mjs).`,
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
writeFileSync(`${root}bench/results/pca.md`, md.join('\n'))
writeFileSync(`${root}bench/results/pca.json`, JSON.stringify({ env, probes, load0, load1, rows }, null, 2))
console.log(md.join('\n'))
