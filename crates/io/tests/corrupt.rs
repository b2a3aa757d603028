//! Bad files give `ERR_BAD_FILE` with the place and the reason: truncated at every byte, headers
//! that lie about sizes, huge declared dimensions, wrong dtypes, ragged text.

mod common;

use common::{f32_bytes, fmt, grid, npy, npy_raw, read_bytes, safetensors, vecs};
use embgeo_io::{Format, Options, WriteData};

fn bad_file(name: &str, bytes: &[u8], o: &Options) -> (String, String) {
    match read_bytes(name, bytes, o) {
        Ok(e) => panic!("{name} ({} bytes) read as {} × {}", bytes.len(), e.rows, e.cols),
        Err(embgeo_io::Error::BadFile { location, reason, .. }) => (location, reason),
        Err(e) => panic!("{name}: expected BadFile, got {e:?}"),
    }
}

#[test]
fn every_truncation_of_a_binary_file_is_a_bad_file() {
    let x = grid(3, 5);
    let files = [
        ("t.npy", npy(WriteData::F32(&x), 3, 5), Options::default()),
        ("t.fvecs", vecs(WriteData::F32(&x), 3, 5), Options::default()),
        (
            "t.safetensors",
            safetensors(&[("w", safetensors::Dtype::F32, vec![3, 5], f32_bytes(&x))]),
            Options::default(),
        ),
    ];
    for (name, full, o) in &files {
        assert!(read_bytes(name, full, o).is_ok(), "{name}");
        // a .fvecs cut at a record boundary is a valid, shorter file
        for cut in (0..full.len()).filter(|c| !(name.ends_with("vecs") && *c > 0 && c % 24 == 0)) {
            let (location, reason) = bad_file(name, &full[..cut], o);
            assert!(!reason.is_empty() && !location.is_empty(), "{name}[..{cut}]");
        }
    }
    // raw: every length that is not a whole number of rows
    let raw = f32_bytes(&x);
    let o = Options {
        dim: Some(5),
        ..Options::default()
    };
    for cut in (0..raw.len()).filter(|c| c % 20 != 0 || *c == 0) {
        bad_file("t.f32", &raw[..cut], &o);
    }
}

#[test]
fn truncated_text_never_panics() {
    let texts = [
        ("t.json", "[[1.5, 2], [3, -4e2]]"),
        ("t.jsonl", "{\"e\": [1, 2]}\n{\"e\": [3, 4]}\n"),
        ("t.csv", "a,b\n1.5,2\n3,-4e2\n"),
    ];
    for (name, text) in texts {
        let o = Options {
            field: Some("e".into()),
            ..Options::default()
        };
        for cut in 0..=text.len() {
            match read_bytes(name, &text.as_bytes()[..cut], &o) {
                Ok(e) => assert_eq!(embgeo_io::Values::len(&e.data), e.rows * e.cols),
                Err(e) => assert_eq!(e.code(), "ERR_BAD_FILE", "{name}[..{cut}]: {e}"),
            }
        }
    }
}

