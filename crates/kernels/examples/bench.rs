//! The kernel paths against faer on embgeo's shapes, with the FP32 FMA peak probed in the same
//! run. Not a test: `cargo run --release -p embgeo-kernels --example bench -- [reps]`
//! (`ONLY_KNN=1` runs only the kNN tiles and the query pass, `ONLY_QUERY=1` only the query pass;
//! `QUERIES=n` sets its query count, default 100, and `TILE=n` its corpus tile rows, default
//! 1024; `ONLY=text` reports only the cases whose name contains `text`, e.g. `ONLY="syrk 512"`).
//!
//! Shapes:
//! - PCA covariance blocks (`C = Aᵀ·A`, lower triangle): 512 × 384 and 512 × 1536 (the moments'
//!   `block_rows`), 2048 × 384 and 910 × 1536 (its earlier blocks), i.e. the per-block SYRK of a
//!   200,000 × 384 or 100,000 × 1536 fit, against faer; on AVX-512 and AVX2 also `RowPanels`
//!   (the block written straight into the layout of its SYRK: no packing) against the blocked
//!   path on the same row-major data; on AMX machines also the split-bf16 SYRK (`lowp::syrk_lower_split`)
//!   against the best FMA path.
//! - Projection blocks: (2048 × d)·(d × k), k = d and k = 32.
//! - kNN key tiles (`gemm_nt_f32`: dst column-major 384 × n = −2·Q·Cᵀ), n = 384 (the
//!   symmetric all-points pass) and 1024 (queries vs a corpus), d = 32, 384, 768: knn's fp32
//!   candidate tile against faer's matmul, which knn uses.
//! - The query pass: 100 queries against a corpus streamed from memory (2^18 rows at d = 128,
//!   the same bytes at d = 768) in 1,024-row tiles: faer as knn calls it, the blocked kernel,
//!   and `corpus_keys_f32` (the corpus read in place, the queries packed once), with and
//!   without naming each call's next tile (the prefetch hint across calls); and
//!   `corpus_keys_i16` on the same rows quantised to int16 once before the timing (as an index
//!   would hold them), the queries quantised and packed in each pass.
//!
//! "1 thread": median wall time of one call. "2 threads": two calls on two threads at once, each
//! on its own data (how PCA's moment lanes and kNN's workers use the kernels), aggregate rate.
//! GFLOP/s count useful flops: rows·d² for a SYRK (half the product), 2·m·k·n for a GEMM. The
//! peak is 16 independent AVX-512 (or 12 AVX2) FMA chains per thread, the best of three probes.
#![allow(clippy::cast_precision_loss, clippy::too_many_lines)]

use std::hint::black_box;
use std::time::Instant;

use embgeo_kernels::{
    corpus_keys_f32_with, corpus_keys_i16, gemm_f32_with, gemm_nt_f32_with, syrk_lower_f32_with, I16Queries,
    I16Rows, Par, Path, QueryPanels, RowPanels, View,
};
use faer::linalg::matmul::triangular::BlockStructure;
use faer::{Accum, Mat, MatMut, MatRef};

/// Wall seconds of one round: `f(thread)` on `threads` threads at once.
fn round(threads: usize, f: &(dyn Fn(usize) + Sync)) -> f64 {
    let s = Instant::now();
    std::thread::scope(|sc| {
        for t in 0..threads {
            sc.spawn(move || f(t));
        }
    });
    s.elapsed().as_secs_f64()
}

/// (median, min) wall seconds per candidate over `reps` rounds, the candidates interleaved
/// within each round so that they share the same background load (after one warm-up round).
fn timed(threads: usize, reps: usize, cands: &[&(dyn Fn(usize) + Sync)]) -> Vec<(f64, f64)> {
    let mut t = vec![Vec::with_capacity(reps); cands.len()];
    for rep in 0..=reps {
        for (c, f) in cands.iter().enumerate() {
            let s = round(threads, *f);
            if rep > 0 {
                t[c].push(s);
            }
        }
    }
    t.into_iter()
        .map(|mut v| {
            v.sort_by(f64::total_cmp);
            (v[reps / 2], v[0])
        })
        .collect()
}

fn data(len: usize, seed: usize) -> Vec<f32> {
    (0..len)
        .map(|i| (((i + seed) * 7919 % 1013) as f32 / 1013.0) - 0.5)
        .collect()
}

/// 16 chains of AVX-512 FMAs, `iters` steps each.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn chains_avx512(iters: u64) -> f32 {
    use std::arch::x86_64::{_mm512_add_ps, _mm512_fmadd_ps, _mm512_reduce_add_ps, _mm512_set1_ps};
    let (a, b) = (_mm512_set1_ps(0.999_999), _mm512_set1_ps(1e-7));
    let mut acc = [_mm512_set1_ps(1.0); 16];
    for _ in 0..iters {
        for v in &mut acc {
            *v = _mm512_fmadd_ps(*v, a, b);
        }
    }
    _mm512_reduce_add_ps(acc.iter().fold(_mm512_set1_ps(0.0), |s, v| _mm512_add_ps(s, *v)))
}

