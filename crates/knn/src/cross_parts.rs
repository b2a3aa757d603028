//! Both directions of two disjoint row blocks of the all-points graph from one pass: the kNN
//! of A's rows among B's rows and of B's rows among A's rows, as two [`KnnPart`]s equal bit for
//! bit to the two shard searches ([`crate::search_part`]) they replace, for half their GEMM work.
//!
//! A sharded all-points graph needs, for every pair of shards s ≠ t, block s against shard t and
//! block t against shard s. Both read the same `n_s × n_t` distances; two searches compute them
//! twice, so S shards do `(2 − 1/S)×` the single-process work. With this pass each pair is
//! computed once and the sharded graph does exactly the single process's work.
//!
//! How: the engine's symmetric all-points pass on the rows `[A; B]` with every row's candidates
//! restricted to the other side ([`crate::Params::bipartite`]): each A-block × B-block tile is
//! computed once and scanned for the A rows (its columns) and the B rows (its rows). The
//! selection is exact and every reported key is the f64 key of the pair recomputed in the
//! order `(query row, corpus row)` that the shard search uses, so the parts are those of the two
//! searches, ties to the lower global index included (tested bit for bit).

use embgeo_core::{Ctl, Element, Error, MatRef, Result};

use crate::brute::{check_k, check_width, use_symmetric, Params};
use crate::index::StoredType;
use crate::metric::Metric;
use crate::part::{KnnPart, PartShape};
use crate::shard::global_end;
use crate::{scaled, search_part};

/// The two parts of [`cross_parts`]: A's rows against B and B's rows against A.
#[derive(Debug, Clone, PartialEq)]
pub struct CrossParts {
    /// The `k` nearest B rows of every A row (`rows = n_A`, global ids `b_offset + j`).
    pub a_to_b: KnnPart,
    /// The `k` nearest A rows of every B row (`rows = n_B`, global ids `a_offset + i`).
    pub b_to_a: KnnPart,
}

/// The kNN of each row of `a` among the rows of `b` and of each row of `b` among the rows of
/// `a`, with global row ids: `p.row_offset` is the global id of A's first row, `p.query_offset`
/// B's (default 0 each); the two ranges must not overlap.
///
/// `a_to_b` equals `search_part(b, Some(a), { row_offset: b_offset })` and `b_to_a` equals
/// `search_part(a, Some(b), { row_offset: a_offset })` bit for bit (indices, keys, shape), so
/// either merges with the other shards' parts ([`crate::merge`]) into the single-process graph.
///
/// # Shapes and types
/// `a`: `n_A` × d, `b`: `n_B` × d, both f32 or both f64, d ≥ 1. Returns parts of `n_A` and `n_B`
/// rows × `k`.
/// # Cost
/// `2·n_A·n_B·d` FLOPs in the input precision (half of the two searches) + `O((n_A + n_B)·k·d)`
/// f64 re-ranking. Extra memory: a copy of `[A; B]` (`(n_A + n_B)·d·size_of::<T>()` bytes)
/// plus the engine's symmetric-pass memory for `n_A + n_B` rows ([`crate::search_scratch`]).
/// When the per-row states of `n_A + n_B` rows exceed
/// [`crate::SYMMETRIC_STATE_BUDGET`] (or `p.symmetric` is false, or the blocks are tiny) it
/// runs the two searches instead: the same parts at twice the GEMM work, no copy.
/// # Determinism
/// Bit-identical for every thread count and `ctl.par`.
/// # Errors
/// `Empty` for a side without rows; `Shape` if the widths differ; `OutOfRange` if an offset +
/// rows exceeds 2^32, the two ranges overlap, or `k` is 0; `KTooLarge` if `k` exceeds either
/// side's rows; `NonFinite`; `Degenerate` for a zero row under cosine; `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
pub fn cross_parts<T: Element>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<CrossParts> {
    p.check()?;
    let (na, nb) = (a.rows(), b.rows());
    a.require_rows("A", 1, "kNN cross parts")?;
    b.require_rows("B", 1, "kNN cross parts")?;
    check_width(a.cols(), b.cols())?;
    let (ao, bo) = (p.row_offset.unwrap_or(0), p.query_offset.unwrap_or(0));
    let a_end = global_end("aOffset", ao, na)?;
    let b_end = global_end("bOffset", bo, nb)?;
    if ao < b_end && bo < a_end {
        return Err(Error::OutOfRange {
            name: "bOffset",
            expected: "global row ranges of A and B that do not overlap (a block against itself is knn(shard, { rowOffset }))".into(),
            actual: format!("A rows {ao}..{a_end}, B rows {bo}..{b_end}"),
        });
    }
    check_k(p.k, nb, false)?;
    check_k(p.k, na, false)?;
    let mut inner = Params {
        row_offset: None,
        query_offset: None,
        bipartite: None,
        ..p.clone()
    };
    if p.metric == Metric::Euclidean {
        inner.metric = Metric::SqEuclidean;
    }
    // the working precision is chosen later (f32 input may run in f64): decide for the widest
    if !use_symmetric(na + nb, 8, &inner) {
        let one = |corpus: MatRef<'_, T>, queries: MatRef<'_, T>, offset: usize| {
            let q = Params {
                row_offset: Some(offset),
                bipartite: None,
                query_offset: None,
                ..p.clone()
            };
            search_part(corpus, Some(queries), &q, ctl)
        };
        return Ok(CrossParts {
            a_to_b: one(b, a, bo)?,
            b_to_a: one(a, b, ao)?,
        });
    }
    let d = a.cols();
    let mut rows = Vec::new();
    rows.try_reserve_exact((na + nb) * d)
        .map_err(|_| Error::OutOfRange {
            name: "A, B",
            expected: "blocks whose concatenation fits in memory".into(),
            actual: format!("{} rows × {d}", na + nb),
        })?;
    rows.extend_from_slice(a.as_slice());
    rows.extend_from_slice(b.as_slice());
    inner.bipartite = Some(na);
    let all = scaled::all_points(MatRef::new(&rows, na + nb, d)?, &inner, ctl)?;
    drop(rows);
    let dtype = if std::mem::size_of::<T>() == 4 {
        StoredType::F32
    } else {
        StoredType::F64
    };
    let side = |r: std::ops::Range<usize>, to_global: &dyn Fn(u32) -> u32| -> Result<KnnPart> {
        let k = p.k;
        let (mut indices, mut keys) = (Vec::with_capacity(r.len() * k), Vec::with_capacity(r.len() * k));
        for i in r.clone() {
            indices.extend(all.indices_of(i).iter().map(|&j| to_global(j)));
            keys.extend_from_slice(all.distances_of(i));
        }
        let shape = PartShape {
            k,
            rows: r.len(),
            metric: p.metric,
            dtype,
        };
        KnnPart::new(shape, indices, keys)
    };
    // Local ids: A rows 0..na, B rows na..; each side's candidates are the other side's rows.
    // The global ids fit in u32: both ends were checked against 2^32.
    let id = |v: usize| u32::try_from(v).map_err(|_| Error::Internal(format!("row id {v} over u32")));
    let (na32, ao32, bo32) = (id(na)?, id(ao)?, id(bo)?);
    Ok(CrossParts {
        a_to_b: side(0..na, &|j| bo32 + (j - na32))?,
        b_to_a: side(na..na + nb, &|j| ao32 + j)?,
    })
}

#[cfg(test)]
mod tests;
