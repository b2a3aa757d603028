//! PH dimension: intrinsic dimension from 0-dimensional persistent homology (Schweinhart 2020,
//! "Fractal dimension and the persistent homology of random geometric complexes", Adv. Math.
//! 372; Jaquette & Schweinhart 2020, CNSNS 84; as implemented by scikit-dimension 0.5.0
//! `skdim.id.PH`).
//!
//! The PH₀ total persistence of n points is the α-weighted length of their Euclidean minimum
//! spanning tree, `E(n) = Σ_edges ℓ^α`. For n points sampled from a d-dimensional set it grows
//! like `n^((d − α)/d)`, so a least-squares line through `(log n, log E)` over random subsamples
//! of increasing size has slope `s = (d − α)/d`, and `d = α / (1 − s)`.
//!
//! Subsamples are drawn without replacement from a seeded ChaCha8 generator, one stream per
//! subsample (the reference uses numpy's generator, which embgeo does not replicate: agreement
//! with `PH().fit` is statistical); [`estimate_with_subsets`] takes the index sets instead and
//! then equals the reference's pipeline on the same sets.

use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Result};
use embgeo_knn::metric::{cosine_from_norms, dot, sq_euclidean};
use embgeo_knn::Metric;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::common::{out_of_range, IdEstimate};

/// Prim steps between two cancellation checks.
const CHECK_EVERY: usize = 256;

/// How `n_range_min` and `n_range_max` are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RangeType {
    /// Fractions of N in (0, 1], rounded up (`ceil(f·N)`).
    Fraction,
    /// Numbers of points (integers).
    Num,
}

impl RangeType {
    /// Public spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            RangeType::Fraction => "fraction",
            RangeType::Num => "num",
        }
    }
}

/// PH parameters; `Default` = scikit-dimension 0.5.0 `PH()` with seed 0 (its `n_jobs` has no
/// counterpart: embgeo's pool runs the subsamples in parallel with the same result).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Persistence power α > 0 (1).
    pub alpha: f64,
    /// Smallest subsample size, a fraction of N or a number of points (0.5).
    pub n_range_min: f64,
    /// Largest subsample size, same convention (1).
    pub n_range_max: f64,
    /// How the two sizes are read (`Fraction`).
    pub range_type: RangeType,
    /// Number of subsample sizes, evenly spaced, ≥ 2 (100).
    pub nsteps: usize,
    /// Random subsamples per size, ≥ 1 (10).
    pub subsamples: usize,
    /// Distance between points (`Euclidean`; `Cosine` = 1 − cos, scipy's `'cosine'`).
    #[serde(serialize_with = "metric_name")]
    pub metric: Metric,
    /// Seed of the subsampling (0).
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            alpha: 1.0,
            n_range_min: 0.5,
            n_range_max: 1.0,
            range_type: RangeType::Fraction,
            nsteps: 100,
            subsamples: 10,
            metric: Metric::Euclidean,
            seed: 0,
        }
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's `serialize_with` passes a reference
fn metric_name<S: serde::Serializer>(m: &Metric, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(m.name())
}

/// numpy `linspace(start, stop, num)` (endpoint included, `num ≥ 2`): `start + i·step` with
/// `step = (stop − start)/(num − 1)`, the last value exactly `stop`.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    let step = (stop - start) / (num - 1) as f64;
    let mut v: Vec<f64> = (0..num)
        .map(|i| {
            if step == 0.0 {
                start
            } else {
                i as f64 * step + start
            }
        })
        .collect();
    v[num - 1] = stop;
    v
}

