//! kNN key tiles with the corpus rows read in place: `dst = alpha·Q·Cᵀ` stored column-major
//! `m × n` (`dst[j·m + i] = alpha·⟨q_i, c_j⟩`) for a block of `m` queries packed once
//! ([`QueryPanels`]) against any number of corpus blocks `C` (`n × d`, rows contiguous) read
//! where they lie.
//!
//! Why: a GEMM micro-kernel broadcasts the values of one operand and loads vectors of the
//! other, and both [`crate::gemm_nt_f32`] and faer's matmul pack both operands first. In a
//! query pass the big operand is the corpus, packed again for every tile: 13 % of the
//! 100 queries × 1e6 × 128 pass on an AMD EPYC (Zen 3; perf, faer's
//! `gemm_pack_f32_simd256_m24`). Here the broadcasts come from the corpus rows themselves (`R`
//! rows side by side, each step the next value of every row) and the vector loads from the
//! queries' transposed 24-column panels, packed once per query block.
//!
//! # Algorithm
//! Per block of [`NB`] corpus rows (kept in L2) and chunk of [`crate::KC`] reduction steps,
//! per query panel (its `KC × 24` chunk, 24 KB, at the L1), the register tiles walk the rows
//! of the block: on AVX2 `4 × 24` (4 corpus rows × 24 queries: 12 ymm accumulators, per step
//! 3 vector loads, 4 broadcasts and 12 fused multiply-adds, the instruction mix of the blocked
//! path's 6 × 16), a last panel of 9–16 (1–8) queries `6 × 16` (`8 × 8`), a wide last panel of
//! 25–32 (see [`QueryPanels`]) `2 × 32`; the block's last `< R` rows one at a time. Full tiles
//! go from the registers into `dst`; a partial panel through a 32-wide tile buffer. Each
//! (block, chunk) prefetches the next one into L2, and the last the first rows of the block the
//! caller names as its next call's (`next`): without that hint each call's first block started
//! cold (100 queries × 2¹⁸ × 128 in 1,024-row calls, kernels bench, Zen 3, medians of 21
//! interleaved: 86.4 / 85.5 ms with it against 90.2 / 88.1 ms without, 1 / 2 threads).
//!
//! # Paths
//! AVX2 + FMA (also on AVX-512 CPUs, which have it) and a portable loop (separate f32 multiply
//! and add) everywhere else.
//!
//! # Cost and memory
//! `2·m·n·d` flops; [`QueryPanels`] holds `⌈m/24⌉·24·d` f32; a call allocates nothing.
//!
//! # Accuracy and determinism
//! Each entry is one f32 dot product summed in increasing step order (chunk by chunk, the
//! chunks added into `dst`), then multiplied by `alpha` once: the bound of
//! [`crate::gemm_nt_f32`], `|d̂ − alpha·⟨q, c⟩| ≤ |alpha|·γ_{d+2}·Σ|q_t·c_t|`. The same bits
//! on a path for every call, whatever the thread count (callers parallelise over tiles).

use embgeo_core::{Error, Result};

#[cfg(target_arch = "x86_64")]
use crate::blocked::AStrides;
use crate::blocked::{grow, store, Store};
use crate::micro::Tile;
use crate::{Path, View, KC};

/// Queries per packed panel (three 8-lane vectors; also the int16 tiles' panels).
pub(crate) const W: usize = 24;
/// Queries of the widest panel (four 8-lane vectors): a last panel of 25–32 queries.
pub(crate) const WIDE: usize = 32;
/// Corpus rows per block: 256 rows of a `KC`-step chunk are 256 KB, half of a Zen 3 L2.
pub const NB: usize = 256;

/// A block of `m` queries (`m × d`) as transposed panels of 24: panel `p` holds
/// `data[p·24·d + t·s + j] = q[24p + j, t]` at stride `s = 24`, zero past the last query; when
/// `m mod 24` is 1–8 and `m > 24`, the last 24 queries and those few form one panel of stride
/// `WIDE` (`s = 32`) instead of a panel of at most 8 (whose `8 × 8` tiles, half empty at
/// 4 queries, cost 100 queries against 1e6 × 128 on a Zen 3 as much as 108 would in full
/// panels).
///
/// # Memory
/// At most `⌈m/24⌉·24·d + 8·d` f32 (12 KB per 24 queries at d = 128).
#[derive(Debug, Clone, Default)]
pub struct QueryPanels {
    m: usize,
    d: usize,
    data: Vec<f32>,
}

