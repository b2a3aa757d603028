//! Glue for `embgeo_align`: `procrustes` / `procrustesSync` and `cca` / `ccaSync` on a pair of
//! matrices with the same rows (each `Float32Array | Float64Array`, element types may differ).

use embgeo_align::{cca, procrustes};
use napi::bindgen_prelude::Float64Array;
use napi_derive::napi;

use crate::input::to_u32;
use crate::pair_fn;

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
    "Promise<ProcrustesOut>", |x, p, ctl| {
        let r = procrustes::compute(x, p, ctl)?;
        Ok(ProcrustesOut {
            distance: r.distance,
            angular: r.angular,
            rotation: r.rotation.into(),
            width: to_u32(r.width)?,
            norm_a: r.norm_a,
            norm_b: r.norm_b,
            alpha: r.alpha,
        })
    }
);

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
    "Promise<CcaOut>", |x, p, ctl| {
        let r = cca::compute(x, p, ctl)?;
        Ok(CcaOut {
            value: r.value,
            correlations: r.correlations.into(),
            weights: r.weights.into(),
            kept_a: to_u32(r.kept[0])?,
            kept_b: to_u32(r.kept[1])?,
            rank_a: to_u32(r.rank[0])?,
            rank_b: to_u32(r.rank[1])?,
            variant: r.params.variant.name().into(),
            variance_kept: r.params.variance_kept,
        })
    }
);
