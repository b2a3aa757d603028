//! Glue for `embgeo_knn`: exact kNN (`knn`/`knnSync`), `KnnIndex` and `recall`.

use std::sync::Arc;

use embgeo_core::Result;
use embgeo_jobs::knn::{self, Approx, CrossPartsJob, Found, KnnJob, MergeJob, SearchJob, SharedIndex};
use embgeo_jobs::Ticket;
use embgeo_knn::{AnyIndex, KnnPart, Params};
use napi::bindgen_prelude::{Either, Float32Array, Float64Array, Object, Uint32Array, Uint8Array};
use napi::Env;
use napi_derive::napi;

use crate::error::OrThrow;
use crate::input::{float_data, params, FloatArg};
use crate::out::ToJs;
use crate::task::{report, shared, Js};
use crate::values::{any_data, AnyArg};
use crate::{js_object, method_twins, twins};

js_object!(
    #[doc = " Neighbours of each query row, best first (row-major `rows × k`)."]
    KnnOut from Found => |f| {
        k: u32,
        rows: u32,
        #[doc = " Corpus row of each neighbour."]
        indices: Uint32Array,
        #[doc = " Distances in the metric's units, in the input's element type."]
        distances: Either<Float32Array, Float64Array>,
        #[doc = " Parts only (shard searches, merges): the exact f64 ordering keys (`rows × k`)."]
        keys: Option<Float64Array>,
        #[doc = " Searches (`knn`/`knnSync`, `KnnIndex.search`): the screening precision that ran."]
        precision: Option<String>,
        #[doc = " Searches (`knn`/`knnSync`, `KnnIndex.search`): the kernel that filled the key tiles."]
        kernel: Option<String>,
        #[doc = " Searches (`knn`/`knnSync`, `KnnIndex.search`): exact re-rankings per result slot."]
        inflation: Option<f64>,
    }
);

twins!(
    #[doc = " Exact k nearest neighbours (`options`: `{ k, metric }`); without `queries`, every corpus"]
    #[doc = " row against the others (itself excluded by index)."]
    knn_sync, knn -> KnnOut, "Promise<KnnOut>", Js<KnnJob<'static>, KnnOut>;
    |env, hold| (
        #[napi(ts_arg_type = "Float32Array | Float64Array | Uint16Array | Int8Array")] corpus: AnyArg,
        cols: u32,
        #[napi(ts_arg_type = "Float32Array | Float64Array | Uint16Array | Int8Array | undefined | null")] queries: Option<AnyArg>,
        #[napi(ts_arg_type = "{ k: number; metric?: string; precision?: string; rowOffset?: number; queryOffset?: number }")] options: Object,
        #[napi(ts_arg_type = "'bf16' | 'f16' | undefined | null")] corpus_dtype: Option<String>,
        #[napi(ts_arg_type = "'bf16' | 'f16' | undefined | null")] queries_dtype: Option<String>
    ) {
        let params = params(env, options)?;
        let corpus = hold.keep(any_data(corpus, corpus_dtype.as_deref())?);
        let queries = hold.keep(queries.map(|q| any_data(q, queries_dtype.as_deref())).transpose()?);
        Ok(Js::new(KnnJob { corpus, queries, cols, params }))
    }
);

js_object!(
    #[doc = " The two parts of `knnCrossParts`."]
    KnnCrossOut from (Found, Found) => |r| {
        #[doc = " A's rows against B (global ids of B's rows)."]
        a_to_b: KnnOut = r.0,
        #[doc = " B's rows against A (global ids of A's rows)."]
        b_to_a: KnnOut = r.1,
    }
);

