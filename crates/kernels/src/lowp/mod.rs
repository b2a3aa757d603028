//! bf16 and int8 dot-product tiles for the exact kNN's low-precision screening (`vdpbf16ps` on
//! AVX512-BF16, `vpdpbusd` on AVX512-VNNI in `int8.rs`, portable fallbacks elsewhere).
//!
//! [`dot_tile_packed`] computes a key tile `dst (m × n, column-major: dst[j·m + i]) = alpha·A·Bᵀ`
//! for rows of `A` and `B` whose values are bf16 — raw bf16 bits (`u16`) or `i8` (every `i8` is
//! a bf16 value exactly) — packed once per matrix ([`Packed`]), accumulating in f32.
//! [`dot_tile`] packs and multiplies row-major slices in one call.
//!
//! # Accuracy (the bound the kNN screening relies on)
//! The product of two bf16 values has at most 16 significant bits, so it is **exact** in f32:
//! the only rounding is the f32 accumulation. Each entry is a sum of the `d` exact products
//! accumulated one product at a time in f32 (the AVX512-BF16 path adds the two products of a
//! pair one after the other, as Intel's pseudo-code for `vdpbf16ps` specifies; the portable
//! path does the same in the same order), so with `u = 2⁻²⁴` and `γ_n = n·u/(1 − n·u)`
//! `|ĉ − c| ≤ γ_d · Σ_t |a_t|·|b_t| ≤ γ_d · ‖a‖·‖b‖` — the bound of an f32 dot product of the
//! same values — plus the effect of subnormals: `vdpbf16ps` reads subnormal inputs as zero
//! (losing less than `2⁻¹²⁶·|other factor|` per product) and flushes subnormal products and
//! partial sums to zero (less than `2⁻¹²⁶` each, `2d` of them per entry). Callers add
//! `2⁻¹²⁶·(‖a‖₁ + ‖b‖₁) + 2d·2⁻¹²⁶` to the bound (both scaled by `|alpha|`). The portable path
//! keeps subnormals, so its error is within the same bound. `alpha` is applied to the f32 sum as
//! one multiplication (exact for powers of two).
//!
//! # Dispatch
//! [`path`] is decided once per process from `EMBGEO_LOWP_KERNEL=scalar|avx512bf16|auto`
//! (unset or unknown = `auto`: AVX512-BF16 when `is_x86_feature_detected!` reports avx512f and
//! avx512bf16). The tile functions take the path explicitly so tests run every path the CPU has.

mod amx;
mod avx512;
mod int8;
mod pack;
mod rounded;
mod split;
mod syrk;
mod syrk_pack;
#[cfg(test)]
mod tests;
mod word_rows;

use std::ops::Range;
use std::sync::OnceLock;

use embgeo_core::Par;
pub use int8::{dot_tile_i8_packed, Int8Path, MAX_D as INT8_MAX_D};
pub use pack::{Bf16Source, Packed, Side, W};
pub use rounded::{pack_rounded, repack_rounded};
pub use split::{bf16_rne_flush, pack_split, split_rows, split_value, SplitSide};
pub use syrk::{split_syrk_supported, syrk_lower_split, CHUNK as SPLIT_SYRK_CHUNK};

/// Columns (rows of `B`) of one register tile; the lanes are the [`W`] rows of a panel of `A`.
pub(crate) const NR: usize = 8;

/// A bf16 tile kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowpPath {
    /// Portable Rust: exact bf16 products, f32 accumulation in the order of the AVX path.
    Scalar,
    /// x86-64 AVX512-BF16 `vdpbf16ps`, 48 × 8 register block.
    Avx512Bf16,
    /// x86-64 AMX-BF16 `tdpbf16ps`, 32 × 32 block of four 16 × 16 tiles (matrices packed
    /// with [`Packed::new_for`]).
    AmxBf16,
}

