/** Shared helpers of the test suites (no assertions here). */

/** Mulberry32: a tiny seeded PRNG so test data is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** `rows × cols` values uniform in [lo, hi), seeded. */
export function randomData(rows: number, cols: number, seed: number, lo = -1, hi = 1): Float64Array {
  const r = rng(seed)
  const out = new Float64Array(rows * cols)
  for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * r()
  return out
}

/** Values in {0, 1, 2} with column 0 fixed at 1 (no zero rows under cosine): many exact distance ties and duplicates. */
export function tieData(rows: number, cols: number, seed: number): Float64Array {
  const r = rng(seed)
  const out = new Float64Array(rows * cols)
  for (let i = 0; i < out.length; i++) out[i] = i % cols === 0 ? 1 : Math.floor(r() * 3)
  return out
}

/** Await a promise that must reject; return the rejection. */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await p
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected the promise to reject')
}

/** Call a function that must throw; return what it threw. */
export function thrown(f: () => unknown): Error & { code?: string } {
  try {
    f()
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('expected the call to throw')
}
