//! Release-mode timings of linear CKA, debiased CKA, Procrustes (α = 1) and mean CCA on two raw
//! little-endian f32 files (bench/compare.bench.mjs's data, `compare_peers.py --make-data`), no
//! Node. Not a test.
//!
//! Run: `cargo run --release -p embgeo-align --example bench_compare -- A.f32 768 B.f32 1024
//! [runs] [threads] [measures, comma-separated]`. Prints one line per run and the median.
//! Measures: `cka`, `ckaDebiased`, `procrustes`, `procrustesValues` (`rotation: false`), `cca`,
//! `imbalance` (information imbalance, k = 1);
//! and their parts: `passXy` / `passAll` (the f64 row pass, value = GFLOP/s), `f64gemmK` /
//! `f64gemmparK` (faer's f64 GEMM on K-row blocks, sequential / parallel), `svd` / `svdValues`
//! (the dB × dB SVD with / without singular vectors).
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

/// Information imbalance (k = 1, euclidean): Δ(A→B); Δ(B→A), the screened rows and the exact
/// keys on stderr.
fn imbalance(pa: MatRef<'_, f32>, pb: MatRef<'_, f32>, ctl: &Ctl<'_>) -> embgeo_core::Result<f64> {
    let p = embgeo_neighborhood::imbalance::Params::default();
    let r = embgeo_neighborhood::imbalance::compute(Pair::new(pa, pb), &p, ctl)?;
    eprintln!(
        "imbalance: B→A {:.12}, screened rows {}, exact keys {}",
        r.b_to_a, r.screened_rows, r.key_evaluations
    );
    Ok(r.a_to_b)
}

/// faer's f64 GEMM on one row block of the f64 pass: `(k × d_A)ᵀ·(k × d_B)`, row-major blocks
/// as `embgeo_compare::cross` hands them over (`f64gemmK` sequential, `f64gemmparK` faer's
/// parallel split over the pool); GFLOP/s.
fn f64gemm(m: &str, xa: &[f32], xb: &[f32], da: usize, db: usize) -> f64 {
    let (par, k) = match m[7..].strip_prefix("par") {
        Some(k) => (faer::Par::rayon(0), k),
        None => (faer::Par::Seq, &m[7..]),
    };
    let k: usize = k.parse().expect("f64gemmK");
    let xa64: Vec<f64> = xa[..k * da].iter().map(|&v| f64::from(v)).collect();
    let xb64: Vec<f64> = xb[..k * db].iter().map(|&v| f64::from(v)).collect();
    let a = faer::MatRef::from_row_major_slice(&xa64, k, da);
    let b = faer::MatRef::from_row_major_slice(&xb64, k, db);
    let mut c = faer::Mat::<f64>::zeros(da, db);
    let reps = 40_000 / k;
    let t = Instant::now();
    for _ in 0..reps {
        faer::linalg::matmul::matmul(c.as_mut(), faer::Accum::Add, a.transpose(), b, 1.0, par);
    }
    (2 * reps * k * da * db) as f64 / t.elapsed().as_secs_f64() / 1e9
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (da, db): (usize, usize) = (a[2].parse().expect("d_A"), a[4].parse().expect("d_B"));
    let runs: usize = a.get(5).map_or(3, |s| s.parse().expect("runs"));
    let threads: usize = a.get(6).map_or(2, |s| s.parse().expect("threads"));
    let measures = a.get(7).map_or("cka,ckaDebiased,procrustes,cca", String::as_str);
    let (xa, xb) = (load(&a[1]), load(&a[3]));
    let (pa, pb) = (
        MatRef::from_flat(&xa, da).expect("A"),
        MatRef::from_flat(&xb, db).expect("B"),
    );
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
                    "procrustesValues" => {
                        let p = procrustes::Params {
                            rotation: false,
                            ..procrustes::Params::default()
                        };
                        procrustes::compute(Pair::new(pa, pb), &p, &ctl).map(|r| r.angular)
                    }
                    // the f64 row pass alone (`XᵀY`, or with the Gram matrices); value = GFLOP/s
                    "passXy" | "passAll" => {
                        let all = m == "passAll";
                        let want = embgeo_compare::cross::Want {
                            xx: all,
                            yy: all,
                            f32_blocks: false,
                        };
                        let t = Instant::now();
                        let n = pa.rows();
                        let pairs = da * db + if all { usize::midpoint(da * da, db * db) } else { 0 };
                        embgeo_compare::cross::compute(pa, pb, want, "pass", &ctl)
                            .map(|_| (2 * n * pairs) as f64 / t.elapsed().as_secs_f64() / 1e9)
                    }
                    "cca" => cca::compute(Pair::new(pa, pb), &cca::Params::default(), &ctl).map(|r| r.value),
                    "imbalance" => imbalance(pa, pb, &ctl),
                    m if m.starts_with("f64gemm") => Ok(f64gemm(m, &xa, &xb, da, db)),
                    // the d × d SVD Procrustes runs after its products (d = d_B), on the pool
                    // as Procrustes runs it: with the singular vectors, or the values only
                    "svd" | "svdValues" => {
                        let x = faer::Mat::from_fn(db, db, |i, j| {
                            f64::from(xb[i * db + j]) + f64::from(u8::from(i == j))
                        });
                        embgeo_core::linalg::fixed_split(embgeo_core::Par::Rayon, |q| {
                            if m == "svdValues" {
                                embgeo_core::linalg::thin_svd(x.as_ref(), false, q).map(|r| r.0[0])
                            } else {
                                embgeo_core::linalg::thin_svd_uv(x.as_ref(), q).map(|r| r.0[0])
                            }
                        })
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
