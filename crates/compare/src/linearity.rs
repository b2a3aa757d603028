//! The linearity score of Razzhigaev et al. 2024 ("Your Transformer is Secretly Linear", ACL):
//! how well a linear map fits B from A after both are normalised.
//!
//! `Ã = (A − Ā)/‖A − Ā‖_F`, `B̃ = (B − B̄)/‖B − B̄‖_F` (column means removed, Frobenius norm 1),
//! `score = 1 − min_W ‖ÃW − B̃‖²_F`. With `P` the orthogonal projector onto the column space of
//! `Ã`, the least-squares residual is `‖B̃‖² − ‖PB̃‖² = 1 − ‖PB̃‖²`, so `score = ‖PB̃‖²_F`
//! ∈ [0, 1]: computed without forming the n × d₂ fit, as `tr(CᵀG⁺C)/‖B − B̄‖²_F` with
//! `G = (A − Ā)ᵀ(A − Ā)` and `C = (A − Ā)ᵀ(B − B̄)` (feature route, n ≥ d₁), or as
//! `Σᵢ ‖uᵢᵀ(B − B̄)‖² / ‖B − B̄‖²_F` over the eigenvectors `uᵢ` of `K = (A − Ā)(A − Ā)ᵀ`
//! (kernel route, n < d₁). `G⁺` keeps the eigenvalues above `max(n, d₁)·ε·λ_max` (numpy
//! `matrix_rank`'s rule on the Gram matrix); the authors' `get_est_svd` inverts every singular
//! value, which agrees for full-rank A.
//!
//! Not symmetric: `linearity(A, B)` fits B from A.

use embgeo_core::linalg::eigh_desc_det;
use embgeo_core::{Ctl, Element, Error, Pair, Par, Result};
use faer::{Accum, Mat};
use serde::{Deserialize, Serialize};

use crate::cross::{self, Cross, Want};
use crate::gram_eigen::{Eigen, GramEigen};
use crate::{gram, pair};

/// Options of [`compute`] (none yet; unknown names are rejected).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {}

/// The linearity score and how it was computed.
#[derive(Debug, Clone, PartialEq)]
pub struct Linearity {
    /// `1 − min_W ‖ÃW − B̃‖²_F`, in [0, 1].
    pub value: f64,
    /// `true` for the feature route (n ≥ d₁), `false` for the kernel route.
    pub feature_route: bool,
    /// Numerical rank of the centred A (eigenvalues kept).
    pub rank: usize,
}

fn zero_variance(which: &str) -> Error {
    Error::Degenerate(format!(
        "{which} has zero variance (all its rows are identical): the linearity score is undefined"
    ))
}

/// Eigenpairs of the symmetric `s × s` matrix `m` (column-major faer) and their [`rank`].
fn kept(m: &Mat<f64>, others: usize, par: Par) -> Result<(Vec<f64>, Vec<f64>, usize)> {
    let s = m.nrows();
    let mut rows = Vec::with_capacity(s * s);
    for i in 0..s {
        rows.extend(m.row(i).iter().copied());
    }
    // Parallel with a fixed split: bit-identical for every thread count.
    let (values, vectors) = eigh_desc_det(&rows, s, true, par)?;
    let rank = rank(&values, others);
    Ok((values, vectors, rank))
}

/// Eigenvalues (decreasing, of an `s × s` matrix, `s = values.len()`) above the rank tolerance
/// `λ_max · max(s, others) · ε`.
fn rank(values: &[f64], others: usize) -> usize {
    let tol = values.first().copied().unwrap_or(0.0) * values.len().max(others) as f64 * f64::EPSILON;
    values.iter().take_while(|&&v| v > tol).count()
}

