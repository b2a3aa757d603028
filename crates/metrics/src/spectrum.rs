//! Covariance spectrum of an embedding set and two scalar summaries of it: the effective rank
//! (Roy and Vetterli 2007) and the participation ratio.
//!
//! The covariance (ddof 1) comes from `embgeo_pca`'s exact streaming moments in f64 (blocked,
//! Chan-merged: no `Σxxᵀ − nμμᵀ` cancellation); its eigenvalues from faer's symmetric
//! eigensolver without eigenvectors. When n < d the `n × n` Gram matrix of the centred rows,
//! divided by `n − 1`, is decomposed instead: it has the same non-zero eigenvalues, at
//! O(n²·d + n³) instead of O(n·d² + d³) (a 2000 × 4096 set: ≈ 1 s instead of ≈ 20 s).
//!
//! - **Effective rank** (Roy and Vetterli, "The effective rank: a measure of effective
//!   dimensionality", EUSIPCO 2007): with the singular values `σᵢ = sqrt(λᵢ·(n − 1))` of the
//!   centred data, `pᵢ = σᵢ / Σσ` and `erank = exp(−Σ pᵢ ln pᵢ)` (terms with `pᵢ = 0` skipped).
//!   The factor `n − 1` cancels, so `pᵢ = sqrt(λᵢ) / Σ sqrt(λⱼ)` ([`effective_rank`] takes any
//!   spectrum). It lies in `[1, rank]`.
//! - **Participation ratio** `(Σλ)² / Σλ²` (e.g. Gao et al. 2017; Recanatesi et al. 2019),
//!   also in `[1, rank]`, dominated by the leading eigenvalues.

use embgeo_core::scale::with_scaled;
use embgeo_core::{chunks::map_chunks, dense, Ctl, Element, Error, MatRef, Result};
use embgeo_pca::moments::{self, Kernel};

use crate::column_stats;
use embgeo_core::gram;

/// Tunables of [`compute`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Rows per block of the moment pass (see `embgeo_pca::moments::Params`). Default 2048.
    pub block_rows: usize,
    /// Fixed lanes of the moment pass (parallelism, `lanes · d²` f64 of memory). Default 4.
    pub lanes: usize,
    /// Gram route (n < d): rows of the Gram matrix per parallel tile. Default 256.
    pub tile_rows: usize,
    /// Eigenvalues at or below `rank_rtol · λ_max` are rounding noise: reported as 0 and not
    /// counted in `rank`. `None` (default): `max(n, d) · ε` with ε the input's machine epsilon
    /// (2⁻²³ for f32, 2⁻⁵² for f64), numpy `matrix_rank`'s rule applied to the eigenvalues.
    pub rank_rtol: Option<f64>,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            block_rows: 2048,
            lanes: 4,
            tile_rows: 256,
            rank_rtol: None,
        }
    }
}

/// The covariance spectrum of an `n × d` set and its summaries (all f64).
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    /// Rows of the input, n.
    pub rows: usize,
    /// The d eigenvalues of the covariance (ddof 1), decreasing, in squared input units;
    /// those at or below `rank_tolerance` are 0.
    pub eigenvalues: Vec<f64>,
    /// `eigenvalues / total_variance`, summing to 1.
    pub explained_variance_ratio: Vec<f64>,
    /// `Σ eigenvalues` (the trace of the covariance).
    pub total_variance: f64,
    /// Roy–Vetterli effective rank, in `[1, rank]`.
    pub effective_rank: f64,
    /// `(Σλ)² / Σλ²`, in `[1, rank]`.
    pub participation_ratio: f64,
    /// Eigenvalues above `rank_tolerance` (the numerical rank of the centred data).
    pub rank: usize,
    /// The absolute threshold used: `rank_rtol · λ_max`.
    pub rank_tolerance: f64,
}

/// Largest negative eigenvalue, relative to the largest one, that [`effective_rank`] and
/// [`participation_ratio`] accept as rounding noise of a positive semi-definite matrix (→ 0).
pub const NEGATIVE_RTOL: f64 = 1e-9;

