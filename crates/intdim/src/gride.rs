//! GRIDE, the generalized ratios ID estimator (Denti, Doimo, Laio, Mira, Sci. Rep. 2022).
//!
//! For neighbour orders n₁ < n₂, μ = r_{n₂}/r_{n₁} has density
//! d·(μ^d − 1)^(n₂−n₁−1) / (μ^((n₂−1)d+1)·B(n₂−n₁, n₁)). The ID is the root of the score
//! equation found by bisection exactly as DADApy does (§3.3 of id-estimators.md), and the error
//! bar is 1/√(Fisher information). Doubling orders n₁ = 1, 2, 4, … give an ID-versus-scale
//! curve without decimation ([`scaling`]).

use embgeo_core::{Error, Neighbors, Result};
use serde_json::json;

use crate::common::{dedup_neighbors, out_of_range, percentile_sorted, require_rows, Duplicates, IdEstimate};

const EPS64: f64 = f64::EPSILON;

/// Single-scale GRIDE parameters; `Default` = n₁ = 1, n₂ = 2 and DADApy's bisection settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Lower neighbour order n₁ ≥ 1 (1).
    pub n1: usize,
    /// Upper neighbour order n₂ > n₁ (None → 2·n₁).
    pub n2: Option<usize>,
    /// Lower end of the bisection interval (0.001).
    pub d0: f64,
    /// Upper end of the bisection interval (1000).
    pub d1: f64,
    /// Bisection tolerance, also the regulariser 2·eps of 1 − μ^−d (1e-7).
    pub eps: f64,
    /// Duplicates policy; default `Error`. `Keep` = DADApy: zero distances become eps64.
    pub duplicates: Duplicates,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            n1: 1,
            n2: None,
            d0: 0.001,
            d1: 1000.0,
            eps: 1e-7,
            duplicates: Duplicates::Error,
        }
    }
}

/// Multiscale GRIDE parameters; `Default` = DADApy `return_id_scaling_gride()`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ScalingParams {
    /// Largest neighbour order (64); orders 1, 2, 4, … up to ⌊log₂ min(N, range_max)⌋.
    pub range_max: usize,
    /// Lower end of the bisection interval (0.001).
    pub d0: f64,
    /// Upper end of the bisection interval (1000).
    pub d1: f64,
    /// Bisection tolerance (1e-7).
    pub eps: f64,
    /// Duplicates policy (as in [`Params`]).
    pub duplicates: Duplicates,
}

impl Default for ScalingParams {
    fn default() -> Self {
        Self {
            range_max: 64,
            d0: 0.001,
            d1: 1000.0,
            eps: 1e-7,
            duplicates: Duplicates::Error,
        }
    }
}

/// ID as a function of scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaling {
    /// n₂ of each scale (2, 4, …) — DADApy's `return_ranks=True` output.
    pub ranks: Vec<usize>,
    /// ID per scale.
    pub dimensions: Vec<f64>,
    /// 1/√Fisher information per scale.
    pub stderr: Vec<f64>,
    /// Mean over rows of (r_{n₁} + r_{n₂})/2 per scale.
    pub scales: Vec<f64>,
    /// Rows removed as duplicates.
    pub dropped_duplicates: usize,
}

/// −∂ℓ/∂d of DADApy (`_neg_dloglik_did`) on the filtered (μ, n₁, n₂) triples.
fn neg_dloglik(d: f64, kept: &[(f64, f64, f64)], eps: f64) -> f64 {
    let n = kept.len() as f64;
    let s: f64 = kept
        .iter()
        .map(|&(m, n1, n2)| {
            let mut one_m = 1.0 - m.powf(-d);
            if one_m < 2.0 * eps {
                one_m = 2.0 * eps;
            }
            ((1.0 - n2 + n1) / one_m + n2 - 1.0) * m.ln()
        })
        .sum();
    s - (n - 1.0) / d
}

/// ID and error at one scale from the ratios μ (modified in place like DADApy: μ = 1 → 1 +
/// 10·eps64). Returns (id, stderr, number kept by the outlier filter).
pub(crate) fn solve(
    mus: &mut [f64],
    n1: usize,
    n2: usize,
    d0: f64,
    d1: f64,
    eps: f64,
) -> Result<(f64, f64, usize)> {
    let (id, err, kept) = solve_general(mus, &|_| (n1 as f64, n2 as f64), d0, d1, eps)?;
    Ok((id, err, kept.len()))
}

