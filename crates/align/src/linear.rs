//! Several linear measures of one pair from feature-space products computed once per arithmetic
//! (issue 14: `compare()` asked for the same products up to five times).
//!
//! Each measure keeps its own formulas: this module only plans which products each needs, makes
//! each pass once and hands the products to the measure's `from_products`, the same function its
//! `compute` calls after its own pass. So every result is bit-identical to the measure's own
//! `compute` (same products: [`embgeo_compare::cross::compute`] sums `XᵀY`, `XᵀX`, `YᵀY` and the
//! row-norm sums in separate accumulators, so asking for more of them changes none).
//!
//! Passes:
//! - **f32 blocks** (`cka::FEATURE_PRODUCTS`): linear CKA, biased and debiased, on its feature
//!   route (`n·(d₁ + d₂) ≥ d₁² + d₂² + d₁d₂`);
//! - **f64** (`XᵀX`, `YᵀY`, `XᵀY`, `f32_blocks: false`): Procrustes (any α), CCA's Gram route
//!   (every variant; n > max(d₁, d₂)) and linearity's feature route (n ≥ d₁). When A or B is not
//!   f32, the f32-block pass *is* this pass (the same f64 arithmetic), so it runs once for all.
//!
//! The f64 pass's Gram eigendecompositions ([`GramEigen`]) are made once as well: CCA's Gram
//! route, linearity and Procrustes with α < 1 read the same `XᵀX` (and CCA and Procrustes the
//! same `YᵀY`), the same function of the same products as in their own `from_products`.
//!
//! Progress: each shared pass reports the phase `"linear-products"` (rows); cancellation is
//! checked as in the measures' own functions (per row block, and between their steps).
//!
//! Measures outside the shared products run their own `compute` (own pass): CKA with the RBF
//! kernel or on its kernel route (n·(d₁ + d₂) < d₁² + d₂² + d₁d₂), CCA's SVD route (n ≤ max(d₁, d₂)
//! or a side too ill-conditioned for the Gram route, found after the shared pass), linearity's
//! kernel route (n < d₁).

use embgeo_compare::cka::{self, Cka, Kernel};
use embgeo_compare::cross::{self, Cross, Want};
use embgeo_compare::gram_eigen::GramEigen;
use embgeo_compare::linearity::{self, Linearity};
use embgeo_core::{Ctl, Element, Pair, Result};
use serde::Deserialize;

use crate::cca::{self, Cca};
use crate::procrustes::{self, Procrustes};

/// One measure asked for, with its options (the measure's own `Params`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "measure", content = "options", rename_all = "camelCase")]
pub enum Measure {
    /// [`embgeo_compare::cka::compute`].
    Cka(cka::Params),
    /// [`crate::procrustes::compute`].
    Procrustes(procrustes::Params),
    /// [`crate::cca::compute`].
    Cca(cca::Params),
    /// [`embgeo_compare::linearity::compute`].
    Linearity(linearity::Params),
}

/// Options of [`compute`]: the measures, in order (the same measure may appear with different
/// options, e.g. biased and debiased CKA).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// The measures to compute.
    pub measures: Vec<Measure>,
}

/// One measure's result, as its own `compute` returns it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Of [`Measure::Cka`].
    Cka(Cka),
    /// Of [`Measure::Procrustes`].
    Procrustes(Procrustes),
    /// Of [`Measure::Cca`].
    Cca(Cca),
    /// Of [`Measure::Linearity`].
    Linearity(Linearity),
}

/// Where a measure's products come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// The f32-block pass (CKA's).
    Blocks,
    /// The f64 pass.
    F64,
    /// Its own `compute`.
    Own,
}

/// The source of `m` for an n × d₁, n × d₂ pair (its checks passed).
fn source(m: &Measure, n: usize, d1: usize, d2: usize) -> Source {
    match m {
        Measure::Cka(p) if p.kernel == Kernel::Linear && cka::feature_route(n, d1, d2) => Source::Blocks,
        Measure::Procrustes(_) => Source::F64,
        Measure::Cca(_) if cca::gram_possible(n, d1, d2) => Source::F64,
        Measure::Linearity(_) if linearity::feature_route(n, d1) => Source::F64,
        _ => Source::Own,
    }
}

/// The checks a measure's `compute` makes before any product.
fn check<A: Element, B: Element>(m: &Measure, x: Pair<'_, A, B>) -> Result<()> {
    match m {
        Measure::Cka(p) => cka::check(x, p),
        Measure::Procrustes(p) => procrustes::check(x, p),
        Measure::Cca(p) => cca::check(x, p),
        Measure::Linearity(_) => linearity::check(x),
    }
}

/// A measure on its own (its `compute`, own pass).
fn own<A: Element, B: Element>(m: &Measure, x: Pair<'_, A, B>, ctl: &Ctl<'_>) -> Result<Outcome> {
    Ok(match m {
        Measure::Cka(p) => Outcome::Cka(cka::compute(x, p, ctl)?),
        Measure::Procrustes(p) => Outcome::Procrustes(procrustes::compute(x, p, ctl)?),
        Measure::Cca(p) => Outcome::Cca(cca::compute(x, p, ctl)?),
        Measure::Linearity(p) => Outcome::Linearity(linearity::compute(x, p, ctl)?),
    })
}

