/**
 * `compare(A, B)`: several representation-similarity measures of two matrices of the same items in
 * one call, and `compareMany(sets)`: the n × n matrix of each measure over several
 * representations (the layer-by-layer grids of the CKA papers), for `embgeo compare` and its report.
 *
 * This file only orchestrates: each measure is its own public function (src/compare.ts,
 * src/align.ts, src/neighborhood.ts), described once in the table of src/comparison-measures.ts.
 * The linear measures of a pair (table entries with `linear`) run together in one native call,
 * src/comparison-linear.ts, which computes their shared feature-space products once and returns
 * what each own function returns, bit for bit; the first of them in the run order makes the call,
 * the others take its results (their steps still report progress). One plan (a generator of
 * measure calls) serves both twins; the async driver awaits each call on embgeo's pool with the
 * caller's signal, the sync driver blocks.
 */
import { abortError, embgeoError } from './errors.js'
import { linearMeasures, linearMeasuresSync, type LinearRequest } from './comparison-linear.js'
import { toMatrix, toPair, type DenseMatrix, type MatrixLike } from './input.js'
import { MEASURES, type MeasureName, type MeasureResults, type MeasureSpec } from './comparison-measures.js'
import { rejecting, versions, type RunOptions } from './run.js'
import { checkEnum, describe, is, RUN, SYNC_RUN, validateOptions, type Constraints } from './validate.js'

export { MEASURE_NAMES, type MeasureName, type MeasureResults } from './comparison-measures.js'

/** The measures {@link compare} runs when `measures` is not given. */
export const DEFAULT_MEASURES: readonly MeasureName[] = ['cka', 'ckaDebiased', 'procrustes', 'mutualKnn', 'cca', 'linearity', 'informationImbalance']

/** Options of {@link compare}; each measure takes the ones that apply to it and its own defaults otherwise. */
export interface CompareOptions {
  /** The measures to run, in this order; default {@link DEFAULT_MEASURES}. Unknown names are ERR_INVALID_ARG_VALUE. */
  measures?: readonly MeasureName[]
  /** Distance of the neighbour-based measures (mutualKnn, informationImbalance, rsa): 'euclidean' or 'cosine'; default each measure's own (mutualKnn cosine, the others euclidean). */
  metric?: 'euclidean' | 'cosine'
  /** Neighbours per row of mutualKnn and informationImbalance (1 ≤ k < rows); default each measure's own. */
  k?: number
  /** Seed of the sampled measures (ckaRbf, rsa); default each measure's own. */
  seed?: number
}

/** Options of {@link compareMany}. */
export interface CompareManyOptions extends CompareOptions {
  /** One name per set, shown as row and column labels; default 'set 0', 'set 1', …. */
  labels?: readonly string[]
}

/** `{ [measure]: what that measure's function returns }`, for the measures asked for. */
export type CompareResult = Partial<MeasureResults>

/** One measure over every pair of sets. */
export interface ComparisonMatrix {
  /** Human name, e.g. 'linear CKA'. */
  label: string
  /** One sentence: what the number means. */
  about: string
  /** The field shown in heatmaps and text (a key of `fields`). */
  primary: string
  /** Every scalar of the measure's result as an n × n matrix: `fields[f][i][j]` = f of (sets[i], sets[j]). */
  fields: Record<string, number[][]>
  /** `true` when the measure is symmetric (computed once per pair); `false`: row i → column j. */
  symmetric: boolean
  /** `true`: higher means more alike; `false`: a distance. */
  similarity: boolean
  /** The values the measure can take, for colour scales. */
  range: [number, number]
  /** The effective options the measure reported (from its first pair). */
  params: Record<string, unknown>
  /** Wall-clock seconds spent on this measure over all pairs. */
  seconds: number
}

