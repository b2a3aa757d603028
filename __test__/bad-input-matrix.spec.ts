/**
 * The bad-input matrix (issue 7): one table-driven suite over every public function × every kind
 * of bad (or awkward) input. Each case ends in the documented error code (api.md "Errors") or a
 * documented valid result (finite numbers, right shape); never a crash, a hang or a NaN. Sync and
 * async twins are both called and must agree (same code and message, or the same result).
 *
 * The table is generated: DATA_KINDS (malformed matrices, non-finite values, awkward but legal
 * data) × TARGETS (every function that takes a matrix), plus per-function option cases (k, metric,
 * options objects, feature counts, models, recall, datasets) and buffer-lifetime cases (detached,
 * resized, transferred during an async call). `MATRIX_PROBE=1` prints the observed outcome of
 * every case instead of asserting (used to review the table).
 */
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

import {
  allButTheTop,
  allButTheTopSync,
  analyze,
  anisotropy,
  anisotropyPart,
  anisotropyPartSync,
  anisotropySync,
  duplicates,
  duplicatesSync,
  effectiveRank,
  hubness,
  hubnessPart,
  hubnessPartFromBytes,
  hubnessPartSync,
  hubnessPartToBytes,
  hubnessSync,
  mergeHubness,
  spectrum,
  spectrumSync,
  columnStats,
  columnStatsPart,
  columnStatsPartSync,
  columnStatsSync,
  corrInt,
  corrIntSync,
  danco,
  dancoSync,
  datasets,
  EmbgeoError,
  ess,
  essSync,
  estimateId,
  estimateIdSync,
  fisherS,
  fisherSSync,
  gride,
  grideSync,
  idScaling,
  idScalingSync,
  knn,
  KnnIndex,
  knnId,
  knnIdSync,
  knnSync,
  localId,
  localIdSync,
  lpca,
  lpcaSync,
  mada,
  madaSync,
  matrix,
  mindMl,
  mindMlSync,
  mle,
  mleSync,
  mom,
  momSync,
  PCA,
  readEmbeddings,
  readEmbeddingsSync,
  recall,
  tle,
  tleSync,
  twoNN,
  twoNNSync,
  Whitener,
  whitening,
  writeFvecs,
  writeFvecsSync,
  writeNpy,
  writeNpySync,
  type DenseMatrix,
} from '../src/index.js'
import { randomData } from './helpers.js'

const PROBE = process.env.MATRIX_PROBE === '1'
const D = 4
const N = 60

// ---------------------------------------------------------------------------------------------
// Outcomes

type Outcome = { ok: true; value: unknown } | { ok: false; code: string; message: string; error: unknown }

function settle(f: () => unknown): Outcome {
  try {
    return { ok: true, value: f() }
  } catch (error) {
    return failed(error)
  }
}

function failed(error: unknown): Outcome {
  const e = error as { code?: unknown; message?: unknown }
  const code = error instanceof EmbgeoError ? String(e.code) : `NOT_EMBGEO(${String(e?.code ?? (error as Error)?.name)})`
  return { ok: false, code, message: String(e?.message), error }
}

/** Settle a promise, or report 'HANG' after 20 s (a case must never hang). */
async function settleAsync(f: () => unknown): Promise<Outcome> {
  let p: unknown
  try {
    p = f()
  } catch (error) {
    // An async twin must reject, never throw synchronously.
    return { ok: false, code: `THREW_SYNC(${failed(error).ok ? '' : (failed(error) as { code: string }).code})`, message: String(error), error }
  }
  if (!(p instanceof Promise)) return { ok: false, code: 'NOT_A_PROMISE', message: typeof p, error: undefined }
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, code: 'HANG', message: 'no settlement in 20 s', error: undefined }), 20_000)
  })
  try {
    return await Promise.race([p.then((value) => ({ ok: true as const, value }), failed), hang])
  } finally {
    clearTimeout(timer)
  }
}

/** Every float reachable from a result (diagnostics excluded: FisherS n_alpha documents NaN entries). */
function nonFinite(value: unknown, path = 'result', out: string[] = [], seen = new Set<unknown>()): string[] {
  if (out.length > 0) return out
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push(`${path} = ${value}`)
    return out
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return out
  seen.add(value)
  if (value instanceof Float32Array || value instanceof Float64Array) {
    const i = value.findIndex((v) => !Number.isFinite(v))
    if (i >= 0) out.push(`${path}[${i}] = ${value[i]}`)
    return out
  }
  if (ArrayBuffer.isView(value)) return out
  for (const [k, v] of Object.entries(value)) if (k !== 'diagnostics') nonFinite(v, `${path}.${k}`, out, seen)
  return out
}

function describeOutcome(o: Outcome): string {
  if (!o.ok) return o.code
  const bad = nonFinite(o.value)
  return bad.length ? `VALID_WITH_NON_FINITE(${bad[0]})` : 'valid'
}

// ---------------------------------------------------------------------------------------------
// Data

const base = randomData(N, D, 7)
const X = () => matrix(base.slice(), D)
const X32 = () => matrix(Float32Array.from(base), D)
const fitted = () => new PCA().fitSync(X())
const fittedWhitener = () => new Whitener().fitSync(X())
const index = (metric?: 'cosine') => new KnnIndex(X(), metric ? { metric } : undefined)

const f64 = (n: number) => new Float64Array(n)
const withValue = (v: number, at = 9) => {
  const a = base.slice()
  a[at] = v
  return matrix(a, D)
}
const detached = () => {
  const a = base.slice()
  structuredClone(a.buffer, { transfer: [a.buffer] })
  return { data: a, rows: N, cols: D }
}
const resizable = (bytes: number, max: number) => new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer & { resize(n: number): void })(bytes, { maxByteLength: max })
/** A fixed-length view over a resizable buffer that was then shrunk: it is out of bounds (length 0). */
const shrunk = () => {
  const buf = resizable(N * D * 8, N * D * 16)
  const a = new Float64Array(buf, 0, N * D)
  a.set(base)
  buf.resize(8 * D)
  return { data: a, rows: N, cols: D }
}
/** A length-tracking view over a resizable buffer that grew after the matrix was described. */
const grown = () => {
  const buf = resizable(N * D * 8, N * D * 16)
  const a = new Float64Array(buf)
  a.set(base)
  buf.resize(N * D * 16)
  return { data: a, rows: N, cols: D }
}
/** A length-tracking view over a resizable buffer, consistent with rows * cols: legal input. */
const tracking = () => {
  const buf = resizable(N * D * 8, N * D * 16)
  const a = new Float64Array(buf)
  a.set(base)
  return { data: a, rows: N, cols: D }
}
const identical = () => matrix(new Float64Array(N * D).map((_, i) => (i % D) + 1), D)
const duplicated = () => {
  const a = base.slice()
  a.copyWithin(D, 0, D) // row 1 = row 0
  a.copyWithin(3 * D, 2 * D, 3 * D) // row 3 = row 2
  return matrix(a, D)
}
/** Values around 1e20 in f32: their squares (1e40) overflow f32 (max 3.4e38). */
const huge = () => matrix(Float32Array.from(base, (v) => v * 1e20), D)
/** Values around 1e-25 in f32: their squares (1e-50) underflow f32 to 0. */
const tiny = () => matrix(Float32Array.from(base, (v) => v * 1e-25), D)

type DataKind = { label: string; make: () => unknown; code?: string; special?: string }

/** Malformed or awkward matrices; `code` = the answer for every target; `special` = per target. */
const DATA_KINDS: DataKind[] = [
  { label: 'undefined', make: () => undefined, code: 'ERR_INVALID_ARG_TYPE' },
  { label: 'null', make: () => null, code: 'ERR_INVALID_ARG_TYPE' },
  { label: 'a string', make: () => 'embeddings', code: 'ERR_INVALID_ARG_TYPE' },
  { label: 'a flat Float64Array', make: () => base.slice(), code: 'ERR_INVALID_ARG_TYPE' },
  { label: 'Int32Array data', make: () => ({ data: new Int32Array(N * D), rows: N, cols: D }), code: 'ERR_INVALID_ARG_TYPE' },
  { label: 'BigInt64Array data', make: () => ({ data: new BigInt64Array(N * D), rows: N, cols: D }), code: 'ERR_INVALID_ARG_TYPE' },
  { label: 'DataView data', make: () => ({ data: new DataView(new ArrayBuffer(N * D * 8)), rows: N, cols: D }), code: 'ERR_INVALID_ARG_TYPE' },
  { label: 'NaN', make: () => withValue(NaN), code: 'ERR_NON_FINITE' },
  { label: '+Infinity', make: () => withValue(Infinity), code: 'ERR_NON_FINITE' },
  { label: '-Infinity in f32', make: () => ({ ...X32(), data: Float32Array.from(base, (v, i) => (i === 5 ? -Infinity : v)) }), code: 'ERR_NON_FINITE' },
  { label: 'NaN in number[][]', make: () => Array.from({ length: N }, (_, i) => Array.from(base.subarray(i * D, (i + 1) * D), (v, j) => (i === 7 && j === 2 ? NaN : v))), code: 'ERR_NON_FINITE' },
  { label: 'empty array', make: () => [], code: 'ERR_EMPTY' },
  { label: 'zero rows', make: () => ({ data: f64(0), rows: 0, cols: D }), code: 'ERR_EMPTY' },
  { label: 'zero columns', make: () => [[], [], []], code: 'ERR_EMPTY' },
  { label: 'ragged rows', make: () => [[1, 2, 3, 4], [1, 2, 3]], code: 'ERR_SHAPE' },
  { label: 'ragged typed rows', make: () => [Float64Array.of(1, 2, 3, 4), Float64Array.of(1, 2)], code: 'ERR_SHAPE' },
  { label: 'a string in a row', make: () => [[1, 2, 3, 4], [1, '2', 3, 4]], code: 'ERR_INVALID_ARG_TYPE' },
  { label: 'data.length not rows*cols', make: () => ({ data: base.slice(), rows: N + 1, cols: D }), code: 'ERR_SHAPE' },
  { label: 'fractional rows', make: () => ({ data: base.slice(), rows: 59.5, cols: D }), code: 'ERR_OUT_OF_RANGE' },
  { label: 'string cols', make: () => ({ data: base.slice(), rows: N, cols: '4' }), code: 'ERR_INVALID_ARG_TYPE' },
  { label: 'detached ArrayBuffer', make: detached, code: 'ERR_INVALID_ARG_TYPE' },
  { label: 'resizable buffer shrunk under a fixed view', make: shrunk, code: 'ERR_SHAPE' },
  { label: 'resizable buffer grown under a tracking view', make: grown, code: 'ERR_SHAPE' },
  { label: 'length-tracking view (legal)', make: tracking, special: 'valid' },
  { label: 'f32 input (legal)', make: X32, special: 'valid' },
  { label: 'one row', make: () => matrix(base.slice(0, D), D), special: 'oneRow' },
  { label: 'all rows identical', make: identical, special: 'identical' },
  { label: 'exact duplicates', make: duplicated, special: 'duplicates' },
  { label: 'values whose squares overflow f32', make: huge, special: 'valid' },
  { label: 'values whose squares underflow f32', make: tiny, special: 'valid' },
]

