//! Estimators on raw data: neighbours from the `embgeo-knn` engine (exact, euclidean, self
//! excluded by index, ties to the lower index), with scikit-dimension's clamping of k to N − 1.
//!
//! When a duplicates policy or zero distances need more neighbour columns than k (MADA skips
//! zero distances; `Drop` skips duplicates), the neighbours are recomputed with more columns
//! (doubling, up to N − 1) — the result is the same as with enough columns from the start.
//!
//! Enabled by the `knn` feature.

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};

use crate::{corrint, danco, ess, gride, lpca, mada, mind_ml, mle, mom, scaling, tle, twonn, IdEstimate};

/// Exact euclidean kNN of `x` via `embgeo_knn::all_points`, k clamped to N − 1.
///
/// # Shapes and types
/// `x`: N × D (f32/f64); returns N × min(k, N − 1) neighbours with f64 distances.
/// # Cost
/// That of `embgeo_knn::all_points` (GEMM-tiled O(N²·D)).
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// Those of `embgeo_knn::all_points` (`Empty`, `NonFinite`, `KTooLarge`, `Cancelled`).
/// # Panics
/// Never.
/// # Reference
/// scikit-learn `NearestNeighbors(n_neighbors=k).kneighbors()`.
pub fn neighbors<T: Element>(x: MatRef<'_, T>, k: usize, ctl: &Ctl<'_>) -> Result<Neighbors> {
    let k = k.min(x.rows().saturating_sub(1)).max(1);
    let p = embgeo_knn::Params {
        k,
        metric: embgeo_knn::Metric::Euclidean,
        ..Default::default()
    };
    embgeo_knn::all_points(x, &p, ctl)
}

/// TwoNN versus scale by decimation ([`crate::scaling::twonn_decimation`]) with each subset's
/// neighbours from the kNN engine (GEMM tiles, exact f64 re-rank) instead of the scalar brute
/// force: about 2·N²·D flops in blocked products rather than scalar loops.
///
/// # Errors
/// As [`crate::scaling::twonn_decimation`] and `embgeo_knn::all_points`.
pub fn twonn_scaling<T: Element>(
    x: MatRef<'_, T>,
    p: &crate::scaling::DecimationParams,
    ctl: &Ctl<'_>,
) -> Result<crate::scaling::Curve> {
    crate::scaling::twonn_decimation_with(x, p, ctl, |sub, ctl| neighbors(sub, 2, ctl))
}

/// Run `f` on neighbours with at least `k` columns, widening them while `f` reports
/// `KTooLarge` for lack of columns.
fn with_neighbors<T: Element, R>(
    x: MatRef<'_, T>,
    k: usize,
    ctl: &Ctl<'_>,
    f: impl Fn(&Neighbors) -> Result<R>,
) -> Result<R> {
    let n = x.rows();
    let mut kk = k.min(n.saturating_sub(1)).max(1);
    loop {
        let nb = neighbors(x, kk, ctl)?;
        match f(&nb) {
            Err(Error::KTooLarge { .. }) if kk < n - 1 => kk = (2 * kk).min(n - 1),
            r => return r,
        }
    }
}

/// TwoNN ([`twonn::estimate`]) on raw data.
///
/// # Errors
/// As [`neighbors`] and [`twonn::estimate`].
pub fn twonn<T: Element>(x: MatRef<'_, T>, p: &twonn::Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    with_neighbors(x, 2, ctl, |nb| twonn::estimate(nb, p))
}

/// MLE ([`mle::estimate`]) on raw data; `p.k` is clamped to N − 1 like the reference.
///
/// # Errors
/// As [`neighbors`] and [`mle::estimate`].
pub fn mle<T: Element>(x: MatRef<'_, T>, p: &mle::Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let p = mle::Params {
        k: p.k.min(x.rows().saturating_sub(1)),
        ..*p
    };
    let need = if p.neighborhood_based { p.k } else { p.global_k };
    with_neighbors(x, need, ctl, |nb| mle::estimate(nb, &p, ctl))
}

/// Single-scale GRIDE ([`gride::estimate`]) on raw data.
///
/// # Errors
/// As [`neighbors`] and [`gride::estimate`].
pub fn gride<T: Element>(x: MatRef<'_, T>, p: &gride::Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let n2 = p.n2.unwrap_or(2 * p.n1);
    with_neighbors(x, n2, ctl, |nb| gride::estimate(nb, p))
}

/// Multiscale GRIDE ([`scaling::gride`]) on raw data (neighbours up to `range_max`).
///
/// # Errors
/// As [`neighbors`] and [`gride::scaling`].
pub fn gride_scaling<T: Element>(
    x: MatRef<'_, T>,
    p: &gride::ScalingParams,
    ctl: &Ctl<'_>,
) -> Result<scaling::Curve> {
    with_neighbors(x, p.range_max, ctl, |nb| scaling::gride(nb, p))
}

