//! safetensors files (huggingface/safetensors): one 2-D tensor, picked by name.
//!
//! Layout: a little-endian u64 header length `N`, an `N`-byte JSON object mapping tensor names
//! to `{ "dtype", "shape", "data_offsets": [begin, end] }` (plus an optional `__metadata__`),
//! then the data; offsets are relative to the data's start. The header is parsed as it streams
//! in (the `safetensors` crate's own reader wants the whole file as one buffer) and only what
//! is needed is kept: the chosen tensor's entry and at most 20 entries for messages;
//! `__metadata__` is skipped without being stored. Memory: one 8 KiB buffer plus the longest
//! tensor name, whatever the header's size; the chosen tensor is then streamed.

use std::cell::RefCell;
use std::fmt;
use std::io::{BufReader, Read, Seek};

use embgeo_core::Result;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use crate::common::{io_error, product, read_rows, selected, Decoded, Dtype, Source};
use crate::Options;

/// Largest header accepted (the `safetensors` crate's limit).
const MAX_HEADER: u64 = 100_000_000;

/// Entries kept for error messages.
const SHOWN: usize = 20;

/// Dimensions of a shape kept (the rank is always counted).
const KEPT_DIMS: usize = 8;

/// One tensor's entry in the header.
#[derive(Clone)]
struct Entry {
    name: String,
    dtype: Result<Dtype, String>,
    shape: Shape,
    begin: u64,
    end: u64,
}

/// A tensor's shape: its rank and its first [`KEPT_DIMS`] dimensions.
#[derive(Clone, Default)]
struct Shape {
    rank: usize,
    dims: Vec<u64>,
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Shape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of non-negative integers")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Shape, A::Error> {
                let mut s = Shape::default();
                while let Some(d) = seq.next_element::<u64>()? {
                    if s.rank < KEPT_DIMS {
                        s.dims.push(d);
                    }
                    s.rank += 1;
                }
                Ok(s)
            }
        }
        d.deserialize_seq(V)
    }
}

/// A tensor entry as written in the header.
#[derive(Deserialize)]
struct RawEntry {
    dtype: String,
    shape: Shape,
    data_offsets: (u64, u64),
}

fn describe(e: &Entry) -> String {
    let dt = match &e.dtype {
        Ok(d) => d.name().to_string(),
        Err(s) => s.clone(),
    };
    let mut dims: Vec<String> = e.shape.dims.iter().map(u64::to_string).collect();
    if e.shape.rank > e.shape.dims.len() {
        dims.push("…".into());
    }
    format!("'{}' ({dt}, [{}])", e.name, dims.join(", "))
}

/// What the header scan keeps.
#[derive(Default)]
struct Scan {
    /// The tensor asked for by name, or the first 2-D tensor.
    chosen: Option<Entry>,
    /// Number of tensors, and of 2-D tensors.
    total: usize,
    two_d: usize,
    /// The first [`SHOWN`] tensors, and the first [`SHOWN`] 2-D tensors (for messages).
    shown: Vec<Entry>,
    shown_2d: Vec<Entry>,
}

/// Scans the header's top-level object for tensor `want` (or the 2-D tensors).
struct Scanner<'o> {
    want: Option<&'o str>,
    /// The tensor whose entry is being parsed (for messages).
    current: &'o RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Scanner<'_> {
    type Value = Scan;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Scan, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Scanner<'_> {
    type Value = Scan;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object of tensors")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Scan, A::Error> {
        let mut scan = Scan::default();
        while let Some(name) = map.next_key::<String>()? {
            if name == "__metadata__" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            self.current.replace(Some(name.clone()));
            let raw: RawEntry = map.next_value()?;
            self.current.replace(None);
            let e = Entry {
                dtype: dtype(&raw.dtype),
                shape: raw.shape,
                begin: raw.data_offsets.0,
                end: raw.data_offsets.1,
                name,
            };
            scan.total += 1;
            let is_2d = e.shape.rank == 2;
            if is_2d {
                scan.two_d += 1;
            }
            let wanted = match self.want {
                Some(w) => e.name == w,
                None => is_2d,
            };
            if wanted && scan.chosen.is_none() {
                scan.chosen = Some(e.clone());
            }
            if is_2d && scan.shown_2d.len() < SHOWN {
                scan.shown_2d.push(e.clone());
            }
            if scan.shown.len() < SHOWN {
                scan.shown.push(e);
            }
        }
        Ok(scan)
    }
}

