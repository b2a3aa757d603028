// usearch.exactSearch (npm) on one kNN case. It materialises 16 bytes per (query, corpus) pair,
// so queries go in batches of 1000; all-points asks k+1 and drops each row's own index.
import usearch from '../peers/node/node_modules/usearch/javascript/dist/cjs/usearch.js'
import { args, finish, loadF32, timeRuns } from './common.mjs'

const o = args()
const cols = Number(o.cols)
const k = Number(o.k)
const X = loadF32(o.data)
const self = !o.queries
const Q = o.queries ? loadF32(o.queries) : X
const rows = Q.length / cols
const metric = { euclidean: 'l2sq', sqeuclidean: 'l2sq', cosine: 'cos', dot: 'ip' }[o.metric]
const limit = o.maxQueries ? Math.min(rows, Number(o.maxQueries)) : rows
const indices = new Uint32Array(limit * k)
const run = () => {
  for (let s = 0; s < limit; s += 1000) {
    const e = Math.min(limit, s + 1000)
    // slice (a copy), not subarray: exactSearch ignores a view's byteOffset (performance.md §2.2).
    const m = usearch.default.exactSearch(X, Q.slice(s * cols, e * cols), cols, self ? k + 1 : k, metric, Number(o.threads))
    const kk = self ? k + 1 : k
    for (let i = s; i < e; i++) {
      let t = 0
      for (let j = 0; j < kk && t < k; j++) {
        const id = Number(m.keys[(i - s) * kk + j])
        if (self && id === i) continue
        indices[i * k + t++] = id
      }
    }
  }
}
const times = await timeRuns(run, Number(o.runs))
finish(o, { times, queriesTimed: limit }, indices)
