//! numpy `.npy` files (format versions 1.0, 2.0, 3.0), 2-D arrays of one numeric dtype.
//!
//! Layout: `\x93NUMPY`, major and minor version bytes, the header length (u16 in v1, u32 in
//! v2/v3, little-endian), an ASCII/UTF-8 Python dict literal
//! `{'descr': '<f4', 'fortran_order': False, 'shape': (rows, cols), }`, then the data.

use std::io::{Read, Seek};

use embgeo_core::Result;

use crate::common::{product, read_elements, read_rows, selected, zeros, Decoded, Dtype, Source};
use crate::Options;

/// Largest header accepted (numpy's own `max_header_size` default is 10 000 bytes).
const MAX_HEADER: u64 = 1 << 16;

/// The parsed header.
#[derive(Debug, PartialEq)]
struct Header {
    dtype: Dtype,
    big_endian: bool,
    fortran: bool,
    shape: Vec<u64>,
    /// Byte offset of the data.
    data_start: u64,
}

/// Read a 2-D `.npy` (see the module docs); Fortran order is transposed while reading.
pub(crate) fn read<R: Read + Seek>(src: &mut Source<'_, R>, o: &Options) -> Result<Decoded> {
    let h = header(src)?;
    let (rows, cols) = match h.shape[..] {
        [r, c] => (r, c),
        [n] => {
            return Err(src.bad(
                "header",
                format!(
                    "the array is 1-D (shape ({n},)); embeddings need a 2-D array (rows, cols): \
                     save it with np.save(path, a.reshape(-1, dim))"
                ),
            ))
        }
        _ => {
            return Err(src.bad(
                "header",
                format!(
                    "the array has {} dimensions (shape {}); embeddings need a 2-D array (rows, cols): \
                     reshape it to (n, dim) before saving",
                    h.shape.len(),
                    shape_str(&h.shape)
                ),
            ))
        }
    };
    let size = h.dtype.size() as u64;
    let available = src.len - h.data_start;
    let needed = product(&[rows, cols, size]);
    if needed != Some(available) {
        let declared = needed.map_or_else(|| "more than 2^64".to_string(), |b| b.to_string());
        let why = if needed.is_none_or(|b| b > available) {
            "the file is truncated or the header is wrong"
        } else {
            "the file has trailing bytes after the data or the header is wrong"
        };
        return Err(src.bad_at(
            h.data_start,
            format!(
                "the header declares shape {} of {} ({declared} bytes of data), but {available} bytes \
                 follow the {}-byte header; {why}",
                shape_str(&h.shape),
                h.dtype.name(),
                h.data_start
            ),
        ));
    }
    if cols == 0 {
        return Err(src.bad("header", format!("shape {} has no columns", shape_str(&h.shape))));
    }
    // rows·cols·size ≤ file length, so these fit in usize.
    let (rows, cols) = (rows as usize, cols as usize);
    let (start, take) = selected(rows, o)?;
    let out_type = o.dtype.unwrap_or_else(|| h.dtype.default_out());
    if !h.fortran {
        let offset = h.data_start + (start * cols) as u64 * size;
        return read_rows(src, offset, (take, cols), h.dtype, h.big_endian, out_type);
    }
    let mut out = zeros(out_type, take * cols, &src.name)?;
    // column j holds `rows` values starting at element j·rows; keep rows start..start + take
    for j in 0..cols {
        let offset = h.data_start + (j * rows + start) as u64 * size;
        read_elements(src, offset, take, h.dtype, h.big_endian, &mut out, j, cols)?;
    }
    Ok(Decoded {
        rows: take,
        cols,
        data: out,
        source: h.dtype.name(),
    })
}

