//! Matrices as a binding hands them over: borrowed from the host (sync calls, zero-copy) or
//! owned (async calls copy once, so the host may mutate its buffer while the job runs), of
//! either float element type ([`Data`]) or any type the exact kNN takes ([`AnyData`]), and
//! generic functions applied to them in their own element type ([`on_matrix`]).

use std::any::Any;
use std::borrow::Cow;

use embgeo_core::{Element, MatRef, Result};
use embgeo_knn::Values;

/// Float matrix data (row-major; the width travels beside it).
pub enum Data<'a> {
    /// `f32` values.
    F32(Cow<'a, [f32]>),
    /// `f64` values.
    F64(Cow<'a, [f64]>),
}

impl Data<'_> {
    /// The values, for the kNN crate.
    #[must_use]
    pub fn values(&self) -> Values<'_> {
        match self {
            Data::F32(v) => Values::F32(v),
            Data::F64(v) => Values::F64(v),
        }
    }
}

/// Matrix data of any element type the exact kNN takes.
pub enum AnyData<'a> {
    /// f32 values.
    F32(Cow<'a, [f32]>),
    /// f64 values.
    F64(Cow<'a, [f64]>),
    /// bf16 bits.
    Bf16(Cow<'a, [u16]>),
    /// f16 bits.
    F16(Cow<'a, [u16]>),
    /// int8 values.
    I8(Cow<'a, [i8]>),
}

impl AnyData<'_> {
    /// The values as f32 (`f64` false) or f64: widening is exact; f64 to f32 rounds to nearest
    /// (as a `Float32Array` store does). O(n) time and memory.
    #[must_use]
    pub fn to_floats(&self, f64: bool) -> FloatVec {
        match (f64, self.values()) {
            (false, Values::F64(d)) => FloatVec::F32(d.iter().map(|&x| x as f32).collect()),
            (false, any) => FloatVec::F32(any.to_f32().unwrap_or_default().into_owned()),
            (true, any) => FloatVec::F64(any.to_f64().into_owned()),
        }
    }

    /// The values, for the kNN crate.
    #[must_use]
    pub fn values(&self) -> Values<'_> {
        match self {
            AnyData::F32(v) => Values::F32(v),
            AnyData::F64(v) => Values::F64(v),
            AnyData::Bf16(v) => Values::Bf16(v),
            AnyData::F16(v) => Values::F16(v),
            AnyData::I8(v) => Values::I8(v),
        }
    }
}

/// Host arrays made `'static`, for a job that outlives the call that built it: owned by one copy
/// (an async twin's default, so the host may mutate, transfer or resize its buffers while the
/// job runs; O(len) time and memory for borrowed values, nothing for owned ones), or borrowed
/// in place on the host's promise not to touch them ([`IntoStatic::assume_static`], O(1)).
pub trait IntoStatic {
    /// The same values, owned or borrowed for `'static`.
    type Static: 'static;
    /// One copy if borrowed.
    fn into_static(self) -> Self::Static;
    /// The same values without a copy: borrowed slices stay borrowed, owned ones are moved. O(1).
    ///
    /// # Safety
    /// Every slice `self` borrows must stay allocated, unmoved and unwritten for as long as the
    /// returned value exists (the lifetime it claims is not checked).
    unsafe fn assume_static(self) -> Self::Static;
}

impl<T: Copy + Default + Send + Sync + 'static> IntoStatic for Cow<'_, [T]> {
    type Static = Cow<'static, [T]>;
    /// A borrowed slice is copied by [`crate::copy::copy_slice`] on the pool's number of
    /// threads; an owned one is moved.
    fn into_static(self) -> Cow<'static, [T]> {
        match self {
            Cow::Borrowed(s) => Cow::Owned(crate::copy::copy_slice(s, crate::pool::threads().unwrap_or(1))),
            Cow::Owned(v) => Cow::Owned(v),
        }
    }
    unsafe fn assume_static(self) -> Cow<'static, [T]> {
        match self {
            // SAFETY: `s` is a valid slice, so its pointer and length describe `s.len()`
            // initialised values of `T`; the caller guarantees (this method's contract) that they
            // stay allocated, unmoved and unwritten while the returned slice exists.
            Cow::Borrowed(s) => Cow::Borrowed(unsafe { std::slice::from_raw_parts(s.as_ptr(), s.len()) }),
            Cow::Owned(v) => Cow::Owned(v),
        }
    }
}

impl<V: IntoStatic> IntoStatic for Option<V> {
    type Static = Option<V::Static>;
    fn into_static(self) -> Option<V::Static> {
        self.map(V::into_static)
    }
    unsafe fn assume_static(self) -> Option<V::Static> {
        // SAFETY: forwarded: the caller's guarantee covers the slices of the inner value.
        self.map(|v| unsafe { v.assume_static() })
    }
}

/// [`IntoStatic`] for an enum `$e<'a>` whose variants each hold one `Cow` slice.
#[macro_export]
macro_rules! cow_enum_into_static {
    ($e:ident: $($v:ident),+) => {
        impl $crate::data::IntoStatic for $e<'_> {
            type Static = $e<'static>;
            fn into_static(self) -> $e<'static> {
                match self {
                    $($e::$v(c) => $e::$v($crate::data::IntoStatic::into_static(c)),)+
                }
            }
            unsafe fn assume_static(self) -> $e<'static> {
                match self {
                    // SAFETY: forwarded: the caller's guarantee covers the variant's slice.
                    $($e::$v(c) => $e::$v(unsafe { $crate::data::IntoStatic::assume_static(c) }),)+
                }
            }
        }
    };
}

