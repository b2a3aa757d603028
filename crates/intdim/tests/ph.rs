//! Parity of the PH dimension with scikit-dimension 0.5.0 `PH` on the fixture written by
//! scripts/reference/ph.py (__test__/fixtures/intdim/ph.json; data from the intdim fixtures).

// Test files compare exact reference values and name libraries in prose.
#![allow(clippy::float_cmp, clippy::doc_markdown)]

mod common;

use common::{assert_all_close, assert_close, fixture_dir, load};
use embgeo_core::MatRef;
use embgeo_intdim::ph::{self, Params, RangeType};
use embgeo_intdim::Ctl;
use embgeo_knn::Metric;
use serde_json::Value;

fn ph_fixture() -> Value {
    let text = std::fs::read_to_string(fixture_dir().join("ph.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn ints(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn metric(case: &Value) -> Metric {
    match case["metric"].as_str().unwrap() {
        "cosine" => Metric::Cosine,
        _ => Metric::Euclidean,
    }
}

/// The reference's keyword arguments as Params (alpha: the first one when it is a list).
fn params_of(kw: &Value, m: Metric) -> Params {
    let mut p = Params {
        metric: m,
        ..Params::default()
    };
    if let Some(v) = kw.get("nsteps") {
        p.nsteps = v.as_u64().unwrap() as usize;
    }
    if let Some(v) = kw.get("subsamples") {
        p.subsamples = v.as_u64().unwrap() as usize;
    }
    if let Some(v) = kw.get("n_range_min") {
        p.n_range_min = v.as_f64().unwrap();
    }
    if let Some(v) = kw.get("n_range_max") {
        p.n_range_max = v.as_f64().unwrap();
    }
    if kw.get("range_type").and_then(Value::as_str) == Some("num") {
        p.range_type = RangeType::Num;
    }
    p
}

fn rtol(fx: &Value, key: &str) -> f64 {
    fx["rtol"][key]["rtol"].as_f64().unwrap()
}

#[test]
fn mst_total_persistence_matches_skdim_on_fixed_index_sets() {
    let fx = ph_fixture();
    let tol = rtol(&fx, "core");
    for case in fx["cases"].as_array().unwrap() {
        let name = case["fixture"].as_str().unwrap();
        let data = load(name);
        let x = MatRef::new(&data.data, data.rows, data.cols).unwrap();
        let m = metric(case);
        for set in case["core"].as_array().unwrap() {
            let idx = ints(&set["indices"]);
            let lengths = ph::mst_lengths(x, &idx, m, &Ctl::detached()).unwrap();
            for (a, want) in nums(&set["alphas"]).iter().zip(nums(&set["total"])) {
                let got = ph::total_persistence(&lengths, *a);
                assert_close(
                    &format!("{name} {m:?} |idx| {} alpha {a}", idx.len()),
                    got,
                    want,
                    tol,
                );
            }
        }
    }
}

#[test]
fn estimate_from_the_references_subsamples_equals_its_fit() {
    let fx = ph_fixture();
    let tol = rtol(&fx, "pipeline");
    for case in fx["cases"].as_array().unwrap() {
        let name = case["fixture"].as_str().unwrap();
        let data = load(name);
        let x = MatRef::new(&data.data, data.rows, data.cols).unwrap();
        let f32_data: Vec<f32> = data.data.iter().map(|&v| v as f32).collect();
        let x32 = MatRef::new(&f32_data, data.rows, data.cols).unwrap();
        let m = metric(case);
        for run in case["pipeline"].as_array().unwrap() {
            let kw = &run["params"];
            let p = params_of(kw, m);
            // the size schedule: ceil(linspace(nmin, nmax, nsteps)), each `subsamples` times
            let (lo, hi, steps) = ph::sizes(data.rows, &p).unwrap();
            assert_eq!(
                (lo as u64, hi as u64),
                (run["nmin"].as_u64().unwrap(), run["nmax"].as_u64().unwrap())
            );
            let planned: Vec<usize> = steps
                .iter()
                .flat_map(|&s| std::iter::repeat_n(s, p.subsamples))
                .collect();
            assert_eq!(planned, ints(&run["sizes"]), "{name} sizes");
            let subsets: Vec<Vec<usize>> = run["indices"].as_array().unwrap().iter().map(ints).collect();
            let alphas = match &kw["alpha"] {
                Value::Array(_) => nums(&kw["alpha"]),
                v => vec![v.as_f64().unwrap()],
            };
            for (k, &alpha) in alphas.iter().enumerate() {
                let label = format!("{name} {m:?} {kw} alpha {alpha}");
                let q = Params { alpha, ..p.clone() };
                let e = ph::estimate_with_subsets(x, &subsets, &q, &Ctl::detached()).unwrap();
                assert_close(&label, e.dimension, nums(&run["dimension"])[k], tol);
                let fit = e.diagnostic("fit").unwrap();
                assert_close(&format!("{label} slope"), fit[0], nums(&run["slope"])[k], tol);
                assert_close(
                    &format!("{label} intercept"),
                    fit[1],
                    nums(&run["intercept"])[k],
                    tol,
                );
                assert_all_close(
                    &format!("{label} x"),
                    e.diagnostic("log_sizes").unwrap(),
                    &nums(&run["x"]),
                    tol,
                );
                assert_all_close(
                    &format!("{label} y"),
                    e.diagnostic("log_total_persistence").unwrap(),
                    &nums(&run["y"][k]),
                    tol,
                );
                if name == "fx2_f32" {
                    // f32 input of the same values (accumulated in f64): 1e-5 as for every f32 input
                    let e32 = ph::estimate_with_subsets(x32, &subsets, &q, &Ctl::detached()).unwrap();
                    assert_close(
                        &format!("{label} f32"),
                        e32.dimension,
                        nums(&run["dimension"])[k],
                        1e-5,
                    );
                }
            }
        }
    }
}

#[test]
fn seeded_estimate_is_within_the_references_sampling_spread() {
    let fx = ph_fixture();
    let sds = fx["rtol"]["spread"]["sds"].as_f64().unwrap();
    for case in fx["cases"].as_array().unwrap() {
        let Some(spread) = case.get("spread") else {
            continue;
        };
        let name = case["fixture"].as_str().unwrap();
        let data = load(name);
        let x = MatRef::new(&data.data, data.rows, data.cols).unwrap();
        let (mean, sd) = (spread["mean"].as_f64().unwrap(), spread["sd"].as_f64().unwrap());
        for seed in 0..3 {
            let p = Params {
                seed,
                ..params_of(&spread["params"], Metric::Euclidean)
            };
            let d = ph::estimate(x, &p, &Ctl::detached()).unwrap().dimension;
            assert!(
                (d - mean).abs() <= sds * sd,
                "{name} seed {seed}: {d} vs reference mean {mean} ± {sd} (true ID {})",
                data.true_id
            );
        }
    }
}
