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

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Element, Neighbors, Pair, Result};
use embgeo_knn::Metric;

use crate::common::{chunk_rows, k_metric_params, Graphs, Keyed};

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
    /// Exact pair keys evaluated for the ranks (2·N·N: one full row of keys per row and side).
    pub key_evaluations: u64,
}

/// Information imbalance Δ(A→B) and Δ(B→A) of two representations of the same N items.
///
/// # Shapes and types
/// `a`: N × `d_A`, `b`: N × `d_B` (widths and element types may differ), N ≥ 2. Computed in f64.
/// # Cost
/// Time: two exact kNN graphs (2·N²·d FLOPs each, GEMM tiles) plus the ranks: for every row,
/// its exact keys to all N rows in the other space, `O(N²·(d_A + d_B))` f64 work in all, plus
/// O(N²·log k) comparisons. Extra memory: the two kNN graphs (N·k·12 bytes each), N f64 of keys
/// per worker, N f64 norms per side under cosine (a scaled copy only for f64 data beyond
/// 2^±400); never an N × N buffer.
/// # Determinism
/// Bit-identical for every `ctl.par` (integer rank sums; chunks fixed by the shapes).
/// # Errors
/// `Shape` (row counts differ), `Empty` (N < 2 or no columns), `NonFinite`, `OutOfRange`
/// (k = 0), `KTooLarge` (k ≥ N), `Degenerate` (zero row under cosine), `Cancelled` (polled per
/// chunk of rows, ≈ a few ms).
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// `DADApy` 0.3.4 (see the module docs); fixtures `neighborhood/imbalance-*` at rtol 1e-10.
pub fn compute<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params, ctl: &Ctl<'_>) -> Result<Imbalance> {
    let Pair { a, b } = x;
    let pair = Graphs::new(x, p.k, p.metric, "information imbalance", ctl)?;
    let n = a.rows();
    let sum_ab = rank_sum(&pair.knn_a, &pair.b, b.cols(), ctl)?;
    let sum_ba = rank_sum(&pair.knn_b, &pair.a, a.cols(), ctl)?;
    // DADApy: mean(ranks) / (N / 2), the mean over the N·k ranks
    let delta = |sum: u64| (sum as f64 / (n * p.k) as f64) / (n as f64 / 2.0);
    Ok(Imbalance {
        a_to_b: delta(sum_ab),
        b_to_a: delta(sum_ba),
        rows: n,
        key_evaluations: 2 * (n as u64) * (n as u64),
    })
}

/// Σ over rows `i` and their neighbours `j` (from `nb`) of the rank of `j` from `i` in `other`.
fn rank_sum<T: Element>(nb: &Neighbors, other: &Keyed<'_, T>, d: usize, ctl: &Ctl<'_>) -> Result<u64> {
    let n = nb.rows;
    let parts = map_chunks(ctl, "ranks", n, chunk_rows(n * (d + 1)), |rows| {
        let mut keys = vec![0.0f64; n];
        let mut targets: Vec<(f64, usize)> = Vec::with_capacity(nb.k);
        let mut diff = vec![0u64; nb.k + 1];
        let mut sum = 0u64;
        for i in rows {
            other.row_keys(i, &mut keys);
            sum += row_rank_sum(i, nb.indices_of(i), &keys, &mut targets, &mut diff);
        }
        Ok(sum)
    })?;
    Ok(parts.iter().sum())
}

