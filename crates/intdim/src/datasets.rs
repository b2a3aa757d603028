//! Benchmark manifolds of scikit-dimension (`BenchmarkManifolds`, after Hein & Audibert 2005
//! and Campadelli et al. 2015) with their true intrinsic dimensions, and the uniform ball
//! sampler used by DANCo's calibration.
//!
//! The formulas follow scikit-dimension 0.5.0 (`skdim/datasets.py`, id-estimators.md §5.1);
//! the random numbers come from a seeded ChaCha8 generator (portable, identical on every
//! platform) instead of numpy's MT19937, so the point sets are statistically, not bitwise,
//! those of the reference.

use embgeo_core::{Error, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, StandardNormal};

use crate::common::out_of_range;

/// (name, intrinsic dimension, ambient dimension) of the 24 manifolds, in the reference order.
pub const MANIFOLDS: [(&str, usize, usize); 24] = [
    ("M1_Sphere", 10, 11),
    ("M2_Affine_3to5", 3, 5),
    ("M3_Nonlinear_4to6", 4, 6),
    ("M4_Nonlinear", 4, 8),
    ("M5a_Helix1d", 1, 3),
    ("M5b_Helix2d", 2, 3),
    ("M6_Nonlinear", 6, 36),
    ("M7_Roll", 2, 3),
    ("M8_Nonlinear", 12, 72),
    ("M9_Affine", 20, 20),
    ("M10a_Cubic", 10, 11),
    ("M10b_Cubic", 17, 18),
    ("M10c_Cubic", 24, 25),
    ("M10d_Cubic", 70, 71),
    ("M11_Moebius", 2, 3),
    ("M12_Norm", 20, 20),
    ("M13a_Scurve", 2, 3),
    ("M13b_Spiral", 1, 13),
    ("Mbeta", 10, 40),
    ("Mn1_Nonlinear", 18, 72),
    ("Mn2_Nonlinear", 24, 96),
    ("Mp1_Paraboloid", 3, 12),
    ("Mp2_Paraboloid", 6, 21),
    ("Mp3_Paraboloid", 9, 30),
];

/// A generated data set: row-major `rows × cols` values and the true intrinsic dimension.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifold {
    /// Row-major data.
    pub data: Vec<f64>,
    /// Number of points.
    pub rows: usize,
    /// Ambient dimension.
    pub cols: usize,
    /// True intrinsic dimension.
    pub intrinsic_dim: usize,
}

fn u(rng: &mut ChaCha8Rng) -> f64 {
    rng.random::<f64>()
}

fn g(rng: &mut ChaCha8Rng) -> f64 {
    StandardNormal.sample(rng)
}

/// n points uniform in the unit d-ball (row-major n × d): Gaussian direction, radius U^(1/d).
pub(crate) fn hyper_ball(rng: &mut ChaCha8Rng, n: usize, d: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(n * d);
    for _ in 0..n {
        let x: Vec<f64> = (0..d).map(|_| g(rng)).collect();
        let s = x.iter().map(|a| a * a).sum::<f64>().sqrt();
        let r = u(rng).powf(1.0 / d as f64);
        if s == 0.0 {
            out.extend(std::iter::repeat_n(0.0, d));
        } else {
            out.extend(x.iter().map(|a| a / s * r));
        }
    }
    out
}

/// n points uniform in the unit d-ball (row-major n × d) from a ChaCha8 stream seeded with
/// `seed` (skdim `hyperBall` in distribution).
#[must_use]
pub fn uniform_ball(n: usize, d: usize, seed: u64) -> Vec<f64> {
    hyper_ball(&mut ChaCha8Rng::seed_from_u64(seed), n, d)
}

/// Fill an n × D matrix from per-row closures of the uniform draws (columns beyond the
/// generated ones are zero).
fn rows_of(n: usize, big_d: usize, mut f: impl FnMut(&mut Vec<f64>)) -> Vec<f64> {
    let mut out = Vec::with_capacity(n * big_d);
    let mut row = Vec::with_capacity(big_d);
    for _ in 0..n {
        row.clear();
        f(&mut row);
        row.resize(big_d, 0.0);
        out.extend_from_slice(&row);
    }
    out
}

