/**
 * Small descriptive statistics of a vector of values (used by `analyze` for norms, local ID and
 * k-occurrences): summary numbers, percentiles and histograms, computed in Rust
 * (`embgeo_metrics::summary`). O(n log n) for the sort, O(n) memory.
 */
import type { Histogram, Summary } from './analysis.js'
import { native } from './native.js'
import { runSync } from './run.js'

function f64(values: ArrayLike<number>): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values)
}

/** Percentile `q` in [0, 100] of ascending `sorted`, with numpy's default linear interpolation. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  return runSync(() => native().percentile(f64(sorted), q))
}

/** min, max, mean, median, population std, 10th and 90th percentiles of finite `values` (n ≥ 1). */
export function summarize(values: ArrayLike<number>): Summary {
  const [min, max, mean, median, std, p10, p90] = runSync(() => native().summarize(f64(values))) as [number, number, number, number, number, number, number]
  return { min, max, mean, median, std, p10, p90 }
}

/**
 * Histogram of finite `values` over [min, max] with `bins` equal-width bins (the last bin closed);
 * a constant input (up to 1e-9 relative) gives one bin centred on the value, ±5 % wide (±0.5 at 0).
 */
export function histogram(values: ArrayLike<number>, bins: number): Histogram {
  return runSync(() => native().histogram(f64(values), bins))
}

/**
 * Histogram of non-negative integer counts with one bin per integer 0..max, merging the tail into
 * wider bins when max exceeds `maxBins` (bins stay integer-aligned).
 */
export function integerHistogram(values: ArrayLike<number>, maxBins: number): Histogram {
  const u32 = values instanceof Uint32Array ? values : Uint32Array.from(values)
  return runSync(() => native().integerHistogram(u32, maxBins))
}
