//! Readers and writers of embedding files: bounded, streaming, fuzzed.
//!
//! [`read`] (or [`read_from`] on any `Read + Seek`) turns a file into a row-major
//! `rows × cols` matrix ([`Embeddings`]); [`write_npy`] and [`write_vecs`] write one atomically.
//!
//! | format | layout | element types |
//! |---|---|---|
//! | [`Format::Npy`] | numpy `.npy` v1–v3, 2-D, C or Fortran order, `<`, `>` or `|` byte order | f2, f4, f8, i1, u1, i2, u2, i4, u4, i8, u8 |
//! | [`Format::Fvecs`], [`Format::Bvecs`], [`Format::Ivecs`] | ANN-benchmark records: little-endian `i32` dimension, then that many values | f32, u8, i32 |
//! | [`Format::Safetensors`] | one 2-D tensor, by name ([`Options::tensor`]) | F16, BF16, F32, F64, I8, U8, I16, U16, I32, U32, I64, U64 |
//! | [`Format::Raw`] | headerless little-endian f32, [`Options::dim`] values per row | f32 |
//! | [`Format::Json`] | one array of rows (arrays of numbers, or objects with [`Options::field`]) | decimal |
//! | [`Format::Jsonl`] | one row per line (an array, or an object with [`Options::field`]) | decimal |
//! | [`Format::Csv`], [`Format::Tsv`], [`Format::Txt`] | delimited text, optional header row | decimal |
//!
//! # Bounded memory
//! No size declared by a file is trusted: every header's claim (shape, record dimension, tensor
//! offsets) is checked against the file's real length before anything is allocated, so a
//! 100-byte file claiming 10¹² rows is an [`Error::BadFile`] and allocates nothing. Binary data
//! is read in 1 MiB blocks and decoded straight into the output; text is parsed as it streams
//! in and the output grows with the data. Peak memory is the output (`rows · cols` values of
//! the output type) plus one block, plus, for text, the longest line (JSONL, CSV) and the
//! output's growth slack (at most the output again, returned to the allocator at the end).
//!
//! # Element types
//! The output is f32 when the source converts to f32 exactly (f16, bf16, f32, 8- and 16-bit
//! integers) and f64 otherwise (f64, 32- and 64-bit integers, decimal text), unless
//! [`Options::dtype`] says otherwise; [`Embeddings::source_dtype`] names the source type.
//!
//! # Errors
//! [`Error::BadFile`] (code `ERR_BAD_FILE`) names the place: `byte N` (0-based offset) in binary
//! files, `line L, column C` (1-based, as editors count) in text, says what was expected and
//! what was found. [`Error::Io`] (`ERR_IO`) carries the operating system's message.
//! [`Error::NonFinite`] reports NaN or ±∞ values with their 0-based row and column,
//! [`Error::OutOfRange`] an unusable option, [`Error::Cancelled`] a cancelled read.
//!
//! # Panics
//! Never on any input (each binary reader is fuzzed: `scripts/fuzz.sh`); a panic is a bug.

mod common;
mod delimited;
mod detect;
mod fsx;
mod json;
mod npy;
mod raw;
mod safetensors;
mod vecs;
mod write;

use std::io::{Read, Seek};
use std::path::Path;

pub use embgeo_core::{Ctl, Error, Result};
pub use fsx::{file_type_name, open_regular, remove_pending_temporaries, write_atomic, write_file_atomic};
pub use write::{write_npy, write_npy_to, write_vecs, write_vecs_to, Table, WriteData};

/// A file format [`read`] understands (serde: its [`Format::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// numpy `.npy`.
    Npy,
    /// `.fvecs`: records of (i32 dimension, dimension × f32).
    Fvecs,
    /// `.bvecs`: records of (i32 dimension, dimension × u8).
    Bvecs,
    /// `.ivecs`: records of (i32 dimension, dimension × i32).
    Ivecs,
    /// safetensors (8-byte header length, JSON header, data).
    Safetensors,
    /// Headerless little-endian f32; needs [`Options::dim`].
    Raw,
    /// A JSON array of rows.
    Json,
    /// JSON Lines: one row per line.
    Jsonl,
    /// Comma-separated values.
    Csv,
    /// Tab-separated values.
    Tsv,
    /// Whitespace-separated values (numpy `savetxt`).
    Txt,
}

