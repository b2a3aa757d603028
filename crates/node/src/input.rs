//! Inputs and outputs: typed arrays borrowed (sync, zero-copy) or copied once (async), the one
//! way options cross the boundary (a JS object deserialised by serde into a crate's `Params`),
//! and typed-array outputs.

use std::borrow::Cow;

use embgeo_core::{Element, Error as CoreError, MatRef, Result};
use napi::bindgen_prelude::{Either, Float32Array, Float64Array, Object};
use napi::Env;
use serde::de::DeserializeOwned;

/// A `Float32Array | Float64Array` argument as the raw binding receives it.
pub type FloatArg<'a> = Either<&'a [f32], &'a [f64]>;

/// Rows returned in the input's element type.
pub type Rows = Either<Float32Array, Float64Array>;

/// Matrix data borrowed from JS (sync calls) or owned (async calls copy once on the JS thread,
/// so JS may mutate, transfer or resize its buffer while the job runs).
pub enum Data<'a> {
    /// `f32` values.
    F32(Cow<'a, [f32]>),
    /// `f64` values.
    F64(Cow<'a, [f64]>),
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

/// How a synchronous call keeps its JS arrays: borrowed in place.
#[derive(Clone, Copy)]
pub struct Borrowed;

/// How an asynchronous call keeps its JS arrays: copied once on the JS thread.
#[derive(Clone, Copy)]
pub struct Copied;

#[allow(clippy::unused_self)] // methods, so that `twins!` picks the mode by value
impl Borrowed {
    /// The matrix, borrowed.
    pub fn data(self, arg: FloatArg<'_>) -> Data<'_> {
        Data::borrowed(arg)
    }

    /// A slice, borrowed.
    pub fn slice<T: Clone>(self, s: &[T]) -> Cow<'_, [T]> {
        Cow::Borrowed(s)
    }
}

#[allow(clippy::unused_self)] // methods, so that `twins!` picks the mode by value
impl Copied {
    /// The matrix, copied.
    pub fn data(self, arg: FloatArg<'_>) -> Data<'static> {
        Data::copied(arg)
    }

    /// A slice, copied.
    pub fn slice<T: Clone>(self, s: &[T]) -> Cow<'static, [T]> {
        Cow::Owned(s.to_vec())
    }
}

/// A function generic over the element type, applied to a matrix of either type.
pub trait OnMatrix {
    /// What it returns.
    type Output;
    /// Run on `x`.
    fn call<T: Element>(self, x: MatRef<'_, T>) -> Result<Self::Output>;
}

/// Apply `f` to the data viewed as `rows × cols` of its element type.
pub fn on_matrix<F: OnMatrix>(data: &Data<'_>, cols: u32, f: F) -> Result<F::Output> {
    match data {
        Data::F32(d) => f.call(MatRef::from_flat(d, cols as usize)?),
        Data::F64(d) => f.call(MatRef::from_flat(d, cols as usize)?),
    }
}

/// Apply a closure to the data viewed as a matrix of its element type (either variant).
pub fn with_matrix<R>(
    data: &Data<'_>,
    cols: u32,
    f: impl FnOnce(Either<MatRef<'_, f32>, MatRef<'_, f64>>) -> Result<R>,
) -> Result<R> {
    match data {
        Data::F32(d) => f(Either::A(MatRef::from_flat(d, cols as usize)?)),
        Data::F64(d) => f(Either::B(MatRef::from_flat(d, cols as usize)?)),
    }
}

/// Hand rows of a statically known element type to JS without copying.
pub fn rows_out<T: Element>(v: Vec<T>) -> Rows {
    let any: Box<dyn std::any::Any> = Box::new(v);
    match any.downcast::<Vec<f32>>() {
        Ok(v) => Either::A((*v).into()),
        Err(any) => Either::B(
            any.downcast::<Vec<f64>>()
                .map_or_else(|_| Vec::new(), |v| *v)
                .into(),
        ),
    }
}

/// A count as `u32` (counts above it are a bug: inputs are limited to 2^32 rows).
pub fn to_u32(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| CoreError::Internal(format!("count {n} exceeds u32")))
}

/// Deserialise a JS options object into `P` (camelCase, unknown names rejected, defaults for
/// missing ones). TypeScript validated it already; a failure here is an unknown string value
/// (`ERR_INVALID_ARG_VALUE`) or, for anything else, `ERR_OUT_OF_RANGE`.
pub fn params<P: DeserializeOwned>(env: Env, options: Object<'_>) -> Result<P> {
    env.from_js_value::<P, _>(options).map_err(|e| {
        // serde's message: "unknown variant `x`, expected one of `a`, `b`".
        match e.reason.strip_prefix("unknown variant `") {
            Some(rest) => {
                let (actual, expected) = rest.split_once("`, expected ").unwrap_or((rest, "a known value"));
                CoreError::InvalidValue {
                    name: "option",
                    expected: expected.replace('`', "'"),
                    actual: actual.to_string(),
                }
            }
            None => CoreError::OutOfRange {
                name: "options",
                expected: "valid options".into(),
                actual: e.reason.clone(),
            },
        }
    })
}
