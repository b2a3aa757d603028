//! int16 screening of f32 queries against an index's corpus quantised to int16 once, and of all
//! points of f32 rows quantised for the call ([`Quantized`]): each working row (the unit rows
//! under cosine) gets a power-of-two scale and int16 values (`embgeo_kernels::I16Rows`), the key
//! tiles are exact integer dot products (`vpmaddwd` on AVX2, `vpdpwssd` on AVX512-VNNI;
//! `embgeo_kernels::corpus_keys_i16`) scaled to f32, and the margins come from the rows'
//! measured quantisation residuals (`super::residual::Measured`); exact keys from the f32 rows
//! exactly as [`super::source::Dense`] computes them ([`Rows::exact`]), so the result is the
//! fp32 path's, bit for bit.
//!
//! Why: CPUs with AVX2 and no bf16 or int8 units (AMD Zen 2/3, Intel before Cooper Lake) have
//! `vpmaddwd`, 16 exact int16 multiply-adds per instruction against 8 for an f32 FMA; the
//! kernels bench's query pass ran 1.4–1.5× the f32 in-place tiles on a Zen 3. AVX-512 CPUs with
//! VNNI and without AMX (Ice Lake, and Sapphire/Emerald Rapids where the hypervisor hides AMX)
//! have `vpdpwssd`, 32 fused int16 multiply-adds per instruction against 16 for an AVX-512 FMA:
//! there an index's 100 queries against 1,000,000 × 128 took 0.069 against 0.114 s. The corpus is
//! quantised once per index (a `knn()` call with queries would pay that pass on every search,
//! about as much as the search); all points pay it once against `n²·d` products
//! ([`search_all_points`], on the VNNI tiles from [`AUTO_MIN_ROWS_INT16_ALL`] rows of
//! [`AUTO_MIN_COLS_INT16_ALL`] columns).
//!
//! # Bound (docs/exact-screening.md, "int16 screening of an index's f32 queries")
//! With `x̂ = s_x·q_x` and the residual `r_x = x − x̂` (exact in f64), `x·y − x̂·ŷ = r_x·y +
//! x̂·r_y`, so `|x·y − x̂·ŷ| ≤ E_q = ‖r_x‖·Y + (‖x‖ + ‖r_x‖)·D` with `Y` the largest corpus
//! working-row norm and `D` its largest residual norm. The tile is `x̂·ŷ` exactly (an int32
//! sum) rounded once to f32 and scaled by powers of two, and `‖x̂‖‖ŷ‖ ≤ ‖x‖·Y + E_q`: the part of
//! the tile's rounding and of the key's f32 terms proportional to `‖x‖·Y` is inside the f32
//! bound, the part proportional to `E_q` inside the factor 1.01. So row `i`'s margin is
//! `Bounds::new::<f32>(metric, d).margin(‖x_i‖, Y) + 1.01·|alpha|·(‖r_i‖·Y + (‖x_i‖ +
//! ‖r_i‖)·D)` — never the f32 margin alone.

use std::ops::Range;
use std::sync::OnceLock;

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Error, MatRef, Neighbors, Result};
use embgeo_kernels::lowp::{self, LowpPath};
use embgeo_kernels::{
    corpus_keys_i16, corpus_keys_i16_marked, CrossMarks, I16Queries, I16Rows, KeyMarks, View,
};

use super::bounds::Bounds;
use super::plan::Plan;
use super::residual::Measured;
use super::source::{Marking, Rows, Source};
use super::{
    check_entry, checked_row_stats, checked_run, f32_overflows, run_dense, run_source, Params, Precision,
    Trace,
};
use crate::metric::Metric;
use crate::real::Real;
use crate::stats::Stats;

/// Widest rows the int16 screening takes: up to here `Q ≥ 724` (`embgeo_kernels::i16_q_max`),
/// at least 10 bits per value; wider rows would screen with ever wider margins.
pub const MAX_COLS: usize = 4096;

/// Fewest corpus rows at which `auto` screens an index search in int16 ([`auto_takes`]), as
/// for the one-pass bf16 stream. Measured on an AMD EPYC (Zen 3, 2 threads, an index searched by
/// `bench/runners/embgeo-knn.mjs`, medians of 5–9, int16 against `EMBGEO_KNN_INT16=off`, k = 10):
/// 100 queries against 1,000,000 × 128 0.129 / 0.171 s, 50,000 × 768 (cosine) 0.042 / 0.055 s,
/// 120,000 × 64 0.013 / 0.015 s, 240,000 × 32 0.016 / 0.018 s.
pub const AUTO_MIN_CORPUS_INT16: usize = 10_000;

