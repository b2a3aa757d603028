#![no_main]
//! Fuzz the text readers (JSON, JSONL, CSV/TSV/TXT) and format detection.

#[path = "common.rs"]
mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (mut o, rest) = common::options(data);
    let pick = data.first().map_or(0, |b| (b >> 3) & 7);
    let name = ["fuzz.json", "fuzz.jsonl", "fuzz.csv", "fuzz.tsv", "fuzz.txt", "fuzz", "fuzz", "fuzz.json"][usize::from(pick)];
    if pick == 7 {
        o.field = Some("e".into());
    }
    common::check(name, rest, &o, 0);
});
