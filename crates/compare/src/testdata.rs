//! Seeded test data shared by the unit tests (compiled only for tests).

use embgeo_core::{Element, MatRef};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

/// `n × d` row-major values uniform in [−1, 1), seeded.
pub fn random(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n * d).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// `x · Q` for the Householder reflection `Q = I − 2vvᵀ/‖v‖²` (orthogonal), v seeded.
pub fn householder(x: &[f64], d: usize, seed: u64) -> Vec<f64> {
    let v = random(1, d, seed);
    let vv: f64 = v.iter().map(|a| a * a).sum();
    let mut out = x.to_vec();
    for row in out.chunks_exact_mut(d) {
        let dot: f64 = row.iter().zip(&v).map(|(a, b)| a * b).sum();
        for (r, vi) in row.iter_mut().zip(&v) {
            *r -= 2.0 * dot / vv * vi;
        }
    }
    out
}

/// A measure of two matrices of one element type, run on a fixture's inputs and params.
pub trait PairFn {
    /// The measure's value.
    fn call<T: Element>(&self, a: MatRef<'_, T>, b: MatRef<'_, T>, params: &Value) -> f64;
}

fn run<T: Element>(f: &impl PairFn, fx: &Value, params: &Value, cast: impl Fn(f64) -> T) -> f64 {
    let get = |key: &str| {
        let m = &fx["input"][key];
        let data: Vec<T> = embgeo_testkit::fixtures::nums(&m["data"])
            .into_iter()
            .map(&cast)
            .collect();
        (data, m["cols"].as_u64().unwrap() as usize)
    };
    let ((a, d1), (b, d2)) = (get("A"), get("B"));
    let n = a.len() / d1;
    f.call(
        MatRef::new(&a, n, d1).unwrap(),
        MatRef::new(&b, n, d2).unwrap(),
        params,
    )
}

/// Every `(fixture name, fixture, case)` of the `compare` fixtures whose case is `measure`.
pub fn cases(measure: &str) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    for (name, fx) in embgeo_testkit::fixtures::load_all("compare", 1) {
        for c in fx["cases"].as_array().into_iter().flatten() {
            if c["measure"] == measure {
                out.push((name.clone(), fx.clone(), c.clone()));
            }
        }
    }
    assert!(!out.is_empty(), "no {measure} fixtures");
    out
}

/// Check `f` against every `compare` fixture case of `measure` (expected `value`, fixture `rtol`
/// relative to max(|value|, 1e-3)); f32 fixtures run on f32 input.
pub fn parity(measure: &str, f: &impl PairFn) {
    for (name, fx, case) in cases(measure) {
        let got = if fx["input"]["A"]["dtype"] == "float32" {
            run(f, &fx, &case["params"], |v| v as f32)
        } else {
            run(f, &fx, &case["params"], |v| v)
        };
        let want = case["expected"]["value"].as_f64().unwrap();
        let rtol = fx["rtol"].as_f64().unwrap();
        assert!(
            (got - want).abs() <= rtol * want.abs().max(1e-3),
            "{name} {}: {got} vs {want}",
            case["params"]
        );
    }
}

/// [`parity`] of a measure whose fixture `params` deserialise into its `Params` and whose
/// `compute(Pair::new(a, b), &params, ctl)` returns a result with a `value`.
macro_rules! parity_of {
    ($measure:literal, $params:ty, $compute:path) => {{
        struct Run;
        impl $crate::testdata::PairFn for Run {
            fn call<T: embgeo_core::Element>(
                &self,
                a: embgeo_core::MatRef<'_, T>,
                b: embgeo_core::MatRef<'_, T>,
                params: &serde_json::Value,
            ) -> f64 {
                let p: $params = serde_json::from_value(params.clone()).unwrap();
                $compute(embgeo_core::Pair::new(a, b), &p, &embgeo_core::Ctl::detached())
                    .unwrap()
                    .value
            }
        }
        $crate::testdata::parity($measure, &Run);
    }};
}
pub(crate) use parity_of;
