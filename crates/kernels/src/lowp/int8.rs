//! int8 dot-product tiles on AVX512-VNNI (`vpdpbusd`): exact integer arithmetic.
//!
//! `vpdpbusd` multiplies unsigned bytes by signed bytes, four per 32-bit lane, and adds the four
//! products to the lane's i32. The `A` side is made unsigned in register (`a + 128`, an XOR of
//! the sign bit) and the `B` side's row sums correct the result:
//! `Σ_t (a_t + 128)·b_t − 128·Σ_t b_t = a·b`. Every partial sum is an integer of magnitude at
//! most `255·128·d`, exact in i32 for `d ≤` [`MAX_D`], so the tile entry is the exact integer
//! `a·b`; it is converted to f32 once (exact below 2²⁴, else one rounding, `≤ u·|a·b|`) and
//! scaled by `alpha`. Twice the products per instruction of `vdpbf16ps`, four times f32 FMA.

use std::ops::Range;

use super::pack::{Packed, W};
use super::{tile_loop, NR};

/// Largest width whose sums cannot overflow i32 (`255·128·d < 2³¹`).
pub const MAX_D: usize = 65_793;

/// An int8 tile kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Int8Path {
    /// Portable Rust: the same integer arithmetic.
    Scalar,
    /// x86-64 AVX512-VNNI `vpdpbusd`, 48 × 8 register block.
    Avx512Vnni,
    /// x86-64 AMX-INT8 `tdpbssd`, 32 × 32 block of four 16 × 16 tiles (matrices packed with
    /// [`Packed::new_i8_for`]).
    AmxInt8,
}

impl Int8Path {
    /// `"scalar-i8"`, `"avx512vnni"` or `"amx-int8"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Int8Path::Scalar => "scalar-i8",
            Int8Path::Avx512Vnni => "avx512vnni",
            Int8Path::AmxInt8 => "amx-int8",
        }
    }

    /// `true` if this CPU can run the path.
    #[must_use]
    pub fn supported(self) -> bool {
        match self {
            Int8Path::Scalar => true,
            Int8Path::Avx512Vnni => vnni(),
            Int8Path::AmxInt8 => super::amx::Op::Int8.available(),
        }
    }

    /// `true` for a path that runs on the CPU's int8 units.
    #[must_use]
    pub fn is_native(self) -> bool {
        self != Int8Path::Scalar
    }

    /// The best path this CPU has (AMX, then VNNI), the VNNI one when
    /// `EMBGEO_LOWP_KERNEL=avx512bf16` asks for the AVX-512 tiles, or the portable one when
    /// `EMBGEO_LOWP_KERNEL=scalar`.
    #[must_use]
    pub fn best() -> Self {
        let avx512_only = super::setting().map(str::trim) == Some("avx512bf16");
        if super::forced_scalar() {
            Int8Path::Scalar
        } else if !avx512_only && Int8Path::AmxInt8.supported() {
            Int8Path::AmxInt8
        } else if vnni() {
            Int8Path::Avx512Vnni
        } else {
            Int8Path::Scalar
        }
    }

    /// Every int8 path this CPU can run (scalar first).
    #[must_use]
    pub fn available() -> Vec<Self> {
        let all = [Int8Path::Scalar, Int8Path::Avx512Vnni, Int8Path::AmxInt8];
        crate::cpu::runnable(all, Int8Path::supported)
    }
}

crate::cpu::x86_probe!(fn vnni = "avx512f" && "avx512vnni");

/// `dst[jl·m + il] = alpha · a_{arows.start + il} · b_{brows.start + jl}` for int8 matrices
/// packed by [`Packed::new_i8`] (see the module docs: the dot products are exact integers).
///
/// # Cost
/// 2·m'·n·d integer operations (m' = rows of the `A` panels covering `arows`); no allocation.
/// # Panics
/// If the widths differ, `a`/`b` were not packed as int8, a range exceeds its matrix, the width
/// exceeds [`MAX_D`], or `dst` is shorter than m·n (caller bugs).
pub fn dot_tile_i8_packed(
    path: Int8Path,
    dst: &mut [f32],
    (a, arows): (&Packed, Range<usize>),
    (b, brows): (&Packed, Range<usize>),
    alpha: f32,
) {
    let (m, n, quads) = (arows.len(), brows.len(), a.pairs());
    if path == Int8Path::AmxInt8 && path.supported() {
        assert!(
            b.pairs() == quads && quads * 4 <= MAX_D + 3,
            "dot_tile_i8_packed: shapes"
        );
        super::amx::tile(
            super::amx::Op::Int8,
            dst,
            (a.amx(), arows),
            (b.amx(), brows),
            |v, _| alpha * v.cast_signed() as f32,
        );
        return;
    }
    assert!(
        b.pairs() == quads
            && quads * 4 <= MAX_D + 3
            && a.sums().len() == a.rows()
            && b.sums().len() == b.rows()
            && arows.end <= a.rows()
            && brows.end <= b.rows()
            && dst.len() >= m * n,
        "dot_tile_i8_packed: shapes"
    );
    let kernel = |aw: &[u32], bw: &[u32], acc: &mut [[i32; W]; NR]| match path {
        #[cfg(target_arch = "x86_64")]
        Int8Path::Avx512Vnni if path.supported() => {
            // SAFETY: `path.supported()` checked avx512f and avx512vnni at run time; the word
            // counts are those `tile_loop` guarantees.
            unsafe { vnni::tile(aw, bw, quads, acc) };
        }
        _ => scalar_tile(aw, bw, quads, acc),
    };
    let sums = b.sums();
    tile_loop(dst, (a, arows), (b, brows), kernel, |v, j| {
        alpha * (v - 128 * sums[j]) as f32
    });
}

