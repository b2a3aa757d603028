//! DANCo (Ceruti, Bassis, Rozza, Lombardi, Casiraghi, Campadelli, Pattern Recognition 2014):
//! compares the statistics of the data — the MiND_MLk estimate d̂ from neighbour-distance
//! ratios and the mean von Mises parameters (μ_ν, μ_τ) of neighbour angles — with those of
//! uniform m-balls of the same size for m = 1..D, and returns the m of smallest
//! Kullback–Leibler divergence (optionally refined on a cubic spline, `fractal`).
//!
//! The calibration is random: it is drawn here with a seeded ChaCha8 generator (the reference
//! uses numpy's legacy MT19937), so estimates agree with the reference statistically; given
//! the same calibration statistics ([`Calibration`]) the KL vector and integer estimate agree
//! to ~1e-9. As in the reference, calibration d̂ values are computed with MLi over 1..k and
//! bounds \[0, k] (a porting bug of scikit-dimension; [`Params::fix_calibration_dmax`] uses the
//! R original's 2m + 5).

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use statrs::function::gamma::digamma;

use crate::common::{
    apply_policy, check_x, map_rows, out_of_range, require_rows, scaled_estimator, Duplicates, IdEstimate,
};
use crate::datasets::hyper_ball;
use crate::mind_ml::mind;
use crate::special::bessel_i;
use embgeo_knn::metric::dot;

/// The three statistics of a data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// MiND_MLk estimate.
    pub dhat: f64,
    /// Mean von Mises location of neighbour angles.
    pub mu_nu: f64,
    /// Mean von Mises concentration of neighbour angles.
    pub mu_tau: f64,
}

/// Calibration statistics of uniform m-balls, m = 1..=stats.len(), for one (k, N).
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Neighbourhood size.
    pub k: usize,
    /// Number of points of each calibration ball.
    pub n: usize,
    /// Statistics per dimension m (index m − 1).
    pub stats: Vec<Stats>,
}

/// DANCo parameters; `Default` = scikit-dimension 0.5.0 `DANCo()` (k = 10, D = ambient,
/// fractal) with seed 0.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Neighbourhood size (10); k ≥ N becomes N − 2 as in the reference.
    pub k: usize,
    /// Largest candidate dimension (None → ambient dimension).
    pub max_dim: Option<usize>,
    /// Refine the integer minimum on a spline of the KL curve (true).
    pub fractal: bool,
    /// Seed of the calibration sampler (0).
    pub seed: u64,
    /// Reuse calibration statistics (must match k and N; extended if shorter than D).
    #[serde(skip)]
    pub calibration: Option<Calibration>,
    /// Compute calibration d̂ with D = 2m + 5 (R original) instead of the reference's k (false).
    pub fix_calibration_dmax: bool,
    /// Duplicates policy; default `Error` (zero vectors make the angles undefined: NaN in the
    /// reference).
    pub duplicates: Duplicates,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            k: 10,
            max_dim: None,
            fractal: true,
            seed: 0,
            calibration: None,
            fix_calibration_dmax: false,
            duplicates: Duplicates::Error,
        }
    }
}

/// A⁻¹(η), the piecewise approximation of the reference.
fn a_inv(eta: f64) -> f64 {
    if eta < 0.53 {
        2.0 * eta + eta.powi(3) + 5.0 * eta.powi(5) / 6.0
    } else if eta < 0.85 {
        -0.4 + 1.39 * eta + 0.43 / (1.0 - eta)
    } else {
        1.0 / (eta.powi(3) - 4.0 * eta.powi(2) + 3.0 * eta)
    }
}

