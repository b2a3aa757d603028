//! A native-owned corpus for repeated exact searches, with a versioned binary format.

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result, Scale};

use std::sync::OnceLock;

use embgeo_kernels::I16Rows;

use crate::brute::{
    cast, check_k, int16_auto_takes, int16_quantize, int16_search_indexed, run_typed, search_indexed, Params,
    Trace,
};
use crate::header::{self, u64_at, HEADER};
use crate::metric::Metric;
use crate::stats::Stats;

/// Magic bytes of the serialised index.
const MAGIC: &[u8; 8] = b"EMBGKNN\0";
/// Current format version.
const VERSION: u32 = 1;

#[derive(Debug, Clone)]
enum AnyStats {
    F32(Stats<f32>),
    F64(Stats<f64>),
}

/// Element type of a serialised index (read from its header without loading it) or of the
/// data a [`crate::KnnPart`] was computed from (serde: `"f32"`, `"f64"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoredType {
    /// `Index<f32>` wrote the bytes.
    F32,
    /// `Index<f64>` wrote the bytes.
    F64,
}

impl StoredType {
    /// The type of header byte 12 (0 = f32, 1 = f64); `None` for another code.
    pub(crate) fn from_code(code: u8) -> Option<Self> {
        match code {
            0 => Some(Self::F32),
            1 => Some(Self::F64),
            _ => None,
        }
    }
}

/// The element type recorded in the header of bytes written by [`Index::to_bytes`], so a caller
/// holding either `Index<f32>` or `Index<f64>` knows which [`Index::from_bytes`] to call.
/// O(1); reads 13 bytes.
///
/// # Errors
/// `BadModel` if the bytes do not start with the index header or name an unknown type.
pub fn peek_header(bytes: &[u8]) -> Result<StoredType> {
    if bytes.len() < HEADER || &bytes[..8] != MAGIC {
        return Err(Error::BadModel(
            "not an embgeo kNN index: missing the EMBGKNN header".into(),
        ));
    }
    StoredType::from_code(bytes[12]).ok_or_else(|| {
        Error::BadModel(format!(
            "not an embgeo kNN index: unknown element type code {}",
            bytes[12]
        ))
    })
}

/// An exact kNN index: an owned copy of the corpus rows plus the per-row statistics the search
/// needs (norms; the normalised copy under cosine), computed once when rows are added.
///
/// # Memory
/// `rows·dim·size_of::<T>()` for the data, `rows·(16 + size_of::<T>())` statistics, and under
/// cosine another `rows·dim·size_of::<T>()` normalised copy; f32 indexes searched in int16
/// (`auto` on AVX2 CPUs and AVX-512 CPUs with VNNI and no AMX: `crate::AUTO_MIN_CORPUS_INT16`) also an int16 copy of the working rows,
/// `rows·(2·⌈dim/2⌉·2 + 12)` bytes, made at the first such search; [`Index::memory_bytes`]
/// reports it all.
#[derive(Debug, Clone)]
pub struct Index<T: Element> {
    metric: Metric,
    dim: usize,
    data: Vec<T>,
    stats: AnyStats,
    /// Largest `|x|` over the rows (the magnitude rule of `embgeo_core::scale`).
    max_abs: f64,
    /// f32 indexes: the working rows (unit rows under cosine) quantised to int16, made by the
    /// first search `auto` screens in int16 and dropped when rows are added.
    int16: OnceLock<I16Rows>,
}

impl<T: Element> Index<T> {
    /// An empty index of `dim`-dimensional rows.
    ///
    /// # Errors
    /// `OutOfRange` if `dim` is 0.
    pub fn new(metric: Metric, dim: usize) -> Result<Self> {
        Error::require_at_least_one("dim", dim)?;
        let stats = if cast::<T, f32>(&[] as &[T]).is_some() {
            AnyStats::F32(Stats::default())
        } else {
            AnyStats::F64(Stats::default())
        };
        Ok(Self {
            metric,
            dim,
            data: Vec::new(),
            stats,
            max_abs: 0.0,
            int16: OnceLock::new(),
        })
    }

    /// `Shape` unless `x` has the index's width (`what`: "rows" or "queries").
    fn check_width(&self, x: MatRef<'_, T>, what: &str, fix: &'static str) -> Result<()> {
        if x.cols() == self.dim {
            return Ok(());
        }
        Err(Error::Shape {
            what: format!("{what} columns vs index dim"),
            expected: self.dim,
            actual: x.cols(),
            fix,
        })
    }

