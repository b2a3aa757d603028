//! Representation similarity: how two embedding sets of the same items (same rows, any widths)
//! relate.
//!
//! One measure family per module (style.md R2), each with `Params` (serde, camelCase, defaults =
//! the reference's), a result type and one `compute`:
//! - [`cka`]: centred kernel alignment — linear (Kornblith et al. 2019), debiased through the
//!   unbiased HSIC estimator (Song et al. 2012; Nguyen et al. 2021), RBF with the median-distance
//!   bandwidth (rows sampled with a seeded ChaCha8 stream above `maxRows`);
//! - [`linearity`]: the linearity score of Razzhigaev et al. 2024 (normalised least-squares fit);
//! - [`rsa`]: representational similarity analysis (Pearson / Spearman correlation of the two
//!   condensed pairwise-distance vectors; seeded pair sample above `maxPairs`);
//! - [`relative`]: relative representations (Moschella et al. 2023): similarities to anchors.
//!
//! Shared steps: [`pair`] (the checks of two representations, column means, centred f64 row
//! blocks), [`cross`] (the feature-space cross-products `XᵀX`, `YᵀY`, `XᵀY` in one pass) and
//! [`gram`] (CKA from two `n × n` kernels, biased or unbiased centring).
//!
//! All accumulation is in f64 (f32 input is widened exactly) over fixed row blocks combined in
//! index order, so every result is bit-identical for any thread count. Progress phases:
//! `"cka-features"`, `"cka-gram"` (rows), `"rsa-pairs"` (pairs), `"relative"` (rows).

// Author names (Kornblith, Razzhigaev, …) are prose, not code.
#![allow(clippy::doc_markdown)]

pub mod cka;
pub mod cross;
pub mod gram;
pub mod gram_eigen;
pub mod linearity;
pub mod pair;
pub mod relative;
pub mod rsa;

#[cfg(test)]
mod testdata;
