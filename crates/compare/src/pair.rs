//! Two representations of the same items: column means and centred f64 row blocks (the input
//! checks are `embgeo_core::Pair::check`).

use embgeo_core::{Element, MatRef};

/// Rows per block of every row pass (the unit of parallel work, cancellation and progress).
pub const BLOCK_ROWS: usize = 512;

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
    fn centring_removes_the_column_means() {
        let x = MatRef::new(&[1.0f32, 10.0, 3.0, 20.0], 2, 2).unwrap();
        assert_eq!(column_means(x), vec![2.0, 15.0]);
        assert_eq!(centred(x), vec![-1.0, -5.0, 1.0, 5.0]);
    }
}
