//! Hubness of a k-nearest-neighbour graph: how unevenly points occur in other points' neighbour
//! lists (Radovanović, Nanopoulos and Ivanović, "Hubs in space", JMLR 2010).
//!
//! From the k-occurrence `N_k(j)` (how many neighbour lists contain point j):
//! - **skewness** of `N_k` (Fisher–Pearson, biased: `m₃ / m₂^{3/2}`, scipy.stats.skew's
//!   default), the classic hubness score (Radovanović et al. 2010);
//! - **Robin Hood index** `½ Σⱼ |N_k(j) − mean N_k| / Σⱼ N_k(j)` (Feldbauer, Leodolter, Plant and
//!   Flexer, "Fast approximate hubness reduction for large high-dimensional data", IEEE ICBK
//!   2018), the share of occurrences to redistribute for an even graph, in [0, 1); for a
//!   self-excluded all-points graph `Σ N_k = n·k` and `mean N_k = k`;
//! - **hubs** (`N_k ≥ hub_size · k`), **anti-hubs** (`N_k = 0`), the largest `N_k`, and the
//!   hub occurrence (share of the neighbour slots taken by hubs).
//!
//! Definitions follow scikit-hubness (`skhubness/analysis/estimation.py`, `Hubness.score`):
//! note that its code counts hubs with `≥ hub_size · k` although its docstring says `>`; we
//! follow the code.

use std::sync::atomic::{AtomicU32, Ordering};

use embgeo_core::{check_len, chunks::map_chunks, Ctl, Error, Result};

/// Tunables of [`compute`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Hubs are points with `N_k ≥ hub_size · k`. Default 2 (scikit-hubness).
    pub hub_size: f64,
    /// Neighbour-list rows per parallel block. Default 8192.
    pub block_rows: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            hub_size: 2.0,
            block_rows: 8192,
        }
    }
}

/// Hubness measures of a kNN graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Hubness {
    /// Neighbours per row, k.
    pub k: usize,
    /// `N_k(j)` for each of the n points.
    pub occurrences: Vec<u32>,
    /// Fisher–Pearson skewness of `N_k` (biased); 0 when every point occurs equally often.
    pub skewness: f64,
    /// Robin Hood index in [0, 1).
    pub robinhood: f64,
    /// `max_j N_k(j)`.
    pub max_occurrence: u32,
    /// Points with `N_k = 0`.
    pub anti_hubs: usize,
    /// Points with `N_k ≥ hub_size · k`.
    pub hubs: usize,
    /// Share of the `rows · k` neighbour slots taken by hubs: `Σ_hubs N_k / (rows · k)`.
    pub hub_occurrence: f64,
}

/// Hubness of the kNN graph whose row i lists the k neighbours of query i among n points.
///
/// # Shapes and types
/// `indices`: `rows × k` row-major point indices (u32), each `< n`; for an all-points graph
/// `rows = n` and row i excludes i itself (as `knn(X, { k })` returns). `n` ≥ 1 is the number of
/// points that can be neighbours. Returns [`Hubness`] with `n` occurrence counts.
/// # Cost
/// Time O(rows·k + n); extra memory n u32 counters (atomic, counted in parallel blocks).
/// # Determinism
/// Integer counts (order-free) and f64 moments summed sequentially in index order: identical
/// for every `ctl.par`. The first bad index is reported in row-major order.
/// # Errors
/// `Empty` if `rows = 0`, `k = 0` or `n = 0`; `Shape` if `indices.len() ≠ rows · k`;
/// `OutOfRange` if an index is `≥ n` (naming row and column) or `hub_size` is not a positive
/// finite number; `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// scikit-hubness `Hubness` definitions (above) recomputed with numpy/scipy on kNN graphs from
/// scikit-learn `NearestNeighbors(algorithm="brute")`: fixtures `metrics/*` at rtol 1e-10.
pub fn compute(
    indices: &[u32],
    rows: usize,
    k: usize,
    n: usize,
    params: &Params,
    ctl: &Ctl<'_>,
) -> Result<Hubness> {
    compute_strided(indices, [rows, k, k], n, params, ctl)
}

/// [`compute`] on neighbour lists longer than k: `indices` is `rows × stride` (`stride ≥ k`),
/// and the first k of each row are read (e.g. hubness at k = 10 of a k = 20 graph, no copy).
///
/// # Cost, determinism, panics, reference
/// As [`compute`]; time O(rows·k + n) whatever the stride.
/// # Errors
/// As [`compute`], with `Shape` if `indices.len() ≠ rows · stride` and `OutOfRange` if
/// `stride < k`.
pub fn compute_strided(
    indices: &[u32],
    [rows, k, stride]: [usize; 3],
    n: usize,
    params: &Params,
    ctl: &Ctl<'_>,
) -> Result<Hubness> {
    check_graph(indices.len(), [rows, k, stride], n, "hubness", Some(params))?;
    let occurrences = count(indices, [rows, k, stride], n, params.block_rows, ctl)?;
    Ok(from_counts(occurrences, rows, k, params))
}

