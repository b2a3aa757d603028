//! Canonical correlation analysis between two representations and its summaries.
//!
//! Canonical correlations are the cosines of the principal angles between the column spaces of
//! the centred blocks: with the thin SVDs `A = Ua Sa Vaᵀ`, `B = Ub Sb Vbᵀ` and the kept
//! columns `Qa = Ua[:, :kA]`, `Qb = Ub[:, :kB]`, they are the singular values `ρ` of
//! `QaᵀQb` (Björck & Golub 1973: no covariance inverse is ever formed). Kept columns:
//!
//! - `mean` and `pwcca`: the numerical rank, singular values above `smax · max(n, d) · ε`
//!   (ε = 2⁻⁵², numpy `matrix_rank`'s rule), so rank-deficient inputs are handled;
//! - `svcca` (Raghu et al. 2017, "SVCCA: Singular Vector Canonical Correlation Analysis"): the
//!   fewest leading singular directions whose variance `Σ s²` reaches `varianceKept` of the
//!   total (at most the rank), then CCA on them.
//!
//! `value` is the mean of the `min(kA, kB)` correlations, except for `pwcca` (Morcos, Raghu &
//! Bengio 2018, "Insights on representational similarity in neural networks with canonical
//! correlation", eq. in §2.2; google/svcca `pwcca.py`): `Σ wᵢρᵢ` with `wᵢ ∝ Σⱼ |⟨hᵢ, xⱼ⟩|`,
//! `hᵢ` the i-th canonical variate (unit n-vector) and `xⱼ` the j-th centred column of the side
//! with fewer kept dimensions (A on ties). Unlike pwcca.py we project the centred columns (it
//! projects uncentred activations, and its B branch reads A's activations).
//!
//! Two routes give the same numbers (tested against each other):
//!
//! - **Gram** (tried first): one row pass of f64 products `AᵀA`, `BᵀB`, `AᵀB` of the centred
//!   blocks (`embgeo_compare::cross`, no n × d copy), the eigendecompositions `AᵀA = V Λ Vᵀ`
//!   (so `s = √λ`, `U = A V S⁻¹`) and `QaᵀQb = Sa⁻¹ Vaᵀ (AᵀB) Vb Sb⁻¹` on the kept columns: the
//!   2·n·d² + 2·n·dA·dB flops of numpy's covariance formula (SVCCA's `cca_core`), plus d × d
//!   work. Squaring the condition number costs accuracy, so this route is taken only when both
//!   sides are well conditioned, `λ_min ≥ GRAM_MIN_RATIO · λ_max`: the rounding of the products
//!   is then amplified at most 1/[`GRAM_MIN_RATIO`] times (≈ 10⁴·ε relative), every direction is
//!   far above the rank tolerance, and the values agree with the SVD route to about 1e-12.
//! - **SVD** (otherwise: rank-deficient or ill-conditioned sides): thin SVDs of the centred
//!   copies, Björck–Golub on the kept `U` columns.

use embgeo_compare::cross::{self as products, Want};
use embgeo_compare::gram_eigen::{Eigen, GramEigen};
use embgeo_core::linalg::{fixed_split, thin_svd, thin_svd_uv};
use embgeo_core::{Ctl, Element, Error, MatRef, Pair, Result};
use faer::Mat;

use crate::blocks::{centred, check_pair, constant, cross, mul};

/// The Gram route is taken when every eigenvalue of both `XᵀX` is at least this fraction of
/// the largest (condition number of the centred side ≤ 100).
pub const GRAM_MIN_RATIO: f64 = 1e-4;

const METHOD: &str = "CCA";
/// What a constant side makes undefined.
const UNDEFINED: &str = "canonical correlation";

/// Which summary of the canonical correlations [`compute`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Variant {
    /// Mean canonical correlation over the numerical ranks.
    #[default]
    Mean,
    /// SVCCA: keep ``variance_kept`` of each side's variance, then mean CCA.
    Svcca,
    /// PWCCA: projection-weighted mean.
    Pwcca,
}

impl Variant {
    /// The name as the public API spells it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Variant::Mean => "mean",
            Variant::Svcca => "svcca",
            Variant::Pwcca => "pwcca",
        }
    }
}

/// Options of [`compute`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// The summary; default `mean`.
    pub variant: Variant,
    /// SVCCA's fraction of variance kept on each side, in (0, 1]; default 0.99 (Raghu et al.).
    /// Ignored by the other variants.
    pub variance_kept: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            variant: Variant::Mean,
            variance_kept: 0.99,
        }
    }
}

