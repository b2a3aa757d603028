#![no_main]
//! Fuzz the .safetensors reader: any bytes must give a consistent matrix or a coded error, never a
//! panic or an allocation beyond what the input can hold (libFuzzer's -malloc_limit_mb).

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (o, rest) = common::options(data);
    common::check("fuzz.safetensors", rest, &o, 0);
    common::check("fuzz.safetensors", rest, &o, 7);
});
