#!/usr/bin/env node
// Writes __test__/fixtures/report/analysis.json: a synthetic `Analysis` (src/analysis.ts) for the
// HTML report tests. SYNTHETIC TEST DATA FOR THE RENDERER, NOT A MEASUREMENT: every number is drawn
// from a seeded generator so that it looks like `analyze` run on a 20 000 × 384 f32 set of sentence
// embeddings (intrinsic dimension ≈ 12, power-law spectrum, mild hubness, five topic clusters).
// Internal consistency (cumulative = running sum of ratios, summaries = the histograms' data, the
// TwoNN points on a line of the stated slope) holds, but no real data set was analysed.
//
// Regenerate: node scripts/report-fixture.mjs
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const SEED = 20240607
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, '__test__', 'fixtures', 'report', 'analysis.json')

// mulberry32: small, seedable, good enough for plausible-looking test numbers.
function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = rng(SEED)
const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
const round = (v, digits = 6) => Number(v.toPrecision(digits))

function percentile(sorted, q) {
  const pos = ((sorted.length - 1) * q) / 100
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, sorted.length - 1)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}
function summarize(values) {
  const s = Float64Array.from(values).sort()
  const mean = s.reduce((t, v) => t + v, 0) / s.length
  const std = Math.sqrt(s.reduce((t, v) => t + (v - mean) ** 2, 0) / s.length)
  return {
    min: round(s[0]), max: round(s[s.length - 1]), mean: round(mean), median: round(percentile(s, 50)),
    std: round(std), p10: round(percentile(s, 10)), p90: round(percentile(s, 90)),
  }
}
function histogram(values, bins) {
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  const w = (hi - lo) / bins
  const counts = new Array(bins).fill(0)
  for (const v of values) counts[Math.min(bins - 1, Math.floor((v - lo) / w))]++
  return { edges: Array.from({ length: bins + 1 }, (_, i) => round(i === bins ? hi : lo + i * w)), counts }
}
function integerHistogram(values, maxBins) {
  const max = Math.max(...values)
  const width = Math.max(1, Math.ceil((max + 1) / maxBins))
  const bins = Math.floor(max / width) + 1
  const counts = new Array(bins).fill(0)
  for (const v of values) counts[Math.floor(v / width)]++
  return { edges: Array.from({ length: bins + 1 }, (_, i) => i * width), counts }
}

const ROWS = 20000
const COLS = 384
const SAMPLE = 5000
const ID = 12.4

// Norms: mean-pooled, not normalised: around 6.8 with a slight right skew.
const norms = Array.from({ length: ROWS }, () => 6.8 * Math.exp(0.06 * normal()))

// Spectrum: power law λ_i ∝ i^-1.05 with multiplicative noise, sorted descending.
const raw = Array.from({ length: COLS }, (_, i) => 0.045 * (i + 1) ** -1.05 * Math.exp(0.08 * normal()))
raw.sort((a, b) => b - a)
const eigenvalues = raw.map((v) => round(v))
const total = eigenvalues.reduce((t, v) => t + v, 0)
const ratio = eigenvalues.map((v) => v / total)
let run = 0
const cumulative = ratio.map((r) => (run += r))
const firstAbove = (t) => cumulative.findIndex((c) => c >= t) + 1
const sv = eigenvalues.map(Math.sqrt)
const svSum = sv.reduce((t, v) => t + v, 0)
const effectiveRank = Math.exp(-sv.reduce((t, v) => t + (v / svSum) * Math.log(v / svSum), 0))
const participationRatio = total ** 2 / eigenvalues.reduce((t, v) => t + v * v, 0)

// TwoNN: μ ~ Pareto(ID) on the sample, empirical F, the upper 10 % discarded, 2000 points kept.
const mu = Array.from({ length: SAMPLE }, () => (1 - rand()) ** (-1 / ID)).sort((a, b) => a - b)
const kept = Math.floor(SAMPLE * 0.9)
const fitX = []
const fitY = []
for (let i = 0; i < kept; i++) {
  fitX.push(Math.log(mu[i]))
  fitY.push(-Math.log(1 - (i + 1) / SAMPLE))
}
const sxy = fitX.reduce((t, x, i) => t + x * fitY[i], 0)
const sxx = fitX.reduce((t, x) => t + x * x, 0)
const slope = sxy / sxx
const stride = Math.ceil(kept / 2000)
const twoNNFit = {
  x: fitX.filter((_, i) => i % stride === 0).map((v) => round(v, 5)),
  y: fitY.filter((_, i) => i % stride === 0).map((v) => round(v, 5)),
  slope: round(slope),
}

// ID versus scale: decimation (TwoNN) and neighbour-order doubling (GRIDE).
const twonnSizes = [5000, 2500, 1250, 625, 312, 156, 78]
const twonnCurve = {
  method: 'twonn',
  scales: twonnSizes.map((n) => round(0.52 * (SAMPLE / n) ** (1 / ID))),
  dimensions: twonnSizes.map((n, i) => round(slope + 0.9 * Math.exp(-i) - 0.35 * i + 0.25 * normal(), 4)),
  stderr: twonnSizes.map((n) => round((slope / Math.sqrt(n)) * 1.1, 3)),
  sizes: twonnSizes,
}
const grideOrders = [2, 4, 8, 16, 32, 64, 128, 256]
const grideCurve = {
  method: 'gride',
  scales: grideOrders.map((n2) => round(0.55 * n2 ** (1 / ID) * 1.02)),
  dimensions: grideOrders.map((n2, i) => round(13.6 - 0.45 * i - 0.02 * i * i + 0.15 * normal(), 4)),
  stderr: grideOrders.map((n2) => round(0.16 / Math.sqrt(1 + Math.log2(n2) / 4), 3)),
  sizes: grideOrders,
}

