//! The portable 6 × 16 micro-kernel: `acc = Σ_t a_t ⊗ b_t` over packed panels (see
//! [`crate::pack`]); the AVX2+FMA kernel of the same shape is in [`crate::avx2`], the AVX-512
//! one in [`crate::avx512`].
//!
//! Cost 2·MR·NR·kc flops per call; no memory beyond the 96-value tile.

/// Rows of a register tile.
pub(crate) const MR: usize = 6;
/// Columns of a register tile (two 8-lane vectors).
pub(crate) const NR: usize = 16;
use crate::blocked::Micro;

/// A register tile, row-major `R × C`.
pub(crate) type Tile<const R: usize, const C: usize> = [[f32; C]; R];

/// The portable kernel (any CPU).
#[derive(Clone, Copy)]
pub(crate) struct Scalar;

impl Micro<MR, NR> for Scalar {
    fn tile(&self, a: &[f32], b: &[f32], acc: &mut Tile<MR, NR>) {
        scalar(a, b, acc);
    }
}

/// Portable kernel (separate multiply and add, in f32):
/// `acc[r][c] = Σ_t a[t·MR + r]·b[t·NR + c]`, `a`: kc·MR values, `b`: kc·NR values (extra
/// values past the shorter of the two are ignored). Summation in increasing `t`.
fn scalar(a: &[f32], b: &[f32], acc: &mut Tile<MR, NR>) {
    *acc = [[0.0; NR]; MR];
    let (a, _) = a.as_chunks::<MR>();
    let (b, _) = b.as_chunks::<NR>();
    for (ap, bp) in a.iter().zip(b) {
        for (row, x) in acc.iter_mut().zip(ap) {
            for (o, y) in row.iter_mut().zip(bp) {
                *o += x * y;
            }
        }
    }
}
