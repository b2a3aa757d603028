//! One row tile of a Gram matrix `A·Aᵀ`, shared by the anisotropy (pairwise cosines) and the
//! spectrum (n < d) routines.

use std::ops::Range;

use faer::{Accum, Mat};

/// Rows `rows` of `A·Aᵀ`, columns `0..rows.end` (the tile left of and on the diagonal), for the
/// row-major n × d f64 matrix `a`: a `rows.len() × rows.end` matrix from one sequential faer
/// product (parallelism belongs to the caller's tiles, so the result is deterministic).
///
/// O(rows.len()·rows.end·d) time, O(rows.len()·rows.end) memory (the returned matrix).
pub(crate) fn lower_tile(a: &[f64], d: usize, rows: Range<usize>) -> Mat<f64> {
    let (lo, hi) = (rows.start, rows.end);
    let left = faer::MatRef::from_row_major_slice(&a[lo * d..hi * d], hi - lo, d);
    let right = faer::MatRef::from_row_major_slice(&a[..hi * d], hi, d);
    let mut g = Mat::<f64>::zeros(hi - lo, hi);
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
    use super::lower_tile;

    #[test]
    fn equals_the_dot_products_of_the_rows() {
        let (n, d) = (5, 3);
        let a: Vec<f64> = (0..n * d).map(|i| (i as f64 * 0.37).sin()).collect();
        let g = lower_tile(&a, d, 2..5);
        assert_eq!((g.nrows(), g.ncols()), (3, 5));
        for i in 2..5 {
            for j in 0..5 {
                let want: f64 = (0..d).map(|t| a[i * d + t] * a[j * d + t]).sum();
                assert!((g[(i - 2, j)] - want).abs() < 1e-14);
            }
        }
    }
}
