use super::*;
use crate::cca::Variant;
use crate::testdata::uniform;
use embgeo_core::{MatRef, Par};

/// Every measure the shared entry knows, with default and non-default options.
fn all_measures() -> Vec<Measure> {
    let cka = |debiased, kernel| {
        Measure::Cka(cka::Params {
            debiased,
            kernel,
            ..cka::Params::default()
        })
    };
    let cca = |variant, variance_kept| {
        Measure::Cca(cca::Params {
            variant,
            variance_kept,
        })
    };
    vec![
        cka(false, Kernel::Linear),
        cka(true, Kernel::Linear),
        Measure::Procrustes(procrustes::Params::default()),
        Measure::Procrustes(procrustes::Params {
            alpha: 0.3,
            ..Default::default()
        }),
        cca(Variant::Mean, 0.99),
        cca(Variant::Svcca, 0.9),
        cca(Variant::Pwcca, 0.99),
        Measure::Linearity(linearity::Params::default()),
        cka(false, Kernel::Rbf),
    ]
}

/// `Debug` prints every f64 as the shortest string that reads back to the same bits.
fn bits(o: &Outcome) -> String {
    format!("{o:?}")
}

/// Each outcome of the shared entry equals, bit for bit, the measure's own `compute`.
fn assert_same<A: Element, B: Element>(x: Pair<'_, A, B>, measures: &[Measure]) {
    let p = Params {
        measures: measures.to_vec(),
    };
    let got = compute(x, &p, &Ctl::detached()).unwrap();
    let seq = compute(x, &p, &Ctl::detached().with_par(Par::Seq)).unwrap();
    assert_eq!(got.len(), measures.len());
    for ((m, g), s) in measures.iter().zip(&got).zip(&seq) {
        let want = own(m, x, &Ctl::detached()).unwrap();
        assert_eq!(bits(g), bits(&want), "{m:?}");
        assert_eq!(bits(s), bits(&want), "{m:?} (sequential)");
    }
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

/// Feature routes (n large): one f32-block and one f64 pass for f32 input, one pass for f64 or
/// mixed input; every measure and variant equals its own function.
#[test]
fn shared_products_equal_each_measure_bit_for_bit() {
    let (n, da, db) = (900, 12, 7);
    let a = uniform(n, da, 1);
    let mut b = uniform(n, db, 2);
    for i in 0..n {
        b[i * db] += 0.5 * a[i * da] - a[i * da + 1];
    }
    let (a32, b32) = (f32s(&a), f32s(&b));
    let ms = all_measures();
    assert_same(
        Pair::new(MatRef::new(&a, n, da).unwrap(), MatRef::new(&b, n, db).unwrap()),
        &ms,
    );
    assert_same(
        Pair::new(
            MatRef::new(&a32, n, da).unwrap(),
            MatRef::new(&b32, n, db).unwrap(),
        ),
        &ms,
    );
    assert_same(
        Pair::new(MatRef::new(&a32, n, da).unwrap(), MatRef::new(&b, n, db).unwrap()),
        &ms,
    );
    // The routes taken: every one shared except RBF CKA.
    let srcs: Vec<Source> = ms.iter().map(|m| source(m, n, da, db)).collect();
    assert_eq!(&srcs[..2], &[Source::Blocks, Source::Blocks]);
    assert!(srcs[2..8].iter().all(|&s| s == Source::F64));
    assert_eq!(srcs[8], Source::Own);
}

/// Measures that keep their own pass: n ≤ d (CKA kernel route, CCA SVD route, linearity kernel
/// route) and a side too ill-conditioned for CCA's Gram route (found after the shared pass).
#[test]
fn own_routes_equal_each_measure_bit_for_bit() {
    let (n, da, db) = (10, 14, 5);
    let a = uniform(n, da, 3);
    let b = uniform(n, db, 4);
    let ms = all_measures();
    let srcs: Vec<Source> = ms.iter().map(|m| source(m, n, da, db)).collect();
    assert_eq!(srcs[0], Source::Own);
    assert_eq!(srcs[4], Source::Own);
    assert_eq!(srcs[7], Source::Own);
    assert_same(
        Pair::new(MatRef::new(&a, n, da).unwrap(), MatRef::new(&b, n, db).unwrap()),
        &ms,
    );
    let (a32, b32) = (f32s(&a), f32s(&b));
    assert_same(
        Pair::new(
            MatRef::new(&a32, n, da).unwrap(),
            MatRef::new(&b32, n, db).unwrap(),
        ),
        &ms,
    );

    let n = 200;
    let mut a = uniform(n, 4, 21);
    for i in 0..n {
        a[i * 4 + 3] = a[i * 4] + 1e-4 * a[i * 4 + 3];
    }
    let b = uniform(n, 3, 22);
    let x = Pair::new(MatRef::new(&a, n, 4).unwrap(), MatRef::new(&b, n, 3).unwrap());
    let c = cross::compute(
        x.a,
        x.b,
        Want {
            xx: true,
            yy: true,
            f32_blocks: false,
        },
        "t",
        &Ctl::detached(),
    )
    .unwrap();
    assert!(cca::from_products(&c, &cca::Params::default(), &Ctl::detached())
        .unwrap()
        .is_none());
    assert_same(x, &ms);
}

/// The first failing measure in order decides the error, as sequential calls would.
#[test]
fn errors_follow_the_order_of_the_measures() {
    let n = 30;
    let a = uniform(n, 3, 5);
    let flat = vec![2.0; n * 2];
    let x = Pair::new(MatRef::new(&a, n, 3).unwrap(), MatRef::new(&flat, n, 2).unwrap());
    let run = |ms: Vec<Measure>| compute(x, &Params { measures: ms }, &Ctl::detached()).unwrap_err();
    let cka = Measure::Cka(cka::Params::default());
    let bad_alpha = Measure::Procrustes(procrustes::Params {
        alpha: 2.0,
        ..Default::default()
    });
    // CKA finds the constant B after its pass; Procrustes' α is refused before any pass.
    let e = run(vec![cka.clone(), bad_alpha.clone()]);
    assert_eq!(e.code(), "ERR_DEGENERATE");
    assert_eq!(
        e.to_string(),
        own(&cka, x, &Ctl::detached()).unwrap_err().to_string()
    );
    let e = run(vec![bad_alpha, cka]);
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
    assert!(compute(x, &Params::default(), &Ctl::detached())
        .unwrap()
        .is_empty());
}

#[test]
fn options_deserialise_as_the_measures_own() {
    let p: Params = serde_json::from_value(serde_json::json!({
        "measures": [
            { "measure": "cka", "options": { "kernel": "linear", "debiased": true } },
            { "measure": "procrustes", "options": {} },
            { "measure": "cca", "options": { "variant": "svcca" } },
            { "measure": "linearity", "options": {} }
        ]
    }))
    .unwrap();
    assert_eq!(p.measures.len(), 4);
    assert!(matches!(
        p.measures[0],
        Measure::Cka(cka::Params { debiased: true, .. })
    ));
    assert!(matches!(
        p.measures[2],
        Measure::Cca(cca::Params {
            variant: Variant::Svcca,
            ..
        })
    ));
}
