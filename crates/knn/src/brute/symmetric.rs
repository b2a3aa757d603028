//! The symmetric all-points pass: every pair of row blocks computed once, its tile scanned for
//! both blocks.

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Error, Neighbors, Result};

use super::bounds::{key_base, kth_smallest, prebound, tile_row_kth, TileRow, PREBOUND_MAX_K};
use super::plan::Params;
use super::source::Source;
use crate::metric::Metric;
use crate::real::{self, Real};
use crate::select::{RowBounds, TopK};

/// Selection states and cached thresholds of one block of rows.
struct Block<R> {
    states: Vec<TopK<R>>,
    thr: Vec<R>,
}

/// A block's rows, `start..end`.
type Span = (usize, usize);

/// The row blocks of the pass and its tasks (block pairs, each one tile).
///
/// All points: blocks of `b` rows over `0..n`, tasks `(I, J)` for `I <= J`. Bipartite (rows
/// `0..s` are side A, `s..n` side B, [`Params::bipartite`]): blocks of `b` rows over each side
/// (no block straddles the two), tasks `(I, J)` for every A-block I and B-block J, so a row's
/// candidates are exactly the other side's rows.
fn layout(n: usize, b: usize, bipartite: Option<usize>) -> (Vec<Span>, Vec<(usize, usize)>) {
    let cut = |lo: usize, hi: usize| (lo..hi).step_by(b).map(move |s| (s, (s + b).min(hi)));
    match bipartite {
        None => {
            let blocks: Vec<Span> = cut(0, n).collect();
            let nb = blocks.len();
            let tasks = (0..nb).flat_map(|i| (i..nb).map(move |j| (i, j))).collect();
            (blocks, tasks)
        }
        Some(s) => {
            let blocks: Vec<Span> = cut(0, s).chain(cut(s, n)).collect();
            let na = s.div_ceil(b);
            let nb = blocks.len();
            let tasks = (0..na).flat_map(|i| (na..nb).map(move |j| (i, j))).collect();
            (blocks, tasks)
        }
    }
}

