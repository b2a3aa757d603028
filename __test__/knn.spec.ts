/**
 * Exact kNN against a plain f64 brute force written here (the reference), on random, clustered
 * and duplicate-heavy data, every metric, f32 and f64, sync and async.
 */
import { afterEach, describe, expect, it } from 'vitest'

import { KnnIndex, knn, knnSync, matrix, recall, setConcurrency, setThreads, type KnnResult, type Metric } from '../src/index.js'
import { randomData, rejection, rng, thrown } from './helpers.js'

type Arr = Float32Array | Float64Array

/** f64 distance of the api.md definitions, computed from the (possibly f32) stored values. */
function dist(metric: Metric, a: Arr, i: number, b: Arr, j: number, d: number): number {
  let s = 0
  let na = 0
  let nb = 0
  for (let t = 0; t < d; t++) {
    const x = a[i * d + t]!
    const y = b[j * d + t]!
    if (metric === 'euclidean' || metric === 'sqeuclidean') s += (x - y) * (x - y)
    else {
      s += x * y
      na += x * x
      nb += y * y
    }
  }
  if (metric === 'euclidean') return Math.sqrt(s)
  if (metric === 'sqeuclidean') return s
  if (metric === 'dot') return -s
  return 1 - s / (Math.sqrt(na) * Math.sqrt(nb))
}

/** Brute force: all distances, sorted by (distance, index); self excluded when no queries. */
function reference(corpus: Arr, queries: Arr | undefined, d: number, k: number, metric: Metric) {
  const n = corpus.length / d
  const q = queries ?? corpus
  const rows = q.length / d
  const indices = new Uint32Array(rows * k)
  const distances = new Float64Array(rows * k)
  for (let i = 0; i < rows; i++) {
    const cand: [number, number][] = []
    for (let j = 0; j < n; j++) if (queries !== undefined || j !== i) cand.push([dist(metric, q, i, corpus, j, d), j])
    cand.sort((a, b) => a[0] - b[0] || a[1] - b[1])
    for (let t = 0; t < k; t++) {
      indices[i * k + t] = cand[t]![1]
      distances[i * k + t] = cand[t]![0]
    }
  }
  return { indices, distances }
}

/**
 * The result must list, for every row, neighbours whose true distances are the reference's k
 * smallest, best first. Where the reference separates neighbours by more than rounding the
 * indices must agree exactly; within rounding (e.g. cosine ties in 1-D) either order is right.
 */
function expectMatches(
  r: KnnResult,
  ref: { indices: Uint32Array; distances: Float64Array },
  f32: boolean,
  truth?: (row: number, j: number) => number,
): void {
  // f64 output: the engine recomputes the final distances from the vectors in f64, differing
  // from this loop only in summation order (1e-12 relative to the scale). f32: rounded once.
  const tolOf = (e: number) => (f32 ? 6e-8 * Math.abs(e) + 1e-30 : 1e-12 * Math.max(1, Math.abs(e)))
  const k = r.k
  for (let t = 0; t < ref.distances.length; t++) {
    const e = ref.distances[t]!
    const tol = tolOf(e)
    expect(Math.abs(r.distances[t]! - e), `distance ${t}`).toBeLessThanOrEqual(tol)
    if (r.indices[t] !== ref.indices[t]) {
      expect(truth, `index ${t}: ${r.indices[t]} vs ${ref.indices[t]}`).toBeDefined()
      const row = Math.floor(t / k)
      expect(Math.abs(truth!(row, r.indices[t]!) - e), `index ${t} is not a near-tie`).toBeLessThanOrEqual(tolOf(e) + 1e-15)
    }
  }
  for (let i = 0; i < r.rows; i++) expect(new Set(r.neighbors(i).indices).size).toBe(k)
}

function clustered(n: number, d: number, seed: number): Float64Array {
  const r = rng(seed)
  const centres = randomData(5, d, seed + 1, -10, 10)
  const out = new Float64Array(n * d)
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * 5)
    for (let t = 0; t < d; t++) out[i * d + t] = centres[c * d + t]! + 0.05 * (r() - 0.5)
  }
  return out
}

function withDuplicates(n: number, d: number, seed: number): Float64Array {
  const out = randomData(n, d, seed)
  // ~1 % exact duplicates and ~1 % near-duplicates (one coordinate nudged by 1e-9).
  for (let i = 0; i < n; i += 50) {
    const src = (i + 17) % n
    out.copyWithin(i * d, src * d, (src + 1) * d)
    const j = (i + 25) % n
    out.copyWithin(j * d, src * d, (src + 1) * d)
    out[j * d] = out[j * d]! + 1e-9
  }
  return out
}

