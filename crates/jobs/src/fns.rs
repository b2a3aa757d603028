//! The three shapes of numeric function a binding exposes as sync/async twins, each with the
//! job that runs it on data of either element type: a function of one matrix ([`MatrixFn`]),
//! of two matrices describing the same items ([`PairFn`]; widths and element types may differ)
//! and of a corpus with optional queries of its element type ([`CorpusFn`]).

use embgeo_core::{Ctl, Element, Error, MatRef, Pair, Result};
use serde::de::DeserializeOwned;

use crate::data::{on_matrix, Data, OnMatrix};
use crate::job::Job;

/// The error for a host's options object that failed to deserialise with serde's message
/// `reason`: an unknown string value ("unknown variant `x`, expected one of `a`, `b`") is
/// `InvalidValue` (`ERR_INVALID_ARG_VALUE`), anything else `OutOfRange`. The host validated the
/// object already, so either means a bug or a direct caller of the raw binding.
#[must_use]
pub fn options_error(reason: &str) -> Error {
    match reason.strip_prefix("unknown variant `") {
        Some(rest) => {
            let (actual, expected) = rest.split_once("`, expected ").unwrap_or((rest, "a known value"));
            Error::InvalidValue {
                name: "option",
                expected: expected.replace('`', "'"),
                actual: actual.to_string(),
            }
        }
        None => Error::OutOfRange {
            name: "options",
            expected: "valid options".into(),
            actual: reason.to_string(),
        },
    }
}

/// A numeric function of one matrix and its serde `Params`.
pub trait MatrixFn: Send + Sync + 'static {
    /// The crate's options type, deserialised from the host's options object.
    type Params: DeserializeOwned + Send + Sync;
    /// What it returns.
    type Output: Send;
    /// The one call into numerics.
    fn call<T: Element>(x: MatRef<'_, T>, p: &Self::Params, ctl: &Ctl<'_>) -> Result<Self::Output>;
}

/// The job of a [`MatrixFn`].
pub struct MatrixJob<'a, F: MatrixFn> {
    /// The matrix, borrowed (sync) or owned (async).
    pub data: Data<'a>,
    /// Its columns.
    pub cols: u32,
    /// The options.
    pub params: F::Params,
}

struct Call<'p, F: MatrixFn>(&'p F::Params, &'p Ctl<'p>);

impl<F: MatrixFn> OnMatrix for Call<'_, F> {
    type Output = F::Output;
    fn call<T: Element>(self, x: MatRef<'_, T>) -> Result<F::Output> {
        F::call(x, self.0, self.1)
    }
}

impl<F: MatrixFn> Job for MatrixJob<'_, F> {
    type Output = F::Output;
    fn run(&self, ctl: &Ctl<'_>) -> Result<F::Output> {
        on_matrix(&self.data, self.cols, Call::<F>(&self.params, ctl))
    }
}

/// A numeric function of two matrices (widths and element types may differ) and its `Params`.
pub trait PairFn: Send + Sync + 'static {
    /// The crate's options type, deserialised from the host's options object.
    type Params: DeserializeOwned + Send + Sync;
    /// What it returns.
    type Output: Send;
    /// The one call into numerics.
    fn call<TA: Element, TB: Element>(
        x: Pair<'_, TA, TB>,
        p: &Self::Params,
        ctl: &Ctl<'_>,
    ) -> Result<Self::Output>;
}

/// The job of a [`PairFn`]: both matrices with their columns, and the options.
pub struct PairJob<'a, F: PairFn> {
    /// The first matrix and its columns.
    pub a: (Data<'a>, u32),
    /// The second matrix and its columns.
    pub b: (Data<'a>, u32),
    /// The options.
    pub params: F::Params,
}

/// `F` with `a` already typed, applied to `b` in its own element type.
struct WithA<'j, F: PairFn, TA: Element>(MatRef<'j, TA>, &'j F::Params, &'j Ctl<'j>);

impl<F: PairFn, TA: Element> OnMatrix for WithA<'_, F, TA> {
    type Output = F::Output;
    fn call<TB: Element>(self, b: MatRef<'_, TB>) -> Result<F::Output> {
        F::call(Pair::new(self.0, b), self.1, self.2)
    }
}

/// Type `a`, then `b`.
struct Outer<'j, F: PairFn>(&'j (Data<'j>, u32), &'j F::Params, &'j Ctl<'j>);

impl<F: PairFn> OnMatrix for Outer<'_, F> {
    type Output = F::Output;
    fn call<TA: Element>(self, a: MatRef<'_, TA>) -> Result<F::Output> {
        on_matrix(&self.0 .0, self.0 .1, WithA::<F, TA>(a, self.1, self.2))
    }
}

impl<F: PairFn> Job for PairJob<'_, F> {
    type Output = F::Output;
    fn run(&self, ctl: &Ctl<'_>) -> Result<F::Output> {
        on_matrix(&self.a.0, self.a.1, Outer::<F>(&self.b, &self.params, ctl))
    }
}

/// A numeric function of a corpus and optional queries of the same element type.
pub trait CorpusFn: Send + Sync + 'static {
    /// The crate's options type, deserialised from the host's options object.
    type Params: DeserializeOwned + Send + Sync;
    /// What it returns.
    type Output: Send;
    /// The one call into numerics.
    fn call<T: Element>(
        c: MatRef<'_, T>,
        q: Option<MatRef<'_, T>>,
        p: &Self::Params,
        ctl: &Ctl<'_>,
    ) -> Result<Self::Output>;
}

/// The job of a [`CorpusFn`].
pub struct CorpusJob<'a, F: CorpusFn> {
    /// The corpus.
    pub corpus: Data<'a>,
    /// The queries (same width and element type), or `None` for the corpus against itself.
    pub queries: Option<Data<'a>>,
    /// Columns of both.
    pub cols: u32,
    /// The options.
    pub params: F::Params,
}

impl<F: CorpusFn> Job for CorpusJob<'_, F> {
    type Output = F::Output;

    fn run(&self, ctl: &Ctl<'_>) -> Result<F::Output> {
        let (cols, p) = (self.cols as usize, &self.params);
        match (&self.corpus, &self.queries) {
            (Data::F32(c), None) => F::call(MatRef::from_flat(c, cols)?, None, p, ctl),
            (Data::F64(c), None) => F::call(MatRef::from_flat(c, cols)?, None, p, ctl),
            (Data::F32(c), Some(Data::F32(q))) => F::call(
                MatRef::from_flat(c, cols)?,
                Some(MatRef::from_flat(q, cols)?),
                p,
                ctl,
            ),
            (Data::F64(c), Some(Data::F64(q))) => F::call(
                MatRef::from_flat(c, cols)?,
                Some(MatRef::from_flat(q, cols)?),
                p,
                ctl,
            ),
            _ => Err(Error::Internal(
                "corpus and queries of different element types".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_errors_name_an_unknown_value_and_range_the_rest() {
        // serde's own message for an unknown enum string (`de::Error::unknown_variant`).
        let reason =
            <serde::de::value::Error as serde::de::Error>::unknown_variant("cosin", &["dot", "cosine"]);
        let e = options_error(&reason.to_string());
        assert!(
            matches!(&e, Error::InvalidValue { name: "option", expected, actual }
                if expected == "'dot' or 'cosine'" && actual == "cosin"),
            "{e:?}"
        );
        assert!(matches!(
            options_error("missing field `k`"),
            Error::OutOfRange { name: "options", .. }
        ));
    }
}
