//! One-pass bf16 screening of f32 queries against a large f32 corpus ([`Stream`]): the queries
//! rounded to bf16 and packed once, the corpus rounded to bf16 block by block as the search
//! streams through it (`embgeo_kernels::lowp::rounded`), key tiles on the bf16 units within
//! [`Bounds::rounded_bf16`]; exact keys from the f32 rows exactly as
//! [`super::source::Dense`] computes them ([`Rows::exact`]), so the result is the fp32 path's,
//! bit for bit.
//!
//! Why a third kind of screening: a few hundred queries against a million corpus rows read each
//! corpus row once, so packing a converted copy of the corpus first (the split path) costs more
//! than the search; and a one-pass bf16 product is a third of a split one, while its wider bound
//! (about `2⁻⁶·‖x‖‖y‖` on the euclidean key) costs more candidates, each an exact f32 key, which
//! is cheap next to the tiles when every query meets thousands of corpus rows.

use std::ops::Range;

use embgeo_core::{Ctl, Error, MatRef, Neighbors, Result};
use embgeo_kernels::lowp::{self, LowpPath, Packed, Side};

use super::bounds::Bounds;
use super::plan::Plan;
use super::residual::{residual_norms, Measured};
use super::source::{Rows, Source};
use super::{
    check_entry, checked_row_stats, checked_run, f32_overflows, run_source, Params, Precision, Trace,
};
use crate::metric::Metric;
use crate::stats::Stats;

/// Fewest corpus rows at which `auto` streams f32 queries through bf16 ([`auto_path`]).
/// Measured on an AMX Xeon (model 207, 2 threads; `examples/split.rs … auto`, alternating with
/// `fp32`, medians of 5–7, time ratio stream / fp32 on normal f32 data, k = 10): 100 queries
/// against 10,000 × 128 0.80, 200 against 10,000 × 64 0.83, 1,000 against 10,000 × 384
/// (cosine) 0.49, 100 against 100,000 × 128 0.82 and 1,000,000 × 128 0.74–0.75, 32 against
/// 1,000,000 × 128 0.84, 1,000 against 100,000 × 384 0.35, 300 against 100,000 × 384 (k = 100)
/// 0.85, 500 against 50,000 × 768 (cosine) 0.72, 100 against 100,000 × 768 (dot) 0.68.
pub const AUTO_MIN_CORPUS_STREAM: usize = 10_000;

/// Narrowest width at which `auto` streams f32 queries through bf16 ([`auto_path`]). Same
/// measurements as [`AUTO_MIN_CORPUS_STREAM`]: d = 64 0.91–0.95 (100 queries against 10⁵ and
/// 10⁶ rows), 1.05 (50 against 20,000); d = 32 0.78–1.17, d = 16 1.21 (not taken).
pub const AUTO_MIN_COLS_STREAM: usize = 64;

/// The bf16 kernel `auto` streams `nq` f32 query rows of width `d` against `nc` corpus rows
/// with, or `None`: only on the AMX tiles (this process's [`lowp::path`], so
/// `EMBGEO_LOWP_KERNEL` can turn it off), never for a shard search (as `split::auto_path`) or
/// for fewer queries than the few-queries mode takes (they scan the corpus with SIMD dot
/// products, bound by memory), against at least [`AUTO_MIN_CORPUS_STREAM`] rows of at least
/// [`AUTO_MIN_COLS_STREAM`] columns. It takes precedence over the split path for queries: at
/// many queries too it was faster (time ratio stream / split, same runs: 5,000 queries against
/// 100,000 × 384 0.66 / 0.98 s, 3,000 against 100,000 × 128 0.23 / 0.35 s, 4,000 against
/// 50,000 × 768 cosine 0.73 / 1.26 s), the corpus rounded again for each 384-query block.
pub(super) fn auto_path(p: &Params, d: usize, nq: usize, nc: usize) -> Option<LowpPath> {
    let path = lowp::path();
    (p.precision == Precision::Auto
        && path == LowpPath::AmxBf16
        && path.supported()
        && auto_shape(p, d, nq, nc))
    .then_some(path)
}