// ---------------------------------------------------------------------------------------------
// Targets: every public function that takes a matrix, as a sync/async pair.

type Special = 'oneRow' | 'identical' | 'duplicates'
interface Target {
  name: string
  sync?: (x: unknown) => unknown
  async?: (x: unknown) => Promise<unknown>
  /** Expected code per special kind; absent = valid. */
  special?: Partial<Record<Special, string>>
}

const ID_SPECIAL = { oneRow: 'ERR_EMPTY' }
type IdFn = (x: never, o: never) => unknown
const id = (name: string, s: IdFn, a: IdFn, options: object, special: Partial<Record<Special, string>>): Target => ({
  name,
  sync: (x) => s(x as never, options as never),
  async: (x) => a(x as never, options as never) as Promise<unknown>,
  special: { ...ID_SPECIAL, ...special },
})

const TARGETS: Target[] = [
  { name: 'columnStats', sync: (x) => columnStatsSync(x as never), async: (x) => columnStats(x as never) },
  { name: 'columnStatsPart', sync: (x) => columnStatsPartSync(x as never), async: (x) => columnStatsPart(x as never) },
  { name: 'anisotropyPart', sync: (x) => anisotropyPartSync(x as never), async: (x) => anisotropyPart(x as never) },
  {
    name: 'knn (all points, k 3)',
    sync: (x) => knnSync(x as never, { k: 3 }),
    async: (x) => knn(x as never, { k: 3 }),
    special: { oneRow: 'ERR_K_TOO_LARGE' },
  },
  { name: 'knn (as queries)', sync: (x) => knnSync(X(), { k: 3, queries: x as never }), async: (x) => knn(X(), { k: 3, queries: x as never }) },
  { name: 'knn (as corpus, cosine)', sync: (x) => knnSync(x as never, { k: 1, metric: 'cosine' }), async: (x) => knn(x as never, { k: 1, metric: 'cosine' }), special: { oneRow: 'ERR_K_TOO_LARGE' } },
  { name: 'new KnnIndex', sync: (x) => new KnnIndex(x as never) },
  { name: 'KnnIndex.search', sync: (x) => index().searchSync(x as never, { k: 3 }), async: (x) => index().search(x as never, { k: 3 }) },
  { name: 'KnnIndex.add', sync: (x) => index().add(x as never) },
  id('twoNN', twoNNSync, twoNN, {}, {}),
  id('mle', mleSync, mle, { k: 5 }, {}),
  id('gride', grideSync, gride, {}, {}),
  id('lpca', lpcaSync, lpca, {}, {}),
  id('lpca (k 10)', lpcaSync, lpca, { k: 10 }, {}),
  id('corrInt', corrIntSync, corrInt, {}, {}),
  id('mom', momSync, mom, { k: 10 }, {}),
  id('tle', tleSync, tle, { k: 10 }, {}),
  id('mada', madaSync, mada, { k: 10 }, {}),
  id('mindMl', mindMlSync, mindMl, { k: 10 }, {}),
  id('danco', dancoSync, danco, { k: 5 }, {}),
  id('ess', essSync, ess, { k: 10 }, {}),
  id('fisherS', fisherSSync, fisherS, {}, {}),
  id('knnId', knnIdSync, knnId, {}, {}),
  id('estimateId (twoNN, cosine)', estimateIdSync, estimateId, { method: 'twoNN', metric: 'cosine' }, {}),
  id('localId (mle)', localIdSync, localId, { method: 'mle', k: 5 }, {}),
  id('localId (lpca)', localIdSync, localId, { method: 'lpca', k: 5 }, {}),
  id('idScaling (twonn)', idScalingSync, idScaling, { method: 'twonn' }, {}),
  id('idScaling (gride)', idScalingSync, idScaling, { method: 'gride', rangeMax: 8 }, {}),
  { name: 'PCA.fit', sync: (x) => new PCA().fitSync(x as never), async: (x) => new PCA().fit(x as never), special: { oneRow: 'ERR_EMPTY' } },
  { name: 'PCA.fitTransform', sync: (x) => new PCA({ nComponents: 1 }).fitTransformSync(x as never), async: (x) => new PCA({ nComponents: 1 }).fitTransform(x as never), special: { oneRow: 'ERR_EMPTY' } },
  { name: 'PCA.partialFit', sync: (x) => new PCA().partialFit(x as never) },
  { name: 'PCA.transform', sync: (x) => fitted().transformSync(x as never), async: (x) => fitted().transform(x as never) },
  { name: 'PCA.inverseTransform', sync: (x) => fitted().inverseTransformSync(x as never), async: (x) => fitted().inverseTransform(x as never) },
  { name: 'Whitener.fit', sync: (x) => new Whitener().fitSync(x as never), async: (x) => new Whitener().fit(x as never), special: { oneRow: 'ERR_EMPTY' } },
  { name: 'Whitener.transform', sync: (x) => fittedWhitener().transformSync(x as never), async: (x) => fittedWhitener().transform(x as never) },
  { name: 'Whitener.inverseTransform', sync: (x) => fittedWhitener().inverseTransformSync(x as never), async: (x) => fittedWhitener().inverseTransform(x as never) },
  { name: 'whitening.bert', sync: (x) => whitening.bert({ nComponents: 2 }).fitSync(x as never), async: (x) => whitening.bert({ nComponents: 2 }).fit(x as never), special: { oneRow: 'ERR_EMPTY' } },
  { name: 'whitening.zca', sync: (x) => whitening.zca().fitSync(x as never), async: (x) => whitening.zca().fit(x as never), special: { oneRow: 'ERR_EMPTY' } },
  { name: 'whitening.zipfian', sync: (x) => whitening.zipfian().fitSync(x as never), async: (x) => whitening.zipfian().fit(x as never), special: { oneRow: 'ERR_EMPTY' } },
  { name: 'allButTheTop', sync: (x) => allButTheTopSync(x as never, { remove: 1 }), async: (x) => allButTheTop(x as never, { remove: 1 }), special: { oneRow: 'ERR_EMPTY' } },
  { name: 'anisotropy', sync: (x) => anisotropySync(x as never), async: (x) => anisotropy(x as never), special: { oneRow: 'ERR_EMPTY' } },
  { name: 'spectrum', sync: (x) => spectrumSync(x as never), async: (x) => spectrum(x as never), special: { oneRow: 'ERR_EMPTY' } },
  { name: 'duplicates', sync: (x) => duplicatesSync(x as never), async: (x) => duplicates(x as never) },
  { name: 'analyze', async: (x) => analyze(x as never, { maxRows: 60 }), special: { oneRow: 'ERR_EMPTY' } },
]

/**
 * Per-target answers that differ from the kind's default, each a documented code or a valid
 * result (reviewed against api.md / README; the reason is given where it is not obvious).
 */
