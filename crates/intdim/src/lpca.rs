//! lPCA: intrinsic dimension from the PCA spectrum of a point set (global) or of each point's
//! neighbourhood (local PCA, scikit-dimension `fit_pw`).
//!
//! Eigenvalues λ₁ ≥ … ≥ λ_p are s²/(n − 1) of the column-centred n × D block (p = min(n, D)),
//! as scikit-learn's `PCA().explained_variance_`. Versions (scikit-dimension 0.5.0):
//! Fukunaga–Olsen (`FO`), Fan et al. 2010 (`Fan`), largest eigen-gap (`maxgap`), cumulative
//! variance ratio (`ratio`), participation ratio, Kaiser and broken stick (Cangelosi & Goriely
//! 2007).

use embgeo_core::scale::with_scaled;
use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};
use serde_json::json;

use crate::common::{check_cols, check_x, map_rows, mean, out_of_range, require_k, IdEstimate};
use crate::linalg::{centered, gram_seq, svd_seq};

/// Which rule turns the spectrum into a dimension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Version {
    /// Fukunaga–Olsen: #{j : λ_j > α_FO·λ₁}.
    #[serde(rename = "FO")]
    Fo,
    /// Fan, Gu, Qiao, Zhang (2010).
    Fan,
    /// 1 + argmax_j λ_j/λ_{j+1}.
    Maxgap,
    /// #{j : (λ₁ + … + λ_j)/Σλ < α_ratio} + 1 (default α = 0.05 almost always gives 1).
    Ratio,
    /// (Σλ)²/Σλ² (real-valued).
    ParticipationRatio,
    /// #{j : λ_j > mean λ}.
    Kaiser,
    /// Number of leading eigenvalue shares above the broken-stick expectation.
    BrokenStick,
}

impl Version {
    /// Public spelling (api.md).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Fo => "FO",
            Version::Fan => "fan",
            Version::Maxgap => "maxgap",
            Version::Ratio => "ratio",
            Version::ParticipationRatio => "participationRatio",
            Version::Kaiser => "kaiser",
            Version::BrokenStick => "brokenStick",
        }
    }
}

/// lPCA parameters; `Default` = scikit-dimension 0.5.0 `lPCA()`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Version (FO).
    pub version: Version,
    /// α of `ratio` (0.05).
    pub alpha_ratio: f64,
    /// α of `FO` (0.05).
    pub alpha_fo: f64,
    /// Gap threshold of `Fan` (10).
    pub alpha_fan: f64,
    /// Cumulative threshold of `Fan` (0.8).
    pub beta_fan: f64,
    /// Noise-variance cut of `Fan` (0.95).
    pub p_fan: f64,
    /// Centre the block (true); false uses s² of the raw block (not divided by n − 1).
    pub center: bool,
    /// scikit-dimension ≤ 0.3.x broken-stick rule (one higher, or 0 when none) (false).
    pub legacy_broken_stick: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            version: Version::Fo,
            alpha_ratio: 0.05,
            alpha_fo: 0.05,
            alpha_fan: 10.0,
            beta_fan: 0.8,
            p_fan: 0.95,
            center: true,
            legacy_broken_stick: false,
        }
    }
}

impl Params {
    fn to_json(self) -> serde_json::Value {
        json!({
            "version": self.version.as_str(), "alphaRatio": self.alpha_ratio, "alphaFO": self.alpha_fo,
            "alphaFan": self.alpha_fan, "betaFan": self.beta_fan, "PFan": self.p_fan, "center": self.center,
            "legacyBrokenStick": self.legacy_broken_stick,
        })
    }
}

fn degenerate(version: Version, why: &str) -> Error {
    Error::Degenerate(format!("lPCA {}: {why}", version.as_str()))
}

fn count(it: impl Iterator<Item = bool>) -> f64 {
    it.filter(|b| *b).count() as f64
}

