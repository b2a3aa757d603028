//! Glue for `embgeo_io`: `readEmbeddings`, the `.npy` / `.fvecs` writers and the atomic file
//! writer the CLI uses for reports and models (one implementation of the file rules).

use embgeo_io::{Embeddings, Options};
use embgeo_jobs::io::{Buffer, ReadJob, Source, WriteJob};
use napi::bindgen_prelude::{Either, Either4, Float32Array, Float64Array, Object, Uint8Array};
use napi::Env;
use napi_derive::napi;

use crate::error::OrThrow;
use crate::input::params;
use crate::task::Js;
use crate::{js_object, twins};

js_object!(
    #[doc = " A matrix read from a file."]
    EmbeddingFileOut from Embeddings => |e| {
        #[doc = " `rows * cols` values, row-major."]
        #[napi(ts_type = "Float32Array | Float64Array")]
        data: Either<Float32Array, Float64Array>,
        #[doc = " Rows read."]
        rows: f64,
        #[doc = " Values per row."]
        cols: f64,
        #[doc = " Element type in the file ('f16', 'f32', 'u8', 'text', …)."]
        dtype: String = e.source_dtype.to_string(),
        #[doc = " Format read ('npy', 'fvecs', …)."]
        format: String = e.format.to_string(),
    }
);

twins!(
    #[doc = " Read an embedding matrix from `path` (`options` as `readEmbeddings` validated them)."]
    read_embeddings_sync, read_embeddings -> EmbeddingFileOut, "Promise<EmbeddingFileOut>", Js<ReadJob, EmbeddingFileOut>;
    |env, hold| (
        path: String,
        #[napi(ts_arg_type = "Record<string, unknown>")] options: Option<Object>
    ) {
        let options = options.map_or_else(|| Ok(Options::default()), |o| params(env, o));
        Ok(Js::new(ReadJob { source: Source::Path(path.into()), options }))
    }
);

twins!(
    #[doc = " Read an embedding matrix from the bytes of a file (`options` as `readEmbeddings` validated"]
    #[doc = " them). The bytes are copied once (the job owns them)."]
    read_embeddings_bytes_sync, read_embeddings_bytes -> EmbeddingFileOut, "Promise<EmbeddingFileOut>",
    Js<ReadJob, EmbeddingFileOut>;
    |env, hold| (
        bytes: Uint8Array,
        #[napi(ts_arg_type = "Record<string, unknown>")] options: Option<Object>
    ) {
        let options = options.map_or_else(|| Ok(Options::default()), |o| params(env, o));
        Ok(Js::new(ReadJob { source: Source::Bytes(bytes.to_vec()), options }))
    }
);

/// `Float32Array | Float64Array | Int32Array | Uint32Array` as the binding receives it.
pub type WriteArg<'a> = Either4<&'a [f32], &'a [f64], &'a [i32], &'a [u32]>;

/// The data to write, borrowed.
fn buffer(a: WriteArg<'_>) -> Buffer<'_> {
    match a {
        Either4::A(s) => Buffer::F32(s.into()),
        Either4::B(s) => Buffer::F64(s.into()),
        Either4::C(s) => Buffer::I32(s.into()),
        Either4::D(s) => Buffer::U32(s.into()),
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
        Ok(WriteJob { path: path.into(), data: hold.keep(buffer(data)), rows, cols, vecs })
    }
);

/// Write `data` to `path` atomically by embgeo's file rules (exclusive random temporary, the
/// destination's mode kept, read-only and non-regular destinations refused); blocks the
/// calling thread.
#[napi]
pub fn write_file_atomic_sync(env: Env, path: String, data: Uint8Array) -> napi::Result<()> {
    embgeo_io::write_file_atomic(std::path::Path::new(&path), &data).or_throw(env)
}

/// Remove the temporaries of atomic writes still in flight (for a process about to exit);
/// returns how many were removed.
#[napi]
#[must_use]
pub fn remove_pending_temporaries() -> u32 {
    embgeo_io::remove_pending_temporaries() as u32
}
