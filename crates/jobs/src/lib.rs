//! What every embgeo binding runs, without knowing its host (Node-API today, WebAssembly through
//! the same binding, any other host tomorrow): the dedicated rayon pool ([`pool`]), jobs with
//! cancellation, progress and panic capture ([`job`]), models guarded by pending-job tickets
//! ([`model`]), a record of threads lost to a panic where panics cannot unwind ([`crash`]), matrices borrowed or owned in either element type ([`data`]) and the fast copy that makes them owned ([`copy`]), the function
//! shapes the twins run ([`fns`]) and the jobs that are more than one such function (kNN
//! searches and merges, model fits, file reads and writes, hubness, row selection, the
//! intrinsic-dimension registry call, test hooks). No host types and no numerics live here: a
//! binding converts its arguments into these types and the results back; the numeric crates
//! compute.

pub mod copy;
pub mod crash;
pub mod data;
pub mod fit;
pub mod fns;
pub mod hooks;
pub mod intdim;
pub mod io;
pub mod job;
pub mod knn;
pub mod metrics;
pub mod model;
pub mod pool;

pub use data::{on_matrix, AnyData, Data, FloatVec, IntoStatic, OnMatrix};
pub use fns::{options_error, CorpusFn, CorpusJob, MatrixFn, MatrixJob, PairFn, PairJob};
pub use job::{execute, execute_shared, ControlState, Job};
pub use model::{HeapBytes, Model, Ticket};
