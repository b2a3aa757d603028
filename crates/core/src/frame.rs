//! The binary frame of every embgeo partial state (kNN parts, column-statistics and anisotropy
//! parts): 8 magic bytes, a little-endian u32 format version, the payload, then the CRC-32
//! (IEEE, little-endian) of everything before it. [`Writer`] builds a frame; [`open`] checks
//! one (size, magic, checksum, version, in that order) and hands back a [`Reader`] over the
//! payload. Each format keeps its own magic, version and payload layout; this module is only
//! the envelope. All sizes are little-endian u64.

use crate::{Error, Result};

/// Bytes before the payload: magic + version.
pub const PREFIX: usize = 8 + 4;
/// Bytes after the payload: the CRC-32.
pub const TRAILER: usize = 4;

/// Builds a frame: the prefix on creation, the payload through the typed writers, the checksum
/// on [`Writer::finish`].
pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// A frame of `magic` and `version` with room for `payload` bytes (O(1) besides the
    /// allocation of `PREFIX + payload + TRAILER` bytes).
    #[must_use]
    pub fn new(magic: [u8; 8], version: u32, payload: usize) -> Self {
        let mut out = Vec::with_capacity(PREFIX + payload + TRAILER);
        out.extend_from_slice(&magic);
        out.extend_from_slice(&version.to_le_bytes());
        Self { out }
    }

    /// Append raw bytes.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.out.extend_from_slice(b);
        self
    }

    /// Append a size as a little-endian u64.
    pub fn size(&mut self, v: usize) -> &mut Self {
        self.bytes(&(v as u64).to_le_bytes())
    }

    /// Append little-endian u32 values.
    pub fn u32s(&mut self, v: &[u32]) -> &mut Self {
        for x in v {
            self.out.extend_from_slice(&x.to_le_bytes());
        }
        self
    }

    /// Append little-endian f64 values (bit-exact).
    pub fn f64s(&mut self, v: &[f64]) -> &mut Self {
        for x in v {
            self.out.extend_from_slice(&x.to_le_bytes());
        }
        self
    }

    /// The frame: everything written so far followed by its CRC-32. O(length).
    #[must_use]
    pub fn finish(mut self) -> Vec<u8> {
        seal(&mut self.out);
        self.out
    }
}

/// Append the CRC-32 (IEEE, little-endian) of `out` to it (for formats that write their own
/// prefix, such as the kNN part's 32-byte header). O(length).
pub fn seal(out: &mut Vec<u8>) {
    let crc = crc32fast::hash(out);
    out.extend_from_slice(&crc.to_le_bytes());
}

/// `Ok` if the last four bytes of `bytes` are the CRC-32 of the rest.
///
/// # Errors
/// `bad("checksum mismatch (corrupted)")` otherwise, or `bad("truncated")` if there are fewer
/// than four bytes.
pub fn check_seal(bytes: &[u8], bad: &dyn Fn(String) -> Error) -> Result<()> {
    let Some(body) = bytes.len().checked_sub(TRAILER) else {
        return Err(bad("truncated".into()));
    };
    let mut stored = [0u8; 4];
    stored.copy_from_slice(&bytes[body..]);
    if crc32fast::hash(&bytes[..body]) != u32::from_le_bytes(stored) {
        return Err(bad("checksum mismatch (corrupted)".into()));
    }
    Ok(())
}

/// Check a frame written by [`Writer`] with `magic` and `version` and return a reader of its
/// payload. O(length) (the checksum).
///
/// # Errors
/// `BadModel("not an embgeo {what}: …")` for a frame too short to hold the prefix and the
/// checksum, another magic, a checksum mismatch (corrupted or truncated), or another version.
pub fn open<'a>(bytes: &'a [u8], magic: [u8; 8], version: u32, what: &'static str) -> Result<Reader<'a>> {
    let bad = move |why: String| Error::BadModel(format!("not an embgeo {what}: {why}"));
    if bytes.len() < PREFIX + TRAILER || bytes[..8] != magic {
        let m = String::from_utf8_lossy(&magic).into_owned();
        return Err(bad(format!("missing the {m} header (or truncated)")));
    }
    check_seal(bytes, &bad)?;
    let mut v = [0u8; 4];
    v.copy_from_slice(&bytes[8..12]);
    let found = u32::from_le_bytes(v);
    if found != version {
        return Err(bad(format!(
            "format version {found}, this build reads version {version}"
        )));
    }
    Ok(Reader {
        payload: &bytes[PREFIX..bytes.len() - TRAILER],
        at: 0,
        what,
    })
}

/// Reads the payload of a checked frame, front to back.
pub struct Reader<'a> {
    payload: &'a [u8],
    at: usize,
    what: &'static str,
}

