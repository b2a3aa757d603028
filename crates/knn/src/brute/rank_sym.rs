//! The symmetric rank pass ([`super::ranks`]): the key tile of every pair of row blocks
//! `I ≤ J` computed once and counted for both, block I's rows against its columns and
//! (for `I < J`) block J's rows against its rows (the keys of a pair are symmetric, and the
//! tile's error bound holds for either side). Half the GEMM work of the block pass, for a
//! tally of every row held at once.

use std::ops::Range;
use std::sync::Mutex;

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Error, Result};

use super::bounds::Bounds;
use super::rank_tally::Tally;
use super::ranks::{key_form, Job, Ranks};
use super::source::Rows;
use crate::real::{self, Real};

/// The ranks of every row's targets, over blocks of `b = job.p.block_rows` rows.
///
/// Tasks are the block pairs `(I, J)`, `I ≤ J`, in a fixed order; each computes its `b × b`
/// tile and adds to the two blocks' tallies, each behind its own mutex (held while one side
/// of a tile is counted; a block's tally is made by the first task that needs it). Counts are
/// integers and every count is decided by the same proof or exact key whichever task adds it
/// first, so the ranks and the exact-key count do not depend on scheduling.
///
/// # Cost
/// n²·d FLOPs of key tiles (n(n + b)·d with the diagonal blocks) + O(n²) comparisons + the
/// exact keys. Memory: the tallies of all rows (see [`Tally::new`]), per worker one `b × b`
/// tile.
///
/// # Errors
/// `Cancelled` (polled per block pair; progress phase `"ranks"` in block pairs).
pub(super) fn run<R: Real>(rows: &Rows<'_, R>, job: &Job<'_>, ctl: &Ctl<'_>) -> Result<Ranks> {
    let (n, _) = rows.shape();
    let (targets, b) = (job.targets, job.p.block_rows);
    let (d, k) = (rows.d, targets.k);
    let nb = n.div_ceil(b);
    let span = |bi: usize| -> Range<usize> { bi * b..((bi + 1) * b).min(n) };
    let bounds = Bounds::new::<R>(rows.metric, d);
    let (l2, alpha) = key_form::<R>(rows.metric);
    let lv = real::level();
    let (work, _) = rows.work();
    let tallies: Vec<Mutex<Option<Tally<R>>>> = (0..nb).map(|_| Mutex::new(None)).collect();
    let poisoned = || Error::Internal("a rank worker panicked".into());
    let tasks: Vec<(usize, usize)> = (0..nb).flat_map(|i| (i..nb).map(move |j| (i, j))).collect();

    let task = |ti: usize| -> Result<()> {
        let (bi, bj) = tasks[ti];
        let (ri, rj) = (span(bi), span(bj));
        let (m, nn) = (ri.len(), rj.len());
        let mut t = vec![R::default(); m * nn];
        let (a, c) = (&work[ri.start * d..ri.end * d], &work[rj.start * d..rj.end * d]);
        R::gemm_nt(&mut t, a, c, m, nn, d, alpha);
        if bi == bj {
            // the row itself is no rank: +∞ is at or above every threshold
            for l in 0..m {
                t[l * m + l] = R::INF;
            }
        }
        // side I: rows of block I, columns of block J
        {
            let mut g = tallies[bi].lock().map_err(|_| poisoned())?;
            let tally = g.get_or_insert_with(|| Tally::new(rows, targets, ri.clone(), &bounds));
            let off = l2.then(|| &rows.cs.off[rj.clone()]);
            tally.scan_cols(lv, rows, &t, rj.start, off);
        }
        // side J: column jl of the tile is row rj.start + jl against the rows of block I
        if bi != bj {
            let mut g = tallies[bj].lock().map_err(|_| poisoned())?;
            let tally = g.get_or_insert_with(|| Tally::new(rows, targets, rj.clone(), &bounds));
            let off = l2.then(|| &rows.cs.off[ri.clone()]);
            for (jl, row) in t.chunks_exact(m).enumerate() {
                tally.scan_row(lv, rows, (jl, row), ri.start, off);
            }
        }
        Ok(())
    };
    map_chunks(ctl, "ranks", tasks.len(), 1, |r| task(r.start))?;

    let mut out = vec![0u32; n * k];
    let mut evals = 0;
    for (bi, cell) in tallies.into_iter().enumerate() {
        let tally = cell
            .into_inner()
            .map_err(|_| poisoned())?
            .ok_or_else(|| Error::Internal(format!("rank block {bi} was never counted")))?;
        let r = span(bi);
        tally.write(&mut out[r.start * k..r.end * k]);
        evals += tally.evals;
    }
    Ok(Ranks {
        k,
        rows: n,
        ranks: out,
        exact_keys: evals,
    })
}
