//! Issue 17 item 6: f64 data at extreme but finite magnitudes give the answer of the unscaled
//! data (scaled back) or a coded error, never NaN, ∞ or a claim that distinct rows are
//! identical.
#![allow(clippy::float_cmp)] // exact equality is what power-of-two scaling guarantees

use embgeo_core::scale::ldexp;
use embgeo_core::{Ctl, MatRef};
use embgeo_metrics::{anisotropy, column_stats, duplicates, spectrum};

/// 40 × 6 deterministic, irregular values in [-1, 1] plus an offset column.
fn base() -> Vec<f64> {
    (0..240)
        .map(|i| (f64::from(i) * 0.754_877_666_2 + 0.3).sin() + if i % 6 == 0 { 0.5 } else { 0.0 })
        .collect()
}

fn m(x: &[f64]) -> MatRef<'_, f64> {
    MatRef::from_flat(x, 6).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        a.abs()
    } else {
        ((a - b) / b).abs()
    }
}

const SCALES: [f64; 6] = [1e-170, 1e-165, 1e-150, 1e150, 1e154, 1e300];

#[test]
fn column_stats_are_scaled_back_or_out_of_range() {
    let x = base();
    let ctl = Ctl::detached();
    let p = column_stats::Params::default();
    let want = column_stats::compute(m(&x), &p, &ctl).unwrap();
    for c in SCALES {
        let xs: Vec<f64> = x.iter().map(|v| v * c).collect();
        match column_stats::compute(m(&xs), &p, &ctl) {
            Ok(got) => {
                for j in 0..6 {
                    assert!(rel(got.mean[j], want.mean[j] * c) < 1e-12, "{c} mean {j}");
                    assert!(
                        rel(got.variance[j], want.variance[j] * c * c) < 1e-12,
                        "{c} var {j}"
                    );
                    assert!(got.variance[j].is_finite());
                    assert_eq!(
                        got.max[j],
                        xs.iter().skip(j).step_by(6).fold(f64::MIN, |a, &b| a.max(b))
                    );
                }
            }
            // variances c² · O(1) beyond the f64 range
            Err(e) => {
                assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{c}: {e}");
                assert!(c * c > 1e300 || c * c < 1e-300, "{c}: {e}");
                assert!(e.to_string().contains("variance"), "{e}");
            }
        }
    }
    // exact powers of two: exact results
    let xs: Vec<f64> = x.iter().map(|&v| ldexp(v, -500)).collect();
    let got = column_stats::compute(m(&xs), &p, &ctl).unwrap();
    for j in 0..6 {
        assert_eq!(got.mean[j], ldexp(want.mean[j], -500));
        assert_eq!(got.variance[j], ldexp(want.variance[j], -1000));
    }
}

#[test]
fn anisotropy_is_scale_free_and_never_nan() {
    let x = base();
    let ctl = Ctl::detached();
    let p = anisotropy::Params::default();
    let want = anisotropy::compute(m(&x), &p, &ctl).unwrap();
    for c in SCALES {
        let xs: Vec<f64> = x.iter().map(|v| v * c).collect();
        let got = anisotropy::compute(m(&xs), &p, &ctl).unwrap();
        assert!(rel(got.mean_norm_ratio, want.mean_norm_ratio) < 1e-12, "{c}");
        assert!(rel(got.average_cosine, want.average_cosine) < 1e-12, "{c}");
        assert!(rel(got.cosine_std, want.cosine_std) < 1e-10, "{c}");
        assert!(rel(got.mean_norm, want.mean_norm * c) < 1e-12, "{c}");
        assert!(rel(got.mean_row_norm, want.mean_row_norm * c) < 1e-12, "{c}");
    }
}

#[test]
fn spectrum_is_scaled_back_or_out_of_range_never_internal() {
    let x = base();
    let ctl = Ctl::detached();
    let p = spectrum::Params::default();
    for cols in [6usize, 60] {
        // 60 columns: n < d, the Gram route
        // 12 × 60 from three copies of the values (shifted: distinct rows)
        let x: Vec<f64> = if cols == 6 {
            x.clone()
        } else {
            (0..720).map(|i| x[i % 240] + f64::from(i as u32 / 240)).collect()
        };
        let x = &x[..];
        let mm = MatRef::from_flat(x, cols).unwrap();
        let want = spectrum::compute(mm, &p, &ctl).unwrap();
        for c in SCALES {
            let xs: Vec<f64> = x.iter().map(|v| v * c).collect();
            match spectrum::compute(MatRef::from_flat(&xs, cols).unwrap(), &p, &ctl) {
                Ok(got) => {
                    assert_eq!(got.rank, want.rank, "{c}");
                    assert!(rel(got.effective_rank, want.effective_rank) < 1e-12, "{c}");
                    assert!(
                        rel(got.eigenvalues[0], want.eigenvalues[0] * c * c) < 1e-12,
                        "{c}"
                    );
                }
                Err(e) => {
                    assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{c}: {e}");
                    assert!(c * c > 1e300 || c * c < 1e-300, "{c}: {e}");
                }
            }
        }
    }
}

#[test]
fn duplicates_are_exact_at_any_magnitude() {
    let mut x = base();
    x.copy_within(0..6, 6);
    let ctl = Ctl::detached();
    for c in SCALES {
        let xs: Vec<f64> = x.iter().map(|v| v * c).collect();
        let d = duplicates::compute(m(&xs), &duplicates::Params::default(), &ctl).unwrap();
        assert_eq!(d.count, 1, "{c}");
        assert_eq!(d.first_of[1], 0);
    }
}
