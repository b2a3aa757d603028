//! f32 rows rounded to bf16 for one-pass screening on the bf16 units: each value `x` becomes
//! `h = bf16_rne_flush(x)` (round to nearest even, bf16 subnormals flushed to zero, see
//! [`super::bf16_rne_flush`]), so a bf16 dot product of length `d` of two rounded rows is
//! `Σ_t h_x·h_y`, which differs from `x·y` by `Σ_t h_x·δ_y + δ_x·y_t` (`δ = x − h`,
//! `|δ| ≤ 2⁻⁸|x| + 2⁻¹²⁶`). The bound on that and on the f32 accumulation is proved in
//! docs/exact-screening.md ("One-pass bf16 screening of f32 queries"). A third of the work of the
//! split copies (`super::split`), with a bound about 250 times wider: for few queries against
//! a large corpus, where every corpus row is read once and the wider bound costs few candidates.
//!
//! [`pack_rounded`] packs a matrix once (the queries); [`repack_rounded`] packs one block of
//! corpus rows into a buffer the caller keeps, so a search converts the corpus block by block
//! while it streams through it, never holding a converted copy of the whole corpus.

use embgeo_core::Par;

use super::word_rows::{Scratch, WordRows};
use super::{bf16_rne_flush, LowpPath, Packed, Side};

/// f32 rows (row-major, `d ≥ 1` values a row) rounded to bf16 and packed for the bf16 tiles of
/// `path` and `side` ([`Packed::new_for`] layouts), in parallel under `Par::Rayon`. Cost
/// O(rows·d); memory: the returned `Packed` (about `rows·d·2` bytes, half the f32 input).
///
/// # Panics
/// If `d == 0` or `src.len()` is not a multiple of `d` (caller bugs).
#[must_use]
pub fn pack_rounded(path: LowpPath, src: &[f32], d: usize, side: Side, par: Par) -> Packed {
    let rows = RoundedRows::new(src, d);
    let amx = (path == LowpPath::AmxBf16 && path.supported()).then_some(side);
    Packed::build(&rows, par, amx)
}

/// [`pack_rounded`] of `src` as the corpus side (`b` of [`super::dot_tile_packed`]), on the
/// calling thread, into `into`: on the AMX tiles reusing its buffer (grown to the largest block
/// it has held, never shrunk), elsewhere replacing it. Cost O(rows·d); no allocation once the
/// buffer is as large as the block.
///
/// # Panics
/// As [`pack_rounded`].
pub fn repack_rounded(path: LowpPath, src: &[f32], d: usize, into: &mut Packed) {
    let rows = RoundedRows::new(src, d);
    if path == LowpPath::AmxBf16 && path.supported() {
        into.rebuild_amx_rows(&rows);
    } else {
        *into = Packed::build(&rows, Par::Seq, None);
    }
}

/// The rows of `src` rounded to bf16, as pair words, computed row by row.
struct RoundedRows<'a> {
    src: &'a [f32],
    d: usize,
    /// Run the AVX-512 build of [`round_pairs`] (the CPU has AVX-512F and AVX-512BW; always
    /// `false`, and unread, off x86-64).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    wide: bool,
}

impl<'a> RoundedRows<'a> {
    fn new(src: &'a [f32], d: usize) -> Self {
        assert!(d > 0 && src.len().is_multiple_of(d), "rounded rows: bad shape");
        Self { src, d, wide: wide() }
    }
}

crate::cpu::x86_probe!(fn wide = "avx512f" && "avx512bw");

impl WordRows for RoundedRows<'_> {
    fn rows(&self) -> usize {
        self.src.len() / self.d
    }

    fn words(&self) -> usize {
        self.d.div_ceil(2)
    }

    fn write(&self, r: usize, out: &mut [u32], _: &mut Scratch) {
        let row = &self.src[r * self.d..(r + 1) * self.d];
        #[cfg(target_arch = "x86_64")]
        if self.wide {
            // SAFETY: `wide` is true only when the CPU reported AVX-512F and AVX-512BW.
            unsafe { round_pairs_avx512(row, out) };
            return;
        }
        round_pairs(row, out);
    }
}

/// `out[p] = h(src[2p]) | h(src[2p + 1]) << 16` with `h` = [`bf16_rne_flush`] (a short last
/// pair padded with zero); `out` holds `src.len().div_ceil(2)` words. Branch-free, so the
/// compiler vectorises it (see [`round_pairs_avx512`]).
#[allow(clippy::inline_always)] // inlined into the AVX-512 build, so that it vectorises there
#[inline(always)]
fn round_pairs(src: &[f32], out: &mut [u32]) {
    let (pairs, rest) = src.as_chunks::<2>();
    for (o, &[a, b]) in out.iter_mut().zip(pairs) {
        *o = u32::from(bf16_rne_flush(a)) | (u32::from(bf16_rne_flush(b)) << 16);
    }
    if let [last] = rest {
        out[pairs.len()] = u32::from(bf16_rne_flush(*last));
    }
}

