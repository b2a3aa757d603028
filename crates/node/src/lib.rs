//! Node-API binding of embgeo: the only crate that knows Node.
//!
//! Glue only: each module converts JS values to the numeric crates' (and `embgeo_jobs`') types,
//! runs one job through [`task`] (on `embgeo_jobs`' dedicated rayon pool, with cancellation,
//! progress and panic capture) and converts the result back. No numerics and no job or model
//! bookkeeping live here.

// `cargo clippy --all-targets` compiles this crate in test mode, where napi-derive registers no
// exports and every glue item looks unused; the crate has no unit tests (`test = false`).
#![cfg_attr(test, allow(dead_code))]
// napi-derive hands JS strings and objects over as owned values (`String`, option structs);
// taking them by reference is not supported, so passing by value is the binding's convention.
#![allow(clippy::needless_pass_by_value)]

mod align;
mod compare;
mod error;
mod info;
mod input;
mod intdim;
mod io;
mod knn;
mod metrics;
mod neighborhood;
mod out;
mod pca;
mod search;
mod shapes;
mod task;
mod testing;
mod values;
