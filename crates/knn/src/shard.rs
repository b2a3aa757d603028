//! Shard searches: the kNN of a query block against one corpus shard, with global row ids
//! ([`Params::row_offset`]) and, for the all-points graph, the self-match excluded by global id
//! ([`Params::query_offset`]). The result is a [`KnnPart`] that [`crate::merge`] combines
//! bit-identically with the parts of the other shards.

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};

use crate::brute::Params;
use crate::index::StoredType;
use crate::metric::Metric;
use crate::part::{KnnPart, PartShape};
use crate::scaled;

/// Largest number of global row ids (u32 indices), in u64 so that it exists on 32-bit targets.
const MAX_ROWS: u64 = u32::MAX as u64 + 1;

pub(crate) fn global_end(name: &'static str, offset: usize, rows: usize) -> Result<usize> {
    offset
        .checked_add(rows)
        .filter(|&e| e as u64 <= MAX_ROWS)
        .ok_or_else(|| Error::OutOfRange {
            name,
            expected: format!("such that offset + rows <= {MAX_ROWS} (u32 global row ids)"),
            actual: format!("{offset} + {rows}"),
        })
}

/// The `k` nearest corpus rows of each query row (of every corpus row, itself excluded, when
/// `queries` is `None`), as a [`KnnPart`] with global row ids `p.row_offset + local row`.
///
/// With `p.query_offset = Some(o)`, query row `i` is global row `o + i` and the corpus row of the
/// same global id is not a candidate: the part of query block × shard is then exactly the shard's
/// share of the all-points graph. When the query block overlaps the shard this needs k ≤ shard
/// rows − 1 (the engine finds k + 1 and drops the self-match, which is exact: the first k of the
/// rest). So every shard of an all-points graph needs more than k rows.
///
/// Keys: the engine ranks euclidean by the squared distance; the part runs it with
/// `SqEuclidean` (the same keys and order) and keeps the keys, so merged distances `√key` are
/// the single-process ones bit for bit. With extreme f64 magnitudes (see [`crate::search`]) this
/// holds unless a squared distance is subnormal or beyond the f64 range in the data's units
/// (then `OutOfRange`, where the euclidean search might not fail).
///
/// # Shapes and types
/// `corpus`: n × d, `queries`: q × d, f32 or f64. Returns `rows = q` (or n) × `k`.
/// # Cost
/// As [`crate::search`] (one more neighbour per row when the self-match is dropped) plus
/// O(q·k) to drop it and offset the ids.
/// # Determinism
/// Bit-identical for every thread count; keys depend only on the two vectors of a pair.
/// # Errors
/// As [`crate::search`] / [`crate::all_points`]; `OutOfRange` if `query_offset` is given without
/// queries or an offset + rows exceeds 2^32; `KTooLarge` (available n − 1) when the query block
/// overlaps the shard and k > n − 1.
/// # Panics
/// Never on any input; a panic is a bug.
pub fn search_part<T: Element>(
    corpus: MatRef<'_, T>,
    queries: Option<MatRef<'_, T>>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<KnnPart> {
    let n = corpus.rows();
    let ro = p.row_offset.unwrap_or(0);
    global_end("rowOffset", ro, n)?;
    let mut inner = Params {
        row_offset: None,
        query_offset: None,
        ..p.clone()
    };
    if p.metric == Metric::Euclidean {
        inner.metric = Metric::SqEuclidean;
    }
    // `self_of(i)`: the local corpus row that is query row i itself, if any
    let (nb, qo): (Neighbors, Option<usize>) = match (queries, p.query_offset) {
        (None, Some(_)) => {
            return Err(Error::OutOfRange {
                name: "queryOffset",
                expected: "given only with queries".into(),
                actual: "queryOffset without queries".into(),
            })
        }
        (None, None) => (scaled::all_points(corpus, &inner, ctl)?, None),
        (Some(q), None) => (scaled::search(corpus, q, &inner, ctl)?, None),
        (Some(q), Some(qo)) => {
            let q_end = global_end("queryOffset", qo, q.rows())?;
            let overlap = qo < ro + n && ro < q_end;
            if overlap {
                if p.k >= n {
                    return Err(Error::KTooLarge {
                        k: p.k,
                        available: n.saturating_sub(1),
                        why: format!(
                            "the shard has {n} rows and the query block overlaps it, so each query's own row is excluded"
                        ),
                    });
                }
                inner.k = p.k + 1;
            }
            (scaled::search(corpus, q, &inner, ctl)?, overlap.then_some(qo))
        }
    };
    let dtype = if std::mem::size_of::<T>() == 4 {
        StoredType::F32
    } else {
        StoredType::F64
    };
    let (k, rows) = (p.k, nb.rows);
    let mut indices = Vec::with_capacity(rows * k);
    let mut keys = Vec::with_capacity(rows * k);
    for i in 0..rows {
        let own = qo.and_then(|o| (o + i).checked_sub(ro)).filter(|&j| j < n);
        let row = nb
            .indices_of(i)
            .iter()
            .zip(nb.distances_of(i))
            .filter(|(&j, _)| Some(j as usize) != own)
            .take(k);
        for (&j, &key) in row {
            indices.push((ro + j as usize) as u32);
            keys.push(key);
        }
    }
    let shape = PartShape {
        k,
        rows,
        metric: p.metric,
        dtype,
    };
    KnnPart::new(shape, indices, keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge;

    fn grid(n: usize, d: usize) -> Vec<f64> {
        // small integers: many exact distance ties
        (0..n * d)
            .map(|i| f64::from(((i * 7 + i / d * 3) % 5) as u32))
            .collect()
    }

    #[test]
    fn shards_merge_into_the_all_points_graph_bit_for_bit() {
        let (n, d, k) = (37, 3, 4);
        let x = grid(n, d);
        let m = MatRef::from_flat(&x, d).unwrap();
        let ctl = Ctl::detached();
        for metric in [Metric::Euclidean, Metric::SqEuclidean, Metric::Dot] {
            let p = Params::new(k, metric);
            let want = crate::all_points(m, &p, &ctl).unwrap();
            for cuts in [vec![0, 37], vec![0, 10, 37], vec![0, 5, 11, 30, 37]] {
                let mut merged_rows = Vec::new();
                for (qa, qb) in [(0, 20), (20, 37)] {
                    let mut parts = Vec::new();
                    for w in cuts.windows(2) {
                        let shard = m.row_block(w[0], w[1]);
                        let sp = Params {
                            row_offset: Some(w[0]),
                            query_offset: Some(qa),
                            ..p.clone()
                        };
                        parts.push(search_part(shard, Some(m.row_block(qa, qb)), &sp, &ctl).unwrap());
                    }
                    merged_rows.push(merge(&parts, k, &ctl).unwrap().to_neighbors());
                }
                let idx: Vec<u32> = merged_rows.iter().flat_map(|r| r.indices.clone()).collect();
                let dist: Vec<f64> = merged_rows.iter().flat_map(|r| r.distances.clone()).collect();
                assert_eq!(idx, want.indices, "{metric:?} {cuts:?}");
                assert_eq!(dist, want.distances, "{metric:?} {cuts:?}");
            }
        }
    }

    #[test]
    fn offsets_shift_ids_and_query_offset_needs_queries() {
        let x = grid(10, 2);
        let m = MatRef::from_flat(&x, 2).unwrap();
        let ctl = Ctl::detached();
        let p = Params {
            row_offset: Some(100),
            ..Params::new(2, Metric::Euclidean)
        };
        let plain = crate::search(m, m.row_block(0, 3), &Params::new(2, Metric::Euclidean), &ctl).unwrap();
        let part = search_part(m, Some(m.row_block(0, 3)), &p, &ctl).unwrap();
        let shifted: Vec<u32> = plain.indices.iter().map(|i| i + 100).collect();
        assert_eq!(part.indices, shifted);
        assert_eq!(part.to_neighbors().distances, plain.distances);
        let bad = Params {
            query_offset: Some(0),
            ..p.clone()
        };
        assert_eq!(
            search_part(m, None, &bad, &ctl).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
        let huge = Params {
            row_offset: Some(u32::MAX as usize),
            ..p
        };
        assert_eq!(
            search_part(m, None, &huge, &ctl).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
    }
}
