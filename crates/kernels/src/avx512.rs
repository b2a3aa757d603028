//! The AVX-512F micro-kernel: an `MR × NR` register tile of `MR·NR/16` zmm accumulators,
//! `acc = Σ_t a_t ⊗ b_t` over packed panels (see [`crate::pack`]).
//!
//! Per reduction step: `NR/16` vector loads of the `B` panel, `MR` broadcasts of the `A` panel
//! and `MR·NR/16` fused multiply-adds. Cost 2·MR·NR·kc flops per call; no memory beyond the
//! tile. Full tiles are written (or added, or scaled) straight from the registers into `C`.
//!
//! The tile loops are [`crate::register_tile`]'s, shared with the AVX2 path, compiled here for
//! AVX-512F on zmm registers.

use std::arch::x86_64::__m512;

use crate::blocked::{AStrides, Micro, Store};
use crate::micro::Tile;
use crate::register_tile::{self, Out};

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
}

/// Rows of the wide AVX-512 tile (GEMM only: its 96 columns waste too much on a SYRK diagonal).
pub(crate) const MR_WIDE: usize = 4;
/// Columns of the wide AVX-512 tile (six zmm vectors).
pub(crate) const NR_WIDE: usize = 96;

impl Micro<MR_WIDE, NR_WIDE> for Avx512 {
    /// As the 14 × 32 tile, on a 4 × 96 register block (24 accumulators, per step 6 loads and
    /// 4 broadcasts for 24 FMAs).
    #[inline]
    fn tile(&self, a: &[f32], b: &[f32], acc: &mut Tile<MR_WIDE, NR_WIDE>) {
        // SAFETY: as for the 14 × 32 tile.
        unsafe { tile::<MR_WIDE, { NR_WIDE / 16 }, NR_WIDE>(a, b, Out::Tile(acc)) }
    }

    #[inline]
    fn tile_into(&self, a: &[f32], b: &[f32], c: &mut [f32], ldc: usize, mode: Store) {
        if ldc >= NR_WIDE && c.len() > (MR_WIDE - 1) * ldc + NR_WIDE - 1 {
            // SAFETY: as for the 14 × 32 tile.
            unsafe { tile::<MR_WIDE, { NR_WIDE / 16 }, NR_WIDE>(a, b, Out::C(c, ldc, mode)) }
        } else {
            let mut acc = [[0.0; NR_WIDE]; MR_WIDE];
            self.tile(a, b, &mut acc);
            crate::blocked::store(c, ldc, (0, 0), (MR_WIDE, NR_WIDE), &acc, mode);
        }
    }
}

impl Micro<MR, NR> for Avx512 {
    /// `acc[r][c] = Σ_t a[t·MR + r]·b[t·NR + c]` with fused multiply-adds in increasing `t`
    /// (`a`: kc·MR values, `b`: kc·NR values; extra values past the shorter are ignored).
    #[inline]
    fn tile(&self, a: &[f32], b: &[f32], acc: &mut Tile<MR, NR>) {
        // SAFETY: `self` exists only if `detect` saw AVX-512F on this CPU; `Out::Tile` needs
        // nothing else.
        unsafe { tile::<MR, NV, NR>(a, b, Out::Tile(acc)) }
    }

    #[inline]
    fn tile_into(&self, a: &[f32], b: &[f32], c: &mut [f32], ldc: usize, mode: Store) {
        if ldc >= NR && c.len() > (MR - 1) * ldc + NR - 1 {
            // SAFETY: AVX-512F as above; `c` holds rows `0..MR` of `NR` values at stride
            // `ldc` (checked just above), which is what `Out::C` writes.
            unsafe { tile::<MR, NV, NR>(a, b, Out::C(c, ldc, mode)) }
        } else {
            let mut acc = [[0.0; NR]; MR];
            self.tile(a, b, &mut acc);
            crate::blocked::store(c, ldc, (0, 0), (MR, NR), &acc, mode);
        }
    }
}

/// The kernel for any `R × (16·V)` tile ([`register_tile::packed`] on zmm registers;
/// `C == 16·V`, checked at compile time).
///
/// # Safety
/// The CPU must support AVX-512F, and for `Out::C(c, ldc, _)`: `ldc ≥ C` and
/// `c.len() ≥ (R − 1)·ldc + C`.
#[target_feature(enable = "avx512f")]
unsafe fn tile<const R: usize, const V: usize, const C: usize>(a: &[f32], b: &[f32], out: Out<'_, R, C>) {
    // SAFETY: AVX-512F, and `out` as `packed` needs (this function's contract).
    unsafe { register_tile::packed::<__m512, R, V, C>(a, b, out) }
}

/// `acc[r][c] = Σ_{t < steps} a[t·sa.step + r·sa.row]·b[t·ldb + c]` (`r < R`, `c < 16·V`) with
/// fused multiply-adds in increasing `t`, combined into `c` (rows `0..R` of `16·V` values at row
/// stride `ldc`) as `mode` says: the [`tile`] kernel reading both operands in place at any stride
/// (the [`crate::row_panels`] SYRK reads them from one packed block; `V` < 3 serves its diagonal
/// tiles, whose columns past the diagonal are not needed).
///
/// # Panics
/// If `a.len() < (steps − 1)·sa.step + (R − 1)·sa.row + 1`, `b.len() < (steps − 1)·ldb + 16·V`,
/// `ldc < 16·V` or `c.len() < (R − 1)·ldc + 16·V` (steps ≥ 1).
pub(crate) fn strided_tile_into<const R: usize, const V: usize>(
    _proof: Avx512,
    (a, sa): (&[f32], AStrides),
    (b, ldb): (&[f32], usize),
    steps: usize,
    (c, ldc): (&mut [f32], usize),
    mode: Store,
) {
    if steps == 0 {
        return;
    }
    crate::blocked::check_strided((a, sa), (b, ldb), steps, (c, ldc), (R, 16 * V));
    // SAFETY: `_proof` exists only if AVX-512F was detected; the lengths are checked above.
    unsafe {
        strided::<R, V>(
            (a.as_ptr(), sa),
            (b.as_ptr(), ldb),
            steps,
            (c.as_mut_ptr(), ldc),
            mode,
        );
    }
}

/// The loop of [`strided_tile_into`] ([`register_tile::strided`] on zmm registers).
///
/// # Safety
/// AVX-512F; `a` readable for `(steps − 1)·sa.step + (R − 1)·sa.row + 1` values, `b` for
/// `(steps − 1)·ldb + 16·V`, `c` writable for `(R − 1)·ldc + 16·V` with `ldc ≥ 16·V`.
#[target_feature(enable = "avx512f")]
unsafe fn strided<const R: usize, const V: usize>(
    a: (*const f32, AStrides),
    b: (*const f32, usize),
    steps: usize,
    c: (*mut f32, usize),
    mode: Store,
) {
    // SAFETY: AVX-512F, and the operand ranges `strided` needs (this function's contract).
    unsafe { register_tile::strided::<__m512, R, V>(a, b, steps, c, mode) }
}
