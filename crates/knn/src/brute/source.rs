//! Where the tile driver gets its fast key tiles and its exact keys from: the input rows in
//! their working precision ([`Dense`]: faer GEMM or SIMD dot products) or bf16-exact rows
//! ([`Narrow`]: bf16 and int8 inputs on the bf16 or int8 units). The driver does not know which.

use std::ops::Range;

use embgeo_kernels::lowp::{self, Bf16Source, Int8Path, LowpPath, Packed};
use embgeo_kernels::{QueryPanels, View};

use super::bounds::Bounds;
use crate::metric::{cosine_from_dot, dot4, exact_key_with_norms, sq_euclidean4, Metric};
use crate::real::{self, Real};
use crate::stats::Stats;

/// How [`Source::general_tile`] left a key tile of `m` queries × `n` corpus rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// Not written: the pass calls [`Source::tile`].
    Unwritten,
    /// Row-major by query: the key of query `i`, corpus row `j` at `t[i·n + j]`.
    ByQuery,
    /// Column-major, as [`Source::tile`] writes it: at `t[j·m + i]`.
    ByCorpus,
}

/// What [`Source::marked_tile`] compares its keys with: per corpus row of the tile its
/// offset (`None`: 0) and per query its threshold; the marks, `n·⌈m/16⌉`, as
/// `embgeo_kernels::KeyMarks` defines them; for a symmetric tile's other side (`cross`,
/// `embgeo_kernels::CrossMarks`) per query its offset and per corpus row its threshold.
pub(super) struct Marking<'a, R> {
    pub off: Option<&'a [R]>,
    pub thr: &'a [R],
    pub marks: &'a mut [u16],
    pub cross: Option<Cross<'a, R>>,
}

/// The other side of [`Marking`]: offsets per query (`None`: 0), thresholds per corpus row, marks.
pub(super) struct Cross<'a, R> {
    pub off: Option<&'a [R]>,
    pub thr: &'a [R],
    pub marks: &'a mut [u16],
}

