#!/usr/bin/env node
// The geometry of a real dataset bundled with embgeo (scikit-learn's handwritten digits,
// 1797 × 64; see data/README.md): exact neighbours, intrinsic dimension, principal directions
// and whitening, all off the main thread. Run: npm run example
import { readFileSync } from 'node:fs'

import * as embgeo from '../dist/index.js'

const { allButTheTop, columnStats, knn, matrix, PCA, versions, whitening } = embgeo
const bytes = readFileSync(new URL('../data/digits.f32', import.meta.url))
const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
const labels = readFileSync(new URL('../data/digits.labels.u8', import.meta.url))
const X = matrix(data, 64)
const v = versions()
const ms = (t0) => `${(performance.now() - t0).toFixed(1)} ms`
console.log(`embgeo ${v.package} (${v.target}, ${v.threads} threads, SIMD: ${v.simd.join(' ') || 'none'})`)
console.log(`digits: ${X.rows} images × ${X.cols} pixels (values 0–16)\n`)

let t0 = performance.now()
const s = await columnStats(X, { ddof: 1 })
const constant = Array.from(s.variance).filter((x) => x === 0).length
console.log(`column statistics (${ms(t0)}): ${constant} pixels never change; most variable pixel std ${Math.sqrt(Math.max(...s.variance)).toFixed(2)}`)

t0 = performance.now()
const nn = await knn(X, { k: 10 })
let agree = 0
for (let i = 0; i < X.rows; i++) if (labels[nn.indices[i * 10]] === labels[i]) agree++
const dupes = Array.from({ length: X.rows }, (_, i) => nn.distances[i * 10]).filter((d) => d === 0).length
console.log(`exact 10-NN graph (${ms(t0)}): nearest neighbour has the same digit for ${((100 * agree) / X.rows).toFixed(1)} % of images; ${dupes} images have an exact duplicate`)

if (typeof embgeo.twoNN === 'function') {
  t0 = performance.now()
  const two = await embgeo.twoNN(X, { neighbors: nn })
  const ml = await embgeo.mle(X, { k: 10, neighbors: nn })
  console.log(`intrinsic dimension (${ms(t0)}): TwoNN ${two.dimension.toFixed(2)}, MLE (k = 10) ${ml.dimension.toFixed(2)} — of 64 pixels`)
}

t0 = performance.now()
const pca = await new PCA().fit(X)
const cum = []
let acc = 0
for (const r of pca.explainedVarianceRatio) cum.push((acc += r))
const need = (f) => cum.findIndex((c) => c >= f) + 1
console.log(`PCA (${ms(t0)}): ${need(0.5)} components explain 50 %, ${need(0.9)} explain 90 %, ${need(0.99)} explain 99 % of the variance`)

t0 = performance.now()
const w = await whitening.bert({ nComponents: 20 }).fit(X)
const white = await w.transform(X)
const ws = await columnStats(white, { ddof: 1 })
console.log(`WhiteningBERT to 20 dims (${ms(t0)}): output variances ${Math.min(...ws.variance).toFixed(3)}–${Math.max(...ws.variance).toFixed(3)} (unit, as intended)`)

t0 = performance.now()
const abtt = await allButTheTop(X, { remove: 2 })
const after = await columnStats(abtt)
console.log(
  `all-but-the-top, 2 directions removed (${ms(t0)}): ${abtt.rows} × ${abtt.cols}, ` +
    `norm of the mean vector ${Math.hypot(...s.mean).toFixed(2)} before, ${Math.hypot(...after.mean).toExponential(1)} after`,
)
