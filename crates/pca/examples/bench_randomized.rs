//! Release-mode timing of the randomized PCA solver (no Node) on the data of `bench_pca`
//! (`x[i, j] = s_j · (2u − 1)`, `s_j = 1 / sqrt(j + 1)`, f32; the same generator as
//! `bench/peers/pca_peers.py`).
//!
//! Run: `cargo run --release -p embgeo-pca --example bench_randomized [-- --n 100000 --d 1536
//! --k 32 --threads 2 --runs 3 --route auto|passes|gram|both]`. Prints one JSON line per run and
//! route (wall and CPU seconds, first and last variance), so two builds or the two routes
//! (`both`: run alternately, then their largest relative difference) can be compared run by run.

use std::time::Instant;

use embgeo_core::{Ctl, MatRef};
use embgeo_pca::randomized::{self, Params, Route};

#[path = "common/args.rs"]
mod args;
#[path = "common/data.rs"]
mod data;
use data::generate;

/// User + system CPU seconds of this process so far (Linux `/proc/self/stat`, 100 ticks/s;
/// 0 elsewhere): on a shared machine the CPU time of a fit varies less than its wall time.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| args::arg(&args, name, default);
    let (n, d, k) = (arg("--n", 100_000), arg("--d", 1536), arg("--k", 32));
    let (threads, runs) = (arg("--threads", 2), arg("--runs", 3));
    // --route auto | passes | gram | both (passes and gram, run alternately, compared)
    let route = args
        .iter()
        .position(|a| a == "--route")
        .and_then(|i| args.get(i + 1))
        .map_or("auto", String::as_str);
    let routes: Vec<(&str, Route)> = match route {
        "passes" => vec![("passes", Route::Passes)],
        "gram" => vec![("gram", Route::Gram)],
        "both" => vec![("passes", Route::Passes), ("gram", Route::Gram)],
        _ => vec![("auto", Route::Auto)],
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let x = pool.install(|| generate(n, d));
    let xm = MatRef::new(&x, n, d).expect("shape");
    let mut last: Vec<Vec<f64>> = Vec::new();
    for run in 0..runs {
        last.clear();
        for &(name, route) in &routes {
            let (t, cpu) = (Instant::now(), cpu_seconds());
            let params = Params {
                route,
                ..Params::default()
            };
            let (spectrum, _) = pool
                .install(|| randomized::solve(xm, true, k, &params, &Ctl::detached()))
                .expect("fit");
            let secs = t.elapsed().as_secs_f64();
            let cpu = cpu_seconds() - cpu;
            let ev = &spectrum.explained_variance;
            println!(
                "{{\"route\":\"{name}\",\"n\":{n},\"d\":{d},\"k\":{k},\"threads\":{threads},\"run\":{run},\"seconds\":{secs:.4},\"cpu_seconds\":{cpu:.2},\"ev_first\":{:.9e},\"ev_last\":{:.9e}}}",
                ev[0],
                ev[k - 1]
            );
            last.push(ev.clone());
        }
    }
    if let [a, b] = &last[..] {
        let worst = a
            .iter()
            .zip(b)
            .map(|(u, v)| (u - v).abs() / v.abs())
            .fold(0.0f64, f64::max);
        println!("largest relative difference of the {k} variances between the routes: {worst:.3e}");
    }
}