    /// Append rows (copied). All-or-nothing: on error the index is unchanged.
    ///
    /// # Shapes and types
    /// `rows`: m × dim, the index's element type.
    /// # Cost
    /// O(m·dim) time; memory grows by the figures of the type's `# Memory` section.
    /// # Errors
    /// `Shape` if the width differs; `NonFinite`; `Degenerate` for a zero row under cosine
    /// (numbered as the row it would have become); `OutOfRange` past u32 indices.
    pub fn add(&mut self, rows: MatRef<'_, T>) -> Result<()> {
        self.check_width(rows, "rows", "add rows with the index's number of features")?;
        crate::brute::check_finite(rows, "rows", &Ctl::detached())?;
        let first = self.len();
        if first + rows.rows() > u32::MAX as usize {
            return Err(Error::OutOfRange {
                name: "index rows",
                expected: format!("at most {} (u32 indices)", u32::MAX),
                actual: (first + rows.rows()).to_string(),
            });
        }
        let r = rows.as_slice();
        match &mut self.stats {
            AnyStats::F32(s) => {
                let v = cast::<T, f32>(r).ok_or_else(|| Error::Internal("dtype mismatch".into()))?;
                let mut next = s.clone();
                next.extend(self.metric, v, self.dim, "the index", first)?;
                *s = next;
            }
            AnyStats::F64(s) => {
                let v = cast::<T, f64>(r).ok_or_else(|| Error::Internal("dtype mismatch".into()))?;
                let mut next = s.clone();
                next.extend(self.metric, v, self.dim, "the index", first)?;
                *s = next;
            }
        }
        self.data.extend_from_slice(r);
        self.max_abs = self.max_abs.max(crate::scaled::magnitude(r));
        self.int16 = OnceLock::new();
        Ok(())
    }

    /// The `k` nearest indexed rows of every query row (see [`crate::search`]; default tiles).
    ///
    /// # Errors
    /// `Shape`, `NonFinite`, `OutOfRange` (k = 0), `KTooLarge` (k > len), `Degenerate` (zero
    /// query under cosine), `Cancelled`.
    pub fn search(&self, queries: MatRef<'_, T>, k: usize, ctl: &Ctl<'_>) -> Result<Neighbors> {
        self.search_with(queries, &Params::new(k, self.metric), ctl)
    }

    /// [`Index::search`] with explicit tile parameters (`p.metric` must equal the index's).
    ///
    /// # Errors
    /// As [`Index::search`]; `OutOfRange` if `p.metric` differs from the index metric.
    pub fn search_with(&self, queries: MatRef<'_, T>, p: &Params, ctl: &Ctl<'_>) -> Result<Neighbors> {
        self.search_traced(queries, p, ctl).map(|(nb, _)| nb)
    }

    /// [`Index::search_with`] with the [`Trace`] of the run (the screening precision, the tile
    /// kernel, the exact re-rankings), as [`crate::search_values`] reports it.
    ///
    /// # Errors
    /// As [`Index::search_with`].
    pub fn search_traced(
        &self,
        queries: MatRef<'_, T>,
        p: &Params,
        ctl: &Ctl<'_>,
    ) -> Result<(Neighbors, Trace)> {
        if p.metric != self.metric {
            return Err(Error::OutOfRange {
                name: "metric",
                expected: format!("the index metric '{}'", self.metric.name()),
                actual: format!("'{}'", p.metric.name()),
            });
        }
        self.check_width(
            queries,
            "queries",
            "queries must have the index's number of features",
        )?;
        crate::brute::check_finite(queries, "queries", ctl)?;
        Error::require_at_least_one("k", p.k)?;
        if p.k > self.len() {
            return Err(Error::KTooLarge {
                k: p.k,
                available: self.len(),
                why: format!("the index holds {} rows", self.len()),
            });
        }
        check_k(p.k, self.len(), false)?;
        // extreme magnitudes: the free function on scaled copies (statistics recomputed there)
        let scale = Scale::for_max_abs(self.max_abs.max(crate::scaled::magnitude(queries.as_slice())));
        if !scale.is_identity() {
            let corpus = MatRef::new(&self.data, self.len(), self.dim)?;
            return crate::scaled::search_scaled(corpus, queries, scale, p, ctl);
        }
        match &self.stats {
            AnyStats::F32(s) => s.usable("the index")?,
            AnyStats::F64(s) => s.usable("the index")?,
        }
        // reuse the tile checks of the free function
        let q = queries.as_slice();
        match &self.stats {
            AnyStats::F32(s) => {
                let c = cast::<T, f32>(&self.data).ok_or_else(|| Error::Internal("dtype".into()))?;
                let q = cast::<T, f32>(q).ok_or_else(|| Error::Internal("dtype".into()))?;
                crate::brute::check_params(p)?;
                if let Some(found) = search_indexed(c, s, q, self.dim, p, ctl)? {
                    return Ok(found);
                }
                if int16_auto_takes(p, self.dim, q.len() / self.dim, self.len()) {
                    // a copy the allocator refused leaves the search to the fp32 path
                    match self.int16_rows(s, ctl) {
                        Ok(i16) => {
                            if let Some(found) = int16_search_indexed((c, s, i16), q, self.dim, p, ctl)? {
                                return Ok(found);
                            }
                        }
                        Err(Error::Cancelled) => return Err(Error::Cancelled),
                        Err(_) => {}
                    }
                }
                run_typed(c, s, Some(q), self.dim, p, ctl)
            }
            AnyStats::F64(s) => {
                let c = cast::<T, f64>(&self.data).ok_or_else(|| Error::Internal("dtype".into()))?;
                let q = cast::<T, f64>(q).ok_or_else(|| Error::Internal("dtype".into()))?;
                crate::brute::check_params(p)?;
                run_typed(c, s, Some(q), self.dim, p, ctl)
            }
        }
    }

