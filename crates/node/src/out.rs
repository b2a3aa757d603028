//! Results to JS: [`ToJs`] converts one value of a numeric crate's result into the type its
//! `#[napi(object)]` field holds, and [`js_object!`] declares a result struct and its whole
//! conversion from one field list, so each field is written once.
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

/// `ToJs` impls, each `from => to: |v| conversion of v`.
macro_rules! to_js {
    ($($from:ty => $to:ty: |$v:ident| $e:expr;)*) => {
        $(impl ToJs<$to> for $from {
            fn to_js(self) -> Result<$to> {
                let $v = self;
                $e
            }
        })*
    };
}

/// The identity, for the types JS fields hold as they are.
macro_rules! same {
    ($($t:ty),*) => {
        to_js! { $($t => $t: |v| Ok(v);)* }
    };
}

same!(
    f64,
    u32,
    bool,
    String,
    serde_json::Value,
    Vec<f64>,
    Vec<u32>,
    Vec<String>,
    Vec<Float64Array>
);

to_js! {
    &'static str => String: |s| Ok(s.to_string());
    usize => u32: |n| to_u32(n);
    usize => f64: |n| Ok(n as f64);
    u64 => f64: |n| Ok(n as f64);
    Vec<f64> => Float64Array: |v| Ok(v.into());
    Vec<usize> => Float64Array: |v| Ok(v.into_iter().map(|v| v as f64).collect::<Vec<f64>>().into());
    Vec<u32> => Uint32Array: |v| Ok(v.into());
    embgeo_io::Values => Rows: |v| FloatVec::from(v).to_js();
}

/// Options echoed back in a result: the crate's `Params` (defaults filled in) as JSON.
impl<P: serde::Serialize> ToJs<serde_json::Value> for &P {
    fn to_js(self) -> Result<serde_json::Value> {
        serde_json::to_value(self).map_err(|e| embgeo_core::Error::Internal(format!("options to JSON: {e}")))
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

impl<A: ToJs<B>, B> ToJs<Option<B>> for Option<A> {
    fn to_js(self) -> Result<Option<B>> {
        self.map(ToJs::to_js).transpose()
    }
}

/// One result type, declared once: the `#[napi(object)]` struct `$out` (its field list is the
/// TypeScript declaration napi generates) and `impl ToJs<$out> for $src`, each field converted
/// from the field of the same name of the source (bound to `$r`) or, for `field: T = expr`, from
/// `expr`. Fields are converted in the order listed, so an expression may read a field that a
/// later one moves. With `$src, $p: &$params` the impl is for `($src, &$params)` (results that
/// echo their effective options), `$p` in scope. Docs are written `#[doc = " ..."]`: napi would
/// copy a forwarded `///` (a raw string) with its `r"` into the d.ts.
#[macro_export]
macro_rules! js_object {
    ($(#[doc = $doc:literal])* $out:ident from $src:ty $(, $p:ident: &$params:ty)? => |$r:ident| {
        $($(#[$m:meta])* $f:ident: $t:ty $(= $e:expr)?),* $(,)?
    }) => {
        $(#[doc = $doc])*
        #[napi_derive::napi(object)]
        pub struct $out {
            $($(#[$m])* pub $f: $t,)*
        }

        impl $crate::out::ToJs<$out> for $crate::js_object!(@src $src $(, $params)?) {
            fn to_js(self) -> embgeo_core::Result<$out> {
                let $crate::js_object!(@pat $r $(, $p)?) = self;
                Ok($out { $($f: $crate::out::ToJs::to_js($crate::js_object!(@val $r.$f $(= $e)?))?,)* })
            }
        }
    };
    (@src $src:ty) => { $src };
    (@src $src:ty, $params:ty) => { ($src, &$params) };
    (@pat $r:ident) => { $r };
    (@pat $r:ident, $p:ident) => { ($r, $p) };
    (@val $r:ident.$f:ident) => { $r.$f };
    (@val $r:ident.$f:ident = $e:expr) => { $e };
}