#[allow(clippy::too_many_lines)]
fn generate(name: &str, n: usize, d: usize, big_d: usize, rng: &mut ChaCha8Rng) -> Result<Vec<f64>> {
    use std::f64::consts::PI;
    let data = match name {
        "M1_Sphere" => rows_of(n, big_d, |r| {
            let v: Vec<f64> = (0..=d).map(|_| g(rng)).collect();
            let s = v.iter().map(|a| a * a).sum::<f64>().sqrt();
            r.extend(v.iter().map(|a| a / s));
        }),
        "M2_Affine_3to5" => {
            let a = [
                [1.2, -0.5, 0.0],
                [0.5, 0.9, 0.0],
                [-0.5, -0.2, 1.0],
                [0.4, -0.9, -0.1],
                [1.1, -0.3, 0.0],
            ];
            let b = [3.0, -1.0, 0.0, 0.0, 8.0];
            rows_of(n, big_d, |r| {
                let p: Vec<f64> = (0..3).map(|_| 4.0 * u(rng)).collect();
                for (ai, bi) in a.iter().zip(b) {
                    r.push(ai[0] * p[0] + ai[1] * p[1] + ai[2] * p[2] + bi);
                }
            })
        }
        "M3_Nonlinear_4to6" => rows_of(n, big_d, |r| {
            let p: Vec<f64> = (0..4).map(|_| u(rng)).collect();
            r.extend([
                p[1] * p[1] * (2.0 * PI * p[0]).cos(),
                p[2] * p[2] * (2.0 * PI * p[0]).sin(),
                p[1] + p[2] + (p[1] - p[3]).powi(2),
                p[1] - 2.0 * p[2] + (p[0] - p[3]).powi(2),
                -p[1] - 2.0 * p[2] + (p[2] - p[3]).powi(2),
                p[0] * p[0] - p[1] * p[1] + p[2] * p[2] - p[3] * p[3],
            ]);
        }),
        "M4_Nonlinear" | "M6_Nonlinear" | "M8_Nonlinear" => {
            let reps = big_d / (2 * d);
            rows_of(n, big_d, |r| {
                let p: Vec<f64> = (0..d).map(|_| u(rng)).collect();
                let mut block = Vec::with_capacity(2 * d);
                for j in 0..d {
                    let q = p[(j + 1) % d];
                    block.push(q * (2.0 * PI * p[j]).cos());
                    block.push(q * (2.0 * PI * p[j]).sin());
                }
                for _ in 0..reps {
                    r.extend_from_slice(&block);
                }
            })
        }
        "M5a_Helix1d" => rows_of(n, big_d, |r| {
            let t = 2.0 * PI / n as f64 + 2.0 * PI * u(rng);
            r.extend([
                (2.0 + (8.0 * t).cos()) * t.cos(),
                (2.0 + (8.0 * t).cos()) * t.sin(),
                (8.0 * t).sin(),
            ]);
        }),
        "M5b_Helix2d" => rows_of(n, big_d, |r| {
            let rr = 10.0 * PI * u(rng);
            let p = 10.0 * PI * u(rng);
            r.extend([rr * p.cos(), rr * p.sin(), 0.5 * p]);
        }),
        "M7_Roll" => rows_of(n, big_d, |r| {
            let t = 1.5 * PI * (1.0 + 2.0 * u(rng));
            let p = 21.0 * u(rng);
            r.extend([t * t.cos(), p, t * t.sin()]);
        }),
        "M9_Affine" => rows_of(n, big_d, |r| r.extend((0..d).map(|_| 5.0 * u(rng) - 2.5))),
        "M10a_Cubic" | "M10b_Cubic" | "M10c_Cubic" | "M10d_Cubic" => {
            // surface of the unit (d+1)-cube: faces x_i = 0 and x_i = 1 in turn
            let n_once = n / (2 * (d + 1)) + 1;
            let mut out = Vec::with_capacity(n * big_d);
            'faces: for i in 0..=d {
                for val in [0.0, 1.0] {
                    for _ in 0..n_once {
                        if out.len() == n * big_d {
                            break 'faces;
                        }
                        for c in 0..=d {
                            out.push(if c == i { val } else { u(rng) });
                        }
                    }
                }
            }
            out
        }
        "M11_Moebius" => rows_of(n, big_d, |r| {
            let phi = 2.0 * PI * u(rng);
            let s = 2.0 * u(rng) - 1.0;
            let w = 1.0 + 0.5 * s * (5.0 * phi).cos();
            r.extend([w * phi.cos(), w * phi.sin(), 0.5 * s * (5.0 * phi).sin()]);
        }),
        "M12_Norm" => rows_of(n, big_d, |r| r.extend((0..d).map(|_| g(rng)))),
        "M13a_Scurve" => rows_of(n, big_d, |r| {
            let t = 3.0 * PI * (u(rng) - 0.5);
            let p = 2.0 * u(rng);
            r.extend([t.sin(), p, t.signum() * (t.cos() - 1.0)]);
        }),
        "M13b_Spiral" => rows_of(n, big_d, |r| {
            let t = 10.0 * PI * u(rng);
            r.extend([100.0 * t.cos(), 100.0 * t.sin(), t]);
        }),
        "Mbeta" => {
            let beta = Beta::new(10.0, 0.5).map_err(|e| Error::Internal(format!("beta: {e}")))?;
            rows_of(n, big_d, |r| {
                let x: Vec<f64> = (0..d).map(|_| beta.sample(rng)).collect();
                let c1: Vec<f64> = x.iter().map(|v| v * (2.0 * PI * v).cos().sin()).collect();
                let c2: Vec<f64> = x.iter().map(|v| v * (2.0 * PI * v).sin().cos()).collect();
                for _ in 0..2 {
                    r.extend_from_slice(&c1);
                    r.extend_from_slice(&c2);
                }
            })
        }
        "Mn1_Nonlinear" | "Mn2_Nonlinear" => rows_of(n, big_d, |r| {
            let x: Vec<f64> = (0..d).map(|_| u(rng)).collect();
            let t1: Vec<f64> = (0..d).map(|j| (x[j] * x[d - 1 - j].cos()).tan()).collect();
            let t2: Vec<f64> = (0..d).map(|j| (x[d - 1 - j] * x[j].sin()).atan()).collect();
            for _ in 0..2 {
                r.extend_from_slice(&t1);
                r.extend_from_slice(&t2);
            }
        }),
        "Mp1_Paraboloid" | "Mp2_Paraboloid" | "Mp3_Paraboloid" => rows_of(n, big_d, |r| {
            let e: Vec<f64> = (0..=d).map(|_| -(1.0 - u(rng)).ln()).collect();
            let mut b: Vec<f64> = (1..=d).map(|j| 1.0 / (1.0 + e[j] / e[0])).collect();
            let s: f64 = b.iter().map(|v| v * v).sum();
            b.push(s);
            let sb: Vec<f64> = b.iter().map(|v| v.sin()).collect();
            let b2: Vec<f64> = b.iter().map(|v| v * v).collect();
            r.extend_from_slice(&b);
            r.extend_from_slice(&sb);
            r.extend_from_slice(&b2);
        }),
        _ => {
            return Err(out_of_range(
                "name",
                "one of the 24 benchmark manifold names",
                name,
            ))
        }
    };
    Ok(data)
}

