//! Orthogonal Procrustes distance and the angular shape metric with partial whitening
//! (Williams, Kunz, Kornblith & Linderman 2021, "Generalized shape metrics on neural
//! representations", `NeurIPS`; the definitions of netrep's `LinearMetric` and `whiten`).
//!
//! For each side X (n × dₓ): centre the columns; zero-pad to the common width d = max(dA, dB);
//! partially whiten with `Z = V diag(c) Vᵀ` from the eigendecomposition `XᵀX = V Λ Vᵀ`
//! (eigenvalues clipped below at 1e-7), `cᵢ = s·(α + (1 − α)/√λᵢ)` and `s` chosen so that
//! `‖X Z‖²_F` keeps the variance `Σλᵢ` (netrep's `preserve_variance`); α = 1 is no whitening
//! (`Z = I`, also for α > 1 − 1e-7), α = 0 full whitening (CCA-like). With `Ã = A Za`,
//! `B̃ = B Zb` and the SVD `ÃᵀB̃ = U S Vᵀ`, the rotation `Q = U Vᵀ` maximises `⟨ÃQ, B̃⟩ = ΣS`;
//! then
//!
//! - `distance = ‖ÃQ − B̃‖_F = √(‖Ã‖² + ‖B̃‖² − 2ΣS)` (netrep `score_method="euclidean"`, in the
//!   data's units: no further normalisation),
//! - `angular = arccos(ΣS / (‖Ã‖·‖B̃‖))` in radians, in [0, π/2] (netrep's default score).

use embgeo_core::linalg::{fixed_split, thin_svd, thin_svd_uv, try_mat_zeros};
use embgeo_core::{Ctl, Element, Error, Pair, Result};
use faer::Mat;

use embgeo_compare::cross::{self as products, Cross, Want};
use embgeo_compare::gram_eigen::GramEigen;

use crate::blocks::{check_pair, constant, mul};

/// netrep's `eigval_tol`: eigenvalues of `XᵀX` are clipped below at this value, and α above
/// `1 − EIG_TOL` means no whitening.
pub const EIG_TOL: f64 = 1e-7;

const METHOD: &str = "Procrustes alignment";
/// What a constant side makes undefined.
const ALIGNMENT: &str = "the Procrustes alignment";

/// Options of [`compute`]; the default is netrep's `LinearMetric()` (α = 1, rotations only).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Partial whitening, in [0, 1]: 1 = none (orthogonal Procrustes), 0 = full whitening.
    pub alpha: f64,
    /// Return the rotation (default). `false` leaves [`Procrustes::rotation`] empty and takes
    /// only the singular values of the unpadded dA × dB cross product: the distance and angle
    /// are the same to rounding, at a fraction of the cost (no singular vectors, no `U Vᵀ`).
    pub rotation: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            rotation: true,
        }
    }
}

/// The result of [`compute`].
#[derive(Debug, Clone, PartialEq)]
pub struct Procrustes {
    /// `‖ÃQ − B̃‖_F`, in the data's units (after partial whitening).
    pub distance: f64,
    /// `arccos(⟨ÃQ, B̃⟩ / (‖Ã‖‖B̃‖))`, radians in [0, π/2].
    pub angular: f64,
    /// The orthogonal `d × d` matrix `Q` (row-major) with `Ã Q ≈ B̃`, `Ã`, `B̃` the centred,
    /// partially whitened sets zero-padded to the common width `d`. Unique only when `ÃᵀB̃` has
    /// full rank (never when the widths differ). Empty when [`Params::rotation`] is `false`.
    pub rotation: Vec<f64>,
    /// The common width `d = max(dA, dB)`.
    pub width: usize,
    /// `‖Ã‖_F`.
    pub norm_a: f64,
    /// `‖B̃‖_F`.
    pub norm_b: f64,
    /// The α used.
    pub alpha: f64,
}

/// One side's partial whitening.
struct Side {
    /// `Z` on the real columns (dₓ × dₓ), `None` for no whitening.
    z: Option<Mat<f64>>,
    /// `‖X Z‖²_F`.
    sq_norm: f64,
}