/// The result of [`compute`].
#[derive(Debug, Clone, PartialEq)]
pub struct Cca {
    /// The summary of `variant`, in [0, 1].
    pub value: f64,
    /// The `min(kA, kB)` canonical correlations, decreasing, in [0, 1].
    pub correlations: Vec<f64>,
    /// PWCCA's weights (summing to 1, aligned with `correlations`); empty for other variants.
    pub weights: Vec<f64>,
    /// Directions kept on each side (`kA`, `kB`).
    pub kept: [usize; 2],
    /// Numerical ranks of the centred sides.
    pub rank: [usize; 2],
    /// The options used.
    pub params: Params,
}

/// One side: its singular values and right singular vectors (columns of `v`) and the number of
/// directions kept.
struct Side {
    s: Vec<f64>,
    v: Mat<f64>,
    rank: usize,
    kept: usize,
}

/// Both sides and `QaᵀQb` on their kept columns (kA × kB).
type Sides = (Side, Side, Mat<f64>);

/// Canonical correlations between `a` and `b` and their mean / SVCCA / PWCCA summary.
///
/// # Shapes and types
/// `a`: n × dA, `b`: n × dB (same n ≥ 2), f32 or f64 each; computed in f64.
/// # Cost
/// Gram route (well-conditioned sides, n > d): one row pass of f64 products,
/// n·(dA² + dB² + 2·dA·dB) flops over 4 fixed lanes, two d × d eigendecompositions, two
/// d × d products and the `kA × kB` SVD (its values only, except for PWCCA); extra memory
/// ≈ 5·(dA² + dB² + dA·dB) f64, no n × d copy. SVD route (otherwise): two thin SVDs
/// (O(n·dA²) + O(n·dB²) flops), one `kA × kB` cross product (2·n·kA·kB flops, parallel) and its
/// SVD; extra memory the centred copies and the `U` factors, 2·n·(dA + dB) f64, plus O(d²).
/// # Determinism
/// Bit-identical for every `ctl.par` and thread count: the decompositions run with a fixed
/// parallel split ([`embgeo_core::linalg::fixed_split`]).
/// # Errors
/// `OutOfRange` for ``variance_kept`` outside (0, 1], `Shape` for different row counts, `Empty`
/// below 2 rows, `NonFinite`, `Degenerate` for a constant side, `Internal` if an SVD does not
/// converge, `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// Björck & Golub 1973; Raghu et al. 2017; Morcos et al. 2018; fixtures `align/*` at rtol
/// 1e-10 (numpy implementation in scripts/reference/align.py).
pub fn compute<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params, ctl: &Ctl<'_>) -> Result<Cca> {
    let Pair { a, b } = x;
    check(x, p)?;
    let sides = match gram_route(a, b, p, ctl)? {
        Some(r) => r,
        None => svd_route(a, b, p, ctl)?,
    };
    finish(sides, p, ctl)
}

/// The checks of [`compute`] before any product: `varianceKept`, the pair, a constant side.
///
/// # Errors
/// `OutOfRange` (`varianceKept`), `Shape`, `Empty`, `NonFinite`, `Degenerate`.
pub fn check<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params) -> Result<()> {
    if !(p.variance_kept > 0.0 && p.variance_kept <= 1.0) {
        return Err(Error::OutOfRange {
            name: "varianceKept",
            expected: "a number in (0, 1]".into(),
            actual: p.variance_kept.to_string(),
        });
    }
    check_pair(x, METHOD, UNDEFINED)
}

/// Whether [`compute`] tries the Gram route for an n × dA and an n × dB set (n > max(dA, dB):
/// a centred side has rank ≤ n − 1).
#[must_use]
pub fn gram_possible(n: usize, da: usize, db: usize) -> bool {
    n > da.max(db)
}

/// The result by the Gram route from f64 products (`f32_blocks: false`, `AᵀA`, `BᵀB` and `AᵀB`
/// of the centred sets), bit for bit what [`compute`] returns when it takes that route; `None`
/// when a side is too ill-conditioned for it (then [`compute`] takes the SVD route with its own
/// pass over the rows).
///
/// # Cost
/// Two d × d eigendecompositions, two d × d products and the `kA × kB` SVD (values only, except
/// for PWCCA); extra memory ≈ 3·(dA² + dB² + dA·dB) f64.
/// # Errors
/// `OutOfRange` (buffers), `Internal` (a decomposition did not converge), `Cancelled`.
pub fn from_products(c: &products::Cross, p: &Params, ctl: &Ctl<'_>) -> Result<Option<Cca>> {
    from_eigen(&mut GramEigen::new(c, ctl.par), p, ctl)
}

