//! The randomized SVD through the Gram matrix `AᵀA` (d × d) instead of passes over X: the
//! same subspace iteration and the same final SVD as [`super::solve`]'s passes, in exact
//! arithmetic, for shapes where forming `AᵀA` costs less than `q + 2` reads of X.
//!
//! With `C = AᵀA` (the co-moment of [`crate::moments`], one SYRK over X), a power step is
//! `Vᵢ = qr(C·Vᵢ₋₁)` (2·d²·l flops instead of 4·n·d·l). The passes route then forms
//! `Q = qr(A·V)` (n × l) and `B = QᵀA`; here `B` comes from `C` alone: with `A·V = QR`,
//! `RᵀR = VᵀCV =: M` and `Bᵀ = AᵀQ = C·V·R⁻¹`. Any `R` with `RᵀR = M` gives an orthonormal `Q`
//! and the same `BᵀB`, hence the same singular values and right singular vectors; this module
//! takes `R = Λ^{1/2}Uᵀ` from the eigendecomposition `M = UΛUᵀ`, so `Bᵀ = C·V·U·Λ^{-1/2}`, and a
//! direction with `λ_j = 0` (`A·V·u_j = 0`, rank-deficient data) gives a zero row of `B`, as the
//! passes route's `QᵀA` does.
//!
//! Accuracy: `C` carries the rounding of its block products (f32 blocks for f32 input, see
//! [`crate::moments::Kernel`]), an absolute error of order `ε·λ₁`; an eigenvalue `λ_k` of the
//! result then errs by about `ε·λ₁/λ_k` relative, where the passes route errs by about
//! `ε·σ₁/σ_k`. The caller therefore accepts this route only when the spectrum it finds is no
//! more spread than [`max_spread`] allows, and otherwise runs the passes.

use embgeo_core::{Ctl, Element, MatRef, Result};
use faer::{Accum, Mat};

use crate::{linalg, moments, Spectrum};

/// What the Gram route found: the spectrum (k axes), the mean, and `λ₁ / λ_k` of the result.
pub(super) struct Found {
    pub(super) spectrum: Spectrum,
    pub(super) mean: Vec<f64>,
    pub(super) spread: f64,
}

/// Largest `λ₁ / λ_k` at which the Gram route's result is kept for input of `dtype` (the
/// route's relative error on `λ_k` is about `ε_C·λ₁/λ_k`, see the module doc).
///
/// f32 input (f32 block co-moments): measured on 20,000 × 200 f32 data with a geometric
/// spectrum in a rotated basis (the unfavourable case; the test
/// `gram_route_matches_the_passes_within_its_spread`), `ε_C` was 2·10⁻¹¹ to 6·10⁻¹⁰: at a spread
/// of 10³ the variances were within 10⁻⁷ of the exact f64 ones, at 10⁵ within 10⁻⁵, at 10⁷
/// off by 10⁻³ (with the split-bf16 SYRK that `Kernel::Auto` takes from 256 columns on AMX
/// CPUs, the same data at 20,000 × 300: within 3·10⁻⁷ up to a spread of 10³, against 2·10⁻⁷ at
/// 200 columns on the FMA kernel). 10³ keeps the error two orders under the 10⁻⁵ of the f32
/// parity fixtures and covers real embeddings (MiniLM sentence embeddings, `data/demo`:
/// λ₁/λ₁₀₀ = 18). f64 input (f64 blocks, `ε_C` about 10⁻¹⁵): 10⁸.
pub(super) fn max_spread(dtype: &str) -> f64 {
    if dtype == "f64" {
        1e8
    } else {
        1e3
    }
}

