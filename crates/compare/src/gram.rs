//! CKA from two `n × n` kernel matrices (Kornblith et al. 2019, their `cka(gram_x, gram_y,
//! debiased)`): centre each kernel — `HKH` (biased) or the unbiased-HSIC centring of Song et al.
//! 2012 (zero diagonal, `(n − 2)` / `2(n − 1)` corrections; needs n ≥ 4) — then
//! `CKA = ⟨K̃, L̃⟩_F / (‖K̃‖_F ‖L̃‖_F)`.
//!
//! Also the two kernels CKA uses: the linear kernel `X·Xᵀ` (row tiles of one sequential faer GEMM
//! each) and the RBF kernel `exp(−‖xᵢ − xⱼ‖² / (2σ²·m))` with `m` the median of the `n²` squared
//! distances (diagonal zeros included, as Kornblith's `gram_rbf` takes `np.median` of the full
//! matrix).
//!
//! Memory: each kernel is `n²` f64 (plus one tile while it is built); callers bound n.

use embgeo_core::{chunks::map_chunks, dense, Ctl, Error, Result};

/// Rows per kernel tile (the unit of parallel work and cancellation).
const TILE_ROWS: usize = 128;

/// Rows `lo..hi` of `A·Aᵀ` for the row-major `n × d` f64 `a`: a `(hi − lo) × n` row-major block.
fn tile(a: &[f64], n: usize, d: usize, lo: usize, hi: usize) -> Vec<f64> {
    let g = embgeo_core::gram::tile(a, d, lo..hi, n);
    let mut out = Vec::with_capacity((hi - lo) * n);
    for i in 0..hi - lo {
        out.extend(g.row(i).iter().copied());
    }
    out
}

fn check_side(n: usize) -> Result<()> {
    dense::check_square(
        "A",
        n,
        "an n × n kernel",
        "lower maxRows (RBF) or use the linear kernel, which works in feature space for n > d",
    )
}

/// The linear kernel `A·Aᵀ` (n × n row-major) of the row-major `n × d` f64 `a`.
///
/// # Cost
/// O(n²·d) multiply-adds; n² f64 output plus one tile per worker during the build.
/// # Errors
/// `OutOfRange` when n² f64 is over the dense limit, `Cancelled`.
pub fn linear_kernel(a: &[f64], n: usize, d: usize, ctl: &Ctl<'_>) -> Result<Vec<f64>> {
    check_side(n)?;
    let tiles = map_chunks(ctl, "cka-gram", n, TILE_ROWS, |r| {
        Ok(tile(a, n, d, r.start, r.end))
    })?;
    Ok(tiles.concat())
}

/// The RBF kernel of the rows of `a` with bandwidth `σ²·median(squared distances)`; also returns
/// that median (in squared data units).
///
/// Squared distances come from the Gram identity `‖xᵢ‖² + ‖xⱼ‖² − 2xᵢ·xⱼ` clamped at 0, with an
/// exact 0 on the diagonal.
///
/// # Cost
/// O(n²·d) + O(n²) for the median (selection); n² f64 output plus n(n − 1)/2 f64 for the median.
/// # Errors
/// `Degenerate` if the median squared distance is 0 (more than half the pairs identical),
/// `OutOfRange`, `Cancelled`.
pub fn rbf_kernel(a: &[f64], n: usize, d: usize, sigma: f64, ctl: &Ctl<'_>) -> Result<(Vec<f64>, f64)> {
    let mut k = linear_kernel(a, n, d, ctl)?;
    let sq: Vec<f64> = (0..n).map(|i| k[i * n + i]).collect();
    for i in 0..n {
        for j in 0..n {
            let v = &mut k[i * n + j];
            *v = if i == j {
                0.0
            } else {
                (sq[i] + sq[j] - 2.0 * *v).max(0.0)
            };
        }
    }
    let mut upper: Vec<f64> = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        upper.extend_from_slice(&k[i * n + i + 1..(i + 1) * n]);
    }
    let median = full_matrix_median(&mut upper, n);
    if median <= 0.0 {
        return Err(Error::Degenerate(
            "the median pairwise distance is 0 (most rows are identical): the RBF bandwidth is undefined"
                .into(),
        ));
    }
    let scale = 2.0 * sigma * sigma * median;
    for v in &mut k {
        *v = (-*v / scale).exp();
    }
    Ok((k, median))
}