/// Portable register tile: `acc[c][r] = Σ_p Σ_l (a_byte + 128)·b_byte` (wrapping like
/// `vpdpbusd`; no wrap occurs within [`MAX_D`]).
fn scalar_tile(a: &[u32], b: &[u32], quads: usize, acc: &mut [[i32; W]; NR]) {
    *acc = [[0; W]; NR];
    for (ap, bp) in a.chunks(W).zip(b.chunks(W)).take(quads) {
        for (col, &bw) in acc.iter_mut().zip(&bp[..NR]) {
            let bb = bw.to_le_bytes().map(|x| i32::from(x.cast_signed()));
            for (o, &aw) in col.iter_mut().zip(&ap[..W]) {
                let aa = aw.to_le_bytes().map(|x| i32::from(x ^ 0x80));
                let s = aa[0] * bb[0] + aa[1] * bb[1] + aa[2] * bb[2] + aa[3] * bb[3];
                *o = o.wrapping_add(s);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use super::super::{NR, W};
    use std::arch::x86_64::{
        __m512i, _mm512_dpbusd_epi32, _mm512_loadu_si512, _mm512_set1_epi32, _mm512_setzero_si512,
        _mm512_storeu_si512, _mm512_xor_si512,
    };

    /// The VNNI register tile: 48 lanes (three zmm, made unsigned by XOR 0x80) × 8 broadcast
    /// columns = 24 i32 accumulators.
    ///
    /// # Safety
    /// The CPU must support avx512f and avx512vnni; word counts as `avx512::tile`.
    #[target_feature(enable = "avx512f,avx512vnni")]
    pub(super) unsafe fn tile(a: &[u32], b: &[u32], quads: usize, acc: &mut [[i32; W]; NR]) {
        let z = _mm512_setzero_si512();
        let flip = _mm512_set1_epi32(0x8080_8080_u32.cast_signed());
        let mut c: [[__m512i; 3]; NR] = [[z; 3]; NR];
        for (ap, bp) in a.chunks(W).zip(b.chunks(W)).take(quads) {
            let (ap, bp) = (&ap[..W], &bp[..NR]);
            // SAFETY: `ap` has W = 48 words: the three unaligned loads read words 0..48.
            let a3: [__m512i; 3] = unsafe {
                [
                    _mm512_xor_si512(_mm512_loadu_si512(ap.as_ptr().cast()), flip),
                    _mm512_xor_si512(_mm512_loadu_si512(ap.as_ptr().add(16).cast()), flip),
                    _mm512_xor_si512(_mm512_loadu_si512(ap.as_ptr().add(32).cast()), flip),
                ]
            };
            for (cc, &w) in c.iter_mut().zip(bp) {
                let bw = _mm512_set1_epi32(w.cast_signed());
                cc[0] = _mm512_dpbusd_epi32(cc[0], a3[0], bw);
                cc[1] = _mm512_dpbusd_epi32(cc[1], a3[1], bw);
                cc[2] = _mm512_dpbusd_epi32(cc[2], a3[2], bw);
            }
        }
        for (cc, out) in c.iter().zip(acc.iter_mut()) {
            // SAFETY: `out` is a `[i32; 48]`: the stores write elements 0..16, 16..32, 32..48.
            unsafe {
                _mm512_storeu_si512(out.as_mut_ptr().cast(), cc[0]);
                _mm512_storeu_si512(out.as_mut_ptr().add(16).cast(), cc[1]);
                _mm512_storeu_si512(out.as_mut_ptr().add(32).cast(), cc[2]);
            }
        }
    }
}
