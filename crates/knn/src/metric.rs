//! Distance metrics and their exact (f64, sequential) definitions.
//!
//! The candidate pass ranks pairs with a fast GEMM or SIMD key in the input precision; the
//! values reported (and the final order) come from the functions here, evaluated in `f64`
//! with a fixed 16-lane summation order ([`EXACT_LANES`]), so results equal a naive f64 brute
//! force using the same order bit for bit (and a left-to-right f64 sum to ~1e-16 relative).

use embgeo_core::{Element, Error, Result};

#[cfg(target_arch = "x86_64")]
use crate::real::cast;

/// A dissimilarity; smaller is closer.
///
/// | metric | reported distance | ordering key |
/// |---|---|---|
/// | `Euclidean` | `‖x − y‖` | `‖x − y‖²` |
/// | `SqEuclidean` | `‖x − y‖²` | `‖x − y‖²` |
/// | `Cosine` | `1 − ⟨x, y⟩ / (‖x‖·‖y‖)`, clamped at 0 | the same |
/// | `Dot` | `−⟨x, y⟩` (may be negative) | the same |
/// Deserialised from its public name (`"euclidean"`, …; see [`Metric::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    /// `‖x − y‖` (the default, as in scikit-learn).
    #[default]
    Euclidean,
    /// `‖x − y‖²` (faiss `IndexFlatL2` reports this).
    SqEuclidean,
    /// `1 − cos(x, y)`; rows are normalised once; zero rows are rejected.
    Cosine,
    /// `−⟨x, y⟩` (maximum inner product; faiss `IndexFlatIP` reports `+⟨x, y⟩`).
    Dot,
}

impl Metric {
    /// The public name: `"euclidean"`, `"sqeuclidean"`, `"cosine"` or `"dot"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Metric::Euclidean => "euclidean",
            Metric::SqEuclidean => "sqeuclidean",
            Metric::Cosine => "cosine",
            Metric::Dot => "dot",
        }
    }

    /// Parse a public name (see [`Metric::name`]).
    ///
    /// # Errors
    /// `OutOfRange` naming the accepted values.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "euclidean" => Ok(Metric::Euclidean),
            "sqeuclidean" => Ok(Metric::SqEuclidean),
            "cosine" => Ok(Metric::Cosine),
            "dot" => Ok(Metric::Dot),
            other => Err(Error::OutOfRange {
                name: "metric",
                expected: "one of 'euclidean', 'sqeuclidean', 'cosine', 'dot'".into(),
                actual: format!("'{other}'"),
            }),
        }
    }

    pub(crate) fn code(self) -> u8 {
        match self {
            Metric::Euclidean => 0,
            Metric::SqEuclidean => 1,
            Metric::Cosine => 2,
            Metric::Dot => 3,
        }
    }

    pub(crate) fn from_code(c: u8) -> Option<Self> {
        match c {
            0 => Some(Metric::Euclidean),
            1 => Some(Metric::SqEuclidean),
            2 => Some(Metric::Cosine),
            3 => Some(Metric::Dot),
            _ => None,
        }
    }

    /// Ordering key to reported distance.
    #[inline]
    pub(crate) fn report(self, key: f64) -> f64 {
        match self {
            Metric::Euclidean => key.sqrt(),
            _ => key,
        }
    }
}

/// Lanes of the exact f64 sums: element `t` goes to partial sum `t mod 16`; the partial sums
/// are combined pairwise, `s[l] + s[l+8]`, then `s[l] + s[l+4]`, `s[l] + s[l+2]`, `s[0] + s[1]`.
/// This fixed order is the definition (independent of the SIMD level, so results are
/// identical on every CPU); its dependency chain is 16× shorter than a left-to-right sum.
pub const EXACT_LANES: usize = 16;

// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn combine(a: [f64; EXACT_LANES]) -> f64 {
    let mut h = [0.0f64; 8];
    for l in 0..8 {
        h[l] = a[l] + a[l + 8];
    }
    let q = [h[0] + h[4], h[1] + h[5], h[2] + h[6], h[3] + h[7]];
    let p = [q[0] + q[2], q[1] + q[3]];
    p[0] + p[1]
}

