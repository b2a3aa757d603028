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
    let chunk = chunk.max(1);
    let n_chunks = len.div_ceil(chunk);
    let done = AtomicU64::new(0);
    let run = |c: usize| -> Result<R> {
        ctl.checkpoint()?;
        let range = c * chunk..((c + 1) * chunk).min(len);
        let items = (range.end - range.start) as u64;
        let r = f(range)?;
        let now = done.fetch_add(items, Ordering::Relaxed) + items;
        ctl.advance(phase, now, len as u64);
        Ok(r)
    };
    match ctl.par {
        Par::Seq => (0..n_chunks).map(run).collect(),
        Par::Rayon => (0..n_chunks).into_par_iter().map(run).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CancelFlag, Error, NoProgress};

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
