//! Same-run A/B timing of f32 data screened in fp32 and on the bf16 units through split copies
//! (`precision: bf16`), with candidate inflation: `cargo run --release -p embgeo-knn --example
//! split -- [n] [d] [k] [metric] [queries] [reps] [other]` (`queries` = 0: all points; else
//! that many query rows against the n-row corpus; `other` = `bf16` (default), `auto`, or
//! `onepass` (f32 data in one bf16 pass, whatever `auto` would choose), timed against `fp32`; data: normal values from a seeded xorshift, or the raw
//! little-endian f32 file `EMBGEO_SPLIT_DATA` names; `EMBGEO_SPLIT_DTYPE=bf16` or `i8` searches
//! them rounded to bf16 or quantised to int8 with one scale, where `fp32` is the path widening
//! them tile by tile). Runs alternate fp32 / other `reps` times (5); prints medians and the
//! median of the per-pair ratios.

use std::time::Instant;

use embgeo_core::Ctl;
use embgeo_core::MatRef;
use embgeo_kernels::lowp;
use embgeo_knn::{search_one_pass_on, search_values, Operands, Params, Precision, Values};

mod common;
use common::{Cli, XorShift};

fn main() {
    let cli = Cli::from_env();
    let (n, d, k, metric) = cli.shape();
    let nq = cli.num(5, 0);
    let reps = cli.num(6, 5);
    let one_pass = std::env::args().nth(7).as_deref() == Some("onepass");
    let other = match std::env::args().nth(7).as_deref() {
        Some("auto" | "onepass") => Precision::Auto,
        _ => Precision::Bf16,
    };
    // Box–Muller normal values from a xorshift, seeded
    let mut rng = XorShift(42);
    let mut uni = || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let total = (n + nq) * d;
    let x: Vec<f32> = match std::env::var("EMBGEO_SPLIT_DATA") {
        // raw little-endian f32 rows (e.g. the bench's cached G2/G3 sets); the queries, if any,
        // are the rows after the corpus's, so the file needs (n + queries)·d values
        Ok(path) => {
            let bytes = std::fs::read(&path).expect("EMBGEO_SPLIT_DATA: readable file");
            assert!(
                bytes.len() >= total * 4,
                "EMBGEO_SPLIT_DATA: fewer than (n + queries)·d values"
            );
            bytes[..total * 4]
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        }
        Err(_) => (0..total)
            .map(|_| {
                let (a, b) = (uni(), uni());
                ((-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()) as f32
            })
            .collect(),
    };
    let dtype = std::env::var("EMBGEO_SPLIT_DTYPE").unwrap_or_default();
    // bf16 bits rounded to nearest even; int8 with one scale (the largest magnitude to 127)
    let b: Vec<u16> = x
        .iter()
        .map(|v| {
            let u = v.to_bits();
            ((u + 0x7fff + ((u >> 16) & 1)) >> 16) as u16
        })
        .collect();
    let scale = 127.0 / x.iter().fold(0f32, |m, v| m.max(v.abs())).max(f32::MIN_POSITIVE);
    let i: Vec<i8> = x.iter().map(|v| (v * scale).round() as i8).collect();
    let values = |v: &[usize; 2]| match dtype.as_str() {
        "bf16" => Values::Bf16(&b[v[0]..v[1]]),
        "i8" => Values::I8(&i[v[0]..v[1]]),
        _ => Values::F32(&x[v[0]..v[1]]),
    };
    let (c, q) = (values(&[0, n * d]), (nq > 0).then(|| values(&[n * d, total])));
    let ctl = Ctl::detached();
    let run = |precision: Precision| {
        let p = Params {
            precision,
            ..Params::new(k, metric)
        };
        let t = Instant::now();
        let r = match (c, q) {
            (Values::F32(c), q) if one_pass && precision == Precision::Auto => {
                let q = q.map(|q| match q {
                    Values::F32(q) => MatRef::from_flat(q, d).expect("queries"),
                    _ => unreachable!("same dtype"),
                });
                let c = MatRef::from_flat(c, d).expect("corpus");
                search_one_pass_on(lowp::path(), c, q, &p, &ctl).expect("search")
            }
            _ => search_values(Operands::new(c, q, d), &p, &ctl).expect("search"),
        };
        (t.elapsed().as_secs_f64(), r)
    };
    let (mut ta, mut tb, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    let mut infl = (0.0, 0.0, "", "");
    for _ in 0..reps {
        let (a, (na, tra)) = run(Precision::Fp32);
        let (b, (nb, trb)) = run(other);
        assert_eq!(na, nb, "{other:?} result differs from the fp32 result");
        infl = (
            tra.inflation(na.rows, k),
            trb.inflation(nb.rows, k),
            tra.kernel,
            trb.kernel,
        );
        ta.push(a);
        tb.push(b);
        ratio.push(b / a);
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{} {n} x {d} k={k} {metric:?}: fp32 {:.3} s ({}, inflation {:.2}), {other:?} {:.3} s ({}, inflation {:.2}), ratio {other:?}/fp32 median {:.2}",
        if nq > 0 { format!("{nq} queries vs") } else { "all-points".into() },
        med(&mut ta),
        infl.2,
        infl.0,
        med(&mut tb),
        infl.3,
        infl.1,
        med(&mut ratio)
    );
}
