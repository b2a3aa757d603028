//! Pointwise (local) ID with one entry point for every local estimator, as api.md `localId`
//! needs: the value of each row from its own k nearest neighbours.

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};

use crate::{ess, lpca, mada, mle, mom, tle, Aggregate, Duplicates};

/// Which local estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Method {
    /// Levina–Bickel MLE, (k − 1)/Σ ln(r_k/r_j).
    Mle,
    /// Amsaleg et al.'s LID MLE (Hill), k/Σ ln(r_k/r_j) — same order as `Mle`.
    Lid,
    /// Method of moments.
    Mom,
    /// Tight local estimator.
    Tle,
    /// Manifold-adaptive (ln 2 / ln(r_k/r_⌊k/2⌋)).
    Mada,
    /// Local PCA, Fukunaga–Olsen on the k neighbours.
    Lpca,
    /// Expected simplex skewness (version a, d = 1).
    Ess,
}

impl Method {
    /// Parse the public name (`'mle' | 'lid' | 'mom' | 'tle' | 'mada' | 'lpca' | 'ess'`).
    ///
    /// # Errors
    /// `OutOfRange` for any other name.
    pub fn parse(name: &str) -> Result<Self> {
        Ok(match name {
            "mle" => Method::Mle,
            "lid" => Method::Lid,
            "mom" => Method::Mom,
            "tle" => Method::Tle,
            "mada" => Method::Mada,
            "lpca" => Method::Lpca,
            "ess" => Method::Ess,
            _ => {
                return Err(Error::OutOfRange {
                    name: "method",
                    expected: "one of 'mle', 'lid', 'mom', 'tle', 'mada', 'lpca', 'ess'".into(),
                    actual: name.into(),
                })
            }
        })
    }
}

/// Pointwise ID of every row with `k` neighbours and the estimator's reference defaults
/// otherwise; zero-distance neighbours are kept (`Duplicates::Keep`, the reference behaviour),
/// and a row whose value is undefined (e.g. MLE with a duplicate) makes the call fail rather
/// than return 0, ∞ or NaN.
///
/// # Shapes and types
/// `x`: N × D (f32/f64; read by TLE, lPCA and ESS only); `nb`: N × k₀ neighbours, k₀ ≥ k.
/// Returns N values.
/// # Cost
/// That of the chosen estimator (O(N·k) for MLE/LID/MOM/MADA, O(N·k²·D) for TLE, ESS and
/// lPCA).
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// Those of the chosen estimator; `Duplicates` for MLE/LID rows with a zero distance.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `dimension_pw_` of MLE, MOM, TLE, MADA, ESS and `lPCA.fit_pw`.
pub fn local_id<T: Element>(
    method: Method,
    x: MatRef<'_, T>,
    nb: &Neighbors,
    k: usize,
    ctl: &Ctl<'_>,
) -> Result<Vec<f64>> {
    let keep = Duplicates::Keep;
    let est = match method {
        Method::Mle | Method::Lid => {
            let normalization = if method == Method::Lid {
                mle::Normalization::Hill
            } else {
                mle::Normalization::LevinaBickel
            };
            let p = mle::Params {
                k,
                aggregate: Aggregate::Mean,
                normalization,
                duplicates: keep,
                ..Default::default()
            };
            let e = mle::estimate(nb, &p, ctl)?;
            let zeros = e
                .pointwise
                .as_ref()
                .map_or(0, |v| v.iter().filter(|a| **a == 0.0).count());
            if zeros > 0 {
                return Err(Error::Duplicates { count: zeros });
            }
            e
        }
        Method::Mom => mom::estimate(
            nb,
            &mom::Params {
                k,
                duplicates: keep,
                ..Default::default()
            },
            ctl,
        )?,
        Method::Tle => tle::estimate(
            x,
            nb,
            &tle::Params {
                k,
                ..Default::default()
            },
            ctl,
        )?,
        Method::Mada => mada::estimate(
            nb,
            &mada::Params {
                k,
                duplicates: keep,
                ..Default::default()
            },
            ctl,
        )?,
        Method::Lpca => lpca::pointwise(x, nb, k, &lpca::Params::default(), ctl)?,
        Method::Ess => ess::estimate(
            x,
            nb,
            &ess::Params {
                k,
                ..Default::default()
            },
            ctl,
        )?,
    };
    est.pointwise
        .ok_or_else(|| Error::Internal("local estimator without pointwise values".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lid_is_mle_times_k_over_k_minus_one() {
        let ctl = Ctl::detached();
        let m = crate::datasets::manifold("M7_Roll", 200, 0.0, 1).unwrap();
        let x = MatRef::new(&m.data, m.rows, m.cols).unwrap();
        let nb = crate::knn_exact(x, 10, &ctl).unwrap();
        let a = local_id(Method::Mle, x, &nb, 10, &ctl).unwrap();
        let b = local_id(Method::Lid, x, &nb, 10, &ctl).unwrap();
        for (p, q) in a.iter().zip(&b) {
            assert!((p * 10.0 / 9.0 - q).abs() <= 1e-12 * q);
        }
        assert_eq!(Method::parse("nope").unwrap_err().code(), "ERR_OUT_OF_RANGE");
        for m in ["mom", "tle", "mada", "lpca", "ess"] {
            let v = local_id(Method::parse(m).unwrap(), x, &nb, 10, &ctl).unwrap();
            assert_eq!(v.len(), 200);
            assert!(v.iter().all(|a| a.is_finite()), "{m}");
        }
    }
}
