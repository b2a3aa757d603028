//! The one copy an async twin makes of its input, done fast: the copy runs on the host's
//! (JS) thread, so its time is time the event loop is blocked.
//!
//! A plain `to_vec` of a large array is bound by page faults, not by memory bandwidth: the
//! fresh allocation is faulted in 4 KiB at a time by one thread (measured on the development
//! machine, 200,000 × 384 f32 = 307 MB: `to_vec` 226–257 ms). [`copy_slice`] instead
//! allocates zeroed memory (untouched pages) advised for transparent huge pages
//! ([`embgeo_core::pages::zeroed`]: 512× fewer faults where the system allows it), and copies in
//! contiguous pieces on the pool's number of threads (scoped OS threads, not the rayon pool,
//! so that a busy pool never stalls the event loop): 58 ms on 2 threads in the same
//! measurement.

use std::sync::{Mutex, PoisonError};
use std::thread;

/// Below this many bytes the copy is a plain `to_vec` (threads and advice cost more than
/// they save).
pub const PARALLEL_COPY_MIN_BYTES: usize = 16 << 20;

/// Each copying thread gets at least this many bytes.
const BYTES_PER_THREAD: usize = 8 << 20;

/// `src` as an owned `Vec`, copied on up to `threads` threads (the calling one included).
///
/// Same values, same order, whatever `threads` is (0 is taken as 1). Below
/// [`PARALLEL_COPY_MIN_BYTES`], or where threads cannot be started, it is one `to_vec`.
///
/// # Cost
/// O(len) time; memory: the returned vector only. Spawns at most `threads − 1` scoped OS
/// threads for large inputs and joins them before returning.
#[must_use]
pub fn copy_slice<T: Copy + Default + Send + Sync>(src: &[T], threads: usize) -> Vec<T> {
    let bytes = std::mem::size_of_val(src);
    let threads = threads.max(1).min(bytes / BYTES_PER_THREAD).max(1);
    if bytes < PARALLEL_COPY_MIN_BYTES || cfg!(target_family = "wasm") {
        return src.to_vec();
    }
    // Fresh zeroed pages advised for huge pages before the first write.
    let mut dst = embgeo_core::pages::zeroed(src.len());
    // Pieces of about BYTES_PER_THREAD, taken from a shared queue by the calling thread and up
    // to `threads − 1` helpers; a helper that cannot start leaves its share to the others.
    let piece = (BYTES_PER_THREAD / std::mem::size_of::<T>().max(1)).max(1);
    let queue = Mutex::new(dst.chunks_mut(piece).zip(src.chunks(piece)));
    let work = || loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).next();
        match next {
            Some((d, c)) => d.copy_from_slice(c),
            None => break,
        }
    };
    thread::scope(|s| {
        for _ in 1..threads {
            if thread::Builder::new().spawn_scoped(s, work).is_err() {
                break;
            }
        }
        work();
    });
    dst
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_large_copies_are_exact_for_every_thread_count() {
        let small: Vec<f32> = (0..1000).map(|i| i as f32 * 0.5).collect();
        assert_eq!(copy_slice(&small, 4), small);
        // 24 MiB + 3 elements: above the parallel threshold, pieces of unequal length.
        let n = (24 << 20) / 4 + 3;
        let large: Vec<f32> = (0..n).map(|i| (i as f32).sin()).collect();
        for threads in [0, 1, 2, 3, 7, 64] {
            let c = copy_slice(&large, threads);
            assert_eq!(c.len(), n);
            assert!(
                c.iter().zip(&large).all(|(a, b)| a.to_bits() == b.to_bits()),
                "threads {threads}"
            );
        }
        let ints: Vec<u16> = (0..(20 << 20) / 2).map(|i| (i % 65_521) as u16).collect();
        assert_eq!(copy_slice(&ints, 2), ints);
    }
}
