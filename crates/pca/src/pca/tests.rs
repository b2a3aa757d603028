use super::*;

fn gen(n: usize, d: usize, seed: u64) -> Vec<f64> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n * d)
        .map(|i| {
            let z: f64 = StandardNormal.sample(&mut rng);
            z * (1.0 + (i % d) as f64) + 3.0
        })
        .collect()
}

#[test]
fn solvers_agree_and_round_trip() {
    let (n, d) = (300, 8);
    let x = gen(n, d, 1);
    let xm = MatRef::new(&x, n, d).unwrap();
    let ctl = Ctl::detached();
    let mut fits = Vec::new();
    for solver in [Solver::Covariance, Solver::Svd] {
        let mut p = Pca::new(Params {
            solver,
            ..Params::default()
        })
        .unwrap();
        p.fit(xm, &ctl).unwrap();
        fits.push(p);
    }
    let (a, b) = (fits[0].fitted().unwrap(), fits[1].fitted().unwrap());
    for (u, v) in a.components.iter().zip(&b.components) {
        assert!((u - v).abs() < 1e-9, "{u} vs {v}");
    }
    let y = fits[0].transform(xm, &ctl).unwrap();
    let back = fits[0]
        .inverse_transform(MatRef::new(&y, n, d).unwrap(), &ctl)
        .unwrap();
    for (u, v) in back.iter().zip(&x) {
        assert!((u - v).abs() < 1e-9 * v.abs().max(1.0));
    }
}

#[test]
fn randomized_matches_exact_on_decaying_spectrum() {
    let (n, d) = (400, 30);
    // Column j has standard deviation 10·0.5^j: a fast-decaying spectrum.
    let x: Vec<f64> = gen(n, d, 2)
        .iter()
        .enumerate()
        .map(|(i, v)| (v - 3.0) / (1.0 + (i % d) as f64) * 10.0 * 0.5f64.powi((i % d) as i32))
        .collect();
    let xm = MatRef::new(&x, n, d).unwrap();
    let ctl = Ctl::detached();
    let fit = |solver| {
        let mut p = Pca::new(Params {
            solver,
            n_components: NComponents::Count(3),
            ..Params::default()
        })
        .unwrap();
        p.fit(xm, &ctl).unwrap();
        p.fitted().unwrap().clone()
    };
    let (r, e) = (fit(Solver::Randomized), fit(Solver::Svd));
    for (u, v) in r.explained_variance.iter().zip(&e.explained_variance) {
        assert!((u - v).abs() < 1e-6 * v, "{u} vs {v}");
    }
    assert!((r.noise_variance - e.noise_variance).abs() < 1e-6 * e.noise_variance);
}

#[test]
fn identical_rows_are_degenerate_and_one_row_is_empty() {
    let x = vec![1.5f64; 40];
    let mut p = Pca::new(Params::default()).unwrap();
    let e = p
        .fit(MatRef::new(&x, 10, 4).unwrap(), &Ctl::detached())
        .unwrap_err();
    assert_eq!(e.code(), "ERR_DEGENERATE", "{e}");
    let e = p
        .fit(MatRef::new(&x[..4], 1, 4).unwrap(), &Ctl::detached())
        .unwrap_err();
    assert_eq!(e.code(), "ERR_EMPTY");
    assert_eq!(
        p.transform(MatRef::new(&x, 10, 4).unwrap(), &Ctl::detached())
            .unwrap_err()
            .code(),
        "ERR_NOT_FITTED"
    );
}

#[test]
fn more_components_than_rows_is_out_of_range_from_the_eigenvalue_count() {
    // 3 rows × 10 features: 5 ≤ d passes the parameter check, and the count `solve_top` asks
    // for (before forming any vector) rejects 5 > min(n, d) = 3
    let x: Vec<f64> = (0..30).map(|i| f64::from((i * 7) % 11)).collect();
    let mut p = Pca::new(Params {
        n_components: NComponents::Count(5),
        solver: Solver::Covariance,
        ..Params::default()
    })
    .unwrap();
    let e = p
        .fit(MatRef::new(&x, 3, 10).unwrap(), &Ctl::detached())
        .unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{e}");
    assert!(e.to_string().contains("min(3, 10) = 3"), "{e}");
}

