//! Glue for `embgeo_search`: hubness reduction (`reduceHubness`) and query difficulty
//! (`queryDifficulty`), both functions of a corpus and (optional) queries of one element type.

use embgeo_core::Error as CoreError;
use embgeo_search::{difficulty, reduction};
use napi::bindgen_prelude::{Float64Array, Uint32Array};

use crate::metrics::HubnessOut;
use crate::numeric_fn;
use crate::out::ToJs;

numeric_fn!(corpus
    #[doc = " Hubness reduction with exact re-ranked neighbours (`options`: `{ k, method, metric, neighbors }`);"]
    #[doc = " without `queries`, every corpus row against the others."]
    reduce_hubness_sync, reduce_hubness, Reduce(reduction::Params,
        "{ k: number; method?: string; metric?: string; neighbors?: number }",
        "Float32Array | Float64Array | undefined | null") -> ReduceHubnessOut, "Promise<ReduceHubnessOut>",
    |(c, q), p, ctl| { reduction::compute(c, q, p, ctl)?.to_js() };
    #[doc = " Re-ranked neighbours (secondary distances, f64) and hubness before and after."]
    from reduction::Reduced => |r| {
        k: u32 = r.neighbors.k,
        rows: u32 = r.neighbors.rows,
        indices: Uint32Array = r.neighbors.indices,
        distances: Float64Array = r.neighbors.distances,
        before: HubnessOut,
        after: HubnessOut,
        #[doc = " The neighbourhood size used for the secondary statistics."]
        neighbors: u32 = r.neighbors_used,
        widened_rows: u32,
        max_candidates: u32,
    }
);

numeric_fn!(corpus
    #[doc = " Query LID, relative contrast and expansion of each query row (`options`: `{ k, metric }`)."]
    query_difficulty_sync, query_difficulty, Difficulty(difficulty::Params, "{ k: number; metric?: string }",
        "Float32Array | Float64Array") -> DifficultyOut, "Promise<DifficultyOut>", |(c, q), p, ctl| {
        let q = q.ok_or_else(|| CoreError::Internal("queryDifficulty without queries".into()))?;
        difficulty::compute(c, q, p, ctl)?.to_js()
    };
    #[doc = " Per-query difficulty (`Float64Array`s of length `rows`)."]
    from difficulty::Difficulty => |d| {
        rows: u32 = d.lid.len(),
        lid: Float64Array, relative_contrast: Float64Array, expansion: Float64Array, mean_distance: Float64Array,
    }
);
