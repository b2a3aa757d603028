//! The symmetric all-points pass: every pair of row blocks computed once, its tile scanned for
//! both blocks.

use embgeo_core::chunks::{map_chunks, map_chunks_init};
use embgeo_core::{Ctl, Error, Neighbors, Result};

use super::bounds::{key_base, kth_smallest, prebound, tile_row_kth, TileRow, PREBOUND_MAX_K};
use super::plan::Params;
use super::rank_sym::SymTallies;
use super::ranks::Ranks;
use super::source::{Cross, Marking, Rows, Source};
use crate::metric::Metric;
use crate::real::{self, Real};
use crate::select::{RowBounds, TopK};

/// Selection states and cached thresholds of one block of rows.
struct Block<R> {
    states: Vec<TopK<R>>,
    thr: Vec<R>,
}

/// One worker's buffers: the key tile, the marks of both sides (`Source::marked_tile`) and
/// the copies of the two blocks' thresholds the marks were made with.
#[derive(Default)]
struct TaskBufs<R> {
    tile: Vec<R>,
    marks: Vec<u16>,
    cross: Vec<u16>,
    thr_i: Vec<R>,
    thr_j: Vec<R>,
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
///
/// With `ranked = Some((rows, targets))` (all points, not bipartite; `rows` the rows whose
/// tiles `src` computes with [`Rows::work`] and `R::gemm_nt`, as [`super::source::Dense`]
/// does, and `targets.k ≥ 1`), every tile is also counted for the ranks of `targets` among the
/// rows ([`SymTallies`]: the same counts as the symmetric rank pass, whose tiles are the same
/// computation), and the ranks are returned too: the kNN graph and the ranks of another
/// graph's neighbours from one pass over the tiles. Extra memory: the tallies (see
/// [`SymTallies`]).
#[allow(clippy::too_many_lines)]
pub(super) fn run_symmetric<R: Real, S: Source<R>>(
    src: &S,
    p: &Params,
    ranked: Option<(&Rows<'_, R>, &Neighbors)>,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, u64, Option<Ranks>)> {
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
            margin: src.row_margin(&bounds, i, cs.norm[i], cs.max_norm),
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
    if ranked.is_some() && p.bipartite.is_some() {
        return Err(Error::Internal("ranks ride only on the all-points layout".into()));
    }
    let tallies = ranked.map(|(rows, targets)| {
        let spans = ranges.iter().map(|&(s, e)| s..e).collect();
        SymTallies::new(rows, targets, spans)
    });
    let poisoned = || Error::Internal("a kNN worker panicked".into());
    let groups = |m: usize| m.div_ceil(embgeo_kernels::MARK_LANES);
    // `bufs`: the worker's key tile and marks, overwritten whole by each task (no task reads
    // what an earlier one left), so a worker allocates and faults in one tile, not one per task
    let task = |bufs: &mut TaskBufs<R>, ti: usize| -> Result<()> {
        let (bi, bj) = tasks[ti];
        let (i0, i1) = ranges[bi];
        let (j0, j1) = ranges[bj];
        let (m, nn) = (i1 - i0, j1 - j0);
        let TaskBufs {
            tile,
            marks,
            cross,
            thr_i: snap_i,
            thr_j: snap_j,
        } = bufs;
        tile.resize(m * nn, R::default());
        let t = &mut tile[..m * nn];
        let (mut tbuf, mut xbuf) = (S::Buf::default(), S::Buf::default());
        let off_by_jl = if l2 { Some(&cs.off[j0..j1]) } else { None };
        let off_by_li = if l2 { Some(&cs.off[i0..i1]) } else { None };
        // A marking source compares the keys with the blocks' thresholds as they stand when the
        // tile starts (copied under the locks; they only fall afterwards) once both blocks have
        // finite ones: the scans then visit the marked keys only, meeting the same hits.
        let marked = S::MARKS && {
            let copy = |b: usize, to: &mut Vec<R>| -> Result<bool> {
                let blk = blocks[b].lock().map_err(|_| poisoned())?;
                to.clear();
                to.extend_from_slice(&blk.thr);
                Ok(to.iter().all(|v| v.to_f64().is_finite()))
            };
            copy(bi, snap_i)? && (bi == bj || copy(bj, snap_j)?) && {
                let len = nn * groups(m);
                marks.resize(len, 0);
                cross.resize(len, 0);
                let mk = Marking {
                    off: off_by_jl,
                    thr: snap_i,
                    marks: &mut marks[..len],
                    cross: (bi != bj).then(|| Cross {
                        off: off_by_li,
                        thr: &snap_j[..],
                        marks: &mut cross[..len],
                    }),
                };
                src.marked_tile(t, i0..i1, j0..j1, alpha, &mut tbuf, mk)
            }
        };
        if !marked {
            src.tile(t, i0..i1, j0..j1, alpha, false, &mut tbuf);
        }
        if bi == bj {
            for l in 0..m {
                t[l * m + l] = R::INF;
            }
        }
        let t: &[R] = t;
        // Block I's states, and for an off-diagonal tile block J's (locked in block order, so
        // two workers never wait on each other crosswise).
        let mut blk_i = blocks[bi].lock().map_err(|_| poisoned())?;
        let mut blk_j = if bi == bj {
            None
        } else {
            Some(blocks[bj].lock().map_err(|_| poisoned())?)
        };
        let Block { states: si, thr: ti } = &mut *blk_i;
        // side I: columns j of the tile, rows i of block I; `off_by_jl` the offsets of the
        // corpus rows j0.., `off_by_li` those of block I's rows i0..
        if nn > k && k <= PREBOUND_MAX_K {
            let mut scratch: Vec<f64> = Vec::with_capacity(nn);
            for li in 0..m {
                if si[li].bounded() {
                    continue;
                }
                let row = TileRow {
                    t,
                    start: li,
                    step: m,
                    n: nn,
                    off: off_by_jl,
                };
                let kth = tile_row_kth(&mut scratch, row, k);
                if kth.is_finite() {
                    let rb = rows[i0 + li];
                    si[li].bound(prebound(rb.base, kth, rb.margin), rb);
                    ti[li] = si[li].fast_threshold();
                }
            }
        }
        let Some(blk_j) = blk_j.as_deref_mut() else {
            let mut hit = |li: usize, jl: usize| -> R {
                let i = i0 + li;
                let f = t[jl * m + li] + off_by_jl.map_or(R::default(), |o| o[jl]);
                let exact = |js: &[u32], out: &mut [f64]| src.exact_many(i, js, out, &mut xbuf);
                si[li].push(f, (j0 + jl) as u32, rows[i], exact)
            };
            if marked {
                crate::marked_scan::scan_marked(t, m, off_by_jl, ti, &marks[..nn * groups(m)], &mut hit);
            } else {
                crate::scan::scan(lv, t, m, off_by_jl, ti, &mut hit);
            }
            return match &tallies {
                Some(tl) => tl.count(bi, bj, t),
                None => Ok(()),
            };
        };
        // Both sides in one read of each tile row: row jl is corpus column j0 + jl for block
        // I's rows (side I) and query j0 + jl against block I's rows (side J). Each side meets
        // the same hits in the same order as a scan of its own (`scan::scan_pair`).
        let Block { states: sj, thr: tj } = blk_j;
        let mut scratch: Vec<f64> = Vec::new();
        for jl in 0..nn {
            let j = j0 + jl;
            let row = &t[jl * m..(jl + 1) * m];
            let st = &mut sj[jl];
            if m > k && k <= PREBOUND_MAX_K && !st.bounded() {
                scratch.clear();
                match off_by_li {
                    Some(o) => scratch.extend(row.iter().zip(o).map(|(&a, &b)| (a + b).to_f64())),
                    None => scratch.extend(row.iter().map(|&a| a.to_f64())),
                }
                let kth = kth_smallest(&mut scratch, k);
                if kth.is_finite() {
                    let rb = rows[j];
                    st.bound(prebound(rb.base, kth, rb.margin), rb);
                    tj[jl] = st.fast_threshold();
                }
            }
            let oj = off_by_jl.map_or(R::default(), |o| o[jl]);
            let rb = rows[j];
            let mut hit = |side_i: bool, li: usize| -> R {
                let i = i0 + li;
                if side_i {
                    let f = row[li] + oj;
                    let exact = |js: &[u32], out: &mut [f64]| src.exact_many(i, js, out, &mut xbuf);
                    si[li].push(f, j as u32, rows[i], exact)
                } else {
                    let f = row[li] + off_by_li.map_or(R::default(), |o| o[li]);
                    let exact = |cs: &[u32], out: &mut [f64]| src.exact_many(j, cs, out, &mut xbuf);
                    st.push(f, i as u32, rb, exact)
                }
            };
            if marked {
                let at = jl * groups(m)..(jl + 1) * groups(m);
                let mk = (&marks[at.clone()], &cross[at]);
                crate::marked_scan::scan_pair_marked(row, (off_by_li, oj), ti, tj[jl], mk, &mut hit);
            } else {
                crate::scan::scan_pair(lv, row, off_by_li, oj, ti, tj[jl], &mut hit);
            }
            tj[jl] = st.fast_threshold();
        }
        match &tallies {
            Some(tl) => tl.count(bi, bj, t),
            None => Ok(()),
        }
    };
    map_chunks_init(
        ctl,
        "distances",
        (tasks.len(), 1),
        TaskBufs::default,
        |bufs, r| task(bufs, r.start),
    )?;

    // the exact keys of the pairs each row kept, block by block in parallel
    let b = p.query_block.max(1);
    let finish = |bi: usize| -> Result<(Vec<(f64, u32)>, u64)> {
        let mut blk = blocks[bi].lock().map_err(|_| poisoned())?;
        let i0 = ranges[bi].0;
        let (pairs, starts) = settled_pairs(&mut blk.states, i0, &rows);
        let mut xbuf = S::Buf::default();
        let keys = if S::BLOCK_ORDER {
            keys_by_corpus_block(&pairs, b, n, |ps, out| src.exact_pairs(ps, out, &mut xbuf))
        } else {
            let mut keys = vec![0.0f64; pairs.len()];
            src.exact_pairs(&pairs, &mut keys, &mut xbuf);
            keys
        };
        let (mut out, mut count, mut buf) = (Vec::new(), 0, Vec::with_capacity(k));
        for (li, st) in blk.states.iter_mut().enumerate() {
            count += st.finish_with(&keys[starts[li]..starts[li + 1]], &mut buf);
            if buf.len() < k {
                return Err(Error::Internal(format!(
                    "row {} got {} of {k} neighbours",
                    i0 + li,
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
    let ranks = tallies.map(SymTallies::finish).transpose()?;
    Ok((nb, candidates, ranks))
}

/// Settle every state of a row block (rows `i0..`, [`TopK::settle`]) and list the pairs
/// `(row, corpus row)` still needing exact keys, row by row: row `li`'s are
/// `pairs[starts[li]..starts[li + 1]]`, in its settled order.
fn settled_pairs<R: Real>(
    states: &mut [TopK<R>],
    i0: usize,
    rows: &[RowBounds],
) -> (Vec<(u32, u32)>, Vec<usize>) {
    let mut pairs = Vec::new();
    let mut starts = Vec::with_capacity(states.len() + 1);
    starts.push(0);
    for (li, st) in states.iter_mut().enumerate() {
        let i = i0 + li;
        pairs.extend(st.settle(rows[i]).iter().map(|c| (i as u32, c.1)));
        starts.push(pairs.len());
    }
    (pairs, starts)
}

/// The exact keys of `pairs` (in their order), computed corpus block by corpus block (corpus
/// rows `c·b..(c + 1)·b` of `n`): the rows of one block are read from memory once and reused
/// from cache by the block's other pairs, instead of one random row per pair. `exact(pairs,
/// keys)` computes keys in the given order; the keys do not depend on it. O(pairs + n/b) extra.
fn keys_by_corpus_block(
    pairs: &[(u32, u32)],
    b: usize,
    n: usize,
    mut exact: impl FnMut(&[(u32, u32)], &mut [f64]),
) -> Vec<f64> {
    let nb = n.div_ceil(b).max(1);
    let mut start = vec![0usize; nb + 1];
    for &(_, j) in pairs {
        start[j as usize / b + 1] += 1;
    }
    for c in 0..nb {
        start[c + 1] += start[c];
    }
    let mut order = vec![0u32; pairs.len()];
    for (p, &(_, j)) in pairs.iter().enumerate() {
        let c = j as usize / b;
        order[start[c]] = p as u32;
        start[c] += 1;
    }
    let sorted: Vec<(u32, u32)> = order.iter().map(|&p| pairs[p as usize]).collect();
    let mut got = vec![0.0f64; pairs.len()];
    exact(&sorted, &mut got);
    let mut keys = vec![0.0f64; pairs.len()];
    for (&p, &e) in order.iter().zip(&got) {
        keys[p as usize] = e;
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::keys_by_corpus_block;

    #[test]
    fn corpus_block_order_returns_keys_in_the_pairs_order() {
        let pairs: Vec<(u32, u32)> = (0..500u32).map(|p| (p % 7, (p * 7919) % 1000)).collect();
        let mut calls = 0;
        let keys = keys_by_corpus_block(&pairs, 64, 1000, |ps, out| {
            calls += 1;
            // handed over block by block: corpus rows never decrease by a whole block
            assert!(ps.windows(2).all(|w| w[0].1 / 64 <= w[1].1 / 64));
            for (o, &(i, j)) in out.iter_mut().zip(ps) {
                *o = f64::from(i) * 1e4 + f64::from(j);
            }
        });
        assert_eq!(calls, 1);
        let want: Vec<f64> = pairs
            .iter()
            .map(|&(i, j)| f64::from(i) * 1e4 + f64::from(j))
            .collect();
        assert_eq!(keys, want);
        assert!(keys_by_corpus_block(&[], 64, 1000, |_, _| {}).is_empty());
    }
}