/// Statistics of a data set from its coordinates (row-major f64 via `row`) and neighbours
/// (≥ k + 1 columns): d̂ = MiND_MLk(k, `dmax`), angles of the first k neighbours.
/// O(n·k²·D) time; points split over the pool (progress phase `"angles"`), their terms summed in
/// row order, so the result does not depend on it. `Degenerate`, `Cancelled`.
fn statistics<'a>(
    row: &(dyn Fn(usize) -> Vec<f64> + Sync + 'a),
    nb: &Neighbors,
    k: usize,
    dmax: usize,
    ambient: usize,
    ctl: &Ctl<'_>,
) -> Result<Stats> {
    let n = nb.rows;
    let mut rhos = Vec::with_capacity(n);
    for i in 0..n {
        let d = nb.distances_of(i);
        rhos.push(d[0] / d[k]);
    }
    let (_, dhat) = mind(&rhos, k, dmax, false);
    // per point (ν, A⁻¹(η)) in parallel, summed in row order: the same bits for any pool
    let per_point = map_rows(ctl, "angles", n, |i| {
        let xi = row(i);
        let vecs: Vec<Vec<f64>> = nb.indices_of(i)[..k]
            .iter()
            .map(|&j| row(j as usize).iter().zip(&xi).map(|(a, b)| a - b).collect())
            .collect();
        let lens: Vec<f64> = vecs.iter().map(|v| dot(v, v).sqrt()).collect();
        let (mut ss, mut sc) = (0.0, 0.0);
        let mut m = 0usize;
        for a in 0..k {
            for b in a + 1..k {
                let mut c = dot(&vecs[a], &vecs[b]) / (lens[a] * lens[b]);
                if c > 1.0 {
                    c = 1.0;
                }
                let th = c.acos();
                ss += th.sin();
                sc += th.cos();
                m += 1;
            }
        }
        let nu = (ss / sc).atan();
        let mf = m as f64;
        let eta = ((sc / mf).powi(2) + (ss / mf).powi(2)).sqrt();
        Ok((nu, a_inv(eta)))
    })?;
    let (mut sum_nu, mut sum_tau) = (0.0, 0.0);
    for (nu, tau) in per_point {
        sum_nu += nu;
        sum_tau += tau;
    }
    // reference: one-dimensional data get mu_tau = 1 (the angles are 0 or pi, A^-1(1) = inf)
    let mu_tau = if ambient == 1 { 1.0 } else { sum_tau / n as f64 };
    let s = Stats {
        dhat,
        mu_nu: sum_nu / n as f64,
        mu_tau,
    };
    if s.dhat.is_nan() || s.mu_nu.is_nan() || s.mu_tau.is_nan() {
        return Err(Error::Degenerate(
            "DANCo: undefined angle statistics (zero neighbour vectors: duplicates?)".into(),
        ));
    }
    Ok(s)
}

/// Kullback–Leibler divergence between data and calibration statistics (reference `_KL`).
#[must_use]
pub fn kl(data: &Stats, cal: &Stats, k: usize) -> f64 {
    let hk: f64 = (1..=k).map(|i| 1.0 / i as f64).sum();
    let quo = cal.dhat / data.dhat;
    let mut s = 0.0;
    let mut binom = 1.0f64;
    for i in 0..=k {
        let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
        s += sign * binom * digamma(1.0 + i as f64 / quo);
        binom = binom * (k - i) as f64 / (i + 1) as f64;
    }
    let kld = hk * quo - quo.ln() - (k as f64 - 1.0) * s;
    let cap = |v: f64| v.min(f64::MAX);
    let (t1, t2) = (data.mu_tau, cal.mu_tau);
    let i0_1 = cap(bessel_i(0, t1));
    let klnt = (cap(bessel_i(0, t2)) / i0_1).ln()
        + cap(bessel_i(1, t1)) / i0_1 * (t1 - t2 * (data.mu_nu - cal.mu_nu).cos());
    kld + klnt
}

/// Build (or extend) calibration statistics up to `dmax` for `n` points and neighbourhood `k`.
///
/// # Shapes and types
/// Returns `dmax` statistics.
/// # Cost
/// For each new m: an m-ball sample of n points, its exact kNN (`embgeo_knn::all_points`, f64,
/// GEMM tiles: about n²·m multiply-adds) and O(n·k²·m) angles. In all O(n²·dmax²/2)
/// multiply-adds.
/// # Determinism
/// Function of (k, n, dmax, seed); each m uses its own ChaCha8 stream, so extending a table
/// gives the same values as building it at once.
/// # Errors
/// `OutOfRange`, `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension `DANCo._increaseMaxDimByOne` (statistically; the reference uses MT19937).
pub fn calibrate(
    k: usize,
    n: usize,
    dmax: usize,
    seed: u64,
    fix_dmax: bool,
    start: Option<Calibration>,
    ctl: &Ctl<'_>,
) -> Result<Calibration> {
    let mut cal = start.unwrap_or(Calibration {
        k,
        n,
        stats: Vec::new(),
    });
    while cal.stats.len() < dmax {
        ctl.checkpoint()?;
        let m = cal.stats.len() + 1;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(m as u64);
        let pts = hyper_ball(&mut rng, n, m);
        let p = embgeo_knn::Params {
            k: k + 1,
            ..Default::default()
        };
        let nb = embgeo_knn::all_points(MatRef::from_flat(&pts, m)?, &p, ctl)?;
        let row = |i: usize| pts[i * m..(i + 1) * m].to_vec();
        let dm = if fix_dmax { 2 * m + 5 } else { k };
        cal.stats.push(statistics(&row, &nb, k, dm, m, ctl)?);
    }
    Ok(cal)
}

