//! The symmetric rank pass ([`super::ranks`]): the key tile of every pair of row blocks
//! `I ≤ J` computed once and counted for both, block I's rows against its columns and
//! (for `I < J`) block J's rows against its rows (the keys of a pair are symmetric, and the
//! tile's error bound holds for either side). Half the GEMM work of the block pass, for a
//! tally of every row held at once.
//!
//! The counting half ([`SymTallies`]) is shared with the symmetric kNN pass
//! ([`super::symmetric`]), which computes the same tiles (same blocks, same GEMM call, same
//! layout and +∞ diagonal) and can count them for given targets as it selects neighbours: the
//! kNN graph of a matrix and the ranks of another graph's neighbours in it from one pass.

use std::ops::Range;
use std::sync::Mutex;

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Error, Neighbors, Result};

use super::bounds::Bounds;
use super::rank_tally::Tally;
use super::ranks::{key_form, Job, Ranks};
use super::source::Rows;
use crate::real::{self, Level, Real};

/// The rank tallies of every block of rows of a symmetric pass, each behind its own mutex.
///
/// A block's tally is made by the first tile that needs it (its targets' exact keys); tiles
/// add integer counts decided by the same proof or exact key whichever tile comes first, so
/// the ranks and the exact-key count do not depend on scheduling.
///
/// Memory: the tallies of all rows ([`Tally::new`]: at most `n·(k·(24 + 2R) + 12 + 2R)` bytes).
pub(super) struct SymTallies<'r, 'a, R> {
    rows: &'r Rows<'a, R>,
    targets: &'r Neighbors,
    bounds: Bounds,
    l2: bool,
    lv: Level,
    spans: Vec<Range<usize>>,
    tallies: Vec<Mutex<Option<Tally<R>>>>,
}

impl<'r, 'a, R: Real> SymTallies<'r, 'a, R> {
    /// Empty tallies for the rows of `rows` cut into the blocks `spans` (consecutive, covering
    /// every row), `targets.k ≥ 1` targets per row.
    pub fn new(rows: &'r Rows<'a, R>, targets: &'r Neighbors, spans: Vec<Range<usize>>) -> Self {
        let (l2, _) = key_form::<R>(rows.metric);
        Self {
            rows,
            targets,
            bounds: Bounds::new::<R>(rows.metric, rows.d),
            l2,
            lv: real::level(),
            tallies: spans.iter().map(|_| Mutex::new(None)).collect(),
            spans,
        }
    }

    /// Count the key tile of blocks `bi ≤ bj`: `t[jl·m + li]` (`m` = block I's rows) is the
    /// fast key `alpha·⟨w_i, w_j⟩` of the working rows ([`Rows::work`], `alpha` of
    /// [`key_form`]) within [`Bounds::new`] of the exact value, with +∞ on the diagonal when
    /// `bi = bj`. Block I's rows against block J's, and for `bi < bj` the reverse.
    ///
    /// # Errors
    /// `Internal` when a worker panicked while holding a tally.
    pub fn count(&self, bi: usize, bj: usize, t: &[R]) -> Result<()> {
        let poisoned = || Error::Internal("a rank worker panicked".into());
        let (rows, lv) = (self.rows, self.lv);
        let (ri, rj) = (self.spans[bi].clone(), self.spans[bj].clone());
        let m = ri.len();
        // side I: rows of block I, columns of block J
        {
            let mut g = self.tallies[bi].lock().map_err(|_| poisoned())?;
            let tally = g.get_or_insert_with(|| Tally::new(rows, self.targets, ri.clone(), &self.bounds));
            let off = self.l2.then(|| &rows.cs.off[rj.clone()]);
            tally.scan_cols(lv, rows, t, rj.start, off);
        }
        // side J: column jl of the tile is row rj.start + jl against the rows of block I
        if bi != bj {
            let mut g = self.tallies[bj].lock().map_err(|_| poisoned())?;
            let tally = g.get_or_insert_with(|| Tally::new(rows, self.targets, rj.clone(), &self.bounds));
            let off = self.l2.then(|| &rows.cs.off[ri.clone()]);
            for (jl, row) in t.chunks_exact(m).enumerate() {
                tally.scan_row(lv, rows, (jl, row), ri.start, off);
            }
        }
        Ok(())
    }

    /// The ranks, once every block's diagonal tile was counted (and every pair of blocks).
    ///
    /// # Errors
    /// `Internal` when a block was never counted or a worker panicked.
    pub fn finish(self) -> Result<Ranks> {
        let k = self.targets.k;
        let n = self.spans.last().map_or(0, |r| r.end);
        let mut out = vec![0u32; n * k];
        let mut evals = 0;
        for (bi, (cell, r)) in self.tallies.into_iter().zip(&self.spans).enumerate() {
            let tally = cell
                .into_inner()
                .map_err(|_| Error::Internal("a rank worker panicked".into()))?
                .ok_or_else(|| Error::Internal(format!("rank block {bi} was never counted")))?;
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
}

/// The ranks of every row's targets, over blocks of `b = job.p.block_rows` rows.
///
/// Tasks are the block pairs `(I, J)`, `I ≤ J`, in a fixed order; each computes its `b × b`
/// tile and counts it ([`SymTallies::count`]).
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
    let (b, d) = (job.p.block_rows, rows.d);
    let spans: Vec<Range<usize>> = (0..n).step_by(b).map(|s| s..(s + b).min(n)).collect();
    let nb = spans.len();
    let (_, alpha) = key_form::<R>(rows.metric);
    let (work, _) = rows.work();
    let tasks: Vec<(usize, usize)> = (0..nb).flat_map(|i| (i..nb).map(move |j| (i, j))).collect();
    let tallies = SymTallies::new(rows, job.targets, spans.clone());

    let task = |ti: usize| -> Result<()> {
        let (bi, bj) = tasks[ti];
        let (ri, rj) = (spans[bi].clone(), spans[bj].clone());
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
        tallies.count(bi, bj, &t)
    };
    map_chunks(ctl, "ranks", tasks.len(), 1, |r| task(r.start))?;
    tallies.finish()
}
