//! `ranks`: the exact rank of given targets among all rows equals sorting every exact key of the
//! row (`metric::exact_key`, ties to the lower index), on random targets and the kNN graph,
//! and bad input gets coded errors.

mod common;

use common::{clustered, gaussian, rng, to_f32, with_duplicates};
use embgeo_core::{Ctl, Element, MatRef, Neighbors};
use embgeo_knn::metric::exact_key;
use embgeo_knn::{all_points, ranks, Metric, Params};
use rand::Rng;

const METRICS: [Metric; 4] = [
    Metric::Euclidean,
    Metric::SqEuclidean,
    Metric::Cosine,
    Metric::Dot,
];

/// The definition: rank of `j` from `i` = 1 + #{t ≠ i : (K(i,t), t) < (K(i,j), j)}.
fn naive<T: Element>(x: &[T], d: usize, metric: Metric, targets: &Neighbors) -> Vec<u32> {
    let n = x.len() / d;
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let mut out = Vec::with_capacity(n * targets.k);
    for i in 0..n {
        let keys: Vec<f64> = (0..n).map(|t| exact_key(metric, row(i), row(t))).collect();
        for &j in targets.indices_of(i) {
            let (kj, j) = (keys[j as usize], j as usize);
            let before = (0..n).filter(|&t| t != i && (keys[t], t) < (kj, j)).count();
            out.push(1 + before as u32);
        }
    }
    out
}

/// `k` random targets per row (repeats and the row itself allowed).
fn random_targets(n: usize, k: usize, seed: u64) -> Neighbors {
    let mut r = rng(seed);
    let idx: Vec<u32> = (0..n * k).map(|_| r.random_range(0..n as u32)).collect();
    Neighbors::new(k, n, idx, vec![0.0; n * k]).unwrap()
}

fn check<T: Element>(x: &[T], d: usize, targets: &Neighbors, what: &str) {
    let m = MatRef::from_flat(x, d).unwrap();
    for metric in METRICS {
        let got = ranks(m, metric, targets, &Ctl::detached()).unwrap();
        assert_eq!(got.ranks, naive(x, d, metric, targets), "{what}, {metric:?}");
        assert!(got.exact_keys >= (targets.rows * targets.k) as u64);
    }
}

#[test]
fn ranks_equal_the_definition() {
    for (x, d, what) in [
        (gaussian(300, 7, 1), 7, "gaussian"),
        (clustered(300, 24, 5, 2), 24, "clustered"),
        (with_duplicates(300, 5, 3), 5, "duplicates"),
    ] {
        let t = random_targets(300, 3, 4);
        check(&x, d, &t, what);
        check(&to_f32(&x), d, &t, what);
        let m = MatRef::from_flat(&x, d).unwrap();
        let knn = all_points(m, &Params::new(5, Metric::Euclidean), &Ctl::detached()).unwrap();
        check(&to_f32(&x), d, &knn, what);
    }
}

#[test]
fn bad_input_gets_coded_errors() {
    let x = gaussian(10, 2, 5);
    let m = MatRef::from_flat(&x, 2).unwrap();
    let ctl = Ctl::detached();
    let code = |x: MatRef<'_, f64>, t: &Neighbors| ranks(x, Metric::Euclidean, t, &ctl).unwrap_err().code();
    assert_eq!(code(m, &random_targets(9, 1, 6)), "ERR_SHAPE");
    let bad = Neighbors::new(1, 10, vec![10; 10], vec![0.0; 10]).unwrap();
    assert_eq!(code(m, &bad), "ERR_OUT_OF_RANGE");
    let one = MatRef::from_flat(&x[..2], 2).unwrap();
    assert_eq!(code(one, &random_targets(1, 1, 7)), "ERR_EMPTY");
    let mut nan = x.clone();
    nan[5] = f64::NAN;
    let m = MatRef::from_flat(&nan, 2).unwrap();
    assert_eq!(code(m, &random_targets(10, 1, 8)), "ERR_NON_FINITE");
}