#[test]
fn merge_after_svd_fit_is_rejected() {
    let x = gen(50, 3, 3);
    let xm = MatRef::new(&x, 50, 3).unwrap();
    let ctl = Ctl::detached();
    let mut a = Pca::new(Params {
        solver: Solver::Svd,
        ..Params::default()
    })
    .unwrap();
    a.fit(xm, &ctl).unwrap();
    let mut b = Pca::new(Params::default()).unwrap();
    b.partial_fit(xm, &ctl).unwrap();
    assert_eq!(b.merge(&a, &ctl).unwrap_err().code(), "ERR_OUT_OF_RANGE");
    assert_eq!(a.partial_fit(xm, &ctl).unwrap_err().code(), "ERR_OUT_OF_RANGE");
}

#[test]
fn partial_fits_defer_the_eigendecomposition_to_the_first_read() {
    let (n, d) = (400, 6);
    let x = gen(n, d, 4);
    let ctl = Ctl::detached();
    let mut streamed = Pca::new(Params::default()).unwrap();
    for i in 0..4 {
        let block = MatRef::new(&x[i * 100 * d..(i + 1) * 100 * d], 100, d).unwrap();
        streamed.partial_fit(block, &ctl).unwrap();
        // Moments updated, state pending: nothing computed yet, and no heap counted for it.
        assert!(streamed.fitted.is_pending());
        assert_eq!(streamed.heap_bytes(), streamed.moments().unwrap().heap_bytes());
    }
    let first: *const Fitted = streamed.fitted().unwrap();
    // Computed once, then kept.
    assert!(std::ptr::eq(first, streamed.fitted().unwrap()));
    let mut batch = Pca::new(Params::default()).unwrap();
    batch.fit(MatRef::new(&x, n, d).unwrap(), &ctl).unwrap();
    let (s, b) = (streamed.fitted().unwrap(), batch.fitted().unwrap());
    assert_eq!(s.n_samples_seen, 400);
    for (u, v) in s.explained_variance.iter().zip(&b.explained_variance) {
        assert!((u - v).abs() <= 1e-12 * v, "{u} vs {v}");
    }
    // A pending model still refuses nothing it accepted before: merge and clone carry it.
    let mut merged = Pca::new(Params::default()).unwrap();
    merged.merge(&streamed, &ctl).unwrap();
    assert!(merged.fitted.is_pending());
    assert_eq!(merged.fitted().unwrap().n_samples_seen, 400);
    assert!(merged == streamed.clone());
}

#[test]
fn a_pending_state_that_cannot_be_fitted_reports_the_error_on_every_read() {
    // Uncentred all-zero rows: moments kept, the eigendecomposition finds no variance.
    let x = vec![0.0; 30];
    let ctl = Ctl::detached();
    let mut p = Pca::new(Params {
        center: false,
        ..Params::default()
    })
    .unwrap();
    p.partial_fit(MatRef::new(&x, 10, 3).unwrap(), &ctl).unwrap();
    assert_eq!(p.fitted().unwrap_err().code(), "ERR_DEGENERATE");
    assert_eq!(p.fitted().unwrap_err().code(), "ERR_DEGENERATE");
}

#[test]
fn transform_reports_non_finite_values_like_the_whole_matrix_scan() {
    // The finiteness check is fused with the projection's centring; the error must still name
    // the first non-finite value and count them all, whichever block found one first.
    let (n, d) = (3000, 5);
    let x = gen(n, d, 6);
    let ctl = Ctl::detached();
    let mut p = Pca::new(Params {
        n_components: NComponents::Count(2),
        block_rows: 64,
        ..Params::default()
    })
    .unwrap();
    p.fit(MatRef::new(&x, n, d).unwrap(), &ctl).unwrap();
    let mut bad: Vec<f32> = x.iter().map(|v| *v as f32).collect();
    bad[2500 * d + 3] = f32::INFINITY;
    bad[70 * d + 1] = f32::NAN;
    let m = MatRef::new(&bad, n, d).unwrap();
    let want = m.check_finite("X").unwrap_err();
    assert_eq!(want.code(), "ERR_NON_FINITE");
    assert_eq!(p.transform(m, &ctl).unwrap_err(), want);
    let mut w = crate::whiten::Whitener::new(crate::whiten::Params::default()).unwrap();
    w.fit(MatRef::new(&x, n, d).unwrap(), None, &ctl).unwrap();
    assert_eq!(w.transform(m, &ctl).unwrap_err(), want);
}
