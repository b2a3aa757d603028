//! Descriptive statistics of a vector of values (the report of `analyze`): summary numbers,
//! percentiles and equal-width or integer histograms.

/// Summary numbers of a set of values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Arithmetic mean (running update in ascending order).
    pub mean: f64,
    /// 50th percentile.
    pub median: f64,
    /// Population standard deviation.
    pub std: f64,
    /// 10th percentile.
    pub p10: f64,
    /// 90th percentile.
    pub p90: f64,
}

/// A histogram: `edges.len() == counts.len() + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Bin edges, ascending.
    pub edges: Vec<f64>,
    /// Values per bin.
    pub counts: Vec<u32>,
}

/// Percentile `q` in [0, 100] of ascending `sorted` with numpy's default linear interpolation;
/// NaN for no values. O(1).
#[must_use]
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = (n - 1) as f64 * q / 100.0;
    let lo = (pos.floor() as usize).min(n - 1);
    let hi = (lo + 1).min(n - 1);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// min, max, mean, median, population std, 10th and 90th percentiles of finite `values`
/// (all NaN for no values).
///
/// # Cost
/// O(n log n) time for the sort, n f64 of extra memory.
#[must_use]
pub fn summarize(values: &[f64]) -> Summary {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        let nan = f64::NAN;
        return Summary {
            min: nan,
            max: nan,
            mean: nan,
            median: nan,
            std: nan,
            p10: nan,
            p90: nan,
        };
    }
    let mut mean = 0.0;
    for (i, v) in sorted.iter().enumerate() {
        mean += (v - mean) / (i + 1) as f64;
    }
    let m2: f64 = sorted.iter().fold(0.0, |s, v| s + (v - mean) * (v - mean));
    Summary {
        min: sorted[0],
        max: sorted[n - 1],
        mean,
        median: percentile(&sorted, 50.0),
        std: (m2 / n as f64).sqrt(),
        p10: percentile(&sorted, 10.0),
        p90: percentile(&sorted, 90.0),
    }
}

/// Histogram of finite `values` over [min, max] with `bins` (≥ 1) equal-width bins, the last
/// closed. A constant input (up to 1e-9 relative) gives one bin centred on the value, ±5 % wide
/// (±0.5 at 0).
///
/// # Cost
/// O(n) time, `bins` counters.
#[must_use]
pub fn histogram(values: &[f64], bins: usize) -> Histogram {
    let bins = bins.max(1);
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let spread = hi - lo;
    if spread.is_nan() || spread <= 1e-9 * lo.abs().max(hi.abs()) {
        let mid = f64::midpoint(lo, hi);
        let half = if mid == 0.0 { 0.5 } else { mid.abs() * 0.05 };
        return Histogram {
            edges: vec![mid - half, mid + half],
            counts: vec![values.len() as u32],
        };
    }
    let width = (hi - lo) / bins as f64;
    let edges = (0..=bins)
        .map(|i| if i == bins { hi } else { lo + i as f64 * width })
        .collect();
    let mut counts = vec![0u32; bins];
    for &v in values {
        let b = (((v - lo) / width).floor() as usize).min(bins - 1);
        counts[b] += 1;
    }
    Histogram { edges, counts }
}

/// Histogram of non-negative integer counts with one bin per integer 0..=max, merging the tail
/// into wider integer-aligned bins when max + 1 exceeds `max_bins` (≥ 1).
///
/// # Cost
/// O(n) time, at most `max_bins` counters.
#[must_use]
pub fn integer_histogram(values: &[u32], max_bins: usize) -> Histogram {
    let max = values.iter().copied().max().unwrap_or(0) as usize;
    let width = (max + 1).div_ceil(max_bins.max(1)).max(1);
    let bins = max / width + 1;
    let mut counts = vec![0u32; bins];
    for &v in values {
        counts[v as usize / width] += 1;
    }
    let edges = (0..=bins).map(|i| (i * width) as f64).collect();
    Histogram { edges, counts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_matches_numpy_on_one_to_ten() {
        // numpy: percentile(1..=10, [10, 50, 90]) = 1.9, 5.5, 9.1; std(ddof=0) = sqrt(8.25)
        let v: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        let s = summarize(&v);
        assert_eq!((s.min, s.max, s.mean), (1.0, 10.0, 5.5));
        assert!((s.p10 - 1.9).abs() < 1e-12 && (s.median - 5.5).abs() < 1e-12 && (s.p90 - 9.1).abs() < 1e-12);
        assert!((s.std - 8.25f64.sqrt()).abs() < 1e-12);
        assert!(summarize(&[]).mean.is_nan());
    }

    #[test]
    fn histogram_closes_the_last_bin_and_centres_constants() {
        let h = histogram(&[0.0, 1.0, 2.0, 4.0], 4);
        assert_eq!(h.edges, vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(h.counts, vec![1, 1, 1, 1]);
        let c = histogram(&[2.0, 2.0], 10);
        assert_eq!((c.edges, c.counts), (vec![1.9, 2.1], vec![2]));
        assert_eq!(histogram(&[0.0], 3).edges, vec![-0.5, 0.5]);
    }

    #[test]
    fn integer_histogram_merges_the_tail() {
        let h = integer_histogram(&[0, 1, 1, 5], 10);
        assert_eq!(h.counts, vec![1, 2, 0, 0, 0, 1]);
        let w = integer_histogram(&[0, 9, 10], 5);
        // max 10, width ceil(11 / 5) = 3: bins [0,3) [3,6) [6,9) [9,12)
        assert_eq!(
            (w.edges, w.counts),
            (vec![0.0, 3.0, 6.0, 9.0, 12.0], vec![1, 0, 0, 2])
        );
    }
}
