//! A strided, bounds-checked f32 matrix view.

use embgeo_core::{Error, Result};

/// An `rows × cols` f32 matrix inside `data`: element `(i, j)` is `data[i·rs + j·cs]`.
/// Construction checks that every element is inside `data`, so reads through the view never
/// go out of bounds.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a> View<'a> {
    /// A strided view.
    ///
    /// # Errors
    /// `Shape` if the last element `(rows − 1)·rs + (cols − 1)·cs` lies outside `data` (or the
    /// index overflows).
    pub fn new(data: &'a [f32], rows: usize, cols: usize, rs: usize, cs: usize) -> Result<Self> {
        if rows > 0 && cols > 0 {
            let last = (rows - 1)
                .checked_mul(rs)
                .and_then(|a| (cols - 1).checked_mul(cs).and_then(|b| a.checked_add(b)));
            match last {
                Some(l) if l < data.len() => {}
                _ => {
                    return Err(Error::Shape {
                        what: format!("kernel view {rows} × {cols} (strides {rs}, {cs}) vs data length"),
                        expected: last.map_or(usize::MAX, |l| l + 1),
                        actual: data.len(),
                        fix: "pass a buffer holding every element of the view",
                    })
                }
            }
        }
        Ok(Self {
            data,
            rows,
            cols,
            rs,
            cs,
        })
    }

    /// A row-major `rows × cols` view of `data` (`data.len() ≥ rows·cols`).
    ///
    /// # Errors
    /// `Shape` if `data` is too short.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Result<Self> {
        Self::new(data, rows, cols, cols, 1)
    }

    /// The transpose (no copy).
    #[must_use]
    pub fn t(self) -> Self {
        Self {
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
            ..self
        }
    }

    /// Number of rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    #[must_use]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Element `(i, j)`; `i < rows`, `j < cols` (checked by the slice index).
    #[inline]
    pub(crate) fn at(&self, i: usize, j: usize) -> f32 {
        self.data[i * self.rs + j * self.cs]
    }

    /// `(row stride, column stride)`.
    pub(crate) fn strides(&self) -> (usize, usize) {
        (self.rs, self.cs)
    }

    /// The backing slice.
    pub(crate) fn data(&self) -> &'a [f32] {
        self.data
    }
}