/// Generate one of the 24 benchmark manifolds.
///
/// `noise` adds uniform noise (U − 0.5)·noise to every coordinate (the reference's default
/// `noise_type='uniform'`).
///
/// # Shapes and types
/// Returns (row-major data, rows = n, cols = ambient D, intrinsic dimension).
/// # Cost
/// O(n·D) time and memory.
/// # Determinism
/// Function of (name, n, noise, seed), identical on every platform (ChaCha8).
/// # Errors
/// `OutOfRange` for an unknown name, n = 0 or a negative/non-finite noise.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `datasets.BenchmarkManifolds` (formulas; not its random stream).
pub fn benchmark_manifold(
    name: &str,
    n: usize,
    noise: f64,
    seed: u64,
) -> Result<(Vec<f64>, usize, usize, usize)> {
    let m = manifold(name, n, noise, seed)?;
    Ok((m.data, m.rows, m.cols, m.intrinsic_dim))
}

/// [`benchmark_manifold`] returning a [`Manifold`].
///
/// # Errors
/// As [`benchmark_manifold`].
pub fn manifold(name: &str, n: usize, noise: f64, seed: u64) -> Result<Manifold> {
    let &(_, d, big_d) = MANIFOLDS
        .iter()
        .find(|(m, _, _)| *m == name)
        .ok_or_else(|| out_of_range("name", "one of the 24 benchmark manifold names", name))?;
    if n == 0 {
        return Err(out_of_range("n", "an integer >= 1", n));
    }
    if !(noise >= 0.0 && noise.is_finite()) {
        return Err(out_of_range("noise", "a finite number >= 0", noise));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut data = generate(name, n, d, big_d, &mut rng)?;
    if data.len() != n * big_d {
        return Err(Error::Internal(format!(
            "{name}: generated {} values for {n} x {big_d}",
            data.len()
        )));
    }
    if noise > 0.0 {
        for v in &mut data {
            *v += (u(&mut rng) - 0.5) * noise;
        }
    }
    Ok(Manifold {
        data,
        rows: n,
        cols: big_d,
        intrinsic_dim: d,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_manifold_has_its_shape_and_is_deterministic() {
        for (name, d, big_d) in MANIFOLDS {
            let a = manifold(name, 50, 0.0, 7).unwrap();
            assert_eq!((a.rows, a.cols, a.intrinsic_dim), (50, big_d, d), "{name}");
            assert!(a.data.iter().all(|v| v.is_finite()), "{name}");
            assert_eq!(a, manifold(name, 50, 0.0, 7).unwrap());
        }
        assert_eq!(
            manifold("nope", 5, 0.0, 0).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
    }

    #[test]
    fn sphere_rows_are_unit_and_ball_is_inside() {
        let m = manifold("M1_Sphere", 20, 0.0, 1).unwrap();
        for r in m.data.chunks(11) {
            let s: f64 = r.iter().map(|v| v * v).sum();
            assert!((s - 1.0).abs() < 1e-12);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let b = hyper_ball(&mut rng, 100, 4);
        assert!(b
            .chunks(4)
            .all(|r| r.iter().map(|v| v * v).sum::<f64>() <= 1.0 + 1e-12));
    }
}
