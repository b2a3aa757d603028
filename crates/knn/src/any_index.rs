//! [`AnyIndex`]: an [`Index`] of f32 or f64 rows behind one type, for callers that learn the
//! element type at run time (the bindings).

use embgeo_core::{Ctl, Error, MatRef, Neighbors, Result};

use crate::brute::{Params, Trace, Values};
use crate::index::{peek_header, Index, StoredType};
use crate::metric::Metric;

/// An index of f32 or f64 rows (the element type of the rows it was created with).
#[derive(Debug, Clone)]
pub enum AnyIndex {
    /// f32 rows.
    F32(Index<f32>),
    /// f64 rows.
    F64(Index<f64>),
}

/// `InvalidValue` for rows of another element type than the index's.
fn other_type(what: &'static str, index: &'static str, given: &'static str) -> Error {
    Error::InvalidValue {
        name: what,
        expected: format!("{index} rows, the element type of the index"),
        actual: given.to_string(),
    }
}

impl AnyIndex {
    /// An index of `rows` (`cols` columns, f32 or f64: the index's element type from now on)
    /// under `metric`.
    ///
    /// # Errors
    /// As [`Index::new`] and [`Index::add`]; `InvalidValue` for other element types.
    pub fn new(metric: Metric, rows: Values<'_>, cols: usize) -> Result<Self> {
        let mut index = match rows {
            Values::F32(_) => AnyIndex::F32(Index::new(metric, cols)?),
            Values::F64(_) => AnyIndex::F64(Index::new(metric, cols)?),
            other => return Err(other_type("corpus", "f32 or f64", other.dtype())),
        };
        index.add(rows, cols)?;
        Ok(index)
    }

    /// Load the binary form of either element type ([`Index::to_bytes`]).
    ///
    /// # Errors
    /// As [`Index::from_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        match peek_header(bytes)? {
            StoredType::F32 => Index::from_bytes(bytes).map(AnyIndex::F32),
            StoredType::F64 => Index::from_bytes(bytes).map(AnyIndex::F64),
        }
    }

    /// Append rows of the index's element type and width.
    ///
    /// # Errors
    /// As [`Index::add`]; `Shape` if the length is not a multiple of `cols`; `InvalidValue` for
    /// another element type.
    pub fn add(&mut self, rows: Values<'_>, cols: usize) -> Result<()> {
        match (self, rows) {
            (AnyIndex::F32(i), Values::F32(r)) => i.add(MatRef::from_flat(r, cols)?),
            (AnyIndex::F64(i), Values::F64(r)) => i.add(MatRef::from_flat(r, cols)?),
            (i, r) => Err(other_type("rows", i.dtype(), r.dtype())),
        }
    }

    /// The `k` nearest indexed rows of each query row ([`Index::search`]).
    ///
    /// # Errors
    /// As [`Index::search`]; `InvalidValue` for queries of another element type.
    pub fn search(&self, queries: Values<'_>, cols: usize, k: usize, ctl: &Ctl<'_>) -> Result<Neighbors> {
        self.search_traced(queries, cols, k, ctl).map(|(nb, _)| nb)
    }

    /// [`AnyIndex::search`] with the [`Trace`] of the run ([`Index::search_traced`]).
    ///
    /// # Errors
    /// As [`AnyIndex::search`].
    pub fn search_traced(
        &self,
        queries: Values<'_>,
        cols: usize,
        k: usize,
        ctl: &Ctl<'_>,
    ) -> Result<(Neighbors, Trace)> {
        match (self, queries) {
            (AnyIndex::F32(i), Values::F32(q)) => {
                i.search_traced(MatRef::from_flat(q, cols)?, &Params::new(k, i.metric()), ctl)
            }
            (AnyIndex::F64(i), Values::F64(q)) => {
                i.search_traced(MatRef::from_flat(q, cols)?, &Params::new(k, i.metric()), ctl)
            }
            (i, q) => Err(other_type("queries", i.dtype(), q.dtype())),
        }
    }

    /// `"f32"` or `"f64"`.
    #[must_use]
    pub fn dtype(&self) -> &'static str {
        match self {
            AnyIndex::F32(_) => "f32",
            AnyIndex::F64(_) => "f64",
        }
    }

    /// Rows indexed.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            AnyIndex::F32(i) => i.len(),
            AnyIndex::F64(i) => i.len(),
        }
    }

    /// `true` if no rows are indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Width of the rows.
    #[must_use]
    pub fn dim(&self) -> usize {
        match self {
            AnyIndex::F32(i) => i.dim(),
            AnyIndex::F64(i) => i.dim(),
        }
    }

    /// The metric.
    #[must_use]
    pub fn metric(&self) -> Metric {
        match self {
            AnyIndex::F32(i) => i.metric(),
            AnyIndex::F64(i) => i.metric(),
        }
    }

    /// Heap bytes held ([`Index::memory_bytes`]).
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        match self {
            AnyIndex::F32(i) => i.memory_bytes(),
            AnyIndex::F64(i) => i.memory_bytes(),
        }
    }

    /// The binary form ([`Index::to_bytes`]).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            AnyIndex::F32(i) => i.to_bytes(),
            AnyIndex::F64(i) => i.to_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_types_stay_apart_and_round_trip() {
        let rows: Vec<f32> = (0..24).map(|i| (i * 7 % 11) as f32).collect();
        let mut index = AnyIndex::new(Metric::Euclidean, Values::F32(&rows), 3).unwrap();
        assert_eq!((index.len(), index.dim(), index.dtype()), (8, 3, "f32"));
        let err = index.add(Values::F64(&[1.0, 2.0, 3.0]), 3).unwrap_err();
        assert!(matches!(err, Error::InvalidValue { name: "rows", .. }), "{err:?}");
        index.add(Values::F32(&[1.0, 2.0, 3.0]), 3).unwrap();
        assert_eq!(index.len(), 9);
        let q = [0.5f32, 1.0, 2.0];
        let want = index.search(Values::F32(&q), 3, 2, &Ctl::detached()).unwrap();
        let back = AnyIndex::from_bytes(&index.to_bytes()).unwrap();
        assert_eq!(
            back.search(Values::F32(&q), 3, 2, &Ctl::detached()).unwrap(),
            want
        );
        let err = back
            .search(Values::F64(&[0.0; 3]), 3, 2, &Ctl::detached())
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidValue { name: "queries", .. }),
            "{err:?}"
        );
        let err = AnyIndex::new(Metric::Dot, Values::I8(&[1, 2]), 2).unwrap_err();
        assert!(
            matches!(err, Error::InvalidValue { name: "corpus", .. }),
            "{err:?}"
        );
        assert!(index.memory_bytes() >= 27 * 4);
    }
}
