//! Glue for `embgeo_intdim`: intrinsic-dimension estimators, local ID, ID-vs-scale curves and the
//! benchmark manifolds.
//!
//! One job type, [`IdJob`], serves every estimator: the TypeScript layer validates the options
//! and passes them as a JSON object; `run` maps them onto the crate's `Params` (starting from
//! `Params::default()`, overriding only the fields given) and calls the estimator. Neighbours
//! come from the caller (`neighbors` of an earlier `knn`), from the kNN engine with the cosine
//! metric, or from `from_data::neighbors` (euclidean, the reference's).

use embgeo_core::{Ctl, Element, Error as CoreError, MatRef, Neighbors};
use embgeo_intdim::scaling::{self, Curve};
use embgeo_intdim::{
    corrint, danco, ess, fishers, from_data, gride, knn_carter, local, lpca, mada, mind_ml, mle, mom, tle,
    twonn, Aggregate, Duplicates, IdEstimate,
};
use embgeo_knn::Metric;
use napi::bindgen_prelude::{AsyncTask, Either, Float64Array, Uint32Array};
use napi::Env;
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::error::to_napi;
use crate::input::{with_matrix, Data, FloatArg};
use crate::task::{run_async, run_sync, Job, JobControl, JobTask};

/// One intrinsic-dimension estimate, as the raw binding returns it.
#[napi(object)]
pub struct IdOut {
    /// Estimator name (crate spelling, e.g. "twonn").
    pub method: String,
    /// The estimate, in dimensions.
    pub dimension: f64,
    /// Standard error where the method defines one.
    pub stderr: Option<f64>,
    /// One value per used row (local estimators).
    pub pointwise: Option<Float64Array>,
    /// Rows given.
    pub n_samples: f64,
    /// Rows that entered the estimate.
    pub n_used: f64,
    /// Rows removed as duplicates.
    pub dropped_duplicates: f64,
    /// Rows discarded by the method itself.
    pub discarded: f64,
    /// Every effective parameter, as a JSON object.
    pub params: String,
    /// Names of the diagnostic arrays.
    pub diagnostic_names: Vec<String>,
    /// The diagnostic arrays, in the order of `diagnostic_names`.
    pub diagnostic_values: Vec<Float64Array>,
}

/// One ID-versus-scale curve.
#[napi(object)]
pub struct CurveOut {
    /// "twonn" or "gride".
    pub method: String,
    /// Mean neighbour distance of each scale.
    pub scales: Float64Array,
    /// ID per scale.
    pub dimensions: Float64Array,
    /// Error bar per scale.
    pub stderr: Float64Array,
    /// Subset size (`TwoNN` decimation) or neighbour order n₂ (GRIDE) per scale.
    pub sizes: Float64Array,
}

fn id_out(e: IdEstimate) -> IdOut {
    let (diagnostic_names, diagnostic_values) = e
        .diagnostics
        .into_iter()
        .map(|(n, v)| (n, Float64Array::from(v)))
        .unzip();
    IdOut {
        method: e.method,
        dimension: e.dimension,
        stderr: e.stderr,
        pointwise: e.pointwise.map(Into::into),
        n_samples: e.n_samples as f64,
        n_used: e.n_used as f64,
        dropped_duplicates: e.dropped_duplicates as f64,
        discarded: e.discarded as f64,
        params: e.params.to_string(),
        diagnostic_names,
        diagnostic_values,
    }
}

fn curve_out(c: Curve) -> CurveOut {
    CurveOut {
        method: c.method,
        scales: c.scales.into(),
        dimensions: c.dimensions.into(),
        stderr: c.stderr.into(),
        sizes: c.sizes.iter().map(|&s| s as f64).collect::<Vec<f64>>().into(),
    }
}

/// Options of one call, read from the JSON object built (and validated) by TypeScript.
struct Opts<'a>(&'a Map<String, Value>);

fn bad(name: &'static str, expected: &str, actual: &Value) -> CoreError {
    CoreError::OutOfRange {
        name,
        expected: expected.into(),
        actual: actual.to_string(),
    }
}

