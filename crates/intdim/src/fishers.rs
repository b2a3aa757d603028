//! FisherS, Fisher-separability ID (Albergante, Bac, Zinovyev 2019): the fraction of points
//! that are not α-separable (by Fisher's linear discriminant) from a given point is compared
//! with its value for the uniform n-sphere, p(α, n) ≈ (1 − α²)^((n−1)/2)/(α√(2πn)), and
//! inverted through the Lambert W function.

use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Result};
use serde_json::json;

use crate::common::{check_cols, out_of_range, IdEstimate};
use crate::linalg::{centered, svd_seq};
use crate::special::lambert_w0;

/// Rows per chunk of the Gram pass.
const GRAM_CHUNK: usize = 64;

/// FisherS parameters; `Default` = scikit-dimension 0.5.0 `FisherS()`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Keep principal components with λ_j/λ₁ > 1/conditional_number (10).
    pub conditional_number: f64,
    /// Project the whitened points on the unit sphere (true).
    pub project_on_sphere: bool,
    /// Margins α in (0, 1), ascending (None → numpy `arange(0.6, 1, 0.02)`, 20 values).
    pub alphas: Option<Vec<f64>>,
    /// Clip the result to the ambient dimension (false).
    pub limit_maxdim: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            conditional_number: 10.0,
            project_on_sphere: true,
            alphas: None,
            limit_maxdim: false,
        }
    }
}

/// numpy `arange(0.6, 1, 0.02)`: 0.6 + i·δ with δ = (0.6 + 0.02) − 0.6.
#[must_use]
pub fn default_alphas() -> Vec<f64> {
    let delta = (0.6f64 + 0.02) - 0.6;
    (0..20).map(|i| 0.6 + f64::from(i) * delta).collect()
}

/// FisherS intrinsic dimension.
///
/// # Shapes and types
/// `x`: N × D (f32/f64), N ≥ 2, D ≥ 2. Diagnostics `alphas`, `n_alpha` (NaN where the
/// inseparability is 0), `p_alpha_mean`, `separable_fraction`.
/// # Cost
/// PCA O(N·D·min(N, D)) + Gram pass O(N²·D') time; memory O(N·D') (no N × N buffer).
/// # Determinism
/// Sequential SVD and fixed chunks: identical for every `ctl.par`.
/// # Errors
/// `Empty`, `NonFinite`, `OutOfRange` (alphas), `Degenerate` (zero rows after projection, no
/// finite n(α): all points fully separable), `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `skdim.id.FisherS`; fixtures `intdim/fx*.json` at 1e-8.
pub fn estimate<T: Element>(x: MatRef<'_, T>, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    embgeo_core::scale::with_scaled(x, |x, _| estimate_unscaled(x, p, ctl))
}

