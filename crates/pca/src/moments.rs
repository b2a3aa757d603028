//! Mergeable first and second moments: count, (weighted) mean and co-moment matrix.
//!
//! The state `(n, W, μ, M)` with `W = Σ wᵢ`, `μ = Σ wᵢ xᵢ / W` and
//! `M = Σ wᵢ (xᵢ − μ)(xᵢ − μ)ᵀ` is updated one block at a time: each block is centred by its
//! own mean, its co-moment is one SYRK (`YᵀY`, lower triangle: f32 blocks centred straight into
//! the kernel layer's `RowPanels` and multiplied there without packing, f64 blocks through
//! faer), and the block is
//! merged with the pairwise update of Chan, Golub and LeVeque (1979), extended to covariance
//! (Schubert and Gertz, SSDBM 2018):
//!
//! `W = W_A + W_B, δ = μ_B − μ_A, μ = μ_A + δ·W_B/W, M = M_A + M_B + δδᵀ·W_A·W_B/W`.
//!
//! This avoids the cancellation of the `Σxxᵀ − n μμᵀ` formula, so a fit over blocks (streaming,
//! `partial_fit`) or over shards (`merge`) equals a batch fit up to rounding. With weights the
//! same formulas hold with `wᵢ` in place of 1 (Zipfian whitening); `n` still counts rows.

use std::sync::atomic::{AtomicU64, Ordering};

use embgeo_core::{chunks::map_chunks, dense, Ctl, Element, Error, MatRef, Par, Result};
use embgeo_kernels::RowPanels;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::linalg;

/// Arithmetic of the per-block SYRK (the merges and the running moments are always f64).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Kernel {
    /// For f64 input, f64 blocks. For f32 input, [`Kernel::SplitBf16`] on CPUs with AMX-BF16
    /// when the data has at least [`SPLIT_MIN_COLS`] columns, else [`Kernel::F32`]. Default.
    ///
    /// Measured on a 2-core AMX Xeon (model 207, `examples/bench_pca`, moments, medians of 5–7
    /// in two or more runs, FMA vs split): 200,000 × 128 0.019–0.028 vs 0.019–0.020 s, × 256
    /// 0.053 vs 0.044–0.045 s, × 384 0.126–0.134 vs 0.082 s; 100,000 × 768 0.239–0.254 vs
    /// 0.141–0.148 s, × 1536 0.93–1.08 vs 0.49–0.52 s. The two kernels' results differ in the
    /// last bits, so a fit of ≥ 256 columns on an AMX CPU and one elsewhere agree to the f32
    /// tolerance, not bit for bit. Accuracy against scikit-learn on the f64 widening (fixture
    /// `f32-wide-k8-covariance`, 320 × 256, λ₁/λ₈ = 18): components within 1.0·10⁻⁶ (split) and
    /// 5.7·10⁻⁷ (FMA), explained variances within 2.1·10⁻⁷ and 6.5·10⁻⁸. The split's error per
    /// product (2⁻¹⁵) does not shrink with the rows as the FMA kernel's f32 sums do, so on steep
    /// spectra its components of small variance are less accurate: 2.3·10⁻⁵ against 1.1·10⁻⁵
    /// for the eighth of 256 rotated columns at λ₁/λ₈ ≈ 700, 1.25·10⁻⁵ against 9.6·10⁻⁷ for the
    /// fourth of the 8-column fixture (λ₁/λ₄ = 22; forced: `Auto` runs the FMA kernel there).
    #[default]
    Auto,
    /// Block-centred rows rounded to f32 and multiplied in f32 (≈ 3× faster; each block's
    /// co-moment carries a relative error of order sqrt(block_rows)·2⁻²⁴, merged in f64).
    /// A block whose centred values leave f32's safe range (see [`F32_SAFE`]) is computed in
    /// f64 instead, so huge or tiny values never overflow or underflow.
    F32,
    /// Block-centred rows rounded to f32, each split into two bf16 values and multiplied on
    /// the AMX tiles (`embgeo_kernels::lowp::syrk_lower_split`: three bf16 products per pair,
    /// `hi·hi + hi·lo + lo·hi`, summed in f32 over the block, and on the diagonal the fourth,
    /// `Σ lo²`, added exactly; per product at most `2⁻¹⁵` relative from the split, unbiased,
    /// plus the f32 accumulation of `3·block_rows` products), merged in f64. Blocks outside
    /// [`F32_SAFE`] take f64 as under [`Kernel::F32`]. A CPU without AMX-BF16 runs
    /// [`Kernel::F32`] instead.
    SplitBf16,
    /// Everything in f64 (exact widening of f32 input).
    F64,
}

/// Columns from which [`Kernel::Auto`] takes the split-bf16 SYRK on AMX-BF16 CPUs (below it
/// the FMA kernel measured as fast; [`Kernel::Auto`] has the numbers).
pub const SPLIT_MIN_COLS: usize = 256;

/// The block SYRK a fit of `dtype` input runs under `kernel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockSyrk {
    F32,
    Split,
    F64,
}

impl Kernel {
    fn block_syrk(self, dtype: &str, cols: usize) -> BlockSyrk {
        let split = embgeo_kernels::lowp::split_syrk_supported();
        match self {
            Kernel::Auto if dtype == "f32" && split && cols >= SPLIT_MIN_COLS => BlockSyrk::Split,
            Kernel::Auto if dtype == "f32" => BlockSyrk::F32,
            Kernel::SplitBf16 if split => BlockSyrk::Split,
            Kernel::F32 | Kernel::SplitBf16 => BlockSyrk::F32,
            Kernel::Auto | Kernel::F64 => BlockSyrk::F64,
        }
    }

