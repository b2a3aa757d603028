//! Node-API binding of embgeo: the only crate that knows Node.
//!
//! Glue only: each module converts JS values to the numeric crates' types, runs one job through
//! [`task`] (dedicated rayon pool, cancellation, progress, panic capture) and converts the result
//! back. No numerics live here.

mod error;
mod info;
mod input;
mod metrics;
mod pool;
mod task;
mod testing;
