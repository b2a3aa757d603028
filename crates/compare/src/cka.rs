//! Centred kernel alignment (CKA): linear, debiased and RBF.
//!
//! `CKA(K, L) = HSIC(K, L) / sqrt(HSIC(K, K)·HSIC(L, L))` with `K`, `L` the kernels of the two
//! representations of the same n items (Kornblith, Norouzi, Lee and Hinton 2019, "Similarity of
//! Neural Network Representations Revisited", ICML).
//!
//! - **Linear** (`kernel: 'linear'`): on column-centred `X` (n × d₁), `Y` (n × d₂),
//!   `CKA = ‖YᵀX‖²_F / (‖XᵀX‖_F ‖YᵀY‖_F)`. Computed in feature space (one pass of d × d
//!   products, O(n·(d₁ + d₂)²)) when that is cheaper, else through the n × n kernels
//!   (O(n²·(d₁ + d₂))) — the route with the lower multiply-add count, see [`Route`].
//! - **Debiased** (`debiased: true`): the unbiased HSIC estimator of Song, Smola, Gretton, Bedo
//!   and Borgwardt (2012, JMLR) in place of the biased one, as used by Nguyen, Raghu and Kornblith
//!   (2021, ICLR) — Kornblith's `_debiased_dot_product_similarity_helper` in feature space,
//!   `center_gram(unbiased=True)` for kernels. Needs n ≥ 4; the value may be slightly negative
//!   for unrelated representations.
//! - **RBF** (`kernel: 'rbf'`): `K = exp(−‖xᵢ − xⱼ‖² / (2σ²·m))`, `m` the median squared
//!   distance (Kornblith's `gram_rbf(x, threshold=σ)`), through n × n kernels; when n exceeds
//!   `maxRows`, the same `maxRows` rows of both sets are drawn with a seeded ChaCha8 stream
//!   (`embgeo_metrics::sample`).
//!
//! Identities (tested): CKA(X, XQ) = 1 for orthogonal Q, CKA(X, cX) = 1, linear and plain RBF
//! values lie in [0, 1].

use embgeo_core::{Ctl, Element, Error, MatRef, Pair, Result};
use embgeo_metrics::sample::{sample_indices, take_rows};
use serde::{Deserialize, Serialize};

use crate::cross::{self, frobenius_sq, frobenius_sq_lower, Cross, Want};
use crate::{gram, pair};

/// The kernel of each representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kernel {
    /// `k(x, y) = x·y` on centred data. Default.
    #[default]
    Linear,
    /// Gaussian kernel with the median-distance bandwidth times `sigma`.
    Rbf,
}

/// Options of [`compute`]; defaults are Kornblith's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Kernel. Default linear.
    pub kernel: Kernel,
    /// Unbiased HSIC (Song et al. 2012) instead of the biased one. Default false.
    pub debiased: bool,
    /// RBF bandwidth as a multiple of the median distance (`threshold` of `gram_rbf`); > 0.
    /// Default 1.
    pub sigma: f64,
    /// RBF only: above this many rows, CKA is computed on a seeded sample of `maxRows` rows
    /// (the kernels are `maxRows²` f64 each). Default 5000.
    pub max_rows: usize,
    /// Seed of the RBF row sample. Default 0.
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            kernel: Kernel::Linear,
            debiased: false,
            sigma: 1.0,
            max_rows: 5000,
            seed: 0,
        }
    }
}

/// How the value was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Route {
    /// Feature-space products `XᵀX`, `YᵀY`, `XᵀY`: chosen for the linear kernel when
    /// `n·(d₁ + d₂) ≥ d₁² + d₂² + d₁d₂`.
    Features,
    /// n × n kernels (always for RBF).
    Gram,
}

/// A CKA value and how it was obtained.
#[derive(Debug, Clone, PartialEq)]
pub struct Cka {
    /// CKA, in [0, 1] for the biased estimator (up to rounding).
    pub value: f64,
    /// `HSIC(K, L)`, unnormalised (`⟨K̃, L̃⟩_F`; n²·HSIC in Gretton's normalisation).
    pub hsic: f64,
    /// `sqrt(HSIC(K, K))` on the same scale.
    pub norm_a: f64,
    /// `sqrt(HSIC(L, L))` on the same scale.
    pub norm_b: f64,
    /// Which route computed it.
    pub route: Route,
    /// Rows used (n, or `maxRows` when RBF sampled).
    pub rows_used: usize,
    /// RBF: the median squared distance of A's (sampled) rows, in A's squared units; else 0.
    pub median_sq_distance_a: f64,
    /// RBF: the same for B.
    pub median_sq_distance_b: f64,
}

