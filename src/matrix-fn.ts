/**
 * The twins of a function of one matrix (metrics.ts, stats.ts) from one definition, like the
 * binding's `matrix_fn!` functions `(data, cols, options[, control])` they call.
 */
import type { DenseMatrix, FloatArray } from './input.js'
import { native, type NativeBinding, type NativeControl, type NativeResult } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'

type Control = NativeControl

/** The matrix, the run options and the options for the binding, checked (shared by both twins). */
export interface PreparedMatrix<O> {
  m: DenseMatrix
  run: RunOptions
  native: O
}

type Binding = NativeBinding
type MatrixCall = (data: FloatArray, cols: number, o: unknown, c?: Control) => unknown

/**
 * The sync and async twins of `name`: `prepare(fn, X, o, async)` checks the input (`fn` is the
 * twin's name: `name` or `name + 'Sync'`), the binding's `name` and `nameSync` run it (looked up
 * at call time), `finish` makes the public result. The async twin copies `X`'s data once when the
 * job must queue and reports input errors as a rejection; the sync twin reads it in place.
 */
export function matrixTwins<K extends keyof Binding & string, P extends PreparedMatrix<object>, R>(
  name: K,
  prepare: (fn: string, X: unknown, o: unknown, async: boolean) => P,
  finish: (p: P, r: NativeResult<K>) => R,
): { async: (X: unknown, o: unknown) => Promise<R>; sync: (X: unknown, o: unknown) => R } {
  const call = (sync: boolean): MatrixCall => native()[(sync ? `${name}Sync` : name) as K] as unknown as MatrixCall
  return {
    async: (X, o) =>
      rejecting(() => {
        const p = prepare(name, X, o, true)
        const run = (c: Control, [data]: readonly [FloatArray]) => call(false)(data, p.m.cols, p.native, c) as Promise<NativeResult<K>>
        return runAsync(p.run, [p.m.data] as const, run).then((r) => finish(p, r))
      }),
    sync: (X, o) => {
      const p = prepare(`${name}Sync`, X, o, false)
      return finish(p, runSync(() => call(true)(p.m.data, p.m.cols, p.native) as NativeResult<K>))
    },
  }
}
