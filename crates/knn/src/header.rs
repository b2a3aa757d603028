//! The fixed 32-byte header shared by the binary forms of [`crate::Index`] and
//! [`crate::KnnPart`] (little-endian): 8 magic bytes, u32 version, u8 dtype (0 = f32, 1 = f64),
//! u8 metric code ([`Metric::code`]), u16 reserved = 0, then two u64 sizes (`dim, rows` for an
//! index, `k, rows` for a part). Each format keeps its own magic, version, payload and checksum.

use embgeo_core::{Error, Result};

use crate::metric::Metric;

/// Header length in bytes: magic + version + dtype + metric + reserved + two u64 sizes.
pub(crate) const HEADER: usize = 8 + 4 + 1 + 1 + 2 + 8 + 8;

/// Append the header to `out` (32 bytes; O(1)).
pub(crate) fn write(
    out: &mut Vec<u8>,
    magic: [u8; 8],
    version: u32,
    f64_data: bool,
    metric: Metric,
    sizes: [usize; 2],
) {
    out.extend_from_slice(&magic);
    out.extend_from_slice(&version.to_le_bytes());
    out.push(u8::from(f64_data));
    out.push(metric.code());
    out.extend_from_slice(&0u16.to_le_bytes());
    for s in sizes {
        out.extend_from_slice(&(s as u64).to_le_bytes());
    }
}

/// The little-endian u64 at byte `o`; the caller guarantees `o + 8 <= bytes.len()`.
pub(crate) fn u64_at(bytes: &[u8], o: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[o..o + 8]);
    u64::from_le_bytes(b)
}

/// What [`read`] decoded.
pub(crate) struct Fields<D> {
    /// The element type, as the caller's `dtype` decoded it.
    pub dtype: D,
    /// The metric.
    pub metric: Metric,
    /// The two sizes, in header order.
    pub sizes: [usize; 2],
}

/// Decode the header after the caller checked the magic and that `bytes` holds at least
/// [`HEADER`] bytes. Checks, in this order (the first failure is reported, through `bad`):
/// the version equals `version`; `dtype(byte 12)`; the metric code; the reserved bytes are 0;
/// each size fits in `usize` (`"{name} too large"`, `names` in header order). O(1).
///
/// # Errors
/// Whatever `bad` makes of the reason, or `dtype`'s error.
pub(crate) fn read<D>(
    bytes: &[u8],
    version: u32,
    names: [&str; 2],
    bad: &dyn Fn(String) -> Error,
    dtype: impl FnOnce(u8) -> Result<D>,
) -> Result<Fields<D>> {
    let found = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if found != version {
        return Err(bad(format!(
            "format version {found}, this build reads version {version}"
        )));
    }
    let dtype = dtype(bytes[12])?;
    let metric =
        Metric::from_code(bytes[13]).ok_or_else(|| bad(format!("unknown metric code {}", bytes[13])))?;
    if bytes[14] != 0 || bytes[15] != 0 {
        return Err(bad("reserved bytes are not zero".into()));
    }
    let mut sizes = [0usize; 2];
    for (j, (size, name)) in sizes.iter_mut().zip(names).enumerate() {
        *size = usize::try_from(u64_at(bytes, 16 + 8 * j)).map_err(|_| bad(format!("{name} too large")))?;
    }
    Ok(Fields { dtype, metric, sizes })
}
