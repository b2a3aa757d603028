//! A safetensors header of ~100 MB is parsed as it streams: its own binary, since the counting
//! allocator's peak is process-wide.

mod common;

use std::fmt::Write;

use common::read_bytes;
use embgeo_io::Options;
use embgeo_testkit::CountingAllocator;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

#[test]
fn a_safetensors_header_of_100_mb_metadata_is_read_in_bounded_memory() {
    // ~99 MB of `__metadata__` before a 40 × 8 tensor: the header is streamed and the metadata
    // skipped, so the peak is the output plus well under 1 MiB (not ~17 × the header).
    let x: Vec<f32> = (0..320).map(|i| i as f32).collect();
    let mut meta = String::with_capacity(99_000_100);
    meta.push_str(r#"{"__metadata__":{"notes":""#);
    meta.extend(std::iter::repeat_n('a', 60_000_000));
    meta.push('"');
    for i in 0..1_000_000 {
        write!(meta, r#","k{i:07}":"v""#).unwrap();
    }
    meta.push_str(r#"},"w":{"dtype":"F32","shape":[40,8],"data_offsets":[0,1280]}}"#);
    assert!(
        meta.len() > 75_000_000 && meta.len() < 100_000_000,
        "{}",
        meta.len()
    );
    let mut file = (meta.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(meta.as_bytes());
    drop(meta);
    file.extend_from_slice(&common::f32_bytes(&x));
    let out = 320 * 4;
    let (peak, ()) = ALLOC.peak_during(|| {
        let e = read_bytes("m.safetensors", &file, &Options::default()).unwrap();
        assert_eq!((e.rows, e.cols), (40, 8));
    });
    assert!(peak < out + (1 << 20), "peak {peak} bytes");
}