/// Check a spectrum and return its values with rounding-noise negatives set to 0.
fn clean(eigenvalues: &[f64]) -> Result<Vec<f64>> {
    if eigenvalues.is_empty() {
        return Err(Error::Empty {
            what: "eigenvalues",
            actual: 0,
            needed: 1,
            unit: "values",
            method: "effectiveRank",
        });
    }
    if let Some((i, v)) = eigenvalues.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(Error::OutOfRange {
            name: "eigenvalues",
            expected: "finite numbers".into(),
            actual: format!("{v} at index {i}"),
        });
    }
    let max = eigenvalues.iter().fold(0.0f64, |m, v| m.max(*v));
    if let Some((i, v)) = eigenvalues
        .iter()
        .enumerate()
        .find(|(_, v)| **v < -NEGATIVE_RTOL * max || (**v < 0.0 && max == 0.0))
    {
        return Err(Error::OutOfRange {
            name: "eigenvalues",
            expected: format!(
                "values >= 0 (the spectrum of a covariance or Gram matrix; negatives down to \
                 -{NEGATIVE_RTOL:e} times the largest are taken as rounding noise)"
            ),
            actual: format!("{v} at index {i}"),
        });
    }
    if max == 0.0 {
        return Err(Error::Degenerate(
            "all eigenvalues are 0 (no variance): the effective rank is undefined".into(),
        ));
    }
    Ok(eigenvalues.iter().map(|v| v.max(0.0)).collect())
}

/// Roy–Vetterli effective rank of a spectrum of eigenvalues (of a covariance or Gram matrix).
///
/// # Shapes and types
/// `eigenvalues`: any order, ≥ 1 value, finite, ≥ 0 (negatives above `−NEGATIVE_RTOL · max` are
/// rounding noise and read as 0). Returns `exp(−Σ pᵢ ln pᵢ)` with `pᵢ = sqrt(λᵢ) / Σ sqrt(λⱼ)`
/// (singular values; zero terms skipped), in `[1, count of positive values]`.
/// # Cost
/// O(len) time, O(len) extra memory.
/// # Determinism
/// Sequential sums in input order.
/// # Errors
/// `Empty` (no values), `OutOfRange` (non-finite or clearly negative, naming the index),
/// `Degenerate` (all zero).
/// # Panics
/// Never.
/// # Reference
/// Roy and Vetterli (EUSIPCO 2007), eq. (3)–(4); fixtures `metrics/*` at rtol 1e-10.
pub fn effective_rank(eigenvalues: &[f64]) -> Result<f64> {
    let v = clean(eigenvalues)?;
    Ok(erank_of_clean(&v))
}

fn erank_of_clean(v: &[f64]) -> f64 {
    let s: Vec<f64> = v.iter().map(|l| l.sqrt()).collect();
    let total: f64 = s.iter().sum();
    let h: f64 = s
        .iter()
        .filter(|x| **x > 0.0)
        .map(|x| {
            let p = x / total;
            -p * p.ln()
        })
        .sum();
    h.exp()
}

/// Participation ratio `(Σλ)² / Σλ²` of a spectrum of eigenvalues.
///
/// # Shapes and types
/// `eigenvalues`: as [`effective_rank`]. Returns a value in `[1, count of positive values]`.
/// # Cost
/// O(len) time, O(len) extra memory.
/// # Determinism
/// Sequential sums in input order (values scaled by the largest first, so no overflow).
/// # Errors
/// As [`effective_rank`].
/// # Panics
/// Never.
/// # Reference
/// Gao et al. (2017), Recanatesi et al. (2019); fixtures `metrics/*` at rtol 1e-10.
pub fn participation_ratio(eigenvalues: &[f64]) -> Result<f64> {
    let v = clean(eigenvalues)?;
    Ok(pr_of_clean(&v))
}

fn pr_of_clean(v: &[f64]) -> f64 {
    // Scale by the largest value first: Σλ² must not overflow or underflow.
    let max = v.iter().fold(0.0f64, |m, x| m.max(*x));
    let (s1, s2) = v.iter().fold((0.0f64, 0.0f64), |(a, b), x| {
        let y = x / max;
        (a + y, b + y * y)
    });
    s1 * s1 / s2
}

/// Eigenvalues (decreasing) of a symmetric `d × d` row-major matrix, no eigenvectors.
fn eigvalsh_desc(a: &[f64], d: usize) -> Result<Vec<f64>> {
    // Sequential: faer's parallel eigensolver is not bit-identical across thread counts.
    let (mut v, _) = embgeo_core::linalg::eigh_desc(a, d, false, faer::Par::Seq)?;
    v.sort_by(|a, b| b.total_cmp(a));
    Ok(v)
}