/** What {@link compareMany} returns: plain JSON. */
export interface Comparison {
  schema: 'embgeo.comparison/1'
  /** One label per set. */
  labels: string[]
  /** Rows (items) of every set. */
  rows: number
  /** Columns of each set. */
  cols: number[]
  /** The measures, in the order run. */
  measures: MeasureName[]
  /** compare's shared options as given (metric, k, seed). */
  options: { metric?: string; k?: number; seed?: number }
  /** One matrix per measure. */
  matrices: Partial<Record<MeasureName, ComparisonMatrix>>
  versions: { package: string; native: string; threads: number }
  createdAt: string
}

const SHARED: Constraints = {
  measures: is.custom,
  metric: is.oneOf('euclidean', 'cosine'),
  k: is.int(1, 0xffff_ffff),
  seed: is.int(0, 2 ** 32 - 1),
}

/**
 * One step of a plan, and what it reports to onProgress: the measures it computes on (A, B) with
 * their options (one measure, or the linear measures of the pair in one shared call; none when an
 * earlier shared call computed this step's measure). The driver answers with their results.
 */
interface Call {
  names: MeasureName[]
  A: DenseMatrix
  B: DenseMatrix
  options: Array<Record<string, unknown>>
  phase: string
  completed: number
  total: number
}

type Plan<T> = Generator<Call, T, unknown[]>

const isLinear = (name: MeasureName): boolean => (MEASURES[name] as MeasureSpec).linear !== undefined

/** The measures a step computes: the linear ones of `candidates` when `name` is linear, else `name`. */
function stepNames(name: MeasureName, candidates: readonly MeasureName[]): MeasureName[] {
  return isLinear(name) ? candidates.filter(isLinear) : [name]
}

function requests(c: Call): LinearRequest[] {
  return c.names.map((n, i) => ({ measure: (MEASURES[n] as MeasureSpec).linear!, options: c.options[i]! }))
}

function checkMeasures(value: unknown): MeasureName[] {
  if (value === undefined) return [...DEFAULT_MEASURES]
  if (!Array.isArray(value)) throw embgeoError('ERR_INVALID_ARG_TYPE', `options.measures must be an array of measure names; got ${describe(value)}`, { name: 'measures' })
  if (value.length === 0) throw embgeoError('ERR_OUT_OF_RANGE', 'options.measures must name at least one measure', { name: 'measures' })
  const names = value.map((v, i) => checkEnum(`options.measures[${i}]`, v, Object.keys(MEASURES) as MeasureName[]))
  const seen = new Set<string>()
  for (const n of names) {
    if (seen.has(n)) throw embgeoError('ERR_INVALID_ARG_VALUE', `options.measures names '${n}' twice`, { name: 'measures', value: n })
    seen.add(n)
  }
  return names
}

/** The validated options: the measures, and what each measure's function receives. */
function prepareOptions(fn: string, options: unknown, run: Constraints, extra: Constraints = {}) {
  const o = validateOptions<CompareManyOptions & RunOptions>(fn, options, { ...SHARED, ...extra, ...run })
  const measures = checkMeasures(o.measures)
  const shared = { metric: o.metric, k: o.k, seed: o.seed }
  const given = Object.fromEntries(Object.entries(shared).filter(([, v]) => v !== undefined)) as Comparison['options']
  const optionsFor = (name: MeasureName): Record<string, unknown> => {
    const spec: MeasureSpec = MEASURES[name]
    const picked = Object.fromEntries(spec.takes.filter((t) => shared[t] !== undefined).map((t) => [t, shared[t]]))
    return { ...spec.fixed, ...picked }
  }
  return { o, measures, given, optionsFor, run: { signal: o.signal, onProgress: o.onProgress, copy: o.copy } }
}

/** A `k` the neighbour measures cannot use fails before any measure runs (each would throw the same). */
function checkK(measures: readonly MeasureName[], k: number | undefined, rows: number): void {
  if (k === undefined || k < rows) return
  const users = measures.filter((m) => (MEASURES[m] as MeasureSpec).takes.includes('k'))
  if (users.length === 0) return
  throw embgeoError('ERR_K_TOO_LARGE', `k = ${k} but the sets have ${rows} rows, so at most ${rows - 1} other rows are neighbours (${users.join(', ')}); pass k <= ${rows - 1}`, {
    k,
    available: rows - 1,
  })
}

