//! Times the estimators (not the kNN) on N = 20 000 neighbour lists of a 384-d Gaussian
//! sample, plus the kNN itself when built with `--features knn`.
//! Run: cargo run --release -p embgeo-intdim --features knn --example timing
use std::time::Instant;

use embgeo_intdim::{datasets, gride, mle, mom, twonn, Ctl, MatRef};

fn main() {
    let ctl = Ctl::detached();
    let n = 20_000;
    let d = 384;
    let data: Vec<f32> = datasets::uniform_ball(n, d, 1)
        .iter()
        .map(|&v| v as f32)
        .collect();
    let x = MatRef::new(&data, n, d).unwrap();
    let t = Instant::now();
    let nb = embgeo_intdim::from_data::neighbors(x, 100, &ctl).unwrap();
    println!("kNN k=100: {:.2} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let e = twonn::estimate(&nb, &twonn::Params::default()).unwrap();
    println!(
        "twonn {:.4} in {:.2} ms",
        e.dimension,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let e = mle::estimate(&nb, &mle::Params::default(), &ctl).unwrap();
    println!(
        "mle {:.4} in {:.2} ms",
        e.dimension,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let e = mom::estimate(&nb, &mom::Params::default(), &ctl).unwrap();
    println!(
        "mom {:.4} in {:.2} ms",
        e.dimension,
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let e = gride::scaling(&nb, &gride::ScalingParams::default()).unwrap();
    println!(
        "gride {:?} in {:.2} ms",
        e.dimensions,
        t.elapsed().as_secs_f64() * 1e3
    );
}
