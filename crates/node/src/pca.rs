//! Glue for `embgeo_pca`: `PCA` and `Whitener` (one generic model class, [`model_class!`], with
//! partial fits and merges) and `allButTheTop`.

use std::sync::Arc;

use embgeo_core::Result;
use embgeo_jobs::fit::{dispose, merge, partial_fit, ModelJob};
use embgeo_jobs::{FloatVec, Model};
use embgeo_pca::model::FitModel;
use embgeo_pca::pca::Fitted;
use embgeo_pca::whiten::WhitenState;
use embgeo_pca::{all_but_the_top, Pca, Solver, Whitener};
use napi::bindgen_prelude::Float64Array;
use napi::Env;
use napi_derive::napi;

use crate::error::OrThrow;
use crate::input::{float_data, Rows};
use crate::out::ToJs;
use crate::task::{report, shared, Js};
use crate::{js_object, method_twins, numeric_fn};

js_object!(
    #[doc = " The learned state of a PCA (scikit-learn's trailing-underscore attributes)."]
    PcaState from Fitted => |f| {
        solver: String = f.solver,
        n_components: u32,
        #[doc = " `k × d` principal axes, row-major."]
        components: Float64Array,
        explained_variance: Float64Array, explained_variance_ratio: Float64Array, singular_values: Float64Array,
        mean: Float64Array, noise_variance: f64, n_features_in: u32, n_samples_seen: f64,
    }
);

impl ToJs<String> for Solver {
    /// The option's spelling (`'auto'`, `'covariance'`, `'svd'`, `'randomized'`).
    fn to_js(self) -> Result<String> {
        match (&self).to_js()? {
            serde_json::Value::String(s) => Ok(s),
            other => Err(embgeo_core::Error::Internal(format!("solver as JSON: {other}"))),
        }
    }
}

js_object!(
    #[doc = " The learned state of a Whitener."]
    WhitenerState from WhitenState => |s| {
        #[doc = " Output width (columns of `matrix`)."]
        out_dim: u32 = s.out_dim(),
        mean: Float64Array,
        #[doc = " Kept eigenvalues (without ε), decreasing."]
        eigenvalues: Float64Array,
        #[doc = " `d × out` whitening matrix, row-major (`Y = (X − μ) W`)."]
        matrix: Float64Array,
        n_features: u32, n_samples_seen: f64, weighted: bool,
    }
);

