//! Per-column (per-feature) mean, variance, minimum and maximum, accumulated in f64.
//!
//! Rows are split into fixed blocks of [`Params::block_rows`]; each block is reduced with a
//! two-pass (mean, then squared deviations) sum, and blocks are merged in index order with
//! Chan et al.'s pairwise update, so the result is bit-identical for every thread count and
//! free of the cancellation of the one-pass `Σx² − n·mean²` formula.

use embgeo_core::scale::with_scaled;
use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Result};

/// Parameters of [`compute`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Delta degrees of freedom: variance = M2 / (n − ddof). numpy's default is 0.
    pub ddof: u32,
    /// Rows per block (the unit of parallel work, cancellation and progress).
    pub block_rows: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            ddof: 0,
            block_rows: 2048,
        }
    }
}

/// Column statistics of an `n × d` matrix; every vector has length `d`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStats {
    /// Number of rows reduced.
    pub rows: usize,
    /// Column means.
    pub mean: Vec<f64>,
    /// Column variances, `M2 / (n − ddof)`.
    pub variance: Vec<f64>,
    /// Column minima.
    pub min: Vec<f64>,
    /// Column maxima.
    pub max: Vec<f64>,
}

/// Partial moments of one block: count, mean, sum of squared deviations, min, max.
struct Block {
    n: f64,
    mean: Vec<f64>,
    m2: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
}

fn reduce_block<T: Element>(x: MatRef<'_, T>) -> Block {
    let d = x.cols();
    let n = x.rows() as f64;
    let mut mean = vec![0.0; d];
    let mut min = vec![f64::INFINITY; d];
    let mut max = vec![f64::NEG_INFINITY; d];
    for i in 0..x.rows() {
        for (j, v) in x.row(i).iter().enumerate() {
            let v = v.to_f64();
            mean[j] += v;
            min[j] = min[j].min(v);
            max[j] = max[j].max(v);
        }
    }
    for m in &mut mean {
        *m /= n;
    }
    let mut m2 = vec![0.0; d];
    for i in 0..x.rows() {
        for (j, v) in x.row(i).iter().enumerate() {
            let dv = v.to_f64() - mean[j];
            m2[j] += dv * dv;
        }
    }
    Block {
        n,
        mean,
        m2,
        min,
        max,
    }
}

/// Chan et al. (1979) pairwise merge of `b` into `a`.
fn merge(a: &mut Block, b: &Block) {
    let n = a.n + b.n;
    for j in 0..a.mean.len() {
        let delta = b.mean[j] - a.mean[j];
        a.mean[j] += delta * (b.n / n);
        a.m2[j] += b.m2[j] + delta * delta * (a.n * b.n / n);
        a.min[j] = a.min[j].min(b.min[j]);
        a.max[j] = a.max[j].max(b.max[j]);
    }
    a.n = n;
}

/// Per-column mean, variance (`ddof` as numpy), min and max of `x`.
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, n ≥ 1 (n > ddof). Returns four length-d `f64` vectors.
/// # Cost
/// Time O(n·d), two passes over each block. Extra memory: 5·d f64 per block of
/// `params.block_rows` rows, i.e. `40·d·⌈n / block_rows⌉` bytes plus the output.
/// # Determinism
/// Bit-identical for every `ctl.par` and thread count (fixed blocks, merged in order).
/// # Magnitudes
/// f64 data with `max |x|` outside `[2^-400, 2^400]` are reduced on a power-of-two-scaled copy
/// (`embgeo_core::scale`) and the results scaled back exactly: finite whenever representable.
/// # Errors
/// `Empty` if n ≤ ddof or d = 0; `NonFinite` for NaN/±inf; `Cancelled` when `ctl` fires.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// numpy `mean(axis=0)`, `var(axis=0, ddof=ddof)`, `min`, `max` (tested against a plain
/// f64 two-pass reference here and in `__test__/column-stats.spec.ts`).
pub fn compute<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<ColumnStats> {
    with_scaled(x, |x, s| {
        let mut r = compute_unscaled(x, params, ctl)?;
        for v in r.mean.iter_mut().chain(&mut r.min).chain(&mut r.max) {
            *v = s.unscale(*v, 1, "column mean")?;
        }
        s.unscale_all(&mut r.variance, 2, "column variance")?;
        Ok(r)
    })
}

