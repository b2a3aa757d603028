//! Single-thread time of the split-bf16 AMX SYRK (`lowp::syrk_lower_split`) on one PCA block,
//! for profiling: `cargo run --release -p embgeo-kernels --example split_syrk -- [rows] [d] [reps]`.

use std::hint::black_box;
use std::time::Instant;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let at = |i: usize, d: usize| args.get(i).copied().unwrap_or(d);
    let (rows, d, reps) = (at(0, 2048), at(1, 384), at(2, 200));
    if !embgeo_kernels::lowp::split_syrk_supported() {
        println!("no AMX-BF16 here");
        return;
    }
    let y: Vec<f32> = (0..rows * d)
        .map(|i| ((i * 7919 % 1013) as f32 / 1013.0) - 0.5)
        .collect();
    let mut c = vec![0.0f32; d * d];
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let s = Instant::now();
        embgeo_kernels::lowp::syrk_lower_split(&mut c, &y, rows, d);
        times.push(s.elapsed().as_secs_f64());
        black_box(&c);
    }
    times.sort_by(f64::total_cmp);
    let useful = (rows * d * d) as f64;
    println!(
        "split SYRK {rows}×{d}: median {:.3} ms, best {:.3} ms, {:.1} GFLOP/s useful (rows·d²) at the median",
        times[reps / 2] * 1e3,
        times[0] * 1e3,
        useful / times[reps / 2] / 1e9
    );
}
