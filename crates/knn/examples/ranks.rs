//! Same-run A/B timing of an information imbalance's passes: separate (both kNN graphs, then the
//! symmetric rank pass in each space) vs fused (A's graph, then B's graph and the ranks in B
//! from one pass, `all_points_ranked`, then the ranks in A), with the block rank pass once:
//! `cargo run --release -p embgeo-knn --example ranks -- [n] [da] [db] [k] [reps] [block]`
//! (default 20 000 rows, 384 vs 768 columns, k = 1, 3 repeats, 384-row blocks). Data as
//! `bench/peers/compare_peers.py` makes it: a latent `z` (n × 64, column t scaled by 1/√(t + 1)),
//! `A = z·R_A + 0.1·noise`, `B = tanh(z·R_B) + 0.1·noise` (`R` entries normal / 8), f32, from a
//! seeded xorshift. Prints the kNN graphs' times, the block pass's, then per repeat the separate
//! and the fused pipelines (alternating; the fused one by phase), the medians and the median
//! ratio, the GEMM-only time of the block pass's tiles, and the 1-minute load average before
//! and after. Every repeat checks that all routes give the same ranks. Runs on the global rayon
//! pool.

use std::time::Instant;

use embgeo_core::{Ctl, MatRef, Par};
use embgeo_kernels::View;
use embgeo_knn::{all_points, all_points_ranked, ranks_with, Metric, Params, RankParams};
use rayon::prelude::*;

mod common;
use common::{Cli, XorShift};

/// The 1-minute load average (0 where /proc/loadavg is unreadable).
fn load() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Seconds of `f`.
fn timed<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let t = Instant::now();
    let r = f();
    (t.elapsed().as_secs_f64(), r)
}

