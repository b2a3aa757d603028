// One embgeo kNN case in its own process (clean peak RSS). Arguments: see bench/knn.bench.mjs.
// `--dtype bf16` searches the data rounded to bf16 (nearest even), `--dtype i8` the data
// quantised to int8 (x·127/max|x|, rounded): the low-precision inputs of issue 12, whose exact
// answer is that of those values (the bench reports their recall against the f32 answer).
// `--copy false` passes `copy: false` (the job reads the arrays in place instead of copying them).
// `--index true` (with queries) times `KnnIndex.search` on an index of the corpus built once
// before the runs (it holds the corpus's row statistics, so a search skips that pass).
import { KnnIndex, knn, matrix, setThreads } from '../../dist/index.js'
import { args, finish, loadF32, timeRuns } from './common.mjs'

/** f32 → bf16 bits, round to nearest even (finite inputs). A plain loop: `TypedArray.from`
 * with a map function builds an intermediate JS array (out of heap at 1e6 × 128). */
function toBf16(x) {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length)
  const out = new Uint16Array(u.length)
  for (let i = 0; i < u.length; i++) out[i] = (u[i] + 0x7fff + ((u[i] >>> 16) & 1)) >>> 16
  return out
}

/** f32 → int8 with one scale for the whole matrix. */
function toI8(x, scale) {
  const out = new Int8Array(x.length)
  for (let i = 0; i < x.length; i++) out[i] = Math.max(-128, Math.min(127, Math.round(x[i] * scale)))
  return out
}

const o = args()
setThreads(Number(o.threads))
const cols = Number(o.cols)
const dtype = o.dtype ?? 'f32'
const raw = loadF32(o.data)
const rawQ = o.queries ? loadF32(o.queries) : undefined
let maxAbs = 0
for (const v of raw) maxAbs = Math.max(maxAbs, Math.abs(v))
const as = (x) =>
  dtype === 'bf16' ? matrix(toBf16(x), cols, { dtype: 'bf16' }) : dtype === 'i8' ? matrix(toI8(x, 127 / maxAbs), cols) : matrix(x, cols)
const X = as(raw)
const Q = rawQ ? as(rawQ) : undefined
const precision = o.precision ?? 'auto'
let last
const index = o.index === 'true' && Q !== undefined ? new KnnIndex(X, { metric: o.metric }) : undefined
const times = await timeRuns(async () => {
  last =
    index !== undefined
      ? await index.search(Q, { k: Number(o.k) })
      : await knn(X, { k: Number(o.k), metric: o.metric, queries: Q, precision, copy: o.copy !== 'false' })
}, Number(o.runs))
finish(o, { times, precision: last.precision, kernel: last.kernel, inflation: last.inflation }, last.indices)
