//! Properties: the fast path equals the naive path on awkward sizes, tilings and data.

mod common;

use common::{assert_same, naive};
use embgeo_core::{Ctl, MatRef};
use embgeo_knn::{all_points, recall, search, Metric, Params};
use proptest::prelude::*;

fn metric() -> impl Strategy<Value = Metric> {
    prop_oneof![
        Just(Metric::Euclidean),
        Just(Metric::SqEuclidean),
        Just(Metric::Cosine),
        Just(Metric::Dot)
    ]
}

/// Values from a small grid (many exact ties) or continuous, never all-zero rows.
fn matrix(max_rows: usize, d: usize) -> impl Strategy<Value = Vec<f32>> {
    prop_oneof![
        prop::collection::vec(
            prop_oneof![Just(-1.0f32), Just(1.0), Just(2.0), Just(0.5)],
            d * 2..=d * max_rows
        ),
        prop::collection::vec(-3.0f32..3.0, d * 2..=d * max_rows),
    ]
    .prop_map(move |mut v| {
        let n = v.len() / d;
        v.truncate(n * d);
        for r in 0..n {
            v[r * d] += 7.0; // keep rows non-zero for cosine
        }
        v
    })
}

fn params(k: usize, metric: Metric, qb: usize, cb: usize, few: usize, slice: usize) -> Params {
    Params {
        k,
        metric,
        query_block: qb,
        corpus_block: cb,
        few_queries: few,
        min_units: 4,
        min_slice_rows: slice,
        symmetric: true,
        ..Params::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn all_points_fast_equals_naive(
        (d, x) in (1usize..20).prop_flat_map(|d| (Just(d), matrix(60, d))),
        metric in metric(),
        qb in 1usize..40,
        cb in 1usize..40,
        slice in 1usize..50,
        kf in 0.0f64..1.0,
    ) {
        let n = x.len() / d;
        let k = 1 + ((n - 2) as f64 * kf) as usize;
        let p = params(k, metric, qb, cb, 3, slice);
        let got = all_points(MatRef::new(&x, n, d).unwrap(), &p, &Ctl::detached()).unwrap();
        assert_same(&got, &naive(&x, None, d, k, metric), "all_points");
    }

    #[test]
    fn search_fast_equals_naive_and_recall_of_exact_is_one(
        c in matrix(50, 5),
        q in matrix(25, 5),
        metric in metric(),
        qb in 1usize..30,
        cb in 1usize..30,
        few in 0usize..30,
        kf in 0.0f64..1.0,
    ) {
        let (nc, nq) = (c.len() / 5, q.len() / 5);
        let k = 1 + ((nc - 1) as f64 * kf) as usize;
        let p = params(k, metric, qb, cb, few, 7);
        let got = search(MatRef::new(&c, nc, 5).unwrap(), MatRef::new(&q, nq, 5).unwrap(), &p, &Ctl::detached()).unwrap();
        assert_same(&got, &naive(&c, Some(&q), 5, k, metric), "search");
        let (r, per) = recall(&got.indices, k, &got).unwrap();
        // recall of the exact answer against itself is exactly 1 (integer counts)
        prop_assert!((r - 1.0).abs() < f64::EPSILON);
        prop_assert!(per.iter().all(|&v| (v - 1.0).abs() < f64::EPSILON));
    }
}