fn shape_str(shape: &[u64]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape.iter().map(u64::to_string).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// Parse and check the magic, version and header dict.
fn header<R: Read + Seek>(src: &mut Source<'_, R>) -> Result<Header> {
    if src.len < 10 {
        return Err(src.bad_at(
            0,
            format!("the file has {} bytes; a .npy file has at least 10", src.len),
        ));
    }
    let mut pre = [0u8; 12];
    let pre_len = if src.len >= 12 { 12 } else { 10 };
    src.read_at(0, &mut pre[..pre_len])?;
    if &pre[..6] != b"\x93NUMPY" {
        return Err(src.bad_at(
            0,
            "not a .npy file: it does not start with the magic bytes \\x93NUMPY (pass options.format if \
             the extension is wrong)",
        ));
    }
    let (hlen, start) = match pre[6] {
        1 => (u64::from(u16::from_le_bytes([pre[8], pre[9]])), 10u64),
        2 | 3 if pre_len == 12 => (
            u64::from(u32::from_le_bytes([pre[8], pre[9], pre[10], pre[11]])),
            12,
        ),
        2 | 3 => return Err(src.bad_at(10, "the file ends inside the header-length field")),
        v => {
            return Err(src.bad_at(
                6,
                format!(
                    "unsupported .npy format version {v}.{}; versions 1, 2 and 3 are supported",
                    pre[7]
                ),
            ))
        }
    };
    if hlen > MAX_HEADER {
        return Err(src.bad_at(
            8,
            format!("the header length field says {hlen} bytes; a .npy header is at most {MAX_HEADER} bytes"),
        ));
    }
    if start + hlen > src.len {
        return Err(src.bad_at(
            8,
            format!(
                "the header length field says {hlen} bytes, but only {} bytes follow it; the file is truncated",
                src.len - start
            ),
        ));
    }
    let mut text = vec![0u8; hlen as usize];
    src.read_at(start, &mut text)?;
    let dict = parse_dict(&text).map_err(|(at, why)| src.bad_at(start + at as u64, why))?;
    let descr = dict
        .descr
        .ok_or_else(|| src.bad_at(start, "the header has no 'descr' key"))?;
    let shape = dict
        .shape
        .ok_or_else(|| src.bad_at(start, "the header has no 'shape' key"))?;
    let fortran = dict
        .fortran
        .ok_or_else(|| src.bad_at(start, "the header has no 'fortran_order' key"))?;
    let (dtype, big_endian) = parse_descr(&descr).map_err(|why| src.bad_at(start, why))?;
    Ok(Header {
        dtype,
        big_endian,
        fortran,
        shape,
        data_start: start + hlen,
    })
}

/// `'<f4'` → (F32, little-endian).
fn parse_descr(d: &str) -> std::result::Result<(Dtype, bool), String> {
    let unsupported = || {
        format!(
            "unsupported dtype '{d}'; supported: f2, f4, f8, i1, u1, i2, u2, i4, u4, i8, u8 in any byte \
             order (convert with a.astype(np.float32))"
        )
    };
    let mut chars = d.chars();
    let order = chars.next();
    let kind = chars.as_str();
    let big = match order {
        Some('<' | '|') => false,
        Some('>') => true,
        Some('=') => cfg!(target_endian = "big"),
        _ => return Err(unsupported()),
    };
    let dt = match kind {
        "f2" | "e" => Dtype::F16,
        "f4" | "f" => Dtype::F32,
        "f8" | "d" => Dtype::F64,
        "i1" | "b" => Dtype::I8,
        "u1" | "B" => Dtype::U8,
        "i2" | "h" => Dtype::I16,
        "u2" | "H" => Dtype::U16,
        "i4" | "i" => Dtype::I32,
        "u4" | "I" => Dtype::U32,
        "i8" | "q" => Dtype::I64,
        "u8" | "Q" => Dtype::U64,
        _ => return Err(unsupported()),
    };
    Ok((dt, big))
}

/// The three keys of the header dict (others are ignored).
#[derive(Debug, Default)]
struct Dict {
    descr: Option<String>,
    fortran: Option<bool>,
    shape: Option<Vec<u64>>,
}

/// A token of the Python literal.
#[derive(Debug, PartialEq)]
enum Tok {
    Punct(u8),
    Str(String),
    Int(u64),
    Bool(bool),
    Other(String),
}

type PResult<T> = std::result::Result<T, (usize, String)>;

struct Lexer<'a> {
    s: &'a [u8],
    i: usize,
}

