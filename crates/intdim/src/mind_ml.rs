//! MiND_ML (Rozza, Lombardi, Ceruti, Casiraghi, Campadelli 2012): ρ = r₁/r_{k+1} has density
//! k·d·ρ^(d−1)·(1 − ρ^d)^(k−1); MLi maximises the log-likelihood over integers 1..D, MLk over
//! the interval \[0, D].
//!
//! MLk reproduces scikit-dimension's L-BFGS-B result by the rule of id-estimators.md §3.11:
//! when MLi ≤ 2 and −ℓ'(MLi) ≥ MLi the optimizer's first step hits the bound d = 0, where the
//! objective is a ±1e30 sentinel, and it returns exactly MLi; otherwise it returns the true
//! maximiser (root of ℓ', or D when ℓ'(D) ≥ 0). [`Params::exact_maximiser`] skips the rule.

use embgeo_core::{Error, Neighbors, Result};
use serde_json::json;

use crate::common::{apply_policy, out_of_range, require_rows, Duplicates, IdEstimate};

/// Integer or continuous maximiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Version {
    /// argmax over d ∈ {1..D}.
    #[serde(rename = "MLi")]
    MLi,
    /// maximiser over \[0, D] (reference optimizer behaviour, see the module docs).
    #[serde(rename = "MLk")]
    MLk,
}

/// MiND_ML parameters; `Default` = scikit-dimension 0.5.0 `MiND_ML()` (k = 20, D = 10, MLk).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// k of the likelihood; ρ uses the (k+1)-th neighbour (20).
    pub k: usize,
    /// Largest dimension considered (10): higher IDs saturate at D.
    pub max_dim: usize,
    /// Version (MLk).
    pub version: Version,
    /// Return the exact maximiser instead of the reference optimizer's value (false).
    pub exact_maximiser: bool,
    /// Duplicates policy; default `Error`. `Keep` = reference (ρ = 0 → MLi = 1, MLk = 1).
    pub duplicates: Duplicates,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            k: 20,
            max_dim: 10,
            version: Version::MLk,
            exact_maximiser: false,
            duplicates: Duplicates::Error,
        }
    }
}

/// ℓ(d) with NaN/−∞ semantics of numpy for ρ = 0.
fn lld(d: f64, rhos: &[f64], k: f64) -> f64 {
    let n = rhos.len() as f64;
    let slog: f64 = rhos.iter().map(|r| r.ln()).sum();
    let s2: f64 = rhos.iter().map(|r| (1.0 - r.powf(d)).ln()).sum();
    n * (k * d).ln() + (d - 1.0) * slog + (k - 1.0) * s2
}

/// ℓ'(d).
fn dlld(d: f64, rhos: &[f64], k: f64) -> f64 {
    let n = rhos.len() as f64;
    let s: f64 = rhos
        .iter()
        .map(|&r| {
            let rd = r.powf(d);
            r.ln() - (k - 1.0) * rd * r.ln() / (1.0 - rd)
        })
        .sum();
    n / d + s
}

/// (MLi, MLk) from the ratios ρᵢ with likelihood parameter `k` and maximum dimension `max_d`.
pub(crate) fn mind(rhos: &[f64], k: usize, max_d: usize, exact: bool) -> (usize, f64) {
    let kf = k as f64;
    // numpy argmax: the first NaN wins, else the first maximum
    let mut best = 1usize;
    let mut best_v = f64::NEG_INFINITY;
    for d in 1..=max_d {
        let v = lld(d as f64, rhos, kf);
        if v.is_nan() {
            best = d;
            break;
        }
        if v > best_v {
            best_v = v;
            best = d;
        }
    }
    let mli = best;
    let x0 = mli as f64;
    let g0 = -dlld(x0, rhos, kf);
    if !exact && (x0 <= 2.0 && (g0 >= x0 || g0.is_nan())) {
        return (mli, x0);
    }
    let dm = max_d as f64;
    if dlld(dm, rhos, kf) >= 0.0 {
        return (mli, dm);
    }
    // ℓ' is decreasing: bisection on (0, D] to full precision
    let (mut lo, mut hi) = (0.0f64, dm);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if dlld(mid, rhos, kf) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (mli, 0.5 * (lo + hi))
}

/// MiND_ML intrinsic dimension.
///
/// # Shapes and types
/// `nb`: N × k₀ neighbours with k₀ ≥ min(k + 1, N − 1); ρᵢ = r_{i,1}/r_{i,k'} with
/// k' = min(k + 1, N − 1) (the likelihood keeps the parameter k, as the reference).
/// # Cost
/// O(N·D) likelihood evaluations + ~60 bisection steps of O(N).
/// # Determinism
/// Pure function of its input.
/// # Errors
/// `OutOfRange` (k < 1, D < 1), `KTooLarge`, `Duplicates` (policy `Error`), `Degenerate`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `skdim.id.MiND_ML`; fixtures `intdim/fx*.json` (MLi exact, MLk 1e-6).
pub fn estimate(nb: &Neighbors, p: &Params) -> Result<IdEstimate> {
    if p.k < 1 {
        return Err(out_of_range("k", "an integer >= 1", p.k));
    }
    if p.max_dim < 1 {
        return Err(out_of_range("D", "an integer >= 1", p.max_dim));
    }
    require_rows("X", nb.rows, 3, "MiND_ML")?;
    let kp = (p.k + 1).min(nb.rows - 1);
    crate::common::require_k(nb, kp, 3, "MiND_ML")?;
    let mut owned = None;
    let (use_nb, _, dropped) = apply_policy(nb, kp, p.duplicates, &mut owned)?;
    let mut rhos = Vec::with_capacity(use_nb.rows);
    for i in 0..use_nb.rows {
        let d = use_nb.distances_of(i);
        if d[kp - 1] == 0.0 {
            return Err(Error::Degenerate(format!(
                "MiND_ML: all {kp} neighbour distances of row {i} are 0"
            )));
        }
        rhos.push(d[0] / d[kp - 1]);
    }
    let (mli, mlk) = mind(&rhos, p.k, p.max_dim, p.exact_maximiser);
    let dim = match p.version {
        Version::MLi => mli as f64,
        Version::MLk => mlk,
    };
    let params = json!({
        "k": p.k, "D": p.max_dim, "version": match p.version { Version::MLi => "MLi", Version::MLk => "MLk" },
        "exactMaximiser": p.exact_maximiser, "duplicates": p.duplicates.as_str()
    });
    let mut est = IdEstimate::new("mind_ml", dim, nb.rows, params);
    est.n_used = use_nb.rows;
    est.dropped_duplicates = dropped;
    est.diagnostics.push(("mli_mlk".into(), vec![mli as f64, mlk]));
    Ok(est)
}