/// 12 chains of AVX2 FMAs (8 lanes), `iters` steps each.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn chains_avx2(iters: u64) -> f32 {
    use std::arch::x86_64::{_mm256_add_ps, _mm256_fmadd_ps, _mm256_set1_ps, _mm256_storeu_ps};
    let (a, b) = (_mm256_set1_ps(0.999_999), _mm256_set1_ps(1e-7));
    let mut acc = [_mm256_set1_ps(1.0); 12];
    for _ in 0..iters {
        for v in &mut acc {
            *v = _mm256_fmadd_ps(*v, a, b);
        }
    }
    let s = acc.iter().fold(_mm256_set1_ps(0.0), |s, v| _mm256_add_ps(s, *v));
    let mut out = [0.0f32; 8];
    // SAFETY: `out` holds the 8 values the store writes.
    unsafe { _mm256_storeu_ps(out.as_mut_ptr(), s) };
    out.iter().sum()
}

/// FP32 FMA peak in GFLOP/s on `threads` threads (best of three) on the widest FMA vectors
/// (AVX-512 or AVX2); `None` on other CPUs.
fn peak(threads: usize) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    {
        // (run one thread's chains, flops per step of one thread)
        let (chains, flops): (fn(u64), f64) = if Path::Avx512.supported() {
            // SAFETY: `Path::Avx512.supported()` checked AVX-512F at run time.
            (
                |n| {
                    black_box(unsafe { chains_avx512(n) });
                },
                16.0 * 16.0 * 2.0,
            )
        } else if Path::Avx2.supported() {
            // SAFETY: `Path::Avx2.supported()` checked AVX2 and FMA at run time.
            (
                |n| {
                    black_box(unsafe { chains_avx2(n) });
                },
                12.0 * 8.0 * 2.0,
            )
        } else {
            return None;
        };
        let iters = 20_000_000u64;
        let best = (0..3)
            .map(|_| round(threads, &|_| chains(iters)))
            .fold(f64::INFINITY, f64::min);
        Some(threads as f64 * iters as f64 * flops / best / 1e9)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let _ = threads;
        None
    }
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "?".into(),
        |s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "),
    )
}

