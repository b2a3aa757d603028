//! The engine equals a naive f64 brute force bit for bit: random, clustered, duplicated and
//! tied data; d from 1 to 1536; k from 1 to n − 1; all metrics; f32 and f64; several tilings.

mod common;

use common::{assert_same, clustered, gaussian, integer_grid, naive, to_f32, with_duplicates, METRICS};
use embgeo_core::{Ctl, MatRef};
use embgeo_knn::{all_points, search, Metric, Params};

fn small_tiles(k: usize, metric: Metric) -> Params {
    Params {
        k,
        metric,
        query_block: 7,
        corpus_block: 13,
        few_queries: 3,
        min_units: 8,
        min_slice_rows: 11,
        symmetric: true,
        ..Params::default()
    }
}

fn check_all_points(x: &[f64], d: usize, k: usize, what: &str) {
    let ctl = Ctl::detached();
    let n = x.len() / d;
    let x32 = to_f32(x);
    for metric in METRICS {
        let unsym = Params {
            symmetric: false,
            ..small_tiles(k, metric)
        };
        for p in [Params::new(k, metric), small_tiles(k, metric), unsym] {
            let got = all_points(MatRef::new(x, n, d).unwrap(), &p, &ctl).unwrap();
            assert_same(
                &got,
                &naive(x, None, d, k, metric),
                &format!("{what} f64 {metric:?} {p:?}"),
            );
            let got = all_points(MatRef::new(&x32, n, d).unwrap(), &p, &ctl).unwrap();
            assert_same(
                &got,
                &naive(&x32, None, d, k, metric),
                &format!("{what} f32 {metric:?} {p:?}"),
            );
        }
    }
}

#[test]
fn random_data_over_dimensions() {
    for (i, d) in [1usize, 2, 3, 7, 16, 17, 33, 64, 100, 384]
        .into_iter()
        .enumerate()
    {
        let n = 40 + 3 * i;
        let x = gaussian(n, d, 100 + d as u64);
        check_all_points(&x, d, 5, &format!("gaussian d={d}"));
    }
}

#[test]
fn high_dimension_1536() {
    let d = 1536;
    let x = gaussian(24, d, 7);
    check_all_points(&x, d, 3, "gaussian d=1536");
}

#[test]
fn k_from_1_to_n_minus_1() {
    let n = 37;
    let d = 5;
    let x = clustered(n, d, 4, 3);
    for k in [1, 2, 9, 35, 36] {
        check_all_points(&x, d, k, &format!("clustered k={k}"));
    }
}

#[test]
fn reservoir_regime_k_at_least_100() {
    let n = 200;
    let d = 6;
    let x = gaussian(n, d, 11);
    let ctl = Ctl::detached();
    let x32 = to_f32(&x);
    for metric in METRICS {
        for k in [100, 150, 199] {
            let p = Params::new(k, metric);
            let got = all_points(MatRef::new(&x32, n, d).unwrap(), &p, &ctl).unwrap();
            assert_same(
                &got,
                &naive(&x32, None, d, k, metric),
                &format!("k={k} {metric:?}"),
            );
        }
    }
}

#[test]
fn clustered_data() {
    let x = clustered(120, 24, 5, 21);
    check_all_points(&x, 24, 10, "clustered");
}

#[test]
fn exact_and_near_duplicates() {
    let x = with_duplicates(200, 16, 5);
    check_all_points(&x, 16, 4, "duplicates");
}

#[test]
fn massive_exact_ties_break_to_lower_index() {
    let x = integer_grid(120, 3, 9);
    check_all_points(&x, 3, 12, "integer grid");
}

#[test]
fn identical_rows_are_at_distance_zero() {
    let mut x = gaussian(30, 8, 1);
    let row: Vec<f64> = x[8..16].to_vec();
    x[5 * 8..6 * 8].copy_from_slice(&row); // row 5 = row 1
    let n = all_points(
        MatRef::new(&x, 30, 8).unwrap(),
        &Params::new(1, Metric::Euclidean),
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!((n.indices_of(1)[0], n.distances_of(1)[0]), (5, 0.0));
    assert_eq!((n.indices_of(5)[0], n.distances_of(5)[0]), (1, 0.0));
    let c = all_points(
        MatRef::new(&x, 30, 8).unwrap(),
        &Params::new(1, Metric::Cosine),
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!((c.indices_of(1)[0], c.distances_of(1)[0]), (5, 0.0));
}

#[test]
fn queries_against_corpus_including_few_query_path() {
    let d = 19;
    let corpus = clustered(200, d, 6, 31);
    let ctl = Ctl::detached();
    for nq in [1usize, 3, 16, 17, 40] {
        let q = gaussian(nq, d, 40 + nq as u64);
        let (c32, q32) = (to_f32(&corpus), to_f32(&q));
        for metric in METRICS {
            for p in [Params::new(7, metric), small_tiles(7, metric)] {
                let got = search(
                    MatRef::new(&corpus, 200, d).unwrap(),
                    MatRef::new(&q, nq, d).unwrap(),
                    &p,
                    &ctl,
                )
                .unwrap();
                assert_same(
                    &got,
                    &naive(&corpus, Some(&q), d, 7, metric),
                    &format!("f64 nq={nq} {metric:?}"),
                );
                let got = search(
                    MatRef::new(&c32, 200, d).unwrap(),
                    MatRef::new(&q32, nq, d).unwrap(),
                    &p,
                    &ctl,
                )
                .unwrap();
                assert_same(
                    &got,
                    &naive(&c32, Some(&q32), d, 7, metric),
                    &format!("f32 nq={nq} {metric:?}"),
                );
            }
        }
    }
}

#[test]
fn queries_equal_to_corpus_rows_find_themselves() {
    let d = 10;
    let corpus = gaussian(50, d, 2);
    let q: Vec<f64> = corpus[3 * d..5 * d].to_vec();
    let got = search(
        MatRef::new(&corpus, 50, d).unwrap(),
        MatRef::new(&q, 2, d).unwrap(),
        &Params::new(1, Metric::Euclidean),
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!(got.indices, vec![3, 4]);
    assert_eq!(got.distances, vec![0.0, 0.0]);
}

#[test]
fn large_magnitudes_fall_back_to_f64_and_stay_exact() {
    // f32 values near 1e20: squared norms overflow f32, so the f64 pass is used
    let x: Vec<f64> = gaussian(30, 4, 8).iter().map(|v| v * 1e20).collect();
    let x32 = to_f32(&x);
    let p = Params::new(3, Metric::Euclidean);
    let got = all_points(MatRef::new(&x32, 30, 4).unwrap(), &p, &Ctl::detached()).unwrap();
    assert_same(&got, &naive(&x32, None, 4, 3, Metric::Euclidean), "1e20");
}

#[test]
fn tiny_magnitudes_stay_exact() {
    let x: Vec<f64> = gaussian(30, 4, 8).iter().map(|v| v * 1e-25).collect();
    let x32 = to_f32(&x);
    for metric in METRICS {
        let p = Params::new(3, metric);
        let got = all_points(MatRef::new(&x32, 30, 4).unwrap(), &p, &Ctl::detached()).unwrap();
        assert_same(&got, &naive(&x32, None, 4, 3, metric), "1e-25");
    }
}