/// Is a search of `nq` query rows against `nc` corpus rows of width `d` one that `auto` streams
/// on the AMX tiles: no shard search, more queries than the few-queries mode takes, at least
/// [`AUTO_MIN_CORPUS_STREAM`] corpus rows of at least [`AUTO_MIN_COLS_STREAM`] columns? The
/// shape rule of [`auto_path`] (f32 rows), also taken by bf16 and int8 rows
/// (`values::narrow`: their few queries stream the corpus packed block by block).
pub(super) fn auto_shape(p: &Params, d: usize, nq: usize, nc: usize) -> bool {
    !p.is_shard() && d >= AUTO_MIN_COLS_STREAM && nc >= AUTO_MIN_CORPUS_STREAM && !Plan::new(nq, nc, p).few
}

/// f32 queries searched on the bf16 units against a corpus rounded block by block: `pq` the
/// queries' working rows ([`Rows::work`]) rounded and packed once; each worker rounds the corpus
/// rows of the tile it computes into its own buffer ([`StreamBuf`]).
pub(super) struct Stream<'a> {
    pub rows: Rows<'a, f32>,
    pub pq: &'a Packed,
    pub path: LowpPath,
    /// The queries' margins from their measured rounding residuals (the corpus's a priori).
    pub measured: Measured,
}

/// One worker's corpus block, rounded and packed, and which rows it holds.
#[derive(Default)]
pub(super) struct StreamBuf {
    block: Packed,
    holds: Option<Range<usize>>,
}

impl Source<f32> for Stream<'_> {
    type Buf = StreamBuf;
    const BLOCK_ORDER: bool = true;

    fn tile(
        &self,
        t: &mut [f32],
        q: Range<usize>,
        c: Range<usize>,
        alpha: f32,
        _: bool,
        buf: &mut StreamBuf,
    ) {
        if buf.holds.as_ref() != Some(&c) {
            let d = self.rows.d;
            let (cwork, _) = self.rows.work();
            lowp::repack_rounded(self.path, &cwork[c.start * d..c.end * d], d, &mut buf.block);
            buf.holds = Some(c.clone());
        }
        lowp::dot_tile_packed(self.path, t, (self.pq, q), (&buf.block, 0..c.len()), alpha);
    }

    fn exact(&self, i: usize, j: usize, _: &mut StreamBuf) -> f64 {
        self.rows.exact(i, j)
    }

    fn exact_pairs(&self, pairs: &[(u32, u32)], out: &mut [f64], _: &mut StreamBuf) {
        self.rows.exact_pairs(pairs, out);
    }

    fn bounds(&self) -> Bounds {
        Bounds::rounded_bf16(self.rows.metric, self.rows.d)
    }

    fn row_margin(&self, bounds: &Bounds, i: usize, nx: f64, ny: f64) -> f64 {
        self.measured.tighten(bounds.margin(nx, ny), i, nx)
    }

    fn kernel(&self, _few: bool) -> &'static str {
        self.path.name()
    }

    fn precision(&self) -> &'static str {
        "bf16"
    }

    fn shape(&self) -> (usize, usize) {
        self.rows.shape()
    }

    fn stats(&self) -> (&Stats<f32>, &Stats<f32>) {
        (self.rows.cs, self.rows.qs)
    }
}

/// f32 queries `q` (of width `d`) against the corpus `c` streamed through bf16 with `path`, or
/// `None` when the fp32 path must run instead: an empty corpus, or row norms whose squares
/// could overflow f32 keys (`f32_overflows`; the fp32 path then widens to f64). The checks and
/// their order are the fp32 path's (`checked_run`): `NonFinite` (corpus, then queries), then
/// `KTooLarge`, then the statistics' own errors.
///
/// Memory: the rounded queries (`q·d·2` bytes, about), one rounded corpus block per worker
/// (`(corpus_block + 32)·⌈d/2⌉·4` bytes, `⌈d/2⌉` rounded up to 16 words), plus what the fp32
/// path holds besides its GEMM packing (row statistics, unit rows under cosine).
///
/// # Errors
/// As the fp32 path.
pub(super) fn search(
    c: &[f32],
    q: &[f32],
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
    path: LowpPath,
) -> Result<Option<(Neighbors, Trace)>> {
    let n = c.len() / d;
    if n == 0 || p.is_shard() {
        return Ok(None);
    }
    let (cs, qs) = checked_row_stats(c, n, Some(q), d, p, ctl)?;
    let qs = qs.ok_or_else(|| Error::Internal("query statistics".into()))?;
    search_with(
        Rows {
            metric: p.metric,
            d,
            c,
            q,
            cs: &cs,
            qs: &qs,
        },
        p,
        ctl,
        path,
    )
}