/// A measure from shared products (of the pass [`source`] gave it) and their shared Gram
/// eigendecompositions.
fn shared<A: Element, B: Element>(
    m: &Measure,
    eig: &mut GramEigen<'_>,
    x: Pair<'_, A, B>,
    ctl: &Ctl<'_>,
) -> Result<Outcome> {
    Ok(match m {
        Measure::Cka(p) => Outcome::Cka(cka::from_products(eig.cross(), p.debiased)?),
        Measure::Procrustes(p) => {
            let d = x.a.cols().max(x.b.cols());
            Outcome::Procrustes(procrustes::from_eigen(eig, d, p, ctl)?)
        }
        Measure::Cca(p) => match cca::from_eigen(eig, p, ctl)? {
            Some(r) => Outcome::Cca(r),
            // Ill-conditioned: the SVD route, as `compute` would take it.
            None => Outcome::Cca(cca::by_svd(x, p, ctl)?),
        },
        Measure::Linearity(_) => Outcome::Linearity(linearity::from_eigen(eig, ctl)?),
    })
}

/// The products `want` of the pair, once; `None` when no measure asks for them.
fn pass<A: Element, B: Element>(
    x: Pair<'_, A, B>,
    needed: bool,
    want: Want,
    ctl: &Ctl<'_>,
) -> Result<Option<Cross>> {
    if !needed {
        return Ok(None);
    }
    cross::compute(x.a, x.b, want, "linear-products", ctl).map(Some)
}

/// Every measure of `p` on the pair `x`, in order, each equal bit for bit to its own `compute`.
///
/// Errors come as the measures one after the other would give them: the first failing measure
/// in `p`'s order decides the error (a later measure's check failing does not hide an earlier
/// measure's error).
///
/// # Shapes and types
/// `a`: n × d₁, `b`: n × d₂, f32 or f64 each.
/// # Cost
/// At most two passes over the rows: the f32-block pass, n·(d₁²/2 + d₂²/2 + d₁d₂) multiply-adds
/// (only for f32 A and B with a feature-route linear CKA), and the f64 pass, the same count in
/// f64; then each measure's d × d work (see each `from_products`). Measures on their own route
/// add their own `compute`'s cost.
/// # Memory
/// The products of each pass are `d₁² + d₂² + d₁d₂` f64; both are held at once when both passes
/// run (`2·(d₁² + d₂² + d₁d₂)` f64), plus each pass's working memory while it runs (see
/// [`embgeo_compare::cross::compute`]), the Gram eigendecompositions once made (`d₁² + d₂²` f64
/// and their values, kept to the end of the call) and one measure's d × d work at a time (the
/// results are kept: a Procrustes rotation is `max(d₁, d₂)²` f64).
/// # Determinism
/// Bit-identical for every `ctl.par` (as every measure).
/// # Errors
/// The first failing measure's error (its `compute`'s codes), `Cancelled`.
/// # Panics
/// Never on any input.
pub fn compute<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params, ctl: &Ctl<'_>) -> Result<Vec<Outcome>> {
    // The measures before the first one whose checks fail (sequential calls would stop there).
    let mut first_error = None;
    let mut sources = Vec::with_capacity(p.measures.len());
    for m in &p.measures {
        if let Err(e) = check(m, x) {
            first_error = Some(e);
            break;
        }
        sources.push(source(m, x.a.rows(), x.a.cols(), x.b.cols()));
    }
    let both_f32 = A::DTYPE == "f32" && B::DTYPE == "f32";
    let uses = |s: Source| sources.contains(&s);
    // When not both f32, the f32-block pass is the f64 pass: one pass serves every shared measure.
    let f64_pass = uses(Source::F64) || (!both_f32 && uses(Source::Blocks));
    let f64_products = pass(
        x,
        f64_pass,
        Want {
            xx: true,
            yy: true,
            f32_blocks: false,
        },
        ctl,
    )?;
    let block_products = pass(x, both_f32 && uses(Source::Blocks), cka::FEATURE_PRODUCTS, ctl)?;
    // Each pass's Gram eigendecompositions, made once for every measure that reads them.
    let mut f64_eig = f64_products.as_ref().map(|c| GramEigen::new(c, ctl.par));
    let mut block_eig = block_products.as_ref().map(|c| GramEigen::new(c, ctl.par));
    let mut out = Vec::with_capacity(sources.len());
    for (m, &s) in p.measures.iter().zip(&sources) {
        let products = match s {
            Source::Blocks if both_f32 => block_eig.as_mut(),
            Source::Blocks | Source::F64 => f64_eig.as_mut(),
            Source::Own => None,
        };
        out.push(match products {
            Some(eig) => shared(m, eig, x, ctl)?,
            None => own(m, x, ctl)?,
        });
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests;
