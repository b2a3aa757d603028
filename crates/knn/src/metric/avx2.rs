//! Explicit AVX2 kernels of the exact 16-lane f64 sums ([`super::EXACT_LANES`]): four `__m256d`
//! accumulators hold lanes 0–3, 4–7, 8–11 and 12–15, each lane updated with a separate subtract,
//! multiply and add (no FMA), so every result equals `super::sq_body` / `super::dot_body` bit
//! for bit (tested). LLVM's own vectorisation of those portable bodies under AVX2 shuffled lanes
//! on every step (`vshufps`, `vpermpd`): on the AMD EPYC (Zen 3) the exact keys of the
//! all-points pass of 20,000 × 384 at k = 100 took 11 % of its time (perf) that way.
//!
//! Four-pair forms (as the AVX-512 kernels have) were tried and not kept: their 16 accumulators
//! exceed the 16 ymm registers, and the spills cost more (11 % of that pass) than the
//! overlapped misses saved (8 % with one pair at a time).
//!
//! Cost: O(len) per pair, 16 elements per step (two or four loads, four subtracts or none,
//! four multiplies, four adds); no memory beyond the 16-lane spill for the final combination.

use std::arch::x86_64::{
    __m256d, _mm256_add_pd, _mm256_cvtps_pd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_setzero_pd,
    _mm256_storeu_pd, _mm256_sub_pd, _mm_loadu_ps,
};

use super::{combine, EXACT_LANES};

/// The four accumulators as the 16 lanes, plus the tail terms from lane 0 on, combined in the
/// fixed order ([`combine`]).
#[inline]
#[target_feature(enable = "avx2")]
fn finish(acc: [__m256d; 4], tail: impl Iterator<Item = f64>) -> f64 {
    let mut a = [0.0f64; EXACT_LANES];
    for (v, lanes) in acc.iter().zip(a.chunks_exact_mut(4)) {
        // SAFETY: `lanes` is 4 writable f64.
        unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), *v) };
    }
    for (l, v) in tail.enumerate() {
        a[l] += v;
    }
    combine(a)
}

/// Loads 4 f32 from `p` as 4 f64 (exact).
///
/// # Safety
/// `p` must be valid for reading 4 `f32`, and avx2 available.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load4_f32(p: *const f32) -> __m256d {
    // SAFETY: the caller guarantees 4 readable f32 at `p`.
    _mm256_cvtps_pd(unsafe { _mm_loadu_ps(p) })
}

/// Loads 4 f64 from `p`.
///
/// # Safety
/// `p` must be valid for reading 4 `f64`, and avx2 available.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load4_f64(p: *const f64) -> __m256d {
    // SAFETY: the caller guarantees 4 readable f64 at `p`.
    unsafe { _mm256_loadu_pd(p) }
}

/// One AVX2 reduction `$name` over rows of `$t`: `|p, q| lane` is the per-lane term of two
/// vectors of 4 f64, `|a, b| tail` the same term on one f64 pair (the tail).
macro_rules! kernel {
    ($name:ident, $t:ty, $load:ident, |$p:ident, $q:ident| $lane:expr, |$a:ident, $b:ident| $tail:expr) => {
        #[target_feature(enable = "avx2")]
        pub(super) fn $name(x: &[$t], y: &[$t]) -> f64 {
            let n = x.len().min(y.len());
            let full = n / EXACT_LANES * EXACT_LANES;
            let mut acc = [_mm256_setzero_pd(); 4];
            let mut t = 0;
            while t < full {
                for (v, a) in acc.iter_mut().enumerate() {
                    let s = t + 4 * v;
                    // SAFETY: s + 4 <= t + 16 <= full <= n, the length of both slices here.
                    let ($p, $q) = unsafe { ($load(x.as_ptr().add(s)), $load(y.as_ptr().add(s))) };
                    *a = _mm256_add_pd(*a, $lane);
                }
                t += EXACT_LANES;
            }
            finish(
                acc,
                (full..n).map(|t| {
                    let ($a, $b) = (f64::from(x[t]), f64::from(y[t]));
                    $tail
                }),
            )
        }
    };
}

/// The squared-difference and product kernels of one element type.
macro_rules! kernels {
    ($sq:ident, $dot:ident, $t:ty, $load:ident) => {
        kernel!(
            $sq,
            $t,
            $load,
            |p, q| {
                let d = _mm256_sub_pd(p, q);
                _mm256_mul_pd(d, d)
            },
            |a, b| {
                let e = a - b;
                e * e
            }
        );
        kernel!($dot, $t, $load, |p, q| _mm256_mul_pd(p, q), |a, b| a * b);
    };
}
kernels!(sq_f32, dot_f32, f32, load4_f32);
kernels!(sq_f64, dot_f64, f64, load4_f64);
