//! The exact-kNN jobs: a search of a corpus ([`KnnJob`]), of a `KnnIndex` ([`SearchJob`]) and a
//! merge of parts ([`MergeJob`]), each producing what it [`Found`].

use embgeo_core::{Ctl, Error, Neighbors, Result};
use embgeo_knn::{AnyIndex, KnnPart, Operands, Params, StoredType, Trace, Values};

use crate::data::{AnyData, Data, FloatVec};
use crate::job::Job;
use crate::model::Ticket;

/// What a kNN job found, flat as the binding returns it: neighbours of each query row, best
/// first (`rows × k`, row-major), distances in the element type they are reported in.
/// O(rows·k) memory; built from the engine's result in O(rows·k) (the f32 narrowing and a
/// part's reported distances), the vectors moved, not copied, otherwise.
pub struct Found {
    /// Neighbours per row.
    pub k: usize,
    /// Query rows.
    pub rows: usize,
    /// Corpus row of each neighbour.
    pub indices: Vec<u32>,
    /// Distances in the metric's units: f64 for f64 input, else narrowed to f32.
    pub distances: FloatVec,
    /// Parts only (shard searches, merges): the exact f64 ordering keys (`rows × k`).
    pub keys: Option<Vec<f64>>,
    /// Corpus searches only: the screening precision that ran (`"fp32"`, `"fp64"`, `"bf16"`).
    pub precision: Option<&'static str>,
    /// Corpus searches only: the kernel that filled the key tiles.
    pub kernel: Option<&'static str>,
    /// Corpus searches only: exact re-rankings per result slot (candidate inflation).
    pub inflation: Option<f64>,
}

impl Found {
    /// Neighbours (f64 distances) reported in f64 when `f64` (f64 input), else in f32; `trace`:
    /// what a corpus search ran on (`None` for an index search).
    #[must_use]
    pub fn neighbors(nb: Neighbors, f64: bool, trace: Option<Trace>) -> Self {
        let distances = if f64 {
            FloatVec::F64(nb.distances)
        } else {
            FloatVec::F32(nb.distances.iter().map(|&d| d as f32).collect())
        };
        Self {
            k: nb.k,
            rows: nb.rows,
            indices: nb.indices,
            distances,
            keys: None,
            precision: trace.map(|t| t.precision),
            kernel: trace.map(|t| t.kernel),
            inflation: trace.map(|t| t.inflation(nb.rows, nb.k)),
        }
    }

    /// A part (shard search or merge): reported distances in the part's element type, plus its
    /// exact keys.
    #[must_use]
    pub fn part(p: KnnPart) -> Self {
        let f64 = matches!(p.dtype, StoredType::F64);
        let found = Self::neighbors(p.to_neighbors(), f64, None);
        Self {
            keys: Some(p.keys),
            ..found
        }
    }
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
        let p = &self.params;
        let q = self.queries.as_ref().map(AnyData::values);
        let x = Operands::new(self.corpus.values(), q, self.cols as usize);
        if p.is_shard() {
            return Ok(Found::part(embgeo_knn::search_part_values(x, p, ctl)?));
        }
        let (nb, trace) = embgeo_knn::search_values(x, p, ctl)?;
        Ok(Found::neighbors(
            nb,
            matches!(x.corpus, Values::F64(_)),
            Some(trace),
        ))
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
        Ok(Found::neighbors(nb, matches!(index, AnyIndex::F64(_)), None))
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
        Ok(Found::part(embgeo_knn::merge(&self.parts, self.k, ctl)?))
    }
}
