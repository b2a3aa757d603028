//! Glue for `embgeo_search`: hubness reduction (`reduceHubness`) and query difficulty
//! (`queryDifficulty`), both functions of a corpus and (optional) queries of one element type.

use embgeo_core::{Ctl, Element, Error as CoreError, MatRef, Result};
use embgeo_jobs::{CorpusFn, CorpusJob};
use embgeo_search::{difficulty, reduction};
use napi::bindgen_prelude::{Float64Array, Object, Uint32Array};

use crate::input::{float_data, params, FloatArg};
use crate::metrics::HubnessOut;
use crate::out::ToJs;
use crate::{js_object, twins};

/// A [`CorpusFn`] named `$f` with options `$params` and its one call `|c, q, p, ctl| body`.
macro_rules! corpus_fn {
    ($f:ident($params:ty) -> $out:ty, |$c:ident, $q:ident, $p:ident, $ctl:ident| $body:block) => {
        /// The call of a corpus function.
        pub struct $f;

        impl CorpusFn for $f {
            type Params = $params;
            type Output = $out;
            fn call<T: Element>(
                $c: MatRef<'_, T>,
                $q: Option<MatRef<'_, T>>,
                $p: &$params,
                $ctl: &Ctl<'_>,
            ) -> Result<$out> $body
        }
    };
}

js_object!(
    #[doc = " Re-ranked neighbours (secondary distances, f64) and hubness before and after."]
    ReduceHubnessOut from reduction::Reduced => |r| {
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

corpus_fn!(Reduce(reduction::Params) -> ReduceHubnessOut, |c, q, p, ctl| {
    reduction::compute(c, q, p, ctl)?.to_js()
});

twins!(
    #[doc = " Hubness reduction with exact re-ranked neighbours (`options`: `{ k, method, metric, neighbors }`);"]
    #[doc = " without `queries`, every corpus row against the others."]
    reduce_hubness_sync, reduce_hubness -> ReduceHubnessOut, "Promise<ReduceHubnessOut>", CorpusJob<'static, Reduce>;
    |env, hold| (
        #[napi(ts_arg_type = "Float32Array | Float64Array")] corpus: FloatArg,
        cols: u32,
        #[napi(ts_arg_type = "Float32Array | Float64Array | undefined | null")] queries: Option<FloatArg>,
        #[napi(ts_arg_type = "{ k: number; method?: string; metric?: string; neighbors?: number }")] options: Object
    ) {
        let params = params(env, options)?;
        let (corpus, queries) = (hold.keep(float_data(corpus)), hold.keep(queries.map(float_data)));
        Ok(CorpusJob::<Reduce> { corpus, queries, cols, params })
    }
);

js_object!(
    #[doc = " Per-query difficulty (`Float64Array`s of length `rows`)."]
    DifficultyOut from difficulty::Difficulty => |d| {
        rows: u32 = d.lid.len(),
        lid: Float64Array, relative_contrast: Float64Array, expansion: Float64Array, mean_distance: Float64Array,
    }
);

corpus_fn!(Difficulty(difficulty::Params) -> DifficultyOut, |c, q, p, ctl| {
    let q = q.ok_or_else(|| CoreError::Internal("queryDifficulty without queries".into()))?;
    difficulty::compute(c, q, p, ctl)?.to_js()
});

twins!(
    #[doc = " Query LID, relative contrast and expansion of each query row (`options`: `{ k, metric }`)."]
    query_difficulty_sync, query_difficulty -> DifficultyOut, "Promise<DifficultyOut>", CorpusJob<'static, Difficulty>;
    |env, hold| (
        #[napi(ts_arg_type = "Float32Array | Float64Array")] corpus: FloatArg,
        cols: u32,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] queries: FloatArg,
        #[napi(ts_arg_type = "{ k: number; metric?: string }")] options: Object
    ) {
        let params = params(env, options)?;
        let (corpus, queries) = (hold.keep(float_data(corpus)), hold.keep(Some(float_data(queries))));
        Ok(CorpusJob::<Difficulty> { corpus, queries, cols, params })
    }
);
