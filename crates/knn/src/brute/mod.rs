//! Exact brute-force k-nearest neighbours: GEMM-tiled candidate pass with a fused, error-bounded
//! top-k selection, then exact f64 re-ranking of the survivors.
//!
//! Work is a grid of units (query block × corpus slice). A unit walks its corpus slice in tiles
//! of `corpus_block` rows: one GEMM (faer, on the worker's thread) or, for few queries, SIMD dot
//! products fill a `query_block × corpus_block` key tile, and the same worker immediately scans
//! it against each row's cached threshold ([`crate::select`]). The grid depends only on the
//! shapes and `Params`, never on the thread count, and every reported value is an exact f64
//! recomputation, so outputs are bit-identical for any pool size.
//!
//! Modules: `plan` (parameters and the work grid), `bounds` (error bounds of fast keys),
//! `query` (the tile driver of the general pass), `symmetric` (the symmetric all-points pass).

#[cfg(test)]
mod adversarial_tests;
pub(crate) mod bounds;
#[cfg(test)]
mod in_place_tests;
mod int16;
mod operands;
mod plan;
mod query;
mod rank_blocks;
mod rank_scan;
mod rank_sym;
mod rank_tally;
mod ranked;
mod ranks;
mod residual;
mod source;
mod split;
mod stream;
mod symmetric;
mod trace;
mod values;

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};

use crate::metric::Metric;
pub(crate) use crate::real::cast;
use crate::real::{self, Real};
use crate::select::state_bytes;
use crate::stats::Stats;
pub(crate) use int16::{
    auto_takes as int16_auto_takes, quantize as int16_quantize, search_indexed as int16_search_indexed,
};
pub use int16::{
    search_int16_on, AUTO_MAX_QUERIES_INT16, AUTO_MIN_COLS_INT16, AUTO_MIN_COLS_INT16_ALL,
    AUTO_MIN_CORPUS_INT16, AUTO_MIN_QUERIES_INT16_KNN, AUTO_MIN_ROWS_INT16_ALL, MAX_COLS as INT16_MAX_COLS,
};
pub use operands::Operands;
pub(crate) use plan::use_symmetric;
use plan::Plan;
pub use plan::{Params, SYMMETRIC_STATE_BUDGET};
use query::run_general;
pub use ranked::all_points_ranked;
pub use ranks::{ranks, ranks_of_rows, ranks_with, RankParams, Ranks, RANK_STATE_BUDGET};
use source::{Dense, Rows, Source};
pub use split::{AUTO_MIN_COLS_SPLIT, AUTO_MIN_ROWS_SPLIT, AUTO_MIN_WORK_PER_K_ONE_PASS};
pub(crate) use stream::search_indexed;
pub use stream::{search_one_pass_on, AUTO_MIN_COLS_STREAM, AUTO_MIN_CORPUS_STREAM};
use symmetric::run_symmetric;
pub use trace::{Precision, Trace};
pub use values::{
    cross_parts_values, search_part_values, search_values, search_values_on, Kernels, Values,
    AUTO_MIN_COLS_AMX, AUTO_MIN_COLS_BF16, AUTO_MIN_COLS_INT8, AUTO_MIN_ROWS_AMX,
};

