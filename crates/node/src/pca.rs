//! Glue for `embgeo_pca`: `PCA`, `Whitener` and `allButTheTop`.

use std::sync::Arc;

use embgeo_core::{Ctl, Element, Error as CoreError, MatRef};
use embgeo_pca::{all_but_the_top, model_io, pca, whiten, NComponents, Pca, Solver, Whitener};
use napi::bindgen_prelude::{AsyncTask, Either, Float32Array, Float64Array, ObjectFinalize, Uint8Array};
use napi::Env;
use napi_derive::napi;

use crate::error::to_napi;
use crate::input::{with_matrix, Data, FloatArg};
use crate::model::{FitTicket, HeapBytes, Model};
use crate::task::{run_async, run_sync, Job, JobControl, JobTask};

type Rows = Either<Float32Array, Float64Array>;

fn rows_out<T: Element>(v: Vec<T>) -> Rows {
    // The element type is known statically; go through the f64/f32 paths without copying.
    let any: Box<dyn std::any::Any> = Box::new(v);
    match any.downcast::<Vec<f32>>() {
        Ok(v) => Either::A((*v).into()),
        Err(any) => match any.downcast::<Vec<f64>>() {
            Ok(v) => Either::B((*v).into()),
            Err(_) => Either::B(Vec::<f64>::new().into()),
        },
    }
}

/// Run `f` on the data as a matrix of its element type, returning rows of the same type.
fn map_rows(
    data: &Data<'_>,
    cols: u32,
    f32_fn: impl FnOnce(MatRef<'_, f32>) -> Result<Vec<f32>, CoreError>,
    f64_fn: impl FnOnce(MatRef<'_, f64>) -> Result<Vec<f64>, CoreError>,
) -> Result<Rows, CoreError> {
    with_matrix(data, cols, |m| match m {
        Either::A(m) => f32_fn(m).map(rows_out),
        Either::B(m) => f64_fn(m).map(rows_out),
    })
}

/// Options of the native PCA (validated in TypeScript).
#[napi(object)]
pub struct PcaOptions {
    /// A component count; absent with `varianceRatio` absent = all.
    pub n_components: Option<u32>,
    /// Keep the fewest components explaining more than this fraction of the variance.
    pub variance_ratio: Option<f64>,
    /// Subtract the mean.
    pub center: bool,
    /// Scale outputs to unit variance.
    pub whiten: bool,
    /// 'auto' | 'covariance' | 'svd' | 'randomized'.
    pub solver: String,
    /// Seed of the randomized solver (an integer below 2^53).
    pub seed: f64,
}

fn pca_params(o: &PcaOptions) -> Result<pca::Params, CoreError> {
    let n_components = match (o.n_components, o.variance_ratio) {
        (Some(k), _) => NComponents::Count(k as usize),
        (None, Some(r)) => NComponents::VarianceRatio(r),
        (None, None) => NComponents::All,
    };
    let solver = match o.solver.as_str() {
        "auto" => Solver::Auto,
        "covariance" => Solver::Covariance,
        "svd" => Solver::Svd,
        "randomized" => Solver::Randomized,
        other => {
            return Err(CoreError::OutOfRange {
                name: "solver",
                expected: "'auto', 'covariance', 'svd' or 'randomized'".into(),
                actual: format!("'{other}'"),
            })
        }
    };
    Ok(pca::Params {
        n_components,
        center: o.center,
        whiten: o.whiten,
        solver,
        seed: o.seed as u64,
        ..pca::Params::default()
    })
}

/// The learned state of a PCA (scikit-learn's trailing-underscore attributes).
#[napi(object)]
pub struct PcaState {
    /// The solver that ran.
    pub solver: String,
    /// Components kept, k.
    pub n_components: u32,
    /// `k × d` principal axes, row-major.
    pub components: Float64Array,
    /// Variance along each axis (ddof 1).
    pub explained_variance: Float64Array,
    /// Fraction of the total variance along each axis.
    pub explained_variance_ratio: Float64Array,
    /// Singular values of the centred data.
    pub singular_values: Float64Array,
    /// Feature means.
    pub mean: Float64Array,
    /// Probabilistic-PCA noise variance.
    pub noise_variance: f64,
    /// Features d.
    pub n_features_in: u32,
    /// Rows seen.
    pub n_samples_seen: f64,
}

fn solver_name(s: Solver) -> &'static str {
    match s {
        Solver::Auto => "auto",
        Solver::Covariance => "covariance",
        Solver::Svd => "svd",
        Solver::Randomized => "randomized",
    }
}

/// What a PCA job does with the data.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PcaOp {
    Fit,
    FitTransform,
    Transform,
    Inverse,
}

