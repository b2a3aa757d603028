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
use embgeo_knn::{Metric, Ranks};

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
    /// Exact pair keys evaluated for the ranks, both directions: the 2·N·k neighbours' own
    /// plus the pairs the screening bound left undecided (at most 2·N·(N − 1) + 2·N·k).
    pub key_evaluations: u64,
}

/// Information imbalance Δ(A→B) and Δ(B→A) of two representations of the same N items.
///
/// # Shapes and types
/// `a`: N × `d_A`, `b`: N × `d_B` (widths and element types may differ), N ≥ 2. Ranks are
/// exact (the engine's f64 keys); Δ in f64.
/// # Cost
/// Time: A's exact kNN graph, then one pass over B's key tiles that gives B's kNN graph and
/// the ranks of A's neighbours in B ([`embgeo_knn::all_points_ranked`]), then the ranks of B's
/// neighbours in A ([`embgeo_knn::ranks`]): N²·d FLOPs of GEMM tiles per pass in the input
/// precision (each tile of a pair of row blocks serves both blocks; the rank pass on A takes
/// 2·N²·d when its tallies exceed `embgeo_knn::RANK_STATE_BUDGET`, and B's pass splits into
/// its two passes when either's per-row state exceeds its budget). Every row's fast keys to
/// all N rows in the other space are screened with the kNN engine's error bound, and exact
/// f64 keys only for its k neighbours and the rows the bound cannot place
/// (`key_evaluations`; a few per row on ordinary data). Extra memory: the two kNN graphs
/// (N·k·12 bytes each) and their ranks (N·k·4 each), N·(16 + R) bytes of row statistics per
/// side (+ N·d·R unit rows under cosine), the rank tallies (≤ N·(k·(24 + 2R) + 8 + 2R) bytes;
/// during B's pass together with B's kNN selection states, see `embgeo_knn::search_scratch`),
/// per worker one key tile (≤ 1.5 MiB f32) and GEMM
/// packing; a scaled copy for f64 data beyond 2^±400; never an N × N buffer.
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
    let knn_a = neighbours(a, p.k, p.metric, ctl)?;
    // B's graph and A's neighbours ranked in B from one pass over B's tiles, then B's
    // neighbours ranked in A
    let params = embgeo_knn::Params::new(p.k, p.metric);
    let (knn_b, ab) = embgeo_knn::all_points_ranked(b, &params, &knn_a, ctl)?;
    let ba = embgeo_knn::ranks(a, p.metric, &knn_b, ctl)?;
    // DADApy: mean(ranks) / (N / 2), the mean over the N·k ranks
    let delta = |r: &Ranks| (rank_sum(r) as f64 / (n * p.k) as f64) / (n as f64 / 2.0);
    Ok(Imbalance {
        a_to_b: delta(&ab),
        b_to_a: delta(&ba),
        rows: n,
        key_evaluations: ab.exact_keys + ba.exact_keys,
    })
}

/// Σ of all ranks (exact in u64: at most N·k·N).
fn rank_sum(r: &Ranks) -> u64 {
    r.ranks.iter().map(|&v| u64::from(v)).sum()
}

#[cfg(test)]
mod oracle;
#[cfg(test)]
mod tests;