impl Format {
    /// Every format, in the order of [`Format::name`]'s documentation.
    pub const ALL: [Format; 11] = [
        Format::Npy,
        Format::Fvecs,
        Format::Bvecs,
        Format::Ivecs,
        Format::Safetensors,
        Format::Raw,
        Format::Json,
        Format::Jsonl,
        Format::Csv,
        Format::Tsv,
        Format::Txt,
    ];

    /// The format's public name: `npy`, `fvecs`, `bvecs`, `ivecs`, `safetensors`, `raw`,
    /// `json`, `jsonl`, `csv`, `tsv` or `txt`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Format::Npy => "npy",
            Format::Fvecs => "fvecs",
            Format::Bvecs => "bvecs",
            Format::Ivecs => "ivecs",
            Format::Safetensors => "safetensors",
            Format::Raw => "raw",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Txt => "txt",
        }
    }

    /// The format named `name` (see [`Format::name`]).
    ///
    /// # Errors
    /// `InvalidValue` naming the valid formats.
    pub fn parse(name: &str) -> Result<Self> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| Error::InvalidValue {
                name: "format",
                expected: format!(
                    "one of {}",
                    Format::ALL.map(|f| format!("'{}'", f.name())).join(", ")
                ),
                actual: name.to_string(),
            })
    }
}

/// The element type of the returned matrix (serde: `"f32"` or `"f64"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutType {
    /// 32-bit floats.
    F32,
    /// 64-bit floats.
    F64,
}

impl OutType {
    /// `f32` or `f64`.
    ///
    /// # Errors
    /// `InvalidValue` for any other name.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "f32" => Ok(OutType::F32),
            "f64" => Ok(OutType::F64),
            _ => Err(Error::InvalidValue {
                name: "dtype",
                expected: "'f32' or 'f64'".into(),
                actual: name.to_string(),
            }),
        }
    }
}

/// How to read a file; `Options::default()` detects everything.
///
/// Deserialises (serde) from the camelCase object `readEmbeddings` takes (`limitRows`, a
/// one-character `delimiter` string); unknown fields are an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Options {
    /// The format; `None` = from the extension, else from the first bytes.
    pub format: Option<Format>,
    /// Values per row of a [`Format::Raw`] file (required there, ignored elsewhere).
    pub dim: Option<usize>,
    /// Name of the safetensors tensor; `None` = the only 2-D tensor.
    pub tensor: Option<String>,
    /// Output element type; `None` = f32 when exact, else f64 (see the crate docs).
    pub dtype: Option<OutType>,
    /// Read only the first `limit_rows` rows (all if the file has fewer); the rest of the file is
    /// neither read nor checked. With [`Options::rows`]: at most this many of that range.
    pub limit_rows: Option<usize>,
    /// Read only rows `start..end` (`[start, end]`, 0-based, end exclusive) of a binary file
    /// (.npy, .fvecs/.bvecs/.ivecs, safetensors, raw) by positioned reads: the header and those
    /// rows' bytes are all that is read (a worker reads its shard of a file it cannot hold).
    /// `OutOfRange` unless `start ≤ end ≤` the file's rows, or for text formats.
    pub rows: Option<[usize; 2]>,
    /// JSON/JSONL rows that are objects: the key holding the vector, e.g. `"embedding"`.
    pub field: Option<String>,
    /// CSV/TSV/TXT field separator (one ASCII byte; `b' '` = any run of spaces and tabs);
    /// `None` = from the format, else sniffed from the first line.
    #[serde(deserialize_with = "one_ascii_byte")]
    pub delimiter: Option<u8>,
    /// Whether delimited text starts with a header row; `None` = yes if the first row is not
    /// all numbers.
    pub header: Option<bool>,
}

/// A delimiter given as a one-character ASCII string.
fn one_ascii_byte<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<u8>, D::Error> {
    let s: Option<String> = serde::Deserialize::deserialize(d)?;
    match s.as_deref().map(str::as_bytes) {
        None => Ok(None),
        Some(&[b]) if b.is_ascii() => Ok(Some(b)),
        Some(_) => Err(serde::de::Error::custom("delimiter must be one ASCII character")),
    }
}

/// The values of a matrix read from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// 32-bit floats, row-major.
    F32(Vec<f32>),
    /// 64-bit floats, row-major.
    F64(Vec<f64>),
}

impl Values {
    /// Number of values.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
        }
    }

    /// `true` if there are no values.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A matrix read from a file: `rows × cols`, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    /// Rows (vectors) read, after [`Options::limit_rows`].
    pub rows: usize,
    /// Values per row (≥ 1).
    pub cols: usize,
    /// `rows · cols` values, row-major.
    pub data: Values,
    /// The element type in the file: `f16`, `bf16`, `f32`, `f64`, `i8`, `u8`, `i16`, `u16`,
    /// `i32`, `u32`, `i64`, `u64`, or `text` for decimal formats.
    pub source_dtype: &'static str,
    /// The format read ([`Format::name`]).
    pub format: &'static str,
}

