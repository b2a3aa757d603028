//! Deterministic, order-preserving parallel map over fixed-size chunks of an index range.
//!
//! Chunk boundaries depend only on `len` and `chunk`, never on the thread count, and results
//! come back in chunk order, so a caller that combines them sequentially gets bit-identical
//! output for every `Par` and pool size (rayon's own `sum` makes no such promise).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::{Ctl, Par, Result};

/// Apply `f` to `0..len` split into chunks of `chunk` items (the last may be shorter), in
/// parallel under `Par::Rayon`; return the results in chunk order.
///
/// Checks cancellation before each chunk and reports `phase` progress in items after each.
///
/// # Errors
/// The first error (in chunk order among those that ran) returned by `f`, or `Cancelled`.
///
/// # Cost
/// `ceil(len / chunk)` calls of `f`; extra memory one `R` per chunk.
pub fn map_chunks<R, F>(ctl: &Ctl<'_>, phase: &'static str, len: usize, chunk: usize, f: F) -> Result<Vec<R>>
where
    R: Send,
    F: Fn(Range<usize>) -> Result<R> + Sync,
{
    map_chunks_init(ctl, phase, (len, chunk), || (), |(), range| f(range))
}

/// [`map_chunks`] with per-worker scratch, as [`fill_chunks_init`]: `init` makes a scratch value
/// for each rayon work item that starts (one under `Par::Seq`) and every chunk that worker runs
/// gets it (`f(&mut scratch, range)`). `f`'s result must not depend on what an earlier chunk
/// left in the scratch (determinism).
///
/// # Cost
/// As [`map_chunks`], plus the scratch values `init` makes.
/// # Errors
/// As [`map_chunks`].
pub fn map_chunks_init<R, S, I, F>(
    ctl: &Ctl<'_>,
    phase: &'static str,
    (len, chunk): (usize, usize),
    init: I,
    f: F,
) -> Result<Vec<R>>
where
    R: Send,
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, Range<usize>) -> Result<R> + Sync,
{
    let chunk = chunk.max(1);
    let n_chunks = len.div_ceil(chunk);
    let done = AtomicU64::new(0);
    let run = |scratch: &mut S, c: usize| -> Result<R> {
        ctl.checkpoint()?;
        let range = c * chunk..((c + 1) * chunk).min(len);
        let items = (range.end - range.start) as u64;
        let r = f(scratch, range)?;
        let now = done.fetch_add(items, Ordering::Relaxed) + items;
        ctl.advance(phase, now, len as u64);
        Ok(r)
    };
    match ctl.par {
        Par::Seq => {
            let mut scratch = init();
            (0..n_chunks).map(|c| run(&mut scratch, c)).collect()
        }
        Par::Rayon => (0..n_chunks).into_par_iter().map_init(init, run).collect(),
    }
}

/// Like [`map_chunks`], but each chunk of `0..len` writes its own rows of `out` in place
/// (`width` values per item: chunk `c` gets `out[c·chunk·width .. min((c+1)·chunk, len)·width]`),
/// so no per-chunk result is allocated and nothing is concatenated afterwards.
///
/// # Cost
/// `ceil(len / chunk)` calls of `f`; no extra memory.
/// # Errors
/// The first error returned by `f` (any chunk may have run), or `Cancelled`; `out` is then
/// partly written.
/// # Panics
/// Never (`out` shorter than `len·width` gives fewer, shorter chunks: `f` sees the range it got).
pub fn fill_chunks<T, F>(
    ctl: &Ctl<'_>,
    phase: &'static str,
    out: &mut [T],
    len: usize,
    width: usize,
    chunk: usize,
    f: F,
) -> Result<()>
where
    T: Send,
    F: Fn(Range<usize>, &mut [T]) -> Result<()> + Sync,
{
    fill_chunks_init(
        ctl,
        phase,
        out,
        (len, width, chunk),
        || (),
        |(), range, part| f(range, part),
    )
}

