//! Two representations of the same items: column means and centred f64 row blocks (the input
//! checks are `embgeo_core::Pair::check`).

use embgeo_core::{Element, MatRef};

/// Most rows per block of the f64 row pass (the unit of parallel work, cancellation and
/// progress); [`block_rows`] gives the count a pair of widths uses.
pub const BLOCK_ROWS: usize = 512;

/// Bytes the centred f64 blocks of both sides may take together: with faer's packed copies
/// they then stay in a 2 MB L2 while the block's three products read them.
const BLOCK_BYTES: usize = 3 << 19;

/// Rows per block of the f64 row pass for widths `d1` and `d2`: as many as keep both centred
/// f64 blocks within [`BLOCK_BYTES`] (a multiple of 16, at least 32, at most [`BLOCK_ROWS`]).
/// A function of the widths only, so the blocks (and the bits) never depend on the threads.
///
/// Measured on a 2-core AVX-512 Xeon (50,000 × 768 vs 1024, the whole f64 pass): 512 rows
/// (7.3 MB of blocks) 73–77 GFLOP/s, 256 rows 101–105, 64 to 128 rows 114–120.
#[must_use]
pub fn block_rows(d1: usize, d2: usize) -> usize {
    let per_row = 8 * (d1 + d2).max(1);
    (BLOCK_BYTES / per_row / 16 * 16).clamp(32, BLOCK_ROWS)
}

/// Column means of `x` in f64, summed in row order (deterministic). O(n·d) time, d f64 memory.
#[must_use]
pub fn column_means<T: Element>(x: MatRef<'_, T>) -> Vec<f64> {
    let mut acc = vec![0.0f64; x.cols()];
    // Element-wise over the columns, so the widest vectors give the same bits.
    embgeo_core::simd::widest(
        #[inline(always)]
        || {
            for i in 0..x.rows() {
                for (a, v) in acc.iter_mut().zip(x.row(i)) {
                    *a += v.to_f64();
                }
            }
        },
    );
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
    embgeo_core::simd::widest(
        #[inline(always)]
        || {
            for i in start..end {
                buf.extend(x.row(i).iter().zip(mean).map(|(v, m)| v.to_f64() - m));
            }
        },
    );
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
