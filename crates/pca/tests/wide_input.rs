//! Wide inputs (d far above n, e.g. a matrix saved transposed) never abort: every d × d path
//! checks the dense rule (`embgeo_core::dense`, side ≤ 16,384) before allocating and answers
//! with `OutOfRange` naming the size; the SVD route of `Auto` answers (issue 17 item 1).

use embgeo_core::{Ctl, MatRef};
use embgeo_pca::pca::Params;
use embgeo_pca::whiten::Params as WParams;
use embgeo_pca::{all_but_the_top, moments, Moments, NComponents, Pca, Solver, Whitener};

const N: usize = 11;
const D: usize = 20_000;

fn wide() -> Vec<f32> {
    (0..N * D)
        .map(|i| ((i * 2_654_435_761usize) % 997) as f32 / 97.0)
        .collect()
}

fn assert_too_wide(e: &embgeo_core::Error) {
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{e}");
    let m = e.to_string();
    assert!(m.contains("20,000 × 20,000 f64 matrix (3.2 GB)"), "{m}");
    assert!(m.contains("at most 16,384"), "{m}");
}

#[test]
fn covariance_pca_and_partial_fit_are_coded_errors() {
    let x = wide();
    let xm = MatRef::new(&x, N, D).unwrap();
    let ctl = Ctl::detached();
    let mut p = Pca::new(Params {
        solver: Solver::Covariance,
        ..Params::default()
    })
    .unwrap();
    let e = p.fit(xm, &ctl).unwrap_err();
    assert_too_wide(&e);
    assert!(e.to_string().contains("solver: 'svd'"), "{e}");
    let mut p = Pca::new(Params::default()).unwrap();
    assert_too_wide(&p.partial_fit(xm, &ctl).unwrap_err());
    assert!(p.moments().is_none() && p.fitted().is_err());
    assert_too_wide(&Moments::new(D).unwrap_err());
    assert_too_wide(&moments::accumulate(xm, None, &moments::Params::default(), &ctl).unwrap_err());
}

#[test]
fn auto_pca_takes_an_n_by_d_route() {
    let x = wide();
    let xm = MatRef::new(&x, N, D).unwrap();
    // All components: the thin SVD (n × d workspace, no d × d matrix).
    let mut p = Pca::new(Params::default()).unwrap();
    p.fit(xm, &Ctl::detached()).unwrap();
    assert_eq!(p.fitted().unwrap().solver, Solver::Svd);
    assert_eq!(p.fitted().unwrap().components.len(), N * D);
    // A few components: the randomized SVD (n × d as well).
    let mut p = Pca::new(Params {
        n_components: NComponents::Count(3),
        ..Params::default()
    })
    .unwrap();
    p.fit(xm, &Ctl::detached()).unwrap();
    assert_eq!(p.fitted().unwrap().solver, Solver::Randomized);
    assert_eq!(p.fitted().unwrap().components.len(), 3 * D);
}

#[test]
fn whitening_and_all_but_the_top_are_coded_errors() {
    let x = wide();
    let xm = MatRef::new(&x, N, D).unwrap();
    let ctl = Ctl::detached();
    let weights: Vec<f64> = (1..=N).map(|i| 1.0 / i as f64).collect();
    for (params, w) in [
        (WParams::default(), None),
        (WParams::bert(Some(5)), None),
        (WParams::zca(1e-3), None),
        (WParams::zipfian(Some(5)), Some(&weights[..])),
    ] {
        let mut wh = Whitener::new(params).unwrap();
        assert_too_wide(&wh.fit(xm, w, &ctl).unwrap_err());
        assert!(wh.state().is_err());
    }
    let e = all_but_the_top::apply(xm, &all_but_the_top::Params::new(2), &ctl).unwrap_err();
    assert_too_wide(&e);
}