    /// The name of the block SYRK this kernel runs for `dtype` input of `cols` columns on this
    /// CPU: `"split-bf16"`, `"f32"` or `"f64"`.
    #[must_use]
    pub fn resolved(self, dtype: &str, cols: usize) -> &'static str {
        match self.block_syrk(dtype, cols) {
            BlockSyrk::F32 => "f32",
            BlockSyrk::Split => "split-bf16",
            BlockSyrk::F64 => "f64",
        }
    }
}

/// What [`Kernel::Auto`] runs for f32 input on this CPU, for `versions()`: the FMA kernel's
/// name ([`embgeo_kernels::path_name`]), or on AMX-BF16 CPUs
/// `"split-bf16-amx from 256 columns, else <that name>"`.
#[must_use]
pub fn auto_kernel_name() -> String {
    let fma = embgeo_kernels::path_name();
    if embgeo_kernels::lowp::split_syrk_supported() {
        format!("split-bf16-amx from {SPLIT_MIN_COLS} columns, else {fma}")
    } else {
        fma.to_string()
    }
}

/// Centred values `c` of a block must satisfy `c == 0` or `F32_SAFE.0 ≤ |c| ≤ F32_SAFE.1` for
/// the block to use the f32 kernel (the kernel layer's range): products then stay far from f32's
/// overflow (also after summing `block_rows` of them) and underflow limits.
pub use embgeo_kernels::F32_SAFE;

/// Work per block is capped at about this many multiply-adds (`rows·d²/2`), so that a
/// cancellation checkpoint (one per block) comes every few tens of milliseconds at any width.
const BLOCK_MACS: usize = 1 << 30;

/// Rows per block under the f64 SYRK (f64 input, or [`Kernel::F64`]). Smaller blocks keep the
/// centred block near the L2 while faer multiplies it; larger ones merge the `d × d` block
/// result less often. Measured on a 2-core AVX-512 Xeon (2 MB L2), moments of f64 data
/// (`examples/bench_pca`'s f64 row, with this constant changed):
/// 200,000 × 384: 2048 rows 0.36 s, 512 rows 0.35 s, 256 rows 0.29–0.31 s, 128 rows 0.29–0.32 s;
/// 100,000 × 1536: 910 rows (the [`BLOCK_MACS`] cap) 3.2 s, 256 rows 2.39 s, 128 rows 2.41 s,
/// 64 rows 2.65 s.
const F64_BLOCK_ROWS: usize = 256;

/// Rows per block: `params.block_rows`, lowered for wide inputs to keep [`BLOCK_MACS`], and to
/// [`F64_BLOCK_ROWS`] under the f64 SYRK. A function of the width and the kernel only, never of
/// the threads.
fn block_rows_for(params: &Params, d: usize, syrk: BlockSyrk) -> usize {
    let rows = params.block_rows.min((2 * BLOCK_MACS / (d * d).max(1)).max(64));
    let rows = if syrk == BlockSyrk::F64 {
        rows.min(F64_BLOCK_ROWS)
    } else {
        rows
    };
    rows.max(1)
}

/// Centre the block into f32 (`y[i][j] = f32(sqrt(w_i)·(x_ij − mean_j))`, computed in f64,
/// rounded once), written straight into the layout of its SYRK, and report whether every
/// centred value is 0 or inside [`F32_SAFE`] (else the caller takes the f64 path). One pass, no
/// early exit (branch-free, so it vectorises; compiled for the widest vector extension present,
/// [`embgeo_core::simd::widest`]).
fn centre_block_f32<T: Element>(
    y: &mut RowPanels,
    x: MatRef<'_, T>,
    w: Option<&[f64]>,
    mean: &[f64],
) -> bool {
    embgeo_core::simd::widest(
        #[inline(always)]
        || centre_rows_f32(y, x, w, mean),
    )
}

/// The loop of [`centre_block_f32`], always inlined so that it is compiled with the features of
/// the function [`embgeo_core::simd::widest`] runs it in.
#[inline(always)]
#[allow(clippy::needless_bitwise_bool, clippy::inline_always)] // branch-free on purpose: the loop vectorises
fn centre_rows_f32<T: Element>(y: &mut RowPanels, x: MatRef<'_, T>, w: Option<&[f64]>, mean: &[f64]) -> bool {
    let mut safe = true;
    for i in 0..x.rows() {
        let s = w.map_or(1.0, |w| w[i].sqrt());
        let row = x.row(i);
        let mut row_safe = true;
        y.write_row(i, |j0, seg| {
            for ((o, v), m) in seg.iter_mut().zip(&row[j0..]).zip(&mean[j0..]) {
                let c = s * (v.to_f64() - m);
                let a = c.abs();
                row_safe &= (c == 0.0) | ((a >= F32_SAFE.0) & (a <= F32_SAFE.1));
                *o = c as f32;
            }
        });
        safe &= row_safe;
    }
    safe
}

/// Tunables of [`accumulate`] / [`Moments::update`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Rows per block (one SYRK and one merge per block). Default 512: the block, its centred
    /// f32 copy and the f32 SYRK result then share the L2 (measured on a 2-core AVX-512 Xeon,
    /// 200,000 × 384 moments: 512 rows 0.145 s, 384 rows 0.146 s, 1024 rows 0.151 s, 2048 rows
    /// 0.160 s; 100,000 × 1536: 512 rows 0.96 s, 910 rows 1.01 s; on a 2-core AMD EPYC Zen 3,
    /// AVX2, 100,000 × 1536 at 910 rows merged 44 % fewer blocks but the SYRK's chunk stores grew
    /// as much: perf CPU samples of the moments within run-to-run noise). Wide inputs use fewer
    /// (at most 2³¹/d² rows, at least 64) so that cancellation is checked every ~10⁹ multiply-adds,
    /// and blocks under the f64 SYRK (f64 input, or [`Kernel::F64`]) at most 256 rows (faster: the
    /// block stays near the L2).
    pub block_rows: usize,
    /// Fixed number of lanes (contiguous runs of blocks accumulated independently, then merged
    /// in order): the parallelism available, independent of the thread count. Default 4.
    pub lanes: usize,
    /// Block SYRK arithmetic. Default [`Kernel::Auto`].
    pub kernel: Kernel,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            block_rows: 512,
            lanes: 4,
            kernel: Kernel::Auto,
        }
    }
}