/// Fast key tiles and exact keys of one search (queries `i` against corpus rows `j`).
pub(super) trait Source<R: Real>: Sync {
    /// Per-worker buffers (packing, widened rows).
    type Buf: Default;
    /// `t (m × n column-major) = alpha · Q[q]·C[c]ᵀ` in `R` (for cosine, of the unit rows),
    /// within [`Source::bounds`] of the exact value; `few`: the plan's few-queries mode. Every
    /// entry of `t[..m·n]` is overwritten (the passes reuse one tile buffer per worker).
    fn tile(&self, t: &mut [R], q: Range<usize>, c: Range<usize>, alpha: R, few: bool, buf: &mut Self::Buf);
    /// The general pass's alternative to [`Source::tile`]: the same keys (within the same
    /// bounds) in the layout this source computes fastest for these operands, which it
    /// returns; [`Layout::Unwritten`] (the default), leaving `t` untouched, sends the pass to
    /// [`Source::tile`]. (The symmetric pass scans its square tiles both ways and always takes
    /// [`Source::tile`].)
    fn general_tile(
        &self,
        _t: &mut [R],
        _q: Range<usize>,
        _c: Range<usize>,
        _alpha: R,
        _few: bool,
        _buf: &mut Self::Buf,
    ) -> Layout {
        Layout::Unwritten
    }
    /// Does [`Source::marked_tile`] mark keys (worth a marks buffer)?
    const MARKS: bool = false;
    /// [`Source::tile`], and the marks of the keys below `marks.thr` after the row's offset
    /// is added (`embgeo_kernels::KeyMarks`), for sources whose tiles compare the keys while
    /// they are in registers; `false` (the default) leaves `t` and the marks unwritten and
    /// sends the pass to [`Source::tile`] and the full scan.
    fn marked_tile(
        &self,
        _t: &mut [R],
        _q: Range<usize>,
        _c: Range<usize>,
        _alpha: R,
        _buf: &mut Self::Buf,
        _marks: Marking<'_, R>,
    ) -> bool {
        false
    }
    /// The exact f64 ordering key of query `i` and corpus row `j`.
    fn exact(&self, i: usize, j: usize, buf: &mut Self::Buf) -> f64;
    /// The exact keys of query `i` and corpus rows `js` into `out` (of `js`'s length), through
    /// [`Source::exact_pairs`], four pairs at a time.
    fn exact_many(&self, i: usize, js: &[u32], out: &mut [f64], buf: &mut Self::Buf) {
        for (jc, oc) in js.chunks(4).zip(out.chunks_mut(4)) {
            let mut pairs = [(i as u32, 0u32); 4];
            for (p, &j) in pairs.iter_mut().zip(jc) {
                p.1 = j;
            }
            self.exact_pairs(&pairs[..jc.len()], oc, buf);
        }
    }
    /// Do [`Source::exact_pairs`]'s keys cost less in corpus-block order than row by row? (Rows
    /// in memory: yes; rows widened into a per-worker buffer, which caches the last row of each
    /// side: no.)
    const BLOCK_ORDER: bool = false;
    /// The exact keys of the pairs `(i, j)` (query, corpus) into `out` (of `pairs`'s length),
    /// each equal to [`Source::exact`]'s.
    fn exact_pairs(&self, pairs: &[(u32, u32)], out: &mut [f64], buf: &mut Self::Buf) {
        for (o, &(i, j)) in out.iter_mut().zip(pairs) {
            *o = self.exact(i as usize, j as usize, buf);
        }
    }
    /// Error-bound coefficients of [`Source::tile`].
    fn bounds(&self) -> Bounds;
    /// The error margin of query row `i` (all points: row `i`) of norm `nx` against any corpus
    /// row (largest norm `ny`): `bounds.margin(nx, ny)` with `bounds` = [`Source::bounds`],
    /// or a smaller one the source proves for its rows (the one-pass bf16 sources, from the
    /// rounding residuals they measured: `super::residual`).
    fn row_margin(&self, bounds: &Bounds, i: usize, nx: f64, ny: f64) -> f64 {
        let _ = i;
        bounds.margin(nx, ny)
    }
    /// The kernel that fills the tiles, for reports.
    fn kernel(&self, few: bool) -> &'static str;
    /// The screening precision, for reports: `"fp32"`, `"fp64"`, `"bf16"`, `"int8"` or `"int16"`.
    fn precision(&self) -> &'static str;
    /// Row counts `(queries, corpus)` (equal for all points).
    fn shape(&self) -> (usize, usize);
    /// Row statistics `(corpus, queries)` (the same for all points).
    fn stats(&self) -> (&Stats<R>, &Stats<R>);
}

/// The rows of one search in their working precision `R` and their statistics (queries =
/// corpus, `qs` = `cs`, for all points): the exact keys of [`Dense`] and
/// [`super::split::Split`], and the rows their tiles multiply.
pub(super) struct Rows<'a, R> {
    pub metric: Metric,
    pub d: usize,
    pub c: &'a [R],
    pub q: &'a [R],
    pub cs: &'a Stats<R>,
    pub qs: &'a Stats<R>,
}