const DUP = 'ERR_DUPLICATES' // duplicates: 'error' is the estimator's default (README table)
const ZERO_ROWS_OK = 'valid' // a map over rows (queries, transform, add, partialFit): 0 rows in, 0 rows out
const OVERRIDES: Record<string, Record<string, string>> = {
  // queries: undefined means "omitted" (api.md KnnOptions): the corpus against itself.
  'knn (as queries)': { undefined: 'valid', 'zero rows': ZERO_ROWS_OK },
  'new KnnIndex': { 'zero rows': ZERO_ROWS_OK }, // an empty index to add() to; search then is ERR_K_TOO_LARGE
  'KnnIndex.search': { 'zero rows': ZERO_ROWS_OK },
  'KnnIndex.add': { 'zero rows': ZERO_ROWS_OK },
  'PCA.partialFit': { 'zero rows': ZERO_ROWS_OK },
  'PCA.transform': { 'zero rows': ZERO_ROWS_OK },
  'PCA.inverseTransform': { 'zero rows': ZERO_ROWS_OK },
  'Whitener.transform': { 'zero rows': ZERO_ROWS_OK },
  'Whitener.inverseTransform': { 'zero rows': ZERO_ROWS_OK },
  // All rows identical: no neighbour ratio exists. TwoNN's default 'keep' drops every r1 = 0 row
  // and then has too few rows (ERR_EMPTY, README: "too few rows"); the rest refuse with the code
  // of their duplicates policy or ERR_DEGENERATE ("all distances equal").
  twoNN: { 'all rows identical': 'ERR_EMPTY' },
  'estimateId (twoNN, cosine)': { 'all rows identical': 'ERR_EMPTY' },
  'idScaling (twonn)': { 'all rows identical': 'ERR_EMPTY' },
  mle: { 'all rows identical': DUP, 'exact duplicates': DUP },
  gride: { 'all rows identical': DUP, 'exact duplicates': DUP },
  mindMl: { 'all rows identical': DUP, 'exact duplicates': DUP },
  danco: { 'all rows identical': DUP, 'exact duplicates': DUP },
  'idScaling (gride)': { 'all rows identical': DUP, 'exact duplicates': DUP },
  'localId (mle)': { 'all rows identical': 'ERR_DEGENERATE', 'exact duplicates': DUP }, // README: localId MLE rows with a zero distance
  corrInt: { 'all rows identical': 'ERR_DEGENERATE' },
  mom: { 'all rows identical': 'ERR_DEGENERATE' },
  tle: { 'all rows identical': 'ERR_DEGENERATE' },
  mada: { 'all rows identical': 'ERR_DEGENERATE' },
  ess: { 'all rows identical': 'ERR_DEGENERATE' },
  fisherS: { 'all rows identical': 'ERR_DEGENERATE' },
  // issue 17 item 13: lPCA on identical rows (a zero spectrum) is ERR_DEGENERATE in every version
  lpca: { 'all rows identical': 'ERR_DEGENERATE' },
  'lpca (k 10)': { 'all rows identical': 'ERR_DEGENERATE' },
  'localId (lpca)': { 'all rows identical': 'ERR_DEGENERATE' },
  'PCA.fit': { 'all rows identical': 'ERR_DEGENERATE' },
  'PCA.fitTransform': { 'all rows identical': 'ERR_DEGENERATE' },
  'Whitener.fit': { 'all rows identical': 'ERR_DEGENERATE' },
  'whitening.bert': { 'all rows identical': 'ERR_DEGENERATE' },
  'whitening.zca': { 'all rows identical': 'ERR_DEGENERATE' },
  'whitening.zipfian': { 'all rows identical': 'ERR_DEGENERATE' },
  spectrum: { 'all rows identical': 'ERR_DEGENERATE' },
  analyze: { 'all rows identical': 'ERR_DEGENERATE' },
}

/**
 * Known bugs (found by this suite; see the report to the lead): the row asserts the CURRENT
 * (wrong) outcome so the suite passes, and says what it should be. When a fix lands, the row
 * fails: delete its entry here.
 */
const KNOWN_BUGS: Record<string, { observed: string; should: string }> = {
  'knn huge values, sqeuclidean (distances overflow f32)': {
    observed: 'VALID_WITH_NON_FINITE(result.distances[0] = Infinity)',
    should: 'documented (README "Exact nearest neighbours"): f32 distances beyond the f32 range saturate to ±Infinity; the neighbours are still exact',
  },
  'knn huge values, dot': {
    observed: 'VALID_WITH_NON_FINITE(result.distances[0] = -Infinity)',
    should: 'documented (README "Exact nearest neighbours"): f32 distances beyond the f32 range saturate to ±Infinity; the neighbours are still exact',
  },
}

function expectedFor(t: Target, kind: DataKind): string {
  const o = OVERRIDES[t.name]?.[kind.label]
  if (o !== undefined) return o
  if (kind.code !== undefined) return kind.code
  if (kind.special === 'valid') return 'valid'
  const s = kind.special as Special
  return t.special?.[s] ?? 'valid'
}

// ---------------------------------------------------------------------------------------------
// Option cases: per function, options that are wrong in type, range or against the data.

interface OptionCase {
  label: string
  sync?: () => unknown
  async?: () => Promise<unknown>
  code: string
}
const pair = (label: string, code: string, s?: () => unknown, a?: () => Promise<unknown>): OptionCase => ({ label, code, sync: s, async: a })
const knnCase = (label: string, o: unknown, code: string, corpus: () => unknown = X) =>
  pair(`knn ${label}`, code, () => knnSync(corpus() as never, o as never), () => knn(corpus() as never, o as never))
const withZeroRow = () => {
  const a = base.slice()
  a.fill(0, 5 * D, 6 * D)
  return matrix(a, D)
}

