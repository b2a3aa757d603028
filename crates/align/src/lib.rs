//! Aligning two representations of the same items (issue 14): two matrices with the same rows
//! (the same items, row by row) and any widths.
//!
//! - [`procrustes`]: orthogonal Procrustes distance and the angular shape metric with partial
//!   whitening α ∈ [0, 1] (Williams et al. 2021, netrep's `LinearMetric`), plus the rotation;
//! - [`cca`]: canonical correlations and their summaries: mean CCA, SVCCA (Raghu et al. 2017),
//!   PWCCA (Morcos et al. 2018);
//! - [`linear`]: several of these and the linear measures of `embgeo_compare` (CKA, linearity)
//!   from feature-space products computed once per arithmetic (`compare()`'s shared entry);
//! - [`blocks`]: what both share: the pair checks, centring into f64, cross products.
//!
//! Every routine accumulates in f64 (also for f32 input), runs its dense decompositions on the
//! calling thread and its products in fixed column blocks, so results are bit-identical for
//! every thread count.

pub mod blocks;
pub mod cca;
pub mod linear;
pub mod procrustes;

/// Seeded test data shared by the modules' tests.
#[cfg(test)]
pub(crate) mod testdata {
    /// `n × d` row-major values in [-1, 1) from a 64-bit LCG (Knuth's MMIX constants).
    pub fn uniform(n: usize, d: usize, seed: u64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
        (0..n * d)
            .map(|_| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
            })
            .collect()
    }

    /// `x` (n × d, row-major) times `r` (d × e, row-major).
    pub fn times(x: &[f64], n: usize, d: usize, r: &[f64], e: usize) -> Vec<f64> {
        let mut out = vec![0.0; n * e];
        for i in 0..n {
            for k in 0..d {
                for j in 0..e {
                    out[i * e + j] += x[i * d + k] * r[k * e + j];
                }
            }
        }
        out
    }
}
