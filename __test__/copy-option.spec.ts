/**
 * `copy: false` (RunOptions): every async function that takes typed arrays reads them in place
 * instead of copying them, and returns exactly what the default (copying) call returns. Each
 * entry runs once with the default and once with `copy: false` on the same seeded data and
 * compares the results' data (typed arrays as number lists, methods left out) for equality: both
 * runs do the same arithmetic on the same values, so every number is bit-identical. The inputs are checked unchanged afterwards. The queue and abort rules of
 * `copy: false` are covered by run.spec.ts; that the native side reads in place (no copy) is
 * covered by the Rust test `in_place_values_are_the_host_slices_themselves_and_copies_are_not`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

import {
  allButTheTop,
  analyze,
  anisotropy,
  anisotropyPart,
  cca,
  cka,
  columnStats,
  columnStatsPart,
  compare,
  compareMany,
  duplicates,
  estimateId,
  hubness,
  hubnessPart,
  idScaling,
  informationImbalance,
  KnnIndex,
  knn,
  knnCrossParts,
  linearity,
  localId,
  matrix,
  mle,
  mutualKnn,
  PCA,
  procrustes,
  queryDifficulty,
  reduceHubness,
  relativeRepresentation,
  rsa,
  separabilityDimension,
  spectrum,
  twoNN,
  Whitener,
  writeNpy,
  type DenseMatrix,
  type RunOptions,
} from '../src/index.js'
import { rng } from './helpers.js'

/** Seeded f32 (or f64) data ({@link rng} → [-1, 1)), on a curved 3-dimensional set plus noise. */
function data(rows: number, cols: number, seed: number, f64 = false): DenseMatrix {
  const a = f64 ? new Float64Array(rows * cols) : new Float32Array(rows * cols)
  const u = rng(seed)
  const next = (): number => 2 * u() - 1
  for (let i = 0; i < rows; i++) {
    const [x, y, z] = [next(), next(), next()]
    for (let j = 0; j < cols; j++) a[i * cols + j] = Math.sin((j + 1) * x) + y * Math.cos(j * z) + 0.05 * next()
  }
  return matrix(a, cols)
}

const X = data(300, 12, 1)
const Y = data(300, 9, 2)
const X64 = data(300, 12, 3, true)
const Q = data(40, 12, 4)
const before = [X, Y, X64, Q].map((m) => Array.from(m.data))
const dir = mkdtempSync(join(tmpdir(), 'embgeo-copy-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const neighbors = async () => {
  const r = await knn(X, { k: 10 })
  return { indices: r.indices, rows: r.rows, k: r.k }
}

/** name → the call, given the run options to add. */
const CALLS: Record<string, (run: RunOptions) => Promise<unknown>> = {
  'knn, all points': (run) => knn(X, { k: 8, ...run }),
  'knn, queries, f64': (run) => knn(X64, { k: 5, queries: data(20, 12, 5, true), metric: 'cosine', ...run }),
  'KnnIndex.search': (run) => new KnnIndex(X, { metric: 'dot' }).search(Q, { k: 6, ...run }),
  knnCrossParts: (run) => knnCrossParts(X, Q, { k: 4, bOffset: 300, ...run }),
  twoNN: (run) => twoNN(X, run),
  'mle (neighbours given)': async (run) => mle(X, { k: 10, neighbors: await knn(X, { k: 10 }), ...run }),
  estimateId: (run) => estimateId(X64, { method: 'gride', ...run }),
  localId: (run) => localId(X, { method: 'lpca', k: 15, ...run }),
  idScaling: (run) => idScaling(X, { method: 'twonn', seed: 2, ...run }),
  'PCA fit + transform': async (run) => {
    const p = await new PCA({ nComponents: 4 }).fit(X, run)
    return [p.toJSON(), await p.transform(Q, run)]
  },
  'PCA randomized, f64': async (run) => (await new PCA({ nComponents: 3, solver: 'randomized', seed: 7 }).fit(X64, run)).toJSON(),
  'Whitener fit + transform': async (run) => {
    const w = await new Whitener({ method: 'zca' }).fit(X, run)
    return [w.toJSON(), await w.transform(Q, run)]
  },
  allButTheTop: (run) => allButTheTop(X, { remove: 2, ...run }),
  columnStats: (run) => columnStats(X64, run),
  columnStatsPart: (run) => columnStatsPart(X, run),
  anisotropy: (run) => anisotropy(X, run),
  anisotropyPart: (run) => anisotropyPart(X, run),
  spectrum: (run) => spectrum(X, run),
  duplicates: (run) => duplicates(X, run),
  hubness: async (run) => hubness(await neighbors(), run),
  hubnessPart: async (run) => hubnessPart(await neighbors(), { points: 300, ...run }),
  cka: (run) => cka(X, Y, run),
  linearity: (run) => linearity(X, Y, run),
  rsa: (run) => rsa(X, Y, run),
  relativeRepresentation: (run) => relativeRepresentation(X, Q, run),
  procrustes: (run) => procrustes(X, data(300, 12, 6), run),
  cca: (run) => cca(X, Y, run),
  mutualKnn: (run) => mutualKnn(X, Y, { k: 10, ...run }),
  informationImbalance: (run) => informationImbalance(X, Y, run),
  separabilityDimension: (run) => separabilityDimension(X, run),
  queryDifficulty: (run) => queryDifficulty(X, Q, { k: 10, ...run }),
  reduceHubness: (run) => reduceHubness(X, { k: 5, ...run }),
  compare: (run) => compare(X, Y, { k: 10, ...run }),
  compareMany: (run) => compareMany([X, Y, data(300, 7, 8)], { measures: ['cka', 'mutualKnn'], k: 10, ...run }),
  analyze: (run) => analyze(X, { k: 10, seed: 1, ...run }),
  writeNpy: async (run) => {
    const path = join(dir, `${run.copy === false ? 'in-place' : 'copied'}.npy`)
    await writeNpy(path, X, run)
    return readFileSync(path)
  },
}

/** Fields that differ between any two runs (wall-clock timings and timestamps). */
const CLOCK = new Set(['createdAt', 'seconds', 'timings'])

/** A result's data: typed arrays as plain arrays; methods, undefined fields and {@link CLOCK} left out. */
function plain(v: unknown): string {
  return JSON.stringify(v, (key, x: unknown) => (CLOCK.has(key) ? undefined : ArrayBuffer.isView(x) && !(x instanceof DataView) ? Array.from(x as Float64Array) : x))
}

describe('copy: false', () => {
  it.each(Object.keys(CALLS))('%s returns what the default returns', async (name) => {
    const call = CALLS[name]!
    const copied = plain(await call({}))
    expect(plain(await call({ copy: false }))).toBe(copied)
    expect(plain(await call({ copy: true }))).toBe(copied)
  })

  it('leaves every input as it was', () => {
    expect([X, Y, X64, Q].map((m) => Array.from(m.data))).toEqual(before)
  })
})