/// In this order: `Empty` if `rows`, `k` or `n` is 0 (`method` names the caller);
/// `OutOfRange` for a `hub_size` that is not a positive finite number (when `params` is given)
/// or `stride < k`; `Shape` unless `len = rows · stride`; `OutOfRange` if `n > 2^32`. O(1).
pub(crate) fn check_graph(
    len: usize,
    [rows, k, stride]: [usize; 3],
    n: usize,
    method: &'static str,
    params: Option<&Params>,
) -> Result<()> {
    for (what, v) in [("neighbors", rows), ("k", k), ("points", n)] {
        if v == 0 {
            return Err(Error::Empty {
                what: if what == "k" { "neighbors.k" } else { "neighbors" },
                actual: 0,
                needed: 1,
                unit: if what == "k" { "columns" } else { "rows" },
                method,
            });
        }
    }
    if let Some(p) = params {
        check_hub_size(p)?;
    }
    check_layout(len, [rows, k, stride])?;
    if n as u64 > u64::from(u32::MAX) + 1 {
        return Err(Error::OutOfRange {
            name: "n",
            expected: format!("at most {}", u64::from(u32::MAX) + 1),
            actual: n.to_string(),
        });
    }
    Ok(())
}

/// `OutOfRange` unless `params.hub_size` is a positive finite number.
pub(crate) fn check_hub_size(params: &Params) -> Result<()> {
    if !params.hub_size.is_finite() || params.hub_size <= 0.0 {
        return Err(Error::OutOfRange {
            name: "hubSize",
            expected: "a finite number > 0".into(),
            actual: params.hub_size.to_string(),
        });
    }
    Ok(())
}

/// The k-occurrence `N_k(j)` of each of the `n` points in the first k of each `stride`-long
/// row of `indices` (checked by [`check_graph`]), counted in parallel blocks of `block_rows`
/// rows. O(rows·k + n) time, n u32 counters.
///
/// # Errors
/// `OutOfRange` for the first index `≥ n` in row-major order (naming row and column);
/// `Cancelled`.
pub(crate) fn count(
    indices: &[u32],
    [rows, k, stride]: [usize; 3],
    n: usize,
    block_rows: usize,
    ctl: &Ctl<'_>,
) -> Result<Vec<u32>> {
    let counts: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
    let bad = map_chunks(ctl, "hubness", rows, block_rows, |r| {
        let mut first = None;
        for row in r {
            for (col, &j) in indices[row * stride..row * stride + k].iter().enumerate() {
                if (j as usize) < n {
                    counts[j as usize].fetch_add(1, Ordering::Relaxed);
                } else if first.is_none() {
                    first = Some((row, col, j));
                }
            }
        }
        Ok(first)
    })?;
    if let Some((row, col, j)) = bad.into_iter().flatten().next() {
        return Err(Error::OutOfRange {
            name: "neighbors.indices",
            expected: format!("point indices < n = {n}"),
            actual: format!("{j} at row {row}, column {col}"),
        });
    }
    Ok(counts.into_iter().map(AtomicU32::into_inner).collect())
}

/// The hubness measures of the k-occurrences `occurrences` (n ≥ 1 values) of a graph of `rows`
/// lists of k neighbours (`Σ occurrences = rows · k`), `params.hub_size` checked. The one
/// place the statistics are computed: [`compute`] and the merge of parts
/// ([`crate::hubness_part::merge_parts`]) both end here, so equal counts give bit-identical
/// results. O(n) time, sequential, in index order.
pub(crate) fn from_counts(occurrences: Vec<u32>, rows: usize, k: usize, params: &Params) -> Hubness {
    let expected = rows * k;
    let nf = occurrences.len() as f64;
    let total: f64 = occurrences.iter().map(|&c| f64::from(c)).sum();
    let mean = total / nf;
    let (mut m2, mut m3, mut abs_dev) = (0.0f64, 0.0f64, 0.0f64);
    for &c in &occurrences {
        let dv = f64::from(c) - mean;
        m2 += dv * dv;
        m3 += dv * dv * dv;
        abs_dev += dv.abs();
    }
    m2 /= nf;
    m3 /= nf;
    // scipy returns NaN for a constant sample; every point occurring equally often has no
    // hubness, so 0. (Counts are integers: m2 is either 0 or at least 1/n².)
    let skewness = if m2 > 0.0 { m3 / m2.powf(1.5) } else { 0.0 };
    let threshold = params.hub_size * k as f64;
    let mut hubs = 0usize;
    let mut hub_slots = 0u64;
    let mut anti_hubs = 0usize;
    let mut max_occurrence = 0u32;
    for &c in &occurrences {
        if f64::from(c) >= threshold {
            hubs += 1;
            hub_slots += u64::from(c);
        }
        if c == 0 {
            anti_hubs += 1;
        }
        max_occurrence = max_occurrence.max(c);
    }
    Hubness {
        k,
        skewness,
        robinhood: 0.5 * abs_dev / total,
        max_occurrence,
        anti_hubs,
        hubs,
        hub_occurrence: hub_slots as f64 / expected as f64,
        occurrences,
    }
}

