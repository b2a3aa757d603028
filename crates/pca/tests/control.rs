//! Cancellation, progress and input errors of the public entry points.

use std::sync::atomic::{AtomicU64, Ordering};

use embgeo_core::{CancelFlag, Ctl, MatRef, NoProgress, Par, Progress};
use embgeo_pca::pca::Params;
use embgeo_pca::whiten::Params as WParams;
use embgeo_pca::{all_but_the_top, Pca, Whitener};

fn data(n: usize, d: usize) -> Vec<f32> {
    (0..n * d)
        .map(|i| ((i * 2_654_435_761usize) % 997) as f32 / 97.0)
        .collect()
}

#[test]
fn a_fired_cancel_flag_stops_every_entry_point_with_abort_err() {
    let x = data(500, 6);
    let xm = MatRef::new(&x, 500, 6).unwrap();
    let flag = CancelFlag::new();
    flag.cancel();
    let ctl = Ctl::new(Par::Rayon, &flag, &NoProgress);
    let mut p = Pca::new(Params::default()).unwrap();
    assert_eq!(p.fit(xm, &ctl).unwrap_err().code(), "ABORT_ERR");
    assert!(p.fitted().is_err());
    assert_eq!(p.partial_fit(xm, &ctl).unwrap_err().code(), "ABORT_ERR");
    assert!(
        p.moments().is_none(),
        "a cancelled partial fit leaves the model unchanged"
    );
    let mut w = Whitener::new(WParams::default()).unwrap();
    assert_eq!(w.fit(xm, None, &ctl).unwrap_err().code(), "ABORT_ERR");
    let e = all_but_the_top::apply(xm, &all_but_the_top::Params::new(1), &ctl).unwrap_err();
    assert_eq!(e.code(), "ABORT_ERR");
    // A fitted model's transform is cancellable too.
    p.fit(xm, &Ctl::detached()).unwrap();
    assert_eq!(p.transform(xm, &ctl).unwrap_err().code(), "ABORT_ERR");
}

struct MaxDone(AtomicU64, AtomicU64);
impl Progress for MaxDone {
    fn advance(&self, phase: &'static str, done: u64, total: u64) {
        if phase == "moments" {
            self.0.fetch_max(done, Ordering::Relaxed);
            self.1.store(total, Ordering::Relaxed);
        }
    }
}

#[test]
fn progress_reaches_the_row_count() {
    let x = data(5000, 4);
    let flag = CancelFlag::new();
    let prog = MaxDone(AtomicU64::new(0), AtomicU64::new(0));
    let ctl = Ctl::new(Par::Rayon, &flag, &prog);
    let mut p = Pca::new(Params {
        block_rows: 128,
        ..Params::default()
    })
    .unwrap();
    p.fit(MatRef::new(&x, 5000, 4).unwrap(), &ctl).unwrap();
    assert_eq!(prog.0.load(Ordering::Relaxed), 5000);
    assert_eq!(prog.1.load(Ordering::Relaxed), 5000);
}

