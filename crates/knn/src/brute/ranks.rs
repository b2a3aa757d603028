//! Exact ranks of given targets among all rows (the rank pass of the information imbalance):
//! GEMM key tiles screened with the kNN engine's error bound ([`Bounds`]), exact f64 keys only
//! for the targets themselves and the pairs the bound cannot decide.
//!
//! For a row `i` with targets sorted by `(exact key, index)`, each target `c` (key `k_c`) gets
//! two fast-precision thresholds from the row's error margin: `L_c` ([`fast_floor`]: a fast key
//! `f < L_c` proves `K(i, t) < k_c`) and `H_c` ([`fast_threshold`]: `f ≥ H_c` proves
//! `K(i, t) > k_c`). A row `t` below `L` of the first target precedes every target, one at or
//! above `H` of the last precedes none; between them the targets it certainly follows and
//! certainly precedes are found by binary search, and only when those two sets do not meet is
//! its exact key computed. docs/exact-screening.md, "Exact ranks", has the argument.
//!
//! Two passes count the same way ([`super::rank_tally::Tally`]): the symmetric pass
//! ([`super::rank_sym`], the default while every row's tally fits [`RANK_STATE_BUDGET`])
//! computes the key tile of each pair of row blocks once and counts it for both blocks (half
//! the GEMM work); the block pass ([`super::rank_blocks`]) scans each row block against all
//! rows with per-block memory only.
//!
//! [`Bounds`]: super::bounds::Bounds
//! [`fast_floor`]: super::bounds::fast_floor
//! [`fast_threshold`]: super::bounds::fast_threshold

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result, Scale};

use super::rank_tally::Tally;
use super::source::Rows;
use super::{check_finite, check_key_range, f32_overflows, rank_blocks, rank_sym};
use crate::metric::Metric;
use crate::real::{cast, Real};
use crate::stats::Stats;

/// Largest memory (bytes) the symmetric rank pass may hold in the tallies of all rows
/// (`n·(k·(24 + 2R) + 12 + 2R)`, R = 4 for f32, 8 for f64); beyond it the block pass runs.
pub const RANK_STATE_BUDGET: usize = 1 << 29;

/// How [`ranks_with`] cuts its work: speed and memory only, never the ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankParams {
    /// Compute the key tile of each pair of row blocks once and count it for both blocks (half
    /// the GEMM work), when the tallies of all n rows fit in [`RANK_STATE_BUDGET`] and there is
    /// more than one block. Default `true`.
    pub symmetric: bool,
    /// Rows per block (the rows of one key tile; ≥ 1). Default 384, the kNN engine's query
    /// block.
    pub block_rows: usize,
}

impl Default for RankParams {
    fn default() -> Self {
        Self {
            symmetric: true,
            block_rows: 384,
        }
    }
}

/// The ranks of every row's targets (see [`ranks`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranks {
    /// Targets per row.
    pub k: usize,
    /// Rows.
    pub rows: usize,
    /// `ranks[i·k + c]`: the rank of target `c` of row `i` (1 = the nearest other row), in the
    /// order the targets were given.
    pub ranks: Vec<u32>,
    /// Exact f64 keys evaluated: the targets' own (`rows·k`) plus the pairs whose fast key the
    /// error bound could not decide.
    pub exact_keys: u64,
}