/// [`solve`] with per-point orders `ord(p) = (n₁, n₂)`; also returns the filtered triples.
#[allow(clippy::type_complexity)]
fn solve_general(
    mus: &mut [f64],
    ord: &dyn Fn(usize) -> (f64, f64),
    d0: f64,
    d1: f64,
    eps: f64,
) -> Result<(f64, f64, Vec<(f64, f64, f64)>)> {
    if mus.len() < 3 {
        return Err(Error::Degenerate(format!(
            "GRIDE: {} ratios; at least 3 are needed",
            mus.len()
        )));
    }
    for m in mus.iter_mut() {
        if *m == 1.0 {
            *m += 10.0 * EPS64;
        }
    }
    let mut sorted = mus.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q95 = percentile_sorted(&sorted, 95.0);
    let q50 = percentile_sorted(&sorted, 50.0);
    let mu_max = 20.0 * (q95 - q50) + q50;
    let kept: Vec<(f64, f64, f64)> = mus
        .iter()
        .enumerate()
        .filter(|(_, m)| **m < mu_max)
        .map(|(p, &m)| {
            let (a, b) = ord(p);
            (m, a, b)
        })
        .collect();
    if kept.len() < 2 {
        return Err(Error::Degenerate(format!(
            "GRIDE: only {} ratios survive the outlier filter",
            kept.len()
        )));
    }
    let (mut lo, mut hi) = (d0, d1);
    let l1 = neg_dloglik(hi, &kept, eps);
    while (lo - hi).abs() > eps {
        let mid = (lo + hi) / 2.0;
        let l2 = neg_dloglik(mid, &kept, eps);
        if l2 * l1 > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let id = (lo + hi) / 2.0;
    // Fisher information over all ratios (DADApy `_fisher_info_scaling`, eps = 5·eps64)
    let n = mus.len() as f64;
    let reg = 5.0 * EPS64;
    let j1: f64 = mus
        .iter()
        .enumerate()
        .map(|(p, &m)| {
            let (a, b) = ord(p);
            let mut one_m = 1.0 - m.powf(-id);
            if one_m < reg {
                one_m = reg;
            }
            let f1 = m.ln() / one_m;
            (b - a - 1.0) * (f1 * f1 * m.powf(-id))
        })
        .sum();
    let j = n / (id * id) + j1;
    let err = 1.0 / j.sqrt();
    if !id.is_finite() || !err.is_finite() {
        return Err(Error::Degenerate("GRIDE: non-finite estimate".into()));
    }
    Ok((id, err, kept))
}

/// Prepare neighbours: duplicates policy, zero replacement for `Keep`.
fn prepare(nb: &Neighbors, k: usize, policy: Duplicates) -> Result<(Neighbors, usize)> {
    if k > nb.k {
        return Err(Error::KTooLarge {
            k,
            available: nb.k,
            why: "GRIDE needs neighbours up to order n2".into(),
        });
    }
    match policy {
        Duplicates::Drop => {
            let d = dedup_neighbors(nb, k)?;
            Ok((d.neighbors, d.dropped))
        }
        Duplicates::Error => {
            let count = (0..nb.rows).filter(|&i| nb.distances_of(i)[0] == 0.0).count();
            if count > 0 {
                return Err(Error::Duplicates { count });
            }
            Ok((nb.clone(), 0))
        }
        Duplicates::Keep => {
            let mut c = nb.clone();
            for v in &mut c.distances {
                if *v < EPS64 {
                    *v = EPS64;
                }
            }
            Ok((c, 0))
        }
    }
}

/// GRIDE at one scale (n₁, n₂).
///
/// # Shapes and types
/// `nb`: rows × k with k ≥ n₂, rows ≥ 3. Diagnostics: `log_mu` is not stored; `scale` =
/// mean (r_{n₁} + r_{n₂})/2.
/// # Cost
/// O(rows · k) copy + 34 · rows power evaluations (default eps).
/// # Determinism
/// Pure function of its input.
/// # Errors
/// `OutOfRange` (orders, interval), `KTooLarge`, `Duplicates`, `Degenerate`.
/// # Panics
/// Never.
/// # Reference
/// DADApy 0.3.4 `_compute_id_gride_single_scale`; fixtures `intdim/fx*.json` at 1e-7 absolute.
pub fn estimate(nb: &Neighbors, p: &Params) -> Result<IdEstimate> {
    let n2 = p.n2.unwrap_or(2 * p.n1);
    if p.n1 < 1 || n2 <= p.n1 {
        return Err(out_of_range(
            "n1, n2",
            "1 <= n1 < n2",
            format!("n1 = {}, n2 = {n2}", p.n1),
        ));
    }
    check_interval(p.d0, p.d1, p.eps)?;
    require_rows("X", nb.rows, 3, "GRIDE")?;
    let (nb2, dropped) = prepare(nb, n2, p.duplicates)?;
    let mut mus = Vec::with_capacity(nb2.rows);
    let mut scale = 0.0;
    for i in 0..nb2.rows {
        let d = nb2.distances_of(i);
        mus.push(d[n2 - 1] / d[p.n1 - 1]);
        scale += (d[n2 - 1] + d[p.n1 - 1]) / 2.0;
    }
    let (id, err, kept) = solve(&mut mus, p.n1, n2, p.d0, p.d1, p.eps)?;
    let params = json!({
        "n1": p.n1, "n2": n2, "d0": p.d0, "d1": p.d1, "eps": p.eps, "duplicates": p.duplicates.as_str()
    });
    let mut est = IdEstimate::new("gride", id, nb.rows, params);
    est.stderr = Some(err);
    est.n_used = kept;
    est.discarded = nb2.rows - kept;
    est.dropped_duplicates = dropped;
    est.diagnostics
        .push(("scale".into(), vec![scale / nb2.rows as f64]));
    Ok(est)
}

fn check_interval(d0: f64, d1: f64, eps: f64) -> Result<()> {
    if !(d0 > 0.0 && d1 > d0 && d1.is_finite() && eps > 0.0) {
        return Err(out_of_range(
            "d0, d1, eps",
            "0 < d0 < d1 < inf and eps > 0",
            format!("{d0}, {d1}, {eps}"),
        ));
    }
    Ok(())
}

/// GRIDE ID at doubling scales n₁ = 1, 2, 4, …, n₂ = 2n₁ ≤ 2^⌊log₂ min(N, range_max)⌋.
///
/// When N is itself a power of two not above `range_max` the reference fails (rank N does
/// not exist); here the last scale is dropped instead.
///
/// # Shapes and types
/// `nb`: rows × k with k ≥ the largest order (64 by default); returns one entry per scale.
/// # Cost
/// O(rows · scales) memory, 34 · rows power evaluations per scale.
/// # Determinism
/// Pure function of its input.
/// # Errors
/// `OutOfRange`, `KTooLarge`, `Duplicates`, `Degenerate`.
/// # Panics
/// Never.
/// # Reference
/// DADApy 0.3.4 `return_id_scaling_gride`; fixtures `intdim/fx*.json` at 1e-7 absolute.
pub fn scaling(nb: &Neighbors, p: &ScalingParams) -> Result<Scaling> {
    check_interval(p.d0, p.d1, p.eps)?;
    if p.range_max < 2 {
        return Err(out_of_range("rangeMax", "an integer >= 2", p.range_max));
    }
    let n = nb.rows;
    require_rows("X", n, 3, "GRIDE")?;
    let max_rank = n.min(p.range_max);
    let mut max_step = max_rank.ilog2() as usize;
    // rank 2^max_step must be a neighbour of every row: 2^max_step <= N - 1
    while max_step > 0 && (1usize << max_step) > n - 1 {
        max_step -= 1;
    }
    let top = 1usize << max_step;
    let (nb2, dropped) = prepare(nb, top, p.duplicates)?;
    let mut out = Scaling {
        ranks: vec![],
        dimensions: vec![],
        stderr: vec![],
        scales: vec![],
        dropped_duplicates: dropped,
    };
    for i in 0..max_step {
        let n1 = 1usize << i;
        let n2 = 2 * n1;
        let mut mus = Vec::with_capacity(nb2.rows);
        let mut scale = 0.0;
        for r in 0..nb2.rows {
            let d = nb2.distances_of(r);
            mus.push(d[n2 - 1] / d[n1 - 1]);
            scale += (d[n1 - 1] + d[n2 - 1]) / 2.0;
        }
        let (id, err, _) = solve(&mut mus, n1, n2, p.d0, p.d1, p.eps)?;
        out.ranks.push(n2);
        out.dimensions.push(id);
        out.stderr.push(err);
        out.scales.push(scale / nb2.rows as f64);
    }
    Ok(out)
}

/// Parameters of the adaptive k*-GRIDE; `Default` = DADApy `Data.return_ids_kstar_gride()`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct KstarParams {
    /// Starting ID (None → TwoNN regression with discard 0.1 = DADApy `compute_id_2NN()`).
    pub initial_id: Option<f64>,
    /// Iterations (5).
    pub n_iter: usize,
    /// Significance of the density-homogeneity test (1e-6).
    pub alpha: f64,
    /// Largest neighbour order considered (None → min(100, N − 1), DADApy's `maxk`).
    pub maxk: Option<usize>,
    /// Bonferroni correction over points (false).
    pub bonferroni_deloc: bool,
    /// Bonferroni correction over the successive tests of one point (false).
    pub bonferroni_loc: bool,
    /// Lower end of the bisection interval (0.001).
    pub d0: f64,
    /// Upper end of the bisection interval (1000).
    pub d1: f64,
    /// Bisection tolerance (1e-7).
    pub eps: f64,
    /// Duplicates policy; `Error` (default) and `Keep` refuse zero distances (the reference
    /// raises in its initial TwoNN), `Drop` deduplicates.
    pub duplicates: Duplicates,
}

