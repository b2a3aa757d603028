//! Release-mode timings of linear CKA, debiased CKA, Procrustes (α = 1) and mean CCA on two raw
//! little-endian f32 files (bench/compare.bench.mjs's data, `compare_peers.py --make-data`), no
//! Node. Not a test.
//!
//! Run: `cargo run --release -p embgeo-align --example bench_compare -- A.f32 768 B.f32 1024
//! [runs] [threads] [measures, comma-separated]`. Prints one line per run and the median.
#![allow(clippy::cast_precision_loss)]

use std::time::Instant;

use embgeo_align::{cca, procrustes};
use embgeo_compare::cka;
use embgeo_core::{Ctl, MatRef, Pair};

fn load(path: &str) -> Vec<f32> {
    let bytes = std::fs::read(path).expect("readable f32 file");
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (da, db): (usize, usize) = (a[2].parse().expect("d_A"), a[4].parse().expect("d_B"));
    let runs: usize = a.get(5).map_or(3, |s| s.parse().expect("runs"));
    let threads: usize = a.get(6).map_or(2, |s| s.parse().expect("threads"));
    let measures = a.get(7).map_or("cka,ckaDebiased,procrustes,cca", String::as_str);
    let (xa, xb) = (load(&a[1]), load(&a[3]));
    let pa = MatRef::from_flat(&xa, da).expect("A shape");
    let pb = MatRef::from_flat(&xb, db).expect("B shape");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("pool");
    let ctl = Ctl::detached();
    for m in measures.split(',') {
        let mut times = Vec::new();
        let mut value = 0.0;
        for _ in 0..runs {
            let t = Instant::now();
            value = pool
                .install(|| match m {
                    "cka" => cka::compute(Pair::new(pa, pb), &cka::Params::default(), &ctl).map(|r| r.value),
                    "ckaDebiased" => {
                        let p = cka::Params {
                            debiased: true,
                            ..cka::Params::default()
                        };
                        cka::compute(Pair::new(pa, pb), &p, &ctl).map(|r| r.value)
                    }
                    "procrustes" => {
                        procrustes::compute(Pair::new(pa, pb), &procrustes::Params::default(), &ctl)
                            .map(|r| r.angular)
                    }
                    "cca" => cca::compute(Pair::new(pa, pb), &cca::Params::default(), &ctl).map(|r| r.value),
                    // the d × d decomposition Procrustes runs after its products (d = d_B)
                    // faer's sequential f64 GEMM on one row block of the f64 pass: (k × d_A)ᵀ·(k × d_B),
                    // row-major blocks as `embgeo_compare::cross` hands them over; value = GFLOP/s
                    m if m.starts_with("f64gemm") => {
                        let k: usize = m[7..].parse().expect("f64gemmK");
                        let xa64: Vec<f64> = xa[..k * da].iter().map(|&v| f64::from(v)).collect();
                        let xb64: Vec<f64> = xb[..k * db].iter().map(|&v| f64::from(v)).collect();
                        let a = faer::MatRef::from_row_major_slice(&xa64, k, da);
                        let b = faer::MatRef::from_row_major_slice(&xb64, k, db);
                        let mut c = faer::Mat::<f64>::zeros(da, db);
                        let reps = 40_000 / k;
                        let t = Instant::now();
                        for _ in 0..reps {
                            faer::linalg::matmul::matmul(
                                c.as_mut(),
                                faer::Accum::Add,
                                a.transpose(),
                                b,
                                1.0,
                                faer::Par::Seq,
                            );
                        }
                        Ok((2 * reps * k * da * db) as f64 / t.elapsed().as_secs_f64() / 1e9)
                    }
                    "svd" => {
                        let m = faer::Mat::from_fn(db, db, |i, j| {
                            f64::from(xb[i * db + j]) + f64::from(u8::from(i == j))
                        });
                        embgeo_core::linalg::thin_svd_uv(m.as_ref(), faer::Par::Seq).map(|r| r.0[0])
                    }
                    _ => panic!("unknown measure {m}"),
                })
                .expect("measure");
            let s = t.elapsed().as_secs_f64();
            times.push(s);
            println!("{m} run {s:.3} s value {value:.12}");
        }
        times.sort_by(f64::total_cmp);
        println!("{m} median {:.3} s value {value:.12}", times[times.len() / 2]);
    }
}
