//! Glue for `embgeo_compare`: CKA, the linearity score, RSA (two representations of the same
//! items) and relative representations (a matrix and its anchors).

use embgeo_compare::{cka, linearity, relative, rsa};
use embgeo_core::Result;
use napi_derive::napi;

use crate::input::{rows_out, to_u32, Rows};
use crate::pair_fn;

/// The effective options as JSON (the crate's `Params` with its defaults filled in).
fn effective<P: serde::Serialize>(p: &P) -> Result<serde_json::Value> {
    serde_json::to_value(p).map_err(|e| embgeo_core::Error::Internal(format!("options to JSON: {e}")))
}

/// CKA (`embgeo_compare::cka`).
#[napi(object)]
pub struct CkaOut {
    pub value: f64,
    pub hsic: f64,
    pub norm_a: f64,
    pub norm_b: f64,
    /// `"features"` or `"gram"`.
    pub route: String,
    pub rows_used: u32,
    pub median_sq_distance_a: f64,
    pub median_sq_distance_b: f64,
    /// Every effective option (the crate's `Params`, defaults filled in).
    pub params: serde_json::Value,
}

pair_fn!(
    #[doc = " CKA of two representations of the same items (`embgeo_compare::cka`)."]
    cka_sync, cka, Cka(cka::Params,
    "{ kernel?: 'linear' | 'rbf', debiased?: boolean, sigma?: number, maxRows?: number, seed?: number }") -> CkaOut,
    "Promise<CkaOut>", |x, p, ctl| {
        let c = cka::compute(x, p, ctl)?;
        let route = match c.route {
            cka::Route::Features => "features",
            cka::Route::Gram => "gram",
        };
        Ok(CkaOut {
            value: c.value,
            hsic: c.hsic,
            norm_a: c.norm_a,
            norm_b: c.norm_b,
            route: route.into(),
            rows_used: to_u32(c.rows_used)?,
            median_sq_distance_a: c.median_sq_distance_a,
            median_sq_distance_b: c.median_sq_distance_b,
            params: effective(p)?,
        })
    }
);

/// The linearity score (`embgeo_compare::linearity`).
#[napi(object)]
pub struct LinearityOut {
    pub value: f64,
    pub feature_route: bool,
    pub rank: u32,
}

pair_fn!(
    #[doc = " Linearity score of B given A (`embgeo_compare::linearity`)."]
    linearity_sync, linearity, Linearity(linearity::Params, "{}") -> LinearityOut,
    "Promise<LinearityOut>", |x, p, ctl| {
        let l = linearity::compute(x, p, ctl)?;
        Ok(LinearityOut { value: l.value, feature_route: l.feature_route, rank: to_u32(l.rank)? })
    }
);

/// RSA (`embgeo_compare::rsa`).
#[napi(object)]
pub struct RsaOut {
    pub value: f64,
    pub pairs: f64,
    pub sampled: bool,
    /// Every effective option.
    pub params: serde_json::Value,
}

pair_fn!(
    #[doc = " RSA of two representations of the same items (`embgeo_compare::rsa`)."]
    rsa_sync, rsa, Rsa(rsa::Params,
    "{ metric?: 'euclidean' | 'cosine', correlation?: 'pearson' | 'spearman', maxPairs?: number, seed?: number }") -> RsaOut,
    "Promise<RsaOut>", |x, p, ctl| {
        let r = rsa::compute(x, p, ctl)?;
        Ok(RsaOut { value: r.value, pairs: r.pairs as f64, sampled: r.sampled, params: effective(p)? })
    }
);

pair_fn!(
    #[doc = " Relative representation of X (n × m similarities to m anchors, X's element type)."]
    relative_representation_sync, relative_representation,
    Relative(relative::Params, "{ metric?: 'cosine' | 'dot' | 'euclidean' }") -> Rows as "Float32Array | Float64Array",
    "Promise<Float32Array | Float64Array>", |x, p, ctl| {
        relative::compute(x.a, x.b, p, ctl).map(rows_out)
    }
);