/// [`round_pairs`] compiled for AVX-512 (the same words, 16 pairs a step).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw")]
fn round_pairs_avx512(src: &[f32], out: &mut [u32]) {
    round_pairs(src, out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lowp::{available_paths, dot_tile_packed, widen};

    /// Values over the whole finite range below 2¹²⁷, with zeros, subnormals and ties.
    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed | 1;
        (0..n)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                match i % 9 {
                    0 => 0.0,
                    1 => f32::from_bits(s & 0x807f_ffff),
                    2 => 1.0 + 2f32.powi(-8),
                    3 => -(1.0 + 3.0 * 2f32.powi(-8)),
                    _ => f32::from_bits((s & 0x8fff_ffff) | 0x3000_0000),
                }
            })
            .collect()
    }

    #[test]
    fn both_builds_round_every_value_as_bf16_rne_flush() {
        for d in [1, 2, 3, 31, 32, 33, 128, 385] {
            let src = values(d, 0x9e37_79b9 ^ d as u32);
            let want: Vec<u32> = src
                .chunks(2)
                .map(|p| {
                    let h = |i: usize| p.get(i).map_or(0, |&v| u32::from(bf16_rne_flush(v)));
                    h(0) | (h(1) << 16)
                })
                .collect();
            let mut got = vec![u32::MAX; d.div_ceil(2)];
            round_pairs(&src, &mut got);
            assert_eq!(got, want, "portable, d = {d}");
            #[cfg(target_arch = "x86_64")]
            if wide() {
                got.fill(u32::MAX);
                // SAFETY: `wide()` reported AVX-512F and AVX-512BW.
                unsafe { round_pairs_avx512(&src, &mut got) };
                assert_eq!(got, want, "avx512, d = {d}");
            }
        }
    }

    #[test]
    fn a_reused_block_packs_what_a_fresh_packing_does() {
        // one buffer refilled with blocks of different sizes (larger, then smaller: stale words
        // must not leak into the tiles) gives the tiles of a fresh packing, on every path
        for d in [1, 5, 64, 128, 200] {
            let queries = values(7 * d, 11);
            let corpus = values(300 * d, 23);
            for path in available_paths() {
                let pa = pack_rounded(path, &queries, d, Side::Queries, Par::Seq);
                let mut block = Packed::default();
                for (c0, c1) in [(0, 300), (10, 47), (100, 101), (0, 33), (200, 300)] {
                    let src = &corpus[c0 * d..c1 * d];
                    repack_rounded(path, src, d, &mut block);
                    let fresh = pack_rounded(path, src, d, Side::Corpus, Par::Rayon);
                    let n = c1 - c0;
                    let (mut t1, mut t2) = (vec![f32::NAN; 7 * n], vec![f32::NAN; 7 * n]);
                    dot_tile_packed(path, &mut t1, (&pa, 0..7), (&block, 0..n), -2.0);
                    dot_tile_packed(path, &mut t2, (&pa, 0..7), (&fresh, 0..n), -2.0);
                    let what = format!("{path:?} d = {d} rows {c0}..{c1}");
                    assert_eq!(
                        t1.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        t2.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        "{what}"
                    );
                    // and the products are of the rounded values
                    for (j, col) in t1.chunks_exact(7).enumerate() {
                        for (i, &v) in col.iter().enumerate() {
                            let (x, y) = (&queries[i * d..(i + 1) * d], &src[j * d..(j + 1) * d]);
                            let (s, abs) = x.iter().zip(y).fold((0.0f64, 0.0f64), |(s, a), (&x, &y)| {
                                let h = |v: f32| f64::from(widen(bf16_rne_flush(v)));
                                let p = h(x) * h(y);
                                (s + p, a + p.abs())
                            });
                            let g = 2.0 * d as f64 * 2f64.powi(-24);
                            let tiny = 4.0 * d as f64 * 2f64.powi(-126);
                            let err = (f64::from(v) + 2.0 * s).abs();
                            assert!(
                                err <= 2.0 * (g * abs + tiny) + 1e-300,
                                "{what}: {v} vs {}",
                                -2.0 * s
                            );
                        }
                    }
                }
            }
        }
    }
}
