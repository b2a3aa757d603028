//! Glue for `embgeo_neighborhood`: information imbalance, mutual k-NN alignment (CKNNA,
//! Jaccard) of two representations, and the separability dimension of one set.

use embgeo_core::{Ctl, Element, MatRef, Result};
use embgeo_neighborhood::{imbalance, mutual, separability};
use napi::bindgen_prelude::{Float64Array, Uint32Array};
use napi_derive::napi;

use crate::input::{to_u32, Data};
use crate::task::Job;
use crate::{matrix_fn, twins};

/// Two matrices describing the same items (widths and element types may differ).
pub struct PairData<'a> {
    a: Data<'a>,
    a_cols: u32,
    b: Data<'a>,
    b_cols: u32,
}

/// A numeric function of two matrices and its serde `Params`.
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

/// The job of a [`PairFn`], shared by both twins.
pub struct PairJob<'a, F: PairFn> {
    data: PairData<'a>,
    params: F::Params,
}

impl<F: PairFn> Job for PairJob<'_, F> {
    type Output = F::Output;
    fn run(&self, ctl: &Ctl<'_>) -> Result<F::Output> {
        let d = &self.data;
        let (ca, cb) = (d.a_cols as usize, d.b_cols as usize);
        let p = &self.params;
        match (&d.a, &d.b) {
            (Data::F32(a), Data::F32(b)) => {
                F::call(MatRef::from_flat(a, ca)?, MatRef::from_flat(b, cb)?, p, ctl)
            }
            (Data::F32(a), Data::F64(b)) => {
                F::call(MatRef::from_flat(a, ca)?, MatRef::from_flat(b, cb)?, p, ctl)
            }
            (Data::F64(a), Data::F32(b)) => {
                F::call(MatRef::from_flat(a, ca)?, MatRef::from_flat(b, cb)?, p, ctl)
            }
            (Data::F64(a), Data::F64(b)) => {
                F::call(MatRef::from_flat(a, ca)?, MatRef::from_flat(b, cb)?, p, ctl)
            }
        }
    }
}

/// A [`PairFn`] named `$f` (`$params` options typed `$opts` in TS; `|a, b, p, ctl| body` its
/// one call) and its sync/async twins taking `(a, aCols, b, bCols, options)`.
macro_rules! pair_fn {
    ($(#[doc = $doc:literal])* $sync:ident, $async_:ident, $f:ident($params:ty, $opts:literal) -> $out:ty,
     $promise:literal, |$a:ident, $b:ident, $p:pat, $ctl:ident| $body:block) => {
        /// The call of a pair function.
        pub struct $f;

        impl PairFn for $f {
            type Params = $params;
            type Output = $out;
            fn call<TA: Element, TB: Element>(
                $a: MatRef<'_, TA>,
                $b: MatRef<'_, TB>,
                $p: &$params,
                $ctl: &Ctl<'_>,
            ) -> Result<$out> $body
        }

        twins!(
            $(#[doc = $doc])*
            $sync, $async_ -> $out, $promise, PairJob<'static, $f>;
            |env, hold| (
                #[napi(ts_arg_type = "Float32Array | Float64Array")] a: crate::input::FloatArg,
                a_cols: u32,
                #[napi(ts_arg_type = "Float32Array | Float64Array")] b: crate::input::FloatArg,
                b_cols: u32,
                #[napi(ts_arg_type = $opts)] options: napi::bindgen_prelude::Object
            ) {
                let params = crate::input::params(env, options)?;
                let data = PairData { a: hold.data(a), a_cols, b: hold.data(b), b_cols };
                Ok(PairJob::<$f> { data, params })
            }
        );
    };
}

/// Information imbalance in both directions (`embgeo_neighborhood::imbalance`).
#[napi(object)]
pub struct ImbalanceOut {
    pub a_to_b: f64,
    pub b_to_a: f64,
    pub rows: u32,
    /// Exact pair keys evaluated for the ranks (2·N²).
    pub key_evaluations: f64,
}

pair_fn!(
    #[doc = " Information imbalance Δ(A→B), Δ(B→A) (`embgeo_neighborhood::imbalance`)."]
    information_imbalance_sync, information_imbalance,
    Imbalance(imbalance::Params, "{ k?: number, metric?: string }") -> ImbalanceOut,
    "Promise<ImbalanceOut>", |a, b, p, ctl| {
        let r = imbalance::compute(a, b, p, ctl)?;
        Ok(ImbalanceOut {
            a_to_b: r.a_to_b,
            b_to_a: r.b_to_a,
            rows: to_u32(r.rows)?,
            key_evaluations: r.key_evaluations as f64,
        })
    }
);

/// Mutual k-NN alignment, CKNNA and per-row Jaccard (`embgeo_neighborhood::mutual`).
#[napi(object)]
pub struct MutualKnnOut {
    pub value: f64,
    /// NaN when undefined (k < 2, N < 4, a non-positive self-term).
    pub cknna: f64,
    pub jaccard: Float64Array,
    pub intersections: Uint32Array,
    pub rows: u32,
}

pair_fn!(
    #[doc = " Mutual k-NN alignment, CKNNA and per-row Jaccard (`embgeo_neighborhood::mutual`)."]
    mutual_knn_sync, mutual_knn,
    MutualKnn(mutual::Params, "{ k?: number, metric?: string }") -> MutualKnnOut,
    "Promise<MutualKnnOut>", |a, b, p, ctl| {
        let r = mutual::compute(a, b, p, ctl)?;
        Ok(MutualKnnOut {
            value: r.value,
            cknna: r.cknna,
            jaccard: r.jaccard.into(),
            intersections: r.intersections.into(),
            rows: to_u32(r.rows)?,
        })
    }
);

/// The separability curve (`embgeo_neighborhood::separability`).
#[napi(object)]
pub struct SeparabilityOut {
    pub probability: Float64Array,
    /// +Infinity where the probability is 0.
    pub dimension: Float64Array,
    pub pairs: f64,
    pub sampled: bool,
    pub rows: u32,
}

matrix_fn!(
    #[doc = " The separability dimension curve n(δ) (`embgeo_neighborhood::separability`)."]
    separability_dimension_sync, separability_dimension,
    SeparabilityDimension(separability::Params,
        "{ deltas?: number[], maxPairs?: number, seed?: number, center?: boolean, normalize?: boolean }")
        -> SeparabilityOut,
    "Promise<SeparabilityOut>", |x, p, ctl| {
        let r = separability::compute(x, p, ctl)?;
        Ok(SeparabilityOut {
            probability: r.probability.into(),
            dimension: r.dimension.into(),
            pairs: r.pairs as f64,
            sampled: r.sampled,
            rows: to_u32(r.rows)?,
        })
    }
);
