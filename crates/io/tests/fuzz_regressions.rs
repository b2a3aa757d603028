//! Inputs the fuzzers (crates/io/fuzz, `scripts/fuzz.sh`) found, replayed as the targets read
//! them: `tests/fuzz/<target>-<what>.bin`, first byte = the options byte of the target.

mod common;

use common::read_bytes;
use embgeo_io::{Options, OutType};

/// The fuzz targets' `options`: bit 0 = limit rows (to bits 4..7), bits 1..2 = output type.
fn options(data: &[u8]) -> (Options, &[u8]) {
    let Some((&b, rest)) = data.split_first() else {
        return (Options::default(), data);
    };
    let o = Options {
        limit_rows: (b & 1 == 1).then_some(usize::from(b >> 4)),
        dtype: match (b >> 1) & 3 {
            1 => Some(OutType::F32),
            2 => Some(OutType::F64),
            _ => None,
        },
        ..Options::default()
    };
    (o, rest)
}

#[test]
fn fuzz_findings_stay_fixed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).unwrap();
        let (mut o, rest) = options(&bytes);
        let target = file.split('-').next().unwrap();
        let (name, rest) = match target {
            "npy" => ("fuzz.npy", rest),
            "safetensors" => ("fuzz.safetensors", rest),
            "vecs" => (
                ["fuzz.fvecs", "fuzz.bvecs", "fuzz.ivecs", "fuzz.ivecs"][usize::from((bytes[0] >> 3) & 3)],
                rest,
            ),
            "raw" => {
                let mut d = [0u8; 8];
                d.copy_from_slice(&rest[..8]);
                o.dim = Some(u64::from_le_bytes(d) as usize);
                ("fuzz.f32", &rest[8..])
            }
            "text" => {
                let pick = usize::from((bytes[0] >> 3) & 7);
                if pick == 7 {
                    o.field = Some("e".into());
                }
                (
                    [
                        "fuzz.json",
                        "fuzz.jsonl",
                        "fuzz.csv",
                        "fuzz.tsv",
                        "fuzz.txt",
                        "fuzz",
                        "fuzz",
                        "fuzz.json",
                    ][pick],
                    rest,
                )
            }
            other => panic!("{file}: unknown target {other}"),
        };
        if let Err(e) = read_bytes(name, rest, &o) {
            assert!(
                matches!(e.code(), "ERR_BAD_FILE" | "ERR_NON_FINITE" | "ERR_OUT_OF_RANGE"),
                "{file}: {e}"
            );
        }
        n += 1;
    }
    assert!(n > 0);
}