/// For every row `i` of `x` and each of its targets `j` (row `i` of `targets`), the rank of `j`
/// among the other rows by distance from `i`:
/// `1 + #{t ≠ i : (K(i, t), t) < (K(i, j), j)}`, `K` the engine's exact f64 key
/// ([`crate::metric::exact_key`] on the rows, which are first scaled by a power of two as
/// [`crate::all_points`] does for f64 data beyond `2^±400`): ties to the lower index.
///
/// Every row's keys to all n rows are screened in f32 (f64 for f64 data) GEMM tiles; the
/// kNN engine's rigorous bound on their error decides almost every comparison with a target's
/// exact key, and the rest are decided by exact keys, so the ranks are exact (equal to sorting
/// all exact keys of the row).
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, n ≥ 2, d ≥ 1; `targets`: n rows of k indices below n
/// (e.g. the kNN graph of another representation of the same items). Returns [`Ranks`]
/// (n·k u32).
/// # Cost
/// Time n²·d FLOPs in the input precision with the symmetric pass (the default while the
/// tallies fit [`RANK_STATE_BUDGET`]: each 384 × 384 tile of a pair of row blocks serves
/// both), else 2·n²·d (each 384-row block against 1024-column tiles); tiles on the kNN
/// engine's tile GEMM (faer's, f32 or f64). Plus O(n²) vectorised
/// comparisons + O(d) per exact key: n·k for the targets plus the pairs whose fast key lies
/// within the error margin of a target's thresholds ([`Ranks::exact_keys`]; a few per row on
/// ordinary data, up to all pairs on near-duplicate data) + O(log k) per pair between the
/// first and last target. Extra memory: row statistics n·(16 + R) bytes (R = 4 for f32, 8
/// for f64; + n·d·R unit rows under cosine); the tallies (targets, thresholds and counts,
/// at most `k·(24 + 2R) + 12 + 2R` bytes per row) of all n rows (symmetric pass) or of one
/// 384-row block per worker (block pass); per worker one key tile (384 × 384 or 384 × 1024:
/// 0.6 or 1.5 MiB f32, twice that f64) and faer's GEMM packing (per thread, see the crate docs);
/// the output n·k·4 bytes; a scaled copy of `x` for f64 data beyond `2^±400`, a widened f64
/// copy (n·d·8) of f32 data whose squared norms could overflow f32. Never an n × n buffer.
/// # Determinism
/// Exact integers: identical for every `ctl.par`, pool size, SIMD level and pass (and so is
/// [`Ranks::exact_keys`] for one pass and block size).
/// # Errors
/// `Empty` (n < 2, or no columns), `Shape` (`targets.rows ≠ n`), `OutOfRange` (a target index
/// ≥ n, n beyond u32 indices, row norms beyond 1e150), `NonFinite`, `Degenerate` (a zero row
/// under cosine), `Cancelled` (polled per key tile, a few ms; progress phase `"ranks"`, in
/// block pairs for the symmetric pass, in rows for the block pass).
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// The definition itself: tests compare with sorting every exact key of each row.
pub fn ranks<T: Element>(
    x: MatRef<'_, T>,
    metric: Metric,
    targets: &Neighbors,
    ctl: &Ctl<'_>,
) -> Result<Ranks> {
    ranks_with(x, metric, targets, &RankParams::default(), ctl)
}

/// [`ranks`] with explicit [`RankParams`] (which pass, block size): the same ranks for every
/// choice.
///
/// # Errors
/// As [`ranks`]; `OutOfRange` for `block_rows = 0`.
pub fn ranks_with<T: Element>(
    x: MatRef<'_, T>,
    metric: Metric,
    targets: &Neighbors,
    p: &RankParams,
    ctl: &Ctl<'_>,
) -> Result<Ranks> {
    Error::require_at_least_one("block_rows", p.block_rows)?;
    let job = Job {
        metric,
        targets,
        p,
        only: None,
    };
    checked(x, &job, ctl)
}

/// [`ranks`] for the listed rows only: `ranks[r·k + c]` is the rank of target `c` of row
/// `rows[r]` (`targets` still has one row per row of `x`; rows may repeat and come in any
/// order), the same value [`ranks`] gives for that row.
///
/// Each listed row is screened against all n rows in GEMM tiles (2·m·n·d FLOPs for m listed
/// rows, the block pass: no tile is shared between rows), so this pays when m is well below
/// n/2 — e.g. the rows whose targets a cheaper argument could not place.
///
/// # Shapes and types
/// As [`ranks`]; `rows`: m row indices below n. Returns [`Ranks`] with `rows = m`.
/// # Cost
/// 2·m·n·d FLOPs + O(m·n) comparisons + the exact keys; extra memory as [`ranks`]'s block pass
/// plus a copy of each block's rows (384·d·R bytes per worker) when they are not consecutive.
/// # Determinism
/// As [`ranks`].
/// # Errors
/// As [`ranks`], and `OutOfRange` for a listed row ≥ n.
/// # Panics
/// Never on any input; a panic is a bug.
pub fn ranks_of_rows<T: Element>(
    x: MatRef<'_, T>,
    metric: Metric,
    targets: &Neighbors,
    rows: &[u32],
    ctl: &Ctl<'_>,
) -> Result<Ranks> {
    let job = Job {
        metric,
        targets,
        p: &RankParams::default(),
        only: Some(rows),
    };
    checked(x, &job, ctl)
}

/// The checks of [`ranks_with`] and [`ranks_of_rows`] in their order (`Empty`, `Shape` and
/// `OutOfRange` of the targets, `OutOfRange` of a listed row, `NonFinite`), then the pass on
/// the rows, scaled by a power of two for f64 data beyond `2^±400`.
fn checked<T: Element>(x: MatRef<'_, T>, job: &Job<'_>, ctl: &Ctl<'_>) -> Result<Ranks> {
    x.require_rows("x", 2, "exact ranks")?;
    x.require_cols("x", "exact ranks")?;
    let n = x.rows();
    check_targets(n, job.targets)?;
    if let Some(&i) = job.only.and_then(|rows| rows.iter().find(|&&i| i as usize >= n)) {
        return Err(Error::OutOfRange {
            name: "row",
            expected: format!("below {n} (a row of x)"),
            actual: i.to_string(),
        });
    }
    check_finite(x, "x", ctl)?;
    let s = Scale::of(&[x.as_slice()]);
    if s.is_identity() {
        dispatch(x.as_slice(), x.cols(), job, ctl)
    } else {
        dispatch(&s.apply(x.as_slice()), x.cols(), job, ctl)
    }
}

