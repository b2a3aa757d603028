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
pub trait Element: Copy + Send + Sync + PartialOrd + std::fmt::Debug + sealed::Sealed + 'static {
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
}