/// Covariance eigenvalues from moments (n ≥ d): `d × d` covariance, then its eigenvalues.
fn covariance_eigenvalues<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<Vec<f64>> {
    let mp = moments::Params {
        block_rows: params.block_rows,
        lanes: params.lanes,
        kernel: Kernel::F64,
    };
    let m = moments::accumulate(x, None, &mp, ctl)?;
    ctl.checkpoint()?;
    let cov = m.scatter(true, x.rows() as f64 - 1.0)?;
    eigvalsh_desc(&cov, x.cols())
}

/// Who needs the `n × n` buffer of the Gram route, and the way out, for the dense-size errors.
const GRAM: &str = "the n × n Gram route of spectrum";
const GRAM_FIX: &str = "pass a sample of the rows";

/// Covariance eigenvalues through the `n × n` Gram of the centred rows (n < d): its n
/// eigenvalues over `n − 1`, then `d − n` zeros.
fn gram_eigenvalues<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<Vec<f64>> {
    let (n, d) = (x.rows(), x.cols());
    dense::check_square("X.rows", n, GRAM, GRAM_FIX)?;
    let cp = column_stats::Params {
        ddof: 0,
        block_rows: params.block_rows,
    };
    let mean = column_stats::compute(x, &cp, ctl)?.mean;
    let mut xc = Vec::with_capacity(n * d);
    for i in 0..n {
        xc.extend(x.row(i).iter().zip(&mean).map(|(v, m)| v.to_f64() - m));
    }
    let tile = params.tile_rows.max(1);
    // Row tiles of the lower triangle, each one sequential product: deterministic.
    let tiles = map_chunks(ctl, "spectrum-gram", n, tile, |r| {
        let cols = r.end;
        Ok(gram::tile(&xc, d, r, cols))
    })?;
    drop(xc);
    let divisor = n as f64 - 1.0;
    let mut gram = dense::square_zeros("X.rows", n, GRAM, GRAM_FIX)?;
    for (t, g) in tiles.iter().enumerate() {
        let a = t * tile;
        for i in 0..g.nrows() {
            for j in 0..=a + i {
                let v = g[(i, j)] / divisor;
                gram[(a + i) * n + j] = v;
                gram[j * n + a + i] = v;
            }
        }
    }
    drop(tiles);
    ctl.checkpoint()?;
    let mut values = eigvalsh_desc(&gram, n)?;
    values.resize(d, 0.0);
    Ok(values)
}