/// What a model job needs from the model: an unfitted copy with the same options, a fit
/// (weights only for whiteners), and the two transforms. Shared by `PCA` and `Whitener`.
pub trait Fittable: Sized + Send + Sync + 'static {
    /// A new, unfitted model with the same options (fits are built aside and swapped in).
    fn unfitted(&self) -> Result<Self, CoreError>;
    /// Fit on `x` (`weights`: one per row, or `None`).
    fn fit_rows<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        weights: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<(), CoreError>;
    /// The forward transform.
    fn forward<T: Element>(&self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>, CoreError>;
    /// The inverse transform.
    fn inverse<T: Element>(&self, y: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>, CoreError>;
}

impl Fittable for Pca {
    fn unfitted(&self) -> Result<Self, CoreError> {
        Pca::new(*self.params())
    }
    fn fit_rows<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        _: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<(), CoreError> {
        self.fit(x, ctl)
    }
    fn forward<T: Element>(&self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>, CoreError> {
        self.transform(x, ctl)
    }
    fn inverse<T: Element>(&self, y: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>, CoreError> {
        self.inverse_transform(y, ctl)
    }
}

impl Fittable for Whitener {
    fn unfitted(&self) -> Result<Self, CoreError> {
        Whitener::new(*self.params())
    }
    fn fit_rows<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        weights: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<(), CoreError> {
        self.fit(x, weights, ctl)
    }
    fn forward<T: Element>(&self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>, CoreError> {
        self.transform(x, ctl)
    }
    fn inverse<T: Element>(&self, y: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>, CoreError> {
        self.inverse_transform(y, ctl)
    }
}

/// Replace the fitted state by an unfitted model with the same options and withdraw its memory
/// from V8 (`dispose()` of both classes); `Busy` while a fit is pending.
fn dispose_model<M: Fittable + HeapBytes>(model: &Model<M>, env: Env) -> napi::Result<()> {
    let go = || -> Result<(), CoreError> {
        let mut m = model.write()?;
        let fresh = m.unfitted()?;
        *m = fresh;
        Ok(())
    };
    go().map_err(|e| to_napi(env, &e))?;
    model.report(env)
}

/// Fit `model` on `x`, then (for `fitTransform`) transform the same rows.
fn fit_then<M: Fittable, T: Element>(
    model: &mut M,
    x: MatRef<'_, T>,
    weights: Option<&[f64]>,
    transform: bool,
    ctl: &Ctl<'_>,
) -> Result<Option<Rows>, CoreError> {
    model.fit_rows(x, weights, ctl)?;
    Ok(if transform {
        Some(rows_out(model.forward(x, ctl)?))
    } else {
        None
    })
}

/// A fit, transform or inverse transform of a `PCA` or `Whitener`.
pub struct ModelJob<'a, M: Fittable> {
    model: Arc<Model<M>>,
    _ticket: Option<FitTicket<M>>,
    data: Data<'a>,
    weights: Option<Vec<f64>>,
    cols: u32,
    op: PcaOp,
}

impl<'a, M: Fittable> ModelJob<'a, M> {
    /// A job on `model`; fits claim it (`ERR_BUSY` while another fit is pending).
    fn new(
        model: &Arc<Model<M>>,
        data: Data<'a>,
        cols: u32,
        op: PcaOp,
        weights: Option<&[f64]>,
    ) -> Result<Self, CoreError> {
        let ticket = matches!(op, PcaOp::Fit | PcaOp::FitTransform)
            .then(|| FitTicket::claim(model))
            .transpose()?;
        Ok(Self {
            model: Arc::clone(model),
            _ticket: ticket,
            data,
            weights: weights.map(<[f64]>::to_vec),
            cols,
            op,
        })
    }
}

impl<M: Fittable> Job for ModelJob<'_, M> {
    type Output = Option<Rows>;

    fn run(&self, ctl: &Ctl<'_>) -> Result<Option<Rows>, CoreError> {
        let w = self.weights.as_deref();
        match self.op {
            PcaOp::Fit | PcaOp::FitTransform => {
                let mut fresh = self.model.read().unfitted()?;
                let t = self.op == PcaOp::FitTransform;
                let out = with_matrix(&self.data, self.cols, |m| match m {
                    Either::A(m) => fit_then(&mut fresh, m, w, t, ctl),
                    Either::B(m) => fit_then(&mut fresh, m, w, t, ctl),
                })?;
                self.model.replace(fresh);
                Ok(out)
            }
            PcaOp::Transform => {
                let p = self.model.read();
                map_rows(
                    &self.data,
                    self.cols,
                    |m| p.forward(m, ctl),
                    |m| p.forward(m, ctl),
                )
                .map(Some)
            }
            PcaOp::Inverse => {
                let p = self.model.read();
                map_rows(
                    &self.data,
                    self.cols,
                    |m| p.inverse(m, ctl),
                    |m| p.inverse(m, ctl),
                )
                .map(Some)
            }
        }
    }
}

/// The raw binding of `PCA`.
#[napi(custom_finalize)]
pub struct NativePca {
    model: Arc<Model<Pca>>,
}

impl NativePca {
    fn job<'a>(&self, data: Data<'a>, cols: u32, op: PcaOp) -> Result<ModelJob<'a, Pca>, CoreError> {
        ModelJob::new(&self.model, data, cols, op, None)
    }

    fn wrap(p: Pca) -> Self {
        Self {
            model: Model::new(p, "PCA"),
        }
    }
}

fn op_of(name: &str) -> Result<PcaOp, CoreError> {
    match name {
        "fit" => Ok(PcaOp::Fit),
        "fitTransform" => Ok(PcaOp::FitTransform),
        "transform" => Ok(PcaOp::Transform),
        "inverseTransform" => Ok(PcaOp::Inverse),
        other => Err(CoreError::Internal(format!("unknown PCA operation {other}"))),
    }
}

impl ObjectFinalize for NativePca {
    fn finalize(self, env: Env) -> napi::Result<()> {
        self.model.unreport(env)
    }
}

#[napi]
impl NativePca {
    /// Report the native memory the model holds now to V8 (the JS layer calls it after every
    /// async fit; sync mutations report by themselves).
    #[napi]
    pub fn sync_memory(&self, env: Env) -> napi::Result<()> {
        self.model.report(env)
    }

    /// Native bytes held (as last reported to V8).
    #[napi(getter)]
    pub fn memory(&self) -> f64 {
        self.model.reported() as f64
    }

    /// Free the fitted state now: the instance becomes unfitted (its options are kept) and its
    /// memory is withdrawn from V8. `ERR_BUSY` while a fit is pending.
    #[napi]
    pub fn dispose(&self, env: Env) -> napi::Result<()> {
        dispose_model(&self.model, env)
    }

    /// An unfitted PCA.
    #[napi(constructor)]
    pub fn new(env: Env, options: PcaOptions) -> napi::Result<Self> {
        let p = pca_params(&options)
            .and_then(Pca::new)
            .map_err(|e| to_napi(env, &e))?;
        Ok(Self::wrap(p))
    }

    /// Run `op` ('fit' | 'fitTransform' | 'transform' | 'inverseTransform') on the calling thread.
    #[napi(ts_return_type = "Float32Array | Float64Array | null")]
    pub fn run_sync(
        &self,
        env: Env,
        op: String,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
        cols: u32,
    ) -> napi::Result<Option<Rows>> {
        let job = op_of(&op)
            .and_then(|op| self.job(Data::borrowed(data), cols, op))
            .map_err(|e| to_napi(env, &e))?;
        let out = run_sync(env, &job);
        self.model.report(env)?;
        out
    }

    /// Run `op` on the embgeo pool; `data` is copied once before this returns.
    #[napi(ts_return_type = "Promise<Float32Array | Float64Array | null>")]
    pub fn run(
        &self,
        env: Env,
        op: String,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
        cols: u32,
        control: Option<&JobControl>,
    ) -> napi::Result<AsyncTask<JobTask<ModelJob<'static, Pca>>>> {
        let job = op_of(&op)
            .and_then(|op| self.job(Data::copied(data), cols, op))
            .map_err(|e| to_napi(env, &e))?;
        Ok(run_async(job, control))
    }

    /// Accumulate the exact moments of more rows and refit from them (blocks; no data kept).
    #[napi]
    pub fn partial_fit(
        &self,
        env: Env,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
        cols: u32,
    ) -> napi::Result<()> {
        let go = || -> Result<(), CoreError> {
            let mut p = self.model.write()?;
            let ctl = Ctl::detached();
            with_matrix(&Data::borrowed(data), cols, |m| match m {
                Either::A(m) => p.partial_fit(m, &ctl),
                Either::B(m) => p.partial_fit(m, &ctl),
            })
        };
        go().map_err(|e| to_napi(env, &e))?;
        self.model.report(env)
    }

    /// Combine the moments of another PCA's partial fits into this one.
    #[napi]
    pub fn merge(&self, env: Env, other: &NativePca) -> napi::Result<()> {
        let go = || -> Result<(), CoreError> {
            let theirs = other.model.read().clone();
            let mut mine = self.model.write()?;
            mine.merge(&theirs, &Ctl::detached())
        };
        go().map_err(|e| to_napi(env, &e))?;
        self.model.report(env)
    }

    /// The learned state, or `null` before a fit.
    #[napi]
    pub fn state(&self) -> Option<PcaState> {
        let p = self.model.read();
        let f = p.fitted().ok()?;
        Some(PcaState {
            solver: solver_name(f.solver).to_string(),
            n_components: f.n_components as u32,
            components: f.components.clone().into(),
            explained_variance: f.explained_variance.clone().into(),
            explained_variance_ratio: f.explained_variance_ratio.clone().into(),
            singular_values: f.singular_values.clone().into(),
            mean: f.mean.clone().into(),
            noise_variance: f.noise_variance,
            n_features_in: f.n_features_in as u32,
            n_samples_seen: f.n_samples_seen as f64,
        })
    }

    /// The JSON form (`toJSON`).
    #[napi]
    pub fn to_json(&self, env: Env) -> napi::Result<String> {
        model_io::pca_to_json(&self.model.read()).map_err(|e| to_napi(env, &e))
    }

    /// Load the JSON form.
    #[napi(factory)]
    pub fn from_json(env: Env, json: String) -> napi::Result<Self> {
        let this = model_io::pca_from_json(&json)
            .map(Self::wrap)
            .map_err(|e| to_napi(env, &e))?;
        this.model.report(env)?;
        Ok(this)
    }

    /// The safetensors form (`serialize`).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<Uint8Array> {
        model_io::pca_to_bytes(&self.model.read())
            .map(Into::into)
            .map_err(|e| to_napi(env, &e))
    }

    /// Load the safetensors form.
    #[napi(factory)]
    pub fn deserialize(env: Env, bytes: &[u8]) -> napi::Result<Self> {
        let this = model_io::pca_from_bytes(bytes)
            .map(Self::wrap)
            .map_err(|e| to_napi(env, &e))?;
        this.model.report(env)?;
        Ok(this)
    }
}

