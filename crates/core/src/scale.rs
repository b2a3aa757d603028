//! Power-of-two rescaling of data at extreme (finite) magnitudes.
//!
//! The one rule of the numeric crates for f64 data far from 1: when the largest magnitude
//! `max |x|` lies outside `[2^-SAFE_LOG2, 2^SAFE_LOG2]`, computations run on a copy scaled by
//! `2^e` (`e` chosen so that the scaled maximum lies in `[1, 2)`), and results that carry a
//! unit are scaled back by `2^-e`. Multiplying by a power of two changes the exponent only, so
//! as long as no value becomes subnormal the scaled computation performs exactly the same
//! roundings as the unscaled one would on an unbounded exponent range: neighbours, ties and
//! ratios are identical, scaled-back values are exact. A scaled-back value that does not fit
//! in f64 (overflow, or loss of bits in the subnormal range) is reported by [`Scale::unscale`]
//! as `OutOfRange` instead of being returned wrong.
//!
//! Inside the safe range nothing is scaled, so ordinary data give bit-identical results. f32
//! data never need it (their range, `[2^-149, 2^128)`, lies inside the safe range).

use crate::{Element, Error, MatRef, Result};

/// Data with `max |x|` in `[2^-SAFE_LOG2, 2^SAFE_LOG2]` are used as they are: squares and
/// products of two values stay far inside the normal f64 range (`2^±800`), and sums of up to
/// `2^200` such terms cannot overflow.
pub const SAFE_LOG2: i32 = 400;

/// A power-of-two scale factor `2^exp` (identity when `exp == 0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scale {
    exp: i32,
}

/// `v · 2^e`, exact whenever the result is a normal number or zero (the product is split so
/// that no factor overflows; |e| may reach 2·1074).
#[must_use]
pub fn ldexp(mut v: f64, mut e: i32) -> f64 {
    let pow = |k: i32| f64::from_bits(((1023 + i64::from(k)) as u64) << 52);
    while e > 1023 {
        v *= pow(1023);
        e -= 1023;
    }
    while e < -1022 {
        v *= pow(-1022);
        e += 1022;
    }
    v * pow(e)
}

/// The binary exponent `k` with `2^k <= m < 2^(k+1)` of a positive finite `m` (subnormals
/// included).
fn exponent(m: f64) -> i32 {
    let bits = m.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // subnormal: value = mantissa · 2^-1074
        let mant = bits & ((1u64 << 52) - 1);
        63 - mant.leading_zeros() as i32 - 1074
    } else {
        biased - 1023
    }
}

/// Largest `|x|` over the slices (0 for empty input; NaN values are skipped); O(total
/// length), in parallel chunks of [`crate::matrix::SCAN_CHUNK`] values on the rayon pool, each
/// chunk a branch-free (vectorisable) fold. The maximum does not depend on the order, so the
/// result is the same for every thread count.
#[must_use]
pub fn max_abs<T: Element>(parts: &[&[T]]) -> f64 {
    use rayon::prelude::*;
    let chunk_max = |c: &[T]| {
        c.iter().fold(0.0f64, |m, v| {
            let a = v.to_f64().abs();
            if a > m {
                a
            } else {
                m
            }
        })
    };
    parts
        .iter()
        .map(|p| {
            p.par_chunks(crate::matrix::SCAN_CHUNK)
                .map(chunk_max)
                .reduce(|| 0.0, f64::max)
        })
        .fold(0.0f64, f64::max)
}

impl Scale {
    /// The identity (no scaling).
    pub const ONE: Scale = Scale { exp: 0 };

    /// The scale for data whose largest magnitude is `m`: the identity when `m` is 0, not
    /// finite, or inside `[2^-SAFE_LOG2, 2^SAFE_LOG2]`; else `2^-k` with `2^k <= m < 2^(k+1)`.
    #[must_use]
    pub fn for_max_abs(m: f64) -> Scale {
        if m == 0.0 || !m.is_finite() {
            return Scale::ONE;
        }
        let k = exponent(m);
        if (-SAFE_LOG2..=SAFE_LOG2).contains(&k) {
            Scale::ONE
        } else {
            Scale { exp: -k }
        }
    }

