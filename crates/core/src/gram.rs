//! One row tile of a Gram matrix `A·Aᵀ`: the product behind the linear CKA kernel, the
//! anisotropy (pairwise cosines) and the spectrum (n < d) routines.

use std::ops::Range;

use faer::{Accum, Mat};

/// Rows `rows` of `A·Aᵀ`, columns `0..cols`, for the row-major `n × d` f64 matrix `a` (n ≥
/// `rows.end` and n ≥ `cols`): a `rows.len() × cols` matrix from one sequential faer product
/// (parallelism belongs to the caller's tiles, so the result is deterministic).
///
/// O(rows.len()·cols·d) time, O(rows.len()·cols) memory (the returned matrix). Panics if `a`
/// holds fewer rows (callers pass tiles of their own matrix).
#[must_use]
pub fn tile(a: &[f64], d: usize, rows: Range<usize>, cols: usize) -> Mat<f64> {
    let (lo, hi) = (rows.start, rows.end);
    let left = faer::MatRef::from_row_major_slice(&a[lo * d..hi * d], hi - lo, d);
    let right = faer::MatRef::from_row_major_slice(&a[..cols * d], cols, d);
    let mut g = Mat::<f64>::zeros(hi - lo, cols);
    faer::linalg::matmul::matmul(
        g.as_mut(),
        Accum::Replace,
        left,
        right.transpose(),
        1.0,
        faer::Par::Seq,
    );
    g
}

#[cfg(test)]
mod tests {
    use super::tile;

    #[test]
    fn equals_the_dot_products_of_the_rows() {
        let (n, d) = (5, 3);
        let a: Vec<f64> = (0..n * d).map(|i| (i as f64 * 0.37).sin()).collect();
        for cols in [4, 5] {
            let g = tile(&a, d, 2..5, cols);
            assert_eq!((g.nrows(), g.ncols()), (3, cols));
            for i in 2..5 {
                for j in 0..cols {
                    let want: f64 = (0..d).map(|t| a[i * d + t] * a[j * d + t]).sum();
                    assert!((g[(i - 2, j)] - want).abs() < 1e-14);
                }
            }
        }
    }
}