/// What a rank pass computes: the metric, the targets, how the work is cut, and for which
/// rows (`only`: the listed rows, else all).
pub(super) struct Job<'a> {
    pub metric: Metric,
    pub targets: &'a Neighbors,
    pub p: &'a RankParams,
    pub only: Option<&'a [u32]>,
}

/// `targets` has one row per row of `x`, indices below n, and n fits u32 indices.
pub(super) fn check_targets(n: usize, targets: &Neighbors) -> Result<()> {
    Error::require_equal(
        "targets rows vs x rows",
        n,
        targets.rows,
        "give one row of targets per row of x",
    )?;
    if n > u32::MAX as usize {
        return Err(Error::OutOfRange {
            name: "rows",
            expected: format!("at most {} (u32 indices)", u32::MAX),
            actual: n.to_string(),
        });
    }
    if let Some(&j) = targets.indices.iter().find(|&&j| j as usize >= n) {
        return Err(Error::OutOfRange {
            name: "target index",
            expected: format!("below {n} (a row of x)"),
            actual: j.to_string(),
        });
    }
    Ok(())
}

/// The pass on f32 rows (f64 when their squared norms could overflow f32, as the engine) or
/// f64 rows.
fn dispatch<T: Element>(v: &[T], d: usize, job: &Job<'_>, ctl: &Ctl<'_>) -> Result<Ranks> {
    let metric = job.metric;
    if let Some(x) = cast::<T, f32>(v) {
        let s = Stats::compute(metric, x, d, "x", ctl)?;
        if f32_overflows(s.max_norm, s.max_norm) && metric != Metric::Cosine {
            let w: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            return on_f64(&w, d, job, ctl);
        }
        return run(&all_rows(metric, d, x, &s), job, ctl);
    }
    if let Some(x) = cast::<T, f64>(v) {
        return on_f64(x, d, job, ctl);
    }
    Err(Error::Internal("element type is neither f32 nor f64".into()))
}

/// The pass on f64 rows (`OutOfRange` where the engine's keys would overflow).
fn on_f64(x: &[f64], d: usize, job: &Job<'_>, ctl: &Ctl<'_>) -> Result<Ranks> {
    let s = Stats::compute(job.metric, x, d, "x", ctl)?;
    check_key_range::<f64>(s.max_norm, s.max_norm, job.metric)?;
    run(&all_rows(job.metric, d, x, &s), job, ctl)
}

/// The rows of an all-points pass: queries = corpus.
fn all_rows<'a, R>(metric: Metric, d: usize, x: &'a [R], s: &'a Stats<R>) -> Rows<'a, R> {
    Rows {
        metric,
        d,
        c: x,
        q: x,
        cs: s,
        qs: s,
    }
}

/// The tile scale `alpha` of a metric's fast keys and whether columns add their offset
/// (`‖y‖²`, euclidean): the fast key of a pair is `alpha·⟨x, y⟩ (+ off)`.
pub(super) fn key_form<R: Real>(metric: Metric) -> (bool, R) {
    let l2 = matches!(metric, Metric::Euclidean | Metric::SqEuclidean);
    (l2, R::from_f64(if l2 { -2.0 } else { -1.0 }))
}

/// Does the symmetric pass run on `n` rows with `k` targets each, `r`-byte elements?
pub(super) fn use_symmetric(n: usize, k: usize, r: usize, p: &RankParams) -> bool {
    p.symmetric
        && n > p.block_rows
        && n.saturating_mul(Tally::<f32>::bytes_per_row(k, r)) <= RANK_STATE_BUDGET
}

/// The pass on rows in their working precision: the symmetric pass or the block pass.
pub(super) fn run<R: Real>(rows: &Rows<'_, R>, job: &Job<'_>, ctl: &Ctl<'_>) -> Result<Ranks> {
    let (n, _) = rows.shape();
    let k = job.targets.k;
    if k == 0 {
        return Ok(Ranks {
            k,
            rows: job.only.map_or(n, <[u32]>::len),
            ranks: Vec::new(),
            exact_keys: 0,
        });
    }
    if job.only.is_some() {
        rank_blocks::run(rows, job, job.only, ctl)
    } else if use_symmetric(n, k, std::mem::size_of::<R>(), job.p) {
        rank_sym::run(rows, job, ctl)
    } else {
        rank_blocks::run(rows, job, None, ctl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_symmetric_pass_needs_several_blocks_and_fitting_tallies() {
        let p = RankParams::default();
        assert!(use_symmetric(20_000, 1, 4, &p));
        assert!(!use_symmetric(384, 1, 4, &p), "one block");
        assert!(!use_symmetric(20_000, 19_999, 4, &p), "tallies beyond the budget");
        let off = RankParams {
            symmetric: false,
            ..p
        };
        assert!(!use_symmetric(20_000, 1, 4, &off));
    }
}
