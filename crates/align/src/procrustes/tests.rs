use super::*;
use crate::testdata::{times, uniform};
use embgeo_core::{MatRef, Par};

fn m(x: &[f64], d: usize) -> MatRef<'_, f64> {
    MatRef::from_flat(x, d).unwrap()
}

/// A d × d Householder reflection `I − 2vvᵀ/‖v‖²` (orthogonal), row-major.
fn householder(d: usize, seed: u64) -> Vec<f64> {
    let v = uniform(1, d, seed);
    let vv: f64 = v.iter().map(|x| x * x).sum();
    (0..d * d)
        .map(|k| f64::from(u8::from(k / d == k % d)) - 2.0 * v[k / d] * v[k % d] / vv)
        .collect()
}

fn run(a: &[f64], da: usize, b: &[f64], db: usize, alpha: f64) -> Procrustes {
    compute(
        Pair::new(m(a, da), m(b, db)),
        &Params {
            alpha,
            ..Params::default()
        },
        &Ctl::detached(),
    )
    .unwrap()
}

#[test]
fn rotated_and_shifted_copies_are_at_distance_zero() {
    let (n, d) = (40, 5);
    let a = uniform(n, d, 1);
    let mut b = times(&a, n, d, &householder(d, 2), d);
    for (i, v) in b.iter_mut().enumerate() {
        *v += [3.0, -1.0, 0.5, 2.0, 7.0][i % d];
    }
    for alpha in [1.0, 0.5, 0.0] {
        let r = run(&a, d, &b, d, alpha);
        // √ of a difference of O(‖A‖²) terms: rounding leaves ≈ √ε·‖A‖.
        assert!(r.distance < 1e-6 * r.norm_a, "alpha {alpha}: {}", r.distance);
        assert!(r.angular < 1e-6, "alpha {alpha}: {}", r.angular);
    }
}

#[test]
fn full_whitening_makes_invertible_maps_equivalent() {
    let (n, d) = (50, 4);
    let a = uniform(n, d, 3);
    let mix = uniform(d, d, 4);
    let b = times(&a, n, d, &mix, d);
    assert!(run(&a, d, &b, d, 0.0).angular < 1e-6);
    assert!(run(&a, d, &b, d, 1.0).angular > 1e-3);
}

#[test]
fn distances_are_symmetric_and_rotation_orthogonal() {
    let n = 30;
    let a = uniform(n, 6, 5);
    let b = uniform(n, 4, 6);
    for alpha in [1.0, 0.3] {
        let ab = run(&a, 6, &b, 4, alpha);
        let ba = run(&b, 4, &a, 6, alpha);
        assert!((ab.distance - ba.distance).abs() < 1e-12 * ab.distance);
        assert!((ab.angular - ba.angular).abs() < 1e-12);
        assert_eq!(ab.width, 6);
        let q = &ab.rotation;
        for i in 0..6 {
            for j in 0..6 {
                let dot: f64 = (0..6).map(|k| q[k * 6 + i] * q[k * 6 + j]).sum();
                assert!((dot - f64::from(u8::from(i == j))).abs() < 1e-12);
            }
        }
    }
}

#[test]
fn bit_identical_for_every_thread_count() {
    let n = 300;
    let a = uniform(n, 40, 7);
    let b = uniform(n, 70, 8);
    let p = Params {
        alpha: 0.25,
        ..Params::default()
    };
    let seq = compute(
        Pair::new(m(&a, 40), m(&b, 70)),
        &p,
        &Ctl::detached().with_par(Par::Seq),
    )
    .unwrap();
    let par = compute(Pair::new(m(&a, 40), m(&b, 70)), &p, &Ctl::detached()).unwrap();
    assert_eq!(seq, par);
}

#[test]
fn f32_input_is_accumulated_in_f64() {
    let a = uniform(20, 3, 9);
    let b = uniform(20, 3, 10);
    let a32: Vec<f32> = a.iter().map(|&v| v as f32).collect();
    let a64: Vec<f64> = a32.iter().map(|&v| f64::from(v)).collect();
    let p = Params::default();
    let r32 = compute(
        Pair::new(MatRef::from_flat(&a32, 3).unwrap(), m(&b, 3)),
        &p,
        &Ctl::detached(),
    )
    .unwrap();
    let r64 = run(&a64, 3, &b, 3, 1.0);
    assert!((r32.distance - r64.distance).abs() < 1e-13 * r64.distance);
}

#[test]
fn bad_input_gets_coded_errors() {
    let a = uniform(10, 2, 1);
    let ctl = Ctl::detached();
    for alpha in [-0.1, 1.5, f64::NAN] {
        let e = compute(
            Pair::new(m(&a, 2), m(&a, 2)),
            &Params {
                alpha,
                ..Params::default()
            },
            &ctl,
        )
        .unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
    }
    let c = [1.0; 20];
    let e = compute(Pair::new(m(&a, 2), m(&c, 2)), &Params::default(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_DEGENERATE", "{e}");
    assert!(e.to_string().starts_with("B is constant"), "{e}");
    let e = compute(Pair::new(m(&a, 2), m(&a[..18], 2)), &Params::default(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_SHAPE");
}

/// `rotation: false` takes the singular values alone: the same distance and angle to rounding,
/// no rotation, the same row pass.
#[test]
fn values_only_match_the_full_svd() {
    let (n, da, db) = (200, 12, 17);
    let a = uniform(n, da, 11);
    let b = uniform(n, db, 12);
    for alpha in [1.0, 0.4] {
        let full = run(&a, da, &b, db, alpha);
        let p = Params {
            alpha,
            rotation: false,
        };
        let lean = compute(Pair::new(m(&a, da), m(&b, db)), &p, &Ctl::detached()).unwrap();
        assert!(lean.rotation.is_empty());
        assert_eq!(full.rotation.len(), db * db);
        assert!((lean.distance - full.distance).abs() <= 1e-12 * full.distance);
        assert!((lean.angular - full.angular).abs() <= 1e-12 * full.angular);
        assert_eq!(lean.norm_a.to_bits(), full.norm_a.to_bits());
        assert_eq!(lean.norm_b.to_bits(), full.norm_b.to_bits());
        assert_eq!(lean.width, full.width);
    }
}
