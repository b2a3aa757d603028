//! What every reader shares: the bounded, cancellable byte source, element types and their
//! decoding, output allocation and the final finiteness check.

use std::io::{self, Read, Seek, SeekFrom};

use embgeo_core::{Ctl, Error, Result};

use crate::{Embeddings, Format, Options, OutType, Values};

/// Block size of binary reads and of the cancellation/progress cadence (1 MiB).
pub(crate) const BLOCK: usize = 1 << 20;

/// Buffer size for streaming a file of `len` bytes: [`BLOCK`], or less for a smaller file.
pub(crate) fn buffer_size(len: u64) -> usize {
    usize::try_from(len).unwrap_or(BLOCK).clamp(64, BLOCK)
}

/// The payload of the `io::Error` a cancelled read returns (so text parsers surface it).
#[derive(Debug)]
struct CancelledRead;
impl std::fmt::Display for CancelledRead {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled")
    }
}
impl std::error::Error for CancelledRead {}

/// A reader of `len` bytes that never reads past `len`, polls `ctl` and reports progress about
/// every [`BLOCK`] bytes, and builds errors that name the file.
pub(crate) struct Source<'c, R> {
    inner: R,
    /// The stream's length in bytes (what every header claim is checked against).
    pub len: u64,
    /// The file as the caller named it.
    pub name: String,
    ctl: Ctl<'c>,
    pos: u64,
    read: u64,
    next_report: u64,
}

impl<'c, R: Read + Seek> Source<'c, R> {
    pub fn new(inner: R, len: u64, name: &str, ctl: Ctl<'c>) -> Self {
        Self {
            inner,
            len,
            name: name.to_string(),
            ctl,
            pos: 0,
            read: 0,
            next_report: BLOCK as u64,
        }
    }

    /// Move to byte `offset` (≤ `len`).
    pub fn seek_to(&mut self, offset: u64) -> Result<()> {
        if offset != self.pos {
            self.inner
                .seek(SeekFrom::Start(offset))
                .map_err(|e| io_error(&self.name, &e, offset))?;
            self.pos = offset;
        }
        Ok(())
    }

    /// Fill `buf` from byte `offset`; the caller has checked `offset + buf.len() <= len`.
    pub fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.seek_to(offset)?;
        self.read_exact(buf).map_err(|e| io_error(&self.name, &e, offset))
    }

    /// Up to `buf.len()` bytes from the start (for format detection); rewinds afterwards.
    pub fn peek(&mut self, buf: &mut [u8]) -> Result<usize> {
        self.seek_to(0)?;
        let mut n = 0;
        while n < buf.len() {
            match self.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_error(&self.name, &e, n as u64)),
            }
        }
        self.seek_to(0)?;
        self.read = 0;
        Ok(n)
    }

    /// The first `N` bytes of the file; `BadFile` at byte 0 naming the file's length and `what`
    /// (what the format starts with) when it is shorter.
    pub fn leading<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        if self.len < N as u64 {
            return Err(self.bad_at(0, format!("the file has {} bytes; {what}", self.len)));
        }
        let mut b = [0u8; N];
        self.read_at(0, &mut b)?;
        Ok(b)
    }

    /// Read `count` items of `size` bytes each from byte `offset` in [`BLOCK`]-sized pieces (at
    /// least one item per piece), handing `f` this source, the index of the piece's first item
    /// and its bytes. The caller has checked that the bytes exist. Memory: one piece.
    pub fn read_blocks(
        &mut self,
        offset: u64,
        count: usize,
        size: usize,
        mut f: impl FnMut(&Self, usize, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let per_block = (BLOCK / size).max(1);
        let mut buf = vec![0u8; per_block.min(count) * size];
        let mut done = 0;
        while done < count {
            let n = per_block.min(count - done);
            let bytes = &mut buf[..n * size];
            self.read_at(offset + (done * size) as u64, bytes)?;
            f(self, done, bytes)?;
            done += n;
        }
        Ok(())
    }

    /// `BadFile` at `location` ("byte 12", "line 3, column 4", "header").
    pub fn bad(&self, location: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::BadFile {
            path: self.name.clone(),
            location: location.into(),
            reason: reason.into(),
        }
    }

    /// `BadFile` at a 0-based byte offset.
    pub fn bad_at(&self, byte: u64, reason: impl Into<String>) -> Error {
        self.bad(format!("byte {byte}"), reason)
    }

    /// Finiteness check and the public result.
    pub fn finish(self, d: Decoded, format: Format) -> Result<Embeddings> {
        self.ctl.advance("read", self.len, self.len);
        check_finite(&d.data, d.cols)?;
        Ok(Embeddings {
            rows: d.rows,
            cols: d.cols,
            data: d.data,
            source_dtype: d.source,
            format: format.name(),
        })
    }
}