/// `OutOfRange` if `stride < k`; `Shape` unless `len = rows · stride`.
fn check_layout(len: usize, [rows, k, stride]: [usize; 3]) -> Result<()> {
    if stride < k {
        return Err(Error::OutOfRange {
            name: "neighbors.stride",
            expected: format!("at least k = {k}"),
            actual: stride.to_string(),
        });
    }
    check_len(
        len,
        rows,
        stride,
        if stride == k { "rows * k" } else { "rows * stride" },
        "neighbors.indices.length",
        "pass the indices of one kNN result with its rows and k",
    )
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::assert_same_for_threads;

    #[test]
    fn star_graph_has_one_hub() {
        // 5 points, k = 1: everyone's neighbour is point 0, point 0's is point 1.
        let idx = [1u32, 0, 0, 0, 0];
        let h = compute(&idx, 5, 1, 5, &Params::default(), &Ctl::detached()).unwrap();
        assert_eq!(h.occurrences, vec![4, 1, 0, 0, 0]);
        assert_eq!((h.max_occurrence, h.anti_hubs, h.hubs), (4, 3, 1));
        // Robin Hood: ½(|4−1| + 0 + 3·|0−1|) / 5 = 3/5.
        assert!((h.robinhood - 0.6).abs() < 1e-15);
        assert!((h.hub_occurrence - 0.8).abs() < 1e-15);
        // Skewness of (4, 1, 0, 0, 0): mean 1, m2 = (9+0+1+1+1)/5, m3 = (27+0−3)/5.
        let (m2, m3) = (12.0f64 / 5.0, 24.0 / 5.0);
        assert!((h.skewness - m3 / m2.powf(1.5)).abs() < 1e-14);
    }

    #[test]
    fn stride_reads_the_first_k_of_longer_lists() {
        // Rows of 3 values, k = 2: the third column (out of range) is never read.
        let long = [1u32, 2, 99, 2, 0, 99, 0, 1, 99, 0, 1, 99];
        let short = [1u32, 2, 2, 0, 0, 1, 0, 1];
        let p = Params {
            block_rows: 3,
            ..Params::default()
        };
        let ctl = Ctl::detached();
        let a = compute_strided(&long, [4, 2, 3], 4, &p, &ctl).unwrap();
        assert_eq!(a, compute(&short, 4, 2, 4, &p, &ctl).unwrap());
        let narrow = compute_strided(&short, [4, 2, 1], 4, &p, &ctl).unwrap_err();
        assert_eq!(narrow.code(), "ERR_OUT_OF_RANGE");
        let e = compute_strided(&long[..11], [4, 2, 3], 4, &p, &ctl).unwrap_err();
        assert_eq!(e.code(), "ERR_SHAPE");
    }

    #[test]
    fn ring_graph_has_no_hubness() {
        // Each point's two neighbours are its ring neighbours: every N_k = 2.
        let n = 9;
        let idx: Vec<u32> = (0..n)
            .flat_map(|i| [((i + 1) % n) as u32, ((i + n - 1) % n) as u32])
            .collect();
        let h = compute(&idx, n, 2, n, &Params::default(), &Ctl::detached()).unwrap();
        assert_eq!((h.skewness, h.robinhood, h.hubs, h.anti_hubs), (0.0, 0.0, 0, 0));
    }

    #[test]
    fn out_of_range_index_names_the_first_row_and_column() {
        let idx = [1u32, 2, 0, 7, 0, 9];
        let e = compute(
            &idx,
            3,
            2,
            3,
            &Params {
                block_rows: 1,
                ..Params::default()
            },
            &Ctl::detached(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
        assert!(e.to_string().contains("7 at row 1, column 1"), "{e}");
        assert_eq!(
            compute(&idx[..5], 3, 2, 3, &Params::default(), &Ctl::detached())
                .unwrap_err()
                .code(),
            "ERR_SHAPE"
        );
        assert_eq!(
            compute(&[], 0, 2, 3, &Params::default(), &Ctl::detached())
                .unwrap_err()
                .code(),
            "ERR_EMPTY"
        );
        let bad = Params {
            hub_size: 0.0,
            ..Params::default()
        };
        assert_eq!(
            compute(&idx, 3, 2, 10, &bad, &Ctl::detached())
                .unwrap_err()
                .code(),
            "ERR_OUT_OF_RANGE"
        );
    }

    #[test]
    fn identical_for_every_thread_count() {
        let (n, k) = (5000, 7);
        let idx: Vec<u32> = (0..n * k)
            .map(|i| ((i * 2_654_435_761usize) % n.min(3000)) as u32)
            .collect();
        let p = Params {
            block_rows: 97,
            ..Params::default()
        };
        assert_same_for_threads("hubness", &[3], |ctl| compute(&idx, n, k, n, &p, ctl).unwrap());
    }
}
