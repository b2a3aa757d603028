#![no_main]
//! Fuzz the raw f32 reader with a dimension taken from the input (including huge ones).

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (mut o, rest) = common::options(data);
    if rest.len() < 8 {
        return;
    }
    let mut d = [0u8; 8];
    d.copy_from_slice(&rest[..8]);
    o.dim = Some(u64::from_le_bytes(d) as usize);
    common::check("fuzz.f32", &rest[8..], &o, 0);
    common::check("fuzz.f32", &rest[8..], &o, 3);
});
