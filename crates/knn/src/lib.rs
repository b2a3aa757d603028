//! Exact k-nearest neighbours for embgeo.
//!
//! - [`all_points`]: the kNN graph of a matrix (self excluded by index);
//! - [`search`]: queries against a corpus; [`Index`]: a native-owned corpus for repeated
//!   searches, with a versioned binary format;
//! - [`search_part`] and [`merge`]: shard searches with global row ids ([`Params::row_offset`],
//!   [`Params::query_offset`]) whose [`KnnPart`]s merge into the single-process answer bit for
//!   bit (partial states for out-of-core and distributed runs; [`KnnPart::to_bytes`]);
//! - [`search_values`] / [`search_part_values`]: the same on any element type (f32, f64, and
//!   bf16, f16 or int8 screened on the low-precision units or widened losslessly);
//! - [`ranks`]: the exact rank of given targets among all rows from each row (the rank pass
//!   of the information imbalance), on the same screened key tiles;
//! - [`recall`]: recall@k of an approximate search against exact neighbours;
//! - [`simd_level`]: which kernel level the runtime dispatch picked.
//!
//! # Exactness and the tie rule
//! A fast pass (faer GEMM tiles or SIMD dot products in the input precision; bf16 units for
//! bf16 and int8 data, [`Precision`]) produces a key per pair together with a rigorous bound on
//! its rounding error (the `γ_d = d·u/(1 − d·u)` bound of any dot-product summation order, plus
//! the rounding of norms and of the normalised copy under cosine, and the subnormal terms of
//! the bf16 units). Each row keeps the pairs whose key, lowered by that bound, can still beat
//! the k-th smallest key raised by it (`select.rs`); exact f64 keys ([`metric::exact_key`]:
//! fixed 16-lane summation order, independent of CPU and thread count) are computed only for
//! the pairs kept at the end (and when overlapping bounds leave too many). The final k are the
//! smallest by `(exact key, index)`: ties (equal f64 keys) go to the lower index. The answer
//! therefore equals a naive f64 brute force with the same summation order bit for bit, also for
//! exact duplicates (distance exactly 0, `√(s·s) = s` under cosine) and near-duplicates closer
//! than f32 rounding. The Euclidean order is that of the squared distance. docs/exact-screening.md
//! has the proof; [`Trace`] reports the precision, kernel and exact computations of a run.
//!
//! # Extreme magnitudes
//! f64 data with `max |x|` outside `[2^-400, 2^400]` are searched on a copy scaled by a power
//! of two (exact) and the distances scaled back exactly (`embgeo_core::scale`): neighbours are
//! those of an unbounded exponent range, and a distance that does not fit in f64 (squared
//! euclidean or dot far from 1) is an `OutOfRange` error, never 0 or ∞.
//!
//! # Memory
//! No n × n buffer. Peak extra memory = output (`rows·k·12` bytes) + [`search_scratch`]:
//! row statistics (`n·(16 + size_of::<T>())`, plus a normalised copy `n·d·size_of::<T>()`
//! under cosine); for the symmetric all-points pass one selection state per row
//! (`≤ max(2k, k+32)·(2·size_of::<T>() + 16) + 88` bytes, used only while all states fit in
//! [`SYMMETRIC_STATE_BUDGET`]); otherwise unit results before the ordered merge
//! (`rows·k·16·slices`); and per worker a key tile (`query_block × corpus_block` values,
//! 1.5 MiB for f32 at the defaults), k-selection buffers and GEMM packing. Not counted: the per-thread packing cache of faer's GEMM kernels,
//! allocated once per thread and sized from the CPU's cache sizes (virtual; only the touched
//! part becomes resident). Example: all-points N = 1e6, d = 128, k = 10, f32, 2 threads:
//! ≈ 40 MB statistics (while assembled) + at most 1.12 GB selection states (symmetric pass;
//! the exact pairs, two thirds of it, are allocated only for rows that need exact keys before
//! the end) + 120 MB output + 2 × ~1 MB tiles ≈ 1.28 GB besides the 512 MB input (the
//! non-symmetric pass: ≈ 0.33 GB). `search_scratch` gives the exact figure.
//!
//! # Parallelism, determinism, cancellation
//! Work units (query block × corpus slice, shape-dependent only) run on the current rayon pool
//! under `Par::Rayon` (nothing nested: each GEMM runs with `Par::Seq` inside its worker, and
//! the top-k pass runs in the worker that produced the tile). Results are bit-identical for
//! any thread count. `ctl.checkpoint()` is polled before every tile (≈ 1–5 ms of work).
//! Progress phases, in order: `"check"` (finiteness scan, in elements), `"norms"` (row
//! statistics, in rows; only for n > 16384) and `"distances"` (finished units: query block ×
//! corpus slice, or block pairs in the symmetric all-points pass).
//!
//! # SIMD
//! [`simd_level`] reports the runtime-dispatched level of this crate's kernels (threshold scan,
//! few-query dot products, exact f64 sums): `"avx512"`, `"avx2+fma"`, `"neon"` (detected; uses
//! the portable code) or `"scalar"`. faer's GEMM dispatches on its own (AVX-512 where present).

mod any_index;
mod brute;
mod cross_parts;
mod header;
mod index;
mod kth;
mod marked_scan;
mod merge;
pub mod metric;
mod part;
mod real;
mod recall;
mod scaled;
mod scan;
mod select;
mod shard;
mod stats;

pub use any_index::AnyIndex;
pub use brute::{
    all_points_ranked, cross_parts_values, ranks, ranks_of_rows, ranks_with, search_int16_on,
    search_one_pass_on, search_part_values, search_scratch, search_values, search_values_on, Kernels,
    Operands, Params, Precision, RankParams, Ranks, Trace, Values, AUTO_MAX_QUERIES_INT16, AUTO_MIN_COLS_AMX,
    AUTO_MIN_COLS_BF16, AUTO_MIN_COLS_INT16, AUTO_MIN_COLS_INT16_ALL, AUTO_MIN_COLS_INT8,
    AUTO_MIN_COLS_SPLIT, AUTO_MIN_COLS_STREAM, AUTO_MIN_CORPUS_INT16, AUTO_MIN_CORPUS_STREAM,
    AUTO_MIN_QUERIES_INT16_KNN, AUTO_MIN_ROWS_AMX, AUTO_MIN_ROWS_INT16_ALL, AUTO_MIN_ROWS_SPLIT,
    AUTO_MIN_WORK_PER_K_ONE_PASS, INT16_MAX_COLS, RANK_STATE_BUDGET, SYMMETRIC_STATE_BUDGET,
};
pub use cross_parts::{cross_parts, CrossParts};
pub use index::{peek_header, Index, StoredType};
pub use merge::merge;
pub use metric::Metric;
pub use part::{KnnPart, PartShape};
pub use recall::{recall, ApproxIndex};
pub use scaled::{all_points, search};
pub use shard::search_part;

/// The kernel level the runtime dispatch uses on this CPU: `"avx512"`, `"avx2+fma"`, `"neon"`,
/// `"simd128"` (WASM build) or `"scalar"` (the GEMM kernels inside faer dispatch on their own).
/// Setting the environment variable `EMBGEO_FORCE_SCALAR` before the first call forces the
/// portable code (`"scalar"`; `"simd128"` in the WASM build, where it is compiled for SIMD128).
#[must_use]
pub fn simd_level() -> &'static str {
    real::level_name(real::level())
}
