//! The one intrinsic-dimension job: the registry's estimator `name` on a matrix ([`IdJob`]).

use embgeo_core::{Ctl, Element, MatRef, Neighbors, Result};
use embgeo_intdim::registry::{self, Output};
use serde_json::Value;

use crate::data::{on_matrix, Data, OnMatrix};
use crate::job::Job;

/// One registry call: estimator `name` with `options` as the host passed them, on `data`
/// (`cols` wide), with neighbours computed earlier if given.
pub struct IdJob<'a> {
    /// The matrix.
    pub data: Data<'a>,
    /// Its columns.
    pub cols: u32,
    /// The registry name (e.g. "twoNN", "localId", "idScaling:gride").
    pub name: String,
    /// The options object.
    pub options: Value,
    /// Neighbours from an earlier kNN.
    pub neighbors: Option<Neighbors>,
}

impl OnMatrix for (&IdJob<'_>, &Ctl<'_>) {
    type Output = Output;
    fn call<T: Element>(self, x: MatRef<'_, T>) -> Result<Output> {
        let (j, ctl) = self;
        registry::run(&j.name, x, &j.options, j.neighbors.as_ref(), ctl)
    }
}

impl Job for IdJob<'_> {
    type Output = Output;

    fn run(&self, ctl: &Ctl<'_>) -> Result<Output> {
        on_matrix(&self.data, self.cols, (self, ctl))
    }
}
