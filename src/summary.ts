/**
 * Small descriptive statistics of a vector of values (used by `analyze` for norms, local ID and
 * k-occurrences): summary numbers, percentiles and histograms. O(n log n) for the sort, O(n) memory.
 */
import type { Histogram, Summary } from './analysis.js'

/** Percentile `q` in [0, 100] of ascending `sorted`, with numpy's default linear interpolation. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length
  if (n === 0) return Number.NaN
  const pos = ((n - 1) * q) / 100
  const lo = Math.floor(pos)
  const hi = Math.min(lo + 1, n - 1)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

/** min, max, mean, median, population std, 10th and 90th percentiles of finite `values` (n ≥ 1). */
export function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort()
  const n = sorted.length
  let mean = 0
  for (let i = 0; i < n; i++) mean += (sorted[i]! - mean) / (i + 1)
  let m2 = 0
  for (let i = 0; i < n; i++) m2 += (sorted[i]! - mean) ** 2
  return {
    min: sorted[0]!,
    max: sorted[n - 1]!,
    mean,
    median: percentile(sorted, 50),
    std: Math.sqrt(m2 / n),
    p10: percentile(sorted, 10),
    p90: percentile(sorted, 90),
  }
}

/**
 * Histogram of finite `values` over [min, max] with `bins` equal-width bins (the last bin closed);
 * a constant input (up to 1e-9 relative) gives one bin centred on the value, ±5 % wide (±0.5 at 0).
 */
export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  // Constant up to rounding (e.g. unit-normalised rows): one bin, as for an exactly constant input.
  if (!(hi - lo > 1e-9 * Math.max(Math.abs(lo), Math.abs(hi)))) {
    const mid = (lo + hi) / 2
    const half = mid === 0 ? 0.5 : Math.abs(mid) * 0.05
    return { edges: [mid - half, mid + half], counts: [values.length] }
  }
  const width = (hi - lo) / bins
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * width))
  const counts = new Array<number>(bins).fill(0)
  for (let i = 0; i < values.length; i++) {
    const b = Math.min(bins - 1, Math.floor((values[i]! - lo) / width))
    counts[b]!++
  }
  return { edges, counts }
}

/**
 * Histogram of non-negative integer counts with one bin per integer 0..max, merging the tail into
 * wider bins when max exceeds `maxBins` (bins stay integer-aligned).
 */
export function integerHistogram(values: ArrayLike<number>, maxBins: number): Histogram {
  let max = 0
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i]!)
  const width = Math.max(1, Math.ceil((max + 1) / maxBins))
  const bins = Math.floor(max / width) + 1
  const counts = new Array<number>(bins).fill(0)
  for (let i = 0; i < values.length; i++) counts[Math.floor(values[i]! / width)]!++
  const edges = Array.from({ length: bins + 1 }, (_, i) => i * width)
  return { edges, counts }
}