/// The search of a [`crate::Index`] (its corpus `c`, width `d`, and its statistics `cs`,
/// computed once) for the f32 queries `q` (checked finite by the index): streamed through bf16
/// when `auto` takes the stream ([`auto_path`]), else `None` (and when the stream declines).
/// The queries' statistics' errors are the fp32 path's.
///
/// # Errors
/// As the index's fp32 search.
pub(crate) fn search_indexed(
    c: &[f32],
    cs: &Stats<f32>,
    q: &[f32],
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Option<(Neighbors, Trace)>> {
    let Some(path) = auto_path(p, d, q.len() / d, c.len() / d) else {
        return Ok(None);
    };
    let qs = Stats::compute(p.metric, q, d, "queries", ctl)?;
    search_with(
        Rows {
            metric: p.metric,
            d,
            c,
            q,
            cs,
            qs: &qs,
        },
        p,
        ctl,
        path,
    )
}

/// [`search`] on checked rows with their statistics: `None` when row norms whose squares could
/// overflow f32 keys send the search to the fp32 path (which widens to f64).
fn search_with(
    rows: Rows<'_, f32>,
    p: &Params,
    ctl: &Ctl<'_>,
    path: LowpPath,
) -> Result<Option<(Neighbors, Trace)>> {
    if p.metric != Metric::Cosine && f32_overflows(rows.cs.max_norm, rows.qs.max_norm) {
        return Ok(None);
    }
    let d = rows.d;
    let (_, qwork) = rows.work();
    let pq = lowp::pack_rounded(path, qwork, d, Side::Queries, ctl.par);
    // the queries' residuals measured (a pass over the few query rows); the corpus's bounded a
    // priori (measuring them would cost a pass over the corpus the stream reads once)
    let (delta, _) = residual_norms(qwork, d, ctl)?;
    let measured = Measured::with_apriori_corpus(p.metric, d, delta, rows.cs.max_norm);
    let src = Stream {
        rows,
        pq: &pq,
        path,
        measured,
    };
    run_source(&src, false, p, ctl).map(Some)
}

/// The search of [`crate::search`] (`queries = Some`) or [`crate::all_points`] (`None`) in one
/// bf16 pass on `path`, whatever `auto` would choose (any [`LowpPath`], the portable emulation
/// included): queries stream the corpus ([`search`]), all points screen one rounded copy
/// (`split::Scheme::OnePass`). The tests run every kernel the CPU has through it. The fp32
/// path runs when the one-pass screening declines (row norms whose squares could overflow f32
/// keys); inputs are checked as the public entries check them.
///
/// # Errors
/// As [`crate::search`] / [`crate::all_points`].
#[doc(hidden)]
pub fn search_one_pass_on(
    path: LowpPath,
    corpus: MatRef<'_, f32>,
    queries: Option<MatRef<'_, f32>>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    check_entry(corpus, queries, p)?;
    let (c, d) = (corpus.as_slice(), corpus.cols());
    let q = queries.map(|q| q.as_slice());
    let screened = match q {
        Some(q) => search(c, q, d, p, ctl, path)?,
        None => super::split::search(c, None, d, p, ctl, (path, super::split::Scheme::OnePass))?,
    };
    match screened {
        Some(r) => Ok(r),
        None => checked_run(c, corpus.rows(), q, d, p, ctl),
    }
}
