/**
 * Running heavy work: the job queue, cancellation, progress, threads and error conversion.
 *
 * Every async call holds one libuv thread while its job runs on embgeo's own pool, so jobs are
 * queued here (default: one at a time) and fs/dns/crypto never starve. Sync twins bypass the
 * queue and block the calling thread by design.
 */
import { abortError, embgeoError, fromNative } from './errors.js'
import { checkInteger, type AnyArray } from './input.js'
import { native, type NativeControl } from './native.js'
import { VERSION } from './version.js'

/** Options every async function takes. */
export interface RunOptions {
  /** Abort the job; the promise rejects with an AbortError (`code: 'ABORT_ERR'`). */
  signal?: AbortSignal
  /** Progress reports, at most 10 per second, on the JS thread. */
  onProgress?: (progress: Progress) => void
  /**
   * `false`: the native job reads the input typed arrays where they are instead of copying them
   * first, saving one pass over the input (about 0.03 s per 300 MB on a 2-core Xeon; the copy is
   * most of the gap between an async function and its Sync twin). The caller must then not
   * write, transfer or resize those arrays until the promise settles, and under `copy: false` an
   * abort settles the promise only once the native job has stopped (at its next checkpoint),
   * never while it may still read them. The WebAssembly build copies regardless. Default `true`:
   * the arrays are copied once on the calling thread and may be reused as soon as the call
   * returns.
   */
  copy?: boolean
}

/** A progress report: `completed` of `total` units of `phase`. */
export interface Progress {
  phase: string
  completed: number
  total: number
}

type JobControl = NativeControl

const PROGRESS_INTERVAL_MS = 100

let concurrency = 1
let active = 0
const waiting: Array<() => void> = []

/**
 * How many heavy async jobs may run at once (default 1). Each running job uses every pool thread
 * and holds one libuv thread; keep this below `UV_THREADPOOL_SIZE` (default 4).
 * @throws ERR_OUT_OF_RANGE unless an integer from 1 to 64.
 */
export function setConcurrency(n: number): void {
  concurrency = checkInteger('concurrency', n, 1, 64)
  drain()
}

function drain(): void {
  while (active < concurrency && waiting.length > 0) {
    active++
    waiting.shift()?.()
  }
}

function acquire(signal: AbortSignal | undefined): Promise<void> {
  if (active < concurrency) {
    active++
    return Promise.resolve()
  }
  return new Promise((resolve, reject) => {
    const start = (): void => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }
    const onAbort = (): void => {
      const i = waiting.indexOf(start)
      if (i >= 0) waiting.splice(i, 1)
      reject(abortError(signal?.reason))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    waiting.push(start)
  })
}

function release(): void {
  active--
  drain()
}

function checkRunOptions(o: RunOptions): void {
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `options.signal must be an AbortSignal; got ${typeof o.signal}`)
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `options.onProgress must be a function; got ${typeof o.onProgress}`)
  }
  if (o.copy !== undefined && typeof o.copy !== 'boolean') {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `options.copy must be a boolean; got ${typeof o.copy}`)
  }
}

/** How {@link runAsync} treats a job. */
export interface JobKind {
  /**
   * The job changes the file system and commits at its end (the writers' rename), and its
   * promise settles with what really happened: a rejection always means nothing was written.
   * An abort asks the job to stop and the promise waits for its answer (AbortError if it
   * stopped before the commit, success if the commit had already happened); an error thrown by
   * `onProgress` after the commit cannot undo it, so it is emitted as a process warning
   * (`EmbgeoWarning`) instead of rejecting.
   */
  commits?: boolean
}

