//! Properties: estimators built on distance ratios are invariant to a global rescaling and to
//! a permutation of the rows; deduplicating data without duplicates changes nothing.

mod common;

use common::brute_knn;
use embgeo_intdim::{dedup_neighbors, gride, mle, twonn, Ctl};
use proptest::prelude::*;

fn points() -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
    (12usize..40, 2usize..5)
        .prop_flat_map(|(n, d)| (Just(n), Just(d), proptest::collection::vec(-1.0f64..1.0, n * d)))
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn scale_and_permutation_invariance((n, d, x) in points(), s in 0.01f64..100.0) {
        let ctl = Ctl::detached();
        let nb = brute_knn(&x, n, d, 8);
        let xs: Vec<f64> = x.iter().map(|v| v * s).collect();
        let nbs = brute_knn(&xs, n, d, 8);
        // reversed row order
        let xr: Vec<f64> = (0..n).rev().flat_map(|i| x[i * d..(i + 1) * d].to_vec()).collect();
        let nbr = brute_knn(&xr, n, d, 8);
        let tp = twonn::Params::default();
        if let (Ok(a), Ok(b), Ok(c)) = (twonn::estimate(&nb, &tp), twonn::estimate(&nbs, &tp), twonn::estimate(&nbr, &tp)) {
            prop_assert!(rel(a.dimension, b.dimension) < 1e-9);
            prop_assert!(rel(a.dimension, c.dimension) < 1e-9);
        }
        let mp = mle::Params { k: 8, ..Default::default() };
        if let (Ok(a), Ok(b)) = (mle::estimate(&nb, &mp, &ctl), mle::estimate(&nbs, &mp, &ctl)) {
            prop_assert!(rel(a.dimension, b.dimension) < 1e-9);
        }
        let gp = gride::Params { n1: 2, ..Default::default() };
        if let (Ok(a), Ok(b)) = (gride::estimate(&nb, &gp), gride::estimate(&nbs, &gp)) {
            // bisection to 1e-7 absolute; the score changes by rounding only
            prop_assert!((a.dimension - b.dimension).abs() < 1e-6);
        }
    }

    #[test]
    fn dedup_without_duplicates_is_the_identity((n, d, x) in points()) {
        let nb = brute_knn(&x, n, d, 6);
        prop_assume!(nb.distances.iter().all(|v| *v > 0.0));
        let dd = dedup_neighbors(&nb, 6).unwrap();
        prop_assert_eq!(dd.dropped, 0);
        prop_assert_eq!(dd.neighbors, nb);
    }
}