const OPTION_CASES: OptionCase[] = [
  knnCase('options undefined', undefined, 'ERR_INVALID_ARG_TYPE'),
  knnCase('options null', null, 'ERR_INVALID_ARG_TYPE'),
  knnCase('options a string', 'k=3', 'ERR_INVALID_ARG_TYPE'),
  knnCase('k missing', {}, 'ERR_INVALID_ARG_TYPE'),
  knnCase('k negative', { k: -1 }, 'ERR_OUT_OF_RANGE'),
  knnCase('k zero', { k: 0 }, 'ERR_OUT_OF_RANGE'),
  knnCase('k fractional', { k: 2.5 }, 'ERR_OUT_OF_RANGE'),
  knnCase('k NaN', { k: NaN }, 'ERR_OUT_OF_RANGE'),
  knnCase('k Infinity', { k: Infinity }, 'ERR_OUT_OF_RANGE'),
  knnCase('k huge (2^53)', { k: 2 ** 53 }, 'ERR_OUT_OF_RANGE'),
  knnCase('k 1e12', { k: 1e12 }, 'ERR_K_TOO_LARGE'),
  knnCase('k a string', { k: '3' }, 'ERR_INVALID_ARG_TYPE'),
  knnCase('k = N (self excluded)', { k: N }, 'ERR_K_TOO_LARGE'),
  knnCase('k = N - 1 (all others)', { k: N - 1 }, 'valid'),
  knnCase('k = N with queries', { k: N, queries: X() }, 'valid'),
  knnCase('k = N + 1 with queries', { k: N + 1, queries: X() }, 'ERR_K_TOO_LARGE'),
  knnCase('metric unknown', { k: 1, metric: 'manhattan' }, 'ERR_INVALID_ARG_VALUE'),
  knnCase('option name misspelt (metirc)', { k: 1, metirc: 'cosine' }, 'ERR_OUT_OF_RANGE'),
  knnCase('metric a number', { k: 1, metric: 2 }, 'ERR_INVALID_ARG_TYPE'),
  knnCase('queries of another width', { k: 1, queries: [[1, 2, 3]] }, 'ERR_SHAPE'),
  knnCase('queries f32 for an f64 corpus', { k: 1, queries: X32() }, 'valid'),
  knnCase('queries null', { k: 1, queries: null }, 'ERR_INVALID_ARG_TYPE'),
  pair('knn signal not an AbortSignal (async twin)', 'ERR_INVALID_ARG_TYPE', undefined, () => knn(X(), { k: 1, signal: {} as never })),
  pair('knn onProgress not a function (async twin)', 'ERR_INVALID_ARG_TYPE', undefined, () => knn(X(), { k: 1, onProgress: 'yes' as never })),
  pair('knnSync ignores run options (the sync twin takes none)', 'valid', () => knnSync(X(), { k: 1, signal: {} as never })),
  pair('knn already-aborted signal', 'ABORT_ERR', undefined, () => knn(X(), { k: 1, signal: AbortSignal.abort() })),
  knnCase('zero rows (dense)', { k: 1 }, 'ERR_EMPTY', () => ({ data: f64(0), rows: 0, cols: D })),
  knnCase('one row, k 1', { k: 1 }, 'ERR_K_TOO_LARGE', () => [[1, 2, 3, 4]]),
  knnCase('zero vector under cosine', { k: 2, metric: 'cosine' }, 'ERR_DEGENERATE', withZeroRow),
  knnCase('zero query under cosine', { k: 2, metric: 'cosine', queries: [[0, 0, 0, 0]] }, 'ERR_DEGENERATE'),
  knnCase('zero vector under euclidean (legal)', { k: 2 }, 'valid', withZeroRow),
  knnCase('zero vector under dot (legal)', { k: 2, metric: 'dot' }, 'valid', withZeroRow),
  knnCase('all-identical rows, k = N - 1', { k: N - 1 }, 'valid', identical),
  knnCase('huge values, sqeuclidean (distances overflow f32)', { k: 2, metric: 'sqeuclidean' }, 'valid', huge),
  knnCase('huge values, cosine', { k: 2, metric: 'cosine' }, 'valid', huge),
  knnCase('huge values, dot', { k: 2, metric: 'dot' }, 'valid', huge),
  pair('KnnIndex options a string', 'ERR_INVALID_ARG_TYPE', () => new KnnIndex(X(), 'cosine' as never)),
  pair('KnnIndex metric unknown', 'ERR_INVALID_ARG_VALUE', () => new KnnIndex(X(), { metric: 'l1' as never })),
  pair('KnnIndex option name misspelt', 'ERR_OUT_OF_RANGE', () => new KnnIndex(X(), { metirc: 'cosine' } as never)),
  pair('KnnIndex.search option name misspelt', 'ERR_OUT_OF_RANGE', () => index().searchSync(X(), { k: 1, kk: 2 } as never), () => index().search(X(), { k: 1, kk: 2 } as never)),
  pair('KnnIndex zero row under cosine', 'ERR_DEGENERATE', () => new KnnIndex(withZeroRow(), { metric: 'cosine' })),
  pair('KnnIndex.add zero row under cosine', 'ERR_DEGENERATE', () => index('cosine').add([[0, 0, 0, 0]])),
  pair('KnnIndex.add another width', 'ERR_SHAPE', () => index().add([[1, 2]])),
  pair('KnnIndex.search k > size', 'ERR_K_TOO_LARGE', () => index().searchSync(X(), { k: N + 1 }), () => index().search(X(), { k: N + 1 })),
  pair('KnnIndex.search k = size', 'valid', () => index().searchSync(X(), { k: N }), () => index().search(X(), { k: N })),
  pair('KnnIndex.search k 0', 'ERR_OUT_OF_RANGE', () => index().searchSync(X(), { k: 0 }), () => index().search(X(), { k: 0 })),
  pair('KnnIndex.search options undefined', 'ERR_INVALID_ARG_TYPE', () => index().searchSync(X(), undefined as never), () => index().search(X(), undefined as never)),
  pair('KnnIndex.search another width', 'ERR_SHAPE', () => index().searchSync([[1, 2]], { k: 1 }), () => index().search([[1, 2]], { k: 1 })),
  pair('KnnIndex.search zero query under cosine', 'ERR_DEGENERATE', () => index('cosine').searchSync([[0, 0, 0, 0]], { k: 1 }), () => index('cosine').search([[0, 0, 0, 0]], { k: 1 })),
  pair('KnnIndex.search after dispose', 'ERR_NOT_FITTED', () => {
    const i = index()
    i.dispose()
    return i.searchSync(X(), { k: 1 })
  }, () => {
    const i = index()
    i.dispose()
    return i.search(X(), { k: 1 })
  }),
  pair('KnnIndex.serialize after dispose', 'ERR_NOT_FITTED', () => {
    const i = index()
    i.dispose()
    return i.serialize()
  }),
  pair('KnnIndex dispose twice (idempotent)', 'valid', () => {
    const i = index()
    i.dispose()
    i.dispose()
    return 0
  }),
  pair('KnnIndex.dispose while a search runs', 'ERR_BUSY', () => {
    const i = new KnnIndex(matrix(randomData(4000, 32, 3), 32))
    const p = i.search(matrix(randomData(4000, 32, 4), 32), { k: 5 })
    try {
      i.dispose()
      return 'disposed'
    } finally {
      void p.catch(() => {})
    }
  }),
  pair('KnnIndex.deserialize garbage', 'ERR_BAD_MODEL', () => KnnIndex.deserialize(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]))),
  pair('KnnIndex.deserialize empty', 'ERR_BAD_MODEL', () => KnnIndex.deserialize(new Uint8Array(0))),
  pair('KnnIndex.deserialize truncated', 'ERR_BAD_MODEL', () => {
    const b = index().serialize()
    return KnnIndex.deserialize(b.subarray(0, b.length - 9))
  }),
  pair('KnnIndex.deserialize one flipped byte', 'ERR_BAD_MODEL', () => {
    const b = index().serialize().slice()
    b[b.length - 20]! ^= 0x55
    return KnnIndex.deserialize(b)
  }),
  pair('KnnIndex.deserialize a string', 'ERR_INVALID_ARG_TYPE', () => KnnIndex.deserialize('index' as never)),
  pair('recall approx null', 'ERR_INVALID_ARG_TYPE', () => recall(null as never, knnSync(X(), { k: 2 }))),
  pair('recall Float32Array indices', 'ERR_INVALID_ARG_TYPE', () => recall({ indices: new Float32Array(N * 2) as never, k: 2 }, knnSync(X(), { k: 2 }))),
  pair('recall k 0', 'ERR_OUT_OF_RANGE', () => recall({ indices: new Uint32Array(0), k: 0 }, knnSync(X(), { k: 2 }))),
  pair('recall wrong length', 'ERR_SHAPE', () => recall({ indices: new Uint32Array(N * 2 - 1), k: 2 }, knnSync(X(), { k: 2 }))),
  pair('recall exact not a KnnResult', 'ERR_INVALID_ARG_TYPE', () => recall({ indices: new Uint32Array(N * 2), k: 2 }, {} as never)),
  pair('recall with -1 padding (legal)', 'valid', () => recall({ indices: new Int32Array(N * 2).fill(-1), k: 2 }, knnSync(X(), { k: 2 }))),
  pair('recall BigUint64Array (legal)', 'valid', () => recall({ indices: new BigUint64Array(N * 2), k: 2 }, knnSync(X(), { k: 2 }))),
  pair('recall approx k > exact k (legal)', 'valid', () => recall({ indices: new Uint32Array(N * 5), k: 5 }, knnSync(X(), { k: 2 }))),
  // Intrinsic dimension options.
  pair('twoNN options null', 'ERR_INVALID_ARG_TYPE', () => twoNNSync(X(), null as never), () => twoNN(X(), null as never)),
  pair('twoNN options undefined (legal)', 'valid', () => twoNNSync(X(), undefined), () => twoNN(X(), undefined)),
  pair('twoNN discardFraction 1', 'ERR_OUT_OF_RANGE', () => twoNNSync(X(), { discardFraction: 1 }), () => twoNN(X(), { discardFraction: 1 })),
  pair('twoNN discardFraction 0 with regression', 'ERR_OUT_OF_RANGE', () => twoNNSync(X(), { discardFraction: 0 }), () => twoNN(X(), { discardFraction: 0 })),
  pair('twoNN unknown option', 'ERR_OUT_OF_RANGE', () => twoNNSync(X(), { k: 3 } as never), () => twoNN(X(), { k: 3 } as never)),
  pair('twoNN duplicates error with duplicates', 'ERR_DUPLICATES', () => twoNNSync(duplicated(), { duplicates: 'error' }), () => twoNN(duplicated(), { duplicates: 'error' })),
  pair('twoNN duplicates drop with duplicates', 'valid', () => twoNNSync(duplicated(), { duplicates: 'drop' }), () => twoNN(duplicated(), { duplicates: 'drop' })),
  pair('twoNN zero vector under cosine', 'ERR_DEGENERATE', () => twoNNSync(withZeroRow(), { metric: 'cosine' }), () => twoNN(withZeroRow(), { metric: 'cosine' })),
  pair('twoNN neighbors of another X', 'ERR_SHAPE', () => twoNNSync(X(), { neighbors: knnSync(matrix(base.slice(0, 40 * D), D), { k: 2 }) }), () =>
    twoNN(X(), { neighbors: knnSync(matrix(base.slice(0, 40 * D), D), { k: 2 }) })),
  pair('twoNN neighbors with k 1', 'ERR_K_TOO_LARGE', () => twoNNSync(X(), { neighbors: knnSync(X(), { k: 1 }) }), () => twoNN(X(), { neighbors: knnSync(X(), { k: 1 }) })),
  pair('twoNN neighbors not a KnnResult', 'ERR_INVALID_ARG_TYPE', () => twoNNSync(X(), { neighbors: {} as never }), () => twoNN(X(), { neighbors: {} as never })),
  pair('twoNN neighbors with sqeuclidean', 'ERR_OUT_OF_RANGE', () => twoNNSync(X(), { neighbors: knnSync(X(), { k: 2, metric: 'sqeuclidean' }) }), () =>
    twoNN(X(), { neighbors: knnSync(X(), { k: 2, metric: 'sqeuclidean' }) })),
  pair('mle k 1', 'ERR_OUT_OF_RANGE', () => mleSync(X(), { k: 1 }), () => mle(X(), { k: 1 })),
  pair('mle k -3', 'ERR_OUT_OF_RANGE', () => mleSync(X(), { k: -3 }), () => mle(X(), { k: -3 })),
  pair('mle k 2.5', 'ERR_OUT_OF_RANGE', () => mleSync(X(), { k: 2.5 }), () => mle(X(), { k: 2.5 })),
  pair('mle k = N (given k > N - 1)', 'ERR_K_TOO_LARGE', () => mleSync(X(), { k: N }), () => mle(X(), { k: N })),
  pair('mle k 1e9 (given k > N - 1)', 'ERR_K_TOO_LARGE', () => mleSync(X(), { k: 1e9 }), () => mle(X(), { k: 1e9 })),
  pair('mle k a string', 'ERR_INVALID_ARG_TYPE', () => mleSync(X(), { k: '5' as never }), () => mle(X(), { k: '5' as never })),
  pair('mle aggregate unknown', 'ERR_INVALID_ARG_VALUE', () => mleSync(X(), { aggregate: 'mode' as never }), () => mle(X(), { aggregate: 'mode' as never })),
  pair('mle neighbors with k < options.k', 'ERR_K_TOO_LARGE', () => mleSync(X(), { k: 10, neighbors: knnSync(X(), { k: 3 }) }), () => mle(X(), { k: 10, neighbors: knnSync(X(), { k: 3 }) })),
  pair('gride n2 <= n1', 'ERR_OUT_OF_RANGE', () => grideSync(X(), { n1: 4, n2: 4 }), () => gride(X(), { n1: 4, n2: 4 })),
  pair('gride n2 >= N', 'ERR_K_TOO_LARGE', () => grideSync(X(), { n1: 1, n2: N }), () => gride(X(), { n1: 1, n2: N })),
  pair('gride d0 negative', 'ERR_OUT_OF_RANGE', () => grideSync(X(), { d0: -1 }), () => gride(X(), { d0: -1 })),
  pair('lpca version unknown', 'ERR_INVALID_ARG_VALUE', () => lpcaSync(X(), { version: 'MP' as never }), () => lpca(X(), { version: 'MP' as never })),
  pair('lpca k = N', 'ERR_K_TOO_LARGE', () => lpcaSync(X(), { k: N }), () => lpca(X(), { k: N })),
  pair('lpca cosine without k', 'ERR_OUT_OF_RANGE', () => lpcaSync(X(), { metric: 'cosine' }), () => lpca(X(), { metric: 'cosine' })),
  pair('corrInt k2 >= N (given k2 > N - 1)', 'ERR_K_TOO_LARGE', () => corrIntSync(X(), { k1: 2, k2: N }), () => corrInt(X(), { k1: 2, k2: N })),
  pair('corrInt k1 0', 'ERR_OUT_OF_RANGE', () => corrIntSync(X(), { k1: 0 }), () => corrInt(X(), { k1: 0 })),
  pair('mom k 1e6 (given k > N - 1)', 'ERR_K_TOO_LARGE', () => momSync(X(), { k: 1e6 }), () => mom(X(), { k: 1e6 })),
  pair('tle epsilon negative', 'ERR_OUT_OF_RANGE', () => tleSync(X(), { epsilon: -1 }), () => tle(X(), { epsilon: -1 })),
  pair('mindMl maxDim 0', 'ERR_OUT_OF_RANGE', () => mindMlSync(X(), { maxDim: 0 }), () => mindMl(X(), { maxDim: 0 })),
  pair('danco k = N (given k > N - 2)', 'ERR_K_TOO_LARGE', () => dancoSync(X(), { k: N }), () => danco(X(), { k: N })),
  pair('ess duplicates (no policy)', 'ERR_OUT_OF_RANGE', () => essSync(X(), { duplicates: 'keep' } as never), () => ess(X(), { duplicates: 'keep' } as never)),
  pair("ess version 'b' with d 2", 'ERR_OUT_OF_RANGE', () => essSync(X(), { version: 'b', d: 2 }), () => ess(X(), { version: 'b', d: 2 })),
  pair('fisherS metric cosine', 'ERR_OUT_OF_RANGE', () => fisherSSync(X(), { metric: 'cosine' }), () => fisherS(X(), { metric: 'cosine' })),
  pair('fisherS alphas empty', 'ERR_OUT_OF_RANGE', () => fisherSSync(X(), { alphas: [] }), () => fisherS(X(), { alphas: [] })),
  pair('fisherS alphas with 1', 'ERR_OUT_OF_RANGE', () => fisherSSync(X(), { alphas: [0.5, 1] }), () => fisherS(X(), { alphas: [0.5, 1] })),
  pair('fisherS alphas with a string', 'ERR_INVALID_ARG_TYPE', () => fisherSSync(X(), { alphas: [0.5, '0.6'] as never }), () => fisherS(X(), { alphas: [0.5, '0.6'] as never })),
  pair('knnId ps beyond N', 'ERR_OUT_OF_RANGE', () => knnIdSync(X(), { ps: [N + 5] }), () => knnId(X(), { ps: [N + 5] })),
  pair('knnId seed negative', 'ERR_OUT_OF_RANGE', () => knnIdSync(X(), { seed: -1 }), () => knnId(X(), { seed: -1 })),
  pair('knnId seed fractional', 'ERR_OUT_OF_RANGE', () => knnIdSync(X(), { seed: 0.5 }), () => knnId(X(), { seed: 0.5 })),
  pair('estimateId options undefined', 'ERR_INVALID_ARG_TYPE', () => estimateIdSync(X(), undefined as never), () => estimateId(X(), undefined as never)),
  pair('estimateId method missing', 'ERR_INVALID_ARG_TYPE', () => estimateIdSync(X(), {} as never), () => estimateId(X(), {} as never)),
  pair('estimateId method unknown', 'ERR_INVALID_ARG_VALUE', () => estimateIdSync(X(), { method: 'pca' } as never), () => estimateId(X(), { method: 'pca' } as never)),
  pair('estimateId method a number', 'ERR_INVALID_ARG_TYPE', () => estimateIdSync(X(), { method: 3 } as never), () => estimateId(X(), { method: 3 } as never)),
  pair("estimateId 'mind_ml' spelling (legal)", 'valid', () => estimateIdSync(X(), { method: 'mind_ml', k: 10 } as never), () => estimateId(X(), { method: 'mind_ml', k: 10 } as never)),
  pair('localId options undefined', 'ERR_INVALID_ARG_TYPE', () => localIdSync(X(), undefined as never), () => localId(X(), undefined as never)),
  pair('localId method unknown', 'ERR_INVALID_ARG_VALUE', () => localIdSync(X(), { method: 'twoNN' as never }), () => localId(X(), { method: 'twoNN' as never })),
  pair('localId k = N', 'ERR_K_TOO_LARGE', () => localIdSync(X(), { method: 'mle', k: N }), () => localId(X(), { method: 'mle', k: N })),
  pair('localId k 1', 'ERR_OUT_OF_RANGE', () => localIdSync(X(), { method: 'mle', k: 1 }), () => localId(X(), { method: 'mle', k: 1 })),
  pair('localId seed (not an option)', 'ERR_OUT_OF_RANGE', () => localIdSync(X(), { method: 'mle', seed: 1 } as never), () => localId(X(), { method: 'mle', seed: 1 } as never)),
  pair('localId mle with duplicates', 'ERR_DUPLICATES', () => localIdSync(duplicated(), { method: 'mle', k: 5 }), () => localId(duplicated(), { method: 'mle', k: 5 })),
  pair('idScaling options undefined', 'ERR_INVALID_ARG_TYPE', () => idScalingSync(X(), undefined as never), () => idScaling(X(), undefined as never)),
  pair('idScaling method unknown', 'ERR_INVALID_ARG_VALUE', () => idScalingSync(X(), { method: 'mle' } as never), () => idScaling(X(), { method: 'mle' } as never)),
  pair('idScaling twonn cosine', 'ERR_OUT_OF_RANGE', () => idScalingSync(X(), { method: 'twonn', metric: 'cosine' } as never), () => idScaling(X(), { method: 'twonn', metric: 'cosine' } as never)),
  pair('idScaling gride rangeMax 1', 'ERR_OUT_OF_RANGE', () => idScalingSync(X(), { method: 'gride', rangeMax: 1 }), () => idScaling(X(), { method: 'gride', rangeMax: 1 })),
  pair('idScaling gride rangeMax huge (given rangeMax > N - 1)', 'ERR_K_TOO_LARGE', () => idScalingSync(X(), { method: 'gride', rangeMax: 1e6 }), () => idScaling(X(), { method: 'gride', rangeMax: 1e6 })),
  pair('idScaling twonn nMin >= N', 'ERR_OUT_OF_RANGE', () => idScalingSync(X(), { method: 'twonn', nMin: N }), () => idScaling(X(), { method: 'twonn', nMin: N })),
  // PCA and whitening.
  pair('PCA options a string', 'ERR_INVALID_ARG_TYPE', () => new PCA('all' as never)),
  pair('PCA options null', 'ERR_INVALID_ARG_TYPE', () => new PCA(null as never)),
  pair('PCA nComponents 0', 'ERR_OUT_OF_RANGE', () => new PCA({ nComponents: 0 })),
  pair('PCA nComponents -1', 'ERR_OUT_OF_RANGE', () => new PCA({ nComponents: -1 })),
  pair('PCA nComponents 1.5', 'ERR_OUT_OF_RANGE', () => new PCA({ nComponents: 1.5 })),
  pair('PCA nComponents > d at fit', 'ERR_OUT_OF_RANGE', () => new PCA({ nComponents: D + 1 }).fitSync(X()), () => new PCA({ nComponents: D + 1 }).fit(X())),
  pair('PCA nComponents huge at fit', 'ERR_OUT_OF_RANGE', () => new PCA({ nComponents: 2 ** 31 }).fitSync(X()), () => new PCA({ nComponents: 2 ** 31 }).fit(X())),
  pair('PCA varianceRatio 1', 'ERR_OUT_OF_RANGE', () => new PCA({ nComponents: { varianceRatio: 1 } })),
  pair('PCA varianceRatio NaN', 'ERR_OUT_OF_RANGE', () => new PCA({ nComponents: { varianceRatio: NaN } })),
  pair('PCA solver unknown', 'ERR_INVALID_ARG_VALUE', () => new PCA({ solver: 'arpack' as never })),
  pair('PCA option name misspelt', 'ERR_OUT_OF_RANGE', () => new PCA({ nComponent: 2 } as never)),
  pair('PCA.fit option name misspelt', 'ERR_OUT_OF_RANGE', undefined, () => new PCA().fit(X(), { sginal: undefined, onProgres: () => {} } as never)),
  pair('PCA whiten a string', 'ERR_INVALID_ARG_TYPE', () => new PCA({ whiten: 'yes' as never })),
  pair('PCA seed negative', 'ERR_OUT_OF_RANGE', () => new PCA({ seed: -1 })),
  pair('PCA transform before fit', 'ERR_NOT_FITTED', () => new PCA().transformSync(X()), () => new PCA().transform(X())),
  pair('PCA inverseTransform before fit', 'ERR_NOT_FITTED', () => new PCA().inverseTransformSync(X()), () => new PCA().inverseTransform(X())),
  pair('PCA attribute before fit', 'ERR_NOT_FITTED', () => new PCA().components),
  pair('PCA transform with another width', 'ERR_SHAPE', () => fitted().transformSync([[1, 2, 3]]), () => fitted().transform([[1, 2, 3]])),
  pair('PCA inverseTransform with another width', 'ERR_SHAPE', () => new PCA({ nComponents: 2 }).fitSync(X()).inverseTransformSync(X()), () => new PCA({ nComponents: 2 }).fitSync(X()).inverseTransform(X())),
  pair('PCA partialFit with another width', 'ERR_SHAPE', () => new PCA().partialFit(X()).partialFit([[1, 2, 3]])),
  pair('PCA merge with another width', 'ERR_SHAPE', () => new PCA().partialFit(X()).merge(new PCA().partialFit([[1, 2, 3], [3, 2, 1], [0, 1, 0]]))),
  pair('PCA merge with a non-PCA', 'ERR_INVALID_ARG_TYPE', () => new PCA().partialFit(X()).merge({} as never)),
  pair('PCA merge of an unfitted PCA', 'ERR_NOT_FITTED', () => new PCA().partialFit(X()).merge(new PCA())),
  pair('PCA merge into an unfitted PCA (legal)', 'valid', () => new PCA().merge(new PCA().partialFit(X())).nSamplesSeen),
  pair('PCA merge of a PCA fitted by SVD', 'ERR_OUT_OF_RANGE', () => new PCA().partialFit(X()).merge(new PCA({ solver: 'svd' }).fitSync(X()))),
  pair('PCA second fit while one runs', 'ERR_BUSY', undefined, async () => {
    const p = new PCA()
    const big = matrix(randomData(20_000, 16, 5), 16)
    const first = p.fit(big)
    try {
      return await p.fit(X())
    } finally {
      await first
    }
  }),
  pair('PCA.fromJSON garbage', 'ERR_BAD_MODEL', () => PCA.fromJSON({ hello: 'world' })),
  pair('PCA.fromJSON invalid text', 'ERR_BAD_MODEL', () => PCA.fromJSON('{not json')),
  pair('PCA.fromJSON a number', 'ERR_INVALID_ARG_TYPE', () => PCA.fromJSON(3)),
  pair('PCA.fromJSON of a Whitener', 'ERR_BAD_MODEL', () => PCA.fromJSON(fittedWhitener().toJSON())),
  pair('PCA.deserialize garbage', 'ERR_BAD_MODEL', () => PCA.deserialize(new Uint8Array(64).fill(7))),
  pair('PCA.deserialize truncated', 'ERR_BAD_MODEL', () => {
    const b = fitted().serialize()
    return PCA.deserialize(b.subarray(0, b.length >> 1))
  }),
  pair('PCA.deserialize of a Whitener', 'ERR_BAD_MODEL', () => PCA.deserialize(fittedWhitener().serialize())),
  pair('PCA.deserialize a number[]', 'ERR_INVALID_ARG_TYPE', () => PCA.deserialize([1, 2, 3] as never)),
  pair('PCA.deserialize of a KnnIndex', 'ERR_BAD_MODEL', () => PCA.deserialize(index().serialize())),
  pair('KnnIndex.deserialize of a PCA', 'ERR_BAD_MODEL', () => KnnIndex.deserialize(fitted().serialize())),
  pair('PCA fit all-zero data', 'ERR_DEGENERATE', () => new PCA().fitSync(matrix(f64(N * D), D)).explainedVarianceRatio, async () => (await new PCA().fit(matrix(f64(N * D), D))).explainedVarianceRatio),
  pair('Whitener options a number', 'ERR_INVALID_ARG_TYPE', () => new Whitener(3 as never)),
  pair('Whitener method unknown', 'ERR_INVALID_ARG_VALUE', () => new Whitener({ method: 'pcaa' as never })),
  pair('Whitener option name misspelt', 'ERR_OUT_OF_RANGE', () => new Whitener({ epsilion: 1e-3 } as never)),
  pair('Whitener.fit option name misspelt', 'ERR_OUT_OF_RANGE', () => new Whitener().fitSync(X(), { weight: [1] } as never), () => new Whitener().fit(X(), { weight: [1] } as never)),
  pair('Whitener epsilon negative', 'ERR_OUT_OF_RANGE', () => new Whitener({ epsilon: -1 })),
  pair('Whitener epsilon NaN', 'ERR_OUT_OF_RANGE', () => new Whitener({ epsilon: NaN })),
  pair('Whitener epsilon Infinity', 'ERR_OUT_OF_RANGE', () => new Whitener({ epsilon: Infinity })),
  pair('Whitener nComponents 0', 'ERR_OUT_OF_RANGE', () => new Whitener({ nComponents: 0 })),
  pair('Whitener nComponents > d at fit', 'ERR_OUT_OF_RANGE', () => new Whitener({ nComponents: D + 1 }).fitSync(X()), () => new Whitener({ nComponents: D + 1 }).fit(X())),
  pair('Whitener normalize unknown', 'ERR_INVALID_ARG_VALUE', () => new Whitener({ normalize: 'l1' as never })),
  pair('Whitener transform before fit', 'ERR_NOT_FITTED', () => new Whitener().transformSync(X()), () => new Whitener().transform(X())),
  pair('Whitener transform another width', 'ERR_SHAPE', () => fittedWhitener().transformSync([[1, 2]]), () => fittedWhitener().transform([[1, 2]])),
  pair('Whitener singular covariance, epsilon 0', 'ERR_DEGENERATE', () => new Whitener({ epsilon: 0 }).fitSync(matrix(Float64Array.from(base, (v, i) => (i % D === 3 ? 0 : v)), D)), () =>
    new Whitener({ epsilon: 0 }).fit(matrix(Float64Array.from(base, (v, i) => (i % D === 3 ? 0 : v)), D))),
  pair('Whitener singular covariance, default epsilon (regularised, legal)', 'valid', () => new Whitener().fitSync(matrix(Float64Array.from(base, (v, i) => (i % D === 3 ? 0 : v)), D)), () =>
    new Whitener().fit(matrix(Float64Array.from(base, (v, i) => (i % D === 3 ? 0 : v)), D))),
  pair('Whitener weights of another length', 'ERR_SHAPE', () => new Whitener().fitSync(X(), { weights: [1, 2] }), () => new Whitener().fit(X(), { weights: [1, 2] })),
  pair('Whitener weights negative', 'ERR_OUT_OF_RANGE', () => new Whitener().fitSync(X(), { weights: new Float64Array(N).fill(-1) }), () => new Whitener().fit(X(), { weights: new Float64Array(N).fill(-1) })),
  pair('Whitener weights NaN', 'ERR_OUT_OF_RANGE', () => new Whitener().fitSync(X(), { weights: new Float64Array(N).fill(NaN) }), () => new Whitener().fit(X(), { weights: new Float64Array(N).fill(NaN) })),
  pair('Whitener weights all zero', 'ERR_OUT_OF_RANGE', () => new Whitener().fitSync(X(), { weights: new Float64Array(N) }), () => new Whitener().fit(X(), { weights: new Float64Array(N) })),
  pair('Whitener weights a string', 'ERR_INVALID_ARG_TYPE', () => new Whitener().fitSync(X(), { weights: 'zipf' as never }), () => new Whitener().fit(X(), { weights: 'zipf' as never })),
  pair('Whitener.fromJSON garbage', 'ERR_BAD_MODEL', () => Whitener.fromJSON('[]')),
  pair('Whitener.deserialize of a PCA', 'ERR_BAD_MODEL', () => Whitener.deserialize(fitted().serialize())),
  pair('whitening.bert options a string', 'ERR_INVALID_ARG_TYPE', () => whitening.bert('x' as never)),
  pair('whitening.zca epsilon a string', 'ERR_INVALID_ARG_TYPE', () => whitening.zca({ epsilon: '1' as never })),
  pair('whitening.zipfian nComponents -2', 'ERR_OUT_OF_RANGE', () => whitening.zipfian({ nComponents: -2 })),
  pair('whitening.bert option name misspelt', 'ERR_OUT_OF_RANGE', () => whitening.bert({ ncomponents: 2 } as never)),
  pair('whitening.zca option name misspelt', 'ERR_OUT_OF_RANGE', () => whitening.zca({ eps: 0.1 } as never)),
  pair('whitening.zipfian option name misspelt', 'ERR_OUT_OF_RANGE', () => whitening.zipfian({ method: 'zca' } as never)),
  pair('allButTheTop options undefined', 'ERR_INVALID_ARG_TYPE', () => allButTheTopSync(X(), undefined as never), () => allButTheTop(X(), undefined as never)),
  pair('allButTheTop remove > d', 'ERR_OUT_OF_RANGE', () => allButTheTopSync(X(), { remove: D + 1 }), () => allButTheTop(X(), { remove: D + 1 })),
  pair('allButTheTop remove -1', 'ERR_OUT_OF_RANGE', () => allButTheTopSync(X(), { remove: -1 }), () => allButTheTop(X(), { remove: -1 })),
  pair('allButTheTop remove 0 (legal)', 'valid', () => allButTheTopSync(X(), { remove: 0 }), () => allButTheTop(X(), { remove: 0 })),
  pair('allButTheTop option name misspelt', 'ERR_OUT_OF_RANGE', () => allButTheTopSync(X(), { remove: 1, remvoe: 2 } as never), () => allButTheTop(X(), { remove: 1, remvoe: 2 } as never)),
  pair('columnStats ddof = n', 'ERR_EMPTY', () => columnStatsSync(X(), { ddof: N }), () => columnStats(X(), { ddof: N })),
  pair('columnStats options an array', 'ERR_INVALID_ARG_TYPE', () => columnStatsSync(X(), [] as never), () => columnStats(X(), [] as never)),
  pair('columnStats option name misspelt', 'ERR_OUT_OF_RANGE', () => columnStatsSync(X(), { dof: 1 } as never), () => columnStats(X(), { dof: 1 } as never)),
  // Summary measures that take no matrix.
  pair('hubness of knn (legal)', 'valid', () => hubnessSync(knnSync(X(), { k: 3 })), () => hubness(knnSync(X(), { k: 3 }))),
  pair('hubness null', 'ERR_INVALID_ARG_TYPE', () => hubnessSync(null as never), () => hubness(null as never)),
  pair('hubness indices too short', 'ERR_SHAPE', () => hubnessSync({ indices: new Uint32Array(5), rows: 2, k: 3 } as never), () => hubness({ indices: new Uint32Array(5), rows: 2, k: 3 } as never)),
  pair('hubness negative index', 'ERR_OUT_OF_RANGE', () => hubnessSync({ indices: Int32Array.of(1, -1, 0, 1), rows: 2, k: 2 } as never), () => hubness({ indices: Int32Array.of(1, -1, 0, 1), rows: 2, k: 2 } as never)),
  // Mergeable hubness: the neighbour-list cases of hubness, plus its options, merge and bytes.
  pair('hubnessPart of knn (legal)', 'valid', () => hubnessPartSync(knnSync(X(), { k: 3 }), { points: N }), () => hubnessPart(knnSync(X(), { k: 3 }), { points: N })),
  pair('hubnessPart null', 'ERR_INVALID_ARG_TYPE', () => hubnessPartSync(null as never, { points: N }), () => hubnessPart(null as never, { points: N })),
  pair('hubnessPart options undefined', 'ERR_INVALID_ARG_TYPE', () => hubnessPartSync(knnSync(X(), { k: 3 }), undefined as never), () => hubnessPart(knnSync(X(), { k: 3 }), undefined as never)),
  pair('hubnessPart points missing', 'ERR_INVALID_ARG_TYPE', () => hubnessPartSync(knnSync(X(), { k: 3 }), {} as never), () => hubnessPart(knnSync(X(), { k: 3 }), {} as never)),
  pair('hubnessPart points below an index', 'ERR_OUT_OF_RANGE', () => hubnessPartSync(knnSync(X(), { k: 3 }), { points: 2 }), () => hubnessPart(knnSync(X(), { k: 3 }), { points: 2 })),
  pair('hubnessPart points 2.5', 'ERR_OUT_OF_RANGE', () => hubnessPartSync(knnSync(X(), { k: 3 }), { points: 2.5 }), () => hubnessPart(knnSync(X(), { k: 3 }), { points: 2.5 })),
  pair('hubnessPart queryOffset NaN', 'ERR_OUT_OF_RANGE', () => hubnessPartSync(knnSync(X(), { k: 3 }), { points: N, queryOffset: NaN }), () => hubnessPart(knnSync(X(), { k: 3 }), { points: N, queryOffset: NaN })),
  pair('hubnessPart indices too short', 'ERR_SHAPE', () => hubnessPartSync({ indices: new Uint32Array(5), rows: 2, k: 3 } as never, { points: N }), () => hubnessPart({ indices: new Uint32Array(5), rows: 2, k: 3 } as never, { points: N })),
  pair('hubnessPart negative index', 'ERR_OUT_OF_RANGE', () => hubnessPartSync({ indices: Int32Array.of(1, -1, 0, 1), rows: 2, k: 2 } as never, { points: N }), () => hubnessPart({ indices: Int32Array.of(1, -1, 0, 1), rows: 2, k: 2 } as never, { points: N })),
  pair('hubnessPart indices a Float64Array', 'ERR_INVALID_ARG_TYPE', () => hubnessPartSync({ indices: new Float64Array(4), rows: 2, k: 2 } as never, { points: N }), () => hubnessPart({ indices: new Float64Array(4), rows: 2, k: 2 } as never, { points: N })),
  pair('hubnessPart option name misspelt', 'ERR_OUT_OF_RANGE', () => hubnessPartSync(knnSync(X(), { k: 3 }), { points: N, queryoffset: 1 } as never), () => hubnessPart(knnSync(X(), { k: 3 }), { points: N, queryoffset: 1 } as never)),
  pair('mergeHubness no parts', 'ERR_EMPTY', () => mergeHubness([])),
  pair('mergeHubness a part without counts', 'ERR_INVALID_ARG_TYPE', () => mergeHubness([{ k: 3, rows: 1, queryOffset: 0 }] as never)),
  pair('mergeHubness the same rows twice', 'ERR_OUT_OF_RANGE', () => {
    const p = hubnessPartSync(knnSync(X(), { k: 3 }), { points: N })
    return mergeHubness([p, p])
  }),
  pair('mergeHubness hubSize NaN', 'ERR_OUT_OF_RANGE', () => mergeHubness([hubnessPartSync(knnSync(X(), { k: 3 }), { points: N })], { hubSize: NaN })),
  pair('hubnessPartFromBytes garbage', 'ERR_BAD_MODEL', () => hubnessPartFromBytes(new Uint8Array(64).fill(7))),
  pair('hubnessPartFromBytes truncated', 'ERR_BAD_MODEL', () => {
    const b = hubnessPartToBytes(hubnessPartSync(knnSync(X(), { k: 3 }), { points: N }))
    return hubnessPartFromBytes(b.subarray(0, b.length - 1))
  }),
  pair('hubnessPartFromBytes a string', 'ERR_INVALID_ARG_TYPE', () => hubnessPartFromBytes('part' as never)),
  pair('effectiveRank empty', 'ERR_EMPTY', () => effectiveRank([])),
  pair('effectiveRank NaN', 'ERR_OUT_OF_RANGE', () => effectiveRank([1, NaN])),
  pair('effectiveRank all zero', 'ERR_DEGENERATE', () => effectiveRank([0, 0])),
  pair('effectiveRank a string', 'ERR_INVALID_ARG_TYPE', () => effectiveRank('1,2' as never)),
  pair('spectrum rankRtol negative', 'ERR_OUT_OF_RANGE', () => spectrumSync(X(), { rankRtol: -1 } as never), () => spectrum(X(), { rankRtol: -1 } as never)),
  pair('anisotropy unknown option', 'ERR_OUT_OF_RANGE', undefined, () => anisotropy(X(), { k: 3 } as never)),
  pair('spectrum option name misspelt', 'ERR_OUT_OF_RANGE', () => spectrumSync(X(), { rankTol: 1e-9 } as never), () => spectrum(X(), { rankTol: 1e-9 } as never)),
  pair('hubness option name misspelt', 'ERR_OUT_OF_RANGE', () => hubnessSync(knnSync(X(), { k: 3 }), { hubsize: 3 } as never), () => hubness(knnSync(X(), { k: 3 }), { hubsize: 3 } as never)),
  pair('duplicates option name misspelt', 'ERR_OUT_OF_RANGE', undefined, () => duplicates(X(), { exact: true } as never)),
  pair('analyze 7 rows', 'ERR_EMPTY', undefined, () => analyze(matrix(base.slice(0, 7 * D), D))),
  pair('analyze metric unknown', 'ERR_INVALID_ARG_VALUE', undefined, () => analyze(X(), { metric: 'dot' } as never)),
  pair('analyze option name misspelt', 'ERR_OUT_OF_RANGE', undefined, () => analyze(X(), { localk: 5 } as never)),
  pair('analyze k 0', 'ERR_OUT_OF_RANGE', undefined, () => analyze(X(), { k: 0 })),
  // Datasets.
  pair('benchmarkManifold unknown name', 'ERR_OUT_OF_RANGE', () => datasets.benchmarkManifold('M99' as never, { n: 10 })),
  pair('benchmarkManifold name a number', 'ERR_INVALID_ARG_TYPE', () => datasets.benchmarkManifold(7 as never, { n: 10 })),
  pair('benchmarkManifold options undefined', 'ERR_INVALID_ARG_TYPE', () => datasets.benchmarkManifold('M7_Roll', undefined as never)),
  pair('benchmarkManifold n missing', 'ERR_INVALID_ARG_TYPE', () => datasets.benchmarkManifold('M7_Roll', {} as never)),
  pair('benchmarkManifold n 0', 'ERR_OUT_OF_RANGE', () => datasets.benchmarkManifold('M7_Roll', { n: 0 })),
  pair('benchmarkManifold n -5', 'ERR_OUT_OF_RANGE', () => datasets.benchmarkManifold('M7_Roll', { n: -5 })),
  pair('benchmarkManifold n 2.5', 'ERR_OUT_OF_RANGE', () => datasets.benchmarkManifold('M7_Roll', { n: 2.5 })),
  pair('benchmarkManifold n 2^32', 'ERR_OUT_OF_RANGE', () => datasets.benchmarkManifold('M7_Roll', { n: 2 ** 32 })),
  pair('benchmarkManifold n a string', 'ERR_INVALID_ARG_TYPE', () => datasets.benchmarkManifold('M7_Roll', { n: '10' as never })),
  pair('benchmarkManifold noise negative', 'ERR_OUT_OF_RANGE', () => datasets.benchmarkManifold('M7_Roll', { n: 10, noise: -0.1 })),
  pair('benchmarkManifold noise NaN', 'ERR_OUT_OF_RANGE', () => datasets.benchmarkManifold('M7_Roll', { n: 10, noise: NaN })),
  pair('benchmarkManifold noise Infinity', 'ERR_OUT_OF_RANGE', () => datasets.benchmarkManifold('M7_Roll', { n: 10, noise: Infinity })),
  pair('benchmarkManifold seed fractional', 'ERR_OUT_OF_RANGE', () => datasets.benchmarkManifold('M7_Roll', { n: 10, seed: 0.5 })),
  pair('benchmarkManifold n 1 (legal)', 'valid', () => datasets.benchmarkManifold('M7_Roll', { n: 1 })),
  ...datasets.manifolds.map((m) => pair(`benchmarkManifold ${m.name} n 3 (legal)`, 'valid', () => datasets.benchmarkManifold(m.name, { n: 3, noise: 0.01, seed: 2 }))),
]

