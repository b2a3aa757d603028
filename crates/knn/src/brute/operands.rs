//! What a search on any element type runs over (a corpus, optional queries, their width), and
//! the one way such operands reach a dense f32/f64 search: as `cols`-wide matrices, widened
//! losslessly to a common element type where they must meet.

use embgeo_core::{Ctl, Element, MatRef, Result};

use super::values::Values;
use super::Params;

/// The operands of [`crate::search_values`] / [`crate::search_part_values`]: `corpus` and
/// `queries` (`None`: all points, each row against the others) as flat row-major values of
/// `cols` columns each. Two borrows and a width, no memory; shapes are checked by the search.
#[derive(Debug, Clone, Copy)]
pub struct Operands<'a> {
    /// The corpus rows.
    pub corpus: Values<'a>,
    /// The query rows, or `None` for the corpus against itself.
    pub queries: Option<Values<'a>>,
    /// Values per row, of both.
    pub cols: usize,
}

/// A corpus matrix and optional query matrix of one element type.
pub(crate) type Mats<'m, T> = (MatRef<'m, T>, Option<MatRef<'m, T>>);

/// A search over dense f32 or f64 matrices that widened operands are handed to.
pub(crate) trait DenseSearch {
    /// What the search returns.
    type Output;

    /// Search `m` (corpus, queries) under `p`.
    fn run<T: Element>(m: Mats<'_, T>, p: &Params, ctl: &Ctl<'_>) -> Result<Self::Output>;
}

impl<'a> Operands<'a> {
    /// `corpus` (and `queries`) as rows of `cols` values.
    #[must_use]
    pub fn new(corpus: Values<'a>, queries: Option<Values<'a>>, cols: usize) -> Self {
        Self {
            corpus,
            queries,
            cols,
        }
    }

    /// `S` on both sides widened losslessly to f32, or to f64 when one of them is f64
    /// (borrowed where a side already has that type, else a copy of `len·4` or `len·8` bytes).
    ///
    /// # Errors
    /// As [`dense`] and `S`.
    pub(crate) fn widened<S: DenseSearch>(self, p: &Params, ctl: &Ctl<'_>) -> Result<S::Output> {
        let f32s = (self.corpus.to_f32(), self.queries.map(Values::to_f32));
        match f32s {
            (Some(c), None) => dense::<S, _>(&c, None, self.cols, p, ctl),
            (Some(c), Some(Some(q))) => dense::<S, _>(&c, Some(&q), self.cols, p, ctl),
            _ => {
                let q = self.queries.map(Values::to_f64);
                dense::<S, _>(&self.corpus.to_f64(), q.as_deref(), self.cols, p, ctl)
            }
        }
    }
}

/// `S` on flat corpus `c` and queries `q` viewed as `cols`-wide matrices.
///
/// # Errors
/// `OutOfRange` if `cols` is 0; `Shape` if a length is not a multiple of `cols` (the corpus is
/// checked first); then as `S`.
pub(crate) fn dense<S: DenseSearch, T: Element>(
    c: &[T],
    q: Option<&[T]>,
    cols: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<S::Output> {
    let cm = MatRef::from_flat(c, cols)?;
    let qm = q.map(|q| MatRef::from_flat(q, cols)).transpose()?;
    S::run((cm, qm), p, ctl)
}
