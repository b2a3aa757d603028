// Cross-platform smoke run: load the built package with whatever native binary matches this
// process (x64 natively, arm64 under qemu-aarch64) and print, as JSON, the results of a fixed,
// seeded workload (kNN f32/f64 under three metrics, TwoNN, MLE, PCA). scripts/cross/compare.mjs
// compares two such outputs. Run: node scripts/cross/smoke.mjs > out.json
import { PCA, datasets, knnSync, matrix, mleSync, twoNNSync, versions } from '../../dist/index.js'

/** splitmix64 uniforms in [-1, 1): the same bytes on every platform. */
function uniform(n, seed) {
  let s = BigInt(seed)
  const out = new Float64Array(n)
  const mask = (1n << 64n) - 1n
  for (let i = 0; i < n; i++) {
    s = (s + 0x9e3779b97f4a7c15n) & mask
    let z = s
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask
    z ^= z >> 31n
    out[i] = Number(z >> 11n) / 2 ** 53 * 2 - 1
  }
  return out
}

const rows = 600
const cols = 24
const X64 = matrix(uniform(rows * cols, 7), cols)
const X32 = matrix(Float32Array.from(X64.data), cols)
const sphere = datasets.benchmarkManifold('M1_Sphere', { n: 800, seed: 3 })

const out = { arch: process.arch, kernel: versions().knnKernel, knn: {}, id: {}, pca: {} }
for (const [name, X] of [['f64', X64], ['f32', X32]]) {
  for (const metric of ['euclidean', 'cosine', 'dot']) {
    const r = knnSync(X, { k: 7, metric })
    out.knn[`${name}-${metric}`] = { indices: Array.from(r.indices), distances: Array.from(r.distances) }
  }
}
out.id.twoNN = twoNNSync(sphere).dimension
out.id.mle = mleSync(sphere, { k: 10 }).dimension
const pca = new PCA({ nComponents: 5 }).fitSync(X64)
out.pca.explainedVariance = Array.from(pca.explainedVariance)
out.pca.components = Array.from(pca.components)
out.pca.mean = Array.from(pca.mean)
process.stdout.write(JSON.stringify(out) + '\n')
