//! The 6 × 16 micro-kernels (scalar and AVX2+FMA): `acc = Σ_t a_t ⊗ b_t` over packed panels
//! (see [`crate::pack`]); the AVX-512 kernel is in [`crate::avx512`].
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

/// Proof that this CPU runs AVX2+FMA: only [`Avx2Fma::detect`] makes one.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
pub(crate) struct Avx2Fma(());

#[cfg(target_arch = "x86_64")]
impl Avx2Fma {
    /// `Some` if `is_x86_feature_detected!` reports AVX2 and FMA.
    pub(crate) fn detect() -> Option<Self> {
        crate::Path::Avx2.supported().then_some(Self(()))
    }
}

#[cfg(target_arch = "x86_64")]
impl Micro<MR, NR> for Avx2Fma {
    /// The AVX2+FMA kernel, same contract as [`scalar`] (fused multiply-add).
    #[inline]
    fn tile(&self, a: &[f32], b: &[f32], acc: &mut Tile<MR, NR>) {
        // SAFETY: `self` exists only if `detect` saw AVX2 and FMA on this CPU.
        unsafe { avx2::tile(a, b, acc) }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Tile, MR, NR};
    use std::arch::x86_64::{
        _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_set1_ps, _mm256_setzero_ps, _mm256_storeu_ps,
    };

    /// AVX2+FMA 6 × 16 kernel: 12 accumulators, per step 2 loads, 6 broadcasts, 12 FMAs.
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn tile(a: &[f32], b: &[f32], acc: &mut Tile<MR, NR>) {
        let (a, _) = a.as_chunks::<MR>();
        let (b, _) = b.as_chunks::<NR>();
        // An array of accumulators indexed by constants only: fully unrolled, it lives in ymm
        // registers (12 accumulators + 2 loads + 1 broadcast ≤ 16), as in the AVX-512 kernel.
        let mut acc_v = [[_mm256_setzero_ps(); 2]; MR];
        for (ap, bp) in a.iter().zip(b) {
            // SAFETY: `bp` is a `[f32; 16]`: the loads read elements 0..8 and 8..16 of it.
            let bv = unsafe { [_mm256_loadu_ps(bp.as_ptr()), _mm256_loadu_ps(bp.as_ptr().add(8))] };
            for (row, x) in acc_v.iter_mut().zip(ap) {
                let x = _mm256_set1_ps(*x);
                for (o, y) in row.iter_mut().zip(&bv) {
                    *o = _mm256_fmadd_ps(x, *y, *o);
                }
            }
        }
        for (cr, out) in acc_v.iter().zip(acc.iter_mut()) {
            // SAFETY: `out` is a `[f32; 16]`: the stores write elements 0..8 and 8..16 of it.
            unsafe {
                _mm256_storeu_ps(out.as_mut_ptr(), cr[0]);
                _mm256_storeu_ps(out.as_mut_ptr().add(8), cr[1]);
            }
        }
    }
}