impl<R: Real> Rows<'_, R> {
    /// The working rows `(corpus, queries)` the key tiles multiply: the unit rows under cosine,
    /// else the rows themselves.
    pub fn work(&self) -> (&[R], &[R]) {
        if self.metric == Metric::Cosine {
            (&self.cs.unit, &self.qs.unit)
        } else {
            (self.c, self.q)
        }
    }

    /// Row counts `(queries, corpus)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.q.len() / self.d, self.c.len() / self.d)
    }

    /// The exact f64 ordering key of query `i` and corpus row `j` (O(d)).
    #[inline]
    pub fn exact(&self, i: usize, j: usize) -> f64 {
        let d = self.d;
        let (x, y) = (&self.q[i * d..(i + 1) * d], &self.c[j * d..(j + 1) * d]);
        exact_key_with_norms(self.metric, x, y, || (self.qs.sq[i], self.cs.sq[j]))
    }

    /// The exact keys of four pairs `(is[r], js[r])` (query, corpus) through the four-pair
    /// kernels (`sq_euclidean4`, `dot4`), each bit-identical to [`Rows::exact`]'s; O(d) each.
    fn keys4(&self, is: [u32; 4], js: [u32; 4]) -> [f64; 4] {
        let d = self.d;
        let xs = is.map(|i| &self.q[i as usize * d..(i as usize + 1) * d]);
        let ys = js.map(|j| &self.c[j as usize * d..(j as usize + 1) * d]);
        match self.metric {
            Metric::Euclidean | Metric::SqEuclidean => sq_euclidean4(xs, ys),
            Metric::Dot => dot4(xs, ys).map(|v| -v),
            Metric::Cosine => {
                let dots = dot4(xs, ys);
                std::array::from_fn(|r| {
                    cosine_from_dot(dots[r], self.qs.sq[is[r] as usize], self.cs.sq[js[r] as usize])
                })
            }
        }
    }

    /// [`Rows::exact`] of the pairs `(i, j)` (query, corpus) into `out` (of `pairs`'s length),
    /// four pairs per call of the four-pair kernels. A software prefetch of the next one or two
    /// groups' rows (every cache line) was tried on the AMD EPYC (Zen 3): in the all-points pass
    /// of 20,000 × 384 at k = 100 (2·10⁶ exact keys) the exact keys' CPU samples stayed within
    /// run-to-run noise (1,039–1,269 against 1,241–1,387), so it was not kept.
    pub fn exact_pairs(&self, pairs: &[(u32, u32)], out: &mut [f64]) {
        let mut pc = pairs.chunks_exact(4);
        let mut oc = out.chunks_exact_mut(4);
        for (p4, o4) in (&mut pc).zip(&mut oc) {
            let (is, js) = (std::array::from_fn(|r| p4[r].0), std::array::from_fn(|r| p4[r].1));
            o4.copy_from_slice(&self.keys4(is, js));
        }
        for (o, &(i, j)) in oc.into_remainder().iter_mut().zip(pc.remainder()) {
            *o = self.exact(i as usize, j as usize);
        }
    }
}

/// Rows in the working precision: tiles from the working rows ([`Rows::work`]: faer GEMM, the
/// kernel layer's in-place corpus tiles, or SIMD dot products in the few-queries mode), exact
/// keys from the rows.
pub(super) struct Dense<'a, R> {
    rows: Rows<'a, R>,
    /// The general pass's tiles of f32 rows from the in-place corpus kernel
    /// ([`in_place_corpus`]) rather than faer's GEMM.
    in_place: bool,
}

/// Per-worker buffer of [`Dense`]: the queries of the worker's current block, packed for the
/// in-place corpus tiles (`embgeo_kernels::corpus_keys_f32`), and which rows they are.
#[derive(Default)]
pub(super) struct DenseBuf {
    panels: PanelCache,
}

/// The queries of a worker's current block packed for the in-place corpus tiles, and which
/// query rows they are (a unit's tiles share their query block: packed once).
#[derive(Default)]
pub(super) struct PanelCache {
    rows: Option<Range<usize>>,
    panels: QueryPanels,
}

/// The in-place corpus tile `t = alpha·Q·Cᵀ` (column-major `m × n`) of f32 rows: the queries
/// (`rows`: query rows `q`, `m × d`) packed into `cache` unless it holds them already, the
/// corpus (`n` rows × `d`) read where it lies ([`embgeo_kernels::corpus_keys_f32`]); `false`, `t`
/// untouched, if the allocator refused the panels.
fn in_place_tile(
    t: &mut [f32],
    (rows, q): (&[f32], &Range<usize>),
    (corpus, n, next): (&[f32], usize, &[f32]),
    d: usize,
    alpha: f32,
    cache: &mut PanelCache,
) -> bool {
    if cache.rows.as_ref() != Some(q) {
        cache.rows = None;
        let view = View::row_major(rows, q.len(), d);
        if view.and_then(|v| cache.panels.repack(v)).is_err() {
            return false;
        }
        cache.rows = Some(q.clone());
    }
    let next = View::row_major(next, next.len() / d.max(1), d).ok();
    View::row_major(corpus, n, d)
        .and_then(|cv| embgeo_kernels::corpus_keys_f32(t, &cache.panels, (cv, next), alpha))
        .is_ok()
}