/// `Σᵢ<rank ‖(V·M)ᵢ‖² · wᵢ` for the first `rank` eigenvector rows `v` (`s × s` row-major) of
/// length `s` and the `s × c` matrix `m`, weights `w`.
fn weighted_rows(
    v: &[f64],
    s: usize,
    rank: usize,
    m: faer::MatRef<'_, f64>,
    w: impl Fn(usize) -> f64,
) -> f64 {
    let vr = faer::MatRef::from_row_major_slice(&v[..rank * s], rank, s);
    let mut out = Mat::<f64>::zeros(rank, m.ncols());
    faer::linalg::matmul::matmul(out.as_mut(), Accum::Replace, vr, m, 1.0, faer::Par::Seq);
    (0..rank)
        .map(|i| out.row(i).iter().map(|x| x * x).sum::<f64>() * w(i))
        .sum()
}

/// The checks of [`compute`] before any product.
///
/// # Errors
/// `Shape`, `Empty` (n < 2), `NonFinite`.
pub fn check<A: Element, B: Element>(x: Pair<'_, A, B>) -> Result<()> {
    x.check(2, "the linearity score")
}

/// Whether [`compute`] takes the feature route for an n × d₁ A: n ≥ d₁.
#[must_use]
pub fn feature_route(n: usize, d1: usize) -> bool {
    n >= d1
}

/// The feature route from f64 products (`f32_blocks: false`) holding at least `XᵀX` and `XᵀY`
/// (a `YᵀY` is ignored): what [`compute`] does after its pass, bit for bit.
///
/// # Cost
/// ≈ 4d₁³ for the eigendecomposition plus 2·d₁²·d₂; extra memory ≈ 3d₁² + d₁d₂ f64.
/// # Errors
/// `Degenerate` (A or B with zero variance), `Internal` (eigensolver failure), `Cancelled`.
pub fn from_products(c: &Cross, ctl: &Ctl<'_>) -> Result<Linearity> {
    from_eigen(&mut GramEigen::new(c, ctl.par), ctl)
}

/// [`from_products`] with the eigendecomposition of `XᵀX` taken from (or left in) `eig`, shared
/// with other measures of the same products: bit for bit the same result.
///
/// # Cost and errors
/// As [`from_products`], without the eigendecomposition when `eig` already holds it.
pub fn from_eigen(eig: &mut GramEigen<'_>, ctl: &Ctl<'_>) -> Result<Linearity> {
    let c = eig.cross();
    c.require_variance(zero_variance)?;
    ctl.checkpoint()?;
    let d1 = c.xx.nrows();
    let Eigen { values, vectors } = eig.xx()?;
    let rank = rank(values, c.rows);
    let fit = weighted_rows(vectors, d1, rank, c.xy.as_ref(), |i| 1.0 / values[i]);
    ctl.checkpoint()?;
    Ok(Linearity {
        value: fit / c.sq_y,
        feature_route: true,
        rank,
    })
}

