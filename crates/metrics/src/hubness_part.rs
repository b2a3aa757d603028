//! [`HubnessPart`]: the mergeable state of [`crate::hubness::compute`] for a block of query
//! rows, and its versioned, checksummed binary form.
//!
//! Every hubness measure is a function of the k-occurrences `N_k(j)` of the n points (how many
//! neighbour lists contain point j) and of the number of lists. A block of query rows (e.g. one
//! merged query block of a sharded all-points kNN graph) contributes its own counts, and the
//! counts of the whole graph are their sums: integers, so the merge is exact in any order. The
//! statistics are then computed once from the merged counts by the same function
//! [`crate::hubness::compute`] ends in, so the merged result is bit-identical to the
//! single-process call on the whole graph.
//!
//! A part records which query rows it counted (`query_offset .. query_offset + rows`, global
//! row ids), so that a merge refuses parts that count the same rows twice.

use embgeo_core::frame::{self, Writer};
use embgeo_core::{Ctl, Error, Result};

use crate::hubness::{check_graph, check_hub_size, count, from_counts, Hubness, Params};
use crate::parts::split_parts;

/// Magic bytes of a serialised [`HubnessPart`].
const MAGIC: [u8; 8] = *b"EMBGHUBP";
/// Its format version.
const VERSION: u32 = 1;
/// Global query row ids are u32: `query_offset + rows ≤ 2^32`.
const ID_LIMIT: u64 = 1 << 32;

/// The k-occurrence counts of the n points over the neighbour lists of some query rows.
///
/// # Memory
/// `4·n` bytes (one u32 per point) plus the struct; the binary form
/// ([`HubnessPart::to_bytes`]) is [`HubnessPart::byte_size`] = `48 + 4·n` bytes (n = 1e8:
/// 400 MB).
#[derive(Debug, Clone, PartialEq)]
pub struct HubnessPart {
    /// Neighbours per list.
    pub k: usize,
    /// Global row id of the first query row counted.
    pub query_offset: usize,
    /// Query rows (neighbour lists) counted.
    pub rows: usize,
    /// `N_k(j)` over these lists, for each of the n points.
    pub occurrences: Vec<u32>,
}

/// The hubness state of the neighbour lists of query rows `query_offset ..
/// query_offset + rows`: their k-occurrence counts over the `n` points.
///
/// # Shapes and types
/// `indices`: `rows × stride` row-major point indices (u32), `stride ≥ k`, the first k of each
/// row read, each `< n` (global ids: for a block of an all-points graph, the merged block as
/// `mergeKnn` returns it). Returns a [`HubnessPart`] with n counts.
/// # Cost
/// Time O(rows·k + n); memory the `4·n`-byte part (counted in parallel blocks of
/// `params.block_rows` rows; `params.hub_size` is not used here, only by the merge).
/// # Determinism
/// Integer counts: identical for every `ctl.par` and thread count.
/// # Errors
/// `Empty` if `rows`, `k` or `n` is 0; `Shape` if `indices.len() ≠ rows · stride`;
/// `OutOfRange` if `stride < k`, `n > 2^32`, `query_offset + rows > 2^32`, or an index is
/// `≥ n` (naming the first row and column); `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// [`crate::hubness::compute`]; merged parts equal it bit for bit (tests below).
pub fn part(
    indices: &[u32],
    [rows, k, stride]: [usize; 3],
    n: usize,
    query_offset: usize,
    params: &Params,
    ctl: &Ctl<'_>,
) -> Result<HubnessPart> {
    check_graph(indices.len(), [rows, k, stride], n, "hubnessPart", None)?;
    check_offset(query_offset, rows)?;
    Ok(HubnessPart {
        k,
        query_offset,
        rows,
        occurrences: count(indices, [rows, k, stride], n, params.block_rows, ctl)?,
    })
}

/// `OutOfRange` unless `query_offset + rows ≤ 2^32`.
fn check_offset(query_offset: usize, rows: usize) -> Result<()> {
    if query_offset as u64 + rows as u64 > ID_LIMIT {
        return Err(Error::OutOfRange {
            name: "queryOffset",
            expected: format!("an offset with queryOffset + rows <= {ID_LIMIT} (u32 global row ids)"),
            actual: format!("{query_offset} + {rows} rows"),
        });
    }
    Ok(())
}

