//! The WebAssembly SIMD128 micro-kernel: a 6 × 8 register tile (12 `f32x4` accumulators, per
//! reduction step 2 vector loads of the `B` panel, 6 splats of `A` values, 12 multiplies and 12
//! adds). The engines' compilers (V8's among them) map `v128` values to the host's 16 SSE or
//! NEON registers, so the tile is sized to stay in them (15 live vectors), where the portable
//! 6 × 16 kernel's 24 accumulators spill.
//!
//! Arithmetic: separate multiply and add in f32 (standard SIMD128 has no fused multiply-add), in
//! increasing `t`: every entry is bit-identical to the portable scalar kernel's.
//!
//! Cost 2·MR·NR·kc flops per call; no memory beyond the 48-value tile.

use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};

use crate::blocked::Micro;
use crate::micro::Tile;

/// Rows of the register tile.
pub(crate) const MR: usize = 6;
/// Columns of the register tile (two 4-lane vectors).
pub(crate) const NR: usize = 8;

/// The SIMD128 kernel (every engine embgeo targets runs SIMD128; the crate is built with it).
#[derive(Clone, Copy)]
pub(crate) struct Simd128;

impl Micro<MR, NR> for Simd128 {
    /// `acc[r][c] = Σ_t a[t·MR + r]·b[t·NR + c]`, `a`: kc·MR values, `b`: kc·NR values.
    #[allow(clippy::cast_ptr_alignment)] // `v128_load` / `v128_store` accept any alignment
    fn tile(&self, a: &[f32], b: &[f32], acc: &mut Tile<MR, NR>) {
        let (a, _) = a.as_chunks::<MR>();
        let (b, _) = b.as_chunks::<NR>();
        let mut c = [[f32x4_splat(0.0); 2]; MR];
        for (ap, bp) in a.iter().zip(b) {
            // SAFETY: `bp` is a `[f32; 8]` (32 bytes); the loads read bytes 0..16 and 16..32 of
            // it, and `v128_load` has no alignment requirement.
            let (b0, b1) = unsafe {
                (
                    v128_load(bp.as_ptr().cast::<v128>()),
                    v128_load(bp.as_ptr().add(4).cast::<v128>()),
                )
            };
            for (row, x) in c.iter_mut().zip(ap) {
                let x = f32x4_splat(*x);
                row[0] = f32x4_add(row[0], f32x4_mul(x, b0));
                row[1] = f32x4_add(row[1], f32x4_mul(x, b1));
            }
        }
        for (row, dst) in c.iter().zip(acc.iter_mut()) {
            // SAFETY: `dst` is a `[f32; 8]`: the stores write bytes 0..16 and 16..32 of it (no
            // alignment requirement).
            unsafe {
                v128_store(dst.as_mut_ptr().cast::<v128>(), row[0]);
                v128_store(dst.as_mut_ptr().add(4).cast::<v128>(), row[1]);
            }
        }
    }
}
