//! One [`Estimator`] per intrinsic-dimension method: name, options, needs (the k rule) and the
//! call. Adding an estimator = one impl here + one line in `registry!` (see
//! docs/architecture.md, "Adding an intrinsic-dimension estimator").

use embgeo_core::{Ctl, Element, Error, Result};
use serde_json::{json, Map, Value};

use super::spec::{flag, int, num, one_of, positive, unit, OptionSpec, AGGREGATE, DUPLICATES, SEED};
use super::{serde_defaults, serde_parse, Estimator, Input, KRule, Needs, Output, Source, Traits, Uses};
use crate::{
    corrint, danco, ess, fishers, gride, knn_carter, local, lpca, mada, mind_ml, mle, mom, ph, scaling, tle,
    twonn, IdEstimate,
};

const NEIGHBOURS: Traits = Traits {
    neighbors: Uses::Always,
    pointwise: false,
    min_rows: 3,
};
const POINTWISE: Traits = Traits {
    pointwise: true,
    ..NEIGHBOURS
};

/// `type Params`, `parse` and `defaults` of an estimator whose `Params` is a serde struct.
macro_rules! serde_params {
    ($p:ty) => {
        type Params = $p;
        fn parse(options: Map<String, Value>) -> Result<$p> {
            serde_parse(options)
        }
        fn defaults() -> Value {
            serde_defaults::<$p>()
        }
    };
}

const TWONN_OPTIONS: [OptionSpec; 6] = [
    num(
        "discardFraction",
        Some(0.0),
        Some(1.0),
        (false, true),
        "Fraction of the largest ratios discarded, in [0, 1) (0 needs estimator 'mle' or 'bayes').",
    ),
    one_of(
        "estimator",
        &["regression", "mle", "bayes"],
        "'regression' (Facco et al.), 'mle' (censored unbiased MLE) or 'bayes' (Gamma prior, DADApy).",
    ),
    positive("priorAlpha", "Gamma prior shape of 'bayes'."),
    positive("priorBeta", "Gamma prior rate of 'bayes'."),
    flag("posteriorMean", "'bayes': posterior mean (true) or mode."),
    DUPLICATES,
];

/// TwoNN (Facco et al. 2017).
pub struct TwoNN;
impl Estimator for TwoNN {
    const NAME: &'static str = "twoNN";
    const DOC: &'static str = "{@link twoNN} options (scikit-dimension `TwoNN`, DADApy `compute_id_2NN`).";
    const OPTIONS: &'static [OptionSpec] = &TWONN_OPTIONS;
    const TRAITS: Traits = NEIGHBOURS;
    serde_params!(twonn::Params);
    fn needs(_: &mut twonn::Params, _: &mut KRule) -> Result<Needs> {
        Ok(Needs::Neighbors(2))
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &twonn::Params, _: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(twonn::estimate(i.neighbors()?, p)?))
    }
}

/// Levina–Bickel MLE.
pub struct Mle;
impl Estimator for Mle {
    const NAME: &'static str = "mle";
    const DOC: &'static str = "{@link mle} options (Levina–Bickel; MacKay–Ghahramani harmonic aggregation).";
    const OPTIONS: &'static [OptionSpec] = &[
        int("k", 2, "Neighbours per point."),
        one_of("aggregate", AGGREGATE, "How pointwise values are combined ('harmonic' = scikit-dimension `fit().dimension_`)."),
        one_of(
            "normalization",
            &["levinaBickel", "unbiased", "hill"],
            "'levinaBickel' (k − 1), 'unbiased' (k − 2) or 'hill' (k, Amsaleg's LID).",
        ),
        flag("smooth", "Also return smoothed pointwise values as diagnostic `pointwise_smooth`."),
        flag(
            "neighborhoodBased",
            "false: pool distinct distances of `globalK` neighbours (scikit-dimension `neighborhood_based=False`).",
        ),
        int("globalK", 2, "Neighbours pooled when `neighborhoodBased` is false."),
        DUPLICATES,
    ];
    const TRAITS: Traits = POINTWISE;
    serde_params!(mle::Params);
    fn needs(p: &mut mle::Params, rule: &mut KRule) -> Result<Needs> {
        if p.neighborhood_based {
            p.k = rule.fit("k", p.k, 0)?;
            Ok(Needs::Neighbors(p.k))
        } else {
            p.global_k = rule.fit("globalK", p.global_k, 0)?;
            Ok(Needs::Neighbors(p.global_k))
        }
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &mle::Params, ctl: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(mle::estimate(i.neighbors()?, p, ctl)?))
    }
}

