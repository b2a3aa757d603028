//! Parity with the references: fixtures `__test__/fixtures/neighborhood/*.json`, written by
//! `scripts/reference/neighborhood.py` (`DADApy` 0.3.4 for the information imbalance; numpy
//! transcriptions of platonic-rep and stealth-edits for the others; see each file's
//! `_provenance`, `rtol` and `reason`). Scalars: `|ours − ref| ≤ rtol · max(|ref|, 1)`;
//! per-row arrays element-wise the same; integers exactly.

use embgeo_core::{Ctl, MatRef};
use embgeo_testkit::fixtures::{load_all, nums};
use serde_json::Value;

fn fixtures(prefix: &str, at_least: usize) -> Vec<(String, Value)> {
    let all: Vec<_> = load_all("neighborhood", 1)
        .into_iter()
        .filter(|(name, _)| name.starts_with(prefix))
        .collect();
    assert!(all.len() >= at_least, "{prefix}: {} fixtures", all.len());
    all
}

fn close(name: &str, what: &str, ours: f64, theirs: f64, rtol: f64) {
    let err = (ours - theirs).abs() / theirs.abs().max(1.0);
    assert!(
        err <= rtol,
        "{name}: {what} {ours} vs {theirs} (error {err:.3e} > {rtol:e})"
    );
}

/// A fixture matrix as f32 or f64 values (f32 values are exact in the JSON's f64).
enum Data {
    F32(Vec<f32>, usize),
    F64(Vec<f64>, usize),
}

fn data(m: &Value) -> Data {
    let v = nums(&m["data"]);
    let cols = m["cols"].as_u64().unwrap() as usize;
    if m["dtype"] == "f32" {
        Data::F32(v.iter().map(|&x| x as f32).collect(), cols)
    } else {
        Data::F64(v, cols)
    }
}

/// Call `$f(a, b)` with both matrices of a fixture in their own element types.
macro_rules! with_pair {
    ($a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {
        match (data($a), data($b)) {
            (Data::F32(a, ca), Data::F32(b, cb)) => {
                let ($x, $y) = (
                    MatRef::from_flat(&a, ca).unwrap(),
                    MatRef::from_flat(&b, cb).unwrap(),
                );
                $body
            }
            (Data::F64(a, ca), Data::F64(b, cb)) => {
                let ($x, $y) = (
                    MatRef::from_flat(&a, ca).unwrap(),
                    MatRef::from_flat(&b, cb).unwrap(),
                );
                $body
            }
            _ => panic!("mixed fixture types are not generated"),
        }
    };
}

fn options<P: serde::de::DeserializeOwned>(fx: &Value) -> P {
    serde_json::from_value(fx["input"]["options"].clone()).unwrap()
}

#[test]
fn information_imbalance_matches_dadapy() {
    let ctl = Ctl::detached();
    for (name, fx) in fixtures("imbalance-", 3) {
        let rtol = fx["rtol"].as_f64().unwrap();
        let p: embgeo_neighborhood::imbalance::Params = options(&fx);
        let r = with_pair!(&fx["input"]["a"], &fx["input"]["b"], |a, b| {
            embgeo_neighborhood::imbalance::compute(embgeo_core::Pair::new(a, b), &p, &ctl).unwrap()
        });
        close(
            &name,
            "aToB",
            r.a_to_b,
            fx["expected"]["aToB"].as_f64().unwrap(),
            rtol,
        );
        close(
            &name,
            "bToA",
            r.b_to_a,
            fx["expected"]["bToA"].as_f64().unwrap(),
            rtol,
        );
    }
}

#[test]
fn mutual_knn_and_cknna_match_the_platonic_definitions() {
    let ctl = Ctl::detached();
    for (name, fx) in fixtures("mutual-", 3) {
        let rtol = fx["rtol"].as_f64().unwrap();
        let p: embgeo_neighborhood::mutual::Params = options(&fx);
        let r = with_pair!(&fx["input"]["a"], &fx["input"]["b"], |a, b| {
            embgeo_neighborhood::mutual::compute(embgeo_core::Pair::new(a, b), &p, &ctl).unwrap()
        });
        let e = &fx["expected"];
        let want: Vec<u32> = nums(&e["intersections"]).iter().map(|&v| v as u32).collect();
        assert_eq!(r.intersections, want, "{name}");
        close(&name, "value", r.value, e["value"].as_f64().unwrap(), rtol);
        close(&name, "cknna", r.cknna, e["cknna"].as_f64().unwrap(), rtol);
        for (i, (o, t)) in r.jaccard.iter().zip(nums(&e["jaccard"])).enumerate() {
            close(&name, &format!("jaccard[{i}]"), *o, t, rtol);
        }
    }
}

#[test]
fn separability_matches_the_stealth_edits_definition() {
    let ctl = Ctl::detached();
    for (name, fx) in fixtures("separability-", 3) {
        let rtol = fx["rtol"].as_f64().unwrap();
        let p: embgeo_neighborhood::separability::Params = options(&fx);
        let r = match data(&fx["input"]["x"]) {
            Data::F32(x, c) => {
                embgeo_neighborhood::separability::compute(MatRef::from_flat(&x, c).unwrap(), &p, &ctl)
            }
            Data::F64(x, c) => {
                embgeo_neighborhood::separability::compute(MatRef::from_flat(&x, c).unwrap(), &p, &ctl)
            }
        }
        .unwrap();
        let e = &fx["expected"];
        assert_eq!(r.pairs, e["pairs"].as_u64().unwrap(), "{name}");
        for (t, (o, w)) in r.probability.iter().zip(nums(&e["probability"])).enumerate() {
            close(&name, &format!("probability[{t}]"), *o, w, rtol);
        }
        for (t, (o, w)) in r.dimension.iter().zip(nums(&e["dimension"])).enumerate() {
            close(&name, &format!("dimension[{t}]"), *o, w, rtol);
        }
    }
}
