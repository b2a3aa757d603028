//! The information imbalance against the naive definition, and its screened ranks against the
//! previous scalar rank pass ([`super::oracle`]) on adversarial data, rank sum by rank sum.

#![allow(clippy::float_cmp)] // exact values are what these tests check

use embgeo_core::{Element, MatRef, Par};
use embgeo_knn::Ranks;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::common::{wave, Keyed};

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

// ---- screened ranks against the oracle ----

const METRICS: [Metric; 4] = [
    Metric::Euclidean,
    Metric::SqEuclidean,
    Metric::Cosine,
    Metric::Dot,
];

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Uniform rows in [−1, 1).
fn uniform(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..n * d).map(|_| r.random_range(-1.0..1.0)).collect()
}

/// Near-ties: one centre (f32 values in [300, 1000)) moved by −6…6 units of `step` per
/// coordinate (exact in f32 for `step` = 2⁻¹⁴, in f64 for 2⁻⁴³), so exact keys differ in their
/// last bits or tie, while the fast keys err by ~u·‖x‖², far more than the keys differ.
fn near_ties(n: usize, d: usize, step: f64, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    let c: Vec<f64> = (0..d)
        .map(|_| f64::from(r.random_range(300.0..1000.0f64) as f32))
        .collect();
    (0..n * d)
        .map(|t| c[t % d] + step * f64::from(r.random_range(-6i32..=6)))
        .collect()
}

/// Exact copies: rows drawn from 5 distinct uniform rows.
fn duplicates(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let base = uniform(5, d, seed);
    let mut r = rng(seed + 1);
    (0..n)
        .flat_map(|_| {
            let s = r.random_range(0..5);
            base[s * d..(s + 1) * d].to_vec()
        })
        .collect()
}

/// Uniform rows, each scaled by `scale` times 10^(−3…3) when `mixed`.
fn magnitudes(n: usize, d: usize, scale: f64, mixed: bool, seed: u64) -> Vec<f64> {
    let mut x = uniform(n, d, seed);
    let mut r = rng(seed + 2);
    for row in x.chunks_mut(d) {
        let f = if mixed {
            10f64.powi(r.random_range(-3..=3))
        } else {
            1.0
        };
        for v in row.iter_mut() {
            *v *= scale * f;
        }
    }
    x
}

fn to_f32(x: &[f64]) -> Vec<f32> {
    x.iter().map(|&v| v as f32).collect()
}

/// Per row, the sum of its ranks.
fn row_sums(r: &Ranks) -> Vec<u64> {
    r.ranks
        .chunks(r.k)
        .map(|c| c.iter().map(|&v| u64::from(v)).sum())
        .collect()
}

/// Both directions of the screened ranks equal the oracle's, rank sum by rank sum (row by
/// row); returns the exact keys the screened pass evaluated.
fn check<A: Element, B: Element>(
    a: &[A],
    da: usize,
    b: &[B],
    db: usize,
    k: usize,
    metric: Metric,
    what: &str,
) -> u64 {
    let (ma, mb) = (
        MatRef::from_flat(a, da).unwrap(),
        MatRef::from_flat(b, db).unwrap(),
    );
    let ctl = Ctl::detached();
    let g = Graphs::new(Pair::new(ma, mb), k, metric, "test", &ctl).unwrap();
    // as `compute` does: B's graph and the ranks in B from one pass (fused beyond one block)
    let params = embgeo_knn::Params::new(k, metric);
    let (knn_b, ab) = embgeo_knn::all_points_ranked(mb, &params, &g.knn_a, &ctl).unwrap();
    assert_eq!(knn_b, g.knn_b, "{what}, {metric:?}, k = {k}: B's graph");
    let ba = embgeo_knn::ranks(ma, metric, &g.knn_b, &ctl).unwrap();
    let want_ab = oracle::row_sums(&g.knn_a, &g.b, db, &ctl).unwrap();
    let want_ba = oracle::row_sums(&g.knn_b, &g.a, da, &ctl).unwrap();
    assert_eq!(row_sums(&ab), want_ab, "{what}, {metric:?}, k = {k}: A→B");
    assert_eq!(row_sums(&ba), want_ba, "{what}, {metric:?}, k = {k}: B→A");
    ab.exact_keys + ba.exact_keys
}

#[test]
fn screened_ranks_equal_the_oracle_on_near_ties() {
    let a = uniform(200, 5, 1);
    let f32_step = 2f64.powi(-14);
    for metric in METRICS {
        for k in [1, 3] {
            for (d, seed) in [(1, 2), (2, 3), (48, 4)] {
                let b = to_f32(&near_ties(200, d, f32_step, seed));
                check(&a, 5, &b, d, k, metric, &format!("f32 near-ties, d = {d}"));
            }
            let b = near_ties(200, 3, 2f64.powi(-43), 5);
            check(&to_f32(&a), 5, &b, 3, k, metric, "f64 near-ties");
        }
    }
}

#[test]
fn screened_ranks_equal_the_oracle_on_duplicates() {
    let a = uniform(150, 4, 6);
    for metric in METRICS {
        for k in [1, 4] {
            let b = duplicates(150, 7, 7);
            check(&a, 4, &to_f32(&b), 7, k, metric, "f32 duplicates");
            check(&a, 4, &b, 7, k, metric, "f64 duplicates");
        }
    }
}

