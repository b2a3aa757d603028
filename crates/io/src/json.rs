//! JSON (`[[1, 2], [3, 4]]`) and JSON Lines (`[1, 2]` per line) of number arrays; rows may
//! instead be objects holding the vector under `options.field`
//! (`{"id": 7, "embedding": [1, 2]}`).
//!
//! Values stream straight from the parser into the output (a `serde` seed, no intermediate
//! `Vec<Vec<f64>>` or `Value` tree), so memory is the output plus the parser's buffer (JSONL:
//! plus one line).

use std::cell::RefCell;
use std::fmt;
use std::io::{BufRead, BufReader, Read, Seek};

use embgeo_core::{Error, Result};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::common::{buffer_size, io_error, is_cancelled, Decoded, Source};
use crate::{Format, Options, OutType, Values};

/// The message of a `serde_json` error without its " at line L column C" suffix.
pub(crate) fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    s.strip_suffix(&suffix).map_or_else(|| s.clone(), str::to_string)
}

/// Rows as they arrive.
struct Acc<'o> {
    out: Values,
    rows: usize,
    cols: Option<usize>,
    limit: usize,
    field: Option<&'o str>,
    /// Our own reason for the last error (serde's message is then ignored).
    why: Option<String>,
    /// `limit` rows were read; the parse was stopped on purpose.
    stopped: bool,
}

impl Acc<'_> {
    fn push(&mut self, x: f64) {
        match &mut self.out {
            Values::F32(v) => v.push(x as f32),
            Values::F64(v) => v.push(x),
        }
    }

    fn len(&self) -> usize {
        self.out.len()
    }

    fn fail<E: de::Error>(&mut self, why: String) -> E {
        self.why = Some(why);
        E::custom("embgeo")
    }

    /// Close a row of `n` values.
    fn end_row<E: de::Error>(&mut self, n: usize) -> Result<(), E> {
        let row = self.rows;
        match self.cols {
            _ if n == 0 => {
                return Err(self.fail(format!("row {row} is empty; every row needs at least one value")))
            }
            None => self.cols = Some(n),
            Some(c) if c != n => {
                return Err(self.fail(format!(
                    "row {row} has {n} values; expected {c} (from row 0); all rows must have the same length"
                )))
            }
            Some(_) => {}
        }
        self.rows += 1;
        Ok(())
    }
}

/// `DeserializeSeed` for each listed seed by its own `Visitor` (`deserialize_any`).
macro_rules! seed_by_visitor {
    ($($seed:ident),*) => {$(
        impl<'de> DeserializeSeed<'de> for $seed<'_, '_> {
            type Value = ();
            fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_any(self)
            }
        }
    )*};
}

/// Parses one row (an array of numbers, or an object with the field) into the accumulator.
struct RowSeed<'a, 'o>(&'a RefCell<Acc<'o>>);

/// Parses an array of numbers into the accumulator (the row's values).
struct NumbersSeed<'a, 'o>(&'a RefCell<Acc<'o>>);

impl<'de> Visitor<'de> for NumbersSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of numbers")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let start = self.0.borrow().len();
        while let Some(x) = seq.next_element::<f64>()? {
            self.0.borrow_mut().push(x);
        }
        let mut acc = self.0.borrow_mut();
        let n = acc.len() - start;
        acc.end_row(n)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a row: an array of numbers, or an object with the vector under options.field")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        NumbersSeed(self.0).visit_seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let field = self.0.borrow().field;
        let mut keys = Vec::new();
        let mut found = false;
        while let Some(key) = map.next_key::<String>()? {
            if Some(key.as_str()) == field && !found {
                map.next_value_seed(NumbersSeed(self.0))?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
                if keys.len() < 10 {
                    keys.push(format!("'{key}'"));
                }
            }
        }
        if found {
            return Ok(());
        }
        let mut acc = self.0.borrow_mut();
        let row = acc.rows;
        let why = match field {
            Some(f) => format!("row {row} has no field '{f}' (its keys: {})", keys.join(", ")),
            None => format!(
                "row {row} is an object; pass options.field naming the key that holds the vector (its keys: {})",
                keys.join(", ")
            ),
        };
        Err(acc.fail(why))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        let row = self.0.borrow().rows;
        Err(self.0.borrow_mut().fail(format!(
            "row {row} is the number {v}; expected an array of numbers (a 1-D JSON array is one row: wrap it as [[...]])"
        )))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.visit_f64(v as f64)
    }
}