/// Does the general pass of `nq` f32 queries take the kernel layer's in-place corpus tiles
/// ([`embgeo_kernels::corpus_keys_f32`], the corpus read where it lies) instead of faer's GEMM,
/// which packs every corpus block? On the AVX2 path, for at most [`IN_PLACE_MAX_QUERIES`]
/// queries: the packing costs faer less the more queries share each packed block. Measured on
/// an AMD EPYC (Zen 3; the kernels' `examples/bench` query pass, a corpus streamed from memory
/// in 1,024-row tiles, in-place time over faer's, 1 / 2 threads): 48 queries 1.26 / 1.49×
/// faster at d = 128 and 1.13 / 1.11× at d = 768; 100 queries 1.06–1.09 / 1.09–1.12× at
/// d = 128; 200 queries 1.02 / 1.02× at d = 128 but 0.89 / 0.96× at d = 768; 384 queries
/// 1.01 / 0.89× and 0.92 / 0.92×. AVX-512 CPUs keep faer's wider kernels.
pub(super) fn in_place_corpus(nq: usize) -> bool {
    nq <= IN_PLACE_MAX_QUERIES && embgeo_kernels::path() == embgeo_kernels::Path::Avx2
}

/// Most queries a search may have for [`in_place_corpus`].
const IN_PLACE_MAX_QUERIES: usize = 128;

impl<'a, R: Real> Dense<'a, R> {
    /// The source of `rows`, with the general pass's tile kernel chosen for this CPU and the
    /// number of queries.
    pub fn new(rows: Rows<'a, R>) -> Self {
        let nq = rows.shape().0;
        Self::with_tiles(rows, in_place_corpus(nq))
    }

    /// The source of `rows`, with the general pass's f32 tiles from the in-place corpus kernel
    /// when `in_place` (tests run both kernels on any CPU).
    pub fn with_tiles(rows: Rows<'a, R>, in_place: bool) -> Self {
        Self { rows, in_place }
    }

    /// The rows.
    pub fn rows(&self) -> &Rows<'a, R> {
        &self.rows
    }

    /// Does the general pass of these rows take the in-place corpus tiles?
    fn in_place_f32(&self, few: bool) -> bool {
        self.in_place && !few && std::mem::size_of::<R>() == 4
    }

    /// The in-place corpus tile of f32 rows (see [`in_place_corpus`]) into `t` (column-major
    /// `m × n`); `false`, `t` untouched, for f64 rows or when the queries cannot be packed.
    fn corpus_tile(
        &self,
        t: &mut [R],
        q: &Range<usize>,
        c: &Range<usize>,
        alpha: R,
        buf: &mut DenseBuf,
    ) -> bool {
        let d = self.rows.d;
        let (cwork, qwork) = self.rows.work();
        let (Some(t), Some(cw), Some(qw)) = (
            real::cast_mut::<R, f32>(t),
            real::cast::<R, f32>(cwork),
            real::cast::<R, f32>(qwork),
        ) else {
            return false;
        };
        let queries = &qw[q.start * d..q.end * d];
        let corpus = &cw[c.start * d..c.end * d];
        // the block after this one, which the unit's next tile most likely reads (a hint)
        let next = &cw[c.end * d..(c.end + c.len()).min(cw.len() / d.max(1)) * d];
        in_place_tile(
            t,
            (queries, q),
            (corpus, c.len(), next),
            d,
            alpha.to_f64() as f32,
            &mut buf.panels,
        )
    }
}

