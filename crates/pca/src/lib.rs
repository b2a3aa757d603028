//! PCA with scikit-learn semantics, exact streaming moments, whitening and all-but-the-top.
//!
//! One algorithm per module (style.md R2):
//! - [`moments`]: mergeable mean and co-moment matrix (Chan, Golub and LeVeque), optional
//!   per-row weights; the exact streaming state behind `partial_fit` and `merge`;
//! - [`covariance`]: covariance + symmetric eigendecomposition (the default solver for n ≫ d);
//! - [`svd`]: thin SVD of the centred data;
//! - [`randomized`]: seeded randomized SVD (Halko, Martinsson and Tropp);
//! - [`sign`]: scikit-learn's deterministic sign rule for components;
//! - [`pca`]: the [`Pca`] model (fit, partial fit, merge, transform, inverse transform);
//! - [`whiten`]: the [`Whitener`] (PCA, ZCA, WhiteningBERT top-k, Zipfian weights);
//! - [`all_but_the_top`]: Mu and Viswanath's post-processing;
//! - [`model`]: what the two models share ([`model::FitModel`]: fit aside, transforms, files);
//! - [`model_io`]: safetensors and JSON forms of the models.
//!
//! **Memory rule** (every `d × d` path: the covariance solver, `partial_fit`, `merge`, whitening,
//! all-but-the-top; the randomized solver's Gram route, d ≤ 2048; and the SVD solvers'
//! `min(n, d)`-sided workspace): the side is checked
//! against [`embgeo_core::dense::MAX_DENSE_BYTES`] (2 GiB per square f64 matrix, side ≤ 16,384)
//! before the first allocation, and every square buffer is allocated fallibly, so an input too
//! wide for the method (e.g. a matrix saved transposed) or for the machine is an `OutOfRange`
//! error naming the size and the way out (`solver: 'svd'` / `'randomized'`, which work on the
//! `n × d` data; or transposing X), never an abort. A path holds at most about
//! `3 + 2.5·lanes` such matrices at once (moments, lanes, eigensolver), see each doc comment.
//!
//! All accumulation is in `f64`; inputs may be `f32` or `f64` ([`embgeo_core::Element`]).
//!
//! Progress phases reported through `Ctl::advance`: `"moments"` (rows done of n),
//! `"moments-lanes"` (blocks, per finished lane), `"transform"` / `"inverse_transform"` (rows),
//! `"randomized"` (power iterations). Cancellation is checked before every block.

// Author and model names (LeVeque, WhiteningBERT, ChaCha8) are prose, not code.
#![allow(clippy::doc_markdown)]

pub mod all_but_the_top;
pub mod covariance;
pub mod model;
pub mod model_io;
pub mod moments;
pub mod pca;
pub mod randomized;
pub mod sign;
pub mod svd;
pub mod whiten;

mod lazy;
mod linalg;

pub use moments::Moments;
pub use pca::{NComponents, Pca, Solver};
pub use whiten::{Method, Whitener};

/// The result every solver hands to [`Pca`]: a spectrum in decreasing order of variance.
///
/// `components` is `rank × n_features`, row-major, one principal axis per row, signs not yet
/// normalised ([`sign::flip_rows`] does that), or only its leading rows when the solver was
/// asked for fewer ([`covariance::solve_top`]). `explained_variance[i]` is the variance along
/// axis `i` (ddof = 1); `singular_values[i]` the matching singular value of the centred data.
#[derive(Debug, Clone, PartialEq)]
pub struct Spectrum {
    /// Variance along each returned axis, decreasing.
    pub explained_variance: Vec<f64>,
    /// Singular values of the centred data, `sqrt(explained_variance · (n − 1))`.
    pub singular_values: Vec<f64>,
    /// Axes, row-major: `explained_variance.len() × n_features`, or the leading rows a caller of
    /// [`covariance::solve_top`] asked for.
    pub components: Vec<f64>,
    /// Total variance of the data (trace of the covariance), used for ratios and noise.
    pub total_variance: f64,
}