/// Options of the native Whitener (validated in TypeScript).
#[napi(object)]
pub struct WhitenerOptions {
    /// 'pca' | 'zca'.
    pub method: String,
    /// Keep the top k axes (absent = all).
    pub n_components: Option<u32>,
    /// Added to every eigenvalue before the inverse square root.
    pub epsilon: f64,
    /// Subtract the (weighted) mean.
    pub center: bool,
    /// L2-normalise output rows.
    pub normalize: bool,
}

fn whiten_params(o: &WhitenerOptions) -> Result<whiten::Params, CoreError> {
    let method = match o.method.as_str() {
        "pca" => whiten::Method::Pca,
        "zca" => whiten::Method::Zca,
        other => {
            return Err(CoreError::OutOfRange {
                name: "method",
                expected: "'pca' or 'zca'".into(),
                actual: format!("'{other}'"),
            })
        }
    };
    Ok(whiten::Params {
        method,
        n_components: o.n_components.map(|k| k as usize),
        epsilon: o.epsilon,
        center: o.center,
        normalize: o.normalize,
        ..whiten::Params::default()
    })
}

/// The learned state of a Whitener.
#[napi(object)]
pub struct WhitenerState {
    /// (Weighted) mean, d values.
    pub mean: Float64Array,
    /// Kept eigenvalues (without ε), decreasing.
    pub eigenvalues: Float64Array,
    /// `d × out` whitening matrix, row-major (`Y = (X − μ) W`).
    pub matrix: Float64Array,
    /// Output width.
    pub out_dim: u32,
    /// Features d.
    pub n_features: u32,
    /// Rows seen by the fit.
    pub n_samples_seen: f64,
    /// Whether the fit used weights.
    pub weighted: bool,
}

