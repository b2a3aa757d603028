//! Principal component analysis with scikit-learn semantics (`sklearn.decomposition.PCA`,
//! ≥ 1.5), plus exact streaming (`partial_fit`) and merging of fits made elsewhere.
//!
//! Semantics kept from scikit-learn: ddof = 1 (`explained_variance = s² / (n − 1)`), the
//! `n_components` forms (count, variance ratio, all), the sign rule ([`crate::sign`]),
//! `noise_variance` (mean of the discarded variances; for the randomized solver
//! `(total − kept) / (min(n, d) − k)`), whitening (`transform` divides by
//! `sqrt(explained_variance)`, floored at machine epsilon; `inverse_transform` undoes it).
//!
//! Deliberate differences, documented for users: the `Auto` solver picks the covariance solver
//! whenever n ≥ 10·d (scikit-learn also requires d ≤ 1000); `center = false` is offered
//! (scikit-learn always centres); `transform` centres before projecting (`(X − μ)Cᵀ`, scikit-learn
//! computes `XCᵀ − μCᵀ`; equal up to rounding); outputs of `f32` inputs are computed in f64 and
//! rounded once.

use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Result};
use serde::{Deserialize, Serialize};

use crate::{covariance, linalg, moments, randomized, sign, svd, Moments, Spectrum};

/// How many components to keep (scikit-learn `n_components`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum NComponents {
    /// Keep this many (1 ≤ k ≤ min(n, d)).
    Count(usize),
    /// Keep the fewest components whose cumulative explained variance ratio exceeds this
    /// fraction (0 < r < 1).
    VarianceRatio(f64),
    /// Keep min(n, d) (scikit-learn `None`).
    All,
}

/// Which decomposition computes the components.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Solver {
    /// Covariance if n ≥ 10·d; else SVD if max(n, d) ≤ 500; else randomized if a count
    /// 1 ≤ k < 0.8·min(n, d) was asked; else SVD.
    Auto,
    /// Covariance + symmetric eigendecomposition ([`crate::covariance`]); streaming-capable.
    Covariance,
    /// Thin SVD of the centred data ([`crate::svd`]).
    Svd,
    /// Seeded randomized SVD ([`crate::randomized`]).
    Randomized,
}

/// Options of [`Pca`]; `Default` equals scikit-learn's `PCA()` (plus `center = true`, seed 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Components to keep. Default [`NComponents::All`].
    pub n_components: NComponents,
    /// Subtract the mean before decomposing. Default `true`.
    pub center: bool,
    /// Scale transformed outputs to unit variance. Default `false`.
    pub whiten: bool,
    /// Solver. Default [`Solver::Auto`].
    pub solver: Solver,
    /// Seed of the randomized solver. Default 0.
    pub seed: u64,
    /// Rows per block of the moment accumulation (and of `transform`). Default 2048.
    pub block_rows: usize,
    /// Arithmetic of the per-block SYRK of the covariance solver. Default
    /// [`moments::Kernel::Auto`] (f32 blocks for f32 input, merged in f64).
    #[serde(default)]
    pub kernel: moments::Kernel,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            n_components: NComponents::All,
            center: true,
            whiten: false,
            solver: Solver::Auto,
            seed: 0,
            block_rows: 2048,
            kernel: moments::Kernel::Auto,
        }
    }
}

impl Params {
    /// Check ranges that do not depend on the data.
    ///
    /// # Errors
    /// `OutOfRange` for a count of 0, a ratio outside (0, 1), or `block_rows == 0`.
    pub fn validate(&self) -> Result<()> {
        match self.n_components {
            NComponents::Count(0) => {
                return Err(Error::OutOfRange {
                    name: "nComponents",
                    expected: "an integer >= 1 or { varianceRatio } in (0, 1)".into(),
                    actual: "0".into(),
                })
            }
            NComponents::VarianceRatio(r) if !(r > 0.0 && r < 1.0) => {
                return Err(Error::OutOfRange {
                    name: "nComponents.varianceRatio",
                    expected: "a number in (0, 1)".into(),
                    actual: r.to_string(),
                })
            }
            _ => {}
        }
        if self.block_rows == 0 {
            return Err(Error::OutOfRange {
                name: "blockRows",
                expected: "an integer >= 1".into(),
                actual: "0".into(),
            });
        }
        Ok(())
    }
}