/// The engine: all points against each other (`queries = None`: the `k` nearest other rows of
/// every row of `corpus`, [`crate::all_points`]) or queries against a corpus (the `k` nearest
/// corpus rows of every query row, [`crate::search`]), with the [`Trace`] of the run.
///
/// The point itself is excluded **by index**; exact duplicates of it remain neighbours at
/// distance exactly 0. Rows are best first; ties (equal f64 keys) go to the lower index.
///
/// # Shapes and types
/// `corpus`: n × d, row-major, f32 or f64, d ≥ 1 (n ≥ 2 for all points, n ≥ 1 with queries);
/// `queries`: q × d, same d and dtype. Returns `Neighbors` with `rows = n` (all points) or `q`,
/// `indices` (u32) and `distances` (f64, see [`Metric`]; `Dot` distances may be negative).
/// # Cost
/// Time 2·n²·d FLOPs for all points, 2·q·n·d with queries, in the input precision (GEMM tiles;
/// SIMD dot products when q ≤ `few_queries`) + O(rows·k·d) f64 re-ranking. Extra memory: see
/// [`search_scratch`] (all points: `n_queries = n_corpus = n`, no query copy) plus the output
/// rows·k·12 bytes; never an n × n buffer.
/// # Determinism
/// Bit-identical for every `ctl.par` and pool size, and across SIMD levels: every reported
/// distance is recomputed in f64 left to right, and the selection is exact (below).
/// # Exactness
/// The fast pass produces a key per pair and a rigorous bound on its rounding error; a pair is
/// discarded only when its lower bound exceeds the k-th smallest upper bound. The survivors are
/// ranked by the exact f64 key, ties by index. The result therefore equals a naive f64 brute
/// force (`metric::exact_key` for every pair, sorted by `(key, index)`), including ties and
/// near-ties closer than f32 rounding.
/// # Errors
/// `Empty` if n < 2 (all points) or n = 0; `Shape` if the widths differ; `OutOfRange` if k = 0, a
/// tile parameter is 0, n exceeds u32 indices, or values are so large that squared norms
/// overflow f64; `KTooLarge` if k > n − 1 (all points) or k > n; `NonFinite`; `Degenerate` for a
/// zero row under cosine (naming the row); `InvalidValue` for a [`Params::precision`] the
/// element type cannot screen in (f32: `auto`, `fp32`; f64: `auto`); `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// faiss `IndexFlatL2`/`IndexFlatIP` (`knn_L2sqr`, `knn_inner_product`), scikit-learn
/// `NearestNeighbors(algorithm="brute")`; tests compare with a naive f64 brute force.
pub(crate) fn traced<T: Element>(
    corpus: MatRef<'_, T>,
    queries: Option<MatRef<'_, T>>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    check_entry(corpus, queries, p)?;
    // the finiteness checks and `check_k` follow in `checked_run`, in this order
    dispatch_traced(corpus, queries, p, ctl)
}

/// The checks of [`traced`] before any pass over the data, in its order: the parameters, the
/// columns, the precision for the element type, the rows (and the queries' width).
pub(crate) fn check_entry<T: Element>(
    corpus: MatRef<'_, T>,
    queries: Option<MatRef<'_, T>>,
    p: &Params,
) -> Result<()> {
    p.check()?;
    Error::require_at_least_one("cols", corpus.cols())?;
    let f32_input = cast::<T, f32>(corpus.as_slice()).is_some();
    values::check_dense_precision(p.precision, if f32_input { "f32" } else { "f64" })?;
    match queries {
        None => corpus.require_rows("corpus", 2, "all-points kNN"),
        Some(q) => {
            corpus.require_rows("corpus", 1, "kNN search")?;
            check_width(corpus.cols(), q.cols())
        }
    }
}

