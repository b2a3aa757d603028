//! Seeded uniform row subsampling (ChaCha8, portable across platforms and releases).

use embgeo_core::{Element, Error, MatRef, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `m` distinct indices of `0..n` chosen uniformly with `seed` (partial Fisher–Yates on a
/// ChaCha8 stream), ascending; all of `0..n` when `m ≥ n`.
///
/// # Cost
/// O(n) time and n u32 of memory.
/// # Determinism
/// The same `(n, m, seed)` gives the same indices on every platform.
/// # Errors
/// `OutOfRange` if `n` exceeds `u32::MAX + 1`.
pub fn sample_indices(n: usize, m: usize, seed: u64) -> Result<Vec<u32>> {
    if n as u64 > u64::from(u32::MAX) + 1 {
        return Err(Error::OutOfRange {
            name: "n",
            expected: "at most 2^32 rows".into(),
            actual: n.to_string(),
        });
    }
    let mut all: Vec<u32> = (0..n).map(|i| i as u32).collect();
    if m >= n {
        return Ok(all);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in 0..m {
        let j = rng.random_range(i as u64..n as u64) as usize;
        all.swap(i, j);
    }
    all.truncate(m);
    all.sort_unstable();
    Ok(all)
}

/// The rows `indices` of `x`, in that order, as a new row-major matrix of the same type.
///
/// # Cost
/// O(len·d) time and the output's memory.
/// # Errors
/// `OutOfRange` naming the first index ≥ `x.rows()`.
pub fn take_rows<T: Element>(x: MatRef<'_, T>, indices: &[u32]) -> Result<Vec<T>> {
    let mut out = Vec::with_capacity(indices.len() * x.cols());
    for (at, &i) in indices.iter().enumerate() {
        if i as usize >= x.rows() {
            return Err(Error::OutOfRange {
                name: "indices",
                expected: format!("row indices below {}", x.rows()),
                actual: format!("{i} at position {at}"),
            });
        }
        out.extend_from_slice(x.row(i as usize));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_distinct_sorted_and_seeded() {
        let a = sample_indices(1000, 50, 7).unwrap();
        assert_eq!(a.len(), 50);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(a.iter().all(|&i| i < 1000));
        assert_eq!(a, sample_indices(1000, 50, 7).unwrap());
        assert_ne!(a, sample_indices(1000, 50, 8).unwrap());
        assert_eq!(sample_indices(3, 10, 0).unwrap(), vec![0, 1, 2]);
    }

    #[test]
    fn take_rows_copies_in_order_and_rejects_out_of_range() {
        let x = MatRef::from_flat(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], 2).unwrap();
        assert_eq!(take_rows(x, &[2, 0]).unwrap(), vec![5.0, 6.0, 1.0, 2.0]);
        assert_eq!(take_rows(x, &[3]).unwrap_err().code(), "ERR_OUT_OF_RANGE");
    }
}
