//! Jobs of `embgeo_metrics` that are not a plain function of one matrix: hubness of a strided
//! neighbour-index array ([`HubnessJob`]) and its mergeable counts ([`HubnessPartJob`]), and row
//! selection ([`TakeJob`]).

use std::borrow::Cow;

use embgeo_core::{Ctl, Element, MatRef, Result};
use embgeo_metrics::{hubness, hubness_part, sample};

use crate::data::{on_matrix, Data, FloatVec, OnMatrix};
use crate::job::Job;

/// Hubness of the first k of each row of `rows × stride` neighbour indices into `n` points.
pub struct HubnessJob<'a> {
    /// The indices.
    pub indices: Cow<'a, [u32]>,
    /// `[rows, k, stride, n]`.
    pub shape: [u32; 4],
    /// The options.
    pub params: hubness::Params,
}

impl Job for HubnessJob<'_> {
    type Output = hubness::Hubness;

    fn run(&self, ctl: &Ctl<'_>) -> Result<hubness::Hubness> {
        let [rows, k, stride, n] = self.shape.map(|v| v as usize);
        hubness::compute_strided(&self.indices, [rows, k, stride], n, &self.params, ctl)
    }
}

/// The hubness part (k-occurrence counts) of query rows `query_offset ..` whose lists are the
/// first k of each row of `rows × stride` neighbour indices into `n` points.
pub struct HubnessPartJob<'a> {
    /// The indices.
    pub indices: Cow<'a, [u32]>,
    /// `[rows, k, stride, n]`.
    pub shape: [u32; 4],
    /// Global row id of the first query row.
    pub query_offset: u32,
}

impl Job for HubnessPartJob<'_> {
    type Output = hubness_part::HubnessPart;

    fn run(&self, ctl: &Ctl<'_>) -> Result<hubness_part::HubnessPart> {
        let [rows, k, stride, n] = self.shape.map(|v| v as usize);
        let params = hubness::Params::default();
        hubness_part::part(
            &self.indices,
            [rows, k, stride],
            n,
            self.query_offset as usize,
            &params,
            ctl,
        )
    }
}

/// The rows `indices` of a matrix, copied, in its element type.
pub struct TakeJob<'a> {
    /// The matrix.
    pub data: Data<'a>,
    /// Its columns.
    pub cols: u32,
    /// The rows to take.
    pub indices: Cow<'a, [u32]>,
}

struct Take<'i>(&'i [u32]);

impl OnMatrix for Take<'_> {
    type Output = FloatVec;
    fn call<T: Element>(self, x: MatRef<'_, T>) -> Result<FloatVec> {
        sample::take_rows(x, self.0).map(FloatVec::of)
    }
}

impl Job for TakeJob<'_> {
    type Output = FloatVec;

    fn run(&self, _ctl: &Ctl<'_>) -> Result<FloatVec> {
        on_matrix(&self.data, self.cols, Take(&self.indices))
    }
}