/// The two representations (n × da, n × db).
fn data(n: usize, da: usize, db: usize) -> (Vec<f32>, Vec<f32>) {
    let mut rng = XorShift(0x5eed_1234);
    let mut normal = move || {
        let mut uni = || ((rng.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
        let (a, b) = (uni(), uni());
        (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos()
    };
    let z: Vec<f64> = (0..n * 64)
        .map(|t| normal() / ((t % 64) as f64 + 1.0).sqrt())
        .collect();
    let mut side = |d: usize, tanh: bool| -> Vec<f32> {
        let r: Vec<f64> = (0..64 * d).map(|_| normal() / 8.0).collect();
        let mut out = Vec::with_capacity(n * d);
        for i in 0..n {
            for c in 0..d {
                let v: f64 = (0..64).map(|l| z[i * 64 + l] * r[l * d + c]).sum();
                let v = if tanh { v.tanh() } else { v };
                out.push((v + 0.1 * normal()) as f32);
            }
        }
        out
    };
    let a = side(da, false);
    let b = side(db, true);
    (a, b)
}

/// Seconds of the block pass's key tiles alone (n rows in 384-row blocks × 1024-column tiles,
/// in parallel over blocks), on the kernel layer's `gemm_nt_f32` (`faer = false`, what the
/// rank pass calls) or on faer's matmul (what the kNN engine calls).
fn gemm_only(x: &[f32], d: usize, faer: bool) -> f64 {
    let n = x.len() / d;
    let t = Instant::now();
    (0..n.div_ceil(384)).into_par_iter().for_each(|bi| {
        let (r0, r1) = (bi * 384, ((bi + 1) * 384).min(n));
        let mut tile = vec![0f32; 384 * 1024];
        let mut c0 = 0;
        while c0 < n {
            let nc = 1024.min(n - c0);
            let (a, b) = (&x[r0 * d..r1 * d], &x[c0 * d..(c0 + nc) * d]);
            if faer {
                let t = &mut tile[..(r1 - r0) * nc];
                let dst = faer::MatMut::from_column_major_slice_mut(t, r1 - r0, nc);
                let a = faer::MatRef::from_row_major_slice(a, r1 - r0, d);
                let b = faer::MatRef::from_row_major_slice(b, nc, d);
                let (replace, seq) = (faer::Accum::Replace, faer::Par::Seq);
                faer::linalg::matmul::matmul(dst, replace, a, b.transpose(), -2.0, seq);
            } else {
                let a = View::row_major(a, r1 - r0, d).expect("view");
                let b = View::row_major(b, nc, d).expect("view");
                embgeo_kernels::gemm_nt_f32(&mut tile, a, b, -2.0).expect("gemm");
            }
            c0 += nc;
        }
    });
    t.elapsed().as_secs_f64()
}

fn main() {
    let cli = Cli::from_env();
    let (n, da, db, k, reps) = (
        cli.num(1, 20_000),
        cli.num(2, 384),
        cli.num(3, 768),
        cli.num(4, 1),
        cli.num(5, 3),
    );
    let block_rows = cli.num(6, 384);
    let load0 = load();
    let (a, b) = data(n, da, db);
    let ctl = Ctl::detached().with_par(Par::Rayon);
    let metric = Metric::Euclidean;
    let (ma, mb) = (
        MatRef::from_flat(&a, da).expect("A"),
        MatRef::from_flat(&b, db).expect("B"),
    );
    let p = Params::new(k, metric);
    let (t_ka, knn_a) = timed(|| all_points(ma, &p, &ctl).expect("knn A"));
    let (t_kb, knn_b) = timed(|| all_points(mb, &p, &ctl).expect("knn B"));
    println!(
        "n = {n}, {da} vs {db}, k = {k}, threads {}, load {load0:.2}",
        rayon::current_num_threads()
    );
    println!("kNN graph A {t_ka:.3} s, B {t_kb:.3} s");
    let sym = RankParams {
        symmetric: true,
        block_rows,
    };
    let blocks = RankParams {
        symmetric: false,
        ..sym
    };
    // the block pass once (it is the fallback beyond the tallies' budget)
    let (t_blocks, rb) = timed(|| {
        let ab = ranks_with(mb, metric, &knn_a, &blocks, &ctl).expect("ranks");
        let ba = ranks_with(ma, metric, &knn_b, &blocks, &ctl).expect("ranks");
        (ab, ba)
    });
    println!("block rank pass, both directions: {t_blocks:.3} s");
    let (mut t_sep, mut t_fus, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for rep in 0..reps {
        // separate: both graphs, then the symmetric rank pass in each space
        let (ts, rs) = timed(|| {
            let ka = all_points(ma, &p, &ctl).expect("knn A");
            let kb = all_points(mb, &p, &ctl).expect("knn B");
            let ab = ranks_with(mb, metric, &ka, &sym, &ctl).expect("ranks");
            let ba = ranks_with(ma, metric, &kb, &sym, &ctl).expect("ranks");
            (ab, ba)
        });
        // fused: A's graph, B's graph with the ranks in B from one pass, the ranks in A
        let (tf, (rf, ph)) = timed(|| {
            let (t1, ka) = timed(|| all_points(ma, &p, &ctl).expect("knn A"));
            let (t2, (kb, ab)) = timed(|| all_points_ranked(mb, &p, &ka, &ctl).expect("fused B"));
            let (t3, ba) = timed(|| ranks_with(ma, metric, &kb, &sym, &ctl).expect("ranks"));
            ((ab, ba), (t1, t2, t3))
        });
        assert_eq!(
            rs.0.ranks, rf.0.ranks,
            "A→B ranks differ between separate and fused"
        );
        assert_eq!(
            rs.1.ranks, rf.1.ranks,
            "B→A ranks differ between separate and fused"
        );
        assert_eq!(rb.0.ranks, rf.0.ranks, "A→B ranks differ from the block pass");
        assert_eq!(rb.1.ranks, rf.1.ranks, "B→A ranks differ from the block pass");
        println!(
            "rep {rep}: separate {ts:.3} s, fused {tf:.3} s (kNN A {:.3} + B graph and ranks {:.3} + ranks in A {:.3})",
            ph.0, ph.1, ph.2
        );
        t_sep.push(ts);
        t_fus.push(tf);
        ratio.push(tf / ts);
    }
    println!(
        "medians of {reps}: separate {:.3} s, fused {:.3} s, ratio fused/separate {:.3}",
        median(&mut t_sep),
        median(&mut t_fus),
        median(&mut ratio)
    );
    let g = (gemm_only(&b, db, false), gemm_only(&a, da, false));
    let f = (gemm_only(&b, db, true), gemm_only(&a, da, true));
    println!(
        "GEMM-only tiles of the block pass: B {:.3} s + A {:.3} s = {:.3} s (faer: {:.3} + {:.3} = {:.3} s); load after {:.2}",
        g.0,
        g.1,
        g.0 + g.1,
        f.0,
        f.1,
        f.0 + f.1,
        load()
    );
}
