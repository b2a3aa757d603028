//! Thread-count independence (Par::Seq vs Par::Rayon, bit-identical) and f32 input (the same
//! estimate as the reference fed the f32 values as f64: fixture fx2_f32).

#![allow(clippy::float_cmp, clippy::doc_markdown, clippy::too_many_lines)]

mod common;

use common::{assert_all_close, assert_close, load};
use embgeo_core::Par;
use embgeo_intdim::{corrint, ess, fishers, knn_exact, lpca, mle, tle, Ctl, MatRef};

#[test]
fn results_do_not_depend_on_parallelism() {
    let fx = load("fx3_paraboloid2in3");
    let x = MatRef::new(&fx.data, fx.rows, fx.cols).unwrap();
    let par = Ctl::detached();
    let seq = Ctl::detached().with_par(Par::Seq);
    let nb = knn_exact(x, 20, &par).unwrap();
    assert_eq!(nb, knn_exact(x, 20, &seq).unwrap());
    assert_eq!(nb, fx.knn(20), "internal kNN equals the test brute force");
    let run = |ctl: &Ctl<'_>| {
        vec![
            mle::estimate(&nb, &mle::Params::default(), ctl).unwrap(),
            tle::estimate(x, &nb, &tle::Params::default(), ctl).unwrap(),
            ess::estimate(
                x,
                &nb,
                &ess::Params {
                    k: 20,
                    ..Default::default()
                },
                ctl,
            )
            .unwrap(),
            lpca::pointwise(x, &nb, 20, &lpca::Params::default(), ctl).unwrap(),
            corrint::estimate(x, &nb, &corrint::Params::default(), ctl).unwrap(),
            fishers::estimate(x, &fishers::Params::default(), ctl).unwrap(),
        ]
    };
    assert_eq!(run(&par), run(&seq));
}

#[test]
fn f32_input_matches_the_reference_fed_the_same_values() {
    let ctl = Ctl::detached();
    let fx = load("fx2_f32");
    let x32: Vec<f32> = fx.data.iter().map(|&v| v as f32).collect();
    assert!(
        x32.iter().zip(&fx.data).all(|(a, b)| f64::from(*a) == *b),
        "fixture values are f32-exact"
    );
    let x = MatRef::new(&x32, fx.rows, fx.cols).unwrap();
    let nb = knn_exact(x, 20, &ctl).unwrap();
    assert_eq!(nb, fx.knn(20));
    let got = tle::estimate(x, &nb, &tle::Params::default(), &ctl).unwrap();
    assert_close(
        "tle f32",
        got.dimension,
        fx.scalar("tle_k20").unwrap(),
        fx.tol("tle"),
    );
    let got = ess::estimate(
        x,
        &nb,
        &ess::Params {
            k: 20,
            ..Default::default()
        },
        &ctl,
    )
    .unwrap();
    assert_all_close(
        "ess f32",
        got.pointwise.as_ref().unwrap(),
        &fx.vector("ess_a_k20_pointwise").unwrap(),
        1e-9,
    );
    let got = lpca::estimate(
        x,
        &lpca::Params {
            version: lpca::Version::ParticipationRatio,
            ..Default::default()
        },
    )
    .unwrap();
    assert_close(
        "lpca f32",
        got.dimension,
        fx.scalar("lpca_participation_ratio").unwrap(),
        fx.tol("lpca"),
    );
    let got = fishers::estimate(x, &fishers::Params::default(), &ctl).unwrap();
    assert_close(
        "fishers f32",
        got.dimension,
        fx.vector("fishers").unwrap()[0],
        fx.tol("fishers"),
    );
    let got = corrint::estimate(x, &nb, &corrint::Params::default(), &ctl).unwrap();
    assert_close(
        "corrint f32",
        got.dimension,
        fx.scalar("corrint").unwrap(),
        fx.tol("corrint"),
    );
}
