//! Glue for `embgeo_search`: hubness reduction (`reduceHubness`) and query difficulty
//! (`queryDifficulty`).

use embgeo_core::{Ctl, Element, Error as CoreError, MatRef, Result};
use embgeo_search::{difficulty, reduction};
use napi::bindgen_prelude::{Float64Array, Object, Uint32Array};
use napi_derive::napi;

use crate::input::{params, to_u32, Data, FloatArg};
use crate::metrics::{hubness_out, HubnessOut};
use crate::task::Job;
use crate::twins;

/// Apply `f` to corpus and queries viewed as matrices of their (common) element type.
fn with_pair<R>(
    corpus: &Data<'_>,
    queries: Option<&Data<'_>>,
    cols: u32,
    f: impl FnOnce(Pair<'_>) -> Result<R>,
) -> Result<R> {
    let cols = cols as usize;
    match (corpus, queries) {
        (Data::F32(c), None) => f(Pair::F32(MatRef::from_flat(c, cols)?, None)),
        (Data::F64(c), None) => f(Pair::F64(MatRef::from_flat(c, cols)?, None)),
        (Data::F32(c), Some(Data::F32(q))) => f(Pair::F32(
            MatRef::from_flat(c, cols)?,
            Some(MatRef::from_flat(q, cols)?),
        )),
        (Data::F64(c), Some(Data::F64(q))) => f(Pair::F64(
            MatRef::from_flat(c, cols)?,
            Some(MatRef::from_flat(q, cols)?),
        )),
        _ => Err(CoreError::Internal(
            "corpus and queries of different element types".into(),
        )),
    }
}

/// A corpus and optional queries of one element type.
enum Pair<'a> {
    F32(MatRef<'a, f32>, Option<MatRef<'a, f32>>),
    F64(MatRef<'a, f64>, Option<MatRef<'a, f64>>),
}

/// Re-ranked neighbours (secondary distances, f64) and hubness before and after.
#[napi(object)]
pub struct ReduceHubnessOut {
    pub k: u32,
    pub rows: u32,
    pub indices: Uint32Array,
    pub distances: Float64Array,
    pub before: HubnessOut,
    pub after: HubnessOut,
    /// The neighbourhood size used for the secondary statistics.
    pub neighbors: u32,
    pub widened_rows: u32,
    pub max_candidates: u32,
}

fn reduce_out(r: reduction::Reduced) -> Result<ReduceHubnessOut> {
    Ok(ReduceHubnessOut {
        k: to_u32(r.neighbors.k)?,
        rows: to_u32(r.neighbors.rows)?,
        indices: r.neighbors.indices.into(),
        distances: r.neighbors.distances.into(),
        before: hubness_out(r.before)?,
        after: hubness_out(r.after)?,
        neighbors: to_u32(r.neighbors_used)?,
        widened_rows: to_u32(r.widened_rows)?,
        max_candidates: to_u32(r.max_candidates)?,
    })
}

/// The hubness-reduction job shared by both twins.
pub struct ReduceJob<'a> {
    corpus: Data<'a>,
    queries: Option<Data<'a>>,
    cols: u32,
    params: reduction::Params,
}

fn reduce<T: Element>(
    c: MatRef<'_, T>,
    q: Option<MatRef<'_, T>>,
    p: &reduction::Params,
    ctl: &Ctl<'_>,
) -> Result<ReduceHubnessOut> {
    reduce_out(reduction::compute(c, q, p, ctl)?)
}

impl Job for ReduceJob<'_> {
    type Output = ReduceHubnessOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<ReduceHubnessOut> {
        with_pair(
            &self.corpus,
            self.queries.as_ref(),
            self.cols,
            |pair| match pair {
                Pair::F32(c, q) => reduce(c, q, &self.params, ctl),
                Pair::F64(c, q) => reduce(c, q, &self.params, ctl),
            },
        )
    }
}

twins!(
    #[doc = " Hubness reduction with exact re-ranked neighbours (`options`: `{ k, method, metric, neighbors }`);"]
    #[doc = " without `queries`, every corpus row against the others."]
    reduce_hubness_sync, reduce_hubness -> ReduceHubnessOut, "Promise<ReduceHubnessOut>", ReduceJob<'static>;
    |env, hold| (
        #[napi(ts_arg_type = "Float32Array | Float64Array")] corpus: FloatArg,
        cols: u32,
        #[napi(ts_arg_type = "Float32Array | Float64Array | undefined | null")] queries: Option<FloatArg>,
        #[napi(ts_arg_type = "{ k: number; method?: string; metric?: string; neighbors?: number }")] options: Object
    ) {
        let params = params(env, options)?;
        Ok(ReduceJob { corpus: hold.data(corpus), queries: queries.map(|q| hold.data(q)), cols, params })
    }
);

/// Per-query difficulty (`Float64Array`s of length `rows`).
#[napi(object)]
pub struct DifficultyOut {
    pub rows: u32,
    pub lid: Float64Array,
    pub relative_contrast: Float64Array,
    pub expansion: Float64Array,
    pub mean_distance: Float64Array,
}

/// The query-difficulty job shared by both twins.
pub struct DifficultyJob<'a> {
    corpus: Data<'a>,
    queries: Data<'a>,
    cols: u32,
    params: difficulty::Params,
}

fn difficulty_of<T: Element>(
    c: MatRef<'_, T>,
    q: Option<MatRef<'_, T>>,
    p: &difficulty::Params,
    ctl: &Ctl<'_>,
) -> Result<DifficultyOut> {
    let q = q.ok_or_else(|| CoreError::Internal("queryDifficulty without queries".into()))?;
    let d = difficulty::compute(c, q, p, ctl)?;
    Ok(DifficultyOut {
        rows: to_u32(d.lid.len())?,
        lid: d.lid.into(),
        relative_contrast: d.relative_contrast.into(),
        expansion: d.expansion.into(),
        mean_distance: d.mean_distance.into(),
    })
}

impl Job for DifficultyJob<'_> {
    type Output = DifficultyOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<DifficultyOut> {
        with_pair(&self.corpus, Some(&self.queries), self.cols, |pair| match pair {
            Pair::F32(c, q) => difficulty_of(c, q, &self.params, ctl),
            Pair::F64(c, q) => difficulty_of(c, q, &self.params, ctl),
        })
    }
}

twins!(
    #[doc = " Query LID, relative contrast and expansion of each query row (`options`: `{ k, metric }`)."]
    query_difficulty_sync, query_difficulty -> DifficultyOut, "Promise<DifficultyOut>", DifficultyJob<'static>;
    |env, hold| (
        #[napi(ts_arg_type = "Float32Array | Float64Array")] corpus: FloatArg,
        cols: u32,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] queries: FloatArg,
        #[napi(ts_arg_type = "{ k: number; metric?: string }")] options: Object
    ) {
        let params = params(env, options)?;
        Ok(DifficultyJob { corpus: hold.data(corpus), queries: hold.data(queries), cols, params })
    }
);
