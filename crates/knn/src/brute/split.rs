//! Screening of f32 data on the bf16 units from copies packed once ([`Split`]), in one of two
//! [`Scheme`]s: split copies of the rows (`x = hi + lo + r`, one bf16 dot product of length `3d`
//! per pair, see `embgeo_kernels::lowp::split`) within [`Bounds::split_bf16`], or, for all
//! points where it pays, the rows rounded to bf16 (one product of length `d`, see
//! `embgeo_kernels::lowp::rounded`) within [`Bounds::rounded_bf16`]; exact keys from the f32
//! rows exactly as [`super::source::Dense`] computes them ([`Rows::exact`]), so the result is
//! the fp32 path's, bit for bit. (Queries against a large corpus stream instead:
//! [`super::stream`].)

use std::ops::Range;

use embgeo_core::{Ctl, Error, MatRef, Neighbors, Result};
use embgeo_kernels::lowp::{self, LowpPath, Packed, Side, SplitSide};

use super::bounds::Bounds;
use super::residual::{residual_norms, Measured};
use super::source::{Rows, Source};
use super::{checked_row_stats, f32_overflows, run_source, Params, Precision, Trace};
use crate::metric::Metric;
use crate::stats::Stats;

/// Narrowest width at which `auto` screens f32 data through split copies on the AMX tiles
/// ([`auto_path`]). Measured on an AMX Xeon (model 207, 2 threads, AMX-BF16 probe 3.4 TFLOP/s,
/// FMA probe 307 GFLOP/s; `examples/split.rs`, same-run alternating A/B, median time ratio
/// split-bf16 / fp32 on normal f32 data, k = 10, 5 runs): all points of 20,000 rows at d = 32
/// 1.02, d = 64 0.85, d = 128 0.77, d = 384 0.60 (k = 100: 0.85), d = 768 cosine 0.73 and dot
/// 0.81; 50,000 × 64 0.80; 100,000 × 32 0.90 (not taken: narrower widths gain little and the
/// split's wider error bound costs more candidates there).
pub const AUTO_MIN_COLS_SPLIT: usize = 64;

/// Fewest rows on each side (queries and corpus; all points: the rows) at which `auto` screens
/// f32 data through split copies: packing the split copies costs a pass over both matrices,
/// which pays only when each row meets enough rows of the other side. Same measurements as
/// [`AUTO_MIN_COLS_SPLIT`]: all points 2,000 × 384 1.14, 5,000 × 384 0.80, 5,000 × 64 1.00;
/// 100,000-row corpora at d = 384 against 1,000 queries 0.92, 2,000 queries 0.58, 5,000
/// queries 0.51; 100 queries against 1,000,000 × 128 6.5 (the packing of the corpus dominates).
pub const AUTO_MIN_ROWS_SPLIT: usize = 2048;

/// Least `n·d / k` at which `auto` screens all points of `n` f32 rows of width `d` with
/// one-pass bf16 ([`Scheme::OnePass`]) instead of split copies: the one-pass product is a third
/// of the split's, but its bound is wider (per row, from the rows' measured rounding residuals,
/// `super::residual`: about 2⁻⁸·‖x‖‖y‖ on ordinary data against the split's 2⁻¹⁵), so more
/// candidates are re-ranked, a cost that grows with k and shrinks, relative to the tiles', with
/// n and d. Measured on an AMX Xeon (model 207, 2 threads; `examples/split.rs`, `bf16` (split)
/// against `onepass`, each alternating with fp32, medians of 3; time one-pass / split, k = 10
/// unless given), normal data: 20,000 × 384 0.59, k = 100 1.06; 5,000 × 384 0.62, k = 100
/// 1.22; 2,048 × 384 0.80; 2,048 × 64 1.0; 20,000 × 64 0.88, k = 100 1.05; 50,000 × 128 0.80,
/// k = 100 0.95; the bench's G2 20,000 × 384 k = 100 0.69, k = 30 0.82, cosine 0.63, 5,000 ×
/// 384 0.67; G3 50,000 × 768 dot k = 100 0.47. (Before the residuals were measured, the
/// worst-case bound made one pass lose at k = 100 everywhere: the threshold was 500,000.) The
/// rule leaves out the measured losses but the 6 % of normal 20,000 × 384 at k = 100, where the
/// structured G2 gains 31 %.
pub const AUTO_MIN_WORK_PER_K_ONE_PASS: usize = 50_000;