/// The raw binding of `Whitener`.
#[napi(custom_finalize)]
pub struct NativeWhitener {
    model: Arc<Model<Whitener>>,
}

impl NativeWhitener {
    fn job<'a>(
        &self,
        data: Data<'a>,
        cols: u32,
        op: PcaOp,
        weights: Option<&[f64]>,
    ) -> Result<ModelJob<'a, Whitener>, CoreError> {
        ModelJob::new(&self.model, data, cols, op, weights)
    }

    fn wrap(w: Whitener) -> Self {
        Self {
            model: Model::new(w, "Whitener"),
        }
    }
}

impl ObjectFinalize for NativeWhitener {
    fn finalize(self, env: Env) -> napi::Result<()> {
        self.model.unreport(env)
    }
}

#[napi]
impl NativeWhitener {
    /// Report the native memory the model holds now to V8 (the JS layer calls it after every
    /// async fit; sync mutations report by themselves).
    #[napi]
    pub fn sync_memory(&self, env: Env) -> napi::Result<()> {
        self.model.report(env)
    }

    /// Native bytes held (as last reported to V8).
    #[napi(getter)]
    pub fn memory(&self) -> f64 {
        self.model.reported() as f64
    }

    /// Free the fitted state now: the instance becomes unfitted (its options are kept) and its
    /// memory is withdrawn from V8. `ERR_BUSY` while a fit is pending.
    #[napi]
    pub fn dispose(&self, env: Env) -> napi::Result<()> {
        dispose_model(&self.model, env)
    }

