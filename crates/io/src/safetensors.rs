//! safetensors files (huggingface/safetensors): one 2-D tensor, picked by name.
//!
//! Layout: a little-endian u64 header length `N`, an `N`-byte JSON object mapping tensor names
//! to `{ "dtype", "shape", "data_offsets": [begin, end] }` (plus an optional `__metadata__`),
//! then the data; offsets are relative to the data's start. Only the header is parsed in
//! memory (the `safetensors` crate's own reader wants the whole file as one buffer); the chosen
//! tensor is then streamed.

use std::io::{Read, Seek};

use embgeo_core::Result;
use serde_json::Value;

use crate::common::{limited, product, read_elements, zeros, Decoded, Dtype, Source};
use crate::Options;

/// Largest header accepted (the `safetensors` crate's limit).
const MAX_HEADER: u64 = 100_000_000;

/// One tensor's entry in the header.
struct Entry {
    name: String,
    dtype: Result<Dtype, String>,
    shape: Vec<u64>,
    begin: u64,
    end: u64,
}

fn describe(e: &Entry) -> String {
    let dt = match &e.dtype {
        Ok(d) => d.name().to_string(),
        Err(s) => s.clone(),
    };
    let dims: Vec<String> = e.shape.iter().map(u64::to_string).collect();
    format!("'{}' ({dt}, [{}])", e.name, dims.join(", "))
}

/// Read the tensor `o.tensor` (or the only 2-D tensor) as a matrix.
pub(crate) fn read<R: Read + Seek>(src: &mut Source<'_, R>, o: &Options) -> Result<Decoded> {
    if src.len < 8 {
        return Err(src.bad_at(
            0,
            format!(
                "the file has {} bytes; a safetensors file starts with an 8-byte header length",
                src.len
            ),
        ));
    }
    let mut b = [0u8; 8];
    src.read_at(0, &mut b)?;
    let n = u64::from_le_bytes(b);
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
    let mut text = vec![0u8; n as usize];
    src.read_at(8, &mut text)?;
    let entries = parse_header(&text).map_err(|(at, why)| src.bad_at(8 + at, why))?;
    let data_start = 8 + n;
    let data_len = src.len - data_start;

    let chosen = choose(src, &entries, o.tensor.as_deref())?;
    let dtype = chosen.dtype.clone().map_err(|d| {
        src.bad(
            "header",
            format!(
                "tensor '{}' has dtype {d}; supported: F16, BF16, F32, F64, I8, U8, I16, U16, I32, U32, I64, U64",
                chosen.name
            ),
        )
    })?;
    let [rows, cols] = chosen.shape[..] else {
        return Err(src.bad(
            "header",
            format!(
                "tensor {} is {}-D; embeddings need a 2-D tensor (rows, cols)",
                describe(chosen),
                chosen.shape.len()
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
    let take = limited(rows, o.limit_rows);
    let mut out = zeros(
        o.dtype.unwrap_or_else(|| dtype.default_out()),
        take * cols,
        &src.name,
    )?;
    read_elements(
        src,
        data_start + chosen.begin,
        take * cols,
        dtype,
        false,
        &mut out,
        0,
        1,
    )?;
    Ok(Decoded {
        rows: take,
        cols,
        data: out,
        source: dtype.name(),
    })
}

/// The tensor named `name`, or the only 2-D tensor.
fn choose<'e, R: Read + Seek>(
    src: &Source<'_, R>,
    entries: &'e [Entry],
    name: Option<&str>,
) -> Result<&'e Entry> {
    let all = || list(&entries.iter().collect::<Vec<_>>());
    if let Some(name) = name {
        return entries.iter().find(|e| e.name == name).ok_or_else(|| {
            src.bad(
                "header",
                format!("there is no tensor named '{name}'; the file has {}", all()),
            )
        });
    }
    let two_d: Vec<&Entry> = entries.iter().filter(|e| e.shape.len() == 2).collect();
    match two_d[..] {
        [one] => Ok(one),
        [] => Err(src.bad("header", format!("no 2-D tensor in the file; it has {}", all()))),
        _ => Err(src.bad(
            "header",
            format!(
                "{} 2-D tensors; pick one with options.tensor: {}",
                two_d.len(),
                list(&two_d)
            ),
        )),
    }
}

fn list(entries: &[&Entry]) -> String {
    if entries.is_empty() {
        return "no tensors".into();
    }
    let shown: Vec<String> = entries.iter().take(20).map(|e| describe(e)).collect();
    let more = if entries.len() > 20 {
        format!(" and {} more", entries.len() - 20)
    } else {
        String::new()
    };
    format!("tensors {}{more}", shown.join(", "))
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

/// Parse the JSON header; errors carry the byte offset inside it.
fn parse_header(text: &[u8]) -> std::result::Result<Vec<Entry>, (u64, String)> {
    let v: Value = serde_json::from_slice(text).map_err(|e| {
        // serde_json counts 1-based lines and columns; headers are usually one line
        let at = if e.line() <= 1 {
            e.column().saturating_sub(1) as u64
        } else {
            0
        };
        (
            at,
            format!("the JSON header is invalid: {}", crate::json::strip_position(&e)),
        )
    })?;
    let Value::Object(map) = v else {
        return Err((0, "the JSON header is not an object".into()));
    };
    let mut out = Vec::new();
    for (name, t) in map {
        if name == "__metadata__" {
            continue;
        }
        let bad = |what: &str| (0, format!("tensor '{name}' in the header: {what}"));
        let obj = t.as_object().ok_or_else(|| bad("not an object"))?;
        let dt = obj
            .get("dtype")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("no string 'dtype'"))?;
        let shape = obj
            .get("shape")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>())
            .ok_or_else(|| bad("'shape' is not an array of non-negative integers"))?;
        let offs = obj
            .get("data_offsets")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>())
            .filter(|a| a.len() == 2)
            .ok_or_else(|| bad("'data_offsets' is not [begin, end]"))?;
        out.push(Entry {
            dtype: dtype(dt),
            shape,
            begin: offs[0],
            end: offs[1],
            name,
        });
    }
    Ok(out)
}