/// Σ of the ranks of `targets_of_i` among the keys of row `i` (itself excluded): the rank of `j`
/// is 1 + #{t ≠ i : (key t, t) < (key j, j)}. One pass over the row: each `t` adds 1 to every
/// target it precedes (a difference array over the sorted targets), O(N·log k).
#[allow(clippy::float_cmp)] // equal keys are ties, broken by index: exact equality is meant
fn row_rank_sum(
    i: usize,
    targets_of_i: &[u32],
    keys: &[f64],
    targets: &mut Vec<(f64, usize)>,
    diff: &mut [u64],
) -> u64 {
    targets.clear();
    targets.extend(targets_of_i.iter().map(|&j| (keys[j as usize], j as usize)));
    targets.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    diff.fill(0);
    let before = |kt: f64, t: usize, (kj, j): (f64, usize)| kt < kj || (kt == kj && t < j);
    for (t, &kt) in keys.iter().enumerate() {
        if t == i {
            continue;
        }
        // first target that (kt, t) precedes; it precedes all later ones too
        let q = targets.partition_point(|&tj| !before(kt, t, tj));
        diff[q] += 1;
    }
    let mut preceding = 0u64;
    let mut sum = 0u64;
    for &c in diff.iter().take(targets.len()) {
        preceding += c;
        sum += 1 + preceding;
    }
    sum
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are what these tests check
mod tests {
    use super::*;
    use crate::common::wave;
    use embgeo_core::MatRef;

    /// The definition, naively: full sorted order of every row in B, ties to the lower index.
    fn naive(a: &[f64], da: usize, b: &[f64], db: usize, k: usize, metric: Metric) -> f64 {
        let ka = Keyed::new(MatRef::from_flat(a, da).unwrap(), metric, "A").unwrap();
        let kb = Keyed::new(MatRef::from_flat(b, db).unwrap(), metric, "B").unwrap();
        let n = a.len() / da;
        let mut total = 0usize;
        for i in 0..n {
            let sorted = |k: &Keyed<'_, f64>| {
                let mut o: Vec<usize> = (0..n).filter(|&j| j != i).collect();
                o.sort_by(|&x, &y| k.key(i, x).total_cmp(&k.key(i, y)).then(x.cmp(&y)));
                o
            };
            let (oa, ob) = (sorted(&ka), sorted(&kb));
            for j in &oa[..k] {
                total += 1 + ob.iter().position(|t| t == j).unwrap();
            }
        }
        (total as f64 / (n * k) as f64) / (n as f64 / 2.0)
    }

    #[test]
    fn equals_the_naive_definition() {
        let (a, b) = (wave(40, 5, 0.0, 0.0), wave(40, 3, 7.0, 0.0));
        for (k, metric) in [(1, Metric::Euclidean), (4, Metric::Cosine), (7, Metric::Dot)] {
            let p = Params::new(k, metric);
            let ctl = Ctl::detached();
            let r = compute(
                Pair::new(
                    MatRef::from_flat(&a, 5).unwrap(),
                    MatRef::from_flat(&b, 3).unwrap(),
                ),
                &p,
                &ctl,
            )
            .unwrap();
            assert_eq!(r.a_to_b, naive(&a, 5, &b, 3, k, metric), "{metric:?}");
            assert_eq!(r.b_to_a, naive(&b, 3, &a, 5, k, metric), "{metric:?}");
        }
    }

    #[test]
    fn identical_spaces_have_the_minimal_imbalance() {
        // every neighbour j of rank r in A has rank r in B: Δ = 2/N · (k + 1)/2
        let a = wave(30, 4, 1.0, 0.0);
        let m = MatRef::from_flat(&a, 4).unwrap();
        let r = compute(
            Pair::new(m, m),
            &Params::new(3, Metric::Euclidean),
            &Ctl::detached(),
        )
        .unwrap();
        assert_eq!(r.a_to_b, 2.0 / 30.0 * 2.0);
        assert_eq!(r.b_to_a, r.a_to_b);
    }

    #[test]
    fn ties_rank_the_lower_index_first() {
        // row 0 at the origin; rows 1 and 2 equidistant from it in B: the lower index ranks first
        let a = [0.0, 0.0, 1.0, 0.0, 3.0, 0.0];
        let b = [0.0, 0.0, 1.0, 0.0, -1.0, 0.0];
        let ctl = Ctl::detached();
        let r = compute(
            Pair::new(
                MatRef::from_flat(&a, 2).unwrap(),
                MatRef::from_flat(&b, 2).unwrap(),
            ),
            &Params::default(),
            &ctl,
        )
        .unwrap();
        // A's nearest: 0→1, 1→0, 2→1. Ranks in B: r(0,1) = 1 (tie with 2, lower index),
        // r(1,0) = 1, r(2,1) = 2 (0 is nearer to 2 in B). Δ = 2/3 · 4/3.
        assert_eq!(r.a_to_b, (4.0 / 3.0) / 1.5);
    }

    #[test]
    fn bad_input_gets_coded_errors() {
        let a = wave(5, 2, 0.0, 0.0);
        let b = wave(4, 2, 0.0, 0.0);
        let fail = |x: &[f64], y: &[f64], p: Params| {
            let (mx, my) = (MatRef::from_flat(x, 2).unwrap(), MatRef::from_flat(y, 2).unwrap());
            compute(Pair::new(mx, my), &p, &Ctl::detached()).unwrap_err()
        };
        assert_eq!(fail(&a, &b, Params::default()).code(), "ERR_SHAPE");
        assert_eq!(
            fail(&a, &a, Params::new(5, Metric::Euclidean)).code(),
            "ERR_K_TOO_LARGE"
        );
        let mut nan = a.clone();
        nan[3] = f64::NAN;
        let e = fail(&a, &nan, Params::default());
        assert_eq!(e.code(), "ERR_NON_FINITE");
        assert!(e.to_string().contains("B contains NaN at row 1, column 1"), "{e}");
        let mut zero = a.clone();
        zero[2] = 0.0;
        zero[3] = 0.0;
        assert_eq!(
            fail(&zero, &a, Params::new(1, Metric::Cosine)).code(),
            "ERR_DEGENERATE"
        );
    }

    #[test]
    fn params_deserialise_with_reference_defaults() {
        let p: Params = serde_json_from(r#"{"metric":"cosine"}"#);
        assert_eq!(p, Params::new(1, Metric::Cosine));
    }

    fn serde_json_from(s: &str) -> Params {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn cancelled_before_the_ranks_stops() {
        let a = wave(20, 2, 0.0, 0.0);
        let m = MatRef::from_flat(&a, 2).unwrap();
        let flag = embgeo_core::CancelFlag::new();
        flag.cancel();
        let ctl = Ctl::new(embgeo_core::Par::Seq, &flag, &embgeo_core::NoProgress);
        assert_eq!(
            compute(Pair::new(m, m), &Params::default(), &ctl)
                .unwrap_err()
                .code(),
            "ABORT_ERR"
        );
    }
}
