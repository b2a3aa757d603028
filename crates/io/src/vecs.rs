//! The ANN-benchmark formats (corpus-texmex.irisa.fr): `.fvecs`, `.bvecs`, `.ivecs`.
//!
//! A file is a sequence of records, each a little-endian `i32` dimension `d` followed by `d`
//! values (f32, u8 or i32, little-endian). Every record must have the first record's `d`.

use std::io::{Read, Seek};

use embgeo_core::Result;

use crate::common::{decode_into, selected, zeros, Decoded, Dtype, Source};
use crate::{Format, Options};

/// Read every record (or the records of `rows`, at most `limit_rows`) into a `rows × d` matrix.
pub(crate) fn read<R: Read + Seek>(src: &mut Source<'_, R>, format: Format, o: &Options) -> Result<Decoded> {
    let dt = match format {
        Format::Bvecs => Dtype::U8,
        Format::Ivecs => Dtype::I32,
        _ => Dtype::F32,
    };
    let ext = format.name();
    if src.len == 0 {
        return Err(src.bad_at(
            0,
            format!("the file is empty; a .{ext} file has at least one record"),
        ));
    }
    let d = i32::from_le_bytes(src.leading(&format!("a .{ext} record starts with a 4-byte dimension"))?);
    let size = dt.size() as u64;
    // A record is 4 + d·size bytes and must fit the file: checked before anything else.
    if d <= 0 {
        return Err(src.bad_at(
            0,
            format!(
                "the first record declares dimension {d}; a dimension must be >= 1, so this is not a .{ext} \
                 file (.fvecs holds f32, .bvecs u8, .ivecs i32; pass options.format if the extension is wrong)"
            ),
        ));
    }
    let rec = 4 + u64::from(d.unsigned_abs()) * size;
    if rec > src.len {
        return Err(src.bad_at(
            0,
            format!(
                "the first record declares dimension {d} ({rec} bytes per record), but the file has only {} \
                 bytes; the file is truncated or not a .{ext} file",
                src.len
            ),
        ));
    }
    let d = d as usize;
    let rows = src.len / rec;
    if !src.len.is_multiple_of(rec) {
        return Err(src.bad_at(
            rows * rec,
            format!(
                "the file length {} is not a whole number of {rec}-byte records (4-byte dimension + {d} × {} bytes): \
                 {rows} complete records and {} bytes left over; the file is truncated or not a .{ext} file",
                src.len,
                size,
                src.len % rec
            ),
        ));
    }
    // rows·rec ≤ len, so rows fits in usize on 64-bit targets.
    let (start, take) = selected(rows as usize, o)?;
    let out_type = o.dtype.unwrap_or_else(|| dt.default_out());
    let mut out = zeros(out_type, take * d, &src.name)?;
    let rec_usize = rec as usize;
    src.read_blocks(start as u64 * rec, take, rec_usize, |src, r, bytes| {
        for (i, record) in bytes.chunks_exact(rec_usize).enumerate() {
            let got = i32::from_le_bytes([record[0], record[1], record[2], record[3]]);
            if got != d as i32 {
                let row = start + r + i;
                return Err(src.bad_at(
                    row as u64 * rec,
                    format!(
                        "record {row} declares dimension {got}, but record 0 declares {d}; every record of a \
                         .{ext} file must have the same dimension"
                    ),
                ));
            }
            decode_into(dt, false, &record[4..], &mut out, (r + i) * d, 1);
        }
        Ok(())
    })?;
    Ok(Decoded {
        rows: take,
        cols: d,
        data: out,
        source: dt.name(),
    })
}