/// The top-level array of a JSON file.
struct TopSeed<'a, 'o>(&'a RefCell<Acc<'o>>);

seed_by_visitor!(NumbersSeed, RowSeed, TopSeed);

impl<'de> Visitor<'de> for TopSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of rows (for one row per line use format 'jsonl')")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            {
                let mut acc = self.0.borrow_mut();
                if acc.rows == acc.limit {
                    acc.stopped = true;
                    return Err(<A::Error as de::Error>::custom("embgeo: limit reached"));
                }
            }
            if seq.next_element_seed(RowSeed(self.0))?.is_none() {
                return Ok(());
            }
        }
    }
}

/// Read a JSON or JSONL file.
pub(crate) fn read<R: Read + Seek>(src: &mut Source<'_, R>, format: Format, o: &Options) -> Result<Decoded> {
    let name = src.name.clone();
    let acc = RefCell::new(Acc {
        out: match o.dtype.unwrap_or(OutType::F64) {
            OutType::F32 => Values::F32(Vec::new()),
            OutType::F64 => Values::F64(Vec::new()),
        },
        rows: 0,
        cols: None,
        limit: o.limit_rows.unwrap_or(usize::MAX),
        field: o.field.as_deref(),
        why: None,
        stopped: false,
    });
    let bad = |line: usize, col: usize, why: String| Error::BadFile {
        path: name.clone(),
        location: format!("line {line}, column {col}"),
        reason: why,
    };
    // A serde_json error: ours (the reason in `why`), an I/O error, or a syntax error.
    let convert = |e: serde_json::Error, line: usize| -> Error {
        if let Some(why) = acc.borrow_mut().why.take() {
            return bad(line.max(e.line()), e.column(), why);
        }
        if e.is_io() {
            let io: std::io::Error = e.into();
            return if is_cancelled(&io) {
                Error::Cancelled
            } else {
                io_error(&name, &io, 0)
            };
        }
        let why = if e.is_eof() {
            "the file ends inside a value (truncated?)".to_string()
        } else {
            format!("invalid JSON: {}", strip_position(&e))
        };
        bad(line.max(e.line()), e.column(), why)
    };
    src.seek_to(0)?;
    let mut reader = BufReader::with_capacity(buffer_size(src.len), &mut *src);
    skip_bom(&mut reader).map_err(|e| io_error(&name, &e, 0))?;
    if format == Format::Json {
        let mut de = serde_json::Deserializer::from_reader(&mut reader);
        match TopSeed(&acc).deserialize(&mut de) {
            Ok(()) => de.end().map_err(|e| convert(e, 0))?,
            Err(_) if acc.borrow().stopped => {}
            Err(e) => return Err(convert(e, 0)),
        }
    } else {
        let mut line = Vec::new();
        let mut number = 0;
        loop {
            if acc.borrow().rows == acc.borrow().limit {
                break;
            }
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| io_error(&name, &e, 0))?;
            if n == 0 {
                break;
            }
            number += 1;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let mut de = serde_json::Deserializer::from_slice(&line);
            RowSeed(&acc)
                .deserialize(&mut de)
                .and_then(|()| de.end())
                .map_err(|e| convert(e, number))?;
        }
    }
    drop(reader);
    let acc = acc.into_inner();
    let Some(cols) = acc.cols else {
        return Err(src.bad("line 1, column 1", "the file holds no rows"));
    };
    let mut data = acc.out;
    match &mut data {
        Values::F32(v) => v.shrink_to_fit(),
        Values::F64(v) => v.shrink_to_fit(),
    }
    Ok(Decoded {
        rows: acc.rows,
        cols,
        data,
        source: "text",
    })
}

/// Skip a UTF-8 byte-order mark.
pub(crate) fn skip_bom<B: BufRead>(r: &mut B) -> std::io::Result<()> {
    if r.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        r.consume(3);
    }
    Ok(())
}