/// The napi class of a [`FitModel`]: constructor from an options object, jobs in both
/// twins, memory reporting, dispose, state (`$state` converted from what `$get` returns for a
/// fitted model) and both file forms.
macro_rules! model_class {
    ($class:ident, $model:ident, $state:ident = $get:path, $opts:literal) => {
        /// The raw binding of a model class.
        #[napi(custom_finalize)]
        pub struct $class {
            model: Arc<Model<$model>>,
        }

        impl $class {
            fn wrap(env: Env, m: Result<$model>) -> napi::Result<Self> {
                Ok(Self { model: shared(env, m.map(|m| Model::new(m, <$model as FitModel>::BUSY)))? })
            }
        }

        $crate::finalize_model!($class);

        #[napi]
        impl $class {
            /// An unfitted model.
            #[napi(constructor)]
            pub fn new(env: Env, #[napi(ts_arg_type = $opts)] options: napi::bindgen_prelude::Object) -> napi::Result<Self> {
                Self::wrap(env, crate::input::params(env, options).and_then(<$model as FitModel>::create))
            }

            /// Report the native memory held now to V8 (after async fits).
            #[napi]
            pub fn sync_memory(&self, env: Env) -> napi::Result<()> {
                report(env, &self.model)
            }

            /// Native bytes held (as last reported to V8).
            #[napi(getter)]
            pub fn memory(&self) -> f64 {
                self.model.reported() as f64
            }

            /// Free the fitted state now (options kept); `ERR_BUSY` while a job is pending.
            #[napi]
            pub fn dispose(&self, env: Env) -> napi::Result<()> {
                dispose(&self.model).or_throw(env)?;
                report(env, &self.model)
            }

        }

        method_twins!(
            #[doc = " Run `op` (`weights`, one per row, only for whitener fits); memory is reported after sync runs."]
            $class: run_sync, run -> Option<Rows> as "Float32Array | Float64Array | null", "Promise<Float32Array | Float64Array | null>",
            Js<ModelJob<'static, $model>, Option<Rows>>;
            |self, env, hold| (
                #[napi(ts_arg_type = "'fit' | 'fitTransform' | 'transform' | 'inverseTransform'")] op: napi::JsString,
                #[napi(ts_arg_type = "Float32Array | Float64Array")] data: crate::input::FloatArg,
                cols: u32,
                weights: Option<&[f64]>
            ) {
                let op = crate::input::params(env, op)?;
                ModelJob::new(&self.model, op, hold.keep(float_data(data)), cols, weights).map(Js::new)
            } then {
                report(env, &self.model)?;
            }
        );

        #[napi]
        impl $class {
            /// The learned state, or `null` before a fit; after partial fits or merges, computed
            /// here from the moments on the first read (one eigendecomposition), and a failure
            /// to compute it is thrown.
            #[napi]
            pub fn state(&self, env: Env) -> napi::Result<Option<$state>> {
                let model = self.model.read();
                let state = match $get(&*model) {
                    Err(embgeo_core::Error::NotFitted(_)) => None,
                    got => Some(got.or_throw(env)?.clone()),
                };
                state.to_js().or_throw(env)
            }

            /// The JSON form (`toJSON`).
            #[napi]
            pub fn to_json(&self, env: Env) -> napi::Result<String> {
                FitModel::to_json(&*self.model.read()).or_throw(env)
            }

            /// Load the JSON form.
            #[napi(factory)]
            pub fn from_json(env: Env, json: String) -> napi::Result<Self> {
                Self::wrap(env, <$model as FitModel>::from_json(&json))
            }

            /// The safetensors form (`serialize`).
            #[napi]
            pub fn serialize(&self, env: Env) -> napi::Result<napi::bindgen_prelude::Uint8Array> {
                FitModel::to_bytes(&*self.model.read()).map(Into::into).or_throw(env)
            }

            /// Load the safetensors form.
            #[napi(factory)]
            pub fn deserialize(env: Env, bytes: &[u8]) -> napi::Result<Self> {
                Self::wrap(env, <$model as FitModel>::from_bytes(bytes))
            }

            /// Accumulate the exact moments of more rows (`weights`, one per row, whiteners only)
            /// and refit from them (no data kept).
            #[napi]
            pub fn partial_fit(
                &self,
                env: Env,
                #[napi(ts_arg_type = "Float32Array | Float64Array")] data: crate::input::FloatArg,
                cols: u32,
                weights: Option<&[f64]>,
            ) -> napi::Result<()> {
                partial_fit(&self.model, &float_data(data), cols, weights).or_throw(env)?;
                report(env, &self.model)
            }

            /// Combine the moments of another model's fits into this one.
            #[napi]
            pub fn merge(&self, env: Env, other: &$class) -> napi::Result<()> {
                merge(&self.model, &other.model).or_throw(env)?;
                report(env, &self.model)
            }
        }

    };
}

model_class!(
    NativePca,
    Pca,
    PcaState = Pca::fitted,
    "{ nComponents?: { count: number } | { varianceRatio: number } | 'all'; center?: boolean; whiten?: boolean; solver?: string; seed?: number }"
);
model_class!(
    NativeWhitener,
    Whitener,
    WhitenerState = Whitener::state,
    "{ method?: string; nComponents?: number; epsilon?: number; center?: boolean; normalize?: boolean }"
);

/// All-but-the-top output: the post-processed rows, the mean and the removed directions.
#[napi(object)]
pub struct AbttOut {
    /// `n × d` rows in the input's element type.
    #[napi(ts_type = "Float32Array | Float64Array")]
    pub data: Rows,
    pub mean: Float64Array,
    /// `remove × d` removed directions, row-major.
    pub directions: Float64Array,
}

numeric_fn!(matrix
    #[doc = " All-but-the-top post-processing (`embgeo_pca::all_but_the_top`)."]
    all_but_the_top_sync, all_but_the_top, AllButTheTop(all_but_the_top::Params, "{ remove: number }") -> AbttOut,
    "Promise<AbttOut>", |x, p, ctl| {
        let o = all_but_the_top::apply(x, p, ctl)?;
        Ok(AbttOut { data: FloatVec::of(o.data).to_js()?, mean: o.mean.into(), directions: o.directions.into() })
    }
);
