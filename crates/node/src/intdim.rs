//! Glue for `embgeo_intdim`: one generic entry for every intrinsic-dimension estimator, local
//! ID and ID-vs-scale curve (`intdimRun[Sync](data, cols, name, options, neighbors?)`, the
//! options object deserialised by serde in the crate's registry), the registry's schema, and
//! the benchmark manifolds. No option tables, no policy: the registry owns them.

use embgeo_core::{Neighbors, Result};
use embgeo_intdim::datasets::Manifold;
use embgeo_intdim::registry::{self, Output};
use embgeo_intdim::scaling::Curve;
use embgeo_intdim::IdEstimate;
use embgeo_jobs::intdim::IdJob;
use napi::bindgen_prelude::{Either, Float64Array, Uint32Array};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

use crate::error::OrThrow;
use crate::input::{float_data, FloatArg};
use crate::out::ToJs;
use crate::task::Js;
use crate::{js_object, twins};

js_object!(
    #[doc = " One intrinsic-dimension estimate, as the raw binding returns it."]
    IdOut from IdEstimate => |e| {
        #[doc = " Estimator name (public spelling, e.g. \"twoNN\")."]
        method: String,
        #[doc = " The estimate, in dimensions."]
        dimension: f64,
        #[doc = " Standard error where the method defines one."]
        stderr: Option<f64>,
        #[doc = " One value per used row (local estimators)."]
        pointwise: Option<Float64Array>,
        #[doc = " Rows given."]
        n_samples: f64,
        #[doc = " Rows that entered the estimate."]
        n_used: f64,
        #[doc = " Rows removed as duplicates."]
        dropped_duplicates: f64,
        #[doc = " Rows discarded by the method itself."]
        discarded: f64,
        #[doc = " Every effective parameter (option names)."]
        params: Value,
        #[doc = " Names of the diagnostic arrays."]
        diagnostic_names: Vec<String> = e.diagnostics.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
        #[doc = " The diagnostic arrays, in the order of `diagnostic_names`."]
        diagnostic_values: Vec<Float64Array> = e.diagnostics.into_iter().map(|(_, v)| v.into()).collect::<Vec<_>>(),
    }
);

js_object!(
    #[doc = " One ID-versus-scale curve."]
    CurveOut from Curve => |c| {
        #[doc = " \"twonn\" or \"gride\"."]
        method: String,
        #[doc = " Mean neighbour distance of each scale."]
        scales: Float64Array,
        #[doc = " ID per scale."]
        dimensions: Float64Array,
        #[doc = " Error bar per scale."]
        stderr: Float64Array,
        #[doc = " Subset size (`TwoNN` decimation) or neighbour order n₂ (GRIDE) per scale."]
        sizes: Float64Array,
    }
);

/// Neighbours passed in from an earlier `knn` (distances widened to f64 by TypeScript).
#[napi(object)]
pub struct NeighborsArg {
    /// Neighbours per row.
    pub k: u32,
    /// Rows.
    pub rows: u32,
    /// `rows * k` row indices.
    pub indices: Uint32Array,
    /// `rows * k` distances.
    pub distances: Float64Array,
}

impl ToJs<Either<IdOut, CurveOut>> for Output {
    fn to_js(self) -> Result<Either<IdOut, CurveOut>> {
        Ok(match self {
            Output::Estimate(e) => Either::A(e.to_js()?),
            Output::Curve(c) => Either::B(c.to_js()?),
        })
    }
}

twins!(
    #[doc = " Run the registry's estimator `name` (e.g. \"twoNN\", \"localId\", \"idScaling:gride\");"]
    #[doc = " `options` is the options object as JavaScript validated it (plus `metric`)."]
    intdim_run_sync, intdim_run -> Either<IdOut, CurveOut>, "Promise<IdOut | CurveOut>",
    Js<IdJob<'static>, Either<IdOut, CurveOut>>;
    |env, hold| (
        #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
        cols: u32,
        name: String,
        #[napi(ts_arg_type = "Record<string, unknown>")] options: Value,
        neighbors: Option<NeighborsArg>
    ) {
        let neighbors = neighbors
            .map(|nb| Neighbors::new(nb.k as usize, nb.rows as usize, nb.indices.to_vec(), nb.distances.to_vec()))
            .transpose()?;
        Ok(Js::new(IdJob { data: hold.keep(float_data(data)), cols, name, options, neighbors }))
    }
);

/// The registry's description of every estimator and option (`registry::schema()`), from
/// which `src/generated/intdim-options.ts` is generated.
#[napi]
#[must_use]
pub fn intdim_schema() -> Value {
    registry::schema()
}

js_object!(
    #[doc = " A generated benchmark manifold."]
    ManifoldOut from Manifold => |m| {
        #[doc = " Row-major `rows × cols` values."]
        data: Float64Array,
        #[doc = " Points."]
        rows: u32,
        #[doc = " Ambient dimension."]
        cols: u32,
        #[doc = " True intrinsic dimension."]
        intrinsic_dimension: u32 = m.intrinsic_dim,
    }
);

/// One of scikit-dimension's 24 benchmark manifolds (`ChaCha8` stream seeded with `seed`).
#[napi]
pub fn intdim_benchmark_manifold(
    env: Env,
    name: String,
    n: u32,
    noise: f64,
    seed: f64,
) -> napi::Result<ManifoldOut> {
    let m = embgeo_intdim::datasets::manifold(&name, n as usize, noise, seed as u64);
    m.and_then(ToJs::to_js).or_throw(env)
}

/// `[name, intrinsic dimension, ambient dimension]` of every benchmark manifold.
#[napi]
#[must_use]
pub fn intdim_manifolds() -> Vec<(String, u32, u32)> {
    embgeo_intdim::datasets::MANIFOLDS
        .iter()
        .map(|&(n, d, big_d)| (n.to_string(), d as u32, big_d as u32))
        .collect()
}