impl QueryPanels {
    /// Pack `q` (`m × d`, any strides).
    ///
    /// # Errors
    /// `OutOfRange` if the allocator refuses the panels.
    pub fn new(q: View<'_>) -> Result<Self> {
        let mut p = Self::default();
        p.repack(q)?;
        Ok(p)
    }

    /// Pack `q` into this value, reusing its buffer.
    ///
    /// # Errors
    /// `OutOfRange` if the allocator refuses the panels.
    pub fn repack(&mut self, q: View<'_>) -> Result<()> {
        let (m, d) = (q.rows(), q.cols());
        let (panels, last) = layout(m);
        let len = if panels == 0 {
            0
        } else {
            ((panels - 1) * W + last) * d
        };
        grow(&mut self.data, len)?;
        let data = &mut self.data[..len];
        for p in 0..panels {
            let s = if p + 1 == panels { last } else { W };
            let panel = &mut data[p * W * d..p * W * d + s * d];
            for (t, step) in panel.chunks_exact_mut(s).enumerate() {
                for (j, v) in step.iter_mut().enumerate() {
                    let i = p * W + j;
                    *v = if i < m { q.at(i, t) } else { 0.0 };
                }
            }
        }
        self.m = m;
        self.d = d;
        Ok(())
    }

    /// Number of panels.
    fn panels(&self) -> usize {
        layout(self.m).0
    }

    /// Number of queries `m`.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.m
    }

    /// Values per query `d`.
    #[must_use]
    pub fn cols(&self) -> usize {
        self.d
    }

    /// Panel `p` from step `t0` on, and its stride (24, or [`WIDE`] for a wide last panel).
    fn chunk(&self, p: usize, t0: usize) -> (&[f32], usize) {
        let (panels, last) = layout(self.m);
        let s = if p + 1 == panels { last } else { W };
        let start = p * W * self.d;
        (&self.data[start + t0 * s..start + s * self.d], s)
    }
}

/// The panels of `m` queries: their count and the stride of the last (24, also for a last
/// panel of fewer than 24 queries, or [`WIDE`] when the `m mod 24 ≤ 8` last queries join the
/// panel before them). The int16 tiles' panels (`crate::int16_rows`) follow the same layout.
pub(crate) fn layout(m: usize) -> (usize, usize) {
    let (full, rest) = (m / W, m % W);
    if rest == 0 {
        (full, W)
    } else if full > 0 && rest <= WIDE - W {
        (full, WIDE)
    } else {
        (full + 1, W)
    }
}

/// `dst[j·m + i] = alpha·⟨q_i, c_j⟩` for the `m` packed queries and the `n` rows of `c`, on
/// the process's [`crate::path`] (see the module doc). `next`, if given, is the corpus block
/// the caller passes next (same width): its first rows are prefetched into L2 while the last
/// block of `c` computes, as each block of `c` prefetches the one after it. Only a hint: it
/// changes no value.
///
/// # Errors
/// `Shape` if `c.cols() != q.cols()`, the rows of `c` are not contiguous (column stride other
/// than 1 with more than one column), or `dst` holds fewer than `m·n` values.
/// # Panics
/// Never.
pub fn corpus_keys_f32(
    dst: &mut [f32],
    q: &QueryPanels,
    (c, next): (View<'_>, Option<View<'_>>),
    alpha: f32,
) -> Result<()> {
    corpus_keys_f32_with(crate::path(), dst, q, (c, next), alpha)
}

/// [`corpus_keys_f32`] on an explicit [`Path`] (AVX2 and AVX-512 run the AVX2 tiles when the
/// CPU has AVX2 and FMA; every other path, or a CPU without them, the portable loop).
///
/// # Errors
/// As [`corpus_keys_f32`].
pub fn corpus_keys_f32_with(
    path: Path,
    dst: &mut [f32],
    q: &QueryPanels,
    (c, next): (View<'_>, Option<View<'_>>),
    alpha: f32,
) -> Result<()> {
    let (m, n, d) = (q.m, c.rows(), q.d);
    Error::require_equal("corpus_keys widths (C.cols vs Q.cols)", d, c.cols(), "")?;
    let (rs, cs) = c.strides();
    if d > 1 && n > 0 && cs != 1 {
        return Err(Error::Shape {
            what: "corpus_keys: column stride of C".into(),
            expected: 1,
            actual: cs,
            fix: "pass corpus rows whose values are contiguous",
        });
    }
    if dst.len() < m * n {
        return Err(Error::Shape {
            what: "corpus_keys: dst length (m·n)".into(),
            expected: m * n,
            actual: dst.len(),
            fix: "pass a buffer of m·n values",
        });
    }
    let dst = &mut dst[..m * n];
    if d == 0 || m == 0 || n == 0 {
        dst.fill(0.0);
        return Ok(());
    }
    let rows = Rows { data: c.data(), rs };
    // the next block's rows, if they are rows of this width whose values are contiguous
    let next = next
        .filter(|v| v.cols() == d && (v.strides().1 == 1 || d == 1))
        .map(|v| {
            (
                Rows {
                    data: v.data(),
                    rs: v.strides().0,
                },
                v.rows(),
            )
        });
    #[cfg(target_arch = "x86_64")]
    if matches!(path, Path::Avx2 | Path::Avx512) {
        if let Some(k) = crate::avx2::Avx2Fma::detect() {
            walk(q, (rows, next), dst, alpha, |job| avx2_panel(k, job));
            return Ok(());
        }
    }
    let _ = path;
    walk(q, (rows, next), dst, alpha, portable_panel);
    Ok(())
}

