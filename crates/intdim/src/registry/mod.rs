//! The estimator registry: every intrinsic-dimension estimator declares itself once (an
//! [`Estimator`] impl in [`entries`]) and is reached by its public name through [`run`].
//!
//! One description per estimator: its name, its options ([`spec::OptionSpec`], also exported
//! by [`schema`] for the TypeScript layer), its `Params` (serde, camelCase, reference
//! defaults), what it needs ([`Estimator::needs`], which applies THE k rule of [`KRule`]) and
//! one `estimate(input, params, ctl)` signature. Neighbours are computed once per call by the
//! kNN engine (`embgeo-knn`, exact, f64 distances) or taken from the caller, and widened
//! (doubling, up to N − 1) while an estimator needs more columns to skip duplicates.
//!
//! # The k rule
//! A neighbour count (k, n₂, rangeMax, …) the caller GAVE that exceeds what N rows allow is
//! [`Error::KTooLarge`]; a DEFAULT that exceeds it is clamped, and the estimate reports it as
//! `params.kClamped = true` next to the clamped value.

pub mod entries;
pub mod spec;

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};
use embgeo_knn::Metric;
use serde_json::{json, Map, Value};

use crate::scaling::Curve;
use crate::IdEstimate;
use entries::{
    CorrInt, Danco, Ess, FisherS, GrideEst, GrideScaling, KnnId, LocalId, Lpca, Mada, MindMl, Mle, Mom, Ph,
    Tle, TwoNN, TwoNNScaling,
};
use spec::OptionSpec;

/// What an estimator needs besides the parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// The coordinates only.
    Coordinates,
    /// The coordinates and at least this many neighbour columns per row (self excluded).
    Neighbors(usize),
}

/// Where an estimator may use neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uses {
    /// Always uses neighbours (`metric` and `neighbors` apply).
    Always,
    /// Never (coordinates only).
    Never,
    /// Only when the named option is given (lPCA's `k`).
    WithOption(&'static str),
}

/// Fixed facts of one estimator, exported by [`schema`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Traits {
    /// Whether neighbours are used.
    pub neighbors: Uses,
    /// Whether the estimate has pointwise values.
    pub pointwise: bool,
    /// Fewest rows accepted.
    pub min_rows: usize,
}

/// The data of one estimate: coordinates and, when [`Estimator::needs`] asked for them, the
/// neighbours (rows × ≥ k, self excluded, ties to the lower index, f64 distances).
pub struct Input<'a, T: Element> {
    /// N × D coordinates.
    pub x: MatRef<'a, T>,
    nb: Option<&'a Neighbors>,
}

impl<'a, T: Element> Input<'a, T> {
    /// The neighbours.
    ///
    /// # Errors
    /// `Internal` if the estimator declared `Needs::Coordinates` and asks for them anyway.
    pub fn neighbors(&self) -> Result<&'a Neighbors> {
        self.nb
            .ok_or_else(|| Error::Internal("an estimator used neighbours it did not declare".into()))
    }
}

/// What an estimator produces.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// One estimate (global, or local ID with pointwise values).
    Estimate(IdEstimate),
    /// An ID-versus-scale curve.
    Curve(Curve),
}

impl Output {
    /// The estimate.
    ///
    /// # Errors
    /// `Internal` for a curve.
    pub fn estimate(self) -> Result<IdEstimate> {
        match self {
            Output::Estimate(e) => Ok(e),
            Output::Curve(_) => Err(Error::Internal("an estimator returned a curve".into())),
        }
    }

    /// The curve.
    ///
    /// # Errors
    /// `Internal` for an estimate.
    pub fn curve(self) -> Result<Curve> {
        match self {
            Output::Curve(c) => Ok(c),
            Output::Estimate(_) => Err(Error::Internal("an ID-vs-scale job returned an estimate".into())),
        }
    }
}

/// THE k rule (module docs): given neighbour counts that N rows cannot supply are errors,
/// defaults are clamped and the clamp is reported.
#[derive(Debug, Clone)]
pub struct KRule {
    n: usize,
    given: Vec<String>,
    clamped: bool,
}

