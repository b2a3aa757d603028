//! Test helpers: fixture loading and an exact f64 brute-force kNN (ties to the lower index).
#![allow(dead_code)]

use std::path::PathBuf;

use embgeo_core::Neighbors;
use serde_json::Value;

/// A parity fixture written by scripts/reference/intdim.py.
pub struct Fixture {
    pub name: String,
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
    pub expected: Value,
    pub rtol: Value,
    pub true_id: f64,
}

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../__test__/fixtures/intdim")
}

pub fn load(name: &str) -> Fixture {
    let path = fixture_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let v: Value = serde_json::from_str(&text).unwrap();
    let input = &v["input"];
    Fixture {
        name: name.to_owned(),
        rows: input["rows"].as_u64().unwrap() as usize,
        cols: input["cols"].as_u64().unwrap() as usize,
        data: input["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect(),
        expected: v["expected"].clone(),
        rtol: v["rtol"].clone(),
        true_id: v["true_id"].as_f64().unwrap(),
    }
}

pub const ALL: [&str; 6] = [
    "fx1_ball5in10",
    "fx2_sphere2in3",
    "fx3_paraboloid2in3",
    "fx4_dups",
    "fx5_ball5in30",
    "fx2_f32",
];

impl Fixture {
    /// Expected scalar, or None if the reference raised.
    pub fn scalar(&self, key: &str) -> Option<f64> {
        let v = &self.expected[key];
        assert!(!v.is_null(), "{}: no key {key}", self.name);
        v.as_f64()
    }
    pub fn vector(&self, key: &str) -> Option<Vec<f64>> {
        let v = &self.expected[key];
        assert!(!v.is_null(), "{}: no key {key}", self.name);
        v.as_array()
            .map(|a| a.iter().map(|x| x.as_f64().unwrap()).collect())
    }
    pub fn is_error(&self, key: &str) -> bool {
        self.expected[key].get("error").is_some()
    }
    /// Tolerance for a key: the longest matching prefix in the fixture's rtol table.
    pub fn tol(&self, key: &str) -> f64 {
        let mut best = ("", 1e-12);
        for (p, t) in self.rtol.as_object().unwrap() {
            if key.starts_with(p.as_str()) && p.len() > best.0.len() {
                best = (p.as_str(), t["rtol"].as_f64().unwrap());
            }
        }
        best.1
    }
    pub fn knn(&self, k: usize) -> Neighbors {
        brute_knn(&self.data, self.rows, self.cols, k)
    }
}

/// Exact kNN: sqrt(Σ(x−y)²) in f64, self excluded by index, ties to the lower index.
pub fn brute_knn(x: &[f64], n: usize, d: usize, k: usize) -> Neighbors {
    let k = k.min(n - 1);
    let mut idx = Vec::with_capacity(n * k);
    let mut dist = Vec::with_capacity(n * k);
    let mut buf: Vec<(f64, u32)> = Vec::with_capacity(n);
    for i in 0..n {
        buf.clear();
        let xi = &x[i * d..(i + 1) * d];
        for j in 0..n {
            if j == i {
                continue;
            }
            let xj = &x[j * d..(j + 1) * d];
            let s: f64 = xi.iter().zip(xj).map(|(a, b)| (a - b) * (a - b)).sum();
            buf.push((s.sqrt(), j as u32));
        }
        buf.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for &(dd, j) in &buf[..k] {
            idx.push(j);
            dist.push(dd);
        }
    }
    Neighbors::new(k, n, idx, dist).unwrap()
}

pub fn assert_close(name: &str, got: f64, want: f64, rtol: f64) {
    let err = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        err <= rtol || (got - want).abs() <= rtol * 1e-3,
        "{name}: got {got:.17}, want {want:.17}, rel err {err:.3e} > {rtol:.1e}"
    );
}

pub fn assert_all_close(name: &str, got: &[f64], want: &[f64], rtol: f64) {
    assert_eq!(got.len(), want.len(), "{name}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs() / w.abs().max(1.0);
        assert!(
            err <= rtol,
            "{name}[{i}]: got {g:.17}, want {w:.17}, err {err:.3e} > {rtol:.1e}"
        );
    }
}

/// The first `k` columns of `nb`.
pub fn truncate(nb: &Neighbors, k: usize) -> Neighbors {
    let mut idx = Vec::with_capacity(nb.rows * k);
    let mut dist = Vec::with_capacity(nb.rows * k);
    for i in 0..nb.rows {
        idx.extend_from_slice(&nb.indices_of(i)[..k]);
        dist.extend_from_slice(&nb.distances_of(i)[..k]);
    }
    Neighbors::new(k, nb.rows, idx, dist).unwrap()
}