/// Who needs the `d × d` buffers of this module, and the way out, for the dense-size errors.
const METHOD: &str = "the covariance of the features (d × d co-moments)";
const FIX: &str = "for PCA pass solver: 'svd' or 'randomized' (they work on the n × d data); \
    if X is stored transposed (features as rows), transpose it";

/// A zero-filled `d × d` buffer, allocated fallibly.
fn square_zeros<T: Copy + Default>(d: usize) -> Result<Vec<T>> {
    dense::try_zeros(d * d).ok_or_else(|| dense::too_large("X.cols", d, METHOD, FIX, true))
}

/// Rows per partial sum of a block mean (fixed, combined in order).
const MEAN_CHUNK: usize = 256;

/// Exact streaming moments of a set of rows: count, weight sum, mean and co-moment matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Moments {
    n_features: usize,
    n_samples: u64,
    weight_sum: f64,
    mean: Vec<f64>,
    /// `d × d`, row-major, symmetric (both triangles stored).
    comoment: Vec<f64>,
}

impl Moments {
    /// Empty moments over `n_features` columns.
    ///
    /// # Cost
    /// One `d × d` f64 buffer, checked against the dense rule first (`d ≤ 16,384`, see
    /// [`embgeo_core::dense`]) and allocated fallibly.
    /// # Errors
    /// `OutOfRange` if `n_features == 0`, if the `d × d` co-moment is over
    /// [`embgeo_core::dense::MAX_DENSE_BYTES`] or if the allocator refuses it.
    pub fn new(n_features: usize) -> Result<Self> {
        Error::require_at_least_one("nFeatures", n_features)?;
        Ok(Self {
            n_features,
            n_samples: 0,
            weight_sum: 0.0,
            mean: vec![0.0; n_features],
            comoment: dense::square_zeros("X.cols", n_features, METHOD, FIX)?,
        })
    }

    /// A copy whose `d × d` buffer is allocated fallibly.
    ///
    /// # Errors
    /// `OutOfRange` ([`embgeo_core::dense`]) if the allocator refuses.
    pub fn try_clone(&self) -> Result<Self> {
        Ok(Self {
            comoment: dense::try_copy(&self.comoment, "X.cols", self.n_features, METHOD, FIX)?,
            mean: self.mean.clone(),
            ..*self
        })
    }

    /// Rebuild moments from their parts (deserialisation), checking shapes and values.
    ///
    /// # Errors
    /// `BadModel` if a length disagrees with `n_features`, a value is not finite, the weight
    /// sum is negative, or the co-moment matrix is not symmetric.
    pub fn from_parts(
        n_features: usize,
        n_samples: u64,
        weight_sum: f64,
        mean: Vec<f64>,
        comoment: Vec<f64>,
    ) -> Result<Self> {
        let bad = |m: String| Err(Error::BadModel(format!("invalid moments: {m}")));
        if n_features == 0
            || mean.len() != n_features
            || n_features.checked_mul(n_features) != Some(comoment.len())
        {
            return bad(format!(
                "nFeatures {n_features}, mean has {} values, comoment has {}",
                mean.len(),
                comoment.len()
            ));
        }
        if !weight_sum.is_finite() || weight_sum < 0.0 {
            return bad(format!("weight sum {weight_sum}"));
        }
        if mean.iter().chain(&comoment).any(|v| !v.is_finite()) {
            return bad("non-finite values".into());
        }
        let d = n_features;
        for i in 0..d {
            for j in 0..i {
                if comoment[i * d + j].to_bits() != comoment[j * d + i].to_bits() {
                    return bad(format!("comoment not symmetric at ({i}, {j})"));
                }
            }
        }
        Ok(Self {
            n_features,
            n_samples,
            weight_sum,
            mean,
            comoment,
        })
    }

