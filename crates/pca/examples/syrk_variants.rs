//! Micro-benchmark: ways to form the d × d co-moment of a block (chooses the kernel of
//! `moments.rs`). Run: `cargo run --release -p embgeo-pca --example syrk_variants`
use std::time::Instant;

use faer::linalg::matmul::triangular::BlockStructure;
use faer::{Accum, Mat, MatRef, Par};

fn best(mut f: impl FnMut()) -> f64 {
    f();
    (0..3)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn transform_variants(pool: &rayon::ThreadPool) {
    // Whitening apply: out (b × k) = A (b × d) · Wᵀ, f32, the layouts `project_rows` can use.
    let (d, k) = (384usize, 384usize);
    for b in [2048usize, 8192] {
        let a: Vec<f32> = (0..b * d).map(|i| ((i * 7919) % 1000) as f32 / 1000.0).collect();
        let w: Vec<f32> = (0..k * d)
            .map(|i| ((i * 104_729) % 1000) as f32 / 1000.0)
            .collect();
        let mut out = vec![0.0f32; b * k];
        let flops = (2 * b * d * k) as f64;
        pool.install(|| {
            for (name, par) in [("seq", Par::Seq), ("rayon2", Par::rayon(0))] {
                let t = best(|| {
                    let am = MatRef::from_row_major_slice(&a, b, d);
                    let wm = MatRef::from_row_major_slice(&w, k, d);
                    let om = faer::MatMut::from_row_major_slice_mut(&mut out, b, k);
                    faer::linalg::matmul::matmul(om, Accum::Replace, am, wm.transpose(), 1.0f32, par);
                });
                println!(
                    "transform b={b} row-major {name}: {:.2} ms, {:.1} GFLOP/s",
                    t * 1e3,
                    flops / t / 1e9
                );
                let t = best(|| {
                    // Same product as outᵀ (k × b, column-major = out row-major) = W · Aᵀ.
                    let am = MatRef::from_column_major_slice(&a, d, b);
                    let wm = MatRef::from_column_major_slice(&w, d, k);
                    let om = faer::MatMut::from_column_major_slice_mut(&mut out, k, b);
                    faer::linalg::matmul::matmul(om, Accum::Replace, wm.transpose(), am, 1.0f32, par);
                });
                println!(
                    "transform b={b} transposed {name}: {:.2} ms, {:.1} GFLOP/s",
                    t * 1e3,
                    flops / t / 1e9
                );
            }
        });
    }
}

fn main() {
    let d = 384;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("pool");
    transform_variants(&pool);
    if std::env::args().any(|a| a == "--transform-only") {
        return;
    }
    for b in [2048usize, 8192] {
        let buf64: Vec<f64> = (0..b * d).map(|i| ((i * 7919) % 1000) as f64 / 1000.0).collect();
        let buf32: Vec<f32> = buf64.iter().map(|v| *v as f32).collect();
        let a = MatRef::from_column_major_slice(&buf64, d, b);
        let a32 = MatRef::from_column_major_slice(&buf32, d, b);
        let mut c = Mat::<f64>::zeros(d, d);
        let mut c32 = Mat::<f32>::zeros(d, d);
        let flops = (b * d * d) as f64 * 2.0;
        pool.install(|| {
            for (name, par) in [("seq", Par::Seq), ("rayon2", Par::rayon(0))] {
                let t = best(|| {
                    faer::linalg::matmul::triangular::matmul(
                        c.as_mut(),
                        BlockStructure::TriangularLower,
                        Accum::Replace,
                        a,
                        BlockStructure::Rectangular,
                        a.transpose(),
                        BlockStructure::Rectangular,
                        1.0,
                        par,
                    );
                });
                println!(
                    "b={b} f64 tri {name}: {:.2} ms, {:.1} GFLOP/s (useful, half)",
                    t * 1e3,
                    flops / 2.0 / t / 1e9
                );
                let t = best(|| {
                    faer::linalg::matmul::matmul(c.as_mut(), Accum::Replace, a, a.transpose(), 1.0, par);
                });
                println!(
                    "b={b} f64 full {name}: {:.2} ms, {:.1} GFLOP/s",
                    t * 1e3,
                    flops / t / 1e9
                );
                let t = best(|| {
                    faer::linalg::matmul::matmul(
                        c32.as_mut(),
                        Accum::Replace,
                        a32,
                        a32.transpose(),
                        1.0,
                        par,
                    );
                });
                println!(
                    "b={b} f32 full {name}: {:.2} ms, {:.1} GFLOP/s",
                    t * 1e3,
                    flops / t / 1e9
                );
                let t = best(|| {
                    faer::linalg::matmul::triangular::matmul(
                        c32.as_mut(),
                        BlockStructure::TriangularLower,
                        Accum::Replace,
                        a32,
                        BlockStructure::Rectangular,
                        a32.transpose(),
                        BlockStructure::Rectangular,
                        1.0,
                        par,
                    );
                });
                println!(
                    "b={b} f32 tri {name}: {:.2} ms, {:.1} GFLOP/s (useful, half)",
                    t * 1e3,
                    flops / 2.0 / t / 1e9
                );
            }
        });
    }
}
