#!/usr/bin/env node
// Per-feature statistics of a real dataset bundled with embgeo (scikit-learn's digits,
// 1797 × 64, see data/README.md), computed off the main thread with progress, then the same
// numbers synchronously. Run: npm run example
import { readFileSync } from 'node:fs'

import { columnStats, columnStatsSync, matrix, versions } from '../dist/index.js'

const bytes = readFileSync(new URL('../data/digits.f32', import.meta.url))
const data = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
const X = matrix(data, 64)

const v = versions()
console.log(`embgeo ${v.package} (native ${v.native}, ${v.target}, ${v.threads} threads, SIMD: ${v.simd.join(' ') || 'none'})`)
console.log(`digits: ${X.rows} images × ${X.cols} pixels`)

const t0 = performance.now()
const s = await columnStats(X, { ddof: 1, onProgress: (p) => console.log(`  ${p.phase}: ${p.completed}/${p.total} rows`) })
const ms = (performance.now() - t0).toFixed(2)

const order = Array.from(s.variance.keys()).sort((a, b) => s.variance[b] - s.variance[a])
const constant = Array.from(s.variance).filter((x) => x === 0).length
console.log(`column statistics in ${ms} ms (async, f64 accumulation, ddof = 1)`)
console.log(`pixels that never change (variance 0): ${constant} of ${X.cols}`)
console.log('most variable pixels (row, column in the 8×8 image): mean ± std [min, max]')
for (const j of order.slice(0, 5)) {
  console.log(`  (${Math.floor(j / 8)}, ${j % 8}): ${s.mean[j].toFixed(3)} ± ${Math.sqrt(s.variance[j]).toFixed(3)} [${s.min[j]}, ${s.max[j]}]`)
}
const same = JSON.stringify(columnStatsSync(X, { ddof: 1 })) === JSON.stringify(s)
console.log(`sync twin gives identical results: ${same}`)
if (!same) process.exit(1)
