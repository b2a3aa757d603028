// embgeo PCA and whitening on one saved matrix, in its own process. Prints one JSON line per op.
import { matrix, PCA, setThreads, Whitener } from '../../dist/index.js'
import { args, loadF32, timeRuns } from './common.mjs'

const o = args()
setThreads(Number(o.threads))
const d = Number(o.cols)
const all = loadF32(o.data)
const rows = o.rows ? Math.min(Number(o.rows), all.length / d) : all.length / d
const X = matrix(all.subarray(0, rows * d), d)
const runs = Number(o.runs)
const out = (op, times, extra = {}) => {
  const s = [...times].sort((a, b) => a - b)
  console.log(JSON.stringify({ impl: 'embgeo', op, n: rows, d, seconds: s[Math.floor((s.length - 1) / 2)], best: s[0], runs: s.length, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...extra }))
}
for (const k of [32, undefined]) {
  let p
  const t = await timeRuns(async () => {
    p = await new PCA({ nComponents: k, solver: 'covariance' }).fit(X)
  }, runs)
  out(`PCA(nComponents=${k ?? 'all'}) fit`, t, { top: Array.from(p.explainedVariance.subarray(0, 5)) })
}
{
  // The same fit through the sync twin, which reads the caller's array in place (the async
  // fit above copies it once on the JS thread first, as every async twin does).
  let p
  const t = await timeRuns(() => {
    p = new PCA({ nComponents: 32, solver: 'covariance' }).fitSync(X)
  }, runs)
  out('PCA(nComponents=32) fitSync (no input copy)', t, { top: Array.from(p.explainedVariance.subarray(0, 5)) })
  // And the async fit told not to copy (`copy: false`: the job reads the array in place).
  const tc = await timeRuns(async () => {
    p = await new PCA({ nComponents: 32, solver: 'covariance' }).fit(X, { copy: false })
  }, runs)
  out('PCA(nComponents=32) fit, copy: false', tc, { top: Array.from(p.explainedVariance.subarray(0, 5)) })
}
if (o.whiten === '1') {
  // Transform onto k = 32 components, and partialFit over 10 blocks (streaming moments) then one
  // read of the state (the single refit the partial fits leave pending); GB/s of f32 input.
  const p32 = await new PCA({ nComponents: 32, solver: 'covariance' }).fit(X)
  out('PCA(nComponents=32) transform', await timeRuns(() => p32.transform(X), runs))
  // The sync twin reads the caller's array in place (the async transform copies it first).
  out('PCA(nComponents=32) transformSync (no input copy)', await timeRuns(() => p32.transformSync(X), runs))
  out('PCA(nComponents=32) transform, copy: false', await timeRuns(() => p32.transform(X, { copy: false }), runs))
  const blocks = 10
  const per = Math.ceil(rows / blocks)
  const parts = Array.from({ length: blocks }, (_, b) => matrix(all.subarray(b * per * d, Math.min(rows, (b + 1) * per) * d), d))
  const tp = await timeRuns(() => {
    const p = new PCA({ nComponents: 32 })
    for (const part of parts) p.partialFit(part)
    if (!(p.explainedVariance[0] > 0)) throw new Error('partialFit: no variance')
  }, runs)
  const s = [...tp].sort((a, b) => a - b)[Math.floor((tp.length - 1) / 2)]
  out('PCA partialFit over 10 blocks + refit on first read', tp, { gbs: (rows * d * 4) / s / 1e9 })
  let r
  const tr = await timeRuns(async () => {
    r = await new PCA({ nComponents: 32, solver: 'randomized' }).fit(X)
  }, runs)
  out('PCA(nComponents=32, solver=randomized) fit', tr, { top: Array.from(r.explainedVariance.subarray(0, 5)) })
  const w = new Whitener({ method: 'pca' }).fitSync(X)
  const t = await timeRuns(() => w.transform(X), runs)
  out('whitening transform, k = d', t)
  out('whitening transformSync (no input copy), k = d', await timeRuns(() => w.transformSync(X), runs))
  out('whitening transform (copy: false), k = d', await timeRuns(() => w.transform(X, { copy: false }), runs))
}