    /// Number of columns.
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.n_features
    }
    /// Rows seen (weighted or not).
    #[must_use]
    pub fn n_samples(&self) -> u64 {
        self.n_samples
    }
    /// `Σ wᵢ` (equals `n_samples` without weights).
    #[must_use]
    pub fn weight_sum(&self) -> f64 {
        self.weight_sum
    }
    /// The (weighted) mean, `n_features` values.
    #[must_use]
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }
    /// The co-moment matrix `Σ wᵢ (xᵢ − μ)(xᵢ − μ)ᵀ`, `d × d` row-major, symmetric.
    #[must_use]
    pub fn comoment(&self) -> &[f64] {
        &self.comoment
    }

    /// Heap bytes held (mean and co-moment buffers), for reporting to a garbage collector.
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        8 * (self.mean.capacity() + self.comoment.capacity())
    }

    /// Add the rows of `x` (with optional per-row `weights`) to the moments.
    ///
    /// # Shapes and types
    /// `x`: n × d row-major f32/f64 with `d == self.n_features()`; `weights`: n values ≥ 0.
    /// # Cost
    /// Time n·d²/2 multiply-adds (lower-triangle SYRK per block) + O(d²) per block.
    /// Extra memory: each lane's result (`d × d` f64, at most `params.lanes` of them) plus, per
    /// running worker, one `block_rows × d` block (f64, or f32 under the f32 and split kernels)
    /// and one `d × d` block result (f32 under the FMA kernel, f64 under the split kernel or for
    /// a block on the f64 path; the split kernel adds per-thread operand layouts of about
    /// `2·d·1 KB`). E.g. d = 1536, 4 lanes, 2 threads: ≈ 75 MB + 2 × 15 MB.
    /// The block results are written and merged row by row into the lane's lower triangle; the
    /// lanes' lower triangles are merged into `self` in lane order and `self` is mirrored once,
    /// in cache tiles (strided column writes once cost as much as the SYRK itself at d = 1536;
    /// mirroring every lane and merging both triangles made ten 10,000-row updates of
    /// 100,000 × 1536 take 2.15 s against 1.13 s for one update of all rows; now 1.61 s).
    /// # Determinism
    /// The rows are cut into `params.lanes` fixed lanes of whole blocks (from n, never from the
    /// thread count); each lane runs its blocks in order with a single-threaded SYRK and the
    /// lanes are merged in order, so results are bit-identical for every `ctl.par` and pool size
    /// (tested: `moments_are_bit_identical_across_thread_counts`).
    /// # Errors
    /// `Shape` (column count or weights length), `NonFinite`, `OutOfRange` (negative or
    /// non-finite weight, weights whose sum overflows, or data whose largest magnitude is
    /// below ~1.5e-154 so that squares leave the f64 range), `Cancelled` (checked before every
    /// block). The data checks share each block's first read (no separate pass over X): a
    /// non-finite value stops its lane at that block, and the magnitude check runs once the
    /// lanes are done. On error `self` is unchanged.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// Chan, Golub and LeVeque (1979) pairwise update; parity with numpy mean / covariance in
    /// `tests/parity.rs` and `partial_fit_over_10_blocks_equals_batch`.
    pub fn update<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        weights: Option<&[f64]>,
        params: &Params,
        ctl: &Ctl<'_>,
    ) -> Result<()> {
        let d = self.n_features;
        Error::require_equal(
            "X.cols vs nFeatures of the fitted moments",
            d,
            x.cols(),
            "pass rows with as many features as the earlier ones",
        )?;
        if let Some(w) = weights {
            check_weights(w, x.rows())?;
        }
        let n = x.rows();
        if n == 0 {
            return Ok(());
        }
        let syrk = params.kernel.block_syrk(T::DTYPE, d);
        let b = block_rows_for(params, d, syrk).min(n);
        let n_blocks = n.div_ceil(b);
        let lanes = params.lanes.clamp(1, n_blocks);
        let per_lane = n_blocks.div_ceil(lanes);
        let use_f32 = syrk != BlockSyrk::F64;
        let done = AtomicU64::new(0);
        let parts = map_chunks(ctl, "moments-lanes", n_blocks, per_lane, |blocks| {
            // The lane's co-moment holds only its lower triangle until the lane ends: every
            // block's SYRK is written and merged row-major (contiguous), then mirrored once.
            let mut lane = Moments::new(d)?;
            let mut buf64 = Vec::new();
            // The centred f32 block, laid out for the kernel layer's SYRK (row-major for the
            // split kernel).
            let mut y32 = RowPanels::new();
            // The f32 block result serves the FMA and split kernels, the f64 one the f64 SYRK
            // (needed under an f32 kernel only when a block falls back).
            let mut blk64: Vec<f64> = if use_f32 { Vec::new() } else { square_zeros(d)? };
            let mut blk32: Vec<f32> = if use_f32 { square_zeros(d)? } else { Vec::new() };
            let mut lane_max = 0.0f64;
            for bi in blocks {
                ctl.checkpoint()?;
                let (start, end) = (bi * b, ((bi + 1) * b).min(n));
                let rows = end - start;
                let xb = x.row_block(start, end);
                // Validation fused with the block's first read (the block then comes from cache
                // for the mean and the centring): non-finite values end the pass, and the
                // whole-matrix scan names the first one (the same error from every lane).
                let (finite, block_max) = embgeo_core::simd::widest(
                    #[inline(always)]
                    || T::scan_max_abs(xb.as_slice()),
                );
                if !finite {
                    x.check_finite("X")?;
                }
                lane_max = lane_max.max(block_max);
                let wb = weights.map(|w| &w[start..end]);
                let (wsum, mean_b) = block_mean(xb, wb, Par::Seq);
                if wsum > 0.0 {
                    let centred32 = use_f32 && {
                        if syrk == BlockSyrk::F32 {
                            y32.reset(embgeo_kernels::path(), rows, d)?;
                        } else {
                            y32.reset_row_major(rows, d)?;
                        }
                        centre_block_f32(&mut y32, xb, wb, &mean_b)
                    };
                    let split_input = y32
                        .as_row_major()
                        .filter(|_| centred32 && syrk == BlockSyrk::Split);
                    if let Some(y) = split_input {
                        embgeo_kernels::lowp::syrk_lower_split(&mut blk32, y, rows, d);
                        lane.merge_block_lower(wsum, &mean_b, &blk32);
                    } else if centred32 {
                        // The kernel layer's SYRK (single-threaded: the lanes are the parallelism).
                        y32.syrk_lower(&mut blk32)?;
                        lane.merge_block_lower(wsum, &mean_b, &blk32);
                    } else {
                        if blk64.is_empty() {
                            blk64 = square_zeros(d)?;
                        }
                        buf64.resize(rows * d, 0.0f64);
                        centre_block(&mut buf64, xb, wb, &mean_b, |v| v);
                        let a = faer::MatRef::from_column_major_slice(&buf64, d, rows);
                        let dst = faer::MatMut::from_row_major_slice_mut(&mut blk64, d, d);
                        linalg::syrk_lower(dst, a, faer::Par::Seq);
                        lane.merge_block_lower(wsum, &mean_b, &blk64);
                    }
                }
                lane.n_samples += rows as u64;
                let now = done.fetch_add(rows as u64, Ordering::Relaxed) + rows as u64;
                ctl.advance("moments", now, n as u64);
            }
            Ok((lane, lane_max))
        })?;
        let xmax = parts.iter().fold(0.0f64, |m, (_, lm)| m.max(*lm));
        check_magnitudes(xmax, weights)?;
        // Nothing below can fail. The lanes' lower triangles are folded in lane order into the
        // moments of `x` (the first lane), and those are merged into this state, then mirrored
        // once: an update therefore equals `merge` of `accumulate(x)` bit for bit, whatever the
        // number of blocks (sharded fits merged in row order equal one model's partial fits).
        let mut lanes = parts.into_iter().map(|(lane, _)| lane);
        if let Some(mut of_x) = lanes.next() {
            for lane in lanes {
                of_x.merge_lower(&lane);
            }
            self.merge_lower(&of_x);
        }
        self.mirror_lower();
        Ok(())
    }

    /// [`Moments::update`] on the moments held in `slot`, starting new ones of `x`'s width
    /// when it is empty (the streaming `partial_fit`s). On error `slot` is unchanged.
    ///
    /// # Errors
    /// As [`Moments::new`] and [`Moments::update`].
    pub fn update_slot<T: Element>(
        slot: &mut Option<Moments>,
        x: MatRef<'_, T>,
        weights: Option<&[f64]>,
        params: &Params,
        ctl: &Ctl<'_>,
    ) -> Result<()> {
        if let Some(m) = slot {
            return m.update(x, weights, params, ctl);
        }
        let mut m = Moments::new(x.cols())?;
        m.update(x, weights, params, ctl)?;
        *slot = Some(m);
        Ok(())
    }

    /// Merge another set of moments (rows seen elsewhere) into these.
    ///
    /// # Cost
    /// O(d²) time (the lower triangle merged row by row, then mirrored in cache tiles), no
    /// extra memory.
    /// # Determinism
    /// Deterministic; merging A into B and B into A agree up to rounding.
    /// # Errors
    /// `Shape` if the feature counts differ.
    /// # Panics
    /// Never.
    /// # Reference
    /// Chan, Golub and LeVeque (1979); Schubert and Gertz (2018).
    pub fn merge(&mut self, other: &Moments) -> Result<()> {
        Error::require_equal(
            "nFeatures of the merged model",
            self.n_features,
            other.n_features,
            "merge models fitted on the same features",
        )?;
        self.merge_lower(other);
        self.mirror_lower();
        Ok(())
    }

    /// [`Moments::merge`] on the lower triangle of the co-moment only (`other`'s upper triangle
    /// is not read; this state's is left stale until [`Moments::mirror_lower`]).
    ///
    /// # Cost
    /// O(d²/2) time on contiguous rows; no allocation beyond `d` f64.
    fn merge_lower(&mut self, other: &Moments) {
        if other.weight_sum > 0.0 {
            self.merge_block_lower(other.weight_sum, &other.mean, &other.comoment);
        }
        self.n_samples += other.n_samples;
    }

    /// Merge a block given by its weight sum, mean and co-moment `blk` (`d × d` row-major, lower
    /// triangle read), updating only the lower triangle of `self.comoment`.
    ///
    /// # Cost
    /// O(d²/2) time, contiguous rows of both buffers; no allocation beyond `d` f64.
    fn merge_block_lower<B: Copy + Into<f64>>(&mut self, wb: f64, mean_b: &[f64], blk: &[B]) {
        let d = self.n_features;
        let wa = self.weight_sum;
        let w = wa + wb;
        let f = if wa > 0.0 { wa * wb / w } else { 0.0 };
        let delta: Vec<f64> = mean_b.iter().zip(&self.mean).map(|(b, a)| b - a).collect();
        // O(d²) per block: compiled for the widest vector extension present (element-wise, so
        // the same bits on every CPU); at d = 1536 it was 7 % of a fit's time on the baseline.
        let comoment = &mut self.comoment;
        embgeo_core::simd::widest(
            #[inline(always)]
            || {
                for (i, (acc, row)) in comoment.chunks_exact_mut(d).zip(blk.chunks_exact(d)).enumerate() {
                    let fd = f * delta[i];
                    for ((a, v), dj) in acc[..=i].iter_mut().zip(&row[..=i]).zip(&delta) {
                        *a = *a + (*v).into() + fd * dj;
                    }
                }
            },
        );
        if wa > 0.0 {
            for (m, dl) in self.mean.iter_mut().zip(&delta) {
                *m += dl * (wb / w);
            }
        } else {
            self.mean.copy_from_slice(mean_b);
        }
        self.weight_sum = w;
    }

    /// Copy the lower triangle of the co-moment onto the upper one: O(d²), in 64 × 64 tiles so
    /// that the column-wise writes of a tile stay in cache (at d = 1536 a plain row-by-row copy
    /// strides 12 KB per write).
    fn mirror_lower(&mut self) {
        const TILE: usize = 64;
        let d = self.n_features;
        let c = &mut self.comoment;
        for ib in (0..d).step_by(TILE) {
            for jb in (0..=ib).step_by(TILE) {
                for i in ib..(ib + TILE).min(d) {
                    for j in jb..(jb + TILE).min(i) {
                        c[j * d + i] = c[i * d + j];
                    }
                }
            }
        }
    }

    /// Covariance-like matrix `S / divisor`, `d × d` row-major, where `S` is the co-moment
    /// (`center`) or the raw second moment `Σ wᵢ xᵢxᵢᵀ = M + W μμᵀ` (not `center`).
    ///
    /// # Errors
    /// `OutOfRange` ([`embgeo_core::dense`]) if the allocator refuses the `d × d` copy.
    pub fn scatter(&self, center: bool, divisor: f64) -> Result<Vec<f64>> {
        let d = self.n_features;
        let mut c = dense::try_copy(&self.comoment, "X.cols", d, METHOD, FIX)?;
        if !center {
            for i in 0..d {
                for j in 0..=i {
                    let v = c[i * d + j] + self.weight_sum * self.mean[i] * self.mean[j];
                    c[i * d + j] = v;
                    c[j * d + i] = v;
                }
            }
        }
        for v in &mut c {
            *v /= divisor;
        }
        Ok(c)
    }
}

