//! Raw-data entry points (through the registry): neighbours from embgeo-knn must reproduce the
//! reference values of the fixtures, f64 and f32 input alike.

mod common;

use common::{assert_close, load, ALL};
use embgeo_intdim::{corrint, from_data, mada, mle, mom, tle, twonn, Aggregate, Ctl, Duplicates, MatRef};

#[test]
fn knn_engine_neighbours_reproduce_the_fixtures() {
    let ctl = Ctl::detached();
    for name in ALL {
        let fx = load(name);
        let x = MatRef::new(&fx.data, fx.rows, fx.cols).unwrap();
        let (a, b) = (from_data::neighbors(x, 20, &ctl).unwrap(), fx.knn(20));
        let same_idx = a.indices.iter().zip(&b.indices).filter(|(p, q)| p == q).count();
        let max_rel = a
            .distances
            .iter()
            .zip(&b.distances)
            .map(|(p, q)| (p - q).abs() / q.max(1e-300))
            .fold(0.0f64, f64::max);
        assert!(
            max_rel <= 4.0 * f64::EPSILON,
            "{name}: engine vs brute-force distances differ by {max_rel:e} (same indices {same_idx}/{})",
            a.indices.len()
        );
        let t = from_data::twonn(x, &twonn::Params::default(), &ctl).unwrap();
        assert_close(
            name,
            t.dimension,
            fx.scalar("twonn_linear_0.1").unwrap(),
            fx.tol("twonn"),
        );
        let p = mle::Params {
            aggregate: Aggregate::Mean,
            duplicates: Duplicates::Keep,
            ..Default::default()
        };
        let m = from_data::mle(x, &p, &ctl).unwrap();
        assert_close(
            name,
            m.dimension,
            fx.scalar("mle_k20_mean").unwrap(),
            fx.tol("mle"),
        );
        let m = from_data::mom(x, &mom::Params::default(), &ctl).unwrap();
        assert_close(name, m.dimension, fx.scalar("mom_k100").unwrap(), fx.tol("mom"));
        let m = from_data::mada(x, &mada::Params::default(), &ctl).unwrap();
        assert_close(name, m.dimension, fx.scalar("mada_k20").unwrap(), fx.tol("mada"));
        let m = from_data::tle(x, &tle::Params::default(), &ctl).unwrap();
        assert_close(name, m.dimension, fx.scalar("tle_k20").unwrap(), fx.tol("tle"));
        let m = from_data::corrint(x, &corrint::Params::default(), &ctl).unwrap();
        assert_close(
            name,
            m.dimension,
            fx.scalar("corrint").unwrap(),
            fx.tol("corrint"),
        );
    }
    let fx = load("fx2_f32");
    let x32: Vec<f32> = fx.data.iter().map(|&v| v as f32).collect();
    let x = MatRef::new(&x32, fx.rows, fx.cols).unwrap();
    let t = from_data::twonn(x, &twonn::Params::default(), &ctl).unwrap();
    assert_close(
        "f32",
        t.dimension,
        fx.scalar("twonn_linear_0.1").unwrap(),
        fx.tol("twonn"),
    );
}

#[test]
fn twonn_scaling_on_the_engine_equals_the_scalar_decimation() {
    let ctl = Ctl::detached();
    for name in ALL {
        let fx = load(name);
        let x = MatRef::new(&fx.data, fx.rows, fx.cols).unwrap();
        let p = embgeo_intdim::scaling::DecimationParams::default();
        let fast = from_data::twonn_scaling(x, &p, &ctl).unwrap();
        let slow = embgeo_intdim::scaling::twonn_decimation(x, &p, &ctl).unwrap();
        assert_eq!(fast.sizes, slow.sizes, "{name}");
        for (what, a, b) in [
            ("dimensions", &fast.dimensions, &slow.dimensions),
            ("scales", &fast.scales, &slow.scales),
            ("stderr", &fast.stderr, &slow.stderr),
        ] {
            for (u, v) in a.iter().zip(b.iter()) {
                assert!(
                    (u - v).abs() <= 1e-9 * v.abs().max(1.0),
                    "{name} {what}: {u} vs {v}"
                );
            }
        }
    }
}
