//! Glue for `embgeo_metrics`: column statistics, anisotropy and hubness (each with its mergeable
//! part, merge and bytes), spectrum / effective rank, duplicate rows, row norms, summaries,
//! histograms and seeded sampling.

use std::borrow::Cow;

use embgeo_jobs::metrics::{HubnessJob, HubnessPartJob, TakeJob};
use embgeo_metrics::anisotropy_part::{self, AnisotropyPart};
use embgeo_metrics::column_stats::ColumnStatsPart;
use embgeo_metrics::hubness_part::{self, HubnessPart};
use embgeo_metrics::{anisotropy, column_stats, duplicates, hubness, norms, sample, spectrum, summary};
use napi::bindgen_prelude::{Float64Array, Object, Uint32Array, Uint8Array};
use napi::Env;
use napi_derive::napi;

use crate::error::OrThrow;
use crate::input::{float_data, params, FloatArg, Rows};
use crate::out::ToJs;
use crate::task::Js;
use crate::{js_object, numeric_fn, twins};

numeric_fn!(matrix
    #[doc = " Per-column mean, variance (`options.ddof`), min and max; O(n·d) time, O(d) memory."]
    column_stats_sync, column_stats, ColumnStats(column_stats::Params, "{ ddof?: number }") -> ColumnStatsOut,
    "Promise<ColumnStatsOut>", column_stats::compute;
    #[doc = " Per-column statistics (`Float64Array`s of length `cols`)."]
    from column_stats::ColumnStats => |r| {
        rows: u32, mean: Float64Array, variance: Float64Array, min: Float64Array, max: Float64Array,
    }
);

numeric_fn!(matrix
    #[doc = " Anisotropy measures (`embgeo_metrics::anisotropy`)."]
    anisotropy_sync, anisotropy, Anisotropy(anisotropy::Params, "{}") -> AnisotropyOut, "Promise<AnisotropyOut>",
    anisotropy::compute;
    #[doc = " Anisotropy measures (`embgeo_metrics::anisotropy`)."]
    from anisotropy::Anisotropy => |r| {
        rows: u32, zero_rows: u32, mean_norm: f64, mean_row_norm: f64, mean_norm_ratio: f64,
        average_cosine: f64, cosine_std: f64,
    }
);

/// The host functions of a mergeable part type `$part` (passed back by JS as `$in`, converted
/// by `$conv`, returned as `$out`): the merge of a list into the measure's result (extra
/// arguments after the parts), and the binary form both ways.
macro_rules! part_fns {
    ($part:ident, $in:ident => $out:ident via $conv:ident;
     #[doc = $mdoc:literal] $merge:ident($($arg:ident: $t:ty),*) -> $res:ident = |$ps:ident| $body:expr;
     #[doc = $tdoc:literal] $to:ident, #[doc = $fdoc:literal] $from:ident) => {
        #[doc = $mdoc]
        #[napi]
        pub fn $merge(env: Env, parts: Vec<$in> $(, $arg: $t)*) -> napi::Result<$res> {
            parts
                .iter()
                .map($conv)
                .collect::<embgeo_core::Result<Vec<_>>>()
                .and_then(|v| {
                    let $ps = &v;
                    $body
                })
                .and_then(ToJs::to_js)
                .or_throw(env)
        }

        #[doc = $tdoc]
        #[napi]
        pub fn $to(env: Env, part: $in) -> napi::Result<Uint8Array> {
            $conv(&part).map(|p| p.to_bytes().into()).or_throw(env)
        }

        #[doc = $fdoc]
        #[napi]
        pub fn $from(env: Env, bytes: &[u8]) -> napi::Result<$out> {
            $part::from_bytes(bytes).and_then(ToJs::to_js).or_throw(env)
        }
    };
}

numeric_fn!(matrix
    #[doc = " The mergeable column-statistics state of a shard (`embgeo_metrics::column_stats::part`)."]
    column_stats_part_sync, column_stats_part, ColumnStatsPartFn(column_stats::Params, "{}") -> ColumnStatsPartOut,
    "Promise<ColumnStatsPartOut>", column_stats::part;
    #[doc = " A column-statistics part: rows and `Float64Array`s of length `cols`."]
    from ColumnStatsPart => |r| {
        rows: f64, mean: Float64Array, m2: Float64Array, min: Float64Array, max: Float64Array,
    }
);

/// A column-statistics part as JS passes it back.
#[napi(object)]
pub struct ColumnStatsPartIn {
    pub rows: f64,
    pub mean: Float64Array,
    pub m2: Float64Array,
    pub min: Float64Array,
    pub max: Float64Array,
}

fn column_part_in(p: &ColumnStatsPartIn) -> embgeo_core::Result<ColumnStatsPart> {
    let v = |a: &Float64Array| a.to_vec();
    ColumnStatsPart::new(p.rows as usize, v(&p.mean), v(&p.m2), v(&p.min), v(&p.max))
}