impl Opts<'_> {
    fn f64(&self, name: &'static str) -> Result<Option<f64>, CoreError> {
        self.0
            .get(name)
            .map(|v| v.as_f64().ok_or_else(|| bad(name, "a number", v)))
            .transpose()
    }

    fn usize(&self, name: &'static str) -> Result<Option<usize>, CoreError> {
        self.0
            .get(name)
            .map(|v| {
                v.as_u64()
                    .and_then(|u| usize::try_from(u).ok())
                    .ok_or_else(|| bad(name, "an integer >= 0", v))
            })
            .transpose()
    }

    fn u64(&self, name: &'static str) -> Result<Option<u64>, CoreError> {
        self.0
            .get(name)
            .map(|v| v.as_u64().ok_or_else(|| bad(name, "an integer >= 0", v)))
            .transpose()
    }

    fn bool(&self, name: &'static str) -> Result<Option<bool>, CoreError> {
        self.0
            .get(name)
            .map(|v| v.as_bool().ok_or_else(|| bad(name, "a boolean", v)))
            .transpose()
    }

    /// A string option mapped through `choices`.
    fn pick<T: Copy>(&self, name: &'static str, choices: &[(&str, T)]) -> Result<Option<T>, CoreError> {
        let Some(v) = self.0.get(name) else {
            return Ok(None);
        };
        let found = v
            .as_str()
            .and_then(|s| choices.iter().find(|(c, _)| *c == s))
            .map(|(_, t)| *t);
        found.map(Some).ok_or_else(|| {
            let list: Vec<String> = choices.iter().map(|(c, _)| format!("'{c}'")).collect();
            bad(name, &format!("one of {}", list.join(", ")), v)
        })
    }

    fn f64s(&self, name: &'static str) -> Result<Option<Vec<f64>>, CoreError> {
        let Some(v) = self.0.get(name) else {
            return Ok(None);
        };
        v.as_array()
            .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
            .map(Some)
            .ok_or_else(|| bad(name, "an array of numbers", v))
    }

    fn usizes(&self, name: &'static str) -> Result<Option<Vec<usize>>, CoreError> {
        let Some(v) = self.0.get(name) else {
            return Ok(None);
        };
        v.as_array()
            .and_then(|a| {
                a.iter()
                    .map(|x| x.as_u64().and_then(|u| usize::try_from(u).ok()))
                    .collect::<Option<Vec<usize>>>()
            })
            .map(Some)
            .ok_or_else(|| bad(name, "an array of integers >= 0", v))
    }

    fn duplicates(&self) -> Result<Option<Duplicates>, CoreError> {
        self.pick(
            "duplicates",
            &[
                ("error", Duplicates::Error),
                ("drop", Duplicates::Drop),
                ("keep", Duplicates::Keep),
            ],
        )
    }

    fn aggregate(&self) -> Result<Option<Aggregate>, CoreError> {
        self.pick(
            "aggregate",
            &[
                ("harmonic", Aggregate::Harmonic),
                ("mean", Aggregate::Mean),
                ("median", Aggregate::Median),
            ],
        )
    }
}

/// Set `$field` of `$p` from option `$name` when it is given.
macro_rules! set {
    ($p:ident . $field:ident = $v:expr) => {
        if let Some(v) = $v? {
            $p.$field = v;
        }
    };
}

fn twonn_params(o: &Opts<'_>) -> Result<twonn::Params, CoreError> {
    let mut p = twonn::Params::default();
    set!(p.discard_fraction = o.f64("discardFraction"));
    set!(
        p.estimator = o.pick(
            "estimator",
            &[
                ("regression", twonn::Estimator::Regression),
                ("mle", twonn::Estimator::Mle),
                ("bayes", twonn::Estimator::Bayes)
            ]
        )
    );
    set!(p.prior_alpha = o.f64("priorAlpha"));
    set!(p.prior_beta = o.f64("priorBeta"));
    set!(p.posterior_mean = o.bool("posteriorMean"));
    set!(p.duplicates = o.duplicates());
    Ok(p)
}

fn mle_params(o: &Opts<'_>) -> Result<mle::Params, CoreError> {
    let mut p = mle::Params::default();
    set!(p.k = o.usize("k"));
    set!(p.aggregate = o.aggregate());
    set!(
        p.normalization = o.pick(
            "normalization",
            &[
                ("levinaBickel", mle::Normalization::LevinaBickel),
                ("unbiased", mle::Normalization::Unbiased),
                ("hill", mle::Normalization::Hill),
            ]
        )
    );
    set!(p.smooth = o.bool("smooth"));
    set!(p.neighborhood_based = o.bool("neighborhoodBased"));
    set!(p.global_k = o.usize("globalK"));
    set!(p.duplicates = o.duplicates());
    Ok(p)
}

