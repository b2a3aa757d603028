//! Two representations of the same items: the argument of every comparison measure.

use crate::{Element, Error, MatRef, Result};

/// `a` (N × `d_A`) and `b` (N × `d_B`): two descriptions of the same N items, row by row
/// (`A` and `B` in messages). Widths and element types may differ. Constructing one checks
/// nothing; each measure calls [`Pair::check`] with the rows it needs. Two borrows, no memory.
#[derive(Clone, Copy, Debug)]
pub struct Pair<'a, A: Element, B: Element> {
    /// The first representation.
    pub a: MatRef<'a, A>,
    /// The second representation.
    pub b: MatRef<'a, B>,
}

impl<'a, A: Element, B: Element> Pair<'a, A, B> {
    /// `a` and `b` as a pair (unchecked).
    #[must_use]
    pub fn new(a: MatRef<'a, A>, b: MatRef<'a, B>) -> Self {
        Self { a, b }
    }

    /// N, the number of items (rows of `a`).
    #[must_use]
    pub fn rows(&self) -> usize {
        self.a.rows()
    }

    /// The one pair check of every comparison measure: equal row counts, at least `needed` rows,
    /// at least one column each, no NaN/±Inf. O(N·(`d_A` + `d_B`)) time (the finiteness scan), no
    /// memory.
    ///
    /// # Errors
    /// `Shape` (row counts differ), `Empty` (too few rows or no columns, naming `method`),
    /// `NonFinite` (naming `A` or `B`).
    pub fn check(&self, needed: usize, method: &'static str) -> Result<()> {
        let (a, b) = (self.a, self.b);
        Error::require_equal(
            "B.rows vs A.rows",
            a.rows(),
            b.rows(),
            "the two representations must describe the same items, row by row",
        )?;
        a.require_rows("A", needed, method)?;
        a.require_cols("A", method)?;
        b.require_cols("B", method)?;
        a.check_finite("A")?;
        b.check_finite("B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rows_columns_finiteness() {
        let a = MatRef::new(&[1.0f64; 6], 3, 2).unwrap();
        let b = MatRef::new(&[1.0f32; 4], 2, 2).unwrap();
        assert_eq!(Pair::new(a, b).check(2, "t").unwrap_err().code(), "ERR_SHAPE");
        assert_eq!(Pair::new(a, a).check(4, "t").unwrap_err().code(), "ERR_EMPTY");
        let nan = [1.0, f64::NAN, 0.0, 0.0, 1.0, 2.0];
        let bad = MatRef::new(&nan, 3, 2).unwrap();
        assert_eq!(
            Pair::new(a, bad).check(2, "t").unwrap_err().code(),
            "ERR_NON_FINITE"
        );
        assert!(Pair::new(a, a).check(3, "t").is_ok());
        assert_eq!(Pair::new(a, a).rows(), 3);
    }
}
