//! Glue for `embgeo_neighborhood`: information imbalance, mutual k-NN alignment (CKNNA,
//! Jaccard) of two representations, and the separability dimension of one set.

use embgeo_neighborhood::{imbalance, mutual, separability};
use napi::bindgen_prelude::{Float64Array, Uint32Array};

use crate::numeric_fn;

numeric_fn!(pair
    #[doc = " Information imbalance Δ(A→B), Δ(B→A) (`embgeo_neighborhood::imbalance`)."]
    information_imbalance_sync, information_imbalance,
    Imbalance(imbalance::Params, "{ k?: number, metric?: string }") -> ImbalanceOut,
    "Promise<ImbalanceOut>", imbalance::compute;
    #[doc = " Information imbalance in both directions (`embgeo_neighborhood::imbalance`)."]
    from imbalance::Imbalance => |r| {
        a_to_b: f64,
        b_to_a: f64,
        rows: u32,
        #[doc = " Exact pair keys evaluated by the screened ranks: the neighbours' own (N·k in B, k per screened row in A) plus the pairs the screening bound could not order."]
        key_evaluations: f64,
        #[doc = " Rows of A whose ranks of B's neighbours were screened; the others were read off A's kNN list."]
        screened_rows: u32,
    }
);

numeric_fn!(pair
    #[doc = " Mutual k-NN alignment, CKNNA and per-row Jaccard (`embgeo_neighborhood::mutual`)."]
    mutual_knn_sync, mutual_knn, MutualKnn(mutual::Params, "{ k?: number, metric?: string }") -> MutualKnnOut,
    "Promise<MutualKnnOut>", mutual::compute;
    #[doc = " Mutual k-NN alignment, CKNNA and per-row Jaccard (`embgeo_neighborhood::mutual`)."]
    from mutual::Mutual => |r| {
        value: f64,
        #[doc = " NaN when undefined (k < 2, N < 4, a non-positive self-term)."]
        cknna: f64,
        jaccard: Float64Array, intersections: Uint32Array, rows: u32,
    }
);

numeric_fn!(matrix
    #[doc = " The separability dimension curve n(δ) (`embgeo_neighborhood::separability`)."]
    separability_dimension_sync, separability_dimension, SeparabilityDimension(separability::Params,
        "{ deltas?: number[], maxPairs?: number, seed?: number, center?: boolean, normalize?: boolean }")
        -> SeparabilityOut, "Promise<SeparabilityOut>", separability::compute;
    #[doc = " The separability curve (`embgeo_neighborhood::separability`)."]
    from separability::Separability => |r| {
        probability: Float64Array,
        #[doc = " +Infinity where the probability is 0."]
        dimension: Float64Array,
        pairs: f64, sampled: bool, rows: u32,
    }
);