/// Extra memory of [`crate::search`] / [`crate::all_points`] in bytes, beyond the inputs and the returned
/// `Neighbors` (rows·k·12 bytes), with `threads` workers running units at once.
///
/// Formula (`R` = element size, `m` = `min(query_block, q)`, `b` = `corpus_block`,
/// `S(k)` = one selection state, at most `max(2k, k+32)·(2R + 16) + 88` bytes: fast pairs
/// and, after exact keys were needed early, exact pairs):
/// `n·(16 + R)` corpus row statistics (+ `n·d·R` normalised copy under cosine; twice that
/// while parallel chunks are concatenated when n > 16384), then
/// - symmetric all-points ([`Params::symmetric`]): `n·(S(k) + R + 16)` per-row states,
///   thresholds and bounds + `n·k·16` per-block results before assembly + `threads·(m·m·R`
///   tile `+ 2m·d·R` GEMM packing `+ 8m)`;
/// - otherwise: `q·16` query statistics (+ `q·d·R` under cosine, unless all-points) +
///   `q·k·16·slices` unit results before the ordered merge + `threads·(m·b·R` key tile
///   `+ m·(S(k) + R + 16) + (m + b)·d·R` GEMM packing `+ 8b)`.
///
/// f32 rows that `auto` screens through split copies on the AMX tiles (`split::auto_path`) add
/// the two packings, `(n + q)·⌈3d/2⌉·4` bytes (each width rounded up to 16 words; all points:
/// `q = n`), and have no GEMM packing (all points in one bf16 pass, `split::Scheme::OnePass`:
/// one copy in both AMX layouts, `(2n + 64)·⌈d/2⌉·4` bytes about); f32 queries that `auto` streams through bf16
/// (`stream::auto_path`) add the rounded queries, `(⌈q/16⌉ + 2)·16·⌈d/2⌉·4` bytes, and one
/// rounded corpus block per worker, `(corpus_block + 32)·⌈d/2⌉·4` (`⌈d/2⌉` rounded up to 16
/// words), and have no GEMM packing; all points that `auto` screens in int16
/// (`int16::auto_takes_all_points`) add the int16 copy, `n·(4·⌈d/2⌉ + 12)` bytes (twice that
/// while its parts are joined), and the query blocks packed from it, about as much again; f32
/// queries that `auto` screens in int16 without an index (`int16::auto_takes_queries`) add the
/// corpus's int16 copy (twice while joined) and the queries packed, once and per worker.
///
/// Not included: faer's per-thread GEMM packing cache (allocated once per thread, sized from the
/// CPU's caches; see the crate docs).
#[must_use]
pub fn search_scratch<T: Element>(
    n_corpus: usize,
    n_queries: usize,
    dim: usize,
    threads: usize,
    all_points: bool,
    p: &Params,
) -> usize {
    let r = std::mem::size_of::<T>();
    let cos = p.metric == Metric::Cosine;
    let threads = threads.max(1);
    let state = state_bytes(p.k, r);
    // row statistics; assembled from parallel chunks (twice the size while concatenating)
    let stats = n_corpus * (16 + r) + if cos { n_corpus * dim * r } else { 0 };
    let mut bytes = if n_corpus > 16_384 { 2 * stats } else { stats };
    let nq = if all_points { n_corpus } else { n_queries };
    if r == 4 && all_points && int16::auto_takes_all_points(p, dim, n_corpus) {
        // the int16 copy of the rows (twice while its parallel parts are joined) and the query
        // blocks packed from it (up to 48 rows of padding per block)
        let (row, blocks) = (dim.div_ceil(2) * 4 + 12, n_corpus.div_ceil(p.query_block.max(1)));
        bytes += 2 * n_corpus * row + (n_corpus + 48 * blocks) * row;
    } else if r == 4 && !all_points && int16::auto_takes_queries(p, dim, nq, n_corpus) {
        // the corpus's int16 copy (twice while joined), all the queries packed once and one
        // packed query block per worker
        let row = dim.div_ceil(2) * 4 + 12;
        bytes += 2 * n_corpus * row + (nq + 48) * row + threads * (p.query_block + 48) * row;
    } else if r == 4 && !all_points && stream::auto_path(p, dim, nq, n_corpus).is_some() {
        // rounded queries (groups of 16 rows, two zero groups after), their residual norms,
        // and one block per worker
        let kp = dim.div_ceil(2).next_multiple_of(16);
        bytes += (nq.div_ceil(16) + 2) * 16 * kp * 4 + nq * 8 + threads * (p.corpus_block + 32) * kp * 4;
    } else if r == 4 && split::auto_path(p, dim, nq, n_corpus).is_some() {
        bytes += match split::Scheme::auto(dim, n_corpus, p.k, all_points) {
            split::Scheme::Split => (n_corpus + nq) * (3 * dim).div_ceil(2).next_multiple_of(16) * 4,
            // all points: one copy in both AMX layouts (rows, then groups of 16), the rows'
            // residual norms
            split::Scheme::OnePass => {
                let kp = dim.div_ceil(2).next_multiple_of(16);
                ((n_corpus + 32) + (n_corpus.div_ceil(16) + 2) * 16) * kp * 4 + n_corpus * 8
            }
        };
    }
    if all_points && use_symmetric(n_corpus, r, p) {
        let m = p.query_block.min(n_corpus.max(1));
        // per-row states, thresholds and bounds; per-block results before assembly; per worker
        return bytes
            + n_corpus * (state + r + 16)
            + n_corpus * p.k * 16
            + threads * (m * m * r + 2 * m * dim * r + 8 * m);
    }
    let plan = Plan::new(n_queries, n_corpus, p);
    let m = plan.qb.min(n_queries.max(1));
    let b = p.corpus_block.min(n_corpus.max(1));
    if !all_points {
        bytes += n_queries * 16 + if cos { n_queries * dim * r } else { 0 };
    }
    bytes += n_queries * p.k * 16 * plan.slices + plan.q_blocks * plan.slices * 64;
    let per_worker = m * b * r + m * (state + r + 16) + (m + b) * dim * r + 8 * b;
    bytes + threads * per_worker
}

