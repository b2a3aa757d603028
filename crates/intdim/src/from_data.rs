//! Estimators on raw data with typed parameters: shortcuts through the [`registry`] (its one k
//! rule, its neighbour source: `embgeo-knn`, exact, euclidean, self excluded by index, ties to
//! the lower index). Every count here counts as a default, so it is clamped to what N rows
//! allow (as scikit-dimension does) and the estimate says so in `params.kClamped`.

use embgeo_core::{Ctl, Element, MatRef, Neighbors, Result};

use crate::registry::{self, entries as e, Estimator, Source};
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
    Source::default().compute(x, k, ctl)
}

fn typed<E: Estimator, T: Element>(
    x: MatRef<'_, T>,
    p: E::Params,
    ctl: &Ctl<'_>,
) -> Result<registry::Output> {
    registry::run_typed::<E, T>(x, p, Vec::new(), &Source::default(), ctl)
}

/// Local PCA ([`lpca::pointwise`]) on raw data with `k` neighbours (100 in the reference);
/// `k` > N − 1 is `KTooLarge`.
///
/// # Errors
/// As [`neighbors`] and [`lpca::pointwise`].
pub fn lpca_pointwise<T: Element>(
    x: MatRef<'_, T>,
    k: usize,
    p: &lpca::Params,
    ctl: &Ctl<'_>,
) -> Result<IdEstimate> {
    registry::run_typed::<e::Lpca, T>(x, (*p, Some(k)), vec!["k".into()], &Source::default(), ctl)?.estimate()
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
    Source::default().with(x, maxk, ctl, |nb| gride::kstar(nb, p))
}

/// `pub fn $name(x, p, ctl)`: the registry entry `$e` on raw data with typed parameters `$p`,
/// its output read as an estimate (or with `=> $out, $conv` as `Output::$conv`).
macro_rules! shortcut {
    ($(#[$doc:meta])* $name:ident, $e:ty, $p:ty) => {
        shortcut!($(#[$doc])* $name, $e, $p => IdEstimate, estimate);
    };
    ($(#[$doc:meta])* $name:ident, $e:ty, $p:ty => $out:ty, $conv:ident) => {
        $(#[$doc])*
        ///
        /// # Errors
        /// As [`neighbors`] and the estimator.
        #[allow(clippy::clone_on_copy)]
        pub fn $name<T: Element>(x: MatRef<'_, T>, p: &$p, ctl: &Ctl<'_>) -> Result<$out> {
            typed::<$e, T>(x, p.clone(), ctl)?.$conv()
        }
    };
}

shortcut!(/// TwoNN versus scale by decimation ([`crate::scaling::twonn_decimation`]) with each
    /// subset's neighbours from the kNN engine.
    twonn_scaling, e::TwoNNScaling, scaling::DecimationParams => scaling::Curve, curve);
shortcut!(/// Multiscale GRIDE ([`scaling::gride`]) on raw data (neighbours up to `range_max`).
    gride_scaling, e::GrideScaling, gride::ScalingParams => scaling::Curve, curve);

shortcut!(/// TwoNN ([`twonn::estimate`]) on raw data.
    twonn, e::TwoNN, twonn::Params);
shortcut!(/// MLE ([`mle::estimate`]) on raw data; `p.k` is clamped to N − 1 like the reference.
    mle, e::Mle, mle::Params);
shortcut!(/// Single-scale GRIDE ([`gride::estimate`]) on raw data.
    gride, e::GrideEst, gride::Params);
shortcut!(/// MOM ([`mom::estimate`]) on raw data; k clamped to N − 1.
    mom, e::Mom, mom::Params);
shortcut!(/// MADA ([`mada::estimate`]) on raw data; k clamped to N − 1.
    mada, e::Mada, mada::Params);
shortcut!(/// TLE ([`tle::estimate`]) on raw data; k clamped to N − 1.
    tle, e::Tle, tle::Params);
shortcut!(/// CorrInt ([`corrint::estimate`]) on raw data (orders clamped like the reference).
    corrint, e::CorrInt, corrint::Params);
shortcut!(/// MiND_ML ([`mind_ml::estimate`]) on raw data.
    mind_ml, e::MindMl, mind_ml::Params);
shortcut!(/// DANCo ([`danco::estimate`]) on raw data.
    danco, e::Danco, danco::Params);
shortcut!(/// ESS ([`ess::estimate`]) on raw data; k clamped to N − 1.
    ess, e::Ess, ess::Params);
