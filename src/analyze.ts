/**
 * `analyze(X)`: everything embgeo measures about one embedding set in one call — norms,
 * anisotropy, covariance spectrum and effective rank, TwoNN / MLE / GRIDE intrinsic dimension with
 * error bars and ID-versus-scale curves, local-ID distribution, kNN hubness, exact duplicates and a
 * 2-D PCA projection — as plain JSON ({@link Analysis}) for `embgeo analyze` and its HTML report.
 */
import type { Analysis, ScalingCurve } from './analysis.js'
import { anisotropySection, hubnessSection, idEstimate } from './analysis-sections.js'
import { queryGeometry } from './analyze-queries.js'
import { embgeoError } from './errors.js'
import { toMatrix, type DenseMatrix, type MatrixLike } from './input.js'
import { gride, idScaling, localId, mle, twoNN, type IdScalingResult } from './intdim.js'
import { knn } from './knn.js'
import { anisotropy, duplicates, hubness, spectrum } from './metrics.js'
import { PCA } from './pca.js'
import { native } from './native.js'
import type { RunOptions } from './run.js'
import { runAsync, versions } from './run.js'
import { gatherRows, sampleIndices } from './sample.js'
import { histogram, summarize } from './summary.js'
import { is, RUN, validateOptions, type Constraints } from './validate.js'

/** Options of {@link analyze}. */
export interface AnalyzeOptions extends RunOptions {
  /**
   * Distance of the neighbour-based measures; default 'euclidean'. 'cosine' normalises the rows to
   * unit length and then uses the Euclidean (chord) distance, which orders neighbours exactly as
   * cosine distance does but, unlike `1 − cos`, is a metric, so ID estimates keep their meaning.
   */
  metric?: 'euclidean' | 'cosine'
  /** Neighbours per point for hubness; default 10. */
  k?: number
  /** Neighbours per point for local ID (MLE) and the global MLE; default 20. */
  localK?: number
  /** Rows used by neighbour-based measures (seeded subsample beyond it); default 20000. */
  maxRows?: number
  /** Points in the PCA scatter; default 2000. */
  scatterPoints?: number
  /** Seed of every subsample and randomised estimator; default 0. */
  seed?: number
  /** Label of the input in the report (e.g. the file name); default 'array'. */
  name?: string
  /** Input format and element type as read from a file (reported only). */
  format?: string
  dtype?: string
  /** The true intrinsic dimension when known (synthetic data); shown beside the estimates. */
  intrinsicDimension?: number
  /** Where the data comes from, in words; shown in the report header. */
  description?: string
  /** One label per input row, shown as tooltips in the scatter (e.g. the sentences). */
  labels?: readonly string[]
  /**
   * Queries to search the set with (same columns as X): adds {@link Analysis.queries}, their
   * difficulty (query LID, relative contrast, expansion) and the hubness of their k-NN lists with
   * and without each hubness-reduction method, against the neighbour sample of X.
   */
  queries?: MatrixLike
  /** Query rows used (seeded subsample beyond it); default 2000. */
  maxQueries?: number
  /** Label of the query set in the report; default 'queries'. */
  queriesName?: string
}

const STAGES = ['duplicates', 'anisotropy', 'spectrum', 'projection', 'neighbours', 'intrinsic dimension', 'ID vs scale', 'local ID', 'hubness']
/** The stages added by `queries`. */
const QUERY_STAGES = ['query difficulty', 'hubness reduction']

/** The constraints of {@link AnalyzeOptions}. */
const ANALYZE_OPTIONS: Constraints = {
  ...RUN,
  metric: is.oneOf('euclidean', 'cosine'),
  k: is.int(1, 1000),
  localK: is.int(3, 1000),
  maxRows: is.int(8),
  scatterPoints: is.int(1),
  seed: is.int(0, 2 ** 32 - 1),
  name: is.string,
  format: is.string,
  dtype: is.string,
  intrinsicDimension: is.positive,
  description: is.string,
  labels: is.custom,
  queries: is.custom,
  maxQueries: is.int(1),
  queriesName: is.string,
}

