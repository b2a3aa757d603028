//! Packing bf16 rows into the register tile's layouts. A "pair word" is a `u32` holding the bf16
//! bits of reduction steps `2p` (low half) and `2p + 1` (high half) of one row, as `vdpbf16ps`
//! reads them; an odd `d` is padded with a zero.
//!
//! A panel holds `width` rows × all pairs, pair-major (`panel[p·width + r]`): `MR`-row panels
//! of `A` (one vector load per pair), `NR`-row panels of `B` (one broadcast per pair and row).
//!
//! Rows past the matrix are zero. Cost O(rows·d); the output vector is reused.

/// An element type whose values are bf16 values exactly: raw bf16 bits (`u16`) or `i8`.
pub trait Bf16Source: Copy + Send + Sync {
    /// The value's bf16 bits.
    fn bf16_bits(self) -> u16;
    /// The value in f32 (exact).
    fn to_f32(self) -> f32;
}

impl Bf16Source for u16 {
    #[inline]
    fn bf16_bits(self) -> u16 {
        self
    }
    #[inline]
    fn to_f32(self) -> f32 {
        super::widen(self)
    }
}

impl Bf16Source for i8 {
    /// `i8` values have at most 8 significant bits, which bf16 holds exactly.
    #[inline]
    fn bf16_bits(self) -> u16 {
        // The f32 value is exact and its low 16 bits are zero (at most 8 significant bits).
        (f32::from(self).to_bits() >> 16) as u16
    }
    #[inline]
    fn to_f32(self) -> f32 {
        f32::from(self)
    }
}

#[inline]
fn word<T: Bf16Source>(row: &[T], p: usize) -> u32 {
    let lo = u32::from(row[2 * p].bf16_bits());
    let hi = row.get(2 * p + 1).map_or(0, |v| u32::from(v.bf16_bits()));
    lo | (hi << 16)
}

/// Pack `rows` rows of `src` (row-major, `d` wide) into panels of `width` rows.
pub(crate) fn pack_lanes<T: Bf16Source>(out: &mut Vec<u32>, src: &[T], rows: usize, d: usize, width: usize) {
    let pairs = d.div_ceil(2);
    let panels = rows.div_ceil(width);
    out.clear();
    out.resize(panels * width * pairs, 0);
    for (pi, panel) in out.chunks_exact_mut(width * pairs).enumerate() {
        for r in 0..width.min(rows - pi * width) {
            let row = &src[(pi * width + r) * d..(pi * width + r + 1) * d];
            for p in 0..pairs {
                panel[p * width + r] = word(row, p);
            }
        }
    }
}