/// Narrowest rows `auto` screens in int16: at 32 columns it still measured 1.1× faster
/// ([`AUTO_MIN_CORPUS_INT16`]); narrower rows were not measured.
pub const AUTO_MIN_COLS_INT16: usize = 32;

/// Most queries `auto` screens in int16 on the AVX2 tiles: the range measured on the Zen 3 (one
/// query block of the in-place tiles, whose panels stay in L1 at d = 128). The AVX512-VNNI
/// tiles take any number: on an Intel Xeon (model 207, no AMX, 2 threads, an index searched by
/// `bench/runners/embgeo-knn.mjs`, k = 10, int16 against fp32, two alternations of medians of 5)
/// 256 queries against 200,000 × 128 0.037–0.039 / 0.060–0.066 s, 1,000 0.127–0.144 /
/// 0.211–0.214 s, 5,000 0.566–0.598 / 1.04 s, 1,000 against 20,000 × 384 0.054 / 0.075–0.080 s.
pub const AUTO_MAX_QUERIES_INT16: usize = 128;

/// Rows per parallel chunk when an index quantises its corpus.
const CHUNK: usize = 8192;

/// Does `auto` screen a search of an index (`nq` f32 queries against `nc` rows of width `d`) in
/// int16? Only when the kernel layer runs native int16 tiles (`embgeo_kernels::i16_native`:
/// its AVX2 path, or its AVX-512 path on a CPU with AVX512-VNNI; CPUs with AVX-512 and no VNNI
/// keep their wider f32 kernels) and no AMX tiles (whose bf16 stream was measured first there),
/// never for a shard search or the few-queries mode, for `AUTO_MIN_COLS_INT16..=MAX_COLS`
/// columns, at least [`AUTO_MIN_CORPUS_INT16`] corpus rows and, on the AVX2 tiles, at most
/// [`AUTO_MAX_QUERIES_INT16`] queries; and not when `EMBGEO_KNN_INT16=off` (read once).
pub(crate) fn auto_takes(p: &Params, d: usize, nq: usize, nc: usize) -> bool {
    auto_may(p, d)
        && embgeo_kernels::i16_native()
        && nc >= AUTO_MIN_CORPUS_INT16
        && (nq <= AUTO_MAX_QUERIES_INT16 || embgeo_kernels::i16_vnni())
        && !Plan::new(nq, nc, p).few
}

/// Fewest rows at which `auto` screens all points in int16 ([`auto_takes_all_points`]).
/// Measured on an Intel Xeon (model 207, AVX512-VNNI, no AMX, 2 threads; all points through
/// `bench/runners/embgeo-knn.mjs`, k = 10 unless given, int16 against `EMBGEO_KNN_INT16=off`,
/// two alternations of medians of 5–15, the same answers), with the tiles marking the keys
/// below the thresholds (`embgeo_kernels::KeyMarks`): G2 20,000 × 128 0.20–0.22 / 0.29–0.30 s,
/// 20,000 × 192 0.23–0.26 / 0.38–0.39 s, 5,000 × 384 0.040–0.042 / 0.052–0.053 s, 5,000 × 128
/// 0.024–0.028 / 0.036–0.038 s, 2,048 × 384 0.014–0.016 / 0.020 s, 10,000 × 32 0.046–0.049 /
/// 0.053–0.062 s; G1 10,000 × 128 0.079–0.080 / 0.087–0.091 s, 100,000 × 32 2.10–2.11 /
/// 2.35–2.60 s; at 4,096 rows of 32 and 64 columns the two tied (0.016 / 0.016 s). Before the
/// marks (the tiles stored, then every key scanned) narrow rows lost: 10,000 × 128 0.94×,
/// 100,000 × 32 0.8×.
pub const AUTO_MIN_ROWS_INT16_ALL: usize = 4096;

/// Narrowest rows at which `auto` screens all points in int16: [`AUTO_MIN_COLS_INT16`], as
/// for an index (measured from 32 columns up: [`AUTO_MIN_ROWS_INT16_ALL`]).
pub const AUTO_MIN_COLS_INT16_ALL: usize = AUTO_MIN_COLS_INT16;

