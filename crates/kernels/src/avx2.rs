//! The AVX2+FMA micro-kernels: the 6 × 16 tile of the blocked loop over packed panels (see
//! [`crate::pack`]) and an `R × 8V` tile reading both operands in place at any stride (the
//! [`crate::row_panels`] SYRK).
//!
//! Per reduction step of the 6 × 16 tile: 2 vector loads of the `B` panel, 6 broadcasts of the
//! `A` panel and 12 fused multiply-adds (12 ymm accumulators + 2 loads + 1 broadcast ≤ 16
//! registers). Cost 2·MR·NR·kc flops per call; no memory beyond the tile. Full tiles are written
//! (or added, or scaled) straight from the registers into `C`.
//!
//! The tile loops are [`crate::register_tile`]'s, shared with the AVX-512 path, compiled here
//! for AVX2 + FMA on ymm registers; the full `4 × 24` strided tile is this file's own assembly
//! loop ([`loop_4x24`]).

use std::arch::x86_64::{__m256, _mm256_setzero_ps};

use crate::blocked::{AStrides, Micro, Store};
use crate::micro::{Tile, MR, NR};
use crate::register_tile::{self, Out};

/// Proof that this CPU runs AVX2+FMA: only [`Avx2Fma::detect`] makes one.
#[derive(Clone, Copy)]
pub(crate) struct Avx2Fma(());

impl Avx2Fma {
    /// `Some` if `is_x86_feature_detected!` reports AVX2 and FMA.
    pub(crate) fn detect() -> Option<Self> {
        crate::Path::Avx2.supported().then_some(Self(()))
    }
}

impl Micro<MR, NR> for Avx2Fma {
    /// `acc[r][c] = Σ_t a[t·MR + r]·b[t·NR + c]` with fused multiply-adds in increasing `t`
    /// (`a`: kc·MR values, `b`: kc·NR values; extra values past the shorter are ignored).
    #[inline]
    fn tile(&self, a: &[f32], b: &[f32], acc: &mut Tile<MR, NR>) {
        // SAFETY: `self` exists only if `detect` saw AVX2 and FMA on this CPU; `Out::Tile`
        // needs nothing else.
        unsafe { tile(a, b, Out::Tile(acc)) }
    }

    #[inline]
    fn tile_into(&self, a: &[f32], b: &[f32], c: &mut [f32], ldc: usize, mode: Store) {
        if ldc >= NR && c.len() > (MR - 1) * ldc + NR - 1 {
            // SAFETY: AVX2 and FMA as above; `c` holds rows `0..MR` of `NR` values at stride
            // `ldc` (checked just above), which is what `Out::C` writes.
            unsafe { tile(a, b, Out::C(c, ldc, mode)) }
        } else {
            let mut acc = [[0.0; NR]; MR];
            self.tile(a, b, &mut acc);
            crate::blocked::store(c, ldc, (0, 0), (MR, NR), &acc, mode);
        }
    }
}

/// The 6 × 16 kernel ([`register_tile::packed`] on ymm registers).
///
/// # Safety
/// The CPU must support AVX2 and FMA, and for `Out::C(c, ldc, _)`: `ldc ≥ NR` and
/// `c.len() ≥ (MR − 1)·ldc + NR`.
#[target_feature(enable = "avx2,fma")]
unsafe fn tile(a: &[f32], b: &[f32], out: Out<'_, MR, NR>) {
    // SAFETY: AVX2 and FMA, and `out` as `packed` needs (this function's contract).
    unsafe { register_tile::packed::<__m256, MR, { NR / 8 }, NR>(a, b, out) }
}

/// `acc[r][c] = Σ_{t < steps} a[t·sa.step + r·sa.row]·b[t·ldb + c]` (`r < R`, `c < 8·V`) with
/// fused multiply-adds in increasing `t`, combined into `c` (rows `0..R` of `8·V` values at row
/// stride `ldc`) as `mode` says: the kernel reading both operands in place at any stride. The
/// [`crate::row_panels`] SYRK reads the tile's rows side by side ([`AStrides::across`]; `V` < 3
/// serves its diagonal tiles, whose columns past the diagonal are not needed), the
/// [`crate::corpus_rows`] key tiles one corpus row each ([`AStrides::down`]). `R·V`
/// accumulators + `V` loads + 1 broadcast must fit the 16 ymm registers (`R·V + V ≤ 16`). The
/// full `4 × 24` tile runs an assembly loop ([`loop_4x24`], either layout): with intrinsics it needs all 16 registers and LLVM spilled an
/// accumulator through the stack on every step (41 GFLOP/s on one Zen 3 core against a 102
/// peak). Same FMAs in the same order either way, so the same bits (tested).
///
/// # Panics
/// If `a.len() < (steps − 1)·sa.step + (R − 1)·sa.row + 1`, `b.len() < (steps − 1)·ldb + 8·V`,
/// `ldc < 8·V` or `c.len() < (R − 1)·ldc + 8·V` (steps ≥ 1).
pub(crate) fn strided_tile_into<const R: usize, const V: usize>(
    _proof: Avx2Fma,
    (a, sa): (&[f32], AStrides),
    (b, ldb): (&[f32], usize),
    steps: usize,
    (c, ldc): (&mut [f32], usize),
    mode: Store,
) {
    if steps == 0 {
        return;
    }
    crate::blocked::check_strided((a, sa), (b, ldb), steps, (c, ldc), (R, 8 * V));
    // SAFETY: `_proof` exists only if AVX2 and FMA were detected; `steps ≥ 1` and the lengths
    // are checked above (for `R = 4`, `V = 3` they are those `loop_4x24` reads).
    unsafe {
        let asm = (R == 4 && V == 3).then(|| loop_4x24(a.as_ptr(), sa, b.as_ptr(), ldb, steps));
        match asm {
            Some(acc) => store_acc(&acc, c.as_mut_ptr(), ldc, mode),
            None => strided::<R, V>(
                (a.as_ptr(), sa),
                (b.as_ptr(), ldb),
                steps,
                (c.as_mut_ptr(), ldc),
                mode,
            ),
        }
    }
}

