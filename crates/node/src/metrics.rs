//! Glue for `embgeo_metrics`: column statistics, anisotropy, spectrum / effective rank,
//! hubness and duplicate rows.

use embgeo_core::{Ctl, Error as CoreError};
use embgeo_metrics::{anisotropy, column_stats, duplicates, hubness, spectrum};
use napi::bindgen_prelude::{AsyncTask, Either, Float64Array, Uint32Array};
use napi::Env;
use napi_derive::napi;

use crate::error::to_napi;
use crate::input::{with_matrix, Data, FloatArg};
use crate::task::{run_async, run_sync, Job, JobControl, JobTask};

/// Per-column statistics (all `Float64Array` of length `cols`).
#[napi(object)]
pub struct ColumnStatsOut {
    /// Rows reduced.
    pub rows: u32,
    /// Column means.
    pub mean: Float64Array,
    /// Column variances (`ddof` as numpy).
    pub variance: Float64Array,
    /// Column minima.
    pub min: Float64Array,
    /// Column maxima.
    pub max: Float64Array,
}

/// The column-statistics job shared by both twins.
pub struct ColumnStatsJob<'a> {
    data: Data<'a>,
    cols: u32,
    params: column_stats::Params,
}

impl Job for ColumnStatsJob<'_> {
    type Output = ColumnStatsOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<ColumnStatsOut, CoreError> {
        let s = with_matrix(&self.data, self.cols, |m| match m {
            Either::A(m) => column_stats::compute(m, &self.params, ctl),
            Either::B(m) => column_stats::compute(m, &self.params, ctl),
        })?;
        Ok(ColumnStatsOut {
            rows: u32::try_from(s.rows).map_err(|_| CoreError::Internal("row count exceeds u32".into()))?,
            mean: s.mean.into(),
            variance: s.variance.into(),
            min: s.min.into(),
            max: s.max.into(),
        })
    }
}

fn params(ddof: u32) -> column_stats::Params {
    column_stats::Params {
        ddof,
        ..column_stats::Params::default()
    }
}

/// Column statistics of a row-major matrix with `cols` columns; blocks the calling thread.
#[napi]
pub fn column_stats_sync(
    env: Env,
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
    ddof: u32,
) -> napi::Result<ColumnStatsOut> {
    run_sync(
        env,
        &ColumnStatsJob {
            data: Data::borrowed(data),
            cols,
            params: params(ddof),
        },
    )
}

/// Column statistics on the embgeo pool; `data` is copied once before this returns.
#[napi(ts_return_type = "Promise<ColumnStatsOut>")]
pub fn column_stats(
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
    ddof: u32,
    control: Option<&JobControl>,
) -> AsyncTask<JobTask<ColumnStatsJob<'static>>> {
    run_async(
        ColumnStatsJob {
            data: Data::copied(data),
            cols,
            params: params(ddof),
        },
        control,
    )
}

// ---------------------------------------------------------------------------------------------
// Anisotropy, spectrum, hubness, duplicates (issue 6): one job each, shared by both twins.

fn to_u32(v: usize, what: &'static str) -> Result<u32, CoreError> {
    u32::try_from(v).map_err(|_| CoreError::Internal(format!("{what} exceeds u32")))
}

/// Anisotropy measures (`embgeo_metrics::anisotropy`).
#[napi(object)]
pub struct AnisotropyOut {
    /// Rows of X.
    pub rows: u32,
    /// All-zero rows (left out of the cosines).
    pub zero_rows: u32,
    /// Norm of the mean row.
    pub mean_norm: f64,
    /// Mean row norm.
    pub mean_row_norm: f64,
    /// `meanNorm / meanRowNorm`.
    pub mean_norm_ratio: f64,
    /// Mean pairwise cosine (ordered pairs of distinct non-zero rows).
    pub average_cosine: f64,
    /// Population standard deviation of the pairwise cosines.
    pub cosine_std: f64,
}

/// The anisotropy job shared by both twins.
pub struct AnisotropyJob<'a> {
    data: Data<'a>,
    cols: u32,
}

impl Job for AnisotropyJob<'_> {
    type Output = AnisotropyOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<AnisotropyOut, CoreError> {
        let p = anisotropy::Params::default();
        let a = with_matrix(&self.data, self.cols, |m| match m {
            Either::A(m) => anisotropy::compute(m, &p, ctl),
            Either::B(m) => anisotropy::compute(m, &p, ctl),
        })?;
        Ok(AnisotropyOut {
            rows: to_u32(a.rows, "row count")?,
            zero_rows: to_u32(a.zero_rows, "row count")?,
            mean_norm: a.mean_norm,
            mean_row_norm: a.mean_row_norm,
            mean_norm_ratio: a.mean_norm_ratio,
            average_cosine: a.average_cosine,
            cosine_std: a.cosine_std,
        })
    }
}

