//! Glue for `embgeo_io`: `readEmbeddings`, the `.npy` / `.fvecs` writers and the atomic file
//! writer the CLI uses for reports and models (one implementation of the file rules).

use std::borrow::Cow;
use std::path::PathBuf;

use embgeo_core::{Ctl, Error as CoreError};
use embgeo_io::{Options, Values, WriteData};
use napi::bindgen_prelude::{AsyncTask, Either, Either4, Float32Array, Float64Array, Uint8Array};
use napi::Env;
use napi_derive::napi;

use crate::task::{run_async, run_sync, Job, JobControl, JobTask};

/// The read options: the object `readEmbeddings` validated, deserialised by serde into
/// [`Options`] (camelCase, unknown fields rejected).
fn options(o: Option<serde_json::Value>) -> Result<Options, CoreError> {
    match o {
        None | Some(serde_json::Value::Null) => Ok(Options::default()),
        Some(v) => serde_json::from_value(v).map_err(|e| CoreError::InvalidValue {
            name: "options",
            expected: "the options readEmbeddings documents".into(),
            actual: e.to_string(),
        }),
    }
}

/// A matrix read from a file.
#[napi(object)]
pub struct EmbeddingFileOut {
    /// `rows * cols` values, row-major.
    #[napi(ts_type = "Float32Array | Float64Array")]
    pub data: Either<Float32Array, Float64Array>,
    /// Rows read.
    pub rows: f64,
    /// Values per row.
    pub cols: f64,
    /// Element type in the file ('f16', 'f32', 'u8', 'text', …).
    pub dtype: String,
    /// Format read ('npy', 'fvecs', …).
    pub format: String,
}

/// The read job shared by both twins.
pub struct ReadJob {
    path: PathBuf,
    options: Result<Options, CoreError>,
}

impl Job for ReadJob {
    type Output = EmbeddingFileOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<EmbeddingFileOut, CoreError> {
        let options = self.options.as_ref().map_err(Clone::clone)?;
        let e = embgeo_io::read(&self.path, options, ctl)?;
        Ok(EmbeddingFileOut {
            data: match e.data {
                Values::F32(v) => Either::A(v.into()),
                Values::F64(v) => Either::B(v.into()),
            },
            rows: e.rows as f64,
            cols: e.cols as f64,
            dtype: e.source_dtype.to_string(),
            format: e.format.to_string(),
        })
    }
}

/// Read an embedding matrix from `path`; blocks the calling thread.
#[napi]
pub fn read_embeddings_sync(
    env: Env,
    path: String,
    #[napi(ts_arg_type = "Record<string, unknown>")] options: Option<serde_json::Value>,
) -> napi::Result<EmbeddingFileOut> {
    run_sync(
        env,
        &ReadJob {
            path: path.into(),
            options: self::options(options),
        },
    )
}

/// Read an embedding matrix from `path` on the embgeo pool.
#[napi(ts_return_type = "Promise<EmbeddingFileOut>")]
pub fn read_embeddings(
    path: String,
    #[napi(ts_arg_type = "Record<string, unknown>")] options: Option<serde_json::Value>,
    control: Option<&JobControl>,
) -> AsyncTask<JobTask<ReadJob>> {
    run_async(
        ReadJob {
            path: path.into(),
            options: self::options(options),
        },
        control,
    )
}

/// `Float32Array | Float64Array | Int32Array | Uint32Array` as the binding receives it.
pub type WriteArg<'a> = Either4<&'a [f32], &'a [f64], &'a [i32], &'a [u32]>;

