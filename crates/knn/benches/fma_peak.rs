//! FP32 FMA peak probe (performance.md §1.5 recipe in Rust): 16 independent FMA chains per
//! thread on the widest vectors the CPU has, one thread per requested core.
//!
//! `cargo bench -p embgeo-knn --bench fma_peak -- [threads] [seconds-ish]` prints JSON with
//! GFLOP/s per wall second and per CPU second (the latter is robust to other load).

use std::time::Instant;

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn chains_avx512(iters: u64) -> f32 {
    use std::arch::x86_64::{_mm512_add_ps, _mm512_fmadd_ps, _mm512_reduce_add_ps, _mm512_set1_ps};
    let a = _mm512_set1_ps(0.999_999);
    let b = _mm512_set1_ps(1e-7);
    let mut acc = [_mm512_set1_ps(1.0); 16];
    for _ in 0..iters {
        for v in &mut acc {
            *v = _mm512_fmadd_ps(*v, a, b);
        }
    }
    let mut s = acc[0];
    for v in &acc[1..] {
        s = _mm512_add_ps(s, *v);
    }
    _mm512_reduce_add_ps(s)
}

fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let threads: usize = args.first().and_then(|s| s.parse().ok()).unwrap_or(2);
    let iters: u64 = 200_000_000 * args.get(1).and_then(|s| s.parse::<u64>().ok()).unwrap_or(1) / 2;
    #[cfg(target_arch = "x86_64")]
    {
        if !is_x86_feature_detected!("avx512f") {
            println!("{{\"error\":\"no avx512f\"}}");
            return;
        }
        let c0 = cpu_seconds();
        let t = Instant::now();
        let sum: f32 = std::thread::scope(|s| {
            let hs: Vec<_> = (0..threads)
                // SAFETY: avx512f was detected above.
                .map(|_| s.spawn(move || unsafe { chains_avx512(iters) }))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap_or(0.0)).sum()
        });
        let wall = t.elapsed().as_secs_f64();
        let cpu = cpu_seconds() - c0;
        let flops = threads as f64 * iters as f64 * 16.0 * 16.0 * 2.0;
        println!(
            "{{\"probe\":\"fma zmm f32, 16 chains\",\"threads\":{threads},\"wall_s\":{wall:.3},\"cpu_s\":{cpu:.2},\
             \"gflops\":{:.1},\"gflops_per_cpu_s\":{:.1},\"sink\":{sum}}}",
            flops / wall / 1e9,
            flops / cpu / 1e9
        );
    }
}