// File classes (issue 17): what cannot be read boundedly (FIFOs, devices, directories), planted
// temporary links and read-only destinations, for every reader and writer.
const UNIX = process.platform !== 'win32'
const FILES = mkdtempSync(join(tmpdir(), 'embgeo-matrix-io-'))
const fileOf = (name: string, content?: string): string => {
  const p = join(FILES, name)
  if (content !== undefined) writeFileSync(p, content)
  return p
}
afterAll(() => rmSync(FILES, { recursive: true, force: true }))
const FIFO = fileOf('pipe.npy')
const READ_ONLY = fileOf('read-only.npy', 'keep')
const VICTIM = fileOf('victim', 'precious')
if (UNIX) {
  execFileSync('mkfifo', [FIFO])
  chmodSync(READ_ONLY, 0o444)
  // the temporary names the writer used to pick (.NAME.<pid>.<counter>.tmp), planted as links
  for (let i = 0; i < 8; i++) symlinkSync(VICTIM, join(FILES, `.planted.npy.${process.pid}.${i}.tmp`))
}
const M = (): DenseMatrix => matrix(new Float32Array([1, 2, 3, 4]), 2)
const victimIntact = (): void => expect(readFileSync(VICTIM, 'utf8')).toBe('precious')
const IO_CASES: OptionCase[] = UNIX
  ? [
      pair('readEmbeddings a FIFO', 'ERR_IO', () => readEmbeddingsSync(FIFO), () => readEmbeddings(FIFO)),
      pair('readEmbeddings a FIFO with a format', 'ERR_IO', () => readEmbeddingsSync(FIFO, { format: 'csv' }), () => readEmbeddings(FIFO, { format: 'csv' })),
      pair('readEmbeddings a character device', 'ERR_IO', () => readEmbeddingsSync('/dev/zero', { format: 'raw', dim: 4 }), () => readEmbeddings('/dev/zero', { format: 'raw', dim: 4 })),
      pair('readEmbeddings a directory', 'ERR_IO', () => readEmbeddingsSync(FILES, { format: 'npy' }), () => readEmbeddings(FILES, { format: 'npy' })),
      pair('writeNpy to a FIFO', 'ERR_IO', () => writeNpySync(FIFO, M()), () => writeNpy(FIFO, M())),
      pair('writeFvecs to a character device', 'ERR_IO', () => writeFvecsSync('/dev/null', M()), () => writeFvecs('/dev/null', M())),
      pair('writeNpy to a directory', 'ERR_IO', () => writeNpySync(FILES, M()), () => writeNpy(FILES, M())),
      pair('writeNpy to a read-only file', 'ERR_IO', () => writeNpySync(READ_ONLY, M()), () => writeNpy(READ_ONLY, M())),
      pair('writeNpy beside planted temporary links (legal)', 'valid', () => (writeNpySync(fileOf('planted.npy'), M()), victimIntact()), async () => {
        await writeNpy(fileOf('planted.npy'), M())
        victimIntact()
      }),
    ]
  : []

