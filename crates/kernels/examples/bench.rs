//! Candidates for the per-block SYRK (`C += Aᵀ·A`, f32) and the projection GEMM, single thread,
//! medians of repeated calls. Not a test: `cargo run --release -p embgeo-kernels --example bench`.
//!
//! Shapes: the moments' blocks (2048 × 384; 910 × 1536 = the `BLOCK_MACS` cap at d = 1536) and
//! the transform's blocks (2048 × d times d × d). GFLOP/s count the useful flops (rows·d² for a
//! SYRK, 2·m·k·n for a GEMM); the full-product candidates do twice the SYRK work.
#![allow(clippy::cast_precision_loss, clippy::too_many_lines)]

use std::time::Instant;

use embgeo_kernels::{gemm_f32_with, syrk_lower_f32_with, Par, Path, View};
use faer::linalg::matmul::triangular::BlockStructure;
use faer::{Accum, Mat, MatRef};

fn median(mut f: impl FnMut(), reps: usize) -> f64 {
    f();
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[reps / 2]
}

fn data(len: usize) -> Vec<f32> {
    (0..len)
        .map(|i| ((i * 7919 % 1013) as f32 / 1013.0) - 0.5)
        .collect()
}

fn main() {
    let reps = 9;
    for (rows, d) in [(2048usize, 384usize), (910, 1536)] {
        let a = data(rows * d);
        let flops = (rows * d * d) as f64;
        let gf = |s: f64| flops / s / 1e9;
        let am = MatRef::from_column_major_slice(&a, d, rows);
        let mut c = Mat::<f32>::zeros(d, d);
        let t = median(
            || {
                faer::linalg::matmul::triangular::matmul(
                    c.as_mut(),
                    BlockStructure::TriangularLower,
                    Accum::Replace,
                    am,
                    BlockStructure::Rectangular,
                    am.transpose(),
                    BlockStructure::Rectangular,
                    1.0f32,
                    faer::Par::Seq,
                );
            },
            reps,
        );
        println!(
            "syrk {rows}×{d}  faer triangular      {:.2} ms  {:.1} GFLOP/s",
            t * 1e3,
            gf(t)
        );
        let t = median(
            || {
                faer::linalg::matmul::matmul(
                    c.as_mut(),
                    Accum::Replace,
                    am,
                    am.transpose(),
                    1.0f32,
                    faer::Par::Seq,
                );
            },
            reps,
        );
        println!(
            "syrk {rows}×{d}  faer full matmul     {:.2} ms  {:.1} GFLOP/s",
            t * 1e3,
            gf(t)
        );
        let mut g = vec![0.0f32; d * d];
        let t = median(
            || {
                // SAFETY: dst d × d column-major in `g`, lhs = Aᵀ (d × rows, col stride d... see
                // strides below) and rhs = A (rows × d) both inside `a`.
                unsafe {
                    gemm::gemm(
                        d,
                        d,
                        rows,
                        g.as_mut_ptr(),
                        d as isize,
                        1,
                        false,
                        a.as_ptr(),
                        d as isize,
                        1,
                        a.as_ptr(),
                        1,
                        d as isize,
                        0.0f32,
                        1.0f32,
                        false,
                        false,
                        false,
                        gemm::Parallelism::None,
                    );
                }
            },
            reps,
        );
        println!(
            "syrk {rows}×{d}  gemm crate full      {:.2} ms  {:.1} GFLOP/s",
            t * 1e3,
            gf(t)
        );
        for path in [Path::Scalar, Path::Avx2] {
            if !path.supported() {
                continue;
            }
            let mut o = vec![0.0f32; d * d];
            let t = median(
                || syrk_lower_f32_with(path, &mut o, &a, rows, d, Par::Seq).unwrap(),
                reps,
            );
            println!(
                "syrk {rows}×{d}  embgeo-kernels {:<9} {:.2} ms  {:.1} GFLOP/s",
                path.name(),
                t * 1e3,
                gf(t)
            );
        }
        // Projection block: (2048 × d) · (k × d)ᵀ, k = d and k = 32.
        for k in [d, 32] {
            let x = data(2048 * d);
            let w = data(k * d);
            let flops = 2.0 * (2048 * d * k) as f64;
            let mut o = vec![0.0f32; 2048 * k];
            let xm = MatRef::from_row_major_slice(&x, 2048, d);
            let wm = MatRef::from_row_major_slice(&w, k, d);
            let t = median(
                || {
                    let om = faer::MatMut::from_row_major_slice_mut(&mut o, 2048, k);
                    faer::linalg::matmul::matmul(
                        om,
                        Accum::Replace,
                        xm,
                        wm.transpose(),
                        1.0f32,
                        faer::Par::Seq,
                    );
                },
                reps,
            );
            println!(
                "gemm 2048×{d}·{d}×{k}  faer          {:.2} ms  {:.1} GFLOP/s",
                t * 1e3,
                flops / t / 1e9
            );
            for path in [Path::Scalar, Path::Avx2] {
                if !path.supported() {
                    continue;
                }
                let xv = View::row_major(&x, 2048, d).unwrap();
                let wv = View::row_major(&w, k, d).unwrap().t();
                let t = median(|| gemm_f32_with(path, &mut o, k, xv, wv, Par::Seq).unwrap(), reps);
                println!(
                    "gemm 2048×{d}·{d}×{k}  embgeo {:<9} {:.2} ms  {:.1} GFLOP/s",
                    path.name(),
                    t * 1e3,
                    flops / t / 1e9
                );
            }
        }
    }
}