/**
 * Run one native async job under the queue with `run`'s signal and progress.
 *
 * `inputs` are the typed arrays the job reads. When a pool slot is free the native call starts in
 * this same tick and copies them once, on this thread; when the job has to wait in the queue they
 * are copied here first (`slice`), so callers may reuse their arrays as soon as this returns.
 * Under `copy: false` neither copy is made: the native job reads `inputs` in place, this function
 * keeps them reachable until the job has ended, and the promise never settles before that (the
 * caller's contract, {@link RunOptions.copy}, covers the rest). `start` receives the job's control
 * object and the arrays to pass on.
 *
 * Abort: the promise rejects with an AbortError as soon as the signal fires, even if the native
 * job has not returned (it may be stuck in a system call) — except for a job that `commits`
 * (see {@link JobKind}), and for one reading its arrays in place (`copy: false`), which rejects
 * with the AbortError once the native job has ended; the job is told to stop at its next
 * checkpoint, and its queue slot is freed only when it really ends, so `setConcurrency` always
 * bounds the jobs actually running (a later job waits for the slot, and can itself be aborted
 * while it waits).
 *
 * onProgress: an exception thrown by the callback cancels the job and becomes the rejection;
 * for a job that `commits` (see {@link JobKind}) and has committed, it is a warning instead.
 */
export function runAsync<T, A extends readonly AnyArray[]>(
  run: RunOptions,
  inputs: A,
  start: (control: JobControl, inputs: A) => Promise<T>,
  kind: JobKind = {},
): Promise<T> {
  try {
    checkRunOptions(run)
  } catch (err) {
    return Promise.reject(err)
  }
  const { signal } = run
  if (signal?.aborted) return Promise.reject(abortError(signal.reason))
  if (active < concurrency) {
    active++
    return execute(run, inputs, start, kind)
  }
  const held = run.copy === false ? inputs : (inputs.map((a) => a.slice()) as unknown as A)
  return acquire(signal).then(() => execute(run, held, start, kind))
}

