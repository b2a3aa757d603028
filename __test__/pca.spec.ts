/**
 * PCA, Whitener and allButTheTop through the public API, against the scikit-learn / numpy
 * fixtures in __test__/fixtures/pca (written by scripts/reference/pca.py; each carries its
 * provenance, rtol and the reason for it). Comparison is norm-wise per array, as in
 * crates/pca/tests/parity.rs: |ours − ref| ≤ rtol · max|ref|.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'

import { allButTheTop, allButTheTopSync, knn, matrix, PCA, setConcurrency, Whitener, whitening, type DenseMatrix } from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'

interface Fixture {
  kind: 'pca' | 'whiten' | 'all_but_the_top'
  name: string
  rtol: number
  compare_components?: number
  input: Record<string, unknown> & { dtype: 'f32' | 'f64'; rows: number; cols: number; data?: number[]; data_file?: string }
  expected: Record<string, unknown>
}

const dir = new URL('./fixtures/pca/', import.meta.url)
const fixtures: Fixture[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Fixture)

/** The fixture's input: its `data` list, or (wide cases) little-endian f32 values in `data_file` beside it. */
function X(fx: Fixture): DenseMatrix {
  const { rows, cols, data_file: file, data: list = [] } = fx.input
  if (file !== undefined) {
    const bytes = readFileSync(new URL(file, dir))
    const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
    expect(data.length, file).toBe(rows * cols)
    return { data, rows, cols }
  }
  const data = fx.input.dtype === 'f32' ? Float32Array.from(list) : Float64Array.from(list)
  return { data, rows, cols }
}

function close(what: string, ours: ArrayLike<number>, ref: ArrayLike<number>, rtol: number): void {
  expect(ours.length, what).toBe(ref.length)
  let scale = 0
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i]!))
  for (let i = 0; i < ref.length; i++) {
    expect(Math.abs(ours[i]! - ref[i]!), `${what}[${i}]: ${ours[i]} vs ${ref[i]}`).toBeLessThanOrEqual(rtol * Math.max(scale, 1e-300))
  }
}

const nums = (v: unknown) => v as number[]

describe('PCA parity with scikit-learn', () => {
  for (const fx of fixtures.filter((f) => f.kind === 'pca')) {
    it(`${fx.name} (rtol ${fx.rtol})`, async () => {
      const i = fx.input as Fixture['input'] & { n_components: unknown; solver: string; whiten: boolean }
      const nComponents = i.n_components === null ? undefined : (i.n_components as number | { varianceRatio: number })
      const solver = i.solver === 'covariance_eigh' ? 'covariance' : (i.solver as 'svd')
      const pca = await new PCA({ nComponents, solver, whiten: i.whiten }).fit(X(fx))
      const e = fx.expected
      const k = e.n_components as number
      const d = fx.input.cols
      expect(pca.nComponents).toBe(k)
      expect(pca.nSamplesSeen).toBe(e.n_samples_seen)
      const cmp = Math.min(fx.compare_components ?? k, k)
      const comps = nums(e.components)
      for (let r = 0; r < cmp; r++) {
        close(`components row ${r}`, pca.components.data.subarray(r * d, (r + 1) * d), comps.slice(r * d, (r + 1) * d), fx.rtol)
      }
      close('explainedVariance', pca.explainedVariance, nums(e.explained_variance), fx.rtol)
      close('explainedVarianceRatio', pca.explainedVarianceRatio, nums(e.explained_variance_ratio), fx.rtol)
      close('singularValues', pca.singularValues, nums(e.singular_values), fx.rtol)
      close('mean', pca.mean, nums(e.mean), fx.rtol)
      expect(Math.abs(pca.noiseVariance - (e.noise_variance as number))).toBeLessThanOrEqual(fx.rtol * nums(e.explained_variance)[0]!)
      if (cmp === k) {
        const y = pca.transformSync(X(fx))
        expect([y.rows, y.cols]).toEqual([fx.input.rows, k])
        close('transform', y.data, nums(e.transform), fx.rtol)
        // (left out of the wide fixture: n × d values)
        if (e.inverse_transform !== undefined) {
          const back = await pca.inverseTransform(y)
          close('inverseTransform', back.data, nums(e.inverse_transform), fx.rtol)
        }
      }
    })
  }
})