/// Does `auto` screen all points of `n` f32 rows of width `d` in int16? Only on the AVX512-VNNI
/// tiles (`embgeo_kernels::i16_vnni`; the AVX2 tiles were not measured on all points) without
/// AMX, never for a shard or bipartite search, for `AUTO_MIN_COLS_INT16_ALL..=MAX_COLS` columns
/// and at least [`AUTO_MIN_ROWS_INT16_ALL`] rows; not when `EMBGEO_KNN_INT16=off`.
pub(crate) fn auto_takes_all_points(p: &Params, d: usize, n: usize) -> bool {
    auto_may(p, d)
        && embgeo_kernels::i16_vnni()
        && p.bipartite.is_none()
        && d >= AUTO_MIN_COLS_INT16_ALL
        && n >= AUTO_MIN_ROWS_INT16_ALL
}

/// Fewest queries at which `auto` screens a search without an index (`knn` with queries) in
/// int16, the corpus quantised for the call ([`auto_takes_queries`]). Measured on the Xeon of
/// [`AUTO_MIN_ROWS_INT16_ALL`] (`bench/runners/embgeo-knn.mjs`, k = 10, int16 against
/// `EMBGEO_KNN_INT16=off`, two alternations of medians of 3, while another build ran on the same
/// cores): against 200,000 × 128, 512 queries 0.31–0.36 / 0.26 s (the quantisation of the
/// corpus, about 0.05 s, outweighs what the tiles save), 1,000 0.40 / 0.43–0.45 s, 5,000
/// 1.28–1.31 / 1.98–2.02 s; 2,000 against 20,000 × 384 0.18–0.22 / 0.31 s.
pub const AUTO_MIN_QUERIES_INT16_KNN: usize = 1000;

/// Does `auto` screen `nq` f32 queries against `nc` f32 rows of width `d`, without an index, in
/// int16? Only on the AVX512-VNNI tiles without AMX (as [`auto_takes_all_points`]), from
/// [`AUTO_MIN_QUERIES_INT16_KNN`] queries against at least [`AUTO_MIN_CORPUS_INT16`] rows of
/// `AUTO_MIN_COLS_INT16..=MAX_COLS` columns: the corpus's quantisation, `O(nc·d)`, is paid on
/// every call, so enough queries must share it.
pub(crate) fn auto_takes_queries(p: &Params, d: usize, nq: usize, nc: usize) -> bool {
    auto_may(p, d)
        && embgeo_kernels::i16_vnni()
        && nc >= AUTO_MIN_CORPUS_INT16
        && nq >= AUTO_MIN_QUERIES_INT16_KNN
}

/// What every `auto` int16 screening needs: `auto`, `EMBGEO_KNN_INT16` not `off`, no AMX
/// tiles, no shard search, `AUTO_MIN_COLS_INT16..=MAX_COLS` columns.
fn auto_may(p: &Params, d: usize) -> bool {
    let amx = lowp::path() == LowpPath::AmxBf16 && lowp::path().supported();
    p.precision == Precision::Auto
        && enabled()
        && !amx
        && !p.is_shard()
        && (AUTO_MIN_COLS_INT16..=MAX_COLS).contains(&d)
}

/// `false` when `EMBGEO_KNN_INT16=off` (read once per process).
fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var("EMBGEO_KNN_INT16").map_or(true, |v| v != "off"))
}

/// The working rows `rows` (`n × d`, row-major) quantised to int16, in parallel chunks of
/// [`CHUNK`] rows (each row's values do not depend on the chunks). O(n·d); memory
/// `n·(2·⌈d/2⌉·2 + 12)` bytes at the peak (the parts and the joined rows).
///
/// # Errors
/// `Cancelled`; `OutOfRange` for a width the tiles cannot take or an allocation refused.
pub(crate) fn quantize(rows: &[f32], d: usize, ctl: &Ctl<'_>) -> Result<I16Rows> {
    let n = rows.len() / d.max(1);
    let parts = map_chunks(ctl, "int16 rows", n, CHUNK, |r| {
        I16Rows::new(View::row_major(&rows[r.start * d..r.end * d], r.len(), d)?)
    })?;
    I16Rows::concat(&parts)
}

