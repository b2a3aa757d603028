//! The floating-point element types embgeo computes on.

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// An input element type: `f32` or `f64` (sealed).
///
/// Reductions always accumulate in `f64` through [`Element::to_f64`]; per-vector outputs keep
/// the input type.
pub trait Element:
    Copy + Default + Send + Sync + PartialOrd + std::fmt::Debug + sealed::Sealed + 'static
{
    /// `"f32"` or `"f64"`, as reported in messages and results.
    const DTYPE: &'static str;
    /// Binary exponents of the type's smallest positive (subnormal) and largest finite values:
    /// every nonzero finite `v` has `EXP_RANGE.0 <= log2 |v| < EXP_RANGE.1 + 1`.
    const EXP_RANGE: (i32, i32);
    /// Exact widening to `f64` (lossless for both types).
    fn to_f64(self) -> f64;
    /// Rounding conversion from `f64` (round-to-nearest for `f32`).
    fn from_f64(v: f64) -> Self;
    /// `false` for NaN and ±infinity.
    fn is_finite(self) -> bool;
    /// Whether every value of `data` is finite, and the largest `|v|` (0 for no values; not
    /// meaningful when some value is not finite). One pass, O(len), no allocation: the maximum of
    /// the magnitudes' bit patterns as unsigned integers (for non-negative IEEE values the
    /// integer order is the numeric order, and NaN and ±infinity sort above every finite value),
    /// a reduction LLVM vectorises exactly — run it under [`crate::simd::widest`].
    fn scan_max_abs(data: &[Self]) -> (bool, f64);
}

impl Element for f32 {
    const DTYPE: &'static str = "f32";
    const EXP_RANGE: (i32, i32) = (-149, 127);
    #[inline]
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    #[inline]
    fn is_finite(self) -> bool {
        f32::is_finite(self)
    }
    #[inline(always)] // inlined into `simd::widest`'s feature-enabled function, so it vectorises there
    #[allow(clippy::inline_always)]
    fn scan_max_abs(data: &[f32]) -> (bool, f64) {
        let bits = data.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7fff_ffff));
        (bits < 0x7f80_0000, f64::from(f32::from_bits(bits)))
    }
}

impl Element for f64 {
    const DTYPE: &'static str = "f64";
    const EXP_RANGE: (i32, i32) = (-1074, 1023);
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline]
    fn is_finite(self) -> bool {
        f64::is_finite(self)
    }
    #[inline(always)] // inlined into `simd::widest`'s feature-enabled function, so it vectorises there
    #[allow(clippy::inline_always)]
    fn scan_max_abs(data: &[f64]) -> (bool, f64) {
        let bits = data
            .iter()
            .fold(0u64, |m, v| m.max(v.to_bits() & 0x7fff_ffff_ffff_ffff));
        (bits < 0x7ff0_0000_0000_0000, f64::from_bits(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::Element;

    /// The magnitude scan against the plain float comparison, on values whose bit patterns cover
    /// the edge cases: signed zeros, subnormals, the largest finite values, ±infinity and NaN.
    fn check<T: Element>(values: &[T], largest: f64) {
        assert_eq!(T::scan_max_abs(&[]), (true, 0.0));
        let (finite, max) = T::scan_max_abs(values);
        assert!(finite);
        assert_eq!(max.to_bits(), largest.to_bits());
        assert_eq!(crate::simd::widest(|| T::scan_max_abs(values)), (finite, max));
    }

    #[test]
    fn scan_max_abs_matches_the_float_order() {
        let tiny32 = f32::from_bits(1);
        check(&[-0.0f32, 0.0, tiny32, -tiny32], f64::from(tiny32));
        check(&[1.5f32, -f32::MAX, 2.0], f64::from(f32::MAX));
        check(&[-0.0f64, f64::from_bits(1)], f64::from_bits(1));
        check(&[3.0f64, -7.25, 7.0], 7.25);
        let long: Vec<f32> = (0..4099).map(|i| (i as f32 - 2049.5) * 0.5).collect();
        check(&long, 1024.75);
        for bad in [f32::NAN, -f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let mut v = long.clone();
            v[1234] = bad;
            assert!(!f32::scan_max_abs(&v).0, "{bad} must read as not finite");
        }
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(
                !f64::scan_max_abs(&[1.0, bad, -2.0]).0,
                "{bad} must read as not finite"
            );
        }
    }
}