pub(crate) fn check_width(a: usize, b: usize) -> Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(Error::Shape {
            what: "queries columns vs corpus columns".into(),
            expected: a,
            actual: b,
            fix: "queries must have the corpus's number of features",
        })
    }
}

pub(crate) fn check_k(k: usize, n: usize, self_excluded: bool) -> Result<()> {
    Error::require_at_least_one("k", k)?;
    let available = if self_excluded { n - 1 } else { n };
    if k > available {
        let why = if self_excluded {
            format!("the corpus has {n} rows and each point itself is excluded")
        } else {
            format!("the corpus has {n} rows")
        };
        return Err(Error::KTooLarge { k, available, why });
    }
    if n > u32::MAX as usize {
        return Err(Error::OutOfRange {
            name: "corpus rows",
            expected: format!("at most {} (u32 indices)", u32::MAX),
            actual: n.to_string(),
        });
    }
    Ok(())
}

/// `MatRef::check_finite`, with a parallel vectorised pre-pass: the detailed (sequential)
/// scan runs only when a non-finite value exists.
pub(crate) fn check_finite<T: Element>(m: MatRef<'_, T>, what: &'static str, ctl: &Ctl<'_>) -> Result<()> {
    let data = m.as_slice();
    let lv = real::level();
    let ok = |r: std::ops::Range<usize>| -> Result<bool> {
        if let Some(v) = cast::<T, f32>(&data[r.clone()]) {
            Ok(real::all_finite(lv, v))
        } else if let Some(v) = cast::<T, f64>(&data[r]) {
            Ok(real::all_finite(lv, v))
        } else {
            Err(Error::Internal("element type is neither f32 nor f64".into()))
        }
    };
    let parts = map_chunks(ctl, "check", data.len(), 1 << 20, ok)?;
    if parts.iter().all(|&b| b) {
        Ok(())
    } else {
        m.check_finite(what)
    }
}

pub(crate) fn check_params(p: &Params) -> Result<()> {
    p.check()
}

