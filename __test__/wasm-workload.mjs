// The computations wasm.spec.ts runs on both bindings: `run(embgeo)` takes the loaded package
// (the WebAssembly one in the spec, the native one in a child process on dist/) and returns plain
// arrays, so results cross processes as JSON (exact for doubles). Plain .mjs so that a bare
// `node` child can import it.

/** Seeded values in [-1, 1): xorshift32 (not helpers.ts' mulberry32: this file is plain JS). */
export function data(rows, cols, seed) {
  const out = new Float64Array(rows * cols)
  let s = seed >>> 0 || 1
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    out[i] = s / 2147483648 - 1
  }
  return out
}

/** The kNN inputs: f64 and f32, 300 × 40. */
export function knnInputs(e) {
  return { f64: e.matrix(data(300, 40, 7), 40), f32: e.matrix(Float32Array.from(data(300, 40, 8)), 40) }
}

export const twoNNInput = (e) => e.matrix(data(700, 6, 11), 6)
export const pcaInput = (e) => e.matrix(data(400, 24, 12), 24)

/** kNN (k = 7) of both inputs, TwoNN, and a 5-component PCA fit, as plain arrays. */
export function run(e) {
  const out = {}
  for (const [name, X] of Object.entries(knnInputs(e))) {
    const r = e.knnSync(X, { k: 7 })
    out[`knn ${name}`] = { indices: Array.from(r.indices), distances: Array.from(r.distances) }
  }
  out.twoNN = e.twoNNSync(twoNNInput(e)).dimension
  const pca = new e.PCA({ nComponents: 5 }).fitSync(pcaInput(e))
  out.pca = { components: Array.from(pca.components.data), explainedVariance: Array.from(pca.explainedVariance), mean: Array.from(pca.mean) }
  return out
}
