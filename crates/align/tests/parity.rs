//! Parity with the committed fixtures `__test__/fixtures/align/*.json`
//! (scripts/reference/align.py: numpy implementations of netrep's `LinearMetric` and of
//! CCA / SVCCA / PWCCA), norm-wise at each fixture's rtol.

use embgeo_align::{cca, procrustes};
use embgeo_core::{Ctl, MatRef, Pair};
use embgeo_testkit::fixtures::{assert_close_normwise, load_all, nums};
use serde_json::Value;

/// The values of one input matrix (f32 inputs are rounded to f32 first: they are exact there).
enum Input {
    F32(Vec<f32>, usize),
    F64(Vec<f64>, usize),
}

fn input(v: &Value) -> Input {
    let data = nums(&v["data"]);
    let cols = v["cols"].as_u64().unwrap() as usize;
    if v["dtype"] == "f32" {
        Input::F32(data.iter().map(|&x| x as f32).collect(), cols)
    } else {
        Input::F64(data, cols)
    }
}

/// Run `f` on the pair in its element types.
macro_rules! on_pair {
    ($a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {
        match (&$a, &$b) {
            (Input::F32(a, ca), Input::F32(b, cb)) => {
                let ($x, $y) = (
                    MatRef::from_flat(a, *ca).unwrap(),
                    MatRef::from_flat(b, *cb).unwrap(),
                );
                $body
            }
            (Input::F64(a, ca), Input::F64(b, cb)) => {
                let ($x, $y) = (
                    MatRef::from_flat(a, *ca).unwrap(),
                    MatRef::from_flat(b, *cb).unwrap(),
                );
                $body
            }
            _ => panic!("fixtures pair inputs of one dtype"),
        }
    };
}

fn close(name: &str, what: &str, ours: f64, theirs: &Value, rtol: f64) {
    assert_close_normwise(name, what, &[ours], &[theirs.as_f64().unwrap()], rtol);
}

#[test]
fn procrustes_matches_the_reference() {
    for (name, fx) in load_all("align", 4) {
        let rtol = fx["rtol"].as_f64().unwrap();
        let (a, b) = (input(&fx["input"]["A"]), input(&fx["input"]["B"]));
        // With the rotation (full SVD) and without it (singular values only): the same values.
        for (e, rotation) in fx["expected"]["procrustes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|e| [(e, true), (e, false)])
        {
            let p = procrustes::Params {
                alpha: e["alpha"].as_f64().unwrap(),
                rotation,
            };
            let r = on_pair!(a, b, |x, y| procrustes::compute(
                Pair::new(x, y),
                &p,
                &Ctl::detached()
            )
            .unwrap());
            let what = format!("alpha {} rotation {rotation}", p.alpha);
            close(
                &name,
                &format!("{what} distance"),
                r.distance,
                &e["distance"],
                rtol,
            );
            close(&name, &format!("{what} angular"), r.angular, &e["angular"], rtol);
            close(&name, &format!("{what} normA"), r.norm_a, &e["normA"], rtol);
            close(&name, &format!("{what} normB"), r.norm_b, &e["normB"], rtol);
            if !rotation {
                assert!(r.rotation.is_empty(), "{name} {what}: no rotation asked for");
            } else if !e["rotation"].is_null() {
                assert_close_normwise(
                    &name,
                    &format!("{what} rotation"),
                    &r.rotation,
                    &nums(&e["rotation"]),
                    rtol,
                );
            }
        }
    }
}

#[test]
fn cca_matches_the_reference() {
    for (name, fx) in load_all("align", 4) {
        let rtol = fx["rtol"].as_f64().unwrap();
        let (a, b) = (input(&fx["input"]["A"]), input(&fx["input"]["B"]));
        for e in fx["expected"]["cca"].as_array().unwrap() {
            let variant = serde_json::from_value(e["variant"].clone()).unwrap();
            let p = cca::Params {
                variant,
                variance_kept: e["varianceKept"].as_f64().unwrap(),
            };
            let r = on_pair!(a, b, |x, y| cca::compute(Pair::new(x, y), &p, &Ctl::detached())
                .unwrap());
            let what = format!("{} {}", e["variant"], p.variance_kept);
            let kept: Vec<usize> = nums(&e["kept"]).iter().map(|&k| k as usize).collect();
            let rank: Vec<usize> = nums(&e["rank"]).iter().map(|&k| k as usize).collect();
            assert_eq!(r.kept.to_vec(), kept, "{name}: {what} kept");
            assert_eq!(r.rank.to_vec(), rank, "{name}: {what} rank");
            close(&name, &format!("{what} value"), r.value, &e["value"], rtol);
            assert_close_normwise(
                &name,
                &format!("{what} correlations"),
                &r.correlations,
                &nums(&e["correlations"]),
                rtol,
            );
            assert_close_normwise(
                &name,
                &format!("{what} weights"),
                &r.weights,
                &nums(&e["weights"]),
                rtol,
            );
        }
    }
}
