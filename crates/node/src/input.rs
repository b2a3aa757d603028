//! Inputs: typed arrays borrowed (sync, zero-copy) or copied once (async) into `embgeo_jobs`'
//! [`Data`], and the one way options cross the boundary (a JS object deserialised by serde into
//! a crate's `Params`).

use embgeo_core::{Error as CoreError, Result};
use embgeo_jobs::{options_error, Data, IntoStatic};
use napi::bindgen_prelude::{Either, Float32Array, Float64Array};
use napi::{Env, JsValue};
use serde::de::DeserializeOwned;

/// A `Float32Array | Float64Array` argument as the raw binding receives it.
pub type FloatArg<'a> = Either<&'a [f32], &'a [f64]>;

/// Rows returned in the input's element type.
pub type Rows = Either<Float32Array, Float64Array>;

/// A JS float typed array as matrix data, borrowed without copying.
pub fn float_data(arg: FloatArg<'_>) -> Data<'_> {
    match arg {
        Either::A(s) => Data::F32(s.into()),
        Either::B(s) => Data::F64(s.into()),
    }
}

/// How a sync twin keeps its JS arrays: borrowed in place (native only: the WebAssembly sync
/// twins copy, `crate::task::sync_twin_shared`).
#[derive(Clone, Copy)]
#[cfg_attr(target_family = "wasm", allow(dead_code))]
pub struct Borrowed;

/// How an async twin keeps its JS arrays: copied once on the JS thread ([`IntoStatic`]).
#[derive(Clone, Copy)]
pub struct Copied;

#[allow(clippy::unused_self)] // methods, so that `twins!` picks the mode by value
#[cfg_attr(target_family = "wasm", allow(dead_code))]
impl Borrowed {
    /// `v` as it is (zero-copy).
    pub fn keep<V>(self, v: V) -> V {
        v
    }
}

#[allow(clippy::unused_self)] // methods, so that `twins!` picks the mode by value
impl Copied {
    /// `v` owned: one O(len) copy of each borrowed array.
    pub fn keep<V: IntoStatic>(self, v: V) -> V::Static {
        v.into_static()
    }
}

/// A count as `u32` (counts above it are a bug: inputs are limited to 2^32 rows).
pub fn to_u32(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| CoreError::Internal(format!("count {n} exceeds u32")))
}

/// Deserialise a JS options object (or a string naming an enum value) into `P` (camelCase,
/// unknown names rejected, defaults for missing ones). TypeScript validated it already; a failure here is an unknown string value
/// (`ERR_INVALID_ARG_VALUE`) or, for anything else, `ERR_OUT_OF_RANGE`.
pub fn params<'v, P: DeserializeOwned>(env: Env, options: impl JsValue<'v>) -> Result<P> {
    env.from_js_value::<P, _>(options)
        .map_err(|e| options_error(&e.reason))
}