const METRICS: Metric[] = ['euclidean', 'sqeuclidean', 'cosine', 'dot']

describe('knnSync', () => {
  for (const metric of METRICS) {
    for (const f32 of [false, true]) {
      it(`all-points equals brute force (${metric}, ${f32 ? 'f32' : 'f64'}, random, d = 7 … 129)`, () => {
        for (const [n, d, k] of [
          [60, 7, 5],
          [41, 33, 40],
          [90, 129, 10],
        ] as const) {
          const x64 = randomData(n, d, n + d)
          const x = f32 ? Float32Array.from(x64) : x64
          const r = knnSync(matrix(x, d), { k, metric })
          expect(r.distances).toBeInstanceOf(f32 ? Float32Array : Float64Array)
          expectMatches(r, reference(x, undefined, d, k, metric), f32)
        }
      })
    }
  }

  it('queries against a corpus, clustered data, d = 1 and d = 1536', () => {
    for (const [n, nq, d, k] of [
      [200, 30, 1, 7],
      [120, 9, 64, 12],
      [50, 4, 1536, 3],
    ] as const) {
      const c = clustered(n, d, d)
      const q = clustered(nq, d, d + 100)
      for (const metric of METRICS) {
        const r = knnSync(matrix(c, d), { k, metric, queries: matrix(q, d) })
        expectMatches(r, reference(c, q, d, k, metric), false, (i, j) => dist(metric, q, i, c, j, d))
      }
    }
  })

  it('keeps exact duplicates as each other\'s neighbours at distance exactly 0 and breaks ties to the lower index', () => {
    const d = 16
    const x = withDuplicates(300, d, 5)
    const r = knnSync(matrix(x, d), { k: 4 })
    expectMatches(r, reference(x, undefined, d, 4, 'euclidean'), false)
    // Row 0 is a copy of row 17 (see withDuplicates), and so is row 25.
    expect(r.neighbors(0).distances[0]).toBe(0)
    expect(Array.from(r.neighbors(17).indices.slice(0, 2))).toEqual([0, 25])
  })

  it('returns every other row for k = N - 1', () => {
    const x = randomData(25, 3, 9)
    const r = knnSync(matrix(x, 3), { k: 24, metric: 'cosine' })
    expectMatches(r, reference(x, undefined, 3, 24, 'cosine'), false)
  })
})

describe('knn', () => {
  it('is bit-identical to knnSync and to itself with 1 and 2 threads', async () => {
    const x = Float32Array.from(randomData(3000, 24, 11))
    const sync = knnSync(matrix(x, 24), { k: 10 })
    setThreads(1)
    const one = await knn(matrix(x, 24), { k: 10 })
    setThreads(2)
    const two = await knn(matrix(x, 24), { k: 10 })
    for (const r of [one, two]) {
      expect(r.indices).toEqual(sync.indices)
      expect(r.distances).toEqual(sync.distances)
    }
  })

  it('accepts number[][] and reports progress', async () => {
    const rows = Array.from({ length: 400 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7), i % 13])
    const seen: string[] = []
    const r = await knn(rows, { k: 2, onProgress: (p) => seen.push(p.phase) })
    expect(r.rows).toBe(400)
    expect(r.metric).toBe('euclidean')
    const ref = reference(Float64Array.from(rows.flat()), undefined, 3, 2, 'euclidean')
    expect(Array.from(r.indices)).toEqual(Array.from(ref.indices))
  })

  it('aborts a large job mid-run with ABORT_ERR', async () => {
    const x = Float32Array.from(randomData(40_000, 64, 3))
    const ac = new AbortController()
    const p = knn(matrix(x, 64), { k: 10, signal: ac.signal })
    setTimeout(() => ac.abort(), 50)
    const e = await rejection(p)
    expect(e.code).toBe('ABORT_ERR')
  })
})