const BISECTION: [OptionSpec; 3] = [
    positive("d0", "Bisection interval start."),
    positive("d1", "Bisection interval end."),
    positive("eps", "Bisection tolerance."),
];

/// GRIDE at one scale.
pub struct GrideEst;
impl Estimator for GrideEst {
    const NAME: &'static str = "gride";
    const DOC: &'static str = "{@link gride} options (DADApy `compute_id_gride`, one scale).";
    const OPTIONS: &'static [OptionSpec] = &[
        int("n1", 1, "Lower neighbour order."),
        int("n2", 2, "Upper neighbour order, > n1; default 2·n1."),
        BISECTION[0],
        BISECTION[1],
        BISECTION[2],
        DUPLICATES,
    ];
    const TRAITS: Traits = NEIGHBOURS;
    serde_params!(gride::Params);
    fn needs(p: &mut gride::Params, rule: &mut KRule) -> Result<Needs> {
        let n2 = p.n2.unwrap_or(2 * p.n1);
        if n2 <= p.n1 {
            return Err(Error::OutOfRange {
                name: "n2",
                expected: format!("greater than n1 = {}", p.n1),
                actual: n2.to_string(),
            });
        }
        Ok(Needs::Neighbors(rule.require("n2", n2, 0)?))
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &gride::Params, _: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(gride::estimate(i.neighbors()?, p)?))
    }
}

/// lPCA: global, or pointwise with `k`.
pub struct Lpca;
impl Estimator for Lpca {
    const NAME: &'static str = "lpca";
    const DOC: &'static str = "{@link lpca} options (scikit-dimension `lPCA`).";
    const OPTIONS: &'static [OptionSpec] = &[
        one_of(
            "version",
            &["FO", "fan", "maxgap", "ratio", "participationRatio", "kaiser", "brokenStick"],
            "Rule turning the spectrum into a dimension ('FO' = Fukunaga–Olsen).",
        ),
        int(
            "k",
            2,
            "Neighbourhood size: the version applied to each point's k nearest neighbours (`fit_pw`), dimension = their mean. Omitted: one global PCA.",
        ),
        unit("alphaRatio", "α of 'ratio'."),
        unit("alphaFo", "α of 'FO'."),
        positive("alphaFan", "Gap threshold of 'fan'."),
        unit("betaFan", "Cumulative threshold of 'fan'."),
        unit("pFan", "Noise-variance cut of 'fan'."),
        flag("center", "Centre the data."),
        flag("legacyBrokenStick", "scikit-dimension ≤ 0.3 broken-stick rule."),
    ];
    const TRAITS: Traits = Traits {
        neighbors: Uses::WithOption("k"),
        pointwise: true,
        min_rows: 2,
    };
    type Params = (lpca::Params, Option<usize>);
    fn parse(mut options: Map<String, Value>) -> Result<Self::Params> {
        let k = options.remove("k").and_then(|v| v.as_u64()).map(|k| k as usize);
        Ok((serde_parse(options)?, k))
    }
    fn defaults() -> Value {
        let mut d = serde_defaults::<lpca::Params>();
        if let Value::Object(o) = &mut d {
            o.insert("k".into(), Value::Null);
        }
        d
    }
    fn needs(p: &mut Self::Params, rule: &mut KRule) -> Result<Needs> {
        Ok(match p.1 {
            None => Needs::Coordinates,
            Some(k) => Needs::Neighbors(rule.require("k", k, 0)?),
        })
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &Self::Params, ctl: &Ctl<'_>) -> Result<Output> {
        match p.1 {
            None => Ok(Output::Estimate(lpca::estimate(i.x, &p.0)?)),
            Some(k) => Ok(Output::Estimate(lpca::pointwise(
                i.x,
                i.neighbors()?,
                k,
                &p.0,
                ctl,
            )?)),
        }
    }
}

