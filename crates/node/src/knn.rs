//! Glue for `embgeo_knn`: exact kNN (`knn`/`knnSync`), `KnnIndex` and `recall`.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use embgeo_core::{Ctl, Error as CoreError, MatRef, Neighbors};
use embgeo_knn::{Index, Metric, Params};
use napi::bindgen_prelude::{
    AsyncTask, Either, Float32Array, Float64Array, ObjectFinalize, Uint32Array, Uint8Array,
};
use napi::Env;
use napi_derive::napi;

use crate::error::to_napi;
use crate::input::{with_matrix, Data, FloatArg};
use crate::task::{run_async, run_sync, Job, JobControl, JobTask};

/// Neighbours of each query row, best first (row-major `rows × k`).
#[napi(object)]
pub struct KnnOut {
    /// Neighbours per row.
    pub k: u32,
    /// Query rows.
    pub rows: u32,
    /// Corpus row of each neighbour.
    pub indices: Uint32Array,
    /// Distances in the metric's units, in the input's element type.
    pub distances: Either<Float32Array, Float64Array>,
}

fn to_u32(n: usize, what: &str) -> Result<u32, CoreError> {
    u32::try_from(n).map_err(|_| CoreError::Internal(format!("{what} exceeds u32")))
}

/// Convert neighbours to JS arrays; distances narrowed to f32 for f32 input.
fn out(n: Neighbors, f32_out: bool) -> Result<KnnOut, CoreError> {
    let distances = if f32_out {
        Either::A(n.distances.iter().map(|&d| d as f32).collect::<Vec<f32>>().into())
    } else {
        Either::B(n.distances.into())
    };
    Ok(KnnOut {
        k: to_u32(n.k, "k")?,
        rows: to_u32(n.rows, "rows")?,
        indices: n.indices.into(),
        distances,
    })
}

/// The kNN job shared by `knn` and `knnSync`.
pub struct KnnJob<'a> {
    corpus: Data<'a>,
    queries: Option<Data<'a>>,
    cols: u32,
    params: Params,
}

impl Job for KnnJob<'_> {
    type Output = KnnOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<KnnOut, CoreError> {
        let p = &self.params;
        let cols = self.cols as usize;
        let n = match (&self.corpus, &self.queries) {
            (Data::F32(c), None) => embgeo_knn::all_points(MatRef::from_flat(c, cols)?, p, ctl)?,
            (Data::F64(c), None) => embgeo_knn::all_points(MatRef::from_flat(c, cols)?, p, ctl)?,
            (Data::F32(c), Some(Data::F32(q))) => {
                embgeo_knn::search(MatRef::from_flat(c, cols)?, MatRef::from_flat(q, cols)?, p, ctl)?
            }
            (Data::F64(c), Some(Data::F64(q))) => {
                embgeo_knn::search(MatRef::from_flat(c, cols)?, MatRef::from_flat(q, cols)?, p, ctl)?
            }
            _ => {
                return Err(CoreError::Internal(
                    "corpus and queries of different element types".into(),
                ))
            }
        };
        out(n, matches!(self.corpus, Data::F32(_)))
    }
}

fn params(k: u32, metric: &str) -> Result<Params, CoreError> {
    Ok(Params::new(k as usize, Metric::parse(metric)?))
}

/// Exact k nearest neighbours; blocks the calling thread. Without `queries`, every corpus row
/// against the others (itself excluded by index).
#[napi]
pub fn knn_sync(
    env: Env,
    #[napi(ts_arg_type = "Float32Array | Float64Array")] corpus: FloatArg,
    cols: u32,
    #[napi(ts_arg_type = "Float32Array | Float64Array | undefined | null")] queries: Option<FloatArg>,
    k: u32,
    metric: String,
) -> napi::Result<KnnOut> {
    let params = params(k, &metric).map_err(|e| to_napi(env, &e))?;
    let job = KnnJob {
        corpus: Data::borrowed(corpus),
        queries: queries.map(Data::borrowed),
        cols,
        params,
    };
    run_sync(env, &job)
}

/// Exact k nearest neighbours on the embgeo pool; inputs are copied once before this returns.
#[napi(ts_return_type = "Promise<KnnOut>")]
pub fn knn(
    env: Env,
    #[napi(ts_arg_type = "Float32Array | Float64Array")] corpus: FloatArg,
    cols: u32,
    #[napi(ts_arg_type = "Float32Array | Float64Array | undefined | null")] queries: Option<FloatArg>,
    k: u32,
    metric: String,
    control: Option<&JobControl>,
) -> napi::Result<AsyncTask<JobTask<KnnJob<'static>>>> {
    let params = params(k, &metric).map_err(|e| to_napi(env, &e))?;
    let job = KnnJob {
        corpus: Data::copied(corpus),
        queries: queries.map(Data::copied),
        cols,
        params,
    };
    Ok(run_async(job, control))
}

/// An index of either element type.
enum AnyIndex {
    F32(Index<f32>),
    F64(Index<f64>),
}

