//! Two representations of the same items: the shared input checks, column means and centred f64
//! row blocks.

use embgeo_core::{Element, Error, MatRef, Result};

/// Rows per block of every row pass (the unit of parallel work, cancellation and progress).
pub const BLOCK_ROWS: usize = 512;

/// Check a pair: equal row counts (`Shape`), at least `needed` rows (`Empty`, naming `method`),
/// at least one column each, no NaN/±Inf (`NonFinite`, naming `A` or `B`).
///
/// # Errors
/// `Shape`, `Empty`, `NonFinite` as above.
pub fn check<T: Element, U: Element>(
    a: MatRef<'_, T>,
    b: MatRef<'_, U>,
    needed: usize,
    method: &'static str,
) -> Result<()> {
    if a.rows() != b.rows() {
        return Err(Error::Shape {
            what: "B.rows vs A.rows".into(),
            expected: a.rows(),
            actual: b.rows(),
            fix: "the two representations must describe the same items, row by row",
        });
    }
    a.require_rows("A", needed, method)?;
    a.require_cols("A", method)?;
    b.require_cols("B", method)?;
    a.check_finite("A")?;
    b.check_finite("B")
}

/// Column means of `x` in f64, summed in row order (deterministic). O(n·d) time, d f64 memory.
#[must_use]
pub fn column_means<T: Element>(x: MatRef<'_, T>) -> Vec<f64> {
    let mut acc = vec![0.0f64; x.cols()];
    for i in 0..x.rows() {
        for (a, v) in acc.iter_mut().zip(x.row(i)) {
            *a += v.to_f64();
        }
    }
    let n = x.rows().max(1) as f64;
    for a in &mut acc {
        *a /= n;
    }
    acc
}

/// Rows `start..end` of `x` minus `mean`, as a row-major f64 buffer written into `buf`.
pub fn centred_block<T: Element>(
    x: MatRef<'_, T>,
    start: usize,
    end: usize,
    mean: &[f64],
    buf: &mut Vec<f64>,
) {
    buf.clear();
    for i in start..end {
        buf.extend(x.row(i).iter().zip(mean).map(|(v, m)| v.to_f64() - m));
    }
}

/// The whole of `x` centred (`n × d` row-major f64): for the `n × n` kernel routes, whose size is
/// bounded by the caller.
#[must_use]
pub fn centred<T: Element>(x: MatRef<'_, T>) -> Vec<f64> {
    let mean = column_means(x);
    let mut out = Vec::with_capacity(x.rows() * x.cols());
    centred_block(x, 0, x.rows(), &mean, &mut out);
    out
}

/// `x` widened to f64 (`n × d` row-major), no centring.
#[must_use]
pub fn widened<T: Element>(x: MatRef<'_, T>) -> Vec<f64> {
    x.as_slice().iter().map(|v| v.to_f64()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differing_row_counts_are_a_shape_error() {
        let a = MatRef::new(&[1.0f64; 6], 3, 2).unwrap();
        let b = MatRef::new(&[1.0f32; 4], 2, 2).unwrap();
        assert_eq!(check(a, b, 2, "t").unwrap_err().code(), "ERR_SHAPE");
        assert_eq!(check(a, a, 4, "t").unwrap_err().code(), "ERR_EMPTY");
        let nan = [1.0, f64::NAN, 0.0, 0.0, 1.0, 2.0];
        let bad = MatRef::new(&nan, 3, 2).unwrap();
        assert_eq!(check(a, bad, 2, "t").unwrap_err().code(), "ERR_NON_FINITE");
    }

    #[test]
    fn centring_removes_the_column_means() {
        let x = MatRef::new(&[1.0f32, 10.0, 3.0, 20.0], 2, 2).unwrap();
        assert_eq!(column_means(x), vec![2.0, 15.0]);
        assert_eq!(centred(x), vec![-1.0, -5.0, 1.0, 5.0]);
    }
}