/// The smallest and largest subsample size for N = `n` rows, and the `nsteps` sizes
/// `ceil(linspace(nmin, nmax, nsteps))` (each used `subsamples` times).
///
/// # Errors
/// `OutOfRange` as the reference's `ValueError`s: α ≤ 0, nsteps < 2, subsamples < 1, not
/// `0 < min < max ≤ 1` for fractions, non-integers for `Num`, not `2 ≤ nmin < nmax ≤ N`.
pub fn sizes(n: usize, p: &Params) -> Result<(usize, usize, Vec<usize>)> {
    if !(p.alpha > 0.0 && p.alpha.is_finite()) {
        return Err(out_of_range("alpha", "a finite number > 0", p.alpha));
    }
    if p.nsteps < 2 {
        return Err(out_of_range("nsteps", "an integer >= 2", p.nsteps));
    }
    if p.subsamples < 1 {
        return Err(out_of_range("subsamples", "an integer >= 1", p.subsamples));
    }
    let (lo, hi) = (p.n_range_min, p.n_range_max);
    let (nmin, nmax) = match p.range_type {
        RangeType::Fraction => {
            if !(lo > 0.0 && lo < hi && hi <= 1.0) {
                return Err(out_of_range(
                    "nRangeMin",
                    "0 < nRangeMin < nRangeMax <= 1 for rangeType 'fraction'",
                    format!("{lo}, {hi}"),
                ));
            }
            ((lo * n as f64).ceil() as usize, (hi * n as f64).ceil() as usize)
        }
        RangeType::Num => {
            if lo.fract() != 0.0 || hi.fract() != 0.0 || !(lo >= 0.0 && hi.is_finite()) {
                return Err(out_of_range(
                    "nRangeMin",
                    "integers for rangeType 'num'",
                    format!("{lo}, {hi}"),
                ));
            }
            (lo as usize, hi as usize)
        }
    };
    if !(2 <= nmin && nmin < nmax && nmax <= n) {
        return Err(out_of_range(
            "nRangeMax",
            &format!("2 <= smallest subsample < largest subsample <= N = {n}"),
            format!("{nmin}, {nmax}"),
        ));
    }
    let s = linspace(nmin as f64, nmax as f64, p.nsteps)
        .into_iter()
        .map(|v| v.ceil() as usize)
        .collect();
    Ok((nmin, nmax, s))
}

/// Largest number of row pairs, N(N − 1)/2, whose distances [`estimate`] computes once into a table
/// (8 bytes each: 128 MiB, N ≤ 5,793) instead of once per subsample that holds them.
pub const PAIR_TABLE_MAX: usize = 1 << 24;

/// Distances between rows of `x` under `metric`, computed the one way every route shares (so a
/// pair's value has the same bits whichever route or order asks for it).
struct PairDist<'a, T: Element> {
    x: MatRef<'a, T>,
    metric: Metric,
    /// Squared norms of all rows under cosine (else empty).
    norms: Vec<f64>,
}

impl<'a, T: Element> PairDist<'a, T> {
    /// `OutOfRange`/`InvalidValue` for `Metric::Dot`.
    fn new(x: MatRef<'a, T>, metric: Metric) -> Result<Self> {
        let norms = match metric {
            Metric::Cosine => (0..x.rows()).map(|i| dot(x.row(i), x.row(i))).collect(),
            Metric::Euclidean | Metric::SqEuclidean => Vec::new(),
            Metric::Dot => {
                return Err(Error::InvalidValue {
                    name: "metric",
                    expected: "'euclidean', 'sqeuclidean' or 'cosine'".into(),
                    actual: "dot".into(),
                })
            }
        };
        Ok(Self { x, metric, norms })
    }

    /// `Degenerate` naming the first row of `idx` that is zero under cosine.
    fn check_rows(&self, idx: &[usize]) -> Result<()> {
        match idx.iter().find(|&&i| self.norms.get(i) == Some(&0.0)) {
            Some(z) => Err(Error::Degenerate(format!(
                "PH: row {z} is zero, so its cosine distance is undefined"
            ))),
            None => Ok(()),
        }
    }

    /// The distance of rows `i` and `j` (symmetric bit for bit). O(D).
    fn get(&self, i: usize, j: usize) -> f64 {
        let (u, v) = (self.x.row(i), self.x.row(j));
        match self.metric {
            Metric::Euclidean => sq_euclidean(u, v).sqrt(),
            Metric::Cosine => cosine_from_norms(u, v, self.norms[i], self.norms[j]),
            _ => sq_euclidean(u, v),
        }
    }
}

/// Every pair's [`PairDist::get`] of N rows, upper triangle row by row: `N(N − 1)/2` f64.
struct PairTable {
    n: usize,
    tri: Vec<f64>,
}

