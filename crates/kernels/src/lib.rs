//! The kernel layer: cache-blocked f32 matrix products with runtime-dispatched micro-kernels,
//! for the covariance (SYRK), projection (GEMM) and kNN key-tile passes of the numeric crates.
//!
//! - [`gemm_f32`]: `C = A·B` for strided f32 views (`A` m × k, `B` k × n, `C` m × n row-major).
//! - [`syrk_lower_f32`]: `C = Aᵀ·A` of a row-major `rows × d` block into the lower triangle of a
//!   `d × d` row-major f32 buffer (callers merge it in f64).
//! - [`RowPanels`]: a block of rows its producer writes straight into the layout of its own SYRK
//!   (on AVX-512 48-column panels whose `8 × 48` tiles, on AVX2 24-column panels whose `4 × 24`
//!   tiles, read both operands in place, no packing; bit-identical to [`syrk_lower_f32`]); the
//!   covariance moments centre into it.
//! - [`gemm_nt_f32`]: `dst = alpha·A·Bᵀ` stored column-major for views `A` m × d and `B` n × d
//!   (the key tile of a brute-force kNN pass), on the calling thread.
//! - [`corpus_keys_f32`]: the same key tile for a block of queries packed once
//!   ([`QueryPanels`]) against corpus rows read in place (no packing of the corpus).
//! - [`corpus_keys_i16`]: that tile from rows quantised to int16 with a power-of-two scale per
//!   row ([`I16Queries`], [`I16Rows`]): exact integer dot products (`vpmaddwd` on AVX2,
//!   `vpdpwssd` on AVX512-VNNI) and the residual norms of the kNN engine's int16 screening;
//!   [`corpus_keys_i16_marked`] also marks the keys below given thresholds ([`KeyMarks`],
//!   [`CrossMarks`]), so that a scan visits only those.
//! - [`path`] / [`path_name`]: which micro-kernel the dispatch runs on this CPU.
//! - [`lowp`]: bf16 dot-product tiles (AVX512-BF16 `vdpbf16ps`) for the exact kNN's screening of
//!   bf16 and int8 inputs, with their accuracy bound.
//!
//! # Algorithm
//! Goto-style blocking (Goto and van de Geijn, ACM TOMS 2008): the reduction dimension is cut in
//! chunks of `kc`; per chunk `B` is packed into `NR`-wide column panels (one panel at the L1)
//! and `A` into `MR`-tall row panels per block of `mc` rows (kept in L2); a register-blocked
//! micro-kernel computes each `MR × NR` tile:
//! - AVX-512F: 14 × 32 (28 zmm accumulators, per step 2 loads, 14 broadcasts, 28 FMAs),
//!   `kc` = 384, `mc` = 280, for [`gemm_f32`] and [`syrk_lower_f32`]; 4 × 96 (24 accumulators,
//!   6 loads, 4 broadcasts), `kc` = 384, `mc` = 256, for [`gemm_nt_f32`], where it measured
//!   faster on kNN tiles with small d. Full tiles go from the registers straight into `C`.
//! - AVX2+FMA: 6 × 16 (12 ymm accumulators, 2 loads, 6 broadcasts, 12 FMAs), [`KC`], [`MC`];
//!   full tiles go from the registers into `C` (through a tile buffer, the 512 × 384 SYRK block
//!   ran at 49 GFLOP/s on one Zen 3 core, 68–73 without).
//! - WebAssembly SIMD128: 6 × 8 (12 `f32x4` accumulators, 2 loads, 6 splats, 12 multiplies and
//!   12 adds), [`KC`], [`MC`]; entries bit-identical to the scalar kernel's. On the kNN tile of
//!   8,000 × 384 (one thread, Node 20) it ran the whole kNN in 1.5–1.7 s against 2.0–2.4 s for the
//!   scalar kernel and 6.5–7.0 s for faer's wasm GEMM, same build, one session.
//! - scalar: 6 × 16 in portable Rust, [`KC`], [`MC`].
//!
//! Edges are zero-padded in the packed panels and only the valid part of a tile is stored. The
//! packing buffers are kept per thread and reused by its next call (they grow to the largest
//! product the thread has run: `n.div_ceil(NR)·NR·kc + mc·kc` f32, 2.8 MB at d = 1536).
//!
//! # Dispatch
//! [`path`] is decided once per process: `EMBGEO_KERNEL=scalar|avx2|avx512|simd128|auto` (read
//! once; unset or unknown = `auto`), `auto` picks AVX-512F when `is_x86_feature_detected!`
//! reports it, else AVX2+FMA when reported, else SIMD128 on WebAssembly built with it, else the
//! portable scalar kernel. Requesting a path the CPU lacks
//! gives the `auto` choice. Every function has a `*_with` twin taking the [`Path`] explicitly,
//! so tests run every path the machine has.
//!
//! # Determinism
//! Each entry of `C` is one dot product summed in a fixed order (chunk by chunk, in `t` order
//! within a chunk, FMA on the SIMD paths): the result does not depend on the thread count or
//! on [`Par`] (parallelism splits the output rows, never the reduction). The paths differ in
//! the last bits (fused vs separate multiply-add, and the AVX-512 chunk length 384 vs 256).
//!
//! # Accuracy
//! f32 accumulation: each entry carries the usual dot-product error bound
//! `|ĉ − c| ≤ γ_k·(|A|·|B|)`, `γ_k = k·u/(1 − k·u)`, `u = 2⁻²⁴` (tested against an f64
//! reference; [`gemm_nt_f32`] adds one rounding for `alpha`). NaN and ±∞ propagate as IEEE
//! arithmetic does.