/// Procrustes distance, angular shape metric and rotation between `a` and `b`.
///
/// # Shapes and types
/// `a`: n × dA, `b`: n × dB (same n ≥ 2), f32 or f64 each; computed in f64.
/// # Cost
/// α = 1: one row pass for the cross product (2·n·dA·dB flops, f64, `embgeo_compare::cross`)
/// and one SVD: of the zero-padded d × d matrix with its singular vectors and `Q = U Vᵀ`
/// (≈ 20·d³ flops), or, with `rotation: false`, the singular values alone of the dA × dB matrix
/// (padding only adds zeros; ≈ 4·d·m² − 4m³/3 flops, m = min(dA, dB)). α < 1 adds the two
/// Gram matrices to the same pass (n·dA² + n·dB² flops, SYRKs), two eigendecompositions and
/// four d × d products. Extra memory: no n × d copy; `5·(dA·dB)` f64 for the pass
/// (`5·(dA² + dB² + dA·dB)` when whitening) plus ≈ 6·d² f64 (≈ d² without the rotation at
/// α = 1).
/// # Determinism
/// Products in fixed row blocks and lanes, decompositions with a fixed parallel split
/// ([`embgeo_core::linalg::fixed_split`]): bit-identical for every `ctl.par` and thread count.
/// # Errors
/// `OutOfRange` for α outside [0, 1] (or d too large for the d × d buffers), `Shape` for
/// different row counts, `Empty` below 2 rows, `NonFinite`, `Degenerate` for a constant side,
/// `Internal` if a decomposition does not converge, `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// netrep `LinearMetric(alpha, center_columns=True, zero_pad=True)`; fixtures `align/*` at
/// rtol 1e-10 (numpy implementation in scripts/reference/align.py).
pub fn compute<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params, ctl: &Ctl<'_>) -> Result<Procrustes> {
    let Pair { a, b } = x;
    check(x, p)?;
    // One row pass for every product: `AᵀB`, plus `AᵀA` and `BᵀB` when whitening; in f64
    // (`f32_blocks: false`): the distance is a difference of O(‖A‖²) terms.
    let whiten = p.alpha <= 1.0 - EIG_TOL;
    let want = Want {
        xx: whiten,
        yy: whiten,
        f32_blocks: false,
    };
    let c = products::compute(a, b, want, "cross-product", ctl)?;
    from_products(&c, a.cols().max(b.cols()), p, ctl)
}

/// The checks of [`compute`] before any product: α, the pair, a constant side.
///
/// # Errors
/// `OutOfRange` (α), `Shape`, `Empty`, `NonFinite`, `Degenerate`.
pub fn check<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params) -> Result<()> {
    if !(0.0..=1.0).contains(&p.alpha) {
        return Err(Error::OutOfRange {
            name: "alpha",
            expected: "a number from 0 to 1".into(),
            actual: p.alpha.to_string(),
        });
    }
    check_pair(x, METHOD, ALIGNMENT)
}

/// The result from f64 products (`f32_blocks: false`) of the centred sets: `AᵀB` and the row-norm
/// sums, plus `AᵀA` and `BᵀB` when α < 1 − [`EIG_TOL`] (ignored otherwise); `d` the common
/// width. What [`compute`] does after its pass, bit for bit.
///
/// # Cost
/// One SVD as [`compute`] (the d × d one with vectors, or the dA × dB values alone); α < 1
/// adds two eigendecompositions and four d × d products. Extra memory ≈ 6·d² f64 (≈ d²
/// without the rotation at α = 1).
/// # Errors
/// `Degenerate` (a constant side), `OutOfRange` (d × d buffers), `Internal`, `Cancelled`.
pub fn from_products(c: &Cross, d: usize, p: &Params, ctl: &Ctl<'_>) -> Result<Procrustes> {
    from_eigen(&mut GramEigen::new(c, ctl.par), d, p, ctl)
}