impl<R: Read + Seek> Read for Source<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.inner.read(&mut buf[..want])?;
        self.pos += n as u64;
        self.read += n as u64;
        if self.read >= self.next_report {
            self.next_report = self.read + BLOCK as u64;
            self.ctl.advance("read", self.pos.min(self.len), self.len);
            if self.ctl.checkpoint().is_err() {
                return Err(io::Error::other(CancelledRead));
            }
        }
        Ok(n)
    }
}

/// `true` if `e` is the error a cancelled [`Source`] read returns.
pub(crate) fn is_cancelled(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(<dyn std::error::Error + Send + Sync>::is::<CancelledRead>)
}

/// The error of a failed read at byte `offset`: `Cancelled`, `BadFile` (the file ended early,
/// e.g. it shrank while being read) or `Io`.
pub(crate) fn io_error(name: &str, e: &io::Error, offset: u64) -> Error {
    if is_cancelled(e) {
        Error::Cancelled
    } else if e.kind() == io::ErrorKind::UnexpectedEof {
        Error::BadFile {
            path: name.to_string(),
            location: format!("byte {offset}"),
            reason: "the file ended before the data its header declares (was it truncated or \
                     changed while being read?)"
                .into(),
        }
    } else {
        Error::Io {
            path: name.to_string(),
            reason: e.to_string(),
        }
    }
}

/// What a format reader hands back.
pub(crate) struct Decoded {
    pub rows: usize,
    pub cols: usize,
    pub data: Values,
    pub source: &'static str,
}

/// An element type of a binary file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dtype {
    F16,
    Bf16,
    F32,
    F64,
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
}

impl Dtype {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::I8 | Dtype::U8 => 1,
            Dtype::F16 | Dtype::Bf16 | Dtype::I16 | Dtype::U16 => 2,
            Dtype::F32 | Dtype::I32 | Dtype::U32 => 4,
            Dtype::F64 | Dtype::I64 | Dtype::U64 => 8,
        }
    }

    /// Public name (`Embeddings::source_dtype`).
    pub fn name(self) -> &'static str {
        match self {
            Dtype::F16 => "f16",
            Dtype::Bf16 => "bf16",
            Dtype::F32 => "f32",
            Dtype::F64 => "f64",
            Dtype::I8 => "i8",
            Dtype::U8 => "u8",
            Dtype::I16 => "i16",
            Dtype::U16 => "u16",
            Dtype::I32 => "i32",
            Dtype::U32 => "u32",
            Dtype::I64 => "i64",
            Dtype::U64 => "u64",
        }
    }

    /// The output type when the caller did not choose: f32 if every value converts exactly.
    pub fn default_out(self) -> OutType {
        match self {
            Dtype::F16 | Dtype::Bf16 | Dtype::F32 | Dtype::I8 | Dtype::U8 | Dtype::I16 | Dtype::U16 => {
                OutType::F32
            }
            Dtype::F64 | Dtype::I32 | Dtype::U32 | Dtype::I64 | Dtype::U64 => OutType::F64,
        }
    }
}

