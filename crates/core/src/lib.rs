//! Shared vocabulary of the embgeo crates.
//!
//! - [`MatRef`]: a borrowed, row-major `rows × cols` matrix of `f32` or `f64` ([`Element`]);
//!   [`Pair`]: two of them describing the same items (the argument of comparison measures);
//! - [`Error`] / [`Result`]: the one error enum, each variant carrying the numbers a user needs
//!   and a stable [`Error::code`] matching the public API's error codes;
//! - [`Ctl`]: how a caller steers a long computation: parallelism ([`Par`]), cancellation
//!   ([`Cancel`]) and progress reporting ([`Progress`]);
//! - [`chunks`]: the deterministic, order-preserving parallel map every crate uses;
//! - [`linalg`]: the one wrapper of faer's eigendecomposition and SVD, under the memory rule of
//!   [`dense`] (every `d × d` path checks its size first and allocates fallibly);
//! - [`scale`]: the power-of-two rescaling of data at extreme magnitudes ([`Scale`]);
//! - [`cpu`]: the SIMD features of the running CPU; [`simd::widest`]: a closure compiled for the
//!   widest vector extension present;
//! - [`frame`]: the versioned, checksummed binary envelope of every partial state.
//!
//! This crate knows nothing about Node; the binding crate implements [`Cancel`] and
//! [`Progress`] on top of it.

mod ctl;
mod element;
mod error;
mod matrix;
mod neighbors;
mod pair;

pub mod chunks;
pub mod cpu;
pub mod dense;
pub mod eigh_top;
pub mod frame;
pub mod gram;
pub mod linalg;
pub mod pages;
pub mod same_type;
pub mod scale;
pub mod simd;

pub use ctl::{Cancel, CancelFlag, Ctl, NoProgress, Par, Progress};
pub use element::Element;
pub use error::{Error, Result};
pub use matrix::{check_data_len, check_len, rows_of, MatRef};
pub use neighbors::Neighbors;
pub use pair::Pair;
pub use scale::Scale;