/** Rows scaled to unit length, in f64, on embgeo's pool (Rust: `embgeo_metrics::norms::unit_rows`). */
async function unitRows(X: DenseMatrix, run: RunOptions): Promise<DenseMatrix> {
  const data = await runAsync(run, [X.data] as const, (control, [d]) => native().unitRows(d, X.cols, {}, control))
  return { data, rows: X.rows, cols: X.cols }
}

/** Euclidean norm of every row, on embgeo's pool (Rust: `embgeo_metrics::norms::row_norms`). */
function rowNorms(X: DenseMatrix, run: RunOptions): Promise<Float64Array> {
  return runAsync(run, [X.data] as const, (control, [d]) => native().rowNorms(d, X.cols, {}, control))
}

/**
 * `X` in f64 on embgeo's pool (exact widening of f32; Rust: `embgeo_metrics::norms::widen`);
 * f64 input as it is.
 */
async function widen(X: DenseMatrix, run: RunOptions): Promise<DenseMatrix> {
  if (X.data instanceof Float64Array) return X
  const data = await runAsync(run, [X.data] as const, (control, [d]) => native().widen(d, X.cols, {}, control))
  return { data, rows: X.rows, cols: X.cols }
}

function curve(r: IdScalingResult): ScalingCurve {
  return {
    method: r.method,
    scales: Array.from(r.scales),
    dimensions: Array.from(r.dimensions),
    stderr: Array.from(r.stderr),
    sizes: Array.from(r.sizes),
  }
}

/** Indices i with firstOf[i] === i (the first row of each group of equal rows), ascending. */
function firstOccurrences(firstOf: Uint32Array): Uint32Array {
  const out: number[] = []
  for (let i = 0; i < firstOf.length; i++) if (firstOf[i] === i) out.push(i)
  return Uint32Array.from(out)
}

/** Components needed to reach `share` of the variance (1-based), from the cumulative ratios. */
function componentsFor(cumulative: ArrayLike<number>, share: number): number {
  for (let i = 0; i < cumulative.length; i++) if (cumulative[i]! >= share - 1e-12) return i + 1
  return cumulative.length
}

/** At most `m` evenly spaced entries of x and y (the TwoNN fit can hold N points; the plot needs fewer). */
function thin(x: ArrayLike<number>, y: ArrayLike<number>, m: number): { x: number[]; y: number[] } {
  const n = Math.min(x.length, y.length)
  const step = Math.max(1, n / m)
  const ox: number[] = []
  const oy: number[] = []
  for (let t = 0; t < n; t += step) {
    const i = Math.floor(t)
    ox.push(x[i]!)
    oy.push(y[i]!)
  }
  return { x: ox, y: oy }
}

/**
 * Analyse an embedding set. Spectrum, norms, anisotropy and duplicates use every row; the
 * neighbour-based measures (ID, local ID, hubness, scaling) use all rows up to `maxRows`, else a
 * seeded uniform subsample of `maxRows` rows, keeping one row of each group of exact duplicates
 * (zero distances would make the ratio estimators undefined). Time: one covariance pass O(N d²) plus one exact
 * all-points kNN of the sample O(m² d) and a GRIDE scaling kNN (k = 64); memory O(d² + m·64).
 * Stages run one after the other on embgeo's pool; `onProgress` receives `{ phase, completed, total }`
 * with the stage name and the stage count.
 *
 * With `queries`, adds {@link Analysis.queries} (see `analyze-queries.ts`): two more stages, one
 * O(q·n·d) difficulty pass and five exact hubness reductions against the neighbour sample.
 *
 * @param X n × d, n ≥ 8 rows.
 * @throws ERR_INVALID_ARG_TYPE, ERR_SHAPE (also queries of another width), ERR_EMPTY (n < 8, no
 *   query rows), ERR_NON_FINITE, ERR_OUT_OF_RANGE,
 *   ERR_DEGENERATE (fewer than 8 distinct rows, all rows identical, fewer than 2 non-zero rows,
 *   covariance overflow), ABORT_ERR
 */
