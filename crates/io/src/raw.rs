//! Headerless little-endian f32 (`.f32`, `.raw`, `.bin`): `dim` values per row, rows until the
//! end of the file.

use std::io::{Read, Seek};

use embgeo_core::{Error, Result};

use crate::common::{read_rows, selected, Decoded, Dtype, Source};
use crate::Options;

/// Read `len / (4·dim)` rows of `dim` f32 values.
pub(crate) fn read<R: Read + Seek>(src: &mut Source<'_, R>, o: &Options) -> Result<Decoded> {
    let dim = match o.dim {
        Some(d) if d >= 1 => d,
        other => {
            return Err(Error::OutOfRange {
                name: "dim",
                expected: "an integer >= 1 for raw files (they have no header saying the row length)".into(),
                actual: other.map_or_else(|| "undefined".to_string(), |d| d.to_string()),
            })
        }
    };
    if src.len == 0 {
        return Err(src.bad_at(0, "the file is empty"));
    }
    let row_bytes = (dim as u64).checked_mul(4).filter(|&b| b <= src.len);
    let Some(row_bytes) = row_bytes.filter(|&b| src.len.is_multiple_of(b)) else {
        let row = (dim as u64).saturating_mul(4);
        return Err(src.bad_at(
            src.len - src.len % row,
            format!(
                "the file length {} is not a whole number of rows of dim = {dim} f32 values ({row} bytes each): \
                 {} complete rows and {} bytes left over; check dim (or the file is truncated)",
                src.len,
                src.len / row,
                src.len % row
            ),
        ));
    };
    let rows = (src.len / row_bytes) as usize;
    let (start, take) = selected(rows, o)?;
    let out_type = o.dtype.unwrap_or(crate::OutType::F32);
    read_rows(
        src,
        start as u64 * row_bytes,
        (take, dim),
        Dtype::F32,
        false,
        out_type,
    )
}