impl HubnessPart {
    /// A part from its fields (as a host passes them back), checked: k ≥ 1, rows ≥ 1, n ≥ 1
    /// counts, `query_offset + rows ≤ 2^32`, and counts summing to `rows · k` (each list holds
    /// k entries). O(n).
    ///
    /// # Errors
    /// `OutOfRange` (name `part`, or `queryOffset`) for fields no [`part`] call could have
    /// produced.
    pub fn new(k: usize, query_offset: usize, rows: usize, occurrences: Vec<u32>) -> Result<Self> {
        let total = occurrences
            .iter()
            .try_fold(0u64, |s, &c| s.checked_add(u64::from(c)));
        let lists = (rows as u64).checked_mul(k as u64);
        if k == 0 || rows == 0 || occurrences.is_empty() || total.is_none() || lists != total {
            return Err(Error::OutOfRange {
                name: "part",
                expected: "a hubness part as hubnessPart returned it (k >= 1, rows >= 1, at least one point, occurrences summing to rows * k)".into(),
                actual: format!(
                    "k = {k}, rows = {rows}, {} points with occurrences summing to {}",
                    occurrences.len(),
                    total.map_or_else(|| "more than 2^64".into(), |t| t.to_string())
                ),
            });
        }
        check_offset(query_offset, rows)?;
        Ok(Self {
            k,
            query_offset,
            rows,
            occurrences,
        })
    }

    /// Bytes of the binary form of a part over `n` points: `48 + 4·n`.
    #[must_use]
    pub fn byte_size(n: usize) -> usize {
        frame::PREFIX + 32 + 4 * n + frame::TRAILER
    }

    /// The binary form, version 1, little-endian, in the [`embgeo_core::frame`] envelope:
    /// `"EMBGHUBP"`, u32 version = 1, u64 n, u64 k, u64 query offset, u64 rows, then n u32
    /// counts, then the CRC-32. [`HubnessPart::byte_size`] bytes; deterministic.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.occurrences.len();
        let mut w = Writer::new(MAGIC, VERSION, 32 + 4 * n);
        w.size(n)
            .size(self.k)
            .size(self.query_offset)
            .size(self.rows)
            .u32s(&self.occurrences);
        w.finish()
    }

    /// Load what [`HubnessPart::to_bytes`] wrote. O(n).
    ///
    /// # Errors
    /// `BadModel` for anything else: wrong magic, another version, a checksum mismatch
    /// (corrupted or truncated), a length that disagrees with the header, or content that is
    /// not a valid part (see [`HubnessPart::new`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = frame::open(bytes, MAGIC, VERSION, "hubness part")?;
        let n = r.size()?;
        let (k, query_offset, rows) = (r.size()?, r.size()?, r.size()?);
        let occurrences = r.u32s(n)?;
        r.finish()?;
        Self::new(k, query_offset, rows, occurrences).map_err(|e| r.bad(&e.to_string()))
    }
}

/// The hubness of the union of the parts' neighbour lists: the counts summed (exact integers),
/// then the statistics by the code of [`crate::hubness::compute`], so the result is
/// bit-identical to `compute` on all the lists at once, whatever the number, order or size of
/// the parts.
///
/// # Cost
/// Time O(n · parts + parts·log parts); memory one `4·n`-byte count vector.
/// # Errors
/// `Empty` if `parts` is empty; `Shape` if the parts count different numbers of points;
/// `OutOfRange` if their k differ, two parts count the same query row (overlapping
/// `query_offset .. + rows` ranges), a merged count overflows u32, or `params.hub_size` is not
/// a positive finite number.
pub fn merge_parts(parts: &[HubnessPart], params: &Params) -> Result<Hubness> {
    check_hub_size(params)?;
    let (first, rest) = split_parts(parts, "mergeHubness")?;
    for p in rest {
        Error::require_equal(
            "points of the merged hubness parts",
            first.occurrences.len(),
            p.occurrences.len(),
            "merge parts of one graph (the same points)",
        )?;
        if p.k != first.k {
            return Err(Error::OutOfRange {
                name: "parts",
                expected: format!("hubness parts of one k (the first has k = {})", first.k),
                actual: format!("a part with k = {}", p.k),
            });
        }
    }
    check_disjoint(parts)?;
    let mut counts = first.occurrences.clone();
    for p in rest {
        for (c, &v) in counts.iter_mut().zip(&p.occurrences) {
            *c = c.checked_add(v).ok_or_else(|| Error::OutOfRange {
                name: "parts",
                expected: "merged occurrence counts below 2^32".into(),
                actual: "a count that overflows u32".into(),
            })?;
        }
    }
    let rows = parts.iter().map(|p| p.rows).sum();
    Ok(from_counts(counts, rows, first.k, params))
}