impl KRule {
    /// The rule for N = `n` rows with the options named in `given` set by the caller.
    #[must_use]
    pub fn new(n: usize, given: Vec<String>) -> Self {
        Self {
            n,
            given,
            clamped: false,
        }
    }

    /// Rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.n
    }

    /// Whether the caller gave option `name`.
    #[must_use]
    pub fn given(&self, name: &str) -> bool {
        self.given.iter().any(|g| g == name)
    }

    /// Whether a default was clamped.
    #[must_use]
    pub fn clamped(&self) -> bool {
        self.clamped
    }

    /// `k` if the rows allow it (`k + extra ≤ N − 1`); a default is clamped to N − 1 − extra.
    ///
    /// # Errors
    /// `KTooLarge` for a given `k` beyond that.
    pub fn fit(&mut self, name: &'static str, k: usize, extra: usize) -> Result<usize> {
        let available = self.n.saturating_sub(1 + extra);
        if k <= available {
            return Ok(k);
        }
        if self.given(name) {
            return Err(self.too_large(name, k, available, extra));
        }
        self.clamped = true;
        Ok(available)
    }

    /// Like [`KRule::fit`] but never clamps (counts derived from other options).
    ///
    /// # Errors
    /// `KTooLarge` if `k + extra > N − 1`.
    pub fn require(&self, name: &'static str, k: usize, extra: usize) -> Result<usize> {
        let available = self.n.saturating_sub(1 + extra);
        if k <= available {
            Ok(k)
        } else {
            Err(self.too_large(name, k, available, extra))
        }
    }

    fn too_large(&self, name: &str, k: usize, available: usize, extra: usize) -> Error {
        let plus = if extra > 0 {
            format!(" and {name} + {extra} columns are used")
        } else {
            String::new()
        };
        Error::KTooLarge {
            k,
            available,
            why: format!(
                "{name}: X has {} rows, each row's own index is excluded{plus}",
                self.n
            ),
        }
    }
}

/// One intrinsic-dimension estimator, declared once.
pub trait Estimator {
    /// Public name (as `estimateId` spells it, e.g. `"twoNN"`).
    const NAME: &'static str;
    /// One-line description (the generated option interface's doc).
    const DOC: &'static str;
    /// Every option, with type, range and doc (the names are the serde names of `Params`).
    const OPTIONS: &'static [OptionSpec];
    /// Fixed facts.
    const TRAITS: Traits;
    /// Parameters; `parse(empty)` = the reference defaults.
    type Params;

    /// Parameters from checked options (absent ones at their defaults).
    ///
    /// # Errors
    /// `Internal` if the options and `Params` disagree (a bug), `OutOfRange` for values the
    /// descriptors cannot express.
    fn parse(options: Map<String, Value>) -> Result<Self::Params>;

    /// The default of every option, as JSON (`null` where the default depends on the data).
    fn defaults() -> Value;

    /// What the estimate needs, applying the k rule to `p` (clamped defaults are written back).
    ///
    /// # Errors
    /// `KTooLarge` for given counts the rows cannot supply; `OutOfRange` for bad combinations.
    fn needs(p: &mut Self::Params, rule: &mut KRule) -> Result<Needs>;

    /// The estimate.
    ///
    /// # Errors
    /// Those of the estimator.
    fn estimate<T: Element>(input: &Input<'_, T>, p: &Self::Params, ctl: &Ctl<'_>) -> Result<Output>;
}

/// `Params` read by serde from checked options.
///
/// # Errors
/// `Internal` when the descriptors and the struct disagree.
pub fn serde_parse<P: serde::de::DeserializeOwned>(options: Map<String, Value>) -> Result<P> {
    serde_json::from_value(Value::Object(options))
        .map_err(|e| Error::Internal(format!("options do not match Params: {e}")))
}

/// `P::default()` as JSON.
#[must_use]
pub fn serde_defaults<P: serde::Serialize + Default>() -> Value {
    serde_json::to_value(P::default()).unwrap_or(Value::Null)
}

/// Where neighbours come from: the caller's, or computed with `metric` (euclidean or cosine).
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// Metric of computed neighbours.
    pub metric: Metric,
    /// Neighbours given by the caller (used as they are).
    pub given: Option<&'a Neighbors>,
}