/// Covariance eigenvalues of `x` with their effective rank and participation ratio.
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, n ≥ 2. Returns [`Spectrum`] with d eigenvalues (f64,
/// squared input units) and d ratios.
/// # Cost
/// n ≥ d: time `n·d²/2` multiply-adds (f64 SYRK per block, also for f32 input: small
/// eigenvalues matter here) + ≈ `4d³/3` flops for the eigenvalues; extra memory
/// `min(lanes, blocks)·d²` f64 lane moments plus, per worker, one `block_rows × d` f64 block and
/// 1.5·d² f64, then ≈ 2·d² f64 for the eigensolver (d = 1024: ≈ 48 MiB with 4 lanes).
/// n < d: time `n²·d/2` + ≈ `4n³/3`; extra memory `n·d` f64 (centred rows) + ≈ `n²/2` f64
/// (tiles) + ≈ 2·n² f64 (Gram and eigensolver).
/// Dense rule ([`embgeo_core::dense`]): the `min(n, d)`-sided square must fit in 2 GiB
/// (`min(n, d) ≤ 16,384`), checked before any allocation; every square buffer is allocated
/// fallibly, so too little memory is an `OutOfRange` error, never an abort.
/// # Determinism
/// Fixed blocks and lanes merged in order, sequential eigensolver: bit-identical for every
/// `ctl.par` and pool size; last-ulp drift across SIMD levels.
/// # Magnitudes
/// f64 data with `max |x|` outside `[2^-400, 2^400]` are decomposed on a power-of-two-scaled
/// copy (`embgeo_core::scale`); eigenvalues are scaled back exactly, or `OutOfRange` when one
/// does not fit in f64 (data near 1e-160 or 1e160 and beyond).
/// # Errors
/// `Empty` if n < 2 or d = 0; `NonFinite`; `OutOfRange` if `rank_rtol` is negative or not
/// finite, or under the dense rule above; `Degenerate` if every row is the same (zero covariance); `Internal` if the
/// eigensolver does not converge; `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// `np.linalg.eigvalsh(np.cov(X.T))` clipped at 0 and thresholded as above: fixtures
/// `metrics/*` at rtol 1e-10 (relative to `λ_max`; `wide-f32` takes the Gram route).
pub fn compute<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<Spectrum> {
    with_scaled(x, |x, s| {
        let mut r = compute_unscaled(x, params, ctl)?;
        s.unscale_all(&mut r.eigenvalues, 2, "covariance eigenvalue")?;
        r.total_variance = s.unscale(r.total_variance, 2, "total variance")?;
        // a threshold, not a result: rounding in the subnormal range is harmless
        r.rank_tolerance = embgeo_core::scale::ldexp(r.rank_tolerance, -2 * s.exp());
        Ok(r)
    })
}

/// [`compute`] on data in the safe magnitude range.
fn compute_unscaled<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<Spectrum> {
    x.require_rows("X", 2, "spectrum")?;
    x.require_cols("X", "spectrum")?;
    let (n, d) = (x.rows(), x.cols());
    let eps = if T::DTYPE == "f32" {
        f64::from(f32::EPSILON)
    } else {
        f64::EPSILON
    };
    let rtol = params.rank_rtol.unwrap_or(n.max(d) as f64 * eps);
    if !rtol.is_finite() || rtol < 0.0 {
        return Err(Error::OutOfRange {
            name: "rankRtol",
            expected: "a finite number >= 0".into(),
            actual: rtol.to_string(),
        });
    }
    let mut eigenvalues = if n < d {
        gram_eigenvalues(x, params, ctl)?
    } else {
        covariance_eigenvalues(x, params, ctl)?
    };
    let max = eigenvalues.first().copied().unwrap_or(0.0).max(0.0);
    if max == 0.0 {
        return Err(Error::Degenerate(format!(
            "all {n} rows of X are identical: the covariance is zero and its effective rank undefined"
        )));
    }
    let tol = rtol * max;
    for v in &mut eigenvalues {
        if *v <= tol {
            *v = 0.0;
        }
    }
    let rank = eigenvalues.iter().filter(|v| **v > 0.0).count();
    let total_variance: f64 = eigenvalues.iter().sum();
    let explained_variance_ratio = eigenvalues.iter().map(|v| v / total_variance).collect();
    Ok(Spectrum {
        rows: n,
        effective_rank: erank_of_clean(&eigenvalues),
        participation_ratio: pr_of_clean(&eigenvalues),
        eigenvalues,
        explained_variance_ratio,
        total_variance,
        rank,
        rank_tolerance: tol,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_same_for_threads, with_defaults};

    #[test]
    fn effective_rank_of_flat_and_single_spectra() {
        // k equal eigenvalues: p = 1/k each, entropy ln k, erank k (Roy–Vetterli, property 1).
        let e = effective_rank(&[2.0, 2.0, 2.0, 0.0]).unwrap();
        assert!((e - 3.0).abs() < 1e-14, "{e}");
        assert!((effective_rank(&[5.0]).unwrap() - 1.0).abs() < 1e-15);
        assert!((participation_ratio(&[2.0, 2.0, 2.0, 0.0]).unwrap() - 3.0).abs() < 1e-14);
        // σ = (2, 1): p = (2/3, 1/3), erank = exp(−⅔ln⅔ − ⅓ln⅓).
        let want = (-(2.0f64 / 3.0) * (2.0f64 / 3.0).ln() - (1.0 / 3.0) * (1.0f64 / 3.0).ln()).exp();
        assert!((effective_rank(&[4.0, 1.0]).unwrap() - want).abs() < 1e-15);
    }

    #[test]
    fn effective_rank_rejects_bad_spectra() {
        assert_eq!(effective_rank(&[]).unwrap_err().code(), "ERR_EMPTY");
        assert_eq!(
            effective_rank(&[1.0, f64::NAN]).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
        let e = effective_rank(&[1.0, -0.5]).unwrap_err();
        assert!(e.to_string().contains("at index 1"), "{e}");
        assert_eq!(effective_rank(&[0.0, 0.0]).unwrap_err().code(), "ERR_DEGENERATE");
        // Rounding noise below the largest value is read as 0.
        assert!((effective_rank(&[1.0, -1e-17]).unwrap() - 1.0).abs() < 1e-15);
    }

    #[test]
    fn diagonal_data_gives_its_variances() {
        // Rows ±e1, ±2e2, ±3e3: covariance diag(2, 8, 18)/5 (ddof 1, n = 6).
        let x = [
            1.0f64, 0., 0., -1., 0., 0., 0., 2., 0., 0., -2., 0., 0., 0., 3., 0., 0., -3.,
        ];
        let s = with_defaults(compute, &x, 6, 3).unwrap();
        for (a, b) in s.eigenvalues.iter().zip([3.6, 1.6, 0.4]) {
            assert!((a - b).abs() < 1e-14, "{a} vs {b}");
        }
        assert_eq!(s.rank, 3);
        assert!((s.total_variance - 5.6).abs() < 1e-14);
        // σ ∝ (3, 2, 1): erank = exp(H(3/6, 2/6, 1/6)).
        let p = [0.5f64, 1.0 / 3.0, 1.0 / 6.0];
        let want = (-p.iter().map(|q| q * q.ln()).sum::<f64>()).exp();
        assert!((s.effective_rank - want).abs() < 1e-14);
        // PR = 5.6² / (3.6² + 1.6² + 0.4²).
        assert!((s.participation_ratio - 5.6 * 5.6 / (12.96 + 2.56 + 0.16)).abs() < 1e-13);
        assert!((effective_rank(&s.eigenvalues).unwrap() - s.effective_rank).abs() == 0.0);
    }

    #[test]
    fn rank_deficient_data_reports_zeros_and_rank() {
        // Rows on a plane in 4-D (x3 = x1 + x2, x4 = 0); n = 10.
        let mut x = Vec::new();
        for i in 0..10 {
            let (a, b) = (f64::from(i * 37 % 11) / 3.0, f64::from(i * 53 % 7) - 2.5);
            x.extend_from_slice(&[a, b, a + b, 0.0]);
        }
        let s = with_defaults(compute, &x, 10, 4).unwrap();
        assert_eq!(s.rank, 2);
        assert_eq!(&s.eigenvalues[2..], &[0.0, 0.0]);
        assert!(s.effective_rank > 1.0 && s.effective_rank < 2.0);
    }

    #[test]
    fn identical_rows_are_degenerate_and_one_row_is_empty() {
        let x = [1.0f32, 2.0, 1.0, 2.0];
        let e = with_defaults(compute, &x, 2, 2).unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE");
        let e = with_defaults(compute, &x[..2], 1, 2).unwrap_err();
        assert_eq!(e.code(), "ERR_EMPTY");
    }

    #[test]
    fn gram_route_equals_covariance_route() {
        // n = 9 < d = 14 takes the Gram route in `compute`; both routes agree on the spectrum.
        let (n, d) = (9, 14);
        let x: Vec<f64> = (0..n * d)
            // A hash-like sequence: i·c mod p patterns are nearly rank 1 per row (affine in i).
            .map(|i| 5.0 + ((i as f64 * 12.9898).sin() * 43_758.545).fract())
            .collect();
        let m = MatRef::new(&x, n, d).unwrap();
        let p = Params {
            tile_rows: 4,
            ..Params::default()
        };
        let ctl = Ctl::detached();
        let mut g = gram_eigenvalues(m, &p, &ctl).unwrap();
        let mut c = covariance_eigenvalues(m, &p, &ctl).unwrap();
        let max = c[0];
        for v in g.iter_mut().chain(c.iter_mut()) {
            if *v <= 1e-12 * max {
                *v = 0.0;
            }
        }
        for (a, b) in g.iter().zip(&c) {
            assert!((a - b).abs() <= 1e-12 * max, "{a} vs {b}");
        }
        let s = compute(m, &p, &ctl).unwrap();
        assert_eq!(s.rank, n - 1);
        assert_eq!(s.eigenvalues.len(), d);
    }

    #[test]
    fn bit_identical_across_thread_counts() {
        let (n, d) = (900, 12);
        let x = embgeo_testkit::hashed_values(n * d);
        let m = MatRef::new(&x, n, d).unwrap();
        let p = Params {
            block_rows: 100,
            ..Params::default()
        };
        assert_same_for_threads("spectrum", &[2, 3], |ctl| compute(m, &p, ctl).unwrap());
    }
}