impl<R: Real> Source<R> for Dense<'_, R> {
    type Buf = DenseBuf;
    const BLOCK_ORDER: bool = true;

    fn tile(&self, t: &mut [R], q: Range<usize>, c: Range<usize>, alpha: R, few: bool, _: &mut DenseBuf) {
        let (d, m, n) = (self.rows.d, q.len(), c.len());
        let (cwork, qwork) = self.rows.work();
        let a = &qwork[q.start * d..q.end * d];
        let b = &cwork[c.start * d..c.end * d];
        if few {
            real::dots_tile(real::level(), t, a, b, m, n, d, alpha);
        } else {
            R::gemm_nt(t, a, b, m, n, d, alpha);
        }
    }

    /// f32 rows on the AVX2 path: the in-place corpus tiles, column-major ([`in_place_corpus`]).
    /// Otherwise GEMM tiles with the corpus rows as faer's `m` dimension (`t = alpha ·
    /// C[c]·Q[q]ᵀ`, column-major n × m, i.e. row-major m × n): faer's f32 kernels cover `m` in
    /// panels of 96 rows, so a block of 100 queries as `m` spends a whole narrow panel on its
    /// last 4 rows. Measured on the benchmark machine (one thread, d = 128, 1,024-row corpus
    /// blocks from DRAM): 124 vs 80 GFLOP/s at 100 queries, 143 vs 119 at 200, 82 vs 71 at 32,
    /// 152 vs 149 at 384 (the scan is contiguous per query either way). The few-queries mode
    /// keeps its column-major dot products.
    fn general_tile(
        &self,
        t: &mut [R],
        q: Range<usize>,
        c: Range<usize>,
        alpha: R,
        few: bool,
        buf: &mut DenseBuf,
    ) -> Layout {
        if few {
            return Layout::Unwritten;
        }
        if self.in_place_f32(few) && self.corpus_tile(t, &q, &c, alpha, buf) {
            return Layout::ByCorpus;
        }
        let (d, m, n) = (self.rows.d, q.len(), c.len());
        let (cwork, qwork) = self.rows.work();
        let a = &qwork[q.start * d..q.end * d];
        let b = &cwork[c.start * d..c.end * d];
        R::gemm_nt(t, b, a, n, m, d, alpha);
        Layout::ByQuery
    }

    fn exact(&self, i: usize, j: usize, _: &mut DenseBuf) -> f64 {
        self.rows.exact(i, j)
    }

    fn exact_pairs(&self, pairs: &[(u32, u32)], out: &mut [f64], _: &mut DenseBuf) {
        self.rows.exact_pairs(pairs, out);
    }

    fn bounds(&self) -> Bounds {
        Bounds::new::<R>(self.rows.metric, self.rows.d)
    }

    fn kernel(&self, few: bool) -> &'static str {
        match (few, std::mem::size_of::<R>()) {
            (true, _) => real::level_name(real::level()),
            (false, 4) if self.in_place_f32(few) => "avx2-rows-f32",
            (false, 4) => "faer-f32",
            (false, _) => "faer-f64",
        }
    }

    fn precision(&self) -> &'static str {
        if std::mem::size_of::<R>() == 4 {
            "fp32"
        } else {
            "fp64"
        }
    }

    fn shape(&self) -> (usize, usize) {
        self.rows.shape()
    }

    fn stats(&self) -> (&Stats<R>, &Stats<R>) {
        (self.rows.cs, self.rows.qs)
    }
}

/// Rows whose values are bf16 values exactly (bf16 bits or `i8`), searched on the bf16 units
/// (or, for `i8`, the int8 units: [`Units`])
/// with f32 tiles from copies packed once (`pc`, and `pq` for queries; all points: `pq` is
/// `pc`), or with the corpus packed block by block as the search streams through it (`pc =
/// None`: each worker packs the corpus rows of the tile it computes into its own buffer, as
/// [`super::stream::Stream`] does for f32 rows); exact keys from the rows widened to f32
/// (exactly the keys of the f32 path on the widened data). Euclidean, squared euclidean and dot
/// only (cosine needs unit rows).
pub(super) struct Narrow<'a, T> {
    pub metric: Metric,
    pub d: usize,
    pub c: &'a [T],
    pub q: &'a [T],
    pub pc: Option<&'a Packed>,
    pub pq: &'a Packed,
    pub cs: &'a Stats<f32>,
    pub qs: &'a Stats<f32>,
    pub units: Units,
    /// [`Units::F32`]'s general-pass tiles from the in-place corpus kernel
    /// ([`in_place_corpus`]) rather than faer's GEMM.
    pub in_place: bool,
}

