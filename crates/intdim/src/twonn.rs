//! TwoNN (Facco, d'Errico, Rodriguez, Laio 2017): the ratio μ = r₂/r₁ of second to first
//! neighbour distances is Pareto(1, d) on a locally uniform manifold.
//!
//! Three estimators of d from the μᵢ:
//! - [`Estimator::Regression`] (scikit-dimension `TwoNN(method='linear')`, DADApy
//!   `compute_id_2NN(algorithm='base')`): keep the ⌊N(1 − f)⌋ smallest μ, fit
//!   −ln(1 − i/N) = d·ln μ₍ᵢ₎ through the origin;
//! - [`Estimator::Mle`] (scikit-dimension 0.5 `method='mle'`): censored unbiased MLE
//!   (n − 1)/(Σ_{i≤n} ln μ₍ᵢ₎ + (N − n)·ln μ₍ₙ₎); with `discard_fraction = 0` this is DADApy's
//!   `algorithm='ml'`, (N − 1)/Σ ln μ;
//! - [`Estimator::Bayes`] (DADApy `compute_id_2NN_wprior`): Gamma(α, β) prior, posterior mean
//!   (α + N)/(β + Σ ln μ) and standard deviation √(α + N)/(β + Σ ln μ), over all points.

use embgeo_core::{Error, Neighbors, Result};
use serde_json::json;

use crate::common::{apply_policy, ensure_finite, out_of_range, require_rows, Duplicates, IdEstimate};

/// Which estimator of d from the ratios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Estimator {
    /// Least-squares line through the origin (Facco et al.).
    Regression,
    /// Censored unbiased maximum likelihood (scikit-dimension 0.5 `method='mle'`).
    Mle,
    /// Gamma-prior posterior (DADApy `compute_id_2NN_wprior`).
    Bayes,
}

impl Estimator {
    /// Public spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Estimator::Regression => "regression",
            Estimator::Mle => "mle",
            Estimator::Bayes => "bayes",
        }
    }
}

/// TwoNN parameters; `Default` = scikit-dimension 0.5.0 `TwoNN()`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Fraction of the largest ratios discarded (0.1). Must be in \[0, 1); 0 is an error for
    /// the regression (the last empirical CDF value would be 1 and −ln 0 = ∞).
    pub discard_fraction: f64,
    /// Estimator (regression).
    pub estimator: Estimator,
    /// Gamma prior shape α for [`Estimator::Bayes`] (DADApy default 2).
    pub prior_alpha: f64,
    /// Gamma prior rate β for [`Estimator::Bayes`] (DADApy default 5).
    pub prior_beta: f64,
    /// Posterior mean (true, DADApy default) or mode (α + N − 1)/(β + S).
    pub posterior_mean: bool,
    /// Duplicates policy; default `Keep` = scikit-dimension 0.5.0: rows with r₁ = 0 are
    /// excluded (reported in `dropped_duplicates`) and N counts the remaining rows.
    pub duplicates: Duplicates,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            discard_fraction: 0.1,
            estimator: Estimator::Regression,
            prior_alpha: 2.0,
            prior_beta: 5.0,
            posterior_mean: true,
            duplicates: Duplicates::Keep,
        }
    }
}

