//! Information imbalance (Glielmo, Zeni, Cheng, Csányi, Laio 2022, "Ranking the information
//! content of distance measures", PNAS Nexus 1(2)).
//!
//! `Δ(A→B) = 2/N · ⟨r_B⟩`, the mean over every row `i` and each of its `k` nearest neighbours `j`
//! in A of `r_B(i, j)`, the rank of `j` among the other rows by distance from `i` in B (1 = the
//! nearest). Δ ≈ 0: A's neighbourhoods are B's (A predicts B); Δ ≈ 1: unrelated. Comparing
//! Δ(A→B) with Δ(B→A) tells which representation holds more of the other's information.
//!
//! Parity: `DADApy` 0.3.4 `MetricComparisons.return_inf_imb_two_selected_coords` on
//! `hstack(A, B)` with `maxk = N − 1` (with a smaller `maxk` `DADApy` draws a random
//! rank for neighbours beyond it; here every rank is exact). `DADApy`'s normalisation
//! `mean(ranks) / (N / 2)` is the formula above. Ties: embgeo ranks by the kNN engine's exact
//! f64 keys, ties to the lower index (`DADApy` inherits scikit-learn's sort order).

use embgeo_core::{Ctl, Element, Pair, Result};
use embgeo_knn::Metric;

use crate::common::{k_metric_params, neighbours, Graphs};

k_metric_params!(
    /// Options (camelCase from the binding; defaults = `DADApy`'s `k = 1`, euclidean).
    Params;
    /// Neighbours of each row in the source space, `1 ≤ k < N`. Default 1.
    k: 1,
    /// Distance in both spaces. Default euclidean (squared euclidean ranks the same).
    metric: Metric::Euclidean,
);

/// Both directions of the information imbalance.
#[derive(Debug, Clone, PartialEq)]
pub struct Imbalance {
    /// Δ(A→B): how well A's neighbourhoods predict B's, in (0, ~1]; 0 is perfect.
    pub a_to_b: f64,
    /// Δ(B→A).
    pub b_to_a: f64,
    /// N, the rows.
    pub rows: usize,
    /// Exact pair keys evaluated by the screened ranks, both directions: the neighbours' own
    /// (N·k in B, k per screened row in A) plus the pairs the screening bound left undecided
    /// (at most 2·N·(N − 1) + 2·N·k).
    pub key_evaluations: u64,
    /// Rows of A whose ranks of B's neighbours were screened; the others were read off A's
    /// kNN list (every neighbour among the row's first max(k, 32)). N when all were screened.
    pub screened_rows: usize,
}

/// Information imbalance Δ(A→B) and Δ(B→A) of two representations of the same N items.
///
/// # Shapes and types
/// `a`: N × `d_A`, `b`: N × `d_B` (widths and element types may differ), N ≥ 2. Ranks are
/// exact (the engine's f64 keys); Δ in f64.
/// # Cost
/// Time, in three passes of GEMM tiles in the input precision: A's exact kNN graph with
/// K = max(k, 32) neighbours per row (N²·`d_A` FLOPs, symmetric); one pass over B's tiles that
/// gives B's kNN graph and the ranks of A's neighbours in B ([`embgeo_knn::all_points_ranked`],
/// N²·`d_B`; split into its two passes when either's per-row state exceeds its budget); then the
/// ranks in A of B's neighbours: read off A's list where they are in it (position + 1), the
/// other rows screened ([`embgeo_knn::ranks_of_rows`], 2·m·N·`d_A` for m rows,
/// [`Imbalance::screened_rows`]; all rows by the symmetric rank pass, N²·`d_A`, when m > 0.4·N).
/// Every screened row's fast keys to all N rows in the other space are checked with the kNN
/// engine's error bound, and exact f64 keys are computed only for its k neighbours and the
/// rows the bound cannot place (`key_evaluations`; a few per row on ordinary data). Extra
/// memory: A's list (N·K·12 bytes), B's graph (N·k·12) and the ranks in B (N·k·4), N·(16 + R)
/// bytes of row statistics per side (+ N·d·R unit rows under cosine), the rank tallies
/// (≤ N·(k·(24 + 2R) + 12 + 2R) bytes; during B's pass together with B's kNN selection states,
/// see `embgeo_knn::search_scratch`), the screened rows (≤ N u32), per worker one key tile
/// (≤ 1.5 MiB f32) and GEMM packing; a scaled copy for f64 data beyond 2^±400; never an N × N
/// buffer.
/// # Determinism
/// Bit-identical for every `ctl.par` (integer rank sums of exact ranks).
/// # Errors
/// `Shape` (row counts differ), `Empty` (N < 2 or no columns), `NonFinite`, `OutOfRange`
/// (k = 0), `KTooLarge` (k ≥ N), `Degenerate` (zero row under cosine), `Cancelled` (polled per
/// key tile, ≈ a few ms; progress phases `"distances"` for the kNN passes, B's fused with its
/// ranks, and `"ranks"` for A's).
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// `DADApy` 0.3.4 (see the module docs); fixtures `neighborhood/imbalance-*` at rtol 1e-10.
pub fn compute<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params, ctl: &Ctl<'_>) -> Result<Imbalance> {
    let Pair { a, b } = x;
    Graphs::checked(x, p.k, p.metric, "information imbalance")?;
    let n = a.rows();
    // A's graph with up to `LISTED` neighbours per row: the ranks in A of B's neighbours found
    // there are read off it (see `listed`)
    let long_a = neighbours(a, p.k.max(listed::LISTED).min(n - 1), p.metric, ctl)?;
    let knn_a = listed::prefix(&long_a, p.k);
    // B's graph and A's neighbours ranked in B from one pass over B's tiles
    let params = embgeo_knn::Params::new(p.k, p.metric);
    let (knn_b, ab) = embgeo_knn::all_points_ranked(b, &params, &knn_a, ctl)?;
    drop(knn_a);
    // B's neighbours ranked in A: listed, or screened
    let ba = listed::rank_sum(a, p.metric, &long_a, &knn_b, ctl)?;
    // DADApy: mean(ranks) / (N / 2), the mean over the N·k ranks
    let delta = |sum: u64| (sum as f64 / (n * p.k) as f64) / (n as f64 / 2.0);
    Ok(Imbalance {
        a_to_b: delta(listed::total(&ab)),
        b_to_a: delta(ba.sum),
        rows: n,
        key_evaluations: ab.exact_keys + ba.exact_keys,
        screened_rows: ba.screened,
    })
}

mod listed;
#[cfg(test)]
mod oracle;
#[cfg(test)]
mod tests;
