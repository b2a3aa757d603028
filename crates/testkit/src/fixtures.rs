//! The committed reference fixtures and the comparison rule of the parity tests.

use std::path::PathBuf;

use serde_json::Value;

/// `__test__/fixtures/<kind>/<file>` (a fixture, or a file a fixture names beside it).
#[must_use]
pub fn path(kind: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../__test__/fixtures")
        .join(kind)
        .join(file)
}

/// Every `__test__/fixtures/<kind>/*.json` (as `(file stem, parsed JSON)`, sorted by name);
/// panics if fewer than `at_least` are found, so a missing checkout of the fixtures cannot pass.
#[must_use]
pub fn load_all(kind: &str, at_least: usize) -> Vec<(String, Value)> {
    let dir = path(kind, "");
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "json").then(|| {
                let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                (
                    p.file_stem()
                        .map_or_else(String::new, |s| s.to_string_lossy().into_owned()),
                    v,
                )
            })
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        out.len() >= at_least,
        "expected the committed {kind} fixtures, found {}",
        out.len()
    );
    out
}

/// A JSON array of numbers as f64 (panics on anything else: fixtures are trusted test data).
#[must_use]
pub fn nums(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("expected an array of numbers, got {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap_or_else(|| panic!("expected a number, got {x}")))
        .collect()
}

/// Assert `|ours − theirs| ≤ rtol · max|theirs|` entrywise (norm-wise relative error) and return
/// the worst relative error seen.
pub fn assert_close_normwise(name: &str, what: &str, ours: &[f64], theirs: &[f64], rtol: f64) -> f64 {
    assert_eq!(ours.len(), theirs.len(), "{name}: {what} length");
    let scale = theirs
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    let worst = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs() / scale)
        .fold(0.0, f64::max);
    assert!(
        worst <= rtol,
        "{name}: {what} differs by {worst:.3e} (relative to max) > rtol {rtol:e}"
    );
    worst
}

#[cfg(test)]
mod tests {
    use super::{assert_close_normwise, nums};

    #[test]
    fn normwise_error_is_relative_to_the_largest_reference_entry() {
        let worst = assert_close_normwise("t", "x", &[1.0, 2.0 + 1e-12], &[1.0, 2.0], 1e-11);
        assert!((worst - 0.5e-12).abs() < 1e-15);
        assert_eq!(nums(&serde_json::json!([1, 2.5])), vec![1.0, 2.5]);
    }

    #[test]
    #[should_panic(expected = "differs by")]
    fn a_larger_error_fails() {
        assert_close_normwise("t", "x", &[1.1], &[1.0], 1e-3);
    }
}