#[test]
fn feature_mismatch_uses_scikit_learn_wording() {
    let x = data(50, 5);
    let ctl = Ctl::detached();
    let mut p = Pca::new(Params::default()).unwrap();
    p.fit(MatRef::new(&x, 50, 5).unwrap(), &ctl).unwrap();
    let e = p
        .transform(MatRef::new(&x[..40], 10, 4).unwrap(), &ctl)
        .unwrap_err();
    assert_eq!(e.code(), "ERR_SHAPE");
    assert!(
        e.to_string()
            .contains("X has 4 features, but PCA is expecting 5 features as input"),
        "{e}"
    );
    let mut bad = x.clone();
    bad[7] = f32::NAN;
    let e = p.transform(MatRef::new(&bad, 50, 5).unwrap(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_NON_FINITE");
    let mut q = Pca::new(Params::default()).unwrap();
    assert_eq!(
        q.fit(MatRef::new(&bad, 50, 5).unwrap(), &ctl).unwrap_err().code(),
        "ERR_NON_FINITE"
    );
    assert_eq!(
        Pca::new(Params {
            n_components: embgeo_pca::NComponents::VarianceRatio(1.5),
            ..Params::default()
        })
        .unwrap_err()
        .code(),
        "ERR_OUT_OF_RANGE"
    );
    let mut r = Pca::new(Params {
        n_components: embgeo_pca::NComponents::Count(6),
        ..Params::default()
    })
    .unwrap();
    let e = r.fit(MatRef::new(&x, 50, 5).unwrap(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
    assert!(e.to_string().contains("min(50, 5) = 5"), "{e}");
}

#[test]
fn svd_and_randomized_solvers_across_thread_counts() {
    // Reports whether faer's SVD / QR / GEMM give bit-identical results for every pool size.
    let (n, d) = (3000, 120);
    let x: Vec<f64> = data(n, d).iter().map(|v| f64::from(*v)).collect();
    let xm = MatRef::new(&x, n, d).unwrap();
    for solver in [embgeo_pca::Solver::Svd, embgeo_pca::Solver::Randomized] {
        let run = |ctl: &Ctl<'_>| {
            let mut p = Pca::new(Params {
                solver,
                n_components: embgeo_pca::NComponents::Count(5),
                ..Params::default()
            })
            .unwrap();
            p.fit(xm, ctl).unwrap();
            p.fitted().unwrap().clone()
        };
        let seq = run(&Ctl::detached().with_par(Par::Seq));
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let par = pool.install(|| run(&Ctl::detached()));
            assert_eq!(seq, par, "{solver:?}, threads = {threads}");
        }
    }
}

#[test]
fn extreme_f32_values_fit_like_their_f64_copies_and_f64_overflow_is_a_clear_error() {
    let ctl = Ctl::detached();
    let fit_ev = |x: MatRef<'_, f32>| {
        let mut p = Pca::new(Params::default()).unwrap();
        p.fit(x, &ctl).unwrap();
        p.fitted().unwrap().explained_variance.clone()
    };
    for scale in [1e20f64, 1e-25] {
        let x64: Vec<f64> = (0..60 * 4)
            .map(|i: u32| scale * (f64::from((i * 37) % 101) / 101.0 - 0.5))
            .collect();
        let x32: Vec<f32> = x64.iter().map(|&v| v as f32).collect();
        let back: Vec<f64> = x32.iter().map(|&v| f64::from(v)).collect();
        let a = fit_ev(MatRef::new(&x32, 60, 4).unwrap());
        let mut p = Pca::new(Params::default()).unwrap();
        p.fit(MatRef::new(&back, 60, 4).unwrap(), &ctl).unwrap();
        let b = p.fitted().unwrap().explained_variance.clone();
        assert!(b.iter().all(|v| *v > 0.0), "scale {scale:e}: {b:?}");
        for (u, v) in a.iter().zip(&b) {
            assert!(
                (u - v).abs() <= 1e-12 * v.abs(),
                "scale {scale:e}: {u:e} vs {v:e}"
            );
        }
    }
    let huge: Vec<f64> = (0..40).map(|i| 1e200 * f64::from(i % 7)).collect();
    let mut p = Pca::new(Params::default()).unwrap();
    let e = p.fit(MatRef::new(&huge, 20, 2).unwrap(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_DEGENERATE", "{e}");
    assert!(e.to_string().contains("rescale"), "{e}");
}

#[test]
fn a_partial_fit_that_fails_midway_leaves_the_fitted_moments_unchanged() {
    // The moments are updated in place: a block whose last row holds a NaN fails after its
    // other lanes have accumulated, and the model must not see any of it.
    let (n, d) = (3000, 6);
    let x = data(n, d);
    let mut bad = data(n, d);
    bad[n * d - 1] = f32::NAN;
    let small = embgeo_pca::moments::Params {
        block_rows: 64,
        ..embgeo_pca::moments::Params::default()
    };
    assert!(n / small.block_rows > small.lanes, "several lanes per update");
    let ctl = Ctl::detached();
    let mut p = Pca::new(Params {
        block_rows: 64,
        ..Params::default()
    })
    .unwrap();
    p.partial_fit(MatRef::new(&x, n, d).unwrap(), &ctl).unwrap();
    let before = (p.moments().cloned(), p.fitted().unwrap().clone());
    let e = p.partial_fit(MatRef::new(&bad, n, d).unwrap(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_NON_FINITE");
    assert_eq!((p.moments().cloned(), p.fitted().unwrap().clone()), before);
    let mut w = Whitener::new(WParams {
        block_rows: 64,
        ..WParams::default()
    })
    .unwrap();
    w.partial_fit(MatRef::new(&x, n, d).unwrap(), None, &ctl).unwrap();
    let before = w.moments().cloned();
    let e = w
        .partial_fit(MatRef::new(&bad, n, d).unwrap(), None, &ctl)
        .unwrap_err();
    assert_eq!(e.code(), "ERR_NON_FINITE");
    assert_eq!(w.moments().cloned(), before);
}