export async function analyze(X: MatrixLike, options?: AnalyzeOptions): Promise<Analysis> {
  const m = toMatrix('X', X)
  const o = validateOptions<AnalyzeOptions>('analyze', options, ANALYZE_OPTIONS)
  const metric = o.metric ?? 'euclidean'
  if (m.rows < 8) throw embgeoError('ERR_EMPTY', `X has ${m.rows} rows; analyze needs at least 8`)
  const k = o.k ?? 10
  const localK = o.localK ?? 20
  const maxRows = o.maxRows ?? 20_000
  const scatterPoints = o.scatterPoints ?? 2000
  const seed = o.seed ?? 0
  if (o.labels !== undefined && (!Array.isArray(o.labels) || o.labels.length !== m.rows)) {
    throw embgeoError('ERR_SHAPE', `options.labels must be an array of ${m.rows} strings (one per row)`)
  }
  const queries = o.queries === undefined ? undefined : toMatrix('queries', o.queries)
  if (queries !== undefined && queries.cols !== m.cols) {
    throw embgeoError('ERR_SHAPE', `queries has ${queries.cols} columns but X has ${m.cols}; they must match`, { expected: m.cols, actual: queries.cols })
  }
  if (queries !== undefined && queries.rows === 0) throw embgeoError('ERR_EMPTY', 'queries has 0 rows; at least 1 is needed', { rows: 0, needed: 1 })
  const stages = queries === undefined ? STAGES : [...STAGES, ...QUERY_STAGES]

  const run = { signal: o.signal, copy: o.copy }
  const timings: Record<string, number> = {}
  let stage = 0
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    o.onProgress?.({ phase: name, completed: stage, total: stages.length })
    const t0 = performance.now()
    const out = await work()
    timings[name] = (performance.now() - t0) / 1000
    stage++
    return out
  }

  // Duplicates first: its native pass also rejects NaN/Infinity before any JS arithmetic.
  const dup = await step('duplicates', () => duplicates(m, run))
  const norms = await rowNorms(m, run)
  let zeroRows = 0
  for (const v of norms) if (v === 0) zeroRows++
  const aniso = await step('anisotropy', () => anisotropy(m, run))
  const spec = await step('spectrum', () => spectrum(m, run))

  const scatterRows = sampleIndices(m.rows, scatterPoints, seed)
  const projection = await step('projection', async () => {
    const pca = await new PCA({ nComponents: Math.min(2, m.cols, m.rows) }).fit(m, run)
    const Y = await pca.transform(await gatherRows(m, scatterRows, run), run)
    return { Y, ratio: pca.explainedVarianceRatio }
  })

  const sampleRows = sampleIndices(m.rows, maxRows, seed)
  const sampled = sampleRows.length < m.rows
  const base = sampled ? await gatherRows(m, sampleRows, run) : m
  const cand = metric === 'cosine' ? await unitRows(base, run) : base
  // Zero-distance neighbours break the ratio estimators (ERR_DUPLICATES): keep the first of each
  // group of equal rows (equal after normalisation under cosine) for the neighbour measures.
  const dupS = await duplicates(cand, run)
  const S = dupS.count === 0 ? cand : await gatherRows(cand, firstOccurrences(dupS.firstOf), run)
  if (S.rows < 8) throw embgeoError('ERR_DEGENERATE', `X has only ${S.rows} distinct rows${metric === 'cosine' ? ' (directions)' : ''}; analyze needs at least 8`)
  const K = Math.min(Math.max(k, localK), S.rows - 1)
  // The ID estimators must see the exact f64 distances they compute standalone: a KnnResult of
  // f32 data holds f32-rounded distances, so the search runs on a widened copy (lossless; the
  // neighbours are the same, exact f64 ranking either way).
  const S64 = await widen(S, run)
  const nb = await step('neighbours', () => knn(S64, { k: K, metric: 'euclidean', ...run }))

  const ids = await step('intrinsic dimension', async () => {
    const t = await twoNN(S, { neighbors: nb, ...run })
    const l = await mle(S, { neighbors: nb, k: Math.min(localK, K), ...run })
    const g = await gride(S, { neighbors: nb, ...run })
    return { t, l, g }
  })
  const scaling = await step('ID vs scale', async () => {
    const tw = await idScaling(S, { method: 'twonn', seed, ...run })
    const gr = await idScaling(S, { method: 'gride', rangeMax: Math.min(64, S.rows - 1), ...run })
    return { tw, gr }
  })
  const local = await step('local ID', () => localId(S, { method: 'mle', k: Math.min(localK, K), neighbors: nb, ...run }))
  const kh = Math.min(k, K)
  // The first kh of each K-long neighbour list, read in place through the stride.
  const hub = await step('hubness', () => hubness({ indices: nb.indices, rows: nb.rows, k: kh, stride: K }, run))
  let queryGeo: Analysis['queries']
  if (queries !== undefined) {
    const queryRows = sampleIndices(queries.rows, o.maxQueries ?? 2000, seed)
    const qs = queryRows.length < queries.rows ? await gatherRows(queries, queryRows, run) : queries
    const Q = await widen(metric === 'cosine' ? await unitRows(qs, run) : qs, run)
    queryGeo = await queryGeometry(S64, Q, { k, localK, name: o.queriesName ?? 'queries', totalRows: queries.rows, subsampled: qs !== queries }, run, step)
  }
  o.onProgress?.({ phase: 'done', completed: stages.length, total: stages.length })

  const fitX = ids.t.diagnostics?.log_mu ?? new Float64Array(0)
  const fitY = ids.t.diagnostics?.neg_log_1m_f ?? new Float64Array(0)
  const localFinite = local.filter((v) => Number.isFinite(v))
  const cumulative: number[] = []
  let acc = 0
  for (const r of spec.explainedVarianceRatio) cumulative.push((acc += r))
  const listed = Math.min(512, spec.eigenvalues.length)
  const v = versions()
  const Y = projection.Y

  return {
    schema: 'embgeo.analysis/1',
    source: { name: o.name ?? 'array', format: o.format ?? 'array', rows: m.rows, cols: m.cols, dtype: o.dtype ?? (m.data instanceof Float32Array ? 'f32' : 'f64'),
      ...(o.intrinsicDimension === undefined ? {} : { intrinsicDimension: o.intrinsicDimension }),
      ...(o.description === undefined ? {} : { description: o.description }),
    },
    sample: { rows: S.rows, seed, subsampled: sampled, duplicatesRemoved: dupS.count },
    metric,
    norms: { ...summarize(norms), zeroRows, histogram: histogram(norms, 40) },
    anisotropy: anisotropySection(aniso),
    spectrum: {
      eigenvalues: Array.from(spec.eigenvalues.subarray(0, listed)),
      explainedVarianceRatio: Array.from(spec.explainedVarianceRatio.subarray(0, listed)),
      cumulative: cumulative.slice(0, listed),
      effectiveRank: spec.effectiveRank,
      participationRatio: spec.participationRatio,
      components90: componentsFor(cumulative, 0.9),
      components95: componentsFor(cumulative, 0.95),
      components99: componentsFor(cumulative, 0.99),
    },
    id: { twoNN: idEstimate(ids.t), mle: idEstimate(ids.l), gride: idEstimate(ids.g) },
    twoNNFit: { ...thin(fitX, fitY, 2000), slope: ids.t.dimension },
    scaling: { twonn: curve(scaling.tw), gride: curve(scaling.gr) },
    localId: { ...summarize(localFinite), method: 'mle', k: Math.min(localK, K), histogram: histogram(localFinite, 40) },
    hubness: hubnessSection(hub),
    duplicates: { count: dup.count, groups: dup.groups },
    ...(queryGeo === undefined ? {} : { queries: queryGeo }),
    scatter: {
      x: Array.from({ length: Y.rows }, (_, i) => Y.data[i * Y.cols]!),
      y: Array.from({ length: Y.rows }, (_, i) => (Y.cols > 1 ? Y.data[i * Y.cols + 1]! : 0)),
      rows: Array.from(scatterRows),
      explained: [projection.ratio[0] ?? 0, projection.ratio[1] ?? 0],
      ...(o.labels === undefined ? {} : { labels: Array.from(scatterRows, (r) => String(o.labels![r])) }),
    },
    timings,
    versions: { package: v.package, native: v.native, knnKernel: v.knnKernel, threads: v.threads },
    createdAt: new Date().toISOString(),
  }
}
