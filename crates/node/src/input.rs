//! Typed-array inputs: borrowed (sync, zero-copy) or copied once (async).

use embgeo_core::{MatRef, Result};
use napi::bindgen_prelude::Either;

/// A `Float32Array | Float64Array` argument as the raw binding receives it.
pub type FloatArg<'a> = Either<&'a [f32], &'a [f64]>;

/// Matrix data that is either borrowed from JS (sync calls) or owned (async calls copy once on
/// the JS thread, so JS may mutate, transfer or resize its buffer while the job runs).
pub enum Data<'a> {
    /// Borrowed `f32` values.
    F32(std::borrow::Cow<'a, [f32]>),
    /// Borrowed `f64` values.
    F64(std::borrow::Cow<'a, [f64]>),
}

impl<'a> Data<'a> {
    /// Borrow a JS typed array without copying.
    pub fn borrowed(arg: FloatArg<'a>) -> Self {
        match arg {
            Either::A(s) => Data::F32(s.into()),
            Either::B(s) => Data::F64(s.into()),
        }
    }

    /// Copy a JS typed array (one `memcpy`) so the job owns its input.
    pub fn copied(arg: FloatArg<'_>) -> Data<'static> {
        match arg {
            Either::A(s) => Data::F32(s.to_vec().into()),
            Either::B(s) => Data::F64(s.to_vec().into()),
        }
    }
}

/// Apply a generic function to the data viewed as `rows × cols` of its element type.
pub fn with_matrix<R>(
    data: &Data<'_>,
    cols: u32,
    f: impl FnOnce(Either<MatRef<'_, f32>, MatRef<'_, f64>>) -> Result<R>,
) -> Result<R> {
    let cols = cols as usize;
    match data {
        Data::F32(d) => f(Either::A(MatRef::from_flat(d, cols)?)),
        Data::F64(d) => f(Either::B(MatRef::from_flat(d, cols)?)),
    }
}
