//! Glue for `embgeo_align`: `procrustes` / `procrustesSync` and `cca` / `ccaSync` on a pair of
//! matrices with the same rows (each `Float32Array | Float64Array`, element types may differ).

use embgeo_align::{cca, procrustes};
use embgeo_core::{Ctl, Element, MatRef, Result};
use napi::bindgen_prelude::{Float64Array, Object};
use napi_derive::napi;

use crate::input::{params, to_u32, Data, FloatArg};
use crate::task::Job;
use crate::twins;

/// A numeric function of a pair of matrices and its serde `Params`.
pub trait PairFn: Send + Sync + 'static {
    /// The crate's options type.
    type Params: serde::de::DeserializeOwned + Send + Sync;
    /// The JS result.
    type Output: Send;
    /// The one call into numerics.
    fn call<TA: Element, TB: Element>(
        a: MatRef<'_, TA>,
        b: MatRef<'_, TB>,
        p: &Self::Params,
        ctl: &Ctl<'_>,
    ) -> Result<Self::Output>;
}

/// The job of a [`PairFn`]: both matrices borrowed (sync) or copied (async).
pub struct PairJob<'a, F: PairFn> {
    a: Data<'a>,
    a_cols: u32,
    b: Data<'a>,
    b_cols: u32,
    params: F::Params,
}

/// `F` on `b` viewed in its element type, `a` already typed.
fn with_b<F: PairFn, TA: Element>(
    a: MatRef<'_, TA>,
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

impl<F: PairFn> Job for PairJob<'_, F> {
    type Output = F::Output;
    fn run(&self, ctl: &Ctl<'_>) -> Result<F::Output> {
        let (b, bc, p) = (&self.b, self.b_cols, &self.params);
        match &self.a {
            Data::F32(d) => with_b::<F, f32>(MatRef::from_flat(d, self.a_cols as usize)?, b, bc, p, ctl),
            Data::F64(d) => with_b::<F, f64>(MatRef::from_flat(d, self.a_cols as usize)?, b, bc, p, ctl),
        }
    }
}

/// The sync/async twins of a [`PairFn`] taking `(a, aCols, b, bCols, options)`.
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

/// `embgeo_align::procrustes::compute`.
pub struct Procrustes;

impl PairFn for Procrustes {
    type Params = procrustes::Params;
    type Output = ProcrustesOut;
    fn call<TA: Element, TB: Element>(
        a: MatRef<'_, TA>,
        b: MatRef<'_, TB>,
        p: &Self::Params,
        ctl: &Ctl<'_>,
    ) -> Result<ProcrustesOut> {
        let r = procrustes::compute(a, b, p, ctl)?;
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
}

pair_twins!(
    #[doc = " Procrustes distance / angular shape metric with partial whitening (`options`: `{ alpha }`)."]
    procrustes_sync,
    procrustes,
    Procrustes,
    ProcrustesOut,
    "Promise<ProcrustesOut>",
    "{ alpha?: number }"
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

/// `embgeo_align::cca::compute`.
pub struct Cca;

impl PairFn for Cca {
    type Params = cca::Params;
    type Output = CcaOut;
    fn call<TA: Element, TB: Element>(
        a: MatRef<'_, TA>,
        b: MatRef<'_, TB>,
        p: &Self::Params,
        ctl: &Ctl<'_>,
    ) -> Result<CcaOut> {
        let r = cca::compute(a, b, p, ctl)?;
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
}

pair_twins!(
    #[doc = " Canonical correlations: mean CCA, SVCCA or PWCCA (`options`: `{ variant, varianceKept }`)."]
    cca_sync,
    cca,
    Cca,
    CcaOut,
    "Promise<CcaOut>",
    "{ variant?: string; varianceKept?: number }"
);