/// The `4 × 24` loop: `acc[r][v] = Σ_t a[t·sa.step + r·sa.row]·b[t·ldb + 8v..8v + 8]`, fused
/// multiply-adds in increasing `t` from zero.
///
/// # Safety
/// AVX2 and FMA; `steps ≥ 1`; `a` readable for `(steps − 1)·sa.step + 3·sa.row + 1` values and
/// `b` for `(steps − 1)·ldb + 24`.
#[target_feature(enable = "avx2,fma")]
unsafe fn loop_4x24(
    a: *const f32,
    sa: AStrides,
    b: *const f32,
    ldb: usize,
    steps: usize,
) -> [[__m256; 3]; 4] {
    let z = _mm256_setzero_ps();
    let [mut c0, mut c1, mut c2, mut c3, mut c4, mut c5] = [z; 6];
    let [mut c6, mut c7, mut c8, mut c9, mut c10, mut c11] = [z; 6];
    // SAFETY: the loop runs `steps ≥ 1` times (the count is decremented after each step, the
    // exit when it reaches zero); step `t` reads `a[t·sa.step + r·sa.row]` for `r < 4` (byte
    // offsets `0`, `row`, `2·row`, `row3 = 3·row` from `a + 4·t·sa.step`, `row = 4·sa.row`)
    // and the 24 values at `b + t·ldb`, all inside the ranges the caller guarantees. It writes
    // no memory and no stack; the registers it uses are its operands.
    unsafe {
        std::arch::asm!(
            "2:",
            "vmovups {b0}, ymmword ptr [{b}]",
            "vmovups {b1}, ymmword ptr [{b} + 32]",
            "vmovups {b2}, ymmword ptr [{b} + 64]",
            "vbroadcastss {x}, dword ptr [{a}]",
            "vfmadd231ps {c0}, {x}, {b0}",
            "vfmadd231ps {c1}, {x}, {b1}",
            "vfmadd231ps {c2}, {x}, {b2}",
            "vbroadcastss {x}, dword ptr [{a} + {row}]",
            "vfmadd231ps {c3}, {x}, {b0}",
            "vfmadd231ps {c4}, {x}, {b1}",
            "vfmadd231ps {c5}, {x}, {b2}",
            "vbroadcastss {x}, dword ptr [{a} + {row}*2]",
            "vfmadd231ps {c6}, {x}, {b0}",
            "vfmadd231ps {c7}, {x}, {b1}",
            "vfmadd231ps {c8}, {x}, {b2}",
            "vbroadcastss {x}, dword ptr [{a} + {row3}]",
            "vfmadd231ps {c9}, {x}, {b0}",
            "vfmadd231ps {c10}, {x}, {b1}",
            "vfmadd231ps {c11}, {x}, {b2}",
            "add {a}, {step}",
            "add {b}, {ldb}",
            "dec {n}",
            "jnz 2b",
            a = inout(reg) a => _,
            b = inout(reg) b => _,
            n = inout(reg) steps => _,
            step = in(reg) sa.step * 4,
            row = in(reg) sa.row * 4,
            row3 = in(reg) sa.row * 12,
            ldb = in(reg) ldb * 4,
            b0 = out(ymm_reg) _,
            b1 = out(ymm_reg) _,
            b2 = out(ymm_reg) _,
            x = out(ymm_reg) _,
            c0 = inout(ymm_reg) c0,
            c1 = inout(ymm_reg) c1,
            c2 = inout(ymm_reg) c2,
            c3 = inout(ymm_reg) c3,
            c4 = inout(ymm_reg) c4,
            c5 = inout(ymm_reg) c5,
            c6 = inout(ymm_reg) c6,
            c7 = inout(ymm_reg) c7,
            c8 = inout(ymm_reg) c8,
            c9 = inout(ymm_reg) c9,
            c10 = inout(ymm_reg) c10,
            c11 = inout(ymm_reg) c11,
            options(nostack, readonly),
        );
    }
    [[c0, c1, c2], [c3, c4, c5], [c6, c7, c8], [c9, c10, c11]]
}

