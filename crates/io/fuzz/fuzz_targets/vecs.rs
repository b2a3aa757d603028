#![no_main]
//! Fuzz the .fvecs/.bvecs/.ivecs readers (the option byte's bits 3..4 pick the kind).

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (o, rest) = common::options(data);
    let name = match data.first().map_or(0, |b| (b >> 3) & 3) {
        0 => "fuzz.fvecs",
        1 => "fuzz.bvecs",
        _ => "fuzz.ivecs",
    };
    common::check(name, rest, &o, 0);
    common::check(name, rest, &o, 5);
});
