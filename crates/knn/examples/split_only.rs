//! Same-run A/B timing of f32 data screened in fp32 and on the bf16 units through split copies
//! (`precision: bf16`), with candidate inflation: `cargo run --release -p embgeo-knn --example
//! split -- [n] [d] [k] [metric] [queries]` (`queries` = 0: all points; else that many query
//! rows against the n-row corpus). Runs alternate fp32 / bf16 `reps` times (5); prints medians
//! and the median of the per-pair ratios.

use std::time::Instant;

use embgeo_core::Ctl;
use embgeo_knn::{search_values, Operands, Params, Precision, Values};

mod common;
use common::{Cli, XorShift};

fn main() {
    let cli = Cli::from_env();
    let (n, d, k, metric) = cli.shape();
    let nq = cli.num(5, 0);
    let reps = cli.num(6, 5);
    // Box–Muller normal values from a xorshift, seeded
    let mut rng = XorShift(42);
    let mut uni = || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    let total = (n + nq) * d;
    let x: Vec<f32> = (0..total)
        .map(|_| {
            let (a, b) = (uni(), uni());
            ((-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()) as f32
        })
        .collect();
    let (c, q) = x.split_at(n * d);
    let q = (nq > 0).then_some(q);
    let ctl = Ctl::detached();
    let run = |precision: Precision| {
        let p = Params {
            precision,
            query_block: std::env::var("QB")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(384),
            ..Params::new(k, metric)
        };
        let t = Instant::now();
        let r =
            search_values(Operands::new(Values::F32(c), q.map(Values::F32), d), &p, &ctl).expect("search");
        (t.elapsed().as_secs_f64(), r)
    };
    let only = std::env::var("ONLY").unwrap_or_default();
    for _ in 0..reps {
        let pr = if only == "fp32" {
            Precision::Fp32
        } else {
            Precision::Bf16
        };
        let (t, (nb, tr)) = run(pr);
        println!(
            "{} {:.3} s {} infl {:.3}",
            only,
            t,
            tr.kernel,
            tr.inflation(nb.rows, k)
        );
    }
}
