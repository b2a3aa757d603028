//! The two working precisions (`f32`, `f64`): GEMM tiles through faer and the runtime-dispatched
//! SIMD kernels (the finiteness reduction, multi-query dot products; the threshold scans are in
//! `crate::scan`).

use std::ops::{Add, Mul};
use std::sync::OnceLock;

use embgeo_core::Element;

/// A working precision of the candidate pass (sealed through [`Element`]).
pub(crate) trait Real: Element + Add<Output = Self> + Mul<Output = Self> + Default {
    /// Unit roundoff `2^-p`.
    const U: f64;
    /// Largest finite value.
    const MAX: f64;
    /// Smallest positive normal value.
    const MIN_NORMAL: f64;
    /// `+∞`.
    const INF: Self;
    /// `dst (m × n, column-major: dst[j·m + i]) = alpha · A · Bᵀ` with `A` `m × d` and `B`
    /// `n × d` row-major; faer's matmul on the calling thread (column-major output is faer's
    /// native layout: ~1.4× faster than row-major on the benchmark machine).
    fn gemm_nt(dst: &mut [Self], a: &[Self], b: &[Self], m: usize, n: usize, d: usize, alpha: Self);
    /// The smallest value of `Self` that is `>= v` (`v` finite or `+∞`).
    fn round_up(v: f64) -> Self;
}

macro_rules! impl_real {
    ($t:ty, $mant:expr, $gemm:path) => {
        impl Real for $t {
            const U: f64 = 1.0 / (1u64 << $mant) as f64;
            const MAX: f64 = <$t>::MAX as f64;
            const MIN_NORMAL: f64 = <$t>::MIN_POSITIVE as f64;
            const INF: Self = <$t>::INFINITY;
            fn gemm_nt(dst: &mut [Self], a: &[Self], b: &[Self], m: usize, n: usize, d: usize, alpha: Self) {
                $gemm(dst, a, b, m, n, d, alpha);
            }
            #[allow(clippy::float_cmp, clippy::cast_lossless)]
            fn round_up(v: f64) -> Self {
                let r = v as $t;
                if (r as f64) < v {
                    r.next_up()
                } else {
                    r
                }
            }
        }
    };
}
impl_real!(f32, 24, gemm_nt_f32);
impl_real!(f64, 53, faer_gemm_nt);

/// [`Real::gemm_nt`] through faer's matmul on the calling thread.
fn faer_gemm_nt<T: faer::traits::ComplexField + Copy>(
    dst: &mut [T],
    a: &[T],
    b: &[T],
    m: usize,
    n: usize,
    d: usize,
    alpha: T,
) {
    use faer::{Accum, MatMut, MatRef, Par};
    let dst = MatMut::from_column_major_slice_mut(dst, m, n);
    let a = MatRef::from_row_major_slice(a, m, d);
    let b = MatRef::from_row_major_slice(b, n, d);
    faer::linalg::matmul::matmul(dst, Accum::Replace, a, b.transpose(), alpha, Par::Seq);
}

/// [`Real::gemm_nt`] of f32: faer's matmul natively (private-gemm-x86's AVX-512 / AVX2 kernels,
/// NEON on arm64).
#[cfg(not(target_family = "wasm"))]
fn gemm_nt_f32(dst: &mut [f32], a: &[f32], b: &[f32], m: usize, n: usize, d: usize, alpha: f32) {
    faer_gemm_nt(dst, a, b, m, n, d, alpha);
}

/// [`Real::gemm_nt`] of f32 on WebAssembly: the kernel layer's blocked product
/// (`embgeo_kernels::gemm_nt_f32`, its SIMD128 path), measured faster there than faer's
/// (bench/results/wasm.md). Same contract and the same error bound (an f32 dot product in some
/// order, then one multiply by `alpha`).
#[cfg(target_family = "wasm")]
fn gemm_nt_f32(dst: &mut [f32], a: &[f32], b: &[f32], m: usize, n: usize, d: usize, alpha: f32) {
    use embgeo_kernels::View;
    let done = match (View::row_major(a, m, d), View::row_major(b, n, d)) {
        (Ok(av), Ok(bv)) => embgeo_kernels::gemm_nt_f32(dst, av, bv, alpha).is_ok(),
        _ => false,
    };
    // The shapes are the caller's invariants; should a view ever be refused, faer computes
    // the same product.
    if !done {
        faer_gemm_nt(dst, a, b, m, n, d, alpha);
    }
}

/// View a slice of the sealed `Element` as its concrete type ([`embgeo_core::same_type::as_same`]).
pub(crate) fn cast<T: Element, U: Element>(s: &[T]) -> Option<&[U]> {
    embgeo_core::same_type::as_same(s)
}

/// [`cast`] of a mutable slice.
pub(crate) fn cast_mut<T: Element, U: Element>(s: &mut [T]) -> Option<&mut [U]> {
    embgeo_core::same_type::as_same_mut(s)
}

