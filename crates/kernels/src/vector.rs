//! The f32 vector operations the x86 register tiles use, over one register type per extension:
//! `__m256` (AVX2 + FMA, 8 lanes) and `__m512` (AVX-512F, 16 lanes). The tile loops of
//! [`crate::register_tile`] are written once against this trait; each path instantiates them
//! inside a function compiled for its extension (`#[target_feature]`), into which every method
//! here is inlined.
//!
//! Each method is one intrinsic (no memory beyond the pointer it is given, O(1)).

use std::arch::x86_64::{
    __m256, __m512, _mm256_add_ps, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps,
    _mm256_setzero_ps, _mm256_storeu_ps, _mm512_add_ps, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mul_ps,
    _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
};

/// An x86 register of `LANES` f32 values.
///
/// # Safety (of every method)
/// The CPU must support the register's extension (AVX2 + FMA for `__m256`, AVX-512F for
/// `__m512`), and the caller must be compiled with it so that the intrinsic inlines (the
/// methods are `#[inline(always)]`); `load` reads and `store` writes `LANES` f32 at `p`
/// (unaligned), which must be valid for that.
pub(crate) trait F32Vec: Copy {
    /// f32 values per register.
    const LANES: usize;
    /// All lanes 0.
    unsafe fn zero() -> Self;
    /// All lanes `x`.
    unsafe fn splat(x: f32) -> Self;
    /// `LANES` values from `p`.
    unsafe fn load(p: *const f32) -> Self;
    /// The lanes to `p`.
    unsafe fn store(self, p: *mut f32);
    /// `a·b + c`, one rounding per lane.
    unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self;
    /// `a + b` per lane.
    unsafe fn add(a: Self, b: Self) -> Self;
    /// `a·b` per lane.
    unsafe fn mul(a: Self, b: Self) -> Self;
}

/// Implements [`F32Vec`] for one register type from its intrinsics.
macro_rules! f32_vec {
    ($ty:ty, $lanes:literal, $zero:ident, $splat:ident, $load:ident, $store:ident, $fmadd:ident, $add:ident, $mul:ident) => {
        impl F32Vec for $ty {
            const LANES: usize = $lanes;
            #[inline(always)]
            unsafe fn zero() -> Self {
                // SAFETY: the extension is present (trait contract).
                unsafe { $zero() }
            }
            #[inline(always)]
            unsafe fn splat(x: f32) -> Self {
                // SAFETY: as `zero`.
                unsafe { $splat(x) }
            }
            #[inline(always)]
            unsafe fn load(p: *const f32) -> Self {
                // SAFETY: as `zero`; `p` is readable for `LANES` f32 (trait contract).
                unsafe { $load(p) }
            }
            #[inline(always)]
            unsafe fn store(self, p: *mut f32) {
                // SAFETY: as `zero`; `p` is writable for `LANES` f32 (trait contract).
                unsafe { $store(p, self) }
            }
            #[inline(always)]
            unsafe fn fmadd(a: Self, b: Self, c: Self) -> Self {
                // SAFETY: as `zero`.
                unsafe { $fmadd(a, b, c) }
            }
            #[inline(always)]
            unsafe fn add(a: Self, b: Self) -> Self {
                // SAFETY: as `zero`.
                unsafe { $add(a, b) }
            }
            #[inline(always)]
            unsafe fn mul(a: Self, b: Self) -> Self {
                // SAFETY: as `zero`.
                unsafe { $mul(a, b) }
            }
        }
    };
}

f32_vec!(
    __m256,
    8,
    _mm256_setzero_ps,
    _mm256_set1_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_fmadd_ps,
    _mm256_add_ps,
    _mm256_mul_ps
);
f32_vec!(
    __m512,
    16,
    _mm512_setzero_ps,
    _mm512_set1_ps,
    _mm512_loadu_ps,
    _mm512_storeu_ps,
    _mm512_fmadd_ps,
    _mm512_add_ps,
    _mm512_mul_ps
);
