//! Glue for `embgeo_io`: `readEmbeddings`, the `.npy` / `.fvecs` writers and the atomic file
//! writer the CLI uses for reports and models (one implementation of the file rules).

use std::borrow::Cow;
use std::io::Cursor;
use std::path::PathBuf;

use embgeo_core::{Ctl, Error as CoreError};
use embgeo_io::{Options, Values, WriteData};
use napi::bindgen_prelude::{Either, Either4, Float32Array, Float64Array, Uint8Array};
use napi::Env;
use napi_derive::napi;

use crate::input::{Borrowed, Copied};
use crate::task::Job;
use crate::twins;

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

/// Where a read job reads from.
enum Source {
    /// A file (the file-system rules of `embgeo_io::read`).
    Path(PathBuf),
    /// The bytes of a file already in memory (a browser `File`, a download): one copy of them.
    Bytes(Vec<u8>),
}

/// The read job shared by both twins.
pub struct ReadJob {
    source: Source,
    options: Result<Options, CoreError>,
}

impl Job for ReadJob {
    type Output = EmbeddingFileOut;

    fn run(&self, ctl: &Ctl<'_>) -> Result<EmbeddingFileOut, CoreError> {
        let options = self.options.as_ref().map_err(Clone::clone)?;
        let e = match &self.source {
            Source::Path(path) => embgeo_io::read(path, options, ctl)?,
            Source::Bytes(b) => {
                embgeo_io::read_from(Cursor::new(b), b.len() as u64, "the bytes", options, ctl)?
            }
        };
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

twins!(
    #[doc = " Read an embedding matrix from `path` (`options` as `readEmbeddings` validated them)."]
    read_embeddings_sync, read_embeddings -> EmbeddingFileOut, "Promise<EmbeddingFileOut>", ReadJob;
    |env, hold| (
        path: String,
        #[napi(ts_arg_type = "Record<string, unknown>")] options: Option<serde_json::Value>
    ) {
        Ok(ReadJob { source: Source::Path(path.into()), options: self::options(options) })
    }
);

twins!(
    #[doc = " Read an embedding matrix from the bytes of a file (`options` as `readEmbeddings` validated"]
    #[doc = " them). The bytes are copied once (the job owns them)."]
    read_embeddings_bytes_sync, read_embeddings_bytes -> EmbeddingFileOut, "Promise<EmbeddingFileOut>", ReadJob;
    |env, hold| (
        bytes: Uint8Array,
        #[napi(ts_arg_type = "Record<string, unknown>")] options: Option<serde_json::Value>
    ) {
        Ok(ReadJob { source: Source::Bytes(bytes.to_vec()), options: self::options(options) })
    }
);

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

/// `buffer`, the data to write held as `$hold` holds slices (borrowed or copied once).
macro_rules! buffer_of {
    ($hold:ident, $life:lifetime) => {
        #[allow(clippy::unused_self)] // a method, so that `twins!` picks the mode by value
        impl $hold {
            /// The data to write, held as `$hold` holds slices.
            fn buffer(self, a: WriteArg<'_>) -> Buffer<$life> {
                match a {
                    Either4::A(s) => Buffer::F32(self.slice(s)),
                    Either4::B(s) => Buffer::F64(self.slice(s)),
                    Either4::C(s) => Buffer::I32(self.slice(s)),
                    Either4::D(s) => Buffer::U32(self.slice(s)),
                }
            }
        }
    };
}

buffer_of!(Borrowed, '_);
buffer_of!(Copied, 'static);

impl Buffer<'_> {
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

twins!(
    #[doc = " Write `rows × cols` values to `path` atomically as `.npy` (`vecs = false`) or"]
    #[doc = " `.fvecs`/`.ivecs` (`vecs = true`, f32 or i32 data)."]
    write_matrix_sync, write_matrix -> (), "Promise<void>", WriteJob<'static>;
    |env, hold| (
        path: String,
        #[napi(ts_arg_type = "Float32Array | Float64Array | Int32Array | Uint32Array")] data: WriteArg,
        rows: u32,
        cols: u32,
        vecs: bool
    ) {
        let kind = if vecs { Kind::Vecs } else { Kind::Npy };
        Ok(WriteJob { path: path.into(), data: hold.buffer(data), rows, cols, kind })
    }
);

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
