// Compare two outputs of scripts/cross/smoke.mjs (e.g. x64 native vs arm64 under qemu):
// kNN indices must be identical and distances equal to 1e-12 relative (both are exact f64
// recomputations; the report says whether they are bit-identical), TwoNN/MLE to 1e-12 relative,
// PCA explained variance to 1e-10 relative and components up to sign to 1e-8 (faer's
// eigensolver vectorises differently per ISA). Exits 1 on any difference beyond that.
import { readFileSync } from 'node:fs'

const [a, b] = process.argv.slice(2).map((p) => JSON.parse(readFileSync(p, 'utf8')))
let failed = false
const report = (what, ok, detail) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${detail}`)
  if (!ok) failed = true
}
const relErr = (x, y) => Math.abs(x - y) / Math.max(Math.abs(x), Math.abs(y), 1e-300)
const maxRel = (xs, ys) => xs.reduce((m, x, i) => Math.max(m, x === ys[i] ? 0 : relErr(x, ys[i])), 0)

console.log(`${a.arch} (${a.kernel}) vs ${b.arch} (${b.kernel})`)
for (const key of Object.keys(a.knn)) {
  const [x, y] = [a.knn[key], b.knn[key]]
  const same = x.indices.length === y.indices.length && x.indices.every((v, i) => v === y.indices[i])
  const rel = maxRel(x.distances, y.distances)
  report(`knn ${key}`, same && rel <= 1e-12, `indices ${same ? 'identical' : 'DIFFER'}, distances ${rel === 0 ? 'bit-identical' : `max rel ${rel.toExponential(2)}`}`)
}
for (const key of Object.keys(a.id)) {
  const rel = relErr(a.id[key], b.id[key])
  report(`id ${key}`, rel <= 1e-12, `${a.id[key]} vs ${b.id[key]} (${rel === 0 ? 'bit-identical' : `rel ${rel.toExponential(2)}`})`)
}
const ev = maxRel(a.pca.explainedVariance, b.pca.explainedVariance)
report('pca explained variance', ev <= 1e-10, ev === 0 ? 'bit-identical' : `max rel ${ev.toExponential(2)}`)
const mean = maxRel(a.pca.mean, b.pca.mean)
report('pca mean', mean <= 1e-12, mean === 0 ? 'bit-identical' : `max rel ${mean.toExponential(2)}`)
const cols = a.pca.mean.length
let comp = 0
for (let r = 0; r * cols < a.pca.components.length; r++) {
  const x = a.pca.components.slice(r * cols, (r + 1) * cols)
  const y = b.pca.components.slice(r * cols, (r + 1) * cols)
  const sign = x.reduce((s, v, i) => s + v * y[i], 0) < 0 ? -1 : 1
  comp = Math.max(comp, ...x.map((v, i) => Math.abs(v - sign * y[i])))
}
report('pca components (up to sign)', comp <= 1e-8, comp === 0 ? 'bit-identical' : `max abs ${comp.toExponential(2)}`)
process.exit(failed ? 1 : 0)