fn main() {
    let reps: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(9);
    let peaks = [peak(1), peak(2)];
    println!(
        "load average {}; FMA peak 1 thread {:.1?} GFLOP/s, 2 threads {:.1?}; median (min) of {reps}, candidates interleaved",
        load(),
        peaks[0],
        peaks[1]
    );
    let report = |what: &str,
                  names: &[&str],
                  threads: usize,
                  flops: f64,
                  cands: &[&(dyn Fn(usize) + Sync)]| {
        if std::env::var("ONLY").is_ok_and(|o| !what.contains(o.as_str())) {
            return;
        }
        let r = timed(threads, reps, cands);
        for (name, (med, min)) in names.iter().zip(&r) {
            let g = |t: f64| flops * threads as f64 / t / 1e9;
            let pct = peaks[threads - 1].map_or(String::new(), |p| {
                format!("  {:>3.0} % of peak", 100.0 * g(*med) / p)
            });
            println!(
                "{what:<26} {name:<16} {threads}T {:>8.2} ms ({:>7.2})  {:>6.1} ({:>6.1}) GFLOP/s{pct}  {:.2}× first",
                med * 1e3,
                min * 1e3,
                g(*med),
                g(*min),
                r[0].0 / med
            );
        }
    };
    let fast: Vec<Path> = [Path::Avx2, Path::Avx512]
        .into_iter()
        .filter(|p| p.supported())
        .collect();
    // One case: faer (`base`, named `base_name`) first, then `ours` on every SIMD path.
    let case = |what: &str,
                base_name: &str,
                flops: f64,
                base: &(dyn Fn(usize) + Sync),
                ours: &(dyn Fn(Path, usize) + Sync)| {
        let per_path: Vec<_> = fast.iter().map(|&p| move |th: usize| ours(p, th)).collect();
        let mut cands: Vec<&(dyn Fn(usize) + Sync)> = vec![base];
        cands.extend(per_path.iter().map(|f| f as &(dyn Fn(usize) + Sync)));
        let mut names = vec![base_name];
        names.extend(fast.iter().map(|p| p.name()));
        for threads in [1, 2] {
            report(what, &names, threads, flops, &cands);
        }
    };
    for (rows, d) in [(512usize, 384usize), (2048, 384), (512, 1536), (910, 1536)]
        .into_iter()
        .filter(|_| std::env::var_os("ONLY_KNN").is_none() && std::env::var_os("ONLY_QUERY").is_none())
    {
        let inputs: Vec<Vec<f32>> = (0..2).map(|s| data(rows * d, s)).collect();
        let what = format!("syrk {rows}×{d}");
        let faer = |th: usize| {
            let am = MatRef::from_column_major_slice(&inputs[th], d, rows);
            let mut c = Mat::<f32>::zeros(d, d);
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
            black_box(c);
        };
        let ours = |path: Path, th: usize| {
            let mut o = vec![0.0f32; d * d];
            syrk_lower_f32_with(path, &mut o, &inputs[th], rows, d, Par::Seq).unwrap();
            black_box(o);
        };
        case(&what, "faer triangular", (rows * d * d) as f64, &faer, &ours);
        let simd = [Path::Avx512, Path::Avx2].into_iter().find(|p| p.supported());
        if let Some(simd) = simd {
            let panels: Vec<RowPanels> = inputs
                .iter()
                .map(|y| {
                    let mut p = RowPanels::new();
                    p.reset(simd, rows, d).unwrap();
                    for i in 0..rows {
                        p.write_row(i, |j0, seg| {
                            seg.copy_from_slice(&y[i * d + j0..i * d + j0 + seg.len()]);
                        });
                    }
                    p
                })
                .collect();
            let blocked = |th: usize| ours(simd, th);
            let panel = |th: usize| {
                let mut o = vec![0.0f32; d * d];
                panels[th].syrk_lower(&mut o).unwrap();
                black_box(o);
            };
            for threads in [1, 2] {
                report(
                    &what,
                    &[simd.name(), "row panels"],
                    threads,
                    (rows * d * d) as f64,
                    &[&blocked, &panel],
                );
            }
        }
        if embgeo_kernels::lowp::split_syrk_supported() {
            // the split-bf16 AMX SYRK (f32 output) against the best FMA path, interleaved
            let best = *fast.last().unwrap_or(&Path::Scalar);
            let fma = |th: usize| ours(best, th);
            let split = |th: usize| {
                let mut o = vec![0.0f32; d * d];
                embgeo_kernels::lowp::syrk_lower_split(&mut o, &inputs[th], rows, d);
                black_box(o);
            };
            for threads in [1, 2] {
                report(
                    &what,
                    &[best.name(), "split-bf16 amx"],
                    threads,
                    (rows * d * d) as f64,
                    &[&fma, &split],
                );
            }
        }
        // Projection block: (2048 × d)·(k × d)ᵀ, k = d and k = 32.
        for k in [d, 32] {
            let xs: Vec<Vec<f32>> = (0..2).map(|s| data(2048 * d, s)).collect();
            let w = data(k * d, 7);
            let what = format!("gemm 2048×{d}·{d}×{k}");
            let faer = |th: usize| {
                let mut o = vec![0.0f32; 2048 * k];
                let xm = MatRef::from_row_major_slice(&xs[th], 2048, d);
                let wm = MatRef::from_row_major_slice(&w, k, d);
                let om = MatMut::from_row_major_slice_mut(&mut o, 2048, k);
                faer::linalg::matmul::matmul(om, Accum::Replace, xm, wm.transpose(), 1.0f32, faer::Par::Seq);
                black_box(o);
            };
            let ours = |path: Path, th: usize| {
                let mut o = vec![0.0f32; 2048 * k];
                let xv = View::row_major(&xs[th], 2048, d).unwrap();
                let wv = View::row_major(&w, k, d).unwrap().t();
                gemm_f32_with(path, &mut o, k, xv, wv, Par::Seq).unwrap();
                black_box(o);
            };
            case(&what, "faer", 2.0 * (2048 * d * k) as f64, &faer, &ours);
        }
    }
    // kNN key tiles: query_block 384 × corpus_block 1024 (queries vs a corpus) and 384 × 384
    // (the symmetric all-points pass).
    let m = 384usize;
    for (n, d) in [
        (384usize, 32usize),
        (384, 384),
        (384, 768),
        (1024, 32),
        (1024, 384),
        (1024, 768),
    ]
    .into_iter()
    .filter(|_| std::env::var_os("ONLY_QUERY").is_none())
    {
        let qs: Vec<Vec<f32>> = (0..2).map(|s| data(m * d, s)).collect();
        let cs: Vec<Vec<f32>> = (0..2).map(|s| data(n * d, s + 3)).collect();
        let what = format!("knn tile {m}×{n}×{d}");
        let faer = |th: usize| {
            let mut o = vec![0.0f32; m * n];
            let dst = MatMut::from_column_major_slice_mut(&mut o, m, n);
            let a = MatRef::from_row_major_slice(&qs[th], m, d);
            let b = MatRef::from_row_major_slice(&cs[th], n, d);
            faer::linalg::matmul::matmul(dst, Accum::Replace, a, b.transpose(), -2.0f32, faer::Par::Seq);
            black_box(o);
        };
        let ours = |path: Path, th: usize| {
            let mut o = vec![0.0f32; m * n];
            let (q, c) = (View::row_major(&qs[th], m, d), View::row_major(&cs[th], n, d));
            gemm_nt_f32_with(path, &mut o, q.unwrap(), c.unwrap(), -2.0).unwrap();
            black_box(o);
        };
        case(&what, "faer", 2.0 * (m * n * d) as f64, &faer, &ours);
    }
    // The query pass: 100 queries against a corpus streamed from memory (2^18 rows per thread)
    // in 1,024-row tiles, the knn crate's `corpus_block`: faer as knn calls it (the corpus as
    // faer's `m`, packed per tile), the blocked kernel, and the corpus read in place
    // (`corpus_keys_f32`, the queries packed once per pass; with and without the next tile
    // named, as knn names it).
    let (m, rows) = (
        std::env::var("QUERIES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100usize),
        1usize << 18,
    );
    for d in [128usize, 768] {
        let rows = rows * 128 / d;
        let qs: Vec<Vec<f32>> = (0..2).map(|s| data(m * d, s)).collect();
        let cs: Vec<Vec<f32>> = (0..2).map(|s| data(rows * d, s + 3)).collect();
        let what = format!("query pass {m}×{rows}×{d}");
        let tile: usize = std::env::var("TILE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1024);
        let faer = |th: usize| {
            let mut o = vec![0.0f32; m * tile];
            let q = MatRef::from_row_major_slice(&qs[th], m, d);
            for c in cs[th].chunks_exact(tile * d) {
                let dst = MatMut::from_column_major_slice_mut(&mut o, tile, m);
                let b = MatRef::from_row_major_slice(c, tile, d);
                faer::linalg::matmul::matmul(dst, Accum::Replace, b, q.transpose(), -2.0f32, faer::Par::Seq);
                black_box(&o);
            }
        };
        let ours = |path: Path, th: usize| {
            let mut o = vec![0.0f32; m * tile];
            let q = View::row_major(&qs[th], m, d).unwrap();
            for c in cs[th].chunks_exact(tile * d) {
                gemm_nt_f32_with(path, &mut o, q, View::row_major(c, tile, d).unwrap(), -2.0).unwrap();
                black_box(&o);
            }
        };
        let in_place = |path: Path, th: usize, ahead: bool| {
            let mut o = vec![0.0f32; m * tile];
            let panels = QueryPanels::new(View::row_major(&qs[th], m, d).unwrap()).unwrap();
            let blocks: Vec<&[f32]> = cs[th].chunks_exact(tile * d).collect();
            for (b, c) in blocks.iter().enumerate() {
                let cv = View::row_major(c, tile, d).unwrap();
                let next = blocks
                    .get(b + 1)
                    .filter(|_| ahead)
                    .map(|nx| View::row_major(nx, tile, d).unwrap());
                corpus_keys_f32_with(path, &mut o, &panels, (cv, next), -2.0).unwrap();
                black_box(&o);
            }
        };
        let i16_rows: Vec<I16Rows> = cs
            .iter()
            .map(|c| I16Rows::new(View::row_major(c, rows, d).unwrap()).unwrap())
            .collect();
        let int16 = |th: usize| {
            let mut o = vec![0.0f32; m * tile];
            let panels = I16Queries::new(View::row_major(&qs[th], m, d).unwrap()).unwrap();
            for j0 in (0..rows / tile * tile).step_by(tile) {
                corpus_keys_i16(&mut o, &panels, &i16_rows[th], j0..j0 + tile, -2.0).unwrap();
                black_box(&o);
            }
        };
        let per_path: Vec<_> = fast
            .iter()
            .flat_map(|&p| {
                let a: Box<dyn Fn(usize) + Sync> = Box::new(move |th| ours(p, th));
                let b: Box<dyn Fn(usize) + Sync> = Box::new(move |th| in_place(p, th, true));
                let c: Box<dyn Fn(usize) + Sync> = Box::new(move |th| in_place(p, th, false));
                [a, b, c]
            })
            .collect();
        let mut cands: Vec<&(dyn Fn(usize) + Sync)> = vec![&faer];
        cands.extend(per_path.iter().map(|f| &**f));
        cands.push(&int16);
        let names: Vec<String> = std::iter::once("faer".to_string())
            .chain(fast.iter().flat_map(|p| {
                [
                    p.name().to_string(),
                    format!("{} in place", p.name()),
                    format!("{} in place, no next", p.name()),
                ]
            }))
            .chain(std::iter::once("int16 in place".to_string()))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        for threads in [1, 2] {
            report(&what, &names, threads, 2.0 * (m * rows * d) as f64, &cands);
        }
    }
    println!("load average {}", load());
}