function* comparePlan(A: DenseMatrix, B: DenseMatrix, measures: MeasureName[], optionsFor: (n: MeasureName) => Record<string, unknown>): Plan<CompareResult> {
  const done = new Map<MeasureName, unknown>()
  for (const [i, name] of measures.entries()) {
    const names = done.has(name) ? [] : stepNames(name, measures)
    const results = yield { names, A, B, options: names.map(optionsFor), phase: name, completed: i, total: measures.length }
    names.forEach((n, k) => done.set(n, results[k]))
  }
  return Object.fromEntries(measures.map((n) => [n, done.get(n)])) as CompareResult
}

function square(n: number): number[][] {
  return Array.from({ length: n }, () => new Array<number>(n).fill(Number.NaN))
}

function* manyPlan(
  sets: DenseMatrix[],
  labels: string[],
  measures: MeasureName[],
  optionsFor: (n: MeasureName) => Record<string, unknown>,
  given: Comparison['options'],
): Plan<Comparison> {
  const n = sets.length
  // only the scalars are kept, so what a measure returns beside them need not be computed
  const leanOptionsFor = (m: MeasureName): Record<string, unknown> => ({ ...optionsFor(m), ...(MEASURES[m] as MeasureSpec).lean })
  // the calls each measure needs: every unordered pair (symmetric, or both orders from one call),
  // every ordered pair (directed), and the diagonal where no identity gives it
  const callsOf = (spec: MeasureSpec): Array<[number, number]> => {
    const pairs: Array<[number, number]> = []
    for (let i = 0; i < n; i++) {
      if (spec.identity === undefined) pairs.push([i, i])
      for (let j = i + 1; j < n; j++) {
        pairs.push([i, j])
        if (spec.order === 'directed') pairs.push([j, i])
      }
    }
    return pairs
  }
  const total = measures.reduce((t, m) => t + callsOf(MEASURES[m]).length, 0)
  let completed = 0
  const matrices: Comparison['matrices'] = {}
  // What a shared call computed for the measures after the one that made it, keyed by
  // `${name} ${i} ${j}`: only the scalars and params (a Procrustes rotation is dropped), each
  // entry taken once.
  const digest = (spec: MeasureSpec, r: unknown) => ({
    values: spec.fields(r),
    reversed: spec.reversed?.(r),
    params: (r as { params?: Record<string, unknown> }).params,
  })
  const pending = new Map<string, ReturnType<typeof digest>>()
  const seconds = new Map<MeasureName, number>()
  const needs = (m: MeasureName, i: number, j: number): boolean => callsOf(MEASURES[m]).some(([p, q]) => p === i && q === j)
  for (const name of measures) {
    const spec: MeasureSpec = MEASURES[name]
    const fields: Record<string, number[][]> = {}
    const set = (i: number, j: number, values: Record<string, number>): void => {
      for (const [f, v] of Object.entries(values)) (fields[f] ??= square(n))[i]![j] = v
    }
    let params: Record<string, unknown> | undefined
    let offDiagonal = false
    for (let i = 0; i < n && spec.identity !== undefined; i++) set(i, i, spec.identity)
    for (const [i, j] of callsOf(spec)) {
      const key = (m: MeasureName): string => `${m} ${i} ${j}`
      let d = pending.get(key(name))
      pending.delete(key(name))
      // a shared call also computes the later linear measures that need this ordered pair
      const names = d !== undefined ? [] : stepNames(name, measures.slice(measures.indexOf(name)).filter((m) => needs(m, i, j)))
      const t0 = performance.now()
      const results = yield { names, A: sets[i]!, B: sets[j]!, options: names.map(leanOptionsFor), phase: `${name} ${labels[i]} × ${labels[j]}`, completed: completed++, total }
      // a shared call's time is split evenly among its measures
      const share = (performance.now() - t0) / 1000 / Math.max(names.length, 1)
      names.forEach((m, k) => {
        seconds.set(m, (seconds.get(m) ?? 0) + share)
        const x = digest(MEASURES[m] as MeasureSpec, results[k])
        if (m === name) d = x
        else pending.set(key(m), x)
      })
      const values = d!.values
      set(i, j, values)
      if (i !== j && spec.order !== 'directed') set(j, i, spec.order === 'both' ? d!.reversed! : values)
      const reported = d!.params
      if (reported !== undefined && (params === undefined || (i !== j && !offDiagonal))) params = reported
      offDiagonal ||= i !== j
    }
    matrices[name] = {
      label: spec.label,
      about: spec.about,
      primary: spec.primary,
      fields,
      symmetric: spec.order === 'symmetric',
      similarity: spec.similarity,
      range: [...spec.range],
      params: params ?? {},
      seconds: seconds.get(name) ?? 0,
    }
  }
  const v = versions()
  return {
    schema: 'embgeo.comparison/1',
    labels,
    rows: sets[0]!.rows,
    cols: sets.map((s) => s.cols),
    measures,
    options: given,
    matrices,
    versions: { package: v.package, native: v.native, threads: v.threads },
    createdAt: new Date().toISOString(),
  }
}

