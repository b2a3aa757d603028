//! Throughput of the exact kNN engine (not a test; `cargo bench -p embgeo-knn`).
//!
//! ```text
//! cargo bench -p embgeo-knn --bench knn_throughput -- [n] [d] [k] [metric] [threads] [runs] [queries] [npy-out]
//! ```
//! Defaults: all-pairs n = 20000, d = 384, k = 10, euclidean, 2 threads, 5 runs, on a seeded
//! clustered set (performance.md §9.1 G2-like: 100 blobs in a 32-dim subspace plus noise).
//! `queries > 0` times that many queries against the corpus instead of all pairs.
//! Environment overrides: `KNN_QUERY_BLOCK`, `KNN_CORPUS_BLOCK`, `KNN_SYMMETRIC=0`, `KNN_FEW_QUERIES`,
//! `KNN_MIN_UNITS`.
//! Prints one JSON line: median/min seconds, GFLOP/s = 2·nq·n·d / t, simd level, load average.
//! With `npy-out`, the generated f32 matrix is also written there (for `bench/peers/knn_peers.py`).

use std::io::Write;
use std::time::Instant;

use embgeo_core::{Ctl, MatRef};
use embgeo_knn::{all_points, search, simd_level, Metric, Params};

/// `SplitMix64`: a tiny portable generator, enough for benchmark data.
struct Mix(u64);
impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unif(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let u1 = self.unif().max(1e-300);
        let u2 = self.unif();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// 100 Gaussian blobs in an m-dimensional subspace of R^d, plus isotropic noise 0.1.
fn clustered(n: usize, d: usize, seed: u64) -> Vec<f32> {
    let m = 32.min(d);
    let mut r = Mix(seed);
    let basis: Vec<f64> = (0..m * d).map(|_| r.normal() / (d as f64).sqrt()).collect();
    let centres: Vec<f64> = (0..100 * m).map(|_| 3.0 * r.normal()).collect();
    let mut out = Vec::with_capacity(n * d);
    let mut z = vec![0.0; m];
    for _ in 0..n {
        let c = (r.next() % 100) as usize;
        for (t, zt) in z.iter_mut().enumerate() {
            *zt = centres[c * m + t] + r.normal();
        }
        for j in 0..d {
            let mut v = 0.1 * r.normal();
            for t in 0..m {
                v += z[t] * basis[t * d + j];
            }
            out.push(v as f32);
        }
    }
    out
}

fn write_npy(path: &str, x: &[f32], n: usize, d: usize) -> std::io::Result<()> {
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({n}, {d}), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    f.write_all(b"\x93NUMPY\x01\x00")?;
    f.write_all(&(header.len() as u16).to_le_bytes())?;
    f.write_all(header.as_bytes())?;
    for v in x {
        f.write_all(&v.to_le_bytes())?;
    }
    Ok(())
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "?".into(),
        |s| s.split_whitespace().next().unwrap_or("?").to_string(),
    )
}

/// User + system CPU seconds of this process so far (from /proc/self/stat, 100 Hz ticks).
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // fields after the comm: state is index 0, utime 11, stime 12
    (tick(11) + tick(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let get = |i: usize, def: &str| args.get(i).cloned().unwrap_or_else(|| def.to_string());
    let n: usize = get(0, "20000").parse().expect("n");
    let d: usize = get(1, "384").parse().expect("d");
    let k: usize = get(2, "10").parse().expect("k");
    let metric = Metric::parse(&get(3, "euclidean")).expect("metric");
    let threads: usize = get(4, "2").parse().expect("threads");
    let runs: usize = get(5, "5").parse().expect("runs");
    let nq: usize = get(6, "0").parse().expect("queries");
    let npy = args.get(7).cloned();

    let x = clustered(n, d, 42);
    if let Some(p) = &npy {
        write_npy(p, &x, n, d).expect("write npy");
    }
    let q = clustered(nq.max(1), d, 4242);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let env = |name: &str, def: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(def)
    };
    let mut p = Params::new(k, metric);
    p.query_block = env("KNN_QUERY_BLOCK", p.query_block);
    p.corpus_block = env("KNN_CORPUS_BLOCK", p.corpus_block);
    p.symmetric = env("KNN_SYMMETRIC", 1) == 1;
    p.few_queries = env("KNN_FEW_QUERIES", p.few_queries);
    p.min_units = env("KNN_MIN_UNITS", p.min_units);
    let ctl = Ctl::detached();
    let load_before = loadavg();
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut checksum = 0u64;
    for r in 0..=runs {
        let t = Instant::now();
        let c0 = cpu_seconds();
        let res = pool.install(|| {
            if nq == 0 {
                all_points(MatRef::new(&x, n, d).unwrap(), &p, &ctl)
            } else {
                search(
                    MatRef::new(&x, n, d).unwrap(),
                    MatRef::new(&q, nq, d).unwrap(),
                    &p,
                    &ctl,
                )
            }
        });
        let s = t.elapsed().as_secs_f64();
        let cs = cpu_seconds() - c0;
        let res = res.expect("knn");
        checksum = res
            .indices
            .iter()
            .fold(0u64, |a, &i| a.wrapping_mul(31).wrapping_add(u64::from(i)));
        if r > 0 {
            times.push(s); // run 0 is the warm-up
            cpu.push(cs);
        }
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let cpu_med = cpu[cpu.len() / 2];
    let med = times[times.len() / 2];
    let nqe = if nq == 0 { n } else { nq };
    let flops = 2.0 * nqe as f64 * n as f64 * d as f64;
    println!(
        "{{\"impl\":\"embgeo\",\"n\":{n},\"d\":{d},\"k\":{k},\"metric\":\"{}\",\"queries\":{nq},\"threads\":{threads},\
         \"median_s\":{med:.4},\"min_s\":{:.4},\"gflops\":{:.1},\"pct_of_230\":{:.1},\"simd\":\"{}\",\
         \"cpu_s\":{cpu_med:.3},\"gflops_per_cpu_s\":{:.1},\"load_before\":\"{load_before}\",\"load_after\":\"{}\",\"checksum\":{checksum}}}",
        metric.name(),
        times[0],
        flops / med / 1e9,
        flops / med / 1e9 / 230.0 * 100.0,
        simd_level(),
        flops / cpu_med / 1e9,
        loadavg()
    );
}