impl AnyIndex {
    fn memory(&self) -> usize {
        match self {
            AnyIndex::F32(i) => i.memory_bytes(),
            AnyIndex::F64(i) => i.memory_bytes(),
        }
    }
}

/// The index and the number of searches that hold it (queued or running).
#[derive(Default)]
struct State {
    index: RwLock<Option<AnyIndex>>,
    searches: AtomicUsize,
}

type Shared = Arc<State>;

/// Counts one search from the moment it is created on the JS thread until the job is dropped,
/// so `add`/`dispose` can refuse deterministically (`ERR_BUSY`) while any search is pending.
pub struct SearchTicket(Shared);

impl SearchTicket {
    fn new(state: &Shared) -> Self {
        state.searches.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(state))
    }
}

impl Drop for SearchTicket {
    fn drop(&mut self) {
        self.0.searches.fetch_sub(1, Ordering::SeqCst);
    }
}

fn disposed() -> CoreError {
    CoreError::NotFitted("KnnIndex (disposed)")
}

/// A native-owned copy of a corpus, searched many times (raw binding of `KnnIndex`).
#[napi(custom_finalize)]
pub struct NativeKnnIndex {
    inner: Shared,
    /// Bytes last reported to V8 with `adjust_external_memory` (methods take `&self`: napi-rs
    /// refuses a `&mut self` call while an async search holds the instance).
    reported: AtomicI64,
}

impl NativeKnnIndex {
    fn report(&self, env: Env) -> napi::Result<()> {
        let now = self
            .inner
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map_or(0, AnyIndex::memory);
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        let before = self.reported.swap(now, Ordering::Relaxed);
        env.adjust_external_memory(now - before)?;
        Ok(())
    }

    fn create(env: Env, index: AnyIndex) -> napi::Result<Self> {
        let state = State {
            index: RwLock::new(Some(index)),
            searches: AtomicUsize::new(0),
        };
        let this = Self {
            inner: Arc::new(state),
            reported: AtomicI64::new(0),
        };
        this.report(env)?;
        Ok(this)
    }
}

impl ObjectFinalize for NativeKnnIndex {
    fn finalize(self, env: Env) -> napi::Result<()> {
        env.adjust_external_memory(-self.reported.load(Ordering::Relaxed))?;
        Ok(())
    }
}

fn add_rows(index: &mut AnyIndex, rows: &Data<'_>, cols: u32) -> Result<(), CoreError> {
    with_matrix(rows, cols, |m| match (index, m) {
        (AnyIndex::F32(i), Either::A(m)) => i.add(m),
        (AnyIndex::F64(i), Either::B(m)) => i.add(m),
        _ => Err(CoreError::Internal(
            "rows of another element type than the index".into(),
        )),
    })
}