/// The loop of [`strided_tile_into`] ([`register_tile::strided`] on ymm registers).
///
/// # Safety
/// AVX2 and FMA; `a` readable for `(steps − 1)·sa.step + (R − 1)·sa.row + 1` values, `b` for
/// `(steps − 1)·ldb + 8·V`, `c` writable for `(R − 1)·ldc + 8·V` with `ldc ≥ 8·V`.
#[target_feature(enable = "avx2,fma")]
unsafe fn strided<const R: usize, const V: usize>(
    a: (*const f32, AStrides),
    b: (*const f32, usize),
    steps: usize,
    c: (*mut f32, usize),
    mode: Store,
) {
    // SAFETY: AVX2 and FMA, and the operand ranges `strided` needs (this function's contract).
    unsafe { register_tile::strided::<__m256, R, V>(a, b, steps, c, mode) }
}

/// [`register_tile::store_acc`] on ymm registers (after [`loop_4x24`]).
///
/// # Safety
/// AVX2; `c` writable for `(R − 1)·ldc + 8·V` values with `ldc ≥ 8·V`.
#[target_feature(enable = "avx2,fma")]
unsafe fn store_acc<const R: usize, const V: usize>(
    acc: &[[__m256; V]; R],
    c: *mut f32,
    ldc: usize,
    mode: Store,
) {
    // SAFETY: AVX2, and `c` as `store_acc` needs (this function's contract).
    unsafe { register_tile::store_acc(acc, c, ldc, mode) }
}

#[cfg(test)]
mod tests {
    use super::{strided, strided_tile_into, Avx2Fma};
    use crate::blocked::{AStrides, Store};
    use crate::tests::values;

    /// Both assembly `4 × 24` loops (the tile's rows side by side in a row of `A`, or one row of
    /// `A` each) give the bits of the intrinsic `R = 4, V = 3` loop for any stride and step
    /// count (one step, odd counts, a whole chunk) and every store mode; all equal an f64
    /// product to f32 accuracy.
    #[test]
    fn assembly_tiles_equal_the_intrinsic_tile() {
        let Some(k) = Avx2Fma::detect() else {
            return;
        };
        for (steps, lda, ldb) in [
            (1, 4, 24),
            (2, 5, 24),
            (7, 31, 29),
            (256, 24, 24),
            (100, 9, 48),
            (100, 131, 24),
        ] {
            for sa in [AStrides::across(lda), AStrides::down(lda)] {
                let a = values((steps - 1) * sa.step + 3 * sa.row + 1, (steps * 7 + lda) as u64);
                let b = values((steps - 1) * ldb + 24, (steps * 3 + ldb) as u64);
                for (first, scale) in [
                    (true, None),
                    (false, None),
                    (false, Some(0.5f32)),
                    (true, Some(-3.0)),
                ] {
                    let mode = Store { first, scale };
                    let ldc = 27;
                    let c0 = values(3 * ldc + 24, 11);
                    let (mut got, mut want) = (c0.clone(), c0.clone());
                    strided_tile_into::<4, 3>(k, (&a, sa), (&b, ldb), steps, (&mut got, ldc), mode);
                    // SAFETY: `k` proves AVX2 and FMA; `steps ≥ 1`, and `a`, `b` and `want` have
                    // the lengths `strided` reads and writes (built from the same formulas above).
                    unsafe {
                        let (b, c) = ((b.as_ptr(), ldb), want.as_mut_ptr());
                        strided::<4, 3>((a.as_ptr(), sa), b, steps, (c, ldc), mode);
                    }
                    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    let what = format!("steps {steps}, {sa:?}, ldb {ldb}, {mode:?}");
                    assert_eq!(bits(&got), bits(&want), "{what}");
                    for r in 0..4 {
                        for j in 0..24 {
                            let av = |t: usize| f64::from(a[t * sa.step + r * sa.row]);
                            let terms = (0..steps).map(|t| av(t) * f64::from(b[t * ldb + j]));
                            let (dot, abs) = terms.fold((0.0, 0.0), |(s, m), p| (s + p, m + p.abs()));
                            let base = if first { 0.0 } else { f64::from(c0[r * ldc + j]) };
                            let s = f64::from(scale.unwrap_or(1.0));
                            let exact = s * (base + dot);
                            // f32 dot-product bound γ_{steps+2}·(|base| + Σ|a·b|)·|s|, u = 2⁻²⁴
                            let tol = (steps + 3) as f64 * 2f64.powi(-24) * (base.abs() + abs) * s.abs();
                            assert!(
                                (f64::from(got[r * ldc + j]) - exact).abs() <= tol,
                                "{what} ({r}, {j})"
                            );
                        }
                    }
                    // outside the 4 × 24 block at stride 27 nothing is touched
                    for r in 0..3 {
                        for j in 24..27 {
                            assert_eq!(got[r * ldc + j].to_bits(), c0[r * ldc + j].to_bits());
                        }
                    }
                }
            }
        }
    }
}