/// Cubic not-a-knot (or lower order) spline through (1, y₀), …, (n, y_{n−1}); returns the
/// second derivatives M.
fn spline_m(y: &[f64], cubic: bool) -> Vec<f64> {
    let n = y.len();
    if n < 3 {
        return vec![0.0; n];
    }
    if n == 3 || !cubic {
        // the parabola through the points (quadratic) / through the first three (fallback)
        let c = y[0] - 2.0 * y[1] + y[2];
        return vec![c; n];
    }
    let mut a = vec![0.0f64; n * n];
    let mut b = vec![0.0; n];
    a[0] = 1.0;
    a[1] = -2.0;
    a[2] = 1.0;
    for i in 1..n - 1 {
        a[i * n + i - 1] = 1.0;
        a[i * n + i] = 4.0;
        a[i * n + i + 1] = 1.0;
        b[i] = 6.0 * (y[i + 1] - 2.0 * y[i] + y[i - 1]);
    }
    let l = (n - 1) * n;
    a[l + n - 3] = 1.0;
    a[l + n - 2] = -2.0;
    a[l + n - 1] = 1.0;
    // Gaussian elimination with partial pivoting
    for c in 0..n {
        let p = (c..n)
            .max_by(|&i, &j| a[i * n + c].abs().total_cmp(&a[j * n + c].abs()))
            .unwrap_or(c);
        if p != c {
            for j in 0..n {
                a.swap(c * n + j, p * n + j);
            }
            b.swap(c, p);
        }
        let piv = a[c * n + c];
        for i in c + 1..n {
            let f = a[i * n + c] / piv;
            for j in c..n {
                a[i * n + j] -= f * a[c * n + j];
            }
            b[i] -= f * b[c];
        }
    }
    let mut m = vec![0.0; n];
    for c in (0..n).rev() {
        let s: f64 = (c + 1..n).map(|j| a[c * n + j] * m[j]).sum();
        m[c] = (b[c] - s) / a[c * n + c];
    }
    m
}

fn spline_eval(y: &[f64], m: &[f64], linear: bool, x: f64) -> f64 {
    let n = y.len();
    if n < 2 {
        return y.first().copied().unwrap_or(f64::NAN);
    }
    if x < 1.0 {
        return 1.0;
    }
    if x > n as f64 {
        return (n + 1) as f64;
    }
    let i = ((x - 1.0).floor() as usize).min(n - 2);
    let (x0, x1) = ((i + 1) as f64, (i + 2) as f64);
    if linear {
        return y[i] + (y[i + 1] - y[i]) * (x - x0);
    }
    let (a, b) = (x1 - x, x - x0);
    m[i] * a.powi(3) / 6.0
        + m[i + 1] * b.powi(3) / 6.0
        + (y[i] - m[i] / 6.0) * a
        + (y[i + 1] - m[i + 1] / 6.0) * b
}

