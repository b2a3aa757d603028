//! Shared test data generators and the naive f64 brute force the engine is checked against.
#![allow(dead_code)]

use embgeo_core::{Element, Neighbors};
use embgeo_knn::Metric;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub mod lowp;

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Standard normal by Box–Muller.
pub fn normal(r: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = r.random::<f64>().max(1e-300);
    let u2: f64 = r.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Isotropic Gaussian rows.
pub fn gaussian(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..n * d).map(|_| normal(&mut r)).collect()
}

/// Mixture of `c` tight blobs.
pub fn clustered(n: usize, d: usize, c: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    let centres: Vec<f64> = (0..c * d).map(|_| 5.0 * normal(&mut r)).collect();
    let mut out = Vec::with_capacity(n * d);
    for _ in 0..n {
        let k = r.random_range(0..c);
        for t in 0..d {
            out.push(centres[k * d + t] + 0.1 * normal(&mut r));
        }
    }
    out
}

/// Gaussian rows where ~1 % are exact copies of earlier rows and ~1 % near-copies
/// (relative perturbation 1e-6, below f32 resolution of the distance identity).
pub fn with_duplicates(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut x = gaussian(n, d, seed);
    let mut r = rng(seed ^ 0xdead);
    let m = (n / 100).max(2);
    for _ in 0..m {
        let (a, b) = (r.random_range(0..n), r.random_range(0..n));
        for t in 0..d {
            x[b * d + t] = x[a * d + t];
        }
        let (a, b) = (r.random_range(0..n), r.random_range(0..n));
        for t in 0..d {
            x[b * d + t] = x[a * d + t] * (1.0 + 1e-6 * normal(&mut r));
        }
    }
    x
}

/// Small non-zero integers: massive exact ties (and no zero rows, so cosine applies).
pub fn integer_grid(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut r = rng(seed);
    (0..n * d)
        .map(|_| match r.random_range(-2i32..3) {
            0 => 3.0,
            v => f64::from(v),
        })
        .collect()
}

pub fn to_f32(x: &[f64]) -> Vec<f32> {
    x.iter().map(|&v| v as f32).collect()
}

/// The documented f64 summation order (`metric::EXACT_LANES`): element t into partial sum
/// t mod 16, then halves added pairwise: l + l+8, l + l+4, l + l+2, 0 + 1.
pub fn lanes(a: [f64; 16]) -> f64 {
    let h: Vec<f64> = (0..8).map(|l| a[l] + a[l + 8]).collect();
    let q: Vec<f64> = (0..4).map(|l| h[l] + h[l + 4]).collect();
    (q[0] + q[2]) + (q[1] + q[3])
}

/// Naive f64 brute force: every pair's key by the plain definition (f64 sums in the documented
/// 16-lane order), sorted by (key, index).
pub fn naive<T: Element>(
    corpus: &[T],
    queries: Option<&[T]>,
    d: usize,
    k: usize,
    metric: Metric,
) -> Neighbors {
    let self_ex = queries.is_none();
    let q = queries.unwrap_or(corpus);
    let (nc, nq) = (corpus.len() / d, q.len() / d);
    let f = |v: T| v.to_f64();
    let key = |x: &[T], y: &[T]| -> f64 {
        match metric {
            Metric::Euclidean | Metric::SqEuclidean => {
                let mut s = [0.0; 16];
                for t in 0..d {
                    let e = f(x[t]) - f(y[t]);
                    s[t % 16] += e * e;
                }
                lanes(s)
            }
            Metric::Dot => {
                let mut s = [0.0; 16];
                for t in 0..d {
                    s[t % 16] += f(x[t]) * f(y[t]);
                }
                -lanes(s)
            }
            Metric::Cosine => {
                let (mut s, mut a, mut b) = ([0.0; 16], [0.0; 16], [0.0; 16]);
                for t in 0..d {
                    s[t % 16] += f(x[t]) * f(y[t]);
                    a[t % 16] += f(x[t]) * f(x[t]);
                    b[t % 16] += f(y[t]) * f(y[t]);
                }
                (1.0 - lanes(s) / (lanes(a) * lanes(b)).sqrt()).max(0.0)
            }
        }
    };
    let mut indices = Vec::new();
    let mut distances = Vec::new();
    for i in 0..nq {
        let x = &q[i * d..(i + 1) * d];
        let mut all: Vec<(f64, u32)> = (0..nc)
            .filter(|&j| !(self_ex && j == i))
            .map(|j| (key(x, &corpus[j * d..(j + 1) * d]), j as u32))
            .collect();
        all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for &(v, j) in &all[..k] {
            indices.push(j);
            distances.push(if metric == Metric::Euclidean { v.sqrt() } else { v });
        }
    }
    Neighbors {
        k,
        rows: nq,
        indices,
        distances,
    }
}

/// Assert bit-identical neighbours, reporting the first difference.
pub fn assert_same(got: &Neighbors, want: &Neighbors, what: &str) {
    assert_eq!((got.k, got.rows), (want.k, want.rows), "{what}: shape");
    for i in 0..want.rows {
        assert!(
            got.indices_of(i) == want.indices_of(i) && got.distances_of(i) == want.distances_of(i),
            "{what}: row {i} differs\n got  {:?} {:?}\n want {:?} {:?}",
            got.indices_of(i),
            got.distances_of(i),
            want.indices_of(i),
            want.distances_of(i)
        );
    }
}

pub const METRICS: [Metric; 4] = [
    Metric::Euclidean,
    Metric::SqEuclidean,
    Metric::Cosine,
    Metric::Dot,
];

/// The definition of the exact ranks: rank of `j` from `i` = 1 + #{t ≠ i : (K(i,t), t) <
/// (K(i,j), j)}, `K` = `metric::exact_key`, for every row's targets in order.
pub fn naive_ranks<T: Element>(x: &[T], d: usize, metric: Metric, targets: &Neighbors) -> Vec<u32> {
    let n = x.len() / d;
    let row = |i: usize| &x[i * d..(i + 1) * d];
    let mut out = Vec::with_capacity(n * targets.k);
    for i in 0..n {
        let keys: Vec<f64> = (0..n)
            .map(|t| embgeo_knn::metric::exact_key(metric, row(i), row(t)))
            .collect();
        for &j in targets.indices_of(i) {
            let (kj, j) = (keys[j as usize], j as usize);
            let before = (0..n).filter(|&t| t != i && (keys[t], t) < (kj, j)).count();
            out.push(1 + before as u32);
        }
    }
    out
}

/// `k` random targets per row (repeats and the row itself allowed).
pub fn random_targets(n: usize, k: usize, seed: u64) -> Neighbors {
    let mut r = rng(seed);
    let idx: Vec<u32> = (0..n * k).map(|_| r.random_range(0..n as u32)).collect();
    Neighbors::new(k, n, idx, vec![0.0; n * k]).unwrap()
}