function driveSync<T>(plan: Plan<T>): T {
  let step = plan.next()
  while (!step.done) {
    const c = step.value
    const one = (): unknown[] => [MEASURES[c.names[0]!].fnSync(c.A, c.B, c.options[0]!)]
    step = plan.next(c.names.length === 0 ? [] : c.names.length === 1 ? one() : linearMeasuresSync(c.A, c.B, requests(c)))
  }
  return step.value
}

async function driveAsync<T>(plan: Plan<T>, run: RunOptions): Promise<T> {
  let step = plan.next()
  while (!step.done) {
    const c = step.value
    run.onProgress?.({ phase: c.phase, completed: c.completed, total: c.total })
    if (run.signal?.aborted === true) throw abortError(run.signal.reason)
    // each measure's own run options (undefined ones count as not given); progress is compare's
    const inner = { signal: run.signal, copy: run.copy }
    const one = async (): Promise<unknown[]> => [await MEASURES[c.names[0]!].fn(c.A, c.B, { ...c.options[0], ...inner })]
    const r = c.names.length === 0 ? [] : c.names.length === 1 ? await one() : await linearMeasures(c.A, c.B, requests(c), inner)
    step = plan.next(r)
    if (step.done) run.onProgress?.({ phase: 'done', completed: c.total, total: c.total })
  }
  return step.value
}

function prepareCompare(fn: string, A: MatrixLike, B: MatrixLike, options: unknown, run: Constraints) {
  const [a, b] = toPair(A, B)
  const p = prepareOptions(fn, options, run)
  checkK(p.measures, p.o.k, a.rows)
  return { plan: comparePlan(a, b, p.measures, p.optionsFor), run: p.run }
}

/**
 * Run several representation-similarity measures on two matrices of the same N items (row i of A
 * and of B describe item i; widths and element types may differ), one after the other on
 * embgeo's pool. Each measure receives the options that apply to it (`metric`, `k`, `seed`) and
 * its own defaults otherwise; every result carries its effective `params`.
 *
 * Cost: the linear measures (cka, ckaDebiased, procrustes, cca, svcca, pwcca, linearity) share
 * one native call per pair that computes their feature-space products once per arithmetic (one
 * f32-block pass for CKA on f32 input, one f64 pass, O(N·(d_A + d_B)²) each, then each measure's
 * O(d³) work; memory d_A² + d_B² + d_A·d_B f64 per pass); the other measures cost their own
 * (README "Comparing representations"), for the default set the two kNN graphs of mutualKnn and
 * informationImbalance (O(N²·(d_A + d_B))).
 *
 * @param A N × d_A matrix; @param B N × d_B matrix.
 * @returns `{ [measure]: result }` in the order asked for.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE (row counts differ), ERR_INVALID_ARG_VALUE (unknown
 *   measure or metric), ERR_OUT_OF_RANGE (unknown option, k or seed out of range), and whatever a
 *   measure throws (ERR_K_TOO_LARGE, ERR_DEGENERATE, ERR_NON_FINITE, ERR_EMPTY), ABORT_ERR.
 */
