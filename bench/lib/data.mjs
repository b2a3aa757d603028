/**
 * Seeded benchmark datasets (performance.md §9.1), written once as raw little-endian f32 plus a
 * .npy copy for the Python peers. Generators: G1 isotropic Gaussian, G2 mixture of 100 Gaussians
 * in an m-dimensional subspace plus noise, G3 "embedding-like" power-law spectrum, rows
 * L2-normalised.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'

import { work } from './env.mjs'

function rng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function gauss(r) {
  let u = r()
  while (u === 0) u = r()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r())
}

/** A random d×m matrix with orthonormal columns (Gram–Schmidt), row-major. */
function orthonormal(d, m, r) {
  const q = new Float64Array(d * m)
  for (let j = 0; j < m; j++) {
    const v = Array.from({ length: d }, () => gauss(r))
    for (let p = 0; p < j; p++) {
      let dot = 0
      for (let i = 0; i < d; i++) dot += v[i] * q[i * m + p]
      for (let i = 0; i < d; i++) v[i] -= dot * q[i * m + p]
    }
    const norm = Math.hypot(...v)
    for (let i = 0; i < d; i++) q[i * m + j] = v[i] / norm
  }
  return q
}

function generate(kind, n, d, seed) {
  const r = rng(seed)
  const x = new Float32Array(n * d)
  if (kind === 'G1') {
    for (let i = 0; i < x.length; i++) x[i] = gauss(r)
  } else if (kind === 'G2') {
    const m = Math.min(32, d)
    const basis = orthonormal(d, m, r)
    const centres = Array.from({ length: 100 }, () => Array.from({ length: m }, () => 3 * gauss(r)))
    const z = new Float64Array(m)
    for (let i = 0; i < n; i++) {
      const c = centres[Math.floor(r() * 100)]
      for (let j = 0; j < m; j++) z[j] = c[j] + gauss(r)
      for (let t = 0; t < d; t++) {
        let s = 0.1 * gauss(r)
        for (let j = 0; j < m; j++) s += basis[t * m + j] * z[j]
        x[i * d + t] = s
      }
    }
  } else if (kind === 'G3') {
    // Spectrum λ_i ∝ i^-1 in a random rotation of the first 64 directions, then L2 rows.
    const m = Math.min(64, d)
    const basis = orthonormal(d, m, r)
    const scale = Array.from({ length: m }, (_, j) => Math.sqrt(1 / (j + 1)))
    const z = new Float64Array(m)
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) z[j] = scale[j] * gauss(r)
      let norm = 0
      for (let t = 0; t < d; t++) {
        let s = 0.02 * gauss(r)
        for (let j = 0; j < m; j++) s += basis[t * m + j] * z[j]
        x[i * d + t] = s
        norm += s * s
      }
      norm = Math.sqrt(norm)
      for (let t = 0; t < d; t++) x[i * d + t] /= norm
    }
  } else throw new Error(`unknown dataset ${kind}`)
  return x
}

function npyHeader(n, d) {
  let h = `{'descr': '<f4', 'fortran_order': False, 'shape': (${n}, ${d}), }`
  const total = 10 + h.length + 1
  h += ' '.repeat((64 - (total % 64)) % 64) + '\n'
  const b = Buffer.alloc(10)
  b.write('\x93NUMPY', 0, 'latin1')
  b[6] = 1
  b[7] = 0
  b.writeUInt16LE(h.length, 8)
  return Buffer.concat([b, Buffer.from(h, 'latin1')])
}

/** The dataset as { data: Float32Array, rows, cols, npy: path }, generated on first use. */
export function dataset(kind, n, d, seed = 42) {
  const base = `${work}${kind}-${n}x${d}-s${seed}`
  if (!existsSync(`${base}.f32`)) {
    const x = generate(kind, n, d, seed)
    const bytes = Buffer.from(x.buffer, x.byteOffset, x.byteLength)
    writeFileSync(`${base}.f32`, bytes)
    writeFileSync(`${base}.npy`, Buffer.concat([npyHeader(n, d), bytes]))
  }
  const buf = readFileSync(`${base}.f32`)
  // Own buffer with byteOffset 0 (usearch ignores typed-array offsets).
  const data = new Float32Array(buf.byteLength / 4)
  new Uint8Array(data.buffer).set(buf)
  return { data, rows: n, cols: d, npy: `${base}.npy`, f32: `${base}.f32` }
}