impl LowpPath {
    /// `"scalar"`, `"avx512bf16"` or `"amx-bf16"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            LowpPath::Scalar => "scalar",
            LowpPath::Avx512Bf16 => "avx512bf16",
            LowpPath::AmxBf16 => "amx-bf16",
        }
    }

    /// `true` if this CPU can run the path.
    #[must_use]
    pub fn supported(self) -> bool {
        match self {
            LowpPath::Scalar => true,
            LowpPath::Avx512Bf16 => avx512bf16(),
            LowpPath::AmxBf16 => amx::Op::Bf16.available(),
        }
    }

    /// Does the tile add its products in an order of the hardware's choosing (so the error
    /// bound must hold for any order, with the margin of `docs/exact-screening.md`)?
    #[must_use]
    pub fn unordered(self) -> bool {
        self == LowpPath::AmxBf16
    }

    /// `true` for a path that runs on the CPU's bf16 units (not the portable emulation).
    #[must_use]
    pub fn is_native(self) -> bool {
        self != LowpPath::Scalar
    }

    /// Does the path multiply at least as fast as the fp32 FMA units? The AMX tiles do (7–15×);
    /// `vdpbf16ps` does on AMD (Zen 5: kNN at d = 384 in 0.67–0.75× the f32 path's time) but
    /// runs at half the FMA rate on Intel: on a 2-core Xeon (model 207) without AMX, 172 against
    /// 334 GFLOP/s (bench/probe), and all points of 20,000 × 384 bf16 data took 1.17 s on it
    /// against 0.71 s for the same values in f32 (bench/results/knn-selection.md). The
    /// portable emulation never does.
    #[must_use]
    pub fn outpaces_fp32(self) -> bool {
        match self {
            LowpPath::AmxBf16 => true,
            LowpPath::Avx512Bf16 => crate::cpu::vendor_is_amd(),
            LowpPath::Scalar => false,
        }
    }
}

crate::cpu::x86_probe!(fn avx512bf16 = "avx512f" && "avx512bf16");

/// The path for an `EMBGEO_LOWP_KERNEL` value (`None` = unset): `scalar`, `avx512bf16` (the
/// AVX-512 tiles even where AMX exists), anything else the best this CPU has (AMX, then
/// AVX512-BF16, then scalar).
pub(crate) fn choose(var: Option<&str>) -> LowpPath {
    match var.map(str::trim) {
        Some("scalar") => LowpPath::Scalar,
        Some("avx512bf16") if avx512bf16() => LowpPath::Avx512Bf16,
        _ if LowpPath::AmxBf16.supported() => LowpPath::AmxBf16,
        _ if avx512bf16() => LowpPath::Avx512Bf16,
        _ => LowpPath::Scalar,
    }
}

/// `EMBGEO_LOWP_KERNEL`, read once.
fn setting() -> Option<&'static str> {
    static VAR: OnceLock<Option<String>> = OnceLock::new();
    VAR.get_or_init(|| std::env::var("EMBGEO_LOWP_KERNEL").ok())
        .as_deref()
}

/// The path [`dot_tile`] uses: `EMBGEO_LOWP_KERNEL` (read once) or the best this CPU supports.
#[must_use]
pub fn path() -> LowpPath {
    choose(setting())
}

/// `true` when `EMBGEO_LOWP_KERNEL=scalar` asked for the portable emulation explicitly (then
/// callers may use it where they would otherwise refuse a CPU without bf16 units).
#[must_use]
pub fn forced_scalar() -> bool {
    setting().map(str::trim) == Some("scalar")
}

/// Every bf16 path this CPU can run (scalar first).
#[must_use]
pub fn available_paths() -> Vec<LowpPath> {
    let all = [LowpPath::Scalar, LowpPath::Avx512Bf16, LowpPath::AmxBf16];
    crate::cpu::runnable(all, LowpPath::supported)
}

/// `dst[j·m + i] = alpha · Σ_t a[i·d + t]·b[j·d + t]` for `i < m`, `j < n` (see the module
/// docs for the accuracy), packing both sides first: [`dot_tile_packed`] on fresh [`Packed`]
/// copies (convenient for one tile; the kNN packs each matrix once).
///
/// # Panics
/// If a slice is shorter than its shape says (a caller bug, never an input property).
pub fn dot_tile<T: Bf16Source>(
    path: LowpPath,
    dst: &mut [f32],
    a: &[T],
    b: &[T],
    (m, n, d): (usize, usize, usize),
    alpha: f32,
) {
    assert!(
        a.len() >= m * d && b.len() >= n * d,
        "dot_tile: slice shorter than its shape"
    );
    if m == 0 || n == 0 || d == 0 {
        dst[..m * n].fill(0.0);
        return;
    }
    let (pa, pb) = (
        Packed::new_for(path, &a[..m * d], d, Par::Seq, Side::Queries),
        Packed::new_for(path, &b[..n * d], d, Par::Seq, Side::Corpus),
    );
    dot_tile_packed(path, dst, (&pa, 0..m), (&pb, 0..n), alpha);
}

