//! A k-nearest-neighbour result: the hand-over between the kNN engine and its consumers.

use crate::{Error, Result};

/// The `k` nearest neighbours of each of `rows` query points, best first.
///
/// `indices[i * k + j]` is the row (in the corpus) of the `j`-th neighbour of query `i`;
/// `distances[i * k + j]` its distance in the metric's units (for euclidean: `‖x − y‖`),
/// in `f64`. Ties are ordered toward the lower index.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbors {
    /// Neighbours per row.
    pub k: usize,
    /// Number of query rows.
    pub rows: usize,
    /// `rows × k` corpus row indices, row-major.
    pub indices: Vec<u32>,
    /// `rows × k` distances, row-major, ascending within a row.
    pub distances: Vec<f64>,
}

impl Neighbors {
    /// Wrap precomputed neighbours, checking the shapes and that each row is sorted ascending
    /// with finite, non-negative distances.
    ///
    /// # Errors
    /// `Shape` if a buffer is not `rows × k`; `OutOfRange` if a row is unsorted, negative or
    /// non-finite (naming the row).
    pub fn new(k: usize, rows: usize, indices: Vec<u32>, distances: Vec<f64>) -> Result<Self> {
        for (what, len) in [
            ("neighbors.indices", indices.len()),
            ("neighbors.distances", distances.len()),
        ] {
            if len != rows * k {
                return Err(Error::Shape {
                    what: format!("{what}.length vs rows * k = {rows} * {k}"),
                    expected: rows * k,
                    actual: len,
                    fix: "pass the arrays of one kNN result",
                });
            }
        }
        if k > 0 {
            for (i, row) in distances.chunks_exact(k).enumerate() {
                let bad =
                    row.iter().any(|d| !d.is_finite() || *d < 0.0) || row.windows(2).any(|w| w[1] < w[0]);
                if bad {
                    return Err(Error::OutOfRange {
                        name: "neighbors.distances",
                        expected: "finite, non-negative and ascending within each row".into(),
                        actual: format!("row {i}: {row:?}"),
                    });
                }
            }
        }
        Ok(Self {
            k,
            rows,
            indices,
            distances,
        })
    }

    /// Distances of row `i` (length `k`).
    #[must_use]
    pub fn distances_of(&self, i: usize) -> &[f64] {
        &self.distances[i * self.k..(i + 1) * self.k]
    }

    /// Indices of row `i` (length `k`).
    #[must_use]
    pub fn indices_of(&self, i: usize) -> &[u32] {
        &self.indices[i * self.k..(i + 1) * self.k]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_unsorted_rows_naming_the_row() {
        let e = Neighbors::new(2, 2, vec![1, 2, 0, 2], vec![0.5, 1.0, 2.0, 1.0]).unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
        assert!(e.to_string().contains("row 1"), "{e}");
        assert_eq!(
            Neighbors::new(2, 2, vec![1], vec![0.0; 4]).unwrap_err().code(),
            "ERR_SHAPE"
        );
    }
}