/// Moments of the rows of `x` (optional per-row weights): the entry point of this module.
///
/// # Shapes and types
/// `x`: n × d row-major f32/f64, d ≥ 1; `weights`: n finite values ≥ 0. Returns [`Moments`]
/// (f64).
/// # Cost
/// See [`Moments::update`]: n·d²/2 multiply-adds; extra memory `lanes·d²` f64 plus, per
/// worker, `block_rows·d` values and 1.5·d² f64 (about 1.75·d² under the split-bf16 SYRK, whose
/// per-thread f32 sums, `2·d·(d + 32)` bytes, stay allocated for the thread's next call).
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// `OutOfRange` (d = 0 or a bad weight), `Shape`, `NonFinite`, `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// Chan, Golub and LeVeque (1979); fixtures `pca/*` (mean, covariance spectrum) at rtol 1e-10.
pub fn accumulate<T: Element>(
    x: MatRef<'_, T>,
    weights: Option<&[f64]>,
    params: &Params,
    ctl: &Ctl<'_>,
) -> Result<Moments> {
    let mut m = Moments::new(x.cols())?;
    m.update(x, weights, params, ctl)?;
    Ok(m)
}

fn check_weights(w: &[f64], rows: usize) -> Result<()> {
    Error::require_equal(
        "weights.length vs X.rows",
        rows,
        w.len(),
        "pass one weight per row",
    )?;
    if let Some((i, v)) = w.iter().enumerate().find(|(_, v)| !v.is_finite() || **v < 0.0) {
        return Err(Error::OutOfRange {
            name: "weights",
            expected: "finite values >= 0".into(),
            actual: format!("{v} at index {i}"),
        });
    }
    Ok(())
}