fn gride_params(o: &Opts<'_>) -> Result<gride::Params, CoreError> {
    let mut p = gride::Params::default();
    set!(p.n1 = o.usize("n1"));
    if let Some(n2) = o.usize("n2")? {
        p.n2 = Some(n2);
    }
    set!(p.d0 = o.f64("d0"));
    set!(p.d1 = o.f64("d1"));
    set!(p.eps = o.f64("eps"));
    set!(p.duplicates = o.duplicates());
    Ok(p)
}

fn gride_scaling_params(o: &Opts<'_>) -> Result<gride::ScalingParams, CoreError> {
    let mut p = gride::ScalingParams::default();
    set!(p.range_max = o.usize("rangeMax"));
    set!(p.d0 = o.f64("d0"));
    set!(p.d1 = o.f64("d1"));
    set!(p.eps = o.f64("eps"));
    set!(p.duplicates = o.duplicates());
    Ok(p)
}

fn mom_params(o: &Opts<'_>) -> Result<mom::Params, CoreError> {
    let mut p = mom::Params::default();
    set!(p.k = o.usize("k"));
    set!(p.aggregate = o.aggregate());
    set!(p.duplicates = o.duplicates());
    Ok(p)
}

fn mada_params(o: &Opts<'_>) -> Result<mada::Params, CoreError> {
    let mut p = mada::Params::default();
    set!(p.k = o.usize("k"));
    set!(p.aggregate = o.aggregate());
    set!(p.duplicates = o.duplicates());
    Ok(p)
}

fn tle_params(o: &Opts<'_>) -> Result<tle::Params, CoreError> {
    let mut p = tle::Params::default();
    set!(p.k = o.usize("k"));
    set!(p.epsilon = o.f64("epsilon"));
    set!(p.aggregate = o.aggregate());
    set!(p.legacy_epsilon_quirk = o.bool("legacyEpsilonQuirk"));
    set!(p.duplicates = o.duplicates());
    Ok(p)
}

fn lpca_params(o: &Opts<'_>) -> Result<lpca::Params, CoreError> {
    use lpca::Version as V;
    let mut p = lpca::Params::default();
    set!(
        p.version = o.pick(
            "version",
            &[
                ("FO", V::Fo),
                ("fan", V::Fan),
                ("maxgap", V::Maxgap),
                ("ratio", V::Ratio),
                ("participationRatio", V::ParticipationRatio),
                ("kaiser", V::Kaiser),
                ("brokenStick", V::BrokenStick),
            ]
        )
    );
    set!(p.alpha_ratio = o.f64("alphaRatio"));
    set!(p.alpha_fo = o.f64("alphaFo"));
    set!(p.alpha_fan = o.f64("alphaFan"));
    set!(p.beta_fan = o.f64("betaFan"));
    set!(p.p_fan = o.f64("pFan"));
    set!(p.center = o.bool("center"));
    set!(p.legacy_broken_stick = o.bool("legacyBrokenStick"));
    Ok(p)
}

fn corrint_params(o: &Opts<'_>) -> Result<corrint::Params, CoreError> {
    let mut p = corrint::Params::default();
    set!(p.k1 = o.usize("k1"));
    set!(p.k2 = o.usize("k2"));
    Ok(p)
}

fn mind_params(o: &Opts<'_>) -> Result<mind_ml::Params, CoreError> {
    let mut p = mind_ml::Params::default();
    set!(p.k = o.usize("k"));
    set!(p.max_dim = o.usize("maxDim"));
    set!(
        p.version = o.pick(
            "version",
            &[("MLk", mind_ml::Version::MLk), ("MLi", mind_ml::Version::MLi)]
        )
    );
    set!(p.exact_maximiser = o.bool("exactMaximiser"));
    set!(p.duplicates = o.duplicates());
    Ok(p)
}

fn danco_params(o: &Opts<'_>) -> Result<danco::Params, CoreError> {
    let mut p = danco::Params::default();
    set!(p.k = o.usize("k"));
    if let Some(d) = o.usize("maxDim")? {
        p.max_dim = Some(d);
    }
    set!(p.fractal = o.bool("fractal"));
    set!(p.seed = o.u64("seed"));
    set!(p.fix_calibration_dmax = o.bool("fixCalibrationDmax"));
    set!(p.duplicates = o.duplicates());
    Ok(p)
}

fn ess_params(o: &Opts<'_>) -> Result<ess::Params, CoreError> {
    let mut p = ess::Params::default();
    set!(p.version = o.pick("version", &[("a", ess::Version::A), ("b", ess::Version::B)]));
    set!(p.d = o.usize("d"));
    set!(p.k = o.usize("k"));
    set!(p.aggregate = o.aggregate());
    set!(p.seed = o.u64("seed"));
    Ok(p)
}