impl PairTable {
    /// N(N − 1)/2·D work, rows split over the pool (progress phase `"ph distances"`); peak
    /// memory twice the table while the parts are joined.
    fn new<T: Element>(pd: &PairDist<'_, T>, ctl: &Ctl<'_>) -> Result<Self> {
        let n = pd.x.rows();
        let parts = map_chunks(ctl, "ph distances", n, 16, |r| {
            let mut out = Vec::new();
            for i in r {
                out.extend((i + 1..n).map(|j| pd.get(i, j)));
            }
            Ok(out)
        })?;
        Ok(Self {
            n,
            tri: parts.concat(),
        })
    }

    /// The stored distance of rows `i ≠ j`.
    fn get(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (i.min(j), i.max(j));
        self.tri[a * (2 * self.n - a - 1) / 2 + (b - a - 1)]
    }
}

/// Edge lengths of the exact minimum spanning tree of the rows `idx` of `x` under `metric`
/// (Prim on the dense distance matrix, computed on the fly; ties to the lower position in
/// `idx`), in the order Prim adds them.
///
/// # Shapes and types
/// `x`: N × D (f32/f64, finite), `idx`: m ≥ 1 row indices < N. Returns m − 1 lengths (f64).
/// # Cost
/// Time O(m²·D) (m(m − 1)/2 distances); extra memory 3m f64 (+ N norms under cosine), no
/// m × m buffer. Cancellation is checked every 256 Prim steps.
/// # Determinism
/// Sequential: a pure function of the input.
/// # Errors
/// `OutOfRange` for an index ≥ N or `Metric::Dot`; `Degenerate` for a zero row under cosine;
/// `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scipy `minimum_spanning_tree` on `pdist` distances, as scikit-dimension 0.5.0
/// `_total_persistence`; fixture `intdim/ph.json` "core" at 1e-10.
pub fn mst_lengths<T: Element>(
    x: MatRef<'_, T>,
    idx: &[usize],
    metric: Metric,
    ctl: &Ctl<'_>,
) -> Result<Vec<f64>> {
    check_indices(x.rows(), idx)?;
    let pd = PairDist::new(x, metric)?;
    pd.check_rows(idx)?;
    prim(idx.len(), |a, b| pd.get(idx[a], idx[b]), ctl)
}

/// `OutOfRange` for the first index ≥ `n`.
fn check_indices(n: usize, idx: &[usize]) -> Result<()> {
    match idx.iter().find(|&&i| i >= n) {
        Some(&bad) => Err(out_of_range("indices", &format!("row indices < N = {n}"), bad)),
        None => Ok(()),
    }
}

/// Prim's MST edge lengths over m points with distances `dist(a, b)` (positions), started at 0,
/// ties to the lower position. O(m²) calls of `dist`, 3m memory; `Cancelled` every 256 steps.
fn prim(m: usize, dist: impl Fn(usize, usize) -> f64, ctl: &Ctl<'_>) -> Result<Vec<f64>> {
    let mut best = vec![f64::INFINITY; m];
    let mut done = vec![false; m];
    let mut lengths = Vec::with_capacity(m.saturating_sub(1));
    let mut cur = 0;
    if m > 0 {
        done[0] = true;
    }
    for step in 1..m {
        if step % CHECK_EVERY == 0 {
            ctl.checkpoint()?;
        }
        let mut next = usize::MAX;
        for j in 0..m {
            if done[j] {
                continue;
            }
            let d = dist(cur, j);
            if d < best[j] {
                best[j] = d;
            }
            if next == usize::MAX || best[j] < best[next] {
                next = j;
            }
        }
        done[next] = true;
        lengths.push(best[next]);
        cur = next;
    }
    Ok(lengths)
}

/// PH₀ total persistence `Σ ℓ^α` of MST edge lengths (sequential sum).
#[must_use]
pub fn total_persistence(lengths: &[f64], alpha: f64) -> f64 {
    lengths.iter().map(|l| l.powf(alpha)).sum()
}

