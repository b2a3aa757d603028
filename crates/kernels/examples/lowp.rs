//! Single-thread throughput of the bf16 and int8 tile kernels
//! ([`embgeo_kernels::lowp::dot_tile_packed`], every path this CPU has) on the kNN tile shape
//! (m queries × n corpus rows × d), against faer's f32 GEMM on the same shape:
//! `cargo run --release -p embgeo-kernels --example lowp -- [m] [n] [d] [reps]`.

use std::time::Instant;

use embgeo_core::Par;
use embgeo_kernels::lowp::{self, Int8Path, Packed, Side};

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let at = |i: usize, d: usize| args.get(i).copied().unwrap_or(d);
    let (m, n, d, reps) = (at(0, 384), at(1, 1024), at(2, 384), at(3, 20));
    let a: Vec<u16> = (0..m * d).map(|i| 0x3f80 + (i % 97) as u16).collect();
    let b: Vec<u16> = (0..n * d).map(|i| 0x3f80 + (i % 89) as u16).collect();
    let af: Vec<f32> = a.iter().map(|&v| f32::from_bits(u32::from(v) << 16)).collect();
    let bf: Vec<f32> = b.iter().map(|&v| f32::from_bits(u32::from(v) << 16)).collect();
    let flops = 2.0 * (m * n * d) as f64;
    let mut dst = vec![0.0f32; m * n];
    let (ai, bi): (Vec<i8>, Vec<i8>) = (
        a.iter().map(|&v| (v % 251) as u8 as i8).collect(),
        b.iter().map(|&v| (v % 241) as u8 as i8).collect(),
    );
    let mut best = |name: &str, f: &mut dyn FnMut(&mut [f32])| {
        let mut times = Vec::new();
        for _ in 0..reps {
            let t = Instant::now();
            f(&mut dst);
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name:>22}: median {:.2} ms, {:.0} GFLOP/s (min {:.2} ms, {:.0} GFLOP/s)",
            times[reps / 2] * 1e3,
            flops / times[reps / 2] / 1e9,
            times[0] * 1e3,
            flops / times[0] / 1e9
        );
    };
    for path in lowp::available_paths() {
        let pa = Packed::new_for(path, &a, d, Par::Seq, Side::Queries);
        let pb = Packed::new_for(path, &b, d, Par::Seq, Side::Corpus);
        best(&format!("bf16 {}", path.name()), &mut |t| {
            lowp::dot_tile_packed(path, t, (&pa, 0..m), (&pb, 0..n), -2.0);
        });
    }
    for path in Int8Path::available() {
        let pa = Packed::new_i8_for(path, &ai, d, Par::Seq, Side::Queries);
        let pb = Packed::new_i8_for(path, &bi, d, Par::Seq, Side::Corpus);
        best(&format!("int8 {}", path.name()), &mut |t| {
            lowp::dot_tile_i8_packed(path, t, (&pa, 0..m), (&pb, 0..n), -2.0);
        });
    }
    best("faer f32 (seq)", &mut |t| {
        use faer::{Accum, MatMut, MatRef, Par};
        let dst = MatMut::from_column_major_slice_mut(t, m, n);
        let am = MatRef::from_row_major_slice(&af, m, d);
        let bm = MatRef::from_row_major_slice(&bf, n, d);
        faer::linalg::matmul::matmul(dst, Accum::Replace, am, bm.transpose(), -2.0f32, Par::Seq);
    });
}
