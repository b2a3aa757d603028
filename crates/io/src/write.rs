//! Writers: `.npy` (v1.0, C order, little-endian) and `.fvecs`/`.ivecs`/`.bvecs`, atomically
//! by the rules of [`crate::fsx`] (an exclusively created temporary in the same directory,
//! flushed, synced and given the destination's mode, then renamed over `path`).

use std::io::Write;
use std::path::Path;

use embgeo_core::{check_data_len, Ctl, Error, Result};

use crate::common::{scan, BLOCK};
use crate::fsx::write_atomic as atomically;

/// A borrowed row-major matrix to write (`rows · cols` values).
#[derive(Debug, Clone, Copy)]
pub enum WriteData<'a> {
    /// 32-bit floats (`.npy` `<f4`, `.fvecs`).
    F32(&'a [f32]),
    /// 64-bit floats (`.npy` `<f8`).
    F64(&'a [f64]),
    /// 32-bit signed integers (`.npy` `<i4`, `.ivecs`).
    I32(&'a [i32]),
    /// 32-bit unsigned integers (`.npy` `<u4`).
    U32(&'a [u32]),
    /// 64-bit signed integers (`.npy` `<i8`).
    I64(&'a [i64]),
    /// Bytes (`.npy` `|u1`, `.bvecs`).
    U8(&'a [u8]),
}

impl WriteData<'_> {
    fn len(&self) -> usize {
        match self {
            WriteData::F32(v) => v.len(),
            WriteData::F64(v) => v.len(),
            WriteData::I32(v) => v.len(),
            WriteData::U32(v) => v.len(),
            WriteData::I64(v) => v.len(),
            WriteData::U8(v) => v.len(),
        }
    }

    fn size(&self) -> usize {
        match self {
            WriteData::U8(_) => 1,
            WriteData::F32(_) | WriteData::I32(_) | WriteData::U32(_) => 4,
            WriteData::F64(_) | WriteData::I64(_) => 8,
        }
    }

    fn descr(&self) -> &'static str {
        match self {
            WriteData::F32(_) => "<f4",
            WriteData::F64(_) => "<f8",
            WriteData::I32(_) => "<i4",
            WriteData::U32(_) => "<u4",
            WriteData::I64(_) => "<i8",
            WriteData::U8(_) => "|u1",
        }
    }

    /// Append the little-endian bytes of elements `range` to `buf`.
    fn bytes(&self, range: std::ops::Range<usize>, buf: &mut Vec<u8>) {
        match self {
            WriteData::F32(v) => extend_le(buf, &v[range], f32::to_le_bytes),
            WriteData::F64(v) => extend_le(buf, &v[range], f64::to_le_bytes),
            WriteData::I32(v) => extend_le(buf, &v[range], i32::to_le_bytes),
            WriteData::U32(v) => extend_le(buf, &v[range], u32::to_le_bytes),
            WriteData::I64(v) => extend_le(buf, &v[range], i64::to_le_bytes),
            WriteData::U8(v) => buf.extend_from_slice(&v[range]),
        }
    }
}

/// Append `le(x)` (the little-endian bytes of `x`) for every `x` of `v` to `buf`.
fn extend_le<X: Copy, const N: usize>(buf: &mut Vec<u8>, v: &[X], le: fn(X) -> [u8; N]) {
    for &x in v {
        buf.extend_from_slice(&le(x));
    }
}

/// What every writer takes: `rows × cols` values (row-major), their shape and finiteness
/// checked once when it is made. A borrow and two sizes, no memory.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    data: WriteData<'a>,
    rows: usize,
    cols: usize,
}

impl<'a> Table<'a> {
    /// `data` as `rows × cols` values.
    ///
    /// # Cost
    /// O(rows · cols) time for float data (the finiteness scan), no memory.
    /// # Errors
    /// `OutOfRange` if `cols` is 0; `Shape` if `data.len() != rows · cols`; `NonFinite` (NaN/±∞
    /// in float data, naming the first one's row and column).
    pub fn new(data: WriteData<'a>, rows: usize, cols: usize) -> Result<Self> {
        Error::require_at_least_one("cols", cols)?;
        check_data_len(data.len(), rows, cols)?;
        let bad = match data {
            WriteData::F32(v) => scan(v),
            WriteData::F64(v) => scan(v),
            _ => None,
        };
        if let Some((i, x, count)) = bad {
            return Err(Error::non_finite("data", x, i, cols, count));
        }
        Ok(Self { data, rows, cols })
    }
}

/// Write `head`, then stream `rows` rows to `w`, each appended to the block by `row(i, buf)`
/// (`row_bytes` each), checking `ctl` per block of about 1 MiB.
///
/// # Errors
/// `Io` (naming `<writer>`) if a write fails, `Cancelled`.
fn stream<W: Write>(
    w: &mut W,
    head: &[u8],
    rows: usize,
    row_bytes: usize,
    ctl: &Ctl<'_>,
    mut row: impl FnMut(usize, &mut Vec<u8>),
) -> Result<()> {
    let io = |e: std::io::Error| Error::Io {
        path: "<writer>".into(),
        reason: e.to_string(),
    };
    w.write_all(head).map_err(io)?;
    let per_block = (BLOCK / row_bytes.max(1)).max(1);
    let mut buf = Vec::with_capacity(per_block.min(rows.max(1)) * row_bytes);
    let mut r = 0;
    while r < rows {
        if ctl.checkpoint().is_err() {
            return Err(Error::Cancelled);
        }
        let n = per_block.min(rows - r);
        buf.clear();
        for i in r..r + n {
            row(i, &mut buf);
        }
        w.write_all(&buf).map_err(io)?;
        r += n;
        ctl.advance("write", r as u64, rows as u64);
    }
    Ok(())
}

/// The `.npy` v1.0 header for `data` of shape `rows × cols` (padded so the data starts at a
/// multiple of 64 bytes, as numpy writes it).
fn npy_header(descr: &str, rows: usize, cols: usize) -> Vec<u8> {
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    let unpadded = 10 + dict.len() + 1;
    let total = unpadded.div_ceil(64) * 64;
    let mut h = Vec::with_capacity(total);
    h.extend_from_slice(b"\x93NUMPY\x01\x00");
    h.extend_from_slice(&((total - 10) as u16).to_le_bytes());
    h.extend_from_slice(dict.as_bytes());
    h.resize(total - 1, b' ');
    h.push(b'\n');
    h
}

/// Write `t` (`rows × cols`, row-major) as `.npy` v1.0 to `w`.
///
/// # Shapes and types
/// The dtype follows the data (`<f4`, `<f8`, `<i4`, `<u4`, `<i8`, `|u1`).
/// # Cost
/// Time O(rows · cols); extra memory one 1 MiB block.
/// # Errors
/// `Io`, `Cancelled` (the shape and values were checked by [`Table::new`]).
pub fn write_npy_to<W: Write>(w: &mut W, t: Table<'_>, ctl: &Ctl<'_>) -> Result<()> {
    let Table { data, rows, cols } = t;
    let head = npy_header(data.descr(), rows, cols);
    stream(w, &head, rows, cols * data.size(), ctl, |i, buf| {
        data.bytes(i * cols..(i + 1) * cols, buf);
    })
}

/// Write `t` as `.fvecs` (f32), `.ivecs` (i32) or `.bvecs` (u8) records to `w`: per row a
/// little-endian i32 `cols`, then the row.
///
/// # Shapes and types
/// `cols ≤ 2³¹ − 1`; the data must be `F32` or `F64` (`.fvecs`; f64 is rounded to the nearest
/// f32), `I32` or `U32` ≤ 2³¹ − 1 (`.ivecs`) or `U8` (`.bvecs`).
/// # Cost
/// Time O(rows · cols); extra memory one 1 MiB block.
/// # Errors
/// `OutOfRange` (another element type, f64 beyond f32's range, u32 beyond i32's, cols too
/// large), `Io`, `Cancelled` (the shape and finiteness were checked by [`Table::new`]).
pub fn write_vecs_to<W: Write>(w: &mut W, t: Table<'_>, ctl: &Ctl<'_>) -> Result<()> {
    let Table { data, rows, cols } = t;
    vecs_type(&data, cols)?;
    let d = i32::try_from(cols).map_err(|_| Error::OutOfRange {
        name: "cols",
        expected: "at most 2147483647 for .fvecs/.ivecs/.bvecs".into(),
        actual: cols.to_string(),
    })?;
    let head = d.to_le_bytes();
    if let WriteData::F64(v) = data {
        // .fvecs from f64: round to nearest f32 (range checked above)
        return stream(w, &[], rows, 4 + cols * 4, ctl, |i, buf| {
            buf.extend_from_slice(&head);
            v[i * cols..(i + 1) * cols]
                .iter()
                .for_each(|&x| buf.extend_from_slice(&(x as f32).to_le_bytes()));
        });
    }
    stream(w, &[], rows, 4 + cols * data.size(), ctl, |i, buf| {
        buf.extend_from_slice(&head);
        data.bytes(i * cols..(i + 1) * cols, buf);
    })
}

/// `.fvecs`/`.ivecs`/`.bvecs` hold f32 (f64 is rounded, within f32's range), i32 (u32 up to
/// 2³¹ − 1) or u8 only.
fn vecs_type(data: &WriteData<'_>, cols: usize) -> Result<()> {
    if let WriteData::F64(v) = data {
        let big = v
            .iter()
            .position(|x| x.is_finite() && x.abs() > f64::from(f32::MAX));
        return match big {
            Some(i) => Err(Error::OutOfRange {
                name: "data",
                expected: format!("values within f32's range (|x| <= {:e}) for .fvecs", f32::MAX),
                actual: format!(
                    "{:e} at row {}, column {}",
                    v[i],
                    i / cols.max(1),
                    i % cols.max(1)
                ),
            }),
            None => Ok(()),
        };
    }
    if let WriteData::U32(v) = data {
        // .ivecs from u32 (e.g. neighbour indices): the same bytes while values fit in i32
        return match v.iter().position(|&x| i32::try_from(x).is_err()) {
            Some(i) => Err(Error::OutOfRange {
                name: "data",
                expected: "values <= 2147483647 for .ivecs (it stores i32)".into(),
                actual: format!("{} at row {}, column {}", v[i], i / cols.max(1), i % cols.max(1)),
            }),
            None => Ok(()),
        };
    }
    if matches!(data, WriteData::F32(_) | WriteData::I32(_) | WriteData::U8(_)) {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            name: "data",
            expected: "f32 or f64 (.fvecs), i32 or u32 (.ivecs) or u8 (.bvecs) values".into(),
            actual: format!("{} values", &data.descr()[1..]),
        })
    }
}