/// MOM ([`mom::estimate`]) on raw data; k clamped to N − 1.
///
/// # Errors
/// As [`neighbors`] and [`mom::estimate`].
pub fn mom<T: Element>(x: MatRef<'_, T>, p: &mom::Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let p = mom::Params {
        k: p.k.min(x.rows().saturating_sub(1)),
        ..*p
    };
    with_neighbors(x, p.k, ctl, |nb| mom::estimate(nb, &p, ctl))
}

/// MADA ([`mada::estimate`]) on raw data; k clamped to N − 1.
///
/// # Errors
/// As [`neighbors`] and [`mada::estimate`].
pub fn mada<T: Element>(x: MatRef<'_, T>, p: &mada::Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let p = mada::Params {
        k: p.k.min(x.rows().saturating_sub(1)),
        ..*p
    };
    with_neighbors(x, p.k, ctl, |nb| mada::estimate(nb, &p, ctl))
}

/// TLE ([`tle::estimate`]) on raw data; k clamped to N − 1.
///
/// # Errors
/// As [`neighbors`] and [`tle::estimate`].
pub fn tle<T: Element>(x: MatRef<'_, T>, p: &tle::Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let p = tle::Params {
        k: p.k.min(x.rows().saturating_sub(1)),
        ..*p
    };
    with_neighbors(x, p.k, ctl, |nb| tle::estimate(x, nb, &p, ctl))
}

/// Local PCA ([`lpca::pointwise`]) on raw data with `k` neighbours (100 in the reference).
///
/// # Errors
/// As [`neighbors`] and [`lpca::pointwise`].
pub fn lpca_pointwise<T: Element>(
    x: MatRef<'_, T>,
    k: usize,
    p: &lpca::Params,
    ctl: &Ctl<'_>,
) -> Result<IdEstimate> {
    if k >= x.rows() {
        return Err(Error::KTooLarge {
            k,
            available: x.rows().saturating_sub(1),
            why: "lPCA fit_pw needs N >= k + 1".into(),
        });
    }
    with_neighbors(x, k, ctl, |nb| lpca::pointwise(x, nb, k, p, ctl))
}

/// CorrInt ([`corrint::estimate`]) on raw data (orders clamped like the reference).
///
/// # Errors
/// As [`neighbors`] and [`corrint::estimate`].
pub fn corrint<T: Element>(x: MatRef<'_, T>, p: &corrint::Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let (_, k2) = corrint::effective_orders(x.rows(), p);
    with_neighbors(x, k2, ctl, |nb| corrint::estimate(x, nb, p, ctl))
}

/// MiND_ML ([`mind_ml::estimate`]) on raw data.
///
/// # Errors
/// As [`neighbors`] and [`mind_ml::estimate`].
pub fn mind_ml<T: Element>(x: MatRef<'_, T>, p: &mind_ml::Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    with_neighbors(x, p.k + 1, ctl, |nb| mind_ml::estimate(nb, p))
}

/// DANCo ([`danco::estimate`]) on raw data.
///
/// # Errors
/// As [`neighbors`] and [`danco::estimate`].
pub fn danco<T: Element>(x: MatRef<'_, T>, p: &danco::Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let k = if p.k >= x.rows() {
        x.rows().saturating_sub(2)
    } else {
        p.k
    };
    with_neighbors(x, k + 1, ctl, |nb| danco::estimate(x, nb, p, ctl))
}

/// ESS ([`ess::estimate`]) on raw data; k clamped to N − 1.
///
/// # Errors
/// As [`neighbors`] and [`ess::estimate`].
pub fn ess<T: Element>(x: MatRef<'_, T>, p: &ess::Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let p = ess::Params {
        k: p.k.min(x.rows().saturating_sub(1)),
        ..*p
    };
    with_neighbors(x, p.k, ctl, |nb| ess::estimate(x, nb, &p, ctl))
}

/// Adaptive k*-GRIDE ([`gride::kstar`]) on raw data (neighbours up to `maxk`, default
/// min(100, N − 1)).
///
/// # Errors
/// As [`neighbors`] and [`gride::kstar`].
pub fn gride_kstar<T: Element>(
    x: MatRef<'_, T>,
    p: &gride::KstarParams,
    ctl: &Ctl<'_>,
) -> Result<gride::Kstar> {
    let maxk = p.maxk.unwrap_or(100.min(x.rows().saturating_sub(1)));
    with_neighbors(x, maxk, ctl, |nb| gride::kstar(nb, p))
}
