//! Parity with numpy / scipy definitions: fixtures `__test__/fixtures/metrics/*.json`, written by
//! `scripts/reference/metrics.py` (see each file's `_provenance`, `rtol` and `reason`).
//!
//! Arrays are compared norm-wise (`|ours − ref| ≤ rtol · max|ref|`), scalars as
//! `|ours − ref| ≤ rtol · max(|ref|, 1)` (cosines and skewness can be near 0), integers exactly.

use embgeo_core::{Ctl, Element, MatRef};
use embgeo_metrics::{anisotropy, duplicates, hubness, spectrum};
use embgeo_testkit::fixtures::{assert_close_normwise, load_all, nums};
use serde_json::Value;

fn fixtures() -> Vec<(String, Value)> {
    load_all("metrics", 6)
}

fn ints(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn scalar(name: &str, what: &str, ours: f64, theirs: &Value, rtol: f64) -> f64 {
    let t = theirs.as_f64().unwrap();
    let err = (ours - t).abs() / t.abs().max(1.0);
    assert!(
        err <= rtol,
        "{name}: {what} {ours} vs {t} (error {err:.3e} > {rtol:e})"
    );
    err
}

fn array(name: &str, what: &str, ours: &[f64], theirs: &Value, rtol: f64) -> f64 {
    assert_close_normwise(name, what, ours, &nums(theirs), rtol)
}

fn run<T: Element>(name: &str, fx: &Value, data: &[T]) -> f64 {
    let rtol = fx["rtol"].as_f64().unwrap();
    let (rows, cols) = (
        fx["input"]["rows"].as_u64().unwrap() as usize,
        fx["input"]["cols"].as_u64().unwrap() as usize,
    );
    let x = MatRef::new(data, rows, cols).unwrap();
    let ctl = Ctl::detached();
    let e = &fx["expected"];
    let mut worst = 0.0f64;

    let a = anisotropy::compute(x, &anisotropy::Params::default(), &ctl).unwrap();
    let ea = &e["anisotropy"];
    assert_eq!(
        a.zero_rows as u64,
        ea["zero_rows"].as_u64().unwrap(),
        "{name}: zero rows"
    );
    for (what, v) in [
        ("mean_norm", a.mean_norm),
        ("mean_row_norm", a.mean_row_norm),
        ("mean_norm_ratio", a.mean_norm_ratio),
        ("average_cosine", a.average_cosine),
        ("cosine_std", a.cosine_std),
    ] {
        worst = worst.max(scalar(name, what, v, &ea[what], rtol));
    }

    let s = spectrum::compute(x, &spectrum::Params::default(), &ctl).unwrap();
    let es = &e["spectrum"];
    assert_eq!(s.rank as u64, es["rank"].as_u64().unwrap(), "{name}: rank");
    worst = worst.max(array(
        name,
        "eigenvalues",
        &s.eigenvalues,
        &es["eigenvalues"],
        rtol,
    ));
    worst = worst.max(array(
        name,
        "ratio",
        &s.explained_variance_ratio,
        &es["explained_variance_ratio"],
        rtol,
    ));
    let tv = es["total_variance"].as_f64().unwrap();
    assert!(
        (s.total_variance - tv).abs() <= rtol * tv,
        "{name}: total variance"
    );
    for (what, v) in [
        ("effective_rank", s.effective_rank),
        ("effective_rank_singular_values", s.effective_rank),
        ("participation_ratio", s.participation_ratio),
    ] {
        worst = worst.max(scalar(name, what, v, &es[what], rtol));
    }
    // Bit-identical: the pure function sees exactly the reported (thresholded) eigenvalues.
    assert_eq!(
        spectrum::effective_rank(&s.eigenvalues).unwrap().to_bits(),
        s.effective_rank.to_bits()
    );

    let d = duplicates::compute(x, &duplicates::Params::default(), &ctl).unwrap();
    let ed = &e["duplicates"];
    assert_eq!(
        (d.count as u64, d.groups as u64, d.unique as u64),
        (
            ed["count"].as_u64().unwrap(),
            ed["groups"].as_u64().unwrap(),
            ed["unique"].as_u64().unwrap()
        ),
        "{name}: duplicate counts"
    );
    let first: Vec<u64> = d.first_of.iter().map(|&v| u64::from(v)).collect();
    assert_eq!(first, ints(&ed["first_of"]), "{name}: first_of");

    for h in fx["hubness"].as_array().unwrap() {
        let k = h["k"].as_u64().unwrap() as usize;
        let idx: Vec<u32> = ints(&h["indices"]).into_iter().map(|v| v as u32).collect();
        let r = hubness::compute(&idx, rows, k, rows, &hubness::Params::default(), &ctl).unwrap();
        let eh = &h["expected"];
        let label = format!("{name} k={k}");
        let occ: Vec<u64> = r.occurrences.iter().map(|&v| u64::from(v)).collect();
        assert_eq!(occ, ints(&eh["occurrences"]), "{label}: occurrences");
        assert_eq!(
            (u64::from(r.max_occurrence), r.anti_hubs as u64, r.hubs as u64),
            (
                eh["max_occurrence"].as_u64().unwrap(),
                eh["anti_hubs"].as_u64().unwrap(),
                eh["hubs"].as_u64().unwrap()
            ),
            "{label}: counts"
        );
        for (what, v) in [
            ("skewness", r.skewness),
            ("robinhood", r.robinhood),
            ("hub_occurrence", r.hub_occurrence),
        ] {
            worst = worst.max(scalar(&label, what, v, &eh[what], rtol));
        }
    }
    worst
}

#[test]
fn measures_match_the_numpy_definitions() {
    let mut worst = 0.0f64;
    for (name, fx) in fixtures() {
        if name == "effective-rank-spectra" {
            let rtol = fx["rtol"].as_f64().unwrap();
            for s in fx["spectra"].as_array().unwrap() {
                let lam = nums(&s["eigenvalues"]);
                worst = worst.max(scalar(
                    &name,
                    "erank",
                    spectrum::effective_rank(&lam).unwrap(),
                    &s["effective_rank"],
                    rtol,
                ));
                worst = worst.max(scalar(
                    &name,
                    "pr",
                    spectrum::participation_ratio(&lam).unwrap(),
                    &s["participation_ratio"],
                    rtol,
                ));
            }
            continue;
        }
        let data = nums(&fx["input"]["data"]);
        worst = worst.max(match fx["input"]["dtype"].as_str().unwrap() {
            "f32" => run(&name, &fx, &data.iter().map(|v| *v as f32).collect::<Vec<f32>>()),
            _ => run(&name, &fx, &data),
        });
    }
    eprintln!("worst relative error over all fixtures: {worst:.3e}");
}
