//! Method-of-moments local ID (Amsaleg et al. 2015/2018): with k neighbour distances of mean
//! m₁ and maximum w, the pointwise ID is −m₁/(m₁ − w).

use embgeo_core::{Ctl, Error, Neighbors, Result};
use serde_json::json;

use crate::common::{map_policy_rows, out_of_range, require_k, Aggregate, Duplicates, IdEstimate};

/// MOM parameters; `Default` = scikit-dimension 0.5.0 `MOM().fit(X)` (k = 100, mean).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Neighbours per point (100; the caller clamps to N − 1 like the reference).
    pub k: usize,
    /// Aggregation of the pointwise values (mean).
    pub aggregate: Aggregate,
    /// Duplicates policy; default `Keep` (zero distances lower m₁, the value stays finite).
    pub duplicates: Duplicates,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            k: 100,
            aggregate: Aggregate::Mean,
            duplicates: Duplicates::Keep,
        }
    }
}

/// MOM intrinsic dimension (pointwise values in `pointwise`).
///
/// # Shapes and types
/// `nb`: rows × k₀ with k₀ ≥ `p.k` ≥ 2.
/// # Cost
/// O(rows · k) time, O(rows) memory.
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// `KTooLarge`, `OutOfRange`, `Duplicates` (policy `Error`), `Degenerate` (all k distances
/// equal: the reference gives ±∞ or NaN), `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `skdim.id.MOM`; fixtures `intdim/fx*.json` at rtol 1e-10.
pub fn estimate(nb: &Neighbors, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    if p.k < 2 {
        return Err(out_of_range("k", "an integer >= 2", p.k));
    }
    require_k(nb, p.k, 2, "MOM")?;
    let k = p.k;
    let (pw, n_used, dropped) = map_policy_rows(nb, (p.k, p.duplicates), ctl, "mom", |use_nb, i| {
        let d = &use_nb.distances_of(i)[..k];
        let w = d[k - 1];
        let m1 = d.iter().sum::<f64>() / k as f64;
        let v = -m1 / (m1 - w);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(Error::Degenerate(format!(
                "MOM: the {k} neighbour distances of row {i} are all equal"
            )))
        }
    })?;
    let params = json!({"k": k, "aggregate": p.aggregate.as_str(), "duplicates": p.duplicates.as_str()});
    IdEstimate::from_pointwise("mom", p.aggregate, pw, (nb.rows, n_used, dropped), params)
}
