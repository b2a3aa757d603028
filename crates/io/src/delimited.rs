//! Delimited text: CSV, TSV and whitespace-separated (numpy `savetxt`) numbers, one row per
//! line, an optional header row. Every column must be numeric; fields may be wrapped in double
//! quotes; blank lines are skipped.

use std::io::{BufRead, BufReader, Read, Seek};

use embgeo_core::{Error, Result};

use crate::common::{buffer_size, io_error, Decoded, Source};
use crate::json::skip_bom;
use crate::{Format, Options, OutType, Values};

/// Split `line` into (1-based column, field) pairs.
fn fields(line: &[u8], delim: u8) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
    if delim == b' ' {
        let mut i = 0;
        while i < line.len() {
            while i < line.len() && matches!(line[i], b' ' | b'\t') {
                i += 1;
            }
            let start = i;
            while i < line.len() && !matches!(line[i], b' ' | b'\t') {
                i += 1;
            }
            if i > start {
                out.push((start + 1, &line[start..i]));
            }
        }
    } else {
        let mut start = 0;
        for (i, &b) in line.iter().enumerate() {
            if b == delim {
                out.push((start + 1, &line[start..i]));
                start = i + 1;
            }
        }
        out.push((start + 1, &line[start..]));
    }
    out
}

/// The number in `field` (trimmed, optionally double-quoted).
fn number(field: &[u8]) -> Option<f64> {
    let s = std::str::from_utf8(field).ok()?.trim();
    let s = s
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(s)
        .trim();
    s.parse::<f64>().ok()
}

/// Show a field in a message (at most 40 characters).
fn show(field: &[u8]) -> String {
    let s = String::from_utf8_lossy(field);
    let s = s.trim();
    if s.chars().count() > 40 {
        format!("\"{}…\"", s.chars().take(40).collect::<String>())
    } else {
        format!("\"{s}\"")
    }
}

/// Append the numbers of one row to `out`; on error the 1-based column and the reason.
fn parse_row(
    fs: &[(usize, &[u8])],
    out: &mut Values,
    header: Option<bool>,
) -> std::result::Result<(), (usize, String)> {
    for &(col, f) in fs {
        let Some(x) = number(f) else {
            let why = if f.iter().all(u8::is_ascii_whitespace) {
                "an empty field; every field must be a number (is there a trailing or doubled delimiter?)"
                    .to_string()
            } else {
                format!(
                    "{} is not a number; every column must be numeric (drop text columns such as ids first{})",
                    show(f),
                    if header == Some(false) { "" } else { ", or pass header: false/true explicitly" }
                )
            };
            return Err((col, why));
        };
        match out {
            Values::F32(v) => v.push(x as f32),
            Values::F64(v) => v.push(x),
        }
    }
    Ok(())
}

/// Read a delimited text file.
pub(crate) fn read<R: Read + Seek>(src: &mut Source<'_, R>, format: Format, o: &Options) -> Result<Decoded> {
    let name = src.name.clone();
    let bad = |line: usize, col: usize, why: String| Error::BadFile {
        path: name.clone(),
        location: format!("line {line}, column {col}"),
        reason: why,
    };
    let limit = o.limit_rows.unwrap_or(usize::MAX);
    let mut out = match o.dtype.unwrap_or(OutType::F64) {
        OutType::F32 => Values::F32(Vec::new()),
        OutType::F64 => Values::F64(Vec::new()),
    };
    let mut delim = o.delimiter.or(match format {
        Format::Csv => Some(b','),
        Format::Tsv => Some(b'\t'),
        _ => None,
    });
    src.seek_to(0)?;
    let mut reader = BufReader::with_capacity(buffer_size(src.len), &mut *src);
    skip_bom(&mut reader).map_err(|e| io_error(&name, &e, 0))?;
    let mut buf = Vec::new();
    let (mut number_of_line, mut rows, mut cols) = (0usize, 0usize, None::<usize>);
    let mut first = true;
    while rows < limit {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_error(&name, &e, 0))?;
        if n == 0 {
            break;
        }
        number_of_line += 1;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let d = *delim.get_or_insert_with(|| {
            if line.contains(&b'\t') {
                b'\t'
            } else if line.contains(&b',') {
                b','
            } else {
                b' '
            }
        });
        let fs = fields(line, d);
        if first {
            first = false;
            let is_header = match o.header {
                Some(h) => h,
                None => fs.iter().any(|(_, f)| number(f).is_none()),
            };
            if is_header {
                continue;
            }
        }
        let start = out.len();
        parse_row(&fs, &mut out, o.header).map_err(|(col, why)| bad(number_of_line, col, why))?;
        let got = out.len() - start;
        match cols {
            None => cols = Some(got),
            Some(c) if c != got => {
                return Err(bad(
                    number_of_line,
                    1,
                    format!("this row has {got} fields; expected {c} (from the first data row); all rows must have the same length"),
                ))
            }
            Some(_) => {}
        }
        rows += 1;
    }
    drop(reader);
    let Some(cols) = cols else {
        return Err(src.bad("line 1, column 1", "the file holds no data rows"));
    };
    match &mut out {
        Values::F32(v) => v.shrink_to_fit(),
        Values::F64(v) => v.shrink_to_fit(),
    }
    Ok(Decoded {
        rows,
        cols,
        data: out,
        source: "text",
    })
}