/// Anisotropy of a row-major matrix with `cols` columns; blocks the calling thread.
#[napi]
pub fn anisotropy_sync(
    env: Env,
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
) -> napi::Result<AnisotropyOut> {
    run_sync(
        env,
        &AnisotropyJob {
            data: Data::borrowed(data),
            cols,
        },
    )
}

/// Anisotropy on the embgeo pool; `data` is copied once before this returns.
#[napi(ts_return_type = "Promise<AnisotropyOut>")]
pub fn anisotropy(
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
    control: Option<&JobControl>,
) -> AsyncTask<JobTask<AnisotropyJob<'static>>> {
    run_async(
        AnisotropyJob {
            data: Data::copied(data),
            cols,
        },
        control,
    )
}

/// Covariance spectrum and its summaries (`embgeo_metrics::spectrum`).
#[napi(object)]
pub struct SpectrumOut {
    /// Rows of X.
    pub rows: u32,
    /// The `cols` covariance eigenvalues (ddof 1), decreasing; rounding noise reported as 0.
    pub eigenvalues: Float64Array,
    /// Eigenvalues over their sum.
    pub explained_variance_ratio: Float64Array,
    /// Sum of the eigenvalues.
    pub total_variance: f64,
    /// Roy–Vetterli effective rank.
    pub effective_rank: f64,
    /// `(Σλ)² / Σλ²`.
    pub participation_ratio: f64,
    /// Eigenvalues above the tolerance.
    pub rank: u32,
    /// The absolute eigenvalue tolerance used.
    pub rank_tolerance: f64,
}

/// The spectrum job shared by both twins.
pub struct SpectrumJob<'a> {
    data: Data<'a>,
    cols: u32,
    params: spectrum::Params,
}

impl Job for SpectrumJob<'_> {
    type Output = SpectrumOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<SpectrumOut, CoreError> {
        let s = with_matrix(&self.data, self.cols, |m| match m {
            Either::A(m) => spectrum::compute(m, &self.params, ctl),
            Either::B(m) => spectrum::compute(m, &self.params, ctl),
        })?;
        Ok(SpectrumOut {
            rows: to_u32(s.rows, "row count")?,
            eigenvalues: s.eigenvalues.into(),
            explained_variance_ratio: s.explained_variance_ratio.into(),
            total_variance: s.total_variance,
            effective_rank: s.effective_rank,
            participation_ratio: s.participation_ratio,
            rank: to_u32(s.rank, "rank")?,
            rank_tolerance: s.rank_tolerance,
        })
    }
}

fn spectrum_params(rank_rtol: Option<f64>) -> spectrum::Params {
    spectrum::Params {
        rank_rtol,
        ..spectrum::Params::default()
    }
}

/// Covariance spectrum of a row-major matrix; blocks the calling thread.
#[napi]
pub fn spectrum_sync(
    env: Env,
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
    rank_rtol: Option<f64>,
) -> napi::Result<SpectrumOut> {
    run_sync(
        env,
        &SpectrumJob {
            data: Data::borrowed(data),
            cols,
            params: spectrum_params(rank_rtol),
        },
    )
}

/// Covariance spectrum on the embgeo pool; `data` is copied once before this returns.
#[napi(ts_return_type = "Promise<SpectrumOut>")]
pub fn spectrum(
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
    rank_rtol: Option<f64>,
    control: Option<&JobControl>,
) -> AsyncTask<JobTask<SpectrumJob<'static>>> {
    run_async(
        SpectrumJob {
            data: Data::copied(data),
            cols,
            params: spectrum_params(rank_rtol),
        },
        control,
    )
}

/// Roy–Vetterli effective rank of a spectrum (`[effectiveRank, participationRatio]`).
#[napi]
pub fn effective_rank(env: Env, eigenvalues: &[f64]) -> napi::Result<(f64, f64)> {
    let e = spectrum::effective_rank(eigenvalues).map_err(|e| to_napi(env, &e))?;
    let p = spectrum::participation_ratio(eigenvalues).map_err(|e| to_napi(env, &e))?;
    Ok((e, p))
}