twins!(
    #[doc = " Both directions of two disjoint row blocks of the all-points graph, each pair computed once"]
    #[doc = " (`options`: `{ k, metric, rowOffset: A's first global row, queryOffset: B's }`)."]
    knn_cross_parts_sync, knn_cross_parts -> KnnCrossOut, "Promise<KnnCrossOut>", Js<CrossPartsJob<'static>, KnnCrossOut>;
    |env, hold| (
        #[napi(ts_arg_type = "Float32Array | Float64Array | Uint16Array | Int8Array")] a: AnyArg,
        cols: u32,
        #[napi(ts_arg_type = "Float32Array | Float64Array | Uint16Array | Int8Array")] b: AnyArg,
        #[napi(ts_arg_type = "{ k: number; metric?: string; rowOffset?: number; queryOffset?: number }")] options: Object,
        #[napi(ts_arg_type = "'bf16' | 'f16' | undefined | null")] a_dtype: Option<String>,
        #[napi(ts_arg_type = "'bf16' | 'f16' | undefined | null")] b_dtype: Option<String>
    ) {
        let params = params(env, options)?;
        let a = hold.keep(any_data(a, a_dtype.as_deref())?);
        let b = hold.keep(any_data(b, b_dtype.as_deref())?);
        Ok(Js::new(CrossPartsJob { a, b, cols, params }))
    }
);

/// A native-owned copy of a corpus, searched many times (raw binding of `KnnIndex`).
#[napi(custom_finalize)]
pub struct NativeKnnIndex {
    model: Arc<SharedIndex>,
}

crate::finalize_model!(NativeKnnIndex);

#[napi]
impl NativeKnnIndex {
    /// Copy `corpus` (`cols` columns) into a new index (`options`: `{ metric }`).
    #[napi(constructor)]
    pub fn new(
        env: Env,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] corpus: FloatArg,
        cols: u32,
        #[napi(ts_arg_type = "{ metric?: string }")] options: Object,
    ) -> napi::Result<Self> {
        let metric = params::<Params>(env, options).map(|p| p.metric);
        let index = metric.and_then(|m| AnyIndex::new(m, float_data(corpus).values(), cols as usize));
        shared(env, knn::share(index)).map(|model| Self { model })
    }

    /// Load an index written by `serialize`.
    #[napi(factory)]
    pub fn deserialize(env: Env, bytes: &[u8]) -> napi::Result<Self> {
        shared(env, knn::share(AnyIndex::from_bytes(bytes))).map(|model| Self { model })
    }

    /// Append rows (same element type and width as the index); `ERR_BUSY` while a search is pending.
    #[napi]
    pub fn add(
        &self,
        env: Env,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] rows: FloatArg,
        cols: u32,
    ) -> napi::Result<()> {
        knn::add(&self.model, &float_data(rows), cols).or_throw(env)?;
        report(env, &self.model)
    }

    /// `[rows, dim, metric, dtype]` of the index.
    #[napi]
    pub fn info(&self, env: Env) -> napi::Result<(u32, u32, String, String)> {
        let (rows, dim, metric, dtype) = knn::info(&self.model).or_throw(env)?;
        Ok((rows, dim, metric.to_string(), dtype.to_string()))
    }

    /// Bytes of native memory held (reported to V8 as external memory).
    #[napi]
    pub fn memory_bytes(&self) -> f64 {
        embgeo_jobs::HeapBytes::heap_bytes(&*self.model.read()) as f64
    }

    /// Tell V8 about native memory a search made (an f32 index's int16 copy, made by its first
    /// search screened in int16); the wrapper calls it after each search.
    #[napi]
    pub fn report_memory(&self, env: Env) -> napi::Result<()> {
        report(env, &self.model)
    }

    /// The versioned binary form of the index.
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<Uint8Array> {
        knn::with(&self.model, |i| Ok(i.to_bytes().into())).or_throw(env)
    }

    /// Free the native memory now (later calls fail with `ERR_NOT_FITTED`); `ERR_BUSY` while a
    /// search is pending.
    #[napi]
    pub fn dispose(&self, env: Env) -> napi::Result<()> {
        *self.model.write().or_throw(env)? = None;
        report(env, &self.model)
    }
}