#[test]
fn npy_headers_that_lie_are_caught_before_reading() {
    let data = f32_bytes(&grid(2, 2));
    let (loc, why) = bad_file(
        "a.npy",
        &npy_raw(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 4), }",
            &data,
        ),
        &Options::default(),
    );
    assert_eq!(loc, "byte 128"); // the data starts after the 128-byte header
    assert!(
        why.contains("(1000000000000, 4)")
            && why.contains("16000000000000 bytes")
            && why.contains("16 bytes follow"),
        "{why}"
    );
    let (_, why) = bad_file(
        "a.npy",
        &npy_raw(
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
            &data,
        ),
        &Options::default(),
    );
    assert!(why.contains("more than 2^64"), "{why}");
    let (_, why) = bad_file(
        "a.npy",
        &npy_raw(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }",
            &data,
        ),
        &Options::default(),
    );
    assert!(why.contains("trailing bytes"), "{why}");
    let (_, why) = bad_file(
        "a.npy",
        &npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", &data),
        &Options::default(),
    );
    assert!(why.contains("1-D") && why.contains("reshape(-1, dim)"), "{why}");
    let (_, why) = bad_file(
        "a.npy",
        &npy_raw(
            "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }",
            &data,
        ),
        &Options::default(),
    );
    assert!(why.contains("3 dimensions"), "{why}");
    let (_, why) = bad_file(
        "a.npy",
        &npy_raw(
            "{'descr': '<c8', 'fortran_order': False, 'shape': (1, 2), }",
            &data,
        ),
        &Options::default(),
    );
    assert!(why.contains("unsupported dtype '<c8'"), "{why}");
    let (_, why) = bad_file(
        "a.npy",
        &npy_raw("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 0), }", &[]),
        &Options::default(),
    );
    assert!(why.contains("no columns"), "{why}");
    // header length pointing past the end
    let mut f = npy_raw(
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
        &data,
    );
    f[8] = 0xff;
    f[9] = 0xff;
    let (loc, why) = bad_file("a.npy", &f, &Options::default());
    assert_eq!(loc, "byte 8");
    assert!(why.contains("65535"), "{why}");
    let (loc, why) = bad_file("a.npy", b"PK\x03\x04 this is a zip archive", &Options::default());
    assert_eq!(loc, "byte 0");
    assert!(why.contains("magic"), "{why}");
}

#[test]
fn vecs_with_huge_or_changing_dimensions() {
    let mut f = (i32::MAX).to_le_bytes().to_vec();
    f.extend_from_slice(&[0; 96]);
    let (loc, why) = bad_file("a.fvecs", &f, &Options::default());
    assert_eq!(loc, "byte 0");
    assert!(
        why.contains("dimension 2147483647") && why.contains("100 bytes"),
        "{why}"
    );
    let f = (-3i32).to_le_bytes();
    let (_, why) = bad_file("a.ivecs", &f, &Options::default());
    assert!(why.contains("must be >= 1"), "{why}");
    // record 2 (0-based) declares 4 instead of 3: its header is at byte 2 · (4 + 3·4) = 32
    let mut f = vecs(WriteData::F32(&grid(4, 3)), 4, 3);
    f[32] = 4;
    let (loc, why) = bad_file("a.fvecs", &f, &Options::default());
    assert_eq!(loc, "byte 32");
    assert!(why.contains("record 2 declares dimension 4"), "{why}");
    // a .fvecs read as .bvecs: record sizes disagree with the length
    let f = vecs(WriteData::F32(&grid(3, 3)), 3, 3);
    let (_, why) = bad_file("a.bvecs", &f, &Options::default());
    assert!(why.contains("not a whole number of 7-byte records"), "{why}");
}

