//! Fault injection for the test suite: functions that panic or sleep on purpose
//! (`embgeo_jobs::hooks`).
//!
//! Callable only when the environment variable `EMBGEO_TEST_HOOKS=1` is set in the process
//! (the test suite sets it); otherwise they fail with `ERR_INTERNAL` without panicking, so the
//! hooks are inert in production even though they ship in the binary.

use embgeo_jobs::hooks::{PanicJob, SleepJob};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;

use crate::task::{run_async, JobControl, JobTask};
use crate::twins;

twins!(
    #[doc = " Test hook: panic in the caller or a pool worker (see module docs)."]
    test_panic_sync, test_panic -> u32, "Promise<number>", PanicJob;
    |env, hold| (place: String) { Ok(PanicJob { place }) }
);

/// Test hook: a cancellable, progress-reporting sleep (`embgeo_jobs::hooks::SleepJob`).
#[napi(ts_return_type = "Promise<number>")]
pub fn test_sleep(steps: u32, ms: u32, control: Option<&JobControl>) -> AsyncTask<JobTask<SleepJob>> {
    run_async(SleepJob { steps, ms }, control)
}
