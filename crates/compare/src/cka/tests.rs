use super::*;
use crate::testdata::{householder, random};

fn cka(a: &[f64], d1: usize, b: &[f64], d2: usize, p: &Params) -> Result<Cka> {
    let n = a.len() / d1;
    compute(
        Pair::new(MatRef::new(a, n, d1).unwrap(), MatRef::from_flat(b, d2).unwrap()),
        p,
        &Ctl::detached(),
    )
}

fn params(kernel: Kernel, debiased: bool) -> Params {
    Params {
        kernel,
        debiased,
        ..Params::default()
    }
}

#[test]
fn rotations_and_scalings_give_one_on_every_route() {
    for (n, d) in [(200, 5), (6, 20)] {
        let x = random(n, d, 1);
        let xq = householder(&x, d, 2);
        let cx: Vec<f64> = x.iter().map(|v| 3.5 * v).collect();
        for kernel in [Kernel::Linear, Kernel::Rbf] {
            for debiased in [false, true] {
                let p = params(kernel, debiased);
                for other in [&xq, &cx] {
                    let c = cka(&x, d, other, d, &p).unwrap();
                    assert!(
                        (c.value - 1.0).abs() < 1e-12,
                        "{n}×{d} {kernel:?} {debiased}: {}",
                        c.value
                    );
                }
            }
        }
        let route = cka(&x, d, &xq, d, &Params::default()).unwrap().route;
        assert_eq!(route, if n == 200 { Route::Features } else { Route::Gram });
    }
}

#[test]
fn feature_and_kernel_routes_agree() {
    let (n, d1, d2) = (60, 4, 7);
    let x = random(n, d1, 3);
    let y = random(n, d2, 4);
    for debiased in [false, true] {
        let f = cka(&x, d1, &y, d2, &params(Kernel::Linear, debiased)).unwrap();
        assert_eq!(f.route, Route::Features);
        let p = params(Kernel::Linear, debiased);
        let g = through_kernels(
            &pair::centred(MatRef::new(&x, n, d1).unwrap()),
            d1,
            &pair::centred(MatRef::new(&y, n, d2).unwrap()),
            d2,
            n,
            &p,
            &Ctl::detached(),
        )
        .unwrap();
        assert!(
            (f.value - g.value).abs() < 1e-12,
            "{debiased}: {} vs {}",
            f.value,
            g.value
        );
        assert!((f.hsic - g.hsic).abs() <= 1e-10 * g.hsic.abs().max(1.0));
    }
}

#[test]
fn unrelated_sets_give_values_in_the_unit_interval() {
    let x = random(100, 6, 5);
    let y = random(100, 3, 6);
    for kernel in [Kernel::Linear, Kernel::Rbf] {
        let v = cka(&x, 6, &y, 3, &params(kernel, false)).unwrap().value;
        assert!((0.0..=1.0).contains(&v), "{v}");
        assert!(v < 0.5, "{v}");
    }
}

#[test]
fn constant_sets_are_degenerate_and_bad_shapes_are_coded() {
    let x = random(50, 3, 7);
    let flat = vec![2.0; 50 * 2];
    for kernel in [Kernel::Linear, Kernel::Rbf] {
        for debiased in [false, true] {
            let e = cka(&x, 3, &flat, 2, &params(kernel, debiased)).unwrap_err();
            assert_eq!(e.code(), "ERR_DEGENERATE", "{kernel:?} {debiased}: {e}");
        }
    }
    let e = cka(&flat, 2, &x, 3, &Params::default()).unwrap_err();
    assert!(e.to_string().starts_with("A has zero variance"), "{e}");
    let short = random(49, 3, 8);
    assert_eq!(
        cka(&x, 3, &short, 3, &Params::default()).unwrap_err().code(),
        "ERR_SHAPE"
    );
    let three = random(3, 2, 9);
    assert_eq!(
        cka(&three, 2, &three, 2, &params(Kernel::Linear, true))
            .unwrap_err()
            .code(),
        "ERR_EMPTY"
    );
    let p = Params {
        sigma: 0.0,
        ..Params::default()
    };
    assert_eq!(cka(&x, 3, &x, 3, &p).unwrap_err().code(), "ERR_OUT_OF_RANGE");
}

#[test]
fn rbf_sampling_is_seeded_and_close_to_the_exact_value() {
    let (n, d) = (400, 4);
    let x = random(n, d, 10);
    let y: Vec<f64> = x.iter().zip(random(n, d, 11)).map(|(a, b)| a + 0.5 * b).collect();
    let exact = cka(&x, d, &y, d, &params(Kernel::Rbf, false)).unwrap();
    let p = Params {
        kernel: Kernel::Rbf,
        max_rows: 200,
        seed: 3,
        ..Params::default()
    };
    let s1 = cka(&x, d, &y, d, &p).unwrap();
    let s2 = cka(&x, d, &y, d, &p).unwrap();
    assert_eq!(s1, s2);
    assert_eq!(s1.rows_used, 200);
    assert!(
        (s1.value - exact.value).abs() < 0.05,
        "{} vs {}",
        s1.value,
        exact.value
    );
    let other = cka(&x, d, &y, d, &Params { seed: 4, ..p }).unwrap();
    assert_ne!(other.value.to_bits(), s1.value.to_bits());
}

#[test]
fn bit_identical_for_any_thread_count() {
    let (n, d1, d2) = (3000, 9, 5);
    let x = random(n, d1, 12);
    let y = random(n, d2, 13);
    let xm = MatRef::new(&x, n, d1).unwrap();
    let ym = MatRef::new(&y, n, d2).unwrap();
    let p = params(Kernel::Linear, true);
    let seq = compute(
        Pair::new(xm, ym),
        &p,
        &Ctl::detached().with_par(embgeo_core::Par::Seq),
    )
    .unwrap();
    for threads in [2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let par = pool.install(|| compute(Pair::new(xm, ym), &p, &Ctl::detached()).unwrap());
        assert_eq!(seq, par, "threads = {threads}");
    }
}

#[test]
fn parity_with_the_reference_fixtures() {
    crate::testdata::parity_of!("cka", Params, compute);
}