// ---------------------------------------------------------------------------------------------
// Running a case

type Row = { label: string; expected: string; sync?: () => unknown; async?: () => Promise<unknown>; check?: (value: unknown) => void; bug?: string }

async function runCase(row: Row): Promise<{ sync?: Outcome; async?: Outcome }> {
  const sync = row.sync ? settle(row.sync) : undefined
  const asyncOut = row.async ? await settleAsync(row.async) : undefined
  return { sync, async: asyncOut }
}

function assertOutcome(row: Row, o: Outcome, twin: string): void {
  const observed = describeOutcome(o)
  expect(observed, `${row.label} (${twin})${o.ok ? '' : `: ${o.message}`}`).toBe(row.expected)
  if (!o.ok) {
    // Input errors are the natural kind too; messages are never empty.
    expect(o.message.length).toBeGreaterThan(10)
    if (o.code === 'ERR_INVALID_ARG_TYPE') expect(o.error).toBeInstanceOf(TypeError)
    if (['ERR_SHAPE', 'ERR_EMPTY', 'ERR_NON_FINITE', 'ERR_OUT_OF_RANGE', 'ERR_K_TOO_LARGE', 'ERR_DUPLICATES', 'ERR_DEGENERATE'].includes(o.code)) {
      expect(o.error).toBeInstanceOf(RangeError)
    }
  } else {
    row.check?.(o.value)
  }
}

