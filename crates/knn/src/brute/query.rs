//! The tile driver of the general pass (queries against a corpus, or all points when the
//! symmetric pass does not apply): a grid of units (query block × corpus slice), each walking
//! its slice in key tiles, scanning them against cached thresholds, then the ordered merge.

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Error, Neighbors, Result};

use super::bounds::{
    fast_threshold, key_base, prebound, tile_row_kth, Bounds, TileRow, UnitResult, PREBOUND_MAX_K,
};
use super::plan::{use_symmetric, Params, Plan};
use super::symmetric::run_symmetric;
use crate::metric::{exact_key_with_norms, Metric};
use crate::real::{self, Real};
use crate::select::{by_key_then_index, TopK};
use crate::stats::Stats;

/// The engine on one working precision. `q = None` means all-points on `c`.
#[allow(clippy::too_many_lines)]
pub(super) fn run<R: Real>(
    c: &[R],
    cs: &Stats<R>,
    q: Option<(&[R], &Stats<R>)>,
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    let metric = p.metric;
    let k = p.k;
    let self_ex = q.is_none();
    let (qraw, qs) = q.unwrap_or((c, cs));
    let nc = c.len() / d;
    let nq = qraw.len() / d;
    let qmax = qs.max_norm;
    let big = (cs.max_norm + qmax).powi(2) >= R::MAX / 8.0;
    if big && metric != Metric::Cosine {
        return Err(Error::OutOfRange {
            name: "values",
            expected: "row norms below 1e150 (squared distances must fit in f64)".into(),
            actual: format!("a row norm of {:e}", cs.max_norm.max(qmax)),
        });
    }
    if nq == 0 {
        return Ok(Neighbors {
            k,
            rows: 0,
            indices: Vec::new(),
            distances: Vec::new(),
        });
    }
    let (cwork, qwork): (&[R], &[R]) = if metric == Metric::Cosine {
        (&cs.unit, if self_ex { &cs.unit } else { &qs.unit })
    } else {
        (c, qraw)
    };
    if self_ex && use_symmetric(nc, p) {
        return run_symmetric(c, cs, cwork, d, p, ctl);
    }
    let l2 = matches!(metric, Metric::Euclidean | Metric::SqEuclidean);
    let alpha = R::from_f64(if l2 { -2.0 } else { -1.0 });
    let bounds = Bounds::new::<R>(metric, d);
    let plan = Plan::new(nq, nc, p);
    let lv = real::level();
    let cb = p.corpus_block;
    let n_units = plan.q_blocks * plan.slices;

    let exact = |i: usize, j: usize| -> f64 {
        let (x, y) = (&qraw[i * d..(i + 1) * d], &c[j * d..(j + 1) * d]);
        exact_key_with_norms(metric, x, y, || (qs.sq[i], cs.sq[j]))
    };

    // One unit: query block `qbk`, corpus slice `sl`; returns per query its exact best
    // (key, index) pairs in this slice (up to k), concatenated, with the count per query.
    let unit = |u: usize| -> Result<UnitResult> {
        let qbk = u / plan.slices;
        let sl = u % plan.slices;
        let q0 = qbk * plan.qb;
        let q1 = (q0 + plan.qb).min(nq);
        let m = q1 - q0;
        let c0 = sl * plan.slice_len;
        let c1 = (c0 + plan.slice_len).min(nc);
        let mut states: Vec<TopK> = (0..m).map(|_| TopK::new(k)).collect();
        let base: Vec<f64> = (q0..q1).map(|i| key_base(metric, qs.sq[i])).collect();
        let row_margin: Vec<f64> = (q0..q1).map(|i| bounds.margin(qs.norm[i], cs.max_norm)).collect();
        let to_thr = |li: usize, t: f64| -> R { fast_threshold(t, base[li], row_margin[li]) };
        let mut thr: Vec<R> = (0..m).map(|li| to_thr(li, f64::INFINITY)).collect();
        let mut tile = vec![R::default(); m * cb.min(c1 - c0)];
        let mut scratch: Vec<f64> = Vec::new();
        let a = &qwork[q0 * d..q1 * d];
        let mut cstart = c0;
        while cstart < c1 {
            ctl.checkpoint()?;
            let n = cb.min(c1 - cstart);
            let t = &mut tile[..m * n];
            let b = &cwork[cstart * d..(cstart + n) * d];
            if plan.few {
                real::dots_tile(lv, t, a, b, m, n, d, alpha);
            } else {
                R::gemm_nt(t, a, b, m, n, d, alpha);
            }
            if self_ex {
                for i in q0.max(cstart)..q1.min(cstart + n) {
                    t[(i - cstart) * m + (i - q0)] = R::INF;
                }
            }
            let off = if l2 {
                Some(&cs.off[cstart..cstart + n])
            } else {
                None
            };
            if cstart == c0 && n > k && k <= PREBOUND_MAX_K {
                // Announce a threshold from the first tile: the k smallest fast keys of a row
                // bound the k-th exact key from above (fast key + margin), so the heap does not
                // have to fill up one exact recomputation at a time.
                for li in 0..m {
                    let kth = tile_row_kth(&mut scratch, TileRow { t, m, li, n, off }, k);
                    if kth.is_finite() {
                        states[li].bound(prebound(base[li], kth, row_margin[li]));
                        thr[li] = to_thr(li, states[li].threshold());
                    }
                }
            }
            let mut hit = |li: usize, jl: usize| -> R {
                let i = q0 + li;
                let j = cstart + jl;
                let tt = states[li].push(exact(i, j), j as u32);
                to_thr(li, tt)
            };
            real::scan(lv, t, m, off, &mut thr, &mut hit);
            cstart += n;
        }
        let mut out = Vec::with_capacity(m * k);
        let mut counts = Vec::with_capacity(m);
        let mut buf = Vec::with_capacity(k);
        for st in &mut states {
            st.finish(&mut buf);
            counts.push(buf.len() as u32);
            out.extend_from_slice(&buf);
        }
        Ok((out, counts))
    };

    let parts = map_chunks(ctl, "distances", n_units, 1, |r| unit(r.start))?;

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
            for (s, (vals, counts)) in block.iter().enumerate() {
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
    Ok(Neighbors {
        k,
        rows: nq,
        indices,
        distances,
    })
}
