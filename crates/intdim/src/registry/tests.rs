use super::*;
use crate::datasets;

fn roll(n: usize) -> datasets::Manifold {
    datasets::manifold("M7_Roll", n, 0.0, 3).unwrap()
}

#[test]
fn every_params_field_has_one_option_descriptor() {
    defaults_match_options();
}

#[test]
fn schema_lists_every_estimator_with_defaults() {
    let s = schema();
    let names: Vec<&str> = s
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, NAMES);
    let mle = &s[1];
    assert_eq!(mle["options"][0]["name"], "k");
    assert_eq!(mle["options"][0]["default"], 20);
}

#[test]
fn run_by_name_equals_the_typed_estimator() {
    let m = roll(200);
    let x = MatRef::new(&m.data, m.rows, m.cols).unwrap();
    let ctl = Ctl::detached();
    let by_name = run("mle", x, &json!({ "k": 10 }), None, &ctl)
        .unwrap()
        .estimate()
        .unwrap();
    let nb = Source::default().compute(x, 10, &ctl).unwrap();
    let p = crate::mle::Params {
        k: 10,
        ..Default::default()
    };
    let direct = crate::mle::estimate(&nb, &p, &ctl).unwrap();
    assert_eq!(by_name.dimension, direct.dimension);
    assert_eq!(by_name.method, "mle");
}

#[test]
fn k_rule_given_is_an_error_default_is_clamped_and_reported() {
    let m = roll(15);
    let x = MatRef::new(&m.data, m.rows, m.cols).unwrap();
    let ctl = Ctl::detached();
    for name in ["mle", "mom", "tle", "mada", "ess"] {
        let err = run(name, x, &json!({ "k": 20 }), None, &ctl).unwrap_err();
        assert!(
            matches!(
                err,
                Error::KTooLarge {
                    k: 20,
                    available: 14,
                    ..
                }
            ),
            "{name}: {err:?}"
        );
        let e = run(name, x, &json!({}), None, &ctl).unwrap().estimate().unwrap();
        assert_eq!(e.params["k"], 14, "{name}");
        assert_eq!(e.params["kClamped"], true, "{name}");
    }
    let e = run("mle", x, &json!({ "k": 14 }), None, &ctl)
        .unwrap()
        .estimate()
        .unwrap();
    assert!(e.params.get("kClamped").is_none());
    let err = run("mindMl", x, &json!({ "k": 14 }), None, &ctl).unwrap_err();
    assert!(matches!(err, Error::KTooLarge { available: 13, .. }), "{err:?}");
}

#[test]
fn options_are_checked_with_coded_errors() {
    let m = roll(50);
    let x = MatRef::new(&m.data, m.rows, m.cols).unwrap();
    let ctl = Ctl::detached();
    let bad = |name: &str, o: Value| run(name, x, &o, None, &ctl).unwrap_err();
    assert!(matches!(bad("mle", json!({ "kk": 3 })), Error::OutOfRange { .. }));
    assert!(matches!(
        bad("mle", json!({ "k": 1 })),
        Error::OutOfRange { name: "k", .. }
    ));
    assert!(matches!(
        bad("mle", json!({ "aggregate": "mode" })),
        Error::InvalidValue { .. }
    ));
    assert!(matches!(
        bad("lpca", json!({ "version": "MP" })),
        Error::InvalidValue { .. }
    ));
    assert!(matches!(
        bad("pca", json!({})),
        Error::InvalidValue { name: "method", .. }
    ));
    assert!(matches!(
        bad("twoNN", json!({ "metric": "dot" })),
        Error::InvalidValue { .. }
    ));
    assert!(matches!(
        bad("gride", json!({ "n1": 3, "n2": 3 })),
        Error::OutOfRange { name: "n2", .. }
    ));
}

#[test]
fn enum_spellings_round_trip_through_serde() {
    let m = roll(60);
    let x = MatRef::new(&m.data, m.rows, m.cols).unwrap();
    let ctl = Ctl::detached();
    for (name, o) in [
        ("lpca", json!({ "version": "FO" })),
        ("lpca", json!({ "version": "participationRatio" })),
        ("mindMl", json!({ "version": "MLi", "k": 5 })),
        ("ess", json!({ "version": "b" })),
        (
            "mle",
            json!({ "normalization": "levinaBickel", "aggregate": "median", "duplicates": "drop" }),
        ),
        ("localId", json!({ "method": "lid", "k": 10 })),
    ] {
        run(name, x, &o, None, &ctl).unwrap_or_else(|e| panic!("{name} {o}: {e}"));
    }
}

#[test]
fn scaling_curves_run_by_name() {
    let m = roll(100);
    let x = MatRef::new(&m.data, m.rows, m.cols).unwrap();
    let ctl = Ctl::detached();
    let c = run("idScaling:twonn", x, &json!({ "seed": 1 }), None, &ctl)
        .unwrap()
        .curve()
        .unwrap();
    assert_eq!(c.sizes[0], 100);
    let g = run("idScaling:gride", x, &json!({ "rangeMax": 16 }), None, &ctl)
        .unwrap()
        .curve()
        .unwrap();
    assert_eq!(g.method, "gride");
}

#[test]
fn twonn_scaling_on_8_to_10_rows_keeps_the_full_set() {
    // analyze() on 8 rows failed with OutOfRange about nMin, which the caller never set
    let ctl = Ctl::detached();
    for n in [8, 9, 10] {
        let m = roll(n);
        let x = MatRef::new(&m.data, m.rows, m.cols).unwrap();
        let c = run("idScaling:twonn", x, &json!({}), None, &ctl)
            .unwrap()
            .curve()
            .unwrap();
        assert_eq!(c.sizes, vec![n]);
        let err = run("idScaling:twonn", x, &json!({ "nMin": n }), None, &ctl).unwrap_err();
        assert!(matches!(err, Error::OutOfRange { name: "nMin", .. }), "{err:?}");
    }
}
