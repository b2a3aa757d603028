//! Duplicate policies: FX4 is sphere(60) followed by copies of its rows 0..4, so dropping the
//! duplicates must give exactly the estimates on the first 60 rows; `Error` must refuse; and the
//! default never yields NaN, ±inf or a silent 0.

// Exact equality is the point of these tests.
#![allow(clippy::float_cmp, clippy::doc_markdown, clippy::too_many_lines)]

mod common;

use common::{brute_knn, load};
use embgeo_intdim::{
    dedup_neighbors, gride, mada, mind_ml, mle, mom, tle, twonn, zero_distance_rows, Ctl, Duplicates, MatRef,
};

#[test]
fn drop_equals_the_deduplicated_data() {
    let ctl = Ctl::detached();
    let fx = load("fx4_dups");
    let nb = fx.knn(40);
    let clean = &fx.data[..60 * 3];
    let nbc = brute_knn(clean, 60, 3, 40);
    assert_eq!(zero_distance_rows(&nb), 10);
    let d = dedup_neighbors(&nb, 30).unwrap();
    assert_eq!(d.kept, (0..60).collect::<Vec<_>>());
    assert_eq!(d.dropped, 5);

    let drop = Duplicates::Drop;
    let a = twonn::estimate(
        &nb,
        &twonn::Params {
            duplicates: drop,
            ..Default::default()
        },
    )
    .unwrap();
    let b = twonn::estimate(&nbc, &twonn::Params::default()).unwrap();
    assert_eq!(
        (a.dimension, a.dropped_duplicates, a.n_used),
        (b.dimension, 5, b.n_used)
    );

    let a = mle::estimate(
        &nb,
        &mle::Params {
            duplicates: drop,
            ..Default::default()
        },
        &ctl,
    )
    .unwrap();
    let b = mle::estimate(&nbc, &mle::Params::default(), &ctl).unwrap();
    assert_eq!(a.dimension, b.dimension);
    assert_eq!(a.pointwise, b.pointwise);

    let a = mom::estimate(
        &nb,
        &mom::Params {
            k: 30,
            duplicates: drop,
            ..Default::default()
        },
        &ctl,
    )
    .unwrap();
    let b = mom::estimate(
        &nbc,
        &mom::Params {
            k: 30,
            ..Default::default()
        },
        &ctl,
    )
    .unwrap();
    assert_eq!(a.dimension, b.dimension);

    let a = mada::estimate(
        &nb,
        &mada::Params {
            duplicates: drop,
            ..Default::default()
        },
        &ctl,
    )
    .unwrap();
    let b = mada::estimate(&nbc, &mada::Params::default(), &ctl).unwrap();
    assert_eq!(a.dimension, b.dimension);

    let x = MatRef::new(&fx.data, fx.rows, fx.cols).unwrap();
    let xc = MatRef::new(clean, 60, 3).unwrap();
    let a = tle::estimate(
        x,
        &nb,
        &tle::Params {
            duplicates: drop,
            ..Default::default()
        },
        &ctl,
    )
    .unwrap();
    let b = tle::estimate(xc, &nbc, &tle::Params::default(), &ctl).unwrap();
    assert_eq!(a.dimension, b.dimension);

    let a = mind_ml::estimate(
        &nb,
        &mind_ml::Params {
            duplicates: drop,
            ..Default::default()
        },
    )
    .unwrap();
    let b = mind_ml::estimate(&nbc, &mind_ml::Params::default()).unwrap();
    assert_eq!(a.dimension, b.dimension);

    let gp = gride::ScalingParams {
        range_max: 16,
        duplicates: drop,
        ..Default::default()
    };
    let a = gride::scaling(&nb, &gp).unwrap();
    let b = gride::scaling(
        &nbc,
        &gride::ScalingParams {
            range_max: 16,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(a.dimensions, b.dimensions);
}

#[test]
fn error_policy_refuses_and_defaults_never_return_non_finite() {
    let ctl = Ctl::detached();
    let fx = load("fx4_dups");
    let nb = fx.knn(40);
    let err = Duplicates::Error;
    for e in [
        twonn::estimate(
            &nb,
            &twonn::Params {
                duplicates: err,
                ..Default::default()
            },
        )
        .unwrap_err(),
        mle::estimate(&nb, &mle::Params::default(), &ctl).unwrap_err(),
        mom::estimate(
            &nb,
            &mom::Params {
                k: 30,
                duplicates: err,
                ..Default::default()
            },
            &ctl,
        )
        .unwrap_err(),
        gride::scaling(
            &nb,
            &gride::ScalingParams {
                range_max: 16,
                ..Default::default()
            },
        )
        .unwrap_err(),
        mind_ml::estimate(&nb, &mind_ml::Params::default()).unwrap_err(),
    ] {
        assert_eq!(e.code(), "ERR_DUPLICATES", "{e}");
    }
    // the reference's silent 0 (harmonic mean) becomes an error under Keep as well
    let keep = mle::Params {
        duplicates: Duplicates::Keep,
        ..Default::default()
    };
    assert_eq!(
        mle::estimate(&nb, &keep, &ctl).unwrap_err().code(),
        "ERR_DUPLICATES"
    );
    // defaults that keep duplicates return finite numbers
    let t = twonn::estimate(&nb, &twonn::Params::default()).unwrap();
    assert!(t.dimension.is_finite() && t.dropped_duplicates == 10);
}

#[test]
fn all_identical_points_are_degenerate_not_nan() {
    let ctl = Ctl::detached();
    let x = vec![1.0f64; 30 * 3];
    let nb = brute_knn(&x, 30, 3, 10);
    let keep = Duplicates::Keep;
    assert!(twonn::estimate(&nb, &twonn::Params::default()).is_err());
    assert_eq!(
        mom::estimate(
            &nb,
            &mom::Params {
                k: 10,
                duplicates: keep,
                ..Default::default()
            },
            &ctl
        )
        .unwrap_err()
        .code(),
        "ERR_DEGENERATE"
    );
    assert_eq!(
        mle::estimate(
            &nb,
            &mle::Params {
                k: 10,
                duplicates: keep,
                ..Default::default()
            },
            &ctl
        )
        .unwrap_err()
        .code(),
        "ERR_DEGENERATE"
    );
    let xm = MatRef::new(&x, 30, 3).unwrap();
    assert_eq!(
        tle::estimate(
            xm,
            &nb,
            &tle::Params {
                k: 10,
                ..Default::default()
            },
            &ctl
        )
        .unwrap_err()
        .code(),
        "ERR_DEGENERATE"
    );
}

#[test]
fn caller_neighbours_with_bad_indices_are_rejected_not_panicking() {
    let ctl = Ctl::detached();
    let fx = load("fx1_ball5in10");
    let x = MatRef::new(&fx.data, fx.rows, fx.cols).unwrap();
    let mut nb = fx.knn(20);
    nb.indices[7] = 10_000;
    let e = tle::estimate(x, &nb, &tle::Params::default(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
    assert_eq!(
        gride::kstar(
            &nb,
            &gride::KstarParams {
                maxk: Some(20),
                ..Default::default()
            }
        )
        .unwrap_err()
        .code(),
        "ERR_OUT_OF_RANGE"
    );
}