impl Default for KstarParams {
    fn default() -> Self {
        Self {
            initial_id: None,
            n_iter: 5,
            alpha: 1e-6,
            maxk: None,
            bonferroni_deloc: false,
            bonferroni_loc: false,
            d0: 0.001,
            d1: 1000.0,
            eps: 1e-7,
            duplicates: Duplicates::Error,
        }
    }
}

/// Result of the adaptive k*-GRIDE.
#[derive(Debug, Clone, PartialEq)]
pub struct Kstar {
    /// ID after each iteration, the initial one first (n_iter + 1 values).
    pub ids: Vec<f64>,
    /// Errors (0 for the initial TwoNN, as DADApy).
    pub stderr: Vec<f64>,
    /// k* of every (kept) row for each ID (n_iter + 1 vectors).
    pub kstars: Vec<Vec<usize>>,
    /// Log-likelihood at each iteration's ID (0 for the initial one).
    pub log_likelihoods: Vec<f64>,
    /// Mean of r_{n₁} and r_{n₂} with the last iteration's orders.
    pub scale: f64,
    /// Rows removed as duplicates.
    pub dropped_duplicates: usize,
}

/// χ²₁ inverse survival function: (√2·erfc⁻¹(α))².
fn chi2_1_isf(alpha: f64) -> f64 {
    let z = statrs::function::erf::erfc_inv(alpha);
    2.0 * z * z
}