#[napi]
impl NativeKnnIndex {
    /// Copy `corpus` (`cols` columns) into a new index for `metric`.
    #[napi(constructor)]
    pub fn new(
        env: Env,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] corpus: FloatArg,
        cols: u32,
        metric: String,
    ) -> napi::Result<Self> {
        let build = || -> Result<AnyIndex, CoreError> {
            let metric = Metric::parse(&metric)?;
            let data = Data::borrowed(corpus);
            let mut index = match data {
                Data::F32(_) => AnyIndex::F32(Index::new(metric, cols as usize)?),
                Data::F64(_) => AnyIndex::F64(Index::new(metric, cols as usize)?),
            };
            add_rows(&mut index, &data, cols)?;
            Ok(index)
        };
        let index = build().map_err(|e| to_napi(env, &e))?;
        Self::create(env, index)
    }

    /// Load an index written by `serialize`.
    #[napi(factory)]
    pub fn deserialize(env: Env, bytes: &[u8]) -> napi::Result<Self> {
        let load = || -> Result<AnyIndex, CoreError> {
            match bytes.get(12) {
                Some(0) => Ok(AnyIndex::F32(Index::from_bytes(bytes)?)),
                Some(1) => Ok(AnyIndex::F64(Index::from_bytes(bytes)?)),
                _ => Err(CoreError::BadModel(
                    "not an embgeo kNN index: missing the EMBGKNN header".into(),
                )),
            }
        };
        let index = load().map_err(|e| to_napi(env, &e))?;
        Self::create(env, index)
    }

    /// Append rows (same element type and width as the index).
    #[napi]
    pub fn add(
        &self,
        env: Env,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] rows: FloatArg,
        cols: u32,
    ) -> napi::Result<()> {
        let result = {
            let guard = self
                .inner
                .index
                .try_write()
                .ok()
                .filter(|_| self.inner.searches.load(Ordering::SeqCst) == 0);
            let Some(mut guard) = guard else {
                return Err(to_napi(env, &busy()));
            };
            match guard.as_mut() {
                Some(index) => add_rows(index, &Data::borrowed(rows), cols),
                None => Err(disposed()),
            }
        };
        result.map_err(|e| to_napi(env, &e))?;
        self.report(env)
    }

    /// `[rows, dim, metric, dtype]` of the index.
    #[napi]
    pub fn info(&self, env: Env) -> napi::Result<(u32, u32, String, String)> {
        let guard = self.inner.index.read().unwrap_or_else(PoisonError::into_inner);
        let info = match guard.as_ref() {
            Some(AnyIndex::F32(i)) => (i.len(), i.dim(), i.metric().name(), "f32"),
            Some(AnyIndex::F64(i)) => (i.len(), i.dim(), i.metric().name(), "f64"),
            None => return Err(to_napi(env, &disposed())),
        };
        let rows = to_u32(info.0, "rows").map_err(|e| to_napi(env, &e))?;
        Ok((rows, info.1 as u32, info.2.to_string(), info.3.to_string()))
    }

    /// Bytes of native memory held (reported to V8 as external memory).
    #[napi]
    pub fn memory_bytes(&self) -> f64 {
        self.inner
            .index
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map_or(0.0, |i| i.memory() as f64)
    }

    /// The versioned binary form of the index.
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<Uint8Array> {
        let guard = self.inner.index.read().unwrap_or_else(PoisonError::into_inner);
        match guard.as_ref() {
            Some(AnyIndex::F32(i)) => Ok(i.to_bytes().into()),
            Some(AnyIndex::F64(i)) => Ok(i.to_bytes().into()),
            None => Err(to_napi(env, &disposed())),
        }
    }

    /// Free the native memory now (later calls fail with `ERR_NOT_FITTED`).
    #[napi]
    pub fn dispose(&self, env: Env) -> napi::Result<()> {
        let guard = self
            .inner
            .index
            .try_write()
            .ok()
            .filter(|_| self.inner.searches.load(Ordering::SeqCst) == 0);
        let Some(mut guard) = guard else {
            return Err(to_napi(env, &busy()));
        };
        *guard = None;
        drop(guard);
        self.report(env)
    }

    /// Search synchronously (blocks the calling thread).
    #[napi]
    pub fn search_sync(
        &self,
        env: Env,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] queries: FloatArg,
        cols: u32,
        k: u32,
    ) -> napi::Result<KnnOut> {
        run_sync(
            env,
            &SearchJob {
                index: SearchTicket::new(&self.inner),
                queries: Data::borrowed(queries),
                cols,
                k,
            },
        )
    }

    /// Search on the embgeo pool; `queries` are copied once before this returns.
    #[napi(ts_return_type = "Promise<KnnOut>")]
    pub fn search(
        &self,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] queries: FloatArg,
        cols: u32,
        k: u32,
        control: Option<&JobControl>,
    ) -> AsyncTask<JobTask<SearchJob<'static>>> {
        run_async(
            SearchJob {
                index: SearchTicket::new(&self.inner),
                queries: Data::copied(queries),
                cols,
                k,
            },
            control,
        )
    }
}

fn busy() -> CoreError {
    CoreError::Busy("KnnIndex is being searched; wait for the search before add() or dispose()")
}

/// A search of a `KnnIndex`.
pub struct SearchJob<'a> {
    index: SearchTicket,
    queries: Data<'a>,
    cols: u32,
    k: u32,
}

impl Job for SearchJob<'_> {
    type Output = KnnOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<KnnOut, CoreError> {
        let guard = self.index.0.index.read().unwrap_or_else(PoisonError::into_inner);
        let k = self.k as usize;
        let cols = self.cols as usize;
        match (guard.as_ref(), &self.queries) {
            (Some(AnyIndex::F32(i)), Data::F32(q)) => {
                out(i.search(MatRef::from_flat(q, cols)?, k, ctl)?, true)
            }
            (Some(AnyIndex::F64(i)), Data::F64(q)) => {
                out(i.search(MatRef::from_flat(q, cols)?, k, ctl)?, false)
            }
            (None, _) => Err(disposed()),
            _ => Err(CoreError::Internal(
                "queries of another element type than the index".into(),
            )),
        }
    }
}

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
    let compute = || -> Result<(f64, Vec<f64>), CoreError> {
        let k = exact_k as usize;
        let rows = exact_indices.len().checked_div(k).unwrap_or(0);
        // Recall counts indices only; the distances are not consulted.
        let exact = Neighbors {
            k,
            rows,
            indices: exact_indices.to_vec(),
            distances: vec![0.0; rows * k],
        };
        let ka = k_approx as usize;
        match approx {
            Either::A(a) => embgeo_knn::recall(a, ka, &exact),
            Either::B(Either::A(a)) => embgeo_knn::recall(a, ka, &exact),
            Either::B(Either::B(Either::A(a))) => embgeo_knn::recall(a, ka, &exact),
            Either::B(Either::B(Either::B(a))) => embgeo_knn::recall(a, ka, &exact),
        }
    };
    let (overall, per) = compute().map_err(|e| to_napi(env, &e))?;
    Ok((overall, per.into()))
}