/// `ln Σ ℓ^α`, computed as `α·ln L + ln Σ (ℓ/L)^α` (L the longest edge) so that no power
/// overflows; −∞ when every length is 0.
fn log_total_persistence(lengths: &[f64], alpha: f64) -> f64 {
    let top = lengths.iter().copied().fold(0.0, f64::max);
    if top == 0.0 {
        return f64::NEG_INFINITY;
    }
    alpha * top.ln() + lengths.iter().map(|l| (l / top).powf(alpha)).sum::<f64>().ln()
}

/// Least-squares line `y = slope·x + intercept` (centred sums in index order).
fn fit_line(x: &[f64], y: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let (xm, ym) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let sxx: f64 = x.iter().map(|a| (a - xm) * (a - xm)).sum();
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - xm) * (b - ym)).sum();
    let slope = sxy / sxx;
    (slope, ym - slope * xm)
}

/// The PH dimension of `x`, subsamples drawn with ChaCha8 from `p.seed` (subsample t, in
/// size order, from stream t, without replacement).
///
/// # Shapes and types
/// `x`: N × D (f32/f64), N ≥ 3, D ≥ 1. Diagnostics `log_sizes` and `log_total_persistence`
/// (the reference's `x_` and `y_`, nsteps·subsamples values each), `fit` = [slope, intercept],
/// `n_range` = [smallest, largest subsample size].
/// # Cost
/// When N(N − 1)/2 ≤ [`PAIR_TABLE_MAX`] (N ≤ 5,793) and the subsamples hold more pairs than
/// that (always with the defaults): every pair distance once, N²·D/2 operations on the pool,
/// into a table of N(N − 1)/2 f64 (≤ 128 MiB, twice that while it is assembled), then
/// O(subsamples · Σ_sizes size²) lookups (N = 1,000 × 384: 0.93 s; 11.8 s before the table).
/// Otherwise O(subsamples · Σ_sizes size² · D) computed on the fly, extra memory O(largest
/// size) per worker. (The reference holds the N × N distance matrix.)
/// # Determinism
/// A function of input and seed, identical for every `ctl.par` (one subsample per chunk,
/// combined in order).
/// # Errors
/// `Empty` (N < 3), `NonFinite`, `OutOfRange` ([`sizes`]), `Degenerate` (a subsample of
/// coincident points, a zero row under cosine, a slope of 1), `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `skdim.id.PH`; fixture `intdim/ph.json` "spread" (statistical).
pub fn estimate<T: Element>(x: MatRef<'_, T>, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    check(&x)?;
    let n = x.rows();
    let (nmin, nmax, steps) = sizes(n, p)?;
    let plan: Vec<usize> = steps
        .iter()
        .flat_map(|&s| std::iter::repeat_n(s, p.subsamples))
        .collect();
    let draw = |t: usize| {
        let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
        rng.set_stream(t as u64);
        rand::seq::index::sample(&mut rng, n, plan[t]).into_vec()
    };
    run(x, &plan, draw, (nmin, nmax), p, ctl)
}