/// The learned state of a fitted [`Pca`] (scikit-learn's trailing-underscore attributes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fitted {
    /// The solver that ran (never `Auto`).
    pub solver: Solver,
    /// Number of components kept, k.
    pub n_components: usize,
    /// `k × d` row-major principal axes, unit norm, sign rule applied.
    pub components: Vec<f64>,
    /// Variance along each axis (ddof 1), k values, decreasing.
    pub explained_variance: Vec<f64>,
    /// `explained_variance / total variance`, k values.
    pub explained_variance_ratio: Vec<f64>,
    /// Singular values of the centred data, k values.
    pub singular_values: Vec<f64>,
    /// Feature means (zeros when `center` is false), d values.
    pub mean: Vec<f64>,
    /// Probabilistic-PCA noise variance (scikit-learn `noise_variance_`).
    pub noise_variance: f64,
    /// Number of features d.
    pub n_features_in: usize,
    /// Rows the fit has seen.
    pub n_samples_seen: u64,
}

/// A PCA model: options, learned state and (for the covariance solver and partial fits) the
/// exact moments needed to continue streaming or merge.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    params: Params,
    fitted: Option<Fitted>,
    moments: Option<Moments>,
}

/// The solver `Auto` resolves to for `n` rows, `d` columns and `n_components`.
#[must_use]
pub fn resolve_solver(solver: Solver, n: usize, d: usize, nc: NComponents) -> Solver {
    if solver != Solver::Auto {
        return solver;
    }
    let r = n.min(d);
    if n >= 10 * d {
        Solver::Covariance
    } else if n.max(d) <= 500 {
        Solver::Svd
    } else if matches!(nc, NComponents::Count(k) if k >= 1 && (k as f64) < 0.8 * r as f64) {
        Solver::Randomized
    } else {
        Solver::Svd
    }
}

impl Pca {
    /// An unfitted model.
    ///
    /// # Errors
    /// `OutOfRange` from [`Params::validate`].
    pub fn new(params: Params) -> Result<Self> {
        params.validate()?;
        Ok(Self {
            params,
            fitted: None,
            moments: None,
        })
    }

    /// Rebuild a model from its parts (deserialisation).
    ///
    /// # Errors
    /// `BadModel` if the parts disagree in shape.
    pub fn from_parts(params: Params, fitted: Option<Fitted>, moments: Option<Moments>) -> Result<Self> {
        params
            .validate()
            .map_err(|e| Error::BadModel(format!("invalid PCA params: {e}")))?;
        if let Some(f) = &fitted {
            let (k, d) = (f.n_components, f.n_features_in);
            let ok = k.checked_mul(d) == Some(f.components.len())
                && f.explained_variance.len() == k
                && f.explained_variance_ratio.len() == k
                && f.singular_values.len() == k
                && f.mean.len() == d
                && f.solver != Solver::Auto
                && moments.as_ref().is_none_or(|m| m.n_features() == d);
            if !ok {
                return Err(Error::BadModel(format!(
                    "PCA state shapes disagree (nComponents {k}, nFeatures {d})"
                )));
            }
        }
        Ok(Self {
            params,
            fitted,
            moments,
        })
    }

    /// The options.
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The learned state.
    ///
    /// # Errors
    /// `NotFitted` before a successful fit.
    pub fn fitted(&self) -> Result<&Fitted> {
        self.fitted.as_ref().ok_or(Error::NotFitted("PCA"))
    }

    /// The exact moments behind the fit (covariance solver or partial fits), if kept.
    #[must_use]
    pub fn moments(&self) -> Option<&Moments> {
        self.moments.as_ref()
    }