/// DANCo intrinsic dimension.
///
/// # Shapes and types
/// `x`: N × D_amb (f32/f64); `nb`: its N × k₀ neighbours with k₀ ≥ k + 1. Diagnostics
/// `kl` (KL per candidate m), `data_stats` (d̂, μ_ν, μ_τ); `calibration` in [`estimate_full`].
/// # Cost
/// O(N·k²·D_amb) for the data, plus the calibration (see [`calibrate`]) unless supplied.
/// # Determinism
/// Function of input and seed.
/// # Errors
/// `Shape`, `Empty`, `NonFinite`, `KTooLarge`, `OutOfRange`, `Duplicates`, `Degenerate`
/// (undefined angles), `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `skdim.id.DANCo`; statistics and KL at 1e-9 given the calibration
/// (fixtures `intdim/fx*.json`), estimate statistically.
pub fn estimate<T: Element>(
    x: MatRef<'_, T>,
    nb: &Neighbors,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<IdEstimate> {
    Ok(estimate_full(x, nb, p, ctl)?.0)
}

scaled_estimator! {
    /// [`estimate`] that also returns the calibration used (for reuse on data of the same size).
    pub fn estimate_full -> (IdEstimate, Calibration) = full_unscaled
}

/// [`estimate_full`] on data in the safe magnitude range.
fn full_unscaled<T: Element>(
    x: MatRef<'_, T>,
    nb: &Neighbors,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(IdEstimate, Calibration)> {
    check_x(&x, nb, "DANCo")?;
    let n = x.rows();
    require_rows("X", n, 3, "DANCo")?;
    let k = if p.k >= n { n - 2 } else { p.k };
    if k < 2 {
        return Err(out_of_range("k", "an integer >= 2", k));
    }
    let dmax = p.max_dim.unwrap_or(x.cols());
    if dmax < 1 {
        return Err(out_of_range("D", "an integer >= 1", dmax));
    }
    crate::common::require_k(nb, k + 1, 3, "DANCo")?;
    let mut owned = None;
    let (use_nb, kept, dropped) = apply_policy(nb, k + 1, p.duplicates, &mut owned)?;
    let n_used = use_nb.rows;
    let row = |i: usize| x.row(i).iter().map(|v| v.to_f64()).collect::<Vec<f64>>();
    let data = statistics(&row, use_nb, k, dmax, x.cols(), ctl)?;
    let _ = kept;
    let cal = match &p.calibration {
        Some(c) if c.k != k || c.n != n_used => {
            return Err(out_of_range(
                "calibration",
                &format!("statistics for k = {k}, N = {n_used}"),
                format!("k = {}, N = {}", c.k, c.n),
            ));
        }
        c => calibrate(k, n_used, dmax, p.seed, p.fix_calibration_dmax, c.clone(), ctl)?,
    };
    let kls: Vec<f64> = cal.stats[..dmax].iter().map(|c| kl(&data, c, k)).collect();
    let mut best = 0usize;
    for (i, v) in kls.iter().enumerate() {
        if *v < kls[best] {
            best = i;
        }
    }
    if kls.iter().any(|v| v.is_nan()) {
        return Err(Error::Degenerate("DANCo: undefined KL divergence".into()));
    }
    let m_star = best + 1;
    let mut dim = m_star as f64;
    if p.fractal {
        let amb = x.cols();
        let linear = amb == 2;
        let m = spline_m(&kls, amb > 3);
        // local minimum of the spline around m*: golden-section search on [m* − 1, m* + 1]
        let (mut a, mut b) = (
            (m_star as f64 - 1.0).max(1.0),
            (m_star as f64 + 1.0).min(dmax as f64),
        );
        let g = (5f64.sqrt() - 1.0) / 2.0;
        for _ in 0..100 {
            let c = b - g * (b - a);
            let d = a + g * (b - a);
            if spline_eval(&kls, &m, linear, c) < spline_eval(&kls, &m, linear, d) {
                b = d;
            } else {
                a = c;
            }
        }
        let cand = (a + b) / 2.0;
        if spline_eval(&kls, &m, linear, cand) <= kls[best] {
            dim = cand;
        }
    }
    let params = json!({
        "k": k, "D": dmax, "fractal": p.fractal, "seed": p.seed, "fixCalibrationDmax": p.fix_calibration_dmax,
        "duplicates": p.duplicates.as_str()
    });
    let mut est = IdEstimate::new("danco", dim, n, params);
    est.n_used = n_used;
    est.dropped_duplicates = dropped;
    est.diagnostics.push(("kl".into(), kls));
    est.diagnostics
        .push(("data_stats".into(), vec![data.dhat, data.mu_nu, data.mu_tau]));
    Ok((est, cal))
}
