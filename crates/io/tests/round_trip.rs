//! Every format reads back what was written: the crate's writers, hand-written text, and the
//! reference `safetensors` crate; plus byte orders, Fortran order, dtypes and options.

mod common;

use common::{as_f64, f32_bytes, grid, npy, npy_raw, read_bytes, safetensors, vecs};
use embgeo_io::{read, write_npy, write_vecs, Ctl, Format, Options, OutType, Table, Values, WriteData};
use proptest::prelude::*;

#[test]
fn npy_round_trips_every_writer_dtype() {
    let x = grid(3, 4);
    let e = read_bytes("a.npy", &npy(WriteData::F32(&x), 3, 4), &Options::default()).unwrap();
    assert_eq!((e.rows, e.cols, e.source_dtype, e.format), (3, 4, "f32", "npy"));
    assert_eq!(e.data, Values::F32(x.clone()));

    let y: Vec<f64> = x.iter().map(|&v| f64::from(v) + 1e-12).collect();
    let e = read_bytes("a.npy", &npy(WriteData::F64(&y), 4, 3), &Options::default()).unwrap();
    assert_eq!((e.rows, e.cols, e.source_dtype), (4, 3, "f64"));
    assert_eq!(e.data, Values::F64(y.clone()));

    let i: Vec<i32> = (-6..6).collect();
    let e = read_bytes("a.npy", &npy(WriteData::I32(&i), 6, 2), &Options::default()).unwrap();
    assert_eq!(e.source_dtype, "i32");
    assert_eq!(e.data, Values::F64(i.iter().map(|&v| f64::from(v)).collect()));

    let u: Vec<u32> = vec![0, u32::MAX];
    let e = read_bytes("a.npy", &npy(WriteData::U32(&u), 1, 2), &Options::default()).unwrap();
    assert_eq!(e.data, Values::F64(vec![0.0, f64::from(u32::MAX)]));

    let l: Vec<i64> = vec![-(1 << 40), 1 << 40];
    let e = read_bytes("a.npy", &npy(WriteData::I64(&l), 2, 1), &Options::default()).unwrap();
    assert_eq!(e.data, Values::F64(vec![-(2f64.powi(40)), 2f64.powi(40)]));

    let b: Vec<u8> = vec![0, 7, 255, 1];
    let e = read_bytes("a.npy", &npy(WriteData::U8(&b), 2, 2), &Options::default()).unwrap();
    assert_eq!(
        (e.source_dtype, e.data),
        ("u8", Values::F32(vec![0.0, 7.0, 255.0, 1.0]))
    );
}

#[test]
fn npy_fortran_order_is_transposed_to_rows() {
    // a = [[1, 2, 3], [4, 5, 6]] stored column by column: 1 4 2 5 3 6
    let data = f32_bytes(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
    let f = npy_raw(
        "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
        &data,
    );
    let e = read_bytes("f.npy", &f, &Options::default()).unwrap();
    assert_eq!(e.data, Values::F32(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]));
    let o = Options {
        limit_rows: Some(1),
        ..Options::default()
    };
    let e = read_bytes("f.npy", &f, &o).unwrap();
    assert_eq!((e.rows, e.data), (1, Values::F32(vec![1.0, 2.0, 3.0])));
}

