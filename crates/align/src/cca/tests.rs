use super::*;
use crate::testdata::{times, uniform};
use embgeo_core::{MatRef, Par};

fn m(x: &[f64], d: usize) -> MatRef<'_, f64> {
    MatRef::from_flat(x, d).unwrap()
}

fn run(a: &[f64], da: usize, b: &[f64], db: usize, variant: Variant) -> Cca {
    let p = Params {
        variant,
        ..Params::default()
    };
    compute(Pair::new(m(a, da), m(b, db)), &p, &Ctl::detached()).unwrap()
}

#[test]
fn invertible_maps_have_all_correlations_one() {
    let (n, d) = (60, 5);
    let a = uniform(n, d, 1);
    let b = times(&a, n, d, &uniform(d, d, 2), d);
    for variant in [Variant::Mean, Variant::Svcca, Variant::Pwcca] {
        let r = run(&a, d, &b, d, variant);
        assert!((r.value - 1.0).abs() < 1e-12, "{variant:?}: {}", r.value);
        assert!(r.correlations.iter().all(|c| (c - 1.0).abs() < 1e-12));
    }
}

#[test]
fn rank_deficient_sides_use_their_rank() {
    let n = 40;
    let base = uniform(n, 3, 3);
    // 6 columns spanning 3 directions.
    let a = times(&base, n, 3, &uniform(3, 6, 4), 6);
    let b = uniform(n, 4, 5);
    let r = run(&a, 6, &b, 4, Variant::Mean);
    assert_eq!(r.rank, [3, 4]);
    assert_eq!(r.correlations.len(), 3);
    assert!(r.correlations.windows(2).all(|w| w[0] >= w[1]));
}