/// `OutOfRange` if two parts' query row ranges overlap (the same lists counted twice).
fn check_disjoint(parts: &[HubnessPart]) -> Result<()> {
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| (parts[i].query_offset, i));
    for w in order.windows(2) {
        let (a, b) = (&parts[w[0]], &parts[w[1]]);
        let a_end = a.query_offset as u64 + a.rows as u64;
        if (b.query_offset as u64) < a_end {
            return Err(Error::OutOfRange {
                name: "parts",
                expected: "parts of disjoint query rows (give each part its block's queryOffset)".into(),
                actual: format!(
                    "parts {} and {} both count query row {} (rows {}..{} and {}..{})",
                    w[0].min(w[1]),
                    w[0].max(w[1]),
                    b.query_offset,
                    a.query_offset,
                    a_end,
                    b.query_offset,
                    b.query_offset as u64 + b.rows as u64
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hubness::compute_strided;
    use crate::testing::assert_same_for_threads;

    /// A skewed `rows × stride` graph over n points: id = (n − 10)·(h/p)² for a hash h < p, so
    /// low ids occur far more often (hubs) and the last 10 never (anti-hubs).
    fn graph(rows: usize, stride: usize, n: usize) -> Vec<u32> {
        const P: usize = 1_000_003;
        (0..rows * stride)
            .map(|i| {
                let h = (i * 2_654_435_761usize) % P;
                (h * h / P * (n - 10) / P) as u32
            })
            .collect()
    }

    fn part_of(idx: &[u32], [a, b]: [usize; 2], [k, stride]: [usize; 2], n: usize) -> HubnessPart {
        let p = Params {
            block_rows: 37,
            ..Params::default()
        };
        part(
            &idx[a * stride..b * stride],
            [b - a, k, stride],
            n,
            a,
            &p,
            &Ctl::detached(),
        )
        .unwrap()
    }

    #[test]
    fn parts_moved_as_bytes_merge_bit_identically_in_any_order() {
        let (rows, n, k, stride) = (1000, 700, 7, 9);
        let idx = graph(rows, stride, n);
        let p = Params {
            hub_size: 1.5,
            ..Params::default()
        };
        let whole = compute_strided(&idx, [rows, k, stride], n, &p, &Ctl::detached()).unwrap();
        assert!(
            whole.hubs > 0 && whole.anti_hubs > 0 && whole.skewness > 0.5,
            "{whole:?}"
        );
        for cuts in [vec![0, rows], vec![0, 1, 333, 334, rows], vec![0, 500, 999, rows]] {
            let mut parts: Vec<HubnessPart> = cuts
                .windows(2)
                .map(|w| {
                    let pt = part_of(&idx, [w[0], w[1]], [k, stride], n);
                    let b = pt.to_bytes();
                    assert_eq!(b.len(), HubnessPart::byte_size(n));
                    assert_eq!(b.len(), 48 + 4 * n);
                    HubnessPart::from_bytes(&b).unwrap()
                })
                .collect();
            assert_eq!(merge_parts(&parts, &p).unwrap(), whole, "cuts {cuts:?}");
            parts.reverse();
            assert_eq!(merge_parts(&parts, &p).unwrap(), whole, "cuts {cuts:?} reversed");
        }
    }

    #[test]
    fn counts_are_identical_for_every_thread_count() {
        let idx = graph(3000, 5, 900);
        assert_same_for_threads("hubnessPart", &[3], |ctl| {
            part(
                &idx,
                [3000, 5, 5],
                900,
                0,
                &Params {
                    block_rows: 97,
                    ..Params::default()
                },
                ctl,
            )
            .unwrap()
        });
    }

    #[test]
    fn overlapping_rows_other_k_or_points_and_bad_hub_size_are_refused() {
        let (n, k) = (50, 3);
        let idx = graph(40, k, n);
        let a = part_of(&idx, [0, 20], [k, k], n);
        let b = part_of(&idx, [10, 40], [k, k], n);
        let e = merge_parts(&[a.clone(), b], &Params::default()).unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
        assert!(
            e.to_string().contains("parts 0 and 1 both count query row 10"),
            "{e}"
        );
        assert_eq!(
            merge_parts(&[a.clone(), a.clone()], &Params::default())
                .unwrap_err()
                .code(),
            "ERR_OUT_OF_RANGE"
        );
        let other_k = part(
            &idx[60..120],
            [20, 2, 3],
            n,
            20,
            &Params::default(),
            &Ctl::detached(),
        )
        .unwrap();
        assert_eq!(
            merge_parts(&[a.clone(), other_k], &Params::default())
                .unwrap_err()
                .code(),
            "ERR_OUT_OF_RANGE"
        );
        let other_n = part(
            &idx[60..],
            [20, k, k],
            n + 1,
            20,
            &Params::default(),
            &Ctl::detached(),
        )
        .unwrap();
        assert_eq!(
            merge_parts(&[a.clone(), other_n], &Params::default())
                .unwrap_err()
                .code(),
            "ERR_SHAPE"
        );
        let bad = Params {
            hub_size: f64::NAN,
            ..Params::default()
        };
        assert_eq!(merge_parts(&[a], &bad).unwrap_err().code(), "ERR_OUT_OF_RANGE");
        assert_eq!(
            merge_parts(&[], &Params::default()).unwrap_err().code(),
            "ERR_EMPTY"
        );
    }

    #[test]
    fn bad_graphs_offsets_and_fields_are_refused() {
        let ctl = Ctl::detached();
        let p = Params::default();
        let e = part(&[0, 1, 5, 0], [2, 2, 2], 3, 0, &p, &ctl).unwrap_err();
        assert!(e.to_string().contains("5 at row 1, column 0"), "{e}");
        assert_eq!(
            part(&[0, 1, 2], [2, 2, 2], 3, 0, &p, &ctl).unwrap_err().code(),
            "ERR_SHAPE"
        );
        assert_eq!(
            part(&[], [0, 2, 2], 3, 0, &p, &ctl).unwrap_err().code(),
            "ERR_EMPTY"
        );
        assert_eq!(
            part(&[0, 1], [1, 2, 2], 0, 0, &p, &ctl).unwrap_err().code(),
            "ERR_EMPTY"
        );
        let at_limit = part(&[0, 1], [1, 2, 2], 3, (1 << 32) - 1, &p, &ctl).unwrap();
        assert_eq!(at_limit.occurrences, vec![1, 1, 0]);
        let e = part(&[0, 1], [1, 2, 2], 3, 1 << 32, &p, &ctl).unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
        assert_eq!(
            HubnessPart::new(2, 0, 1, vec![1, 0, 0]).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
        assert_eq!(
            HubnessPart::new(0, 0, 1, vec![0]).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
        assert_eq!(
            HubnessPart::new(1, 0, 1, vec![]).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
        assert_eq!(
            HubnessPart::new(2, 0, 1, vec![1, 1]).unwrap(),
            HubnessPart {
                k: 2,
                query_offset: 0,
                rows: 1,
                occurrences: vec![1, 1]
            }
        );
    }

    #[test]
    fn corrupt_truncated_or_foreign_bytes_are_bad_model() {
        let idx = graph(20, 3, 20);
        let b = part_of(&idx, [0, 20], [3, 3], 20).to_bytes();
        for i in [0, 8, 12, 20, 28, 36, 44, b.len() - 1] {
            let mut c = b.clone();
            c[i] ^= 0x10;
            assert_eq!(
                HubnessPart::from_bytes(&c).unwrap_err().code(),
                "ERR_BAD_MODEL",
                "byte {i}"
            );
        }
        assert_eq!(
            HubnessPart::from_bytes(&b[..b.len() - 4]).unwrap_err().code(),
            "ERR_BAD_MODEL"
        );
        // a consistent frame whose counts do not sum to rows · k
        let mut w = Writer::new(MAGIC, VERSION, 32 + 8);
        w.size(2).size(3).size(0).size(1).u32s(&[1, 1]);
        let e = HubnessPart::from_bytes(&w.finish()).unwrap_err();
        assert_eq!(e.code(), "ERR_BAD_MODEL");
        assert!(e.to_string().contains("summing to 2"), "{e}");
        // n larger than the payload: refused before allocating
        let mut w = Writer::new(MAGIC, VERSION, 32);
        w.size(usize::MAX / 2).size(1).size(0).size(1);
        assert_eq!(
            HubnessPart::from_bytes(&w.finish()).unwrap_err().code(),
            "ERR_BAD_MODEL"
        );
    }
}