describe('Whitener parity with numpy references (BERT, Zipfian, ZCA closed form)', () => {
  for (const fx of fixtures.filter((f) => f.kind === 'whiten')) {
    it(`${fx.name} (rtol ${fx.rtol})`, async () => {
      const i = fx.input as Fixture['input'] & { method: 'pca' | 'zca'; n_components: number | null; epsilon: number; normalize: boolean; weights: number[] | null }
      const w = new Whitener({ method: i.method, nComponents: i.n_components ?? undefined, epsilon: i.epsilon, normalize: i.normalize ? 'l2' : false })
      const y = await w.fitTransform(X(fx), i.weights === null ? {} : { weights: i.weights })
      const e = fx.expected
      close('mean', w.mean, nums(e.mean), fx.rtol)
      close('eigenvalues', w.eigenvalues, nums(e.eigenvalues), fx.rtol)
      expect([w.matrix.rows, w.matrix.cols]).toEqual([e.matrix_rows, e.matrix_cols])
      close('matrix', w.matrix.data, nums(e.matrix), fx.rtol)
      close('transform', y.data, nums(e.transform), fx.rtol)
      expect(w.transformSync(X(fx)).data).toEqual(y.data)
    })
  }
})

describe('allButTheTop parity with a numpy implementation of Mu & Viswanath (2018)', () => {
  for (const fx of fixtures.filter((f) => f.kind === 'all_but_the_top')) {
    it(`${fx.name} (rtol ${fx.rtol})`, async () => {
      const remove = fx.input.remove as number
      const r = await allButTheTop(X(fx), { remove })
      close('mean', r.mean, nums(fx.expected.mean), fx.rtol)
      close('transform', r.data, nums(fx.expected.transform), fx.rtol)
      expect([r.directions.rows, r.directions.cols]).toEqual([remove, fx.input.cols])
      expect(allButTheTopSync(X(fx), { remove }).data).toEqual(r.data)
    })
  }
})

describe('PCA streaming, models and errors', () => {
  const data = randomData(2000, 12, 21)
  const m = matrix(data, 12)

  it('partialFit over 10 blocks equals fit on all rows to 1e-12 (f64), and merge equals partialFit', () => {
    const batch = new PCA({ nComponents: 5, solver: 'covariance' }).fitSync(m)
    const streamed = new PCA({ nComponents: 5, solver: 'covariance' })
    const a = new PCA({ nComponents: 5, solver: 'covariance' })
    const b = new PCA({ nComponents: 5, solver: 'covariance' })
    for (let i = 0; i < 10; i++) {
      const block = matrix(data.subarray(i * 200 * 12, (i + 1) * 200 * 12), 12)
      streamed.partialFit(block)
      ;(i % 2 === 0 ? a : b).partialFit(block)
    }
    a.merge(b)
    for (const p of [streamed, a]) {
      expect(p.nSamplesSeen).toBe(2000)
      close('explainedVariance', p.explainedVariance, batch.explainedVariance, 1e-12)
      close('components', p.components.data, batch.components.data, 1e-12)
      close('mean', p.mean, batch.mean, 1e-12)
    }
  })

  it('is identical sync and async, and round-trips through JSON and safetensors', async () => {
    const p = await new PCA({ nComponents: 4 }).fit(m)
    const q = new PCA({ nComponents: 4 }).fitSync(m)
    expect(q.components.data).toEqual(p.components.data)
    const y = p.transformSync(m)
    for (const copy of [PCA.fromJSON(JSON.parse(JSON.stringify(p))), PCA.deserialize(p.serialize())]) {
      expect(copy.transformSync(m).data).toEqual(y.data)
    }
    const w = whitening.zca().fitSync(m)
    expect(Whitener.deserialize(w.serialize()).transformSync(m).data).toEqual(w.transformSync(m).data)
    expect(Whitener.fromJSON(w.toJSON()).transformSync(m).data).toEqual(w.transformSync(m).data)
  })

  it('keeps f32 in, f32 out', () => {
    const y = new PCA({ nComponents: 3 }).fitTransformSync(matrix(Float32Array.from(data), 12))
    expect(y.data).toBeInstanceOf(Float32Array)
    expect([y.rows, y.cols]).toEqual([2000, 3])
  })

  it('reports ERR_NOT_FITTED, ERR_SHAPE, ERR_BUSY, ERR_BAD_MODEL and option errors', async () => {
    expect(thrown(() => new PCA().components).code).toBe('ERR_NOT_FITTED')
    expect(thrown(() => new PCA().transformSync(m)).code).toBe('ERR_NOT_FITTED')
    const p = new PCA({ nComponents: 3 }).fitSync(m)
    expect(thrown(() => p.transformSync([[1, 2, 3]])).message).toMatch(/X has 3 features, but PCA is expecting 12 features/)
    const big = matrix(randomData(60_000, 64, 3), 64)
    const busy = new PCA()
    const running = busy.fit(big)
    expect((await rejection(busy.fit(big))).code).toBe('ERR_BUSY')
    await running
    expect(thrown(() => PCA.deserialize(new Uint8Array(16))).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => Whitener.deserialize(p.serialize())).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => PCA.fromJSON({ format: 'nope' })).code).toBe('ERR_BAD_MODEL')
    expect(thrown(() => new PCA({ nComponents: 0 })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => new PCA({ nComponents: { varianceRatio: 1.5 } })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => new PCA({ solver: 'lapack' as never })).code).toBe('ERR_INVALID_ARG_VALUE')
    expect(thrown(() => new PCA({ nComponent: 3 } as never)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => new Whitener({ methd: 'zca' } as never)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => new PCA({ nComponents: 20 }).fitSync(m)).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => new PCA().fitSync([[1, 2]])).code).toBe('ERR_EMPTY')
    expect(thrown(() => whitening.zca().fitSync([[1, 2], [1, 2], [1, 2]])).code).toBe('ERR_DEGENERATE')
    expect(thrown(() => new Whitener().fitSync(m, { weights: [1, 2] })).code).toBe('ERR_SHAPE')
    expect(thrown(() => allButTheTopSync(m, { remove: 13 })).code).toBe('ERR_OUT_OF_RANGE')
  })
})