/// The instruction-set level the kernels dispatch to at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    #[cfg(target_arch = "x86_64")]
    Avx512,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
    #[cfg(target_arch = "aarch64")]
    Neon,
    Scalar,
}

pub(crate) fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        if std::env::var_os("EMBGEO_FORCE_SCALAR").is_some() {
            return Level::Scalar;
        }
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512vl")
                && is_x86_feature_detected!("avx2")
                && is_x86_feature_detected!("fma")
            {
                return Level::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Level::Avx2Fma;
            }
        }
        #[cfg(target_arch = "aarch64")]
        {
            if std::arch::is_aarch64_feature_detected!("neon") {
                return Level::Neon;
            }
        }
        Level::Scalar
    })
}

/// Name of the dispatched level: `"avx512"`, `"avx2+fma"`, `"neon"`, `"simd128"` (the portable
/// code in the WASM build, compiled for SIMD128) or `"scalar"`.
pub(crate) fn level_name(l: Level) -> &'static str {
    match l {
        #[cfg(target_arch = "x86_64")]
        Level::Avx512 => "avx512",
        #[cfg(target_arch = "x86_64")]
        Level::Avx2Fma => "avx2+fma",
        #[cfg(target_arch = "aarch64")]
        Level::Neon => "neon",
        // portable code, compiled for the 128-bit SIMD of the WASM build (.cargo/config.toml)
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        Level::Scalar => "simd128",
        #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
        Level::Scalar => "scalar",
    }
}

