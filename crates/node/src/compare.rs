//! Glue for `embgeo_compare`: CKA, the linearity score, RSA (two representations of the same
//! items) and relative representations (a matrix and its anchors).

use embgeo_compare::{cka, linearity, relative, rsa};
use embgeo_core::{Ctl, Element, MatRef, Result};
use napi::bindgen_prelude::Object;
use napi_derive::napi;

use crate::input::{params, rows_out, to_u32, Data, FloatArg, Rows};
use crate::task::Job;
use crate::twins;

/// The effective options as JSON (the crate's `Params` with its defaults filled in).
fn effective<P: serde::Serialize>(p: &P) -> Result<serde_json::Value> {
    serde_json::to_value(p).map_err(|e| embgeo_core::Error::Internal(format!("options to JSON: {e}")))
}

/// A function of two matrices of any element types (the measures of this module).
pub trait OnPair: Send + Sync + 'static {
    /// The crate's options type.
    type Params: serde::de::DeserializeOwned + Send + Sync;
    /// The JS result.
    type Output: Send;
    /// The one call into numerics.
    fn call<T: Element, U: Element>(
        a: MatRef<'_, T>,
        b: MatRef<'_, U>,
        p: &Self::Params,
        ctl: &Ctl<'_>,
    ) -> Result<Self::Output>;
}

/// The job of an [`OnPair`]: two matrices (borrowed or copied) and the options.
pub struct PairJob<'a, F: OnPair> {
    a: Data<'a>,
    a_cols: u32,
    b: Data<'a>,
    b_cols: u32,
    params: F::Params,
}

fn with_b<F: OnPair, T: Element>(
    a: MatRef<'_, T>,
    b: &Data<'_>,
    cols: u32,
    p: &F::Params,
    ctl: &Ctl<'_>,
) -> Result<F::Output> {
    match b {
        Data::F32(d) => F::call(a, MatRef::from_flat(d, cols as usize)?, p, ctl),
        Data::F64(d) => F::call(a, MatRef::from_flat(d, cols as usize)?, p, ctl),
    }
}

impl<F: OnPair> Job for PairJob<'_, F> {
    type Output = F::Output;
    fn run(&self, ctl: &Ctl<'_>) -> Result<F::Output> {
        match &self.a {
            Data::F32(d) => with_b::<F, f32>(
                MatRef::from_flat(d, self.a_cols as usize)?,
                &self.b,
                self.b_cols,
                &self.params,
                ctl,
            ),
            Data::F64(d) => with_b::<F, f64>(
                MatRef::from_flat(d, self.a_cols as usize)?,
                &self.b,
                self.b_cols,
                &self.params,
                ctl,
            ),
        }
    }
}

/// Sync/async twins of an [`OnPair`] `$f` taking `(a, aCols, b, bCols, options)`.
macro_rules! pair_twins {
    ($(#[doc = $doc:literal])* $sync:ident, $async_:ident, $f:ty, $out:ty, $promise:literal, $opts:literal) => {
        twins!(
            $(#[doc = $doc])*
            $sync, $async_ -> $out, $promise, PairJob<'static, $f>;
            |env, hold| (
                #[napi(ts_arg_type = "Float32Array | Float64Array")] a: FloatArg,
                a_cols: u32,
                #[napi(ts_arg_type = "Float32Array | Float64Array")] b: FloatArg,
                b_cols: u32,
                #[napi(ts_arg_type = $opts)] options: Object
            ) {
                let params = params(env, options)?;
                Ok(PairJob::<$f> { a: hold.data(a), a_cols, b: hold.data(b), b_cols, params })
            }
        );
    };
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

/// The CKA call.
pub struct Cka;
impl OnPair for Cka {
    type Params = cka::Params;
    type Output = CkaOut;
    fn call<T: Element, U: Element>(
        a: MatRef<'_, T>,
        b: MatRef<'_, U>,
        p: &cka::Params,
        ctl: &Ctl<'_>,
    ) -> Result<CkaOut> {
        let c = cka::compute(a, b, p, ctl)?;
        Ok(CkaOut {
            value: c.value,
            hsic: c.hsic,
            norm_a: c.norm_a,
            norm_b: c.norm_b,
            route: match c.route {
                cka::Route::Features => "features",
                cka::Route::Gram => "gram",
            }
            .into(),
            rows_used: to_u32(c.rows_used)?,
            median_sq_distance_a: c.median_sq_distance_a,
            median_sq_distance_b: c.median_sq_distance_b,
            params: effective(p)?,
        })
    }
}

pair_twins!(
    #[doc = " CKA of two representations of the same items (`embgeo_compare::cka`)."]
    cka_sync,
    cka,
    Cka,
    CkaOut,
    "Promise<CkaOut>",
    "{ kernel?: 'linear' | 'rbf', debiased?: boolean, sigma?: number, maxRows?: number, seed?: number }"
);

/// The linearity score (`embgeo_compare::linearity`).
#[napi(object)]
pub struct LinearityOut {
    pub value: f64,
    pub feature_route: bool,
    pub rank: u32,
}

/// The linearity call.
pub struct Linearity;
impl OnPair for Linearity {
    type Params = linearity::Params;
    type Output = LinearityOut;
    fn call<T: Element, U: Element>(
        a: MatRef<'_, T>,
        b: MatRef<'_, U>,
        p: &linearity::Params,
        ctl: &Ctl<'_>,
    ) -> Result<LinearityOut> {
        let l = linearity::compute(a, b, p, ctl)?;
        Ok(LinearityOut {
            value: l.value,
            feature_route: l.feature_route,
            rank: to_u32(l.rank)?,
        })
    }
}

pair_twins!(
    #[doc = " Linearity score of B given A (`embgeo_compare::linearity`)."]
    linearity_sync,
    linearity,
    Linearity,
    LinearityOut,
    "Promise<LinearityOut>",
    "{}"
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

/// The RSA call.
pub struct Rsa;
impl OnPair for Rsa {
    type Params = rsa::Params;
    type Output = RsaOut;
    fn call<T: Element, U: Element>(
        a: MatRef<'_, T>,
        b: MatRef<'_, U>,
        p: &rsa::Params,
        ctl: &Ctl<'_>,
    ) -> Result<RsaOut> {
        let r = rsa::compute(a, b, p, ctl)?;
        Ok(RsaOut {
            value: r.value,
            pairs: r.pairs as f64,
            sampled: r.sampled,
            params: effective(p)?,
        })
    }
}

pair_twins!(
    #[doc = " RSA of two representations of the same items (`embgeo_compare::rsa`)."]
    rsa_sync, rsa, Rsa, RsaOut, "Promise<RsaOut>",
    "{ metric?: 'euclidean' | 'cosine', correlation?: 'pearson' | 'spearman', maxPairs?: number, seed?: number }"
);

/// The relative-representation call (A = X, B = anchors; output in X's element type).
pub struct Relative;
impl OnPair for Relative {
    type Params = relative::Params;
    type Output = Rows;
    fn call<T: Element, U: Element>(
        x: MatRef<'_, T>,
        anchors: MatRef<'_, U>,
        p: &relative::Params,
        ctl: &Ctl<'_>,
    ) -> Result<Rows> {
        relative::compute(x, anchors, p, ctl).map(rows_out)
    }
}

pair_twins!(
    #[doc = " Relative representation of X (n × m similarities to m anchors, X's element type)."]
    relative_representation_sync,
    relative_representation,
    Relative,
    Rows,
    "Promise<Float32Array | Float64Array>",
    "{ metric?: 'cosine' | 'dot' | 'euclidean' }"
);
