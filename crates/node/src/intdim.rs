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

use crate::input::FloatArg;
use crate::out::ToJs;
use crate::task::{build, Js};
use crate::{to_js, twins};

/// One intrinsic-dimension estimate, as the raw binding returns it.
#[napi(object)]
pub struct IdOut {
    /// Estimator name (public spelling, e.g. "twoNN").
    pub method: String,
    /// The estimate, in dimensions.
    pub dimension: f64,
    /// Standard error where the method defines one.
    pub stderr: Option<f64>,
    /// One value per used row (local estimators).
    pub pointwise: Option<Float64Array>,
    /// Rows given.
    pub n_samples: f64,
    /// Rows that entered the estimate.
    pub n_used: f64,
    /// Rows removed as duplicates.
    pub dropped_duplicates: f64,
    /// Rows discarded by the method itself.
    pub discarded: f64,
    /// Every effective parameter (option names).
    pub params: Value,
    /// Names of the diagnostic arrays.
    pub diagnostic_names: Vec<String>,
    /// The diagnostic arrays, in the order of `diagnostic_names`.
    pub diagnostic_values: Vec<Float64Array>,
}

/// One ID-versus-scale curve.
#[napi(object)]
pub struct CurveOut {
    /// "twonn" or "gride".
    pub method: String,
    /// Mean neighbour distance of each scale.
    pub scales: Float64Array,
    /// ID per scale.
    pub dimensions: Float64Array,
    /// Error bar per scale.
    pub stderr: Float64Array,
    /// Subset size (`TwoNN` decimation) or neighbour order n₂ (GRIDE) per scale.
    pub sizes: Float64Array,
}

to_js!(IdEstimate => IdOut |e| {
    method,
    dimension,
    stderr,
    pointwise,
    n_samples,
    n_used,
    dropped_duplicates,
    discarded,
    params,
} {
    diagnostic_names: e.diagnostics.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
    diagnostic_values: e.diagnostics.into_iter().map(|(_, v)| v.into()).collect::<Vec<_>>(),
});

to_js!(Curve => CurveOut |c| { method, scales, dimensions, stderr, sizes });

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
        Ok(Js::new(IdJob { data: hold.data(data), cols, name, options, neighbors }))
    }
);

/// The registry's description of every estimator and option (`registry::schema()`), from
/// which `src/generated/intdim-options.ts` is generated.
#[napi]
#[must_use]
pub fn intdim_schema() -> Value {
    registry::schema()
}

/// A generated benchmark manifold.
#[napi(object)]
pub struct ManifoldOut {
    /// Row-major `rows × cols` values.
    pub data: Float64Array,
    /// Points.
    pub rows: u32,
    /// Ambient dimension.
    pub cols: u32,
    /// True intrinsic dimension.
    pub intrinsic_dimension: u32,
}

/// One of scikit-dimension's 24 benchmark manifolds (`ChaCha8` stream seeded with `seed`).
#[napi]
#[allow(clippy::needless_pass_by_value)] // napi hands JS strings over as owned `String`s
pub fn intdim_benchmark_manifold(
    env: Env,
    name: String,
    n: u32,
    noise: f64,
    seed: f64,
) -> napi::Result<ManifoldOut> {
    build(env, || {
        embgeo_intdim::datasets::manifold(&name, n as usize, noise, seed as u64)?.to_js()
    })
}

to_js!(Manifold => ManifoldOut |m| { data, rows, cols } { intrinsic_dimension: m.intrinsic_dim });

/// `[name, intrinsic dimension, ambient dimension]` of every benchmark manifold.
#[napi]
#[must_use]
pub fn intdim_manifolds() -> Vec<(String, u32, u32)> {
    embgeo_intdim::datasets::MANIFOLDS
        .iter()
        .map(|&(n, d, big_d)| (n.to_string(), d as u32, big_d as u32))
        .collect()
}
