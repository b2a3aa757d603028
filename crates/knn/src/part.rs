//! [`KnnPart`]: a kNN result that can be merged exactly (global row ids plus the exact f64
//! ordering keys), and its versioned, checksummed binary form.

use embgeo_core::frame::{self, TRAILER};
use embgeo_core::{Error, Neighbors, Result};

use crate::header::{self, HEADER};
use crate::index::StoredType;
use crate::metric::Metric;
use crate::select::by_key_then_index;

/// Magic bytes of a serialised part.
const MAGIC: &[u8; 8] = b"EMBGKNNP";
/// Current format version.
const VERSION: u32 = 1;

/// The k nearest neighbours of `rows` query rows against one corpus shard (or merged over
/// several), with global row ids and the exact ordering keys, so that parts merge bit-identically
/// ([`crate::merge`]).
///
/// `keys[i·k + j]` is the exact f64 ordering key of the pair (see [`Metric`]: the squared
/// distance for `Euclidean`, the reported distance otherwise), computed from the two vectors
/// alone; each row is sorted by `(key, index)`. `dtype` is the element type of the input
/// (distances are reported in it).
///
/// # Memory
/// `rows·k·12` bytes (u32 indices, f64 keys); the binary form ([`KnnPart::to_bytes`]) is
/// [`KnnPart::byte_size`] = `36 + 12·rows·k` bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct KnnPart {
    /// Neighbours per row.
    pub k: usize,
    /// Query rows.
    pub rows: usize,
    /// The metric the keys are of.
    pub metric: Metric,
    /// Element type of the data the part was computed from.
    pub dtype: StoredType,
    /// `rows × k` global corpus row ids, row-major.
    pub indices: Vec<u32>,
    /// `rows × k` exact ordering keys, row-major, ascending by `(key, index)` within a row.
    pub keys: Vec<f64>,
}

/// The shape of a part as the bindings describe it (`{ k, rows, metric, dtype }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartShape {
    /// Neighbours per row.
    pub k: usize,
    /// Query rows.
    pub rows: usize,
    /// Metric name.
    pub metric: Metric,
    /// `"f32"` or `"f64"`.
    pub dtype: StoredType,
}

impl KnnPart {
    /// Wrap buffers, checking that they are `rows × k`, the keys finite and each row strictly
    /// ascending by `(key, index)` (so no global row id appears twice at the same key).
    ///
    /// # Errors
    /// `Shape` if a buffer is not `rows × k`; `OutOfRange` if k = 0 with rows > 0, or a row is
    /// unsorted, repeated or has a non-finite key (naming the row).
    pub fn new(shape: PartShape, indices: Vec<u32>, keys: Vec<f64>) -> Result<Self> {
        let PartShape {
            k,
            rows,
            metric,
            dtype,
        } = shape;
        let len = rows.checked_mul(k).ok_or_else(|| Error::OutOfRange {
            name: "part",
            expected: "rows * k below 2^64".into(),
            actual: format!("{rows} * {k}"),
        })?;
        for (what, n) in [("part.indices", indices.len()), ("part.keys", keys.len())] {
            if n != len {
                return Err(Error::Shape {
                    what: format!("{what}.length vs rows * k = {rows} * {k}"),
                    expected: len,
                    actual: n,
                    fix: "pass the arrays of one kNN part",
                });
            }
        }
        if k == 0 && rows > 0 {
            return Err(Error::OutOfRange {
                name: "part.k",
                expected: "an integer >= 1".into(),
                actual: "0".into(),
            });
        }
        if k > 0 {
            for (i, (ki, ii)) in keys.chunks_exact(k).zip(indices.chunks_exact(k)).enumerate() {
                let finite = ki.iter().all(|v| v.is_finite());
                let sorted = (1..k).all(|j| {
                    by_key_then_index(&(ki[j - 1], ii[j - 1]), &(ki[j], ii[j])) == std::cmp::Ordering::Less
                });
                if !finite || !sorted {
                    return Err(Error::OutOfRange {
                        name: "part",
                        expected: "finite keys, strictly ascending by (key, index) within each row (a kNN part as knn or mergeKnn returned it)".into(),
                        actual: format!("row {i} is not"),
                    });
                }
            }
        }
        Ok(Self {
            k,
            rows,
            metric,
            dtype,
            indices,
            keys,
        })
    }

    /// `{ k, rows, metric, dtype }`.
    #[must_use]
    pub fn shape(&self) -> PartShape {
        PartShape {
            k: self.k,
            rows: self.rows,
            metric: self.metric,
            dtype: self.dtype,
        }
    }

    /// The neighbours with reported distances (`√key` for euclidean, the key otherwise), in f64.
    /// O(rows·k).
    #[must_use]
    pub fn to_neighbors(&self) -> Neighbors {
        Neighbors {
            k: self.k,
            rows: self.rows,
            indices: self.indices.clone(),
            distances: self.keys.iter().map(|&v| self.metric.report(v)).collect(),
        }
    }

    /// Bytes of the binary form of a `rows × k` part: `36 + 12·rows·k`.
    #[must_use]
    pub fn byte_size(rows: usize, k: usize) -> usize {
        HEADER + rows * k * 12 + TRAILER
    }

