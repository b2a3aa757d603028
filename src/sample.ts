/**
 * Seeded uniform row subsampling, portable across platforms and Node versions: the workspace's
 * seeded generator (ChaCha8 in `embgeo_metrics::sample`), used by `analyze` and the CLI.
 */
import type { DenseMatrix } from './input.js'
import { native } from './native.js'
import { runSync } from './run.js'

/**
 * `m` distinct indices of 0..n-1 chosen uniformly with `seed` (partial Fisher–Yates on a ChaCha8
 * stream), ascending. Returns all of 0..n-1 when m ≥ n. O(n) time and memory (n Uint32).
 */
export function sampleIndices(n: number, m: number, seed: number): Uint32Array {
  return runSync(() => native().sampleIndices(n, m, seed))
}

/** The rows `indices` of `X` as a new matrix of the same element type (copy). */
export function takeRows(X: DenseMatrix, indices: Uint32Array): DenseMatrix {
  const data = runSync(() => native().takeRows(X.data, X.cols, indices))
  return { data, rows: indices.length, cols: X.cols }
}
