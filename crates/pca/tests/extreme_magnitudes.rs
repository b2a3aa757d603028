//! Issue 17 items 6 and 13: PCA and whitening of f64 data at extreme but finite magnitudes
//! give the unscaled answer (components identical up to rounding, variances scaled by c²) or
//! a coded error, never NaN or `ERR_INTERNAL`; Zipfian weights that overflow blame the weights.

use embgeo_core::{Ctl, MatRef};
use embgeo_pca::pca::Params as PcaParams;
use embgeo_pca::whiten::Params as WhitenParams;
use embgeo_pca::{NComponents, Pca, Solver, Whitener};

/// 60 × 5 deterministic, irregular values with distinct variances per column.
fn base() -> Vec<f64> {
    (0..300u32)
        .map(|i| f64::from((i * 7919 + 13) % 1009) / 1009.0 * f64::from(1 + i % 5))
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    ((a - b) / b).abs()
}

#[test]
fn pca_is_scaled_back_or_out_of_range_for_every_solver() {
    let x = base();
    let ctl = Ctl::detached();
    for solver in [Solver::Covariance, Solver::Svd, Solver::Randomized] {
        let params = PcaParams {
            n_components: NComponents::Count(3),
            solver,
            ..PcaParams::default()
        };
        let mut want = Pca::new(params).unwrap();
        want.fit(MatRef::from_flat(&x, 5).unwrap(), &ctl).unwrap();
        let want = want.fitted().unwrap().clone();
        for c in [1e-170, 1e-165, 1e-150, 1e150, 1e154, 1e300] {
            let xs: Vec<f64> = x.iter().map(|v| v * c).collect();
            let mut p = Pca::new(params).unwrap();
            match p.fit(MatRef::from_flat(&xs, 5).unwrap(), &ctl) {
                Ok(()) => {
                    let f = p.fitted().unwrap();
                    for (a, b) in f.components.iter().zip(&want.components) {
                        assert!((a - b).abs() < 1e-10, "{solver:?} {c:e}: component {a} vs {b}");
                    }
                    for (a, b) in f.explained_variance.iter().zip(&want.explained_variance) {
                        assert!(
                            rel(*a, b * c * c) < 1e-10,
                            "{solver:?} {c:e}: variance {a} vs {}",
                            b * c * c
                        );
                    }
                    for (a, b) in f
                        .explained_variance_ratio
                        .iter()
                        .zip(&want.explained_variance_ratio)
                    {
                        assert!(rel(*a, *b) < 1e-10, "{solver:?} {c:e}");
                    }
                }
                Err(e) => {
                    assert!(
                        ["ERR_OUT_OF_RANGE", "ERR_DEGENERATE"].contains(&e.code()),
                        "{solver:?} {c:e}: {} {e}",
                        e.code()
                    );
                    // only where the variances (c² · O(1)) leave the f64 range
                    assert!(c * c > 1e300 || c * c < 1e-300, "{solver:?} {c:e}: {e}");
                }
            }
        }
    }
}

#[test]
fn whitening_is_scale_free_or_a_coded_error() {
    let x = base();
    let ctl = Ctl::detached();
    let mut w0 = Whitener::new(WhitenParams::bert(None)).unwrap();
    let want = w0
        .fit_transform(MatRef::from_flat(&x, 5).unwrap(), None, &ctl)
        .unwrap();
    for c in [1e-170, 1e-165, 1e-150, 1e150, 1e154, 1e300] {
        let xs: Vec<f64> = x.iter().map(|v| v * c).collect();
        let mut w = Whitener::new(WhitenParams::bert(None)).unwrap();
        match w.fit_transform(MatRef::from_flat(&xs, 5).unwrap(), None, &ctl) {
            // whitened data are scale-free
            Ok(y) => {
                for (a, b) in y.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-8, "{c:e}: {a} vs {b}");
                }
            }
            Err(e) => {
                assert!(
                    ["ERR_OUT_OF_RANGE", "ERR_DEGENERATE"].contains(&e.code()),
                    "{c:e}: {e}"
                );
                assert!(c * c > 1e300 || c * c < 1e-300, "{c:e}: {e}");
            }
        }
    }
}

#[test]
fn zipfian_weights_that_overflow_blame_the_weights() {
    let x = base();
    let ctl = Ctl::detached();
    let weights = vec![1e308; 60];
    let mut w = Whitener::new(WhitenParams::zipfian(None)).unwrap();
    let e = w
        .fit(MatRef::from_flat(&x, 5).unwrap(), Some(&weights), &ctl)
        .unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
    assert!(e.to_string().starts_with("weights"), "{e}");
    // the same ratios at a representable scale fit
    let weights = vec![1.0; 60];
    w.fit(MatRef::from_flat(&x, 5).unwrap(), Some(&weights), &ctl)
        .unwrap();
}