describe('knn bad input', () => {
  const X = matrix(randomData(10, 3, 1), 3)
  it.each([
    { label: 'k missing', o: {}, code: 'ERR_INVALID_ARG_TYPE' },
    { label: 'k = 0', o: { k: 0 }, code: 'ERR_OUT_OF_RANGE' },
    { label: 'k fractional', o: { k: 2.5 }, code: 'ERR_OUT_OF_RANGE' },
    { label: 'k negative', o: { k: -1 }, code: 'ERR_OUT_OF_RANGE' },
    { label: 'k string', o: { k: '3' }, code: 'ERR_INVALID_ARG_TYPE' },
    { label: 'k = N (self excluded)', o: { k: 10 }, code: 'ERR_K_TOO_LARGE' },
    { label: 'k > N with queries', o: { k: 11, queries: [[1, 2, 3]] }, code: 'ERR_K_TOO_LARGE' },
    { label: 'queries of another width', o: { k: 1, queries: [[1, 2]] }, code: 'ERR_SHAPE' },
    { label: 'unknown metric', o: { k: 1, metric: 'manhattan' }, code: 'ERR_INVALID_ARG_VALUE' },
    { label: 'misspelt option name (metirc)', o: { k: 1, metirc: 'cosine' }, code: 'ERR_OUT_OF_RANGE' },
    { label: 'NaN in queries', o: { k: 1, queries: [[1, NaN, 3]] }, code: 'ERR_NON_FINITE' },
  ])('$label -> $code', async ({ o, code }) => {
    expect(thrown(() => knnSync(X, o as never)).code).toBe(code)
    expect((await rejection(knn(X, o as never))).code).toBe(code)
  })

  it('names the limit in ERR_K_TOO_LARGE', () => {
    expect(thrown(() => knnSync(X, { k: 10 })).message).toMatch(/k = 10 but only 9 neighbours are available \(corpus has 10 rows/)
  })

  it('rejects a zero vector under cosine with ERR_DEGENERATE naming the row', () => {
    const e = thrown(() => knnSync([[1, 0], [0, 0], [0, 1]], { k: 1, metric: 'cosine' }))
    expect(e.code).toBe('ERR_DEGENERATE')
    expect(e.message).toMatch(/row 1/)
  })
})

describe('KnnIndex', () => {
  it('searches like knn with queries, grows with add, and round-trips through serialize', async () => {
    const d = 8
    const a = randomData(100, d, 1)
    const b = randomData(50, d, 2)
    const q = randomData(7, d, 3)
    const index = new KnnIndex(matrix(a, d), { metric: 'cosine' })
    index.add(matrix(b, d))
    expect([index.size, index.dim, index.metric]).toEqual([150, d, 'cosine'])
    expect(index.memoryBytes).toBeGreaterThan(150 * d * 8)
    const all = new Float64Array([...a, ...b])
    const expected = knnSync(matrix(all, d), { k: 5, metric: 'cosine', queries: matrix(q, d) })
    const got = await index.search(matrix(q, d), { k: 5 })
    expect(got.indices).toEqual(expected.indices)
    expect(got.distances).toEqual(expected.distances)
    const copy = KnnIndex.deserialize(index.serialize())
    expect(copy.searchSync(matrix(q, d), { k: 5 }).indices).toEqual(expected.indices)
    index.dispose()
    expect(thrown(() => index.searchSync(matrix(q, d), { k: 1 })).code).toBe('ERR_NOT_FITTED')
    copy[Symbol.dispose]()
  })

  it('reports the path its searches ran, as knn does for the same corpus and queries', async () => {
    // f32 rows: the path knn's `auto` takes for this shape (fp32 here, the one-pass bf16 stream
    // on AMX CPUs for larger corpora); the index and knn run the same engine on the same values
    const d = 16
    const x = new Float32Array(randomData(400, d, 4))
    const q = new Float32Array(randomData(30, d, 5))
    const index = new KnnIndex(matrix(x, d))
    const want = knnSync(matrix(x, d), { k: 4, queries: matrix(q, d) })
    for (const got of [index.searchSync(matrix(q, d), { k: 4 }), await index.search(matrix(q, d), { k: 4 })]) {
      expect(got.indices).toEqual(want.indices)
      expect([got.precision, got.kernel]).toEqual([want.precision, want.kernel])
      expect(got.inflation).toBeGreaterThanOrEqual(1)
    }
    index.dispose()
  })

  it('screens f32 searches in int16 on CPUs with int16 tiles (same answer), keeping an int16 copy it counts', async () => {
    // 10 000 rows × 48, 40 queries: `auto` takes int16 where the kernel layer runs native int16
    // tiles (kernel 'avx2-int16' on AVX2, 'avx512vnni-int16' on AVX-512 with VNNI and no AMX),
    // else fp32 or a bf16 stream; the answer is knn's fp32 answer either way
    const [n, d] = [10_000, 48]
    const x = new Float32Array(randomData(n, d, 6))
    const q = new Float32Array(randomData(40, d, 7))
    const index = new KnnIndex(matrix(x, d))
    const before = index.memoryBytes
    const want = knnSync(matrix(x, d), { k: 6, queries: matrix(q, d), precision: 'fp32' })
    const got = await index.search(matrix(q, d), { k: 6 })
    expect(got.indices).toEqual(want.indices)
    expect(got.distances).toEqual(want.distances)
    const copy = got.precision === 'int16' ? n * (d * 2 + 12) : 0
    expect(got.precision === 'int16').toBe(['avx2-int16', 'avx512vnni-int16'].includes(got.kernel ?? ''))
    expect(index.memoryBytes).toBe(before + copy)
    const again = index.searchSync(matrix(q, d), { k: 6 })
    expect([again.indices, again.precision]).toEqual([want.indices, got.precision])
    index.add(matrix(q.subarray(0, d), d))
    expect(index.memoryBytes).toBeLessThan(before + 1000) // adding rows drops the copy
    index.dispose()
  })

  it('rejects bytes that are not an index with ERR_BAD_MODEL', () => {
    expect(thrown(() => KnnIndex.deserialize(new Uint8Array([1, 2, 3]))).code).toBe('ERR_BAD_MODEL')
    const good = new KnnIndex([[1, 2], [3, 4]]).serialize()
    good[good.length - 20]! ^= 0xff
    expect(thrown(() => KnnIndex.deserialize(good)).code).toBe('ERR_BAD_MODEL')
  })

  it('refuses add() while a search runs (ERR_BUSY) and k beyond its size', async () => {
    const index = new KnnIndex(matrix(Float32Array.from(randomData(20_000, 32, 4)), 32))
    const p = index.search(matrix(Float32Array.from(randomData(2000, 32, 5)), 32), { k: 3 })
    const e = thrown(() => index.add([Array.from({ length: 32 }, () => 0)]))
    expect(e.code).toBe('ERR_BUSY')
    await p
    expect(thrown(() => index.searchSync([new Array(32).fill(0)], { k: 20_001 })).code).toBe('ERR_K_TOO_LARGE')
  })
})

describe('recall', () => {
  it('counts the exact neighbours found by an approximate search', () => {
    const x = randomData(30, 4, 8)
    const exact = knnSync(matrix(x, 4), { k: 3 })
    const approx = Int32Array.from(exact.indices)
    // Query 0: replace one true neighbour by padding (-1); query 1: swap order (still 3/3).
    approx[0] = -1
    ;[approx[3], approx[5]] = [approx[5]!, approx[3]!]
    const r = recall({ indices: approx, k: 3 }, exact)
    expect(r.perQuery[0]).toBeCloseTo(2 / 3, 15)
    expect(r.perQuery[1]).toBe(1)
    expect(r.recall).toBeCloseTo((29 + 2 / 3) / 30, 15)
    const big = recall({ indices: BigUint64Array.from(Array.from(exact.indices, BigInt)), k: 3 }, exact)
    expect(big.recall).toBe(1)
    expect(thrown(() => recall({ indices: new Uint32Array(5), k: 3 }, exact)).code).toBe('ERR_SHAPE')
  })
})

describe('KnnIndex busy rule (issue 17 item 5)', () => {
  afterEach(() => setConcurrency(1))

  it('refuses add() and dispose() with ERR_BUSY while a search is queued, and the search sees the rows of its call', async () => {
    setConcurrency(1)
    const corpus = matrix(Float64Array.from(randomData(500, 8, 11)), 8)
    const index = new KnnIndex(corpus)
    // A job in front holds the only slot, so the search below waits in the queue.
    const front = knn(matrix(randomData(3000, 16, 12), 16), { k: 5 })
    const queued = index.search(corpus, { k: 1 })
    expect(thrown(() => index.add([new Array(8).fill(0)])).code).toBe('ERR_BUSY')
    expect(thrown(() => index.dispose()).code).toBe('ERR_BUSY')
    await front
    const r = await queued
    expect(r.rows).toBe(500)
    expect(index.size).toBe(500)
    // Each row's nearest indexed row is itself (distance 0), never a row added later.
    expect(Array.from(r.indices)).toEqual(Array.from({ length: 500 }, (_, i) => i))
    index.add([new Array(8).fill(0)])
    expect(index.size).toBe(501)
    index.dispose()
  })

  it('keeps the rule after a rejected search (released on rejection)', async () => {
    const index = new KnnIndex(matrix(randomData(20, 4, 13), 4))
    expect((await rejection(index.search(matrix(randomData(2, 4, 14), 4), { k: 21 }))).code).toBe('ERR_K_TOO_LARGE')
    const aborted = index.search(matrix(randomData(2, 4, 14), 4), { k: 1, signal: AbortSignal.abort() })
    expect((await rejection(aborted)).code).toBe('ABORT_ERR')
    index.add([[0, 0, 0, 0]])
    expect(index.size).toBe(21)
  })
})