/// The low-precision units a [`Narrow`] source screens on (its matrices packed to match).
#[derive(Debug, Clone, Copy)]
pub(super) enum Units {
    /// bf16 pairs on `vdpbf16ps` (bf16 and int8 data).
    Bf16(LowpPath),
    /// int8 quads on `vpdpbusd` (int8 data; exact integer dot products).
    Int8(Int8Path),
    /// The f32 FMA units (faer's GEMM, or SIMD dot products for few queries) on the rows of each
    /// tile widened to f32 as it is computed: the f32 engine's tiles on the same values, without
    /// an f32 copy of the data (twice the size of bf16 data, four times int8).
    F32,
}

/// Buffers of one [`Narrow`] worker: the last query and corpus rows widened, and which rows
/// they are.
#[derive(Default)]
pub(super) struct NarrowBuf {
    x: Vec<f32>,
    y: Vec<f32>,
    xi: Option<usize>,
    yj: Option<usize>,
    /// [`Units::F32`]: the tile's query and corpus rows widened, and which query rows `tq`
    /// holds (a unit's tiles share their query block: widened once).
    tq: Vec<f32>,
    tc: Vec<f32>,
    tq_rows: Option<Range<usize>>,
    /// `tq` packed for the in-place corpus tiles ([`Narrow::in_place`]).
    panels: PanelCache,
    /// A streamed corpus (`pc = None`): the last corpus block packed, and which rows it holds.
    block: Packed,
    holds: Option<Range<usize>>,
}

impl<T: Bf16Source> Narrow<'_, T> {
    /// [`Units::F32`]: rows `q` and `c` widened into `buf` (`q.len()·d` and `c.len()·d` values).
    fn widen_tile(&self, q: &Range<usize>, c: &Range<usize>, buf: &mut NarrowBuf) {
        let d = self.d;
        let widen = |dst: &mut Vec<f32>, rows: &[T]| {
            dst.clear();
            dst.extend(rows.iter().map(|v| v.to_f32()));
        };
        if buf.tq_rows.as_ref() != Some(q) {
            widen(&mut buf.tq, &self.q[q.start * d..q.end * d]);
            buf.tq_rows = Some(q.clone());
        }
        widen(&mut buf.tc, &self.c[c.start * d..c.end * d]);
    }

    /// [`Units::F32`] on the in-place corpus tiles: rows `q` and `c` widened ([`Self::widen_tile`]),
    /// the queries packed once per block, the keys into `t` (column-major `m × n`); `false` if
    /// the allocator refused the panels (`t` untouched).
    fn corpus_tile(
        &self,
        t: &mut [f32],
        q: &Range<usize>,
        c: &Range<usize>,
        alpha: f32,
        buf: &mut NarrowBuf,
    ) -> bool {
        let d = self.d;
        self.widen_tile(q, c, buf);
        // no next block to hint: it is widened only when its tile comes
        in_place_tile(
            t,
            (&buf.tq, q),
            (&buf.tc, c.len(), &[]),
            d,
            alpha,
            &mut buf.panels,
        )
    }

    /// The packed corpus and the rows of it that are corpus rows `c`: the copy packed once, or
    /// (streamed) `c` packed into `buf`'s block unless it holds them already.
    fn corpus_block<'b>(&'b self, c: Range<usize>, buf: &'b mut NarrowBuf) -> (&'b Packed, Range<usize>) {
        if let Some(pc) = self.pc {
            return (pc, c);
        }
        if buf.holds.as_ref() != Some(&c) {
            let rows = &self.c[c.start * self.d..c.end * self.d];
            match (self.units, T::as_i8(rows)) {
                (Units::Int8(path), Some(r)) => buf.block.repack_i8_for(path, r, self.d),
                (Units::Bf16(path), _) => buf.block.repack_for(path, rows, self.d),
                // never streamed (the tiles widen their rows; int8 units take int8 data only)
                (Units::F32 | Units::Int8(_), _) => buf.block = Packed::default(),
            }
            buf.holds = Some(c.clone());
        }
        (&buf.block, 0..c.len())
    }
}

