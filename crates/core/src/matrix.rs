//! A borrowed row-major matrix view.

use crate::{Element, Error, Result};

/// Values per parallel chunk of the full-data scans ([`MatRef::check_finite`],
/// `scale::max_abs`): 64 K values (256 KB of f32), enough to amortise a rayon task.
pub const SCAN_CHUNK: usize = 1 << 16;

/// A borrowed `rows × cols` row-major matrix (rows are samples, columns features).
///
/// Construction checks only the shape; [`MatRef::check_finite`] scans the values.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a, T: Element> {
    data: &'a [T],
    rows: usize,
    cols: usize,
}

impl<'a, T: Element> MatRef<'a, T> {
    /// View `data` as `rows × cols`.
    ///
    /// # Errors
    /// `Shape` if `data.len() != rows * cols` (or the product overflows).
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Result<Self> {
        check_data_len(data.len(), rows, cols)?;
        Ok(Self { data, rows, cols })
    }

    /// View a flat buffer as rows of `cols` values.
    ///
    /// # Errors
    /// `OutOfRange` if `cols == 0`; `Shape` if `data.len()` is not a multiple of `cols`.
    pub fn from_flat(data: &'a [T], cols: usize) -> Result<Self> {
        Self::new(data, rows_of(data.len(), cols)?, cols)
    }

    /// Number of rows (samples).
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (features).
    #[must_use]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The whole buffer, row-major.
    #[must_use]
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }

    /// Row `i` (`cols` values). Panics if `i >= rows` (an indexing bug, never input-reachable).
    #[must_use]
    #[inline]
    pub fn row(&self, i: usize) -> &'a [T] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Rows `start..end` as a smaller view.
    #[must_use]
    pub fn row_block(&self, start: usize, end: usize) -> MatRef<'a, T> {
        MatRef {
            data: &self.data[start * self.cols..end * self.cols],
            rows: end - start,
            cols: self.cols,
        }
    }

    /// Require at least `needed` rows.
    ///
    /// # Errors
    /// `Empty` naming `what` and `method`.
    pub fn require_rows(&self, what: &'static str, needed: usize, method: &'static str) -> Result<()> {
        if self.rows < needed {
            return Err(Error::Empty {
                what,
                actual: self.rows,
                needed,
                unit: "rows",
                method,
            });
        }
        Ok(())
    }

    /// At least one column.
    ///
    /// # Errors
    /// `Empty` (unit "columns") naming `what` and the `method` that needs a column.
    pub fn require_cols(&self, what: &'static str, method: &'static str) -> Result<()> {
        if self.cols == 0 {
            return Err(Error::Empty {
                what,
                actual: 0,
                needed: 1,
                unit: "columns",
                method,
            });
        }
        Ok(())
    }

    /// [`MatRef::check_finite`] and the largest `|x|` (0 for no values) in one parallel pass
    /// over the data (one read of it instead of two); O(rows·cols) time, no extra memory.
    ///
    /// # Errors
    /// As [`MatRef::check_finite`].
    pub fn finite_max_abs(&self, what: &'static str) -> Result<f64> {
        use rayon::prelude::*;
        let chunk = |c: &[T]| {
            crate::simd::widest(
                #[inline(always)]
                || T::scan_max_abs(c),
            )
        };
        let (finite, max) = self
            .data
            .par_chunks(SCAN_CHUNK)
            .map(chunk)
            .reduce(|| (true, 0.0), |(a, m), (b, n)| (a & b, m.max(n)));
        if finite {
            Ok(max)
        } else {
            self.check_finite(what).map(|()| max)
        }
    }

    /// Scan for NaN and ±infinity; O(rows·cols) time, no extra memory; in parallel chunks of
    /// [`SCAN_CHUNK`] values on the rayon pool (a second, sequential scan finds the first
    /// non-finite value only when there is one).
    ///
    /// # Errors
    /// `NonFinite` with the row and column of the first one and the total count.
    pub fn check_finite(&self, what: &'static str) -> Result<()> {
        use rayon::prelude::*;
        // the common case, all finite: parallel branch-free chunks (vectorised); the scan
        // below only runs to report the first non-finite value and the count
        let finite = |c: &[T]| {
            crate::simd::widest(
                #[inline(always)]
                || T::scan_max_abs(c),
            )
            .0
        };
        if self.data.par_chunks(SCAN_CHUNK).all(finite) {
            return Ok(());
        }
        let mut first = None;
        let mut count = 0usize;
        for (i, v) in self.data.iter().enumerate() {
            if !v.is_finite() {
                count += 1;
                if first.is_none() {
                    first = Some((i, v.to_f64()));
                }
            }
        }
        match first {
            None => Ok(()),
            Some((i, v)) => Err(Error::non_finite(what, v, i, self.cols, count)),
        }
    }
}

