//! Option descriptors: the one description of every estimator option (name, type, range,
//! documentation). The registry checks options against them before serde reads them, and the
//! binding exports them (`schema()`) so that the TypeScript option types and validation tables
//! are generated from the same text.

use embgeo_core::{Error, Result};
use serde_json::{json, Map, Value};

/// The type and range of one option.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// An integer in `[min, max]` (`max` = none for unbounded).
    Int { min: u64, max: Option<u64> },
    /// A finite number within the bounds; `*_open` makes a bound exclusive.
    Number {
        min: Option<f64>,
        max: Option<f64>,
        min_open: bool,
        max_open: bool,
    },
    /// `true` or `false`.
    Bool,
    /// One of the listed strings.
    Enum(&'static [&'static str]),
    /// A non-empty array of numbers, each in the open (`open`) or closed interval.
    Numbers { min: f64, max: f64, open: bool },
    /// A non-empty array of integers ≥ `min`.
    Ints { min: u64 },
}

/// One option of one estimator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptionSpec {
    /// camelCase name, as JavaScript spells it and serde reads it.
    pub name: &'static str,
    /// Type and range.
    pub kind: Kind,
    /// One-line documentation (the default is appended from `Params::default()`).
    pub doc: &'static str,
}

/// Integer option `≥ min`.
#[must_use]
pub const fn int(name: &'static str, min: u64, doc: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        kind: Kind::Int { min, max: None },
        doc,
    }
}

/// Number option with bounds.
#[must_use]
pub const fn num(
    name: &'static str,
    min: Option<f64>,
    max: Option<f64>,
    open: (bool, bool),
    doc: &'static str,
) -> OptionSpec {
    OptionSpec {
        name,
        kind: Kind::Number {
            min,
            max,
            min_open: open.0,
            max_open: open.1,
        },
        doc,
    }
}

/// Number option `> 0`.
#[must_use]
pub const fn positive(name: &'static str, doc: &'static str) -> OptionSpec {
    num(name, Some(0.0), None, (true, false), doc)
}

/// Number option in `(0, 1)`.
#[must_use]
pub const fn unit(name: &'static str, doc: &'static str) -> OptionSpec {
    num(name, Some(0.0), Some(1.0), (true, true), doc)
}

/// Boolean option.
#[must_use]
pub const fn flag(name: &'static str, doc: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        kind: Kind::Bool,
        doc,
    }
}

/// String option with a fixed set of values.
#[must_use]
pub const fn one_of(name: &'static str, values: &'static [&'static str], doc: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        kind: Kind::Enum(values),
        doc,
    }
}

/// The aggregation option.
pub const AGGREGATE: &[&str] = &["harmonic", "mean", "median"];
/// The duplicates option.
pub const DUPLICATES: OptionSpec = one_of(
    "duplicates",
    &["error", "drop", "keep"],
    "Zero-distance neighbours: 'error' throws ERR_DUPLICATES, 'drop' removes duplicate rows, 'keep' does what the reference does.",
);
/// The seed of randomised estimators.
pub const SEED: OptionSpec = int("seed", 0, "Seed of the random sampling (ChaCha8).");

fn check_number(
    spec: &OptionSpec,
    v: &Value,
    min: Option<f64>,
    max: Option<f64>,
    open: (bool, bool),
) -> Result<f64> {
    let x = v.as_f64().ok_or_else(|| Error::OutOfRange {
        name: spec.name,
        expected: "a number".into(),
        actual: v.to_string(),
    })?;
    let lo = min.is_none_or(|m| if open.0 { x > m } else { x >= m });
    let hi = max.is_none_or(|m| if open.1 { x < m } else { x <= m });
    if x.is_finite() && lo && hi {
        return Ok(x);
    }
    let mut parts = Vec::new();
    if let Some(m) = min {
        parts.push(format!("{} {m}", if open.0 { ">" } else { ">=" }));
    }
    if let Some(m) = max {
        parts.push(format!("{} {m}", if open.1 { "<" } else { "<=" }));
    }
    Err(Error::OutOfRange {
        name: spec.name,
        expected: format!("a finite number {}", parts.join(" and "))
            .trim_end()
            .into(),
        actual: v.to_string(),
    })
}

fn check_int(spec: &OptionSpec, v: &Value, min: u64, max: Option<u64>) -> Result<u64> {
    let ok = v.as_u64().filter(|&u| u >= min && max.is_none_or(|m| u <= m));
    // integral floats beyond u32 arrive from JavaScript as f64
    let ok = ok.or_else(|| {
        v.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= min as f64 && *f < 9_007_199_254_740_992.0)
            .map(|f| f as u64)
            .filter(|&u| max.is_none_or(|m| u <= m))
    });
    ok.ok_or_else(|| Error::OutOfRange {
        name: spec.name,
        expected: max.map_or_else(
            || format!("an integer >= {min}"),
            |m| format!("an integer from {min} to {m}"),
        ),
        actual: v.to_string(),
    })
}

