//! Thin SVD of the centred data: scikit-learn's `svd_solver="full"`.
//!
//! `X − 1μᵀ = U S Vᵀ` by faer's SVD (divide and conquer); components are the rows of `Vᵀ`,
//! explained variances `s² / (n − 1)`. Accurate also when n < d or the data are
//! rank-deficient, at ≈ 4·n·d² flops and an n × d f64 copy of the data.

use embgeo_core::scale::with_scaled;
use embgeo_core::{Ctl, Element, MatRef, Result, Scale};
use rayon::prelude::*;

use crate::{linalg, moments, Spectrum};

/// The centred (or not) f64 copy of `x` and the mean that was subtracted (zeros if not `center`).
pub(crate) fn centred_copy<T: Element>(
    x: MatRef<'_, T>,
    center: bool,
    ctl: &Ctl<'_>,
) -> (Vec<f64>, Vec<f64>) {
    let d = x.cols();
    let mean = if center {
        moments::block_mean(x, None, ctl.par).1
    } else {
        vec![0.0; d]
    };
    let mut a = vec![0.0f64; x.rows() * d];
    let f = |(i, out): (usize, &mut [f64])| {
        for ((o, v), m) in out.iter_mut().zip(x.row(i)).zip(&mean) {
            *o = v.to_f64() - m;
        }
    };
    match ctl.par {
        embgeo_core::Par::Seq => a.chunks_mut(d).enumerate().for_each(f),
        embgeo_core::Par::Rayon => a.par_chunks_mut(d).enumerate().for_each(f),
    }
    (a, mean)
}

/// Thin SVD of the centred rows of `x`; returns the spectrum and the mean.
///
/// # Shapes and types
/// `x`: n × d row-major f32/f64, n ≥ 2. Returns a [`Spectrum`] of `min(n, d)` axes
/// (components `min(n, d) × d`, signs not normalised) and the d-vector mean (f64).
/// # Cost
/// ≈ 4·n·d² + O(d³) flops; extra memory n·d f64 (the centred copy) plus faer's SVD scratch
/// (≈ (n + d)·min(n, d) f64).
/// # Determinism
/// The SVD runs in parallel with a fixed split ([`embgeo_core::linalg::fixed_split`]); centring
/// is row-parallel. Bit-identical for every `ctl.par` and thread count (tested).
/// # Errors
/// `Empty` if n < 2, `NonFinite`, `Internal` if the SVD does not converge, `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// scikit-learn `PCA(svd_solver="full")` (LAPACK gesdd); fixtures `pca/*full*` at rtol 1e-10.
/// # Magnitudes
/// f64 data with `max |x|` outside `[2^-400, 2^400]` are decomposed on a power-of-two-scaled
/// copy and the results scaled back exactly, or `OutOfRange` when a variance does not fit.
pub fn solve<T: Element>(x: MatRef<'_, T>, center: bool, ctl: &Ctl<'_>) -> Result<(Spectrum, Vec<f64>)> {
    with_scaled(x, |x, s| unscale(solve_unscaled(x, center, ctl)?, s))
}

/// Scale a spectrum and mean computed on data scaled by `s` back to the data's units
/// (`embgeo_core::scale`): variances by `2^-2e`, singular values and the mean by `2^-e`.
pub(crate) fn unscale((mut sp, mut mean): (Spectrum, Vec<f64>), s: Scale) -> Result<(Spectrum, Vec<f64>)> {
    s.unscale_all(&mut sp.explained_variance, 2, "explained variance")?;
    s.unscale_all(&mut sp.singular_values, 1, "singular value")?;
    sp.total_variance = s.unscale(sp.total_variance, 2, "total variance")?;
    s.unscale_all(&mut mean, 1, "mean")?;
    Ok((sp, mean))
}

/// [`solve`] on data in the safe magnitude range.
fn solve_unscaled<T: Element>(x: MatRef<'_, T>, center: bool, ctl: &Ctl<'_>) -> Result<(Spectrum, Vec<f64>)> {
    x.require_rows("X", 2, "PCA with the svd solver")?;
    x.check_finite("X")?;
    ctl.checkpoint()?;
    let (n, d) = (x.rows(), x.cols());
    let (a, mean) = centred_copy(x, center, ctl);
    ctl.checkpoint()?;
    // Parallel with a fixed split: bit-identical for every thread count.
    let (s, vt) = embgeo_core::linalg::fixed_split(ctl.par, |p| linalg::thin_svd_vt(&a, n, d, p))?;
    let denom = (n - 1) as f64;
    let explained_variance: Vec<f64> = s.iter().map(|v| v * v / denom).collect();
    let total_variance = explained_variance.iter().sum();
    Ok((
        Spectrum {
            explained_variance,
            singular_values: s,
            components: vt,
            total_variance,
        },
        mean,
    ))
}