/// The engine on f32 or f64 input (checked), with the [`Trace`] of the run.
pub(crate) fn dispatch_traced<T: Element>(
    corpus: MatRef<'_, T>,
    queries: Option<MatRef<'_, T>>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    let d = corpus.cols();
    let c = corpus.as_slice();
    let q = queries.map(|q| q.as_slice());
    let n = corpus.rows();
    if let Some(c32) = cast::<T, f32>(c) {
        let q32 = q.and_then(cast::<T, f32>);
        let nq = q32.map_or(n, |q| q.len() / d);
        // `None` from either: it declined (norms too large for f32 keys), fp32 decides
        if let Some((q32, path)) = q32.zip(stream::auto_path(p, d, nq, n)) {
            if let Some(r) = stream::search(c32, q32, d, p, ctl, path)? {
                return Ok(r);
            }
        } else if let Some(path) = split::auto_path(p, d, nq, n) {
            let scheme = split::Scheme::auto(d, n, p.k, q32.is_none());
            if let Some(r) = split::search(c32, q32, d, p, ctl, (path, scheme))? {
                return Ok(r);
            }
        }
        match q32 {
            None if int16::auto_takes_all_points(p, d, n) => {
                return int16::search_all_points(c32, n, d, p, ctl)
            }
            Some(q) if int16::auto_takes_queries(p, d, nq, n) => {
                return int16::search_queries(c32, n, q, d, p, ctl);
            }
            _ => {}
        }
        return checked_run(c32, n, q32, d, p, ctl);
    }
    if let Some(c64) = cast::<T, f64>(c) {
        return checked_run(c64, n, q.and_then(cast::<T, f64>), d, p, ctl);
    }
    Err(Error::Internal("element type is neither f32 nor f64".into()))
}

/// The input checks and the engine on `n × d` corpus rows `c` and optional queries `q` of one
/// working precision: `NonFinite` (corpus, then queries), then `KTooLarge`, then the
/// statistics' own errors (`Degenerate` under cosine: corpus, then queries), then the run.
///
/// The finiteness check rides on the row statistics' pass ([`checked_stats`]), so the rows are
/// read once before the search instead of twice (1e6 × 128 f32: 512 MB, ~25 ms saved).
fn checked_run<R: Real>(
    c: &[R],
    n: usize,
    q: Option<&[R]>,
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    let (cs, qs) = checked_row_stats(c, n, q, d, p, ctl)?;
    run_dense(c, &cs, q.zip(qs.as_ref()), d, p, ctl)
}

/// The checks of [`checked_run`] with the row statistics they ride on (each matrix read once),
/// in its order: `NonFinite` (corpus, then queries), `KTooLarge`, then the statistics' own
/// errors (corpus, then queries). Returns the corpus's and, with queries, the queries'
/// statistics.
fn checked_row_stats<R: Real>(
    c: &[R],
    n: usize,
    q: Option<&[R]>,
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Stats<R>, Option<Stats<R>>)> {
    let cs = checked_stats(p.metric, c, n, d, "corpus", ctl)?;
    let qs = q
        .map(|q| checked_stats(p.metric, q, q.len() / d, d, "queries", ctl))
        .transpose()?;
    check_k(p.k, n, q.is_none())?;
    Ok((cs?, qs.transpose()?))
}

/// [`Stats::compute`] of `rows` (`n × d`) with [`check_finite`] folded into its pass: the f64
/// sum of squares of a row is finite when all its values are (f32 values always; f64 values
/// unless the square overflows), and NaN or ∞ when one is not. Only when a sum is not finite
/// (or the statistics fail) is the data scanned again, to report the first non-finite value.
///
/// Returns `Err` for `NonFinite`, else the statistics or their own error (reported by the
/// caller after its other checks).
fn checked_stats<R: Real>(
    metric: Metric,
    rows: &[R],
    n: usize,
    d: usize,
    what: &'static str,
    ctl: &Ctl<'_>,
) -> Result<Result<Stats<R>>> {
    let stats = Stats::compute(metric, rows, d, what, ctl);
    if !matches!(&stats, Ok(s) if !s.nonfinite) {
        check_finite(MatRef::new(rows, n, d)?, what, ctl)?;
    }
    Ok(stats)
}

