//! What selection costs in the query mode: `q` seeded random queries against `n` seeded random
//! rows of `d` values (f32, euclidean), at several k, same run:
//! `cargo run --release -p embgeo-knn --example query_k -- q n d [k…]` (default 100 1000000
//! 128 10 100). Prints one line per k; times are medians of 3 (after one untimed run).

use embgeo_core::Ctl;
use embgeo_knn::{search_values, Metric, Operands, Params, Values};

mod common;
use common::{median_of_3, XorShift};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|s| s.parse().expect("a number"))
        .collect();
    let (q, n, d) = match args[..] {
        [q, n, d, ..] => (q, n, d),
        _ => (100, 1_000_000, 128),
    };
    let ks: Vec<usize> = if args.len() > 3 {
        args[3..].to_vec()
    } else {
        vec![10, 100]
    };
    let mut rng = XorShift(42);
    let mut next = || (rng.next_u64() >> 40) as f32 / (1u32 << 24) as f32 - 0.5;
    let corpus: Vec<f32> = (0..n * d).map(|_| next()).collect();
    let queries: Vec<f32> = (0..q * d).map(|_| next()).collect();
    let ctl = Ctl::detached();
    println!("{q} queries against {n} x {d}, euclidean, f32");
    for k in ks {
        let p = Params::new(k, Metric::Euclidean);
        let run = || {
            search_values(
                Operands::new(Values::F32(&corpus), Some(Values::F32(&queries)), d),
                &p,
                &ctl,
            )
            .expect("search")
        };
        let (median, (nb, tr)) = median_of_3(run);
        println!(
            "k = {k:>4}: {:.4} s, kernel {}, inflation {:.2}",
            median,
            tr.kernel,
            tr.inflation(nb.rows, k)
        );
    }
}
