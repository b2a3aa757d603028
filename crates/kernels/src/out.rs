//! The output block of a product: a row-major `m × n` block with row stride `ldc`, checked once.

use embgeo_core::{Error, Result};

/// `m × n` values of `c` at row stride `ldc`: entry `(i, j)` is `c[i·ldc + j]`. Construction
/// checks `ldc ≥ n` and `c.len() ≥ (m − 1)·ldc + n`, so the blocked loop can slice its rows
/// without further checks. A borrow, no memory.
#[derive(Debug)]
pub(crate) struct Out<'a> {
    pub(crate) c: &'a mut [f32],
    pub(crate) ldc: usize,
}

impl<'a> Out<'a> {
    /// `c` as an `m × n` block with row stride `ldc`.
    ///
    /// # Errors
    /// `Shape` if `ldc < n` or `c` is shorter than `(m − 1)·ldc + n` (or that overflows).
    pub(crate) fn new(c: &'a mut [f32], ldc: usize, m: usize, n: usize) -> Result<Self> {
        let need = if m == 0 || n == 0 {
            Some(0)
        } else {
            (m - 1).checked_mul(ldc).and_then(|v| v.checked_add(n))
        };
        match need {
            Some(need) if ldc >= n && c.len() >= need => Ok(Self { c, ldc }),
            _ => Err(Error::Shape {
                what: format!("kernel output {m} × {n} with row stride {ldc} vs buffer length"),
                expected: need.unwrap_or(usize::MAX),
                actual: c.len(),
                fix: "pass an output buffer of (rows − 1)·ldc + cols values, ldc ≥ cols",
            }),
        }
    }
}