/// Input of one working precision with precomputed corpus statistics (`q = None`: all points).
/// f32 runs the f32 candidate pass unless squared norms could overflow f32; then the f64 engine
/// runs on a widened copy (exact: widening is lossless and re-ranking is f64 either way).
pub(crate) fn run_typed<R: Real>(
    c: &[R],
    cs: &Stats<R>,
    q: Option<&[R]>,
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    let qs = q
        .map(|q| Stats::<R>::compute(p.metric, q, d, "queries", ctl))
        .transpose()?;
    run_dense(c, cs, q.zip(qs.as_ref()), d, p, ctl)
}

/// Could squared norms or keys of rows with these largest norms overflow f32?
pub(crate) fn f32_overflows(cmax: f64, qmax: f64) -> bool {
    (cmax + qmax).powi(2) >= <f32 as Real>::MAX / 8.0
}

/// `OutOfRange` when keys of rows with these largest norms could overflow `R` (cosine keys
/// never do).
pub(crate) fn check_key_range<R: Real>(cmax: f64, qmax: f64, metric: Metric) -> Result<()> {
    if (cmax + qmax).powi(2) >= R::MAX / 8.0 && metric != Metric::Cosine {
        return Err(Error::OutOfRange {
            name: "values",
            expected: "row norms below 1e150 (squared distances must fit in f64)".into(),
            actual: format!("a row norm of {:e}", cmax.max(qmax)),
        });
    }
    Ok(())
}

/// The engine on rows in their working precision `R` with their statistics (`q = None`: all
/// points on `c`); f32 rows whose keys could overflow f32 run in f64, on widened copies.
fn run_dense<R: Real>(
    c: &[R],
    cs: &Stats<R>,
    q: Option<(&[R], &Stats<R>)>,
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    let qmax = q.map_or(cs.max_norm, |(_, s)| s.max_norm);
    if cast::<R, f32>(c).is_some() && f32_overflows(cs.max_norm, qmax) && p.metric != Metric::Cosine {
        let widen = |v: &[R]| v.iter().map(|x| x.to_f64()).collect::<Vec<f64>>();
        let (c64, q64) = (widen(c), q.map(|(q, _)| widen(q)));
        let cs64 = Stats::compute(p.metric, &c64, d, "corpus", ctl)?;
        return run_typed(&c64, &cs64, q64.as_deref(), d, p, ctl);
    }
    let metric = p.metric;
    let self_ex = q.is_none();
    let (qraw, qs) = q.unwrap_or((c, cs));
    check_key_range::<R>(cs.max_norm, qs.max_norm, metric)?;
    let src = Dense::new(Rows {
        metric,
        d,
        c,
        q: qraw,
        cs,
        qs,
    });
    run_source(&src, self_ex, p, ctl)
}

/// The engine on any [`Source`] (`self_ex`: all points, queries = corpus, the point itself
/// excluded): the symmetric pass for all points when it applies (always for
/// [`Params::bipartite`]), else the general pass; with the run's [`Trace`].
fn run_source<R: Real, S: Source<R>>(
    src: &S,
    self_ex: bool,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    let (nq, nc) = src.shape();
    let few = !self_ex && Plan::new(nq, nc, p).few;
    let mut trace = Trace {
        precision: src.precision(),
        kernel: src.kernel(few),
        candidates: 0,
    };
    if nq == 0 {
        return Ok((Neighbors::new(p.k, 0, Vec::new(), Vec::new())?, trace));
    }
    let key_bytes = std::mem::size_of::<R>();
    let (nb, candidates) = if self_ex && (use_symmetric(nc, key_bytes, p) || p.bipartite.is_some()) {
        // bipartite runs only on the symmetric pass; `crate::cross_parts` sets it only when
        // `use_symmetric` holds for 8-byte keys, hence for any working precision (else it runs
        // two searches)
        let (nb, candidates, _) = run_symmetric(src, p, None, ctl)?;
        (nb, candidates)
    } else {
        run_general(src, self_ex, p, ctl)?
    };
    trace.candidates = candidates;
    Ok((nb, trace))
}
