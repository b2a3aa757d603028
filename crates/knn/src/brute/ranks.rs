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

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use embgeo_core::chunks::fill_chunks;
use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result, Scale};
use embgeo_kernels::View;

use super::bounds::{fast_floor, fast_threshold, key_base, Bounds};
use super::rank_scan::count;
use super::source::Rows;
use super::{check_finite, check_key_range, f32_overflows};
use crate::metric::Metric;
use crate::real::{self, cast, Real};
use crate::stats::Stats;

/// Rows per block (the rows of one key tile): the kNN engine's default query block.
const BLOCK_ROWS: usize = 384;
/// Columns per key tile: the kNN engine's default corpus block (384 × 1024 f32 = 1.5 MiB).
const TILE_COLS: usize = 1024;

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
/// Time 2·n²·d FLOPs in the input precision (key tiles of 384 rows × 1024 columns: the kernel
/// layer's f32 GEMM `embgeo_kernels::gemm_nt_f32`, faer's f64 GEMM) + O(n²) vectorised
/// comparisons + O(d) per exact key: n·k for the targets plus the pairs whose fast key lies
/// within the error margin of a target's thresholds ([`Ranks::exact_keys`]; a few per row on
/// ordinary data, up to all pairs on near-duplicate data) + O(log k) per pair between the
/// first and last target. Extra memory: row statistics n·(16 + R) bytes (R = 4 for f32, 8
/// for f64; + n·d·R unit rows under cosine); per worker one 384 × 1024 key tile (1.5 MiB f32,
/// 3 MiB f64), the GEMM's packing (≤ 1.1 MB, kept per thread) and 384·(k·(16 + 2R) + 4k + 8)
/// bytes of targets and counts; the output n·k·4 bytes; a scaled copy of `x` for f64 data
/// beyond `2^±400`, a widened f64 copy (n·d·8) of f32 data whose squared norms could overflow
/// f32. Never an n × n buffer.
/// # Determinism
/// Exact integers: identical for every `ctl.par`, pool size and SIMD level.
/// # Errors
/// `Empty` (n < 2, or no columns), `Shape` (`targets.rows ≠ n`), `OutOfRange` (a target index
/// ≥ n, n beyond u32 indices, row norms beyond 1e150), `NonFinite`, `Degenerate` (a zero row
/// under cosine), `Cancelled` (polled per key tile, a few ms; progress phase `"ranks"`, in
/// rows).
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
    x.require_rows("x", 2, "exact ranks")?;
    x.require_cols("x", "exact ranks")?;
    let n = x.rows();
    check_targets(n, targets)?;
    check_finite(x, "x", ctl)?;
    let s = Scale::of(&[x.as_slice()]);
    if s.is_identity() {
        dispatch(x.as_slice(), x.cols(), metric, targets, ctl)
    } else {
        dispatch(&s.apply(x.as_slice()), x.cols(), metric, targets, ctl)
    }
}

