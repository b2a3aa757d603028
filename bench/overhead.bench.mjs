#!/usr/bin/env node
// Per-call overhead of the binding on a tiny input (2 × 2): sync vs async (queue, JobControl,
// libuv hop, promise) vs a plain-JS loop doing the same arithmetic. Writes
// bench/results/overhead.md. Not a test: nothing is asserted.
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'

import { columnStats, columnStatsSync, matrix, versions } from '../dist/index.js'

const X = matrix(Float64Array.of(1, 2, 3, 4), 2)
const N = 20_000

function jsStats(m) {
  const mean = new Float64Array(m.cols)
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.cols; j++) mean[j] += m.data[i * m.cols + j]
  return mean
}

async function time(label, f, n) {
  for (let i = 0; i < 1000; i++) await f() // warm-up
  const samples = []
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await f()
    samples.push(Number(process.hrtime.bigint() - t0) / n / 1000)
  }
  samples.sort((a, b) => a - b)
  return { label, median: samples[3], min: samples[0], max: samples[6] }
}

const load0 = loadavg()[0]
const rows = [
  await time('plain JS loop (reference)', () => jsStats(X), N),
  await time('columnStatsSync', () => columnStatsSync(X), N),
  await time('columnStats (async)', () => columnStats(X), N / 4),
]
const load1 = loadavg()[0]
const v = versions()
const md = [
  `# Call overhead on a 2 × 2 input — ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'cpu'}, ${v.threads} threads`,
  '',
  `Node ${process.version}, embgeo ${v.package} (${v.target}); median of 7 rounds (min–max), each round the mean of many calls; load average ${load0.toFixed(2)} before, ${load1.toFixed(2)} after.`,
  '',
  '| call | µs per call (median) | min–max |',
  '|---|---|---|',
  ...rows.map((r) => `| ${r.label} | ${r.median.toFixed(2)} | ${r.min.toFixed(2)}–${r.max.toFixed(2)} |`),
  '',
  'The async figure includes the job queue, the JobControl object, the libuv thread hop and promise resolution; sync includes input validation, the zero-copy hand-off to the pool and the result objects.',
  '',
].join('\n')
mkdirSync(new URL('./results/', import.meta.url), { recursive: true })
writeFileSync(new URL('./results/overhead.md', import.meta.url), md)
console.log(md)
