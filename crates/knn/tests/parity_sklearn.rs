//! Parity with scikit-learn `NearestNeighbors(algorithm="brute")`: fixture
//! `__test__/fixtures/knn/sklearn_brute.json`, written by `scripts/reference/knn.py` (see its
//! `_provenance`). Indices must match exactly (continuous data, no ties); distances within the
//! per-case `rtol`/`atol` (scikit-learn uses the norms identity in float64; we recompute).

use embgeo_core::{Ctl, MatRef};
use embgeo_knn::{all_points, search, Metric, Params};
use serde_json::Value;

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn matches_sklearn_brute_force() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../__test__/fixtures/knn/sklearn_brute.json"
    );
    let fx: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cases = fx["cases"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let metric = Metric::parse(c["metric"].as_str().unwrap()).unwrap();
        let k = c["k"].as_u64().unwrap() as usize;
        let d = c["cols"].as_u64().unwrap() as usize;
        let (rtol, atol) = (c["rtol"].as_f64().unwrap(), c["atol"].as_f64().unwrap());
        let x = floats(&c["corpus"]);
        let p = Params::new(k, metric);
        let got = if c["queries"].is_null() {
            all_points(MatRef::from_flat(&x, d).unwrap(), &p, &Ctl::detached()).unwrap()
        } else {
            let q = floats(&c["queries"]);
            search(
                MatRef::from_flat(&x, d).unwrap(),
                MatRef::from_flat(&q, d).unwrap(),
                &p,
                &Ctl::detached(),
            )
            .unwrap()
        };
        let want_i: Vec<u32> = c["expected"]["indices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        let want_d = floats(&c["expected"]["distances"]);
        assert_eq!(got.indices, want_i, "{name}: indices");
        for (g, w) in got.distances.iter().zip(&want_d) {
            assert!(
                (g - w).abs() <= atol + rtol * w.abs(),
                "{name}: distance {g} vs sklearn {w}"
            );
        }
    }
}