cow_enum_into_static!(Data: F32, F64);
cow_enum_into_static!(AnyData: F32, F64, Bf16, F16, I8);

/// A function generic over the element type, applied to a matrix of either type.
pub trait OnMatrix {
    /// What it returns.
    type Output;
    /// Run on `x`.
    fn call<T: Element>(self, x: MatRef<'_, T>) -> Result<Self::Output>;
}

/// Apply `f` to the data viewed as `len / cols × cols` of its element type (`Shape` if `cols`
/// does not divide the length).
pub fn on_matrix<F: OnMatrix>(data: &Data<'_>, cols: u32, f: F) -> Result<F::Output> {
    match data {
        Data::F32(d) => f.call(MatRef::from_flat(d, cols as usize)?),
        Data::F64(d) => f.call(MatRef::from_flat(d, cols as usize)?),
    }
}

/// Rows computed in a statically known element type, as the float vector they are.
pub enum FloatVec {
    /// `f32` rows.
    F32(Vec<f32>),
    /// `f64` rows.
    F64(Vec<f64>),
}

impl From<embgeo_io::Values> for FloatVec {
    fn from(v: embgeo_io::Values) -> Self {
        match v {
            embgeo_io::Values::F32(v) => FloatVec::F32(v),
            embgeo_io::Values::F64(v) => FloatVec::F64(v),
        }
    }
}

impl FloatVec {
    /// `v` by its element type, without a copy (`Element` is implemented for f32 and f64 only).
    #[must_use]
    pub fn of<T: Element>(v: Vec<T>) -> Self {
        let any: Box<dyn Any> = Box::new(v);
        match any.downcast::<Vec<f32>>() {
            Ok(v) => FloatVec::F32(*v),
            Err(any) => FloatVec::F64(any.downcast::<Vec<f64>>().map_or_else(|_| Vec::new(), |v| *v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Width;

    impl OnMatrix for Width {
        type Output = (usize, usize, bool);
        fn call<T: Element>(self, x: MatRef<'_, T>) -> Result<Self::Output> {
            Ok((x.rows(), x.cols(), std::mem::size_of::<T>() == 4))
        }
    }

    #[test]
    fn matrices_keep_their_type_and_owned_copies_are_equal() {
        let d = Data::F32(Cow::Borrowed(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
        assert_eq!(on_matrix(&d, 3, Width).ok(), Some((2, 3, true)));
        assert!(on_matrix(&d, 4, Width).is_err(), "4 does not divide 6");
        let owned = Data::F64(Cow::Borrowed(&[1.0, 2.0])).into_static();
        assert!(matches!(&owned, Data::F64(Cow::Owned(v)) if v == &[1.0, 2.0]));
        assert_eq!(on_matrix(&owned, 1, Width).ok(), Some((2, 1, false)));
        assert!(matches!(FloatVec::of(vec![1.5f32]), FloatVec::F32(v) if v == [1.5]));
        assert!(matches!(FloatVec::of(vec![2.5f64]), FloatVec::F64(v) if v == [2.5]));
        let any = Some(AnyData::I8(Cow::Borrowed(&[1, -1]))).into_static();
        assert!(matches!(any.as_ref().map(AnyData::values), Some(Values::I8(v)) if v == [1, -1]));
    }

    #[test]
    fn in_place_values_are_the_host_slices_themselves_and_copies_are_not() {
        let host = vec![1.0f32, 2.0, 3.0];
        // SAFETY: `host` outlives `kept` (dropped at the end of this scope, before `host`) and
        // is not written meanwhile.
        let kept = unsafe { Data::F32(Cow::Borrowed(&host)).assume_static() };
        assert!(matches!(&kept, Data::F32(Cow::Borrowed(s)) if s.as_ptr() == host.as_ptr() && s.len() == 3));
        let copied = Data::F32(Cow::Borrowed(&host)).into_static();
        assert!(matches!(&copied, Data::F32(Cow::Owned(v)) if v.as_ptr() != host.as_ptr() && v == &host));
        // SAFETY: as above, for `bytes`; owned values are moved, whatever the contract.
        let bytes = [5i8, -5];
        let some = unsafe { Some(AnyData::I8(Cow::Borrowed(&bytes))).assume_static() };
        assert!(matches!(&some, Some(AnyData::I8(Cow::Borrowed(s))) if s.as_ptr() == bytes.as_ptr()));
        let owned = unsafe { Data::F64(Cow::Owned(vec![4.0])).assume_static() };
        assert!(matches!(owned, Data::F64(Cow::Owned(v)) if v == [4.0]));
        let none: Option<Data<'_>> = None;
        // SAFETY: nothing is borrowed.
        assert!(unsafe { none.assume_static() }.is_none());
    }

    #[test]
    fn casts_to_either_float_type() {
        // Exact widenings; 0.1 (f64) narrows to the f32 nearest to it, as `as f32` rounds.
        let f64s = AnyData::F64(Cow::Borrowed(&[0.1, -2.0]));
        assert!(matches!(f64s.to_floats(false), FloatVec::F32(v) if v == [0.1f32, -2.0]));
        assert!(matches!(f64s.to_floats(true), FloatVec::F64(v) if v == [0.1, -2.0]));
        let i8s = AnyData::I8(Cow::Borrowed(&[-3, 7]));
        assert!(matches!(i8s.to_floats(false), FloatVec::F32(v) if v == [-3.0, 7.0]));
        assert!(matches!(i8s.to_floats(true), FloatVec::F64(v) if v == [-3.0, 7.0]));
        assert!(matches!(FloatVec::from(embgeo_io::Values::F64(vec![1.5])), FloatVec::F64(v) if v == [1.5]));
    }
}
