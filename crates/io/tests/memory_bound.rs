//! Declared sizes are never trusted: a tiny file claiming a huge matrix allocates (almost)
//! nothing, and a real read stays within the output plus one block (a counting global
//! allocator measures the peak).

mod common;

use common::{f32_bytes, npy, npy_raw, read_bytes, vecs};
use embgeo_io::{Options, WriteData};
use embgeo_testkit::CountingAllocator;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

#[test]
fn lying_headers_allocate_nothing_and_real_reads_stay_within_output_plus_a_block() {
    // one test function: the counters are process-wide
    let small = f32_bytes(&[1.0; 25]); // 100 bytes of data
    let mut huge_vecs = (i32::MAX).to_le_bytes().to_vec();
    huge_vecs.extend_from_slice(&small);
    let mut huge_st =
        br#"{"w":{"dtype":"F64","shape":[1000000000000,2147483648],"data_offsets":[0,100]}}"#.to_vec();
    let mut st = (huge_st.len() as u64).to_le_bytes().to_vec();
    st.append(&mut huge_st);
    st.extend_from_slice(&small);
    let lies: Vec<(&str, Vec<u8>, Options)> = vec![
        (
            "a.npy",
            npy_raw(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 2147483648), }",
                &small,
            ),
            Options::default(),
        ),
        (
            "a.npy",
            npy_raw(
                "{'descr': '<f4', 'fortran_order': True, 'shape': (1000000000000, 4), }",
                &small,
            ),
            Options::default(),
        ),
        ("a.fvecs", huge_vecs, Options::default()),
        ("a.safetensors", st, Options::default()),
        (
            "a.f32",
            small.clone(),
            Options {
                dim: Some(1 << 40),
                ..Options::default()
            },
        ),
    ];
    for (name, bytes, o) in &lies {
        let (peak, ()) = ALLOC.peak_during(|| {
            let e = read_bytes(name, bytes, o).unwrap_err();
            assert_eq!(e.code(), "ERR_BAD_FILE", "{name}: {e}");
        });
        // the error message and a header buffer; nothing sized by the declared shape
        assert!(peak < 16 << 10, "{name}: peak {peak} bytes");
    }

    let n = 50_000 * 16;
    let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
    for (name, bytes) in [
        ("b.npy", npy(WriteData::F32(&x), n / 16, 16)),
        ("b.fvecs", vecs(WriteData::F32(&x), n / 16, 16)),
    ] {
        let out = n * 4;
        let (peak, ()) = ALLOC.peak_during(|| {
            let e = read_bytes(name, &bytes, &Options::default()).unwrap();
            assert_eq!(e.rows, n / 16);
        });
        assert!(
            peak <= out + (1 << 20) + (16 << 10),
            "{name}: peak {peak} > output {out} + 1 MiB block"
        );
    }
}