    /// The int16 copy of the working rows (`stats`: the index's f32 statistics), made now
    /// unless an earlier search made it (two searches at once may both make it; one is kept,
    /// and both are the same rows).
    ///
    /// # Errors
    /// `Cancelled`; `OutOfRange` if the allocator refuses the copy (the caller then searches
    /// on the fp32 path).
    fn int16_rows(&self, stats: &Stats<f32>, ctl: &Ctl<'_>) -> Result<&I16Rows> {
        if let Some(rows) = self.int16.get() {
            return Ok(rows);
        }
        let data = cast::<T, f32>(&self.data).ok_or_else(|| Error::Internal("dtype".into()))?;
        let work = if self.metric == Metric::Cosine {
            &stats.unit
        } else {
            data
        };
        let rows = int16_quantize(work, self.dim, ctl)?;
        Ok(self.int16.get_or_init(|| rows))
    }

    /// Number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.data.len() / self.dim
    }

    /// `true` when no row was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Features per row.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The metric searches use.
    #[must_use]
    pub fn metric(&self) -> Metric {
        self.metric
    }

    /// Bytes owned (data, statistics, normalised copy), for external-memory accounting.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        let s = match &self.stats {
            AnyStats::F32(s) => s.bytes(),
            AnyStats::F64(s) => s.bytes(),
        };
        let int16 = self.int16.get().map_or(0, I16Rows::memory_bytes);
        self.data.len() * std::mem::size_of::<T>() + s + int16 + std::mem::size_of::<Self>()
    }

    /// Serialise: format v1, little-endian:
    /// `"EMBGKNN\0"`, u32 version = 1, u8 dtype (0 = f32, 1 = f64), u8 metric (0 euclidean,
    /// 1 sqeuclidean, 2 cosine, 3 dot), u16 reserved = 0, u64 dim, u64 rows, rows·dim values,
    /// u64 FNV-1a checksum of everything before it. Statistics are recomputed on load.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let size = std::mem::size_of::<T>();
        let mut out = Vec::with_capacity(HEADER + self.data.len() * size + 8);
        header::write(
            &mut out,
            *MAGIC,
            VERSION,
            size == 8,
            self.metric,
            [self.dim, self.len()],
        );
        if let Some(v) = cast::<T, f32>(&self.data) {
            for x in v {
                out.extend_from_slice(&x.to_le_bytes());
            }
        } else if let Some(v) = cast::<T, f64>(&self.data) {
            for x in v {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        let h = fnv1a(&out);
        out.extend_from_slice(&h.to_le_bytes());
        out
    }

    /// Load what [`Index::to_bytes`] wrote.
    ///
    /// # Errors
    /// `BadModel` for anything else: wrong magic, unknown version, another dtype than `T`,
    /// unknown metric, a length that disagrees with the header, a checksum mismatch, or rows
    /// that could not have been added (non-finite, zero under cosine).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let bad = |why: String| Error::BadModel(format!("not an embgeo kNN index: {why}"));
        if bytes.len() < HEADER + 8 || &bytes[..8] != MAGIC {
            return Err(bad("missing the EMBGKNN header".into()));
        }
        let size = std::mem::size_of::<T>();
        let fields = header::read(bytes, VERSION, ["dim", "rows"], &bad, |dtype| {
            if dtype > 1 || (dtype == 1) != (size == 8) {
                let found = match dtype {
                    0 => "f32",
                    1 => "f64",
                    _ => "unknown",
                };
                return Err(bad(format!("element type {found}, expected {}", T::DTYPE)));
            }
            Ok(())
        })?;
        let (metric, [dim, rows]) = (fields.metric, fields.sizes);
        let payload = rows
            .checked_mul(dim)
            .and_then(|n| n.checked_mul(size))
            .ok_or_else(|| bad("rows * dim overflows".into()))?;
        if HEADER.checked_add(payload).and_then(|n| n.checked_add(8)) != Some(bytes.len()) {
            return Err(bad(format!(
                "{} bytes, the header announces {rows} rows x {dim} = {} bytes",
                bytes.len(),
                HEADER + payload + 8
            )));
        }
        let body_end = HEADER + payload;
        if fnv1a(&bytes[..body_end]) != u64_at(bytes, body_end) {
            return Err(bad("checksum mismatch (truncated or corrupted)".into()));
        }
        let mut idx = Self::new(metric, dim).map_err(|e| bad(e.to_string()))?;
        let body = &bytes[HEADER..body_end];
        let values: Vec<T> = if size == 4 {
            body.chunks_exact(4)
                .map(|c| T::from_f64(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))))
                .collect()
        } else {
            body.chunks_exact(8)
                .map(|c| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(c);
                    T::from_f64(f64::from_le_bytes(b))
                })
                .collect()
        };
        if rows > 0 {
            let m = MatRef::new(&values, rows, dim).map_err(|e| bad(e.to_string()))?;
            idx.add(m).map_err(|e| bad(e.to_string()))?;
        }
        Ok(idx)
    }
}