#[test]
fn svcca_keeps_fewer_directions_and_pwcca_weights_sum_to_one() {
    let n = 80;
    let a = uniform(n, 10, 6);
    let b = uniform(n, 8, 7);
    let p = Params {
        variant: Variant::Svcca,
        variance_kept: 0.5,
    };
    let s = compute(Pair::new(m(&a, 10), m(&b, 8)), &p, &Ctl::detached()).unwrap();
    assert!(s.kept[0] < 10 && s.kept[1] < 8, "{:?}", s.kept);
    let w = run(&a, 10, &b, 8, Variant::Pwcca);
    assert_eq!(w.weights.len(), 8);
    assert!((w.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    assert!(w.value > 0.0 && w.value < 1.0);
}

#[test]
fn bit_identical_for_every_thread_count() {
    let a = uniform(200, 30, 8);
    let b = uniform(200, 50, 9);
    let p = Params {
        variant: Variant::Pwcca,
        ..Params::default()
    };
    let seq = compute(
        Pair::new(m(&a, 30), m(&b, 50)),
        &p,
        &Ctl::detached().with_par(Par::Seq),
    )
    .unwrap();
    let par = compute(Pair::new(m(&a, 30), m(&b, 50)), &p, &Ctl::detached()).unwrap();
    assert_eq!(seq, par);
}

#[test]
fn bad_input_gets_coded_errors() {
    let a = uniform(10, 2, 1);
    let ctl = Ctl::detached();
    for variance_kept in [0.0, 1.5] {
        let p = Params {
            variance_kept,
            ..Params::default()
        };
        assert_eq!(
            compute(Pair::new(m(&a, 2), m(&a, 2)), &p, &ctl)
                .unwrap_err()
                .code(),
            "ERR_OUT_OF_RANGE"
        );
    }
    let c = [2.0; 10];
    let e = compute(Pair::new(m(&c, 1), m(&a, 2)), &Params::default(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_DEGENERATE");
}

/// The Gram route (taken on well-conditioned sides) and the SVD route give the same
/// correlations, kept directions and PWCCA weights.
#[test]
fn gram_and_svd_routes_agree() {
    let n = 300;
    let a = uniform(n, 12, 11);
    let mix = times(&a, n, 12, &uniform(12, 9, 12), 9);
    let b: Vec<f64> = mix
        .iter()
        .zip(uniform(n, 9, 13))
        .map(|(x, e)| x + 0.5 * e)
        .collect();
    let (ma, mb) = (m(&a, 12), m(&b, 9));
    for variant in [Variant::Mean, Variant::Svcca, Variant::Pwcca] {
        let p = Params {
            variant,
            variance_kept: 0.9,
        };
        let ctl = Ctl::detached();
        let (ga, gb, gm) = gram_route(ma, mb, &p, &ctl).unwrap().expect("well conditioned");
        let (sa, sb, sm) = svd_route(ma, mb, &p, &ctl).unwrap();
        assert_eq!(
            [ga.kept, gb.kept, ga.rank, gb.rank],
            [sa.kept, sb.kept, sa.rank, sb.rank]
        );
        for (x, y) in ga.s.iter().zip(&sa.s).chain(gb.s.iter().zip(&sb.s)) {
            assert!((x - y).abs() < 1e-12 * sa.s[0], "{variant:?}: {x} vs {y}");
        }
        let (rg, _, _) = thin_svd_uv(gm.as_ref(), faer::Par::Seq).unwrap();
        let (rs, _, _) = thin_svd_uv(sm.as_ref(), faer::Par::Seq).unwrap();
        for (x, y) in rg.iter().zip(&rs) {
            assert!((x - y).abs() < 1e-12, "{variant:?}: {x} vs {y}");
        }
    }
    let w = run(&a, 12, &b, 9, Variant::Pwcca);
    // The public result went through the Gram route; its PWCCA weights match the SVD route's.
    let p = Params {
        variant: Variant::Pwcca,
        ..Params::default()
    };
    let (sa, sb, sm) = svd_route(ma, mb, &p, &Ctl::detached()).unwrap();
    let (_, pl, pr) = thin_svd_uv(sm.as_ref(), faer::Par::Seq).unwrap();
    let (s, dirs) = if sa.kept <= sb.kept {
        (&sa, &pl)
    } else {
        (&sb, &pr)
    };
    let ws = projection_weights(&s.s, dirs.as_ref(), s.v.as_ref(), s.kept).unwrap();
    for (x, y) in w.weights.iter().zip(&ws) {
        assert!((x - y).abs() < 1e-12, "{x} vs {y}");
    }
}

/// Ill-conditioned or rank-deficient sides leave the Gram route.
#[test]
fn ill_conditioned_sides_take_the_svd_route() {
    let n = 200;
    let mut a = uniform(n, 4, 21);
    for i in 0..n {
        a[i * 4 + 3] = a[i * 4] + 1e-4 * a[i * 4 + 3];
    }
    let b = uniform(n, 3, 22);
    let p = Params::default();
    assert!(gram_route(m(&a, 4), m(&b, 3), &p, &Ctl::detached())
        .unwrap()
        .is_none());
    assert!(gram_route(m(&b, 3), m(&b, 3), &p, &Ctl::detached())
        .unwrap()
        .is_some());
}

/// Mean CCA takes the singular values alone, PWCCA the full SVD (it needs the vectors): the same
/// correlations to rounding, on both routes.
#[test]
fn mean_and_pwcca_share_their_correlations() {
    let n = 120;
    let (a, b) = (uniform(n, 9, 13), uniform(n, 6, 14));
    // Well conditioned (Gram route), and rank-deficient (SVD route).
    let a_low = times(&uniform(n, 3, 15), n, 3, &uniform(3, 9, 16), 9);
    for a in [&a, &a_low] {
        let mean = run(a, 9, &b, 6, Variant::Mean);
        let pw = run(a, 9, &b, 6, Variant::Pwcca);
        assert!(mean.weights.is_empty());
        assert_eq!(mean.correlations.len(), pw.correlations.len());
        for (x, y) in mean.correlations.iter().zip(&pw.correlations) {
            assert!((x - y).abs() <= 1e-12, "{x} vs {y}");
        }
        let avg = pw.correlations.iter().sum::<f64>() / pw.correlations.len() as f64;
        assert!((mean.value - avg).abs() <= 1e-12);
    }
}