// Local ID: MLE with k = 20, roughly gamma-shaped around 11.5.
const localValues = Array.from({ length: SAMPLE }, () => {
  let g = 0
  for (let j = 0; j < 12; j++) g += -Math.log(1 - rand())
  return (g / 12) * 11.5
})

// Hubness: k = 10 occurrences, a right-skewed distribution with mean exactly 10.
const K = 10
const weights = Array.from({ length: SAMPLE }, () => Math.exp(0.75 * normal()))
const wSum = weights.reduce((t, v) => t + v, 0)
const occ = weights.map((w) => Math.floor((w / wSum) * SAMPLE * K + rand()))
const occMean = occ.reduce((t, v) => t + v, 0) / SAMPLE
const occSd = Math.sqrt(occ.reduce((t, v) => t + (v - occMean) ** 2, 0) / SAMPLE)
const skewness = occ.reduce((t, v) => t + ((v - occMean) / occSd) ** 3, 0) / SAMPLE

// Scatter: 2000 rows from five topic clusters in the PC1–PC2 plane.
const topics = ['finance', 'health', 'news', 'science', 'sports']
const centres = [[-0.9, 0.35], [0.2, -0.7], [0.05, 0.15], [0.75, 0.55], [1.05, -0.3]]
const scatter = { x: [], y: [], rows: [], explained: [round(ratio[0], 4), round(ratio[1], 4)], labels: [] }
const picked = new Set()
while (scatter.x.length < 2000) {
  const row = Math.floor(rand() * ROWS)
  if (picked.has(row)) continue
  picked.add(row)
  const t = Math.floor(rand() * topics.length)
  scatter.x.push(round(centres[t][0] + 0.32 * normal(), 4))
  scatter.y.push(round(centres[t][1] + 0.22 * normal(), 4))
  scatter.rows.push(row)
  scatter.labels.push(topics[t])
}

const timings = { load: 0.412, norms: 0.031, spectrum: 1.874, duplicates: 0.058, knn: 6.215, twoNN: 0.004, mle: 0.011, gride: 0.027, scaling: 2.706, localId: 0.009, hubness: 0.006, scatter: 0.118 }
timings.total = round(Object.values(timings).reduce((t, v) => t + v, 0), 4)

const analysis = {
  _provenance: {
    note: 'SYNTHETIC TEST DATA FOR THE HTML REPORT RENDERER, NOT A MEASUREMENT: seeded random numbers shaped like analyze() on 20000 x 384 sentence embeddings',
    script: 'scripts/report-fixture.mjs',
    seed: SEED,
    regenerate: 'node scripts/report-fixture.mjs',
  },
  schema: 'embgeo.analysis/1',
  source: { name: 'synthetic-sentences-384.npy', format: 'npy', rows: ROWS, cols: COLS, dtype: 'f32' },
  sample: { rows: SAMPLE, seed: 42, subsampled: true, duplicatesRemoved: 3 },
  metric: 'cosine',
  norms: { ...summarize(norms), zeroRows: 0, histogram: histogram(norms, 40) },
  anisotropy: { meanNormRatio: 0.4213, averageCosine: 0.1794, cosineStd: 0.1127, zeroRows: 0 },
  spectrum: {
    eigenvalues,
    explainedVarianceRatio: ratio.map((v) => round(v)),
    cumulative: cumulative.map((v) => round(v)),
    effectiveRank: round(effectiveRank),
    participationRatio: round(participationRatio),
    components90: firstAbove(0.9),
    components95: firstAbove(0.95),
    components99: firstAbove(0.99),
  },
  id: {
    twoNN: { method: 'twoNN', dimension: round(slope), stderr: round(slope / Math.sqrt(kept), 3), params: { discardFraction: 0.1, fit: 'leastSquares' }, nUsed: SAMPLE, duplicatesDropped: 3 },
    mle: { method: 'mle', dimension: round(11.18 + 0.1 * normal(), 4), params: { k: 20, aggregation: 'harmonic' }, nUsed: SAMPLE, duplicatesDropped: 3 },
    gride: { method: 'gride', dimension: round(12.9 + 0.1 * normal(), 4), stderr: 0.213, params: { n1: 1, n2: 2 }, nUsed: SAMPLE, duplicatesDropped: 3 },
  },
  twoNNFit,
  scaling: { twonn: twonnCurve, gride: grideCurve },
  localId: { ...summarize(localValues), method: 'mle', k: 20, histogram: histogram(localValues, 40) },
  hubness: {
    k: K,
    skewness: round(skewness, 4),
    maxOccurrence: Math.max(...occ),
    antiHubs: occ.filter((v) => v === 0).length,
    hubs: occ.filter((v) => v > 2 * K).length,
    histogram: integerHistogram(occ, 60),
  },
  duplicates: { count: 37, groups: 12 },
  scatter,
  timings,
  versions: { package: '0.1.0', native: '0.1.0', knnKernel: 'avx2-f32', threads: 8 },
  createdAt: '2026-01-15T12:00:00.000Z',
}

mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, JSON.stringify(analysis) + '\n')
console.log(`wrote ${out}`)