/// Call `put(k, value)` for the k-th element of `bytes` (whole elements only).
#[inline]
fn decode(dt: Dtype, big_endian: bool, bytes: &[u8], mut put: impl FnMut(usize, f64)) {
    macro_rules! each {
        ($n:literal, $conv:expr) => {
            for (k, c) in bytes.chunks_exact($n).enumerate() {
                let mut a = [0u8; $n];
                a.copy_from_slice(c);
                if big_endian {
                    a.reverse();
                }
                #[allow(clippy::redundant_closure_call)]
                put(k, $conv(a));
            }
        };
    }
    match dt {
        Dtype::F16 => each!(2, |a| half::f16::from_le_bytes(a).to_f64()),
        Dtype::Bf16 => each!(2, |a| half::bf16::from_le_bytes(a).to_f64()),
        Dtype::F32 => each!(4, |a| f64::from(f32::from_le_bytes(a))),
        Dtype::F64 => each!(8, f64::from_le_bytes),
        Dtype::I8 => each!(1, |a| f64::from(i8::from_le_bytes(a))),
        Dtype::U8 => each!(1, |a| f64::from(u8::from_le_bytes(a))),
        Dtype::I16 => each!(2, |a| f64::from(i16::from_le_bytes(a))),
        Dtype::U16 => each!(2, |a| f64::from(u16::from_le_bytes(a))),
        Dtype::I32 => each!(4, |a| f64::from(i32::from_le_bytes(a))),
        Dtype::U32 => each!(4, |a| f64::from(u32::from_le_bytes(a))),
        Dtype::I64 => each!(8, |a| i64::from_le_bytes(a) as f64),
        Dtype::U64 => each!(8, |a| u64::from_le_bytes(a) as f64),
    }
}

/// Decode `bytes` into `out[start + k·stride]` for the k-th element.
///
/// The caller guarantees the last index is in bounds.
pub(crate) fn decode_into(
    dt: Dtype,
    big_endian: bool,
    bytes: &[u8],
    out: &mut Values,
    start: usize,
    stride: usize,
) {
    match out {
        Values::F32(v) => decode(dt, big_endian, bytes, |k, x| v[start + k * stride] = x as f32),
        Values::F64(v) => decode(dt, big_endian, bytes, |k, x| v[start + k * stride] = x),
    }
}

/// `n` zeros of `kind`, or `Io` naming the size if the allocation fails.
pub(crate) fn zeros(kind: OutType, n: usize, name: &str) -> Result<Values> {
    fn make<T: Clone + Default>(n: usize) -> Option<Vec<T>> {
        let mut v = Vec::new();
        v.try_reserve_exact(n).ok()?;
        v.resize(n, T::default());
        Some(v)
    }
    let out = match kind {
        OutType::F32 => make(n).map(Values::F32),
        OutType::F64 => make(n).map(Values::F64),
    };
    out.ok_or_else(|| Error::Io {
        path: name.to_string(),
        reason: format!(
            "cannot allocate memory for {n} values; read fewer rows (limitRows) or use dtype 'f32'"
        ),
    })
}

/// Read `count` elements of `dt` starting at byte `offset`, storing the k-th at
/// `out[start + k·stride]`; reads in [`BLOCK`]-sized pieces. The caller has checked that the
/// bytes exist (`offset + count·size ≤ len`) and that `out` is large enough.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_elements<R: Read + Seek>(
    src: &mut Source<'_, R>,
    offset: u64,
    count: usize,
    dt: Dtype,
    big_endian: bool,
    out: &mut Values,
    start: usize,
    stride: usize,
) -> Result<()> {
    src.read_blocks(offset, count, dt.size(), |_, done, bytes| {
        decode_into(dt, big_endian, bytes, out, start + done * stride, stride);
        Ok(())
    })
}

