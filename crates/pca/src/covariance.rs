//! Covariance + symmetric eigendecomposition: the PCA solver for n ≫ d (scikit-learn's
//! `svd_solver="covariance_eigh"`).
//!
//! `C = M / (W − ddof)` from the streaming [`Moments`] (co-moment `M`, weight sum `W`), then
//! `C = V Λ Vᵀ` by faer's self-adjoint eigensolver. Eigenvalues are returned in decreasing
//! order with negative rounding noise clipped to 0, as scikit-learn does; singular values are
//! `sqrt(λ·(W − ddof))`. All `d` eigenpairs are returned, also when n < d (the trailing ones are
//! then 0 and their axes are an arbitrary basis of the null space); [`solve_top`] returns all
//! values and only the leading vectors its caller keeps.

use embgeo_core::eigh_top::Tridiagonal;
use embgeo_core::{Ctl, Error, Result, Scale};

use crate::{Moments, Spectrum};

/// Tunables of [`solve`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Params {
    /// Delta degrees of freedom: the divisor is `W − ddof`. Default 1 (scikit-learn PCA).
    pub ddof: f64,
    /// Use the co-moment about the mean (`true`) or the raw second moment (`false`).
    pub center: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            ddof: 1.0,
            center: true,
        }
    }
}

/// Eigendecomposition of the covariance held by `m`: all `d` eigenpairs ([`solve_top`] with
/// every vector).
///
/// # Shapes and types
/// `m`: moments over d features. Returns a [`Spectrum`] with d eigenpairs (f64), components
/// `d × d` row-major, signs not normalised.
/// # Cost
/// O(d²) to form `C`, ≈ 4d³ flops for the eigendecomposition; extra memory ≈ 6d² f64 at the
/// peak (`C`, its reduction, the tridiagonal's eigenvectors, faer's workspace).
/// # Determinism
/// The eigensolver runs in parallel with a fixed split ([`embgeo_core::linalg::fixed_split`]),
/// so results are bit-identical for every `ctl.par` and thread count; last-ulp drift across
/// SIMD levels.
/// # Errors
/// As [`solve_top`].
/// # Panics
/// Never on any input.
/// # Reference
/// scikit-learn `PCA(svd_solver="covariance_eigh")`; fixtures `pca/*covariance*` at rtol 1e-10.
pub fn solve(m: &Moments, params: &Params, ctl: &Ctl<'_>) -> Result<Spectrum> {
    solve_top(m, params, ctl, |values, _| Ok(values.len()))
}

