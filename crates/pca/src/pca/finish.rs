//! From a solver's spectrum to scikit-learn's fitted attributes (component count, noise
//! variance, sign rule) and the per-component output scales.

use embgeo_core::{Ctl, Error, Result};

use super::{Fitted, NComponents, Pca, Solver};
use crate::{covariance, sign, Moments, Spectrum};

impl Pca {
    pub(super) fn finish_moments(&self, m: &Moments, ctl: &Ctl<'_>) -> Result<Fitted> {
        let cp = covariance::Params {
            ddof: 1.0,
            center: self.params.center,
        };
        let (n, d) = (m.n_samples() as usize, m.n_features());
        // only the axes the model keeps are formed; a zero total is `finish`'s error
        let s = covariance::solve_top(m, &cp, ctl, |values, total| {
            if total > 0.0 {
                self.component_count(values, total, n, d)
            } else {
                Ok(values.len())
            }
        })?;
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
    pub(super) fn finish(
        &self,
        s: &Spectrum,
        mean: Vec<f64>,
        n: usize,
        d: usize,
        solver: Solver,
    ) -> Result<Fitted> {
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
        let k = self.component_count(&s.explained_variance, s.total_variance, n, d)?;
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

    /// The number of components the model keeps, from the decreasing eigenvalues `values` and
    /// their sum `total` (> 0) of `n` rows × `d` features: `nComponents` as given (at most
    /// min(n, d)), all, or scikit-learn's variance-ratio rule.
    fn component_count(&self, values: &[f64], total: f64, n: usize, d: usize) -> Result<usize> {
        let r = n.min(d);
        Ok(match self.params.n_components {
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
                for v in values {
                    cum += v / total;
                    if cum <= target {
                        below += 1;
                    } else {
                        break;
                    }
                }
                (below + 1).min(values.len()).min(r)
            }
        })
    }

    /// Per-component output scale: `sqrt(explained_variance)` floored at `f64::EPSILON` when
    /// whitening, else 1.
    pub(super) fn scales(&self, f: &Fitted) -> Vec<f64> {
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
}
