//! Maximum-likelihood ID (Levina & Bickel 2004) with MacKay & Ghahramani's (2005) harmonic
//! aggregation.
//!
//! Pointwise: mᵢ = c / Σ_{j<k} ln(r_{i,k}/r_{i,j}), with c = k − 1 (Levina–Bickel,
//! scikit-dimension), k − 2 (unbiased) or k (Amsaleg et al. / Hill, the "LID MLE").
//! Global: harmonic mean (default, scikit-dimension `comb='mle'`), mean or median.
//! The non-neighbourhood variant (`neighborhood_based=False`) pools the distinct values of the
//! first `global_k` neighbour distances of all rows.

use embgeo_core::{Ctl, Error, Neighbors, Result};
use serde_json::json;

use crate::common::{apply_policy, ensure_finite, map_rows, require_k, Aggregate, Duplicates, IdEstimate};

/// Normalisation constant c of the pointwise estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Normalization {
    /// c = k − 1 (Levina–Bickel; scikit-dimension default).
    LevinaBickel,
    /// c = k − 2 (scikit-dimension `unbiased=True`).
    Unbiased,
    /// c = k (Amsaleg et al. 2015, Hill estimator as written).
    Hill,
}

impl Normalization {
    fn constant(self, k: usize) -> f64 {
        match self {
            Normalization::LevinaBickel => k as f64 - 1.0,
            Normalization::Unbiased => k as f64 - 2.0,
            Normalization::Hill => k as f64,
        }
    }
    fn as_str(self) -> &'static str {
        match self {
            Normalization::LevinaBickel => "levinaBickel",
            Normalization::Unbiased => "unbiased",
            Normalization::Hill => "hill",
        }
    }
}

/// MLE parameters; `Default` = scikit-dimension 0.5.0 `MLE().fit(X)` (k = 20, harmonic).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Neighbours per point (20); ≥ 2 (≥ 3 for `Unbiased`).
    pub k: usize,
    /// Aggregation (harmonic).
    pub aggregate: Aggregate,
    /// Normalisation (Levina–Bickel, k − 1).
    pub normalization: Normalization,
    /// Also return the smoothed pointwise values (mean over the point and its k neighbours)
    /// as diagnostic `pointwise_smooth` (false).
    pub smooth: bool,
    /// false: scikit-dimension `neighborhood_based=False` (pooled distinct distances).
    pub neighborhood_based: bool,
    /// Neighbours per point pooled when `neighborhood_based` is false (scikit-dimension `K`, 5).
    pub global_k: usize,
    /// Duplicates policy; default `Error` (the reference's harmonic mean is silently 0 with a
    /// single duplicated pair). `Keep` reproduces the reference (mᵢ = 0 for rows with a zero
    /// distance; the harmonic mean then errors).
    pub duplicates: Duplicates,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            k: 20,
            aggregate: Aggregate::Harmonic,
            normalization: Normalization::LevinaBickel,
            smooth: false,
            neighborhood_based: true,
            global_k: 5,
            duplicates: Duplicates::Error,
        }
    }
}

/// Pointwise MLE of one neighbour-distance row (first `k` entries, ascending).
///
/// Returns 0 when a distance is 0 (the reference's ln(R/0) = ∞), `Degenerate` when r_k = 0 or
/// all distances are equal (the estimate is NaN or ∞).
fn point(d: &[f64], c: f64, row: usize) -> Result<f64> {
    let r = d[d.len() - 1];
    if r == 0.0 {
        return Err(Error::Degenerate(format!(
            "MLE: all neighbour distances of row {row} are 0 (more than k identical points)"
        )));
    }
    if d[0] == 0.0 {
        return Ok(0.0);
    }
    let s: f64 = d.iter().map(|x| (r / x).ln()).sum();
    if s == 0.0 {
        return Err(Error::Degenerate(format!(
            "MLE: the k neighbour distances of row {row} are all equal"
        )));
    }
    Ok(c / s)
}

/// Pointwise MLE for every row (the reference's `dimension_pw_`), under the duplicates policy
/// (`Drop` returns values only for the kept rows).
///
/// # Shapes and types
/// `nb`: rows × k₀ with k₀ ≥ `p.k`; returns one f64 per (kept) row.
/// # Cost
/// O(rows · k) time, O(rows) memory.
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// `KTooLarge`, `OutOfRange` (k < 2), `Duplicates`, `Degenerate`, `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension `MLE._maxLikPointwiseDimEst`; fixtures `intdim/fx*.json` at rtol 1e-12.
pub fn pointwise(nb: &Neighbors, p: &Params, ctl: &Ctl<'_>) -> Result<Vec<f64>> {
    Ok(run(nb, p, ctl)?.pointwise.unwrap_or_default())
}