/// `targets` has one row per row of `x`, indices below n, and n fits u32 indices.
fn check_targets(n: usize, targets: &Neighbors) -> Result<()> {
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
fn dispatch<T: Element>(
    v: &[T],
    d: usize,
    metric: Metric,
    targets: &Neighbors,
    ctl: &Ctl<'_>,
) -> Result<Ranks> {
    if let Some(x) = cast::<T, f32>(v) {
        let s = Stats::compute(metric, x, d, "x", ctl)?;
        if f32_overflows(s.max_norm, s.max_norm) && metric != Metric::Cosine {
            let w: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            return on_f64(&w, d, metric, targets, ctl);
        }
        return run(&all_rows(metric, d, x, &s), targets, ctl);
    }
    if let Some(x) = cast::<T, f64>(v) {
        return on_f64(x, d, metric, targets, ctl);
    }
    Err(Error::Internal("element type is neither f32 nor f64".into()))
}

/// The pass on f64 rows (`OutOfRange` where the engine's keys would overflow).
fn on_f64(x: &[f64], d: usize, metric: Metric, targets: &Neighbors, ctl: &Ctl<'_>) -> Result<Ranks> {
    let s = Stats::compute(metric, x, d, "x", ctl)?;
    check_key_range::<f64>(s.max_norm, s.max_norm, metric)?;
    run(&all_rows(metric, d, x, &s), targets, ctl)
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

/// The key tile of the rank pass in one working precision, through the kernel layer where it
/// has the precision: f32 on `embgeo_kernels::gemm_nt_f32`, f64 on faer's matmul.
pub(super) trait TileGemm: Real {
    /// `t` (m × n, column-major) `= alpha·A·Bᵀ` for row-major `a` (m × d) and `b` (n × d),
    /// each entry within `|alpha|·γ_{d+2}·Σ|a_t·b_t|` of the exact value: the tile accuracy
    /// [`Bounds::new`] assumes.
    ///
    /// # Errors
    /// `Shape` for inconsistent lengths; `OutOfRange` if the packing buffers cannot be had.
    fn key_tile(
        t: &mut [Self],
        a: &[Self],
        b: &[Self],
        mnd: (usize, usize, usize),
        alpha: Self,
    ) -> Result<()>;
}

impl TileGemm for f32 {
    fn key_tile(
        t: &mut [f32],
        a: &[f32],
        b: &[f32],
        (m, n, d): (usize, usize, usize),
        alpha: f32,
    ) -> Result<()> {
        embgeo_kernels::gemm_nt_f32(t, View::row_major(a, m, d)?, View::row_major(b, n, d)?, alpha)
    }
}

impl TileGemm for f64 {
    fn key_tile(
        t: &mut [f64],
        a: &[f64],
        b: &[f64],
        (m, n, d): (usize, usize, usize),
        alpha: f64,
    ) -> Result<()> {
        Self::gemm_nt(t, a, b, m, n, d, alpha);
        Ok(())
    }
}

/// The pass on rows in their working precision, in blocks of [`BLOCK_ROWS`] rows written in
/// place.
fn run<R: TileGemm>(rows: &Rows<'_, R>, targets: &Neighbors, ctl: &Ctl<'_>) -> Result<Ranks> {
    let (n, _) = rows.shape();
    let k = targets.k;
    let mut out = vec![0u32; n * k];
    let evals = AtomicU64::new(0);
    if k > 0 {
        fill_chunks(ctl, "ranks", &mut out, n, k, BLOCK_ROWS, |q, part| {
            let e = block(rows, targets, q, part, ctl)?;
            evals.fetch_add(e, Ordering::Relaxed);
            Ok(())
        })?;
    }
    Ok(Ranks {
        k,
        rows: n,
        ranks: out,
        exact_keys: evals.into_inner(),
    })
}

/// The targets of the rows of one block in `(exact key, index)` order, with their thresholds.
struct Targets<R> {
    k: usize,
    /// Per row, k × `(exact key, index, position in the row's targets)`.
    sorted: Vec<(f64, u32, u32)>,
    /// Per row, k floors `L_c`, non-decreasing.
    lo: Vec<R>,
    /// Per row, k thresholds `H_c ≥ L_c`, non-decreasing.
    hi: Vec<R>,
}

impl<R: Real> Targets<R> {
    /// The targets of rows `q` (their exact keys: `q.len()·k` evaluations).
    fn new(rows: &Rows<'_, R>, targets: &Neighbors, q: Range<usize>, bounds: &Bounds) -> Self {
        let k = targets.k;
        let (mut sorted, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
        for i in q {
            let start = sorted.len();
            for (c, &j) in targets.indices_of(i).iter().enumerate() {
                sorted.push((rows.exact(i, j as usize), j, c as u32));
            }
            let row = &mut sorted[start..];
            row.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            let base = key_base(rows.metric, rows.cs.sq[i]);
            let margin = bounds.margin(rows.cs.norm[i], rows.cs.max_norm);
            lo.extend(row.iter().map(|t| fast_floor::<R>(t.0, base, margin)));
            hi.extend(row.iter().map(|t| fast_threshold::<R>(t.0, base, margin)));
            // monotone by construction (lowering a floor or raising a threshold keeps it a
            // proof), so binary searches apply
            let (l, h) = (&mut lo[start..], &mut hi[start..]);
            for c in (1..k).rev() {
                if l[c] < l[c - 1] {
                    l[c - 1] = l[c];
                }
            }
            for c in 1..k {
                if h[c] < h[c - 1] {
                    h[c] = h[c - 1];
                }
            }
        }
        Self { k, sorted, lo, hi }
    }

    /// The first of row `li`'s targets (in key order) that row `t`, fast key `v`, precedes
    /// (`k`: none); `exact()` gives its exact key when the thresholds leave it open, counted
    /// in `evals`.
    #[allow(clippy::float_cmp)] // equal exact keys are ties, broken by index: equality is meant
    fn first_preceded(
        &self,
        li: usize,
        t: usize,
        v: R,
        exact: impl FnOnce() -> f64,
        evals: &mut u64,
    ) -> usize {
        let r = li * self.k..(li + 1) * self.k;
        // targets t certainly follows, then those it certainly precedes
        let a = self.hi[r.clone()].partition_point(|&h| v >= h);
        let b = self.lo[r.clone()].partition_point(|&l| v >= l);
        if a == b {
            return a;
        }
        *evals += 1;
        let kt = exact();
        let open = &self.sorted[r][a..b];
        a + open.partition_point(|&(kj, j, _)| !(kt < kj || (kt == kj && t < j as usize)))
    }
}

/// Ranks of the targets of rows `q` into `out` (`q.len()·k`); returns the exact keys evaluated.
fn block<R: TileGemm>(
    rows: &Rows<'_, R>,
    targets: &Neighbors,
    q: Range<usize>,
    out: &mut [u32],
    ctl: &Ctl<'_>,
) -> Result<u64> {
    let (n, _) = rows.shape();
    let (d, k, m) = (rows.d, targets.k, q.len());
    let l2 = matches!(rows.metric, Metric::Euclidean | Metric::SqEuclidean);
    let alpha = R::from_f64(if l2 { -2.0 } else { -1.0 });
    let tg = Targets::new(rows, targets, q.clone(), &Bounds::new::<R>(rows.metric, d));
    let mut evals = (m * k) as u64;
    // the scan's thresholds: below the first target's floor, at or above the last's threshold
    let lo: Vec<R> = (0..m).map(|li| tg.lo[li * k]).collect();
    let hi: Vec<R> = (0..m).map(|li| tg.hi[li * k + k - 1]).collect();
    let mut below = vec![0u32; m];
    // per row, how many rows first precede target c (c = k: none)
    let mut first = vec![0u32; m * (k + 1)];
    let (work, _) = rows.work();
    let a = &work[q.start * d..q.end * d];
    let mut tile = vec![R::default(); m * TILE_COLS.min(n)];
    let lv = real::level();
    let mut c0 = 0;
    while c0 < n {
        ctl.checkpoint()?;
        let nc = TILE_COLS.min(n - c0);
        let t = &mut tile[..m * nc];
        R::key_tile(t, a, &work[c0 * d..(c0 + nc) * d], (m, nc, d), alpha)?;
        // the row itself is no rank: +∞ is at or above every threshold
        for i in q.start.max(c0)..q.end.min(c0 + nc) {
            t[(i - c0) * m + (i - q.start)] = R::INF;
        }
        let t: &[R] = t;
        let off = l2.then(|| &rows.cs.off[c0..c0 + nc]);
        count(lv, t, m, off, (&lo[..], &hi[..]), &mut below, &mut |li, jl, v| {
            let (i, tj) = (q.start + li, c0 + jl);
            let c = tg.first_preceded(li, tj, v, || rows.exact(i, tj), &mut evals);
            first[li * (k + 1) + c] += 1;
        });
        c0 += nc;
    }
    for li in 0..m {
        let f = &first[li * (k + 1)..(li + 1) * (k + 1)];
        let mut preceding = below[li];
        for (c, &(_, _, pos)) in tg.sorted[li * k..(li + 1) * k].iter().enumerate() {
            preceding += f[c];
            out[li * k + pos as usize] = 1 + preceding;
        }
    }
    Ok(evals)
}
