//! TLE, the tight local ID estimator (Amsaleg, Chelly, Houle, Kawarabayashi, Radovanović,
//! Treeratanajaru, SDM 2019): pools the k query–neighbour distances with two extra samples
//! s_ab, t_ab per neighbour pair into one maximum-likelihood estimate.
//!
//! Follows scikit-dimension 0.5.0 `_idtle` step by step, including its boundary cases: rows
//! with u_a = r, u_a = 0, u_b = 0, coincident neighbours v_ab = 0, samples below ε (absolute)
//! or NaN dropped (with the counts subtracted), distances below ε dropped (0.5.0 drops the n_D
//! smallest ones; 0.3.x dropped all — [`Params::legacy_epsilon_quirk`]), and a pointwise value
//! of 0 when s1 > −ε ("(almost) all kNN distances are equal").

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};
use serde_json::json;

use crate::common::{
    check_x, dist, map_policy_rows, out_of_range, require_k, scaled_estimator, Aggregate, Duplicates,
    IdEstimate,
};

/// TLE parameters; `Default` = scikit-dimension 0.5.0 `TLE().fit(X)` (k = 20, ε = 1e-4, mean).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Neighbours per point (20).
    pub k: usize,
    /// Absolute distance threshold ε (1e-4): TLE is not scale invariant below it.
    pub epsilon: f64,
    /// Aggregation (mean).
    pub aggregate: Aggregate,
    /// 0.3.x behaviour: any distance below ε drops *all* distance terms (false).
    pub legacy_epsilon_quirk: bool,
    /// Duplicates policy; default `Keep` (explicit boundary cases of the reference).
    pub duplicates: Duplicates,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            k: 20,
            epsilon: 1e-4,
            aggregate: Aggregate::Mean,
            legacy_epsilon_quirk: false,
            duplicates: Duplicates::Keep,
        }
    }
}

/// TLE for one point: `u` its k ascending neighbour distances, `y` the k neighbour rows.
fn point<T: Element>(u: &[f64], y: &[&[T]], eps: f64, legacy: bool, row: usize) -> Result<f64> {
    let k = u.len();
    let r = u[k - 1];
    if r == 0.0 {
        return Err(Error::Degenerate(format!(
            "TLE: all {k} neighbour distances of row {row} are zero"
        )));
    }
    let r2 = r * r;
    // each unordered pair's distance once (the same bits either way round)
    let mut vd = vec![0.0; k * k];
    for a in 0..k {
        for b in a + 1..k {
            let v = dist(y[a], y[b]);
            vd[a * k + b] = v;
            vd[b * k + a] = v;
        }
    }
    let mut s1 = 0.0;
    let mut n_ts = 0usize;
    let mut n_v0 = 0usize;
    for a in 0..k {
        let ua = u[a];
        for b in 0..k {
            if a == b {
                continue;
            }
            let ub = u[b];
            let v = vd[a * k + b];
            let v2 = v * v;
            let z2 = 2.0 * ua * ua + 2.0 * ub * ub - v2;
            let den = 2.0 * (r2 - ua * ua);
            let bs = ua * ua + v2 - ub * ub;
            let mut s = r * ((bs * bs + 4.0 * v2 * (r2 - ua * ua)).sqrt() - bs) / den;
            let bt = ua * ua + z2 - ub * ub;
            let mut t = r * ((bt * bt + 4.0 * z2 * (r2 - ua * ua)).sqrt() - bt) / den;
            if ua == r {
                s = r * v2 / (r2 + v2 - ub * ub);
                t = r * z2 / (r2 + z2 - ub * ub);
            }
            if ua == 0.0 {
                s = ub;
                t = ub;
            }
            if ub == 0.0 {
                s = r * v / (r + v);
                t = s;
            }
            if v == 0.0 {
                s = r;
                t = r;
                n_v0 += 1;
            }
            if t < eps || s < eps || t.is_nan() || s.is_nan() {
                s = r;
                t = r;
                n_ts += 1;
            }
            s1 += (t / r).ln() + (s / r).ln();
        }
    }
    let n_d = u.iter().filter(|&&x| x < eps).count();
    let s2: f64 = if legacy && n_d > 0 {
        0.0
    } else {
        u[n_d..].iter().map(|x| (x / r).ln()).sum()
    };
    if s1 > -eps {
        return Ok(0.0);
    }
    let num = (k * k) as f64 - n_ts as f64 - n_d as f64 - n_v0 as f64;
    let v = -2.0 * num / (s1 + 2.0 * s2);
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::Degenerate(format!(
            "TLE: non-finite estimate at row {row}"
        )))
    }
}

scaled_estimator! {
    /// TLE intrinsic dimension (pointwise values in `pointwise`).
    ///
    /// # Shapes and types
    /// `x`: rows × D (f32 or f64, D ≥ 2); `nb`: its rows × k₀ neighbours, k₀ ≥ `p.k` ≥ 2.
    /// # Cost
    /// O(rows · (k²·D/2 + k²)) time (each neighbour pair's distance once, then k² closed-form
    /// terms), O(rows + k²) memory.
    /// # Determinism
    /// Bit-identical for every `ctl.par`.
    /// # Errors
    /// `Shape`, `Empty`, `NonFinite`, `KTooLarge`, `OutOfRange`, `Duplicates` (policy `Error`),
    /// `Degenerate` (all k distances zero), `Cancelled`.
    /// # Panics
    /// Never.
    /// # Reference
    /// scikit-dimension 0.5.0 `skdim.id.TLE`; fixtures `intdim/fx*.json` at rtol 1e-9.
    pub fn estimate -> IdEstimate = unscaled
}

/// [`estimate`] on data in the safe magnitude range.
fn unscaled<T: Element>(x: MatRef<'_, T>, nb: &Neighbors, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    if p.k < 2 {
        return Err(out_of_range("k", "an integer >= 2", p.k));
    }
    if !(p.epsilon >= 0.0 && p.epsilon.is_finite()) {
        return Err(out_of_range("epsilon", "a finite number >= 0", p.epsilon));
    }
    check_x(&x, nb, "TLE")?;
    require_k(nb, p.k, 2, "TLE")?;
    let k = p.k;
    let (pw, n_used, dropped) = map_policy_rows(nb, (p.k, p.duplicates), ctl, "tle", |use_nb, i| {
        let u = &use_nb.distances_of(i)[..k];
        let y: Vec<&[T]> = use_nb.indices_of(i)[..k]
            .iter()
            .map(|&j| x.row(j as usize))
            .collect();
        point(u, &y, p.epsilon, p.legacy_epsilon_quirk, i)
    })?;
    let params = json!({
        "k": k, "epsilon": p.epsilon, "aggregate": p.aggregate.as_str(),
        "legacyEpsilonQuirk": p.legacy_epsilon_quirk, "duplicates": p.duplicates.as_str()
    });
    IdEstimate::from_pointwise("tle", p.aggregate, pw, (nb.rows, n_used, dropped), params)
}
