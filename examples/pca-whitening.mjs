#!/usr/bin/env node
// PCA, streaming PCA with merge, and every whitening variant, on the bundled digits
// (data/README.md). Run: node examples/pca-whitening.mjs
import { readFileSync } from 'node:fs'

import { allButTheTop, columnStats, matrix, PCA, Whitener, whitening } from '../dist/index.js'

const bytes = readFileSync(new URL('../data/digits.f32', import.meta.url))
const X = matrix(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), 64)
const labels = readFileSync(new URL('../data/digits.labels.u8', import.meta.url))

// 1. PCA with scikit-learn semantics, keeping 95 % of the variance.
const pca = await new PCA({ nComponents: { varianceRatio: 0.95 } }).fit(X)
console.log(`PCA: ${pca.nComponents} components keep 95 % of the variance; first three ratios`, Array.from(pca.explainedVarianceRatio.slice(0, 3), (r) => r.toFixed(3)))
const Y = await pca.transform(X)
const back = pca.inverseTransformSync(Y)
let err = 0
for (let i = 0; i < X.data.length; i++) err += (back.data[i] - X.data[i]) ** 2
console.log(`  reconstruction RMSE from ${Y.cols} dims: ${Math.sqrt(err / X.data.length).toFixed(3)} (pixel values 0–16)`)

// 2. Exact streaming: two shards fitted separately (e.g. in two workers), merged, equal the batch fit.
const half = Math.floor(X.rows / 2) * 64
const a = new PCA({ nComponents: 10 }).partialFit(matrix(X.data.subarray(0, half), 64))
const b = new PCA({ nComponents: 10 }).partialFit(matrix(X.data.subarray(half), 64))
const merged = PCA.deserialize(a.serialize()).merge(b) // models travel as bytes (safetensors layout)
const batch = new PCA({ nComponents: 10, solver: 'covariance' }).fitSync(X)
const diff = Math.max(...merged.explainedVariance.map((v, i) => Math.abs(v - batch.explainedVariance[i]) / batch.explainedVariance[i]))
console.log(`streaming: ${merged.nSamplesSeen} rows in two shards, merged; largest relative difference from the batch fit ${diff.toExponential(1)}`)

// 3. Whitening variants.
const report = async (name, w, options) => {
  const out = await w.fitTransform(X, options)
  const s = await columnStats(out, { ddof: 1 })
  console.log(`${name}: ${out.cols} output dims, output variances ${Math.min(...s.variance).toFixed(3)}–${Math.max(...s.variance).toFixed(3)}`)
}
await report('WhiteningBERT (top 16)', whitening.bert({ nComponents: 16 }))
await report('ZCA (epsilon 1e-3)', whitening.zca({ epsilon: 1e-3 }))
// Zipfian whitening weighs rows by frequency: here, rarer digits count less (weights ∝ label + 1).
const weights = Float64Array.from(labels, (l) => l + 1)
await report('Zipfian (top 16, weighted)', whitening.zipfian({ nComponents: 16 }), { weights })
await report('PCA whitening, L2-normalised', new Whitener({ nComponents: 16, normalize: 'l2' }))

// 4. All-but-the-top: remove the mean and the 2 dominant directions.
const cleaned = await allButTheTop(X, { remove: 2 })
console.log(`all-but-the-top: removed ${cleaned.directions.rows} directions from ${cleaned.rows} × ${cleaned.cols}`)
