//! The exact-kNN jobs: a search of a corpus ([`KnnJob`]), of a `KnnIndex` ([`SearchJob`]) and a
//! merge of parts ([`MergeJob`]), each producing what it [`Found`].

use embgeo_core::{Ctl, Error, Neighbors, Result};
use embgeo_knn::{AnyIndex, KnnPart, Params, Trace, Values};

use crate::data::{AnyData, Data};
use crate::job::Job;
use crate::model::Ticket;

/// What a kNN job found.
pub enum Found {
    /// Neighbours; distances are reported in f64 when `f64` (f64 input), else in f32. `trace`:
    /// what a corpus search ran on (`None` for an index search).
    Neighbors {
        /// The neighbours (f64 distances).
        nb: Neighbors,
        /// Report distances in f64.
        f64: bool,
        /// Precision, kernel and candidate count of a corpus search.
        trace: Option<Trace>,
    },
    /// A part (shard search or merge): exact keys, distances in the part's element type.
    Part(KnnPart),
}

/// A corpus search (`knn`): every query row (or every corpus row, itself excluded) against the
/// corpus; a shard search (offsets in `params`) gives a part.
pub struct KnnJob<'a> {
    /// The corpus.
    pub corpus: AnyData<'a>,
    /// The queries, or `None` for the corpus against itself.
    pub queries: Option<AnyData<'a>>,
    /// Columns of both.
    pub cols: u32,
    /// The options.
    pub params: Params,
}

impl Job for KnnJob<'_> {
    type Output = Found;

    fn run(&self, ctl: &Ctl<'_>) -> Result<Found> {
        let (p, cols) = (&self.params, self.cols as usize);
        let (c, q) = (self.corpus.values(), self.queries.as_ref().map(AnyData::values));
        if p.is_shard() {
            return Ok(Found::Part(embgeo_knn::search_part_values(c, q, cols, p, ctl)?));
        }
        let (nb, trace) = embgeo_knn::search_values(c, q, cols, p, ctl)?;
        let f64 = matches!(c, Values::F64(_));
        Ok(Found::Neighbors {
            nb,
            f64,
            trace: Some(trace),
        })
    }
}

/// The `Not fitted` error of a disposed `KnnIndex`.
#[must_use]
pub fn disposed() -> Error {
    Error::NotFitted("KnnIndex (disposed)")
}

/// A search of a `KnnIndex` (`None` once disposed), claimed for reading until dropped.
pub struct SearchJob<'a> {
    /// The index.
    pub ticket: Ticket<Option<AnyIndex>>,
    /// The queries (the index's width and element type).
    pub queries: Data<'a>,
    /// Their columns.
    pub cols: u32,
    /// Neighbours per query.
    pub k: usize,
}

impl Job for SearchJob<'_> {
    type Output = Found;

    fn run(&self, ctl: &Ctl<'_>) -> Result<Found> {
        let index = self.ticket.model.read();
        let index = index.as_ref().ok_or_else(disposed)?;
        let nb = index.search(self.queries.values(), self.cols as usize, self.k, ctl)?;
        Ok(Found::Neighbors {
            nb,
            f64: matches!(index, AnyIndex::F64(_)),
            trace: None,
        })
    }
}

/// A merge of kNN parts of the same query rows against disjoint shards.
pub struct MergeJob {
    /// The parts.
    pub parts: Vec<KnnPart>,
    /// Neighbours to keep.
    pub k: usize,
}

impl Job for MergeJob {
    type Output = Found;

    fn run(&self, ctl: &Ctl<'_>) -> Result<Found> {
        Ok(Found::Part(embgeo_knn::merge(&self.parts, self.k, ctl)?))
    }
}