/// FNV-1a, 64 bit.
fn fnv1a(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= u64::from(x);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equality is what these tests check
mod tests {
    use super::*;

    fn small() -> Index<f32> {
        let mut idx = Index::<f32>::new(Metric::Euclidean, 2).unwrap();
        idx.add(MatRef::new(&[0.0, 0.0, 1.0, 0.0, 5.0, 5.0], 3, 2).unwrap())
            .unwrap();
        idx
    }

    #[test]
    fn round_trips_through_bytes() {
        let idx = small();
        let b = idx.to_bytes();
        let back = Index::<f32>::from_bytes(&b).unwrap();
        assert_eq!(back.data, idx.data);
        assert_eq!((back.len(), back.dim(), back.metric()), (3, 2, Metric::Euclidean));
        assert!(back.memory_bytes() >= 24);
    }

    #[test]
    fn peek_header_reads_the_element_type() {
        assert_eq!(peek_header(&small().to_bytes()).unwrap(), StoredType::F32);
        let mut f64_index = Index::<f64>::new(Metric::Dot, 1).unwrap();
        f64_index.add(MatRef::from_flat(&[1.0, 2.0], 1).unwrap()).unwrap();
        assert_eq!(peek_header(&f64_index.to_bytes()).unwrap(), StoredType::F64);
        assert_eq!(peek_header(b"not an index").unwrap_err().code(), "ERR_BAD_MODEL");
    }

    #[test]
    fn rejects_foreign_or_damaged_bytes_with_bad_model() {
        let b = small().to_bytes();
        let mut flipped = b.clone();
        flipped[HEADER + 1] ^= 1;
        let mut version = b.clone();
        version[8] = 9;
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            b"hello world, not an index at all....".to_vec(),
            b[..b.len() - 1].to_vec(),
            flipped,
            version,
        ];
        for c in cases {
            assert_eq!(Index::<f32>::from_bytes(&c).unwrap_err().code(), "ERR_BAD_MODEL");
        }
        assert_eq!(Index::<f64>::from_bytes(&b).unwrap_err().code(), "ERR_BAD_MODEL");
    }

    #[test]
    fn add_is_all_or_nothing() {
        let mut idx = Index::<f64>::new(Metric::Cosine, 2).unwrap();
        idx.add(MatRef::new(&[1.0, 0.0], 1, 2).unwrap()).unwrap();
        let e = idx
            .add(MatRef::new(&[1.0, 1.0, 0.0, 0.0], 2, 2).unwrap())
            .unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE");
        assert!(e.to_string().contains("row 2"), "{e}");
        assert_eq!(idx.len(), 1);
        assert_eq!(
            Index::<f32>::new(Metric::Dot, 0).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
    }
}
