/**
 * Seeded uniform row subsampling, portable across platforms and Node versions (a SplitMix32-style
 * generator written here, not Math.random), used by `analyze` and the CLI.
 */
import type { DenseMatrix, FloatArray } from './input.js'

/** A seeded generator of uniform 32-bit integers (Mulberry32; period 2^32). */
function generator(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

/**
 * `m` distinct indices of 0..n-1 chosen uniformly with `seed` (partial Fisher–Yates), ascending.
 * Returns all of 0..n-1 when m ≥ n. O(n) time and memory (n Uint32).
 */
export function sampleIndices(n: number, m: number, seed: number): Uint32Array {
  const all = new Uint32Array(n)
  for (let i = 0; i < n; i++) all[i] = i
  if (m >= n) return all
  const next = generator(seed)
  for (let i = 0; i < m; i++) {
    // Unbiased enough for sampling: n < 2^32 and the modulo bias is below n / 2^32.
    const j = i + (next() % (n - i))
    const t = all[i]!
    all[i] = all[j]!
    all[j] = t
  }
  return all.slice(0, m).sort()
}

/** The rows `indices` of `X` as a new matrix of the same element type (copy). */
export function takeRows(X: DenseMatrix, indices: Uint32Array): DenseMatrix {
  const { cols } = X
  const out: FloatArray = X.data instanceof Float32Array ? new Float32Array(indices.length * cols) : new Float64Array(indices.length * cols)
  for (let r = 0; r < indices.length; r++) {
    const s = indices[r]! * cols
    out.set(X.data.subarray(s, s + cols), r * cols)
  }
  return { data: out, rows: indices.length, cols }
}
