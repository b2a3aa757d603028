//! Split-bf16 copies of f32 rows, so that the bf16 tile kernels ([`super::dot_tile_packed`])
//! can screen f32 data: each value `x = hi + lo + r` with `hi = bf16(x)`, `lo = bf16(x − hi)`
//! (round to nearest even, bf16 subnormals flushed to zero, see [`split_value`]), and a row of
//! width `d` becomes a bf16 row of width `3d`:
//!
//! - [`SplitSide::A`] (the tile's `A`, queries): `[hi | hi | lo]`,
//! - [`SplitSide::B`] (the tile's `B`, corpus): `[hi | lo | hi]`,
//!
//! so one bf16 dot product of length `3d` of an A row and a B row is
//! `Σ_t hi_x·hi_y + hi_x·lo_y + lo_x·hi_y`, which differs from `x·y` by
//! `Σ_t hi_x·r_y + r_x·hi_y + δ_x·δ_y` (`δ = x − hi = lo + r`). The bound on that and on the
//! f32 accumulation is proved in docs/exact-screening.md ("Split-bf16 screening of f32 data").
//!
//! Every value the kernels read is a normal bf16 value or zero, so the portable kernel and the
//! AVX512-BF16 one (which reads subnormal inputs as zero) see the same inputs.

use embgeo_core::Par;

use super::word_rows::{pair_words, Scratch, WordRows};
use super::{widen, LowpPath, Packed, Side};

/// Which side of a tile a split copy serves (the two sides interleave `hi` and `lo`
/// differently, see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitSide {
    /// Rows of the tile's `A` (queries): `[hi | hi | lo]`.
    A,
    /// Rows of the tile's `B` (corpus): `[hi | lo | hi]`.
    B,
}

/// f32 → bf16 bits, rounded to nearest even, with results below the normal range
/// (`|v| < 2⁻¹²⁶`, bf16 subnormals) flushed to +0. For finite `v` with `|v| < 2¹²⁷` the result
/// is finite. Not for NaN.
#[inline]
#[must_use]
pub fn bf16_rne_flush(v: f32) -> u16 {
    let b = v.to_bits();
    let r = ((b + 0x7fff + ((b >> 16) & 1)) >> 16) as u16;
    if r & 0x7f80 == 0 {
        0
    } else {
        r
    }
}

/// The split of one finite f32 value `x` with `|x| < 2¹²⁷`: `(hi, lo)` as bf16 bits, where
/// `hi = bf16_rne_flush(x)` and `lo = bf16_rne_flush(x − hi)` (`x − hi` is exact in f32).
///
/// Properties (proved in docs/exact-screening.md), with `τ = 2⁻¹²⁶`, `δ = x − hi`,
/// `r = δ − lo`: `|δ| ≤ 2⁻⁸|x| + τ`, `|r| ≤ 2⁻¹⁷|x| + τ`; `hi`, `lo` are normal or zero.
#[inline]
#[must_use]
pub fn split_value(x: f32) -> (u16, u16) {
    let hi = bf16_rne_flush(x);
    let lo = bf16_rne_flush(x - widen(hi));
    (hi, lo)
}

/// Split-bf16 rows of `src` (row-major, `d ≥ 1` values a row) for `side`: `rows × 3d` bf16 bits
/// (see the module docs). Cost O(rows·d); memory `rows·3d·2` bytes (1.5× the f32 input).
///
/// # Panics
/// If `d == 0` or `src.len()` is not a multiple of `d` (caller bugs).
#[must_use]
pub fn split_rows(src: &[f32], d: usize, side: SplitSide) -> Vec<u16> {
    assert!(d > 0 && src.len().is_multiple_of(d), "split_rows: bad shape");
    let mut out = vec![0u16; src.len() * 3];
    for (row, o) in src.chunks_exact(d).zip(out.chunks_exact_mut(3 * d)) {
        split_row(row, o, side);
    }
    out
}

/// One row split for `side`: `out` (`3d` values) = `[hi | hi | lo]` (A) or `[hi | lo | hi]` (B).
fn split_row(row: &[f32], out: &mut [u16], side: SplitSide) {
    let d = row.len();
    let (o0, rest) = out.split_at_mut(d);
    let (o1, o2) = rest.split_at_mut(d);
    for (t, &x) in row.iter().enumerate() {
        let (hi, lo) = split_value(x);
        o0[t] = hi;
        match side {
            SplitSide::A => (o1[t], o2[t]) = (hi, lo),
            SplitSide::B => (o1[t], o2[t]) = (lo, hi),
        }
    }
}

/// [`split_rows`] packed for the bf16 tiles of `path` ([`Packed::new_for`] of width `3d`, as
/// queries for [`SplitSide::A`] and corpus for [`SplitSide::B`], in parallel under
/// `Par::Rayon`): each row is split into a per-worker buffer and written straight into the
/// packed layout. Cost O(rows·d). Memory: the returned `Packed` (about `rows·3d·2` bytes, 1.5×
/// the f32 input) and one split row per worker.
///
/// # Panics
/// As [`split_rows`].
#[must_use]
pub fn pack_split(path: LowpPath, src: &[f32], d: usize, side: SplitSide, par: Par) -> Packed {
    assert!(d > 0 && src.len().is_multiple_of(d), "split_rows: bad shape");
    let role = match side {
        SplitSide::A => Side::Queries,
        SplitSide::B => Side::Corpus,
    };
    let amx = (path == LowpPath::AmxBf16 && path.supported()).then_some(role);
    Packed::build(&SplitRows { src, d, side }, par, amx)
}

/// The split rows of `src` ([`split_rows`]) as pair words, computed row by row.
struct SplitRows<'a> {
    src: &'a [f32],
    d: usize,
    side: SplitSide,
}

