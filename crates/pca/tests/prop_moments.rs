//! Properties on awkward sizes: "fast path equals simple path" (style.md R11).

use embgeo_core::{Ctl, MatRef};
use embgeo_pca::moments::{self, Kernel, Params};
use embgeo_pca::pca::Params as PcaParams;
use embgeo_pca::{sign, Pca};
use proptest::prelude::*;

/// Two-pass mean and co-moment, the textbook way.
fn naive(x: &[f64], n: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
    let mut mean = vec![0.0; d];
    for row in x.chunks_exact(d) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    for m in &mut mean {
        *m /= n as f64;
    }
    let mut c = vec![0.0; d * d];
    for row in x.chunks_exact(d) {
        for a in 0..d {
            for b in 0..d {
                c[a * d + b] += (row[a] - mean[a]) * (row[b] - mean[b]);
            }
        }
    }
    (mean, c)
}

fn data() -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
    (1usize..40, 1usize..7)
        .prop_flat_map(|(n, d)| (Just(n), Just(d), proptest::collection::vec(-1e3f64..1e3, n * d)))
}

proptest! {
    #[test]
    fn blocked_lanes_and_merges_equal_two_pass(
        (n, d, x) in data(),
        block_rows in 1usize..9,
        lanes in 1usize..5,
        cut in 0usize..40,
    ) {
        let p = Params { block_rows, lanes, kernel: Kernel::F64 };
        let ctl = Ctl::detached();
        let cut = cut.min(n);
        let mut a = moments::accumulate(MatRef::new(&x[..cut * d], cut, d).unwrap(), None, &p, &ctl).unwrap();
        let b = moments::accumulate(MatRef::new(&x[cut * d..], n - cut, d).unwrap(), None, &p, &ctl).unwrap();
        a.merge(&b).unwrap();
        let (mean, c) = naive(&x, n, d);
        let scale = c.iter().fold(1.0f64, |s, v| s.max(v.abs()));
        for (u, v) in a.mean().iter().zip(&mean) {
            prop_assert!((u - v).abs() <= 1e-12 * 1e3);
        }
        for (u, v) in a.comoment().iter().zip(&c) {
            prop_assert!((u - v).abs() <= 1e-11 * scale, "{} vs {}", u, v);
        }
        prop_assert_eq!(a.n_samples(), n as u64);
    }

    #[test]
    fn sign_rule_makes_the_largest_entry_positive(
        (n, d, mut x) in data(),
    ) {
        let orig = x.clone();
        let s = sign::flip_rows(&mut x, d);
        prop_assert_eq!(s.len(), n);
        for ((row, o), si) in x.chunks_exact(d).zip(orig.chunks_exact(d)).zip(&s) {
            let mut best = 0;
            for j in 0..d {
                if row[j].abs() > row[best].abs() {
                    best = j;
                }
            }
            prop_assert!(row[best] >= 0.0);
            for (a, b) in row.iter().zip(o) {
                prop_assert_eq!(a.to_bits(), (si * b).to_bits());
            }
        }
    }

    #[test]
    fn full_pca_round_trips((n, d, x) in data()) {
        prop_assume!(n > d + 1);
        let xm = MatRef::new(&x, n, d).unwrap();
        let ctl = Ctl::detached();
        let mut p = Pca::new(PcaParams::default()).unwrap();
        p.fit(xm, &ctl).unwrap();
        let y = p.transform(xm, &ctl).unwrap();
        let back = p.inverse_transform(MatRef::new(&y, n, d).unwrap(), &ctl).unwrap();
        for (u, v) in back.iter().zip(&x) {
            prop_assert!((u - v).abs() <= 1e-9 * 1e3, "{} vs {}", u, v);
        }
    }
}
