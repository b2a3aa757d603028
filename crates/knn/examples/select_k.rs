//! What selection costs as k grows: the all-points f32 search of one raw little-endian f32 file
//! (e.g. bench/lib/data.mjs's `.tmp/bench/G2-20000x384-s42.f32`) at several k, same run, with
//! the candidate inflation and the time relative to the first k:
//! `cargo run --release -p embgeo-knn --example select_k -- FILE d [k…]` (default k: 10 100).
//! Prints one line per k; times are medians of 3 (after one untimed run).

use embgeo_core::Ctl;
use embgeo_knn::{search_values, Metric, Operands, Params, Values};

mod common;
use common::median_of_3;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(file), Some(d)) = (args.get(1), args.get(2).and_then(|s| s.parse::<usize>().ok())) else {
        eprintln!("usage: select_k FILE d [k…]");
        std::process::exit(2);
    };
    let bytes = std::fs::read(file).expect("read the data file");
    let x: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let n = x.len() / d;
    let ks: Vec<usize> = if args.len() > 3 {
        args[3..].iter().map(|s| s.parse().expect("k")).collect()
    } else {
        vec![10, 100]
    };
    let ctl = Ctl::detached();
    let mut first = None;
    println!("all-points {n} x {d}, euclidean, f32");
    for k in ks {
        let p = Params::new(k, Metric::Euclidean);
        let run =
            || search_values(Operands::new(Values::F32(&x[..n * d]), None, d), &p, &ctl).expect("search");
        let (median, (nb, tr)) = median_of_3(run);
        let base = *first.get_or_insert(median);
        println!(
            "k = {k:>4}: {:.3} s ({:.2}x k = first), kernel {}, inflation {:.2}",
            median,
            median / base,
            tr.kernel,
            tr.inflation(nb.rows, k)
        );
    }
}