/// `take` rows of `cols` elements of `dt` stored row-major from byte `offset`, decoded into a
/// new buffer of `out_type`. The caller has checked that the bytes exist.
pub(crate) fn read_rows<R: Read + Seek>(
    src: &mut Source<'_, R>,
    offset: u64,
    (take, cols): (usize, usize),
    dt: Dtype,
    big_endian: bool,
    out_type: OutType,
) -> Result<Decoded> {
    let mut out = zeros(out_type, take * cols, &src.name)?;
    read_elements(src, offset, take * cols, dt, big_endian, &mut out, 0, 1)?;
    Ok(Decoded {
        rows: take,
        cols,
        data: out,
        source: dt.name(),
    })
}

/// The first non-finite value of `v` as (index, value, how many non-finite values in all).
/// O(len) time, no allocation.
pub(crate) fn scan<T: Copy + Into<f64>>(v: &[T]) -> Option<(usize, f64, usize)> {
    let first = v.iter().position(|x| !(*x).into().is_finite())?;
    let count = v[first..].iter().filter(|x| !(**x).into().is_finite()).count();
    Some((first, v[first].into(), count))
}

/// `NonFinite` for the first NaN/±∞ (0-based row and column) with the total count.
fn check_finite(data: &Values, cols: usize) -> Result<()> {
    let found = match data {
        Values::F32(v) => scan(v),
        Values::F64(v) => scan(v),
    };
    match found {
        None => Ok(()),
        Some((i, x, count)) => Err(Error::non_finite("the file", x, i, cols.max(1), count)),
    }
}

/// `a · b · c` or `None` on overflow (sizes from headers are untrusted).
pub(crate) fn product(dims: &[u64]) -> Option<u64> {
    dims.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))
}

/// The rows to read: all, or the first `limit`.
pub(crate) fn limited(rows: usize, limit: Option<usize>) -> usize {
    limit.map_or(rows, |l| l.min(rows))
}

/// The rows to read of a file holding `rows`: `(first, count)` from [`Options::rows`] (default
/// all), then at most [`Options::limit_rows`] of them.
///
/// # Errors
/// `OutOfRange` unless `start ≤ end ≤ rows`.
pub(crate) fn selected(rows: usize, o: &Options) -> Result<(usize, usize)> {
    let (start, end) = match o.rows {
        None => (0, rows),
        Some([s, e]) if s <= e && e <= rows => (s, e),
        Some([s, e]) => {
            return Err(Error::OutOfRange {
                name: "rows",
                expected: format!("[start, end] with 0 <= start <= end <= {rows} (the rows in the file)"),
                actual: format!("[{s}, {e}]"),
            })
        }
    };
    Ok((start, limited(end - start, o.limit_rows)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_every_type_in_both_byte_orders() {
        let cases: [(Dtype, Vec<u8>, f64); 6] = [
            (Dtype::F16, half::f16::from_f32(1.5).to_le_bytes().to_vec(), 1.5),
            (
                Dtype::Bf16,
                half::bf16::from_f32(-2.0).to_le_bytes().to_vec(),
                -2.0,
            ),
            (Dtype::F32, 0.25f32.to_le_bytes().to_vec(), 0.25),
            (Dtype::I16, (-7i16).to_le_bytes().to_vec(), -7.0),
            (Dtype::U32, 4_000_000_000u32.to_le_bytes().to_vec(), 4e9),
            (Dtype::I64, (-3i64).to_le_bytes().to_vec(), -3.0),
        ];
        for (dt, le, want) in cases {
            let mut got = Vec::new();
            decode(dt, false, &le, |_, x| got.push(x));
            let mut be = le.clone();
            be.reverse();
            decode(dt, true, &be, |_, x| got.push(x));
            assert_eq!(got, vec![want, want], "{dt:?}");
        }
    }

    #[test]
    fn non_finite_reports_first_position_and_count() {
        let v = Values::F32(vec![1.0, 2.0, 3.0, f32::NEG_INFINITY, 5.0, f32::NAN]);
        let e = check_finite(&v, 2).unwrap_err();
        assert_eq!(
            e,
            Error::NonFinite {
                what: "the file",
                kind: "-Infinity",
                row: 1,
                col: 1,
                count: 2
            }
        );
    }
}