impl Default for Source<'_> {
    fn default() -> Self {
        Self {
            metric: Metric::Euclidean,
            given: None,
        }
    }
}

impl Source<'_> {
    /// `k` exact neighbours of every row (self excluded), k clamped to [1, N − 1].
    ///
    /// # Errors
    /// Those of `embgeo_knn::all_points`.
    pub fn compute<T: Element>(&self, x: MatRef<'_, T>, k: usize, ctl: &Ctl<'_>) -> Result<Neighbors> {
        let p = embgeo_knn::Params {
            k: k.min(x.rows().saturating_sub(1)).max(1),
            metric: self.metric,
            ..Default::default()
        };
        embgeo_knn::all_points(x, &p, ctl)
    }

    /// Run `f` on neighbours with at least `k` columns: the given ones, or computed ones
    /// widened (doubling, up to N − 1) while `f` reports `KTooLarge` for lack of columns.
    ///
    /// # Errors
    /// Those of `f` and [`Source::compute`].
    pub fn with<T: Element, R>(
        &self,
        x: MatRef<'_, T>,
        k: usize,
        ctl: &Ctl<'_>,
        f: impl Fn(&Neighbors) -> Result<R>,
    ) -> Result<R> {
        if let Some(nb) = self.given {
            return f(nb);
        }
        let last = x.rows().saturating_sub(1);
        let mut kk = k.min(last).max(1);
        loop {
            let nb = self.compute(x, kk, ctl)?;
            match f(&nb) {
                Err(Error::KTooLarge { .. }) if kk < last => kk = (2 * kk).min(last),
                r => return r,
            }
        }
    }
}

/// Run estimator `E` with typed parameters (`given`: the option names the caller set, for the
/// k rule) on `x`, neighbours from `src`.
///
/// # Errors
/// `Empty` below `E::TRAITS.min_rows`; those of [`Estimator::needs`], the neighbour source and
/// the estimator.
pub fn run_typed<E: Estimator, T: Element>(
    x: MatRef<'_, T>,
    mut p: E::Params,
    given: Vec<String>,
    src: &Source<'_>,
    ctl: &Ctl<'_>,
) -> Result<Output> {
    let n = x.rows();
    if n < E::TRAITS.min_rows {
        return Err(Error::Empty {
            what: "X",
            actual: n,
            needed: E::TRAITS.min_rows,
            unit: "rows",
            method: E::NAME,
        });
    }
    let mut rule = KRule::new(n, given);
    let mut out = match E::needs(&mut p, &mut rule)? {
        Needs::Coordinates => E::estimate(&Input { x, nb: None }, &p, ctl)?,
        Needs::Neighbors(k) => src.with(x, k, ctl, |nb| E::estimate(&Input { x, nb: Some(nb) }, &p, ctl))?,
    };
    if rule.clamped() {
        if let Output::Estimate(IdEstimate {
            params: Value::Object(o),
            ..
        }) = &mut out
        {
            o.insert("kClamped".into(), Value::Bool(true));
        }
    }
    Ok(out)
}

/// Parameter keys of the crate's `IdEstimate::params` renamed to the option names.
const PARAM_NAMES: &[(&str, &str)] = &[
    ("D", "maxDim"),
    ("PFan", "pFan"),
    ("alphaFO", "alphaFo"),
    ("M", "m"),
];