/// How f32 rows are copied for the bf16 tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scheme {
    /// Split copies `hi + lo` (A side `[hi | hi | lo]`, B side `[hi | lo | hi]`).
    Split,
    /// The rows rounded to bf16, one copy serving both sides.
    OnePass,
}

impl Scheme {
    /// The scheme `auto` takes for a search with these shapes (`all_points`: `nq = nc = n`).
    pub(super) fn auto(d: usize, n: usize, k: usize, all_points: bool) -> Self {
        if all_points && n.saturating_mul(d) >= AUTO_MIN_WORK_PER_K_ONE_PASS.saturating_mul(k) {
            Scheme::OnePass
        } else {
            Scheme::Split
        }
    }
}

/// The split-bf16 kernel `auto` takes for `nq` query rows against `nc` corpus rows of width
/// `d` (all points: `nq = nc`), or `None` for the fp32 path: only on the AMX tiles (this
/// process's [`lowp::path`], so `EMBGEO_LOWP_KERNEL` can turn it off), which multiply 3d-long
/// bf16 products faster than the FMA units multiply d-long f32 ones; `vdpbf16ps` never does
/// (on Sapphire Rapids without the AMX kernel, 2.6–5× slower than fp32), nor does a shard
/// search (its parts are merged with other shards' exact keys either way, so it stays on the
/// one path the merge tests cover).
pub(super) fn auto_path(p: &Params, d: usize, nq: usize, nc: usize) -> Option<LowpPath> {
    let path = lowp::path();
    (p.precision == Precision::Auto
        && !p.is_shard()
        && path == LowpPath::AmxBf16
        && path.supported()
        && d >= AUTO_MIN_COLS_SPLIT
        && nq.min(nc) >= AUTO_MIN_ROWS_SPLIT)
        .then_some(path)
}

/// f32 rows searched on the bf16 units through copies of the [`Scheme`] `bounds` belong to:
/// `pa` of the queries' working rows ([`Rows::work`]: the rows, or the unit rows under cosine;
/// split: the A side, `[hi | hi | lo]`), `pb` of the corpus's (split: the B side,
/// `[hi | lo | hi]`; one-pass, all points: the same copy as `pa`); exact keys from
/// [`Rows::exact`], as `Dense`.
pub(super) struct Split<'a> {
    pub rows: Rows<'a, f32>,
    pub pa: &'a Packed,
    pub pb: &'a Packed,
    pub path: LowpPath,
    pub bounds: Bounds,
    /// One-pass: the margins from the rows' measured rounding residuals.
    pub measured: Option<Measured>,
}

impl Source<f32> for Split<'_> {
    type Buf = ();
    const BLOCK_ORDER: bool = true;

    fn tile(&self, t: &mut [f32], q: Range<usize>, c: Range<usize>, alpha: f32, _: bool, (): &mut ()) {
        lowp::dot_tile_packed(self.path, t, (self.pa, q), (self.pb, c), alpha);
    }

    fn exact(&self, i: usize, j: usize, (): &mut ()) -> f64 {
        self.rows.exact(i, j)
    }

    fn exact_pairs(&self, pairs: &[(u32, u32)], out: &mut [f64], (): &mut ()) {
        self.rows.exact_pairs(pairs, out);
    }

    fn bounds(&self) -> Bounds {
        self.bounds
    }

    fn row_margin(&self, bounds: &Bounds, i: usize, nx: f64, ny: f64) -> f64 {
        let worst = bounds.margin(nx, ny);
        self.measured.as_ref().map_or(worst, |m| m.tighten(worst, i, nx))
    }

    fn kernel(&self, _few: bool) -> &'static str {
        self.path.name()
    }

    fn precision(&self) -> &'static str {
        "bf16"
    }

    fn shape(&self) -> (usize, usize) {
        self.rows.shape()
    }

    fn stats(&self) -> (&Stats<f32>, &Stats<f32>) {
        (self.rows.cs, self.rows.qs)
    }
}

