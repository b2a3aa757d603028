// ml-pca (npm, pure JS) on the first `rows` rows of a saved matrix: covariance-matrix method.
import { createRequire } from 'node:module'

import { args, loadF32, timeRuns } from './common.mjs'

const { PCA } = createRequire(import.meta.url)('../peers/node/node_modules/ml-pca')
const o = args()
const d = Number(o.cols)
const rows = Number(o.rows)
const all = loadF32(o.data)
const X = Array.from({ length: rows }, (_, i) => Array.from(all.subarray(i * d, (i + 1) * d)))
let p
const t = await timeRuns(() => {
  p = new PCA(X, { method: 'covarianceMatrix', center: true, scale: false })
}, Number(o.runs))
const s = [...t].sort((a, b) => a - b)
const top = p.getEigenvalues().slice(0, 5)
console.log(JSON.stringify({ impl: 'ml-pca 4.1.1', op: 'PCA fit (covarianceMatrix)', n: rows, d, seconds: s[Math.floor((s.length - 1) / 2)], best: s[0], runs: s.length, top }))
