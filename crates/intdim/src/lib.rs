//! Intrinsic-dimension (ID) estimators with scikit-dimension 0.5.0 and DADApy 0.3.4 parity.
//!
//! Every estimator lives in its own module named as in the literature and exposes `Params`
//! (whose `Default` equals the reference defaults), an entry point and, where it has one, a
//! pointwise (local) variant. Estimators that only need neighbour distances take a
//! [`Neighbors`] (rows × k, self excluded, ties to the lower index, f64 distances); estimators
//! that need coordinates also take a [`MatRef`].
//!
//! Results are [`IdEstimate`]s. No estimator returns NaN or ±∞ silently: where the reference
//! would, the estimator returns [`Error::Duplicates`] or [`Error::Degenerate`] instead, and
//! each deliberate difference from Python is listed in `DIFFERENCES.md`.
//!
//! Duplicates (zero-distance neighbours) are handled per estimator by a [`Duplicates`] policy
//! whose default reproduces the reference wherever the reference gives a finite number.
//!
//! | module | entry points | needs |
//! |---|---|---|
//! | [`twonn`] | `estimate(nb, p)` (regression / mle / bayes) | neighbours, k ≥ 2 |
//! | [`mle`] | `estimate(nb, p, ctl)`, `pointwise` | neighbours, k ≥ p.k |
//! | [`gride`] | `estimate` (one scale), `scaling` (doubling orders), `kstar` (adaptive) | neighbours |
//! | [`mom`], [`mada`] | `estimate(nb, p, ctl)` | neighbours |
//! | [`mind_ml`] | `estimate(nb, p)` | neighbours, k + 1 columns |
//! | [`tle`], [`ess`], [`corrint`], [`danco`] | `estimate(x, nb, p, ctl)` | coordinates + neighbours |
//! | [`lpca`] | `estimate(x, p)`, `pointwise(x, nb, k, p, ctl)`, `from_eigenvalues` | coordinates |
//! | [`fishers`] | `estimate(x, p, ctl)` | coordinates |
//! | [`knn_carter`] | `estimate(x, p)` | coordinates |
//! | [`ph`] | `estimate(x, p, ctl)`, `estimate_with_subsets`, `mst_lengths` | coordinates |
//! | [`local`] | `local_id(method, x, nb, k, ctl)` | pointwise ID of any local estimator |
//! | [`scaling`] | `twonn_decimation(x, p, ctl)`, `gride(nb, p)` | ID versus scale with error bars |
//! | [`datasets`] | `benchmark_manifold(name, n, noise, seed)`, `manifold`, `uniform_ball` | — |
//! | [`registry`] | `run(name, x, options, neighbours, ctl)`, `schema()`: every estimator by name, one k rule | coordinates |
//! | [`from_data`] | typed shortcuts through the registry (neighbours from `embgeo-knn`) | coordinates |
//!
//! [`knn_exact`] is a small brute-force exact kNN (sequential f64 sums) used for generated
//! calibration data and in tests; every estimator run through the [`registry`] gets its
//! neighbours from the `embgeo-knn` engine.

// Estimator and library names (DADApy, FisherS, CorrInt) are prose in the docs, not code.
#![allow(clippy::doc_markdown)]
// Exact float comparisons reproduce the reference's own `==` tests (μ == 1, u_a == r, ties).
#![allow(clippy::float_cmp)]
// `!(x > 0.0)` is used on purpose so that NaN parameters are rejected too.
#![allow(clippy::neg_cmp_op_on_partial_ord)]
// Estimators follow the reference's step lists; splitting them would hide the correspondence.
#![allow(clippy::too_many_lines)]
// (lo + hi) / 2 is written as in the references (DADApy bisection, numpy median).
#![allow(clippy::manual_midpoint)]

pub mod corrint;
pub mod danco;
pub mod datasets;
pub mod ess;
pub mod fishers;
pub mod from_data;
pub mod gride;
pub mod knn_carter;
pub mod local;
pub mod lpca;
pub mod mada;
pub mod mind_ml;
pub mod mle;
pub mod mom;
pub mod ph;
pub mod registry;
pub mod scaling;
pub mod tle;
pub mod twonn;

mod common;
mod linalg;
mod special;

pub use common::{dedup_neighbors, knn_exact, zero_distance_rows, Aggregate, Dedup, Duplicates, IdEstimate};
pub use embgeo_core::{Ctl, Error, MatRef, Neighbors, Result};