/// The corpus rows: row `j` starts at `data[j·rs]` and its values are contiguous.
#[derive(Clone, Copy)]
struct Rows<'a> {
    data: &'a [f32],
    rs: usize,
}

/// One panel's work in one (corpus block, chunk): rows `j0..j1` of the corpus from step `t0`
/// for `steps` steps, against queries `i0..i0 + w` (`w ≤ ldb`) of the panel chunk `b` (row
/// stride `ldb`: 24, or [`WIDE`]).
struct PanelJob<'a, 'd> {
    rows: Rows<'a>,
    j0: usize,
    j1: usize,
    t0: usize,
    steps: usize,
    b: &'a [f32],
    ldb: usize,
    i0: usize,
    w: usize,
    /// `dst` (column-major `m × n`) and `m`.
    dst: &'d mut [f32],
    m: usize,
    mode: Store,
    /// Set on each (block, chunk)'s first panel: where the next (block, chunk) starts, so that
    /// its rows are fetched while this one computes.
    ahead: Option<Ahead<'a>>,
}

/// The next (block, chunk) of a walk: rows `from..` of `rows` (this call's corpus for the next
/// chunk of the same block or the next block, the caller's next corpus block after the last),
/// its steps `t0..t0 + steps`, of `n` rows in all; row `j` of this job stands for row
/// `from + j − j0`.
#[derive(Clone, Copy)]
struct Ahead<'a> {
    rows: Rows<'a>,
    from: usize,
    t0: usize,
    steps: usize,
    n: usize,
}

impl PanelJob<'_, '_> {
    /// Prefetch into L2 the part of the next (block, chunk) that corpus rows `j..j + r` of
    /// this one stand for (the first panel's tiles issue it, one hint per cache line). The
    /// corpus streams from memory once per pass; with the hardware prefetchers alone the tiles
    /// ran at 77 % of the FMA peak on a streamed corpus against 91 % on a cached one, and the
    /// hint made the pass 7–9 % faster (`examples/bench`'s query pass, 100 queries × 2^18 × 128,
    /// AMD EPYC Zen 3, medians of 3 interleaved runs of 7).
    #[inline]
    fn prefetch(&self, j: usize, r: usize) {
        let Some(a) = self.ahead else {
            return;
        };
        let first = a.from + (j - self.j0);
        for row in first..(first + r).min(a.n) {
            let start = row * a.rows.rs + a.t0;
            let Some(vals) = a.rows.data.get(start..start + a.steps) else {
                continue;
            };
            for line in vals.iter().step_by(16) {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: a prefetch is a hint that never faults; `line` is a valid reference.
                unsafe {
                    use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
                    _mm_prefetch::<_MM_HINT_T1>(std::ptr::from_ref(line).cast::<i8>());
                }
                #[cfg(not(target_arch = "x86_64"))]
                let _ = line;
            }
        }
    }
}