impl Lexer<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    /// The next token and its offset.
    fn next(&mut self) -> PResult<(usize, Tok)> {
        self.skip_ws();
        let at = self.i;
        let Some(&c) = self.s.get(self.i) else {
            return Err((at, "the header dict ends early".into()));
        };
        match c {
            b'{' | b'}' | b'(' | b')' | b'[' | b']' | b':' | b',' => {
                self.i += 1;
                Ok((at, Tok::Punct(c)))
            }
            b'\'' | b'"' => {
                let end = self.s[at + 1..]
                    .iter()
                    .position(|&b| b == c)
                    .ok_or((at, "an unterminated string in the header".to_string()))?;
                let raw = &self.s[at + 1..at + 1 + end];
                self.i = at + end + 2;
                let s =
                    std::str::from_utf8(raw).map_err(|_| (at, "a header string is not UTF-8".to_string()))?;
                Ok((at, Tok::Str(s.to_string())))
            }
            b'0'..=b'9' => {
                let mut v: u64 = 0;
                while let Some(&d) = self.s.get(self.i).filter(|d| d.is_ascii_digit()) {
                    v = v
                        .checked_mul(10)
                        .and_then(|v| v.checked_add(u64::from(d - b'0')))
                        .ok_or((
                            at,
                            "a dimension in the header does not fit in 64 bits".to_string(),
                        ))?;
                    self.i += 1;
                }
                if self.s.get(self.i) == Some(&b'L') {
                    self.i += 1; // Python 2 long suffix
                }
                Ok((at, Tok::Int(v)))
            }
            _ => {
                let end = self.s[at..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric() && *b != b'_' && *b != b'-')
                    .map_or(self.s.len(), |p| at + p);
                let word = String::from_utf8_lossy(&self.s[at..end.max(at + 1)]).into_owned();
                self.i = end.max(at + 1);
                Ok((
                    at,
                    match word.as_str() {
                        "True" => Tok::Bool(true),
                        "False" => Tok::Bool(false),
                        _ => Tok::Other(word),
                    },
                ))
            }
        }
    }

    fn expect(&mut self, p: u8) -> PResult<()> {
        match self.next()? {
            (_, Tok::Punct(q)) if q == p => Ok(()),
            (at, t) => Err((
                at,
                format!("expected '{}' in the header dict, found {t:?}", p as char),
            )),
        }
    }
}

/// Parse `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`; errors carry the byte
/// offset inside the header.
fn parse_dict(text: &[u8]) -> PResult<Dict> {
    let mut lx = Lexer { s: text, i: 0 };
    let mut d = Dict::default();
    lx.expect(b'{')?;
    loop {
        let (at, key) = match lx.next()? {
            (_, Tok::Punct(b'}')) => break,
            (at, Tok::Str(k)) => (at, k),
            (at, t) => {
                return Err((
                    at,
                    format!("expected a string key in the header dict, found {t:?}"),
                ))
            }
        };
        lx.expect(b':')?;
        match key.as_str() {
            "descr" => {
                match lx.next()? {
                    (_, Tok::Str(s)) => d.descr = Some(s),
                    (at, _) => return Err((
                        at,
                        "the dtype is structured (a list of fields); only plain numeric dtypes are supported"
                            .into(),
                    )),
                }
            }
            "fortran_order" => match lx.next()? {
                (_, Tok::Bool(b)) => d.fortran = Some(b),
                (at, t) => return Err((at, format!("fortran_order must be True or False, found {t:?}"))),
            },
            "shape" => {
                lx.expect(b'(')?;
                let mut dims = Vec::new();
                loop {
                    match lx.next()? {
                        (_, Tok::Punct(b')')) => break,
                        (_, Tok::Int(v)) if dims.len() < 32 => dims.push(v),
                        (at, t) => {
                            return Err((
                                at,
                                format!("expected a dimension in the shape tuple, found {t:?}"),
                            ))
                        }
                    }
                    match lx.next()? {
                        (_, Tok::Punct(b')')) => break,
                        (_, Tok::Punct(b',')) => {}
                        (at, t) => {
                            return Err((at, format!("expected ',' or ')' in the shape tuple, found {t:?}")))
                        }
                    }
                }
                d.shape = Some(dims);
            }
            _ => return Err((at, format!("unexpected key '{key}' in the header dict"))),
        }
        match lx.next()? {
            (_, Tok::Punct(b'}')) => break,
            (_, Tok::Punct(b',')) => {}
            (at, t) => {
                return Err((
                    at,
                    format!("expected ',' or '}}' in the header dict, found {t:?}"),
                ))
            }
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests;