/// Data to write, borrowed (sync) or copied once (async).
pub enum Buffer<'a> {
    /// f32 values.
    F32(Cow<'a, [f32]>),
    /// f64 values.
    F64(Cow<'a, [f64]>),
    /// i32 values.
    I32(Cow<'a, [i32]>),
    /// u32 values.
    U32(Cow<'a, [u32]>),
}

impl<'a> Buffer<'a> {
    fn borrowed(a: WriteArg<'a>) -> Self {
        match a {
            Either4::A(s) => Buffer::F32(s.into()),
            Either4::B(s) => Buffer::F64(s.into()),
            Either4::C(s) => Buffer::I32(s.into()),
            Either4::D(s) => Buffer::U32(s.into()),
        }
    }

    fn copied(a: WriteArg<'_>) -> Buffer<'static> {
        match a {
            Either4::A(s) => Buffer::F32(s.to_vec().into()),
            Either4::B(s) => Buffer::F64(s.to_vec().into()),
            Either4::C(s) => Buffer::I32(s.to_vec().into()),
            Either4::D(s) => Buffer::U32(s.to_vec().into()),
        }
    }

    fn view(&self) -> WriteData<'_> {
        match self {
            Buffer::F32(v) => WriteData::F32(v),
            Buffer::F64(v) => WriteData::F64(v),
            Buffer::I32(v) => WriteData::I32(v),
            Buffer::U32(v) => WriteData::U32(v),
        }
    }
}

/// Which writer.
#[derive(Clone, Copy)]
pub enum Kind {
    /// `.npy`.
    Npy,
    /// `.fvecs` / `.ivecs`.
    Vecs,
}

/// The write job shared by both twins.
pub struct WriteJob<'a> {
    path: PathBuf,
    data: Buffer<'a>,
    rows: u32,
    cols: u32,
    kind: Kind,
}

impl Job for WriteJob<'_> {
    type Output = ();

    fn run(&self, ctl: &Ctl<'_>) -> Result<(), CoreError> {
        let (rows, cols) = (self.rows as usize, self.cols as usize);
        match self.kind {
            Kind::Npy => embgeo_io::write_npy(&self.path, self.data.view(), rows, cols, ctl),
            Kind::Vecs => embgeo_io::write_vecs(&self.path, self.data.view(), rows, cols, ctl),
        }
    }
}

fn kind(vecs: bool) -> Kind {
    if vecs {
        Kind::Vecs
    } else {
        Kind::Npy
    }
}

/// Write `rows × cols` values to `path` as `.npy` (`vecs = false`) or `.fvecs`/`.ivecs`
/// (`vecs = true`, f32 or i32 data), atomically; blocks the calling thread.
#[napi]
pub fn write_matrix_sync(
    env: Env,
    path: String,
    #[napi(ts_arg_type = "Float32Array | Float64Array | Int32Array | Uint32Array")] data: WriteArg,
    rows: u32,
    cols: u32,
    vecs: bool,
) -> napi::Result<()> {
    run_sync(
        env,
        &WriteJob {
            path: path.into(),
            data: Buffer::borrowed(data),
            rows,
            cols,
            kind: kind(vecs),
        },
    )
}

/// [`write_matrix_sync`] on the embgeo pool; `data` is copied once before this returns.
#[napi(ts_return_type = "Promise<void>")]
pub fn write_matrix(
    path: String,
    #[napi(ts_arg_type = "Float32Array | Float64Array | Int32Array | Uint32Array")] data: WriteArg,
    rows: u32,
    cols: u32,
    vecs: bool,
    control: Option<&JobControl>,
) -> AsyncTask<JobTask<WriteJob<'static>>> {
    run_async(
        WriteJob {
            path: path.into(),
            data: Buffer::copied(data),
            rows,
            cols,
            kind: kind(vecs),
        },
        control,
    )
}

/// Write `data` to `path` atomically by embgeo's file rules (exclusive random temporary, the
/// destination's mode kept, read-only and non-regular destinations refused); blocks the
/// calling thread.
#[napi]
#[allow(clippy::needless_pass_by_value)] // napi hands JS strings over as owned `String`s
pub fn write_file_atomic_sync(env: Env, path: String, data: Uint8Array) -> napi::Result<()> {
    embgeo_io::write_file_atomic(std::path::Path::new(&path), &data)
        .map_err(|e| crate::error::to_napi(env, &e))
}

/// Remove the temporaries of atomic writes still in flight (for a process about to exit);
/// returns how many were removed.
#[napi]
#[must_use]
pub fn remove_pending_temporaries() -> u32 {
    embgeo_io::remove_pending_temporaries() as u32
}
