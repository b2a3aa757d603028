//! The block rank pass ([`super::ranks`]): each block of rows against all n rows in key tiles
//! of [`TILE_COLS`] columns, with memory for one block's tally only (any k).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use embgeo_core::chunks::fill_chunks;
use embgeo_core::{Ctl, Neighbors, Result};

use super::bounds::Bounds;
use super::rank_tally::Tally;
use super::ranks::{key_form, Job, Ranks};
use super::source::Rows;
use crate::real::{self, Real};

/// Columns per key tile: the kNN engine's default corpus block (384 × 1024 f32 = 1.5 MiB).
const TILE_COLS: usize = 1024;

/// The ranks of every row's targets, in blocks of `job.p.block_rows` rows written in place.
///
/// # Cost
/// 2·n²·d FLOPs of key tiles + O(n²) comparisons + the exact keys; per worker one
/// `b × 1024` tile and one block's tally.
pub(super) fn run<R: Real>(rows: &Rows<'_, R>, job: &Job<'_>, ctl: &Ctl<'_>) -> Result<Ranks> {
    let (n, _) = rows.shape();
    let (targets, k) = (job.targets, job.targets.k);
    let mut out = vec![0u32; n * k];
    let evals = AtomicU64::new(0);
    let bounds = Bounds::new::<R>(rows.metric, rows.d);
    fill_chunks(ctl, "ranks", &mut out, n, k, job.p.block_rows, |q, part| {
        let e = block(rows, targets, &bounds, q, part, ctl)?;
        evals.fetch_add(e, Ordering::Relaxed);
        Ok(())
    })?;
    Ok(Ranks {
        k,
        rows: n,
        ranks: out,
        exact_keys: evals.into_inner(),
    })
}

/// Ranks of the targets of rows `q` into `out` (`q.len()·k`); returns the exact keys evaluated.
fn block<R: Real>(
    rows: &Rows<'_, R>,
    targets: &Neighbors,
    bounds: &Bounds,
    q: Range<usize>,
    out: &mut [u32],
    ctl: &Ctl<'_>,
) -> Result<u64> {
    let (n, _) = rows.shape();
    let (d, m) = (rows.d, q.len());
    let (l2, alpha) = key_form::<R>(rows.metric);
    let mut tally = Tally::new(rows, targets, q.clone(), bounds);
    let (work, _) = rows.work();
    let a = &work[q.start * d..q.end * d];
    let mut tile = vec![R::default(); m * TILE_COLS.min(n)];
    let lv = real::level();
    let mut c0 = 0;
    while c0 < n {
        ctl.checkpoint()?;
        let nc = TILE_COLS.min(n - c0);
        let t = &mut tile[..m * nc];
        R::gemm_nt(t, a, &work[c0 * d..(c0 + nc) * d], m, nc, d, alpha);
        // the row itself is no rank: +∞ is at or above every threshold
        for i in q.start.max(c0)..q.end.min(c0 + nc) {
            t[(i - c0) * m + (i - q.start)] = R::INF;
        }
        let off = l2.then(|| &rows.cs.off[c0..c0 + nc]);
        tally.scan_cols(lv, rows, t, c0, off);
        c0 += nc;
    }
    tally.write(out);
    Ok(tally.evals)
}