#[test]
fn screened_ranks_equal_the_oracle_at_huge_tiny_and_mixed_norms() {
    let a = uniform(120, 3, 8);
    for metric in METRICS {
        // f32: squared norms beyond f32 (the widened path), products below the normal range
        for (scale, mixed) in [(1e19, false), (1e-19, false), (1.0, true), (1e15, true)] {
            let b = to_f32(&magnitudes(120, 16, scale, mixed, 9));
            check(
                &a,
                3,
                &b,
                16,
                2,
                metric,
                &format!("f32 × {scale:e}, mixed {mixed}"),
            );
        }
        // f64 beyond 2^±400 (the scaled copy) and mixed
        for (scale, mixed) in [(1e140, false), (1e-140, false), (1e-130, true)] {
            let b = magnitudes(120, 16, scale, mixed, 10);
            check(
                &a,
                3,
                &b,
                16,
                2,
                metric,
                &format!("f64 × {scale:e}, mixed {mixed}"),
            );
        }
    }
}

#[test]
fn screened_ranks_equal_the_oracle_over_many_blocks_and_every_target() {
    // 1 300 rows: several 384-row blocks and 1 024-column tiles, with partial ones
    let a = uniform(1300, 3, 11);
    let b = to_f32(&near_ties(1300, 2, 2f64.powi(-14), 12));
    check(&a, 3, &b, 2, 2, Metric::Euclidean, "1 300 rows");
    // k = N − 1: every other row is a target
    let a = uniform(60, 3, 13);
    for metric in METRICS {
        let b = to_f32(&near_ties(60, 2, 2f64.powi(-14), 14));
        check(&a, 3, &b, 2, 59, metric, "k = N − 1");
        check(&a, 3, &uniform(60, 9, 15), 9, 59, metric, "k = N − 1, uniform");
    }
}

#[test]
fn ordinary_data_needs_few_exact_keys_and_any_thread_count_gives_the_same_ranks() {
    let (n, d) = (600, 32);
    let a = uniform(n, 8, 16);
    let b = to_f32(&uniform(n, d, 17));
    let evals = check(&a, 8, &b, d, 1, Metric::Euclidean, "uniform");
    // the targets' own keys (2·N) plus the undecided pairs: far below the oracle's 2·N²
    assert!(evals < (n * n / 20) as u64, "{evals} exact keys");
    let (ma, mb) = (
        MatRef::from_flat(&a, 8).unwrap(),
        MatRef::from_flat(&b, d).unwrap(),
    );
    let p = Params::new(3, Metric::Cosine);
    let seq = compute(Pair::new(ma, mb), &p, &Ctl::detached()).unwrap();
    let par = compute(Pair::new(ma, mb), &p, &Ctl::detached().with_par(Par::Rayon)).unwrap();
    assert_eq!(seq, par);
}

/// `compute` against the oracle's rank sums, both directions, where B→A's ranks are read off
/// A's kNN list for most rows (B a perturbed copy of A), for none (B unrelated: every row
/// screened), and on duplicates (tied keys in A's list: positions follow the index rule),
/// f32 and f64, every metric, k below and above the list's length, over two row blocks.
#[test]
fn listed_ranks_equal_the_oracle() {
    let n = 600;
    let base = uniform(n, 6, 91);
    let mut r = rng(92);
    let near: Vec<f64> = base
        .iter()
        .map(|v| v + 0.02 * r.random_range(-1.0..1.0))
        .collect();
    let dup: Vec<f64> = (0..n * 6).map(|t| base[(t / 6 % 150) * 6 + t % 6]).collect();
    let dup_near: Vec<f64> = (0..n * 6).map(|t| near[(t / 6 % 150) * 6 + t % 6]).collect();
    let cases = [
        (&base, near.clone(), "perturbed copy", true),
        (&base, uniform(n, 4, 93), "unrelated", false),
        (&dup, dup_near, "duplicates in both", true),
    ];
    for (a, b, what, related) in &cases {
        let db = b.len() / n;
        for metric in METRICS {
            for k in [1, 3, 40] {
                for f32_data in [false, true] {
                    let at = format!("{what}, {metric:?}, k = {k}, f32 {f32_data}");
                    let (got, want) = if f32_data {
                        let (a32, b32) = (to_f32(a), to_f32(b));
                        listed_case(&a32, 6, &b32, db, k, metric)
                    } else {
                        listed_case(a, 6, b, db, k, metric)
                    };
                    assert_eq!((got.a_to_b, got.b_to_a), want, "{at}");
                    if !related {
                        assert_eq!(got.screened_rows, n, "{at}: every row screened");
                    } else if k == 1 && *what == "perturbed copy" {
                        assert!(got.screened_rows < n / 4, "{at}: {} screened", got.screened_rows);
                    }
                }
            }
        }
    }
}

/// `compute` and the oracle's Δ(A→B), Δ(B→A) for one case.
fn listed_case<T: Element>(
    a: &[T],
    da: usize,
    b: &[T],
    db: usize,
    k: usize,
    metric: Metric,
) -> (Imbalance, (f64, f64)) {
    let (ma, mb) = (
        MatRef::from_flat(a, da).unwrap(),
        MatRef::from_flat(b, db).unwrap(),
    );
    let ctl = Ctl::detached().with_par(Par::Rayon);
    let got = compute(Pair::new(ma, mb), &Params::new(k, metric), &ctl).unwrap();
    let g = Graphs::new(Pair::new(ma, mb), k, metric, "test", &ctl).unwrap();
    let n = a.len() / da;
    let delta = |s: Vec<u64>| (s.iter().sum::<u64>() as f64 / (n * k) as f64) / (n as f64 / 2.0);
    let ab = delta(oracle::row_sums(&g.knn_a, &g.b, db, &ctl).unwrap());
    let ba = delta(oracle::row_sums(&g.knn_b, &g.a, da, &ctl).unwrap());
    (got, (ab, ba))
}
