//! Glue for `embgeo_compare`: CKA, the linearity score, RSA (two representations of the same
//! items), relative representations (a matrix and its anchors), and `compareLinear`: the linear
//! measures of `compare()` (CKA, Procrustes, CCA, linearity) from shared products.

use embgeo_align::linear;
use embgeo_compare::{cka, linearity, relative, rsa};
use embgeo_jobs::FloatVec;

use crate::align::{CcaOut, ProcrustesOut};
use crate::input::Rows;
use crate::numeric_fn;
use crate::out::ToJs;

numeric_fn!(pair
    #[doc = " CKA of two representations of the same items (`embgeo_compare::cka`)."]
    cka_sync, cka, Cka(cka::Params,
    "{ kernel?: 'linear' | 'rbf', debiased?: boolean, sigma?: number, maxRows?: number, seed?: number }") -> CkaOut,
    "Promise<CkaOut>", |x, p, ctl| { (cka::compute(x, p, ctl)?, p).to_js() };
    #[doc = " CKA (`embgeo_compare::cka`)."]
    from cka::Cka, p: &cka::Params => |c| {
        value: f64, hsic: f64, norm_a: f64, norm_b: f64,
        #[doc = " `\"features\"` or `\"gram\"`."]
        route: String = match c.route {
            cka::Route::Features => "features",
            cka::Route::Gram => "gram",
        }
        .to_string(),
        rows_used: u32, median_sq_distance_a: f64, median_sq_distance_b: f64,
        #[doc = " Every effective option (the crate's `Params`, defaults filled in)."]
        params: serde_json::Value = p,
    }
);

numeric_fn!(pair
    #[doc = " Linearity score of B given A (`embgeo_compare::linearity`)."]
    linearity_sync, linearity, Linearity(linearity::Params, "{}") -> LinearityOut, "Promise<LinearityOut>",
    linearity::compute;
    #[doc = " The linearity score (`embgeo_compare::linearity`)."]
    from linearity::Linearity => |r| { value: f64, feature_route: bool, rank: u32 }
);

numeric_fn!(pair
    #[doc = " RSA of two representations of the same items (`embgeo_compare::rsa`)."]
    rsa_sync, rsa, Rsa(rsa::Params,
    "{ metric?: 'euclidean' | 'cosine', correlation?: 'pearson' | 'spearman', maxPairs?: number, seed?: number }")
    -> RsaOut, "Promise<RsaOut>", |x, p, ctl| { (rsa::compute(x, p, ctl)?, p).to_js() };
    #[doc = " RSA (`embgeo_compare::rsa`)."]
    from rsa::Rsa, p: &rsa::Params => |r| {
        value: f64, pairs: f64, sampled: bool,
        #[doc = " Every effective option."]
        params: serde_json::Value = p,
    }
);

numeric_fn!(pair
    #[doc = " Relative representation of X (n × m similarities to m anchors, X's element type)."]
    relative_representation_sync, relative_representation,
    Relative(relative::Params, "{ metric?: 'cosine' | 'dot' | 'euclidean' }") -> Rows as "Float32Array | Float64Array",
    "Promise<Float32Array | Float64Array>", |x, p, ctl| {
        FloatVec::of(relative::compute(x.a, x.b, p, ctl)?).to_js()
    }
);

/// One measure's result of `compareLinear`: the field named by the measure holds what that
/// measure's own binding returns.
#[napi_derive::napi(object)]
pub struct LinearMeasureOut {
    /// Of `{ measure: 'cka' }` (as `cka` returns it).
    pub cka: Option<CkaOut>,
    /// Of `{ measure: 'procrustes' }` (as `procrustes` returns it).
    pub procrustes: Option<ProcrustesOut>,
    /// Of `{ measure: 'cca' }` (as `cca` returns it).
    pub cca: Option<CcaOut>,
    /// Of `{ measure: 'linearity' }` (as `linearity` returns it).
    pub linearity: Option<LinearityOut>,
}

/// The results of `compareLinear`, one per measure asked for, in order.
#[napi_derive::napi(object)]
pub struct LinearOut {
    /// One per measure.
    pub results: Vec<LinearMeasureOut>,
}

fn linear_out(p: &linear::Params, outcomes: Vec<linear::Outcome>) -> embgeo_core::Result<LinearOut> {
    let none = || LinearMeasureOut {
        cka: None,
        procrustes: None,
        cca: None,
        linearity: None,
    };
    let mut results = Vec::with_capacity(outcomes.len());
    for (m, o) in p.measures.iter().zip(outcomes) {
        results.push(match (m, o) {
            (linear::Measure::Cka(p), linear::Outcome::Cka(r)) => LinearMeasureOut {
                cka: Some((r, p).to_js()?),
                ..none()
            },
            (_, linear::Outcome::Procrustes(r)) => LinearMeasureOut {
                procrustes: Some(r.to_js()?),
                ..none()
            },
            (_, linear::Outcome::Cca(r)) => LinearMeasureOut {
                cca: Some(r.to_js()?),
                ..none()
            },
            (_, linear::Outcome::Linearity(r)) => LinearMeasureOut {
                linearity: Some(r.to_js()?),
                ..none()
            },
            (_, linear::Outcome::Cka(_)) => {
                return Err(embgeo_core::Error::Internal(
                    "a CKA result for another measure".into(),
                ))
            }
        });
    }
    Ok(LinearOut { results })
}

numeric_fn!(pair
    #[doc = " Several linear measures of one pair from products computed once (`embgeo_align::linear`)."]
    compare_linear_sync, compare_linear, CompareLinear(linear::Params,
    "{ measures: Array<{ measure: 'cka' | 'procrustes' | 'cca' | 'linearity', options: object }> }")
    -> LinearOut, "Promise<LinearOut>", |x, p, ctl| { linear_out(p, linear::compute(x, p, ctl)?) }
);
