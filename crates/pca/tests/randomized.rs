//! The randomized solver on f32 input (the kernel-layer path): accuracy against the exact f64
//! solver, bit-identical results for every thread count over several parallel chunks, and the
//! f64 fallback for values outside f32's safe range.

use embgeo_core::{Ctl, MatRef, Par};
use embgeo_pca::pca::{Fitted, Params};
use embgeo_pca::{NComponents, Pca, Solver};

/// n × d f32 values with column j of spread 10·0.7^j around 3 (a decaying spectrum, as in the
/// unit test `randomized_matches_exact_on_decaying_spectrum`, here from a fixed integer hash).
fn decaying(n: usize, d: usize) -> Vec<f32> {
    (0..n * d)
        .map(|i| {
            let u = ((i * 2_654_435_761usize) % 997) as f64 / 997.0 - 0.5;
            (3.0 + u * 10.0 * 0.7f64.powi((i % d) as i32)) as f32
        })
        .collect()
}

fn fit<T: embgeo_core::Element>(x: MatRef<'_, T>, solver: Solver, k: usize, ctl: &Ctl<'_>) -> Fitted {
    let mut p = Pca::new(Params {
        solver,
        n_components: NComponents::Count(k),
        ..Params::default()
    })
    .unwrap();
    p.fit(x, ctl).unwrap();
    p.fitted().unwrap().clone()
}

#[test]
fn f32_variances_match_the_exact_f64_solver() {
    // 9000 rows: three 4096-row chunks of f32 kernel blocks.
    let (n, d, k) = (9000, 30, 4);
    let x = decaying(n, d);
    let wide: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
    let ctl = Ctl::detached();
    let r = fit(MatRef::new(&x, n, d).unwrap(), Solver::Randomized, k, &ctl);
    let e = fit(MatRef::new(&wide, n, d).unwrap(), Solver::Svd, k, &ctl);
    // 1e-5 relative: the f32 tolerance of the parity fixtures (issue 13).
    for (u, v) in r.explained_variance.iter().zip(&e.explained_variance) {
        assert!((u - v).abs() < 1e-5 * v, "{u} vs {v}");
    }
    let (tr, te) = (r.explained_variance_ratio[0], e.explained_variance_ratio[0]);
    assert!((tr - te).abs() < 1e-5 * te, "ratio {tr} vs {te}");
}

#[test]
fn f32_fit_is_bit_identical_for_every_thread_count() {
    let (n, d) = (9000, 40);
    let x = decaying(n, d);
    let xm = MatRef::new(&x, n, d).unwrap();
    let seq = fit(xm, Solver::Randomized, 5, &Ctl::detached().with_par(Par::Seq));
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let par = pool.install(|| fit(xm, Solver::Randomized, 5, &Ctl::detached()));
        assert_eq!(seq, par, "threads = {threads}");
    }
}

#[test]
fn f32_values_outside_the_safe_range_fit_like_their_f64_copies() {
    use embgeo_pca::randomized::{self, Route};
    let ctl = Ctl::detached();
    for scale in [1e20f32, 1e-25] {
        let x: Vec<f32> = decaying(600, 12).iter().map(|v| v * scale).collect();
        let back: Vec<f64> = x.iter().map(|v| f64::from(*v)).collect();
        let (xm, bm) = (
            MatRef::new(&x, 600, 12).unwrap(),
            MatRef::new(&back, 600, 12).unwrap(),
        );
        // The passes: every block leaves f32's safe range, so both run the same f64 arithmetic.
        let p = randomized::Params {
            route: Route::Passes,
            ..randomized::Params::default()
        };
        let a = randomized::solve(xm, true, 3, &p, &ctl).unwrap();
        let b = randomized::solve(bm, true, 3, &p, &ctl).unwrap();
        assert_eq!(a, b, "passes, scale {scale:e}");
        // The model (the Gram route at this shape): its moments take f64 blocks of 2048 rows for
        // the unsafe f32 blocks and of 256 rows for f64 input, so the sums round differently,
        // but never in f32 (which would differ by about 1e-7).
        let a = fit(xm, Solver::Randomized, 3, &ctl);
        let b = fit(bm, Solver::Randomized, 3, &ctl);
        for (u, v) in a.explained_variance.iter().zip(&b.explained_variance) {
            assert!(
                (u - v).abs() <= 1e-13 * v.abs(),
                "model, scale {scale:e}: {u} vs {v}"
            );
        }
        for (u, v) in a.components.iter().zip(&b.components) {
            assert!(
                (u - v).abs() <= 1e-12,
                "model components, scale {scale:e}: {u} vs {v}"
            );
        }
    }
}
