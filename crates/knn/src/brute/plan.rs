//! Parameters of the exact search and how its work is cut (query blocks × corpus slices, the
//! symmetric all-points choice): everything here depends on shapes and `Params` only, never on
//! the thread count.

use embgeo_core::{Error, Result};

use super::trace::Precision;
use crate::metric::Metric;
use crate::select::state_bytes;

/// Parameters of the exact search.
///
/// `Default` = scikit-learn `NearestNeighbors()` defaults (`n_neighbors = 5`, euclidean) plus
/// the tile sizes below; tile sizes change speed and memory, never results.
/// Deserialised from the camelCase options object of the bindings (`{ k, metric }`; unknown
/// names are rejected, missing ones take the defaults).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Neighbours per query (`>= 1`). Default 5.
    pub k: usize,
    /// Distance. Default [`Metric::Euclidean`].
    pub metric: Metric,
    /// Query rows per tile (rows of one GEMM). Default 384 (a multiple of faer's 96-row f32
    /// micro-kernel on AVX-512).
    pub query_block: usize,
    /// Corpus rows per tile (columns of one GEMM). Default 1024: the 384 × 1024 f32 key tile
    /// is 1.5 MiB and stays in a 2 MiB L2 (measured best of 192–576 × 512–2048 on the
    /// benchmark machine).
    pub corpus_block: usize,
    /// At most this many queries use SIMD dot products instead of GEMM (memory-bound scan).
    /// Default 16.
    pub few_queries: usize,
    /// When there are fewer query blocks than this, the corpus is also split into slices so
    /// that there are about this many independent units of work. Default 8.
    pub min_units: usize,
    /// Smallest corpus slice when splitting the corpus. Default 8192 rows.
    pub min_slice_rows: usize,
    /// All-points only: compute each pair of `query_block`-row blocks once and scan the tile for
    /// both blocks (half the GEMM work), when the per-row selection states of all n rows fit
    /// in [`SYMMETRIC_STATE_BUDGET`] bytes. Default `true`; results are identical either way.
    pub symmetric: bool,
    /// Precision of the candidate pass (`'auto'`, `'fp32'`, `'bf16'`, `'int8'`): which units
    /// screen, never which neighbours come out. Default [`Precision::Auto`].
    pub precision: Precision,
    /// Shard searches ([`crate::shard`]): the global row id of the corpus's first row; reported
    /// indices are `row_offset + local row`. `None` (the default): a plain search.
    pub row_offset: Option<usize>,
    /// Shard searches of the all-points graph: query row `i` is global row `query_offset + i`,
    /// and the corpus row with the same global id is excluded (the self-match). Needs queries.
    pub query_offset: Option<usize>,
    /// Set only by [`crate::cross_parts`] (never deserialised): all points on the rows
    /// `[A; B]` with A the first `bipartite` rows, each row's candidates only the other side's
    /// rows. The symmetric pass then computes each A-block × B-block tile once and scans it for
    /// both sides (`n_A·n_B` pairs instead of `2·n_A·n_B` for two searches). `None` by default.
    #[serde(skip)]
    pub bipartite: Option<usize>,
}

/// Largest memory (bytes) the symmetric all-points pass may hold in per-row selection states.
pub const SYMMETRIC_STATE_BUDGET: usize = 2 << 30;

impl Default for Params {
    fn default() -> Self {
        Self {
            k: 5,
            metric: Metric::Euclidean,
            query_block: 384,
            corpus_block: 1024,
            few_queries: 16,
            min_units: 8,
            min_slice_rows: 8192,
            symmetric: true,
            precision: Precision::Auto,
            row_offset: None,
            query_offset: None,
            bipartite: None,
        }
    }
}

impl Params {
    /// Defaults with the given `k` and metric.
    #[must_use]
    pub fn new(k: usize, metric: Metric) -> Self {
        Self {
            k,
            metric,
            ..Self::default()
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        for (name, v) in [
            ("query_block", self.query_block),
            ("corpus_block", self.corpus_block),
            ("min_units", self.min_units),
            ("min_slice_rows", self.min_slice_rows),
        ] {
            Error::require_at_least_one(name, v)?;
        }
        Error::require_at_least_one("k", self.k)?;
        Ok(())
    }

    /// Is this a shard search (global row ids: `row_offset` or `query_offset` given)?
    #[must_use]
    pub fn is_shard(&self) -> bool {
        self.row_offset.is_some() || self.query_offset.is_some()
    }
}

/// How the work is cut: query blocks × corpus slices (shape-dependent only).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub qb: usize,
    pub q_blocks: usize,
    pub slices: usize,
    pub slice_len: usize,
    pub few: bool,
}

impl Plan {
    pub(crate) fn new(nq: usize, nc: usize, p: &Params) -> Self {
        let few = nq <= p.few_queries;
        let qb = if few { nq.max(1) } else { p.query_block };
        let q_blocks = nq.div_ceil(qb).max(1);
        let mut slices = 1;
        if q_blocks < p.min_units {
            let want = p.min_units.div_ceil(q_blocks);
            let max_by_size = (nc / p.min_slice_rows).max(1);
            slices = want.min(max_by_size);
        }
        let slice_len = nc.div_ceil(slices).max(1);
        let slices = nc.div_ceil(slice_len).max(1);
        Self {
            qb,
            q_blocks,
            slices,
            slice_len,
            few,
        }
    }
}

/// Does all-points on `n` rows take the symmetric pass, with fast keys of `key_bytes` bytes (the
/// working precision: 4 for f32, 8 for f64)? The per-row states of all `n` rows must fit in
/// [`SYMMETRIC_STATE_BUDGET`]. A caller that does not yet know the working precision passes 8:
/// what fits with 8-byte keys fits with 4-byte keys.
pub(crate) fn use_symmetric(n: usize, key_bytes: usize, p: &Params) -> bool {
    p.symmetric
        && n > p.few_queries
        && n.saturating_mul(state_bytes(p.k, key_bytes) + 32) <= SYMMETRIC_STATE_BUDGET
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_limit_follows_the_working_key_size() {
        // k = 100: 200 pairs per state; 4-byte keys need 200·24 + 88 + 32 bytes per row (≈ 436k
        // rows in the budget), 8-byte keys 200·32 + 88 + 32 (≈ 329k rows)
        let p = Params::new(100, Metric::Euclidean);
        for (n, f32_keys, f64_keys) in [
            (300_000, true, true),
            (400_000, true, false),
            (500_000, false, false),
        ] {
            assert_eq!(use_symmetric(n, 4, &p), f32_keys, "n = {n}, 4-byte keys");
            assert_eq!(use_symmetric(n, 8, &p), f64_keys, "n = {n}, 8-byte keys");
        }
        assert!(!use_symmetric(16, 4, &p), "few rows take the general pass");
        let off = Params {
            symmetric: false,
            ..p
        };
        assert!(!use_symmetric(20_000, 4, &off));
    }
}
