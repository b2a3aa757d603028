//! Glue for `embgeo_align`: `procrustes` / `procrustesSync` and `cca` / `ccaSync` on a pair of
//! matrices with the same rows (each `Float32Array | Float64Array`, element types may differ).

use embgeo_align::{cca, procrustes};
use napi::bindgen_prelude::Float64Array;
use napi_derive::napi;

use crate::{pair_fn, to_js};

/// Procrustes distance, angular shape metric and rotation (`embgeo_align::procrustes`).
#[napi(object)]
pub struct ProcrustesOut {
    pub distance: f64,
    pub angular: f64,
    /// `width × width`, row-major.
    pub rotation: Float64Array,
    pub width: u32,
    pub norm_a: f64,
    pub norm_b: f64,
    pub alpha: f64,
}

pair_fn!(
    #[doc = " Procrustes distance / angular shape metric with partial whitening (`options`: `{ alpha }`)."]
    procrustes_sync, procrustes, Procrustes(procrustes::Params, "{ alpha?: number }") -> ProcrustesOut,
    "Promise<ProcrustesOut>", procrustes::compute
);

to_js!(procrustes::Procrustes => ProcrustesOut |r| { distance, angular, rotation, width, norm_a, norm_b, alpha });

/// Canonical correlations and their summary (`embgeo_align::cca`).
#[napi(object)]
pub struct CcaOut {
    pub value: f64,
    pub correlations: Float64Array,
    /// PWCCA weights (empty for other variants).
    pub weights: Float64Array,
    pub kept_a: u32,
    pub kept_b: u32,
    pub rank_a: u32,
    pub rank_b: u32,
    pub variant: String,
    pub variance_kept: f64,
}

pair_fn!(
    #[doc = " Canonical correlations: mean CCA, SVCCA or PWCCA (`options`: `{ variant, varianceKept }`)."]
    cca_sync, cca, Cca(cca::Params, "{ variant?: string; varianceKept?: number }") -> CcaOut,
    "Promise<CcaOut>", cca::compute
);

to_js!(cca::Cca => CcaOut |r| { value, correlations, weights } {
    kept_a: r.kept[0],
    kept_b: r.kept[1],
    rank_a: r.rank[0],
    rank_b: r.rank[1],
    variant: r.params.variant.name().to_string(),
    variance_kept: r.params.variance_kept,
});
