//! The tile driver of the general pass (queries against a corpus, or all points when the
//! symmetric pass does not apply): a grid of units (query block × corpus slice), each walking
//! its slice in key tiles, scanning them against cached thresholds, then the ordered merge.

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Error, Neighbors, Result};

use super::bounds::{key_base, prebound, tile_row_kth, TileRow, UnitResult, PREBOUND_MAX_K};
use super::plan::{Params, Plan};
use super::source::{Layout, Marking, Source};
use crate::metric::Metric;
use crate::real::{self, Real};
use crate::select::{by_key_then_index, RowBounds, TopK};

/// The general pass on one source: its `nq` queries against its `nc` corpus rows
/// ([`Source::shape`]; `self_ex`: all points, queries = corpus, the point itself excluded).
/// Returns the neighbours and the number of exact key recomputations (candidates that passed
/// the screening).
#[allow(clippy::too_many_lines)]
pub(super) fn run_general<R: Real, S: Source<R>>(
    src: &S,
    self_ex: bool,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, u64)> {
    let (nq, nc) = src.shape();
    let (cs, qs) = src.stats();
    let metric = p.metric;
    let k = p.k;
    let l2 = matches!(metric, Metric::Euclidean | Metric::SqEuclidean);
    let alpha = R::from_f64(if l2 { -2.0 } else { -1.0 });
    let bounds = src.bounds();
    let plan = Plan::new(nq, nc, p);
    let lv = real::level();
    let cb = p.corpus_block;
    let n_units = plan.q_blocks * plan.slices;

    // One unit: query block `qbk`, corpus slice `sl`; returns per query its exact best
    // (key, index) pairs in this slice (up to k), concatenated, with the count per query.
    let unit = |u: usize| -> Result<(UnitResult, u64)> {
        let qbk = u / plan.slices;
        let sl = u % plan.slices;
        let q0 = qbk * plan.qb;
        let q1 = (q0 + plan.qb).min(nq);
        let m = q1 - q0;
        let c0 = sl * plan.slice_len;
        let c1 = (c0 + plan.slice_len).min(nc);
        let mut states: Vec<TopK<R>> = (0..m).map(|_| TopK::new(k)).collect();
        let rows: Vec<RowBounds> = (q0..q1)
            .map(|i| RowBounds {
                base: key_base(metric, qs.sq[i]),
                margin: src.row_margin(&bounds, i, qs.norm[i], cs.max_norm),
            })
            .collect();
        let mut thr: Vec<R> = vec![R::INF; m];
        let mut tile = vec![R::default(); m * cb.min(c1 - c0)];
        let mut scratch: Vec<f64> = Vec::new();
        // the marks of sources whose tiles mark (`Source::marked_tile`), per corpus row of a
        // tile `⌈m/16⌉`
        let groups = m.div_ceil(embgeo_kernels::MARK_LANES);
        let mut marks: Vec<u16> = Vec::new();
        let (mut tbuf, mut xbuf) = (S::Buf::default(), S::Buf::default());
        let mut candidates = 0u64;
        let mut cstart = c0;
        while cstart < c1 {
            ctl.checkpoint()?;
            let n = cb.min(c1 - cstart);
            let t = &mut tile[..m * n];
            let off = if l2 {
                Some(&cs.off[cstart..cstart + n])
            } else {
                None
            };
            // Past the first tile (whose thresholds are still infinite) a marking source
            // compares the keys with the thresholds as its tile makes them: the scan then
            // visits the marked keys only, meeting the same hits (`scan_marked`).
            let marked = S::MARKS && cstart != c0 && {
                marks.resize(n * groups, 0);
                let mk = Marking {
                    off,
                    thr: &thr,
                    marks: &mut marks[..n * groups],
                    cross: None,
                };
                src.marked_tile(t, q0..q1, cstart..cstart + n, alpha, &mut tbuf, mk)
            };
            // key of query `li`, corpus `jl` at `t[li·rstep + jl·cstep]`
            let layout = if marked {
                Layout::ByCorpus
            } else {
                match src.general_tile(t, q0..q1, cstart..cstart + n, alpha, plan.few, &mut tbuf) {
                    Layout::Unwritten => {
                        src.tile(t, q0..q1, cstart..cstart + n, alpha, plan.few, &mut tbuf);
                        Layout::ByCorpus
                    }
                    written => written,
                }
            };
            let by_query = layout == Layout::ByQuery;
            let (rstep, cstep) = if by_query { (n, 1) } else { (1, m) };
            if self_ex {
                for i in q0.max(cstart)..q1.min(cstart + n) {
                    t[(i - q0) * rstep + (i - cstart) * cstep] = R::INF;
                }
            }
            let t: &[R] = t;
            if cstart == c0 && n > k && k <= PREBOUND_MAX_K {
                // Announce a threshold from the first tile: the k smallest fast keys of a row
                // bound the k-th exact key from above (fast key + margin), so the state does not
                // have to fill up one exact recomputation at a time.
                for li in 0..m {
                    let row = TileRow {
                        t,
                        start: li * rstep,
                        step: cstep,
                        n,
                        off,
                    };
                    let kth = tile_row_kth(&mut scratch, row, k);
                    if kth.is_finite() {
                        let rb = rows[li];
                        states[li].bound(prebound(rb.base, kth, rb.margin), rb);
                        thr[li] = states[li].fast_threshold();
                    }
                }
            }
            let mut hit = |li: usize, jl: usize| -> R {
                let i = q0 + li;
                let f = t[li * rstep + jl * cstep] + off.map_or(R::default(), |o| o[jl]);
                let exact = |js: &[u32], out: &mut [f64]| src.exact_many(i, js, out, &mut xbuf);
                states[li].push(f, (cstart + jl) as u32, rows[li], exact)
            };
            if marked {
                crate::marked_scan::scan_marked(t, m, off, &mut thr, &marks[..n * groups], &mut hit);
            } else if by_query {
                for (li, row) in t.chunks_exact(n).enumerate() {
                    thr[li] = crate::scan::scan_row(lv, row, off, thr[li], &mut |jl| hit(li, jl));
                }
            } else {
                crate::scan::scan(lv, t, m, off, &mut thr, &mut hit);
            }
            cstart += n;
        }
        let mut out = Vec::with_capacity(m * k);
        let mut counts = Vec::with_capacity(m);
        let mut buf = Vec::with_capacity(k);
        for (li, st) in states.iter_mut().enumerate() {
            candidates += st.finish(
                rows[li],
                |js, out| src.exact_many(q0 + li, js, out, &mut xbuf),
                &mut buf,
            );
            counts.push(buf.len() as u32);
            out.extend_from_slice(&buf);
        }
        Ok(((out, counts), candidates))
    };

    let parts = map_chunks(ctl, "distances", n_units, 1, |r| unit(r.start))?;
    let candidates = parts.iter().map(|p| p.1).sum();

    let mut indices = Vec::with_capacity(nq * k);
    let mut distances = Vec::with_capacity(nq * k);
    let mut merged: Vec<(f64, u32)> = Vec::with_capacity(k * plan.slices);
    for qbk in 0..plan.q_blocks {
        let q0 = qbk * plan.qb;
        let m = (q0 + plan.qb).min(nq) - q0;
        let block = &parts[qbk * plan.slices..(qbk + 1) * plan.slices];
        let mut pos = vec![0usize; plan.slices];
        for li in 0..m {
            merged.clear();
            for (s, ((vals, counts), _)) in block.iter().enumerate() {
                let cnt = counts[li] as usize;
                merged.extend_from_slice(&vals[pos[s]..pos[s] + cnt]);
                pos[s] += cnt;
            }
            if plan.slices > 1 {
                merged.sort_unstable_by(by_key_then_index);
            }
            if merged.len() < k {
                return Err(Error::Internal(format!(
                    "query {} got {} of {k} neighbours",
                    q0 + li,
                    merged.len()
                )));
            }
            for &(key, j) in &merged[..k] {
                indices.push(j);
                distances.push(metric.report(key));
            }
        }
    }
    let nb = Neighbors {
        k,
        rows: nq,
        indices,
        distances,
    };
    Ok((nb, candidates))
}
