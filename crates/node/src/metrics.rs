//! Glue for `embgeo_metrics`: column statistics, anisotropy, spectrum / effective rank, hubness,
//! duplicate rows, row norms, summaries, histograms and seeded sampling.

use embgeo_jobs::metrics::{HubnessJob, TakeJob};
use embgeo_metrics::{anisotropy, column_stats, duplicates, hubness, norms, sample, spectrum, summary};
use napi::bindgen_prelude::{Either, Float32Array, Float64Array, Object, Uint32Array};
use napi::Env;
use napi_derive::napi;

use crate::input::{params, FloatArg};
use crate::task::{build, Js};
use crate::{matrix_fn, to_js, twins};

/// Per-column statistics (`Float64Array`s of length `cols`).
#[napi(object)]
pub struct ColumnStatsOut {
    pub rows: u32,
    pub mean: Float64Array,
    pub variance: Float64Array,
    pub min: Float64Array,
    pub max: Float64Array,
}

matrix_fn!(
    #[doc = " Per-column mean, variance (`options.ddof`), min and max; O(n·d) time, O(d) memory."]
    column_stats_sync, column_stats, ColumnStats(column_stats::Params, "{ ddof?: number }") -> ColumnStatsOut,
    "Promise<ColumnStatsOut>", column_stats::compute
);

to_js!(column_stats::ColumnStats => ColumnStatsOut |r| { rows, mean, variance, min, max });

/// Anisotropy measures (`embgeo_metrics::anisotropy`).
#[napi(object)]
pub struct AnisotropyOut {
    pub rows: u32,
    pub zero_rows: u32,
    pub mean_norm: f64,
    pub mean_row_norm: f64,
    pub mean_norm_ratio: f64,
    pub average_cosine: f64,
    pub cosine_std: f64,
}

matrix_fn!(
    #[doc = " Anisotropy measures (`embgeo_metrics::anisotropy`)."]
    anisotropy_sync, anisotropy, Anisotropy(anisotropy::Params, "{}") -> AnisotropyOut,
    "Promise<AnisotropyOut>", anisotropy::compute
);

to_js!(anisotropy::Anisotropy => AnisotropyOut |r| {
    rows,
    zero_rows,
    mean_norm,
    mean_row_norm,
    mean_norm_ratio,
    average_cosine,
    cosine_std,
});

/// Covariance spectrum and its summaries (`embgeo_metrics::spectrum`).
#[napi(object)]
pub struct SpectrumOut {
    pub rows: u32,
    /// The `cols` covariance eigenvalues (ddof 1), decreasing; rounding noise reported as 0.
    pub eigenvalues: Float64Array,
    pub explained_variance_ratio: Float64Array,
    pub total_variance: f64,
    pub effective_rank: f64,
    pub participation_ratio: f64,
    pub rank: u32,
    pub rank_tolerance: f64,
}

matrix_fn!(
    #[doc = " Covariance spectrum, effective rank and numerical rank (`embgeo_metrics::spectrum`)."]
    spectrum_sync, spectrum, Spectrum(spectrum::Params, "{ rankRtol?: number }") -> SpectrumOut,
    "Promise<SpectrumOut>", spectrum::compute
);

to_js!(spectrum::Spectrum => SpectrumOut |r| {
    rows,
    eigenvalues,
    explained_variance_ratio,
    total_variance,
    effective_rank,
    participation_ratio,
    rank,
    rank_tolerance,
});

/// Exact duplicate rows (`embgeo_metrics::duplicates`).
#[napi(object)]
pub struct DuplicatesOut {
    pub count: u32,
    pub groups: u32,
    pub unique: u32,
    /// Per row, the index of the first row equal to it.
    pub first_of: Uint32Array,
}

matrix_fn!(
    #[doc = " Exact duplicate rows (`embgeo_metrics::duplicates`)."]
    duplicates_sync, duplicates, Duplicates(duplicates::Params, "{}") -> DuplicatesOut,
    "Promise<DuplicatesOut>", duplicates::compute
);

to_js!(duplicates::Duplicates => DuplicatesOut |r| { count, groups, unique, first_of });

/// No options.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoOptions {}

matrix_fn!(
    #[doc = " The n row norms, as f64 (`embgeo_metrics::norms::row_norms`)."]
    row_norms_sync, row_norms, RowNorms(NoOptions, "{}") -> Float64Array, "Promise<Float64Array>",
    |x, _, ctl| { Ok(norms::row_norms(x, ctl)?.into()) }
);

matrix_fn!(
    #[doc = " The n × d rows scaled to unit norm, as f64 (`embgeo_metrics::norms::unit_rows`)."]
    unit_rows_sync, unit_rows, UnitRows(NoOptions, "{}") -> Float64Array, "Promise<Float64Array>",
    |x, _, ctl| { Ok(norms::unit_rows(x, ctl)?.into()) }
);

