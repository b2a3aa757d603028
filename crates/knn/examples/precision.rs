//! Same-run timing of the exact kNN per screening precision (f32 data vs the same values as
//! bf16 and int8), with candidate inflation: `cargo run --release -p embgeo-knn --example
//! precision -- [n] [d] [k] [metric] [forced]`; `forced` (any fifth argument) screens the bf16
//! and int8 data in their own precision even where `auto` would not. Prints one line per case;
//! the numbers are medians of 3.

use std::time::Instant;

use embgeo_core::Ctl;
use embgeo_knn::{search_values, Operands, Params, Precision, Values};

mod common;
use common::{Cli, XorShift};

fn main() {
    let cli = Cli::from_env();
    let (n, d, k, metric) = cli.shape();
    // xorshift gaussian-ish values (sum of 4 uniforms), seeded
    let mut rng = XorShift(42);
    let mut next = || {
        let mut acc = 0.0;
        for _ in 0..4 {
            acc += (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        }
        acc
    };
    let x: Vec<f64> = (0..n * d).map(|_| next()).collect();
    let bf16: Vec<u16> = x.iter().map(|&v| half::bf16::from_f64(v).to_bits()).collect();
    let f32w: Vec<f32> = bf16.iter().map(|&b| half::bf16::from_bits(b).to_f32()).collect();
    let i8v: Vec<i8> = x
        .iter()
        .map(|&v| (v * 100.0).round().clamp(-128.0, 127.0) as i8)
        .collect();
    let i8w: Vec<f32> = i8v.iter().map(|&v| f32::from(v)).collect();
    let forced = cli.count() > 5;
    let p = Params::new(k, metric);
    let ctl = Ctl::detached();
    let flops = 2.0 * (n as f64) * (n as f64) * d as f64 / 2.0;
    println!("all-points {n} x {d}, k = {k}, {metric:?}; GFLOP/s counts the symmetric pass's n²·d");
    let run = |name: &str, v: Values<'_>| {
        let p = match v {
            Values::Bf16(_) if forced => Params {
                precision: Precision::Bf16,
                ..p.clone()
            },
            Values::I8(_) if forced => Params {
                precision: Precision::Int8,
                ..p.clone()
            },
            _ => p.clone(),
        };
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..3 {
            let t = Instant::now();
            let r = search_values(Operands::new(v, None, d), &p, &ctl).expect("search");
            times.push(t.elapsed().as_secs_f64());
            last = Some(r);
        }
        times.sort_by(f64::total_cmp);
        let (nb, tr) = last.expect("ran");
        println!(
            "{name:>12}: {:.3} s  {:.0} GFLOP/s  precision {} kernel {} inflation {:.2}",
            times[1],
            flops / times[1] / 1e9,
            tr.precision,
            tr.kernel,
            tr.inflation(nb.rows, k)
        );
        nb
    };
    let a = run("f32 (bf16 v)", Values::F32(&f32w));
    let b = run("bf16", Values::Bf16(&bf16));
    assert_eq!(a, b, "bf16 result differs from the f32 result");
    let a = run("f32 (i8 v)", Values::F32(&i8w));
    let b = run("int8", Values::I8(&i8v));
    assert_eq!(a, b, "int8 result differs from the f32 result");
}