    /// The binary form, version 1, little-endian: `"EMBGKNNP"`, u32 version = 1, u8 dtype
    /// (0 = f32, 1 = f64), u8 metric (0 euclidean, 1 sqeuclidean, 2 cosine, 3 dot), u16
    /// reserved = 0, u64 k, u64 rows, rows·k u32 indices, rows·k f64 keys, then the CRC-32
    /// (IEEE) of everything before it. [`KnnPart::byte_size`] bytes; deterministic.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::byte_size(self.rows, self.k));
        let f64_data = self.dtype == StoredType::F64;
        header::write(
            &mut out,
            *MAGIC,
            VERSION,
            f64_data,
            self.metric,
            [self.k, self.rows],
        );
        for i in &self.indices {
            out.extend_from_slice(&i.to_le_bytes());
        }
        for v in &self.keys {
            out.extend_from_slice(&v.to_le_bytes());
        }
        frame::seal(&mut out);
        out
    }

    /// Load what [`KnnPart::to_bytes`] wrote. O(rows·k); checks the checksum before decoding.
    ///
    /// # Errors
    /// `BadModel` for anything else: wrong magic, another version, unknown dtype or metric,
    /// non-zero reserved bytes, a length that disagrees with the header (truncated), a checksum
    /// mismatch (corrupted), or content that is not a valid part (see [`KnnPart::new`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |why: String| Error::BadModel(format!("not an embgeo kNN part: {why}"));
        if bytes.len() < HEADER + TRAILER || &bytes[..8] != MAGIC {
            return Err(bad("missing the EMBGKNNP header (or truncated)".into()));
        }
        let fields = header::read(bytes, VERSION, ["k", "rows"], &bad, |code| {
            StoredType::from_code(code).ok_or_else(|| bad(format!("unknown element type code {code}")))
        })?;
        let (dtype, metric, [k, rows]) = (fields.dtype, fields.metric, fields.sizes);
        let n = rows
            .checked_mul(k)
            .filter(|n| n.checked_mul(12).is_some())
            .ok_or_else(|| bad("rows * k overflows".into()))?;
        let want = HEADER + n * 12 + TRAILER;
        if bytes.len() != want {
            return Err(bad(format!(
                "{} bytes, the header announces {rows} rows x k = {k}: {want} bytes (truncated or padded)",
                bytes.len()
            )));
        }
        frame::check_seal(bytes, &bad)?;
        let body = want - TRAILER;
        let idx_end = HEADER + n * 4;
        let indices = bytes[HEADER..idx_end]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        let keys = bytes[idx_end..body]
            .chunks_exact(8)
            .map(|c| {
                let mut b = [0u8; 8];
                b.copy_from_slice(c);
                f64::from_le_bytes(b)
            })
            .collect();
        Self::new(
            PartShape {
                k,
                rows,
                metric,
                dtype,
            },
            indices,
            keys,
        )
        .map_err(|e| bad(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part() -> KnnPart {
        let shape = PartShape {
            k: 2,
            rows: 3,
            metric: Metric::Euclidean,
            dtype: StoredType::F32,
        };
        KnnPart::new(
            shape,
            vec![4, 9, 1, 2, 7, 7 + 1],
            vec![0.0, 0.5, 1.0, 1.0, -0.0, 0.0],
        )
        .unwrap()
    }

    #[test]
    fn bytes_round_trip_exactly_with_the_documented_size() {
        let p = part();
        let b = p.to_bytes();
        assert_eq!(b.len(), KnnPart::byte_size(3, 2));
        assert_eq!(b.len(), 36 + 12 * 6);
        assert_eq!(KnnPart::from_bytes(&b).unwrap(), p);
        assert_eq!(p.to_bytes(), b, "deterministic");
    }

    #[test]
    fn corrupt_truncated_or_foreign_bytes_are_bad_model() {
        let b = part().to_bytes();
        for i in [0, 9, 12, 13, 14, 20, 40, 70, b.len() - 1] {
            let mut c = b.clone();
            c[i] ^= 0x10;
            assert_eq!(
                KnnPart::from_bytes(&c).unwrap_err().code(),
                "ERR_BAD_MODEL",
                "byte {i}"
            );
        }
        for n in [0, 8, 35, b.len() - 1] {
            assert_eq!(
                KnnPart::from_bytes(&b[..n]).unwrap_err().code(),
                "ERR_BAD_MODEL",
                "len {n}"
            );
        }
        let mut longer = b.clone();
        longer.push(0);
        assert_eq!(KnnPart::from_bytes(&longer).unwrap_err().code(), "ERR_BAD_MODEL");
    }

    #[test]
    fn unsorted_or_repeated_rows_are_rejected_naming_the_row() {
        let shape = part().shape();
        let e = KnnPart::new(shape, vec![0, 1, 2, 3, 5, 5], vec![0.0, 1.0, 0.0, 1.0, 2.0, 2.0]).unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
        assert!(e.to_string().contains("row 2"), "{e}");
        let e = KnnPart::new(shape, vec![0; 5], vec![0.0; 5]).unwrap_err();
        assert_eq!(e.code(), "ERR_SHAPE");
    }
}
