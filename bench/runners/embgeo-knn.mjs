// One embgeo kNN case in its own process (clean peak RSS). Arguments: see bench/knn.bench.mjs.
import { knn, matrix, setThreads } from '../../dist/index.js'
import { args, finish, loadF32, timeRuns } from './common.mjs'

const o = args()
setThreads(Number(o.threads))
const cols = Number(o.cols)
const X = matrix(loadF32(o.data), cols)
const Q = o.queries ? matrix(loadF32(o.queries), cols) : undefined
let last
const times = await timeRuns(async () => {
  last = await knn(X, { k: Number(o.k), metric: o.metric, queries: Q })
}, Number(o.runs))
finish(o, { times }, last.indices)