/// Correlation dimension.
pub struct CorrInt;
impl Estimator for CorrInt {
    const NAME: &'static str = "corrInt";
    const DOC: &'static str = "{@link corrInt} options (Grassberger–Procaccia correlation integral).";
    const OPTIONS: &'static [OptionSpec] = &[
        int("k1", 1, "Neighbour order of the small radius."),
        int("k2", 2, "Neighbour order of the large radius."),
    ];
    const TRAITS: Traits = NEIGHBOURS;
    serde_params!(corrint::Params);
    fn needs(p: &mut corrint::Params, rule: &mut KRule) -> Result<Needs> {
        p.k2 = rule.fit("k2", p.k2, 0)?;
        if rule.given("k1") {
            rule.require("k1", p.k1, 0)?;
        }
        let (_, k2) = corrint::effective_orders(rule.rows(), p);
        Ok(Needs::Neighbors(k2))
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &corrint::Params, ctl: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(corrint::estimate(i.x, i.neighbors()?, p, ctl)?))
    }
}

/// The `needs` of estimators with one k and no extra column.
fn plain_k(k: &mut usize, rule: &mut KRule) -> Result<Needs> {
    *k = rule.fit("k", *k, 0)?;
    Ok(Needs::Neighbors(*k))
}

/// Method of moments.
pub struct Mom;
impl Estimator for Mom {
    const NAME: &'static str = "mom";
    const DOC: &'static str = "{@link mom} options (method of moments).";
    const OPTIONS: &'static [OptionSpec] = &[
        int("k", 2, "Neighbours per point."),
        one_of("aggregate", AGGREGATE, "How pointwise values are combined."),
        DUPLICATES,
    ];
    const TRAITS: Traits = POINTWISE;
    serde_params!(mom::Params);
    fn needs(p: &mut mom::Params, rule: &mut KRule) -> Result<Needs> {
        plain_k(&mut p.k, rule)
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &mom::Params, ctl: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(mom::estimate(i.neighbors()?, p, ctl)?))
    }
}

/// Tight local estimator.
pub struct Tle;
impl Estimator for Tle {
    const NAME: &'static str = "tle";
    const DOC: &'static str = "{@link tle} options (tight local estimator).";
    const OPTIONS: &'static [OptionSpec] = &[
        int("k", 2, "Neighbours per point."),
        num(
            "epsilon",
            Some(0.0),
            None,
            (false, false),
            "Absolute distance threshold ε.",
        ),
        one_of("aggregate", AGGREGATE, "How pointwise values are combined."),
        flag("legacyEpsilonQuirk", "scikit-dimension 0.3.x ε handling."),
        DUPLICATES,
    ];
    const TRAITS: Traits = POINTWISE;
    serde_params!(tle::Params);
    fn needs(p: &mut tle::Params, rule: &mut KRule) -> Result<Needs> {
        plain_k(&mut p.k, rule)
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &tle::Params, ctl: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(tle::estimate(i.x, i.neighbors()?, p, ctl)?))
    }
}

/// Manifold-adaptive dimension.
pub struct Mada;
impl Estimator for Mada {
    const NAME: &'static str = "mada";
    const DOC: &'static str = "{@link mada} options (manifold-adaptive dimension).";
    const OPTIONS: &'static [OptionSpec] = &[
        int("k", 2, "Neighbour order."),
        one_of("aggregate", AGGREGATE, "How pointwise values are combined."),
        DUPLICATES,
    ];
    const TRAITS: Traits = POINTWISE;
    serde_params!(mada::Params);
    fn needs(p: &mut mada::Params, rule: &mut KRule) -> Result<Needs> {
        plain_k(&mut p.k, rule)
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &mada::Params, ctl: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(mada::estimate(i.neighbors()?, p, ctl)?))
    }
}