#[test]
fn npy_big_endian_f16_and_version_2() {
    let be: Vec<u8> = [1.5f64, -2.25].iter().flat_map(|x| x.to_be_bytes()).collect();
    let f = npy_raw("{'descr': '>f8', 'fortran_order': False, 'shape': (1, 2), }", &be);
    assert_eq!(
        read_bytes("x.npy", &f, &Options::default()).unwrap().data,
        Values::F64(vec![1.5, -2.25])
    );

    let h: Vec<u8> = [0.5f32, 65504.0, -1.0]
        .iter()
        .flat_map(|&x| half::f16::from_f32(x).to_le_bytes())
        .collect();
    let f = npy_raw("{'descr': '<f2', 'fortran_order': False, 'shape': (3, 1), }", &h);
    let e = read_bytes("x.npy", &f, &Options::default()).unwrap();
    assert_eq!(
        (e.source_dtype, e.data),
        ("f16", Values::F32(vec![0.5, 65504.0, -1.0]))
    );

    // version 2.0: 4-byte header length
    let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }";
    let mut v2 = b"\x93NUMPY\x02\x00".to_vec();
    let hl = (128 - 12) as u32;
    v2.extend_from_slice(&hl.to_le_bytes());
    v2.extend_from_slice(dict.as_bytes());
    v2.resize(127, b' ');
    v2.push(b'\n');
    v2.extend_from_slice(&7f32.to_le_bytes());
    assert_eq!(
        read_bytes("x.npy", &v2, &Options::default()).unwrap().data,
        Values::F32(vec![7.0])
    );
}

#[test]
fn vecs_round_trip_all_three_kinds() {
    let x = grid(5, 3);
    let e = read_bytes("a.fvecs", &vecs(WriteData::F32(&x), 5, 3), &Options::default()).unwrap();
    assert_eq!(
        (e.rows, e.cols, e.format, e.data),
        (5, 3, "fvecs", Values::F32(x))
    );
    let i: Vec<i32> = vec![1, -2, 3, i32::MAX, i32::MIN, 0];
    let e = read_bytes("a.ivecs", &vecs(WriteData::I32(&i), 2, 3), &Options::default()).unwrap();
    assert_eq!((e.source_dtype, e.format), ("i32", "ivecs"));
    assert_eq!(e.data, Values::F64(i.iter().map(|&v| f64::from(v)).collect()));
    let b: Vec<u8> = (0..12).collect();
    let e = read_bytes("a.bvecs", &vecs(WriteData::U8(&b), 3, 4), &Options::default()).unwrap();
    assert_eq!((e.rows, e.cols, e.source_dtype), (3, 4, "u8"));
    let o = Options {
        limit_rows: Some(2),
        dtype: Some(OutType::F64),
        ..Options::default()
    };
    let e = read_bytes("a.bvecs", &vecs(WriteData::U8(&b), 3, 4), &o).unwrap();
    assert_eq!(e.data, Values::F64((0..8).map(f64::from).collect()));
}

#[test]
fn safetensors_picks_the_tensor_by_name_or_the_only_2d_one() {
    let a = grid(2, 3);
    let bias: Vec<f32> = vec![1.0, 2.0, 3.0];
    let file = safetensors(&[
        ("weight", safetensors::Dtype::F32, vec![2, 3], f32_bytes(&a)),
        ("bias", safetensors::Dtype::F32, vec![3], f32_bytes(&bias)),
    ]);
    let e = read_bytes("m.safetensors", &file, &Options::default()).unwrap();
    assert_eq!(
        (e.rows, e.cols, e.format, e.data),
        (2, 3, "safetensors", Values::F32(a.clone()))
    );
    let o = Options {
        tensor: Some("bias".into()),
        ..Options::default()
    };
    let err = read_bytes("m.safetensors", &file, &o).unwrap_err();
    assert!(err.to_string().contains("1-D"), "{err}");
    let o = Options {
        tensor: Some("nope".into()),
        ..Options::default()
    };
    let err = read_bytes("m.safetensors", &file, &o).unwrap_err().to_string();
    assert!(
        err.contains("'weight' (f32, [2, 3])") && err.contains("'bias'"),
        "{err}"
    );

    let h: Vec<u8> = [1.0f32, 2.0, -0.5, 4.0]
        .iter()
        .flat_map(|&x| half::bf16::from_f32(x).to_le_bytes())
        .collect();
    let two = safetensors(&[
        ("a", safetensors::Dtype::BF16, vec![2, 2], h),
        (
            "b",
            safetensors::Dtype::F64,
            vec![1, 1],
            9f64.to_le_bytes().to_vec(),
        ),
    ]);
    let err = read_bytes("m.safetensors", &two, &Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("2 2-D tensors") && err.contains("options.tensor"),
        "{err}"
    );
    let o = Options {
        tensor: Some("a".into()),
        ..Options::default()
    };
    let e = read_bytes("m.safetensors", &two, &o).unwrap();
    assert_eq!(
        (e.source_dtype, e.data),
        ("bf16", Values::F32(vec![1.0, 2.0, -0.5, 4.0]))
    );
    let o = Options {
        tensor: Some("b".into()),
        ..Options::default()
    };
    assert_eq!(
        read_bytes("m.safetensors", &two, &o).unwrap().data,
        Values::F64(vec![9.0])
    );
}

