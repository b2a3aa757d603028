//! The format of a file: from its extension, else from its first bytes.

use std::io::{Read, Seek};

use embgeo_core::Result;

use crate::common::Source;
use crate::Format;

/// The format named by the extension of `name` (case-insensitive), if any.
///
/// `.txt` is not decisive (it may be comma-, tab- or space-separated) and returns `None`.
pub(crate) fn from_extension(name: &str) -> Option<Format> {
    let ext = std::path::Path::new(name)
        .extension()?
        .to_str()?
        .to_ascii_lowercase();
    Some(match ext.as_str() {
        "npy" => Format::Npy,
        "fvecs" => Format::Fvecs,
        "bvecs" => Format::Bvecs,
        "ivecs" => Format::Ivecs,
        "safetensors" => Format::Safetensors,
        "f32" | "raw" | "bin" => Format::Raw,
        "json" => Format::Json,
        "jsonl" | "ndjson" => Format::Jsonl,
        "csv" => Format::Csv,
        "tsv" | "tab" => Format::Tsv,
        _ => return None,
    })
}

/// The format of the file: by extension, else by content.
///
/// Content rules, in order: `\x93NUMPY` → npy; an 8-byte length followed by `{` that fits the
/// file → safetensors; text starting with `[` followed by `[` or `{` → json, `[` followed by a
/// number → jsonl (one array per line), `{` → jsonl; text starting with a number → csv, tsv or
/// txt by the first line's separator. Headerless binary (fvecs/ivecs/raw) cannot be told apart
/// and needs an extension or `options.format`.
pub(crate) fn detect<R: Read + Seek>(src: &mut Source<'_, R>) -> Result<Format> {
    if let Some(f) = from_extension(&src.name) {
        return Ok(f);
    }
    let mut head = [0u8; 4096];
    let n = src.peek(&mut head)?;
    let head = &head[..n];
    if head.starts_with(b"\x93NUMPY") {
        return Ok(Format::Npy);
    }
    if n >= 9 {
        let mut l = [0u8; 8];
        l.copy_from_slice(&head[..8]);
        let hl = u64::from_le_bytes(l);
        if head[8] == b'{' && hl.checked_add(8).is_some_and(|end| end <= src.len) {
            return Ok(Format::Safetensors);
        }
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut it = text.iter().copied().filter(|b| !b.is_ascii_whitespace());
    match (it.next(), it.next()) {
        (Some(b'['), Some(b'[' | b'{' | b']')) => return Ok(Format::Json),
        (Some(b'['), Some(b'-' | b'+' | b'.' | b'0'..=b'9')) | (Some(b'{'), _) => return Ok(Format::Jsonl),
        _ => {}
    }
    // The first line, or the second if the first is a header row.
    let printable = |l: &[u8]| {
        l.iter()
            .all(|b| (b.is_ascii() && !b.is_ascii_control()) || matches!(b, b'\t' | b'\r'))
    };
    let numeric = |l: &[u8]| {
        l.iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| matches!(b, b'-' | b'+' | b'.' | b'0'..=b'9'))
    };
    let mut lines = text.split(|&b| b == b'\n');
    let first = lines.next().unwrap_or_default();
    let line = if numeric(first) {
        Some(first)
    } else {
        lines.next().filter(|l| printable(first) && numeric(l))
    };
    if let Some(line) = line.filter(|l| printable(l)) {
        return Ok(if line.contains(&b'\t') {
            Format::Tsv
        } else if line.contains(&b',') {
            Format::Csv
        } else {
            Format::Txt
        });
    }
    Err(src.bad(
        "byte 0",
        "cannot tell the format from the extension or the first bytes; pass options.format \
         ('npy', 'fvecs', 'bvecs', 'ivecs', 'safetensors', 'raw', 'json', 'jsonl', 'csv', 'tsv' or 'txt')",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use embgeo_core::Ctl;
    use std::io::Cursor;

    fn sniff(name: &str, bytes: &[u8]) -> Result<Format> {
        let mut s = Source::new(Cursor::new(bytes), bytes.len() as u64, name, Ctl::detached());
        detect(&mut s)
    }

    #[test]
    fn extension_wins_then_content_decides() {
        assert_eq!(sniff("a.FVECS", b"").unwrap(), Format::Fvecs);
        assert_eq!(sniff("x", b"\x93NUMPY\x01\x00").unwrap(), Format::Npy);
        assert_eq!(sniff("x", b"\x02\0\0\0\0\0\0\0{}").unwrap(), Format::Safetensors);
        assert_eq!(sniff("x", b" [[1,2]]").unwrap(), Format::Json);
        assert_eq!(sniff("x", b"[1,2]\n[3,4]\n").unwrap(), Format::Jsonl);
        assert_eq!(sniff("x", b"{\"e\":[1]}\n").unwrap(), Format::Jsonl);
        assert_eq!(sniff("x.txt", b"1\t2\n").unwrap(), Format::Tsv);
        assert_eq!(sniff("x", b"1.5,2\n").unwrap(), Format::Csv);
        assert_eq!(sniff("x", b"1.5 2\n").unwrap(), Format::Txt);
        assert_eq!(sniff("x", b"a,b\n1,2\n").unwrap(), Format::Csv);
        let e = sniff("x", b"\x01\0\0\0\0\0\x80?").unwrap_err();
        assert_eq!(e.code(), "ERR_BAD_FILE");
        assert!(e.to_string().contains("options.format"), "{e}");
    }
}
