//! A model (`PCA`, `Whitener`, `KnnIndex`) shared between its host object and its jobs.
//!
//! One rule for every model: a model never changes under a pending job of its own. Each job
//! holds a [`Ticket`] from its creation on the host's thread until it is dropped: a read ticket
//! (transform, search) refuses while a fit is pending; a fit ticket refuses while any job is
//! pending; mutations on the host's thread (`partialFit`, `merge`, `add`, `dispose`) refuse while
//! any job is pending. Refusals are `Busy`. (The TypeScript layer applies the same rule from the
//! moment a job is queued; this is the native half, for jobs already handed over.) Fits build a
//! new model aside and swap it in when they succeed, so a failed or aborted fit leaves the old
//! state.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use embgeo_core::{Error, Result};
use embgeo_knn::AnyIndex;

/// Native heap held by a model, reported to the host (V8's external memory).
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

/// A `KnnIndex`, `None` once disposed.
impl HeapBytes for Option<AnyIndex> {
    fn heap_bytes(&self) -> usize {
        self.as_ref().map_or(0, AnyIndex::memory_bytes)
    }
}

/// A model behind a lock, with its pending jobs counted.
pub struct Model<M> {
    value: RwLock<M>,
    jobs: AtomicUsize,
    fitting: AtomicBool,
    busy: &'static str,
    /// Bytes last reported to the host.
    reported: AtomicI64,
}

impl<M> Model<M> {
    /// Share `value`; `busy` is the `Busy` message.
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

    /// Write access for a mutation on the host's thread; `Busy` while any job is pending.
    pub fn write(&self) -> Result<RwLockWriteGuard<'_, M>> {
        if self.jobs.load(Ordering::SeqCst) > 0 {
            return Err(Error::Busy(self.busy));
        }
        Ok(self.value.write().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replace the model (the end of a successful fit).
    pub fn replace(&self, value: M) {
        *self.value.write().unwrap_or_else(PoisonError::into_inner) = value;
    }

    /// Bytes last reported.
    pub fn reported(&self) -> i64 {
        self.reported.load(Ordering::Relaxed)
    }

    /// Record `now` as reported; the change since the last report (what the host must add).
    fn swap_reported(&self, now: i64) -> i64 {
        now - self.reported.swap(now, Ordering::Relaxed)
    }
}

impl<M: HeapBytes> Model<M> {
    /// The change of the model's heap since the last report, now recorded as reported: call on
    /// the host's thread after anything that may change it and hand the delta to the host.
    pub fn report(&self) -> i64 {
        let now = i64::try_from(self.read().heap_bytes()).unwrap_or(i64::MAX);
        self.swap_reported(now)
    }

    /// Withdraw everything reported (the host object's finalizer): the (negative) delta.
    pub fn unreport(&self) -> i64 {
        self.swap_reported(0)
    }
}

/// A pending job on a model, from creation (host thread) until dropped.
pub struct Ticket<M> {
    /// The model the job works on.
    pub model: Arc<Model<M>>,
    fit: bool,
}

impl<M> Ticket<M> {
    /// Claim `model` for a read (`fit == false`) or a fit; `Busy` if the rule forbids it.
    pub fn claim(model: &Arc<Model<M>>, fit: bool) -> Result<Self> {
        let fitting = model.fitting.load(Ordering::SeqCst);
        if fitting || (fit && model.jobs.load(Ordering::SeqCst) > 0) {
            return Err(Error::Busy(model.busy));
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

#[cfg(test)]
mod tests {
    use super::*;

    impl HeapBytes for Vec<u8> {
        fn heap_bytes(&self) -> usize {
            self.capacity()
        }
    }

    #[test]
    fn tickets_follow_the_rule_and_reports_are_deltas() {
        let m = Model::new(vec![0u8; 10], "busy");
        assert_eq!(m.report(), 10);
        let read = Ticket::claim(&m, false).ok();
        assert!(Ticket::claim(&m, false).is_ok(), "reads share");
        assert!(matches!(Ticket::claim(&m, true), Err(Error::Busy("busy"))));
        assert!(m.write().is_err(), "no mutation under a job");
        drop(read);
        let fit = Ticket::claim(&m, true).ok();
        assert!(Ticket::claim(&m, false).is_err(), "no read under a fit");
        drop(fit);
        m.write().map(|mut v| v.extend([1; 30])).ok();
        assert_eq!(m.report(), m.read().capacity() as i64 - 10);
        let cap = m.read().capacity() as i64;
        assert_eq!(m.unreport(), -cap);
    }
}