/// The PH dimension of `x` from the given subsamples (row indices; sizes from their lengths),
/// ignoring `p.nRangeMin`, `p.nRangeMax`, `p.rangeType`, `p.nsteps`, `p.subsamples` and
/// `p.seed`: the reference's pipeline after its random draw.
///
/// # Shapes and types
/// As [`estimate`]; `subsets`: ≥ 2 index sets of ≥ 2 rows each, not all of one size.
/// # Cost
/// As [`estimate`] over the given sets.
/// # Determinism
/// Pure function of the input.
/// # Errors
/// As [`estimate`]; `OutOfRange` for an index ≥ N or a set of fewer than 2 rows.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `PH.fit` after drawing `idx`; fixture `intdim/ph.json` "pipeline" at
/// 1e-10.
pub fn estimate_with_subsets<T: Element>(
    x: MatRef<'_, T>,
    subsets: &[Vec<usize>],
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<IdEstimate> {
    check(&x)?;
    if !(p.alpha > 0.0 && p.alpha.is_finite()) {
        return Err(out_of_range("alpha", "a finite number > 0", p.alpha));
    }
    let plan: Vec<usize> = subsets.iter().map(Vec::len).collect();
    if plan.len() < 2 || plan.iter().any(|&s| s < 2) {
        return Err(out_of_range(
            "subsets",
            "at least 2 index sets of at least 2 rows",
            format!("{plan:?}"),
        ));
    }
    let range = (
        plan.iter().copied().min().unwrap_or(0),
        plan.iter().copied().max().unwrap_or(0),
    );
    run(x, &plan, |t| subsets[t].clone(), range, p, ctl)
}

fn check<T: Element>(x: &MatRef<'_, T>) -> Result<()> {
    x.require_rows("X", 3, "PH")?;
    if x.cols() == 0 {
        return Err(Error::Empty {
            what: "X",
            actual: 0,
            needed: 1,
            unit: "columns",
            method: "PH",
        });
    }
    x.check_finite("X")
}

/// Total persistence of every planned subsample (`subset(t)` has `plan[t]` rows), the fit and
/// the estimate.
fn run<T: Element>(
    x: MatRef<'_, T>,
    plan: &[usize],
    subset: impl Fn(usize) -> Vec<usize> + Sync,
    (nmin, nmax): (usize, usize),
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<IdEstimate> {
    let n = x.rows();
    // lengths scale with the data (squared under sqeuclidean, not at all under cosine)
    let power = match p.metric {
        Metric::Euclidean => 1.0,
        Metric::SqEuclidean => 2.0,
        _ => 0.0,
    };
    let y = embgeo_core::scale::with_scaled(x, |xs, scale| {
        let shift = p.alpha * power * f64::from(scale.exp()) * std::f64::consts::LN_2;
        let pd = PairDist::new(xs, p.metric)?;
        // the table when the subsamples would compute more pair distances than it holds
        let pairs = |m: usize| m * m.saturating_sub(1) / 2;
        let asked: usize = plan.iter().map(|&m| pairs(m)).fold(0, usize::saturating_add);
        let table = if pairs(n) <= PAIR_TABLE_MAX && asked > pairs(n) {
            Some(PairTable::new(&pd, ctl)?)
        } else {
            None
        };
        map_chunks(ctl, "ph subsamples", plan.len(), 1, |r| {
            let t = r.start;
            let idx = subset(t);
            check_indices(n, &idx)?;
            pd.check_rows(&idx)?;
            let lengths = match &table {
                // a repeated index (a given subset) is a pair of one row: computed, not stored
                Some(tb) => prim(
                    idx.len(),
                    |a, b| {
                        let (i, j) = (idx[a], idx[b]);
                        if i == j {
                            pd.get(i, j)
                        } else {
                            tb.get(i, j)
                        }
                    },
                    ctl,
                )?,
                None => prim(idx.len(), |a, b| pd.get(idx[a], idx[b]), ctl)?,
            };
            let y = log_total_persistence(&lengths, p.alpha);
            if y == f64::NEG_INFINITY {
                return Err(Error::Degenerate(format!(
                    "PH: the {} points of subsample {t} coincide (total persistence 0); remove duplicate rows",
                    plan[t]
                )));
            }
            Ok(y - shift)
        })
    })?;
    let xs: Vec<f64> = plan.iter().map(|&s| (s as f64).ln()).collect();
    let (slope, intercept) = fit_line(&xs, &y);
    let dimension = p.alpha / (1.0 - slope);
    if !dimension.is_finite() {
        return Err(Error::Degenerate(format!(
            "PH: the log-log slope is {slope}, so alpha / (1 - slope) is not finite"
        )));
    }
    let params = json!({
        "alpha": p.alpha,
        "nRangeMin": p.n_range_min,
        "nRangeMax": p.n_range_max,
        "rangeType": p.range_type.as_str(),
        "nsteps": p.nsteps,
        "subsamples": p.subsamples,
        "metric": p.metric.name(),
        "seed": p.seed,
    });
    let mut est = IdEstimate::new("ph", dimension, x.rows(), params);
    est.diagnostics.push(("log_sizes".into(), xs));
    est.diagnostics.push(("log_total_persistence".into(), y));
    est.diagnostics.push(("fit".into(), vec![slope, intercept]));
    est.diagnostics
        .push(("n_range".into(), vec![nmin as f64, nmax as f64]));
    Ok(est)
}

#[cfg(test)]
mod tests;