/// k* of every row (DADApy `_compute_kstar`): the largest neighbourhood over which the
/// density is compatible with a constant, by a likelihood-ratio test against the j-th
/// neighbour's neighbourhood.
fn compute_kstar(nb: &Neighbors, id: f64, maxk: usize, p: &KstarParams) -> Vec<usize> {
    let n = nb.rows;
    let prefactor =
        (id / 2.0 * std::f64::consts::PI.ln() - statrs::function::gamma::ln_gamma((id + 2.0) / 2.0)).exp();
    let alpha_eff = if p.bonferroni_deloc {
        p.alpha / n as f64
    } else {
        p.alpha
    };
    let thr = chi2_1_isf(alpha_eff);
    let thr_loc: Vec<f64> = if p.bonferroni_loc {
        (0..maxk)
            .map(|h| chi2_1_isf(alpha_eff / (h + 1) as f64))
            .collect()
    } else {
        Vec::new()
    };
    // DADApy column c (self at 0) is our column c − 1
    let r = |i: usize, c: usize| nb.distances_of(i)[c - 1];
    (0..n)
        .map(|i| {
            let mut j = 4usize;
            let mut h = 0usize;
            while j < maxk {
                let ksel = j - 1;
                let vvi = prefactor * r(i, ksel).powf(id);
                let m = nb.indices_of(i)[j - 1] as usize;
                let vvj = prefactor * r(m, ksel).powf(id);
                let dl = -2.0 * ksel as f64 * (vvi.ln() + vvj.ln() - 2.0 * (vvi + vvj).ln() + 4f64.ln());
                let t = if p.bonferroni_loc { thr_loc[h] } else { thr };
                if dl > t {
                    break;
                }
                j += 1;
                h += 1;
            }
            j - 1
        })
        .collect()
}

