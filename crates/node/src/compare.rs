//! Glue for `embgeo_compare`: CKA, the linearity score, RSA (two representations of the same
//! items) and relative representations (a matrix and its anchors).

use embgeo_compare::{cka, linearity, relative, rsa};
use napi_derive::napi;

use embgeo_jobs::FloatVec;

use crate::input::Rows;
use crate::out::ToJs;
use crate::{pair_fn, to_js};

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
        (cka::compute(x, p, ctl)?, p).to_js()
    }
);

to_js!(cka::Cka, p: &cka::Params => CkaOut |c| {
    value,
    hsic,
    norm_a,
    norm_b,
    rows_used,
    median_sq_distance_a,
    median_sq_distance_b,
} {
    route: match c.route {
        cka::Route::Features => "features",
        cka::Route::Gram => "gram",
    }
    .to_string(),
    params: p,
});

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
    "Promise<LinearityOut>", linearity::compute
);

to_js!(linearity::Linearity => LinearityOut |r| { value, feature_route, rank });

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
        (rsa::compute(x, p, ctl)?, p).to_js()
    }
);

to_js!(rsa::Rsa, p: &rsa::Params => RsaOut |r| { value, pairs, sampled } { params: p });

pair_fn!(
    #[doc = " Relative representation of X (n × m similarities to m anchors, X's element type)."]
    relative_representation_sync, relative_representation,
    Relative(relative::Params, "{ metric?: 'cosine' | 'dot' | 'euclidean' }") -> Rows as "Float32Array | Float64Array",
    "Promise<Float32Array | Float64Array>", |x, p, ctl| {
        FloatVec::of(relative::compute(x.a, x.b, p, ctl)?).to_js()
    }
);