/// Smallest `max |x|` whose squares (the co-moment's units) stay normal f64: 2^-511 ≈ 1.5e-154.
const MIN_MAGNITUDE: f64 = 1.491_668_146_240_041_3e-154;

/// The co-moment is in squared data units (times the weights): refuse, with the culprit
/// named, magnitudes whose squares fall below the normal f64 range, and weights whose sum (or
/// whose products with the squared data) overflow although the data alone would fit.
fn check_magnitudes(xmax: f64, weights: Option<&[f64]>) -> Result<()> {
    if xmax > 0.0 && xmax < MIN_MAGNITUDE {
        return Err(Error::OutOfRange {
            name: "X",
            expected: "values whose squares fit in f64: a largest magnitude of at least about 1.5e-154 \
                       (multiply the data by a constant first; PCA directions do not change)"
                .into(),
            actual: format!("a largest magnitude of {xmax:e}"),
        });
    }
    if let Some(w) = weights {
        let sum: f64 = w.iter().sum();
        let sq = xmax * xmax;
        if !sum.is_finite() || (sq.is_finite() && !(sum * sq.max(1.0)).is_finite()) {
            return Err(Error::OutOfRange {
                name: "weights",
                expected: "weights whose sum (times the squared data) fits in f64; divide them by their \
                           largest value (only their ratios matter)"
                    .into(),
                actual: format!("a weight sum of {sum:e}"),
            });
        }
    }
    Ok(())
}

/// Weighted sum and mean of a block; partial sums over fixed `MEAN_CHUNK`-row pieces combined
/// in order (deterministic for every `par`).
pub(crate) fn block_mean<T: Element>(x: MatRef<'_, T>, w: Option<&[f64]>, par: Par) -> (f64, Vec<f64>) {
    let d = x.cols();
    let n = x.rows();
    let piece = |c: usize| -> (f64, Vec<f64>) {
        let mut acc = vec![0.0f64; d];
        let rows = c * MEAN_CHUNK..((c + 1) * MEAN_CHUNK).min(n);
        let ws = embgeo_core::simd::widest(
            #[inline(always)]
            || add_rows(&mut acc, x, w, rows),
        );
        (ws, acc)
    };
    let pieces: Vec<(f64, Vec<f64>)> = match par {
        Par::Seq => (0..n.div_ceil(MEAN_CHUNK)).map(piece).collect(),
        Par::Rayon => (0..n.div_ceil(MEAN_CHUNK)).into_par_iter().map(piece).collect(),
    };
    let mut ws = 0.0;
    let mut acc = vec![0.0f64; d];
    for (pw, pa) in &pieces {
        ws += pw;
        for (a, v) in acc.iter_mut().zip(pa) {
            *a += v;
        }
    }
    if ws > 0.0 {
        for a in &mut acc {
            *a /= ws;
        }
    }
    (ws, acc)
}

/// `acc += Σ wᵢ·xᵢ` over `rows` (in order); returns `Σ wᵢ`. Always inlined, so that it is
/// compiled with the features of the function [`embgeo_core::simd::widest`] runs it in.
#[inline(always)]
#[allow(clippy::inline_always)]
fn add_rows<T: Element>(
    acc: &mut [f64],
    x: MatRef<'_, T>,
    w: Option<&[f64]>,
    rows: std::ops::Range<usize>,
) -> f64 {
    let mut ws = 0.0f64;
    for i in rows {
        let wi = w.map_or(1.0, |w| w[i]);
        ws += wi;
        for (a, v) in acc.iter_mut().zip(x.row(i)) {
            *a += wi * v.to_f64();
        }
    }
    ws
}