/// Adaptive GRIDE with a per-point scale k* (DADApy `Data.return_ids_kstar_gride`): alternate
/// k* from the current ID and the GRIDE ID with per-point orders n₂ = k* (rounded up to even),
/// n₁ = n₂/2.
///
/// # Shapes and types
/// `nb`: N × k neighbours with k ≥ maxk (min(100, N − 1) by default).
/// # Cost
/// O(n_iter · N · maxk) for k* plus 34 · N power evaluations per iteration.
/// # Determinism
/// Pure function of its input.
/// # Errors
/// `OutOfRange`, `KTooLarge`, `Duplicates`, `Degenerate`.
/// # Panics
/// Never.
/// # Reference
/// DADApy 0.3.4 `Data.return_ids_kstar_gride` and Cython `_compute_kstar`; fixtures
/// `intdim/fx*.json` (ids at 1e-6, k* exact).
pub fn kstar(nb: &Neighbors, p: &KstarParams) -> Result<Kstar> {
    check_interval(p.d0, p.d1, p.eps)?;
    if !(p.alpha > 0.0 && p.alpha < 1.0) {
        return Err(out_of_range("alpha", "in (0, 1)", p.alpha));
    }
    let n0 = nb.rows;
    require_rows("X", n0, 6, "k*-GRIDE")?;
    let maxk = p.maxk.unwrap_or(100.min(n0 - 1));
    if maxk < 5 {
        return Err(out_of_range("maxk", "an integer >= 5", maxk));
    }
    crate::common::check_indices(nb, n0)?;
    let policy = if p.duplicates == Duplicates::Keep {
        Duplicates::Error
    } else {
        p.duplicates
    };
    let (nb, dropped) = if policy == Duplicates::Drop {
        // k* reads neighbours of neighbours: renumber the kept rows
        let d = dedup_neighbors(nb, maxk)?;
        let mut pos = vec![u32::MAX; nb.rows];
        for (new, &old) in d.kept.iter().enumerate() {
            pos[old] = new as u32;
        }
        let mut m = d.neighbors;
        for j in &mut m.indices {
            *j = pos[*j as usize];
        }
        (m, d.dropped)
    } else {
        prepare(nb, maxk, policy)?
    };
    let n = nb.rows;
    let id0 = match p.initial_id {
        Some(v) if v > 0.0 && v.is_finite() => v,
        Some(v) => return Err(out_of_range("initialId", "a finite number > 0", v)),
        None => crate::twonn::estimate(&nb, &crate::twonn::Params::default())?.dimension,
    };
    let mut out = Kstar {
        ids: vec![id0],
        stderr: vec![0.0],
        kstars: vec![compute_kstar(&nb, id0, maxk, p)],
        log_likelihoods: vec![0.0],
        scale: 0.0,
        dropped_duplicates: dropped,
    };
    let mut orders: Vec<(usize, usize)> = Vec::new();
    for _ in 0..p.n_iter {
        let ks = out.kstars.last().cloned().unwrap_or_default();
        orders = ks
            .iter()
            .map(|&k| {
                let n2 = if k % 2 == 0 { k } else { k + 1 };
                (n2 / 2, n2)
            })
            .collect();
        let mut mus: Vec<f64> = (0..n)
            .map(|i| {
                let d = nb.distances_of(i);
                let (a, b) = orders[i];
                d[b - 1] / d[a - 1]
            })
            .collect();
        let ord = |i: usize| (orders[i].0 as f64, orders[i].1 as f64);
        let (id, err, kept) = solve_general(&mut mus, &ord, p.d0, p.d1, p.eps)?;
        let lb = |a: f64, b: f64| {
            use statrs::function::gamma::ln_gamma;
            ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
        };
        let nk = kept.len() as f64;
        let ll = (nk - 1.0) * id.ln()
            + kept
                .iter()
                .map(|&(m, a, b)| (b - a - 1.0) * (m.powf(id) - 1.0).ln())
                .sum::<f64>()
            - kept.iter().map(|&(_, a, b)| lb(b - a, a)).sum::<f64>()
            - kept
                .iter()
                .map(|&(m, _, b)| ((b - 1.0) * id + 1.0) * m.ln())
                .sum::<f64>();
        out.ids.push(id);
        out.stderr.push(err);
        out.log_likelihoods.push(ll);
        out.kstars.push(compute_kstar(&nb, id, maxk, p));
    }
    if !orders.is_empty() {
        let s: f64 = (0..n)
            .map(|i| {
                let d = nb.distances_of(i);
                d[orders[i].0 - 1] + d[orders[i].1 - 1]
            })
            .sum();
        out.scale = s / (2 * n) as f64;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_threshold_matches_scipy() {
        // scipy.stats.chi2.isf(1e-6, 1) = 23.928126976934827 (id-estimators.md §3.3)
        assert!((chi2_1_isf(1e-6) - 23.928_126_976_934_827).abs() < 1e-10);
    }
}