    /// An unfitted whitener.
    #[napi(constructor)]
    pub fn new(env: Env, options: WhitenerOptions) -> napi::Result<Self> {
        let w = whiten_params(&options)
            .and_then(Whitener::new)
            .map_err(|e| to_napi(env, &e))?;
        Ok(Self::wrap(w))
    }

    /// Run `op` on the calling thread; `weights` (one per row) only for fits.
    #[napi(ts_return_type = "Float32Array | Float64Array | null")]
    pub fn run_sync(
        &self,
        env: Env,
        op: String,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
        cols: u32,
        weights: Option<&[f64]>,
    ) -> napi::Result<Option<Rows>> {
        let job = op_of(&op)
            .and_then(|op| self.job(Data::borrowed(data), cols, op, weights))
            .map_err(|e| to_napi(env, &e))?;
        let out = run_sync(env, &job);
        self.model.report(env)?;
        out
    }

    /// Run `op` on the embgeo pool; inputs are copied once before this returns.
    #[napi(ts_return_type = "Promise<Float32Array | Float64Array | null>")]
    pub fn run(
        &self,
        env: Env,
        op: String,
        #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
        cols: u32,
        weights: Option<&[f64]>,
        control: Option<&JobControl>,
    ) -> napi::Result<AsyncTask<JobTask<ModelJob<'static, Whitener>>>> {
        let job = op_of(&op)
            .and_then(|op| self.job(Data::copied(data), cols, op, weights))
            .map_err(|e| to_napi(env, &e))?;
        Ok(run_async(job, control))
    }

    /// The learned state, or `null` before a fit.
    #[napi]
    pub fn state(&self) -> Option<WhitenerState> {
        let w = self.model.read();
        let s = w.state().ok()?;
        Some(WhitenerState {
            mean: s.mean.clone().into(),
            eigenvalues: s.eigenvalues.clone().into(),
            matrix: s.matrix.clone().into(),
            out_dim: s.out_dim() as u32,
            n_features: s.n_features as u32,
            n_samples_seen: s.n_samples_seen as f64,
            weighted: s.weighted,
        })
    }

    /// The JSON form (`toJSON`).
    #[napi]
    pub fn to_json(&self, env: Env) -> napi::Result<String> {
        model_io::whitener_to_json(&self.model.read()).map_err(|e| to_napi(env, &e))
    }

    /// Load the JSON form.
    #[napi(factory)]
    pub fn from_json(env: Env, json: String) -> napi::Result<Self> {
        let this = model_io::whitener_from_json(&json)
            .map(Self::wrap)
            .map_err(|e| to_napi(env, &e))?;
        this.model.report(env)?;
        Ok(this)
    }

    /// The safetensors form (`serialize`).
    #[napi]
    pub fn serialize(&self, env: Env) -> napi::Result<Uint8Array> {
        model_io::whitener_to_bytes(&self.model.read())
            .map(Into::into)
            .map_err(|e| to_napi(env, &e))
    }

    /// Load the safetensors form.
    #[napi(factory)]
    pub fn deserialize(env: Env, bytes: &[u8]) -> napi::Result<Self> {
        let this = model_io::whitener_from_bytes(bytes)
            .map(Self::wrap)
            .map_err(|e| to_napi(env, &e))?;
        this.model.report(env)?;
        Ok(this)
    }
}