/// `buf[i] = sqrt(wᵢ)·(xᵢ − mean)` row by row, computed in f64 and stored through `cast`
/// (compiled for the widest vector extension present, [`embgeo_core::simd::widest`]).
fn centre_block<T: Element, U: Copy>(
    buf: &mut [U],
    x: MatRef<'_, T>,
    w: Option<&[f64]>,
    mean: &[f64],
    cast: impl Fn(f64) -> U,
) {
    embgeo_core::simd::widest(
        #[inline(always)]
        || {
            let d = x.cols();
            for (i, out) in buf.chunks_mut(d).enumerate() {
                let s = w.map_or(1.0, |w| w[i].sqrt());
                for ((o, v), m) in out.iter_mut().zip(x.row(i)).zip(mean) {
                    *o = cast(s * (v.to_f64() - m));
                }
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(x: &[f64], n: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
        let mut mean = vec![0.0; d];
        for i in 0..n {
            for j in 0..d {
                mean[j] += x[i * d + j] / n as f64;
            }
        }
        let mut m = vec![0.0; d * d];
        for i in 0..n {
            for a in 0..d {
                for b in 0..d {
                    m[a * d + b] += (x[i * d + a] - mean[a]) * (x[i * d + b] - mean[b]);
                }
            }
        }
        (mean, m)
    }

    /// `m`'s mean within 1e-12 (relative) and co-moment within 1e-10 of its largest entry of
    /// [`naive`]'s on the same rows.
    fn assert_equals_naive(m: &Moments, x: &[f64], n: usize, d: usize) {
        let (mean, cm) = naive(x, n, d);
        for (a, b) in m.mean().iter().zip(&mean) {
            assert!((a - b).abs() <= 1e-12 * b.abs());
        }
        let scale = cm.iter().fold(0.0f64, |s, v| s.max(v.abs()));
        for (a, b) in m.comoment().iter().zip(&cm) {
            assert!((a - b).abs() <= 1e-10 * scale, "{a} vs {b}");
        }
    }

    fn data(n: usize, d: usize) -> Vec<f64> {
        // Deterministic awkward values with a large offset (tests cancellation).
        (0..n * d)
            .map(|i| 1000.0 + ((i * 7919) % 113) as f64 / 7.0 - (i % 5) as f64)
            .collect()
    }

    #[test]
    fn split_bf16_blocks_match_f64_to_the_f32_tolerance() {
        // f32 input with an offset mean and a power-law spectrum: the split-bf16 AMX SYRK where
        // the CPU has it (elsewhere `SplitBf16` runs the FMA kernel and the test checks that),
        // against all-f64 arithmetic; `Auto` runs the FMA kernel below `SPLIT_MIN_COLS`
        let (n, d) = (3001, 80);
        let x: Vec<f32> = (0..n * d)
            .map(|k| {
                let (i, j) = (k / d, k % d);
                let u = ((i * 7919 + j * 104_729) % 10_007) as f32 / 10_007.0 - 0.5;
                3.0 + u / (1.0 + j as f32).sqrt()
            })
            .collect();
        let xm = MatRef::new(&x, n, d).unwrap();
        let ctl = Ctl::detached();
        let run = |kernel| {
            accumulate(
                xm,
                None,
                &Params {
                    kernel,
                    ..Params::default()
                },
                &ctl,
            )
            .unwrap()
        };
        let split_here = embgeo_kernels::lowp::split_syrk_supported();
        let split_name = if split_here { "split-bf16" } else { "f32" };
        assert_eq!(Kernel::Auto.resolved("f32", d), "f32");
        assert_eq!(Kernel::Auto.resolved("f32", SPLIT_MIN_COLS - 1), "f32");
        assert_eq!(Kernel::Auto.resolved("f32", SPLIT_MIN_COLS), split_name);
        assert_eq!(Kernel::SplitBf16.resolved("f32", d), split_name);
        assert_eq!(Kernel::Auto.resolved("f64", SPLIT_MIN_COLS), "f64");
        let (auto, f32k, split, exact) = (
            run(Kernel::Auto),
            run(Kernel::F32),
            run(Kernel::SplitBf16),
            run(Kernel::F64),
        );
        assert_eq!(
            auto.comoment(),
            f32k.comoment(),
            "Auto runs the FMA kernel at 80 columns"
        );
        let scale = exact.comoment().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        for (u, v) in split.comoment().iter().zip(exact.comoment()) {
            // the f32 parity tolerance of PCA (1e-5 of the largest entry; examples/bench_pca
            // measured 4e-8 relative on the top 32 variances of 200,000 × 384)
            assert!((u - v).abs() <= 1e-5 * scale, "{u} vs {v}");
        }
        for (u, v) in split.mean().iter().zip(exact.mean()) {
            assert!((u - v).abs() <= 1e-12 * v.abs());
        }
    }

    #[test]
    fn blocks_equal_naive_two_pass() {
        let (n, d) = (37, 5);
        let x = data(n, d);
        let p = Params {
            block_rows: 4,
            ..Params::default()
        };
        let m = accumulate(MatRef::new(&x, n, d).unwrap(), None, &p, &Ctl::detached()).unwrap();
        assert_equals_naive(&m, &x, n, d);
        assert_eq!(m.n_samples(), 37);
    }

    #[test]
    fn integer_weights_equal_repeated_rows() {
        let (n, d) = (9, 3);
        let x = data(n, d);
        let w: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
        let mut rep = Vec::new();
        for i in 0..n {
            for _ in 0..(i % 3) {
                rep.extend_from_slice(&x[i * d..(i + 1) * d]);
            }
        }
        let p = Params {
            block_rows: 2,
            ..Params::default()
        };
        let ctl = Ctl::detached();
        let a = accumulate(MatRef::new(&x, n, d).unwrap(), Some(&w), &p, &ctl).unwrap();
        let b = accumulate(MatRef::from_flat(&rep, d).unwrap(), None, &p, &ctl).unwrap();
        assert_eq!(a.weight_sum().to_bits(), b.weight_sum().to_bits());
        for (u, v) in a.comoment().iter().zip(b.comoment()) {
            assert!((u - v).abs() <= 1e-10 * v.abs().max(1.0));
        }
    }

    #[test]
    fn merge_equals_one_pass_and_rejects_other_width() {
        let (n, d) = (50, 4);
        let x = data(n, d);
        let p = Params::default();
        let ctl = Ctl::detached();
        let all = accumulate(MatRef::new(&x, n, d).unwrap(), None, &p, &ctl).unwrap();
        let mut a = accumulate(MatRef::new(&x[..20 * d], 20, d).unwrap(), None, &p, &ctl).unwrap();
        let b = accumulate(MatRef::new(&x[20 * d..], 30, d).unwrap(), None, &p, &ctl).unwrap();
        a.merge(&b).unwrap();
        for (u, v) in a.comoment().iter().zip(all.comoment()) {
            assert!((u - v).abs() <= 1e-12 * v.abs().max(1.0));
        }
        let c = Moments::new(3).unwrap();
        assert_eq!(a.merge(&c).unwrap_err().code(), "ERR_SHAPE");
    }

    #[test]
    fn wide_updates_and_merges_equal_the_definition_and_stay_symmetric() {
        // d = 150: the co-moment is mirrored in three rows of 64-column tiles, the last partial.
        let (n, d) = (400, 150);
        let x = data(n, d);
        let p = Params {
            block_rows: 32,
            ..Params::default()
        };
        let ctl = Ctl::detached();
        let part = |r0: usize, r1: usize| MatRef::new(&x[r0 * d..r1 * d], r1 - r0, d).unwrap();
        // Three updates (one block, several lanes) and a merge of separately accumulated rows.
        let mut m = Moments::new(d).unwrap();
        m.update(part(0, 20), None, &p, &ctl).unwrap();
        m.update(part(20, 170), None, &p, &ctl).unwrap();
        m.update(part(170, 300), None, &p, &ctl).unwrap();
        let rest = accumulate(part(300, n), None, &p, &ctl).unwrap();
        m.merge(&rest).unwrap();
        assert_eq!(m.n_samples(), n as u64);
        assert_equals_naive(&m, &x, n, d);
        let c = m.comoment();
        for i in 0..d {
            for j in 0..d {
                assert_eq!(
                    c[i * d + j].to_bits(),
                    c[j * d + i].to_bits(),
                    "symmetric at ({i}, {j})"
                );
            }
        }
    }

    /// An update equals the merge of the moments of its rows, bit for bit, for updates of one
    /// block and of several blocks and lanes, weighted or not, f32 and f64: a model's successive
    /// partial fits equal shard states merged in row order (what the Temporal workflows rely on).
    #[test]
    fn updates_equal_merges_of_accumulated_parts_bit_for_bit() {
        let (n, d) = (700, 24);
        let x = data(n, d);
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let w: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + (i % 7) as f64)).collect();
        let p = Params {
            block_rows: 64,
            ..Params::default()
        };
        let ctl = Ctl::detached();
        let cuts = [(0, 30), (30, 330), (330, 345), (345, n)];
        for weighted in [false, true] {
            let wp = |r0: usize, r1: usize| weighted.then(|| &w[r0..r1]);
            let mut s64 = Moments::new(d).unwrap();
            let mut s32 = Moments::new(d).unwrap();
            let mut m64: Option<Moments> = None;
            let mut m32: Option<Moments> = None;
            for (r0, r1) in cuts {
                let a64 = MatRef::new(&x[r0 * d..r1 * d], r1 - r0, d).unwrap();
                let a32 = MatRef::new(&x32[r0 * d..r1 * d], r1 - r0, d).unwrap();
                s64.update(a64, wp(r0, r1), &p, &ctl).unwrap();
                s32.update(a32, wp(r0, r1), &p, &ctl).unwrap();
                for (m, part) in [
                    (&mut m64, accumulate(a64, wp(r0, r1), &p, &ctl).unwrap()),
                    (&mut m32, accumulate(a32, wp(r0, r1), &p, &ctl).unwrap()),
                ] {
                    match m {
                        Some(m) => m.merge(&part).unwrap(),
                        None => *m = Some(part),
                    }
                }
            }
            assert_eq!(Some(s64), m64, "f64, weighted {weighted}");
            assert_eq!(Some(s32), m32, "f32, weighted {weighted}");
        }
    }

    #[test]
    fn bad_weights_are_rejected() {
        let x = [1.0f64, 2.0, 3.0, 4.0];
        let m = MatRef::new(&x, 2, 2).unwrap();
        let ctl = Ctl::detached();
        let p = Params::default();
        assert_eq!(
            accumulate(m, Some(&[1.0]), &p, &ctl).unwrap_err().code(),
            "ERR_SHAPE"
        );
        assert_eq!(
            accumulate(m, Some(&[1.0, -1.0]), &p, &ctl).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
    }

    #[test]
    fn moments_are_bit_identical_across_thread_counts() {
        let (n, d) = (3000, 70);
        let x = embgeo_testkit::hashed_values(n * d);
        let p = Params {
            block_rows: 512,
            ..Params::default()
        };
        let mat = MatRef::new(&x, n, d).unwrap();
        let seq = accumulate(mat, None, &p, &Ctl::detached().with_par(Par::Seq)).unwrap();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let par = pool.install(|| accumulate(mat, None, &p, &Ctl::detached()).unwrap());
            assert_eq!(seq, par, "threads = {threads}");
        }
    }
}
