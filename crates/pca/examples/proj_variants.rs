//! Micro-benchmark: where the time of the f32 projection `Y = (X − μ)·Wᵀ` goes, and the faer
//! f32 matmul against `embgeo_kernels::gemm_f32` on the same row blocks (chooses the kernel of
//! `pca/project.rs`). Variants are interleaved (A, B, A, B, …) and the medians reported, so a
//! machine shared with other jobs slows each alike.
//!
//! Run: `cargo run --release -p embgeo-pca --example proj_variants [-- --threads 1 --runs 5]`
use std::time::Instant;

use embgeo_kernels::View;
use faer::{Accum, MatRef, Par};
use rayon::prelude::*;

const BLOCK: usize = 2048;

fn centre(a: &mut [f32], x: &[f32], mean: &[f64], d: usize) {
    for (dst, src) in a.chunks_exact_mut(d).zip(x.chunks_exact(d)) {
        for ((o, v), m) in dst.iter_mut().zip(src).zip(mean) {
            *o = (f64::from(*v) - m) as f32;
        }
    }
}

fn faer_mm(o: &mut [f32], a: &[f32], w: &[f32], rows: usize, d: usize, k: usize) {
    let am = MatRef::from_row_major_slice(a, rows, d);
    let wm = MatRef::from_row_major_slice(w, k, d);
    let om = faer::MatMut::from_row_major_slice_mut(o, rows, k);
    faer::linalg::matmul::matmul(om, Accum::Replace, am, wm.transpose(), 1.0f32, Par::Seq);
}

fn kern_mm(o: &mut [f32], a: &[f32], w: &[f32], rows: usize, d: usize, k: usize) {
    let av = View::row_major(a, rows, d).expect("a");
    let wv = View::row_major(w, k, d).expect("w").t();
    embgeo_kernels::gemm_f32(o, k, av, wv, embgeo_core::Par::Seq).expect("gemm");
}

/// One block in sub-blocks of `sub` rows: centre, `mm(out, centred, rows)`, then scale the
/// block's rows in place (f64 multiply, one rounding).
#[allow(clippy::too_many_arguments)]
fn in_sub_blocks(
    dst: &mut [f32],
    src: &[f32],
    sub: usize,
    mean: &[f64],
    scale: &[f64],
    d: usize,
    k: usize,
    mm: impl Fn(&mut [f32], &[f32], usize),
) {
    let rows = src.len() / d;
    let mut a = vec![0.0f32; sub.min(rows) * d];
    for (dst, src) in dst.chunks_mut(sub * k).zip(src.chunks(sub * d)) {
        let r = src.len() / d;
        centre(&mut a[..r * d], src, mean, d);
        mm(dst, &a[..r * d], r);
    }
    for row in dst.chunks_exact_mut(k) {
        for (v, s) in row.iter_mut().zip(scale) {
            *v = (f64::from(*v) * s) as f32;
        }
    }
}