/// `fn $name(lv: Level, args…)`: `$body(args…)` compiled for the SIMD level detected at run
/// time (AVX-512 or AVX2 + FMA on `x86_64`, portable code otherwise). `$body` is
/// `#[inline(always)]`, so each copy compiles under its own `target_feature` (multiversioning);
/// every copy runs the same operations in the same order, so results never depend on the level.
///
/// With `= $body(wide, mid, narrow)`, the body takes one more first argument: `wide` in the
/// AVX-512 copy, `mid` in the AVX2 copy, `narrow` in the portable one (`crate::scan` passes
/// tokens proving AVX-512F or AVX2, and one promising nothing).
macro_rules! dispatched {
    ($(#[$attr:meta])* $vis:vis fn $name:ident[$($gen:tt)*]($($arg:ident: $ty:ty),* $(,)?)
        $(-> $ret:ty)? = $body:ident $(($wide:expr, $mid:expr, $narrow:expr))?) => {
        $(#[$attr])*
        $vis fn $name<$($gen)*>(lv: Level, $($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512vl,avx2,fma")]
            fn avx512<$($gen)*>($($arg: $ty),*) $(-> $ret)? {
                // this copy runs only at `Level::Avx512` (below)
                $body($($wide,)? $($arg),*)
            }

            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            fn avx2<$($gen)*>($($arg: $ty),*) $(-> $ret)? {
                // this copy runs only at `Level::Avx2Fma` (below)
                $body($($mid,)? $($arg),*)
            }

            match lv {
                // SAFETY: `Level::Avx512` is only produced after `is_x86_feature_detected!`
                // confirmed avx512f, avx512vl, avx2 and fma on this CPU.
                #[cfg(target_arch = "x86_64")]
                Level::Avx512 => unsafe { avx512($($arg),*) },
                // SAFETY: `Level::Avx2Fma` is only produced after avx2 and fma were detected.
                #[cfg(target_arch = "x86_64")]
                Level::Avx2Fma => unsafe { avx2($($arg),*) },
                _ => $body($($narrow,)? $($arg),*),
            }
        }
    };
}
pub(crate) use dispatched;

/// Lanes of the finiteness reduction.
const SCAN: usize = 16;

/// `true` when every value is finite: `Σ x·0` stays 0 unless some `x` is NaN or ±∞ (then it
/// is NaN). Branch-free and vectorised; the caller reports details through
/// `MatRef::check_finite` only when this fails.
// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn all_finite_body<R: Real>(x: &[R]) -> bool {
    let zero = R::default();
    let mut acc = [zero; SCAN];
    let full = x.len() / SCAN * SCAN;
    for c in x[..full].chunks_exact(SCAN) {
        for l in 0..SCAN {
            acc[l] = acc[l] + c[l] * zero;
        }
    }
    for (l, &v) in x[full..].iter().enumerate() {
        acc[l] = acc[l] + v * zero;
    }
    acc.iter().all(|a| a.to_f64() == 0.0)
}

dispatched!(
    /// Runtime-dispatched [`all_finite_body`].
    pub(crate) fn all_finite[R: Real](x: &[R]) -> bool = all_finite_body
);

/// Lanes of the dot-product accumulators.
const DOT: usize = 16;

/// `out[q] = alpha · ⟨queries[q], c⟩` for up to 4 queries at once (`queries.len() <= 4`),
/// sharing the loads of `c`; lane-parallel partial sums.
// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn dots_body<R: Real>(queries: &[&[R]], c: &[R], alpha: R, out: &mut [R]) {
    let d = c.len();
    let full = d / DOT * DOT;
    let mut acc = [[R::default(); DOT]; 4];
    let nq = queries.len().min(4);
    let mut j = 0;
    while j < full {
        let cc = &c[j..j + DOT];
        for q in 0..nq {
            let x = &queries[q][j..j + DOT];
            let a = &mut acc[q];
            for l in 0..DOT {
                a[l] = a[l] + x[l] * cc[l];
            }
        }
        j += DOT;
    }
    for q in 0..nq {
        let mut s = R::default();
        for v in acc[q] {
            s = s + v;
        }
        for jj in full..d {
            s = s + queries[q][jj] * c[jj];
        }
        out[q] = alpha * s;
    }
}

dispatched!(
    /// Runtime-dispatched [`dots_body`].
    #[inline]
    fn dots[R: Real](queries: &[&[R]], c: &[R], alpha: R, out: &mut [R]) = dots_body
);

/// Key tile by SIMD dot products: `dst[j·m + i] = alpha · ⟨a_i, b_j⟩` (`a`: `m × d`, `b`:
/// `n × d`, row-major). Used instead of GEMM for few queries, where the scan is memory-bound.
#[allow(clippy::too_many_arguments)] // the GEMM-like signature: dst, a, b, three sizes, alpha
pub(crate) fn dots_tile<R: Real>(
    lv: Level,
    dst: &mut [R],
    a: &[R],
    b: &[R],
    m: usize,
    n: usize,
    d: usize,
    alpha: R,
) {
    let mut out = [R::default(); 4];
    let mut qs: [&[R]; 4] = [&[]; 4];
    for j in 0..n {
        let c = &b[j * d..(j + 1) * d];
        let mut i0 = 0;
        while i0 < m {
            let cnt = (m - i0).min(4);
            for (q, slot) in qs.iter_mut().enumerate().take(cnt) {
                *slot = &a[(i0 + q) * d..(i0 + q + 1) * d];
            }
            let qv = &qs[..cnt];
            dots(lv, qv, c, alpha, &mut out);
            for q in 0..cnt {
                dst[j * m + i0 + q] = out[q];
            }
            i0 += cnt;
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equality is what these tests check
pub(crate) mod tests {
    use super::*;

    pub(crate) fn levels() -> Vec<Level> {
        let mut v = vec![Level::Scalar];
        if level() != Level::Scalar {
            v.push(level());
        }
        #[cfg(target_arch = "x86_64")]
        if matches!(level(), Level::Avx512) {
            v.push(Level::Avx2Fma);
        }
        v
    }

    #[test]
    fn dispatched_dots_equal_scalar_on_integer_data() {
        // integer-valued floats: every partial sum is exact, so all levels agree exactly
        for d in [1usize, 2, 5, 15, 16, 17, 33, 100] {
            let m = 7;
            let n = 5;
            let a: Vec<f32> = (0..m * d).map(|i| ((i * 37) % 11) as f32 - 5.0).collect();
            let b: Vec<f32> = (0..n * d).map(|i| ((i * 53) % 13) as f32 - 6.0).collect();
            let mut want = vec![0f32; m * n];
            for i in 0..m {
                for j in 0..n {
                    let s: f32 = (0..d).map(|t| a[i * d + t] * b[j * d + t]).sum();
                    want[j * m + i] = -s;
                }
            }
            for lv in levels() {
                let mut got = vec![0f32; m * n];
                dots_tile(lv, &mut got, &a, &b, m, n, d, -1.0);
                assert_eq!(got, want, "level {lv:?} d {d}");
                let mut g2 = vec![0f32; m * n];
                f32::gemm_nt(&mut g2, &a, &b, m, n, d, -1.0);
                assert_eq!(g2, want, "gemm d {d}");
            }
        }
    }

    #[test]
    fn all_finite_detects_every_kind_at_every_position() {
        for lv in levels() {
            for len in [0usize, 1, 15, 16, 17, 40] {
                let mut v = vec![1.5f32; len];
                assert!(all_finite(lv, &v));
                for pos in 0..len {
                    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                        v[pos] = bad;
                        assert!(!all_finite(lv, &v), "{lv:?} len {len} pos {pos}");
                        v[pos] = -f32::MAX;
                    }
                }
                assert!(all_finite(lv, &v));
            }
        }
    }

    #[test]
    fn round_up_never_rounds_below() {
        for v in [0.1f64, 1.0 / 3.0, -0.7, 1e30, 123_456_789.123] {
            assert!(f64::from(f32::round_up(v)) >= v);
            assert!(f64::from(f32::round_up(v).next_down()) < v);
        }
        assert_eq!(f32::round_up(f64::INFINITY), f32::INFINITY);
        assert_eq!(level_name(Level::Scalar), "scalar");
    }
}