/// Read the tensor `o.tensor` (or the only 2-D tensor) as a matrix.
pub(crate) fn read<R: Read + Seek>(src: &mut Source<'_, R>, o: &Options) -> Result<Decoded> {
    let n = u64::from_le_bytes(src.leading("a safetensors file starts with an 8-byte header length")?);
    if n > MAX_HEADER || n > src.len - 8 {
        return Err(src.bad_at(
            0,
            format!(
                "the header length field says {n} bytes, but {} bytes follow it (and headers are at most {MAX_HEADER}); \
                 the file is truncated or not safetensors",
                src.len - 8
            ),
        ));
    }
    let scan = parse_header(src, n, o.tensor.as_deref())?;
    let data_start = 8 + n;
    let data_len = src.len - data_start;

    let chosen = &choose(src, scan, o.tensor.as_deref())?;
    let dtype = chosen.dtype.clone().map_err(|d| {
        src.bad(
            "header",
            format!(
                "tensor '{}' has dtype {d}; supported: F16, BF16, F32, F64, I8, U8, I16, U16, I32, U32, I64, U64",
                chosen.name
            ),
        )
    })?;
    let (&[rows, cols], 2) = (&chosen.shape.dims[..], chosen.shape.rank) else {
        return Err(src.bad(
            "header",
            format!(
                "tensor {} is {}-D; embeddings need a 2-D tensor (rows, cols)",
                describe(chosen),
                chosen.shape.rank
            ),
        ));
    };
    let size = dtype.size() as u64;
    let needed = product(&[rows, cols, size]);
    if chosen.begin > chosen.end || chosen.end > data_len || needed != Some(chosen.end - chosen.begin) {
        return Err(src.bad(
            "header",
            format!(
                "tensor {} declares data_offsets [{}, {}] but needs {} bytes, and the data section has {data_len} bytes; \
                 the header is corrupt or the file truncated",
                describe(chosen),
                chosen.begin,
                chosen.end,
                needed.map_or_else(|| "more than 2^64".to_string(), |b| b.to_string())
            ),
        ));
    }
    if cols == 0 {
        return Err(src.bad("header", format!("tensor {} has no columns", describe(chosen))));
    }
    let (rows, cols) = (rows as usize, cols as usize);
    let (start, take) = selected(rows, o)?;
    let out_type = o.dtype.unwrap_or_else(|| dtype.default_out());
    read_rows(
        src,
        data_start + chosen.begin + (start * cols) as u64 * size,
        (take, cols),
        dtype,
        false,
        out_type,
    )
}

/// The tensor named `name`, or the only 2-D tensor.
fn choose<R: Read + Seek>(src: &Source<'_, R>, scan: Scan, name: Option<&str>) -> Result<Entry> {
    let all = || list(&scan.shown, scan.total);
    if let Some(name) = name {
        return match scan.chosen {
            Some(e) => Ok(e),
            None => Err(src.bad(
                "header",
                format!("there is no tensor named '{name}'; the file has {}", all()),
            )),
        };
    }
    match (scan.two_d, scan.chosen) {
        (1, Some(one)) => Ok(one),
        (0, _) | (_, None) => Err(src.bad("header", format!("no 2-D tensor in the file; it has {}", all()))),
        (n, Some(_)) => Err(src.bad(
            "header",
            format!(
                "{n} 2-D tensors; pick one with options.tensor: {}",
                list(&scan.shown_2d, n)
            ),
        )),
    }
}

/// `shown` (the first of `total` entries) in words.
fn list(shown: &[Entry], total: usize) -> String {
    if total == 0 {
        return "no tensors".into();
    }
    let names: Vec<String> = shown.iter().map(describe).collect();
    let more = if total > shown.len() {
        format!(" and {} more", total - shown.len())
    } else {
        String::new()
    };
    format!("tensors {}{more}", names.join(", "))
}

fn dtype(name: &str) -> Result<Dtype, String> {
    Ok(match name {
        "F16" => Dtype::F16,
        "BF16" => Dtype::Bf16,
        "F32" => Dtype::F32,
        "F64" => Dtype::F64,
        "I8" => Dtype::I8,
        "U8" => Dtype::U8,
        "I16" => Dtype::I16,
        "U16" => Dtype::U16,
        "I32" => Dtype::I32,
        "U32" => Dtype::U32,
        "I64" => Dtype::I64,
        "U64" => Dtype::U64,
        other => return Err(other.to_string()),
    })
}

/// Parse the `n`-byte JSON header that starts at byte 8, streaming; errors carry the byte
/// offset (for one-line headers, as safetensors writes them).
fn parse_header<R: Read + Seek>(src: &mut Source<'_, R>, n: u64, want: Option<&str>) -> Result<Scan> {
    src.seek_to(8)?;
    let name = src.name.clone();
    let reader = BufReader::with_capacity(n.clamp(64, 8 << 10) as usize, Read::take(&mut *src, n));
    let mut de = serde_json::Deserializer::from_reader(reader);
    let current = RefCell::new(None);
    let scan = Scanner {
        want,
        current: &current,
    }
    .deserialize(&mut de)
    .and_then(|s| de.end().map(|()| s));
    scan.map_err(|e| {
        if e.is_io() {
            return io_error(&name, &std::io::Error::from(e), 8);
        }
        // serde_json counts 1-based lines and columns; headers are usually one line
        let at = if e.line() <= 1 {
            e.column().saturating_sub(1) as u64
        } else {
            0
        };
        let why = crate::json::strip_position(&e);
        let why = match current.take() {
            Some(t) if e.is_data() => format!("tensor '{t}' in the header: {why}"),
            _ => format!("the JSON header is invalid: {why}"),
        };
        embgeo_core::Error::BadFile {
            path: name.clone(),
            location: format!("byte {}", 8 + at),
            reason: why,
        }
    })
}