/// f32 queries screened in int16 against a corpus quantised once (`corpus`: the corpus's
/// working rows as [`quantize`] made them).
pub(super) struct Quantized<'a> {
    pub rows: Rows<'a, f32>,
    pub corpus: &'a I16Rows,
    /// All the queries quantised and packed (the tiles of a unit whose block is all of them
    /// read these; other blocks are packed by the unit's worker); `None` for all points, whose
    /// query blocks are packed from the corpus's int16 rows (`blocks`).
    pub queries: Option<I16Queries>,
    /// All points: the query blocks of `block` rows (those the passes ask for, from row 0),
    /// each packed from the corpus's int16 rows by the first tile that needs it, then shared.
    pub blocks: Vec<OnceLock<Option<I16Queries>>>,
    /// Rows per entry of `blocks` (the search's `query_block`).
    pub block: usize,
    /// The queries' margins from their measured residuals and the corpus's largest.
    pub measured: Measured,
}

/// One worker's query block, quantised and packed, and which query rows it holds.
#[derive(Default)]
pub(super) struct QuantizedBuf {
    panels: I16Queries,
    holds: Option<Range<usize>>,
}

impl Quantized<'_> {
    /// The query block `q`'s panels: all the queries' when the block is all of them, else the
    /// worker's, packed once per block (all points copy the block's rows from the corpus's
    /// int16 rows, each block once for every worker; queries are quantised); `None` if they
    /// could not be packed (an allocation refused).
    fn panels<'b>(&'b self, q: &Range<usize>, buf: &'b mut QuantizedBuf) -> Option<&'b I16Queries> {
        let all = self
            .queries
            .as_ref()
            .filter(|a| q.start == 0 && q.end == a.rows());
        let n = self.corpus.rows();
        let shared = (self.queries.is_none()
            && self.block > 0
            && q.start.is_multiple_of(self.block)
            && q.end == (q.start + self.block).min(n))
        .then(|| self.blocks.get(q.start / self.block))
        .flatten()
        .and_then(|cell| {
            cell.get_or_init(|| I16Queries::from_rows(embgeo_kernels::path(), self.corpus, q.clone()).ok())
                .as_ref()
        });
        if let Some(p) = all.or(shared) {
            return Some(p);
        }
        if buf.holds.as_ref() != Some(q) {
            let packed = if self.queries.is_none() {
                I16Queries::from_rows(embgeo_kernels::path(), self.corpus, q.clone())
            } else {
                let d = self.rows.d;
                let (_, qwork) = self.rows.work();
                View::row_major(&qwork[q.start * d..q.end * d], q.len(), d).and_then(I16Queries::new)
            };
            buf.holds = packed.map(|p| buf.panels = p).ok().map(|()| q.clone());
        }
        buf.holds.is_some().then_some(&buf.panels)
    }
}

impl Source<f32> for Quantized<'_> {
    type Buf = QuantizedBuf;
    const BLOCK_ORDER: bool = true;

    /// The int16 tile of the query block's panels ([`Quantized::panels`]); if the queries
    /// could not be packed (an allocation refused) or the tile refused them, the f32 tile,
    /// whose error is within the f32 bound and so within these margins.
    fn tile(
        &self,
        t: &mut [f32],
        q: Range<usize>,
        c: Range<usize>,
        alpha: f32,
        _: bool,
        buf: &mut QuantizedBuf,
    ) {
        if self
            .panels(&q, buf)
            .is_some_and(|p| corpus_keys_i16(t, p, self.corpus, c.clone(), alpha).is_ok())
        {
            return;
        }
        let d = self.rows.d;
        let (cwork, qwork) = self.rows.work();
        let queries = &qwork[q.start * d..q.end * d];
        let corpus = &cwork[c.start * d..c.end * d];
        f32::gemm_nt(t, queries, corpus, q.len(), c.len(), d, alpha);
    }

    const MARKS: bool = true;

    /// The int16 tile with its marks (`corpus_keys_i16_marked`: the AVX512-VNNI tiles compare
    /// in registers); `false` where [`Quantized::tile`] would take the f32 tile.
    fn marked_tile(
        &self,
        t: &mut [f32],
        q: Range<usize>,
        c: Range<usize>,
        alpha: f32,
        buf: &mut QuantizedBuf,
        marks: Marking<'_, f32>,
    ) -> bool {
        let mut km = KeyMarks {
            off: marks.off,
            thr: marks.thr,
            marks: marks.marks,
            cross: marks.cross.map(|x| CrossMarks {
                off: x.off,
                thr: x.thr,
                marks: x.marks,
            }),
        };
        self.panels(&q, buf)
            .is_some_and(|p| corpus_keys_i16_marked(t, p, self.corpus, c, alpha, &mut km).is_ok())
    }

    fn exact(&self, i: usize, j: usize, _: &mut QuantizedBuf) -> f64 {
        self.rows.exact(i, j)
    }

    fn exact_pairs(&self, pairs: &[(u32, u32)], out: &mut [f64], _: &mut QuantizedBuf) {
        self.rows.exact_pairs(pairs, out);
    }

    fn bounds(&self) -> Bounds {
        Bounds::new::<f32>(self.rows.metric, self.rows.d)
    }

    /// The measured margin only: the f32 margin alone does not bound an int16 tile.
    fn row_margin(&self, _: &Bounds, i: usize, nx: f64, _: f64) -> f64 {
        self.measured.margin(i, nx)
    }

    fn kernel(&self, _few: bool) -> &'static str {
        embgeo_kernels::i16_kernel()
    }

    fn precision(&self) -> &'static str {
        "int16"
    }

    fn shape(&self) -> (usize, usize) {
        self.rows.shape()
    }

    fn stats(&self) -> (&Stats<f32>, &Stats<f32>) {
        (self.rows.cs, self.rows.qs)
    }
}

