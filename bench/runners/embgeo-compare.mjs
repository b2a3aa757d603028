#!/usr/bin/env node
// embgeo's side of bench/compare.bench.mjs, through the public Node API (dist/): one measure per
// process on two raw f32 files, the same repeats as bench/peers/compare_peers.py (a first run under
// 2 s is a warm-up followed by --runs timed runs; otherwise runs follow while they fit in
// --budget seconds). Prints one JSON line { measure, times, warmup, value, extra, threads, error }.
//   node bench/runners/embgeo-compare.mjs --a A.f32 --acols 768 --b B.f32 --bcols 1024 --measure cka --runs 3 --threads 2
// --measure compareDefault: compare()'s default measures on the sizes of the per-measure rows, two
// calls: compare(A, B) with the linear ones (cka, ckaDebiased, procrustes, cca, linearity: one
// shared native call) and compare(A2, B2) with mutualKnn and informationImbalance (--a2, --acols2,
// --b2, --bcols2: the kNN rows' data), each measure with its defaults (= the per-measure rows' options).
import { root } from '../lib/env.mjs'
import { args, loadF32 } from './common.mjs'

const e = await import(`${root}dist/index.js`)
const o = args()
const runs = Number(o.runs ?? 3)
const budget = Number(o.budget ?? 600)
const threads = Number(o.threads ?? 2)
e.setThreads(threads)
const A = e.matrix(loadF32(o.a), Number(o.acols))
const B = e.matrix(loadF32(o.b), Number(o.bcols))
const A2 = o.a2 === undefined ? undefined : e.matrix(loadF32(o.a2), Number(o.acols2))
const B2 = o.b2 === undefined ? undefined : e.matrix(loadF32(o.b2), Number(o.bcols2))

/** The calls, with the peers' parameters (bench/peers/compare_peers.py). */
const RUN = {
  cka: async () => ({ value: (await e.cka(A, B, { kernel: 'linear' })).value }),
  ckaDebiased: async () => ({ value: (await e.cka(A, B, { kernel: 'linear', debiased: true })).value }),
  // the peer takes the singular values alone (np.linalg.svd compute_uv=False): no rotation here either
  procrustes: async () => {
    const r = await e.procrustes(A, B, { alpha: 1, rotation: false })
    return { value: r.angular, extra: { distance: r.distance } }
  },
  cca: async () => ({ value: (await e.cca(A, B, { variant: 'mean' })).value }),
  // platonic-rep: L2-normalised features, inner-product neighbours = cosine, topk 10
  mutualKnn: async () => ({ value: (await e.mutualKnn(A, B, { k: 10, metric: 'cosine' })).value }),
  informationImbalance: async () => {
    const r = await e.informationImbalance(A, B, { k: 1 })
    return { value: r.aToB, extra: { bToA: r.bToA } }
  },
  compareDefault: async () => {
    const t = performance.now()
    const linear = await e.compare(A, B, { measures: ['cka', 'ckaDebiased', 'procrustes', 'cca', 'linearity'] })
    const t1 = performance.now()
    const knn = await e.compare(A2, B2, { measures: ['mutualKnn', 'informationImbalance'] })
    const t2 = performance.now()
    return { value: linear.cka.value, extra: { linearS: (t1 - t) / 1000, knnS: (t2 - t1) / 1000, linearity: linear.linearity.value, mutualKnn: knn.mutualKnn.value } }
  },
}

const times = []
let warmup = 0
let last
let error = null
for (;;) {
  const t = performance.now()
  try {
    last = await RUN[o.measure]()
  } catch (err) {
    error = String(err?.message ?? err)
    break
  }
  const s = (performance.now() - t) / 1000
  if (times.length === 0 && warmup === 0 && s < 2 && runs > 1) {
    warmup = 1
    continue
  }
  times.push(s)
  if (times.length >= runs || times.reduce((a, b) => a + b, 0) + s > budget) break
}
console.log(JSON.stringify({ measure: o.measure, times, warmup, value: last?.value ?? null, extra: last?.extra ?? null, threads, error, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