function execute<T, A extends readonly AnyArray[]>(
  run: RunOptions,
  inputs: A,
  start: (control: JobControl, inputs: A) => Promise<T>,
  kind: JobKind,
): Promise<T> {
  const { signal, onProgress } = run
  const inPlace = run.copy === false
  let control: JobControl | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  let last = ''
  let callbackError: { error: unknown } | undefined
  let pending: Promise<T>
  let onAbort: () => void = () => undefined
  const poll = (): void => {
    const p = control?.progress() ?? null
    if (p === null || onProgress === undefined) return
    const key = `${p.phase}:${p.completed}:${p.total}`
    if (key === last) return
    last = key
    try {
      onProgress({ phase: p.phase, completed: p.completed, total: p.total })
    } catch (error) {
      callbackError ??= { error }
      control?.cancel()
    }
  }
  const cleanup = (): void => {
    if (timer !== undefined) clearInterval(timer)
    timer = undefined
    signal?.removeEventListener('abort', onAbort)
  }
  try {
    control = new (native().JobControl)(inPlace)
    if (onProgress !== undefined) {
      timer = setInterval(poll, PROGRESS_INTERVAL_MS)
      timer.unref()
    }
    pending = start(control, inputs)
  } catch (err) {
    cleanup()
    release()
    return Promise.reject(fromNative(err, signal))
  }
  // the slot is held until the native job really ends, whatever the caller sees; so are the
  // arrays a job reads in place (this closure keeps them reachable)
  const ended = (): void => {
    release()
    if (inPlace) void inputs
  }
  pending.then(ended, ended)
  const aborted = new Promise<never>((_, reject) => {
    onAbort = (): void => {
      control?.cancel()
      reject(abortError(signal?.reason))
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  if (signal?.aborted) onAbort()
  aborted.catch(() => undefined)
  const finished = pending.then(
    (out) => {
      poll()
      if (callbackError !== undefined) {
        if (kind.commits !== true) throw callbackError
        const e = callbackError.error
        process.emitWarning(`onProgress threw after the job committed (the result stands): ${e instanceof Error ? e.message : String(e)}`, {
          type: 'EmbgeoWarning',
        })
      }
      return out
    },
    (err: unknown) => {
      throw callbackError ?? { native: err }
    },
  )
  // a job that commits settles with its real outcome (a rejection must mean nothing was written),
  // and so does one reading its arrays in place (the caller may touch them once it settles)
  const settled =
    kind.commits === true
      ? finished
      : inPlace
        ? finished.then((out) => {
            if (signal?.aborted) throw abortError(signal.reason)
            return out
          })
        : Promise.race([finished, aborted])
  return settled
    .catch((err: unknown) => {
      if (callbackError !== undefined && err === callbackError) throw callbackError.error
      if (err !== null && typeof err === 'object' && 'native' in err) throw fromNative(err.native, signal)
      throw err
    })
    .finally(cleanup)
}

/**
 * The one idiom that turns a throw into a rejection: async twins validate synchronously (the
 * same `prepare` as their Sync twin) inside `rejecting`, so bad input rejects instead of throwing.
 */
export function rejecting<T>(body: () => Promise<T>): Promise<T> {
  try {
    return body()
  } catch (err) {
    return Promise.reject(err)
  }
}

/** Run a native sync call, converting what it throws into embgeo errors. */
export function runSync<T>(call: () => T): T {
  try {
    return call()
  } catch (err) {
    throw fromNative(err)
  }
}

/**
 * Size embgeo's thread pool (process-wide, shared by worker threads). Jobs already running finish
 * on the previous pool. The default is the `EMBGEO_THREADS` environment variable, else the number
 * of available cores.
 * @throws ERR_OUT_OF_RANGE unless an integer from 1 to 1024.
 */
export function setThreads(n: number): void {
  checkInteger('threads', n, 1, 1024)
  runSync(() => native().setThreads(n))
}

/** What is running: package and native versions, target triple, CPU SIMD features, pool threads, kNN kernel. */
export interface Versions {
  package: string
  native: string
  target: string
  simd: string[]
  threads: number
  /** Kernel level the kNN engine dispatched to: 'avx512', 'avx2+fma', 'neon', 'simd128' (WASM build) or 'scalar'. */
  knnKernel: string
  /** Micro-kernel of the covariance SYRK (embgeo-kernels): 'avx512', 'avx2+fma', 'simd128' (WASM build, where it also computes the kNN's f32 candidate products) or 'scalar'; the environment variable EMBGEO_KERNEL=scalar|avx2|avx512|simd128|auto overrides it (read once per process). */
  gemmKernel: string
  /** Kernel of the covariance SYRK of f32 input (PCA, Whitener): gemmKernel, or on CPUs with AMX-BF16 'split-bf16-amx from 256 columns, else ' followed by gemmKernel (each value split into two bf16, three exact products of a pair summed in f32 on the AMX tiles and the diagonal's fourth added exactly; it measured faster than the FMA kernel from 256 columns, as fast below). */
  covarianceKernel: string
  /** Tile kernel of the kNN's bf16 screening (bf16 data): 'amx-bf16', 'avx512bf16' or 'scalar' (portable; `precision: 'auto'` then stays on fp32, as it does on Intel's avx512bf16, slower than its FMA units); EMBGEO_LOWP_KERNEL=scalar|avx512bf16|auto overrides it (read once per process). */
  bf16Kernel: string
  /** Tile kernel of the kNN's int8 screening (int8 data): 'amx-int8', 'avx512vnni' or 'scalar-i8'. */
  int8Kernel: string
}

/** Versions and runtime facts of this installation. */
export function versions(): Versions {
  const info = runSync(() => native().nativeInfo())
  return { package: VERSION, native: info.native, target: info.target, simd: info.simd, threads: info.threads, knnKernel: info.knnKernel, gemmKernel: info.gemmKernel, covarianceKernel: info.covarianceKernel, bf16Kernel: info.bf16Kernel, int8Kernel: info.int8Kernel }
}
