//! Glue for `embgeo_neighborhood`: information imbalance, mutual k-NN alignment (CKNNA,
//! Jaccard) of two representations, and the separability dimension of one set.

use embgeo_neighborhood::{imbalance, mutual, separability};
use napi::bindgen_prelude::{Float64Array, Uint32Array};
use napi_derive::napi;

use crate::{matrix_fn, pair_fn, to_js};

/// Information imbalance in both directions (`embgeo_neighborhood::imbalance`).
#[napi(object)]
pub struct ImbalanceOut {
    pub a_to_b: f64,
    pub b_to_a: f64,
    pub rows: u32,
    /// Exact pair keys evaluated for the ranks (2·N²).
    pub key_evaluations: f64,
}

pair_fn!(
    #[doc = " Information imbalance Δ(A→B), Δ(B→A) (`embgeo_neighborhood::imbalance`)."]
    information_imbalance_sync, information_imbalance,
    Imbalance(imbalance::Params, "{ k?: number, metric?: string }") -> ImbalanceOut,
    "Promise<ImbalanceOut>", imbalance::compute
);

to_js!(imbalance::Imbalance => ImbalanceOut |r| { a_to_b, b_to_a, rows, key_evaluations });

/// Mutual k-NN alignment, CKNNA and per-row Jaccard (`embgeo_neighborhood::mutual`).
#[napi(object)]
pub struct MutualKnnOut {
    pub value: f64,
    /// NaN when undefined (k < 2, N < 4, a non-positive self-term).
    pub cknna: f64,
    pub jaccard: Float64Array,
    pub intersections: Uint32Array,
    pub rows: u32,
}

pair_fn!(
    #[doc = " Mutual k-NN alignment, CKNNA and per-row Jaccard (`embgeo_neighborhood::mutual`)."]
    mutual_knn_sync, mutual_knn,
    MutualKnn(mutual::Params, "{ k?: number, metric?: string }") -> MutualKnnOut,
    "Promise<MutualKnnOut>", mutual::compute
);

to_js!(mutual::Mutual => MutualKnnOut |r| { value, cknna, jaccard, intersections, rows });

/// The separability curve (`embgeo_neighborhood::separability`).
#[napi(object)]
pub struct SeparabilityOut {
    pub probability: Float64Array,
    /// +Infinity where the probability is 0.
    pub dimension: Float64Array,
    pub pairs: f64,
    pub sampled: bool,
    pub rows: u32,
}

matrix_fn!(
    #[doc = " The separability dimension curve n(δ) (`embgeo_neighborhood::separability`)."]
    separability_dimension_sync, separability_dimension,
    SeparabilityDimension(separability::Params,
        "{ deltas?: number[], maxPairs?: number, seed?: number, center?: boolean, normalize?: boolean }")
        -> SeparabilityOut,
    "Promise<SeparabilityOut>", separability::compute
);

to_js!(separability::Separability => SeparabilityOut |r| { probability, dimension, pairs, sampled, rows });