method_twins!(
    #[doc = " Search the index (`options`: `{ k }`)."]
    NativeKnnIndex: search_sync, search -> KnnOut, "Promise<KnnOut>", Js<SearchJob<'static>, KnnOut>;
    |self, env, hold| (
        #[napi(ts_arg_type = "Float32Array | Float64Array")] queries: FloatArg,
        cols: u32,
        #[napi(ts_arg_type = "{ k: number }")] options: Object
    ) {
        Ok(Js::new(SearchJob {
            k: params::<Params>(env, options)?.k,
            ticket: Ticket::claim(&self.model, false)?,
            queries: hold.keep(float_data(queries)),
            cols,
        }))
    }
);

/// Approximate neighbour indices in any of the integer typed arrays ANN libraries return.
type ApproxArg<'a> = Either<&'a [u32], Either<&'a [i32], Either<&'a [u64], &'a [i64]>>>;

/// Recall@k of approximate neighbour lists against exact ones: `[overall, perQuery]`.
#[napi]
pub fn recall(
    env: Env,
    #[napi(ts_arg_type = "Uint32Array | Int32Array | BigUint64Array | BigInt64Array")] approx: ApproxArg,
    k_approx: u32,
    exact_indices: &[u32],
    exact_k: u32,
) -> napi::Result<(f64, Float64Array)> {
    let approx = match approx {
        Either::A(a) => Approx::U32(a),
        Either::B(Either::A(a)) => Approx::I32(a),
        Either::B(Either::B(Either::A(a))) => Approx::U64(a),
        Either::B(Either::B(Either::B(a))) => Approx::I64(a),
    };
    let (overall, per) =
        knn::recall(approx, k_approx as usize, exact_indices, exact_k as usize).or_throw(env)?;
    Ok((overall, per.into()))
}

/// A kNN part as JS passes it: `{ shape: { k, rows, metric, dtype }, indices, keys }`.
#[napi(object)]
pub struct KnnPartIn {
    #[napi(ts_type = "{ k: number; rows: number; metric: string; dtype: string }")]
    pub shape: serde_json::Value,
    pub indices: Uint32Array,
    pub keys: Float64Array,
}

/// The crate's part from JS arrays (one copy: the job owns its parts in both twins).
fn part_in(p: &KnnPartIn) -> Result<KnnPart> {
    knn::part(&p.shape, p.indices.to_vec(), p.keys.to_vec())
}

twins!(
    #[doc = " Merge kNN parts of the same query rows against disjoint shards (`options`: `{ k }`)."]
    merge_knn_sync, merge_knn -> KnnOut, "Promise<KnnOut>", Js<MergeJob, KnnOut>;
    |env, hold| (
        parts: Vec<KnnPartIn>,
        #[napi(ts_arg_type = "{ k: number }")] options: Object
    ) {
        let _ = hold;
        let k = params::<Params>(env, options)?.k;
        Ok(Js::new(MergeJob { parts: parts.iter().map(part_in).collect::<Result<_>>()?, k }))
    }
);

/// A part's binary form (`KnnPart::to_bytes`).
#[napi]
pub fn knn_part_to_bytes(env: Env, part: KnnPartIn) -> napi::Result<Uint8Array> {
    part_in(&part).map(|p| p.to_bytes().into()).or_throw(env)
}

js_object!(
    #[doc = " A part read from its binary form, and its metric's name."]
    KnnPartOut from KnnPart => |p| {
        metric: String = p.metric.name().to_string(),
        part: KnnOut = Found::part(p),
    }
);

/// Load a part written by `knnPartToBytes` (`ERR_BAD_MODEL` for anything else).
#[napi]
pub fn knn_part_from_bytes(env: Env, bytes: &[u8]) -> napi::Result<KnnPartOut> {
    KnnPart::from_bytes(bytes).and_then(ToJs::to_js).or_throw(env)
}
