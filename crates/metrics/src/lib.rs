//! Summary measures of embedding sets.
//!
//! One measure per module (style.md R2), each with `Params`, a result type and `compute`:
//! - [`column_stats`]: per-feature mean, variance, min, max (and [`column_stats::part`], its
//!   mergeable state for a shard);
//! - [`anisotropy`]: mean-vector norm ratio and the mean and spread of pairwise cosines, without
//!   the pairwise matrix; [`anisotropy_part`]: its mergeable state for a shard;
//! - [`spectrum`]: covariance eigenvalues, explained-variance ratios, Roy–Vetterli effective rank
//!   and participation ratio (also [`spectrum::effective_rank`] on any spectrum);
//! - [`hubness`]: k-occurrence of a kNN graph, its skewness, Robin Hood index, hubs, anti-hubs;
//!   [`hubness_part`]: the k-occurrence counts of a block of query rows, merged exactly;
//! - [`duplicates`]: exact duplicate rows;
//! - [`norms`]: row norms and unit rows; [`summary`]: percentiles, summaries, histograms;
//!   [`sample`]: seeded uniform row subsampling.
//!
//! All accumulation is in f64 over fixed blocks combined in index order, so every result is
//! bit-identical for any thread count. Progress phases reported through `Ctl::advance`:
//! `"columnStats"`, `"anisotropy"` / `"anisotropy-gram"` / `"anisotropy-pairs"` (rows),
//! `"moments"` / `"moments-lanes"` (spectrum, n ≥ d), `"columnStats"` + `"spectrum-gram"` (spectrum,
//! n < d; rows), `"hubness"` (neighbour rows), `"duplicates"` (rows).

// Author names (Roy, Vetterli, Radovanović, …) are prose, not code.
#![allow(clippy::doc_markdown)]

pub mod anisotropy;
pub mod anisotropy_part;
pub mod column_stats;
pub mod duplicates;
pub mod hubness;
pub mod hubness_part;
pub mod norms;
pub mod parts;
pub mod sample;
pub mod spectrum;
pub mod summary;
#[cfg(test)]
mod testing;