/// MiND_ML.
pub struct MindMl;
impl Estimator for MindMl {
    const NAME: &'static str = "mindMl";
    const DOC: &'static str = "{@link mindMl} options (MiND_ML).";
    const OPTIONS: &'static [OptionSpec] = &[
        int("k", 1, "k of the likelihood (ρ uses the (k+1)-th neighbour)."),
        int("maxDim", 1, "Largest dimension considered."),
        one_of(
            "version",
            &["MLk", "MLi"],
            "'MLk' (continuous) or 'MLi' (integer).",
        ),
        flag(
            "exactMaximiser",
            "Return the exact maximiser instead of the reference optimizer's value.",
        ),
        DUPLICATES,
    ];
    const TRAITS: Traits = NEIGHBOURS;
    serde_params!(mind_ml::Params);
    fn needs(p: &mut mind_ml::Params, rule: &mut KRule) -> Result<Needs> {
        p.k = rule.fit("k", p.k, 1)?;
        Ok(Needs::Neighbors(p.k + 1))
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &mind_ml::Params, _: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(mind_ml::estimate(i.neighbors()?, p)?))
    }
}

/// DANCo.
pub struct Danco;
impl Estimator for Danco {
    const NAME: &'static str = "danco";
    const DOC: &'static str = "{@link danco} options (DANCo).";
    const OPTIONS: &'static [OptionSpec] = &[
        int("k", 1, "Neighbourhood size."),
        int(
            "maxDim",
            1,
            "Largest candidate dimension; default the number of columns.",
        ),
        flag("fractal", "Refine on a spline of the KL curve."),
        SEED,
        flag(
            "fixCalibrationDmax",
            "Calibrate d̂ with D = 2m + 5 (R original) instead of the reference's k.",
        ),
        DUPLICATES,
    ];
    const TRAITS: Traits = NEIGHBOURS;
    serde_params!(danco::Params);
    fn needs(p: &mut danco::Params, rule: &mut KRule) -> Result<Needs> {
        p.k = rule.fit("k", p.k, 1)?;
        Ok(Needs::Neighbors(p.k + 1))
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &danco::Params, ctl: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(danco::estimate(i.x, i.neighbors()?, p, ctl)?))
    }
}

/// Expected simplex skewness.
pub struct Ess;
impl Estimator for Ess {
    const NAME: &'static str = "ess";
    const DOC: &'static str = "{@link ess} options (expected simplex skewness).";
    const OPTIONS: &'static [OptionSpec] = &[
        one_of(
            "version",
            &["a", "b"],
            "'a' (volume) or 'b' (projection, d = 1 only).",
        ),
        int("d", 1, "Simplex dimension."),
        int("k", 2, "Neighbours per point."),
        one_of("aggregate", AGGREGATE, "How pointwise values are combined."),
        SEED,
    ];
    const TRAITS: Traits = POINTWISE;
    serde_params!(ess::Params);
    fn needs(p: &mut ess::Params, rule: &mut KRule) -> Result<Needs> {
        plain_k(&mut p.k, rule)
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &ess::Params, ctl: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(ess::estimate(i.x, i.neighbors()?, p, ctl)?))
    }
}

/// Fisher separability.
pub struct FisherS;
impl Estimator for FisherS {
    const NAME: &'static str = "fisherS";
    const DOC: &'static str = "{@link fisherS} options (Fisher separability).";
    const OPTIONS: &'static [OptionSpec] = &[
        positive(
            "conditionalNumber",
            "Keep principal components with λⱼ/λ₁ > 1/conditionalNumber.",
        ),
        flag(
            "projectOnSphere",
            "Project the whitened points onto the unit sphere.",
        ),
        OptionSpec {
            name: "alphas",
            kind: super::spec::Kind::Numbers {
                min: 0.0,
                max: 1.0,
                open: true,
            },
            doc: "Margins α in (0, 1), ascending; default 0.6, 0.62, …, 0.98.",
        },
        flag("limitMaxdim", "Clip the result to the number of columns."),
    ];
    const TRAITS: Traits = Traits {
        neighbors: Uses::Never,
        pointwise: false,
        min_rows: 2,
    };
    serde_params!(fishers::Params);
    fn needs(_: &mut fishers::Params, _: &mut KRule) -> Result<Needs> {
        Ok(Needs::Coordinates)
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &fishers::Params, ctl: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(fishers::estimate(i.x, p, ctl)?))
    }
}