/// Kornblith's `_debiased_dot_product_similarity_helper`: the unbiased HSIC (times n(n − 3)) from
/// the biased `⟨K, L⟩`, `Σᵢ ‖xᵢ‖²‖yᵢ‖²` and the squared Frobenius norms.
fn debias(xty: f64, rows_dot: f64, sq_x: f64, sq_y: f64, n: f64) -> f64 {
    xty - n / (n - 2.0) * rows_dot + sq_x * sq_y / ((n - 1.0) * (n - 2.0))
}

fn zero_variance(which: &str) -> Error {
    Error::Degenerate(format!(
        "{which} has zero variance (all its rows are identical): CKA is undefined; drop constant representations"
    ))
}

fn check_params(p: &Params) -> Result<()> {
    if !(p.sigma.is_finite() && p.sigma > 0.0) {
        return Err(Error::OutOfRange {
            name: "sigma",
            expected: "a finite number > 0".into(),
            actual: p.sigma.to_string(),
        });
    }
    if p.kernel == Kernel::Rbf && p.max_rows < if p.debiased { 4 } else { 2 } {
        return Err(Error::OutOfRange {
            name: "maxRows",
            expected: format!("an integer >= {}", if p.debiased { 4 } else { 2 }),
            actual: p.max_rows.to_string(),
        });
    }
    Ok(())
}

fn finish(hsic: f64, kk: f64, ll: f64, route: Route, rows_used: usize) -> Result<Cka> {
    if kk <= 0.0 || !kk.is_finite() {
        return Err(zero_variance("A"));
    }
    if ll <= 0.0 || !ll.is_finite() {
        return Err(zero_variance("B"));
    }
    Ok(Cka {
        value: hsic / (kk * ll),
        hsic,
        norm_a: kk,
        norm_b: ll,
        route,
        rows_used,
        median_sq_distance_a: 0.0,
        median_sq_distance_b: 0.0,
    })
}

/// The products [`compute`]'s feature route needs: `XᵀX`, `YᵀY`, `XᵀY` and the row-norm sums, with
/// f32 input multiplied in f32 blocks (for any other input the f64 pass of the same `Want`).
pub const FEATURE_PRODUCTS: Want = Want {
    xx: true,
    yy: true,
    f32_blocks: true,
};

/// Whether linear CKA of an n × d₁ and an n × d₂ set takes the feature route ([`Route::Features`]:
/// `n·(d₁ + d₂) ≥ d₁² + d₂² + d₁d₂`).
#[must_use]
pub fn feature_route(n: usize, d1: usize, d2: usize) -> bool {
    n.saturating_mul(d1 + d2) >= d1 * d1 + d2 * d2 + d1 * d2
}

/// Linear CKA (biased or `debiased`) from the products of [`FEATURE_PRODUCTS`]: what
/// [`compute`]'s feature route does after its pass, bit for bit.
///
/// # Cost
/// O(d₁² + d₂² + d₁d₂), no extra memory.
/// # Errors
/// `Degenerate` (a set with zero variance).
pub fn from_products(c: &Cross, debiased: bool) -> Result<Cka> {
    c.require_variance(zero_variance)?;
    let (mut xy, mut xx, mut yy) = (
        frobenius_sq(&c.xy),
        frobenius_sq_lower(&c.xx),
        frobenius_sq_lower(&c.yy),
    );
    if debiased {
        let n = c.rows as f64;
        xy = debias(xy, c.sq_xy, c.sq_x, c.sq_y, n);
        xx = debias(xx, c.quad_x, c.sq_x, c.sq_x, n);
        yy = debias(yy, c.quad_y, c.sq_y, c.sq_y, n);
    }
    finish(
        xy,
        xx.max(0.0).sqrt(),
        yy.max(0.0).sqrt(),
        Route::Features,
        c.rows,
    )
}

/// The checks of [`compute`] before any product: the options and the pair.
///
/// # Errors
/// As [`compute`]'s `OutOfRange`, `Shape`, `Empty`, `NonFinite`.
pub fn check<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params) -> Result<()> {
    check_params(p)?;
    let needed = if p.debiased { 4 } else { 2 };
    x.check(needed, if p.debiased { "debiased CKA" } else { "CKA" })
}

