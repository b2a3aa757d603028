// The page of bench/wasm.bench.mjs's Chromium half: embgeo's WebAssembly build and the in-browser
// peers (ml-pca: pure JS; druidjs: JS with its own AssemblyScript WebAssembly distance matrix), side
// by side in one tab. `?threads=N` sets embgeo's pool once, at load. The bench calls
// `window.benchJob(job)` for one job at a time and reads back seconds (median of `reps`) and a
// summary of the answer, so the runs can be checked against each other.
import * as embgeo from 'embgeo'
import { NaiveKNN, isWasmAvailable, setWasmEnabled } from '@saehrimnir/druidjs'
import { PCA as MlPCA } from 'ml-pca'

const threads = Number(new URLSearchParams(location.search).get('threads') ?? '1')
embgeo.setThreads(threads)

/** Rows `0..rows` of the served f32 file `/data/<name>` as { data, rows, cols }. */
async function load({ name, rows, cols }) {
  const buf = await (await fetch(`/data/${name}`)).arrayBuffer()
  return { data: new Float32Array(buf, 0, rows * cols), rows, cols }
}

/** Per-row copies in float64, the input both peers take (converted before any timing starts). */
function rowsOf(m, as) {
  return Array.from({ length: m.rows }, (_, i) => as(m.data.subarray(i * m.cols, (i + 1) * m.cols)))
}

/** Seconds of each of `reps` runs of `f` (after one untimed warm-up when `warm`), and its last answer. */
async function time(reps, warm, f) {
  let out = warm ? await f() : undefined
  const seconds = []
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now()
    out = await f()
    seconds.push((performance.now() - t0) / 1000)
  }
  const sorted = [...seconds].sort((a, b) => a - b)
  return { median: sorted[(sorted.length - 1) >> 1], best: sorted[0], seconds, out }
}

const JOBS = {
  async 'embgeo-knn'(m, j) {
    const r = await time(j.reps, j.warm, () => embgeo.knn(m, { k: j.k }))
    return { ...r, out: Array.from(r.out.indices) }
  },
  async 'embgeo-twoNN'(m, j) {
    const r = await time(j.reps, j.warm, () => embgeo.twoNN(m))
    return { ...r, out: r.out.value }
  },
  async 'embgeo-pca'(m, j) {
    const r = await time(j.reps, j.warm, () => new embgeo.PCA({ nComponents: j.nComponents }).fit(m))
    return { ...r, out: Array.from(r.out.explainedVariance.slice(0, 5)) }
  },
  async 'druid-knn'(m, j) {
    setWasmEnabled(j.wasm)
    const X = rowsOf(m, (row) => Float64Array.from(row))
    const r = await time(j.reps, j.warm, () => {
      const index = new NaiveKNN(X)
      return Array.from({ length: m.rows }, (_, i) => index.search_by_index(i, j.k).map((n) => n.index))
    })
    return { ...r, out: r.out.flat(), wasm: j.wasm && isWasmAvailable() }
  },
  async 'mlpca'(m, j) {
    const X = rowsOf(m, (row) => Array.from(row))
    const r = await time(j.reps, j.warm, () => new MlPCA(X, { method: 'covarianceMatrix', center: true, scale: false }))
    return { ...r, out: r.out.getEigenvalues().slice(0, 5) }
  },
}

window.benchJob = async (job) => {
  const m = await load(job.data)
  return JOBS[job.kind](m, job)
}
window.benchInfo = () => ({ ...embgeo.versions(), crossOriginIsolated: globalThis.crossOriginIsolated, userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency })
document.body.dataset.state = 'ready'