    /// Heap bytes held by the fitted state and the streaming moments (0 when unfitted), for
    /// reporting to a garbage collector.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let f = self.fitted.as_ref().map_or(0, |f| {
            8 * (f.components.capacity()
                + f.explained_variance.capacity()
                + f.explained_variance_ratio.capacity()
                + f.singular_values.capacity()
                + f.mean.capacity())
        });
        f + self.moments.as_ref().map_or(0, Moments::heap_bytes)
    }

    /// Fit on all rows of `x`, replacing any earlier state.
    ///
    /// # Shapes and types
    /// `x`: n × d row-major f32/f64, n ≥ 2 (all arithmetic in f64).
    /// # Cost
    /// Covariance solver: n·d²/2 multiply-adds + ≈ 4d³ flops, extra memory O(d²) as in
    /// [`moments::Moments::update`] plus ≈ 3d² f64 for the eigendecomposition (never n × n or
    /// n × d). SVD: ≈ 4n·d² flops, n·d f64 extra.
    /// Randomized: see [`crate::randomized::solve`].
    /// # Determinism
    /// Bit-identical for every thread count with every solver (randomized: for a given seed).
    /// # Errors
    /// `Empty` (n < 2), `NonFinite`, `OutOfRange` (k > min(n, d)), `Degenerate` (all rows
    /// identical), `Internal`, `Cancelled`.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// scikit-learn `PCA.fit`; fixtures `pca/*.json` at rtol 1e-10 (f64) / 1e-5 (f32).
    pub fn fit<T: Element>(&mut self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<()> {
        x.require_rows("X", 2, "PCA")?;
        if x.cols() == 0 {
            return Err(Error::OutOfRange {
                name: "X.cols",
                expected: "an integer >= 1".into(),
                actual: "0".into(),
            });
        }
        // Finiteness is checked once, by the solver that reads the rows.
        let (n, d) = (x.rows(), x.cols());
        let solver = resolve_solver(self.params.solver, n, d, self.params.n_components);
        match solver {
            Solver::Covariance | Solver::Auto => {
                let mp = self.moment_params();
                let m = moments::accumulate(x, None, &mp, ctl)?;
                let f = self.finish_moments(&m, ctl)?;
                self.fitted = Some(f);
                self.moments = Some(m);
            }
            Solver::Svd => {
                let (s, mean) = svd::solve(x, self.params.center, ctl)?;
                let f = self.finish(&s, mean, n, d, Solver::Svd)?;
                self.fitted = Some(f);
                self.moments = None;
            }
            Solver::Randomized => {
                let NComponents::Count(k) = self.params.n_components else {
                    return Err(Error::OutOfRange {
                        name: "nComponents",
                        expected: "an integer count with solver 'randomized'".into(),
                        actual: format!("{:?}", self.params.n_components),
                    });
                };
                let rp = randomized::Params {
                    seed: self.params.seed,
                    ..randomized::Params::default()
                };
                let (s, mean) = randomized::solve(x, self.params.center, k, &rp, ctl)?;
                let f = self.finish(&s, mean, n, d, Solver::Randomized)?;
                self.fitted = Some(f);
                self.moments = None;
            }
        }
        Ok(())
    }

    /// Add rows to the exact streaming moments and refit from them (covariance solver).
    ///
    /// After blocks `X₁ … X_m`, the model equals `fit` on all their rows with the covariance
    /// solver up to rounding (tested to 1e-12 over 10 blocks). The model stays unfitted (and
    /// this returns `Ok`) while fewer than 2 rows, fewer rows than a requested component count,
    /// or only identical rows have been seen; the moments are kept either way.
    ///
    /// # Shapes and types
    /// `x`: n × d row-major f32/f64; d must match earlier blocks.
    /// # Cost
    /// n·d²/2 multiply-adds + one ≈ 4d³-flop eigendecomposition per call; memory as `fit`.
    /// # Determinism
    /// Bit-identical for every thread count.
    /// # Errors
    /// `Shape` (d differs), `NonFinite`, `OutOfRange` (a count above d, or after a fit by the
    /// SVD / randomized solver, which keep no moments), `Internal`,
    /// `Cancelled`. On error the model is unchanged.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// Chan, Golub and LeVeque (1979); scikit-learn `PCA(svd_solver="covariance_eigh")` on all rows.
    pub fn partial_fit<T: Element>(&mut self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<()> {
        self.require_streamable()?;
        let mp = self.moment_params();
        let mut m = match &self.moments {
            Some(m) => m.clone(),
            None => Moments::new(x.cols())?,
        };
        m.update(x, None, &mp, ctl)?;
        self.refit(m, ctl)
    }

    /// Merge the moments of another model (rows fitted elsewhere) and refit.
    ///
    /// # Cost
    /// O(d²) + one eigendecomposition.
    /// # Determinism
    /// Deterministic.
    /// # Errors
    /// `OutOfRange` if either model has no moments (fitted by the SVD or randomized solver),
    /// `Shape` if the feature counts differ, `Internal`, `Cancelled`. On error the model is unchanged.
    /// # Panics
    /// Never.
    /// # Reference
    /// Chan, Golub and LeVeque (1979).
    pub fn merge(&mut self, other: &Pca, ctl: &Ctl<'_>) -> Result<()> {
        self.require_streamable()?;
        let Some(om) = &other.moments else {
            return Err(no_moments(other.fitted.as_ref().map(|f| f.solver)));
        };
        let mut m = match &self.moments {
            Some(m) => m.clone(),
            None => Moments::new(om.n_features())?,
        };
        m.merge(om)?;
        self.refit(m, ctl)
    }

    /// Fit from precomputed moments (e.g. accumulated by [`moments::accumulate`] elsewhere).
    ///
    /// # Errors
    /// As [`Pca::fit`] with the covariance solver: `Empty`, `Degenerate`, `OutOfRange`, `Internal`.
    pub fn fit_moments(&mut self, m: Moments, ctl: &Ctl<'_>) -> Result<()> {
        let f = self.finish_moments(&m, ctl)?;
        self.fitted = Some(f);
        self.moments = Some(m);
        Ok(())
    }

    fn moment_params(&self) -> moments::Params {
        moments::Params {
            block_rows: self.params.block_rows,
            kernel: self.params.kernel,
            ..moments::Params::default()
        }
    }

    fn require_streamable(&self) -> Result<()> {
        match (&self.fitted, &self.moments) {
            (Some(f), None) => Err(no_moments(Some(f.solver))),
            _ => Ok(()),
        }
    }

    /// Keep `m`; refit when it holds enough information, else leave unfitted.
    fn refit(&mut self, m: Moments, ctl: &Ctl<'_>) -> Result<()> {
        if let NComponents::Count(k) = self.params.n_components {
            if k > m.n_features() {
                return Err(Error::OutOfRange {
                    name: "nComponents",
                    expected: format!("at most the number of features, {}", m.n_features()),
                    actual: k.to_string(),
                });
            }
        }
        let too_few = match self.params.n_components {
            NComponents::Count(k) => (m.n_samples() as usize).min(m.n_features()) < k,
            _ => false,
        };
        if m.n_samples() < 2 || too_few || m.comoment().iter().all(|v| *v == 0.0) && self.params.center {
            self.fitted = None;
            self.moments = Some(m);
            return Ok(());
        }
        let f = self.finish_moments(&m, ctl)?;
        self.fitted = Some(f);
        self.moments = Some(m);
        Ok(())
    }

    fn finish_moments(&self, m: &Moments, ctl: &Ctl<'_>) -> Result<Fitted> {
        let cp = covariance::Params {
            ddof: 1.0,
            center: self.params.center,
        };
        let s = covariance::solve(m, &cp, ctl)?;
        let mean = if self.params.center {
            m.mean().to_vec()
        } else {
            vec![0.0; m.n_features()]
        };
        self.finish(
            &s,
            mean,
            m.n_samples() as usize,
            m.n_features(),
            Solver::Covariance,
        )
    }

    /// Turn a solver's spectrum into scikit-learn's attributes.
    fn finish(&self, s: &Spectrum, mean: Vec<f64>, n: usize, d: usize, solver: Solver) -> Result<Fitted> {
        let r = n.min(d);
        if s.total_variance <= 0.0 {
            return Err(Error::Degenerate(format!(
                "all {n} rows are identical (total variance 0); PCA needs at least two distinct rows"
            )));
        }
        let ratio_all: Vec<f64> = s
            .explained_variance
            .iter()
            .map(|v| v / s.total_variance)
            .collect();
        let k = match self.params.n_components {
            NComponents::All => r,
            NComponents::Count(k) => {
                if k > r {
                    return Err(Error::OutOfRange {
                        name: "nComponents",
                        expected: format!("at most min(n_samples, n_features) = min({n}, {d}) = {r}"),
                        actual: k.to_string(),
                    });
                }
                k
            }
            NComponents::VarianceRatio(target) => {
                // scikit-learn: searchsorted(cumsum(ratio), target, side="right") + 1.
                let mut cum = 0.0;
                let mut below = 0;
                for v in &ratio_all {
                    cum += v;
                    if cum <= target {
                        below += 1;
                    } else {
                        break;
                    }
                }
                (below + 1).min(ratio_all.len()).min(r)
            }
        };
        let noise_variance = if k < r {
            if solver == Solver::Randomized {
                (s.total_variance - s.explained_variance[..k].iter().sum::<f64>()) / (r - k) as f64
            } else {
                let rest = &s.explained_variance[k..];
                rest.iter().sum::<f64>() / rest.len() as f64
            }
        } else {
            0.0
        };
        let mut components = s.components[..k * d].to_vec();
        sign::flip_rows(&mut components, d);
        Ok(Fitted {
            solver,
            n_components: k,
            components,
            explained_variance: s.explained_variance[..k].to_vec(),
            explained_variance_ratio: ratio_all[..k].to_vec(),
            singular_values: s.singular_values[..k].to_vec(),
            mean,
            noise_variance,
            n_features_in: d,
            n_samples_seen: n as u64,
        })
    }

    /// Per-component output scale: `sqrt(explained_variance)` floored at `f64::EPSILON` when
    /// whitening, else 1.
    fn scales(&self, f: &Fitted) -> Vec<f64> {
        f.explained_variance
            .iter()
            .map(|v| {
                if self.params.whiten {
                    v.sqrt().max(f64::EPSILON)
                } else {
                    1.0
                }
            })
            .collect()
    }

    /// Project rows onto the components: `Y = (X − μ) Cᵀ`, divided by `sqrt(explained_variance)`
    /// when whitening.
    ///
    /// # Shapes and types
    /// `x`: n × d (d = `n_features_in`) row-major f32/f64; returns n × k row-major in the
    /// input type (computed in f64, rounded once).
    /// # Cost
    /// 2·n·d·k flops; extra memory 2·`block_rows`·(d + k) f64 per worker.
    /// # Determinism
    /// Fixed row blocks, each row computed by one GEMM: bit-identical for every thread count.
    /// # Errors
    /// `NotFitted`, `Shape` (d differs, scikit-learn wording), `NonFinite`, `Cancelled`.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// scikit-learn `PCA.transform`; fixtures `pca/*` `transform` at rtol 1e-10 / 1e-5.
    pub fn transform<T: Element>(&self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>> {
        let f = self.fitted()?;
        check_features(x.cols(), f.n_features_in, "PCA")?;
        x.check_finite("X")?;
        let scales = self.scales(f);
        let inv: Vec<f64> = scales.iter().map(|s| 1.0 / s).collect();
        project_rows(
            x,
            &f.mean,
            &f.components,
            f.n_components,
            &inv,
            false,
            self.params.block_rows,
            ctl,
        )
    }

    /// Fit, then transform the same rows.
    ///
    /// # Errors
    /// As [`Pca::fit`] and [`Pca::transform`].
    pub fn fit_transform<T: Element>(&mut self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>> {
        self.fit(x, ctl)?;
        self.transform(x, ctl)
    }

    /// Map transformed rows back: `X = (Y · diag(scale)) C + μ` (undoes whitening).
    ///
    /// # Shapes and types
    /// `y`: n × k row-major f32/f64; returns n × d in the input type.
    /// # Cost
    /// 2·n·k·d flops; extra memory 2·`block_rows`·(d + k) f64 per worker.
    /// # Determinism
    /// Bit-identical for every thread count.
    /// # Errors
    /// `NotFitted`, `Shape` (k differs), `NonFinite`, `Cancelled`.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// scikit-learn `PCA.inverse_transform`; fixtures `pca/*` `inverse_transform`.
    pub fn inverse_transform<T: Element>(&self, y: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>> {
        let f = self.fitted()?;
        check_features(y.cols(), f.n_components, "PCA.inverse_transform (nComponents)")?;
        y.check_finite("Y")?;
        let scales = self.scales(f);
        let d = f.n_features_in;
        let k = f.n_components;
        let mut w = f.components.clone();
        for (row, s) in w.chunks_exact_mut(d).zip(&scales) {
            for v in row {
                *v *= s;
            }
        }
        back_project_rows(y, &w, k, d, &f.mean, self.params.block_rows, ctl)
    }
}

fn no_moments(solver: Option<Solver>) -> Error {
    Error::OutOfRange {
        name: "solver",
        expected: "'covariance' (or 'auto' resolving to it, or partialFit) so that exact moments are kept for partialFit / merge".into(),
        actual: format!("a model fitted with {solver:?}, which keeps no moments"),
    }
}

pub(crate) fn check_features(actual: usize, expected: usize, what: &'static str) -> Result<()> {
    if actual != expected {
        return Err(Error::Shape {
            what: format!("X has {actual} features, but {what} is expecting {expected} features as input"),
            expected,
            actual,
            fix: "",
        });
    }
    Ok(())
}

/// `out = ((x − mean) · Wᵀ) · diag(col_scale)` with `w` `k × d` row-major, then optionally each
/// row L2-normalised; blocks of `block_rows` rows through `map_chunks` (ordered, deterministic).
///
/// f64 input: centring and GEMM in f64. f32 input: rows centred in f64 and rounded to f32,
/// GEMM in f32 with `w` rounded to f32 (the output is f32 anyway; relative error of order
/// sqrt(d)·2⁻²⁴, inside the 1e-5 f32 parity tolerance), scaling and normalisation in f64.
#[allow(clippy::too_many_arguments)]
pub(crate) fn project_rows<T: Element>(
    x: MatRef<'_, T>,
    mean: &[f64],
    w: &[f64],
    k: usize,
    col_scale: &[f64],
    l2: bool,
    block_rows: usize,
    ctl: &Ctl<'_>,
) -> Result<Vec<T>> {
    let d = x.cols();
    let n = x.rows();
    let single = T::DTYPE == "f32";
    let w32: Vec<f32> = if single {
        w.iter().map(|v| *v as f32).collect()
    } else {
        Vec::new()
    };
    let parts = map_chunks(ctl, "transform", n, block_rows.max(1), |range| {
        let rows = range.len();
        let mut out = vec![0.0f64; rows * k];
        if single {
            let mut a = vec![0.0f32; rows * d];
            for (r, i) in range.clone().enumerate() {
                for ((o, v), m) in a[r * d..(r + 1) * d].iter_mut().zip(x.row(i)).zip(mean) {
                    *o = (v.to_f64() - m) as f32;
                }
            }
            let mut o32 = vec![0.0f32; rows * k];
            if k > 0 {
                let am = faer::MatRef::from_row_major_slice(&a, rows, d);
                let wm = faer::MatRef::from_row_major_slice(&w32, k, d);
                let om = faer::MatMut::from_row_major_slice_mut(&mut o32, rows, k);
                faer::linalg::matmul::matmul(
                    om,
                    faer::Accum::Replace,
                    am,
                    wm.transpose(),
                    1.0f32,
                    faer::Par::Seq,
                );
            }
            for (o, v) in out.iter_mut().zip(&o32) {
                *o = f64::from(*v);
            }
        } else {
            let mut a = vec![0.0f64; rows * d];
            for (r, i) in range.clone().enumerate() {
                for ((o, v), m) in a[r * d..(r + 1) * d].iter_mut().zip(x.row(i)).zip(mean) {
                    *o = v.to_f64() - m;
                }
            }
            if k > 0 {
                linalg::matmul_rows_bt(&mut out, &a, rows, d, w, k, faer::Par::Seq);
            }
        }
        let mut res = Vec::with_capacity(rows * k);
        for row in out.chunks_exact_mut(k.max(1)).take(rows) {
            for (v, s) in row.iter_mut().zip(col_scale) {
                *v *= s;
            }
            if l2 {
                let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
                if norm > 0.0 {
                    for v in row.iter_mut() {
                        *v /= norm;
                    }
                }
            }
            res.extend(row.iter().map(|v| T::from_f64(*v)));
        }
        Ok(res)
    })?;
    Ok(parts.concat())
}

/// `out = y · w + mean` with `w` `k × d` row-major, in row blocks.
pub(crate) fn back_project_rows<T: Element>(
    y: MatRef<'_, T>,
    w: &[f64],
    k: usize,
    d: usize,
    mean: &[f64],
    block_rows: usize,
    ctl: &Ctl<'_>,
) -> Result<Vec<T>> {
    let n = y.rows();
    let parts = map_chunks(ctl, "inverse_transform", n, block_rows.max(1), |range| {
        let rows = range.len();
        let a: Vec<f64> = y
            .row_block(range.start, range.end)
            .as_slice()
            .iter()
            .map(|v| v.to_f64())
            .collect();
        let mut out = vec![0.0f64; rows * d];
        if k > 0 {
            linalg::matmul_rows_b(&mut out, &a, rows, k, w, d, faer::Par::Seq);
        }
        Ok(out
            .chunks_exact(d)
            .flat_map(|row| row.iter().zip(mean).map(|(v, m)| T::from_f64(v + m)))
            .collect::<Vec<T>>())
    })?;
    Ok(parts.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen(n: usize, d: usize, seed: u64) -> Vec<f64> {
        use rand::SeedableRng;
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..n * d)
            .map(|i| {
                let z: f64 = StandardNormal.sample(&mut rng);
                z * (1.0 + (i % d) as f64) + 3.0
            })
            .collect()
    }

    #[test]
    fn solvers_agree_and_round_trip() {
        let (n, d) = (300, 8);
        let x = gen(n, d, 1);
        let xm = MatRef::new(&x, n, d).unwrap();
        let ctl = Ctl::detached();
        let mut fits = Vec::new();
        for solver in [Solver::Covariance, Solver::Svd] {
            let mut p = Pca::new(Params {
                solver,
                ..Params::default()
            })
            .unwrap();
            p.fit(xm, &ctl).unwrap();
            fits.push(p);
        }
        let (a, b) = (fits[0].fitted().unwrap(), fits[1].fitted().unwrap());
        for (u, v) in a.components.iter().zip(&b.components) {
            assert!((u - v).abs() < 1e-9, "{u} vs {v}");
        }
        let y = fits[0].transform(xm, &ctl).unwrap();
        let back = fits[0]
            .inverse_transform(MatRef::new(&y, n, d).unwrap(), &ctl)
            .unwrap();
        for (u, v) in back.iter().zip(&x) {
            assert!((u - v).abs() < 1e-9 * v.abs().max(1.0));
        }
    }

    #[test]
    fn randomized_matches_exact_on_decaying_spectrum() {
        let (n, d) = (400, 30);
        // Column j has standard deviation 10·0.5^j: a fast-decaying spectrum.
        let x: Vec<f64> = gen(n, d, 2)
            .iter()
            .enumerate()
            .map(|(i, v)| (v - 3.0) / (1.0 + (i % d) as f64) * 10.0 * 0.5f64.powi((i % d) as i32))
            .collect();
        let xm = MatRef::new(&x, n, d).unwrap();
        let ctl = Ctl::detached();
        let fit = |solver| {
            let mut p = Pca::new(Params {
                solver,
                n_components: NComponents::Count(3),
                ..Params::default()
            })
            .unwrap();
            p.fit(xm, &ctl).unwrap();
            p.fitted().unwrap().clone()
        };
        let (r, e) = (fit(Solver::Randomized), fit(Solver::Svd));
        for (u, v) in r.explained_variance.iter().zip(&e.explained_variance) {
            assert!((u - v).abs() < 1e-6 * v, "{u} vs {v}");
        }
        assert!((r.noise_variance - e.noise_variance).abs() < 1e-6 * e.noise_variance);
    }

    #[test]
    fn identical_rows_are_degenerate_and_one_row_is_empty() {
        let x = vec![1.5f64; 40];
        let mut p = Pca::new(Params::default()).unwrap();
        let e = p
            .fit(MatRef::new(&x, 10, 4).unwrap(), &Ctl::detached())
            .unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE", "{e}");
        let e = p
            .fit(MatRef::new(&x[..4], 1, 4).unwrap(), &Ctl::detached())
            .unwrap_err();
        assert_eq!(e.code(), "ERR_EMPTY");
        assert_eq!(
            p.transform(MatRef::new(&x, 10, 4).unwrap(), &Ctl::detached())
                .unwrap_err()
                .code(),
            "ERR_NOT_FITTED"
        );
    }

    #[test]
    fn merge_after_svd_fit_is_rejected() {
        let x = gen(50, 3, 3);
        let xm = MatRef::new(&x, 50, 3).unwrap();
        let ctl = Ctl::detached();
        let mut a = Pca::new(Params {
            solver: Solver::Svd,
            ..Params::default()
        })
        .unwrap();
        a.fit(xm, &ctl).unwrap();
        let mut b = Pca::new(Params::default()).unwrap();
        b.partial_fit(xm, &ctl).unwrap();
        assert_eq!(b.merge(&a, &ctl).unwrap_err().code(), "ERR_OUT_OF_RANGE");
        assert_eq!(a.partial_fit(xm, &ctl).unwrap_err().code(), "ERR_OUT_OF_RANGE");
    }
}
