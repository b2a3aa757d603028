//! The AVX-512F micro-kernel: an `MR × NR` register tile of `MR·NR/16` zmm accumulators,
//! `acc = Σ_t a_t ⊗ b_t` over packed panels (see [`crate::pack`]).
//!
//! Per reduction step: `NR/16` vector loads of the `B` panel, `MR` broadcasts of the `A` panel
//! (folded into the FMAs as embedded broadcasts) and `MR·NR/16` fused multiply-adds. Cost
//! 2·MR·NR·kc flops per call; no memory beyond the tile.

use crate::micro::Tile;

/// Rows of the AVX-512 register tile (chosen by measurement, see `examples/bench.rs`).
pub(crate) const MR: usize = 14;
/// Columns of the AVX-512 register tile (two 16-lane zmm vectors).
pub(crate) const NR: usize = 32;
/// zmm vectors per tile row.
const NV: usize = NR / 16;

/// Proof that this CPU runs AVX-512F: only [`Avx512::detect`] makes one.
#[derive(Clone, Copy)]
pub(crate) struct Avx512(());

impl Avx512 {
    /// `Some` if `is_x86_feature_detected!("avx512f")` holds.
    pub(crate) fn detect() -> Option<Self> {
        crate::Path::Avx512.supported().then_some(Self(()))
    }

    /// `acc[r][c] = Σ_t a[t·MR + r]·b[t·NR + c]` with fused multiply-adds in increasing `t`
    /// (`a`: kc·MR values, `b`: kc·NR values; extra values past the shorter are ignored).
    #[inline]
    #[allow(clippy::unused_self)] // the token is the proof of AVX-512F, its value is unused
    pub(crate) fn tile(self, a: &[f32], b: &[f32], acc: &mut Tile<MR, NR>) {
        // SAFETY: `self` exists only if `detect` saw AVX-512F on this CPU.
        unsafe { tile::<MR, NV, NR>(a, b, acc) }
    }
}

/// The kernel for any `R × (16·V)` tile (`C == 16·V`, checked at compile time).
///
/// # Safety
/// The CPU must support AVX-512F.
#[target_feature(enable = "avx512f")]
unsafe fn tile<const R: usize, const V: usize, const C: usize>(a: &[f32], b: &[f32], acc: &mut Tile<R, C>) {
    use std::arch::x86_64::{
        _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
    };
    const { assert!(C == 16 * V) };
    let (a, _) = a.as_chunks::<R>();
    let (b, _) = b.as_chunks::<C>();
    // An array of accumulators indexed by constants only: fully unrolled, it lives in zmm
    // registers (R·V + V ≤ 32).
    let mut c = [[_mm512_setzero_ps(); V]; R];
    for (ap, bp) in a.iter().zip(b) {
        let mut bv = [_mm512_setzero_ps(); V];
        for (v, slot) in bv.iter_mut().enumerate() {
            // SAFETY: `bp` is a `[f32; C]` with `C == 16·V`: the load reads elements
            // `16·v..16·v + 16`, `v < V`, all inside it.
            *slot = unsafe { _mm512_loadu_ps(bp.as_ptr().add(16 * v)) };
        }
        for (row, x) in c.iter_mut().zip(ap) {
            let x = _mm512_set1_ps(*x);
            for (o, y) in row.iter_mut().zip(&bv) {
                *o = _mm512_fmadd_ps(x, *y, *o);
            }
        }
    }
    for (row, out) in c.iter().zip(acc.iter_mut()) {
        for (v, x) in row.iter().enumerate() {
            // SAFETY: `out` is a `[f32; C]`: the store writes elements `16·v..16·v + 16`, `v < V`.
            unsafe { _mm512_storeu_ps(out.as_mut_ptr().add(16 * v), *x) };
        }
    }
}
