//! Inputs: typed arrays borrowed (sync, zero-copy) or copied once (async; in place on request) into `embgeo_jobs`'
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

/// How an async twin (and a WebAssembly sync twin) keeps its JS arrays: copied once on the JS
/// thread ([`IntoStatic::into_static`]), or read in place when the caller passed `copy: false`
/// ([`Copied::IN_PLACE`], native builds only).
#[derive(Clone, Copy)]
pub struct Copied {
    in_place: bool,
}

#[allow(clippy::unused_self)] // methods, so that `twins!` picks the mode by value
#[cfg_attr(target_family = "wasm", allow(dead_code))]
impl Borrowed {
    /// `v` as it is (zero-copy).
    pub fn keep<V>(self, v: V) -> V {
        v
    }
}

impl Copied {
    /// Copy every array (the default).
    pub const COPY: Self = Self { in_place: false };

    /// Read the arrays where they are (`copy: false`). Only for a job run by
    /// [`crate::task::async_twin`] under the contract of `RunOptions.copy` (`src/run.ts`): the JS
    /// caller keeps each array reachable, unwritten, untransferred and unresized until the
    /// task's promise settles, and the task holds the job only until its computation ends.
    #[cfg(not(target_family = "wasm"))]
    pub const IN_PLACE: Self = Self { in_place: true };

    /// `v` owned (one O(len) copy of each borrowed array), or in place (O(1)) under
    /// [`Copied::IN_PLACE`].
    pub fn keep<V: IntoStatic>(self, v: V) -> V::Static {
        if self.in_place {
            // SAFETY: `in_place` is only set by `IN_PLACE`, which `async_twin` passes only for a
            // control created with `inPlace: true`; `runAsync` (src/run.ts) creates one only
            // under `copy: false`, whose documented contract is that the caller neither writes,
            // transfers nor resizes the arrays until the promise settles, and it keeps them
            // reachable itself until then (so V8 does not free their backing stores; V8 never
            // moves an ArrayBuffer's backing store, and napi materialises on-heap typed arrays
            // off the heap when it hands out their data). `JobTask` gives up its share of the job
            // when `compute` returns, and `execute_shared` returns only after the job ran and its
            // last share was dropped, so no borrowed slice outlives the promise.
            unsafe { v.assume_static() }
        } else {
            v.into_static()
        }
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
