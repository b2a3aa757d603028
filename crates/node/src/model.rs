//! A fitted model shared between the JS object and the jobs that read or refit it.
//!
//! Fits build a new model off to the side and swap it in when they succeed, so a failed or
//! aborted fit leaves the old state; `busy` makes a second fit (or a mutation) while one is
//! pending fail with `ERR_BUSY`, deterministically, from the moment the fit is queued.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use embgeo_core::Error as CoreError;

/// A model behind a lock, with a flag for a pending fit.
pub struct Model<M> {
    value: RwLock<M>,
    busy: AtomicBool,
    kind: &'static str,
}

impl<M> Model<M> {
    /// Share `value`; `kind` names it in messages ("PCA", "Whitener").
    pub fn new(value: M, kind: &'static str) -> Arc<Self> {
        Arc::new(Self {
            value: RwLock::new(value),
            busy: AtomicBool::new(false),
            kind,
        })
    }

    /// Read access (jobs and getters).
    pub fn read(&self) -> RwLockReadGuard<'_, M> {
        self.value.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Write access for a mutation on the JS thread; `Busy` while a fit is pending.
    pub fn write(&self) -> Result<RwLockWriteGuard<'_, M>, CoreError> {
        if self.busy.load(Ordering::SeqCst) {
            return Err(self.busy_error());
        }
        Ok(self.value.write().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replace the model (the end of a successful fit).
    pub fn replace(&self, value: M) {
        *self.value.write().unwrap_or_else(PoisonError::into_inner) = value;
    }

    fn busy_error(&self) -> CoreError {
        CoreError::Busy(match self.kind {
            "PCA" => "this PCA is already fitting; await the running fit() first",
            _ => "this Whitener is already fitting; await the running fit() first",
        })
    }
}

/// Marks a fit as pending from creation (on the JS thread) until the job is dropped.
pub struct FitTicket<M>(pub Arc<Model<M>>);

impl<M> FitTicket<M> {
    /// Claim the model for a fit, or `Busy` if another fit is pending.
    pub fn claim(model: &Arc<Model<M>>) -> Result<Self, CoreError> {
        if model.busy.swap(true, Ordering::SeqCst) {
            return Err(model.busy_error());
        }
        Ok(Self(Arc::clone(model)))
    }
}

impl<M> Drop for FitTicket<M> {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::SeqCst);
    }
}
