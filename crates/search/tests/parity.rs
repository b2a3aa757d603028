//! Parity with the numpy / scipy definitions in `__test__/fixtures/search` (written by
//! `scripts/reference/search.py`, secondary distances cross-checked against scikit-hubness
//! 0.21.2): neighbour indices exactly, values within each fixture's rtol · max(|ref|, 1).

use std::path::PathBuf;

use embgeo_core::{Ctl, MatRef};
use embgeo_knn::Metric;
use embgeo_search::{difficulty, reduction};
use serde_json::Value;

fn fixtures(prefix: &str) -> Vec<Value> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../__test__/fixtures/search");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(prefix) && std::path::Path::new(n).extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no {prefix} fixtures in {}", dir.display());
    names
        .iter()
        .map(|n| serde_json::from_str(&std::fs::read_to_string(dir.join(n)).unwrap()).unwrap())
        .collect()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(what: &str, ours: &[f64], want: &[f64], rtol: f64) {
    assert_eq!(ours.len(), want.len(), "{what}");
    for (i, (a, b)) in ours.iter().zip(want).enumerate() {
        assert!(
            (a - b).abs() <= rtol * b.abs().max(1.0),
            "{what}[{i}]: {a} vs {b}"
        );
    }
}

/// A fixture matrix (`dtype` f32 or f64) handed to `f` in its element type.
enum Data {
    F32(Vec<f32>, usize),
    F64(Vec<f64>, usize),
}

fn data(m: &Value) -> Data {
    let cols = m["cols"].as_u64().unwrap() as usize;
    let v = floats(&m["data"]);
    if m["dtype"] == "f32" {
        Data::F32(v.iter().map(|&x| x as f32).collect(), cols)
    } else {
        Data::F64(v, cols)
    }
}

fn metric(v: &Value) -> Metric {
    Metric::parse(v.as_str().unwrap()).unwrap()
}

#[test]
fn reduce_hubness_matches_the_reference() {
    for fx in fixtures("reduce-") {
        let o = &fx["options"];
        let p = reduction::Params {
            k: o["k"].as_u64().unwrap() as usize,
            method: serde_json::from_value(o["method"].clone()).unwrap(),
            metric: metric(&o["metric"]),
            neighbors: Some(o["neighbors"].as_u64().unwrap() as usize),
            ..reduction::Params::default()
        };
        let (c, q) = (
            data(&fx["input"]["corpus"]),
            fx["input"]["queries"]
                .as_object()
                .map(|_| data(&fx["input"]["queries"])),
        );
        let r = match (&c, &q) {
            (Data::F64(c, d), None) => {
                reduction::compute(MatRef::from_flat(c, *d).unwrap(), None, &p, &Ctl::detached())
            }
            (Data::F64(c, d), Some(Data::F64(q, _))) => reduction::compute(
                MatRef::from_flat(c, *d).unwrap(),
                Some(MatRef::from_flat(q, *d).unwrap()),
                &p,
                &Ctl::detached(),
            ),
            (Data::F32(c, d), Some(Data::F32(q, _))) => reduction::compute(
                MatRef::from_flat(c, *d).unwrap(),
                Some(MatRef::from_flat(q, *d).unwrap()),
                &p,
                &Ctl::detached(),
            ),
            _ => unreachable!("fixture layout"),
        }
        .unwrap();
        let name = fx["name"].as_str().unwrap();
        let e = &fx["expected"];
        let want: Vec<u32> = e["indices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        assert_eq!(r.neighbors.indices, want, "{name}");
        close(
            name,
            &r.neighbors.distances,
            &floats(&e["distances"]),
            fx["rtol"].as_f64().unwrap(),
        );
        for (h, side) in [(&r.before, "before"), (&r.after, "after")] {
            close(
                &format!("{name} {side}.skewness"),
                &[h.skewness],
                &[e[side]["skewness"].as_f64().unwrap()],
                1e-10,
            );
            close(
                &format!("{name} {side}.robinhood"),
                &[h.robinhood],
                &[e[side]["robinhood"].as_f64().unwrap()],
                1e-10,
            );
        }
    }
}

#[test]
fn query_difficulty_matches_the_reference() {
    for fx in fixtures("difficulty-") {
        let o = &fx["options"];
        let p = difficulty::Params {
            k: o["k"].as_u64().unwrap() as usize,
            metric: metric(&o["metric"]),
            ..difficulty::Params::default()
        };
        let r = match (data(&fx["input"]["corpus"]), data(&fx["input"]["queries"])) {
            (Data::F64(c, d), Data::F64(q, _)) => difficulty::compute(
                MatRef::from_flat(&c, d).unwrap(),
                MatRef::from_flat(&q, d).unwrap(),
                &p,
                &Ctl::detached(),
            ),
            (Data::F32(c, d), Data::F32(q, _)) => difficulty::compute(
                MatRef::from_flat(&c, d).unwrap(),
                MatRef::from_flat(&q, d).unwrap(),
                &p,
                &Ctl::detached(),
            ),
            _ => unreachable!("fixture layout"),
        }
        .unwrap();
        let (name, rtol, e) = (
            fx["name"].as_str().unwrap(),
            fx["rtol"].as_f64().unwrap(),
            &fx["expected"],
        );
        close(&format!("{name} lid"), &r.lid, &floats(&e["lid"]), rtol);
        close(
            &format!("{name} relativeContrast"),
            &r.relative_contrast,
            &floats(&e["relativeContrast"]),
            rtol,
        );
        close(
            &format!("{name} expansion"),
            &r.expansion,
            &floats(&e["expansion"]),
            rtol,
        );
    }
}