impl<T: Bf16Source> Source<f32> for Narrow<'_, T> {
    type Buf = NarrowBuf;

    fn tile(
        &self,
        t: &mut [f32],
        q: Range<usize>,
        c: Range<usize>,
        alpha: f32,
        few: bool,
        buf: &mut NarrowBuf,
    ) {
        match self.units {
            Units::Bf16(path) => {
                let pc = self.corpus_block(c, buf);
                lowp::dot_tile_packed(path, t, (self.pq, q), pc, alpha);
            }
            Units::Int8(path) => {
                let pc = self.corpus_block(c, buf);
                lowp::dot_tile_i8_packed(path, t, (self.pq, q), pc, alpha);
            }
            Units::F32 => {
                let (d, m, n) = (self.d, q.len(), c.len());
                self.widen_tile(&q, &c, buf);
                if few {
                    real::dots_tile(real::level(), t, &buf.tq, &buf.tc, m, n, d, alpha);
                } else {
                    f32::gemm_nt(t, &buf.tq, &buf.tc, m, n, d, alpha);
                }
            }
        }
    }

    /// [`Units::F32`]: the in-place corpus tiles or row-major GEMM tiles, as [`Dense`] takes
    /// them.
    fn general_tile(
        &self,
        t: &mut [f32],
        q: Range<usize>,
        c: Range<usize>,
        alpha: f32,
        few: bool,
        buf: &mut NarrowBuf,
    ) -> Layout {
        if few || !matches!(self.units, Units::F32) {
            return Layout::Unwritten;
        }
        if self.in_place && self.corpus_tile(t, &q, &c, alpha, buf) {
            return Layout::ByCorpus;
        }
        let (d, m, n) = (self.d, q.len(), c.len());
        self.widen_tile(&q, &c, buf);
        f32::gemm_nt(t, &buf.tc, &buf.tq, n, m, d, alpha);
        Layout::ByQuery
    }

    fn exact(&self, i: usize, j: usize, buf: &mut NarrowBuf) -> f64 {
        let d = self.d;
        // a scan hands over runs of pairs sharing a row: widen each row once per run
        if buf.xi != Some(i) {
            buf.x.clear();
            buf.x
                .extend(self.q[i * d..(i + 1) * d].iter().map(|v| v.to_f32()));
            buf.xi = Some(i);
        }
        if buf.yj != Some(j) {
            buf.y.clear();
            buf.y
                .extend(self.c[j * d..(j + 1) * d].iter().map(|v| v.to_f32()));
            buf.yj = Some(j);
        }
        exact_key_with_norms(self.metric, &buf.x, &buf.y, || (self.qs.sq[i], self.cs.sq[j]))
    }

    fn bounds(&self) -> Bounds {
        match self.units {
            // tiles adding in an order of the hardware's choosing (AMX): the any-order bound
            // with its accumulation term doubled as a margin (docs/exact-screening.md)
            Units::Bf16(path) if path.unordered() => {
                Bounds::new::<f32>(self.metric, 2 * self.d).with_flushes(self.d)
            }
            Units::Bf16(_) => Bounds::new::<f32>(self.metric, self.d).with_flushes(self.d),
            // exact integer dot products, one rounding to f32: within the f32 bound; f32
            // tiles of f32 values: the f32 engine's bound
            Units::Int8(_) | Units::F32 => Bounds::new::<f32>(self.metric, self.d),
        }
    }

    fn kernel(&self, few: bool) -> &'static str {
        match self.units {
            Units::Bf16(path) => path.name(),
            Units::Int8(path) => path.name(),
            Units::F32 if few => real::level_name(real::level()),
            Units::F32 if self.in_place => "avx2-rows-f32",
            Units::F32 => "faer-f32",
        }
    }

    fn precision(&self) -> &'static str {
        match self.units {
            Units::Bf16(_) => "bf16",
            Units::Int8(_) => "int8",
            Units::F32 => "fp32",
        }
    }

    fn shape(&self) -> (usize, usize) {
        (self.q.len() / self.d, self.c.len() / self.d)
    }

    fn stats(&self) -> (&Stats<f32>, &Stats<f32>) {
        (self.cs, self.qs)
    }
}
