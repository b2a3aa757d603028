//! End-to-end intrinsic-dimension timing for `bench/intdim.bench.mjs`: reads a raw
//! little-endian f32 file (rows × cols), and for each requested estimator times
//! `embgeo_intdim::from_data::*` (exact kNN included, reference defaults), printing one JSON
//! line `{"estimator", "times", "dimension", "k"}` per estimator.
//!
//! Threads: a rayon pool of `--threads` (default 2) installed around every call.
//! Run:
//! ```text
//! cargo run --release -p embgeo-intdim --features knn --example bench_id -- \
//!   --data X.f32 --cols 384 --estimators twonn,mle,gride,lpca,tle,ess,danco,corrint --runs 3 [--budget 600]
//! ```
use std::time::Instant;

use embgeo_intdim::{
    corrint, danco, ess, from_data, gride, lpca, mle, tle, twonn, Ctl, IdEstimate, MatRef, Result,
};

fn arg(name: &str) -> Option<String> {
    let a: Vec<String> = std::env::args().collect();
    a.iter()
        .position(|s| s == name)
        .and_then(|i| a.get(i + 1).cloned())
}

fn run(name: &str, x: MatRef<'_, f32>, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    match name {
        "twonn" => from_data::twonn(x, &twonn::Params::default(), ctl),
        "mle" => from_data::mle(x, &mle::Params::default(), ctl),
        // DADApy return_id_scaling_gride's first scale: n1 = 1, n2 = 2.
        "gride" => from_data::gride(x, &gride::Params::default(), ctl),
        // scikit-dimension lPCA().fit_pw(X, n_neighbors=100).
        "lpca" => from_data::lpca_pointwise(x, 100, &lpca::Params::default(), ctl),
        "tle" => from_data::tle(x, &tle::Params::default(), ctl),
        "ess" => from_data::ess(x, &ess::Params::default(), ctl),
        "danco" => from_data::danco(x, &danco::Params::default(), ctl),
        "corrint" => from_data::corrint(x, &corrint::Params::default(), ctl),
        // DADApy return_id_scaling_gride(range_max=64): dimension = first scale, the whole
        // curve in `params.curve`.
        "gride_scaling" => {
            from_data::gride_scaling(x, &gride::ScalingParams::default(), ctl).map(|c| IdEstimate {
                method: "gride_scaling".into(),
                dimension: c.dimensions[0],
                stderr: None,
                pointwise: None,
                n_samples: x.rows(),
                n_used: x.rows(),
                dropped_duplicates: 0,
                discarded: 0,
                params: serde_json::json!({ "curve": c.dimensions, "n2": c.sizes }),
                diagnostics: Vec::new(),
            })
        }
        other => panic!("unknown estimator {other}"),
    }
}

fn main() {
    let path = arg("--data").expect("--data");
    let cols: usize = arg("--cols").expect("--cols").parse().unwrap();
    let runs: usize = arg("--runs").map_or(3, |s| s.parse().unwrap());
    let budget: f64 = arg("--budget").map_or(600.0, |s| s.parse().unwrap());
    let threads: usize = arg("--threads").map_or(2, |s| s.parse().unwrap());
    let names = arg("--estimators").unwrap_or_else(|| "twonn,mle,gride,lpca,tle,ess,danco".into());
    let bytes = std::fs::read(&path).expect("read data");
    let data: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let rows = data.len() / cols;
    let x = MatRef::new(&data, rows, cols).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let ctl = Ctl::detached();
    for name in names.split(',') {
        // Adaptive repeats (same rule as bench/peers/id_peers.py): a first run under 2 s is a
        // warm-up followed by 3 timed runs; otherwise the first run counts, and 2 more follow
        // while they fit in `--budget` seconds; else 1 run.
        let mut times = Vec::new();
        let mut last = None;
        let mut error = None;
        let mut warm = 0;
        let mut total = 0;
        loop {
            let t = Instant::now();
            let e = pool.install(|| run(name, x, &ctl));
            let s = t.elapsed().as_secs_f64();
            match e {
                Ok(e) => last = Some(e),
                Err(err) => {
                    error = Some(format!("{err}"));
                    break;
                }
            }
            total += 1;
            if total == 1 && s < 2.0 && runs > 1 {
                warm = 1;
                continue;
            }
            times.push(s);
            let spent: f64 = times.iter().sum();
            if times.len() >= runs || spent + s > budget {
                break;
            }
        }
        let warmup = warm;
        let (dim, params) = last.map_or((f64::NAN, serde_json::Value::Null), |e| (e.dimension, e.params));
        let out = serde_json::json!({
            "estimator": name,
            "rows": rows,
            "cols": cols,
            "threads": threads,
            "warmup": warmup,
            "times": times,
            "dimension": if dim.is_finite() { serde_json::json!(dim) } else { serde_json::Value::Null },
            "params": params,
            "error": error,
        });
        println!("{out}");
    }
}
