//! Whitening: PCA whitening (BERT-whitening / WhiteningBERT with top-k), ZCA whitening and
//! Zipfian whitening (frequency-weighted mean and covariance).
//!
//! Fit: mean μ and covariance C from [`crate::moments`]; without weights `C = M / (n − 1)`
//! (`np.cov`, as BERT-whitening's reference code); with weights p (normalised internally)
//! `μ = Σ pᵢxᵢ`, `C = Σ pᵢ(xᵢ − μ)(xᵢ − μ)ᵀ` (Yokoi et al. 2024). Then `C = V Λ Vᵀ`, keep the
//! top k axes (rows of `Vᵀ`, sign rule of [`crate::sign`]), and
//! - PCA: `W = V_k (Λ_k + ε)^(−1/2)` (d × k),
//! - ZCA: `W = V_k (Λ_k + ε)^(−1/2) V_kᵀ` (d × d; with k = d, `(C + εI)^(−1/2)`).
//!
//! Transform: `Y = (X − μ) W`, then optionally each row scaled to unit L2 norm (not invertible;
//! `inverse_transform` undoes the whitening only).
//!
//! Streaming and shards: a whitener keeps the exact [`Moments`] of every row it has seen (`fit`,
//! [`Whitener::partial_fit`], [`Whitener::merge`]: the Chan merge of [`crate::moments`], with
//! weight sums for Zipfian whitening), so any sequence of partial fits and merges equals a batch
//! `fit` of all rows up to rounding. Weighted and unweighted rows never mix in one whitener.

use embgeo_core::{Ctl, Element, Error, MatRef, Par, Result};
use serde::{Deserialize, Serialize};

use crate::lazy::LazyState;
use crate::pca::{back_project_rows, check_features, project_rows};
use crate::{covariance, moments, sign, Moments};

/// Whitening method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Method {
    /// Rotate onto the principal axes and scale: output has k columns.
    Pca,
    /// Rotate, scale and rotate back (Mahalanobis / ZCA): output has d columns.
    Zca,
}

/// Options of [`Whitener`]. `Default`: PCA whitening of all axes, ε = 1e-8, centred, no L2.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// PCA or ZCA. Default PCA.
    pub method: Method,
    /// Keep the top k axes (`None` = all d). Default `None`.
    pub n_components: Option<usize>,
    /// Added to every eigenvalue before the inverse square root (shrinkage). Default 1e-8.
    pub epsilon: f64,
    /// Subtract the (weighted) mean. Default `true`.
    pub center: bool,
    /// Scale each output row to unit L2 norm (for cosine search). Default `false`.
    pub normalize: bool,
    /// Rows per block of the moments and the transform.
    /// Default 512 (see [`moments::Params::block_rows`]).
    pub block_rows: usize,
    /// Arithmetic of the per-block SYRK. Default [`moments::Kernel::Auto`].
    #[serde(default)]
    pub kernel: moments::Kernel,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            method: Method::Pca,
            n_components: None,
            epsilon: 1e-8,
            center: true,
            normalize: false,
            block_rows: 512,
            kernel: moments::Kernel::Auto,
        }
    }
}

impl Params {
    /// BERT-whitening / WhiteningBERT (Su et al. 2021; Huang et al. 2021): PCA whitening of the
    /// top `n_components` axes, ε = 0 as in their code.
    #[must_use]
    pub fn bert(n_components: Option<usize>) -> Self {
        Self {
            n_components,
            epsilon: 0.0,
            ..Self::default()
        }
    }

    /// ZCA whitening of all axes with shrinkage `epsilon`.
    #[must_use]
    pub fn zca(epsilon: f64) -> Self {
        Self {
            method: Method::Zca,
            epsilon,
            ..Self::default()
        }
    }

    /// Zipfian whitening (Yokoi et al., NeurIPS 2024): PCA whitening with the weighted mean and
    /// covariance; pass the word / item frequencies as `weights` to [`Whitener::fit`]; ε = 0.
    #[must_use]
    pub fn zipfian(n_components: Option<usize>) -> Self {
        Self::bert(n_components)
    }