/// Linearity score of B given A.
///
/// # Shapes and types
/// `a`: n × d₁, `b`: n × d₂, f32 or f64 each (computed in f64); n ≥ 2.
/// # Cost
/// Feature route (n ≥ d₁): O(n·(d₁² + d₁d₂)) for the products plus ≈ 4d₁³ for the
/// eigendecomposition; extra memory ≈ 5·(d₁² + d₁d₂) f64. Kernel route (n < d₁): O(n²·d₁ + n³ +
/// n²·d₂); extra memory ≈ 3n² f64 plus the centred copies of A and B.
/// # Determinism
/// Bit-identical for every `ctl.par` and thread count (the eigendecomposition has a fixed
/// parallel split, [`embgeo_core::linalg::eigh_desc_det`]).
/// # Errors
/// `Shape`, `Empty` (n < 2), `NonFinite`, `Degenerate` (A or B with zero variance),
/// `OutOfRange` (a dense matrix over the limit), `Internal` (eigensolver failure), `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// Razzhigaev et al. 2024, `procrustes_similarity` of their LLM-Microscope notebook; parity
/// fixtures `compare/linearity-*` at rtol 1e-10 (numpy `lstsq`).
pub fn compute<A: Element, B: Element>(x: Pair<'_, A, B>, _p: &Params, ctl: &Ctl<'_>) -> Result<Linearity> {
    let Pair { a, b } = x;
    check(x)?;
    let (n, d1, d2) = (a.rows(), a.cols(), b.cols());
    if feature_route(n, d1) {
        let want = Want {
            xx: true,
            yy: false,
            f32_blocks: false,
        };
        from_products(&cross::compute(a, b, want, "linearity", ctl)?, ctl)
    } else {
        let xc = pair::centred(a);
        let yc = pair::centred(b);
        let sq_y: f64 = yc.iter().map(|v| v * v).sum();
        if xc.iter().all(|&v| v == 0.0) {
            return Err(zero_variance("A"));
        }
        if sq_y <= 0.0 {
            return Err(zero_variance("B"));
        }
        let k = gram::linear_kernel(&xc, n, d1, ctl)?;
        let k = Mat::from_fn(n, n, |i, j| k[i * n + j]);
        ctl.checkpoint()?;
        let (_, vectors, rank) = kept(&k, d1, ctl.par)?;
        let ym = faer::MatRef::from_row_major_slice(&yc, n, d2);
        let fit = weighted_rows(&vectors, n, rank, ym, |_| 1.0);
        Ok(Linearity {
            value: fit / sq_y,
            feature_route: false,
            rank,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{householder, random};
    use embgeo_core::MatRef;

    fn score(a: &[f64], d1: usize, b: &[f64], d2: usize) -> Result<Linearity> {
        let n = a.len() / d1;
        compute(
            Pair::new(MatRef::new(a, n, d1).unwrap(), MatRef::new(b, n, d2).unwrap()),
            &Params::default(),
            &Ctl::detached(),
        )
    }

    #[test]
    fn linear_images_score_one_on_both_routes() {
        for (n, d) in [(100, 6), (5, 12)] {
            let x = random(n, d, 1);
            let y: Vec<f64> = householder(&x, d, 2).iter().map(|v| 2.0 * v + 1.0).collect();
            let s = score(&x, d, &y, d).unwrap();
            assert!((s.value - 1.0).abs() < 1e-12, "{n}×{d}: {}", s.value);
            assert_eq!(s.feature_route, n >= d);
        }
    }

    #[test]
    fn unrelated_sets_score_low_and_routes_agree_with_the_projection() {
        let x = random(200, 3, 3);
        let y = random(200, 4, 4);
        let s = score(&x, 3, &y, 4).unwrap();
        assert!((0.0..0.2).contains(&s.value), "{}", s.value);
        assert_eq!(s.rank, 3);
        // With n < d the kernel route sees a full-rank A: every centred B is fitted exactly.
        let x = random(6, 10, 5);
        let y = random(6, 3, 6);
        let s = score(&x, 10, &y, 3).unwrap();
        assert!((s.value - 1.0).abs() < 1e-12 && s.rank == 5, "{s:?}");
    }

    #[test]
    fn constant_sets_are_degenerate() {
        let x = random(20, 3, 7);
        let flat = vec![1.5; 40];
        assert_eq!(score(&x, 3, &flat, 2).unwrap_err().code(), "ERR_DEGENERATE");
        assert_eq!(score(&flat, 2, &x, 3).unwrap_err().code(), "ERR_DEGENERATE");
    }

    struct Run;
    impl crate::testdata::PairFn for Run {
        fn call<T: Element>(&self, a: MatRef<'_, T>, b: MatRef<'_, T>, params: &serde_json::Value) -> f64 {
            // `reverse`: the fixture's B-from-A case swapped (fits A from B).
            let (a, b) = if params["reverse"] == true { (b, a) } else { (a, b) };
            compute(Pair::new(a, b), &Params::default(), &Ctl::detached())
                .unwrap()
                .value
        }
    }

    #[test]
    fn parity_with_the_reference_fixtures() {
        crate::testdata::parity("linearity", &Run);
    }
}
