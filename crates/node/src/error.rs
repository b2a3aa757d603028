//! Core errors → JavaScript errors carrying the public `code`.

use embgeo_core::{Error as CoreError, Result};
use napi::Env;
#[cfg(not(target_family = "wasm"))]
use napi::{JsError, JsRangeError, JsTypeError};

/// Build the JS error for `e` (a `RangeError` for input errors, a `TypeError` for unknown
/// string values, an `Error` otherwise) with `error.code = e.code()`, and wrap it so napi throws
/// (or rejects with) exactly that object.
#[cfg(not(target_family = "wasm"))]
pub fn to_napi(env: Env, e: &CoreError) -> napi::Error {
    let inner = napi::Error::new(e.code(), e.to_string());
    let value = if e.is_range_error() {
        JsRangeError::from(inner).into_unknown(env)
    } else if e.is_type_error() {
        JsTypeError::from(inner).into_unknown(env)
    } else {
        JsError::from(inner).into_unknown(env)
    };
    napi::Error::from(value)
}

/// The WebAssembly form of [`to_napi`]: napi-rs keeps no reference to a JS error value on wasm
/// (its `From<Unknown>` keeps the message only), so the code travels at the head of the message,
/// `"[ERR_SHAPE] …"`, and the TypeScript layer (`fromNative` in src/errors.ts) turns it back into
/// the same error class and `code` as the native addon throws.
#[cfg(target_family = "wasm")]
pub fn to_napi(_env: Env, e: &CoreError) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, format!("[{}] {e}", e.code()))
}

/// A numeric crate's `Result` as napi's, its error built by [`to_napi`] (on the JS thread).
pub trait OrThrow<T> {
    /// The conversion.
    fn or_throw(self, env: Env) -> napi::Result<T>;
}

impl<T> OrThrow<T> for Result<T> {
    fn or_throw(self, env: Env) -> napi::Result<T> {
        self.map_err(|e| to_napi(env, &e))
    }
}
