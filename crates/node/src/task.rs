//! Running one job: on the dedicated pool, cancellable, reporting progress, panics captured.
//!
//! A [`Job`] is the single call into the numeric crates shared by a function's sync and async
//! twins (node-rs argon2 style): `fooSync` calls [`sync_twin`] on the JS thread; `foo` returns
//! [`run_async`]'s `AsyncTask`, whose `compute` runs on a libuv thread that waits while the
//! work runs on the pool. Either way a panic anywhere in the job (including inside pool
//! workers, which rayon re-raises in `install`) becomes `ERR_INTERNAL`, never an abort.

use std::marker::PhantomData;
use std::sync::Arc;

use embgeo_core::{Ctl, Result};
use embgeo_jobs::{execute, execute_shared, ControlState, HeapBytes, Job, Model};
use napi::bindgen_prelude::{AsyncTask, ToNapiValue, TypeName};
use napi::{Env, Task};
use napi_derive::napi;

use crate::error::OrThrow;
use crate::input::{Borrowed, Copied};
use crate::out::ToJs;

crate::js_object!(
    #[doc = " Progress of a running job, as last reported by the numeric code."]
    ProgressSnapshot from (&'static str, u64, u64) => |p| {
        #[doc = " What the job is doing, e.g. \"distances\"."]
        phase: String = p.0,
        #[doc = " Units finished."]
        completed: f64 = p.1,
        #[doc = " Units in this phase."]
        total: f64 = p.2,
    }
);

/// Cancellation flag, progress snapshot and input mode of one async job (created by the
/// TypeScript layer, which wires `AbortSignal` to `cancel()` and polls `progress()` on a
/// throttled, unref'd timer).
#[napi]
#[derive(Default)]
pub struct JobControl {
    state: Arc<ControlState>,
    /// Read the job's arrays in place instead of copying them ([`Copied::IN_PLACE`]).
    #[cfg_attr(target_family = "wasm", allow(dead_code))]
    in_place: bool,
}

#[napi]
impl JobControl {
    /// A fresh control: not cancelled, no progress yet. `inPlace: true` (what `copy: false`
    /// asks for) makes the job read its typed arrays where they are instead of copying them;
    /// the caller must then keep them reachable and untouched (not written, transferred or
    /// resized) until the job's promise settles. The WebAssembly build copies regardless.
    #[napi(constructor)]
    #[must_use]
    pub fn new(in_place: Option<bool>) -> Self {
        Self {
            state: Arc::default(),
            in_place: in_place.unwrap_or(false),
        }
    }

    /// Ask the job to stop at its next checkpoint (it then rejects with `ABORT_ERR`).
    #[napi]
    pub fn cancel(&self) {
        self.state.cancel();
    }

    /// The latest progress report, or `null` before the first one.
    #[napi]
    #[must_use]
    pub fn progress(&self) -> Option<ProgressSnapshot> {
        self.state.progress().and_then(|p| p.to_js().ok())
    }
}

/// A job of `embgeo_jobs` whose output becomes the JS value `O` ([`ToJs`]) on the pool thread.
pub struct Js<J, O>(J, PhantomData<fn() -> O>);

impl<J, O> Js<J, O> {
    /// Wrap `job`.
    pub fn new(job: J) -> Self {
        Self(job, PhantomData)
    }
}

impl<J: Job, O: Send> Job for Js<J, O>
where
    J::Output: ToJs<O>,
{
    type Output = O;
    fn run(&self, ctl: &Ctl<'_>) -> Result<O> {
        self.0.run(ctl)?.to_js()
    }
}

/// A model built on the JS thread (thrown if `Err`), its native memory reported to V8: what a
/// model class's constructor holds.
pub fn shared<M: HeapBytes>(env: Env, model: Result<Arc<Model<M>>>) -> napi::Result<Arc<Model<M>>> {
    let model = model.or_throw(env)?;
    report(env, &model)?;
    Ok(model)
}

