//! Issue 17 item 6: intrinsic dimension is scale-free, so f64 data multiplied by 1e-170 …
//! 1e300 give the dimension of the unscaled data (within 1e-12 relative; the scaled inputs
//! round differently) or a coded error, never NaN or a wrong dimension.
// a NaN must fail these checks: `!(x <= tol)` is the NaN-catching form
#![allow(clippy::neg_cmp_op_on_partial_ord, clippy::float_cmp)]

use embgeo_intdim::{
    corrint, danco, ess, fishers, from_data, gride, knn_carter, local, lpca, mada, mind_ml, mle, mom, tle,
    twonn, Ctl, IdEstimate, MatRef, Result,
};

/// 150 points near a 3-dimensional curved set in 6-D, deterministic.
fn base() -> Vec<f64> {
    let mut x = Vec::new();
    for i in 0..150u32 {
        let t = [
            (f64::from(i) * 0.754_877_666).fract(),
            (f64::from(i) * 0.569_840_291).fract(),
            (f64::from(i) * 0.362_229_6).fract(),
        ];
        x.extend_from_slice(&[
            t[0],
            t[1],
            t[2],
            (t[0] * 3.0).sin() * 0.5,
            t[1] * t[2],
            (t[2] + t[0]).cos() * 0.3,
        ]);
    }
    x
}

/// An estimator's dimension and pointwise values.
type Dims = (f64, Option<Vec<f64>>);
type Run = fn(MatRef<'_, f64>, &Ctl<'_>) -> Result<Dims>;

fn dims(e: IdEstimate) -> Dims {
    (e.dimension, e.pointwise)
}

fn estimators() -> Vec<(&'static str, Run)> {
    vec![
        ("twonn", |x, c| {
            from_data::twonn(x, &twonn::Params::default(), c).map(dims)
        }),
        ("mle", |x, c| {
            from_data::mle(x, &mle::Params::default(), c).map(dims)
        }),
        ("gride", |x, c| {
            from_data::gride(x, &gride::Params::default(), c).map(dims)
        }),
        ("mom", |x, c| {
            from_data::mom(x, &mom::Params::default(), c).map(dims)
        }),
        ("mada", |x, c| {
            from_data::mada(x, &mada::Params::default(), c).map(dims)
        }),
        ("tle", |x, c| {
            from_data::tle(x, &tle::Params::default(), c).map(dims)
        }),
        ("corrint", |x, c| {
            from_data::corrint(x, &corrint::Params::default(), c).map(dims)
        }),
        ("mind_ml", |x, c| {
            from_data::mind_ml(x, &mind_ml::Params::default(), c).map(dims)
        }),
        ("danco", |x, c| {
            from_data::danco(x, &danco::Params::default(), c).map(dims)
        }),
        ("ess", |x, c| {
            from_data::ess(x, &ess::Params::default(), c).map(dims)
        }),
        ("lpca", |x, _| {
            lpca::estimate(x, &lpca::Params::default()).map(dims)
        }),
        ("lpca-pw", |x, c| {
            from_data::lpca_pointwise(x, 10, &lpca::Params::default(), c).map(dims)
        }),
        ("fishers", |x, c| {
            fishers::estimate(x, &fishers::Params::default(), c).map(dims)
        }),
        ("knn", |x, _| {
            knn_carter::estimate(x, &knn_carter::Params::default()).map(dims)
        }),
        ("local:tle", |x, c| {
            let nb = from_data::neighbors(x, 10, c)?;
            let v = local::local_id(local::Method::Tle, x, &nb, 10, c)?;
            Ok((v.iter().sum::<f64>() / v.len() as f64, Some(v)))
        }),
    ]
}

#[test]
fn every_estimator_gives_the_unscaled_dimension_or_a_coded_error() {
    let x = base();
    let ctl = Ctl::detached();
    let mut failures = Vec::new();
    for (name, run) in estimators() {
        let want = run(MatRef::from_flat(&x, 6).unwrap(), &ctl).unwrap();
        // 3: an ordinary scale, the control
        for c in [3.0, 1e-170, 1e-165, 1e-150, 1e150, 1e154, 1e300] {
            let xs: Vec<f64> = x.iter().map(|v| v * c).collect();
            match run(MatRef::from_flat(&xs, 6).unwrap(), &ctl) {
                Ok(got) => {
                    let rel = ((got.0 - want.0) / want.0).abs();
                    // DANCo's likelihood fit stops at an ~1e-8 tolerance: an ordinary scale of 3
                    // (in the list as the control) already moves it by 5e-9
                    let tol = if name == "danco" { 1e-7 } else { 1e-12 };
                    if !(rel <= tol) {
                        failures.push(format!("{name} at {c:e}: {} vs {}", got.0, want.0));
                    }
                    if let (Some(a), Some(b)) = (&got.1, &want.1) {
                        let bad = a
                            .iter()
                            .zip(b)
                            .filter(|(p, q)| !(((*p - *q) / *q).abs() <= 1e-12 || p == q))
                            .count();
                        if bad > 0 {
                            failures.push(format!("{name} at {c:e}: {bad} pointwise values differ"));
                        }
                    }
                }
                Err(e) if e.code() == "ERR_OUT_OF_RANGE" => {}
                Err(e) => failures.push(format!("{name} at {c:e}: {} {e}", e.code())),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn lpca_on_identical_rows_is_degenerate_in_every_version() {
    use lpca::Version::{BrokenStick, Fan, Fo, Kaiser, Maxgap, ParticipationRatio, Ratio};
    let x = [0.5f64, -1.0, 2.0].repeat(5);
    for v in [Fo, Ratio, Kaiser, Maxgap, BrokenStick, Fan, ParticipationRatio] {
        let p = lpca::Params {
            version: v,
            ..Default::default()
        };
        let e = lpca::estimate(MatRef::from_flat(&x, 3).unwrap(), &p).unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE", "{v:?}: {e}");
    }
}
