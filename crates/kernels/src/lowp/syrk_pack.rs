//! The operands of one chunk of the split-bf16 SYRK ([`super::syrk`]): every value split into
//! `hi`/`lo` bf16 ([`super::split_value`]), two rows to a word, laid out for the AMX tiles.
//!
//! For a chunk of `r ≤ 2·kw` rows of `d` values (`kw` a multiple of 16, `kp = 3·kw` words per
//! operand row; rows past `r` read as zero):
//! - `b.groups` (the `B` operand): word `p` of column `16g + n` at `(g·kp + p)·16 + n`, where
//!   segment `p / kw` is `[hi | lo | hi]` of the row pair `(2p', 2p' + 1)`, `p' = p mod kw`
//!   (bf16 of row `2p'` in the low half of the word);
//! - `a.rows` (the `A` operand): row `i` (column `i` of the chunk) holds the same words in the
//!   segment order `[hi | hi | lo]`, at `rows[i·kp + p]`;
//! - `lo2[i]` has added to it the chunk's `Σ_t lo_ti²` for column `i` (each square exact in f32,
//!   summed in f32 in row order over the chunk, the sum added in f64): the one product of the
//!   split the tiles leave out, for the diagonal.
//!
//! [`pack`] runs on AVX-512F where the CPU has it (every AMX CPU does): per 16 row pairs and 16
//! columns, 32 masked loads, the splits in integer arithmetic, three aligned 64-byte stores per
//! word vector into `b.groups`, and a 16 × 16 word transpose in registers for `a.rows`.
//! [`pack_portable`] is the reference it is tested against (same words, same `lo2` bits).
//!
//! # Cost
//! O(r·d) per chunk: per value two bf16 roundings and one square, per word one 64-byte row of
//! three layouts.

use super::amx::Layout;
use super::{split_value, widen};

/// The operands a chunk is packed into: the two tile layouts and the diagonal's `Σ lo²`.
pub(super) struct Operands<'a> {
    pub a: &'a mut Layout,
    pub b: &'a mut Layout,
    /// `d` sums, added to.
    pub lo2: &'a mut [f64],
}

/// Fill `a.rows` and `b.groups` for one chunk and add its `Σ lo²` to `lo2` (see the module
/// docs). `kw` must be a multiple of 16, the layouts sized for `d` operand rows of `3·kw` words
/// ([`super::syrk`]'s `Scratch`) and `lo2` hold `d` values.
pub(super) fn pack(o: Operands<'_>, chunk: &[f32], d: usize, kw: usize) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512f") {
        // SAFETY: AVX-512F was detected at run time; the function checks every length it relies
        // on before its unchecked accesses.
        unsafe { avx512::pack(o, chunk, d, kw) };
        return;
    }
    pack_portable(o, chunk, d, kw);
}

