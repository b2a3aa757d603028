//! The Gram route of the randomized solver (`randomized::Route::Gram`): agreement with the
//! passes route and the exact f64 solver within the spread its accuracy allows, the choice
//! [`Route::Auto`] makes, bit-identical results for every thread count, rank-deficient and
//! uncentred data.

use embgeo_core::{Ctl, MatRef};
use embgeo_pca::randomized::{self, gram_pays, Params, Route};
use embgeo_pca::Spectrum;
use faer::Mat;

/// n × d values `3 + z·R`: `z[i, j] = 10·base^j·u` (u a fixed integer hash in [−0.5, 0.5)), R a
/// fixed d × d rotation (the Q of a hashed matrix), so the geometric spectrum sits in a rotated
/// basis: the case where the Gram matrix's absolute rounding reaches the small variances.
fn rotated(n: usize, d: usize, base: f64) -> Vec<f64> {
    let z = Mat::<f64>::from_fn(n, d, |i, j| {
        let t = i * d + j;
        let u = (t.wrapping_mul(2_654_435_761) % 99_991) as f64 / 99_991.0 - 0.5;
        u * 10.0 * base.powi(j as i32)
    });
    let g = Mat::<f64>::from_fn(d, d, |i, j| {
        ((i * 7919 + j * 104_729) % 1009) as f64 / 1009.0 - 0.5
    });
    let zr = &z * g.qr().compute_Q();
    (0..n * d).map(|t| 3.0 + zr[(t / d, t % d)]).collect()
}

fn solve<T: embgeo_core::Element>(
    x: &[T],
    n: usize,
    d: usize,
    k: usize,
    route: Route,
    center: bool,
) -> Spectrum {
    let p = Params {
        route,
        ..Params::default()
    };
    randomized::solve(MatRef::new(x, n, d).unwrap(), center, k, &p, &Ctl::detached())
        .unwrap()
        .0
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

#[test]
fn gram_route_matches_the_passes_within_its_spread() {
    let (n, d, k) = (20_000, 200, 40);
    let wide = rotated(n, d, 0.8);
    let x: Vec<f32> = wide.iter().map(|v| *v as f32).collect();
    let exact = solve(&wide, n, d, k, Route::Passes, true);
    let gram = solve(&x, n, d, k, Route::Gram, true);
    let passes = solve(&x, n, d, k, Route::Passes, true);
    let e = &exact.explained_variance;
    let mut checked = 0;
    for j in 0..k {
        let spread = e[0] / e[j];
        if spread > 1e3 {
            break;
        }
        // Within 10⁻⁶ of the exact f64 variances up to a spread of 10³ (the route's limit for
        // f32 input), as the passes are.
        assert!(
            rel(gram.explained_variance[j], e[j]) < 1e-6,
            "gram, axis {j}, spread {spread:e}"
        );
        assert!(rel(passes.explained_variance[j], e[j]) < 1e-6, "passes, axis {j}");
        // Well-separated axes (ratio 0.64): the same directions.
        let dot: f64 = gram.components[j * d..(j + 1) * d]
            .iter()
            .zip(&exact.components[j * d..(j + 1) * d])
            .map(|(a, b)| a * b)
            .sum();
        assert!((dot.abs() - 1.0).abs() < 1e-6, "axis {j}: |cos| = {}", dot.abs());
        checked += 1;
    }
    assert!(checked >= 10, "{checked} axes within the spread");
    assert!(rel(gram.total_variance, exact.total_variance) < 1e-6);
    // f64 input: the Gram route within 1e-8 of the exact variances over all 40 axes (spread
    // 3.8·10⁸, inside its f64 limit of 10⁸ only up to axis 39: forced here).
    let g64 = solve(&wide, n, d, k, Route::Gram, true);
    for (j, (g, e)) in g64.explained_variance.iter().zip(e).enumerate() {
        assert!(rel(*g, *e) < 1e-8, "f64 gram, axis {j}");
    }
}

#[test]
fn auto_takes_the_gram_route_only_within_its_spread() {
    let (n, d, k) = (6000, 60, 8);
    assert!(gram_pays(d, k + 10, 7));
    // Flat spectrum (λ₁/λ₈ ≈ 3): Auto keeps the Gram route's result.
    let flat: Vec<f32> = rotated(n, d, 0.93).iter().map(|v| *v as f32).collect();
    assert_eq!(
        solve(&flat, n, d, k, Route::Auto, true),
        solve(&flat, n, d, k, Route::Gram, true)
    );
    // Steep spectrum (λ₁/λ₈ = 0.25⁻¹⁴ ≈ 2.7·10⁸ > 10³): Auto runs the passes.
    let steep: Vec<f32> = rotated(n, d, 0.25).iter().map(|v| *v as f32).collect();
    let auto = solve(&steep, n, d, k, Route::Auto, true);
    assert_eq!(auto, solve(&steep, n, d, k, Route::Passes, true));
    assert_ne!(auto, solve(&steep, n, d, k, Route::Gram, true));
    // Too wide for the Gram route's memory bound, or a pass cheaper than the SYRK.
    assert!(!gram_pays(4096, 42, 7));
    assert!(!gram_pays(2048, 12, 4));
    assert!(gram_pays(1536, 42, 7));
}

#[test]
fn gram_route_is_bit_identical_for_every_thread_count() {
    let (n, d, k) = (9000, 40, 5);
    let x: Vec<f32> = rotated(n, d, 0.9).iter().map(|v| *v as f32).collect();
    let p = Params {
        route: Route::Gram,
        ..Params::default()
    };
    let xm = MatRef::new(&x, n, d).unwrap();
    let seq = randomized::solve(xm, true, k, &p, &Ctl::detached().with_par(embgeo_core::Par::Seq)).unwrap();
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let par = pool.install(|| randomized::solve(xm, true, k, &p, &Ctl::detached()).unwrap());
        assert_eq!(seq, par, "threads = {threads}");
    }
}

