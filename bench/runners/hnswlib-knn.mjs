// hnswlib-node BruteforceSearch: single-threaded, one number[] query per call (its only mode).
// Large cases time the first `maxQueries` queries; the driver extrapolates linearly.
import { createRequire } from 'node:module'

import { args, finish, loadF32, timeRuns } from './common.mjs'

const { BruteforceSearch } = createRequire(import.meta.url)('../peers/node/node_modules/hnswlib-node')
const o = args()
const cols = Number(o.cols)
const k = Number(o.k)
const X = loadF32(o.data)
const n = X.length / cols
const self = !o.queries
const Q = o.queries ? loadF32(o.queries) : X
const rows = Q.length / cols
const space = { euclidean: 'l2', sqeuclidean: 'l2', cosine: 'cosine', dot: 'ip' }[o.metric]
const index = new BruteforceSearch(space, cols)
index.initIndex(n)
for (let i = 0; i < n; i++) index.addPoint(Array.from(X.subarray(i * cols, (i + 1) * cols)), i)
const limit = o.maxQueries ? Math.min(rows, Number(o.maxQueries)) : rows
const indices = new Uint32Array(limit * k)
const run = () => {
  for (let i = 0; i < limit; i++) {
    const r = index.searchKnn(Array.from(Q.subarray(i * cols, (i + 1) * cols)), self ? k + 1 : k)
    const order = r.neighbors.map((id, j) => [r.distances[j], id]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
    let t = 0
    for (const [, id] of order) if (t < k && !(self && id === i)) indices[i * k + t++] = id
  }
}
const times = await timeRuns(run, Number(o.runs))
finish(o, { times, queriesTimed: limit }, indices)