/// The finaliser of a napi class holding `model: Arc<Model<_>>`: V8's count of external memory
/// gives back what the model reported.
#[macro_export]
macro_rules! finalize_model {
    ($class:ident) => {
        impl napi::bindgen_prelude::ObjectFinalize for $class {
            fn finalize(self, env: napi::Env) -> napi::Result<()> {
                $crate::task::external(env, self.model.unreport())
            }
        }
    };
}

/// Tell V8 about a model's change of native heap since the last report (JS thread, after
/// anything that may change it).
pub fn report<M: HeapBytes>(env: Env, model: &Model<M>) -> napi::Result<()> {
    external(env, model.report())
}

/// Adjust V8's count of external memory by `delta` bytes.
pub fn external(env: Env, delta: i64) -> napi::Result<()> {
    if delta != 0 {
        env.adjust_external_memory(delta)?;
    }
    Ok(())
}

/// The `AsyncTask` of one job.
pub struct JobTask<J> {
    /// Given up by `compute` (run once): nothing the job holds outlives its computation.
    job: Option<Arc<J>>,
    state: Arc<ControlState>,
}

impl<J> Task for JobTask<J>
where
    J: Job + 'static,
    J::Output: ToNapiValue + TypeName + 'static,
{
    type Output = Result<J::Output>;
    type JsValue = J::Output;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(match self.job.take() {
            Some(job) => execute_shared(job, Arc::clone(&self.state)),
            None => Err(embgeo_core::Error::Internal("a job computed twice".into())),
        })
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        output.or_throw(env)
    }
}

/// Queue `job` on libuv's pool; `control` (if any) cancels it and receives its progress.
pub fn run_async<J>(job: J, control: Option<&JobControl>) -> AsyncTask<JobTask<J>>
where
    J: Job + 'static,
    J::Output: ToNapiValue + TypeName + 'static,
{
    let state = control.map(|c| Arc::clone(&c.state)).unwrap_or_default();
    AsyncTask::new(JobTask {
        job: Some(Arc::new(job)),
        state,
    })
}

/// The sync twin: build the job (arrays borrowed), run it on the pool while the JS thread waits
/// (native only; on WebAssembly `sync_twin_shared`).
#[cfg_attr(target_family = "wasm", allow(dead_code))]
pub fn sync_twin<J: Job>(env: Env, job: impl FnOnce(Borrowed) -> Result<J>) -> napi::Result<J::Output> {
    job(Borrowed)
        .and_then(|j| execute(&j, &ControlState::default()))
        .or_throw(env)
}

/// The sync twin on WebAssembly: the arrays are copied ([`Copied`]) so that the job owns what
/// it reads and the JS thread can stop waiting for a thread that died of a panic
/// ([`embgeo_jobs::execute_shared`]); a panic there cannot unwind.
#[cfg(target_family = "wasm")]
pub fn sync_twin_shared<J>(env: Env, job: impl FnOnce(Copied) -> Result<J>) -> napi::Result<J::Output>
where
    J: Job + 'static,
    J::Output: 'static,
{
    job(Copied::COPY)
        .and_then(|j| execute_shared(Arc::new(j), Arc::default()))
        .or_throw(env)
}

/// The async twin: build the job (arrays copied, or read in place when `control` was created
/// with `inPlace: true` on a native build) and queue it.
pub fn async_twin<J>(
    env: Env,
    control: Option<&JobControl>,
    job: impl FnOnce(Copied) -> Result<J>,
) -> napi::Result<AsyncTask<JobTask<J>>>
where
    J: Job + 'static,
    J::Output: ToNapiValue + TypeName + 'static,
{
    #[cfg(not(target_family = "wasm"))]
    let hold = if control.is_some_and(|c| c.in_place) {
        Copied::IN_PLACE
    } else {
        Copied::COPY
    };
    // WebAssembly: a typed array's data lives outside the instance's memory, so what the call
    // borrows is emnapi's copy of it, whose lifetime emnapi manages: always copy.
    #[cfg(target_family = "wasm")]
    let hold = Copied::COPY;
    Ok(run_async(job(hold).or_throw(env)?, control))
}

