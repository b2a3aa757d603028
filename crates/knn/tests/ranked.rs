//! `all_points_ranked`: the kNN graph and the ranks of given targets from one pass equal
//! `all_points` and `ranks` called one after the other, bit for bit (and the ranks equal the
//! definition), for every metric, f32 and f64, ties, duplicates, extreme magnitudes (f32
//! widened to f64, f64 scaled by a power of two), several block sizes and thread counts; the
//! fallback shapes (one block, shard and bipartite parameters) give the same; bad input gets
//! the codes of the two calls.

mod common;

use common::{
    clustered, gaussian, integer_grid, naive_ranks, random_targets, to_f32, with_duplicates, METRICS,
};
use embgeo_core::{Ctl, Element, MatRef, Neighbors, Par};
use embgeo_knn::{all_points, all_points_ranked, ranks, Metric, Params};

/// The fused call equals the two calls on `x` (n × d) for `p` and `targets`, bit for bit.
fn same_as_two_calls<T: Element>(
    x: &[T],
    d: usize,
    p: &Params,
    targets: &Neighbors,
    ctl: &Ctl<'_>,
    at: &str,
) {
    let m = MatRef::from_flat(x, d).unwrap();
    let (nb, r) = all_points_ranked(m, p, targets, ctl).unwrap();
    let want_nb = all_points(m, p, ctl).unwrap();
    let want_r = ranks(m, p.metric, targets, ctl).unwrap();
    assert_eq!(nb.indices, want_nb.indices, "indices, {at}");
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&nb.distances), bits(&want_nb.distances), "distances, {at}");
    assert_eq!((nb.k, nb.rows), (want_nb.k, want_nb.rows), "{at}");
    assert_eq!(r.ranks, want_r.ranks, "ranks, {at}");
    assert_eq!((r.k, r.rows), (want_r.k, want_r.rows), "{at}");
}

/// 450 rows in 64-row blocks (8 blocks, the last partial) and 900 rows in the default 384-row
/// blocks: the fused pass applies to both (more rows than one rank block, states and tallies
/// far below their budgets).
#[test]
fn the_fused_pass_equals_the_two_calls() {
    let mut mixed = gaussian(450, 5, 41);
    for (i, row) in mixed.chunks_mut(5).enumerate() {
        let f = 10f64.powi(i as i32 % 7 - 3);
        for v in row.iter_mut() {
            *v *= f;
        }
    }
    let scaled = |s: f64| gaussian(450, 5, 42).iter().map(|v| v * s).collect::<Vec<f64>>();
    let data = [
        (gaussian(450, 6, 43), 6, "gaussian"),
        (clustered(450, 9, 4, 44), 9, "clustered"),
        (with_duplicates(450, 4, 45), 4, "duplicates"),
        (integer_grid(450, 3, 46), 3, "integer grid (ties)"),
        (mixed, 5, "mixed magnitudes"),
        (scaled(1e19), 5, "× 1e19 (f32 widened to f64)"),
        (scaled(1e140), 5, "× 1e140 (f64 scaled)"),
    ];
    let ctl = Ctl::detached().with_par(Par::Rayon);
    for (x, d, what) in &data {
        let x32 = to_f32(x);
        let f32_ok = x32.iter().all(|v| v.is_finite());
        for (k, kt, seed) in [(1, 1, 47), (10, 3, 48)] {
            let t = random_targets(450, kt, seed);
            for metric in METRICS {
                let mut p = Params::new(k, metric);
                p.query_block = 64;
                let at = format!("{what}, k = {k}, {kt} targets, {metric:?}");
                same_as_two_calls(x, *d, &p, &t, &ctl, &format!("f64 {at}"));
                if f32_ok {
                    same_as_two_calls(&x32, *d, &p, &t, &ctl, &format!("f32 {at}"));
                }
            }
        }
    }
}