    /// The scale of the data in `parts` taken together ([`max_abs`], then
    /// [`Scale::for_max_abs`]). O(1) for a type whose whole range lies inside the safe one
    /// (`f32`, [`Element::EXP_RANGE`]): every value of it gives the identity, so nothing is read;
    /// else one sequential pass.
    #[must_use]
    pub fn of<T: Element>(parts: &[&[T]]) -> Scale {
        let (lo, hi) = T::EXP_RANGE;
        if -SAFE_LOG2 <= lo && hi <= SAFE_LOG2 {
            return Scale::ONE;
        }
        Scale::for_max_abs(max_abs(parts))
    }

    /// `true` when no scaling is needed.
    #[must_use]
    pub fn is_identity(self) -> bool {
        self.exp == 0
    }

    /// The exponent `e` of the factor `2^e` applied to the data.
    #[must_use]
    pub fn exp(self) -> i32 {
        self.exp
    }

    /// A copy of `x` multiplied by `2^e` (exact for every value that stays normal).
    #[must_use]
    pub fn apply<T: Element>(self, x: &[T]) -> Vec<T> {
        x.iter()
            .map(|&v| T::from_f64(ldexp(v.to_f64(), self.exp)))
            .collect()
    }

    /// Scale a result computed on scaled data back: `v · 2^(-e·power)`, where `power` is the
    /// degree of the quantity in the data (1 for distances, norms, means, standard
    /// deviations; 2 for squared distances, inner products, variances, eigenvalues).
    ///
    /// # Errors
    /// `OutOfRange` naming `what` when the value is not representable in f64: it overflows,
    /// or falls in the subnormal range with lost bits (a non-zero value that is not exact).
    pub fn unscale(self, v: f64, power: i32, what: &'static str) -> Result<f64> {
        if self.exp == 0 || v == 0.0 || !v.is_finite() {
            return Ok(v);
        }
        let e = -self.exp * power;
        let back = ldexp(v, e);
        #[allow(clippy::float_cmp)] // exactness is the point: the round trip must be lossless
        if back.is_finite() && ldexp(back, -e) == v {
            Ok(back)
        } else {
            Err(Error::OutOfRange {
                name: "values",
                expected: format!(
                    "magnitudes whose {what} fit in f64 (about 1e-308 to 1e308); rescale the data"
                ),
                actual: format!("a {what} of about {v:e} × 2^{e}"),
            })
        }
    }

    /// [`Scale::unscale`] on the values of one result vector `vs`, in place, judged together:
    /// an error when the largest magnitude does not fit; smaller values may round in the
    /// subnormal range (absolute error at most 2^-1075, far below the rounding of the
    /// largest), so a spectrum or a row of distances is not refused for its tail.
    ///
    /// # Errors
    /// As [`Scale::unscale`] for the largest magnitude.
    pub fn unscale_all(self, vs: &mut [f64], power: i32, what: &'static str) -> Result<()> {
        if self.exp == 0 {
            return Ok(());
        }
        let big = vs.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        self.unscale(big, power, what)?;
        let e = -self.exp * power;
        for v in vs {
            *v = ldexp(*v, e);
        }
        Ok(())
    }
}

