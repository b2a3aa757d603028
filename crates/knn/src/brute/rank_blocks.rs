//! The block rank pass ([`super::ranks`]): each block of rows against all n rows in key tiles
//! of [`TILE_COLS`] columns, with memory for one block's tally only (any k); for all rows or
//! for a list of rows ([`super::ranks_of_rows`]).

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

/// The ranks of the targets of the rows `only` (every row when `None`; position `r` of the
/// result is row `only[r]`), in blocks of `job.p.block_rows` positions written in place.
///
/// # Cost
/// 2·m·n·d FLOPs of key tiles for m rows + O(m·n) comparisons + the exact keys; per worker
/// one `b × 1024` tile, one block's tally and, for listed rows, a copy of the block's working
/// rows (`b·d·R` bytes).
pub(super) fn run<R: Real>(
    rows: &Rows<'_, R>,
    job: &Job<'_>,
    only: Option<&[u32]>,
    ctl: &Ctl<'_>,
) -> Result<Ranks> {
    let (n, _) = rows.shape();
    let m = only.map_or(n, <[u32]>::len);
    let (targets, k) = (job.targets, job.targets.k);
    let mut out = vec![0u32; m * k];
    let evals = AtomicU64::new(0);
    let bounds = Bounds::new::<R>(rows.metric, rows.d);
    fill_chunks(ctl, "ranks", &mut out, m, k, job.p.block_rows, |q, part| {
        let ids: Vec<u32> = match only {
            Some(list) => list[q].to_vec(),
            None => q.map(|i| i as u32).collect(),
        };
        let e = block(rows, targets, &bounds, ids, part, ctl)?;
        evals.fetch_add(e, Ordering::Relaxed);
        Ok(())
    })?;
    Ok(Ranks {
        k,
        rows: m,
        ranks: out,
        exact_keys: evals.into_inner(),
    })
}

/// Ranks of the targets of rows `ids` into `out` (`ids.len()·k`); returns the exact keys
/// evaluated. Consecutive rows multiply in place; others are gathered first.
fn block<R: Real>(
    rows: &Rows<'_, R>,
    targets: &Neighbors,
    bounds: &Bounds,
    ids: Vec<u32>,
    out: &mut [u32],
    ctl: &Ctl<'_>,
) -> Result<u64> {
    let (n, _) = rows.shape();
    let (d, m) = (rows.d, ids.len());
    let (l2, alpha) = key_form::<R>(rows.metric);
    let (work, _) = rows.work();
    let first = ids.first().map_or(0, |&i| i as usize);
    let consecutive = ids.iter().enumerate().all(|(l, &i)| i as usize == first + l);
    let gathered: Vec<R> = if consecutive {
        Vec::new()
    } else {
        ids.iter()
            .flat_map(|&i| &work[i as usize * d..(i as usize + 1) * d])
            .copied()
            .collect()
    };
    let a = if consecutive {
        &work[first * d..(first + m) * d]
    } else {
        &gathered[..]
    };
    let mut tally = Tally::of_rows(rows, targets, ids, bounds);
    let mut tile = vec![R::default(); m * TILE_COLS.min(n)];
    let lv = real::level();
    let mut c0 = 0;
    while c0 < n {
        ctl.checkpoint()?;
        let nc = TILE_COLS.min(n - c0);
        let t = &mut tile[..m * nc];
        R::gemm_nt(t, a, &work[c0 * d..(c0 + nc) * d], m, nc, d, alpha);
        // the row itself is no rank: +∞ is at or above every threshold
        for (li, &i) in tally.ids().iter().enumerate() {
            let i = i as usize;
            if (c0..c0 + nc).contains(&i) {
                t[(i - c0) * m + li] = R::INF;
            }
        }
        let off = l2.then(|| &rows.cs.off[c0..c0 + nc]);
        tally.scan_cols(lv, rows, t, c0, off);
        c0 += nc;
    }
    tally.write(out);
    Ok(tally.evals)
}