/// The sync/async twins of one job: `fooSync(args)` runs it on the pool while the JS thread
/// waits, reading typed arrays in place ([`crate::input::Borrowed`]; on WebAssembly copying
/// them, [`sync_twin_shared`]); `foo(args, control)`
/// copies them once (or reads them in place under `copy: false`, [`crate::input::Copied`]) and returns a promise. `$job` builds the job
/// from the arguments and `$env`, passing each array through `$hold.keep(..)` (`$hold` is one
/// of the two modes); `as "T"` gives the sync twin's TypeScript return type where napi's own
/// would name a Rust alias. Docs of this macro family are written `#[doc = " ..."]`: napi would
/// copy a forwarded `///` (a raw string) with its `r"` into the d.ts.
#[macro_export]
macro_rules! twins {
    ($(#[doc = $doc:literal])* $sync:ident, $async_:ident -> $out:ty $(as $sync_ts:literal)?, $promise:literal, $job_ty:ty;
     |$env:ident, $hold:ident| ($($params:tt)*) $job:block) => {
        $(#[doc = $doc])*
        #[napi_derive::napi$((ts_return_type = $sync_ts))?]
        #[allow(unused_variables)]
        pub fn $sync($env: napi::Env, $($params)*) -> napi::Result<$out> {
            #[cfg(not(target_family = "wasm"))]
            return $crate::task::sync_twin($env, move |$hold| $job);
            #[cfg(target_family = "wasm")]
            return $crate::task::sync_twin_shared::<$job_ty>($env, move |$hold| $job);
        }

        $(#[doc = $doc])*
        #[napi_derive::napi(ts_return_type = $promise)]
        #[allow(unused_variables, clippy::too_many_arguments)]
        pub fn $async_(
            $env: napi::Env,
            $($params)*,
            control: Option<&$crate::task::JobControl>,
        ) -> napi::Result<napi::bindgen_prelude::AsyncTask<$crate::task::JobTask<$job_ty>>> {
            $crate::task::async_twin($env, control, move |$hold| $job)
        }
    };
}

/// [`twins!`] as methods of the napi class `$class`, in an `#[napi] impl` block of their own;
/// `$after` (if any) runs on the JS thread after the sync twin, whatever its outcome; `as "T"`
/// gives the sync twin's TypeScript return type where napi's own would name a Rust alias.
#[macro_export]
macro_rules! method_twins {
    ($(#[doc = $doc:literal])* $class:ident: $sync:ident, $async_:ident -> $out:ty $(as $sync_ts:literal)?, $promise:literal, $job_ty:ty;
     |$self:ident, $env:ident, $hold:ident| ($($params:tt)*) $job:block $(then $after:block)?) => {
        #[napi_derive::napi]
        impl $class {
            $(#[doc = $doc])*
            #[napi$((ts_return_type = $sync_ts))?]
            #[allow(unused_variables)]
            pub fn $sync(&$self, $env: napi::Env, $($params)*) -> napi::Result<$out> {
                #[cfg(not(target_family = "wasm"))]
                let out = $crate::task::sync_twin($env, move |$hold| $job);
                #[cfg(target_family = "wasm")]
                let out = $crate::task::sync_twin_shared::<$job_ty>($env, move |$hold| $job);
                $($after;)?
                out
            }

            $(#[doc = $doc])*
            #[napi(ts_return_type = $promise)]
            #[allow(unused_variables)]
            pub fn $async_(
                &$self,
                $env: napi::Env,
                $($params)*,
                control: Option<&$crate::task::JobControl>,
            ) -> napi::Result<napi::bindgen_prelude::AsyncTask<$crate::task::JobTask<$job_ty>>> {
                $crate::task::async_twin($env, control, move |$hold| $job)
            }
        }
    };
}