/// `Σ term(xₜ, yₜ)` over `min(len)` elements, in [`EXACT_LANES`] f64 lanes combined by
/// [`combine`] (the fixed summation order of the exact kernels).
// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn lanes_body<T: Element>(x: &[T], y: &[T], term: impl Fn(f64, f64) -> f64) -> f64 {
    let n = x.len().min(y.len());
    let full = n / EXACT_LANES * EXACT_LANES;
    let mut acc = [0.0f64; EXACT_LANES];
    for (xc, yc) in x[..full]
        .chunks_exact(EXACT_LANES)
        .zip(y[..full].chunks_exact(EXACT_LANES))
    {
        for l in 0..EXACT_LANES {
            acc[l] += term(xc[l].to_f64(), yc[l].to_f64());
        }
    }
    for t in full..n {
        acc[t - full] += term(x[t].to_f64(), y[t].to_f64());
    }
    combine(acc)
}

// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn sq_body<T: Element>(x: &[T], y: &[T]) -> f64 {
    lanes_body(x, y, |a, b| {
        let t = a - b;
        t * t
    })
}

// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn dot_body<T: Element>(x: &[T], y: &[T]) -> f64 {
    lanes_body(x, y, |a, b| a * b)
}

/// The AVX2 level's reductions: [`avx2`]'s explicit kernels for f32 and f64 rows, the portable
/// body (compiled with AVX2) for other element types; bit-identical either way.
macro_rules! avx2_level {
    ($name:ident, $k32:ident, $k64:ident, $body:ident) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn $name<T: Element>(x: &[T], y: &[T]) -> f64 {
            if let (Some(a), Some(b)) = (cast::<T, f32>(x), cast::<T, f32>(y)) {
                avx2::$k32(a, b)
            } else if let (Some(a), Some(b)) = (cast::<T, f64>(x), cast::<T, f64>(y)) {
                avx2::$k64(a, b)
            } else {
                $body(x, y)
            }
        }
    };
}
avx2_level!(sq_avx2, sq_f32, sq_f64, sq_body);
avx2_level!(dot_avx2, dot_f32, dot_f64, dot_body);

#[cfg(target_arch = "x86_64")]
mod avx2;

