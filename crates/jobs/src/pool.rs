//! The process-wide rayon pool every embgeo job runs on (never rayon's global pool).
//!
//! Size: `setThreads(n)`, else the `EMBGEO_THREADS` environment variable, else the available
//! parallelism. `setThreads` may be called at any time: jobs already running keep the pool they
//! started on, new jobs use the new one.

use std::sync::{Arc, PoisonError, RwLock};

use embgeo_core::Error as CoreError;
use rayon::{ThreadPool, ThreadPoolBuilder};

/// The start of every pool thread's name (`embgeo-0`, `embgeo-1`, …).
pub const THREAD_PREFIX: &str = "embgeo-";

static POOL: RwLock<Option<Arc<ThreadPool>>> = RwLock::new(None);

/// Threads used when nothing was configured.
fn default_threads() -> usize {
    std::env::var("EMBGEO_THREADS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}

fn build(threads: usize) -> Result<Arc<ThreadPool>, CoreError> {
    crate::crash::install();
    ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("{THREAD_PREFIX}{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| CoreError::Internal(format!("cannot start the thread pool: {e}")))
}

/// The current pool, created on first use.
pub fn get() -> Result<Arc<ThreadPool>, CoreError> {
    if let Some(p) = POOL.read().unwrap_or_else(PoisonError::into_inner).as_ref() {
        return Ok(Arc::clone(p));
    }
    let mut slot = POOL.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(p) = slot.as_ref() {
        return Ok(Arc::clone(p));
    }
    let p = build(default_threads())?;
    *slot = Some(Arc::clone(&p));
    Ok(p)
}

/// Replace the pool by one of `threads` threads.
pub fn set_threads(threads: usize) -> Result<(), CoreError> {
    let p = build(threads)?;
    *POOL.write().unwrap_or_else(PoisonError::into_inner) = Some(p);
    Ok(())
}

/// Threads of the current pool (creating it if needed).
pub fn threads() -> Result<usize, CoreError> {
    Ok(get()?.current_num_threads())
}
