//! Release-mode timings of the PCA crate (no Node): covariance fit, eigendecomposition, the
//! k = 32 transform and the whitening transform, on the same generated data as `bench/peers/pca_peers.py`.
//!
//! Data: `x[i, j] = s_j · (2u − 1)`, `u = splitmix64(i·d + j + seed) / 2^64` (53-bit), with
//! `s_j = 1 / sqrt(j + 1)` (power-law spectrum), generated as f32; the Python script builds the
//! identical array, so results can be compared (printed: top explained variances).
//!
//! Run: `cargo run --release -p embgeo-pca --example bench_pca [-- --threads 2 --runs 5 --only NxD]`
//! Prints one JSON object per measurement.

use std::time::Instant;

use embgeo_core::{Ctl, MatRef};
use embgeo_pca::pca::Params;
use embgeo_pca::whiten::Params as WParams;
use embgeo_pca::{moments, Moments, NComponents, Pca, Solver, Whitener};

#[path = "common/args.rs"]
mod args;
#[path = "common/data.rs"]
mod data;
use data::generate;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

thread_local! {
    /// Fastest run of the last `time` call (robust to a machine shared with other jobs).
    static BEST: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

fn time<R>(runs: usize, mut f: impl FnMut() -> R) -> (f64, R) {
    let mut out = f(); // warm-up
    let mut ts = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        out = f();
        ts.push(t.elapsed().as_secs_f64());
    }
    BEST.with(|b| b.set(ts.iter().copied().fold(f64::INFINITY, f64::min)));
    (median(ts), out)
}

/// `--only NxD` runs that one shape (any size), else the two benchmark shapes.
fn shapes(only: Option<&str>) -> Vec<(usize, usize)> {
    match only.and_then(|o| o.split_once('x')) {
        Some((n, d)) => vec![(n.parse().expect("rows"), d.parse().expect("cols"))],
        None => vec![(200_000, 384), (100_000, 1536)],
    }
}

/// Time the moments of `xm` (f32: the default kernel, and the split-bf16 SYRK where AMX-BF16
/// runs), then of the same values as f64 input (the f64 SYRK on faer); returns the f32 moments.
fn time_moments(
    xm: MatRef<'_, f32>,
    runs: usize,
    ctl: &Ctl<'_>,
    report: &impl Fn(&str, f64, String),
) -> Moments {
    let (t, m) = time(runs, || {
        moments::accumulate(xm, None, &moments::Params::default(), ctl).expect("moments")
    });
    report("moments (covariance, SYRK)", t, String::new());
    if embgeo_kernels::lowp::split_syrk_supported() {
        let split = moments::Params {
            kernel: moments::Kernel::SplitBf16,
            ..moments::Params::default()
        };
        let (t, _) = time(runs, || {
            moments::accumulate(xm, None, &split, ctl).expect("moments")
        });
        report("moments, split-bf16 SYRK on AMX", t, String::new());
    }
    let x64: Vec<f64> = xm.as_slice().iter().map(|&v| f64::from(v)).collect();
    let xm64 = MatRef::new(&x64, xm.rows(), xm.cols()).expect("shape");
    let (t, _) = time(runs, || {
        moments::accumulate(xm64, None, &moments::Params::default(), ctl).expect("moments")
    });
    report("moments of f64 input (f64 SYRK)", t, String::new());
    m
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| args::arg(&args, name, default);
    let threads = arg("--threads", 2);
    let runs = arg("--runs", 5);
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    for (n, d) in shapes(only.as_deref()) {
        let x = pool.install(|| generate(n, d));
        let xm = MatRef::new(&x, n, d).expect("shape");
        let report = |what: &str, secs: f64, extra: String| {
            println!(
                "{{\"impl\":\"embgeo\",\"op\":\"{what}\",\"n\":{n},\"d\":{d},\"threads\":{threads},\"runs\":{runs},\"seconds\":{secs:.4},\"best\":{:.4}{extra}}}",
                BEST.with(std::cell::Cell::get)
            );
        };
        pool.install(|| {
            let ctl = Ctl::detached();
            let m = time_moments(xm, runs, &ctl, &report);
            for (label, nc) in [
                ("fit k=32", NComponents::Count(32)),
                ("fit full", NComponents::All),
            ] {
                let (t, p) = time(runs, || {
                    let mut p = Pca::new(Params {
                        n_components: nc,
                        solver: Solver::Covariance,
                        ..Params::default()
                    })
                    .expect("params");
                    p.fit(xm, &ctl).expect("fit");
                    p
                });
                let ev = &p.fitted().expect("fitted").explained_variance;
                report(label, t, format!(",\"top_explained_variance\":{:?}", &ev[..5]));
            }
            // Answer check before trusting the timings: the default f32 block kernel against the
            // all-f64 kernel on the same data (top 32 explained variances).
            let fit_with = |kernel| {
                let mut p = Pca::new(Params {
                    n_components: NComponents::Count(32),
                    solver: Solver::Covariance,
                    kernel,
                    ..Params::default()
                })
                .expect("params");
                p.fit(xm, &ctl).expect("fit");
                p.fitted().expect("fitted").explained_variance.clone()
            };
            let (a, b) = (fit_with(moments::Kernel::Auto), fit_with(moments::Kernel::F64));
            let dev = a
                .iter()
                .zip(&b)
                .map(|(u, v)| ((u - v) / v).abs())
                .fold(0.0, f64::max);
            report(
                "check: f32 kernel vs f64 kernel, top-32 variances",
                0.0,
                format!(",\"max_rel_dev\":{dev:.3e}"),
            );
            let (t, ()) = time(runs, || {
                let mut p = Pca::new(Params::default()).expect("params");
                p.fit_moments(m.clone(), &ctl).expect("eigh");
            });
            report("eigh from moments", t, String::new());
            let (t, ()) = time(runs, || {
                let cp = embgeo_pca::covariance::Params::default();
                embgeo_pca::covariance::solve_top(&m, &cp, &ctl, |_, _| Ok(32)).expect("eigh");
            });
            report(
                "eigh from moments, 32 leading vectors (solve_top)",
                t,
                String::new(),
            );
            let mut p32 = Pca::new(Params {
                n_components: NComponents::Count(32),
                ..Params::default()
            })
            .expect("params");
            p32.fit(xm, &ctl).expect("fit");
            let (t, y) = time(runs, || p32.transform(xm, &ctl).expect("transform"));
            report("transform (k = 32)", t, format!(",\"out_cols\":{}", y.len() / n));
            let mut w = Whitener::new(WParams::default()).expect("params");
            w.fit(xm, None, &ctl).expect("whitener");
            let (t, y) = time(runs, || w.transform(xm, &ctl).expect("transform"));
            report(
                "whitening transform (k = d)",
                t,
                format!(",\"out_cols\":{}", y.len() / n),
            );
        });
    }
}
