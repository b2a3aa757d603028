//! Rows packed once for the bf16 register tile ([`Packed`]). A "pair word" is a `u32` holding
//! the bf16 bits of reduction steps `2p` (low half) and `2p + 1` (high half) of one row, as
//! `vdpbf16ps` reads them; an odd `d` is padded with a zero.
//!
//! Rows are grouped in panels of [`W`] rows stored pair-major (`panel[p·W + r]`): a tile's
//! `A` side loads one panel's pair `p` as three 16-lane vectors, its `B` side broadcasts
//! `NR` consecutive words of the same layout. One packed copy of a matrix serves both sides.

use embgeo_core::Par;
use rayon::prelude::*;

/// Rows per panel (the tile's lane count: three 16-lane vectors).
pub const W: usize = 48;

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

/// A matrix of bf16-exact values packed in panels of [`W`] rows (see the module docs), with one
/// zero panel after the last so that a tile may read a few words past its rows.
///
/// Memory: `(rows.div_ceil(W) + 1)·W·d.div_ceil(2)·4` bytes — about the size of the bf16 data.
#[derive(Debug, Clone)]
pub struct Packed {
    words: Vec<u32>,
    rows: usize,
    pairs: usize,
}

impl Packed {
    /// Pack `src` (row-major, `d` values per row; `d ≥ 1`). Cost O(rows·d), split over the
    /// rayon pool under `Par::Rayon`.
    ///
    /// # Panics
    /// If `d == 0` or `src.len()` is not a multiple of `d` (caller bugs; callers check shapes).
    #[must_use]
    pub fn new<T: Bf16Source>(src: &[T], d: usize, par: Par) -> Self {
        assert!(d > 0 && src.len().is_multiple_of(d), "Packed::new: bad shape");
        let rows = src.len() / d;
        let pairs = d.div_ceil(2);
        let panels = rows.div_ceil(W) + 1;
        let mut words = vec![0u32; panels * W * pairs];
        let fill = |(pi, panel): (usize, &mut [u32])| {
            for r in 0..W.min(rows.saturating_sub(pi * W)) {
                let row = &src[(pi * W + r) * d..(pi * W + r + 1) * d];
                let (even, rest) = row.as_chunks::<2>();
                for (p, two) in even.iter().enumerate() {
                    panel[p * W + r] = u32::from(two[0].bf16_bits()) | (u32::from(two[1].bf16_bits()) << 16);
                }
                if let Some(last) = rest.first() {
                    panel[even.len() * W + r] = u32::from(last.bf16_bits());
                }
            }
        };
        match par {
            Par::Seq => words.chunks_mut(W * pairs).enumerate().for_each(fill),
            Par::Rayon => words.par_chunks_mut(W * pairs).enumerate().for_each(fill),
        }
        Self { words, rows, pairs }
    }

    /// Number of rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.words.len() * 4
    }

    /// Pairs per row (`d.div_ceil(2)`).
    pub(crate) fn pairs(&self) -> usize {
        self.pairs
    }

    /// Panel `pi` and everything after it (the words a tile starting there may read).
    pub(crate) fn panels_from(&self, pi: usize) -> &[u32] {
        &self.words[pi * W * self.pairs..]
    }
}
