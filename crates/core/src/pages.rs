//! Large fresh buffers backed by transparent huge pages where Linux allows it.
//!
//! A large fresh allocation is faulted in 4 KiB at a time as it is first written, and on these
//! machines the faults cost more than the writes: a 307 MB `to_vec` took 226–257 ms, against
//! 58 ms with the advice below on 2 threads (`embgeo_jobs::copy`). With
//! `/sys/kernel/mm/transparent_hugepage/enabled` at `madvise` (the common default), only
//! memory advised with `MADV_HUGEPAGE` gets 2 MiB pages: 512× fewer faults.
//!
//! Use it only where a measurement in Node shows the gain. Advising the output of a
//! projection (200,000 × 384 f32, written by the pool) made the transform 18 % faster in a
//! standalone Rust process but the sync `Whitener.transformSync` 3× slower in Node
//! (0.28 s → 0.82 s per call, `perf`: the kernel's huge-page zeroing, `clear_page_erms` under
//! `do_huge_pmd_anonymous_page`, took over half the CPU time), so outputs stay on plain pages;
//! the async input copy (`embgeo_jobs::copy`) keeps its measured gain.

/// Below this many bytes a buffer gets no advice (the faults cost little, and small
/// allocations come from reused heap memory anyway).
pub const HUGE_ADVICE_MIN_BYTES: usize = 16 << 20;

/// `len` default values (zero for the numeric types) in a fresh allocation advised for huge
/// pages ([`advise_huge_pages`]) when it takes at least [`HUGE_ADVICE_MIN_BYTES`].
///
/// For the primitive element types `vec![T::default(); len]` takes zeroed memory from the
/// allocator (fresh, untouched pages at this size), so the advice applies before any page is
/// faulted in.
/// # Cost
/// O(1) until the pages are written; memory `len` values.
#[must_use]
pub fn zeroed<T: Copy + Default>(len: usize) -> Vec<T> {
    let mut v = vec![T::default(); len];
    if std::mem::size_of_val(v.as_slice()) >= HUGE_ADVICE_MIN_BYTES {
        advise_huge_pages(&mut v);
    }
    v
}

/// Ask Linux to back the 2 MiB-aligned interior of `v` with transparent huge pages. Advice
/// only: the contents are unchanged, and a refusal (THP off, old kernel, other systems)
/// changes nothing.
#[cfg(target_os = "linux")]
pub fn advise_huge_pages<T>(v: &mut [T]) {
    const HUGE: usize = 2 << 20;
    let start = v.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(v);
    let (lo, hi) = (start.next_multiple_of(HUGE), end & !(HUGE - 1));
    if hi > lo {
        // SAFETY: [lo, hi) lies inside `v`'s allocation, which `v`'s exclusive borrow keeps
        // alive and unshared for the call. MADV_HUGEPAGE only changes how the kernel backs the
        // range (page size); it never changes its contents or its validity, so no Rust
        // invariant depends on its outcome (the return value is ignored on purpose).
        unsafe {
            libc::madvise(lo as *mut libc::c_void, hi - lo, libc::MADV_HUGEPAGE);
        }
    }
}

/// Ask Linux to back the 2 MiB-aligned interior of `v` with transparent huge pages (no-op
/// elsewhere).
#[cfg(not(target_os = "linux"))]
pub fn advise_huge_pages<T>(_: &mut [T]) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advised_buffers_keep_their_contents() {
        let mut v: Vec<u8> = (0..(6 << 20)).map(|i| (i % 251) as u8).collect();
        let copy = v.clone();
        advise_huge_pages(&mut v);
        advise_huge_pages(&mut v[1..5]);
        advise_huge_pages::<u8>(&mut []);
        assert_eq!(v, copy);
        let z: Vec<f32> = zeroed((HUGE_ADVICE_MIN_BYTES / 4) + 3);
        assert!(z.iter().all(|x| *x == 0.0));
        assert_eq!(zeroed::<f64>(5), vec![0.0; 5]);
    }
}
