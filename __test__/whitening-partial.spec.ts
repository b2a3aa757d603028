/**
 * Whitener.partialFit / merge (issue 16): exact streaming moments, weighted (Zipfian) or not,
 * that travel as serialize() bytes or toJSON() and merge into the whitener of all rows. The
 * expected values are the batch fit of the same rows (numpy-free identity: partial == batch),
 * to 1e-10 relative to each array's largest entry (the paths differ only by the rounding of the
 * Chan merges, amplified by the eigensolver; crates/pca/tests/whiten_partial.rs).
 */
import { describe, expect, it } from 'vitest'

import { matrix, PCA, Whitener, whitening, type DenseMatrix } from '../src/index.js'
import { randomData, thrown } from './helpers.js'

const N = 400
const D = 5
// Columns with distinct spreads (so the eigenvalues are well apart) around an offset of 10.
const X = randomData(N, D, 33).map((v, i) => 10 + v * (1 + (i % D)))
const rows = (a: number, b: number): DenseMatrix => matrix(X.subarray(a * D, b * D), D)
// Zipf-like frequencies.
const W = Float64Array.from({ length: N }, (_, i) => 1 / (1 + (i % 11)))

function close(what: string, ours: Float64Array, theirs: Float64Array, rtol: number): void {
  expect(ours.length, what).toBe(theirs.length)
  const scale = theirs.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
  const worst = ours.reduce((m, v, i) => Math.max(m, Math.abs(v - theirs[i]!) / scale), 0)
  expect(worst, what).toBeLessThanOrEqual(rtol)
}

function expectSameWhitener(w: Whitener, batch: Whitener): void {
  expect(w.nSamplesSeen).toBe(batch.nSamplesSeen)
  close('mean', w.mean, batch.mean, 1e-10)
  close('eigenvalues', w.eigenvalues, batch.eigenvalues, 1e-10)
  close('matrix', w.matrix.data as Float64Array, batch.matrix.data as Float64Array, 1e-10)
}

const PRESETS: [string, () => Whitener][] = [
  ['pca', () => new Whitener()],
  ['zca', () => whitening.zca({ epsilon: 1e-6 })],
  ['zipfian top 3', () => whitening.zipfian({ nComponents: 3 })],
]

describe('Whitener.partialFit and merge', () => {
  for (const [name, make] of PRESETS) {
    for (const weighted of [false, true]) {
      const opts = (a: number, b: number) => (weighted ? { weights: W.subarray(a, b) } : undefined)

      it(`${name}${weighted ? ', weighted' : ''}: partialFit over blocks and merged serialised shards equal fit on all rows to 1e-10`, () => {
        const batch = make().fitSync(rows(0, N), opts(0, N))
        const stream = make()
        const cuts = [0, 1, 2, 57, 200, 201, N]
        for (let c = 0; c + 1 < cuts.length; c++) stream.partialFit(rows(cuts[c]!, cuts[c + 1]!), opts(cuts[c]!, cuts[c + 1]!))
        expectSameWhitener(stream, batch)

        const shards = [
          [0, 150],
          [150, 151],
          [151, N],
        ].map(([a, b], s) => {
          const w = make().partialFit(rows(a!, b!), opts(a!, b!))
          return s % 2 === 0 ? Whitener.deserialize(w.serialize()) : Whitener.fromJSON(JSON.parse(JSON.stringify(w)))
        })
        const merged = make()
        for (const s of shards) merged.merge(s)
        expectSameWhitener(merged, batch)
        // the merged whitener transforms like the batch one
        close('transform', merged.transformSync(rows(0, 20)).data as Float64Array, batch.transformSync(rows(0, 20)).data as Float64Array, 1e-9)
      })
    }
  }

  it('a fitted whitener keeps its moments: fit, serialise, partialFit the rest = fit of all', () => {
    const batch = new Whitener().fitSync(rows(0, N), { weights: W })
    const half = Whitener.deserialize(new Whitener().fitSync(rows(0, 200), { weights: W.subarray(0, 200) }).serialize())
    half.partialFit(rows(200, N), { weights: W.subarray(200, N) })
    expectSameWhitener(half, batch)
  })

  it('stays unfitted (ERR_NOT_FITTED on transform) until its rows can be whitened', () => {
    const w = new Whitener()
    w.partialFit(rows(0, 1))
    expect(thrown(() => w.transformSync(rows(0, 1))).code).toBe('ERR_NOT_FITTED')
    w.partialFit(rows(1, N))
    expect(w.nSamplesSeen).toBe(N)
  })
})

