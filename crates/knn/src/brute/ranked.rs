//! The kNN graph of a matrix and the exact ranks of given targets among its rows from one
//! symmetric pass over its key tiles (the information imbalance's second space: its own kNN
//! graph and the ranks of the first space's neighbours in it).

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result, Scale};

use super::ranks::{self, check_targets, Job, RankParams, Ranks};
use super::source::{Dense, Rows};
use super::symmetric::run_symmetric;
use super::{
    cast, check_entry, check_k, check_key_range, checked_stats, f32_overflows, run_source, use_symmetric,
    Params,
};
use crate::metric::Metric;
use crate::real::Real;
use crate::stats::Stats;

/// [`crate::all_points`] of `x` and [`crate::ranks`] of `targets` in `x`, equal to the two
/// calls (the same neighbours, distances and ranks, bit for bit), from one pass when it
/// applies.
///
/// The symmetric kNN pass and the symmetric rank pass compute the same key tiles (each pair of
/// row blocks once, the same GEMM on the same rows); here each tile is selected from and
/// counted in the same task, so the GEMM work of the rank pass (n²·d FLOPs) is not done
/// again. This applies when both symmetric passes would run on their own (their states and
/// tallies within [`crate::SYMMETRIC_STATE_BUDGET`] and [`crate::RANK_STATE_BUDGET`], more
/// than `few_queries` rows and more than one block), with a plain all-points `p` (no shard
/// offsets, not bipartite) and `targets.k ≥ 1`; otherwise the two calls run one after the
/// other.
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, n ≥ 2, d ≥ 1; `targets`: n rows of indices below n (e.g.
/// the kNN graph of another representation of the same items). Returns the kNN graph
/// (`rows = n`, `p.k` per row) and the [`Ranks`] (n·`targets.k`).
/// # Cost
/// Fused: n²·d FLOPs of key tiles (half of 2·n²·d: each tile serves both blocks) + both
/// scans (O(n²) comparisons each) + the exact keys of both. Extra memory: both passes'
/// per-row state at once ([`crate::search_scratch`]'s symmetric term plus the tallies,
/// at most `n·(k_t·(24 + 2R) + 12 + 2R)` bytes for `k_t` targets); never an n × n buffer.
/// # Determinism
/// As the two calls: bit-identical for every `ctl.par`, pool size and SIMD level.
/// # Errors
/// As [`crate::all_points`] (checked first, in its order), then as [`crate::ranks`] (`Shape`:
/// `targets.rows ≠ n`; `OutOfRange`: a target index ≥ n); `Cancelled` (polled per tile,
/// progress phase `"distances"` when fused).
/// # Panics
/// Never on any input; a panic is a bug.
pub fn all_points_ranked<T: Element>(
    x: MatRef<'_, T>,
    p: &Params,
    targets: &Neighbors,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Ranks)> {
    if p.is_shard() || p.bipartite.is_some() || targets.k == 0 {
        let nb = crate::all_points(x, p, ctl)?;
        let r = ranks::ranks(x, p.metric, targets, ctl)?;
        return Ok((nb, r));
    }
    check_entry(x, None, p)?;
    let s = Scale::of(&[x.as_slice()]);
    let (nb, r) = if s.is_identity() {
        typed(x.as_slice(), x.cols(), p, targets, ctl)?
    } else {
        typed(&s.apply(x.as_slice()), x.cols(), p, targets, ctl)?
    };
    Ok((crate::scaled::unscale(nb, p.metric, s)?, r))
}

/// [`all_points_ranked`] on the (scaled) rows in their element type.
fn typed<T: Element>(
    v: &[T],
    d: usize,
    p: &Params,
    targets: &Neighbors,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Ranks)> {
    if let Some(c) = cast::<T, f32>(v) {
        return checked(c, d, p, targets, ctl);
    }
    if let Some(c) = cast::<T, f64>(v) {
        return checked(c, d, p, targets, ctl);
    }
    Err(Error::Internal("element type is neither f32 nor f64".into()))
}

/// The checks of both calls in their order (`NonFinite`, `KTooLarge`, the statistics' own
/// errors, then the targets'), then [`on_rows`].
fn checked<R: Real>(
    c: &[R],
    d: usize,
    p: &Params,
    targets: &Neighbors,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Ranks)> {
    let n = c.len() / d;
    let cs = checked_stats(p.metric, c, n, d, "corpus", ctl)?;
    check_k(p.k, n, true)?;
    let cs = cs?;
    check_targets(n, targets)?;
    on_rows(c, &cs, d, p, targets, ctl)
}

/// Both results on rows in their working precision: f32 rows whose keys could overflow f32
/// run in f64 on a widened copy (as both calls do); the fused pass when both symmetric passes
/// apply, else the kNN pass and then the rank pass.
fn on_rows<R: Real>(
    c: &[R],
    cs: &Stats<R>,
    d: usize,
    p: &Params,
    targets: &Neighbors,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Ranks)> {
    let metric = p.metric;
    if cast::<R, f32>(c).is_some() && f32_overflows(cs.max_norm, cs.max_norm) && metric != Metric::Cosine {
        let c64: Vec<f64> = c.iter().map(|x| x.to_f64()).collect();
        let cs64 = Stats::compute(metric, &c64, d, "corpus", ctl)?;
        return on_rows(&c64, &cs64, d, p, targets, ctl);
    }
    check_key_range::<R>(cs.max_norm, cs.max_norm, metric)?;
    let src = Dense::new(Rows {
        metric,
        d,
        c,
        q: c,
        cs,
        qs: cs,
    });
    let n = c.len() / d;
    let r = std::mem::size_of::<R>();
    let rp = RankParams::default();
    if fuses(n, r, p, targets.k, &rp) {
        let (nb, _, got) = run_symmetric(&src, p, Some((src.rows(), targets)), ctl)?;
        let got = got.ok_or_else(|| Error::Internal("the fused pass returned no ranks".into()))?;
        return Ok((nb, got));
    }
    let (nb, _) = run_source(&src, true, p, ctl)?;
    let job = Job {
        metric,
        targets,
        p: &rp,
        only: None,
    };
    Ok((nb, ranks::run(src.rows(), &job, ctl)?))
}

/// Does the fused pass run on `n` rows of `r`-byte working elements with kNN parameters `p`
/// and `kt` targets per row? When both symmetric passes would run on their own.
fn fuses(n: usize, r: usize, p: &Params, kt: usize, rp: &RankParams) -> bool {
    kt >= 1 && p.bipartite.is_none() && use_symmetric(n, r, p) && ranks::use_symmetric(n, kt, r, rp)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shapes `tests/ranked.rs` compares with the two calls take the fused pass; one
    /// block of rows, the general pass and no targets do not.
    #[test]
    fn the_fused_pass_runs_where_both_symmetric_passes_would() {
        let rp = RankParams::default();
        let mut p = Params::new(10, Metric::Euclidean);
        p.query_block = 64;
        for r in [4, 8] {
            assert!(fuses(450, r, &p, 3, &rp));
            assert!(fuses(900, r, &Params::new(2, Metric::Cosine), 2, &rp));
            assert!(fuses(500, r, &Params::new(499, Metric::Dot), 2, &rp));
            assert!(fuses(20_000, r, &Params::new(1, Metric::Euclidean), 1, &rp));
            assert!(
                !fuses(120, r, &Params::new(3, Metric::Euclidean), 2, &rp),
                "one block"
            );
            assert!(!fuses(500, r, &p, 0, &rp), "no targets");
            let general = Params {
                symmetric: false,
                ..p
            };
            assert!(!fuses(500, r, &general, 2, &rp), "general pass");
            let bipartite = Params {
                bipartite: Some(100),
                ..p
            };
            assert!(!fuses(500, r, &bipartite, 2, &rp), "bipartite");
        }
    }
}