/// The block/chunk/panel loop nest of the module doc, calling `panel` for each panel job.
fn walk(
    q: &QueryPanels,
    (rows, next): (Rows<'_>, Option<(Rows<'_>, usize)>),
    dst: &mut [f32],
    alpha: f32,
    mut panel: impl FnMut(&mut PanelJob<'_, '_>),
) {
    let (m, d) = (q.m, q.d);
    let n = dst.len() / m;
    for j0 in (0..n).step_by(NB) {
        let j1 = (j0 + NB).min(n);
        for t0 in (0..d).step_by(KC) {
            let steps = KC.min(d - t0);
            let mode = Store {
                first: t0 == 0,
                scale: (t0 + steps == d).then_some(alpha),
            };
            let ahead = if t0 + steps < d {
                Some(Ahead {
                    rows,
                    from: j0,
                    t0: t0 + steps,
                    steps: KC.min(d - t0 - steps),
                    n,
                })
            } else if j1 < n {
                Some(Ahead {
                    rows,
                    from: j1,
                    t0: 0,
                    steps: KC.min(d),
                    n,
                })
            } else {
                next.map(|(rows, n)| Ahead {
                    rows,
                    from: 0,
                    t0: 0,
                    steps: KC.min(d),
                    n,
                })
            };
            for p in 0..q.panels() {
                let i0 = p * W;
                let (b, ldb) = q.chunk(p, t0);
                let mut job = PanelJob {
                    rows,
                    j0,
                    j1,
                    t0,
                    steps,
                    b,
                    ldb,
                    i0,
                    w: ldb.min(m - i0),
                    dst: &mut *dst,
                    m,
                    mode,
                    ahead: ahead.filter(|_| p == 0),
                };
                panel(&mut job);
            }
        }
    }
}

/// One panel job on the AVX2 tiles: `4 × 24`; for a last panel of at most 16 (8) valid
/// queries `6 × 16` (`8 × 8`), of 25–32 `2 × 32` (8 accumulators; `3 × 32` needs 17 registers
/// and spilled: the query pass of 100 queries ran at 0.76× the speed of `2 × 32`).
#[cfg(target_arch = "x86_64")]
fn avx2_panel(k: crate::avx2::Avx2Fma, job: &mut PanelJob<'_, '_>) {
    match job.w.div_ceil(8) {
        4 => avx2_rows::<2, 4>(k, job),
        3 => avx2_rows::<4, 3>(k, job),
        2 => avx2_rows::<6, 2>(k, job),
        _ => avx2_rows::<8, 1>(k, job),
    }
}

/// The job's rows in `R`-row tiles of `8·V` columns, the last `< R` rows one at a time.
#[cfg(target_arch = "x86_64")]
fn avx2_rows<const R: usize, const V: usize>(k: crate::avx2::Avx2Fma, job: &mut PanelJob<'_, '_>) {
    let mut j = job.j0;
    while j + R <= job.j1 {
        job.prefetch(j, R);
        avx2_tile::<R, V>(k, job, j);
        j += R;
    }
    while j < job.j1 {
        job.prefetch(j, 1);
        avx2_tile::<1, V>(k, job, j);
        j += 1;
    }
}

/// Corpus rows `j..j + R` against the job's queries: from the registers into `dst` when the
/// panel has all `8·V` columns, else through a tile buffer.
#[cfg(target_arch = "x86_64")]
fn avx2_tile<const R: usize, const V: usize>(k: crate::avx2::Avx2Fma, job: &mut PanelJob<'_, '_>, j: usize) {
    let a = (
        &job.rows.data[j * job.rows.rs + job.t0..],
        AStrides::down(job.rows.rs),
    );
    let b = (job.b, job.ldb);
    if job.w == 8 * V {
        let c = &mut job.dst[j * job.m + job.i0..];
        crate::avx2::strided_tile_into::<R, V>(k, a, b, job.steps, (c, job.m), job.mode);
    } else {
        let mut acc: Tile<R, WIDE> = [[0.0; WIDE]; R];
        let first = Store {
            first: true,
            scale: None,
        };
        crate::avx2::strided_tile_into::<R, V>(k, a, b, job.steps, (acc.as_flattened_mut(), WIDE), first);
        store(job.dst, job.m, (j, job.i0), (R, job.w), &acc, job.mode);
    }
}

/// One panel job in portable Rust: per corpus row, `w` sums of separate f32 multiplies and
/// adds in increasing step order.
fn portable_panel(job: &mut PanelJob<'_, '_>) {
    for j in job.j0..job.j1 {
        job.prefetch(j, 1);
        let start = j * job.rows.rs + job.t0;
        let a = &job.rows.data[start..start + job.steps];
        let mut acc: Tile<1, WIDE> = [[0.0; WIDE]];
        for (x, bt) in a.iter().zip(job.b.chunks_exact(job.ldb)) {
            for (o, y) in acc[0].iter_mut().zip(bt) {
                *o += x * y;
            }
        }
        store(job.dst, job.m, (j, job.i0), (1, job.w), &acc, job.mode);
    }
}

#[cfg(test)]
mod tests;
