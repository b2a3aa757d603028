//! A native model (`PCA`, `Whitener`, `KnnIndex`) shared between its JS object and its jobs.
//!
//! One rule for every model: a model never changes under a pending job of its own. Each job
//! holds a [`Ticket`] from its creation on the JS thread until it is dropped: a read ticket
//! (transform, search) refuses while a fit is pending; a fit ticket refuses while any job is
//! pending; mutations on the JS thread (`partialFit`, `merge`, `add`, `dispose`) refuse while
//! any job is pending. Refusals are `ERR_BUSY`. (The TypeScript layer applies the same rule from
//! the moment a job is queued; this is the native half, for jobs already handed over.)
//! Fits build a new model aside and swap it in when they succeed, so a failed or aborted fit
//! leaves the old state.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
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

/// A model behind a lock, with its pending jobs counted.
pub struct Model<M> {
    value: RwLock<M>,
    jobs: AtomicUsize,
    fitting: AtomicBool,
    busy: &'static str,
    /// Bytes last reported to V8 with `adjust_external_memory`.
    reported: AtomicI64,
}

impl<M> Model<M> {
    /// Share `value`; `busy` is the `ERR_BUSY` message.
    pub fn new(value: M, busy: &'static str) -> Arc<Self> {
        Arc::new(Self {
            value: RwLock::new(value),
            jobs: AtomicUsize::new(0),
            fitting: AtomicBool::new(false),
            busy,
            reported: AtomicI64::new(0),
        })
    }

    /// Read access (jobs and getters).
    pub fn read(&self) -> RwLockReadGuard<'_, M> {
        self.value.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Write access for a mutation on the JS thread; `Busy` while any job is pending.
    pub fn write(&self) -> Result<RwLockWriteGuard<'_, M>, CoreError> {
        if self.jobs.load(Ordering::SeqCst) > 0 {
            return Err(CoreError::Busy(self.busy));
        }
        Ok(self.value.write().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replace the model (the end of a successful fit).
    pub fn replace(&self, value: M) {
        *self.value.write().unwrap_or_else(PoisonError::into_inner) = value;
    }
}

impl<M: HeapBytes> Model<M> {
    /// Report the model's current heap to V8 (the change since the last report). Call on the JS
    /// thread after anything that may change it.
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

/// A pending job on a model, from creation (JS thread) until dropped.
pub struct Ticket<M> {
    /// The model the job works on.
    pub model: Arc<Model<M>>,
    fit: bool,
}

impl<M> Ticket<M> {
    /// Claim `model` for a read (`fit == false`) or a fit; `Busy` if the rule forbids it.
    pub fn claim(model: &Arc<Model<M>>, fit: bool) -> Result<Self, CoreError> {
        let fitting = model.fitting.load(Ordering::SeqCst);
        if fitting || (fit && model.jobs.load(Ordering::SeqCst) > 0) {
            return Err(CoreError::Busy(model.busy));
        }
        model.jobs.fetch_add(1, Ordering::SeqCst);
        model.fitting.store(fit, Ordering::SeqCst);
        Ok(Self {
            model: Arc::clone(model),
            fit,
        })
    }
}

impl<M> Drop for Ticket<M> {
    fn drop(&mut self) {
        if self.fit {
            self.model.fitting.store(false, Ordering::SeqCst);
        }
        self.model.jobs.fetch_sub(1, Ordering::SeqCst);
    }
}