#![deny(unsafe_op_in_unsafe_fn)]

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
mod blocked;
mod corpus_rows;
mod cpu;
mod driver;
mod int16_rows;
mod lines;
pub mod lowp;
mod micro;
mod out;
mod pack;
mod path;
#[cfg(target_arch = "x86_64")]
mod register_tile;
mod row_panels;
#[cfg(all(target_family = "wasm", target_feature = "simd128"))]
mod simd128;
mod transpose;
#[cfg(target_arch = "x86_64")]
mod vector;
mod view;

pub use corpus_rows::{corpus_keys_f32, corpus_keys_f32_with, QueryPanels};
pub use driver::{
    gemm_f32, gemm_f32_with, gemm_nt_f32, gemm_nt_f32_with, syrk_lower_f32, syrk_lower_f32_with,
};
pub use int16_rows::{
    corpus_keys_i16, corpus_keys_i16_marked, corpus_keys_i16_with, i16_kernel, i16_native, i16_vnni,
    q_max as i16_q_max, CrossMarks, I16Queries, I16Rows, KeyMarks, MARK_LANES,
};
pub use path::{available_paths, path, path_name, Path};
pub use row_panels::RowPanels;
pub use view::View;

/// Reduction chunk of the scalar and AVX2 paths (rows of the packed panels): 16·KC f32 of `B`
/// (16 KB) + 6·KC of `A` stay in L1.
pub const KC: usize = 256;
/// Rows of `C` per packed block of `A` on the scalar and AVX2 paths (MC·KC f32 = 120 KB, kept
/// in L2); a multiple of their 6-row tile.
pub const MC: usize = 120;
/// Blocking of the scalar and AVX2 paths.
const BLOCKING: blocked::Blocking = blocked::Blocking { kc: KC, mc: MC };
/// Blocking of the AVX-512 path (14 × 32 tile): a 32·kc `B` panel (48 KB) at the L1 and an
/// mc·kc block of `A` (420 KB) in L2; chosen by measurement on a Zen 5 (48 KB L1d, 1 MB L2),
/// where kc = 384 beat 128 and 256 by 10–25 % and mc between 140 and 560 made no clear
/// difference.
#[cfg(target_arch = "x86_64")]
const AVX512_BLOCKING: blocked::Blocking = blocked::Blocking {
    kc: AVX512_CHUNK,
    mc: 280,
};
/// The AVX-512 path's reduction chunk (also [`RowPanels`]'s, so the two sum alike).
#[cfg(target_arch = "x86_64")]
const AVX512_CHUNK: usize = 384;
#[cfg(target_arch = "x86_64")]
const AVX512_WIDE_BLOCKING: blocked::Blocking = blocked::Blocking { kc: 384, mc: 256 };

pub use embgeo_core::Par;

/// The magnitudes the f32 products are safe for: callers send a block of values through the f32
/// kernels only when every value `c` is 0 or `F32_SAFE.0 ≤ |c| ≤ F32_SAFE.1`, and compute it in
/// f64 otherwise (PCA's covariance and randomized blocks, the cross-products of CKA and CCA).
/// Each product is then a normal f32 (at least 10⁻³⁰, far above the underflow at 1.2·10⁻³⁸)
/// of at most 10³², so a sum of `n` of them stays below f32's overflow (3.4·10³⁸) for `n` up to
/// 3·10⁶ — callers' blocks are at most a few thousand rows.
pub const F32_SAFE: (f64, f64) = (1e-15, 1e16);

#[cfg(test)]
mod tests;
