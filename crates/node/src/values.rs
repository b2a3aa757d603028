//! Matrices of every element type the exact kNN takes: `Float32Array`, `Float64Array`,
//! `Uint16Array` holding bf16 or f16 bits (the dtype named beside it) and `Int8Array`;
//! borrowed by sync calls, copied once by async ones. Other functions get the narrow types
//! widened to f32 ([`cast_floats`]).

use embgeo_core::{Error as CoreError, Result};
use embgeo_jobs::AnyData;
use napi::bindgen_prelude::Either4;
use napi::Env;
use napi_derive::napi;

use crate::error::OrThrow;
use crate::input::Rows;
use crate::out::ToJs;

/// A typed-array argument of any element type the kNN takes, as the raw binding receives it.
pub type AnyArg<'a> = Either4<&'a [f32], &'a [f64], &'a [u16], &'a [i8]>;

/// `arg` borrowed; `dtype` names what a `Uint16Array` holds (`'bf16'` or `'f16'`; the TS layer
/// validated it): `InvalidValue` for a `Uint16Array` without either.
pub fn any_data<'a>(arg: AnyArg<'a>, dtype: Option<&str>) -> Result<AnyData<'a>> {
    Ok(match arg {
        Either4::A(v) => AnyData::F32(v.into()),
        Either4::B(v) => AnyData::F64(v.into()),
        Either4::C(v) => match dtype {
            Some("bf16") => AnyData::Bf16(v.into()),
            Some("f16") => AnyData::F16(v.into()),
            other => {
                return Err(CoreError::InvalidValue {
                    name: "dtype",
                    expected: "'bf16' or 'f16' for Uint16Array data".into(),
                    actual: other.unwrap_or("undefined").into(),
                })
            }
        },
        Either4::D(v) => AnyData::I8(v.into()),
    })
}

/// Convert matrix data of any element type (`dtype` names what a `Uint16Array` holds) to f32 or
/// f64 (`to`: `'f32'` | `'f64'`): widening is exact; f64 to f32 rounds to nearest, as a
/// `Float32Array` store does. O(n) on the calling thread; the TS layer's one element-type cast
/// (low-precision matrices for functions that take floats, queries in the corpus's type).
#[napi(ts_return_type = "Float32Array | Float64Array")]
pub fn cast_floats(
    env: Env,
    #[napi(ts_arg_type = "Float32Array | Float64Array | Uint16Array | Int8Array")] data: AnyArg,
    dtype: Option<String>,
    #[napi(ts_arg_type = "'f32' | 'f64'")] to: String,
) -> napi::Result<Rows> {
    let floats = any_data(data, dtype.as_deref()).map(|v| v.to_floats(to == "f64"));
    floats.and_then(ToJs::to_js).or_throw(env)
}
