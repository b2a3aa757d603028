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
//! path's 6 × 16), the last panel's `8·V < 24` valid columns `6 × 16` or `8 × 8`; the block's
//! last `< R` rows one at a time. Full tiles go from the registers into `dst`; a partial panel
//! through a 24-wide tile buffer.
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

/// Queries per packed panel (three 8-lane vectors).
const W: usize = 24;
/// Corpus rows per block: 256 rows of a `KC`-step chunk are 256 KB, half of a Zen 3 L2.
pub const NB: usize = 256;

/// A block of `m` queries (`m × d`) as transposed panels of 24: panel `p` holds
/// `data[p·24·d + t·24 + j] = q[24p + j, t]`, zero past the last query.
///
/// # Memory
/// `⌈m/24⌉·24·d` f32 (12 KB per 24 queries at d = 128).
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
        let len = m.div_ceil(W) * W * d;
        grow(&mut self.data, len)?;
        let panels = &mut self.data[..len];
        for (p, panel) in panels.chunks_exact_mut((W * d).max(1)).enumerate() {
            for (t, step) in panel.chunks_exact_mut(W).enumerate() {
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

    /// The `steps`-step chunk from step `t0` of panel `p` (row stride 24).
    fn chunk(&self, p: usize, t0: usize) -> &[f32] {
        &self.data[p * W * self.d + t0 * W..(p + 1) * W * self.d]
    }
}

/// `dst[j·m + i] = alpha·⟨q_i, c_j⟩` for the `m` packed queries and the `n` rows of `c`, on
/// the process's [`crate::path`] (see the module doc).
///
/// # Errors
/// `Shape` if `c.cols() != q.cols()`, the rows of `c` are not contiguous (column stride other
/// than 1 with more than one column), or `dst` holds fewer than `m·n` values.
/// # Panics
/// Never.
pub fn corpus_keys_f32(dst: &mut [f32], q: &QueryPanels, c: View<'_>, alpha: f32) -> Result<()> {
    corpus_keys_f32_with(crate::path(), dst, q, c, alpha)
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
    c: View<'_>,
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
    #[cfg(target_arch = "x86_64")]
    if matches!(path, Path::Avx2 | Path::Avx512) {
        if let Some(k) = crate::avx2::Avx2Fma::detect() {
            walk(q, rows, dst, alpha, |job| avx2_panel(k, job));
            return Ok(());
        }
    }
    let _ = path;
    walk(q, rows, dst, alpha, portable_panel);
    Ok(())
}

/// The corpus rows: row `j` starts at `data[j·rs]` and its values are contiguous.
#[derive(Clone, Copy)]
struct Rows<'a> {
    data: &'a [f32],
    rs: usize,
}

/// One panel's work in one (corpus block, chunk): rows `j0..j1` of the corpus from step `t0`
/// for `steps` steps, against queries `i0..i0 + w` (`w ≤ 24`) of the panel chunk `b`.
struct PanelJob<'a, 'd> {
    rows: Rows<'a>,
    j0: usize,
    j1: usize,
    t0: usize,
    steps: usize,
    b: &'a [f32],
    i0: usize,
    w: usize,
    /// `dst` (column-major `m × n`) and `m`.
    dst: &'d mut [f32],
    m: usize,
    mode: Store,
    /// Set on each (block, chunk)'s first panel: where the next (block, chunk) starts, so that
    /// its rows are fetched while this one computes.
    ahead: Option<Ahead>,
}

/// The next (block, chunk) of a walk: its rows are this one's shifted by `rows` (0 for the next
/// chunk of the same block, [`NB`] for the next block), its steps `t0..t0 + steps`, of `n` rows.
#[derive(Clone, Copy)]
struct Ahead {
    rows: usize,
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
        for row in j + a.rows..(j + a.rows + r).min(a.n) {
            let start = row * self.rows.rs + a.t0;
            let Some(vals) = self.rows.data.get(start..start + a.steps) else {
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
    rows: Rows<'_>,
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
                Ahead {
                    rows: 0,
                    t0: t0 + steps,
                    steps: KC.min(d - t0 - steps),
                    n,
                }
            } else {
                Ahead {
                    rows: NB,
                    t0: 0,
                    steps: KC.min(d),
                    n,
                }
            };
            for p in 0..m.div_ceil(W) {
                let i0 = p * W;
                let mut job = PanelJob {
                    rows,
                    j0,
                    j1,
                    t0,
                    steps,
                    b: q.chunk(p, t0),
                    i0,
                    w: W.min(m - i0),
                    dst: &mut *dst,
                    m,
                    mode,
                    ahead: (p == 0).then_some(ahead),
                };
                panel(&mut job);
            }
        }
    }
}

/// One panel job on the AVX2 tiles: `4 × 24`, or for a last panel of at most 16 (8) valid
/// queries `6 × 16` (`8 × 8`).
#[cfg(target_arch = "x86_64")]
fn avx2_panel(k: crate::avx2::Avx2Fma, job: &mut PanelJob<'_, '_>) {
    match job.w.div_ceil(8) {
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
    let b = (job.b, W);
    if job.w == 8 * V {
        let c = &mut job.dst[j * job.m + job.i0..];
        crate::avx2::strided_tile_into::<R, V>(k, a, b, job.steps, (c, job.m), job.mode);
    } else {
        let mut acc: Tile<R, W> = [[0.0; W]; R];
        let first = Store {
            first: true,
            scale: None,
        };
        crate::avx2::strided_tile_into::<R, V>(k, a, b, job.steps, (acc.as_flattened_mut(), W), first);
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
        let mut acc: Tile<1, W> = [[0.0; W]];
        for (x, bt) in a.iter().zip(job.b.chunks_exact(W)) {
            for (o, y) in acc[0].iter_mut().zip(bt) {
                *o += x * y;
            }
        }
        store(job.dst, job.m, (j, job.i0), (1, job.w), &acc, job.mode);
    }
}

#[cfg(test)]
mod tests;