    /// Check ranges that do not depend on the data.
    ///
    /// # Errors
    /// `OutOfRange` for `n_components == Some(0)`, a negative or non-finite ε, `block_rows == 0`.
    pub fn validate(&self) -> Result<()> {
        if self.n_components == Some(0) {
            return Err(Error::OutOfRange {
                name: "nComponents",
                expected: "an integer >= 1".into(),
                actual: "0".into(),
            });
        }
        if !(self.epsilon.is_finite() && self.epsilon >= 0.0) {
            return Err(Error::OutOfRange {
                name: "epsilon",
                expected: "a finite number >= 0".into(),
                actual: self.epsilon.to_string(),
            });
        }
        Error::require_at_least_one("blockRows", self.block_rows)?;
        Ok(())
    }
}

/// The learned state of a [`Whitener`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WhitenState {
    /// (Weighted) mean, d values (zeros when not centring).
    pub mean: Vec<f64>,
    /// Kept eigenvalues of the covariance (without ε), k values, decreasing.
    pub eigenvalues: Vec<f64>,
    /// Kept axes, `k × d` row-major, sign rule applied.
    pub axes: Vec<f64>,
    /// `W`, `d × out` row-major (out = k for PCA, d for ZCA), so that `Y = (X − μ) W`.
    pub matrix: Vec<f64>,
    /// Number of features d.
    pub n_features: usize,
    /// Rows seen by the fit.
    pub n_samples_seen: u64,
    /// Whether the fit used per-row weights.
    pub weighted: bool,
}

impl WhitenState {
    /// Output width (`k` for PCA, `d` for ZCA).
    #[must_use]
    pub fn out_dim(&self) -> usize {
        self.matrix.len().checked_div(self.n_features).unwrap_or(0)
    }
}

/// A whitening transform: options, learned state, and the exact moments behind it (kept by
/// every fit, so that the whitener can keep streaming or be merged).
///
/// `partial_fit` and `merge` only update the moments and mark the learned state as pending; the
/// eigendecomposition runs once, on the first read of the state ([`Whitener::state`], and so
/// every transform, accessor and save).
#[derive(Debug, Clone)]
pub struct Whitener {
    params: Params,
    /// The learned state: computed, absent, or pending (computed from `moments` on first read).
    state: LazyState<WhitenState>,
    moments: Option<Moments>,
    /// Whether `moments` were accumulated with per-row weights (meaningless without rows).
    weighted: bool,
}

impl PartialEq for Whitener {
    /// Same options, moments, weighting and learned state (pending states are computed).
    fn eq(&self, other: &Self) -> bool {
        self.params == other.params
            && self.moments == other.moments
            && self.weighted == other.weighted
            && self.state() == other.state()
    }
}

/// The way out of the dense-size error of ZCA (its model is a `d × d` matrix).
const ZCA_FIX: &str = "use method 'pca' with nComponents (a d × k matrix), or transpose X if it is stored \
    features × rows";

/// Relative eigenvalue floor below which a kept direction counts as singular.
const SINGULAR_REL: f64 = 1e-12;