/// Carter's kNN-graph length estimator.
pub struct KnnId;
impl Estimator for KnnId {
    const NAME: &'static str = "knnId";
    const DOC: &'static str = "{@link knnId} options (Carter's kNN-graph length estimator).";
    const OPTIONS: &'static [OptionSpec] = &[
        int("k", 1, "Neighbours in the graph."),
        OptionSpec {
            name: "ps",
            kind: super::spec::Kind::Ints { min: 2 },
            doc: "Sample sizes, each in (k, N]; default k+1 … k+4.",
        },
        int("m", 1, "Repetitions per sample size."),
        positive("gamma", "Edge-length exponent γ."),
        SEED,
    ];
    const TRAITS: Traits = Traits {
        neighbors: Uses::Never,
        pointwise: false,
        min_rows: 3,
    };
    serde_params!(knn_carter::Params);
    fn needs(_: &mut knn_carter::Params, _: &mut KRule) -> Result<Needs> {
        Ok(Needs::Coordinates)
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &knn_carter::Params, _: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(knn_carter::estimate(i.x, p)?))
    }
}

/// Persistent-homology (PH₀) dimension.
pub struct Ph;
impl Estimator for Ph {
    const NAME: &'static str = "ph";
    const DOC: &'static str =
        "{@link ph} options (scikit-dimension `PH`, the PH₀ / minimum-spanning-tree dimension).";
    const OPTIONS: &'static [OptionSpec] = &[
        positive("alpha", "Persistence power α: the MST edge lengths are raised to it."),
        positive(
            "nRangeMin",
            "Smallest subsample size: a fraction of N in (0, 1) ('fraction', rounded up) or a number of points ≥ 2 ('num').",
        ),
        positive(
            "nRangeMax",
            "Largest subsample size, same convention: ≤ 1 ('fraction') or ≤ N ('num'), above nRangeMin.",
        ),
        one_of("rangeType", &["fraction", "num"], "How nRangeMin and nRangeMax are read."),
        int("nsteps", 2, "Number of subsample sizes, evenly spaced from the smallest to the largest."),
        int("subsamples", 1, "Random subsamples per size."),
        one_of(
            "metric",
            &["euclidean", "cosine"],
            "Distance of the spanning tree: 'euclidean' or 'cosine' (1 − cos, scipy's 'cosine').",
        ),
        SEED,
    ];
    const TRAITS: Traits = Traits {
        neighbors: Uses::Never,
        pointwise: false,
        min_rows: 3,
    };
    serde_params!(ph::Params);
    fn needs(_: &mut ph::Params, _: &mut KRule) -> Result<Needs> {
        Ok(Needs::Coordinates)
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &ph::Params, ctl: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Estimate(ph::estimate(i.x, p, ctl)?))
    }
}

/// Parameters of [`LocalId`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct LocalParams {
    /// The local estimator (required).
    pub method: Option<local::Method>,
    /// Neighbours per point (20).
    pub k: usize,
}

impl Default for LocalParams {
    fn default() -> Self {
        Self { method: None, k: 20 }
    }
}

/// Pointwise (local) ID of every row.
pub struct LocalId;
impl Estimator for LocalId {
    const NAME: &'static str = "localId";
    const DOC: &'static str = "{@link localId} options.";
    const OPTIONS: &'static [OptionSpec] = &[
        one_of(
            "method",
            &["mle", "lid", "mom", "tle", "mada", "lpca", "ess"],
            "The local estimator: 'mle', 'lid' (Hill/Amsaleg), 'mom', 'tle', 'mada', 'lpca' (FO) or 'ess'.",
        ),
        int(
            "k",
            2,
            "Neighbours per point (a k larger than N − 1 is ERR_K_TOO_LARGE, default included).",
        ),
    ];
    const TRAITS: Traits = NEIGHBOURS;
    serde_params!(LocalParams);
    fn needs(p: &mut LocalParams, rule: &mut KRule) -> Result<Needs> {
        if p.method.is_none() {
            return Err(Error::OutOfRange {
                name: "method",
                expected: "one of 'mle', 'lid', 'mom', 'tle', 'mada', 'lpca', 'ess'".into(),
                actual: "undefined".into(),
            });
        }
        Ok(Needs::Neighbors(rule.require("k", p.k, 0)?))
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &LocalParams, ctl: &Ctl<'_>) -> Result<Output> {
        let method = p.method.unwrap_or(local::Method::Mle);
        let values = local::local_id(method, i.x, i.neighbors()?, p.k, ctl)?;
        let n = i.x.rows();
        let mut e = IdEstimate::new(
            Self::NAME,
            values.iter().sum::<f64>() / values.len().max(1) as f64,
            n,
            json!({ "method": method, "k": p.k }),
        );
        e.n_used = values.len();
        e.pointwise = Some(values);
        Ok(Output::Estimate(e))
    }
}

