#!/usr/bin/env node
// embgeo's side of bench/intdim.bench.mjs, through the public Node API (dist/): one estimator per
// call on a raw f32 file, the same adaptive repeats as bench/peers/id_peers.py (a first run under
// 2 s is a warm-up followed by 3 timed runs; otherwise the first run counts and more follow while
// they fit in --budget seconds). Prints one JSON line per estimator:
// { estimator, rows, cols, threads, warmup, times, dimension, params, error }.
//   node bench/runners/embgeo-id.mjs --data X.f32 --cols 384 --estimators twonn,mle --runs 3 --threads 2 [--budget 60]
import { readFileSync } from 'node:fs'

import { root } from '../lib/env.mjs'

const e = await import(`${root}dist/index.js`)

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name)
  return i > 0 ? process.argv[i + 1] : fallback
}
const cols = Number(arg('--cols'))
const runs = Number(arg('--runs', '3'))
const budget = Number(arg('--budget', '600'))
const threads = Number(arg('--threads', '2'))
e.setThreads(threads)
const buf = readFileSync(arg('--data'))
const data = new Float32Array(buf.byteLength / 4)
new Uint8Array(data.buffer).set(buf)
const X = e.matrix(data, cols)

/** The estimator calls, with the parameters of the Rust example and the Python peers. */
const RUN = {
  twonn: () => e.twoNN(X),
  mle: () => e.mle(X),
  gride: () => e.gride(X),
  // scikit-dimension lPCA().fit_pw(X, n_neighbors=100): mean of the pointwise FO dimensions.
  lpca: () => e.lpca(X, { k: 100 }),
  tle: () => e.tle(X),
  ess: () => e.ess(X),
  danco: () => e.danco(X),
  // DADApy return_id_scaling_gride(range_max=64): dimension = first scale, curve in params.
  gride_scaling: async () => {
    const c = await e.idScaling(X, { method: 'gride', rangeMax: 64 })
    return { dimension: c.dimensions[0], params: { curve: Array.from(c.dimensions), n2: Array.from(c.sizes) } }
  },
}

for (const name of arg('--estimators', 'twonn').split(',')) {
  const times = []
  let warmup = 0
  let last
  let error = null
  for (let total = 0; ; ) {
    const t = performance.now()
    try {
      last = await RUN[name]()
    } catch (err) {
      error = String(err?.message ?? err)
      break
    }
    const s = (performance.now() - t) / 1000
    total++
    if (total === 1 && s < 2 && runs > 1) {
      warmup = 1
      continue
    }
    times.push(s)
    const spent = times.reduce((a, b) => a + b, 0)
    if (times.length >= runs || spent + s > budget) break
  }
  const dim = last?.dimension
  console.log(
    JSON.stringify({
      estimator: name,
      rows: X.rows,
      cols,
      threads,
      warmup,
      times,
      dimension: Number.isFinite(dim) ? dim : null,
      params: last?.params ?? null,
      error,
    }),
  )
}