/// MLE intrinsic dimension (pointwise values in `pointwise`, global value in `dimension`).
///
/// # Shapes and types
/// `nb`: rows × k₀ neighbours, k₀ ≥ `p.k` (or ≥ `p.global_k` when not neighbourhood based),
/// rows ≥ 2.
/// # Cost
/// O(rows · k) time, O(rows) memory (O(rows · global_k) for the pooled variant).
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// `KTooLarge`, `OutOfRange` (k too small), `Duplicates` under `Error`, `Degenerate` (harmonic
/// mean of a zero, equal distances), `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `skdim.id.MLE` (no noise model); fixtures `intdim/fx*.json` at rtol 1e-12.
pub fn estimate(nb: &Neighbors, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    run(nb, p, ctl)
}

fn run(nb: &Neighbors, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let min_k = if p.normalization == Normalization::Unbiased {
        3
    } else {
        2
    };
    if p.k < min_k {
        return Err(crate::common::out_of_range(
            "k",
            &format!("an integer >= {min_k}"),
            p.k,
        ));
    }
    let params = json!({
        "k": p.k,
        "aggregate": p.aggregate.as_str(),
        "normalization": p.normalization.as_str(),
        "smooth": p.smooth,
        "neighborhoodBased": p.neighborhood_based,
        "globalK": p.global_k,
        "duplicates": p.duplicates.as_str(),
    });
    if !p.neighborhood_based {
        return pooled(nb, p, params);
    }
    require_k(nb, p.k, 2, "MLE")?;
    let mut owned = None;
    let (use_nb, kept, dropped) = apply_policy(nb, p.k, p.duplicates, &mut owned)?;
    let c = p.normalization.constant(p.k);
    let pw = map_rows(ctl, "mle", use_nb.rows, |i| {
        point(&use_nb.distances_of(i)[..p.k], c, i)
    })?;
    let dim = p.aggregate.apply(&pw).map_err(|e| match e {
        Error::Degenerate(_) => Error::Duplicates {
            count: pw.iter().filter(|v| **v == 0.0).count(),
        },
        e => e,
    })?;
    let mut est = IdEstimate::new("mle", ensure_finite(dim, "MLE")?, nb.rows, params);
    est.n_used = use_nb.rows;
    est.dropped_duplicates = dropped;
    if p.smooth {
        // position of each original row among the used rows
        let pos: Vec<Option<usize>> = match &kept {
            None => (0..nb.rows).map(Some).collect(),
            Some(k) => {
                let mut v = vec![None; nb.rows];
                for (a, &b) in k.iter().enumerate() {
                    v[b] = Some(a);
                }
                v
            }
        };
        let sm: Vec<f64> = (0..use_nb.rows)
            .map(|i| {
                let mut s = pw[i];
                let mut c = 1.0;
                for &j in &use_nb.indices_of(i)[..p.k] {
                    if let Some(Some(q)) = pos.get(j as usize) {
                        s += pw[*q];
                        c += 1.0;
                    }
                }
                s / c
            })
            .collect();
        est.diagnostics.push(("pointwise_smooth".into(), sm));
    }
    est.pointwise = Some(pw);
    Ok(est)
}

/// `neighborhood_based=False`: distinct values of all rows' first `global_k` distances, the
/// `k` smallest, (m − 1)/Σ ln(max/R_j).
fn pooled(nb: &Neighbors, p: &Params, params: serde_json::Value) -> Result<IdEstimate> {
    require_k(nb, p.global_k, 2, "MLE")?;
    let mut all: Vec<f64> = (0..nb.rows)
        .flat_map(|i| nb.distances_of(i)[..p.global_k].to_vec())
        .collect();
    all.sort_by(f64::total_cmp);
    all.dedup();
    all.truncate(p.k);
    let m = all.len();
    if all.first() == Some(&0.0) && p.duplicates != Duplicates::Keep {
        return Err(Error::Duplicates {
            count: crate::common::zero_distance_rows(nb),
        });
    }
    let r = all.last().copied().unwrap_or(0.0);
    if m < 2 || all[0] == 0.0 {
        return Err(Error::Degenerate(
            "MLE (pooled): fewer than 2 distinct distances, or a zero distance (duplicates)".into(),
        ));
    }
    let s: f64 = all.iter().map(|x| (r / x).ln()).sum();
    let c = p.normalization.constant(m);
    let mut est = IdEstimate::new("mle", ensure_finite(c / s, "MLE")?, nb.rows, params);
    est.n_used = m;
    Ok(est)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointwise_formula() {
        // r = 1, 2, 4: c = 2, Σ ln(4/r_j) = ln 4 + ln 2 + 0
        let d = [1.0, 2.0, 4.0];
        let v = point(&d, 2.0, 0).unwrap();
        assert!((v - 2.0 / (4f64.ln() + 2f64.ln())).abs() < 1e-15);
        assert_eq!(point(&[0.0, 1.0], 1.0, 0).unwrap(), 0.0);
        assert_eq!(point(&[1.0, 1.0], 1.0, 0).unwrap_err().code(), "ERR_DEGENERATE");
    }
}