/// Symmetric all-points: blocks of `b = query_block` rows; every block pair `I <= J` is one
/// task computing the `b × b` key tile once; its columns feed block I's rows and (for
/// `I < J`) its rows feed block J's rows. With [`Params::bipartite`] the blocks and tasks are
/// those of [`layout`]: only A-block × B-block tiles, each scanned for both sides. Per-row
/// states live behind one mutex per block, held only while a tile side is scanned. The selection
/// is exact whatever the arrival order of candidates, so the output does not depend on
/// scheduling.
/// Returns the neighbours and the number of exact key computations (which, unlike the
/// neighbours, depends on the order in which tasks finish).
#[allow(clippy::too_many_lines)]
pub(super) fn run_symmetric<R: Real, S: Source<R>>(
    src: &S,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, u64)> {
    use std::sync::Mutex;

    let n = src.shape().1;
    let (cs, _) = src.stats();
    let metric = p.metric;
    let k = p.k;
    let (ranges, tasks) = layout(n, p.query_block, p.bipartite);
    let l2 = matches!(metric, Metric::Euclidean | Metric::SqEuclidean);
    let alpha = R::from_f64(if l2 { -2.0 } else { -1.0 });
    let bounds = src.bounds();
    let lv = real::level();
    let rows: Vec<RowBounds> = (0..n)
        .map(|i| RowBounds {
            base: key_base(metric, cs.sq[i]),
            margin: bounds.margin(cs.norm[i], cs.max_norm),
        })
        .collect();
    let blocks: Vec<Mutex<Block<R>>> = ranges
        .iter()
        .map(|&(s, e)| {
            Mutex::new(Block {
                states: (0..e - s).map(|_| TopK::new(k)).collect(),
                thr: vec![R::INF; e - s],
            })
        })
        .collect();
    let poisoned = || Error::Internal("a kNN worker panicked".into());
    let task = |ti: usize| -> Result<()> {
        let (bi, bj) = tasks[ti];
        let (i0, i1) = ranges[bi];
        let (j0, j1) = ranges[bj];
        let (m, nn) = (i1 - i0, j1 - j0);
        let mut t = vec![R::default(); m * nn];
        let (mut tbuf, mut xbuf) = (S::Buf::default(), S::Buf::default());
        src.tile(&mut t, i0..i1, j0..j1, alpha, false, &mut tbuf);
        if bi == bj {
            for l in 0..m {
                t[l * m + l] = R::INF;
            }
        }
        // side I: columns j of the tile, rows i of block I
        {
            let mut blk = blocks[bi].lock().map_err(|_| poisoned())?;
            let Block { states, thr } = &mut *blk;
            let off = if l2 { Some(&cs.off[j0..j1]) } else { None };
            if nn > k && k <= PREBOUND_MAX_K {
                let mut scratch: Vec<f64> = Vec::with_capacity(nn);
                for li in 0..m {
                    if states[li].bounded() {
                        continue;
                    }
                    let row = TileRow {
                        t: &t,
                        m,
                        li,
                        n: nn,
                        off,
                    };
                    let kth = tile_row_kth(&mut scratch, row, k);
                    if kth.is_finite() {
                        let rb = rows[i0 + li];
                        states[li].bound(prebound(rb.base, kth, rb.margin), rb);
                        thr[li] = states[li].fast_threshold();
                    }
                }
            }
            let mut hit = |li: usize, jl: usize| -> R {
                let i = i0 + li;
                let f = t[jl * m + li] + off.map_or(R::default(), |o| o[jl]);
                let exact = |js: &[u32], out: &mut [f64]| src.exact_many(i, js, out, &mut xbuf);
                states[li].push(f, (j0 + jl) as u32, rows[i], exact)
            };
            real::scan(lv, &t, m, off, thr, &mut hit);
        }
        // side J: row jl of the tile is query j0 + jl against corpus rows of block I
        if bi != bj {
            let mut blk = blocks[bj].lock().map_err(|_| poisoned())?;
            let Block { states, thr } = &mut *blk;
            let off = if l2 { Some(&cs.off[i0..i1]) } else { None };
            let mut scratch: Vec<f64> = Vec::new();
            for jl in 0..nn {
                let j = j0 + jl;
                let st = &mut states[jl];
                let row = &t[jl * m..(jl + 1) * m];
                if m > k && k <= PREBOUND_MAX_K && !st.bounded() {
                    scratch.clear();
                    match off {
                        Some(o) => scratch.extend(row.iter().zip(o).map(|(&a, &b)| (a + b).to_f64())),
                        None => scratch.extend(row.iter().map(|&a| a.to_f64())),
                    }
                    let kth = kth_smallest(&mut scratch, k);
                    if kth.is_finite() {
                        let rb = rows[j];
                        st.bound(prebound(rb.base, kth, rb.margin), rb);
                        thr[jl] = st.fast_threshold();
                    }
                }
                let rb = rows[j];
                let mut hit = |li: usize| -> R {
                    let f = row[li] + off.map_or(R::default(), |o| o[li]);
                    let exact = |cs: &[u32], out: &mut [f64]| src.exact_many(j, cs, out, &mut xbuf);
                    st.push(f, (i0 + li) as u32, rb, exact)
                };
                real::scan_row(lv, row, off, thr[jl], &mut hit);
                thr[jl] = st.fast_threshold();
            }
        }
        Ok(())
    };
    map_chunks(ctl, "distances", tasks.len(), 1, |r| task(r.start))?;

    // the exact keys of the pairs each row kept, block by block in parallel
    let finish = |bi: usize| -> Result<(Vec<(f64, u32)>, u64)> {
        let mut blk = blocks[bi].lock().map_err(|_| poisoned())?;
        let (mut out, mut count, mut buf, mut xbuf) =
            (Vec::new(), 0, Vec::with_capacity(k), S::Buf::default());
        for (li, st) in blk.states.iter_mut().enumerate() {
            let i = ranges[bi].0 + li;
            count += st.finish(rows[i], |js, out| src.exact_many(i, js, out, &mut xbuf), &mut buf);
            if buf.len() < k {
                return Err(Error::Internal(format!(
                    "row {i} got {} of {k} neighbours",
                    buf.len()
                )));
            }
            out.extend_from_slice(&buf);
        }
        Ok((out, count))
    };
    let parts = map_chunks(ctl, "distances", ranges.len(), 1, |r| finish(r.start))?;
    let mut indices = Vec::with_capacity(n * k);
    let mut distances = Vec::with_capacity(n * k);
    let mut candidates = 0;
    for (rows, count) in parts {
        candidates += count;
        for (key, j) in rows {
            indices.push(j);
            distances.push(metric.report(key));
        }
    }
    let nb = Neighbors {
        k,
        rows: n,
        indices,
        distances,
    };
    Ok((nb, candidates))
}
