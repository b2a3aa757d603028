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

mod finish;
mod params;
mod project;
#[cfg(test)]
mod tests;

use embgeo_core::{Ctl, Element, Error, MatRef, Par, Result};
use serde::{Deserialize, Serialize};

pub use params::{resolve_solver, NComponents, Params, Solver};
pub(crate) use project::{back_project_rows, check_features, project_rows};

use crate::lazy::LazyState;
use crate::{moments, randomized, svd, Moments};

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
///
/// `partial_fit` and `merge` only update the moments and mark the learned state as pending;
/// the eigendecomposition runs once, on the first read of the state ([`Pca::fitted`], and so
/// every transform, accessor and save), not once per block: m partial fits followed by a read
/// cost m moment updates and one eigendecomposition.
#[derive(Debug, Clone)]
pub struct Pca {
    params: Params,
    /// The learned state: computed, absent, or pending (computed from `moments` on first read).
    fitted: LazyState<Fitted>,
    moments: Option<Moments>,
}

impl PartialEq for Pca {
    /// Same options, same moments and the same learned state (pending states are computed).
    fn eq(&self, other: &Self) -> bool {
        self.params == other.params && self.moments == other.moments && self.fitted() == other.fitted()
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
            fitted: LazyState::default(),
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
            fitted: LazyState::new(fitted),
            moments,
        })
    }

    /// The options.
    #[must_use]
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The learned state; after `partial_fit` / `merge`, computed here from the moments on the
    /// first call (one ≈ 4d³-flop eigendecomposition, not interruptible) and kept.
    ///
    /// # Errors
    /// `NotFitted` before a successful fit; from pending moments, the errors of the covariance
    /// solver (`Degenerate`, `Internal`), returned again by every later call.
    pub fn fitted(&self) -> Result<&Fitted> {
        self.fitted.get(Error::NotFitted("PCA"), || match &self.moments {
            // Sequential: a read may come from the host's thread, never from a pool (the
            // eigensolver is sequential anyway).
            Some(m) => self.finish_moments(m, &Ctl::detached().with_par(Par::Seq)),
            None => Err(Error::NotFitted("PCA")),
        })
    }

    /// Replace the learned state by `f` (computed now).
    fn set_fitted(&mut self, f: Option<Fitted>) {
        self.fitted = LazyState::new(f);
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
        let f = self.fitted.computed().map_or(0, |f| {
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
    /// Randomized: see [`crate::randomized::solve`]. Memory rule (crate docs): the covariance
    /// solver needs d ≤ 16,384, the SVD solver min(n, d) ≤ 16,384; `Auto` never picks the
    /// covariance solver for n < 10·d (wide inputs take the SVD route).
    /// # Determinism
    /// Bit-identical for every thread count with every solver (randomized: for a given seed).
    /// # Errors
    /// `Empty` (n < 2), `NonFinite`, `OutOfRange` (k > min(n, d); or a square buffer over the
    /// memory rule or refused by the allocator, message naming the size), `Degenerate` (all rows
    /// identical), `Internal`, `Cancelled`.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// scikit-learn `PCA.fit`; fixtures `pca/*.json` at rtol 1e-10 (f64) / 1e-5 (f32).
    pub fn fit<T: Element>(&mut self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<()> {
        x.require_rows("X", 2, "PCA")?;
        Error::require_at_least_one("X.cols", x.cols())?;
        // Finiteness is checked once, by the solver that reads the rows.
        let (n, d) = (x.rows(), x.cols());
        let solver = resolve_solver(self.params.solver, n, d, self.params.n_components);
        match solver {
            Solver::Covariance | Solver::Auto => {
                let mp = self.moment_params();
                let m = moments::accumulate(x, None, &mp, ctl)?;
                let f = self.finish_moments(&m, ctl)?;
                self.set_fitted(Some(f));
                self.moments = Some(m);
            }
            Solver::Svd => {
                let (s, mean) = svd::solve(x, self.params.center, ctl)?;
                let f = self.finish(&s, mean, n, d, Solver::Svd)?;
                self.set_fitted(Some(f));
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
                self.set_fitted(Some(f));
                self.moments = None;
            }
        }
        Ok(())
    }

    /// Add rows to the exact streaming moments; the refit from them (covariance solver) runs on
    /// the next read of the state ([`Pca::fitted`]).
    ///
    /// After blocks `X₁ … X_m`, the model equals `fit` on all their rows with the covariance
    /// solver up to rounding (tested to 1e-12 over 10 blocks). The model stays unfitted (and
    /// this returns `Ok`) while fewer than 2 rows, fewer rows than a requested component count,
    /// or only identical rows have been seen; the moments are kept either way.
    ///
    /// # Shapes and types
    /// `x`: n × d row-major f32/f64; d must match earlier blocks.
    /// # Cost
    /// n·d²/2 multiply-adds per call (the ≈ 4d³-flop eigendecomposition runs once, on the next
    /// read of the state); memory as `fit` with the covariance solver (memory rule: d ≤ 16,384,
    /// checked before allocating). The moments are updated in place (`Moments::update` leaves
    /// them unchanged on error), so an error leaves the model unchanged without a copy of them.
    /// # Determinism
    /// Bit-identical for every thread count.
    /// # Errors
    /// `Shape` (d differs), `NonFinite`, `OutOfRange` (a count above d, after a fit by the
    /// SVD / randomized solver, which keep no moments, or d over the memory rule), `Internal`,
    /// `Cancelled`. On error the model is unchanged.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// Chan, Golub and LeVeque (1979); scikit-learn `PCA(svd_solver="covariance_eigh")` on all rows.
    pub fn partial_fit<T: Element>(&mut self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<()> {
        self.require_streamable()?;
        // (With moments, `update` rejects another width with `Shape`, as before.)
        self.check_count(self.moments.as_ref().map_or(x.cols(), Moments::n_features))?;
        let mp = self.moment_params();
        // `Moments::update` leaves the moments unchanged on error, so they are updated in place
        // (no d × d copy per call) and the model changes only once it succeeded.
        Moments::update_slot(&mut self.moments, x, None, &mp, ctl)?;
        self.mark_pending();
        Ok(())
    }

    /// Merge the moments of another model (rows fitted elsewhere); the refit runs on the next
    /// read of the state.
    ///
    /// # Cost
    /// O(d²) (+ one eigendecomposition on the next read).
    /// # Determinism
    /// Deterministic.
    /// # Errors
    /// `NotFitted` if `other` has seen no rows; `OutOfRange` if either model has no moments
    /// (fitted by the SVD or randomized solver), `Shape` if the feature counts differ,
    /// `Internal`, `Cancelled`. On error the model is unchanged.
    /// # Panics
    /// Never.
    /// # Reference
    /// Chan, Golub and LeVeque (1979).
    pub fn merge(&mut self, other: &Pca, ctl: &Ctl<'_>) -> Result<()> {
        ctl.checkpoint()?;
        self.require_streamable()?;
        let Some(om) = &other.moments else {
            return Err(match other.fitted() {
                Ok(f) => no_moments(Some(f.solver)),
                Err(_) => Error::NotFitted("PCA"),
            });
        };
        let mut m = match &self.moments {
            Some(m) => m.try_clone()?,
            None => Moments::new(om.n_features())?,
        };
        m.merge(om)?;
        self.refit(m)
    }

    /// Fit from precomputed moments (e.g. accumulated by [`moments::accumulate`] elsewhere).
    ///
    /// # Errors
    /// As [`Pca::fit`] with the covariance solver: `Empty`, `Degenerate`, `OutOfRange`, `Internal`.
    pub fn fit_moments(&mut self, m: Moments, ctl: &Ctl<'_>) -> Result<()> {
        let f = self.finish_moments(&m, ctl)?;
        self.set_fitted(Some(f));
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
        match (self.fitted.computed(), &self.moments) {
            (Some(f), None) => Err(no_moments(Some(f.solver))),
            _ => Ok(()),
        }
    }

    /// Keep `m`; when it holds enough information, mark the state pending (computed from `m` on
    /// the next read), else leave the model unfitted. O(d²) (the all-zero check).
    fn refit(&mut self, m: Moments) -> Result<()> {
        self.check_count(m.n_features())?;
        self.moments = Some(m);
        self.mark_pending();
        Ok(())
    }

    /// `OutOfRange` when a component count above `d` features was asked.
    fn check_count(&self, d: usize) -> Result<()> {
        if let NComponents::Count(k) = self.params.n_components {
            if k > d {
                return Err(Error::OutOfRange {
                    name: "nComponents",
                    expected: format!("at most the number of features, {d}"),
                    actual: k.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Mark the state pending when the moments hold enough information, else unfitted.
    fn mark_pending(&mut self) {
        let Some(m) = &self.moments else {
            self.fitted = LazyState::default();
            return;
        };
        let too_few = match self.params.n_components {
            NComponents::Count(k) => (m.n_samples() as usize).min(m.n_features()) < k,
            _ => false,
        };
        let unfit =
            m.n_samples() < 2 || too_few || m.comoment().iter().all(|v| *v == 0.0) && self.params.center;
        self.fitted = if unfit {
            LazyState::default()
        } else {
            LazyState::pending()
        };
    }
}

fn no_moments(solver: Option<Solver>) -> Error {
    Error::OutOfRange {
        name: "solver",
        expected: "'covariance' (or 'auto' resolving to it, or partialFit) so that exact moments are kept for partialFit / merge".into(),
        actual: format!("a model fitted with {solver:?}, which keeps no moments"),
    }
}