/// TwoNN versus scale by decimation.
pub struct TwoNNScaling;
impl Estimator for TwoNNScaling {
    const NAME: &'static str = "idScaling:twonn";
    const DOC: &'static str = "{@link idScaling} options of method 'twonn'.";
    const OPTIONS: &'static [OptionSpec] = &[
        TWONN_OPTIONS[0],
        TWONN_OPTIONS[1],
        TWONN_OPTIONS[2],
        TWONN_OPTIONS[3],
        TWONN_OPTIONS[4],
        TWONN_OPTIONS[5],
        int(
            "nMin",
            2,
            "Smallest subset size kept (sizes must exceed it; a default >= N is lowered to N − 1).",
        ),
        SEED,
    ];
    const TRAITS: Traits = Traits {
        neighbors: Uses::Never,
        pointwise: false,
        min_rows: 3,
    };
    type Params = scaling::DecimationParams;
    fn parse(mut options: Map<String, Value>) -> Result<Self::Params> {
        let mut p = scaling::DecimationParams::default();
        if let Some(n) = options.remove("nMin").and_then(|v| v.as_u64()) {
            p.n_min = n as usize;
        }
        if let Some(s) = options.remove("seed").and_then(|v| v.as_u64()) {
            p.seed = s;
        }
        p.twonn = serde_parse(options)?;
        Ok(p)
    }
    fn defaults() -> Value {
        let p = scaling::DecimationParams::default();
        let mut d = serde_defaults::<twonn::Params>();
        if let Value::Object(o) = &mut d {
            o.insert("nMin".into(), json!(p.n_min));
            o.insert("seed".into(), json!(p.seed));
        }
        d
    }
    fn needs(p: &mut Self::Params, rule: &mut KRule) -> Result<Needs> {
        // the k rule for nMin: a default that leaves no scale (N <= 10) is lowered to N - 1 so
        // that the full set remains; a given one is checked by the decimation (OutOfRange)
        if !rule.given("nMin") {
            p.n_min = p.n_min.min(rule.rows().saturating_sub(1));
        }
        Ok(Needs::Coordinates)
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &Self::Params, ctl: &Ctl<'_>) -> Result<Output> {
        let knn2 = |sub: embgeo_core::MatRef<'_, f64>, ctl: &Ctl<'_>| Source::default().compute(sub, 2, ctl);
        Ok(Output::Curve(scaling::twonn_decimation_with(i.x, p, ctl, knn2)?))
    }
}

/// GRIDE at doubling neighbour orders.
pub struct GrideScaling;
impl Estimator for GrideScaling {
    const NAME: &'static str = "idScaling:gride";
    const DOC: &'static str = "{@link idScaling} options of method 'gride'.";
    const OPTIONS: &'static [OptionSpec] = &[
        int("rangeMax", 2, "Largest neighbour order."),
        BISECTION[0],
        BISECTION[1],
        BISECTION[2],
        DUPLICATES,
    ];
    const TRAITS: Traits = NEIGHBOURS;
    serde_params!(gride::ScalingParams);
    fn needs(p: &mut gride::ScalingParams, rule: &mut KRule) -> Result<Needs> {
        p.range_max = rule.fit("rangeMax", p.range_max, 0)?;
        Ok(Needs::Neighbors(p.range_max))
    }
    fn estimate<T: Element>(i: &Input<'_, T>, p: &gride::ScalingParams, _: &Ctl<'_>) -> Result<Output> {
        Ok(Output::Curve(scaling::gride(i.neighbors()?, p)?))
    }
}
