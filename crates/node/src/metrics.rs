//! Glue for `embgeo_metrics`: column statistics.

use embgeo_core::{Ctl, Error as CoreError};
use embgeo_metrics::column_stats;
use napi::bindgen_prelude::{AsyncTask, Either, Float64Array};
use napi::Env;
use napi_derive::napi;

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
