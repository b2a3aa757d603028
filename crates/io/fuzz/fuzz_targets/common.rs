//! Shared by the fuzz targets: read `data` as the file `name` and check the result's invariants.

use std::io::Cursor;

use embgeo_io::{read_from, Ctl, Options, Values};

/// Read `data` (true length, or a claimed length `extra` bytes longer: a file that shrank while
/// being read) and check that any success is a consistent matrix.
pub fn check(name: &str, data: &[u8], o: &Options, extra: u64) {
    let len = data.len() as u64 + extra;
    match read_from(Cursor::new(data), len, name, o, &Ctl::detached()) {
        Ok(e) => {
            assert!(e.cols >= 1, "{name}: zero columns");
            assert_eq!(e.data.len(), e.rows * e.cols, "{name}: data length");
            if let Some(l) = o.limit_rows {
                assert!(e.rows <= l, "{name}: more rows than the limit");
            }
            let finite = match &e.data {
                Values::F32(v) => v.iter().all(|x| x.is_finite()),
                Values::F64(v) => v.iter().all(|x| x.is_finite()),
            };
            assert!(finite, "{name}: non-finite value returned");
            // a file cannot yield more values than it has bytes (the smallest element is 1 byte)
            assert!(e.data.len() as u64 <= len.max(1), "{name}: more values than bytes");
        }
        Err(e) => {
            let code = e.code();
            assert!(
                matches!(code, "ERR_BAD_FILE" | "ERR_NON_FINITE" | "ERR_OUT_OF_RANGE"),
                "{name}: unexpected error {code}: {e}"
            );
        }
    }
}

/// Options from the first byte of the input (limit, output type); returns the rest.
pub fn options(data: &[u8]) -> (Options, &[u8]) {
    let Some((&b, rest)) = data.split_first() else {
        return (Options::default(), data);
    };
    let o = Options {
        limit_rows: (b & 1 == 1).then_some(usize::from(b >> 4)),
        dtype: match (b >> 1) & 3 {
            1 => Some(embgeo_io::OutType::F32),
            2 => Some(embgeo_io::OutType::F64),
            _ => None,
        },
        ..Options::default()
    };
    (o, rest)
}