#[test]
fn raw_needs_dim_and_reads_rows() {
    let x = grid(4, 2);
    let bytes = f32_bytes(&x);
    let e = read_bytes("a.f32", &bytes, &Options::default()).unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
    let o = Options {
        dim: Some(2),
        ..Options::default()
    };
    let e = read_bytes("a.f32", &bytes, &o).unwrap();
    assert_eq!((e.rows, e.cols, e.data), (4, 2, Values::F32(x)));
    let o = Options {
        dim: Some(3),
        ..Options::default()
    };
    let e = read_bytes("a.f32", &bytes, &o).unwrap_err();
    assert!(
        e.to_string().contains("2 complete rows and 8 bytes left over"),
        "{e}"
    );
}

#[test]
fn json_and_jsonl_in_every_shape() {
    let want = Values::F64(vec![1.0, 2.5, -3.0, 4e-3]);
    let cases: [(&str, &str, Option<&str>); 6] = [
        ("a.json", "[[1, 2.5], [-3, 4e-3]]", None),
        ("a.json", "\u{feff}[\n [1,2.5],\n [-3,0.004]\n]\n", None),
        (
            "a.json",
            r#"[{"id": "x", "e": [1, 2.5], "more": {"a": [1]}}, {"e": [-3, 0.004]}]"#,
            Some("e"),
        ),
        ("a.jsonl", "[1, 2.5]\n\n[-3, 0.004]\n", None),
        ("a.ndjson", "[1, 2.5]\r\n[-3, 0.004]", None),
        (
            "a.jsonl",
            "{\"e\": [1, 2.5], \"t\": \"hi\"}\n{\"t\": null, \"e\": [-3, 0.004]}\n",
            Some("e"),
        ),
    ];
    for (name, text, field) in cases {
        let o = Options {
            field: field.map(str::to_string),
            ..Options::default()
        };
        let e = read_bytes(name, text.as_bytes(), &o).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!((e.rows, e.cols, e.source_dtype), (2, 2, "text"), "{text}");
        assert_eq!(e.data, want, "{text}");
    }
    let o = Options {
        limit_rows: Some(1),
        dtype: Some(OutType::F32),
        ..Options::default()
    };
    let e = read_bytes("a.json", b"[[1, 2], [3, 4], oops", &o).unwrap();
    assert_eq!((e.rows, e.data), (1, Values::F32(vec![1.0, 2.0])));
}

#[test]
fn delimited_text_with_and_without_headers() {
    let want = Values::F64(vec![1.0, 2.0, 3.0, -4.5, 5e3, 0.25]);
    let cases: [(&str, &str, Option<bool>); 6] = [
        ("a.csv", "1,2,3\n-4.5,5e3,0.25\n", None),
        ("a.csv", "x,y,z\r\n1, 2 ,\"3\"\r\n\r\n-4.5,5e3,0.25", None),
        ("a.tsv", "1\t2\t3\n-4.5\t5e3\t0.25\n", None),
        ("a.txt", "# c1 c2 c3\n1 2  3\n-4.5\t5e3 0.25\n", Some(true)),
        ("a.txt", "1,2,3\n-4.5,5e3,0.25\n", Some(false)),
        ("data", "1\t2\t3\n-4.5\t5e3\t0.25\n", None),
    ];
    for (name, text, header) in cases {
        let o = Options {
            header,
            ..Options::default()
        };
        let e = read_bytes(name, text.as_bytes(), &o).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!((e.rows, e.cols), (2, 3), "{text}");
        assert_eq!(e.data, want, "{text}");
    }
    let o = Options {
        delimiter: Some(b';'),
        format: Some(Format::Csv),
        ..Options::default()
    };
    assert_eq!(
        read_bytes("a", b"1;2\n3;4\n", &o).unwrap().data,
        Values::F64(vec![1.0, 2.0, 3.0, 4.0])
    );
}