/// [`from_products`] with the eigendecompositions of `AᵀA` and `BᵀB` taken from (or left in)
/// `eig`, shared with other measures of the same products: bit for bit the same result.
///
/// # Cost and errors
/// As [`from_products`], without the eigendecompositions `eig` already holds.
pub fn from_eigen(eig: &mut GramEigen<'_>, p: &Params, ctl: &Ctl<'_>) -> Result<Option<Cca>> {
    match gram_sides(eig, p, ctl)? {
        Some(sides) => finish(sides, p, ctl).map(Some),
        None => Ok(None),
    }
}

/// The result by the SVD route (thin SVDs of the centred copies: their own pass over the rows),
/// bit for bit what [`compute`] returns when it takes that route; for a caller whose shared
/// products gave `None` from [`from_products`]. Call [`check`] first.
///
/// # Cost and errors
/// As [`compute`]'s SVD route.
pub fn by_svd<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params, ctl: &Ctl<'_>) -> Result<Cca> {
    finish(svd_route(x.a, x.b, p, ctl)?, p, ctl)
}

/// The canonical correlations of the kept sides and `QaᵀQb`, and their summary.
fn finish((sa, sb, m): Sides, p: &Params, ctl: &Ctl<'_>) -> Result<Cca> {
    ctl.checkpoint()?;
    let (correlations, value, weights) = if p.variant == Variant::Pwcca {
        let (rho, pl, pr) = fixed_split(ctl.par, |q| thin_svd_uv(m.as_ref(), q))?;
        let correlations = clamped(&rho);
        // Weights on the side with fewer kept directions: |Pᵀ · (Q_Aᵀ A)| = |Pᵀ diag(s) Vᵀ|.
        let (s, dirs, basis) = if sa.kept <= sb.kept {
            (&sa, &pl, &sa.v)
        } else {
            (&sb, &pr, &sb.v)
        };
        let w = projection_weights(&s.s, dirs.as_ref(), basis.as_ref(), s.kept)?;
        let value = w.iter().zip(&correlations).map(|(w, r)| w * r).sum();
        (correlations, value, w)
    } else {
        // The mean needs the correlations only: no singular vectors.
        let correlations = clamped(&fixed_split(ctl.par, |q| thin_svd(m.as_ref(), false, q))?.0);
        let mean = correlations.iter().sum::<f64>() / correlations.len() as f64;
        (correlations, mean, Vec::new())
    };
    Ok(Cca {
        value,
        correlations,
        weights,
        kept: [sa.kept, sb.kept],
        rank: [sa.rank, sb.rank],
        params: *p,
    })
}

/// Singular values of `QaᵀQb` as correlations: clamped to [0, 1] (rounding can leave them
/// just above 1).
fn clamped(rho: &[f64]) -> Vec<f64> {
    rho.iter().map(|r| r.clamp(0.0, 1.0)).collect()
}

/// `wᵢ = Σⱼ |(Pᵀ diag(s) Vᵀ)ᵢⱼ|` normalised to sum 1: the projections of the centred columns
/// `X = Q diag(s) Vᵀ` on the canonical variates `Q P` (P: k × m).
fn projection_weights(
    s: &[f64],
    p: faer::MatRef<'_, f64>,
    v: faer::MatRef<'_, f64>,
    k: usize,
) -> Result<Vec<f64>> {
    let sv = Mat::from_fn(k, v.nrows(), |t, j| s[t] * v[(j, t)]);
    let w = mul(p.transpose(), sv.as_ref())?;
    let raw: Vec<f64> = (0..w.nrows())
        .map(|i| w.row(i).iter().map(|x| x.abs()).sum())
        .collect();
    let total: f64 = raw.iter().sum();
    Ok(raw.iter().map(|w| w / total).collect())
}

/// The SVD route: thin SVDs of the centred copies and the cross product of the kept `U` columns.
fn svd_route<A: Element, B: Element>(
    a: MatRef<'_, A>,
    b: MatRef<'_, B>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Sides> {
    let n = a.rows();
    let (sa, ua) = svd_side(centred(a, "A", UNDEFINED, ctl)?, "A", n, p, ctl)?;
    let (sb, ub) = svd_side(centred(b, "B", UNDEFINED, ctl)?, "B", n, p, ctl)?;
    let (qa, qb) = (ua.as_ref().subcols(0, sa.kept), ub.as_ref().subcols(0, sb.kept));
    let m = cross(qa, qb, "cross-product", ctl)?;
    Ok((sa, sb, m))
}