impl Whitener {
    /// Heap bytes held by the fitted state (0 when unfitted), for reporting to a garbage collector.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        let s = self.state.computed().map_or(0, |s| {
            8 * (s.mean.capacity() + s.eigenvalues.capacity() + s.axes.capacity() + s.matrix.capacity())
        });
        s + self.moments.as_ref().map_or(0, Moments::heap_bytes)
    }

    /// An unfitted whitener.
    ///
    /// # Errors
    /// `OutOfRange` from [`Params::validate`].
    pub fn new(params: Params) -> Result<Self> {
        params.validate()?;
        Ok(Self {
            params,
            state: LazyState::default(),
            moments: None,
            weighted: false,
        })
    }

    /// Rebuild from parts (deserialisation); `weighted` says whether `moments` were accumulated
    /// with per-row weights.
    ///
    /// # Errors
    /// `BadModel` if shapes disagree, the state and the moments disagree in width or weighting,
    /// or the params are invalid.
    pub fn from_parts(
        params: Params,
        state: Option<WhitenState>,
        moments: Option<Moments>,
        weighted: bool,
    ) -> Result<Self> {
        params
            .validate()
            .map_err(|e| Error::BadModel(format!("invalid Whitener params: {e}")))?;
        if let Some(s) = &state {
            let (d, k) = (s.n_features, s.eigenvalues.len());
            let out = match params.method {
                Method::Pca => k,
                Method::Zca => d,
            };
            if d == 0
                || s.mean.len() != d
                || k.checked_mul(d) != Some(s.axes.len())
                || d.checked_mul(out) != Some(s.matrix.len())
            {
                return Err(Error::BadModel(format!(
                    "Whitener state shapes disagree (nFeatures {d}, nComponents {k})"
                )));
            }
            if let Some(m) = &moments {
                if m.n_features() != d || (m.n_samples() > 0 && s.weighted != weighted) {
                    return Err(Error::BadModel(format!(
                        "Whitener moments disagree with its state (nFeatures {} vs {d}, weighted {weighted} vs {})",
                        m.n_features(),
                        s.weighted
                    )));
                }
            }
        }
        Ok(Self {
            params,
            state: LazyState::new(state),
            moments,
            weighted,
        })
    }

    /// The exact moments of every row fitted so far, if any (with [`Whitener::weighted`]).
    #[must_use]
    pub fn moments(&self) -> Option<&Moments> {
        self.moments.as_ref()
    }

    /// Whether the moments were accumulated with per-row weights (Zipfian whitening).
    #[must_use]
    pub fn weighted(&self) -> bool {
        self.weighted
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
    /// `NotFitted` before a successful fit, and while the rows seen cannot be whitened (all
    /// identical); from pending moments, the solver's other errors (`Internal`), returned again
    /// by every later call.
    pub fn state(&self) -> Result<&WhitenState> {
        let not_fitted = || Error::NotFitted("Whitener");
        self.state.get(not_fitted(), || {
            let m = self.moments.as_ref().ok_or_else(not_fitted)?;
            // Sequential: a read may come from the host's thread, never from a pool.
            self.finish(m, self.weighted, &Ctl::detached().with_par(Par::Seq))
                .map_err(|e| match e {
                    Error::Degenerate(_) | Error::Empty { .. } => not_fitted(),
                    e => e,
                })
        })
    }

    /// Fit on the rows of `x`, optionally weighted (Zipfian whitening). The moments are kept
    /// (`8·(d² + d)` bytes), so the fitted whitener can continue with [`Whitener::partial_fit`]
    /// or be merged.
    ///
    /// # Shapes and types
    /// `x`: n × d row-major f32/f64, n ≥ 2; `weights`: n finite values ≥ 0 (frequencies or
    /// probabilities; normalised internally), not all 0.
    /// # Cost
    /// n·d²/2 multiply-adds + ≈ 4d³ flops; extra memory O(d²) as in [`moments::Moments::update`] + ≈ 3d² f64.
    /// Memory rule (crate docs): d ≤ 16,384, checked before any `d × d` allocation; every
    /// square buffer (moments, eigensolver, the ZCA matrix) is allocated fallibly.
    /// # Determinism
    /// Bit-identical for every thread count.
    /// # Errors
    /// `Empty` (n < 2), `Shape`, `NonFinite`, `OutOfRange` (k > d, bad weights, d over the
    /// memory rule or a square buffer refused by the allocator),
    /// `Degenerate` (all rows identical, or a kept eigenvalue + ε below 1e-12 × the largest:
    /// the message gives the numerical rank and a workable `nComponents` and `epsilon`),
    /// `Internal`, `Cancelled`. On error the whitener is unchanged.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// numpy definitions in `scripts/reference/pca.py` (BERT-whitening, Zipfian whitening of
    /// Yokoi et al. 2024, ZCA closed form by `scipy.linalg.sqrtm`); fixtures `pca/whiten-*`,
    /// `pca/zca-closed-form` at rtol 1e-10.
    pub fn fit<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        weights: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<()> {
        x.require_rows("X", 2, "whitening")?;
        self.check_components(x.cols())?;
        let m = moments::accumulate(x, weights, &self.moment_params(), ctl)?;
        let weighted = weights.is_some();
        if weighted && m.weight_sum() <= 0.0 {
            return Err(Error::OutOfRange {
                name: "weights",
                expected: "at least one positive weight".into(),
                actual: "all 0".into(),
            });
        }
        self.state = LazyState::new(Some(self.finish(&m, weighted, ctl)?));
        self.moments = Some(m);
        self.weighted = weighted;
        Ok(())
    }

    /// Add rows (with optional per-row weights) to the exact streaming moments; the refit from
    /// them runs on the next read of the state ([`Whitener::state`]).
    ///
    /// After any sequence of `partial_fit` and [`Whitener::merge`] calls the whitener equals
    /// [`Whitener::fit`] on all their rows (with the same weights) up to rounding (tested to
    /// 1e-10 relative in `tests/whiten_partial.rs`). It stays unfitted (and this returns `Ok`,
    /// the moments kept) while the rows seen cannot be whitened on their own: fewer than 2 rows,
    /// all weights 0, or a covariance `fit` would reject as `Degenerate` (identical rows; with
    /// ε = 0, fewer rows than kept components): a shard too small to whiten alone can still be
    /// merged.
    ///
    /// # Shapes and types
    /// `x`: n × d row-major f32/f64, d equal to earlier rows'; `weights`: n finite values ≥ 0,
    /// given on every call of a weighted (Zipfian) whitener and on none of an unweighted one.
    /// # Cost
    /// n·d²/2 multiply-adds per call (the ≈ 4d³-flop eigendecomposition runs once, on the next
    /// read of the state); memory as `fit` (memory rule: d ≤ 16,384, checked before allocating).
    /// The moments are updated in place: an error leaves them, and the model, unchanged.
    /// # Determinism
    /// Bit-identical for every thread count.
    /// # Errors
    /// `Shape` (d differs, weights length), `NonFinite`, `OutOfRange` (`nComponents` > d; bad
    /// weights; weights given to a whitener fitted without them or the other way round, name
    /// `weights`; a whitener loaded from a file that kept no moments; d over the memory rule),
    /// `Internal`, `Cancelled`. On error the whitener is unchanged.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// Chan, Golub and LeVeque (1979) with weight sums (Schubert and Gertz 2018).
    pub fn partial_fit<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        weights: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<()> {
        let incoming = (x.rows() > 0).then_some(weights.is_some());
        let weighted = self.joined_weighting(incoming)?.unwrap_or(weights.is_some());
        // As `Pca::partial_fit`: the moments are updated in place (`update` leaves them unchanged
        // on error), after the checks `refit` makes.
        self.check_components(self.moments.as_ref().map_or(x.cols(), Moments::n_features))?;
        let mp = self.moment_params();
        Moments::update_slot(&mut self.moments, x, weights, &mp, ctl)?;
        self.mark_pending(weighted);
        Ok(())
    }

    /// Merge the moments of another whitener (rows fitted elsewhere); the refit runs on the next
    /// read of the state, and the options of `self` are kept. Same result and unfitted cases as
    /// [`Whitener::partial_fit`].
    ///
    /// # Cost
    /// O(d²) (+ one ≈ 4d³-flop eigendecomposition on the next read); one copy of the d × d
    /// moments.
    /// # Determinism
    /// Deterministic.
    /// # Errors
    /// `NotFitted` if `other` has seen no rows; `OutOfRange` if one side is weighted and the
    /// other not (name `weights`), or either was loaded from a file that kept no moments;
    /// `Shape` if the feature counts differ; `Internal`, `Cancelled`. On error `self` is
    /// unchanged.
    /// # Panics
    /// Never.
    /// # Reference
    /// Chan, Golub and LeVeque (1979).
    pub fn merge(&mut self, other: &Whitener, ctl: &Ctl<'_>) -> Result<()> {
        ctl.checkpoint()?;
        let Some(om) = &other.moments else {
            return Err(if other.state.computed().is_some() {
                no_moments()
            } else {
                Error::NotFitted("Whitener")
            });
        };
        let incoming = (om.n_samples() > 0).then_some(other.weighted);
        let weighted = self.joined_weighting(incoming)?.unwrap_or(other.weighted);
        let mut m = match &self.moments {
            Some(m) => m.try_clone()?,
            None => Moments::new(om.n_features())?,
        };
        m.merge(om)?;
        self.refit(m, weighted)
    }

    fn moment_params(&self) -> moments::Params {
        moments::Params {
            block_rows: self.params.block_rows,
            kernel: self.params.kernel,
            ..moments::Params::default()
        }
    }

    /// `OutOfRange` if `nComponents` exceeds `d`.
    fn check_components(&self, d: usize) -> Result<()> {
        match self.params.n_components {
            Some(k) if k > d => Err(Error::OutOfRange {
                name: "nComponents",
                expected: format!("at most the number of features, {d}"),
                actual: k.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// The weighting after adding rows whose weighting is `incoming` (`None`: no rows): `None`
    /// while no rows were seen at all.
    ///
    /// # Errors
    /// `OutOfRange` (name `weights`) if weighted and unweighted rows would mix, or if this
    /// whitener is fitted but kept no moments.
    fn joined_weighting(&self, incoming: Option<bool>) -> Result<Option<bool>> {
        if self.state.computed().is_some() && self.moments.is_none() {
            return Err(no_moments());
        }
        let mine = self
            .moments
            .as_ref()
            .filter(|m| m.n_samples() > 0)
            .map(|_| self.weighted);
        match (mine, incoming) {
            (Some(a), Some(b)) if a != b => {
                let name = |w: bool| if w { "weighted" } else { "unweighted" };
                Err(Error::OutOfRange {
                    name: "weights",
                    expected: format!(
                        "{} rows like the earlier ones: weights on every partialFit / merge of a weighted (Zipfian) \
                         whitener and on none of an unweighted one",
                        name(a)
                    ),
                    actual: format!("{} rows", name(b)),
                })
            }
            (a, b) => Ok(a.or(b)),
        }
    }

    /// Keep `m`; mark the state pending (computed from `m` on the next read) when it holds at
    /// least 2 rows of positive weight, else leave the whitener unfitted. O(1).
    fn refit(&mut self, m: Moments, weighted: bool) -> Result<()> {
        self.check_components(m.n_features())?;
        self.moments = Some(m);
        self.mark_pending(weighted);
        Ok(())
    }

    /// Mark the state pending when the moments hold enough information, else unfitted; record
    /// the weighting.
    fn mark_pending(&mut self, weighted: bool) {
        self.state = match &self.moments {
            Some(m) if m.n_samples() >= 2 && m.weight_sum() > 0.0 => LazyState::pending(),
            _ => LazyState::default(),
        };
        self.weighted = weighted;
    }

    /// The whitening of the covariance held by `m` (weighted: `M / W`; else `M / (n − 1)`).
    fn finish(&self, m: &Moments, weighted: bool, ctl: &Ctl<'_>) -> Result<WhitenState> {
        let p = self.params;
        let d = m.n_features();
        let k = p.n_components.unwrap_or(d);
        let cp = covariance::Params {
            ddof: if weighted { 0.0 } else { 1.0 },
            center: p.center,
        };
        // only the k leading axes are formed (`solve_top`)
        let s = covariance::solve_top(m, &cp, ctl, |_, _| Ok(k))?;
        let lmax = s.explained_variance.first().copied().unwrap_or(0.0);
        if lmax <= 0.0 {
            return Err(Error::Degenerate(format!(
                "all {} rows are identical (covariance is 0); whitening needs at least two distinct rows",
                m.n_samples()
            )));
        }
        let rank = s
            .explained_variance
            .iter()
            .filter(|v| **v > lmax * d as f64 * f64::EPSILON)
            .count();
        let lk = s.explained_variance[k - 1];
        if lk + p.epsilon <= lmax * SINGULAR_REL {
            return Err(Error::Degenerate(format!(
                "the covariance is singular: numerical rank {rank} of {d} features (eigenvalue {k} is {lk:.3e}, \
                 the largest {lmax:.3e}), so whitening {k} directions would divide by ~0; \
                 pass nComponents <= {rank}, or epsilon >= {:.1e} to shrink the eigenvalues",
                lmax * 1e-6
            )));
        }
        let mut axes = s.components[..k * d].to_vec();
        sign::flip_rows(&mut axes, d);
        let eigenvalues = s.explained_variance[..k].to_vec();
        let inv_sqrt: Vec<f64> = eigenvalues.iter().map(|l| 1.0 / (l + p.epsilon).sqrt()).collect();
        let matrix = match p.method {
            Method::Pca => {
                let mut w = vec![0.0; d * k];
                for (i, row) in axes.chunks_exact(d).enumerate() {
                    for (j, v) in row.iter().enumerate() {
                        w[j * k + i] = v * inv_sqrt[i];
                    }
                }
                w
            }
            Method::Zca => sandwich(&axes, &inv_sqrt, d)?,
        };
        Ok(WhitenState {
            mean: if p.center { m.mean().to_vec() } else { vec![0.0; d] },
            eigenvalues,
            axes,
            matrix,
            n_features: d,
            n_samples_seen: m.n_samples(),
            weighted,
        })
    }

    /// Whiten rows: `Y = (X − μ) W`, rows L2-normalised if `normalize`.
    ///
    /// # Shapes and types
    /// `x`: n × d row-major f32/f64; returns n × out (k for PCA, d for ZCA) in the input type.
    /// # Cost
    /// 2·n·d·out flops; extra memory 2·`block_rows`·(d + out) f64 per worker.
    /// # Determinism
    /// Bit-identical for every thread count.
    /// # Errors
    /// `NotFitted`, `Shape`, `NonFinite`, `Cancelled`.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// Fixtures `pca/whiten-*` at rtol 1e-10.
    pub fn transform<T: Element>(&self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>> {
        let s = self.state()?;
        check_features(x.cols(), s.n_features, "Whitener")?;
        // Finiteness is checked by `project_rows`, fused with the centring pass.
        let (d, out) = (s.n_features, s.out_dim());
        let wt = transpose(&s.matrix, d, out);
        let ones = vec![1.0; out];
        project_rows(
            x,
            &s.mean,
            &wt,
            out,
            &ones,
            self.params.normalize,
            self.params.block_rows,
            ctl,
        )
    }

    /// Fit, then whiten the same rows.
    ///
    /// # Errors
    /// As [`Whitener::fit`] and [`Whitener::transform`].
    pub fn fit_transform<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        weights: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<Vec<T>> {
        self.fit(x, weights, ctl)?;
        self.transform(x, ctl)
    }

    /// Undo the whitening: `X = Y W⁺ + μ` (PCA: `W⁺ = (Λ_k + ε)^(1/2) V_kᵀ`; ZCA:
    /// `V_k (Λ_k + ε)^(1/2) V_kᵀ`). L2 normalisation, if any, is not undone.
    ///
    /// # Shapes and types
    /// `y`: n × out row-major f32/f64; returns n × d in the input type.
    /// # Cost
    /// 2·n·out·d flops.
    /// # Determinism
    /// Bit-identical for every thread count.
    /// # Errors
    /// `NotFitted`, `Shape`, `NonFinite`, `Cancelled`.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// Round trip tested in `tests/parity.rs`.
    pub fn inverse_transform<T: Element>(&self, y: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>> {
        let s = self.state()?;
        let (d, out) = (s.n_features, s.out_dim());
        check_features(y.cols(), out, "Whitener.inverse_transform (output width)")?;
        y.check_finite("Y")?;
        let sqrt: Vec<f64> = s
            .eigenvalues
            .iter()
            .map(|l| (l + self.params.epsilon).sqrt())
            .collect();
        let back = match self.params.method {
            Method::Pca => {
                let mut w = s.axes.clone();
                for (row, f) in w.chunks_exact_mut(d).zip(&sqrt) {
                    for v in row {
                        *v *= f;
                    }
                }
                w
            }
            Method::Zca => sandwich(&s.axes, &sqrt, d)?,
        };
        back_project_rows(y, &back, out, d, &s.mean, self.params.block_rows, ctl)
    }
}

/// The error for streaming on a whitener loaded from a file written before moments were kept.
fn no_moments() -> Error {
    Error::OutOfRange {
        name: "Whitener",
        expected: "a whitener that kept its moments (any fit, partialFit or merge of this version)".into(),
        actual: "a whitener loaded from a file without moments; fit it again".into(),
    }
}

/// `Σᵢ fᵢ aᵢᵀaᵢ` over the rows aᵢ of `axes` (k × d): a d × d symmetric matrix, row-major.
fn sandwich(axes: &[f64], f: &[f64], d: usize) -> Result<Vec<f64>> {
    let mut w = embgeo_core::dense::square_zeros("X.cols", d, "ZCA whitening", ZCA_FIX)?;
    for (row, fi) in axes.chunks_exact(d).zip(f) {
        for a in 0..d {
            let s = row[a] * fi;
            for b in 0..d {
                w[a * d + b] += s * row[b];
            }
        }
    }
    // Exact symmetry (the sums above are symmetric up to rounding order of the product).
    for a in 0..d {
        for b in 0..a {
            w[b * d + a] = w[a * d + b];
        }
    }
    Ok(w)
}

fn transpose(m: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut t = vec![0.0; rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            t[j * rows + i] = m[i * cols + j];
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_covariance_is_degenerate_with_rank_and_hints() {
        // Third column = first + second: rank 2 of 3.
        let x: Vec<f64> = (0..30u32)
            .flat_map(|i| {
                let a = (f64::from(i) * 0.37).sin();
                let b = (f64::from(i) * 1.3).cos();
                [a, b, a + b]
            })
            .collect();
        let xm = MatRef::new(&x, 30, 3).unwrap();
        let mut w = Whitener::new(Params::bert(None)).unwrap();
        let e = w.fit(xm, None, &Ctl::detached()).unwrap_err();
        let msg = e.to_string();
        assert_eq!(e.code(), "ERR_DEGENERATE");
        assert!(
            msg.contains("rank 2 of 3") && msg.contains("nComponents <= 2") && msg.contains("epsilon >="),
            "{msg}"
        );
        Whitener::new(Params::bert(Some(2)))
            .unwrap()
            .fit(xm, None, &Ctl::detached())
            .unwrap();
        Whitener::new(Params::zca(1e-3))
            .unwrap()
            .fit(xm, None, &Ctl::detached())
            .unwrap();
    }

    #[test]
    fn identical_rows_are_degenerate() {
        let x = vec![2.0f32; 12];
        let mut w = Whitener::new(Params::default()).unwrap();
        let e = w
            .fit(MatRef::new(&x, 4, 3).unwrap(), None, &Ctl::detached())
            .unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE");
        assert!(e.to_string().contains("identical"));
    }
}
