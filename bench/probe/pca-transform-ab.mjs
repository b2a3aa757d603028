// A/B of the PCA projections between two builds of embgeo in one process, interleaved
// (A, B, A, B, …) so a machine shared with other jobs slows both alike: PCA transform (k = 32),
// inverse transform and the whitening transform (k = d), on generated f32 data with
// bench/peers/pca_peers.py's spectrum. Prints medians and B/A ratios and
// checks that both builds give the same numbers to f32 accuracy. Not a test.
//
// Run: node bench/probe/pca-transform-ab.mjs --a /work/main/dist/index.js --b ./dist/index.js
//      [--rows 200000 --cols 384 --runs 5 --threads 2]
import { loadavg } from 'node:os'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const o = Object.fromEntries(process.argv.slice(2).reduce((acc, v, i, a) => (v.startsWith('--') ? [...acc, [v.slice(2), a[i + 1]]] : acc), []))
const n = Number(o.rows ?? 200000)
const d = Number(o.cols ?? 384)
const runs = Number(o.runs ?? 5)
const threads = Number(o.threads ?? 2)
const A = await import(pathToFileURL(resolve(o.a)).href)
const B = await import(pathToFileURL(resolve(o.b)).href)
A.setThreads(threads)
B.setThreads(threads)

// x[i, j] = (2u − 1)/sqrt(j + 1) (the peers' anisotropic spectrum), u uniform from a 32-bit
// integer hash of i·d + j (murmur3's finaliser; cheaper in JS than the peers' 64-bit splitmix).
const x = new Float32Array(n * d)
for (let i = 0; i < n * d; i++) {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  h ^= h >>> 16
  x[i] = (2 * ((h >>> 0) / 2 ** 32) - 1) / Math.sqrt((i % d) + 1)
}

const median = (v) => [...v].sort((p, q) => p - q)[Math.floor((v.length - 1) / 2)]
const time = (f) => {
  const t = process.hrtime.bigint()
  const r = f()
  return [Number(process.hrtime.bigint() - t) / 1e9, r]
}
const maxRel = (p, q) => {
  let scale = 0
  let dev = 0
  for (let i = 0; i < q.length; i++) scale = Math.max(scale, Math.abs(q[i]))
  for (let i = 0; i < q.length; i++) dev = Math.max(dev, Math.abs(p[i] - q[i]))
  return dev / scale
}

const setup = (m) => {
  const X = m.matrix(x, d)
  const pca = new m.PCA({ nComponents: 32, solver: 'covariance' }).fitSync(X)
  const w = new m.Whitener({ method: 'pca' }).fitSync(X)
  const Y = pca.transformSync(X)
  return { X, pca, w, Y }
}
const sa = setup(A)
const sb = setup(B)
const ops = {
  'PCA transform k = 32': (s) => s.pca.transformSync(s.X),
  'PCA inverse transform k = 32': (s) => s.pca.inverseTransformSync(s.Y),
  'whitening transform k = d': (s) => s.w.transformSync(s.X),
}
console.log(`${n} × ${d} f32, ${threads} threads, ${runs} interleaved runs after a warm-up, load ${loadavg()[0].toFixed(2)}`)
for (const [name, f] of Object.entries(ops)) {
  const ta = []
  const tb = []
  let ra
  let rb
  for (let r = 0; r <= runs; r++) {
    const [t1, y1] = time(() => f(sa))
    const [t2, y2] = time(() => f(sb))
    if (r > 0) {
      ta.push(t1)
      tb.push(t2)
    }
    ra = y1
    rb = y2
  }
  const ma = median(ta)
  const mb = median(tb)
  console.log(`${name}: A ${ma.toFixed(3)} s, B ${mb.toFixed(3)} s, A/B ${(ma / mb).toFixed(2)}× (max |B − A| / max |A| = ${maxRel(rb.data, ra.data).toExponential(2)})`)
}
console.log(`load at the end ${loadavg()[0].toFixed(2)}`)