impl WordRows for SplitRows<'_> {
    fn rows(&self) -> usize {
        self.src.len() / self.d
    }

    fn words(&self) -> usize {
        (3 * self.d).div_ceil(2)
    }

    fn write(&self, r: usize, out: &mut [u32], scratch: &mut Scratch) {
        let d = self.d;
        let values = &mut scratch.values;
        values.resize(3 * d, 0);
        split_row(&self.src[r * d..(r + 1) * d], values, self.side);
        pair_words(values, out);
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equalities are what these tests check
mod tests {
    use super::*;
    use crate::lowp::{available_paths, dot_tile_packed};

    #[test]
    fn split_recovers_the_value_within_the_proved_bounds() {
        let tau = f64::from(f32::MIN_POSITIVE);
        let mut s = 0x1234_5678u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for i in 0..200_000 {
            // random bit patterns over the whole finite range below 2^127, and some subnormals
            let bits = (next() as u32) & if i % 3 == 0 { 0x807f_ffff } else { 0xffff_ffff };
            let x = f32::from_bits(bits);
            if !x.is_finite() || x.abs() >= 2f32.powi(127) {
                continue;
            }
            let (hi, lo) = split_value(x);
            let (h, l) = (f64::from(widen(hi)), f64::from(widen(lo)));
            let xf = f64::from(x);
            let delta = xf - h;
            // x − hi is exact in f32
            assert_eq!(f64::from(x - widen(hi)), delta, "{x:e}");
            assert!(delta.abs() <= xf.abs() / 256.0 + tau, "{x:e}");
            assert!((delta - l).abs() <= xf.abs() * 2f64.powi(-17) + tau, "{x:e}");
            for b in [hi, lo] {
                assert!(
                    b & 0x7f80 != 0 || b.trailing_zeros() >= 15,
                    "normal or zero: {x:e}"
                );
            }
        }
    }

    #[test]
    fn packing_on_the_fly_equals_packing_the_split_copy() {
        // `pack_split` writes each split row straight into the layout; it must hold exactly
        // what packing the full split copy (`split_rows`) gives, on every path and layout
        let mut x = 0.37f32;
        for d in [1, 2, 5, 16, 17, 33] {
            for rows in [1, 15, 16, 17, 47, 49, 100] {
                let src: Vec<f32> = (0..rows * d)
                    .map(|_| {
                        x = (x * 3.7 + 0.113).fract();
                        (x - 0.5) * 1e3f32.powf(x - 0.5)
                    })
                    .collect();
                for path in available_paths() {
                    for (side, role) in [(SplitSide::A, Side::Queries), (SplitSide::B, Side::Corpus)] {
                        for par in [Par::Seq, Par::Rayon] {
                            let fused = pack_split(path, &src, d, side, par);
                            let copy = Packed::new_for(path, &split_rows(&src, d, side), 3 * d, par, role);
                            let what = format!("{path:?} {side:?} {par:?} d = {d}, rows = {rows}");
                            assert_eq!(
                                (fused.rows(), fused.pairs()),
                                (copy.rows(), copy.pairs()),
                                "{what}"
                            );
                            let (f, c) = (fused.amx(), copy.amx());
                            assert_eq!(f.kp, c.kp, "{what}");
                            if f.kp == 0 {
                                assert_eq!(fused.panels_from(0), copy.panels_from(0), "{what}");
                            }
                            assert_eq!(&f.rows[..], &c.rows[..], "{what}");
                            assert_eq!(&f.groups[..], &c.groups[..], "{what}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn the_2_17_residual_is_attained() {
        // x = 1 + 254.5·2⁻¹⁶: hi = 1, δ = 254.5·2⁻¹⁶, lo = 254·2⁻¹⁶ (ties to even), r = 2⁻¹⁷
        let x = 1.0 + 254.5 * 2f32.powi(-16);
        let (hi, lo) = split_value(x);
        assert_eq!(widen(hi), 1.0);
        assert_eq!(widen(lo), 254.0 * 2f32.powi(-16));
        assert_eq!(x - widen(hi) - widen(lo), 2f32.powi(-17));
    }

    #[test]
    fn one_dot_of_length_3d_gives_the_three_split_products() {
        let d = 5;
        let a: Vec<f32> = (0..2 * d).map(|i| 1.0 + (i as f32) * 0.013_7 - 0.05).collect();
        let b: Vec<f32> = (0..3 * d).map(|i| -0.7 + (i as f32) * 0.091_3).collect();
        for path in available_paths() {
            let (pa, pb) = (
                pack_split(path, &a, d, SplitSide::A, Par::Seq),
                pack_split(path, &b, d, SplitSide::B, Par::Seq),
            );
            let mut t = vec![0f32; 2 * 3];
            dot_tile_packed(path, &mut t, (&pa, 0..2), (&pb, 0..3), 1.0);
            for i in 0..2 {
                for j in 0..3 {
                    let (x, y) = (&a[i * d..(i + 1) * d], &b[j * d..(j + 1) * d]);
                    let want: f64 = x
                        .iter()
                        .zip(y)
                        .map(|(&x, &y)| {
                            let ((hx, lx), (hy, ly)) = (split_value(x), split_value(y));
                            let f = |v| f64::from(widen(v));
                            f(hx) * f(hy) + f(hx) * f(ly) + f(lx) * f(hy)
                        })
                        .sum();
                    let exact: f64 = x.iter().zip(y).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
                    let got = f64::from(t[j * 2 + i]);
                    assert!((got - want).abs() <= 1e-6 * (1.0 + want.abs()), "{path:?}");
                    assert!((got - exact).abs() <= 1e-4, "{path:?}: {got} vs {exact}");
                }
            }
        }
    }
}