#[test]
fn files_on_disk_round_trip_atomically() {
    let dir = std::env::temp_dir().join(format!("embgeo-io-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ctl = Ctl::detached();
    let x = grid(7, 5);
    let p = dir.join("x.npy");
    write_npy(&p, Table::new(WriteData::F32(&x), 7, 5).unwrap(), &ctl).unwrap();
    write_npy(&p, Table::new(WriteData::F32(&x), 7, 5).unwrap(), &ctl).unwrap(); // replaces
    assert_eq!(
        read(&p, &Options::default(), &ctl).unwrap().data,
        Values::F32(x.clone())
    );
    let p = dir.join("x.fvecs");
    write_vecs(&p, Table::new(WriteData::F32(&x), 7, 5).unwrap(), &ctl).unwrap();
    assert_eq!(
        read(&p, &Options::default(), &ctl).unwrap().data,
        Values::F32(x.clone())
    );
    // no temporary files are left behind
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let e = write_vecs(
        &dir.join("y.fvecs"),
        Table::new(WriteData::I64(&[1]), 1, 1).unwrap(),
        &ctl,
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
    assert!(!dir.join("y.fvecs").exists());
    let e = read(&dir.join("missing.npy"), &Options::default(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_IO");
    assert!(e.to_string().contains("missing.npy"), "{e}");
    let e = read(&dir, &Options::default(), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_IO");
    let e = write_npy(
        &dir.join("no/such/dir.npy"),
        Table::new(WriteData::F32(&x), 7, 5).unwrap(),
        &ctl,
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_IO");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_cancelled_read_stops_with_cancelled() {
    let x = vec![0.5f32; 600_000]; // 2.4 MB: more than one block
    let file = npy(WriteData::F32(&x), 600_000 / 8, 8);
    let flag = embgeo_core::CancelFlag::new();
    flag.cancel();
    let ctl = Ctl::new(embgeo_core::Par::Seq, &flag, &embgeo_core::NoProgress);
    let e = embgeo_io::read_from(
        std::io::Cursor::new(&file),
        file.len() as u64,
        "x.npy",
        &Options::default(),
        &ctl,
    )
    .unwrap_err();
    assert_eq!(e.code(), "ABORT_ERR");
    let text = (0..200_000)
        .map(|i| format!("{i},{i}\n"))
        .collect::<Vec<_>>()
        .concat();
    let e = embgeo_io::read_from(
        std::io::Cursor::new(&text),
        text.len() as u64,
        "x.csv",
        &Options::default(),
        &ctl,
    )
    .unwrap_err();
    assert_eq!(e.code(), "ABORT_ERR");
}

#[test]
fn non_finite_values_are_reported_with_position() {
    let x = [1.0f32, 2.0, f32::NAN, 4.0, f32::INFINITY, 6.0];
    let f = npy_raw(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }",
        &f32_bytes(&x),
    );
    let e = read_bytes("x.npy", &f, &Options::default()).unwrap_err();
    assert_eq!(e.code(), "ERR_NON_FINITE");
    assert!(
        e.to_string().contains("NaN at row 1, column 0 (first of 2"),
        "{e}"
    );
    let e = read_bytes("x.csv", b"1,2\n3,nan\n", &Options::default()).unwrap_err();
    assert!(e.to_string().contains("NaN at row 1, column 1"), "{e}");
    // f64 values beyond f32's range become infinite when f32 output is asked for
    let o = Options {
        dtype: Some(OutType::F32),
        ..Options::default()
    };
    let e = read_bytes("x.json", b"[[1e300]]", &o).unwrap_err();
    assert_eq!(e.code(), "ERR_NON_FINITE");
}

fn all_f32(rows: usize, cols: usize, seed: u32) -> Vec<f32> {
    (0..rows * cols)
        .map(|i| {
            let v = (i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed);
            (v % 20_001) as f32 / 7.0 - 1000.0
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn writers_and_readers_agree(rows in 0usize..40, cols in 1usize..20, seed: u32) {
        let x = all_f32(rows, cols, seed);
        let e = read_bytes("p.npy", &npy(WriteData::F32(&x), rows, cols), &Options::default()).unwrap();
        prop_assert_eq!((e.rows, e.cols), (rows, cols));
        prop_assert_eq!(e.data, Values::F32(x.clone()));
        if rows > 0 {
            let e = read_bytes("p.fvecs", &vecs(WriteData::F32(&x), rows, cols), &Options::default()).unwrap();
            prop_assert_eq!(e.data, Values::F32(x.clone()));
            let o = Options { dim: Some(cols), ..Options::default() };
            let e = read_bytes("p.f32", &f32_bytes(&x), &o).unwrap();
            prop_assert_eq!(e.data, Values::F32(x.clone()));
            // text: shortest round-trip formatting of f32 values, parsed as f64 then narrowed
            let csv: String = x.chunks(cols).map(|r| r.iter().map(f32::to_string).collect::<Vec<_>>().join(",") + "\n").collect();
            let jsonl = x.chunks(cols).map(|r| format!("[{}]\n", r.iter().map(f32::to_string).collect::<Vec<_>>().join(","))).collect::<Vec<_>>().concat();
            let o = Options { dtype: Some(OutType::F32), ..Options::default() };
            prop_assert_eq!(read_bytes("p.csv", csv.as_bytes(), &o).unwrap().data, Values::F32(x.clone()));
            prop_assert_eq!(read_bytes("p.jsonl", jsonl.as_bytes(), &o).unwrap().data, Values::F32(x.clone()));
            let o = Options { limit_rows: Some(rows / 2 + 1), ..Options::default() };
            let take = rows.min(rows / 2 + 1);
            let e = read_bytes("p.npy", &npy(WriteData::F32(&x), rows, cols), &o).unwrap();
            prop_assert_eq!(as_f64(&e.data).len(), take * cols);
        }
    }
}

#[test]
fn csv_quoting_and_the_header_rule() {
    // quoted fields, a quoted header holding the delimiter, CRLF, a BOM
    let e = read_bytes(
        "q.csv",
        b"\xEF\xBB\xBF\"x, y\",z\r\n\"1\",\"2.5\"\r\n3,4\r\n",
        &Options::default(),
    )
    .unwrap();
    assert_eq!(
        (e.rows, e.cols, e.data),
        (2, 2, Values::F64(vec![1.0, 2.5, 3.0, 4.0]))
    );
    // a first row with one empty field is data (an error), not a header dropped silently
    let e = read_bytes("h.csv", b"1,,3\n4,5,6\n", &Options::default()).unwrap_err();
    assert_eq!(e.code(), "ERR_BAD_FILE");
    assert!(
        e.to_string().contains("line 1, column 3") && e.to_string().contains("empty field"),
        "{e}"
    );
    // the same line elsewhere gives the same error
    let e = read_bytes("h.csv", b"4,5,6\n1,,3\n", &Options::default()).unwrap_err();
    assert!(e.to_string().contains("line 2, column 3"), "{e}");
    // a first row with any number is data
    let e = read_bytes("h.csv", b"id,1\n2,3\n", &Options::default()).unwrap_err();
    assert!(e.to_string().contains("line 1, column 1"), "{e}");
    // a quoted line break stays inside its field (the record still counts as one row)
    let e = read_bytes("n.csv", b"a,b\n1,\" 2\n\"\n", &Options::default()).unwrap();
    assert_eq!((e.rows, e.data), (1, Values::F64(vec![1.0, 2.0])));
}