describe('model busy rule (issue 17 item 5)', () => {
  afterEach(() => setConcurrency(1))
  const X = matrix(randomData(400, 6, 21), 6)
  const more = matrix(randomData(300, 6, 22), 6)
  /** A job in front holding the only slot, so later async jobs wait in the queue. */
  const front = () => {
    setConcurrency(1)
    return knn(matrix(randomData(3000, 16, 23), 16), { k: 5 })
  }

  it('PCA: partialFit, merge, dispose and fit are ERR_BUSY while a transform is queued; the transform keeps its shape', async () => {
    const pca = new PCA({ nComponents: 3 }).partialFit(X)
    const other = new PCA({ nComponents: 3 }).partialFit(more)
    const f = front()
    const t = pca.transform(X)
    expect(thrown(() => pca.partialFit(more)).code).toBe('ERR_BUSY')
    expect(thrown(() => pca.merge(other)).code).toBe('ERR_BUSY')
    expect(thrown(() => pca.dispose()).code).toBe('ERR_BUSY')
    expect(thrown(() => pca.fitSync(more)).code).toBe('ERR_BUSY')
    expect((await rejection(pca.fit(more))).code).toBe('ERR_BUSY')
    await f
    const y = await t
    expect([y.rows, y.cols]).toEqual([400, 3])
    expect(pca.nSamplesSeen).toBe(400)
    pca.partialFit(more)
    expect(pca.nSamplesSeen).toBe(700)
  })

  it('PCA: transforms are ERR_BUSY while a fit is queued, and free again after it settles', async () => {
    const pca = new PCA({ nComponents: 2 }).fitSync(X)
    const f = front()
    const fit = pca.fit(more)
    expect(thrown(() => pca.transformSync(X)).code).toBe('ERR_BUSY')
    expect((await rejection(pca.transform(X))).code).toBe('ERR_BUSY')
    await f
    await fit
    expect(pca.nSamplesSeen).toBe(300)
    expect(pca.transformSync(X).cols).toBe(2)
  })

  it('Whitener: fit and dispose are ERR_BUSY while a transform is queued', async () => {
    const w = new Whitener({ nComponents: 2 }).fitSync(X)
    const f = front()
    const t = w.transform(X)
    expect(thrown(() => w.dispose()).code).toBe('ERR_BUSY')
    expect((await rejection(w.fit(more))).code).toBe('ERR_BUSY')
    await f
    expect((await t).cols).toBe(2)
    w.dispose()
    expect(thrown(() => w.mean).code).toBe('ERR_NOT_FITTED')
  })
})
