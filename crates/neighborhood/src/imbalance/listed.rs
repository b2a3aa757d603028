//! The ranks in A of B's neighbours, read off A's own (longer) kNN list where they appear in it,
//! screened for the other rows only.
//!
//! A's kNN list of row `i` holds its K nearest other rows sorted by `(exact key, index)`, the
//! order the rank counts in: a row `j` at position `p` (0-based) of that list has exactly `p`
//! other rows before it, so its rank is `p + 1` with no further work. On related
//! representations most of B's neighbours lie among A's first few dozen (20,000 × 384 vs 768,
//! k = 1, the benchmark data: 93 % within A's first 32), and only the rows with a neighbour
//! beyond the list need the screened rank pass ([`embgeo_knn::ranks_of_rows`], 2·m·N·d FLOPs
//! for m rows); when they are many, the symmetric rank pass of all rows (N²·d) is cheaper.

use embgeo_core::{Ctl, Element, MatRef, Neighbors, Result};
use embgeo_knn::{Metric, Ranks};

/// Neighbours per row of A's list: the rank lookup covers B's neighbours among A's first
/// `LISTED` (for k below it). Measured on 20,000 × 384 (2 threads): A's graph takes 0.63 s at
/// k = 1 and 0.77 s at k = 32, while the list places 93 % of the rows of the benchmark data.
pub(super) const LISTED: usize = 32;

/// The screened rows of the ranks in A when at most this fraction of all rows: the listed-rows
/// pass costs 2·m·N·d FLOPs against N²·d for all rows (symmetric), so it pays below one half;
/// 0.4 keeps a margin for its less cache-friendly gathered rows.
const SCREEN_SOME_MAX: f64 = 0.4;

/// The first `k` neighbours of each row of `long` (sorted rows with at least `k` each): the
/// kNN graph for `k`, as the engine would return it.
pub(super) fn prefix(long: &Neighbors, k: usize) -> Neighbors {
    let (mut indices, mut distances) = (
        Vec::with_capacity(long.rows * k),
        Vec::with_capacity(long.rows * k),
    );
    for i in 0..long.rows {
        indices.extend_from_slice(&long.indices_of(i)[..k]);
        distances.extend_from_slice(&long.distances_of(i)[..k]);
    }
    Neighbors {
        k,
        rows: long.rows,
        indices,
        distances,
    }
}

/// What [`rank_sum`] found.
pub(super) struct RankSum {
    /// Σ of the ranks in A of every row's targets.
    pub sum: u64,
    /// Exact keys the screened rows evaluated ([`Ranks::exact_keys`]).
    pub exact_keys: u64,
    /// Rows whose ranks were screened (N when every row was).
    pub screened: usize,
}

/// Σ over every row `i` and each target `j` of `targets` (B's graph) of the rank of `j` from `i`
/// in `a`, with `long` A's kNN list (the engine's, sorted, any length): the ranks of targets
/// found in row `i`'s list are their positions + 1; the rows with a target beyond the list
/// are screened (`embgeo_knn::ranks_of_rows`), or every row is (`embgeo_knn::ranks`) when they
/// exceed [`SCREEN_SOME_MAX`] of all rows.
///
/// # Cost
/// O(N·(K log K + k log K)) for the lookup, plus the screened pass. Memory: one K-entry
/// scratch, the listed rows (≤ N u32) and the screened ranks.
/// # Errors
/// As `embgeo_knn::ranks`.
pub(super) fn rank_sum<T: Element>(
    a: MatRef<'_, T>,
    metric: Metric,
    long: &Neighbors,
    targets: &Neighbors,
    ctl: &Ctl<'_>,
) -> Result<RankSum> {
    let n = a.rows();
    let (mut sum, mut open) = (0u64, Vec::new());
    let mut sorted: Vec<(u32, u32)> = Vec::with_capacity(long.k);
    for i in 0..n {
        sorted.clear();
        sorted.extend(long.indices_of(i).iter().enumerate().map(|(p, &j)| (j, p as u32)));
        sorted.sort_unstable();
        let mut row = 0u64;
        let found = targets
            .indices_of(i)
            .iter()
            .all(|&j| match sorted.binary_search_by_key(&j, |e| e.0) {
                Ok(at) => {
                    row += u64::from(sorted[at].1) + 1;
                    true
                }
                Err(_) => false,
            });
        if found {
            sum += row;
        } else {
            open.push(i as u32);
        }
    }
    if open.len() as f64 > SCREEN_SOME_MAX * n as f64 {
        let r = embgeo_knn::ranks(a, metric, targets, ctl)?;
        return Ok(RankSum {
            sum: total(&r),
            exact_keys: r.exact_keys,
            screened: n,
        });
    }
    let r = embgeo_knn::ranks_of_rows(a, metric, targets, &open, ctl)?;
    Ok(RankSum {
        sum: sum + total(&r),
        exact_keys: r.exact_keys,
        screened: open.len(),
    })
}

/// Σ of all ranks (exact in u64: at most N·k·N).
pub(super) fn total(r: &Ranks) -> u64 {
    r.ranks.iter().map(|&v| u64::from(v)).sum()
}