/// Write `t` (`rows × cols`, row-major) to `path` as `.npy` v1.0, atomically: readers see
/// the old file or the complete new one, never a partial file.
///
/// # Shapes and types, Cost, Errors
/// As [`write_npy_to`]; `Io` names `path`.
pub fn write_npy(path: &Path, t: Table<'_>, ctl: &Ctl<'_>) -> Result<()> {
    atomically(path, |w| write_npy_to(w, t, ctl))
}

/// Write `t` to `path` as `.fvecs`/`.ivecs`/`.bvecs` (by element type), atomically.
///
/// # Shapes and types, Cost, Errors
/// As [`write_vecs_to`]; `Io` names `path`.
pub fn write_vecs(path: &Path, t: Table<'_>, ctl: &Ctl<'_>) -> Result<()> {
    // validate before creating anything on disk
    vecs_type(&t.data, t.cols)?;
    atomically(path, |w| write_vecs_to(w, t, ctl))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_header_is_64_aligned_and_numpy_shaped() {
        let h = npy_header("<f4", 3, 5);
        assert_eq!(h.len() % 64, 0);
        assert!(h.ends_with(b"\n"));
        let text = String::from_utf8_lossy(&h[10..]);
        assert!(
            text.starts_with("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 5), }"),
            "{text}"
        );
    }

    #[test]
    fn writers_reject_shape_and_non_finite_before_writing() {
        let ctl = Ctl::detached();
        let mut out = Vec::new();
        let e = Table::new(WriteData::F32(&[1.0, 2.0, 3.0]), 2, 2).unwrap_err();
        assert_eq!(e.code(), "ERR_SHAPE");
        let e = Table::new(WriteData::F64(&[1.0, f64::NAN]), 1, 2).unwrap_err();
        assert_eq!(e.code(), "ERR_NON_FINITE");
        let e = Table::new(WriteData::F32(&[]), 0, 0).unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
        let mut vecs =
            |data, rows, cols| -> Result<()> { write_vecs_to(&mut out, Table::new(data, rows, cols)?, &ctl) };
        let e = vecs(WriteData::I64(&[1]), 1, 1).unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
        let e = vecs(WriteData::U32(&[1, 1 << 31]), 2, 1).unwrap_err();
        assert!(e.to_string().contains("2147483648 at row 1, column 0"), "{e}");
        let e = vecs(WriteData::F64(&[1.0, 1e39]), 1, 2).unwrap_err();
        assert!(e.to_string().contains("1e39 at row 0, column 1"), "{e}");
        assert!(out.is_empty());
    }
}
