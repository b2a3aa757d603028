//! `Options::rows`: a row range of each binary format equals the same rows of a full read, reads
//! only the header and those rows, and an out-of-range or text-format request is `OutOfRange`.

mod common;

use common::{f32_bytes, fmt, grid, npy, npy_raw, read_bytes, safetensors, vecs};
use embgeo_io::{Format, Options, Values, WriteData};

const ROWS: usize = 9;
const COLS: usize = 4;

fn rows(o: Options, r: [usize; 2]) -> Options {
    Options { rows: Some(r), ..o }
}

fn slice(v: &Values, a: usize, b: usize) -> Values {
    match v {
        Values::F32(x) => Values::F32(x[a * COLS..b * COLS].to_vec()),
        Values::F64(x) => Values::F64(x[a * COLS..b * COLS].to_vec()),
    }
}

/// Every range of `bytes` (read as `name` with `o`) equals the slice of the full read.
fn ranges_equal_slices(name: &str, bytes: &[u8], o: &Options) {
    let full = read_bytes(name, bytes, o).unwrap();
    assert_eq!(full.rows, ROWS, "{name}");
    for r in [[0, ROWS], [0, 1], [3, 7], [8, 9], [5, 5], [9, 9]] {
        let e = read_bytes(name, bytes, &rows(o.clone(), r)).unwrap();
        assert_eq!((e.rows, e.cols), (r[1] - r[0], COLS), "{name} {r:?}");
        assert_eq!(e.data, slice(&full.data, r[0], r[1]), "{name} {r:?}");
    }
    // limitRows caps the range
    let o2 = Options {
        limit_rows: Some(2),
        ..rows(o.clone(), [4, 9])
    };
    assert_eq!(
        read_bytes(name, bytes, &o2).unwrap().data,
        slice(&full.data, 4, 6),
        "{name}"
    );
    for bad in [[0, ROWS + 1], [5, 4], [10, 12]] {
        let e = read_bytes(name, bytes, &rows(o.clone(), bad)).unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{name} {bad:?}: {e}");
    }
}

#[test]
fn npy_c_and_fortran_order_ranges_equal_slices_of_a_full_read() {
    let x = grid(ROWS, COLS);
    ranges_equal_slices("a.npy", &npy(WriteData::F32(&x), ROWS, COLS), &Options::default());
    let y: Vec<f64> = x.iter().map(|&v| f64::from(v) / 3.0).collect();
    ranges_equal_slices("a.npy", &npy(WriteData::F64(&y), ROWS, COLS), &Options::default());
    // Fortran order: column j holds ROWS values
    let xr = &x;
    let t: Vec<f32> = (0..COLS)
        .flat_map(|j| (0..ROWS).map(move |i| xr[i * COLS + j]))
        .collect();
    let f = npy_raw(
        "{'descr': '<f4', 'fortran_order': True, 'shape': (9, 4), }",
        &f32_bytes(&t),
    );
    ranges_equal_slices("f.npy", &f, &Options::default());
}

#[test]
fn vecs_safetensors_and_raw_ranges_equal_slices_of_a_full_read() {
    let x = grid(ROWS, COLS);
    ranges_equal_slices(
        "a.fvecs",
        &vecs(WriteData::F32(&x), ROWS, COLS),
        &Options::default(),
    );
    let st = safetensors(&[
        ("other", safetensors::Dtype::F32, vec![2], f32_bytes(&[1.0, 2.0])),
        ("emb", safetensors::Dtype::F32, vec![ROWS, COLS], f32_bytes(&x)),
    ]);
    let named = Options {
        tensor: Some("emb".into()),
        ..Options::default()
    };
    ranges_equal_slices("a.safetensors", &st, &named);
    let raw = Options {
        dim: Some(COLS),
        ..fmt(Format::Raw)
    };
    ranges_equal_slices("a.f32", &f32_bytes(&x), &raw);
}

#[test]
fn a_range_reads_past_corrupt_rows_outside_it() {
    // record 7 of an .fvecs file declares another dimension: a range before it never reads it
    let x = grid(ROWS, COLS);
    let mut b = vecs(WriteData::F32(&x), ROWS, COLS);
    let rec = 4 + 4 * COLS;
    b[7 * rec] = 9;
    assert_eq!(
        read_bytes("a.fvecs", &b, &Options::default()).unwrap_err().code(),
        "ERR_BAD_FILE"
    );
    let e = read_bytes("a.fvecs", &b, &rows(Options::default(), [2, 7])).unwrap();
    assert_eq!(e.rows, 5);
    let e = read_bytes("a.fvecs", &b, &rows(Options::default(), [6, 9])).unwrap_err();
    assert!(e.to_string().contains("record 7"), "{e}");
    // a NaN outside the range is never seen
    let mut y = x.clone();
    y[8 * COLS] = f32::NAN;
    let n = npy_raw(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (9, 4), }",
        &f32_bytes(&y),
    );
    assert_eq!(
        read_bytes("a.npy", &n, &Options::default()).unwrap_err().code(),
        "ERR_NON_FINITE"
    );
    assert_eq!(
        read_bytes("a.npy", &n, &rows(Options::default(), [0, 8]))
            .unwrap()
            .rows,
        8
    );
}

#[test]
fn text_formats_refuse_a_row_range() {
    let e = read_bytes("a.csv", b"1,2\n3,4\n", &rows(Options::default(), [0, 1])).unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
}