const rows: Row[] = []
for (const t of TARGETS) {
  for (const kind of DATA_KINDS) {
    rows.push({
      label: `${t.name} × ${kind.label}`,
      expected: expectedFor(t, kind),
      sync: t.sync && (() => t.sync!(kind.make())),
      async: t.async && (() => t.async!(kind.make())),
    })
  }
}
for (const c of OPTION_CASES) rows.push({ label: c.label, expected: c.code, sync: c.sync, async: c.async })
for (const c of IO_CASES) rows.push({ label: c.label, expected: c.code, sync: c.sync, async: c.async })
for (const row of rows) {
  const bug = KNOWN_BUGS[row.label]
  if (bug !== undefined) {
    row.bug = `should be ${bug.should}`
    row.expected = bug.observed
  }
}

/** f64 brute-force neighbour distances of huge-valued f32 data, to check kNN picks the true neighbours. */
function bruteForceNearest(data: Float32Array, d: number, i: number): number {
  let best = Infinity
  for (let j = 0; j < data.length / d; j++) {
    if (j === i) continue
    let s = 0
    for (let t = 0; t < d; t++) s += (data[i * d + t]! - data[j * d + t]!) ** 2
    best = Math.min(best, Math.sqrt(s))
  }
  return best
}

// ---------------------------------------------------------------------------------------------

