//! Prints `TwoNN` and `MLE` estimates on every benchmark manifold (n = 2500, seed 0).
//! Run: cargo run --release -p embgeo-intdim --example survey
use embgeo_intdim::{datasets, mle, twonn, Ctl, MatRef};

fn main() {
    let ctl = Ctl::detached();
    for (name, d, _) in datasets::MANIFOLDS {
        let m = datasets::manifold(name, 2500, 0.0, 0).unwrap();
        let x = MatRef::new(&m.data, m.rows, m.cols).unwrap();
        let nb = embgeo_intdim::knn_exact(x, 20, &ctl).unwrap();
        let t = twonn::estimate(&nb, &twonn::Params::default()).map(|e| e.dimension);
        let l = mle::estimate(&nb, &mle::Params::default(), &ctl).map(|e| e.dimension);
        println!("{name:20} true {d:3}  twonn {t:?}  mle {l:?}");
    }
}
