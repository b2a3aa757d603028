//! kNN-graph length ID (Carter, Raich, Hero, IEEE TSP 2010; simplified as in K. Johnsson's R
//! package and scikit-dimension `KNN`): the total length L(p) of the k-NN graph of p random
//! points, raised to γ, grows like p^((m−γ)/m); the m whose power law fits best is returned.
//!
//! Random and integer valued; the samples are drawn with replacement from a seeded ChaCha8
//! generator (the reference uses numpy's legacy generator), so agreement is statistical.

use embgeo_core::{Element, Error, MatRef, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::common::{check_cols, dist, out_of_range, IdEstimate};

/// KNN (Carter) parameters; `Default` = scikit-dimension 0.5.0 `KNN()` with seed 0.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Neighbours in the graph (2).
    pub k: usize,
    /// Sample sizes (None → k+1 ..= k+4).
    pub ps: Option<Vec<usize>>,
    /// Repetitions per sample size (1).
    pub m: usize,
    /// Edge-length exponent γ (2).
    pub gamma: f64,
    /// Seed (0).
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            k: 2,
            ps: None,
            m: 1,
            gamma: 2.0,
            seed: 0,
        }
    }
}

/// KNN (Carter) intrinsic dimension (integer in 1..=D).
///
/// # Shapes and types
/// `x`: N × D (f32/f64), N > k, D ≥ 2. Diagnostic `residual`, `epsilon` (per m).
/// # Cost
/// O(Σ_p M·p²·D) time (distances among the sampled points only), O(max p²) memory.
/// # Determinism
/// Function of input and seed.
/// # Errors
/// `Empty`, `NonFinite`, `OutOfRange` (k < ps ≤ N violated, M = 0), `Degenerate`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `skdim.id.KNN` (statistical agreement).
pub fn estimate<T: Element>(x: MatRef<'_, T>, p: &Params) -> Result<IdEstimate> {
    embgeo_core::scale::with_scaled(x, |x, _| estimate_unscaled(x, p))
}

/// [`estimate`] on data in the safe magnitude range.
fn estimate_unscaled<T: Element>(x: MatRef<'_, T>, p: &Params) -> Result<IdEstimate> {
    x.require_rows("X", p.k + 1, "KNN")?;
    check_cols(&x, "KNN")?;
    x.check_finite("X")?;
    let n = x.rows();
    let ps = p.ps.clone().unwrap_or_else(|| (p.k + 1..p.k + 5).collect());
    if p.k < 1 || ps.is_empty() || ps.iter().any(|&q| q <= p.k || q > n) {
        return Err(out_of_range(
            "ps",
            &format!("sample sizes with k = {} < p <= N = {n}", p.k),
            format!("{ps:?}"),
        ));
    }
    if p.m < 1 {
        return Err(out_of_range("M", "an integer >= 1", p.m));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut l = vec![0.0f64; ps.len() * p.m];
    for (i, &q) in ps.iter().enumerate() {
        for j in 0..p.m {
            let samp: Vec<usize> = (0..q).map(|_| rng.random_range(0..n)).collect();
            let mut total = 0.0;
            let mut row = Vec::with_capacity(q);
            for &a in &samp {
                row.clear();
                row.extend(samp.iter().map(|&b| dist(x.row(a), x.row(b))));
                row.sort_by(f64::total_cmp);
                total += row[1..=p.k].iter().map(|d| d.powf(p.gamma)).sum::<f64>();
            }
            l[i * p.m + j] = total;
        }
    }
    let d = x.cols();
    let mf = p.m as f64;
    let eps: Vec<f64> = (1..=d)
        .map(|m| {
            let alpha = (m as f64 - p.gamma) / m as f64;
            let pa: Vec<f64> = ps.iter().map(|&q| (q as f64).powf(alpha)).collect();
            let num: f64 = pa
                .iter()
                .enumerate()
                .map(|(i, a)| a * l[i * p.m..(i + 1) * p.m].iter().sum::<f64>())
                .sum();
            let den: f64 = pa.iter().map(|a| a * a).sum::<f64>() * mf;
            let c = num / den;
            (0..ps.len())
                .map(|i| {
                    l[i * p.m..(i + 1) * p.m]
                        .iter()
                        .map(|v| (v - c * pa[i]).powi(2))
                        .sum::<f64>()
                })
                .sum()
        })
        .collect();
    let mut best: Option<usize> = None;
    for (i, e) in eps.iter().enumerate() {
        if e.is_nan() {
            continue;
        }
        if best.is_none_or(|b| *e < eps[b]) {
            best = Some(i);
        }
    }
    let b = best.ok_or_else(|| Error::Degenerate("KNN: every residual is undefined".into()))?;
    let params = json!({"k": p.k, "ps": ps, "M": p.m, "gamma": p.gamma, "seed": p.seed});
    let mut est = IdEstimate::new("knn", (b + 1) as f64, n, params);
    est.n_used = n;
    est.diagnostics.push(("residual".into(), vec![eps[b]]));
    est.diagnostics.push(("epsilon".into(), eps));
    Ok(est)
}
