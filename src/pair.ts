/**
 * The one entrance of every measure of two representations of the same items (compare.ts,
 * align.ts, neighborhood.ts): options validated once against the measure's `Constraints` table,
 * the two matrices normalised by `toPair`, and the twins' calls into the binding's `pair_fn!`
 * functions `(a, aCols, b, bCols, options[, control])`.
 */
import { toPair, type DenseMatrix, type FloatArray } from './input.js'
import { native, type NativeBinding, type NativeControl, type NativeResult } from './native.js'
import { rejecting, runAsync, runSync, type RunOptions } from './run.js'
import { RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

type Control = NativeControl

/** The two sets and their options, checked (shared by both twins). */
export interface Prepared<O> {
  a: DenseMatrix
  b: DenseMatrix
  opts: O
  run: RunOptions
}

/**
 * Validate `o` for `fn` (its `Sync` suffix dropped in messages) against `table` plus
 * `signal`/`onProgress`/`copy` for the async twin; the measure's options and the run options apart.
 *
 * @throws ERR_OUT_OF_RANGE (unknown option or value out of range), ERR_INVALID_ARG_VALUE (unknown string value)
 */
export function measureOptions<O extends object>(fn: string, o: unknown, table: Constraints, async: boolean): { opts: O; run: RunOptions } {
  const { signal, onProgress, copy, ...opts } = validateOptions<O & RunOptions>(fn.replace(/Sync$/, ''), o, { ...table, ...(async ? RUN : SYNC_RUN) })
  return { opts: opts as O, run: { signal, onProgress, copy } }
}

/**
 * {@link measureOptions}, and `A`, `B` normalised by `toPair` (`names` in messages).
 *
 * @throws as measureOptions, and ERR_INVALID_ARG_TYPE, ERR_SHAPE (row counts differ)
 */
export function preparePair<O extends object>(fn: string, A: unknown, B: unknown, o: unknown, table: Constraints, async: boolean, names?: [string, string]): Prepared<O> {
  const { opts, run } = measureOptions<O>(fn, o, table, async)
  const [a, b] = toPair(A, B, names)
  return { a, b, opts, run }
}

/** The async twin's call: `call` runs on embgeo's pool with `p.run`'s signal and progress. */
export function pairAsync<R, O>(p: Prepared<O>, call: (a: FloatArray, aCols: number, b: FloatArray, bCols: number, o: O, c: Control) => Promise<R>): Promise<R> {
  return runAsync(p.run, [p.a.data, p.b.data] as const, (c, [a, b]) => call(a, p.a.cols, b, p.b.cols, p.opts, c))
}

/** The sync twin's call (blocks the calling thread; typed arrays are read in place). */
export function pairSync<R, O>(p: Prepared<O>, call: (a: FloatArray, aCols: number, b: FloatArray, bCols: number, o: O) => R): R {
  return runSync(() => call(p.a.data, p.a.cols, p.b.data, p.b.cols, p.opts))
}

type Binding = NativeBinding
type PairCall = (a: FloatArray, aCols: number, b: FloatArray, bCols: number, o: unknown, c?: Control) => unknown
type Prepare<P> = (fn: string, A: unknown, B: unknown, o: unknown, async: boolean) => P

/**
 * The sync and async twins of the measure `name` from one definition. `prepare` is the measure's
 * `Constraints` table (checked by {@link preparePair}) or a function `(fn, A, B, o, async)` that
 * checks the input, `fn` being the twin's name (`name` or `name + 'Sync'`); the binding's
 * `name` and `nameSync` run it (looked up at call time); `finish` makes the public result. The
 * async twin reports input errors as a rejection.
 */
export function pairTwins<K extends keyof Binding & string, P extends Prepared<object>, R>(
  name: K,
  prepare: Constraints | Prepare<P>,
  finish: (p: P, r: NativeResult<K>) => R,
): { async: (A: unknown, B: unknown, o: unknown) => Promise<R>; sync: (A: unknown, B: unknown, o: unknown) => R } {
  const check: Prepare<P> = typeof prepare === 'function' ? prepare : (fn, A, B, o, async) => preparePair(fn, A, B, o, prepare, async) as P
  const call = (sync: boolean): PairCall => native()[(sync ? `${name}Sync` : name) as K] as unknown as PairCall
  return {
    async: (A, B, o) =>
      rejecting(() => {
        const p = check(name, A, B, o, true)
        return pairAsync(p, call(false) as (...args: Parameters<PairCall>) => Promise<NativeResult<K>>).then((r) => finish(p, r))
      }),
    sync: (A, B, o) => {
      const p = check(`${name}Sync`, A, B, o, false)
      return finish(p, pairSync(p, call(true) as (...args: Parameters<PairCall>) => NativeResult<K>))
    },
  }
}
