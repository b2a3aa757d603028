//! Test-only helpers shared by the embgeo crates (a dev-dependency, never shipped).
//!
//! - [`fixtures`]: the committed reference fixtures (`__test__/fixtures/<kind>/*.json`, written by
//!   `scripts/reference/`) and the norm-wise comparison the parity tests use.
//! - [`CountingAllocator`]: a global allocator that forwards to the system allocator and counts
//!   live bytes and their peak, so tests can prove a routine's documented memory bound:
//!
//! ```text
//! #[global_allocator]
//! static ALLOC: embgeo_testkit::CountingAllocator = embgeo_testkit::CountingAllocator::new();
//!
//! let (peak_extra_bytes, result) = ALLOC.peak_during(|| routine());
//! ```
//!
//! The counters are process-wide: put all measurements of one test binary in one `#[test]`
//! function (the harness runs tests on several threads).

pub mod fixtures;

/// `len` deterministic awkward values in [0, 10) (a multiplicative hash of the index, steps of
/// 0.01), for tests that compare runs across thread counts or paths.
#[must_use]
pub fn hashed_values(len: usize) -> Vec<f32> {
    (0..len)
        .map(|i| ((i * 2_654_435_761usize) % 1000) as f32 / 100.0)
        .collect()
}

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator plus two counters: bytes currently allocated and their peak.
pub struct CountingAllocator {
    current: AtomicUsize,
    peak: AtomicUsize,
}

impl CountingAllocator {
    /// A counter at zero (usable in a `static`).
    #[must_use]
    pub const fn new() -> Self {
        Self {
            current: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    /// Bytes currently allocated through this allocator.
    pub fn current(&self) -> usize {
        self.current.load(Ordering::SeqCst)
    }

    /// Run `f` and return the peak of live bytes during it above the level when it started,
    /// together with `f`'s result (whatever `f` returns is still allocated at the end, so it
    /// counts towards the peak).
    pub fn peak_during<R>(&self, f: impl FnOnce() -> R) -> (usize, R) {
        let base = self.current.load(Ordering::SeqCst);
        self.peak.store(base, Ordering::SeqCst);
        let out = f();
        (self.peak.load(Ordering::SeqCst).saturating_sub(base), out)
    }
}

impl Default for CountingAllocator {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every method forwards its arguments unchanged to `System`, which upholds the
// `GlobalAlloc` contract; the only additions are atomic counter updates, which neither allocate
// nor touch the returned memory.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract (non-zero size), passed on unchanged.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = self.current.fetch_add(l.size(), Ordering::SeqCst) + l.size();
            self.peak.fetch_max(now, Ordering::SeqCst);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: `p` was returned by `alloc` above (i.e. by `System`) with layout `l`.
        unsafe { System.dealloc(p, l) };
        self.current.fetch_sub(l.size(), Ordering::SeqCst);
    }
}