/// Explicit AVX-512 kernels of the 16-lane sums: `acc0` holds lanes 0–7, `acc1` lanes 8–15,
/// each lane updated with a separate multiply and add (no FMA), so the result equals
/// `sq_body` / `dot_body` bit for bit.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::{
        __m512d, _mm256_loadu_ps, _mm512_add_pd, _mm512_cvtps_pd, _mm512_loadu_pd, _mm512_mul_pd,
        _mm512_setzero_pd, _mm512_storeu_pd, _mm512_sub_pd,
    };

    use super::{combine, EXACT_LANES};

    #[inline]
    #[target_feature(enable = "avx512f")]
    fn finish(acc0: __m512d, acc1: __m512d, tail: impl Iterator<Item = f64>) -> f64 {
        let mut a = [0.0f64; EXACT_LANES];
        let (lo, hi) = a.split_at_mut(8);
        // SAFETY: `lo` and `hi` are 8 writable f64 each.
        unsafe {
            _mm512_storeu_pd(lo.as_mut_ptr(), acc0);
            _mm512_storeu_pd(hi.as_mut_ptr(), acc1);
        }
        for (l, v) in tail.enumerate() {
            a[l] += v;
        }
        combine(a)
    }

    /// Loads 16 f32 from `p` as two vectors of 8 f64.
    ///
    /// # Safety
    /// `p` must be valid for reading 16 `f32`, and avx512f available.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load16_f32(p: *const f32) -> (__m512d, __m512d) {
        // SAFETY: the caller guarantees 16 readable f32 at `p`.
        unsafe {
            (
                _mm512_cvtps_pd(_mm256_loadu_ps(p)),
                _mm512_cvtps_pd(_mm256_loadu_ps(p.add(8))),
            )
        }
    }

    /// Loads 16 f64 from `p` as two vectors of 8.
    ///
    /// # Safety
    /// `p` must be valid for reading 16 `f64`, and avx512f available.
    #[inline]
    #[target_feature(enable = "avx512f")]
    unsafe fn load16_f64(p: *const f64) -> (__m512d, __m512d) {
        // SAFETY: the caller guarantees 16 readable f64 at `p`.
        unsafe { (_mm512_loadu_pd(p), _mm512_loadu_pd(p.add(8))) }
    }

    /// One AVX-512 reduction `$name` over rows of `$t`: `|p, q| lane` is the per-lane term of
    /// two vectors of 8 f64, `|a, b| tail` the same term on one f64 pair (the tail).
    macro_rules! kernel {
        ($name:ident, $t:ty, $load:ident, |$p:ident, $q:ident| $lane:expr, |$a:ident, $b:ident| $tail:expr) => {
            #[target_feature(enable = "avx512f")]
            pub(super) fn $name(x: &[$t], y: &[$t]) -> f64 {
                let n = x.len().min(y.len());
                let full = n / EXACT_LANES * EXACT_LANES;
                let (mut a0, mut a1) = (_mm512_setzero_pd(), _mm512_setzero_pd());
                let mut t = 0;
                while t < full {
                    // SAFETY: t + 16 <= full <= len of both slices.
                    let ((x0, x1), (y0, y1)) =
                        unsafe { ($load(x.as_ptr().add(t)), $load(y.as_ptr().add(t))) };
                    a0 = _mm512_add_pd(a0, {
                        let ($p, $q) = (x0, y0);
                        $lane
                    });
                    a1 = _mm512_add_pd(a1, {
                        let ($p, $q) = (x1, y1);
                        $lane
                    });
                    t += EXACT_LANES;
                }
                finish(
                    a0,
                    a1,
                    (full..n).map(|t| {
                        let ($a, $b) = (f64::from(x[t]), f64::from(y[t]));
                        $tail
                    }),
                )
            }
        };
    }

    /// `$name` of four row pairs `(xs[r], ys[r])` at once (all of one length): each lane of each
    /// pair updated exactly as [`kernel!`] does, so every result equals the single kernel's bit
    /// for bit. Eight independent accumulator chains instead of two hide the add latency, and
    /// four pairs in flight overlap their cache misses.
    macro_rules! kernel4 {
        ($name:ident, $t:ty, $load:ident, |$p:ident, $q:ident| $lane:expr, |$a:ident, $b:ident| $tail:expr) => {
            #[target_feature(enable = "avx512f")]
            pub(super) fn $name(xs: [&[$t]; 4], ys: [&[$t]; 4]) -> [f64; 4] {
                let n = xs[0].len();
                assert!(
                    xs.iter().chain(&ys).all(|y| y.len() == n),
                    "rows of equal length"
                );
                let full = n / EXACT_LANES * EXACT_LANES;
                let mut acc = [[_mm512_setzero_pd(); 2]; 4];
                let mut t = 0;
                while t < full {
                    for ((a, x), y) in acc.iter_mut().zip(xs).zip(ys) {
                        // SAFETY: t + 16 <= full <= n, the length of every row.
                        let ((x0, x1), (y0, y1)) =
                            unsafe { ($load(x.as_ptr().add(t)), $load(y.as_ptr().add(t))) };
                        a[0] = _mm512_add_pd(a[0], {
                            let ($p, $q) = (x0, y0);
                            $lane
                        });
                        a[1] = _mm512_add_pd(a[1], {
                            let ($p, $q) = (x1, y1);
                            $lane
                        });
                    }
                    t += EXACT_LANES;
                }
                let mut out = [0.0f64; 4];
                for (((o, a), x), y) in out.iter_mut().zip(acc).zip(xs).zip(ys) {
                    *o = finish(
                        a[0],
                        a[1],
                        (full..n).map(|t| {
                            let ($a, $b) = (f64::from(x[t]), f64::from(y[t]));
                            $tail
                        }),
                    );
                }
                out
            }
        };
    }

    /// One reduction as a single-pair kernel `$one` and a four-pair kernel `$four`.
    macro_rules! both {
        ($one:ident, $four:ident, $t:ty, $load:ident, |$p:ident, $q:ident| $lane:expr, |$a:ident, $b:ident| $tail:expr) => {
            kernel!($one, $t, $load, |$p, $q| $lane, |$a, $b| $tail);
            kernel4!($four, $t, $load, |$p, $q| $lane, |$a, $b| $tail);
        };
    }

    /// The squared-difference and product kernels of one element type, single and four-pair.
    macro_rules! kernels {
        ($sq:ident, $dot:ident, $sq4:ident, $dot4:ident, $t:ty, $load:ident) => {
            both!(
                $sq,
                $sq4,
                $t,
                $load,
                |p, q| {
                    let d = _mm512_sub_pd(p, q);
                    _mm512_mul_pd(d, d)
                },
                |a, b| {
                    let e = a - b;
                    e * e
                }
            );
            both!(
                $dot,
                $dot4,
                $t,
                $load,
                |p, q| _mm512_mul_pd(p, q),
                |a, b| a * b
            );
        };
    }
    kernels!(sq_f32, dot_f32, sq4_f32, dot4_f32, f32, load16_f32);
    kernels!(sq_f64, dot_f64, sq4_f64, dot4_f64, f64, load16_f64);
}