/// [`solve`] that forms only the leading eigenvectors: `count(values, total_variance)` (the
/// `d` eigenvalues, decreasing, clipped at 0 as the result holds them, and their sum) says how
/// many; the [`Spectrum`] then holds all `d` values and that many component rows (capped at
/// `d`). The vectors are those [`solve`] returns, up to rounding (the same reflectors applied to
/// fewer columns, [`embgeo_core::eigh_top`]; all of them: the same bits).
///
/// # Cost
/// O(d²) to form `C`, ≈ (4/3)·d³ flops for the reduction, the tridiagonal divide and conquer,
/// and `2·d²·k` for `k` vectors (instead of `2·d³`); extra memory ≈ 6d² f64 at the peak
/// (`C`, its reduction, the tridiagonal's eigenvectors, faer's workspace), `d·k` f64 returned.
/// # Determinism
/// As [`solve`].
/// # Errors
/// `Empty` if fewer than 2 rows were seen (or the weight sum does not exceed `ddof`),
/// `Degenerate` if the co-moments overflow f64 (values beyond ~1e154), `OutOfRange` if an
/// eigenvalue does not fit in f64 or an allocation is refused, `Internal` if the eigensolver
/// does not converge, `Cancelled` (also checked after the eigendecomposition); `count`'s error.
/// # Panics
/// Never on any input.
pub fn solve_top(
    m: &Moments,
    params: &Params,
    ctl: &Ctl<'_>,
    count: impl FnOnce(&[f64], f64) -> Result<usize>,
) -> Result<Spectrum> {
    let divisor = m.weight_sum() - params.ddof;
    if m.n_samples() < 2 || divisor <= 0.0 {
        return Err(Error::Empty {
            what: "X",
            actual: m.n_samples() as usize,
            needed: 2,
            unit: "rows",
            method: "a covariance estimate",
        });
    }
    ctl.checkpoint()?;
    let d = m.n_features();
    let c = m.scatter(params.center, divisor)?;
    if let Some(v) = c.iter().find(|v| !v.is_finite()) {
        return Err(Error::Degenerate(format!(
            "the covariance overflows f64 ({v}): the data's values are too large (around 1e154 or more); \
             rescale them (e.g. divide by their largest absolute value) before fitting"
        )));
    }
    // Entries far from 1 (data near 1e±150) make the eigensolver's internal squares under- or
    // overflow: decompose 2^e·C (exact) and scale the eigenvalues back (`embgeo_core::scale`).
    let scale = Scale::of(&[&c[..]]);
    let c = if scale.is_identity() { c } else { scale.apply(&c) };
    // Parallel with a fixed split: bit-identical for every thread count.
    let eigen = Tridiagonal::new(&c, d, ctl.par)?;
    drop(c);
    let mut values = eigen.values().to_vec();
    scale.unscale_all(&mut values, 1, "covariance eigenvalue")?;
    // The eigensolver cannot be interrupted (≈ 0.3–0.8 s at d = 1536 on 2 threads): an abort during it is
    // honoured here, so an aborted fit never resolves.
    ctl.checkpoint()?;
    for v in &mut values {
        if *v < 0.0 {
            *v = 0.0;
        }
    }
    let total_variance = values.iter().sum();
    let k = count(&values, total_variance)?;
    let components = eigen.vectors(k, ctl.par)?;
    ctl.checkpoint()?;
    let singular_values = values.iter().map(|v| (v * divisor).sqrt()).collect();
    Ok(Spectrum {
        explained_variance: values,
        singular_values,
        components,
        total_variance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use embgeo_core::{MatRef, Par};

    #[test]
    fn diagonal_covariance_gives_sorted_axes() {
        // Rows ±e1, ±2e2, ±3e3: mean 0, covariance diag(2, 8, 18)/5 (ddof 1, n = 6).
        let x = [
            1.0f64, 0., 0., -1., 0., 0., 0., 2., 0., 0., -2., 0., 0., 0., 3., 0., 0., -3.,
        ];
        let m = crate::moments::accumulate(
            MatRef::new(&x, 6, 3).unwrap(),
            None,
            &crate::moments::Params::default(),
            &Ctl::detached(),
        )
        .unwrap();
        let s = solve(&m, &Params::default(), &Ctl::detached()).unwrap();
        for (a, b) in s
            .explained_variance
            .iter()
            .zip([18.0 / 5.0, 8.0 / 5.0, 2.0 / 5.0])
        {
            assert!((a - b).abs() < 1e-14, "{a} vs {b}");
        }
        assert!((s.components[2].abs() - 1.0).abs() < 1e-14);
        assert!((s.components[4].abs() - 1.0).abs() < 1e-14);
        assert!((s.total_variance - 28.0 / 5.0).abs() < 1e-14);
    }

    #[test]
    fn one_row_is_empty() {
        let m = Moments::new(3).unwrap();
        assert_eq!(
            solve(&m, &Params::default(), &Ctl::detached())
                .unwrap_err()
                .code(),
            "ERR_EMPTY"
        );
    }

    #[test]
    fn the_solve_is_bit_identical_across_thread_counts_and_par() {
        // d = 400: above faer's threshold for its parallel tridiagonalisation.
        let d = 400;
        let a = comoment(d);
        let m = Moments::from_parts(d, 1000, 1000.0, vec![0.0; d], a).unwrap();
        let p = Params::default();
        let seq = solve(&m, &p, &Ctl::detached().with_par(Par::Seq)).unwrap();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let par = pool
                .install(|| solve(&m, &p, &Ctl::detached().with_par(Par::Rayon)))
                .unwrap();
            assert_eq!(seq, par, "threads = {threads}");
        }
    }

    #[test]
    fn solve_top_returns_every_value_and_the_leading_vectors_of_solve() {
        let d = 60;
        let a = comoment(d);
        let m = Moments::from_parts(d, 1000, 1000.0, vec![0.0; d], a).unwrap();
        let (p, ctl) = (Params::default(), Ctl::detached());
        let all = solve(&m, &p, &ctl).unwrap();
        let mut seen = None;
        let top = solve_top(&m, &p, &ctl, |values, total| {
            seen = Some((values.to_vec(), total));
            Ok(7)
        })
        .unwrap();
        // `count` sees the values and total the result holds
        assert_eq!(seen, Some((all.explained_variance.clone(), all.total_variance)));
        assert_eq!(top.explained_variance, all.explained_variance);
        assert_eq!(top.singular_values, all.singular_values);
        assert_eq!(top.components.len(), 7 * d);
        for (u, v) in top.components.iter().zip(&all.components) {
            assert!((u - v).abs() <= 1e-12, "{u} vs {v}");
        }
        // more than d is capped; `count`'s error is the call's
        let capped = solve_top(&m, &p, &ctl, |_, _| Ok(d + 5)).unwrap();
        assert_eq!(capped.components.len(), d * d);
        let e = solve_top(&m, &p, &ctl, |_, _| Err(Error::Internal("count".into()))).unwrap_err();
        assert_eq!(e.code(), "ERR_INTERNAL");
    }

    /// A symmetric positive-definite test co-moment (diagonally dominant).
    fn comoment(d: usize) -> Vec<f64> {
        let mut a = vec![0.0f64; d * d];
        for i in 0..d {
            for j in 0..=i {
                let v = (((i * 31 + j * 17) % 97) as f64 - 48.0) / 50.0 + if i == j { d as f64 } else { 0.0 };
                a[i * d + j] = v;
                a[j * d + i] = v;
            }
        }
        a
    }
}
