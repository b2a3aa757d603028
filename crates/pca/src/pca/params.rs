//! The options of [`super::Pca`], their data-independent validation, and the `Auto` solver rule.

use embgeo_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::moments;

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
    /// Rows per block of the moment accumulation (and of `transform`).
    /// Default 512 (see [`moments::Params::block_rows`]).
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
            block_rows: 512,
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
        Error::require_at_least_one("blockRows", self.block_rows)?;
        Ok(())
    }
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