fn fishers_params(o: &Opts<'_>) -> Result<fishers::Params, CoreError> {
    let mut p = fishers::Params::default();
    set!(p.conditional_number = o.f64("conditionalNumber"));
    set!(p.project_on_sphere = o.bool("projectOnSphere"));
    if let Some(a) = o.f64s("alphas")? {
        p.alphas = Some(a);
    }
    set!(p.limit_maxdim = o.bool("limitMaxdim"));
    Ok(p)
}

fn carter_params(o: &Opts<'_>) -> Result<knn_carter::Params, CoreError> {
    let mut p = knn_carter::Params::default();
    set!(p.k = o.usize("k"));
    if let Some(ps) = o.usizes("ps")? {
        p.ps = Some(ps);
    }
    set!(p.m = o.usize("m"));
    set!(p.gamma = o.f64("gamma"));
    set!(p.seed = o.u64("seed"));
    Ok(p)
}

/// Where an estimator's neighbours come from.
struct Source<'a> {
    metric: Metric,
    given: Option<&'a Neighbors>,
}

impl Source<'_> {
    fn compute<T: Element>(&self, x: MatRef<'_, T>, k: usize, ctl: &Ctl<'_>) -> Result<Neighbors, CoreError> {
        if self.metric == Metric::Euclidean {
            return from_data::neighbors(x, k, ctl);
        }
        let k = k.min(x.rows().saturating_sub(1)).max(1);
        let p = embgeo_knn::Params {
            k,
            metric: self.metric,
            ..Default::default()
        };
        embgeo_knn::all_points(x, &p, ctl)
    }

    /// Run `f` on neighbours with at least `k` columns: the given ones, or computed ones that
    /// are widened (doubling, up to N − 1) while `f` reports `KTooLarge` (as `from_data`).
    fn with<T: Element, R>(
        &self,
        x: MatRef<'_, T>,
        k: usize,
        ctl: &Ctl<'_>,
        f: impl Fn(&Neighbors) -> Result<R, CoreError>,
    ) -> Result<R, CoreError> {
        if let Some(nb) = self.given {
            return f(nb);
        }
        let last = x.rows().saturating_sub(1);
        let mut kk = k.min(last).max(1);
        loop {
            let nb = self.compute(x, kk, ctl)?;
            match f(&nb) {
                Err(CoreError::KTooLarge { .. }) if kk < last => kk = (2 * kk).min(last),
                r => return r,
            }
        }
    }
}

/// What a job produced.
enum Produced {
    Estimate(IdEstimate),
    Curve(Curve),
}

/// One intrinsic-dimension job: an estimator (`method` = its name), a local ID
/// (`local:<method>`) or an ID-vs-scale curve (`scaling:twonn`, `scaling:gride`).
pub struct IdJob<'a> {
    data: Data<'a>,
    cols: u32,
    method: String,
    options: Map<String, Value>,
    metric: Metric,
    neighbors: Option<Neighbors>,
}

fn clamp_k(k: usize, n: usize) -> usize {
    k.min(n.saturating_sub(1))
}

