//! Glue for `embgeo_align`: `procrustes` / `procrustesSync` and `cca` / `ccaSync` on a pair of
//! matrices with the same rows (each `Float32Array | Float64Array`, element types may differ).

use embgeo_align::{cca, procrustes};
use napi::bindgen_prelude::Float64Array;

use crate::numeric_fn;

numeric_fn!(pair
    #[doc = " Procrustes distance / angular shape metric with partial whitening (`options`: `{ alpha, rotation }`)."]
    procrustes_sync, procrustes, Procrustes(procrustes::Params, "{ alpha?: number, rotation?: boolean }") -> ProcrustesOut,
    "Promise<ProcrustesOut>", procrustes::compute;
    #[doc = " Procrustes distance, angular shape metric and rotation (`embgeo_align::procrustes`)."]
    from procrustes::Procrustes => |r| {
        distance: f64,
        angular: f64,
        #[doc = " `width × width`, row-major; empty with `rotation: false`."]
        rotation: Float64Array,
        width: u32, norm_a: f64, norm_b: f64, alpha: f64,
    }
);

numeric_fn!(pair
    #[doc = " Canonical correlations: mean CCA, SVCCA or PWCCA (`options`: `{ variant, varianceKept }`)."]
    cca_sync, cca, Cca(cca::Params, "{ variant?: string; varianceKept?: number }") -> CcaOut,
    "Promise<CcaOut>", cca::compute;
    #[doc = " Canonical correlations and their summary (`embgeo_align::cca`)."]
    from cca::Cca => |r| {
        value: f64,
        correlations: Float64Array,
        #[doc = " PWCCA weights (empty for other variants)."]
        weights: Float64Array,
        kept_a: u32 = r.kept[0],
        kept_b: u32 = r.kept[1],
        rank_a: u32 = r.rank[0],
        rank_b: u32 = r.rank[1],
        variant: String = r.params.variant.name().to_string(),
        variance_kept: f64 = r.params.variance_kept,
    }
);