/// [`check_len`] of the `data` array of a `rows × cols` matrix (the messages of [`MatRef::new`]).
///
/// # Errors
/// As [`check_len`].
pub fn check_data_len(len: usize, rows: usize, cols: usize) -> Result<usize> {
    check_len(
        len,
        rows,
        cols,
        "rows * cols",
        "data.length",
        "pass rows and cols that match the data",
    )
}

/// Check that a flat array of `len` elements (named `array`, e.g. "data.length") holds a
/// `rows × cols` matrix (`label` names the product, e.g. "rows * cols"); returns `rows * cols`.
///
/// # Errors
/// `OutOfRange` if the product overflows, `Shape` (with `fix`) if it differs from `len`.
pub fn check_len(
    len: usize,
    rows: usize,
    cols: usize,
    label: &'static str,
    array: &str,
    fix: &'static str,
) -> Result<usize> {
    let expected = rows.checked_mul(cols).ok_or_else(|| Error::OutOfRange {
        name: label,
        expected: "representable in memory".into(),
        actual: format!("{rows} * {cols}"),
    })?;
    if len != expected {
        return Err(Error::Shape {
            what: format!("{array} vs {label} = {rows} * {cols}"),
            expected,
            actual: len,
            fix,
        });
    }
    Ok(expected)
}

/// The number of rows of a flat buffer of `len` values in rows of `cols` (any element type).
///
/// # Errors
/// `OutOfRange` if `cols == 0`; `Shape` if `len` is not a multiple of `cols`.
pub fn rows_of(len: usize, cols: usize) -> Result<usize> {
    Error::require_at_least_one("cols", cols)?;
    if !len.is_multiple_of(cols) {
        return Err(Error::Shape {
            what: format!("data.length {len} is not a multiple of cols = {cols}"),
            expected: len / cols * cols + cols,
            actual: len,
            fix: "check the number of columns",
        });
    }
    Ok(len / cols)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_rejects_length_mismatch_with_both_numbers() {
        let d = [0.0f32; 7];
        let e = MatRef::new(&d, 2, 4).unwrap_err();
        assert_eq!(e.code(), "ERR_SHAPE");
        assert!(e.to_string().contains("expected 8, got 7"), "{e}");
    }

    #[test]
    fn from_flat_infers_rows() {
        let d = [1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0];
        let m = MatRef::from_flat(&d, 3).unwrap();
        assert_eq!((m.rows(), m.cols()), (2, 3));
        assert_eq!(m.row(1), &[4.0, 5.0, 6.0]);
        assert_eq!(MatRef::from_flat(&d, 4).unwrap_err().code(), "ERR_SHAPE");
        assert_eq!(MatRef::from_flat(&d, 0).unwrap_err().code(), "ERR_OUT_OF_RANGE");
    }

    #[test]
    fn check_finite_reports_first_position_and_count() {
        let mut d = vec![0.0f32; 12];
        d[7] = f32::NAN;
        d[9] = f32::NEG_INFINITY;
        let m = MatRef::new(&d, 3, 4).unwrap();
        match m.check_finite("X").unwrap_err() {
            Error::NonFinite {
                row,
                col,
                count,
                kind,
                ..
            } => {
                assert_eq!((row, col, count, kind), (1, 3, 2, "NaN"));
            }
            e => panic!("unexpected {e:?}"),
        }
        let ok = [1.0f64, f64::MAX];
        assert!(MatRef::new(&ok, 1, 2).unwrap().check_finite("X").is_ok());
    }
}
