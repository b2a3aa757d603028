//! Slices of a generic type seen as a concrete type when the two are the same type: the one
//! place that reinterprets them (generic numeric code dispatching to f32- or f64-only kernels).

use std::any::TypeId;

/// `s` as a slice of `U` when `T` is `U`, else `None`.
#[must_use]
pub fn as_same<T: 'static, U: 'static>(s: &[T]) -> Option<&[U]> {
    if TypeId::of::<T>() == TypeId::of::<U>() {
        // SAFETY: `T` and `U` have the same `TypeId`, so they are the same type and the slice
        // is reinterpreted as itself (same pointer, length, layout and lifetime).
        Some(unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<U>(), s.len()) })
    } else {
        None
    }
}

/// `s` as a mutable slice of `U` when `T` is `U`, else `None`.
#[must_use]
pub fn as_same_mut<T: 'static, U: 'static>(s: &mut [T]) -> Option<&mut [U]> {
    if TypeId::of::<T>() == TypeId::of::<U>() {
        // SAFETY: as in `as_same`; the exclusive borrow of `s` moves into the result, so the
        // slice stays unique.
        Some(unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<U>(), s.len()) })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_type_is_seen_through() {
        let a = [1.5f32, -2.0];
        assert_eq!(as_same::<f32, f32>(&a), Some(&a[..]));
        assert!(as_same::<f32, f64>(&a).is_none());
        assert!(as_same::<f32, u32>(&a).is_none());
        let pairs = [(0.5f32, 3u32)];
        assert_eq!(as_same::<(f32, u32), (f32, u32)>(&pairs), Some(&pairs[..]));
        let mut b = [1.0f64, 2.0];
        as_same_mut::<f64, f64>(&mut b).unwrap()[1] = 7.0;
        assert_eq!(b.map(f64::to_bits), [1.0f64, 7.0].map(f64::to_bits));
        assert!(as_same_mut::<f64, f32>(&mut b).is_none());
    }
}