/// [`estimate`] on data in the safe magnitude range.
fn estimate_unscaled<T: Element>(x: MatRef<'_, T>, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    x.require_rows("X", 2, "FisherS")?;
    check_cols(&x, "FisherS")?;
    x.check_finite("X")?;
    let alphas = p.alphas.clone().unwrap_or_else(default_alphas);
    if alphas.is_empty()
        || alphas.iter().any(|a| !(*a > 0.0 && *a < 1.0))
        || alphas.windows(2).any(|w| w[1] <= w[0])
    {
        return Err(out_of_range(
            "alphas",
            "ascending values in (0, 1)",
            format!("{alphas:?}"),
        ));
    }
    if !(p.conditional_number > 0.0) {
        return Err(out_of_range("conditionalNumber", "> 0", p.conditional_number));
    }
    let n = x.rows();
    // 1-3: centre, PCA, keep components, whiten (scores / std with ddof = 1)
    let xc = centered(&x, None);
    let (s, v) = svd_seq(&xc, true)?;
    let v = v.ok_or_else(|| Error::Internal("svd vectors".into()))?;
    let ev: Vec<f64> = s.iter().map(|s| s * s / (n - 1) as f64).collect();
    let keep: Vec<usize> = (0..ev.len())
        .filter(|&j| ev[j] / ev[0] > 1.0 / p.conditional_number)
        .collect();
    if keep.is_empty() {
        return Err(Error::Degenerate("FisherS: the data have zero variance".into()));
    }
    let m = keep.len();
    let mut z = vec![0.0f64; n * m];
    for i in 0..n {
        for (c, &j) in keep.iter().enumerate() {
            let mut acc = 0.0;
            for t in 0..x.cols() {
                acc += xc[(i, t)] * v[(t, j)];
            }
            z[i * m + c] = acc;
        }
    }
    for c in 0..m {
        let mean = (0..n).map(|i| z[i * m + c]).sum::<f64>() / n as f64;
        let var = (0..n).map(|i| (z[i * m + c] - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        for i in 0..n {
            z[i * m + c] /= sd;
        }
    }
    if p.project_on_sphere {
        for i in 0..n {
            let r = z[i * m..(i + 1) * m].iter().map(|a| a * a).sum::<f64>().sqrt();
            if r == 0.0 {
                return Err(Error::Degenerate(format!(
                    "FisherS: row {i} is at the centre after whitening (cannot project on the sphere)"
                )));
            }
            for a in &mut z[i * m..(i + 1) * m] {
                *a /= r;
            }
        }
    }
    // 4-7: p_α(i) = #{j ≠ i : <z_i, z_j>/<z_i, z_i> >= α} / (N − 1)
    let na = alphas.len();
    let counts = map_chunks(ctl, "fishers", n, GRAM_CHUNK, |range| {
        let mut out = Vec::with_capacity(range.len() * na);
        for i in range {
            let zi = &z[i * m..(i + 1) * m];
            let leng: f64 = zi.iter().map(|a| a * a).sum();
            let mut c = vec![0u32; na + 1];
            for j in 0..n {
                if j == i {
                    continue;
                }
                let q = zi
                    .iter()
                    .zip(&z[j * m..(j + 1) * m])
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    / leng;
                c[alphas.partition_point(|&a| a <= q)] += 1;
            }
            // number of values >= alpha_t = sum of buckets above t
            let mut acc = 0u32;
            let mut row = vec![0u32; na];
            for t in (0..na).rev() {
                acc += c[t + 1];
                row[t] = acc;
            }
            out.extend(row);
        }
        Ok(out)
    })?;
    let counts: Vec<u32> = counts.into_iter().flatten().collect();
    let denom = (n - 1) as f64;
    let mut p_mean = vec![0.0; na];
    let mut separable = vec![0.0; na];
    for i in 0..n {
        for t in 0..na {
            let c = counts[i * na + t];
            p_mean[t] += f64::from(c) / denom;
            if c == 0 {
                separable[t] += 1.0;
            }
        }
    }
    for t in 0..na {
        p_mean[t] /= n as f64;
        separable[t] /= n as f64;
    }
    let n_alpha: Vec<f64> = (0..na)
        .map(|t| {
            let py = p_mean[t];
            if py == 0.0 {
                return f64::NAN;
            }
            let a2 = alphas[t] * alphas[t];
            let w = (1.0 - a2).ln();
            let v = lambert_w0(-(w / (2.0 * std::f64::consts::PI * py * py * a2 * (1.0 - a2)))) / (-w);
            if v.is_infinite() {
                f64::NAN
            } else {
                v
            }
        })
        .collect();
    // 8: selection
    let finite: Vec<usize> = (0..na).filter(|&t| !n_alpha[t].is_nan()).collect();
    let Some(alpha_max) = finite.iter().map(|&t| alphas[t]).reduce(f64::max) else {
        return Err(Error::Degenerate(
            "FisherS: all points are fully separable for every alpha (the ID is too high for this many points)".into(),
        ));
    };
    let alpha_ref = alpha_max * 0.9;
    let best = alphas
        .iter()
        .map(|a| (a - alpha_ref).abs())
        .fold(f64::INFINITY, f64::min);
    let mut dim = f64::NEG_INFINITY;
    for &t in &finite {
        if (alphas[t] - alpha_ref).abs() == best {
            dim = dim.max(n_alpha[t]);
        }
    }
    if !dim.is_finite() {
        return Err(Error::Degenerate(
            "FisherS: the alpha closest to 0.9 * alpha_max has no finite estimate".into(),
        ));
    }
    if p.limit_maxdim {
        dim = dim.min(x.cols() as f64);
    }
    let params = json!({
        "conditionalNumber": p.conditional_number, "projectOnSphere": p.project_on_sphere,
        "alphas": alphas, "limitMaxdim": p.limit_maxdim
    });
    let mut est = IdEstimate::new("fishers", dim, n, params);
    est.diagnostics.push(("alphas".into(), alphas));
    est.diagnostics.push(("n_alpha".into(), n_alpha));
    est.diagnostics.push(("p_alpha_mean".into(), p_mean));
    est.diagnostics.push(("separable_fraction".into(), separable));
    Ok(est)
}
