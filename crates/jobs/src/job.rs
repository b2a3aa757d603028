//! One job: the single call into the numeric crates that a binding's sync and async twins share,
//! run on the dedicated pool ([`crate::pool`]), steered by a [`ControlState`] (cancellation,
//! progress), with any panic (including one inside a pool worker, which rayon re-raises in the
//! job's task) turned into `Error::Internal`, never an abort; on WebAssembly, where a panic ends
//! its thread, a caller of [`execute_shared`] stops waiting ([`crate::crash`]).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use embgeo_core::{Cancel, CancelFlag, Ctl, Error, Par, Progress, Result};

use crate::{crash, pool};

/// One unit of work for the numeric crates.
pub trait Job: Send + Sync {
    /// What the job produces (handed to the binding, which converts it on its JS thread).
    type Output: Send;
    /// The only call into numerics.
    fn run(&self, ctl: &Ctl<'_>) -> Result<Self::Output>;
}

/// Shared state between a running job and whoever steers it (a JS `JobControl`).
#[derive(Default)]
pub struct ControlState {
    cancel: CancelFlag,
    progress: Mutex<Option<(&'static str, u64, u64)>>,
}

impl ControlState {
    /// Ask the job to stop at its next checkpoint (it then fails with `Aborted`).
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The latest `(phase, completed, total)` report, `None` before the first.
    pub fn progress(&self) -> Option<(&'static str, u64, u64)> {
        *self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Cancel for ControlState {
    fn cancelled(&self) -> bool {
        self.cancel.cancelled()
    }
}

impl Progress for ControlState {
    fn advance(&self, phase: &'static str, done: u64, total: u64) {
        *self.progress.lock().unwrap_or_else(PoisonError::into_inner) = Some((phase, done, total));
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}

/// Run `job` on the pool with `state` steering it; blocks the calling thread until it ends.
/// A panic becomes `Internal("panic: …")`. The job may borrow from the caller (a sync twin
/// reading JS arrays in place): it runs inside `install`, which returns only when it ended.
///
/// On WebAssembly a panic ends its thread and `install` would wait for it for ever: bindings
/// there run jobs through [`execute_shared`] (their sync twins copy the arrays).
///
/// # Errors
/// The job's error; `Internal` for a panic, a pool that cannot start, or an earlier dead thread
/// ([`crash`]).
pub fn execute<J: Job>(job: &J, state: &ControlState) -> Result<J::Output> {
    alive()?;
    let pool = pool::get()?;
    let ctl = Ctl::new(Par::Rayon, state, state);
    catch_unwind(AssertUnwindSafe(|| pool.install(|| job.run(&ctl))))
        .unwrap_or_else(|payload| Err(panicked(&*payload)))
}

/// How long [`execute_shared`]'s caller waits between looks at [`crash::crashed`].
const SLICE: Duration = Duration::from_millis(20);

/// [`execute`] for a job that owns what it reads, shared with the task it runs as: the caller
/// can stop waiting without freeing anything the job's threads still read.
///
/// The job runs as a task of its own on the pool, and the caller waits for its result in
/// slices of 20 ms. Between slices it looks for a thread that died of a panic ([`crash`],
/// WebAssembly, where a panic cannot unwind): then the call fails with `Internal` instead of
/// waiting for the dead thread, and so does every later call, without running. The task keeps
/// its shares of `job` and `state` (it never ends), so whatever other threads still read
/// stays allocated. Natively a panic unwinds and the call ends as [`execute`]'s would.
///
/// # Errors
/// As [`execute`]; `Internal` when a thread died while the caller waited.
pub fn execute_shared<J>(job: Arc<J>, state: Arc<ControlState>) -> Result<J::Output>
where
    J: Job + 'static,
    J::Output: 'static,
{
    alive()?;
    // Held until the result arrives: a pool replaced by `setThreads` meanwhile keeps its
    // threads until then.
    let pool = pool::get()?;
    let (done, result) = sync_channel(1);
    pool.spawn(move || {
        let ctl = Ctl::new(Par::Rayon, &*state, &*state);
        let out = catch_unwind(AssertUnwindSafe(|| job.run(&ctl)))
            .unwrap_or_else(|payload| Err(panicked(&*payload)));
        // The task's shares go before the answer: what the job holds (a model's pending-job
        // ticket) is released when the caller drops the last share, as with `execute`.
        drop((job, state));
        // The caller may have stopped waiting (a dead thread): nothing to tell then.
        let _ = done.send(out);
    });
    loop {
        match result.recv_timeout(SLICE) {
            Ok(out) => return out,
            Err(RecvTimeoutError::Timeout) => alive()?,
            Err(RecvTimeoutError::Disconnected) => {
                alive()?;
                return Err(Error::Internal("a job ended without a result".into()));
            }
        }
    }
}

/// `Ok` unless a thread of this instance died of a panic ([`crash`]).
fn alive() -> Result<()> {
    crash::crashed().map_or(Ok(()), |m| {
        Err(Error::Internal(format!(
            "a thread of this WebAssembly instance died of a panic ({m}); it can run nothing more: reload it"
        )))
    })
}

/// The error for a caught panic.
fn panicked(payload: &(dyn std::any::Any + Send)) -> Error {
    Error::Internal(format!("panic: {}", panic_message(payload)))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Steps(bool);

    impl Job for Steps {
        type Output = u32;
        fn run(&self, ctl: &Ctl<'_>) -> Result<u32> {
            ctl.advance("steps", 1, 2);
            ctl.checkpoint()?;
            assert!(!self.0, "injected");
            Ok(7)
        }
    }

    #[test]
    fn runs_reports_cancels_and_captures_panics() {
        let state = ControlState::default();
        assert_eq!(execute(&Steps(false), &state).ok(), Some(7));
        assert_eq!(state.progress(), Some(("steps", 1, 2)));
        let panicked = execute(&Steps(true), &ControlState::default());
        assert!(matches!(panicked, Err(Error::Internal(m)) if m == "panic: injected"));
        state.cancel();
        assert!(matches!(execute(&Steps(false), &state), Err(Error::Cancelled)));
    }

    #[test]
    fn shared_runs_reports_cancels_and_captures_panics() {
        let state = Arc::new(ControlState::default());
        assert_eq!(
            execute_shared(Arc::new(Steps(false)), Arc::clone(&state)).ok(),
            Some(7)
        );
        assert_eq!(state.progress(), Some(("steps", 1, 2)));
        let panicked = execute_shared(Arc::new(Steps(true)), Arc::default());
        assert!(matches!(panicked, Err(Error::Internal(m)) if m == "panic: injected"));
        state.cancel();
        assert!(matches!(
            execute_shared(Arc::new(Steps(false)), state),
            Err(Error::Cancelled)
        ));
    }
}