/// The portable [`pack`]: the same words and sums, one value at a time.
pub(super) fn pack_portable(o: Operands<'_>, chunk: &[f32], d: usize, kw: usize) {
    let Operands { a, b, lo2 } = o;
    let kp = 3 * kw;
    let r = chunk.len() / d;
    let groups = &mut b.groups[..];
    let mut hi = vec![0u32; d];
    let mut lo = vec![0u32; d];
    let mut sq = vec![0f32; d];
    for p in 0..kw {
        let row = |t: usize| (t < r).then(|| &chunk[t * d..(t + 1) * d]);
        let (r0, r1) = (row(2 * p), row(2 * p + 1));
        for col in 0..d {
            let (h0, l0) = r0.map_or((0, 0), |x| split_value(x[col]));
            let (h1, l1) = r1.map_or((0, 0), |x| split_value(x[col]));
            hi[col] = u32::from(h0) | (u32::from(h1) << 16);
            lo[col] = u32::from(l0) | (u32::from(l1) << 16);
            let (f0, f1) = (widen(l0), widen(l1));
            sq[col] += f0 * f0 + f1 * f1;
        }
        for (g, (h, l)) in hi.chunks(16).zip(lo.chunks(16)).enumerate() {
            for (seg, src) in [h, l, h].into_iter().enumerate() {
                let at = (g * kp + seg * kw + p) * 16;
                groups[at..at + src.len()].copy_from_slice(src);
            }
        }
    }
    for (s, &q) in lo2[..d].iter_mut().zip(&sq) {
        *s += f64::from(q);
    }
    let rows = &mut a.rows[..];
    for col in 0..d {
        let (g, n) = (col / 16, col % 16);
        let out = &mut rows[col * kp..(col + 1) * kp];
        for (seg, bseg) in [0, 0, 1].into_iter().enumerate() {
            let from = (g * kp + bseg * kw) * 16 + n;
            for (p, o) in out[seg * kw..(seg + 1) * kw].iter_mut().enumerate() {
                *o = groups[from + 16 * p];
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512i, _mm512_add_epi32, _mm512_add_ps, _mm512_and_si512, _mm512_castps_si512, _mm512_castsi512_ps,
        _mm512_maskz_loadu_ps, _mm512_maskz_mov_epi32, _mm512_mul_ps, _mm512_or_si512, _mm512_set1_epi32,
        _mm512_setzero_ps, _mm512_setzero_si512, _mm512_slli_epi32, _mm512_srli_epi32, _mm512_store_si512,
        _mm512_storeu_ps, _mm512_sub_ps, _mm512_test_epi32_mask,
    };

    use super::Operands;
    use crate::transpose::regs16;

    /// bf16 bits (in the low half of each lane) of 16 f32 values, rounded to nearest even, the
    /// subnormal results flushed to zero: `split::bf16_rne_flush` lane by lane.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn rne_flush(x: __m512i) -> __m512i {
        let lsb = _mm512_and_si512(_mm512_srli_epi32::<16>(x), _mm512_set1_epi32(1));
        let r = _mm512_srli_epi32::<16>(_mm512_add_epi32(
            _mm512_add_epi32(x, _mm512_set1_epi32(0x7fff)),
            lsb,
        ));
        // keep lanes whose exponent bits are not all zero
        let normal = _mm512_test_epi32_mask(r, _mm512_set1_epi32(0x7f80));
        _mm512_maskz_mov_epi32(normal, r)
    }

    /// `(hi, lo)` bf16 bits of 16 values (low halves of the lanes): `split::split_value`.
    #[inline]
    #[target_feature(enable = "avx512f")]
    fn split(x: __m512i) -> (__m512i, __m512i) {
        let hi = rne_flush(x);
        let rest = _mm512_sub_ps(
            _mm512_castsi512_ps(x),
            _mm512_castsi512_ps(_mm512_slli_epi32::<16>(hi)),
        );
        (hi, rne_flush(_mm512_castps_si512(rest)))
    }

    /// [`super::pack`] on AVX-512F.
    ///
    /// # Safety
    /// The CPU must support AVX-512F. Lengths are checked here: `kw % 16 == 0`,
    /// `chunk.len() ≤ 2·kw·d`, `b.groups` holds `d.div_ceil(16)·16·3kw` words and `a.rows`
    /// `d.div_ceil(16)·16·3kw`; both start on a 64-byte line (`Lines`), so every store below
    /// (at a word offset that is a multiple of 16) is an aligned, in-bounds 64-byte store.
    #[target_feature(enable = "avx512f")]
    pub(super) unsafe fn pack(o: Operands<'_>, chunk: &[f32], d: usize, kw: usize) {
        let Operands { a, b, lo2 } = o;
        let kp = 3 * kw;
        let d16 = d.next_multiple_of(16);
        let r = chunk.len() / d;
        assert!(
            kw.is_multiple_of(16)
                && r <= 2 * kw
                && lo2.len() >= d
                && b.groups.len() >= d16 * kp
                && a.rows.len() >= d16 * kp
                && (b.groups.as_ptr() as usize).is_multiple_of(64)
                && (a.rows.as_ptr() as usize).is_multiple_of(64),
            "split syrk pack: shapes"
        );
        let (groups, rows) = (b.groups.as_mut_ptr(), a.rows.as_mut_ptr());
        let z = _mm512_setzero_si512();
        for g in 0..d16 / 16 {
            let width = (d - 16 * g).min(16);
            let mask = if width == 16 {
                u16::MAX
            } else {
                (1u16 << width) - 1
            };
            let mut sq = _mm512_setzero_ps();
            for p0 in (0..kw).step_by(16) {
                let (mut his, mut los) = ([z; 16], [z; 16]);
                for k in 0..16 {
                    let p = p0 + k;
                    let load = |t: usize| {
                        if t < r {
                            // SAFETY: row `t < r` of the chunk, columns `16g..16g + width`
                            // (`width` lanes enabled by `mask`): inside `chunk`.
                            unsafe {
                                _mm512_castps_si512(_mm512_maskz_loadu_ps(
                                    mask,
                                    chunk.as_ptr().add(t * d + 16 * g),
                                ))
                            }
                        } else {
                            z
                        }
                    };
                    let ((h0, l0), (h1, l1)) = (split(load(2 * p)), split(load(2 * p + 1)));
                    let hi = _mm512_or_si512(h0, _mm512_slli_epi32::<16>(h1));
                    let lo = _mm512_or_si512(l0, _mm512_slli_epi32::<16>(l1));
                    // Σ lo² in the portable order: (lo₀² + lo₁²) added per row pair
                    let (f0, f1) = (
                        _mm512_castsi512_ps(_mm512_slli_epi32::<16>(l0)),
                        _mm512_castsi512_ps(_mm512_slli_epi32::<16>(l1)),
                    );
                    sq = _mm512_add_ps(sq, _mm512_add_ps(_mm512_mul_ps(f0, f0), _mm512_mul_ps(f1, f1)));
                    for (seg, v) in [hi, lo, hi].into_iter().enumerate() {
                        // SAFETY: word `(g·kp + seg·kw + p)·16 < (g + 1)·kp·16 ≤ d16·kp`, a
                        // multiple of 16 from a 64-byte-aligned base (asserted above).
                        unsafe { _mm512_store_si512(groups.add((g * kp + seg * kw + p) * 16).cast(), v) };
                    }
                    (his[k], los[k]) = (hi, lo);
                }
                let (th, tl) = (regs16(&his), regs16(&los));
                for n in 0..16 {
                    let row = (16 * g + n) * kp + p0;
                    for (seg, v) in [th[n], th[n], tl[n]].into_iter().enumerate() {
                        // SAFETY: word `row + seg·kw < (16g + n + 1)·kp ≤ d16·kp`, a multiple of
                        // 16 (kp, kw and p0 are) from a 64-byte-aligned base.
                        unsafe { _mm512_store_si512(rows.add(row + seg * kw).cast(), v) };
                    }
                }
            }
            let mut lanes = [0f32; 16];
            // SAFETY: `lanes` is 16 f32 = 64 bytes (an unaligned store).
            unsafe { _mm512_storeu_ps(lanes.as_mut_ptr(), sq) };
            for (s, &q) in lo2[16 * g..16 * g + width].iter_mut().zip(&lanes) {
                *s += f64::from(q);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::Lines;

    fn ops<'a>(a: &'a mut Layout, b: &'a mut Layout, lo2: &'a mut [f64]) -> Operands<'a> {
        Operands { a, b, lo2 }
    }

    fn layouts(d: usize, kw: usize) -> (Layout, Layout) {
        let (d16, kp) = (d.next_multiple_of(16), 3 * kw);
        let a = Layout {
            rows: Lines::zeroed((d16 + 32) * kp),
            groups: Lines::default(),
            kp,
        };
        let b = Layout {
            rows: Lines::default(),
            groups: Lines::zeroed((d16 / 16 + 2) * 16 * kp),
            kp,
        };
        (a, b)
    }

    #[test]
    fn the_simd_pack_writes_the_portable_words() {
        // values across the range: normal, tiny (flushed splits), ties, negatives, zeros
        let mut s = 0x9e37_79b9u32;
        for (rows, d, kw) in [(32, 16, 16), (17, 5, 16), (64, 33, 32), (90, 70, 48), (1, 1, 16)] {
            let chunk: Vec<f32> = (0..rows * d)
                .map(|i| {
                    s ^= s << 13;
                    s ^= s >> 17;
                    s ^= s << 5;
                    match i % 7 {
                        0 => 0.0,
                        1 => f32::from_bits(s & 0x807f_ffff), // subnormal
                        2 => 1.0 + 254.5 * 2f32.powi(-16),    // a tie in the lo rounding
                        _ => f32::from_bits((s & 0x8fff_ffff) | 0x3000_0000),
                    }
                })
                .collect();
            let (mut a1, mut b1) = layouts(d, kw);
            let (mut a2, mut b2) = layouts(d, kw);
            let (mut lo2_1, mut lo2_2) = (vec![0f64; d], vec![0f64; d]);
            pack_portable(ops(&mut a1, &mut b1, &mut lo2_1), &chunk, d, kw);
            pack(ops(&mut a2, &mut b2, &mut lo2_2), &chunk, d, kw);
            assert_eq!(&a1.rows[..], &a2.rows[..], "rows layout ({rows}, {d}, {kw})");
            assert_eq!(
                &b1.groups[..],
                &b2.groups[..],
                "groups layout ({rows}, {d}, {kw})"
            );
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&lo2_1), bits(&lo2_2), "lo² sums ({rows}, {d}, {kw})");
            // the sums are added to what `lo2` holds
            let mut ones = vec![1f64; d];
            pack(ops(&mut a2, &mut b2, &mut ones), &chunk, d, kw);
            let plus: Vec<f64> = lo2_1.iter().map(|v| 1.0 + v).collect();
            assert_eq!(bits(&ones), bits(&plus), "added ({rows}, {d}, {kw})");
            // and they are the squares of the lo halves the words hold
            for col in 0..d {
                let want: f64 = (0..rows)
                    .map(|t| {
                        let lo = f64::from(widen(split_value(chunk[t * d + col]).1));
                        lo * lo
                    })
                    .sum();
                let got = lo2_1[col];
                assert!(
                    (got - want).abs() <= 1e-6 * want + 1e-300,
                    "{col}: {got} vs {want}"
                );
            }
        }
    }
}