/// `np.median` of the full symmetric `n × n` matrix whose diagonal is 0 and whose strict upper
/// triangle (in any order, each value ≥ 0) is `upper`: in sorted order the matrix is n zeros, then
/// each upper value twice.
fn full_matrix_median(upper: &mut [f64], n: usize) -> f64 {
    let total = n * n;
    let mut at = |t: usize| -> f64 {
        if t < n {
            0.0
        } else {
            let idx = (t - n) / 2;
            *upper.select_nth_unstable_by(idx, f64::total_cmp).1
        }
    };
    if total % 2 == 1 {
        at(total / 2)
    } else {
        let lo = at(total / 2 - 1);
        let hi = at(total / 2);
        f64::midpoint(lo, hi)
    }
}

/// Centre the `n × n` kernel `k` in place: `HKH` (`unbiased = false`) or Song et al.'s unbiased
/// centring (Kornblith's `center_gram(unbiased=True)`; n ≥ 4).
pub fn centre(k: &mut [f64], n: usize, unbiased: bool) {
    let nf = n as f64;
    if unbiased {
        for i in 0..n {
            k[i * n + i] = 0.0;
        }
    }
    let mut means = vec![0.0f64; n];
    for i in 0..n {
        for (m, v) in means.iter_mut().zip(&k[i * n..(i + 1) * n]) {
            *m += v;
        }
    }
    let divisor = if unbiased { nf - 2.0 } else { nf };
    for m in &mut means {
        *m /= divisor;
    }
    let total = if unbiased {
        means.iter().sum::<f64>() / (2.0 * (nf - 1.0))
    } else {
        means.iter().sum::<f64>() / nf / 2.0
    };
    for m in &mut means {
        *m -= total;
    }
    for i in 0..n {
        for j in 0..n {
            k[i * n + j] -= means[i] + means[j];
        }
    }
    if unbiased {
        for i in 0..n {
            k[i * n + i] = 0.0;
        }
    }
}

/// `(⟨K̃, L̃⟩, ‖K̃‖, ‖L̃‖)` of two kernels after [`centre`] (consumed).
#[must_use]
pub fn hsic_parts(mut k: Vec<f64>, mut l: Vec<f64>, n: usize, unbiased: bool) -> (f64, f64, f64) {
    centre(&mut k, n, unbiased);
    centre(&mut l, n, unbiased);
    let (mut kl, mut kk, mut ll) = (0.0, 0.0, 0.0);
    for (a, b) in k.iter().zip(&l) {
        kl += a * b;
        kk += a * a;
        ll += b * b;
    }
    (kl, kk.sqrt(), ll.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_counts_the_diagonal_zeros_and_both_triangles() {
        // n = 3: entries {0, 0, 0, 1, 1, 2, 2, 5, 5}: median 1.
        assert!((full_matrix_median(&mut [2.0, 5.0, 1.0], 3) - 1.0).abs() < 1e-15);
        // n = 2: {0, 0, 4, 4}: median 2.
        assert!((full_matrix_median(&mut [4.0], 2) - 2.0).abs() < 1e-15);
    }

    #[test]
    fn biased_centring_zeroes_row_and_column_sums() {
        let n = 4;
        let mut k: Vec<f64> = (0..16).map(|i| f64::from((i * 7) % 5)).collect();
        for i in 0..n {
            for j in 0..i {
                k[i * n + j] = k[j * n + i];
            }
        }
        centre(&mut k, n, false);
        for i in 0..n {
            let s: f64 = k[i * n..(i + 1) * n].iter().sum();
            assert!(s.abs() < 1e-12);
        }
    }
}