/// TwoNN intrinsic dimension from first and second neighbour distances.
///
/// # Shapes and types
/// `nb`: rows × k neighbours, k ≥ 2 (only the first two columns are read), rows ≥ 2.
/// Returns an [`IdEstimate`]; diagnostics `log_mu` (sorted, kept) and, for the regression,
/// `neg_log_1m_f` (−ln(1 − i/N)); `scale` = DADApy's mean of (r₁ + r₂)/2.
/// # Cost
/// O(rows log rows) time, O(rows) memory.
/// # Determinism
/// Pure function of its input.
/// # Errors
/// `Empty` (rows < 2 or fewer than 2 ratios kept), `KTooLarge` (k < 2), `OutOfRange`
/// (discard fraction), `Duplicates` under `Duplicates::Error`, `Degenerate` if all ratios are 1.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `skdim.id.TwoNN`, DADApy 0.3.4 `compute_id_2NN` /
/// `compute_id_2NN_wprior`; fixtures `intdim/fx*.json` at rtol 1e-12 (1e-9 for DADApy 'base').
pub fn estimate(nb: &Neighbors, p: &Params) -> Result<IdEstimate> {
    let f = p.discard_fraction;
    if !(0.0..1.0).contains(&f) {
        return Err(out_of_range("discardFraction", "in [0, 1)", f));
    }
    if p.estimator == Estimator::Regression && f == 0.0 {
        return Err(out_of_range(
            "discardFraction",
            "> 0 for the regression estimator (with 0 the last CDF value is 1 and -ln(0) = inf; use estimator 'mle')",
            f,
        ));
    }
    if p.estimator == Estimator::Bayes && !(p.prior_alpha > 0.0 && p.prior_beta > 0.0) {
        return Err(out_of_range(
            "prior",
            "alpha > 0 and beta > 0",
            format!("({}, {})", p.prior_alpha, p.prior_beta),
        ));
    }
    require_rows("X", nb.rows, 2, "TwoNN")?;
    if nb.k < 2 {
        return Err(Error::KTooLarge {
            k: 2,
            available: nb.k,
            why: "TwoNN needs the first two neighbours".into(),
        });
    }
    let n_samples = nb.rows;
    let mut owned = None;
    let (rows_nb, _, dropped) = apply_policy(nb, 2, p.duplicates, &mut owned)?;
    let mut mu = Vec::with_capacity(rows_nb.rows);
    let mut scale_sum = 0.0;
    let mut excluded = dropped;
    for i in 0..rows_nb.rows {
        let d = rows_nb.distances_of(i);
        if d[0] == 0.0 {
            // reference: r2 / 0 is +inf or NaN and the row is dropped with a warning
            excluded += 1;
            continue;
        }
        mu.push(d[1] / d[0]);
        scale_sum += (d[0] + d[1]) / 2.0;
    }
    let n = mu.len();
    require_rows("rows with r1 > 0", n, 2, "TwoNN")?;
    mu.sort_by(f64::total_cmp);
    let log_mu: Vec<f64> = mu.iter().map(|m| m.ln()).collect();
    let n_f = n as f64;
    let n_keep = (n_f * (1.0 - f)) as usize;
    let params = json!({
        "discardFraction": f,
        "estimator": p.estimator.as_str(),
        "priorAlpha": p.prior_alpha,
        "priorBeta": p.prior_beta,
        "posteriorMean": p.posterior_mean,
        "duplicates": p.duplicates.as_str(),
    });
    let mut est;
    match p.estimator {
        Estimator::Regression | Estimator::Mle => {
            require_rows("kept ratios", n_keep, 2, "TwoNN")?;
            let x = &log_mu[..n_keep];
            if p.estimator == Estimator::Regression {
                let y: Vec<f64> = (1..=n_keep).map(|i| -(1.0 - i as f64 / n_f).ln()).collect();
                let sxy: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
                let sxx: f64 = x.iter().map(|a| a * a).sum();
                if sxx == 0.0 {
                    return Err(Error::Degenerate(
                        "TwoNN: every kept ratio r2/r1 is 1 (equidistant neighbours)".into(),
                    ));
                }
                est = IdEstimate::new(
                    "twonn",
                    ensure_finite(sxy / sxx, "TwoNN slope")?,
                    n_samples,
                    params,
                );
                est.diagnostics.push(("neg_log_1m_f".into(), y));
            } else {
                let s: f64 = x.iter().sum::<f64>() + (n - n_keep) as f64 * x[n_keep - 1];
                if s <= 0.0 {
                    return Err(Error::Degenerate(
                        "TwoNN: every kept ratio r2/r1 is 1 (equidistant neighbours)".into(),
                    ));
                }
                let d = (n_keep - 1) as f64 / s;
                est = IdEstimate::new("twonn", d, n_samples, params);
                // Var of the unbiased censored-exponential MLE: d² / (n - 2)
                if n_keep > 2 {
                    est.stderr = Some(d / ((n_keep - 2) as f64).sqrt());
                }
            }
            est.n_used = n_keep;
            est.discarded = n - n_keep;
            est.diagnostics.insert(0, ("log_mu".into(), x.to_vec()));
        }
        Estimator::Bayes => {
            let s: f64 = log_mu.iter().sum();
            let a = p.prior_alpha + n_f;
            let b = p.prior_beta + s;
            let d = if p.posterior_mean { a / b } else { (a - 1.0) / b };
            est = IdEstimate::new("twonn", d, n_samples, params);
            est.stderr = Some(a.sqrt() / b);
            est.n_used = n;
            est.diagnostics.push(("log_mu".into(), log_mu));
        }
    }
    est.dropped_duplicates = excluded;
    est.diagnostics.push(("scale".into(), vec![scale_sum / n_f]));
    Ok(est)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nb_from(r: &[(f64, f64)]) -> Neighbors {
        let n = r.len();
        let mut d = Vec::new();
        let mut idx = Vec::new();
        for (i, (a, b)) in r.iter().enumerate() {
            d.extend([*a, *b]);
            idx.extend([((i + 1) % n) as u32, ((i + 2) % n) as u32]);
        }
        Neighbors::new(2, n, idx, d).unwrap()
    }

    #[test]
    fn regression_is_the_closed_form_slope() {
        // μ = e^{1/2}, e^{1}, e^{3/2}, e^{2}; N = 4, f = 0.25 keeps 3: x = 0.5, 1, 1.5,
        // y = -ln(1 - i/4) for i = 1..3
        let nb = nb_from(&[
            (1.0, 0.5f64.exp()),
            (1.0, 1f64.exp()),
            (1.0, 1.5f64.exp()),
            (1.0, 2f64.exp()),
        ]);
        let p = Params {
            discard_fraction: 0.25,
            ..Params::default()
        };
        let e = estimate(&nb, &p).unwrap();
        let y: Vec<f64> = (1..=3).map(|i| -(1.0 - f64::from(i) / 4.0).ln()).collect();
        let want = (0.5 * y[0] + y[1] + 1.5 * y[2]) / (0.25 + 1.0 + 2.25);
        assert!((e.dimension - want).abs() < 1e-14);
        assert_eq!((e.n_used, e.discarded), (3, 1));
    }

    #[test]
    fn zero_first_distance_is_excluded_under_keep_and_refused_under_error() {
        let nb = nb_from(&[(0.0, 1.0), (1.0, 2.0), (1.0, 3.0), (1.0, 4.0)]);
        let e = estimate(
            &nb,
            &Params {
                discard_fraction: 0.2,
                ..Params::default()
            },
        )
        .unwrap();
        assert_eq!(e.dropped_duplicates, 1);
        let p = Params {
            duplicates: Duplicates::Error,
            ..Params::default()
        };
        assert_eq!(estimate(&nb, &p).unwrap_err().code(), "ERR_DUPLICATES");
    }

    #[test]
    fn zero_discard_is_an_error_for_regression_only() {
        let nb = nb_from(&[(1.0, 2.0), (1.0, 3.0), (1.0, 4.0)]);
        let p = Params {
            discard_fraction: 0.0,
            ..Params::default()
        };
        assert_eq!(estimate(&nb, &p).unwrap_err().code(), "ERR_OUT_OF_RANGE");
        let p = Params {
            discard_fraction: 0.0,
            estimator: Estimator::Mle,
            ..Params::default()
        };
        let s = 2f64.ln() + 3f64.ln() + 4f64.ln();
        assert!((estimate(&nb, &p).unwrap().dimension - 2.0 / s).abs() < 1e-15);
    }
}
