//! Delimited text: CSV, TSV and whitespace-separated (numpy `savetxt`) numbers, one row per
//! record, an optional header row. Every column must be numeric; blank lines are skipped.
//!
//! CSV and TSV (any one-byte delimiter) are read with the `csv` crate: RFC 4180 quoting (a
//! quoted field may hold the delimiter, doubled quotes or a line break), CRLF or LF, streamed
//! one record at a time. Whitespace-separated text (delimiter `' '`: any run of spaces and
//! tabs, as numpy `savetxt` writes) has no quoting and is split per line. A UTF-8 BOM is
//! skipped. Memory: the output plus one 1 MiB buffer and the longest record.
//!
//! The first row is a header when `Options::header` says so, or, by default, when **none** of
//! its fields parses as a number (`x,y,z`); a first row with some numbers (`1,,3`, `a,1`) is
//! data, so its bad fields are reported as on any other line.
//!
//! Errors name `line L, column C` (1-based; the column counts bytes from the record's start,
//! the quotes of quoted fields not included).

use std::io::{BufRead, BufReader, Read, Seek};

use embgeo_core::{Error, Result};

use crate::common::{buffer_size, io_error, Decoded, Source};
use crate::json::skip_bom;
use crate::{Format, Options, OutType, Values};

/// Split `line` at runs of spaces and tabs into (1-based column, field) pairs.
fn fields(line: &[u8]) -> Vec<(usize, &[u8])> {
    let mut out = Vec::new();
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

/// The rows read so far and the rules every row must follow.
struct Rows<'o> {
    out: Values,
    count: usize,
    cols: Option<usize>,
    first: bool,
    o: &'o Options,
}

impl Rows<'_> {
    /// Add one non-blank row of `(column, field)` pairs found on line `line`; the first row may
    /// be a header (skipped). On error the 1-based line, column and the reason.
    fn push(
        &mut self,
        line: usize,
        fs: &[(usize, &[u8])],
    ) -> std::result::Result<(), (usize, usize, String)> {
        if std::mem::take(&mut self.first) {
            let header = self
                .o
                .header
                .unwrap_or_else(|| fs.iter().all(|(_, f)| number(f).is_none()));
            if header {
                return Ok(());
            }
        }
        let start = self.out.len();
        parse_row(fs, &mut self.out, self.o.header).map_err(|(col, why)| (line, col, why))?;
        let got = self.out.len() - start;
        match self.cols {
            None => self.cols = Some(got),
            Some(c) if c != got => {
                return Err((
                    line,
                    1,
                    format!("this row has {got} fields; expected {c} (from the first data row); all rows must have the same length"),
                ))
            }
            Some(_) => {}
        }
        self.count += 1;
        Ok(())
    }
}

/// The delimiter of the first non-blank line among `head`'s: tab, else comma, else whitespace.
fn sniff(head: &[u8]) -> u8 {
    let line = head
        .split(|&b| b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
        .unwrap_or_default();
    if line.contains(&b'\t') {
        b'\t'
    } else if line.contains(&b',') {
        b','
    } else {
        b' '
    }
}

/// The delimiter: the option, else the format's, else sniffed from the first line.
fn delimiter<R: Read + Seek>(src: &mut Source<'_, R>, format: Format, o: &Options) -> Result<u8> {
    let fixed = o.delimiter.or(match format {
        Format::Csv => Some(b','),
        Format::Tsv => Some(b'\t'),
        _ => None,
    });
    if let Some(d) = fixed {
        return Ok(d);
    }
    let mut head = [0u8; 4096];
    let n = src.peek(&mut head)?;
    let head = &head[..n];
    Ok(sniff(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head)))
}

/// A row's error as `BadFile` naming `name`.
fn bad(name: &str) -> impl Fn((usize, usize, String)) -> Error + '_ {
    move |(line, col, why)| Error::BadFile {
        path: name.to_string(),
        location: format!("line {line}, column {col}"),
        reason: why,
    }
}

/// Whitespace-separated text: split per line.
fn read_whitespace<B: BufRead>(mut reader: B, name: &str, acc: &mut Rows<'_>, limit: usize) -> Result<()> {
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    while acc.count < limit {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_error(name, &e, 0))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        acc.push(line_no, &fields(line)).map_err(bad(name))?;
    }
    Ok(())
}

/// CSV/TSV records through the `csv` crate.
fn read_csv<B: BufRead>(reader: B, delim: u8, name: &str, acc: &mut Rows<'_>, limit: usize) -> Result<()> {
    let mut csv = csv::ReaderBuilder::new()
        .delimiter(delim)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(64 << 10)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    while acc.count < limit {
        let more = csv
            .read_byte_record(&mut record)
            .map_err(|e| match e.into_kind() {
                csv::ErrorKind::Io(e) => io_error(name, &e, 0),
                other => Error::BadFile {
                    path: name.to_string(),
                    location: "record".into(),
                    reason: format!("{other:?}"),
                },
            })?;
        if !more {
            break;
        }
        if record.len() <= 1 && record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        let mut col = 1;
        let fs: Vec<(usize, &[u8])> = record
            .iter()
            .map(|f| {
                let c = col;
                col += f.len() + 1;
                (c, f)
            })
            .collect();
        acc.push(line, &fs).map_err(bad(name))?;
    }
    Ok(())
}

/// Read a delimited text file.
pub(crate) fn read<R: Read + Seek>(src: &mut Source<'_, R>, format: Format, o: &Options) -> Result<Decoded> {
    let name = src.name.clone();
    let limit = o.limit_rows.unwrap_or(usize::MAX);
    let out = match o.dtype.unwrap_or(OutType::F64) {
        OutType::F32 => Values::F32(Vec::new()),
        OutType::F64 => Values::F64(Vec::new()),
    };
    let delim = delimiter(src, format, o)?;
    let mut acc = Rows {
        out,
        count: 0,
        cols: None,
        first: true,
        o,
    };
    src.seek_to(0)?;
    let mut reader = BufReader::with_capacity(buffer_size(src.len), &mut *src);
    skip_bom(&mut reader).map_err(|e| io_error(&name, &e, 0))?;
    if delim == b' ' {
        read_whitespace(reader, &name, &mut acc, limit)?;
    } else {
        read_csv(reader, delim, &name, &mut acc, limit)?;
    }
    let Rows {
        mut out, count, cols, ..
    } = acc;
    let Some(cols) = cols else {
        return Err(src.bad("line 1, column 1", "the file holds no data rows"));
    };
    match &mut out {
        Values::F32(v) => v.shrink_to_fit(),
        Values::F64(v) => v.shrink_to_fit(),
    }
    Ok(Decoded {
        rows: count,
        cols,
        data: out,
        source: "text",
    })
}