/// [`fill_chunks`] with per-worker scratch: `init` makes a scratch value for each rayon work
/// item that starts (a few per thread, one under `Par::Seq`), and every chunk that worker runs
/// gets it (`f(&mut scratch, range, part)`), so buffers a chunk needs are allocated and cleared
/// once per worker rather than once per chunk. `f`'s result must not depend on what an earlier
/// chunk left in the scratch (determinism).
///
/// # Cost
/// As [`fill_chunks`], plus the scratch values `init` makes.
/// # Errors
/// As [`fill_chunks`].
/// # Panics
/// Never.
pub fn fill_chunks_init<T, S, I, F>(
    ctl: &Ctl<'_>,
    phase: &'static str,
    out: &mut [T],
    (len, width, chunk): (usize, usize, usize),
    init: I,
    f: F,
) -> Result<()>
where
    T: Send,
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, Range<usize>, &mut [T]) -> Result<()> + Sync,
{
    let chunk = chunk.max(1);
    let done = AtomicU64::new(0);
    let run = |scratch: &mut S, (c, part): (usize, &mut [T])| -> Result<()> {
        ctl.checkpoint()?;
        let range = c * chunk..((c + 1) * chunk).min(len);
        let items = (range.end - range.start) as u64;
        f(scratch, range, part)?;
        let now = done.fetch_add(items, Ordering::Relaxed) + items;
        ctl.advance(phase, now, len as u64);
        Ok(())
    };
    let step = (chunk * width).max(1);
    let end = (len * width).min(out.len());
    let out = &mut out[..end];
    if width == 0 {
        let mut scratch = init();
        return (0..len.div_ceil(chunk)).try_for_each(|c| run(&mut scratch, (c, &mut [])));
    }
    match ctl.par {
        Par::Seq => {
            let mut scratch = init();
            out.chunks_mut(step)
                .enumerate()
                .try_for_each(|item| run(&mut scratch, item))
        }
        Par::Rayon => out.par_chunks_mut(step).enumerate().try_for_each_init(init, run),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CancelFlag, Error, NoProgress};

    #[test]
    fn fill_chunks_writes_each_chunk_in_place() {
        for par in [Par::Seq, Par::Rayon] {
            let ctl = Ctl::detached().with_par(par);
            let mut out = vec![0usize; 20];
            fill_chunks(&ctl, "t", &mut out, 10, 2, 3, |r, part| {
                assert_eq!(part.len(), 2 * r.len());
                for (i, v) in part.iter_mut().enumerate() {
                    *v = 2 * r.start + i;
                }
                Ok(())
            })
            .unwrap();
            assert_eq!(out, (0..20).collect::<Vec<_>>());
        }
        let mut calls = 0u8;
        let cell = std::sync::Mutex::new(&mut calls);
        fill_chunks::<f32, _>(&Ctl::detached(), "t", &mut [], 4, 0, 2, |_, _| {
            **cell.lock().unwrap() += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(calls, 2);
    }

    /// Each worker's scratch is made by `init` and handed to every chunk it runs: under
    /// `Par::Seq` one value for all chunks, under `Par::Rayon` at most one per chunk; the output
    /// is the same either way.
    #[test]
    fn fill_chunks_init_hands_each_worker_its_scratch() {
        use std::sync::atomic::AtomicUsize;
        for par in [Par::Seq, Par::Rayon] {
            let made = AtomicUsize::new(0);
            let ctl = Ctl::detached().with_par(par);
            let mut out = vec![0usize; 200];
            fill_chunks_init(
                &ctl,
                "t",
                &mut out,
                (100, 2, 7),
                || {
                    made.fetch_add(1, Ordering::Relaxed);
                    Vec::<usize>::new()
                },
                |seen: &mut Vec<usize>, r, part| {
                    seen.push(r.start);
                    for (i, v) in part.iter_mut().enumerate() {
                        *v = 2 * r.start + i;
                    }
                    Ok(())
                },
            )
            .unwrap();
            assert_eq!(out, (0..200).collect::<Vec<_>>(), "{par:?}");
            let made = made.load(Ordering::Relaxed);
            assert!(
                (1..=15).contains(&made),
                "{par:?}: {made} scratch values for 15 chunks"
            );
            if par == Par::Seq {
                assert_eq!(made, 1);
            }
        }
    }

    #[test]
    fn map_chunks_init_reuses_scratch_and_keeps_chunk_order() {
        use std::sync::atomic::AtomicUsize;
        for par in [Par::Seq, Par::Rayon] {
            let made = AtomicUsize::new(0);
            let ctl = Ctl::detached().with_par(par);
            let got = map_chunks_init(
                &ctl,
                "t",
                (100, 7),
                || {
                    made.fetch_add(1, Ordering::Relaxed);
                    Vec::<usize>::new()
                },
                |buf: &mut Vec<usize>, r| {
                    // a buffer reused dirty: the result must not depend on it
                    buf.clear();
                    buf.extend(r.clone());
                    Ok(buf.iter().sum::<usize>())
                },
            )
            .unwrap();
            let want: Vec<usize> = (0..15).map(|c| (7 * c..(7 * c + 7).min(100)).sum()).collect();
            assert_eq!(got, want, "{par:?}");
            let made = made.load(Ordering::Relaxed);
            assert!((1..=15).contains(&made), "{par:?}: {made}");
            if par == Par::Seq {
                assert_eq!(made, 1);
            }
        }
    }

    #[test]
    fn results_come_back_in_chunk_order() {
        let ctl = Ctl::detached();
        let r = map_chunks(&ctl, "t", 10, 3, |r| Ok((r.start, r.end))).unwrap();
        assert_eq!(r, vec![(0, 3), (3, 6), (6, 9), (9, 10)]);
        let empty = map_chunks(&ctl, "t", 0, 3, |r| Ok(r.start)).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn cancelled_flag_stops_with_cancelled() {
        let flag = CancelFlag::new();
        flag.cancel();
        let ctl = Ctl::new(Par::Seq, &flag, &NoProgress);
        let e = map_chunks(&ctl, "t", 10, 3, |r| Ok(r.start)).unwrap_err();
        assert_eq!(e, Error::Cancelled);
    }
}