/// Dimension from a descending eigenvalue spectrum (scikit-dimension
/// `fit_explained_variance=True`).
///
/// # Shapes and types
/// `ev`: p ≥ 1 eigenvalues, descending, ≥ 0.
/// # Cost
/// O(p²) (broken stick), O(p) otherwise.
/// # Determinism
/// Pure function.
/// # Errors
/// `Empty` (no eigenvalues), `Degenerate` for an all-zero spectrum (every version) and where
/// the reference raises or returns NaN (no defined gap, Fan without a qualifying index).
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `lPCA._pcaLocalDimEst`; fixtures `intdim/fx*.json` (exact integers,
/// participation ratio at 1e-9).
pub fn from_eigenvalues(ev: &[f64], p: &Params) -> Result<f64> {
    let n = ev.len();
    if n == 0 {
        return Err(Error::Empty {
            what: "eigenvalues",
            actual: 0,
            needed: 1,
            unit: "rows",
            method: "lPCA",
        });
    }
    let total: f64 = ev.iter().sum();
    if ev.iter().all(|&l| l == 0.0) {
        // every version alike (FO and Kaiser would count 0, ratio 1): no spectrum, no dimension
        return Err(degenerate(
            p.version,
            "all eigenvalues are zero (the rows are identical)",
        ));
    }
    let v = match p.version {
        Version::Fo => count(ev.iter().map(|&l| l > p.alpha_fo * ev[0])),
        Version::Kaiser => {
            let m = total / n as f64;
            count(ev.iter().map(|&l| l > m))
        }
        Version::ParticipationRatio => {
            let s2: f64 = ev.iter().map(|l| l * l).sum();
            total * total / s2
        }
        Version::Ratio => {
            let mut c = 0.0;
            let cum: Vec<f64> = ev
                .iter()
                .map(|l| {
                    c += l;
                    c
                })
                .collect();
            let mx = cum.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            count(cum.iter().map(|c| c / mx < p.alpha_ratio)) + 1.0
        }
        Version::Maxgap => {
            let mut best: Option<(usize, f64)> = None;
            for j in 0..n.saturating_sub(1) {
                let g = ev[j] / ev[j + 1];
                if g.is_nan() {
                    continue;
                }
                if best.is_none_or(|(_, b)| g > b) {
                    best = Some((j, g));
                }
            }
            match best {
                Some((j, _)) => (j + 1) as f64,
                None => {
                    return Err(degenerate(
                        p.version,
                        "no finite eigen-gap (fewer than 2 eigenvalues, or all zero)",
                    ))
                }
            }
        }
        Version::BrokenStick => {
            let dim = n as f64;
            let mut de = 0.0;
            let mut found = false;
            #[allow(clippy::needless_range_loop)] // i is both the eigenvalue index and the stick start
            for i in 0..n {
                let mut b = 0.0;
                for j in i..n {
                    b += 1.0 / (j + 1) as f64;
                }
                b /= dim;
                if b > ev[i] / total {
                    de = if p.legacy_broken_stick {
                        (i + 1) as f64
                    } else {
                        i as f64
                    };
                    found = true;
                    break;
                }
            }
            if !found && total == 0.0 {
                return Err(degenerate(p.version, "all eigenvalues are zero"));
            }
            de
        }
        Version::Fan => {
            let mut c = 0.0;
            let mut r = None;
            for (j, l) in ev.iter().enumerate() {
                c += l;
                if c / total > p.p_fan {
                    r = Some(j);
                    break;
                }
            }
            let r = r.ok_or_else(|| {
                degenerate(p.version, "no eigenvalue reaches the PFan share (zero spectrum)")
            })?;
            let sigma = mean(&ev[r..]);
            let e2: Vec<f64> = ev.iter().map(|l| l - sigma).collect();
            let s2: f64 = e2.iter().sum();
            let mut first = None;
            for j in 0..n.saturating_sub(1) {
                if e2[j] / e2[j + 1] > p.alpha_fan {
                    first = Some(j);
                    break;
                }
            }
            let mut c = 0.0;
            for (j, l) in e2.iter().enumerate() {
                c += l;
                if c / s2 > p.beta_fan {
                    first = Some(first.map_or(j, |f: usize| f.min(j)));
                    break;
                }
            }
            match first {
                Some(j) => (j + 1) as f64,
                None => {
                    return Err(degenerate(
                        p.version,
                        "neither the gap nor the cumulative condition holds",
                    ))
                }
            }
        }
    };
    if v.is_finite() {
        Ok(v)
    } else {
        Err(degenerate(p.version, "the spectrum is zero (constant data)"))
    }
}

/// The PCA spectrum of a block: rows of `x` listed in `rows` (or all), descending.
fn spectrum<T: Element>(x: &MatRef<'_, T>, rows: Option<&[u32]>, center: bool) -> Result<Vec<f64>> {
    let n = rows.map_or(x.rows(), <[u32]>::len);
    let a = if center {
        centered(x, rows)
    } else {
        faer::Mat::from_fn(n, x.cols(), |i, j| {
            let r = rows.map_or(i, |r| r[i] as usize);
            x.row(r)[j].to_f64()
        })
    };
    let (s, _) = svd_seq(&a, false)?;
    let div = if center { (n - 1) as f64 } else { 1.0 };
    Ok(s.iter().map(|v| v * v / div).collect())
}

/// Does `version` read only eigenvalues comparable to the largest (thresholds relative to λ₁,
/// the mean, sums)? Then the eigenvalues of the block's Gram matrix, exact to about ε·λ₁, give
/// the same dimension as the SVD's (accurate to ε·σ₁σ_j); `Fan` and `maxgap` take ratios of
/// the smallest eigenvalues and keep the SVD.
fn gram_is_exact_enough(version: Version) -> bool {
    !matches!(version, Version::Fan | Version::Maxgap)
}

/// [`spectrum`] from the eigenvalues of the block's smaller Gram matrix (`AAᵀ`, n × n, when
/// n ≤ D, else `AᵀA`): the same nonzero values as the squared singular values, in about a
/// third of the time at n = 100, D = 384 (n²·D multiply-adds + a symmetric eigensolver);
/// eigenvalues of the null space come out as ±ε·λ₁ instead of ~0. Sequential.
fn spectrum_gram<T: Element>(x: &MatRef<'_, T>, rows: &[u32], center: bool) -> Result<Vec<f64>> {
    let n = rows.len();
    let a = if center {
        centered(x, Some(rows))
    } else {
        faer::Mat::from_fn(n, x.cols(), |i, j| x.row(rows[i] as usize)[j].to_f64())
    };
    // the operand whose rows span the smaller Gram matrix (`a`, or `aᵀ` for tall blocks),
    // padded with zero rows to a multiple of 8: the GEMM's last 8-row panel then multiplies
    // zeros instead of whatever its packing buffer held (stale bits there can be subnormal
    // f64 and cost microcode assists: measured 2–3× slower on repeated calls)
    let (op, p) = if n <= x.cols() {
        (a.as_ref(), n)
    } else {
        (a.as_ref().transpose(), x.cols())
    };
    let padded = faer::Mat::from_fn(p.next_multiple_of(8), op.ncols(), |i, j| {
        if i < p {
            op[(i, j)]
        } else {
            0.0
        }
    });
    let g = gram_seq(padded.as_ref());
    // eigh_desc reads the lower triangle of a row-major buffer
    let flat: Vec<f64> = (0..p * p).map(|t| g[(t / p, t % p)]).collect();
    let (ev, _) = embgeo_core::linalg::eigh_desc(&flat, p, false, faer::Par::Seq).map_err(|e| match e {
        Error::Internal(m) => Error::Degenerate(m),
        e => e,
    })?;
    let div = if center { (n - 1) as f64 } else { 1.0 };
    Ok(ev.iter().map(|v| v / div).collect())
}

/// Global lPCA on all rows of `x`.
///
/// # Shapes and types
/// `x`: n × D, n ≥ 2, D ≥ 2. Diagnostics `explained_variance` (p values) and `gaps`.
/// # Cost
/// O(n·D·min(n, D)) time (one thin SVD without vectors), O(n·D) extra memory.
/// # Determinism
/// Sequential SVD: identical for every thread count.
/// # Magnitudes
/// f64 data with `max |x|` outside `[2^-400, 2^400]` are decomposed on a power-of-two-scaled
/// copy (`embgeo_core::scale`): the dimension is unchanged, `explained_variance` is scaled back.
/// # Errors
/// `Empty`, `NonFinite`, `Degenerate` (see [`from_eigenvalues`]; also for identical rows, in
/// every version); `OutOfRange` if an explained variance does not fit in f64.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `lPCA().fit(X)`; fixtures `intdim/fx*.json`.
pub fn estimate<T: Element>(x: MatRef<'_, T>, p: &Params) -> Result<IdEstimate> {
    x.require_rows("X", 2, "lPCA")?;
    check_cols(&x, "lPCA")?;
    x.check_finite("X")?;
    with_scaled(x, |x, s| {
        let mut ev = spectrum(&x, None, p.center)?;
        let d = from_eigenvalues(&ev, p)?;
        let gaps: Vec<f64> = ev.windows(2).map(|w| w[0] / w[1]).collect();
        s.unscale_all(&mut ev, 2, "explained variance")?;
        let mut est = IdEstimate::new("lpca", d, x.rows(), p.to_json());
        est.diagnostics.push(("explained_variance".into(), ev));
        est.diagnostics.push(("gaps".into(), gaps));
        Ok(est)
    })
}

/// Local PCA: the version applied to each point's `k` nearest neighbours (the point itself
/// not included), like scikit-dimension `fit_pw(X, n_neighbors=k)`. `dimension` is the mean of
/// the pointwise values (the reference leaves the last neighbourhood's value there).
///
/// # Shapes and types
/// `x`: n × D; `nb`: n × k₀ with k₀ ≥ k ≥ 2.
/// # Cost
/// Per point, p = min(k, D): for `FO`, `kaiser`, `participationRatio`, `ratio` and
/// `brokenStick` the eigenvalues of the block's p × p Gram matrix (k·D·p multiply-adds + a
/// symmetric eigensolver, ≈ (4/3)p³; 5,000 × 384, k = 100: 1.9 s against 4.8 s with SVDs);
/// for `Fan` and `maxgap`, which read ratios of the smallest eigenvalues, a thin SVD of the
/// k × D block (O(k·D·p)). O(k·D + p²) memory per worker.
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// `Shape`, `Empty`, `NonFinite`, `KTooLarge`, `Degenerate`, `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `lPCA().fit_pw`; fixtures `intdim/fx*.json` at 1e-9.
pub fn pointwise<T: Element>(
    x: MatRef<'_, T>,
    nb: &Neighbors,
    k: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<IdEstimate> {
    if k < 2 {
        return Err(out_of_range("k", "an integer >= 2", k));
    }
    check_x(&x, nb, "lPCA")?;
    require_k(nb, k, 2, "lPCA")?;
    // the dimension is scale-free: extreme magnitudes are decomposed on a scaled copy
    let pw = with_scaled(x, |x, _| {
        map_rows(ctl, "lpca", nb.rows, |i| {
            let rows = &nb.indices_of(i)[..k];
            let ev = if gram_is_exact_enough(p.version) {
                spectrum_gram(&x, rows, p.center)?
            } else {
                spectrum(&x, Some(rows), p.center)?
            };
            from_eigenvalues(&ev, p)
        })
    })?;
    let mut params = p.to_json();
    params["k"] = json!(k);
    let mut est = IdEstimate::new("lpca", mean(&pw), nb.rows, params);
    est.pointwise = Some(pw);
    Ok(est)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 rows: `rank` seeded latent coordinates mapped into `d` columns (exactly rank-deficient
    /// when rank < d), plus `noise`.
    fn data(rank: usize, d: usize, noise: f64) -> Vec<f64> {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut u = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let map: Vec<f64> = (0..rank * d).map(|_| u()).collect();
        let mut out = Vec::with_capacity(60 * d);
        for _ in 0..60 {
            let z: Vec<f64> = (0..rank).map(|_| u()).collect();
            for c in 0..d {
                let v: f64 = (0..rank).map(|r| z[r] * map[r * d + c]).sum();
                out.push(v + noise * u());
            }
        }
        out
    }

    #[test]
    fn the_gram_spectrum_gives_the_svd_dimension_for_its_versions() {
        let versions = [
            Version::Fo,
            Version::Kaiser,
            Version::ParticipationRatio,
            Version::Ratio,
            Version::BrokenStick,
        ];
        // wide blocks (rows ≤ columns: AAᵀ), tall blocks (AᵀA), rank-deficient and noisy data
        for (rank, d, noise) in [(5, 30, 0.0), (5, 30, 1e-3), (3, 8, 0.0), (8, 8, 1e-2)] {
            let v = data(rank, d, noise);
            let x = MatRef::new(&v, 60, d).unwrap();
            for rows in [(0..20u32).collect::<Vec<_>>(), (10..60).collect()] {
                for center in [true, false] {
                    let (g, s) = (
                        spectrum_gram(&x, &rows, center).unwrap(),
                        spectrum(&x, Some(&rows), center).unwrap(),
                    );
                    assert_eq!(g.len(), s.len());
                    for (a, b) in g.iter().zip(&s) {
                        assert!((a - b).abs() <= 1e-12 * s[0], "{rank} {d} {noise}: {a} vs {b}");
                    }
                    for version in versions {
                        assert!(gram_is_exact_enough(version));
                        let p = Params {
                            version,
                            center,
                            ..Params::default()
                        };
                        let (dg, ds) = (from_eigenvalues(&g, &p), from_eigenvalues(&s, &p));
                        match (dg, ds) {
                            (Ok(a), Ok(b)) => {
                                assert!((a - b).abs() <= 1e-10 * b.abs(), "{version:?}: {a} vs {b}");
                            }
                            (a, b) => assert_eq!(a.is_err(), b.is_err(), "{version:?}"),
                        }
                    }
                }
            }
        }
        assert!(!gram_is_exact_enough(Version::Fan) && !gram_is_exact_enough(Version::Maxgap));
    }
}