fn run_named<E: Estimator, T: Element>(
    x: MatRef<'_, T>,
    options: &Map<String, Value>,
    given: Option<&Neighbors>,
    ctl: &Ctl<'_>,
) -> Result<Output> {
    let mut options = options.clone();
    // an estimator that declares `metric` among its options (PH) reads it from its Params
    let own_metric = E::OPTIONS.iter().any(|s| s.name == "metric");
    let metric = match if own_metric {
        None
    } else {
        options.remove("metric")
    } {
        None | Some(Value::Null) => Metric::Euclidean,
        Some(Value::String(s)) if s == "euclidean" => Metric::Euclidean,
        Some(Value::String(s)) if s == "cosine" => Metric::Cosine,
        Some(other) => {
            return Err(Error::InvalidValue {
                name: "metric",
                expected: "'euclidean' or 'cosine'".into(),
                actual: other.as_str().map_or_else(|| other.to_string(), str::to_owned),
            })
        }
    };
    let checked = spec::check_options(E::NAME, &Value::Object(options), E::OPTIONS)?;
    let names: Vec<String> = checked.keys().cloned().collect();
    let p = E::parse(checked)?;
    let out = run_typed::<E, T>(x, p, names, &Source { metric, given }, ctl)?;
    Ok(match out {
        Output::Estimate(mut e) => {
            E::NAME.clone_into(&mut e.method);
            if let Value::Object(o) = &mut e.params {
                for (from, to) in PARAM_NAMES {
                    if let Some(v) = o.remove(*from) {
                        o.insert((*to).into(), v);
                    }
                }
            }
            Output::Estimate(e)
        }
        curve @ Output::Curve(_) => curve,
    })
}

fn describe<E: Estimator>() -> Value {
    let defaults = E::defaults();
    let options: Vec<Value> = E::OPTIONS
        .iter()
        .map(|s| {
            let mut d = s.describe();
            if let (Value::Object(o), Some(v)) = (&mut d, defaults.get(s.name)) {
                o.insert("default".into(), v.clone());
            }
            d
        })
        .collect();
    let neighbors = match E::TRAITS.neighbors {
        Uses::Always => json!(true),
        Uses::Never => json!(false),
        Uses::WithOption(o) => json!(o),
    };
    json!({
        "name": E::NAME,
        "doc": E::DOC,
        "neighbors": neighbors,
        "pointwise": E::TRAITS.pointwise,
        "minRows": E::TRAITS.min_rows,
        "options": options,
    })
}

macro_rules! registry {
    ($($e:ty),* $(,)?) => {
        /// Public names of every registered estimator, in registry order.
        pub const NAMES: &[&str] = &[$(<$e>::NAME),*];

        /// Run the estimator called `name` on `x` with `options` (a JSON object as it came
        /// from JavaScript: the estimator's options plus `metric`), neighbours from `given` or
        /// computed. The estimate's `method` is the public name and its `params` use the option
        /// names.
        ///
        /// # Errors
        /// `InvalidValue` for an unknown name; `OutOfRange` for an unknown option or a number
        /// out of range, `InvalidValue` for an unknown string value; those of [`run_typed`].
        pub fn run<T: Element>(
            name: &str,
            x: MatRef<'_, T>,
            options: &Value,
            given: Option<&Neighbors>,
            ctl: &Ctl<'_>,
        ) -> Result<Output> {
            let empty = Map::new();
            let options = match options {
                Value::Object(o) => o,
                Value::Null => &empty,
                other => {
                    return Err(Error::OutOfRange {
                        name: "options",
                        expected: "an object".into(),
                        actual: other.to_string(),
                    })
                }
            };
            $(if name == <$e>::NAME {
                return run_named::<$e, T>(x, options, given, ctl);
            })*
            Err(Error::InvalidValue {
                name: "method",
                expected: format!("one of {}", NAMES.join(", ")),
                actual: name.to_owned(),
            })
        }

        /// The description of every estimator: name, doc, neighbour use, pointwise values,
        /// fewest rows, and each option's name, type, bounds or values, default and doc.
        #[must_use]
        pub fn schema() -> Value {
            Value::Array(vec![$(describe::<$e>()),*])
        }

        #[cfg(test)]
        fn defaults_match_options() {
            $(
                let d = <$e>::defaults();
                let mut keys: Vec<&str> = d.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
                let mut names: Vec<&str> = <$e>::OPTIONS.iter().map(|s| s.name).collect();
                keys.sort_unstable();
                names.sort_unstable();
                assert_eq!(keys, names, "{}: Params fields and option descriptors differ", <$e>::NAME);
            )*
        }
    };
}

registry!(
    TwoNN,
    Mle,
    GrideEst,
    Lpca,
    CorrInt,
    Mom,
    Tle,
    Mada,
    MindMl,
    Danco,
    Ess,
    FisherS,
    KnnId,
    Ph,
    LocalId,
    TwoNNScaling,
    GrideScaling,
);

#[cfg(test)]
mod tests;
