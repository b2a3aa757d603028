//! The x86 register-tile loops, written once over the vector type ([`F32Vec`]): the `R × C`
//! tile over packed panels (the blocked GEMM/SYRK, see [`crate::pack`]), the `R × V·LANES` tile
//! reading both operands in place at any stride (the [`crate::row_panels`] SYRK), and the store
//! of a tile's accumulators into `C`. The AVX2 and AVX-512 paths ([`crate::avx2`],
//! [`crate::avx512`]) run them inside their `#[target_feature]` functions (everything here is
//! `#[inline(always)]`, so it is compiled for that extension).
//!
//! Per reduction step: `V` vector loads of `B`, `R` broadcasts of `A` and `R·V` fused
//! multiply-adds, in increasing step order; `R·V` accumulators + `V` loads + 1 broadcast must
//! fit the register file (16 ymm, 32 zmm). Cost `2·R·V·LANES` flops per step; no memory beyond
//! the tile.

use crate::blocked::{AStrides, Store};
use crate::micro::Tile;
use crate::vector::F32Vec;

/// Where a packed tile goes: a [`Tile`] buffer, or `C` itself (`R` rows of `C` values at row
/// stride `ldc`, combined as [`Store`] says).
pub(crate) enum Out<'a, const R: usize, const C: usize> {
    Tile(&'a mut Tile<R, C>),
    C(&'a mut [f32], usize, Store),
}

/// `acc[r][c] = Σ_t a[t·R + r]·b[t·C + c]` over packed panels (`a`: kc·R values, `b`: kc·C;
/// extra values past the shorter are ignored), fused multiply-adds in increasing `t`, into
/// `out`. `C == V·X::LANES` (checked at compile time).
///
/// # Safety
/// As [`F32Vec`] for `X`; for `Out::C(c, ldc, _)`: `ldc ≥ C` and `c.len() ≥ (R − 1)·ldc + C`.
#[inline(always)]
#[allow(clippy::inline_always)] // compiled into the caller's `#[target_feature]` function
pub(crate) unsafe fn packed<X: F32Vec, const R: usize, const V: usize, const C: usize>(
    a: &[f32],
    b: &[f32],
    out: Out<'_, R, C>,
) {
    const { assert!(C == V * X::LANES) };
    let (a, _) = a.as_chunks::<R>();
    let (b, _) = b.as_chunks::<C>();
    // An array of accumulators indexed by constants only: fully unrolled, it lives in registers.
    // SAFETY (every vector operation below): `X`'s extension, caller's contract.
    let mut acc = [[unsafe { X::zero() }; V]; R];
    for (ap, bp) in a.iter().zip(b) {
        let mut bv = [unsafe { X::zero() }; V];
        for (v, slot) in bv.iter_mut().enumerate() {
            // SAFETY: `bp` is a `[f32; C]` with `C == V·LANES`: the load reads elements
            // `LANES·v..LANES·(v + 1)`, `v < V`, all inside it.
            *slot = unsafe { X::load(bp.as_ptr().add(X::LANES * v)) };
        }
        for (row, x) in acc.iter_mut().zip(ap) {
            let x = unsafe { X::splat(*x) };
            for (o, y) in row.iter_mut().zip(&bv) {
                *o = unsafe { X::fmadd(x, *y, *o) };
            }
        }
    }
    match out {
        Out::Tile(t) => {
            for (row, dst) in acc.iter().zip(t.iter_mut()) {
                for (v, x) in row.iter().enumerate() {
                    // SAFETY: `dst` is a `[f32; C]`: the store writes elements
                    // `LANES·v..LANES·(v + 1)`, `v < V`.
                    unsafe { x.store(dst.as_mut_ptr().add(X::LANES * v)) };
                }
            }
        }
        // SAFETY: `ldc ≥ C = V·LANES` and `c.len() ≥ (R − 1)·ldc + C` (caller's contract).
        Out::C(c, ldc, mode) => unsafe { store_acc(&acc, c.as_mut_ptr(), ldc, mode) },
    }
}

/// `acc[r][c] = Σ_{t < steps} a[t·sa.step + r·sa.row]·b[t·ldb + c]` (`r < R`, `c < V·LANES`)
/// with fused multiply-adds in increasing `t`, combined into `c` (rows `0..R` of `V·LANES`
/// values at row stride `ldc`) as `mode` says.
///
/// # Safety
/// As [`F32Vec`] for `X`; `a` readable for `(steps − 1)·sa.step + (R − 1)·sa.row + 1` values,
/// `b` for `(steps − 1)·ldb + V·LANES`, `c` writable for `(R − 1)·ldc + V·LANES` with
/// `ldc ≥ V·LANES`.
#[inline(always)]
#[allow(clippy::inline_always)] // compiled into the caller's `#[target_feature]` function
pub(crate) unsafe fn strided<X: F32Vec, const R: usize, const V: usize>(
    (a, sa): (*const f32, AStrides),
    (b, ldb): (*const f32, usize),
    steps: usize,
    (c, ldc): (*mut f32, usize),
    mode: Store,
) {
    // SAFETY (every vector operation below): `X`'s extension, caller's contract.
    let mut acc = [[unsafe { X::zero() }; V]; R];
    for t in 0..steps {
        let mut bv = [unsafe { X::zero() }; V];
        for (v, slot) in bv.iter_mut().enumerate() {
            // SAFETY: `t < steps`, `LANES·(v + 1) ≤ V·LANES`: inside the
            // `(steps − 1)·ldb + V·LANES` values of `b`.
            *slot = unsafe { X::load(b.add(t * ldb + X::LANES * v)) };
        }
        for (r, row) in acc.iter_mut().enumerate() {
            // SAFETY: `t < steps`, `r < R`: inside the values of `a` the caller guarantees.
            let x = unsafe { X::splat(*a.add(t * sa.step + r * sa.row)) };
            for (o, y) in row.iter_mut().zip(&bv) {
                *o = unsafe { X::fmadd(x, *y, *o) };
            }
        }
    }
    // SAFETY: `c` holds `(R − 1)·ldc + V·LANES` values with `ldc ≥ V·LANES` (caller's contract).
    unsafe { store_acc(&acc, c, ldc, mode) }
}

/// Combine the accumulators `acc` into `c` (rows `0..R` of `V·LANES` values at row stride
/// `ldc`) as `mode` says: written (`first`) or added, then multiplied by the scale if any — the
/// same IEEE operations, in the same order, as `blocked::store`.
///
/// # Safety
/// As [`F32Vec`] for `X`; `c` writable for `(R − 1)·ldc + V·LANES` values with `ldc ≥ V·LANES`.
#[inline(always)]
#[allow(clippy::inline_always)] // compiled into the caller's `#[target_feature]` function
pub(crate) unsafe fn store_acc<X: F32Vec, const R: usize, const V: usize>(
    acc: &[[X; V]; R],
    c: *mut f32,
    ldc: usize,
    mode: Store,
) {
    // SAFETY (every vector operation below): `X`'s extension, caller's contract.
    let s = unsafe { X::splat(mode.scale.unwrap_or(1.0)) };
    for (r, row) in acc.iter().enumerate() {
        for (v, x) in row.iter().enumerate() {
            // SAFETY: `r < R`, `LANES·(v + 1) ≤ V·LANES ≤ ldc`: inside the
            // `(R − 1)·ldc + V·LANES` values of `c`.
            unsafe {
                let p = c.add(r * ldc + X::LANES * v);
                let y = if mode.first { *x } else { X::add(X::load(p), *x) };
                let y = if mode.scale.is_some() { X::mul(s, y) } else { y };
                y.store(p);
            }
        }
    }
}