part_fns!(
    ColumnStatsPart, ColumnStatsPartIn => ColumnStatsPartOut via column_part_in;
    #[doc = " Merge column-statistics parts in order into the statistics of all their rows."]
    merge_column_stats(ddof: u32) -> ColumnStatsOut = |ps| column_stats::merge_parts(ps, ddof);
    #[doc = " A column-statistics part's binary form (`ColumnStatsPart::to_bytes`)."]
    column_stats_part_to_bytes,
    #[doc = " Load a column-statistics part (`ERR_BAD_MODEL` for anything else)."]
    column_stats_part_from_bytes
);

numeric_fn!(matrix
    #[doc = " The mergeable anisotropy state of a shard (`embgeo_metrics::anisotropy_part::part`)."]
    anisotropy_part_sync, anisotropy_part, AnisotropyPartFn(anisotropy::Params, "{}") -> AnisotropyPartOut,
    "Promise<AnisotropyPartOut>", anisotropy_part::part;
    #[doc = " An anisotropy part (`embgeo_metrics::anisotropy_part::AnisotropyPart`)."]
    from AnisotropyPart => |r| {
        rows: f64, zero_rows: f64, sum: Float64Array, unit_sum: Float64Array, norm_sum: f64,
        #[doc = " Lower triangle of the unit rows' Gram `UᵀU`, packed row by row (`cols·(cols+1)/2`)."]
        gram: Float64Array,
    }
);

/// An anisotropy part as JS passes it back.
#[napi(object)]
pub struct AnisotropyPartIn {
    pub rows: f64,
    pub zero_rows: f64,
    pub sum: Float64Array,
    pub unit_sum: Float64Array,
    pub norm_sum: f64,
    pub gram: Float64Array,
}

fn anisotropy_part_in(p: &AnisotropyPartIn) -> embgeo_core::Result<AnisotropyPart> {
    AnisotropyPart::new(
        p.rows as usize,
        p.zero_rows as usize,
        p.sum.to_vec(),
        p.unit_sum.to_vec(),
        p.norm_sum,
        p.gram.to_vec(),
    )
}

part_fns!(
    AnisotropyPart, AnisotropyPartIn => AnisotropyPartOut via anisotropy_part_in;
    #[doc = " Merge anisotropy parts in order into the anisotropy of all their rows."]
    merge_anisotropy() -> AnisotropyOut = |ps| anisotropy_part::merge_parts(ps);
    #[doc = " An anisotropy part's binary form (`AnisotropyPart::to_bytes`)."]
    anisotropy_part_to_bytes,
    #[doc = " Load an anisotropy part (`ERR_BAD_MODEL` for anything else)."]
    anisotropy_part_from_bytes
);

numeric_fn!(matrix
    #[doc = " Covariance spectrum, effective rank and numerical rank (`embgeo_metrics::spectrum`)."]
    spectrum_sync, spectrum, Spectrum(spectrum::Params, "{ rankRtol?: number }") -> SpectrumOut,
    "Promise<SpectrumOut>", spectrum::compute;
    #[doc = " Covariance spectrum and its summaries (`embgeo_metrics::spectrum`)."]
    from spectrum::Spectrum => |r| {
        rows: u32,
        #[doc = " The `cols` covariance eigenvalues (ddof 1), decreasing; rounding noise reported as 0."]
        eigenvalues: Float64Array,
        explained_variance_ratio: Float64Array, total_variance: f64, effective_rank: f64,
        participation_ratio: f64, rank: u32, rank_tolerance: f64,
    }
);

numeric_fn!(matrix
    #[doc = " Exact duplicate rows (`embgeo_metrics::duplicates`)."]
    duplicates_sync, duplicates, Duplicates(duplicates::Params, "{}") -> DuplicatesOut, "Promise<DuplicatesOut>",
    duplicates::compute;
    #[doc = " Exact duplicate rows (`embgeo_metrics::duplicates`)."]
    from duplicates::Duplicates => |r| {
        count: u32, groups: u32, unique: u32,
        #[doc = " Per row, the index of the first row equal to it."]
        first_of: Uint32Array,
    }
);

/// No options.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoOptions {}

numeric_fn!(matrix
    #[doc = " The n row norms, as f64 (`embgeo_metrics::norms::row_norms`)."]
    row_norms_sync, row_norms, RowNorms(NoOptions, "{}") -> Float64Array, "Promise<Float64Array>",
    |x, _, ctl| { Ok(norms::row_norms(x, ctl)?.into()) }
);

numeric_fn!(matrix
    #[doc = " The n × d rows scaled to unit norm, as f64 (`embgeo_metrics::norms::unit_rows`)."]
    unit_rows_sync, unit_rows, UnitRows(NoOptions, "{}") -> Float64Array, "Promise<Float64Array>",
    |x, _, ctl| { Ok(norms::unit_rows(x, ctl)?.into()) }
);

numeric_fn!(matrix
    #[doc = " The n × d rows widened to f64, exactly (`embgeo_metrics::norms::widen`)."]
    widen_sync, widen, Widen(NoOptions, "{}") -> Float64Array, "Promise<Float64Array>",
    |x, _, ctl| { Ok(norms::widen(x, ctl)?.into()) }
);