/// Linear or RBF CKA through the n × n kernels of the (already sampled) f64 rows.
fn through_kernels(
    a: &[f64],
    d1: usize,
    b: &[f64],
    d2: usize,
    n: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Cka> {
    let (k, l, ma, mb) = match p.kernel {
        Kernel::Linear => (
            gram::linear_kernel(a, n, d1, ctl)?,
            gram::linear_kernel(b, n, d2, ctl)?,
            0.0,
            0.0,
        ),
        Kernel::Rbf => {
            let (k, ma) = gram::rbf_kernel(a, n, d1, p.sigma, ctl)?;
            let (l, mb) = gram::rbf_kernel(b, n, d2, p.sigma, ctl)?;
            (k, l, ma, mb)
        }
    };
    ctl.checkpoint()?;
    let (hsic, kk, ll) = gram::hsic_parts(k, l, n, p.debiased);
    let mut out = finish(hsic, kk, ll, Route::Gram, n)?;
    out.median_sq_distance_a = ma;
    out.median_sq_distance_b = mb;
    Ok(out)
}

/// CKA of two representations of the same items.
///
/// # Shapes and types
/// `a`: n × d₁, `b`: n × d₂, f32 or f64 each (computed in f64); n ≥ 2 (≥ 4 when debiased).
/// # Cost
/// Linear: min(n·(d₁² + d₂² + d₁d₂), n²·(d₁ + d₂)) multiply-adds; extra memory, feature route
/// (products n·(d₁²/2 + d₂²/2 + d₁d₂) multiply-adds): for f32 input `(d₁ + d₂)²` f64 and
/// `(d₁ + d₂)²` f32 plus the returned `d₁² + d₂² + d₁d₂` f64 (`embgeo_compare::cross`'s f32
/// pass), for f64 input `5·(d₁² + d₂² + d₁d₂)` f64; kernel route (taken only when
/// n·(d₁ + d₂) < d₁² + d₂² + d₁d₂, so n² ≤ (d₁ + d₂)²) `2n²` f64 plus the centred copies.
/// RBF on m = min(n, maxRows) rows: O(m²·(d₁ + d₂)) time, `2m²` f64 plus `m(m − 1)/2` f64 and the
/// sampled rows.
/// # Determinism
/// Bit-identical for every `ctl.par`; the RBF sample depends only on `(n, maxRows, seed)`.
/// # Errors
/// `Shape` (row counts differ), `Empty` (n < 2, or < 4 when debiased; a set with no columns),
/// `NonFinite`, `Degenerate` (a set with zero variance, an RBF median distance of 0),
/// `OutOfRange` (sigma ≤ 0, maxRows too small, products over the dense limit), `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// Kornblith et al. 2019 (their CKA colab: `feature_space_linear_cka`, `cka`, `gram_rbf`,
/// `center_gram`); parity fixtures `compare/cka-*` at rtol 1e-10 (f64) / 1e-5 (f32 input).
pub fn compute<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params, ctl: &Ctl<'_>) -> Result<Cka> {
    let Pair { a, b } = x;
    check(x, p)?;
    let (n, d1, d2) = (a.rows(), a.cols(), b.cols());
    match p.kernel {
        Kernel::Linear => {
            if feature_route(n, d1, d2) {
                from_products(
                    &cross::compute(a, b, FEATURE_PRODUCTS, "cka-features", ctl)?,
                    p.debiased,
                )
            } else {
                through_kernels(&pair::centred(a), d1, &pair::centred(b), d2, n, p, ctl)
            }
        }
        Kernel::Rbf => {
            if n > p.max_rows {
                let idx = sample_indices(n, p.max_rows, p.seed)?;
                let m = idx.len();
                let sa = take_rows(a, &idx)?;
                let sb = take_rows(b, &idx)?;
                let sa = pair::centred(MatRef::new(&sa, m, d1)?);
                let sb = pair::centred(MatRef::new(&sb, m, d2)?);
                through_kernels(&sa, d1, &sb, d2, m, p, ctl)
            } else {
                through_kernels(&pair::centred(a), d1, &pair::centred(b), d2, n, p, ctl)
            }
        }
    }
}

#[cfg(test)]
mod tests;