impl OptionSpec {
    /// Check `v` against this option; returns the value serde should read (integers
    /// normalised to JSON integers).
    ///
    /// # Errors
    /// `OutOfRange` for a wrong type or a number out of range, `InvalidValue` for a string
    /// outside the set.
    pub fn check(&self, v: &Value) -> Result<Value> {
        Ok(match self.kind {
            Kind::Int { min, max } => json!(check_int(self, v, min, max)?),
            Kind::Number {
                min,
                max,
                min_open,
                max_open,
            } => json!(check_number(self, v, min, max, (min_open, max_open))?),
            Kind::Bool => {
                if !v.is_boolean() {
                    return Err(Error::OutOfRange {
                        name: self.name,
                        expected: "a boolean".into(),
                        actual: v.to_string(),
                    });
                }
                v.clone()
            }
            Kind::Enum(values) => match v.as_str() {
                Some(s) if values.contains(&s) => v.clone(),
                _ => {
                    let list: Vec<String> = values.iter().map(|c| format!("'{c}'")).collect();
                    return Err(Error::InvalidValue {
                        name: self.name,
                        expected: format!("one of {}", list.join(", ")),
                        actual: v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    });
                }
            },
            Kind::Numbers { min, max, open } => {
                let items = non_empty(self, v)?;
                let checked: Result<Vec<f64>> = items
                    .iter()
                    .map(|x| check_number(self, x, Some(min), Some(max), (open, open)))
                    .collect();
                json!(checked?)
            }
            Kind::Ints { min } => {
                let items = non_empty(self, v)?;
                let checked: Result<Vec<u64>> = items.iter().map(|x| check_int(self, x, min, None)).collect();
                json!(checked?)
            }
        })
    }

    /// This option as a JSON object (`name`, `type`, bounds or `values`, `doc`).
    #[must_use]
    pub fn describe(&self) -> Value {
        let mut o = Map::new();
        o.insert("name".into(), json!(self.name));
        o.insert("doc".into(), json!(self.doc));
        match self.kind {
            Kind::Int { min, max } => {
                o.insert("type".into(), json!("integer"));
                o.insert("min".into(), json!(min));
                if let Some(m) = max {
                    o.insert("max".into(), json!(m));
                }
            }
            Kind::Number {
                min,
                max,
                min_open,
                max_open,
            } => {
                o.insert("type".into(), json!("number"));
                if let Some(m) = min {
                    o.insert("min".into(), json!(m));
                }
                if let Some(m) = max {
                    o.insert("max".into(), json!(m));
                }
                if min_open {
                    o.insert("minOpen".into(), json!(true));
                }
                if max_open {
                    o.insert("maxOpen".into(), json!(true));
                }
            }
            Kind::Bool => {
                o.insert("type".into(), json!("boolean"));
            }
            Kind::Enum(values) => {
                o.insert("type".into(), json!("enum"));
                o.insert("values".into(), json!(values));
            }
            Kind::Numbers { min, max, open } => {
                o.insert("type".into(), json!("numbers"));
                o.insert("min".into(), json!(min));
                o.insert("max".into(), json!(max));
                o.insert("open".into(), json!(open));
            }
            Kind::Ints { min } => {
                o.insert("type".into(), json!("numbers"));
                o.insert("min".into(), json!(min));
                o.insert("integer".into(), json!(true));
            }
        }
        Value::Object(o)
    }
}

fn non_empty<'v>(spec: &OptionSpec, v: &'v Value) -> Result<&'v Vec<Value>> {
    match v.as_array() {
        Some(a) if !a.is_empty() => Ok(a),
        _ => Err(Error::OutOfRange {
            name: spec.name,
            expected: "a non-empty array of numbers".into(),
            actual: v.to_string(),
        }),
    }
}

/// Check every option of `given` against `specs`: unknown names are `OutOfRange` (naming the
/// options that exist), values as [`OptionSpec::check`]. Returns the checked object.
///
/// # Errors
/// As [`OptionSpec::check`]; `OutOfRange` for an unknown name or a non-object.
pub fn check_options(method: &str, given: &Value, specs: &[OptionSpec]) -> Result<Map<String, Value>> {
    let obj = match given {
        Value::Null => return Ok(Map::new()),
        Value::Object(o) => o,
        other => {
            return Err(Error::OutOfRange {
                name: "options",
                expected: "an object".into(),
                actual: other.to_string(),
            })
        }
    };
    let mut out = Map::new();
    for (key, v) in obj {
        if v.is_null() {
            continue;
        }
        let Some(spec) = specs.iter().find(|s| s.name == key) else {
            let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
            return Err(Error::OutOfRange {
                name: "options",
                expected: format!("options of {method} ({})", names.join(", ")),
                actual: format!("'{key}'"),
            });
        };
        out.insert(key.clone(), spec.check(v)?);
    }
    Ok(out)
}