/// A runtime-dispatched exact f64 reduction over two rows: the AVX-512 kernels for f32/f64
/// rows, the AVX2 kernel, or the portable body. Results equal the body exactly on every level:
/// lanes are independent IEEE operations and Rust never contracts `a * b + c` into an FMA.
macro_rules! dispatched {
    ($(#[$doc:meta])* $name:ident, $k32:ident, $k64:ident, $avx2:ident, $body:ident) => {
        $(#[$doc])*
        #[inline]
        #[must_use]
        pub fn $name<T: Element>(x: &[T], y: &[T]) -> f64 {
            match crate::real::level() {
                #[cfg(target_arch = "x86_64")]
                crate::real::Level::Avx512 => {
                    if let (Some(a), Some(b)) = (cast::<T, f32>(x), cast::<T, f32>(y)) {
                        // SAFETY: `Avx512` is only produced after avx512f was detected.
                        unsafe { avx512::$k32(a, b) }
                    } else if let (Some(a), Some(b)) = (cast::<T, f64>(x), cast::<T, f64>(y)) {
                        // SAFETY: as above.
                        unsafe { avx512::$k64(a, b) }
                    } else {
                        $body(x, y)
                    }
                }
                // SAFETY: `Avx2Fma` is only produced after avx2 and fma were detected.
                #[cfg(target_arch = "x86_64")]
                crate::real::Level::Avx2Fma => unsafe { $avx2(x, y) },
                _ => $body(x, y),
            }
        }
    };
}

dispatched!(
    /// `Σ (xᵢ − yᵢ)²` in f64 in the [`EXACT_LANES`] order (exactly 0 for identical rows).
    sq_euclidean, sq_f32, sq_f64, sq_avx2, sq_body
);
dispatched!(
    /// `Σ xᵢ·yᵢ` in f64 in the [`EXACT_LANES`] order.
    dot, dot_f32, dot_f64, dot_avx2, dot_body
);

/// [`cast`] of four rows: `Some` when `T` is `U`.
#[cfg(target_arch = "x86_64")]
fn cast4<T: Element, U: Element>(ys: [&[T]; 4]) -> Option<[&[U]; 4]> {
    let [a, b, c, d] = ys.map(cast::<T, U>);
    Some([a?, b?, c?, d?])
}

/// A runtime-dispatched four-pair form of a reduction: `single(xs[r], ys[r])` for r = 0..4,
/// through the AVX-512 four-pair kernels when every row has one length (each result equal to
/// the single kernel's bit for bit), else one pair at a time.
macro_rules! dispatched4 {
    ($(#[$doc:meta])* $name:ident, $single:ident, $k32:ident, $k64:ident) => {
        $(#[$doc])*
        #[inline]
        #[must_use]
        pub fn $name<T: Element>(xs: [&[T]; 4], ys: [&[T]; 4]) -> [f64; 4] {
            #[cfg(target_arch = "x86_64")]
            if crate::real::level() == crate::real::Level::Avx512
                && xs.iter().chain(&ys).all(|y| y.len() == xs[0].len())
            {
                if let (Some(a), Some(b)) = (cast4::<T, f32>(xs), cast4::<T, f32>(ys)) {
                    // SAFETY: `Avx512` is only produced after avx512f was detected.
                    return unsafe { avx512::$k32(a, b) };
                }
                if let (Some(a), Some(b)) = (cast4::<T, f64>(xs), cast4::<T, f64>(ys)) {
                    // SAFETY: as above.
                    return unsafe { avx512::$k64(a, b) };
                }
            }
            std::array::from_fn(|r| $single(xs[r], ys[r]))
        }
    };
}

dispatched4!(
    /// [`sq_euclidean`] of four row pairs (the same four values, bit for bit).
    sq_euclidean4, sq_euclidean, sq4_f32, sq4_f64
);
dispatched4!(
    /// [`dot`] of four row pairs (the same four values, bit for bit).
    dot4, dot, dot4_f32, dot4_f64
);

/// `1 − dot / √(nx2·ny2)` clamped at 0: [`cosine_from_norms`] from its dot product.
#[inline]
#[must_use]
pub fn cosine_from_dot(dot: f64, nx2: f64, ny2: f64) -> f64 {
    let c = dot / (nx2 * ny2).sqrt();
    (1.0 - c).max(0.0)
}

/// `1 − ⟨x, y⟩ / √(‖x‖²·‖y‖²)` clamped at 0, from the f64 squared norms `nx2`, `ny2`
/// ([`dot`] of a row with itself). Identical rows give exactly 0 (`√(s·s) = s` in IEEE
/// arithmetic).
#[inline]
#[must_use]
pub fn cosine_from_norms<T: Element>(x: &[T], y: &[T], nx2: f64, ny2: f64) -> f64 {
    cosine_from_dot(dot(x, y), nx2, ny2)
}

/// The exact ordering key of `metric` between two rows (for `Euclidean` the squared distance;
/// take its square root to get the reported value). This is the definition the engine's
/// results are checked against.
#[must_use]
pub fn exact_key<T: Element>(metric: Metric, x: &[T], y: &[T]) -> f64 {
    exact_key_with_norms(metric, x, y, || (dot(x, x), dot(y, y)))
}

/// [`exact_key`] with the f64 squared norms (needed by cosine only) from `norms`.
#[inline]
pub(crate) fn exact_key_with_norms<T: Element>(
    metric: Metric,
    x: &[T],
    y: &[T],
    norms: impl FnOnce() -> (f64, f64),
) -> f64 {
    match metric {
        Metric::Euclidean | Metric::SqEuclidean => sq_euclidean(x, y),
        Metric::Dot => -dot(x, y),
        Metric::Cosine => {
            let (nx2, ny2) = norms();
            cosine_from_norms(x, y, nx2, ny2)
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equality is what these tests check
mod tests {
    use super::*;

    #[test]
    fn identical_rows_are_at_distance_zero() {
        let x = [0.1f32, -3.7, 1e-3, 12.5];
        assert_eq!(exact_key(Metric::SqEuclidean, &x, &x), 0.0);
        assert_eq!(exact_key(Metric::Cosine, &x, &x), 0.0);
        let y = [1.0f64 / 3.0, 7.0e10, -2.0];
        assert_eq!(exact_key(Metric::Cosine, &y, &y), 0.0);
    }

    #[test]
    fn names_round_trip_and_unknown_is_out_of_range() {
        for m in [
            Metric::Euclidean,
            Metric::SqEuclidean,
            Metric::Cosine,
            Metric::Dot,
        ] {
            assert_eq!(Metric::parse(m.name()).unwrap(), m);
            assert_eq!(Metric::from_code(m.code()), Some(m));
        }
        assert_eq!(Metric::parse("l2").unwrap_err().code(), "ERR_OUT_OF_RANGE");
    }

    #[test]
    fn params_deserialise_from_camel_case_options_and_reject_unknown_names() {
        let p: crate::Params = serde_json::from_str(r#"{"k":3,"metric":"sqeuclidean"}"#).unwrap();
        assert_eq!((p.k, p.metric), (3, Metric::SqEuclidean));
        assert_eq!(p.query_block, crate::Params::default().query_block);
        assert!(serde_json::from_str::<crate::Params>(r#"{"k":3,"metirc":"cosine"}"#).is_err());
        let e = serde_json::from_str::<Metric>(r#""manhattan""#).unwrap_err();
        assert!(e.to_string().starts_with("unknown variant"), "{e}");
    }

    #[test]
    fn four_row_kernels_equal_the_single_kernels_bit_for_bit() {
        // lengths around the 16-lane step (tails of 0..15), values of mixed signs and scales
        for d in [1usize, 15, 16, 17, 31, 48, 63, 384, 385] {
            let row = |s: usize| -> Vec<f64> {
                (0..d)
                    .map(|t| ((s * 131 + t * 29) % 97) as f64 / 7.0 - 6.0 + 1e-9 * t as f64)
                    .collect()
            };
            let (x, ys) = (row(0), [row(1), row(2), row(3), row(4)]);
            let yr = [&ys[0][..], &ys[1][..], &ys[2][..], &ys[3][..]];
            assert_eq!(
                sq_euclidean4([&x[..]; 4], yr),
                yr.map(|y| sq_euclidean(&x, y)),
                "f64 sq, d {d}"
            );
            assert_eq!(dot4([&x[..]; 4], yr), yr.map(|y| dot(&x, y)), "f64 dot, d {d}");
            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            let y32: Vec<Vec<f32>> = ys.iter().map(|y| y.iter().map(|&v| v as f32).collect()).collect();
            let yr = [&y32[0][..], &y32[1][..], &y32[2][..], &y32[3][..]];
            assert_eq!(
                sq_euclidean4([&x32[..]; 4], yr),
                yr.map(|y| sq_euclidean(&x32, y)),
                "f32 sq, d {d}"
            );
            assert_eq!(
                dot4([&x32[..]; 4], yr),
                yr.map(|y| dot(&x32, y)),
                "f32 dot, d {d}"
            );
        }
        // rows of different lengths take the one-row path (min of the two lengths each)
        let (x, y) = ([1.0f32, 2.0, 3.0], [1.0f32, 0.0]);
        assert_eq!(sq_euclidean4([&x; 4], [&x, &y, &x, &y]), [0.0, 4.0, 0.0, 4.0]);
        // four different pairs
        let z = [0.5f32, -1.0, 2.0];
        assert_eq!(
            sq_euclidean4([&x, &z, &y[..], &z], [&z, &x, &y[..], &z]),
            [sq_euclidean(&x, &z), sq_euclidean(&z, &x), 0.0, 0.0]
        );
    }

    #[test]
    fn dot_is_negated_inner_product() {
        // <(1,2),(3,4)> = 11
        assert_eq!(exact_key(Metric::Dot, &[1.0f32, 2.0], &[3.0, 4.0]), -11.0);
        assert_eq!(Metric::Euclidean.report(9.0), 3.0);
    }

    #[test]
    fn lane_order_is_the_documented_one_on_every_level() {
        let x: Vec<f64> = (0..41).map(|i| 1.0 / f64::from(i + 1)).collect();
        let y: Vec<f64> = (0..41).map(|i| f64::from(i).sin()).collect();
        let mut acc = [0.0f64; 16];
        let mut accd = [0.0f64; 16];
        for t in 0..41 {
            acc[t % 16] += (x[t] - y[t]) * (x[t] - y[t]);
            accd[t % 16] += x[t] * y[t];
        }
        #[cfg(target_arch = "x86_64")]
        if crate::real::level() == crate::real::Level::Avx512 {
            // SAFETY: the level was detected on this CPU.
            unsafe {
                assert_eq!(sq_avx2(&x, &y), combine(acc));
                assert_eq!(avx512::sq_f64(&x, &y), combine(acc));
                assert_eq!(avx512::dot_f64(&x, &y), combine(accd));
            }
        }
        // f32 inputs through every level
        let xf: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let yf: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        for len in [0usize, 1, 15, 16, 17, 41] {
            let mut a = [0.0f64; 16];
            let mut b = [0.0f64; 16];
            for t in 0..len {
                let e = f64::from(xf[t]) - f64::from(yf[t]);
                a[t % 16] += e * e;
                b[t % 16] += f64::from(xf[t]) * f64::from(yf[t]);
            }
            assert_eq!(sq_euclidean(&xf[..len], &yf[..len]), combine(a), "len {len}");
            assert_eq!(dot(&xf[..len], &yf[..len]), combine(b), "len {len}");
            assert_eq!(sq_body(&xf[..len], &yf[..len]), combine(a));
        }
        assert_eq!(sq_euclidean(&x, &y), combine(acc));
        assert_eq!(sq_body(&x, &y), combine(acc));
        #[cfg(target_arch = "x86_64")]
        if matches!(
            crate::real::level(),
            crate::real::Level::Avx2Fma | crate::real::Level::Avx512
        ) {
            // the explicit AVX2 kernels: every tail length, f32 and f64, against the bodies
            for len in 0..=41 {
                let (x, y, xf, yf) = (&x[..len], &y[..len], &xf[..len], &yf[..len]);
                // SAFETY: both levels imply AVX2 and FMA, detected on this CPU.
                unsafe {
                    assert_eq!(sq_avx2(x, y).to_bits(), sq_body(x, y).to_bits(), "len {len}");
                    assert_eq!(dot_avx2(x, y).to_bits(), dot_body(x, y).to_bits(), "len {len}");
                    assert_eq!(sq_avx2(xf, yf).to_bits(), sq_body(xf, yf).to_bits(), "len {len}");
                    assert_eq!(
                        dot_avx2(xf, yf).to_bits(),
                        dot_body(xf, yf).to_bits(),
                        "len {len}"
                    );
                }
            }
        }
        assert_eq!(dot(&x, &y), combine(accd));
        assert_eq!(dot_body(&x, &y), combine(accd));
    }
}