describe('Whitener.partialFit and merge: bad input', () => {
  const some = () => new Whitener().partialFit(rows(0, 50))
  const weighted = () => new Whitener().partialFit(rows(0, 50), { weights: W.subarray(0, 50) })
  const cases: [string, string, () => unknown][] = [
    ['unweighted rows into a weighted whitener', 'ERR_OUT_OF_RANGE', () => weighted().partialFit(rows(50, 60))],
    ['weighted rows into an unweighted whitener', 'ERR_OUT_OF_RANGE', () => some().partialFit(rows(50, 60), { weights: W.subarray(50, 60) })],
    ['weighted rows into a whitener fitted without weights', 'ERR_OUT_OF_RANGE', () => new Whitener().fitSync(rows(0, 50)).partialFit(rows(50, 60), { weights: W.subarray(50, 60) })],
    ['merge of weighted and unweighted', 'ERR_OUT_OF_RANGE', () => some().merge(weighted())],
    ['weights of another length', 'ERR_SHAPE', () => new Whitener().partialFit(rows(0, 10), { weights: [1, 2] })],
    ['a negative weight', 'ERR_OUT_OF_RANGE', () => new Whitener().partialFit(rows(0, 2), { weights: [1, -1] })],
    ['weights not an array', 'ERR_INVALID_ARG_TYPE', () => new Whitener().partialFit(rows(0, 2), { weights: 'x' as never })],
    ['an unknown option', 'ERR_OUT_OF_RANGE', () => new Whitener().partialFit(rows(0, 2), { wieghts: [1, 1] } as never)],
    ['rows of another width', 'ERR_SHAPE', () => some().partialFit([[1, 2, 3]])],
    ['NaN', 'ERR_NON_FINITE', () => new Whitener().partialFit([[1, NaN, 3, 4, 5]])],
    ['merge with a non-Whitener', 'ERR_INVALID_ARG_TYPE', () => some().merge(new PCA().partialFit(rows(0, 50)) as never)],
    ['merge of a whitener that has seen no rows', 'ERR_NOT_FITTED', () => some().merge(new Whitener())],
    ['merge with another width', 'ERR_SHAPE', () => some().merge(new Whitener().partialFit([[1, 2], [2, 1], [0, 3]]))],
  ]
  for (const [what, code, f] of cases) {
    it(`rejects ${what} with ${code}`, () => {
      expect(thrown(f).code).toBe(code)
    })
  }

  it('leaves the whitener unchanged after a rejected partialFit or merge', () => {
    const w = weighted()
    const before = w.serialize()
    expect(thrown(() => w.partialFit(rows(50, 60))).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => w.merge(some())).code).toBe('ERR_OUT_OF_RANGE')
    expect(w.serialize()).toEqual(before)
  })

  it('merging into an unfitted whitener is legal', () => {
    expect(new Whitener().merge(some()).nSamplesSeen).toBe(50)
  })

  it('partialFit and merge are ERR_BUSY while a transform is queued', async () => {
    const w = some()
    const other = some()
    const pending = w.transform(rows(0, 50))
    expect(thrown(() => w.partialFit(rows(50, 60))).code).toBe('ERR_BUSY')
    expect(thrown(() => w.merge(other)).code).toBe('ERR_BUSY')
    await pending
    w.partialFit(rows(50, 60)).merge(other)
    expect(w.nSamplesSeen).toBe(110)
  })
})