/// [`compute`] on data in the safe magnitude range.
fn compute_unscaled<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<ColumnStats> {
    let needed = params.ddof as usize + 1;
    x.require_rows("X", needed, "columnStats")?;
    x.require_cols("X", "columnStats")?;
    x.check_finite("X")?;
    let blocks = map_chunks(ctl, "columnStats", x.rows(), params.block_rows, |r| {
        Ok(reduce_block(x.row_block(r.start, r.end)))
    })?;
    let mut iter = blocks.into_iter();
    let mut acc = iter
        .next()
        .ok_or_else(|| Error::Internal("no block reduced".into()))?;
    for b in iter {
        merge(&mut acc, &b);
    }
    let denom = acc.n - f64::from(params.ddof);
    let variance = acc.m2.iter().map(|m2| m2 / denom).collect();
    Ok(ColumnStats {
        rows: x.rows(),
        mean: acc.mean,
        variance,
        min: acc.min,
        max: acc.max,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::assert_same_for_threads;

    fn naive(x: &[f64], rows: usize, cols: usize, ddof: u32) -> (Vec<f64>, Vec<f64>) {
        let mut mean = vec![0.0; cols];
        for i in 0..rows {
            for j in 0..cols {
                mean[j] += x[i * cols + j];
            }
        }
        for m in &mut mean {
            *m /= rows as f64;
        }
        let mut var = vec![0.0; cols];
        for i in 0..rows {
            for j in 0..cols {
                var[j] += (x[i * cols + j] - mean[j]).powi(2);
            }
        }
        for v in &mut var {
            *v /= rows as f64 - f64::from(ddof);
        }
        (mean, var)
    }

    fn data(rows: usize, cols: usize) -> Vec<f64> {
        // A deterministic, irregular sequence (no RNG needed): offsets make the mean large
        // relative to the spread, which is where one-pass formulas lose digits.
        (0..rows * cols)
            .map(|i| 1.0e4 + ((i * 7919) % 1009) as f64 / 97.0)
            .collect()
    }

    /// `compute` on `x` read as rows of `cols`, with `ddof` and `block_rows`.
    fn stats<T: Element>(
        x: &[T],
        cols: usize,
        ddof: u32,
        block_rows: usize,
        ctl: &Ctl<'_>,
    ) -> Result<ColumnStats> {
        compute(
            MatRef::from_flat(x, cols).unwrap(),
            &Params { ddof, block_rows },
            ctl,
        )
    }

    #[test]
    fn matches_the_naive_two_pass_reference_across_blocks() {
        let (rows, cols) = (1000, 7);
        let x = data(rows, cols);
        let s = stats(&x, cols, 1, 64, &Ctl::detached()).unwrap();
        let (mean, var) = naive(&x, rows, cols, 1);
        for j in 0..cols {
            assert!((s.mean[j] - mean[j]).abs() <= 1e-12 * mean[j].abs(), "mean {j}");
            assert!(
                (s.variance[j] - var[j]).abs() <= 1e-9 * var[j],
                "var {j}: {} vs {}",
                s.variance[j],
                var[j]
            );
        }
    }

    #[test]
    fn bit_identical_sequential_and_parallel() {
        let x = data(5000, 5);
        assert_same_for_threads("columnStats", &[2], |ctl| stats(&x, 5, 0, 100, ctl).unwrap());
    }

    #[test]
    fn rejects_too_few_rows_and_non_finite() {
        let block = Params::default().block_rows;
        let e = stats(&[1.0f32, 2.0], 2, 1, block, &Ctl::detached()).unwrap_err();
        assert_eq!(e.code(), "ERR_EMPTY");
        let e = stats(&[1.0f32, f32::INFINITY, 0.0, 0.0], 2, 0, block, &Ctl::detached()).unwrap_err();
        assert_eq!(e.code(), "ERR_NON_FINITE");
    }

    #[test]
    fn min_and_max_are_exact() {
        let x = [3.0f32, -1.0, -2.5, 4.0, 0.5, 9.0];
        let m = MatRef::new(&x, 3, 2).unwrap();
        let s = compute(m, &Params::default(), &Ctl::detached()).unwrap();
        assert_eq!(s.min, vec![-2.5, -1.0]);
        assert_eq!(s.max, vec![3.0, 9.0]);
    }
}