#[test]
fn gram_route_handles_rank_deficient_and_uncentred_data() {
    // Rank 3 (plus the mean): k = 6 asks for three axes of zero variance.
    let (n, d, k) = (500, 20, 6);
    let x: Vec<f64> = (0..n * d)
        .map(|t| {
            let (i, j) = (t / d, t % d);
            let a = ((i * 37) % 101) as f64 / 101.0 - 0.5;
            let b = ((i * 53) % 97) as f64 / 97.0 - 0.5;
            let c = ((i * 71) % 89) as f64 / 89.0 - 0.5;
            1.0 + a * (j as f64 + 1.0) + b * ((j % 3) as f64) + c * 0.1 * (j as f64).sqrt()
        })
        .collect();
    let gram = solve(&x, n, d, k, Route::Gram, true);
    let passes = solve(&x, n, d, k, Route::Passes, true);
    let top = gram.explained_variance[0];
    for j in 0..3 {
        assert!(
            rel(gram.explained_variance[j], passes.explained_variance[j]) < 1e-10,
            "axis {j}"
        );
    }
    for j in 3..k {
        assert!(
            gram.explained_variance[j] < 1e-12 * top,
            "axis {j}: {}",
            gram.explained_variance[j]
        );
    }
    // The k axes are orthonormal, the null ones included.
    for a in 0..k {
        for b in 0..k {
            let dot: f64 = (0..d)
                .map(|t| gram.components[a * d + t] * gram.components[b * d + t])
                .sum();
            let want = if a == b { 1.0 } else { 0.0 };
            assert!((dot - want).abs() < 1e-10, "axes {a}, {b}: {dot}");
        }
    }
    // Uncentred: the raw second moment, as the passes without the mean.
    let gram = solve(&x, n, d, 3, Route::Gram, false);
    let passes = solve(&x, n, d, 3, Route::Passes, false);
    for j in 0..3 {
        assert!(
            rel(gram.explained_variance[j], passes.explained_variance[j]) < 1e-10,
            "uncentred {j}"
        );
    }
    assert!(rel(gram.total_variance, passes.total_variance) < 1e-12);
}
