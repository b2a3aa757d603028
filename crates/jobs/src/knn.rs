//! The exact-kNN jobs: a search of a corpus ([`KnnJob`]), of a `KnnIndex` ([`SearchJob`]), a
//! merge of parts ([`MergeJob`]), the two-sided block parts ([`CrossPartsJob`]), each producing
//! what it [`Found`].

use std::sync::Arc;

use embgeo_core::{Ctl, Error, Neighbors, Result};
use embgeo_knn::{AnyIndex, KnnPart, Operands, Params, PartShape, StoredType, Trace, Values};
use serde::Deserialize;

use crate::data::{AnyData, Data, FloatVec};
use crate::job::Job;
use crate::model::{Model, Ticket};

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

/// Both directions of two disjoint row blocks of the all-points graph in one pass
/// (`knnCrossParts`): A's rows against B and B's rows against A, as two parts
/// ([`embgeo_knn::cross_parts`]; `params.row_offset` is A's first global row, `query_offset`
/// B's).
pub struct CrossPartsJob<'a> {
    /// Block A.
    pub a: AnyData<'a>,
    /// Block B.
    pub b: AnyData<'a>,
    /// Columns of both.
    pub cols: u32,
    /// The options.
    pub params: Params,
}

impl Job for CrossPartsJob<'_> {
    type Output = (Found, Found);

    fn run(&self, ctl: &Ctl<'_>) -> Result<(Found, Found)> {
        let x = Operands::new(self.a.values(), Some(self.b.values()), self.cols as usize);
        let parts = embgeo_knn::cross_parts_values(x, &self.params, ctl)?;
        Ok((Found::part(parts.a_to_b), Found::part(parts.b_to_a)))
    }
}

/// The `Not fitted` error of a disposed `KnnIndex`.
#[must_use]
pub fn disposed() -> Error {
    Error::NotFitted("KnnIndex (disposed)")
}

/// A `KnnIndex` shared with its pending searches: `None` once disposed.
pub type SharedIndex = Model<Option<AnyIndex>>;

/// The index built (`Ok`), ready to be shared.
pub fn share(index: Result<AnyIndex>) -> Result<Arc<SharedIndex>> {
    const BUSY: &str = "this KnnIndex has a pending search; await it before add() or dispose()";
    Ok(Model::new(Some(index?), BUSY))
}

/// `f` of the index, or `NotFitted` once disposed.
pub fn with<R>(model: &SharedIndex, f: impl FnOnce(&AnyIndex) -> Result<R>) -> Result<R> {
    model.read().as_ref().map_or_else(|| Err(disposed()), f)
}

/// Append rows (the index's width and element type); `Busy` while a search is pending.
pub fn add(model: &SharedIndex, rows: &Data<'_>, cols: u32) -> Result<()> {
    model
        .write()?
        .as_mut()
        .ok_or_else(disposed)?
        .add(rows.values(), cols as usize)
}

/// `[rows, dim, metric, dtype]` of the index.
pub fn info(model: &SharedIndex) -> Result<(u32, u32, &'static str, &'static str)> {
    with(model, |i| {
        let rows = u32::try_from(i.len()).map_err(|_| Error::Internal("rows exceed u32".into()))?;
        Ok((rows, i.dim() as u32, i.metric().name(), i.dtype()))
    })
}

/// A kNN part from the host's arrays: `shape` the JSON of a [`PartShape`] (`InvalidValue`
/// otherwise), `indices` and `keys` `rows × k` each.
pub fn part(shape: &serde_json::Value, indices: Vec<u32>, keys: Vec<f64>) -> Result<KnnPart> {
    let shape = PartShape::deserialize(shape).map_err(|e| Error::InvalidValue {
        name: "part",
        expected: "a kNN part from knn({ rowOffset }) or mergeKnn".into(),
        actual: e.to_string(),
    })?;
    KnnPart::new(shape, indices, keys)
}

/// Approximate neighbour indices in any integer type ANN libraries return.
#[derive(Clone, Copy)]
pub enum Approx<'a> {
    /// `Uint32Array`.
    U32(&'a [u32]),
    /// `Int32Array`.
    I32(&'a [i32]),
    /// `BigUint64Array`.
    U64(&'a [u64]),
    /// `BigInt64Array`.
    I64(&'a [i64]),
}

/// Recall@k of `approx` (`k_approx` per row) against the exact neighbour lists `exact` (`k` per
/// row, row-major): `(overall, per query)`. Counts indices only. O(rows·(k + `k_approx`)).
pub fn recall(approx: Approx<'_>, k_approx: usize, exact: &[u32], k: usize) -> Result<(f64, Vec<f64>)> {
    let rows = exact.len().checked_div(k).unwrap_or(0);
    let exact = Neighbors {
        k,
        rows,
        indices: exact.to_vec(),
        distances: vec![0.0; rows * k],
    };
    match approx {
        Approx::U32(a) => embgeo_knn::recall(a, k_approx, &exact),
        Approx::I32(a) => embgeo_knn::recall(a, k_approx, &exact),
        Approx::U64(a) => embgeo_knn::recall(a, k_approx, &exact),
        Approx::I64(a) => embgeo_knn::recall(a, k_approx, &exact),
    }
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
        let (nb, trace) = index.search_traced(self.queries.values(), self.cols as usize, self.k, ctl)?;
        Ok(Found::neighbors(
            nb,
            matches!(index, AnyIndex::F64(_)),
            Some(trace),
        ))
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

#[cfg(test)]
mod tests {
    use super::*;
    use embgeo_knn::Metric;

    #[test]
    fn recall_counts_shared_indices_in_every_integer_type() {
        // Two queries, k = 2: query 0 found both exact neighbours, query 1 one of its two.
        let exact = [1, 2, 0, 3];
        let want = Some((0.75, vec![1.0, 0.5]));
        assert_eq!(recall(Approx::U32(&[2, 1, 0, 5]), 2, &exact, 2).ok(), want);
        assert_eq!(recall(Approx::I64(&[2, 1, 0, 5]), 2, &exact, 2).ok(), want);
        assert!(recall(Approx::I32(&[0, 1]), 2, &[], 0).is_err(), "no exact rows");
    }

    #[test]
    fn a_shared_index_grows_reports_and_disposes() {
        let index = AnyIndex::new(Metric::Euclidean, Values::F32(&[0.0, 0.0, 1.0, 1.0]), 2);
        let model = share(index).unwrap();
        assert_eq!(info(&model).ok(), Some((2, 2, "euclidean", "f32")));
        add(&model, &Data::F32([2.0f32, 2.0][..].into()), 2).unwrap();
        assert_eq!(info(&model).ok().map(|i| i.0), Some(3));
        *model.write().unwrap() = None;
        assert!(matches!(info(&model), Err(Error::NotFitted(_))));
        assert!(matches!(
            add(&model, &Data::F32([1.0f32, 1.0][..].into()), 2),
            Err(Error::NotFitted(_))
        ));
    }

    #[test]
    fn parts_come_from_their_json_shape() {
        let shape = serde_json::json!({ "k": 1, "rows": 1, "metric": "euclidean", "dtype": "f32" });
        assert!(part(&shape, vec![0], vec![0.0]).is_ok());
        let bad = serde_json::json!({ "k": 1, "rows": 1, "metric": "manhattan", "dtype": "f32" });
        assert!(matches!(
            part(&bad, vec![0], vec![0.0]),
            Err(Error::InvalidValue { name: "part", .. })
        ));
    }
}