/// `dst[jl·m + il] = alpha · a_{rows.start + il} · b_{cols.start + jl}` for the rows `arows` of
/// `a` (m of them) and `brows` of `b` (n): one key tile of the kNN, column-major, from matrices
/// packed once ([`Packed::new_for`] with the same path: `a` as queries, `b` as corpus). An
/// unsupported `path` runs the portable kernel.
///
/// # Cost
/// 2·m'·n·d flops on the bf16 units, m' = the rows of the panels covering `arows` (a multiple
/// of [`W`]; of 32 on AMX); no packing; no allocation except the AMX path's strip buffer
/// (`32·m'` f32).
/// # Panics
/// If `a` and `b` have different widths, a range exceeds its matrix, or `dst` is shorter than
/// m·n (caller bugs).
pub fn dot_tile_packed(
    path: LowpPath,
    dst: &mut [f32],
    (a, arows): (&Packed, Range<usize>),
    (b, brows): (&Packed, Range<usize>),
    alpha: f32,
) {
    let (m, n, pairs) = (arows.len(), brows.len(), a.pairs());
    assert!(
        b.pairs() == pairs && arows.end <= a.rows() && brows.end <= b.rows() && dst.len() >= m * n,
        "dot_tile_packed: shapes"
    );
    if path == LowpPath::AmxBf16 && path.supported() {
        amx::tile(amx::Op::Bf16, dst, (a.amx(), arows), (b.amx(), brows), |v, _| {
            alpha * f32::from_bits(v)
        });
        return;
    }
    let kernel = |aw: &[u32], bw: &[u32], acc: &mut [[f32; W]; NR]| match path {
        #[cfg(target_arch = "x86_64")]
        LowpPath::Avx512Bf16 if path.supported() => {
            // SAFETY: `path.supported()` checked avx512f and avx512bf16 at run time; the word
            // counts are those `tile_loop` guarantees.
            unsafe { avx512::tile(aw, bw, pairs, acc) };
        }
        _ => scalar_tile(aw, bw, pairs, acc),
    };
    tile_loop(dst, (a, arows), (b, brows), kernel, |v, _| alpha * v);
}

/// The loop shared by the bf16 and int8 tiles: for each group of up to `NR` rows `j` of `b`
/// (within one panel) and each panel of `a` covering `arows`, `kernel(aw, bw, acc)` fills a
/// register tile and `convert(value, j)` gives each valid entry's f32 tile value.
///
/// `aw` holds the `a` panel and everything after it, so at least `words·W` words (the padding
/// panel after the last); `bw` starts at word `r < W` of a panel of `b`, so it holds at least
/// `words·W − r + W ≥ (words − 1)·W + NR` words: what the register tiles read.
pub(crate) fn tile_loop<V: Copy + Default>(
    dst: &mut [f32],
    (a, arows): (&Packed, Range<usize>),
    (b, brows): (&Packed, Range<usize>),
    mut kernel: impl FnMut(&[u32], &[u32], &mut [[V; W]; NR]),
    convert: impl Fn(V, usize) -> f32,
) {
    let m = arows.len();
    let mut acc = [[V::default(); W]; NR];
    let mut j = brows.start;
    while j < brows.end {
        let (pj, r) = (j / W, j % W);
        let cols = NR.min(W - r).min(brows.end - j);
        let bw = &b.panels_from(pj)[r..];
        for pi in arows.start / W..arows.end.div_ceil(W) {
            kernel(a.panels_from(pi), bw, &mut acc);
            let (i0, i1) = ((pi * W).max(arows.start), ((pi + 1) * W).min(arows.end));
            for (jj, col) in acc.iter().enumerate().take(cols) {
                let out = &mut dst[(j - brows.start + jj) * m + (i0 - arows.start)..][..i1 - i0];
                for (o, &v) in out.iter_mut().zip(&col[i0 - pi * W..]) {
                    *o = convert(v, j + jj);
                }
            }
        }
        j += cols;
    }
}

/// bf16 bits → f32 (exact).
#[inline]
pub(crate) fn widen(bits: u16) -> f32 {
    f32::from_bits(u32::from(bits) << 16)
}

/// Portable register tile: per lane and column, for each pair the odd element's product is
/// added first, then the even one's (the order of `vdpbf16ps`); products are exact in f32.
fn scalar_tile(a: &[u32], b: &[u32], pairs: usize, acc: &mut [[f32; W]; NR]) {
    let split = |w: u32| (widen((w & 0xffff) as u16), widen((w >> 16) as u16));
    *acc = [[0.0; W]; NR];
    for (ap, bp) in a.chunks(W).zip(b.chunks(W)).take(pairs) {
        for (col, &bw) in acc.iter_mut().zip(&bp[..NR]) {
            let (b0, b1) = split(bw);
            for (o, &aw) in col.iter_mut().zip(&ap[..W]) {
                let (a0, a1) = split(aw);
                *o += a1 * b1;
                *o += a0 * b0;
            }
        }
    }
}