/// The ranks of another representation's kNN graph (the information imbalance's use) equal
/// the definition, on the default blocks, sequentially and on the pool.
#[test]
fn ranks_of_another_graph_equal_the_definition_at_any_thread_count() {
    let (n, d) = (900, 12);
    let a = to_f32(&clustered(n, 8, 6, 51));
    let b = to_f32(&clustered(n, d, 6, 52));
    let ma = MatRef::from_flat(&a, 8).unwrap();
    for metric in METRICS {
        let p = Params::new(2, metric);
        let knn_a = all_points(ma, &p, &Ctl::detached()).unwrap();
        let want = naive_ranks(&b, d, metric, &knn_a);
        for par in [Par::Seq, Par::Rayon] {
            let ctl = Ctl::detached().with_par(par);
            let at = format!("{metric:?}, {par:?}");
            let (_, r) = all_points_ranked(MatRef::from_flat(&b, d).unwrap(), &p, &knn_a, &ctl).unwrap();
            assert_eq!(r.ranks, want, "{at}");
            same_as_two_calls(&b, d, &p, &knn_a, &ctl, &at);
        }
    }
}

/// Shapes and parameters outside the fused pass (one block of rows; shard offsets; the
/// general pass; no targets) run the two calls; k = n − 1 (fused) is their answer too.
#[test]
fn fallbacks_equal_the_two_calls() {
    let ctl = Ctl::detached().with_par(Par::Rayon);
    let small = gaussian(120, 4, 61);
    let t = random_targets(120, 2, 62);
    same_as_two_calls(
        &small,
        4,
        &Params::new(3, Metric::Euclidean),
        &t,
        &ctl,
        "one block",
    );
    let x = gaussian(500, 4, 63);
    let t = random_targets(500, 2, 64);
    let mut general = Params::new(3, Metric::Cosine);
    general.symmetric = false;
    same_as_two_calls(&x, 4, &general, &t, &ctl, "general pass");
    let mut shard = Params::new(3, Metric::Euclidean);
    shard.row_offset = Some(0);
    same_as_two_calls(&x, 4, &shard, &t, &ctl, "shard offsets");
    same_as_two_calls(&x, 4, &Params::new(499, Metric::Dot), &t, &ctl, "k = n − 1");
    let none = Neighbors::new(0, 500, Vec::new(), Vec::new()).unwrap();
    same_as_two_calls(
        &x,
        4,
        &Params::new(3, Metric::Euclidean),
        &none,
        &ctl,
        "no targets",
    );
}

#[test]
fn bad_input_gets_the_codes_of_the_two_calls() {
    let x = gaussian(500, 3, 71);
    let m = MatRef::from_flat(&x, 3).unwrap();
    let ctl = Ctl::detached();
    let t = random_targets(500, 1, 72);
    let code =
        |m: MatRef<'_, f64>, p: &Params, t: &Neighbors| all_points_ranked(m, p, t, &ctl).unwrap_err().code();
    let p = Params::new(2, Metric::Euclidean);
    assert_eq!(code(m, &p, &random_targets(499, 1, 73)), "ERR_SHAPE");
    let bad = Neighbors::new(1, 500, vec![500; 500], vec![0.0; 500]).unwrap();
    assert_eq!(code(m, &p, &bad), "ERR_OUT_OF_RANGE");
    assert_eq!(
        code(m, &Params::new(500, Metric::Euclidean), &t),
        "ERR_K_TOO_LARGE"
    );
    assert_eq!(
        code(m, &Params::new(0, Metric::Euclidean), &t),
        "ERR_OUT_OF_RANGE"
    );
    let one = MatRef::from_flat(&x[..3], 3).unwrap();
    assert_eq!(code(one, &p, &random_targets(1, 1, 74)), "ERR_EMPTY");
    let mut nan = x.clone();
    nan[7] = f64::NAN;
    assert_eq!(
        code(MatRef::from_flat(&nan, 3).unwrap(), &p, &t),
        "ERR_NON_FINITE"
    );
    let mut zero = x.clone();
    zero[6..9].fill(0.0);
    let cos = Params::new(2, Metric::Cosine);
    assert_eq!(
        code(MatRef::from_flat(&zero, 3).unwrap(), &cos, &t),
        "ERR_DEGENERATE"
    );
}
