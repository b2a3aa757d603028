//! Exact duplicate rows.
//!
//! Two rows are duplicates when every value compares equal (`-0.0 == 0.0`; NaN is rejected
//! before any work), as `np.unique(X, axis=0)` decides. Rows are hashed in parallel blocks
//! (a fixed-key hash of the values' bits with `-0.0` mapped to `0.0`), then resolved in index
//! order against the first row of each hash bucket, comparing values, so hash collisions never
//! merge distinct rows and the result is the same for every thread count.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher, Hasher};

use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Result};

/// Tunables of [`compute`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Rows per parallel hashing block. Default 4096.
    pub block_rows: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self { block_rows: 4096 }
    }
}

/// Duplicate rows of an `n × d` matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicates {
    /// Rows equal to an earlier row (`n − unique`).
    pub count: usize,
    /// Distinct rows that occur more than once.
    pub groups: usize,
    /// Distinct rows.
    pub unique: usize,
    /// For each row, the index of the first row equal to it (itself if it is the first).
    pub first_of: Vec<u32>,
}

/// Fixed-key hasher: SipHash-1-3 with zero keys (`DefaultHasher::new()`), identical in every run.
type Fixed = BuildHasherDefault<DefaultHasher>;

fn hash_row<T: Element>(row: &[T]) -> u64 {
    let mut h = Fixed::default().build_hasher();
    for v in row {
        // Adding 0.0 maps -0.0 to +0.0 and leaves every other finite value unchanged.
        h.write_u64((v.to_f64() + 0.0).to_bits());
    }
    h.finish()
}

// Exact equality is the point: duplicates are rows whose values compare equal.
#[allow(clippy::float_cmp)]
fn rows_equal<T: Element>(a: &[T], b: &[T]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.to_f64() == y.to_f64())
}

/// Find exact duplicate rows of `x`.
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, n ≥ 1, n ≤ 2³². Returns [`Duplicates`] with `first_of` of
/// length n (u32 row indices).
/// # Cost
/// Time O(n·d) expected (one hash per row, one value comparison per row that shares a hash with
/// an earlier row). Extra memory O(n): n u64 hashes, a hash map of at most n entries
/// (≈ 16–32 bytes per distinct row), n flags, plus the n u32 of `first_of`.
/// # Determinism
/// Hashes are computed in parallel but resolved sequentially in index order: identical for every
/// `ctl.par` and pool size.
/// # Errors
/// `Empty` if n = 0 or d = 0; `NonFinite`; `OutOfRange` if n > 2³²; `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// `np.unique(X, axis=0, return_index=True, return_inverse=True)`: fixtures `metrics/*`, exact.
pub fn compute<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<Duplicates> {
    x.require_rows("X", 1, "duplicates")?;
    x.require_cols("X", "duplicates")?;
    let n = x.rows();
    if n as u64 > u64::from(u32::MAX) + 1 {
        return Err(Error::OutOfRange {
            name: "X.rows",
            expected: format!("at most {} for duplicates", u64::from(u32::MAX) + 1),
            actual: n.to_string(),
        });
    }
    x.check_finite("X")?;
    let blocks = map_chunks(ctl, "duplicates", n, params.block_rows, |r| {
        Ok((r.start..r.end).map(|i| hash_row(x.row(i))).collect::<Vec<u64>>())
    })?;
    resolve(x, &blocks, ctl)
}

/// Resolve rows in index order given their hashes (in blocks of consecutive rows).
fn resolve<T: Element>(x: MatRef<'_, T>, blocks: &[Vec<u64>], ctl: &Ctl<'_>) -> Result<Duplicates> {
    let n = x.rows();
    // First distinct row of each hash; `later` chains further distinct rows with the same hash
    // (collisions, rare), so a row is compared only with distinct earlier rows of its hash.
    let mut heads: HashMap<u64, u32> = HashMap::with_capacity(n.min(1 << 20));
    let mut later: HashMap<u32, u32> = HashMap::new();
    let mut first_of = vec![0u32; n];
    let mut repeated = vec![false; n];
    let mut count = 0usize;
    let mut i = 0usize;
    for block in blocks {
        ctl.checkpoint()?;
        for &h in block {
            let me = i as u32;
            first_of[i] = me;
            if let Some(&head) = heads.get(&h) {
                let row = x.row(i);
                let mut cand = head;
                loop {
                    if rows_equal(x.row(cand as usize), row) {
                        first_of[i] = cand;
                        repeated[cand as usize] = true;
                        count += 1;
                        break;
                    }
                    if let Some(&c) = later.get(&cand) {
                        cand = c;
                    } else {
                        later.insert(cand, me);
                        break;
                    }
                }
            } else {
                heads.insert(h, me);
            }
            i += 1;
        }
    }
    let groups = repeated.iter().filter(|r| **r).count();
    Ok(Duplicates {
        count,
        groups,
        unique: n - count,
        first_of,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::with_defaults;
    use embgeo_core::Par;

    #[test]
    fn finds_first_occurrences_and_groups() {
        // Rows: a b a c b a (c unique); -0.0 equals 0.0.
        let x = [1.0f32, 0.0, 2.0, 2.0, 1.0, -0.0, 3.0, 1.0, 2.0, 2.0, 1.0, 0.0];
        let r = with_defaults(compute, &x, 6, 2).unwrap();
        assert_eq!(r.first_of, vec![0, 1, 0, 3, 1, 0]);
        assert_eq!((r.count, r.groups, r.unique), (3, 2, 3));
    }

    #[test]
    fn hash_collisions_never_merge_distinct_rows() {
        // Every row in one hash bucket: only the value comparison separates them.
        let x = [1.0f64, 2.0, 1.0, 3.0, 2.0, 3.0, 4.0];
        let m = MatRef::new(&x, 7, 1).unwrap();
        let r = resolve(m, &[vec![42; 3], vec![42; 4]], &Ctl::detached()).unwrap();
        assert_eq!(r.first_of, vec![0, 1, 0, 3, 1, 3, 6]);
        assert_eq!((r.count, r.groups, r.unique), (3, 3, 4));
    }

    #[test]
    fn same_result_for_every_thread_count_and_block_size() {
        let n = 3000;
        let x: Vec<f32> = (0..n * 3)
            .map(|i| ((i / 3 * 7919) % 401) as f32 + (i % 3) as f32)
            .collect();
        let m = MatRef::new(&x, n, 3).unwrap();
        let seq = compute(m, &Params { block_rows: 1 }, &Ctl::detached().with_par(Par::Seq)).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let par = pool.install(|| compute(m, &Params { block_rows: 77 }, &Ctl::detached()).unwrap());
        assert_eq!(seq, par);
        assert_eq!(seq.unique, 401);
    }

    #[test]
    fn rejects_nan_and_empty() {
        let x = [1.0f32, f32::NAN];
        let e = with_defaults(compute, &x, 1, 2).unwrap_err();
        assert_eq!(e.code(), "ERR_NON_FINITE");
        let e = with_defaults(compute, &x[..0], 0, 2).unwrap_err();
        assert_eq!(e.code(), "ERR_EMPTY");
    }
}
