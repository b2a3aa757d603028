//! The memory rule of every dense `d × d` path (covariance, eigendecomposition, SVD workspace,
//! whitening and projection matrices): estimate before allocating, allocate fallibly.
//!
//! Rule: one dense square `f64` matrix of side `d` may take at most [`MAX_DENSE_BYTES`]
//! (2 GiB, i.e. `d ≤ 16,384`). A path checks its side with [`check_square`] before its first
//! `d × d` allocation and returns `OutOfRange` naming the size and the way out (a solver that
//! works on the `n × d` data, or the transposed matrix) instead of trying. Below the limit, every
//! `d × d` buffer is allocated with [`try_zeros`] (or `embgeo_core::linalg`'s fallible faer
//! buffers), so a machine that cannot give the memory yields the same coded error rather than an
//! abort of the process.

use crate::{Error, Result};

/// Largest single dense square `f64` buffer a `d × d` path allocates: 2 GiB (`d ≤ 16,384`).
///
/// A path holds a small fixed number of such buffers at once (its doc comment says how many),
/// so its peak is a few times this figure at the limit.
pub const MAX_DENSE_BYTES: usize = 2 << 30;

/// Bytes of a `d × d` f64 matrix, saturating (never overflows).
#[must_use]
pub fn square_bytes(d: usize) -> usize {
    d.saturating_mul(d).saturating_mul(8)
}

/// Largest side whose `f64` square fits in [`MAX_DENSE_BYTES`].
#[must_use]
pub fn max_square_side() -> usize {
    ((MAX_DENSE_BYTES / 8) as f64).sqrt() as usize
}

/// `1234567` → `"1,234,567"`.
fn grouped(v: usize) -> String {
    let s = v.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in words, decimal units: `"3.2 GB"`, `"800.0 MB"`.
#[must_use]
pub fn human_bytes(b: usize) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{:.1} kB", b / 1e3)
    }
}

/// The error of a dense path whose `side × side` f64 matrix is over the limit or could not be
/// allocated.
///
/// `name`: the parameter as the public API spells it (`"X.cols"`); `method`: who needs the
/// matrix (`"whitening"`); `fix`: the way out (`"pass solver: 'svd' or transpose X"`).
#[must_use]
pub fn too_large(name: &'static str, side: usize, method: &str, fix: &str, allocation_failed: bool) -> Error {
    let s = grouped(side);
    let bytes = human_bytes(square_bytes(side));
    let (expected, actual) = if allocation_failed {
        (
            format!("small enough for the memory available to {method}, which builds dense square f64 matrices; {fix}"),
            format!("{s}: the {s} × {s} f64 matrix ({bytes}) could not be allocated"),
        )
    } else {
        let max = grouped(max_square_side());
        (
            format!("at most {max} for {method}, which builds dense square f64 matrices of at most 2 GiB each; {fix}"),
            format!("{s}, which needs a {s} × {s} f64 matrix ({bytes})"),
        )
    };
    Error::OutOfRange {
        name,
        expected,
        actual,
    }
}

/// Check that a `side × side` f64 matrix fits in [`MAX_DENSE_BYTES`]; call it before the first
/// such allocation of a path.
///
/// # Errors
/// `OutOfRange` ([`too_large`]) when it does not.
pub fn check_square(name: &'static str, side: usize, method: &str, fix: &str) -> Result<()> {
    if square_bytes(side) > MAX_DENSE_BYTES {
        return Err(too_large(name, side, method, fix, false));
    }
    Ok(())
}

/// A zero-filled vector of `len` values, allocated fallibly (`Vec::try_reserve_exact`).
///
/// # Errors
/// `None` when the allocator refuses (or `len` overflows); callers turn that into a coded error
/// with [`too_large`].
#[must_use]
pub fn try_zeros<T: Copy + Default>(len: usize) -> Option<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).ok()?;
    v.resize(len, T::default());
    Some(v)
}

/// A zero-filled `side × side` f64 buffer (row-major), checked against the limit and allocated
/// fallibly.
///
/// # Errors
/// `OutOfRange` ([`too_large`]) when over the limit or refused by the allocator.
pub fn square_zeros(name: &'static str, side: usize, method: &str, fix: &str) -> Result<Vec<f64>> {
    check_square(name, side, method, fix)?;
    try_zeros(side * side).ok_or_else(|| too_large(name, side, method, fix, true))
}

/// A fallible copy of a slice (for `d × d` buffers).
///
/// # Errors
/// `OutOfRange` ([`too_large`]) when the allocator refuses; `side` names the matrix.
pub fn try_copy(src: &[f64], name: &'static str, side: usize, method: &str, fix: &str) -> Result<Vec<f64>> {
    let mut v = Vec::new();
    v.try_reserve_exact(src.len())
        .map_err(|_| too_large(name, side, method, fix, true))?;
    v.extend_from_slice(src);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_two_gib_per_matrix() {
        assert_eq!(max_square_side(), 16_384);
        assert!(check_square("X.cols", 16_384, "PCA", "").is_ok());
        let e = check_square("X.cols", 20_000, "whitening", "pass solver: 'svd' or transpose X").unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
        let m = e.to_string();
        assert!(m.contains("20,000 × 20,000 f64 matrix (3.2 GB)"), "{m}");
        assert!(m.contains("transpose X"), "{m}");
    }

    #[test]
    fn refused_allocation_is_none_not_an_abort() {
        assert!(try_zeros::<f64>(usize::MAX / 4).is_none());
        assert!(try_zeros::<f64>(1 << 60).is_none());
        assert_eq!(try_zeros::<f64>(3), Some(vec![0.0; 3]));
    }

    #[test]
    fn sizes_saturate() {
        assert_eq!(square_bytes(usize::MAX), usize::MAX);
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(999), "999");
        assert_eq!(human_bytes(800_000_000), "800.0 MB");
    }
}
