//! Recall@k of an approximate nearest-neighbour search against exact neighbours.

use embgeo_core::{Error, Neighbors, Result};

/// An index type an approximate search may return (`u32`, `u64`, `i32`, `i64`); negative
/// values mean "no neighbour" (the `-1` padding of faiss/hnswlib) and never count as a hit.
pub trait ApproxIndex: Copy {
    /// The index, or `None` for padding.
    fn as_index(self) -> Option<u64>;
}

impl ApproxIndex for u32 {
    fn as_index(self) -> Option<u64> {
        Some(u64::from(self))
    }
}
impl ApproxIndex for u64 {
    fn as_index(self) -> Option<u64> {
        Some(self)
    }
}
impl ApproxIndex for i32 {
    fn as_index(self) -> Option<u64> {
        u64::try_from(self).ok()
    }
}
impl ApproxIndex for i64 {
    fn as_index(self) -> Option<u64> {
        u64::try_from(self).ok()
    }
}

/// Recall@k of approximate neighbour lists: with `k = min(k_approx, exact.k)`, the fraction of
/// each query's exact k nearest that appear among its first k approximate ones.
///
/// Returns `(overall, per_query)`: `per_query[i] = |A_i ∩ E_i| / k`, `overall` their mean.
/// Repeated approximate indices count once; padding (negative) never counts.
///
/// # Shapes and types
/// `approx_indices`: `exact.rows × k_approx`, row-major. Output f64 in `[0, 1]`.
/// # Cost
/// O(rows · k log k) time, O(k) extra memory.
/// # Determinism
/// Exact integer counting; no floating-point reduction order issues beyond a sequential mean.
/// # Errors
/// `OutOfRange` if `k_approx = 0`; `Shape` if the length is not `exact.rows × k_approx`;
/// `Empty` if `exact` has no rows.
/// # Panics
/// Never.
/// # Reference
/// The recall@k of ann-benchmarks and faiss `knn_intersection_measure` (no distance-tie
/// credit: an approximate neighbour tied with the k-th exact one but with another index is a
/// miss).
pub fn recall<I: ApproxIndex>(
    approx_indices: &[I],
    k_approx: usize,
    exact: &Neighbors,
) -> Result<(f64, Vec<f64>)> {
    Error::require_at_least_one("approx.k", k_approx)?;
    if exact.rows == 0 || exact.k == 0 {
        return Err(Error::Empty {
            what: "exact",
            actual: exact.rows,
            needed: 1,
            unit: "rows",
            method: "recall",
        });
    }
    let expected = exact.rows.saturating_mul(k_approx);
    if approx_indices.len() != expected {
        return Err(Error::Shape {
            what: format!(
                "approx.indices.length vs exact.rows * approx.k = {} * {k_approx}",
                exact.rows
            ),
            expected,
            actual: approx_indices.len(),
            fix: "pass the approximate result for the same queries as the exact one",
        });
    }
    let k = k_approx.min(exact.k);
    let mut per = Vec::with_capacity(exact.rows);
    let mut truth: Vec<u64> = Vec::with_capacity(k);
    let mut seen: Vec<u64> = Vec::with_capacity(k);
    let mut total = 0usize;
    for i in 0..exact.rows {
        truth.clear();
        truth.extend(exact.indices_of(i)[..k].iter().map(|&j| u64::from(j)));
        truth.sort_unstable();
        seen.clear();
        seen.extend(
            approx_indices[i * k_approx..i * k_approx + k]
                .iter()
                .filter_map(|a| a.as_index()),
        );
        seen.sort_unstable();
        seen.dedup();
        let hits = seen.iter().filter(|j| truth.binary_search(j).is_ok()).count();
        total += hits;
        per.push(hits as f64 / k as f64);
    }
    Ok((total as f64 / (exact.rows * k) as f64, per))
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equality is what these tests check
mod tests {
    use super::*;

    fn exact() -> Neighbors {
        Neighbors {
            k: 3,
            rows: 2,
            indices: vec![1, 2, 3, 0, 2, 3],
            distances: vec![0.0, 1.0, 2.0, 0.0, 1.0, 2.0],
        }
    }

    #[test]
    fn counts_hits_over_k_per_query() {
        // row 0: {3,1,9} ∩ {1,2,3} = 2; row 1: {0,2,3} = 3 → (2+3)/6
        let (r, per) = recall(&[3u32, 1, 9, 0, 2, 3], 3, &exact()).unwrap();
        assert_eq!(per, vec![2.0 / 3.0, 1.0]);
        assert!((r - 5.0 / 6.0).abs() < 1e-15);
    }

    #[test]
    fn padding_and_repeats_never_count_twice() {
        let (_, per) = recall(&[1i32, 1, -1, 0, 2, 3], 3, &exact()).unwrap();
        assert_eq!(per[0], 1.0 / 3.0);
    }

    #[test]
    fn smaller_approx_k_evaluates_at_that_k() {
        // k = 2: row 0 exact {1,2}, approx {2,7} → 1/2; row 1 exact {0,2}, approx {0,2} → 1
        let (_, per) = recall(&[2u64, 7, 0, 2], 2, &exact()).unwrap();
        assert_eq!(per, vec![0.5, 1.0]);
    }

    #[test]
    fn bad_shapes_are_rejected() {
        assert_eq!(recall(&[1u32; 5], 3, &exact()).unwrap_err().code(), "ERR_SHAPE");
        assert_eq!(
            recall::<u32>(&[], 0, &exact()).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
        let empty = Neighbors {
            k: 3,
            rows: 0,
            indices: vec![],
            distances: vec![],
        };
        assert_eq!(recall::<u32>(&[], 3, &empty).unwrap_err().code(), "ERR_EMPTY");
    }
}