impl IdJob<'_> {
    fn produce<T: Element>(&self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Produced, CoreError> {
        let o = Opts(&self.options);
        let src = Source {
            metric: self.metric,
            given: self.neighbors.as_ref(),
        };
        let n = x.rows();
        let est = match self.method.as_str() {
            "twonn" => {
                let p = twonn_params(&o)?;
                src.with(x, 2, ctl, |nb| twonn::estimate(nb, &p))?
            }
            "mle" => {
                let mut p = mle_params(&o)?;
                p.k = clamp_k(p.k, n);
                let need = if p.neighborhood_based { p.k } else { p.global_k };
                src.with(x, need, ctl, |nb| mle::estimate(nb, &p, ctl))?
            }
            "gride" => {
                let p = gride_params(&o)?;
                src.with(x, p.n2.unwrap_or(2 * p.n1), ctl, |nb| gride::estimate(nb, &p))?
            }
            "mom" => {
                let mut p = mom_params(&o)?;
                p.k = clamp_k(p.k, n);
                src.with(x, p.k, ctl, |nb| mom::estimate(nb, &p, ctl))?
            }
            "mada" => {
                let mut p = mada_params(&o)?;
                p.k = clamp_k(p.k, n);
                src.with(x, p.k, ctl, |nb| mada::estimate(nb, &p, ctl))?
            }
            "tle" => {
                let mut p = tle_params(&o)?;
                p.k = clamp_k(p.k, n);
                src.with(x, p.k, ctl, |nb| tle::estimate(x, nb, &p, ctl))?
            }
            "lpca" => {
                let p = lpca_params(&o)?;
                match o.usize("k")? {
                    None => lpca::estimate(x, &p)?,
                    Some(k) => {
                        if k >= n {
                            return Err(CoreError::KTooLarge {
                                k,
                                available: n.saturating_sub(1),
                                why: format!("X has {n} rows and each row's own index is excluded"),
                            });
                        }
                        src.with(x, k, ctl, |nb| lpca::pointwise(x, nb, k, &p, ctl))?
                    }
                }
            }
            "corrint" => {
                let p = corrint_params(&o)?;
                let (_, k2) = corrint::effective_orders(n, &p);
                src.with(x, k2, ctl, |nb| corrint::estimate(x, nb, &p, ctl))?
            }
            "mind_ml" => {
                let p = mind_params(&o)?;
                src.with(x, p.k + 1, ctl, |nb| mind_ml::estimate(nb, &p))?
            }
            "danco" => {
                let p = danco_params(&o)?;
                let k = if p.k >= n { n.saturating_sub(2) } else { p.k };
                src.with(x, k + 1, ctl, |nb| danco::estimate(x, nb, &p, ctl))?
            }
            "ess" => {
                let mut p = ess_params(&o)?;
                p.k = clamp_k(p.k, n);
                src.with(x, p.k, ctl, |nb| ess::estimate(x, nb, &p, ctl))?
            }
            "fishers" => fishers::estimate(x, &fishers_params(&o)?, ctl)?,
            "knn" => knn_carter::estimate(x, &carter_params(&o)?)?,
            other => return self.produce_other(other, x, &src, ctl),
        };
        Ok(Produced::Estimate(est))
    }

    /// ID-vs-scale curves (`scaling:<m>`) and local ID (`local:<m>`).
    fn produce_other<T: Element>(
        &self,
        method: &str,
        x: MatRef<'_, T>,
        src: &Source<'_>,
        ctl: &Ctl<'_>,
    ) -> Result<Produced, CoreError> {
        let o = Opts(&self.options);
        match method {
            "scaling:twonn" => {
                let mut p = scaling::DecimationParams {
                    twonn: twonn_params(&o)?,
                    ..Default::default()
                };
                set!(p.n_min = o.usize("nMin"));
                set!(p.seed = o.u64("seed"));
                Ok(Produced::Curve(from_data::twonn_scaling(x, &p, ctl)?))
            }
            "scaling:gride" => {
                let p = gride_scaling_params(&o)?;
                Ok(Produced::Curve(
                    src.with(x, p.range_max, ctl, |nb| scaling::gride(nb, &p))?,
                ))
            }
            other => {
                let Some(name) = other.strip_prefix("local:") else {
                    return Err(CoreError::OutOfRange {
                        name: "method",
                        expected: "a known estimator name".into(),
                        actual: format!("'{other}'"),
                    });
                };
                let method = local::Method::parse(name)?;
                let k = o.usize("k")?.unwrap_or(20);
                let values = src.with(x, k, ctl, |nb| local::local_id(method, x, nb, k, ctl))?;
                Ok(Produced::Estimate(local_estimate(name, k, x.rows(), values)))
            }
        }
    }
}

/// The `IdEstimate` of a local ID call (pointwise values; dimension = their mean).
fn local_estimate(method: &str, k: usize, n: usize, values: Vec<f64>) -> IdEstimate {
    let mean = if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    };
    IdEstimate {
        method: method.to_owned(),
        dimension: mean,
        stderr: None,
        n_samples: n,
        n_used: values.len(),
        pointwise: Some(values),
        dropped_duplicates: 0,
        discarded: 0,
        params: serde_json::json!({ "method": method, "k": k }),
        diagnostics: Vec::new(),
    }
}

impl Job for IdJob<'_> {
    type Output = Either<IdOut, CurveOut>;

    fn run(&self, ctl: &Ctl<'_>) -> Result<Self::Output, CoreError> {
        let produced = with_matrix(&self.data, self.cols, |m| match m {
            Either::A(x) => self.produce(x, ctl),
            Either::B(x) => self.produce(x, ctl),
        })?;
        Ok(match produced {
            Produced::Estimate(e) => Either::A(id_out(e)),
            Produced::Curve(c) => Either::B(curve_out(c)),
        })
    }
}