/// The whole transform over `x`, one variant, blocks of `BLOCK` rows in parallel.
#[allow(clippy::too_many_arguments)]
fn run(
    variant: &str,
    x: &[f32],
    mean: &[f64],
    w: &[f32],
    wt: &[f32],
    scale: &[f64],
    out: &mut [f32],
    d: usize,
    k: usize,
) {
    out.par_chunks_mut(BLOCK * k)
        .zip(x.par_chunks(BLOCK * d))
        .for_each(|(dst, src)| {
            let rows = src.len() / d;
            match variant {
                // Today's project.rs: centre, faer, f32 → f64 buffer, scale, round back.
                "current" => {
                    let mut a = vec![0.0f32; rows * d];
                    centre(&mut a, src, mean, d);
                    let mut o32 = vec![0.0f32; rows * k];
                    faer_mm(&mut o32, &a, w, rows, d, k);
                    let mut o = vec![0.0f64; rows * k];
                    for (o, v) in o.iter_mut().zip(&o32) {
                        *o = f64::from(*v);
                    }
                    for (row, drow) in o.chunks_exact_mut(k).zip(dst.chunks_exact_mut(k)) {
                        for (v, s) in row.iter_mut().zip(scale) {
                            *v *= s;
                        }
                        for (o, v) in drow.iter_mut().zip(row.iter()) {
                            *o = *v as f32;
                        }
                    }
                }
                // Kernel into the output in place, scaled in place (f64 multiply, one rounding).
                "kernel" | "kernel-sub" => {
                    let sub = if variant == "kernel" { rows } else { 240 };
                    in_sub_blocks(dst, src, sub, mean, scale, d, k, |o, a, r| {
                        kern_mm(o, a, w, r, d, k);
                    });
                }
                // faer on the same sub-blocks, into the output in place.
                "faer-sub" | "faer-sub64" | "faer-sub1k" | "faer-sub2k" => {
                    let sub = match variant {
                        "faer-sub64" => 64,
                        "faer-sub1k" => 1024,
                        "faer-sub2k" => 2048,
                        _ => 240,
                    };
                    in_sub_blocks(dst, src, sub, mean, scale, d, k, |o, a, r| {
                        faer_mm(o, a, w, r, d, k);
                    });
                }
                // The kernel with Wᵀ stored d × k row-major (B packs by whole rows).
                "kernel-subT" | "kernel-T" => {
                    let sub = if variant == "kernel-T" { rows } else { 240 };
                    in_sub_blocks(dst, src, sub, mean, scale, d, k, |o, a, r| {
                        let av = View::row_major(a, r, d).expect("a");
                        let wv = View::row_major(wt, d, k).expect("wt");
                        embgeo_kernels::gemm_f32(o, k, av, wv, embgeo_core::Par::Seq).expect("gemm");
                    });
                }
                // Phases alone.
                "centre" => {
                    let mut a = vec![0.0f32; rows * d];
                    centre(&mut a, src, mean, d);
                    std::hint::black_box(&a);
                }
                "faer-only" => faer_mm(dst, &src[..rows * d], w, rows, d, k),
                "kernel-only" => kern_mm(dst, src, w, rows, d, k),
                _ => unreachable!(),
            }
        });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `--name value` pairs.
    let flag = |name: &str| args.windows(2).find(|p| p[0] == name).map(|p| p[1].clone());
    let arg = |name: &str, default: usize| flag(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    let threads = arg("--threads", 1);
    let runs = arg("--runs", 5);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let all = [
        "current",
        "kernel",
        "kernel-sub",
        "faer-sub",
        "faer-sub64",
        "faer-sub1k",
        "faer-sub2k",
        "kernel-subT",
        "kernel-T",
        "centre",
        "faer-only",
        "kernel-only",
    ];
    let pick = flag("--variants");
    let variants: Vec<&str> = all
        .iter()
        .copied()
        .filter(|v| pick.as_deref().is_none_or(|p| p.split(',').any(|q| q == *v)))
        .collect();
    let shape = arg("--shape", 7);
    let shapes = [
        (200_000usize, 384usize, 32usize),
        (200_000, 384, 384),
        (100_000, 1536, 32),
        (100_000, 1536, 1536),
    ];
    for (si, &(n, d, k)) in shapes.iter().enumerate() {
        if shape & (1 << si) == 0 {
            continue;
        }
        let x: Vec<f32> = (0..n * d)
            .map(|i| ((i.wrapping_mul(7919) % 1000) as f32 / 1000.0) - 0.3)
            .collect();
        let w: Vec<f32> = (0..k * d)
            .map(|i| ((i.wrapping_mul(104_729) % 1000) as f32 / 1000.0) - 0.5)
            .collect();
        let wt: Vec<f32> = (0..d * k).map(|i| w[(i % k) * d + i / k]).collect();
        let mean: Vec<f64> = (0..d).map(|j| 0.2 + j as f64 * 1e-4).collect();
        let scale: Vec<f64> = (0..k).map(|j| 1.0 / (1.0 + j as f64)).collect();
        let mut out = vec![0.0f32; n * k];
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); variants.len()];
        pool.install(|| {
            for rep in 0..=runs {
                for (vi, v) in variants.iter().enumerate() {
                    let t = Instant::now();
                    run(v, &x, &mean, &w, &wt, &scale, &mut out, d, k);
                    if rep > 0 {
                        times[vi].push(t.elapsed().as_secs_f64());
                    }
                }
            }
        });
        let flops = 2.0 * (n * d * k) as f64;
        for (v, mut ts) in variants.iter().zip(times) {
            ts.sort_by(f64::total_cmp);
            let med = ts[ts.len() / 2];
            println!(
                "{n}x{d}->k={k} threads={threads} {v:12}: median {:8.2} ms  ({:.1} GFLOP/s)",
                med * 1e3,
                flops / med / 1e9
            );
        }
    }
}
