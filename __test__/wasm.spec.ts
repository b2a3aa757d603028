/**
 * The WebAssembly binding (wasm32-wasip1-threads, `npm run build:wasm`) in Node, forced with
 * EMBGEO_FORCE_WASM=1: same API, same error codes, same results as the native addon.
 *
 * - kNN and TwoNN: bit-identical (the kNN kernels are portable code whose every SIMD copy runs
 *   the same operations in the same order, and reported distances are exact f64 re-ranked).
 * - PCA fit: faer's decompositions differ in the last bits between the two builds (x86 FMA vs
 *   WASM SIMD128), so the model equals the native one within the PCA parity tolerance, 1e-10
 *   relative to each array's scale.
 *
 * The native reference runs in a child process on dist/ (one process loads one binding; `npm test`
 * builds dist first); both sides compute the same seeded data, results cross as JSON (exact).
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

import * as embgeo from '../src/index.js'
import { knn, knnSync, matrix, PCA, setThreads, twoNNSync, versions } from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'
import { closeToScale } from './parity.js'
// @ts-expect-error plain .mjs shared with the native child process (no declarations)
import { knnInputs, pcaInput, twoNNInput } from './wasm-workload.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const WASM = `${root}embgeo.wasm32-wasi.wasm`

type Ref = Record<string, { indices: number[]; distances: number[] }> & {
  twoNN: number
  pca: { components: number[]; explainedVariance: number[]; mean: number[] }
}
let native: Ref

// CI's per-platform test jobs have no WASM artifact (its test-wasm job has): skip there only.
describe.skipIf(!existsSync(WASM) && process.env.CI === 'true')('WebAssembly binding (EMBGEO_FORCE_WASM=1)', () => {
  beforeAll(() => {
    if (!existsSync(WASM)) throw new Error(`${WASM} is missing: run npm run build:wasm (needs: rustup target add wasm32-wasip1-threads)`)
    process.env.EMBGEO_FORCE_WASM = '1'
    const env = { ...process.env }
    delete env.EMBGEO_FORCE_WASM
    const script = "const w = await import('./__test__/wasm-workload.mjs'); console.log(JSON.stringify(w.run(await import('./dist/index.js'))))"
    const args = ['--input-type=module', '-e', script]
    native = JSON.parse(execFileSync(process.execPath, args, { cwd: root, env, encoding: 'utf8' })) as Ref
  }, 120_000)

  it('is the one loaded', () => {
    expect(versions().target).toBe('wasm32-wasip1-threads')
    // the kNN kernels' portable code, compiled for SIMD128 (.cargo/config.toml), is named so
    expect(versions().knnKernel).toBe('simd128')
  })

  it('kNN equals the native addon bit for bit (f64 and f32 input), sync and async', async () => {
    for (const [name, X] of Object.entries(knnInputs(embgeo) as Record<string, embgeo.DenseMatrix>)) {
      const r = knnSync(X, { k: 7 })
      expect(Array.from(r.indices), name).toEqual(native[`knn ${name}`]!.indices)
      expect(Array.from(r.distances), name).toEqual(native[`knn ${name}`]!.distances)
      const a = await knn(X, { k: 7 })
      expect(a.distances).toEqual(r.distances)
      expect(a.indices).toEqual(r.indices)
    }
  })

  it('TwoNN equals the native addon bit for bit', () => {
    expect(twoNNSync(twoNNInput(embgeo)).dimension).toBe(native.twoNN)
  })

  it('PCA fit equals the native addon within the PCA parity tolerance (1e-10 of scale)', async () => {
    const pca = await new PCA({ nComponents: 5 }).fit(pcaInput(embgeo))
    closeToScale('components', pca.components.data, native.pca.components, 1e-10)
    closeToScale('explainedVariance', pca.explainedVariance, native.pca.explainedVariance, 1e-10)
    closeToScale('mean', pca.mean, native.pca.mean, 1e-10)
  })

  it('runs on 2 threads (wasi-threads workers) with the same results', async () => {
    const X = (knnInputs(embgeo) as Record<string, embgeo.DenseMatrix>).f32!
    const one = knnSync(X, { k: 7 })
    setThreads(2)
    try {
      expect(versions().threads).toBe(2)
      const two = await knn(X, { k: 7 })
      expect(two.distances).toEqual(one.distances)
      expect(two.indices).toEqual(one.indices)
    } finally {
      setThreads(1)
    }
  })

  // A panic cannot unwind in WebAssembly: it ends its thread. The call that panicked must still
  // settle with ERR_INTERNAL (not wait for the dead thread), later calls must fail at once, and
  // the process must exit. Each case in its own process: the instance is unusable afterwards.
  it.each([
    ['sync', 'caller'],
    ['sync', 'worker'],
    ['async', 'caller'],
    ['async', 'worker'],
  ])('a %s panic in the %s settles with ERR_INTERNAL, then every call fails fast (own process)', (mode, place) => {
    const script = `
      const { native } = await import('./dist/native.js')
      const { runAsync, runSync } = await import('./dist/run.js')
      const { knn, knnSync, matrix, versions } = await import('./dist/index.js')
      const out = [versions().target]
      const settle = (e) => out.push([e.code, e.message])
      if (${JSON.stringify(mode)} === 'sync') {
        try { runSync(() => native().testPanicSync(${JSON.stringify(place)})) } catch (e) { settle(e) }
      } else {
        await runAsync({}, [], (c) => native().testPanic(${JSON.stringify(place)}, c)).catch(settle)
      }
      const X = matrix(new Float64Array([0, 1, 2, 3]), 1)
      try { knnSync(X, { k: 1 }) } catch (e) { settle(e) }
      await knn(X, { k: 1 }).catch(settle)
      console.log(JSON.stringify(out))
    `
    const env = { ...process.env, EMBGEO_FORCE_WASM: '1', EMBGEO_TEST_HOOKS: '1' }
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 60_000 })
    const [target, first, ...later] = JSON.parse(stdout.trim().split('\n').pop()!) as [string, ...[string, string][]]
    expect(target).toBe('wasm32-wasip1-threads')
    expect(first![0]).toBe('ERR_INTERNAL')
    expect(first![1]).toMatch(/injected panic/)
    expect(later).toHaveLength(2)
    for (const [code, message] of later) {
      expect(code).toBe('ERR_INTERNAL')
      expect(message).toMatch(/died of a panic \(panicked at .*injected panic.*reload it/)
    }
  }, 90_000)

  it('reports the same error codes (checked in Rust and in TypeScript)', async () => {
    const X = matrix(randomData(10, 3, 1), 3)
    expect(thrown(() => knnSync(X, { k: 10 })).code).toBe('ERR_K_TOO_LARGE')
    const bad = randomData(10, 3, 2)
    bad[4] = Number.NaN
    expect((await rejection(knn(matrix(bad, 3), { k: 2 }))).code).toBe('ERR_NON_FINITE')
    expect(thrown(() => knnSync(X, { k: 2, metric: 'manhattan' as never })).code).toBe('ERR_INVALID_ARG_VALUE')
  })
})