/// Neighbours passed in from an earlier `knn` (distances widened to f64 by TypeScript).
#[napi(object)]
pub struct NeighborsArg {
    /// Neighbours per row.
    pub k: u32,
    /// Rows.
    pub rows: u32,
    /// `rows * k` row indices.
    pub indices: Uint32Array,
    /// `rows * k` distances.
    pub distances: Float64Array,
}

fn build_job<'a>(
    data: Data<'a>,
    cols: u32,
    method: String,
    options: &str,
    metric: &str,
    neighbors: Option<NeighborsArg>,
) -> Result<IdJob<'a>, CoreError> {
    let Ok(Value::Object(options)) = serde_json::from_str::<Value>(options) else {
        return Err(CoreError::Internal("intdim options are not a JSON object".into()));
    };
    let parsed = Metric::parse(metric)?;
    if !matches!(parsed, Metric::Euclidean | Metric::Cosine) {
        return Err(CoreError::OutOfRange {
            name: "metric",
            expected: "'euclidean' or 'cosine'".into(),
            actual: format!("'{metric}'"),
        });
    }
    let metric = parsed;
    let neighbors = neighbors
        .map(|nb| {
            Neighbors::new(
                nb.k as usize,
                nb.rows as usize,
                nb.indices.to_vec(),
                nb.distances.to_vec(),
            )
        })
        .transpose()?;
    Ok(IdJob {
        data,
        cols,
        method,
        options,
        metric,
        neighbors,
    })
}

/// Run an intrinsic-dimension job (`method`: an estimator, `local:<m>` or `scaling:<m>`) on the
/// calling thread; `options` is a JSON object of validated options.
#[napi(ts_return_type = "IdOut | CurveOut")]
#[allow(clippy::needless_pass_by_value)] // napi hands JS strings over as owned `String`s
pub fn intdim_run_sync(
    env: Env,
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
    method: String,
    options: String,
    metric: String,
    neighbors: Option<NeighborsArg>,
) -> napi::Result<Either<IdOut, CurveOut>> {
    let job = build_job(Data::borrowed(data), cols, method, &options, &metric, neighbors)
        .map_err(|e| to_napi(env, &e))?;
    run_sync(env, &job)
}

/// [`intdim_run_sync`] on the embgeo pool; `data` is copied once before this returns.
#[napi(ts_return_type = "Promise<IdOut | CurveOut>")]
#[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)] // sync twin + control; napi owns strings
pub fn intdim_run(
    env: Env,
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
    method: String,
    options: String,
    metric: String,
    neighbors: Option<NeighborsArg>,
    control: Option<&JobControl>,
) -> napi::Result<AsyncTask<JobTask<IdJob<'static>>>> {
    let job = build_job(Data::copied(data), cols, method, &options, &metric, neighbors)
        .map_err(|e| to_napi(env, &e))?;
    Ok(run_async(job, control))
}

/// A generated benchmark manifold.
#[napi(object)]
pub struct ManifoldOut {
    /// Row-major `rows × cols` values.
    pub data: Float64Array,
    /// Points.
    pub rows: u32,
    /// Ambient dimension.
    pub cols: u32,
    /// True intrinsic dimension.
    pub intrinsic_dimension: u32,
}

/// One of scikit-dimension's 24 benchmark manifolds (`ChaCha8` stream seeded with `seed`).
#[napi]
#[allow(clippy::needless_pass_by_value)] // napi hands JS strings over as owned `String`s
pub fn intdim_benchmark_manifold(
    env: Env,
    name: String,
    n: u32,
    noise: f64,
    seed: f64,
) -> napi::Result<ManifoldOut> {
    let m = embgeo_intdim::datasets::manifold(&name, n as usize, noise, seed as u64)
        .map_err(|e| to_napi(env, &e))?;
    Ok(ManifoldOut {
        data: m.data.into(),
        rows: n,
        cols: m.cols as u32,
        intrinsic_dimension: m.intrinsic_dim as u32,
    })
}

/// `[name, intrinsic dimension, ambient dimension]` of every benchmark manifold.
#[napi]
#[must_use]
pub fn intdim_manifolds() -> Vec<(String, u32, u32)> {
    embgeo_intdim::datasets::MANIFOLDS
        .iter()
        .map(|&(n, d, big_d)| (n.to_string(), d as u32, big_d as u32))
        .collect()
}