describe('bad-input matrix: every public function × every kind of input', () => {
  if (PROBE) {
    it('prints the observed outcome of every case', async () => {
      const lines: string[] = []
      for (const row of rows) {
        const { sync, async: a } = await runCase(row)
        const s = sync ? describeOutcome(sync) : '-'
        const as = a ? describeOutcome(a) : '-'
        const mark = (s === row.expected || s === '-') && (as === row.expected || as === '-') ? 'ok  ' : 'DIFF'
        lines.push(`${mark} ${row.label} | expected ${row.expected} | sync ${s} | async ${as}${sync && !sync.ok && mark === 'DIFF' ? ` | ${sync.message.slice(0, 160)}` : ''}${a && !a.ok && mark === 'DIFF' ? ` | ${a.message.slice(0, 160)}` : ''}`)
      }
      console.log(`${rows.length} cases\n${lines.join('\n')}`)
    }, 600_000)
    return
  }

  it(`has at least 60 cases (${rows.length})`, () => {
    expect(rows.length).toBeGreaterThanOrEqual(60)
  })

  it.each(rows.map((r) => ({ ...r, name: r.bug ? `${r.label} [KNOWN BUG: ${r.bug}]` : r.label })))('$name -> $expected', async (row) => {
    const { sync, async: a } = await runCase(row)
    if (sync) assertOutcome(row, sync, 'sync')
    if (a) assertOutcome(row, a, 'async')
    if (sync && a) {
      // The twins agree: the same code and message, or both valid.
      expect(a.ok).toBe(sync.ok)
      if (!sync.ok && !a.ok && a.code !== 'ERR_BUSY') expect(a.message).toBe(sync.message)
    }
  })
})

describe('bad-input matrix: buffers changing under a call', () => {
  const asyncTargets = TARGETS.filter((t) => t.async !== undefined && t.sync !== undefined)

  it.each(asyncTargets.map((t) => ({ name: t.name, t })))(
    '$name: a buffer transferred right after the async call returns gives the sync result',
    async ({ t }) => {
      const expected = t.sync!(X())
      const m = X()
      const p = t.async!(m)
      structuredClone(m.data.buffer, { transfer: [m.data.buffer as ArrayBuffer] }) // detaches m.data
      expect(m.data.length).toBe(0)
      const got = await p
      expect(nonFinite(got)).toEqual([])
      expect(comparable(got)).toEqual(comparable(expected))
    },
  )

  it.each(asyncTargets.map((t) => ({ name: t.name, t })))(
    '$name: a resizable buffer shrunk right after the async call returns gives the sync result',
    async ({ t }) => {
      const expected = t.sync!(X())
      const m = tracking()
      const p = t.async!(m)
      ;(m.data.buffer as unknown as { resize(n: number): void }).resize(0)
      const got = await p
      expect(comparable(got)).toEqual(comparable(expected))
    },
  )

  it('kNN on values whose squares overflow f32 returns the true nearest neighbours (f64 brute force)', () => {
    const m = huge()
    const r = knnSync(m, { k: 1 })
    for (let i = 0; i < m.rows; i++) {
      const want = bruteForceNearest(m.data as Float32Array, D, i)
      expect(Math.abs(r.distances[i]! - want) / want).toBeLessThan(1e-6)
    }
  })
})

/** A result as plain data (models → their JSON; functions dropped). */
function comparable(v: unknown): unknown {
  if (v instanceof PCA || v instanceof Whitener) return JSON.stringify(v.toJSON())
  if (v === null || typeof v !== 'object') return v
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>)
  return Object.fromEntries(Object.entries(v).filter(([, x]) => typeof x !== 'function').map(([k, x]) => [k, comparable(x)]))
}
