//! How a caller steers a long computation: parallelism, cancellation, progress.
//!
//! Numeric crates see only these plain traits; the Node binding implements them with an atomic
//! flag set from an `AbortSignal` and a progress snapshot polled from JavaScript.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::{Error, Result};

/// Whether a routine may fan out onto the current rayon pool.
///
/// `Rayon` uses whatever pool the caller runs in (`ThreadPool::install`); results never depend
/// on the choice (work is split into fixed-size chunks combined in index order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Par {
    /// Run on the calling thread only.
    Seq,
    /// Split work across the current rayon pool.
    Rayon,
}

/// A cancellation source, polled between blocks of work (every few milliseconds).
pub trait Cancel: Sync {
    /// `true` once the caller asked to stop.
    fn cancelled(&self) -> bool;
}

/// A progress sink; `advance` is called from worker threads and must be cheap.
pub trait Progress: Sync {
    /// `done` of `total` units of `phase` are finished.
    fn advance(&self, phase: &'static str, done: u64, total: u64);
}

/// A cancellation flag that never fires.
struct Never;
impl Cancel for Never {
    fn cancelled(&self) -> bool {
        false
    }
}

/// A progress sink that ignores everything.
pub struct NoProgress;
impl Progress for NoProgress {
    fn advance(&self, _: &'static str, _: u64, _: u64) {}
}

/// A settable cancellation flag (an `AtomicBool`).
#[derive(Debug, Default)]
pub struct CancelFlag(AtomicBool);

impl CancelFlag {
    /// A flag that has not fired.
    #[must_use]
    pub fn new() -> Self {
        Self(AtomicBool::new(false))
    }
    /// Ask the computation to stop at its next checkpoint.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Cancel for CancelFlag {
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Parallelism, cancellation and progress for one computation.
#[derive(Clone, Copy)]
pub struct Ctl<'a> {
    /// May the routine use the current rayon pool?
    pub par: Par,
    cancel: &'a dyn Cancel,
    progress: &'a dyn Progress,
}

impl<'a> Ctl<'a> {
    /// Steer a computation with the given parts.
    #[must_use]
    pub fn new(par: Par, cancel: &'a dyn Cancel, progress: &'a dyn Progress) -> Self {
        Self {
            par,
            cancel,
            progress,
        }
    }

    /// Parallel, never cancelled, no progress: what Rust callers and tests use.
    #[must_use]
    pub fn detached() -> Ctl<'static> {
        Ctl {
            par: Par::Rayon,
            cancel: &Never,
            progress: &NoProgress,
        }
    }

    /// The same controls with another parallelism.
    #[must_use]
    pub fn with_par(self, par: Par) -> Self {
        Self { par, ..self }
    }

    /// Stop here if cancelled.
    ///
    /// # Errors
    /// `Cancelled` once the cancellation source fired.
    #[inline]
    pub fn checkpoint(&self) -> Result<()> {
        if self.cancel.cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    /// Report progress (`done` of `total` units of `phase`).
    #[inline]
    pub fn advance(&self, phase: &'static str, done: u64, total: u64) {
        self.progress.advance(phase, done, total);
    }
}
