//! A learned state that is either computed, absent, or pending: computed from kept moments on
//! its first read. Streaming fits (`partial_fit`, `merge`) only update their moments and mark
//! the state pending, so m blocks cost m moment updates and one eigendecomposition, not m.

use std::sync::OnceLock;

use embgeo_core::{Error, Result};

/// The learned state `T` of a model (see the module docs). Thread-safe: concurrent first reads
/// compute it once (`OnceLock`), later reads borrow it.
#[derive(Debug, Clone)]
pub(crate) struct LazyState<T> {
    /// The state once computed, or the error computing it gave (kept: every later read returns
    /// the same error).
    cell: OnceLock<Result<T>>,
    /// True while the state is to be computed from the model's moments on the next read.
    pending: bool,
}

impl<T> Default for LazyState<T> {
    fn default() -> Self {
        Self::new(None)
    }
}

impl<T> LazyState<T> {
    /// Computed (`Some`) or absent (`None`).
    pub(crate) fn new(state: Option<T>) -> Self {
        Self {
            cell: state.map(|s| OnceLock::from(Ok(s))).unwrap_or_default(),
            pending: false,
        }
    }

    /// To be computed on the next read.
    pub(crate) fn pending() -> Self {
        Self {
            cell: OnceLock::new(),
            pending: true,
        }
    }

    /// True while pending and not yet computed.
    #[cfg(test)]
    pub(crate) fn is_pending(&self) -> bool {
        self.pending && self.cell.get().is_none()
    }

    /// The state if it is computed and valid (never computes).
    pub(crate) fn computed(&self) -> Option<&T> {
        self.cell.get().and_then(|r| r.as_ref().ok())
    }

    /// The state: computed by `compute` on the first read of a pending state, `not_fitted`
    /// when absent. Errors of `compute` are kept and returned by every later read.
    ///
    /// # Errors
    /// `not_fitted` when absent; `compute`'s error.
    pub(crate) fn get(&self, not_fitted: Error, compute: impl FnOnce() -> Result<T>) -> Result<&T> {
        if !self.pending && self.cell.get().is_none() {
            return Err(not_fitted);
        }
        self.cell.get_or_init(compute).as_ref().map_err(Clone::clone)
    }
}