/// Read the embedding matrix stored in the file at `path`.
///
/// # Shapes and types
/// Returns `rows × cols` row-major values, f32 or f64 (see the crate docs and
/// [`Options::dtype`]).
/// # Cost
/// Time O(file size) (a Fortran-ordered `.npy` adds one strided scatter); with
/// [`Options::rows`], O(header + the range's bytes) (positioned reads, nothing else touched). Extra memory: one
/// 1 MiB block beyond the output (text: plus the longest line and growth slack).
/// # Cancellation and progress
/// `ctl` is checked about every MiB; progress is phase `"read"`, bytes read of the file size.
/// # Errors
/// `Io` (cannot open or read; not a regular file — a directory, FIFO, socket or device, see
/// [`open_regular`]; out of memory for the output), `BadFile` (content
/// not valid for the format, with its location; also an unknown safetensors tensor name),
/// `NonFinite` (NaN/±∞ in the data), `OutOfRange` (`dim` missing for a raw file), `Cancelled`.
/// # Panics
/// Never on any input.
pub fn read(path: &Path, options: &Options, ctl: &Ctl<'_>) -> Result<Embeddings> {
    let (file, len) = open_regular(path)?;
    read_from(file, len, &path.display().to_string(), options, ctl)
}

/// [`read`] from any seekable reader of `len` bytes; `name` is used in messages and for the
/// format's extension.
///
/// The reader is read through a 1 MiB buffer and never beyond `len` bytes; `len` must be the
/// stream's true length (a shorter stream gives `BadFile`, a longer one is read only to `len`).
///
/// # Errors
/// As [`read`].
pub fn read_from<R: Read + Seek>(
    reader: R,
    len: u64,
    name: &str,
    options: &Options,
    ctl: &Ctl<'_>,
) -> Result<Embeddings> {
    let mut src = common::Source::new(reader, len, name, *ctl);
    let format = match options.format {
        Some(f) => f,
        None => detect::detect(&mut src)?,
    };
    if options.rows.is_some()
        && matches!(
            format,
            Format::Json | Format::Jsonl | Format::Csv | Format::Tsv | Format::Txt
        )
    {
        return Err(Error::OutOfRange {
            name: "rows",
            expected: "given only for binary files (npy, fvecs, bvecs, ivecs, safetensors, raw); text has no row offsets (use limitRows)".into(),
            actual: format!("rows of a {} file", format.name()),
        });
    }
    let out = match format {
        Format::Npy => npy::read(&mut src, options)?,
        Format::Fvecs | Format::Bvecs | Format::Ivecs => vecs::read(&mut src, format, options)?,
        Format::Safetensors => safetensors::read(&mut src, options)?,
        Format::Raw => raw::read(&mut src, options)?,
        Format::Json | Format::Jsonl => json::read(&mut src, format, options)?,
        Format::Csv | Format::Tsv | Format::Txt => delimited::read(&mut src, format, options)?,
    };
    src.finish(out, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_deserialise_from_the_camel_case_object_and_reject_unknowns() {
        let o: Options = serde_json::from_str(
            r#"{"format":"csv","dim":4,"dtype":"f32","limitRows":10,"delimiter":";","header":false}"#,
        )
        .unwrap();
        assert_eq!(
            o,
            Options {
                format: Some(Format::Csv),
                dim: Some(4),
                dtype: Some(OutType::F32),
                limit_rows: Some(10),
                delimiter: Some(b';'),
                header: Some(false),
                ..Options::default()
            }
        );
        assert_eq!(serde_json::from_str::<Options>("{}").unwrap(), Options::default());
        for bad in [
            r#"{"limit":1}"#,
            r#"{"format":"parquet"}"#,
            r#"{"delimiter":";;"}"#,
            r#"{"delimiter":"é"}"#,
        ] {
            assert!(serde_json::from_str::<Options>(bad).is_err(), "{bad}");
        }
        for f in Format::ALL {
            let json = format!("\"{}\"", f.name());
            assert_eq!(serde_json::from_str::<Format>(&json).unwrap(), f);
        }
        assert_eq!(
            Format::parse("parquet").unwrap_err().code(),
            "ERR_INVALID_ARG_VALUE"
        );
    }
}