matrix_fn!(
    #[doc = " The n × d rows widened to f64, exactly (`embgeo_metrics::norms::widen`)."]
    widen_sync, widen, Widen(NoOptions, "{}") -> Float64Array, "Promise<Float64Array>",
    |x, _, ctl| { Ok(norms::widen(x, ctl)?.into()) }
);

/// Roy–Vetterli effective rank of a spectrum (`[effectiveRank, participationRatio]`).
#[napi]
pub fn effective_rank(env: Env, eigenvalues: &[f64]) -> napi::Result<(f64, f64)> {
    let both = || {
        Ok((
            spectrum::effective_rank(eigenvalues)?,
            spectrum::participation_ratio(eigenvalues)?,
        ))
    };
    build(env, both)
}

/// Hubness measures of a kNN graph (`embgeo_metrics::hubness`).
#[napi(object)]
pub struct HubnessOut {
    pub k: u32,
    pub occurrences: Uint32Array,
    pub skewness: f64,
    pub robinhood: f64,
    pub max_occurrence: u32,
    pub anti_hubs: u32,
    pub hubs: u32,
    pub hub_occurrence: f64,
}

to_js!(hubness::Hubness => HubnessOut |r| {
    k,
    occurrences,
    skewness,
    robinhood,
    max_occurrence,
    anti_hubs,
    hubs,
    hub_occurrence,
});

twins!(
    #[doc = " Hubness of the first k of each row of `rows × stride` neighbour indices into `n` points (`shape`)."]
    hubness_sync, hubness -> HubnessOut, "Promise<HubnessOut>", Js<HubnessJob<'static>, HubnessOut>;
    |env, hold| (
        indices: &[u32],
        #[napi(ts_arg_type = "[rows: number, k: number, stride: number, n: number]")] shape: Vec<u32>,
        #[napi(ts_arg_type = "{ hubSize?: number }")] options: Object
    ) {
        let params = params(env, options)?;
        let shape = <[u32; 4]>::try_from(shape.as_slice())
            .map_err(|_| embgeo_core::Error::Internal("hubness shape must be [rows, k, stride, n]".into()))?;
        Ok(Js::new(HubnessJob { indices: hold.slice(indices), shape, params }))
    }
);

/// `[min, max, mean, median, std, p10, p90]` of `values` (`embgeo_metrics::summary::summarize`:
/// population std, numpy-interpolated percentiles).
#[napi]
#[must_use]
pub fn summarize(values: &[f64]) -> Vec<f64> {
    let s = summary::summarize(values);
    vec![s.min, s.max, s.mean, s.median, s.std, s.p10, s.p90]
}

/// Percentile `q` of ascending `sorted` (numpy's linear interpolation).
#[napi]
#[must_use]
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    summary::percentile(sorted, q)
}

/// A histogram: `edges.length === counts.length + 1`.
#[napi(object)]
pub struct HistogramOut {
    pub edges: Vec<f64>,
    pub counts: Vec<u32>,
}

impl From<summary::Histogram> for HistogramOut {
    fn from(h: summary::Histogram) -> Self {
        Self {
            edges: h.edges,
            counts: h.counts,
        }
    }
}

/// Equal-width histogram of `values` with `bins` bins.
#[napi]
#[must_use]
pub fn histogram(values: &[f64], bins: u32) -> HistogramOut {
    summary::histogram(values, bins as usize).into()
}

/// Histogram of integer counts, one bin per integer up to `maxBins` bins.
#[napi]
#[must_use]
pub fn integer_histogram(values: &[u32], max_bins: u32) -> HistogramOut {
    summary::integer_histogram(values, max_bins as usize).into()
}

/// `m` distinct indices of `0..n` drawn uniformly with `seed` (`ChaCha8`), ascending.
#[napi]
pub fn sample_indices(env: Env, n: f64, m: f64, seed: f64) -> napi::Result<Uint32Array> {
    build(env, || {
        Ok(sample::sample_indices(n as usize, m as usize, seed as u64)?.into())
    })
}

twins!(
    #[doc = " The rows `indices` of a matrix, copied, in its element type."]
    take_rows_sync, take_rows -> Either<Float32Array, Float64Array>, "Promise<Float32Array | Float64Array>",
    Js<TakeJob<'static>, Either<Float32Array, Float64Array>>;
    |env, hold| (
        #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
        cols: u32,
        indices: &[u32]
    ) {
        Ok(Js::new(TakeJob { data: hold.data(data), cols, indices: hold.slice(indices) }))
    }
);