impl Reader<'_> {
    /// A `BadModel` error in this frame's words.
    #[must_use]
    pub fn bad(&self, why: &str) -> Error {
        Error::BadModel(format!("not an embgeo {}: {why}", self.what))
    }

    fn take(&mut self, n: usize) -> Result<&[u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.payload.len())
            .ok_or_else(|| self.bad("shorter than its header announces"))?;
        let s = &self.payload[self.at..end];
        self.at = end;
        Ok(s)
    }

    /// The next byte.
    ///
    /// # Errors
    /// `BadModel` past the end of the payload.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    /// The next little-endian u64 as a size.
    ///
    /// # Errors
    /// `BadModel` past the end or if it does not fit in `usize`.
    pub fn size(&mut self) -> Result<usize> {
        let mut b = [0u8; 8];
        b.copy_from_slice(self.take(8)?);
        usize::try_from(u64::from_le_bytes(b)).map_err(|_| self.bad("a size too large for this machine"))
    }

    /// The next `n` values of `W` little-endian bytes each, decoded by `from`.
    fn array<const W: usize, T>(&mut self, n: usize, from: fn([u8; W]) -> T) -> Result<Vec<T>> {
        let len = n
            .checked_mul(W)
            .ok_or_else(|| self.bad("a length that overflows"))?;
        let raw = self.take(len)?;
        Ok(raw
            .chunks_exact(W)
            .map(|c| {
                let mut b = [0u8; W];
                b.copy_from_slice(c);
                from(b)
            })
            .collect())
    }

    /// The next `n` little-endian f64 values.
    ///
    /// # Errors
    /// `BadModel` if fewer than `8·n` bytes remain (checked before allocating).
    pub fn f64s(&mut self, n: usize) -> Result<Vec<f64>> {
        self.array(n, f64::from_le_bytes)
    }

    /// The next `n` little-endian u32 values.
    ///
    /// # Errors
    /// `BadModel` if fewer than `4·n` bytes remain (checked before allocating).
    pub fn u32s(&mut self, n: usize) -> Result<Vec<u32>> {
        self.array(n, u32::from_le_bytes)
    }

    /// `Ok` if the whole payload was read.
    ///
    /// # Errors
    /// `BadModel` if bytes remain (a frame longer than its header announces).
    pub fn finish(&self) -> Result<()> {
        if self.at == self.payload.len() {
            Ok(())
        } else {
            Err(self.bad("longer than its header announces"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: [u8; 8] = *b"EMBGTEST";

    fn frame() -> Vec<u8> {
        let mut w = Writer::new(MAGIC, 3, 8 + 16 + 8);
        w.size(2).f64s(&[1.5, -0.0]).u32s(&[7, u32::MAX]);
        w.finish()
    }

    #[test]
    fn round_trips_exactly_with_prefix_payload_and_checksum() {
        let b = frame();
        assert_eq!(b.len(), PREFIX + 8 + 16 + 8 + TRAILER);
        let mut r = open(&b, MAGIC, 3, "test frame").unwrap();
        let n = r.size().unwrap();
        let v = r.f64s(n).unwrap();
        assert_eq!(v[0].to_bits(), 1.5f64.to_bits());
        assert_eq!(v[1].to_bits(), (-0.0f64).to_bits());
        assert_eq!(r.u32s(2).unwrap(), vec![7, u32::MAX]);
        r.finish().unwrap();
    }

    #[test]
    fn any_flipped_bit_truncation_or_other_magic_or_version_is_bad_model() {
        let b = frame();
        for i in 0..b.len() {
            let mut c = b.clone();
            c[i] ^= 0x04;
            assert_eq!(
                open(&c, MAGIC, 3, "t").err().map(|e| e.code()),
                Some("ERR_BAD_MODEL"),
                "byte {i}"
            );
        }
        for n in 0..b.len() {
            assert!(open(&b[..n], MAGIC, 3, "t").is_err(), "length {n}");
        }
        let e = open(&b, MAGIC, 4, "test frame").err().unwrap();
        assert!(e.to_string().contains("format version 3"), "{e}");
        assert!(open(&b, *b"EMBGOTHR", 3, "t").is_err());
        let mut r = open(&b, MAGIC, 3, "t").unwrap();
        assert_eq!(r.f64s(5).unwrap_err().code(), "ERR_BAD_MODEL");
        let mut r = open(&b, MAGIC, 3, "t").unwrap();
        assert_eq!(r.u32s(usize::MAX).unwrap_err().code(), "ERR_BAD_MODEL");
        assert_eq!(r.u32s(11).unwrap_err().code(), "ERR_BAD_MODEL");
        let r = open(&b, MAGIC, 3, "t").unwrap();
        assert_eq!(r.finish().unwrap_err().code(), "ERR_BAD_MODEL");
    }
}
