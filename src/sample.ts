/**
 * Seeded uniform row subsampling, portable across platforms and Node versions: the workspace's
 * seeded generator (ChaCha8 in `embgeo_metrics::sample`), used by `analyze` and the CLI.
 */
import type { DenseMatrix, FloatArray } from './input.js'
import { native } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'

/**
 * `m` distinct indices of 0..n-1 chosen uniformly with `seed` (partial Fisher–Yates on a ChaCha8
 * stream), ascending. Returns all of 0..n-1 when m ≥ n. O(n) time and memory (n Uint32).
 */
export function sampleIndices(n: number, m: number, seed: number): Uint32Array {
  return runSync(() => native().sampleIndices(n, m, seed))
}

/** The rows `indices` of `X` as a new matrix of the same element type (copy, on the calling thread). */
export function takeRows(X: DenseMatrix, indices: Uint32Array): DenseMatrix {
  const data = runSync(() => native().takeRowsSync(X.data, X.cols, indices))
  return { data, rows: indices.length, cols: X.cols }
}

/**
 * {@link takeRows} on embgeo's pool (for `analyze`: the JS thread stays free). O(len · d) time,
 * the output's memory; the inputs are copied once before this returns.
 */
export function gatherRows(X: DenseMatrix, indices: Uint32Array, run: RunOptions = {}): Promise<DenseMatrix> {
  // runAsync copies its inputs with `.slice()` when the job must queue: any typed array works.
  const inputs = [X.data, indices as unknown as FloatArray] as const
  return rejecting(() =>
    runAsync(run, inputs, (control, [data, idx]) => native().takeRows(data, X.cols, idx as unknown as Uint32Array, control)).then(
      (data): DenseMatrix => ({ data, rows: indices.length, cols: X.cols }),
    ),
  )
}