/// The bf16 kernel f32 data screens on under `bf16` (`Some(path)`), or `None` for any other
/// precision (`auto` decides in [`auto_path`], on the engine's entry for f32 rows).
///
/// # Errors
/// `InvalidValue` for `bf16` when `bf16` (the usable kernel) is `None`.
pub(super) fn choose(precision: Precision, bf16: Option<LowpPath>) -> Result<Option<LowpPath>> {
    match precision {
        Precision::Bf16 => match bf16 {
            Some(k) => Ok(Some(k)),
            None => Err(Error::InvalidValue {
                name: "precision",
                expected: "'auto' or 'fp32' here: this CPU has no AVX512-BF16 (set EMBGEO_LOWP_KERNEL=scalar to run the portable emulation)".into(),
                actual: "bf16".into(),
            }),
        },
        _ => Ok(None),
    }
}

/// f32 rows (`q = None`: all points) screened on the bf16 units with `path` through the copies
/// of `scheme` (`Scheme::OnePass`: all points only; queries stream, `super::stream`), or `None`
/// when the fp32 path must run instead: too few rows or a shard search (the fp32 path reports
/// or runs them), or, under `auto`, row norms whose squares could overflow f32 keys
/// (`f32_overflows`).
///
/// Memory: split, two packings for all points (A and B side of the same rows), one per matrix
/// for queries, each about `rows·3d·2` bytes (1.5× the f32 rows); one-pass, one packing of the
/// rows in both AMX layouts (about `rows·d·4` bytes, the size of the f32 rows; `rows·d·2`
/// off AMX); plus the row statistics (and unit rows under cosine) of the fp32 path.
///
/// # Errors
/// As the fp32 path (`NonFinite`, `KTooLarge`, the statistics' errors, in its order);
/// `OutOfRange` under `bf16` for row norms whose squares could overflow f32; `Internal` for
/// `Scheme::OnePass` with queries (a caller bug).
pub(super) fn search(
    c: &[f32],
    q: Option<&[f32]>,
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
    (path, scheme): (LowpPath, Scheme),
) -> Result<Option<(Neighbors, Trace)>> {
    let cm = MatRef::from_flat(c, d)?;
    let qm = q.map(|q| MatRef::from_flat(q, d)).transpose()?;
    let enough = match qm {
        None => cm.rows() >= 2,
        Some(qm) => cm.rows() >= 1 && qm.cols() == d,
    };
    if !enough || p.is_shard() {
        return Ok(None);
    }
    let (cs, qs) = checked_row_stats(c, cm.rows(), q, d, p, ctl)?;
    let qmax = qs.as_ref().map_or(cs.max_norm, |s| s.max_norm);
    if p.metric != Metric::Cosine && f32_overflows(cs.max_norm, qmax) {
        return match p.precision {
            Precision::Bf16 => Err(Error::OutOfRange {
                name: "values",
                expected: "row norms below 1e18 for precision 'bf16' (f32 keys); 'auto' widens to f64".into(),
                actual: "larger row norms".into(),
            }),
            _ => Ok(None),
        };
    }
    let qstats = qs.as_ref().unwrap_or(&cs);
    let rows = Rows {
        metric: p.metric,
        d,
        c,
        q: q.unwrap_or(c),
        cs: &cs,
        qs: qstats,
    };
    let (cwork, qwork) = rows.work();
    let (pb, pa, bounds, measured) = match scheme {
        Scheme::Split => (
            lowp::pack_split(path, cwork, d, SplitSide::B, ctl.par),
            Some(lowp::pack_split(path, qwork, d, SplitSide::A, ctl.par)),
            Bounds::split_bf16(p.metric, d),
            None,
        ),
        Scheme::OnePass if q.is_none() => {
            let (delta, dmax) = residual_norms(cwork, d, ctl)?;
            (
                lowp::pack_rounded(path, cwork, d, Side::Both, ctl.par),
                None,
                Bounds::rounded_bf16(p.metric, d),
                Some(Measured::new(p.metric, d, delta, cs.max_norm, dmax)),
            )
        }
        Scheme::OnePass => {
            return Err(Error::Internal(
                "one-pass copies serve all points; queries stream".into(),
            ))
        }
    };
    let src = Split {
        rows,
        pa: pa.as_ref().unwrap_or(&pb),
        pb: &pb,
        path,
        bounds,
        measured,
    };
    run_source(&src, q.is_none(), p, ctl).map(Some)
}