/// All-but-the-top output: the post-processed rows, the mean and the removed directions.
#[napi(object)]
pub struct AbttOut {
    /// `n × d` rows in the input's element type.
    #[napi(ts_type = "Float32Array | Float64Array")]
    pub data: Rows,
    /// The subtracted mean.
    pub mean: Float64Array,
    /// `remove × d` removed directions, row-major.
    pub directions: Float64Array,
}

/// The all-but-the-top job.
pub struct AbttJob<'a> {
    data: Data<'a>,
    cols: u32,
    remove: u32,
}

impl Job for AbttJob<'_> {
    type Output = AbttOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<AbttOut, CoreError> {
        let p = all_but_the_top::Params::new(self.remove as usize);
        with_matrix(&self.data, self.cols, |m| match m {
            Either::A(m) => all_but_the_top::apply(m, &p, ctl).map(|o| AbttOut {
                data: rows_out(o.data),
                mean: o.mean.into(),
                directions: o.directions.into(),
            }),
            Either::B(m) => all_but_the_top::apply(m, &p, ctl).map(|o| AbttOut {
                data: rows_out(o.data),
                mean: o.mean.into(),
                directions: o.directions.into(),
            }),
        })
    }
}

/// All-but-the-top (Mu and Viswanath 2018) on the calling thread.
#[napi]
pub fn all_but_the_top_sync(
    env: Env,
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
    remove: u32,
) -> napi::Result<AbttOut> {
    run_sync(
        env,
        &AbttJob {
            data: Data::borrowed(data),
            cols,
            remove,
        },
    )
}

/// All-but-the-top on the embgeo pool; `data` is copied once before this returns.
#[napi(ts_return_type = "Promise<AbttOut>")]
pub fn all_but_the_top(
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
    remove: u32,
    control: Option<&JobControl>,
) -> AsyncTask<JobTask<AbttJob<'static>>> {
    run_async(
        AbttJob {
            data: Data::copied(data),
            cols,
            remove,
        },
        control,
    )
}