/// [`from_products`] with the eigendecompositions of `AᵀA` and `BᵀB` (α < 1 − [`EIG_TOL`])
/// taken from (or left in) `eig`, shared with other measures of the same products: bit for bit
/// the same result.
///
/// # Cost and errors
/// As [`from_products`], without the eigendecompositions `eig` already holds.
pub fn from_eigen(eig: &mut GramEigen<'_>, d: usize, p: &Params, ctl: &Ctl<'_>) -> Result<Procrustes> {
    let c = eig.cross();
    ctl.checkpoint()?;
    let sa = side(eig, Which::A, d, p.alpha)?;
    let sb = side(eig, Which::B, d, p.alpha)?;
    let zc;
    let zc_ref = match &sa.z {
        Some(z) => {
            zc = mul(z.as_ref(), c.xy.as_ref())?;
            zc.as_ref()
        }
        None => c.xy.as_ref(),
    };
    let m;
    let m_ref = match &sb.z {
        Some(z) => {
            m = mul(zc_ref, z.as_ref())?;
            m.as_ref()
        }
        None => zc_ref,
    };
    ctl.checkpoint()?;
    let mut rotation = Vec::new();
    let s = if p.rotation {
        // Q acts on the common width d: the SVD of the zero-padded d × d matrix.
        let mut padded = try_mat_zeros::<f64>(d, d).ok_or_else(|| too_large(d))?;
        padded
            .as_mut()
            .submatrix_mut(0, 0, m_ref.nrows(), m_ref.ncols())
            .copy_from(m_ref);
        let (s, u, v) = fixed_split(ctl.par, |q| thin_svd_uv(padded.as_ref(), q))?;
        let q = mul(u.as_ref(), v.as_ref().transpose())?;
        rotation.try_reserve_exact(d * d).map_err(|_| too_large(d))?;
        for i in 0..d {
            rotation.extend((0..d).map(|j| q[(i, j)]));
        }
        s
    } else {
        // Zero padding only adds zero singular values: the dA × dB matrix has the same sum.
        fixed_split(ctl.par, |q| thin_svd(m_ref, false, q))?.0
    };
    let inner: f64 = s.iter().sum();
    let (na, nb) = (sa.sq_norm.sqrt(), sb.sq_norm.sqrt());
    Ok(Procrustes {
        distance: (sa.sq_norm + sb.sq_norm - 2.0 * inner).max(0.0).sqrt(),
        angular: (inner / (na * nb)).clamp(-1.0, 1.0).acos(),
        rotation,
        width: d,
        norm_a: na,
        norm_b: nb,
        alpha: p.alpha,
    })
}

fn too_large(d: usize) -> Error {
    embgeo_core::dense::too_large("A, B", d, METHOD, "use narrower representations", true)
}

/// Which side of the pair.
#[derive(Clone, Copy)]
enum Which {
    A,
    B,
}

/// One side's whitening as netrep's `whiten(x, alpha)` on the centred `x` zero-padded to `d`
/// columns (the padded columns stay zero; they only enter through the clipped eigenvalues in the
/// variance-preserving scale), from the eigenpairs of its Gram matrix `XᵀX` (in `eig`; not
/// needed when α means no whitening) and `‖X‖²_F`.
fn side(eig: &mut GramEigen<'_>, which: Which, d: usize, alpha: f64) -> Result<Side> {
    let c = eig.cross();
    let (total, what) = match which {
        Which::A => (c.sq_x, "A"),
        Which::B => (c.sq_y, "B"),
    };
    if total <= 0.0 {
        return Err(constant(what, ALIGNMENT));
    }
    if alpha > 1.0 - EIG_TOL {
        return Ok(Side {
            z: None,
            sq_norm: total,
        });
    }
    let e = match which {
        Which::A => eig.xx()?,
        Which::B => eig.yy()?,
    };
    let (lam, vecs, dx) = (&e.values, &e.vectors, e.dim());
    // The padded columns add d − dₓ zero eigenvalues, clipped like the others.
    let clipped = lam
        .iter()
        .copied()
        .chain(std::iter::repeat_n(0.0, d - dx))
        .map(|l| l.max(EIG_TOL));
    let (mut sum, mut new_var) = (0.0, 0.0);
    for l in clipped {
        sum += l;
        new_var += alpha * alpha * l + 2.0 * alpha * (1.0 - alpha) * l.sqrt() + (1.0 - alpha) * (1.0 - alpha);
    }
    let scale = (sum / new_var).sqrt();
    let coef: Vec<f64> = lam
        .iter()
        .map(|&l| scale * (alpha + (1.0 - alpha) / l.max(EIG_TOL).sqrt()))
        .collect();
    // Z = V diag(c) Vᵀ; row i of `vecs` is eigenvector i.
    let vm = faer::MatRef::from_row_major_slice(vecs, dx, dx);
    let scaled = Mat::from_fn(dx, dx, |i, j| coef[i] * vm[(i, j)]);
    let z = mul(vm.transpose(), scaled.as_ref())?;
    let sq = lam.iter().zip(&coef).map(|(l, c)| l * c * c).sum();
    Ok(Side {
        z: Some(z),
        sq_norm: sq,
    })
}

#[cfg(test)]
mod tests;
