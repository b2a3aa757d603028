//! A fitted model shared between the JS object and the jobs that read or refit it.
//!
//! Fits build a new model off to the side and swap it in when they succeed, so a failed or
//! aborted fit leaves the old state; `busy` makes a second fit (or a mutation) while one is
//! pending fail with `ERR_BUSY`, deterministically, from the moment the fit is queued.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use embgeo_core::Error as CoreError;
use napi::Env;

/// Native heap held by a model, reported to V8 as external memory.
pub trait HeapBytes {
    /// Bytes of heap the model holds now.
    fn heap_bytes(&self) -> usize;
}

impl HeapBytes for embgeo_pca::Pca {
    fn heap_bytes(&self) -> usize {
        self.heap_bytes()
    }
}

impl HeapBytes for embgeo_pca::Whitener {
    fn heap_bytes(&self) -> usize {
        self.heap_bytes()
    }
}

/// A model behind a lock, with a flag for a pending fit.
pub struct Model<M> {
    value: RwLock<M>,
    busy: AtomicBool,
    kind: &'static str,
    /// Bytes last reported to V8 with `adjust_external_memory`.
    reported: AtomicI64,
}

impl<M> Model<M> {
    /// Share `value`; `kind` names it in messages ("PCA", "Whitener").
    pub fn new(value: M, kind: &'static str) -> Arc<Self> {
        Arc::new(Self {
            value: RwLock::new(value),
            busy: AtomicBool::new(false),
            kind,
            reported: AtomicI64::new(0),
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

impl<M: HeapBytes> Model<M> {
    /// Report the model's current heap to V8 (the change since the last report). Call on the JS
    /// thread after anything that may change it: fits, partial fits, merges, dispose.
    pub fn report(&self, env: Env) -> napi::Result<()> {
        let now = i64::try_from(self.read().heap_bytes()).unwrap_or(i64::MAX);
        let before = self.reported.swap(now, Ordering::Relaxed);
        if now != before {
            env.adjust_external_memory(now - before)?;
        }
        Ok(())
    }

    /// Withdraw everything reported (the JS object's finalizer).
    pub fn unreport(&self, env: Env) -> napi::Result<()> {
        let before = self.reported.swap(0, Ordering::Relaxed);
        if before != 0 {
            env.adjust_external_memory(-before)?;
        }
        Ok(())
    }

    /// Bytes last reported.
    pub fn reported(&self) -> i64 {
        self.reported.load(Ordering::Relaxed)
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
