//! Release-mode timing of the randomized PCA solver (no Node) on the data of `bench_pca`
//! (`x[i, j] = s_j · (2u − 1)`, `s_j = 1 / sqrt(j + 1)`, f32; the same generator as
//! `bench/peers/pca_peers.py`).
//!
//! Run: `cargo run --release -p embgeo-pca --example bench_randomized [-- --n 100000 --d 1536
//! --k 32 --threads 2 --runs 3]`. Prints one JSON line per run (wall and CPU seconds) and the top variances,
//! so two builds can be compared run by run (A/B, medians).

use std::time::Instant;

use embgeo_core::{Ctl, MatRef};
use embgeo_pca::pca::Params;
use embgeo_pca::{NComponents, Pca, Solver};

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
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let x = pool.install(|| generate(n, d));
    let xm = MatRef::new(&x, n, d).expect("shape");
    for run in 0..runs {
        let (t, cpu) = (Instant::now(), cpu_seconds());
        let fitted = pool.install(|| {
            let mut p = Pca::new(Params {
                n_components: NComponents::Count(k),
                solver: Solver::Randomized,
                ..Params::default()
            })
            .expect("params");
            p.fit(xm, &Ctl::detached()).expect("fit");
            p.fitted().expect("fitted").clone()
        });
        let secs = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - cpu;
        let ev: Vec<String> = fitted
            .explained_variance
            .iter()
            .map(|v| format!("{v:.9e}"))
            .collect();
        println!(
            "{{\"n\":{n},\"d\":{d},\"k\":{k},\"threads\":{threads},\"run\":{run},\"seconds\":{secs:.4},\"cpu_seconds\":{cpu:.2},\"ev_first\":{},\"ev_last\":{}}}",
            ev[0],
            ev[k - 1]
        );
        if run == 0 {
            eprintln!("explained variance: [{}]", ev.join(", "));
        }
    }
}
