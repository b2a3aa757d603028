//! Core errors → JavaScript errors carrying the public `code`.

use embgeo_core::Error as CoreError;
use napi::{Env, JsError, JsRangeError, JsTypeError};

/// A status that is the public error code string (`ERR_SHAPE`, `ABORT_ERR`, …).
#[derive(Debug, Clone, Copy)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// Build the JS error for `e` (a `RangeError` for input errors, a `TypeError` for unknown
/// string values, an `Error` otherwise) with
/// `error.code = e.code()`, and wrap it so napi throws (or rejects with) exactly that object.
pub fn to_napi(env: Env, e: &CoreError) -> napi::Error {
    let inner = napi::Error::new(Code(e.code()), e.to_string());
    let value = if e.is_range_error() {
        JsRangeError::from(inner).into_unknown(env)
    } else if e.is_type_error() {
        JsTypeError::from(inner).into_unknown(env)
    } else {
        JsError::from(inner).into_unknown(env)
    };
    napi::Error::from(value)
}