/// Hubness measures of a kNN graph (`embgeo_metrics::hubness`).
#[napi(object)]
pub struct HubnessOut {
    /// Neighbours per row.
    pub k: u32,
    /// k-occurrence of each point.
    pub occurrences: Uint32Array,
    /// Fisher–Pearson skewness of the occurrences (biased, scipy's default).
    pub skewness: f64,
    /// Robin Hood index.
    pub robinhood: f64,
    /// Largest occurrence.
    pub max_occurrence: u32,
    /// Points that occur in no list.
    pub anti_hubs: u32,
    /// Points with occurrence ≥ hubSize · k.
    pub hubs: u32,
    /// Share of neighbour slots taken by hubs.
    pub hub_occurrence: f64,
}

/// The hubness job shared by both twins.
pub struct HubnessJob<'a> {
    indices: std::borrow::Cow<'a, [u32]>,
    rows: u32,
    k: u32,
    n: u32,
    params: hubness::Params,
}

impl Job for HubnessJob<'_> {
    type Output = HubnessOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<HubnessOut, CoreError> {
        let h = hubness::compute(
            &self.indices,
            self.rows as usize,
            self.k as usize,
            self.n as usize,
            &self.params,
            ctl,
        )?;
        Ok(HubnessOut {
            k: self.k,
            occurrences: h.occurrences.into(),
            skewness: h.skewness,
            robinhood: h.robinhood,
            max_occurrence: h.max_occurrence,
            anti_hubs: to_u32(h.anti_hubs, "count")?,
            hubs: to_u32(h.hubs, "count")?,
            hub_occurrence: h.hub_occurrence,
        })
    }
}

fn hubness_params(hub_size: f64) -> hubness::Params {
    hubness::Params {
        hub_size,
        ..hubness::Params::default()
    }
}

/// Hubness of `rows × k` neighbour indices into `n` points; blocks the calling thread.
#[napi]
pub fn hubness_sync(
    env: Env,
    indices: &[u32],
    rows: u32,
    k: u32,
    n: u32,
    hub_size: f64,
) -> napi::Result<HubnessOut> {
    run_sync(
        env,
        &HubnessJob {
            indices: indices.into(),
            rows,
            k,
            n,
            params: hubness_params(hub_size),
        },
    )
}

/// Hubness on the embgeo pool; `indices` are copied once before this returns.
#[napi(ts_return_type = "Promise<HubnessOut>")]
pub fn hubness(
    indices: &[u32],
    rows: u32,
    k: u32,
    n: u32,
    hub_size: f64,
    control: Option<&JobControl>,
) -> AsyncTask<JobTask<HubnessJob<'static>>> {
    run_async(
        HubnessJob {
            indices: indices.to_vec().into(),
            rows,
            k,
            n,
            params: hubness_params(hub_size),
        },
        control,
    )
}

/// Exact duplicate rows (`embgeo_metrics::duplicates`).
#[napi(object)]
pub struct DuplicatesOut {
    /// Rows equal to an earlier row.
    pub count: u32,
    /// Distinct rows that occur more than once.
    pub groups: u32,
    /// Distinct rows.
    pub unique: u32,
    /// Per row, the index of the first row equal to it.
    pub first_of: Uint32Array,
}

/// The duplicates job shared by both twins.
pub struct DuplicatesJob<'a> {
    data: Data<'a>,
    cols: u32,
}

impl Job for DuplicatesJob<'_> {
    type Output = DuplicatesOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<DuplicatesOut, CoreError> {
        let p = duplicates::Params::default();
        let d = with_matrix(&self.data, self.cols, |m| match m {
            Either::A(m) => duplicates::compute(m, &p, ctl),
            Either::B(m) => duplicates::compute(m, &p, ctl),
        })?;
        Ok(DuplicatesOut {
            count: to_u32(d.count, "count")?,
            groups: to_u32(d.groups, "count")?,
            unique: to_u32(d.unique, "count")?,
            first_of: d.first_of.into(),
        })
    }
}

/// Duplicate rows of a row-major matrix; blocks the calling thread.
#[napi]
pub fn duplicates_sync(
    env: Env,
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
) -> napi::Result<DuplicatesOut> {
    run_sync(
        env,
        &DuplicatesJob {
            data: Data::borrowed(data),
            cols,
        },
    )
}

/// Duplicate rows on the embgeo pool; `data` is copied once before this returns.
#[napi(ts_return_type = "Promise<DuplicatesOut>")]
pub fn duplicates(
    #[napi(ts_arg_type = "Float32Array | Float64Array")] data: FloatArg,
    cols: u32,
    control: Option<&JobControl>,
) -> AsyncTask<JobTask<DuplicatesJob<'static>>> {
    run_async(
        DuplicatesJob {
            data: Data::copied(data),
            cols,
        },
        control,
    )
}