#[test]
fn safetensors_headers_that_lie() {
    let x = f32_bytes(&grid(2, 2));
    let good = safetensors(&[("w", safetensors::Dtype::F32, vec![2, 2], x.clone())]);
    let mut f = good.clone();
    f[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    let (loc, why) = bad_file("a.safetensors", &f, &Options::default());
    assert_eq!(loc, "byte 0");
    assert!(why.contains("18446744073709551615"), "{why}");
    let header = |h: &str, data: &[u8]| {
        let mut f = (h.len() as u64).to_le_bytes().to_vec();
        f.extend_from_slice(h.as_bytes());
        f.extend_from_slice(data);
        f
    };
    let (_, why) = bad_file(
        "a.safetensors",
        &header(
            r#"{"w":{"dtype":"F32","shape":[1000000000000,1000000000000],"data_offsets":[0,16]}}"#,
            &x,
        ),
        &Options::default(),
    );
    assert!(why.contains("more than 2^64"), "{why}");
    let (_, why) = bad_file(
        "a.safetensors",
        &header(
            r#"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,1600]}}"#,
            &x,
        ),
        &Options::default(),
    );
    assert!(
        why.contains("data_offsets [0, 1600]") && why.contains("16 bytes"),
        "{why}"
    );
    let (_, why) = bad_file(
        "a.safetensors",
        &header(
            r#"{"w":{"dtype":"BOOL","shape":[2,8],"data_offsets":[0,16]}}"#,
            &x,
        ),
        &Options::default(),
    );
    assert!(why.contains("dtype BOOL"), "{why}");
    let (loc, why) = bad_file(
        "a.safetensors",
        &header(r#"{"w":{"dtype":"F32", oops}}"#, &x),
        &Options::default(),
    );
    assert!(loc.starts_with("byte ") && why.contains("invalid"), "{loc} {why}");
}

#[test]
fn text_errors_name_line_and_column() {
    let (loc, why) = bad_file("a.csv", b"1,2,3\n4,x5,6\n", &Options::default());
    assert_eq!(loc, "line 2, column 3");
    assert!(why.contains("\"x5\" is not a number"), "{why}");
    let (loc, why) = bad_file("a.csv", b"1,2,3\n4,5\n", &Options::default());
    assert_eq!(loc, "line 2, column 1");
    assert!(why.contains("2 fields; expected 3"), "{why}");
    let (loc, why) = bad_file("a.csv", b"0,1,2\n1,2,\n", &Options::default());
    assert_eq!(loc, "line 2, column 5");
    assert!(why.contains("empty field"), "{why}");
    let (loc, why) = bad_file("a.json", b"[[1, 2],\n [3]]", &Options::default());
    assert_eq!(loc, "line 2, column 4");
    assert!(why.contains("row 1 has 1 values; expected 2"), "{why}");
    let (loc, why) = bad_file("a.jsonl", b"[1, 2]\n[3, \"4\"]\n", &Options::default());
    assert_eq!(loc, "line 2, column 7"); // serde_json points at the end of the string
    assert!(why.contains("invalid type: string"), "{why}");
    let (_, why) = bad_file("a.jsonl", b"{\"id\": 1, \"vec\": [1]}\n", &Options::default());
    assert!(why.contains("options.field") && why.contains("'vec'"), "{why}");
    let o = Options {
        field: Some("embedding".into()),
        ..Options::default()
    };
    let (loc, why) = bad_file("a.jsonl", b"{\"embedding\": [1]}\n{\"id\": 1}\n", &o);
    assert!(
        loc.starts_with("line 2") && why.contains("row 1 has no field 'embedding'"),
        "{loc} {why}"
    );
    let (_, why) = bad_file("a.json", b"[[1, 2], [3, 4]", &Options::default());
    assert!(why.contains("truncated"), "{why}");
    let (_, why) = bad_file("a.json", b"[1, 2, 3]", &Options::default());
    assert!(why.contains("wrap it as [[...]]"), "{why}");
    let (_, why) = bad_file("a.json", b"[]", &Options::default());
    assert!(why.contains("no rows"), "{why}");
    let (_, why) = bad_file("a.csv", b"a,b\n", &Options::default());
    assert!(why.contains("no data rows"), "{why}");
    let (_, why) = bad_file("unknown", b"\x00\x01\x02garbage", &Options::default());
    assert!(why.contains("options.format"), "{why}");
}

#[test]
fn wrong_format_option_fails_cleanly() {
    let f = npy(WriteData::F32(&grid(2, 2)), 2, 2);
    for format in Format::ALL {
        let o = Options {
            dim: Some(3),
            ..fmt(format)
        };
        // raw has no header: any length that is a multiple of 4·dim reads (as garbage)
        if matches!(format, Format::Npy | Format::Raw) {
            continue;
        }
        let e = read_bytes("x", &f, &o).unwrap_err();
        assert!(
            matches!(e.code(), "ERR_BAD_FILE" | "ERR_NON_FINITE"),
            "{format:?}: {e}"
        );
    }
}