export function compare(A: MatrixLike, B: MatrixLike, options?: CompareOptions & RunOptions): Promise<CompareResult> {
  return rejecting(() => {
    const p = prepareCompare('compare', A, B, options, RUN)
    return driveAsync(p.plan, p.run)
  })
}

/** {@link compare} on the calling thread (blocks it). */
export function compareSync(A: MatrixLike, B: MatrixLike, options?: CompareOptions): CompareResult {
  return driveSync(prepareCompare('compare', A, B, options, SYNC_RUN).plan)
}

function prepareMany(fn: string, sets: readonly MatrixLike[], options: unknown, run: Constraints) {
  if (!Array.isArray(sets)) throw embgeoError('ERR_INVALID_ARG_TYPE', `sets must be an array of matrices; got ${describe(sets)}`, { name: 'sets' })
  if (sets.length < 2) throw embgeoError('ERR_OUT_OF_RANGE', `sets must hold at least 2 matrices; got ${sets.length}`, { name: 'sets', value: sets.length })
  const ms = sets.map((s, i) => toMatrix(`sets[${i}]`, s))
  for (const [i, m] of ms.entries()) {
    if (m.rows !== ms[0]!.rows) {
      throw embgeoError('ERR_SHAPE', `sets[${i}] has ${m.rows} rows but sets[0] has ${ms[0]!.rows}; every representation must describe the same items, row by row`, {
        rows: [ms[0]!.rows, m.rows],
      })
    }
  }
  const p = prepareOptions(fn, options, run, { labels: is.custom })
  checkK(p.measures, p.o.k, ms[0]!.rows)
  const labels = p.o.labels === undefined ? ms.map((_, i) => `set ${i}`) : checkLabels(p.o.labels, ms.length)
  return { plan: manyPlan(ms, labels, p.measures, p.optionsFor, p.given), run: p.run }
}

function checkLabels(value: unknown, n: number): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `options.labels must be an array of strings; got ${describe(value)}`, { name: 'labels' })
  }
  if (value.length !== n) throw embgeoError('ERR_SHAPE', `options.labels has ${value.length} names for ${n} sets`, { expected: n, actual: value.length })
  return [...(value as string[])]
}

/**
 * Every measure between every pair of `sets` (n ≥ 2 representations of the same items): the
 * n × n matrix of each measure, as in the layer-by-layer figures of Kornblith et al. (2019).
 * Symmetric measures run once per unordered pair, information imbalance once per pair (it gives
 * both directions), directed ones (linearity, PWCCA) once per ordered pair; the diagonal comes
 * from the measure's identity (CKA, CCA, mutual kNN, linearity, RSA 1; Procrustes 0) or, without
 * one, from the measure of each set with itself. Cost: the pairs' costs added up (n(n−1)/2 or
 * n(n−1) calls per measure). Memory: the results' scalars only (a Procrustes rotation is dropped).
 *
 * @param sets n ≥ 2 matrices with the same row count.
 * @returns plain JSON ({@link Comparison}), what `renderCompareReport` draws.
 * @throws as {@link compare}; ERR_OUT_OF_RANGE for fewer than 2 sets, ERR_SHAPE for differing
 *   row counts or a `labels` array of the wrong length.
 */
export function compareMany(sets: readonly MatrixLike[], options?: CompareManyOptions & RunOptions): Promise<Comparison> {
  return rejecting(() => {
    const p = prepareMany('compareMany', sets, options, RUN)
    return driveAsync(p.plan, p.run)
  })
}

/** {@link compareMany} on the calling thread (blocks it). */
export function compareManySync(sets: readonly MatrixLike[], options?: CompareManyOptions): Comparison {
  return driveSync(prepareMany('compareMany', sets, options, SYNC_RUN).plan)
}