/// Roy–Vetterli effective rank of a spectrum (`[effectiveRank, participationRatio]`).
#[napi]
pub fn effective_rank(env: Env, eigenvalues: &[f64]) -> napi::Result<(f64, f64)> {
    let ratio = spectrum::participation_ratio(eigenvalues);
    spectrum::effective_rank(eigenvalues)
        .and_then(|r| Ok((r, ratio?)))
        .or_throw(env)
}

js_object!(
    #[doc = " Hubness measures of a kNN graph (`embgeo_metrics::hubness`)."]
    HubnessOut from hubness::Hubness => |r| {
        k: u32, occurrences: Uint32Array, skewness: f64, robinhood: f64, max_occurrence: u32,
        anti_hubs: u32, hubs: u32, hub_occurrence: f64,
    }
);

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
        Ok(Js::new(HubnessJob { indices: hold.keep(Cow::from(indices)), shape, params }))
    }
);

twins!(
    #[doc = " The k-occurrence counts of the first k of each row of `rows × stride` neighbour indices into `n` points (`shape`), query rows from `queryOffset`."]
    hubness_part_sync, hubness_part -> HubnessPartOut, "Promise<HubnessPartOut>", Js<HubnessPartJob<'static>, HubnessPartOut>;
    |env, hold| (
        indices: &[u32],
        #[napi(ts_arg_type = "[rows: number, k: number, stride: number, n: number]")] shape: Vec<u32>,
        query_offset: u32
    ) {
        let shape = <[u32; 4]>::try_from(shape.as_slice())
            .map_err(|_| embgeo_core::Error::Internal("hubnessPart shape must be [rows, k, stride, n]".into()))?;
        Ok(Js::new(HubnessPartJob { indices: hold.keep(Cow::from(indices)), shape, query_offset }))
    }
);

js_object!(
    #[doc = " A hubness part (`embgeo_metrics::hubness_part::HubnessPart`)."]
    HubnessPartOut from HubnessPart => |r| {
        k: f64, query_offset: f64, rows: f64,
        #[doc = " `N_k(j)` over the part's lists, one per point."]
        occurrences: Uint32Array,
    }
);

/// A hubness part as JS passes it back.
#[napi(object)]
pub struct HubnessPartIn {
    pub k: f64,
    pub query_offset: f64,
    pub rows: f64,
    pub occurrences: Uint32Array,
}

fn hubness_part_in(p: &HubnessPartIn) -> embgeo_core::Result<HubnessPart> {
    HubnessPart::new(
        p.k as usize,
        p.query_offset as usize,
        p.rows as usize,
        p.occurrences.to_vec(),
    )
}

part_fns!(
    HubnessPart, HubnessPartIn => HubnessPartOut via hubness_part_in;
    #[doc = " Merge hubness parts (counts summed) into the hubness of all their lists; `hubSize` default 2."]
    merge_hubness(hub_size: Option<f64>) -> HubnessOut = |ps| {
        let defaults = hubness::Params::default();
        hubness_part::merge_parts(ps, &hubness::Params { hub_size: hub_size.unwrap_or(defaults.hub_size), ..defaults })
    };
    #[doc = " A hubness part's binary form (`HubnessPart::to_bytes`)."]
    hubness_part_to_bytes,
    #[doc = " Load a hubness part (`ERR_BAD_MODEL` for anything else)."]
    hubness_part_from_bytes
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

js_object!(
    #[doc = " A histogram: `edges.length === counts.length + 1`."]
    HistogramOut from summary::Histogram => |h| { edges: Vec<f64>, counts: Vec<u32> }
);

/// Equal-width histogram of `values` with `bins` bins.
#[napi]
pub fn histogram(env: Env, values: &[f64], bins: u32) -> napi::Result<HistogramOut> {
    summary::histogram(values, bins as usize).to_js().or_throw(env)
}

/// Histogram of integer counts, one bin per integer up to `maxBins` bins.
#[napi]
pub fn integer_histogram(env: Env, values: &[u32], max_bins: u32) -> napi::Result<HistogramOut> {
    summary::integer_histogram(values, max_bins as usize)
        .to_js()
        .or_throw(env)
}

/// `m` distinct indices of `0..n` drawn uniformly with `seed` (`ChaCha8`), ascending.
#[napi]
pub fn sample_indices(env: Env, n: f64, m: f64, seed: f64) -> napi::Result<Uint32Array> {
    sample::sample_indices(n as usize, m as usize, seed as u64)
        .map(Into::into)
        .or_throw(env)
}

twins!(
    #[doc = " The rows `indices` of a matrix, copied, in its element type."]
    take_rows_sync, take_rows -> Rows as "Float32Array | Float64Array", "Promise<Float32Array | Float64Array>",
    Js<TakeJob<'static>, Rows>;
    |env, hold| (
        #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
        cols: u32,
        indices: &[u32]
    ) {
        let (data, indices) = (hold.keep(float_data(data)), hold.keep(Cow::from(indices)));
        Ok(Js::new(TakeJob { data, cols, indices }))
    }
);
