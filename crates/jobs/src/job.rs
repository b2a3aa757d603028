//! One job: the single call into the numeric crates that a binding's sync and async twins share,
//! run on the dedicated pool ([`crate::pool`]), steered by a [`ControlState`] (cancellation,
//! progress), with any panic (including one inside a pool worker, which rayon re-raises in
//! `install`) turned into `Error::Internal`, never an abort.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, PoisonError};

use embgeo_core::{Cancel, CancelFlag, Ctl, Error, Par, Progress, Result};

use crate::pool;

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
/// A panic becomes `Internal("panic: …")`.
pub fn execute<J: Job>(job: &J, state: &ControlState) -> Result<J::Output> {
    let pool = pool::get()?;
    let ctl = Ctl::new(Par::Rayon, state, state);
    catch_unwind(AssertUnwindSafe(|| pool.install(|| job.run(&ctl))))
        .unwrap_or_else(|payload| Err(Error::Internal(format!("panic: {}", panic_message(&*payload)))))
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
}