/// The search of `rows` (queries against the corpus, or all points: `rows.q` the corpus)
/// screened in int16 against `corpus` (its working rows quantised), or `None` when the fp32
/// path must run instead: rows wider than [`MAX_COLS`], or row norms whose squares could
/// overflow f32 keys (`f32_overflows`).
///
/// Memory: queries quantised once for their residual norms (`nq·(d + 12)` bytes, about) and
/// once per worker's query block; all points: the corpus's residual norms (`n·8` bytes) and
/// its query blocks packed once (`n·(2·⌈d/2⌉·2 + 12)` bytes, about, and up to 48 rows of
/// padding per block); plus what the fp32 path holds besides its tiles.
fn search_with(
    rows: Rows<'_, f32>,
    corpus: &I16Rows,
    all_points: bool,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Option<(Neighbors, Trace)>> {
    let d = rows.d;
    if d > MAX_COLS
        || corpus.cols() != d
        || (p.metric != Metric::Cosine && f32_overflows(rows.cs.max_norm, rows.qs.max_norm))
    {
        return Ok(None);
    }
    let (queries, delta) = if all_points {
        (None, corpus.residuals().to_vec())
    } else {
        let (_, qwork) = rows.work();
        let queries = I16Queries::new(View::row_major(qwork, qwork.len() / d, d)?)?;
        let delta = queries.residuals().to_vec();
        (Some(queries), delta)
    };
    let dmax = corpus.residuals().iter().copied().fold(0.0, f64::max);
    let mut measured = Measured::new(p.metric, d, delta, rows.cs.max_norm, dmax);
    measured.base = Bounds::new::<f32>(p.metric, d);
    let block = p.query_block.max(1);
    let blocks = if all_points {
        (0..corpus.rows().div_ceil(block))
            .map(|_| OnceLock::new())
            .collect()
    } else {
        Vec::new()
    };
    let src = Quantized {
        rows,
        corpus,
        queries,
        blocks,
        block,
        measured,
    };
    run_source(&src, all_points, p, ctl).map(Some)
}

/// All points of the `n × d` f32 rows `c` screened in int16 (`auto`: [`auto_takes_all_points`];
/// the input checks and their order are [`super::checked_run`]'s): the working rows quantised
/// once, each worker packing its query blocks from them; the fp32 path on the same statistics
/// when the screening declines.
///
/// Memory: the int16 copy, `n·(2·⌈d/2⌉·2 + 12)` bytes (twice that while the parallel parts are
/// joined), and one packed query block per worker, besides the fp32 path's.
///
/// # Errors
/// As [`crate::search`].
pub(crate) fn search_all_points(
    c: &[f32],
    n: usize,
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    let (cs, _) = checked_row_stats(c, n, None, d, p, ctl)?;
    let rows = Rows {
        metric: p.metric,
        d,
        c,
        q: c,
        cs: &cs,
        qs: &cs,
    };
    if d <= MAX_COLS {
        let (cwork, _) = rows.work();
        let i16 = quantize(cwork, d, ctl)?;
        if let Some(r) = search_with(rows, &i16, true, p, ctl)? {
            return Ok(r);
        }
    }
    run_dense(c, &cs, None, d, p, ctl)
}

/// The search of a [`crate::Index`] (its corpus `c`, width `d`, statistics `cs` and int16 copy
/// `corpus` of its working rows, all made once) for the f32 queries `q` (checked finite by the
/// index), screened in int16; `None` when the screening declines ([`search_with`]). The
/// queries' statistics' errors are the fp32 path's.
///
/// # Errors
/// As the index's fp32 search.
pub(crate) fn search_indexed(
    (c, cs, corpus): (&[f32], &Stats<f32>, &I16Rows),
    q: &[f32],
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Option<(Neighbors, Trace)>> {
    let qs = Stats::compute(p.metric, q, d, "queries", ctl)?;
    let rows = Rows {
        metric: p.metric,
        d,
        c,
        q,
        cs,
        qs: &qs,
    };
    search_with(rows, corpus, false, p, ctl)
}

/// The search of [`crate::search`] (queries, or all points when `queries` is `None`) screened
/// in int16 whatever `auto` would choose, on any CPU (the kernel layer's portable int16 tile
/// where AVX2 is missing gives the same bits): the corpus's working rows quantised for this
/// call. The tests run it on every shape and metric. The fp32 path runs when the screening
/// declines; inputs are checked as the public entries check them.
///
/// # Errors
/// As [`crate::search`].
#[doc(hidden)]
pub fn search_int16_on(
    corpus: MatRef<'_, f32>,
    queries: Option<MatRef<'_, f32>>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    check_entry(corpus, queries, p)?;
    let (c, d, n) = (corpus.as_slice(), corpus.cols(), corpus.rows());
    let q = queries.map(|q| q.as_slice());
    match q {
        _ if n == 0 || p.is_shard() => checked_run(c, n, q, d, p, ctl),
        None => search_all_points(c, n, d, p, ctl),
        Some(q) => search_queries(c, n, q, d, p, ctl),
    }
}

/// The `nq × d` f32 queries `q` against the `n × d` f32 rows `c`, screened in int16 (`auto`:
/// [`auto_takes_queries`]; the input checks and their order are [`super::checked_run`]'s): the
/// corpus's working rows quantised for this call, the queries packed by the workers; the fp32
/// path on the same statistics when the screening declines.
///
/// Memory: the int16 copy of the corpus, `n·(2·⌈d/2⌉·2 + 12)` bytes (twice that while the
/// parallel parts are joined), besides [`search_with`]'s and the fp32 path's.
///
/// # Errors
/// As [`crate::search`].
pub(crate) fn search_queries(
    c: &[f32],
    n: usize,
    q: &[f32],
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    let (cs, qs) = checked_row_stats(c, n, Some(q), d, p, ctl)?;
    let qs = qs.ok_or_else(|| Error::Internal("query statistics".into()))?;
    let rows = Rows {
        metric: p.metric,
        d,
        c,
        q,
        cs: &cs,
        qs: &qs,
    };
    if d <= MAX_COLS {
        let (cwork, _) = rows.work();
        let i16 = quantize(cwork, d, ctl)?;
        if let Some(r) = search_with(rows, &i16, false, p, ctl)? {
            return Ok(r);
        }
    }
    run_dense(c, &cs, Some((q, &qs)), d, p, ctl)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `auto_takes_all_points` at its edges: one row or one column fewer than its range, a
    /// bipartite search, a precision other than `auto`, rows wider than [`MAX_COLS`]; inside, it
    /// follows the CPU (AVX512-VNNI, no AMX) and `EMBGEO_KNN_INT16`.
    #[test]
    fn auto_takes_all_points_only_in_its_range() {
        let amx = lowp::path() == LowpPath::AmxBf16 && lowp::path().supported();
        let on = embgeo_kernels::i16_vnni() && !amx && enabled();
        let (n, d) = (AUTO_MIN_ROWS_INT16_ALL, AUTO_MIN_COLS_INT16_ALL);
        let p = Params::new(4, Metric::Euclidean);
        assert_eq!(auto_takes_all_points(&p, d, n), on);
        assert_eq!(auto_takes_all_points(&p, MAX_COLS, 10 * n), on);
        assert!(!auto_takes_all_points(&p, d, n - 1));
        assert!(!auto_takes_all_points(&p, d - 1, n));
        assert!(!auto_takes_all_points(&p, MAX_COLS + 1, n));
        let bipartite = Params {
            bipartite: Some(n / 2),
            ..p.clone()
        };
        assert!(!auto_takes_all_points(&bipartite, d, n));
        let fp32 = Params {
            precision: Precision::Fp32,
            ..p
        };
        assert!(!auto_takes_all_points(&fp32, d, n));
    }
}
