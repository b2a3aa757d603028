//! Results to JS: [`ToJs`] converts one value of a numeric crate's result into the type its
//! `#[napi(object)]` field holds, and [`to_js!`] writes a result struct's whole conversion from
//! its field names, so each field is listed once beside its JS declaration.
//!
//! Vectors become typed arrays without a copy (`Float64Array::from(Vec<f64>)` hands the
//! allocation to V8), counts become `u32` (checked) or `f64`.

use embgeo_core::Result;
use embgeo_jobs::FloatVec;
use napi::bindgen_prelude::{Either, Float64Array, Uint32Array};

use crate::input::{to_u32, Rows};

/// A numeric crate's value as a JS result field of type `J`.
pub trait ToJs<J> {
    /// The conversion; fails only for a count above `u32::MAX` (a bug: inputs are smaller) or
    /// options that do not serialise to JSON (a bug).
    fn to_js(self) -> Result<J>;
}

/// `ToJs` as the identity for the types JS fields hold as they are.
macro_rules! same {
    ($($t:ty),*) => {
        $(impl ToJs<$t> for $t {
            fn to_js(self) -> Result<$t> {
                Ok(self)
            }
        })*
    };
}

same!(
    f64,
    u32,
    bool,
    String,
    serde_json::Value,
    Vec<String>,
    Vec<Float64Array>
);

/// Options echoed back in a result: the crate's `Params` (defaults filled in) as JSON.
impl<P: serde::Serialize> ToJs<serde_json::Value> for &P {
    fn to_js(self) -> Result<serde_json::Value> {
        serde_json::to_value(self).map_err(|e| embgeo_core::Error::Internal(format!("options to JSON: {e}")))
    }
}

impl ToJs<u32> for usize {
    fn to_js(self) -> Result<u32> {
        to_u32(self)
    }
}

impl ToJs<f64> for usize {
    fn to_js(self) -> Result<f64> {
        Ok(self as f64)
    }
}

impl ToJs<f64> for u64 {
    fn to_js(self) -> Result<f64> {
        Ok(self as f64)
    }
}

impl ToJs<Float64Array> for Vec<f64> {
    fn to_js(self) -> Result<Float64Array> {
        Ok(self.into())
    }
}

impl ToJs<Float64Array> for Vec<usize> {
    fn to_js(self) -> Result<Float64Array> {
        Ok(self.into_iter().map(|v| v as f64).collect::<Vec<f64>>().into())
    }
}

impl ToJs<Uint32Array> for Vec<u32> {
    fn to_js(self) -> Result<Uint32Array> {
        Ok(self.into())
    }
}

impl ToJs<Rows> for FloatVec {
    fn to_js(self) -> Result<Rows> {
        Ok(match self {
            FloatVec::F32(v) => Either::A(v.into()),
            FloatVec::F64(v) => Either::B(v.into()),
        })
    }
}

impl ToJs<Rows> for embgeo_io::Values {
    fn to_js(self) -> Result<Rows> {
        Ok(match self {
            embgeo_io::Values::F32(v) => Either::A(v.into()),
            embgeo_io::Values::F64(v) => Either::B(v.into()),
        })
    }
}

impl<A: ToJs<B>, B> ToJs<Option<B>> for Option<A> {
    fn to_js(self) -> Result<Option<B>> {
        self.map(ToJs::to_js).transpose()
    }
}

/// `impl ToJs<$out> for $src`, the source bound to `r`: every listed field of `$out` converted
/// from the field of the same name in `r`; an optional `{ name: expr, … }` adds fields computed
/// from `r` (evaluated first, so they may read a field a listed one then moves, or move fields
/// no listed one uses). With `$src, $p: &$params` the impl is for the pair `($src, &$params)`
/// (results that echo their effective options), `$p` in scope.
#[macro_export]
macro_rules! to_js {
    ($src:ty => $out:ident |$r:ident| { $($f:ident),* $(,)? } $({ $($g:ident: $e:expr),* $(,)? })?) => {
        impl $crate::out::ToJs<$out> for $src {
            fn to_js(self) -> embgeo_core::Result<$out> {
                let $r = self;
                $crate::to_js!(@fields $r, $out { $($f),* } $({ $($g: $e),* })?)
            }
        }
    };
    ($src:ty, $p:ident: &$params:ty => $out:ident |$r:ident| { $($f:ident),* $(,)? } $({ $($g:ident: $e:expr),* $(,)? })?) => {
        impl $crate::out::ToJs<$out> for ($src, &$params) {
            fn to_js(self) -> embgeo_core::Result<$out> {
                let ($r, $p) = self;
                $crate::to_js!(@fields $r, $out { $($f),* } $({ $($g: $e),* })?)
            }
        }
    };
    (@fields $r:ident, $out:ident { $($f:ident),* } $({ $($g:ident: $e:expr),* })?) => {
        Ok($out {
            $($($g: $crate::out::ToJs::to_js($e)?,)*)?
            $($f: $crate::out::ToJs::to_js($r.$f)?,)*
        })
    };
}
