//! Neighbourhood alignment of two representations of the same items, and the separability
//! dimension of one set (issue 14).
//!
//! - [`imbalance`]: information imbalance Δ(A→B), Δ(B→A) (Glielmo et al. 2022), at parity
//!   with `DADApy` 0.3.4;
//! - [`mutual`]: mutual k-nearest-neighbour alignment (Huh et al. 2024), CKNNA and the per-row
//!   neighbour Jaccard index;
//! - [`separability`]: the separability dimension n(δ) = −1 − log₂ p(δ) (Sutton et al. 2024).
//!
//! Neighbours always come from `embgeo_knn`'s exact engine (self excluded by index, ties to the
//! lower index, f64 re-ranking); full rankings use the engine's exact f64 keys
//! (`embgeo_knn::metric`), so both agree bit for bit. The two matrices may differ in width and
//! element type; everything is computed in f64. Results are bit-identical for any thread count.

mod common;
pub mod imbalance;
pub mod mutual;
pub mod separability;

pub use embgeo_knn::Metric;
