//! Statistical tests: randomised estimators and estimates on generated benchmark manifolds.
//! Each test states its criterion; seeds are fixed, so the outcome is reproducible.

// Test files compare exact reference values and name libraries in prose.
#![allow(clippy::float_cmp, clippy::doc_markdown)]

use embgeo_intdim::{danco, datasets, knn_carter, knn_exact, twonn, Ctl, MatRef};

/// scikit-dimension's own DANCo test (skdim/tests/test_estimators.py): uniform balls with
/// n = 100, d = 2..10 and DANCo(D = 11, fractal = False) return exactly d with numpy's
/// MT19937 seed 0. Our balls and calibration come from ChaCha8, so the criterion is
/// statistical: exact for at least 8 of the 9 dimensions and never off by more than 1.
#[test]
fn danco_recovers_ball_dimensions_like_the_reference_test() {
    let ctl = Ctl::detached();
    let mut got = Vec::new();
    for d in 2..=10usize {
        let pts = datasets::uniform_ball(100, d, 0);
        // the reference pads nothing: the ball lives in R^d; D = 11 candidate dimensions
        let x = MatRef::new(&pts, 100, d).unwrap();
        let nb = knn_exact(x, 11, &ctl).unwrap();
        let p = danco::Params {
            max_dim: Some(11),
            fractal: false,
            ..Default::default()
        };
        got.push(danco::estimate(x, &nb, &p, &ctl).unwrap().dimension);
    }
    let want: Vec<f64> = (2..=10).map(f64::from).collect();
    let exact = got.iter().zip(&want).filter(|(g, w)| g == w).count();
    assert!(
        exact >= 8 && got.iter().zip(&want).all(|(g, w)| (g - w).abs() <= 1.0),
        "{got:?}"
    );
}

/// KNN (Carter) on 1000 uniform points of the unit square with sample sizes 50..400, M = 3:
/// criterion: returns 2 for at least 4 of 5 seeds (the estimator is integer valued and noisy).
#[test]
fn knn_carter_finds_the_plane() {
    let mut pts = datasets::manifold("M9_Affine", 1000, 0.0, 1).unwrap().data; // 20-D cube: use 2 columns
    let plane: Vec<f64> = pts.chunks(20).flat_map(|r| [r[0], r[1], 0.0]).collect();
    pts.clear();
    let x = MatRef::new(&plane, 1000, 3).unwrap();
    let hits = (0..5)
        .filter(|&s| {
            let p = knn_carter::Params {
                ps: Some(vec![50, 100, 200, 400]),
                m: 3,
                seed: s,
                ..Default::default()
            };
            knn_carter::estimate(x, &p).unwrap().dimension == 2.0
        })
        .count();
    assert!(hits >= 4, "{hits} of 5");
}

/// All ID <= 10 manifolds at n = 2500 (the setting); the high-ambient ones make it
/// slow in debug builds: `cargo test --release -p embgeo-intdim -- --ignored`.
#[test]
#[ignore = "~70 s in a debug build; run with --release -- --ignored"]
fn twonn_is_within_ten_percent_on_all_benchmark_manifolds() {
    twonn_on_manifolds(2500, usize::MAX);
}

/// The same criterion at n = 2500 on the manifolds with ambient dimension <= 8 (default run).
#[test]
fn twonn_is_within_ten_percent_on_benchmark_manifolds() {
    twonn_on_manifolds(2500, 8);
}

/// TwoNN on the benchmark manifolds (seed 0). Criterion (issue #4): within 10 % of
/// the true ID for ID <= 10, except the sets the literature reports as biased for every
/// nearest-neighbour estimator: the 10-cube surface M10a, the non-uniform Mbeta and the
/// Burr-distributed paraboloids Mp2/Mp3 (Campadelli et al. 2015; Bac et al. 2021, Table 2),
/// which must be underestimates by at most 35 %.
fn twonn_on_manifolds(n: usize, max_ambient: usize) {
    let ctl = Ctl::detached();
    let biased = ["M10a_Cubic", "Mbeta", "Mp2_Paraboloid", "Mp3_Paraboloid"];
    for (name, d, amb) in datasets::MANIFOLDS {
        if d > 10 || amb > max_ambient {
            continue;
        }
        let m = datasets::manifold(name, n, 0.0, 0).unwrap();
        let x = MatRef::new(&m.data, m.rows, m.cols).unwrap();
        let nb = knn_exact(x, 2, &ctl).unwrap();
        let e = twonn::estimate(&nb, &twonn::Params::default()).unwrap().dimension;
        let rel = (e - d as f64) / d as f64;
        if biased.contains(&name) {
            assert!((-0.35..0.0).contains(&rel), "{name}: {e} vs {d}");
        } else {
            assert!(rel.abs() <= 0.10, "{name}: {e} vs {d}");
        }
    }
}

mod common;

/// DANCo with our own calibration against the reference's integer estimate (numpy seed 0,
/// fixture key `danco_rs0_dim_kl_calibration`): criterion: the same integer for at least 2 of
/// 3 calibration seeds on each of FX1–FX3.
#[test]
fn danco_with_own_calibration_agrees_with_the_reference_estimate() {
    let ctl = Ctl::detached();
    for name in ["fx1_ball5in10", "fx2_sphere2in3", "fx3_paraboloid2in3"] {
        let fx = common::load(name);
        let want = fx.vector("danco_rs0_dim_kl_calibration").unwrap()[0];
        let x = MatRef::new(&fx.data, fx.rows, fx.cols).unwrap();
        let nb = fx.knn(11);
        let hits = (0..3u64)
            .filter(|&seed| {
                let p = danco::Params {
                    fractal: false,
                    seed,
                    ..Default::default()
                };
                danco::estimate(x, &nb, &p, &ctl).unwrap().dimension == want
            })
            .count();
        assert!(hits >= 2, "{name}: {hits} of 3 seeds give the reference's {want}");
    }
}

/// ID versus scale by decimation against DADApy's `return_id_scaling_2NN` (its own PCG64
/// subsets, fixture key `dadapy_scaling_2nn`). Criteria: the same subset sizes; the full-size
/// value equal to 1e-8 (no randomness there); at every other size the two means differ by
/// less than 4 combined standard errors plus 0.1 (the smallest sizes have 12–25 points).
#[test]
fn twonn_decimation_agrees_with_dadapy_within_error_bars() {
    let ctl = Ctl::detached();
    for name in [
        "fx1_ball5in10",
        "fx2_sphere2in3",
        "fx3_paraboloid2in3",
        "fx5_ball5in30",
    ] {
        let fx = common::load(name);
        let want = fx.vector("dadapy_scaling_2nn").unwrap();
        let s = want.len() / 3;
        let x = MatRef::new(&fx.data, fx.rows, fx.cols).unwrap();
        let got = embgeo_intdim::scaling::twonn_decimation(
            x,
            &embgeo_intdim::scaling::DecimationParams::default(),
            &ctl,
        )
        .unwrap();
        let sizes: Vec<f64> = got.sizes.iter().map(|&v| v as f64).collect();
        assert_eq!(sizes, want[2 * s..].to_vec(), "{name}");
        assert!((got.dimensions[0] - want[0]).abs() <= 1e-8 * want[0], "{name}");
        for i in 1..s {
            let tol = 4.0 * (got.stderr[i].powi(2) + want[s + i].powi(2)).sqrt() + 0.1;
            assert!(
                (got.dimensions[i] - want[i]).abs() <= tol,
                "{name} size {}: {} vs {}",
                sizes[i],
                got.dimensions[i],
                want[i]
            );
        }
    }
}