/// Top-`k` spectrum of the centred (`center`) rows of `x` from its Gram matrix, starting the
/// subspace iteration at the orthonormal `v0` (d × l) and running `q` power steps.
///
/// # Shapes and types
/// `x`: n × d f32/f64 (finite, checked by the caller), `v0`: d × l with k ≤ l ≤ min(n, d).
/// # Cost
/// n·d²/2 multiply-adds for `C` ([`moments::accumulate`]), then `(q + 1)·2·d²·l` flops for the
/// products with `C`, q + 1 Householder QRs of d × l, an l × l eigendecomposition and the SVD of
/// l × d. Extra memory: the moments' `(lanes + 1.75·workers)·d²` f64 while they accumulate, then
/// `C` (d² f64) and O(d·l).
/// # Determinism
/// Bit-identical for every thread count: the moments are ([`moments::accumulate`]), the
/// products with `C` run under [`embgeo_core::linalg::fixed_split`], the rest sequentially.
/// # Errors
/// As [`moments::accumulate`] and [`moments::Moments::scatter`]; `Internal` if an
/// eigendecomposition or the SVD does not converge; `Cancelled`.
pub(super) fn solve<T: Element>(
    x: MatRef<'_, T>,
    center: bool,
    k: usize,
    v0: Mat<f64>,
    q: usize,
    ctl: &Ctl<'_>,
) -> Result<Found> {
    let d = x.cols();
    let l = v0.ncols();
    let m = moments::accumulate(x, None, &moments::Params::default(), ctl)?;
    let c = m.scatter(center, 1.0)?;
    let mean = if center { m.mean().to_vec() } else { vec![0.0; d] };
    drop(m);
    let sumsq: f64 = (0..d).map(|i| c[i * d + i]).sum();
    let cm = linalg::row_major(&c, d, d);
    let times_c = |v: &Mat<f64>| -> Result<Mat<f64>> {
        ctl.checkpoint()?;
        embgeo_core::linalg::fixed_split(ctl.par, |p| {
            let mut w = Mat::<f64>::zeros(d, l);
            faer::linalg::matmul::matmul(w.as_mut(), Accum::Replace, cm, v.as_ref(), 1.0, p);
            Ok(w)
        })
    };
    let mut v = v0;
    for it in 0..q {
        v = linalg::thin_q(&times_c(&v)?, faer::Par::Seq);
        ctl.advance("randomized", (it + 1) as u64, q as u64);
    }
    let g = times_c(&v)?;
    // M = VᵀCV (l × l), symmetrised against rounding.
    let vtg = v.transpose() * &g;
    let mut mm = vec![0.0f64; l * l];
    for i in 0..l {
        for j in 0..l {
            mm[i * l + j] = 0.5 * (vtg[(i, j)] + vtg[(j, i)]);
        }
    }
    let (lam, u) = embgeo_core::linalg::eigh_desc(&mm, l, true, faer::Par::Seq)?;
    // B (l × d, row-major): row j = (C·V·u_j)ᵀ / sqrt(λ_j); zero where λ_j is not positive.
    let mut b = vec![0.0f64; l * d];
    for (j, row) in b.chunks_exact_mut(d).enumerate() {
        let lj = lam[j];
        if lj.is_nan() || lj <= 0.0 {
            continue;
        }
        let s = 1.0 / lj.sqrt();
        let uj = &u[j * l..(j + 1) * l];
        for (i, out) in row.iter_mut().enumerate() {
            let mut acc = 0.0;
            for (t, ut) in uj.iter().enumerate() {
                acc += g[(i, t)] * ut;
            }
            *out = acc * s;
        }
    }
    let (s, vt) = linalg::thin_svd_vt(&b, l, d, faer::Par::Seq)?;
    let denom = (x.rows() - 1) as f64;
    let singular_values: Vec<f64> = s[..k].to_vec();
    let spread = if singular_values[k - 1] > 0.0 {
        (singular_values[0] / singular_values[k - 1]).powi(2)
    } else {
        f64::INFINITY
    };
    Ok(Found {
        spectrum: Spectrum {
            explained_variance: singular_values.iter().map(|v| v * v / denom).collect(),
            singular_values,
            components: vt[..k * d].to_vec(),
            total_variance: sumsq / denom,
        },
        mean,
        spread,
    })
}
