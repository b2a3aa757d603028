//! The file jobs: reading an embedding matrix ([`ReadJob`]) and writing one ([`WriteJob`]).

use std::borrow::Cow;
use std::io::Cursor;
use std::path::PathBuf;

use embgeo_core::{Ctl, Result};
use embgeo_io::{Embeddings, Options, Table, WriteData};

use crate::job::Job;

/// Where a read job reads from.
pub enum Source {
    /// A file (the file-system rules of `embgeo_io::read`).
    Path(PathBuf),
    /// The bytes of a file already in memory (a browser `File`, a download), owned.
    Bytes(Vec<u8>),
}

/// A read of an embedding matrix; `options` failed to deserialise if `Err` (reported when the
/// job runs, as the read's error).
pub struct ReadJob {
    /// Where from.
    pub source: Source,
    /// The read options.
    pub options: Result<Options>,
}

impl Job for ReadJob {
    type Output = Embeddings;

    fn run(&self, ctl: &Ctl<'_>) -> Result<Embeddings> {
        let options = self.options.as_ref().map_err(Clone::clone)?;
        match &self.source {
            Source::Path(path) => embgeo_io::read(path, options, ctl),
            Source::Bytes(b) => {
                embgeo_io::read_from(Cursor::new(b), b.len() as u64, "the bytes", options, ctl)
            }
        }
    }
}

/// Data to write, borrowed (sync) or owned (async).
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

crate::cow_enum_into_static!(Buffer: F32, F64, I32, U32);

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

/// An atomic write of `rows × cols` values as `.npy` or (`vecs`) `.fvecs` / `.ivecs`.
pub struct WriteJob<'a> {
    /// Destination.
    pub path: PathBuf,
    /// The values.
    pub data: Buffer<'a>,
    /// Rows.
    pub rows: u32,
    /// Columns.
    pub cols: u32,
    /// `.fvecs` / `.ivecs` rather than `.npy`.
    pub vecs: bool,
}

impl Job for WriteJob<'_> {
    type Output = ();

    fn run(&self, ctl: &Ctl<'_>) -> Result<()> {
        let (rows, cols) = (self.rows as usize, self.cols as usize);
        let write = if self.vecs {
            embgeo_io::write_vecs
        } else {
            embgeo_io::write_npy
        };
        write(&self.path, Table::new(self.data.view(), rows, cols)?, ctl)
    }
}
