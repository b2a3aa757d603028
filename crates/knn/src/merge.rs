//! The exact merge of [`KnnPart`]s: the k best `(key, global index)` pairs of each query row
//! over the parts of disjoint corpus shards.

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Error, Result};

use crate::part::{KnnPart, PartShape};
use crate::select::by_key_then_index;

/// Query rows per unit of parallel work (fixed: results never depend on the thread count).
const ROWS_PER_CHUNK: usize = 2048;

/// Merge the parts of the same query rows against disjoint corpus shards into the `k` nearest
/// over their union, best first, ties to the lower global index.
///
/// Each part holds, per row, its shard's best `(exact key, global index)` pairs (at least `k`
/// of them, or all the shard has); the union's k best are therefore among them, and since keys
/// are exact functions of the two vectors, the result equals the single-process search (or
/// all-points graph) of the whole corpus bit for bit. Merging is associative: merged parts merge
/// again (tree reductions give the same bytes).
///
/// # Shapes and types
/// `parts`: ≥ 1 parts with equal `rows`, `metric` and `dtype` (each its own `k`). Returns a
/// part with `rows × k`.
/// # Cost
/// Time O(rows·K·log K) with K = Σ part.k (a sort of each row's candidates); extra memory the
/// output (`rows·k·12` bytes) plus one row's candidates (`K·16` bytes) per worker.
/// # Determinism
/// Bit-identical for every thread count and part order.
/// # Errors
/// `Empty` if `parts` is empty; `Shape` if the row counts differ; `InvalidValue` if the metrics
/// or element types differ; `OutOfRange` if k = 0 or a row lists a global row id twice (shards
/// overlap); `KTooLarge` if k > Σ part.k; `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
pub fn merge(parts: &[KnnPart], k: usize, ctl: &Ctl<'_>) -> Result<KnnPart> {
    let first = parts.first().ok_or(Error::Empty {
        what: "parts",
        actual: 0,
        needed: 1,
        unit: "parts",
        method: "mergeKnn",
    })?;
    Error::require_at_least_one("k", k)?;
    let (rows, metric, dtype) = (first.rows, first.metric, first.dtype);
    for (i, p) in parts.iter().enumerate() {
        if p.rows != rows {
            return Err(Error::Shape {
                what: format!("parts[{i}].rows vs parts[0].rows"),
                expected: rows,
                actual: p.rows,
                fix: "merge the parts of one query block (the same query rows against each shard)",
            });
        }
        if p.metric != metric || p.dtype != dtype {
            return Err(Error::InvalidValue {
                name: "parts",
                expected: format!("one metric and element type ({}, {:?})", metric.name(), dtype),
                actual: format!("parts[{i}]: {}, {:?}", p.metric.name(), p.dtype),
            });
        }
    }
    let total: usize = parts.iter().map(|p| p.k).sum();
    if k > total {
        return Err(Error::KTooLarge {
            k,
            available: total,
            why: format!(
                "the {} parts hold {total} neighbours per row together",
                parts.len()
            ),
        });
    }
    let chunks = map_chunks(ctl, "merge", rows, ROWS_PER_CHUNK, |range| {
        let mut cand: Vec<(f64, u32)> = Vec::with_capacity(total);
        let mut idx = Vec::with_capacity(range.len() * k);
        let mut keys = Vec::with_capacity(range.len() * k);
        let mut seen: Vec<u32> = Vec::with_capacity(k);
        for i in range {
            cand.clear();
            for p in parts {
                let (a, b) = (i * p.k, (i + 1) * p.k);
                cand.extend(p.keys[a..b].iter().copied().zip(p.indices[a..b].iter().copied()));
            }
            cand.sort_unstable_by(by_key_then_index);
            seen.clear();
            seen.extend(cand[..k].iter().map(|c| c.1));
            seen.sort_unstable();
            if let Some(&[twice, _]) = seen.windows(2).find(|w| w[0] == w[1]) {
                return Err(Error::OutOfRange {
                    name: "parts",
                    expected:
                        "parts of disjoint corpus shards (each global row id at most once per query row)"
                            .into(),
                    actual: format!("row {i} lists global row {twice} twice"),
                });
            }
            for &(key, j) in &cand[..k] {
                keys.push(key);
                idx.push(j);
            }
        }
        Ok((idx, keys))
    })?;
    let (mut indices, mut keys) = (Vec::with_capacity(rows * k), Vec::with_capacity(rows * k));
    for (i, v) in chunks {
        indices.extend(i);
        keys.extend(v);
    }
    KnnPart::new(PartShape { k, ..first.shape() }, indices, keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::StoredType;
    use crate::metric::Metric;

    fn part(k: usize, indices: Vec<u32>, keys: Vec<f64>) -> KnnPart {
        let rows = indices.len() / k;
        let shape = PartShape {
            k,
            rows,
            metric: Metric::Dot,
            dtype: StoredType::F64,
        };
        KnnPart::new(shape, indices, keys).unwrap()
    }

    #[test]
    fn ties_break_to_the_lower_global_index_whatever_the_part_order() {
        let a = part(2, vec![5, 9], vec![1.0, 2.0]);
        let b = part(3, vec![1, 7, 8], vec![1.0, 2.0, 2.0]);
        let ctl = Ctl::detached();
        for parts in [vec![a.clone(), b.clone()], vec![b, a]] {
            let m = merge(&parts, 4, &ctl).unwrap();
            assert_eq!(m.indices, vec![1, 5, 7, 8]);
            assert_eq!(m.keys, vec![1.0, 1.0, 2.0, 2.0]);
        }
    }

    #[test]
    fn bad_merges_have_codes() {
        let ctl = Ctl::detached();
        let a = part(2, vec![5, 9], vec![1.0, 2.0]);
        assert_eq!(merge(&[], 1, &ctl).unwrap_err().code(), "ERR_EMPTY");
        assert_eq!(
            merge(std::slice::from_ref(&a), 3, &ctl).unwrap_err().code(),
            "ERR_K_TOO_LARGE"
        );
        assert_eq!(
            merge(std::slice::from_ref(&a), 0, &ctl).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
        assert_eq!(
            merge(&[a.clone(), a.clone()], 2, &ctl).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
        let two_rows = part(1, vec![1, 2], vec![0.0, 0.0]);
        assert_eq!(
            merge(&[a.clone(), two_rows], 1, &ctl).unwrap_err().code(),
            "ERR_SHAPE"
        );
        let mut other = a.clone();
        other.metric = Metric::Cosine;
        assert_eq!(
            merge(&[a, other], 1, &ctl).unwrap_err().code(),
            "ERR_INVALID_ARG_VALUE"
        );
    }
}