/// Run `f` on `x`, or on a copy of `x` scaled by [`Scale::of`] when its magnitude is extreme;
/// `f` receives the scale so it can scale its results back ([`Scale::unscale`]).
///
/// Extra memory: the copy, `rows·cols·size_of::<T>()`, only for extreme magnitudes.
///
/// # Errors
/// Those of `f`.
pub fn with_scaled<T: Element, R>(
    x: MatRef<'_, T>,
    f: impl FnOnce(MatRef<'_, T>, Scale) -> Result<R>,
) -> Result<R> {
    let s = Scale::of(&[x.as_slice()]);
    if s.is_identity() {
        return f(x, s);
    }
    let copy = s.apply(x.as_slice());
    f(MatRef::new(&copy, x.rows(), x.cols())?, s)
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equality is what these tests check
mod tests {
    use super::*;

    #[test]
    fn ordinary_data_are_not_scaled() {
        for m in [0.0, 1e-120, 1e-3, 1.0, 3.5e7, 1e120, f64::NAN] {
            assert!(Scale::for_max_abs(m).is_identity(), "{m}");
        }
        let x = [1.0f32, -3.0, f32::MAX];
        assert!(Scale::of(&[&x[..]]).is_identity());
    }

    #[test]
    fn f32_shortcut_equals_the_scan() {
        // the f32 range: extremes, subnormals, zero, non-finite values
        let tiny = f32::from_bits(1);
        let sets: [&[f32]; 6] = [
            &[f32::MAX, -f32::MAX],
            &[tiny, -tiny],
            &[f32::MIN_POSITIVE],
            &[0.0, -0.0],
            &[f32::INFINITY, 1.0],
            &[f32::NAN],
        ];
        for x in sets {
            assert_eq!(Scale::of(&[x]), Scale::for_max_abs(max_abs(&[x])), "{x:?}");
        }
        let range = |lo: f64, hi: f64| (exponent(lo), exponent(hi));
        assert_eq!(range(f64::from(tiny), f64::from(f32::MAX)), f32::EXP_RANGE);
        assert_eq!(range(f64::from_bits(1), f64::MAX), f64::EXP_RANGE);
    }

    #[test]
    fn extreme_data_are_scaled_to_between_one_and_two() {
        for m in [
            1e-170,
            1e-165,
            1e-150,
            1e150,
            1e154,
            1e300,
            f64::MAX,
            5e-324,
            2.2e-308,
        ] {
            let s = Scale::for_max_abs(m);
            assert!(!s.is_identity(), "{m}");
            let y = ldexp(m, s.exp());
            assert!((1.0..2.0).contains(&y), "{m} -> {y}");
        }
    }

    #[test]
    fn scaling_is_exact_and_round_trips() {
        let x = [1e-165f64, -3.7e-166, 2.0e-170, 0.0];
        let s = Scale::of(&[&x[..]]);
        let y = s.apply(&x);
        for (a, b) in x.iter().zip(&y) {
            assert_eq!(s.unscale(*b, 1, "value").unwrap(), *a);
        }
        // distances (power 1) and squared distances (power 2)
        assert_eq!(
            s.unscale(ldexp(1.5, 0), 1, "distance").unwrap(),
            ldexp(1.5, -s.exp())
        );
        assert_eq!(ldexp(f64::MAX, -1023), ldexp(1.0, 1) * (1.0 - f64::EPSILON / 2.0));
    }

    #[test]
    fn unrepresentable_results_are_out_of_range() {
        // squared distances of data at 1e-165 are about 1e-330: below the f64 range
        let s = Scale::for_max_abs(1e-165);
        let e = s.unscale(1.234_567, 2, "squared distance").unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
        assert!(e.to_string().contains("squared distance"), "{e}");
        // squared distances of data at 1e300 overflow
        let s = Scale::for_max_abs(1e300);
        assert_eq!(
            s.unscale(1.0, 2, "squared distance").unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
        assert_eq!(s.unscale(0.0, 2, "squared distance").unwrap(), 0.0);
        assert!(s.unscale(1.0, 1, "distance").unwrap().is_finite());
        // a vector is judged by its largest value; its tail may round below the normal range
        let s = Scale::for_max_abs(1e-150);
        let mut v = [1.0, 1e-20, 0.0];
        s.unscale_all(&mut v, 2, "eigenvalue").unwrap();
        assert!(v[0] > 1e-301 && v[1] > 0.0 && v[2] == 0.0, "{v:?}");
        let mut v = [1e-10, 1e-20];
        assert_eq!(
            s.unscale_all(&mut v, 2, "eigenvalue").unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
    }

    #[test]
    fn exponent_of_subnormals() {
        assert_eq!(exponent(5e-324), -1074);
        assert_eq!(exponent(1.0), 0);
        assert_eq!(exponent(3.0), 1);
        assert_eq!(exponent(f64::MIN_POSITIVE), -1022);
        assert_eq!(exponent(f64::MIN_POSITIVE / 2.0), -1023);
    }
}