/// The Gram route, or `None` when a side is not conditioned well enough for it (see the module
/// documentation).
fn gram_route<A: Element, B: Element>(
    a: MatRef<'_, A>,
    b: MatRef<'_, B>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Option<Sides>> {
    // A centred side has rank ≤ n − 1: the route needs n > d to be full rank.
    if !gram_possible(a.rows(), a.cols(), b.cols()) {
        return Ok(None);
    }
    let want = Want {
        xx: true,
        yy: true,
        f32_blocks: false,
    };
    let c = products::compute(a, b, want, "cca-products", ctl)?;
    gram_sides(&mut GramEigen::new(&c, ctl.par), p, ctl)
}

/// The Gram route's sides and `QaᵀQb` from the products, or `None` (see [`gram_route`]).
fn gram_sides(eig: &mut GramEigen<'_>, p: &Params, ctl: &Ctl<'_>) -> Result<Option<Sides>> {
    let c = eig.cross();
    let n = c.rows;
    ctl.checkpoint()?;
    let Some(sa) = gram_side(eig.xx()?, n, p) else {
        return Ok(None);
    };
    let Some(sb) = gram_side(eig.yy()?, n, p) else {
        return Ok(None);
    };
    // QaᵀQb = Sa⁻¹ Vaᵀ (AᵀB) Vb Sb⁻¹ on the kept columns.
    let left = mul(sa.v.as_ref().subcols(0, sa.kept).transpose(), c.xy.as_ref())?;
    let mut m = mul(left.as_ref(), sb.v.as_ref().subcols(0, sb.kept))?;
    for j in 0..sb.kept {
        for i in 0..sa.kept {
            m[(i, j)] /= sa.s[i] * sb.s[j];
        }
    }
    Ok(Some((sa, sb, m)))
}

/// One side from the eigenpairs of its Gram matrix: eigenvalues → singular values,
/// eigenvectors → `V`; `None` when `λ_min < GRAM_MIN_RATIO · λ_max`.
fn gram_side(e: &Eigen, n: usize, p: &Params) -> Option<Side> {
    let (lam, vecs, d) = (&e.values, &e.vectors, e.dim());
    let (top, low) = (lam[0], lam[d - 1]);
    if !(top > 0.0 && low >= GRAM_MIN_RATIO * top) {
        return None;
    }
    let s: Vec<f64> = lam.iter().map(|l| l.sqrt()).collect();
    let rank = numerical_rank(&s, n, d);
    if rank < d {
        return None;
    }
    // Row i of `vecs` is eigenvector i: column i of V.
    let v = Mat::from_fn(d, d, |j, i| vecs[i * d + j]);
    let kept = kept(&s, rank, p);
    Some(Side { s, v, rank, kept })
}

/// Singular values above `smax · max(n, d) · ε` (numpy `matrix_rank`'s rule).
fn numerical_rank(s: &[f64], n: usize, d: usize) -> usize {
    let tol = s.first().copied().unwrap_or(0.0) * n.max(d) as f64 * f64::EPSILON;
    s.iter().take_while(|&&v| v > tol).count()
}

/// Directions kept: the rank, or SVCCA's fewest leading ones reaching `variance_kept`.
fn kept(s: &[f64], rank: usize, p: &Params) -> usize {
    if p.variant != Variant::Svcca {
        return rank;
    }
    let total: f64 = s.iter().map(|v| v * v).sum();
    let mut acc = 0.0;
    let mut k = 0;
    for v in &s[..rank] {
        acc += v * v;
        k += 1;
        if acc >= p.variance_kept * total {
            break;
        }
    }
    k
}

/// A side of the SVD route: its thin SVD, and the left singular vectors `U` (n × r).
fn svd_side(
    x: Mat<f64>,
    what: &'static str,
    n: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Side, Mat<f64>)> {
    ctl.checkpoint()?;
    let d = x.ncols();
    let (s, u, v) = fixed_split(ctl.par, |q| thin_svd_uv(x.as_ref(), q))?;
    drop(x);
    let rank = numerical_rank(&s, n, d);
    if rank == 0 {
        return Err(constant(what, UNDEFINED));
    }
    let kept = kept(&s, rank, p);
    Ok((Side { s, v, rank, kept }, u))
}

#[cfg(test)]
mod tests;
