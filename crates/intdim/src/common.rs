//! Shared result type, duplicate policy, aggregation and small numeric helpers.

use embgeo_core::scale::ldexp;
use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Neighbors, Result, Scale};
use serde_json::Value;

/// Rows per chunk of every pointwise loop (fixed, so results never depend on the thread count).
pub(crate) const ROW_CHUNK: usize = 256;

/// What an estimator does with zero-distance neighbours (exact duplicates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Duplicates {
    /// Fail with [`Error::Duplicates`] if any row used has a zero-distance neighbour.
    Error,
    /// Remove duplicate rows (keeping the first occurrence, order preserved) and skip
    /// zero-distance and duplicate neighbours in every remaining neighbour list
    /// ([`dedup_neighbors`]).
    Drop,
    /// Keep them and do what the reference does (documented per estimator); a configuration in
    /// which the reference would produce NaN, ±∞ or a meaningless 0 still returns an error.
    Keep,
}

impl Duplicates {
    /// Public spelling (`'error' | 'drop' | 'keep'`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Duplicates::Error => "error",
            Duplicates::Drop => "drop",
            Duplicates::Keep => "keep",
        }
    }
}

/// The reference default of `k` of one pointwise estimator.
pub trait DefaultK {
    /// The default neighbour count.
    const K: usize;
}

/// The default `k` of `N` neighbours (`KParams<KDefault<20>>`: 20), one marker type for every
/// estimator (serde derives no const generics on [`KParams`] itself).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KDefault<const N: usize>;

impl<const N: usize> DefaultK for KDefault<N> {
    const K: usize = N;
}

/// Parameters of a pointwise k-neighbour estimator (MOM, MADA): `k` (default `D::K`, the
/// reference's), mean aggregation and duplicates kept by default; each module documents how its
/// estimator treats zero distances under `Keep`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default, bound = "")]
pub struct KParams<D: DefaultK> {
    /// Neighbours per point (default `D::K`).
    pub k: usize,
    /// Aggregation of the pointwise values (mean).
    pub aggregate: Aggregate,
    /// Duplicates policy (`Keep`).
    pub duplicates: Duplicates,
    /// Which estimator's default `k` applies (no data; build with `..Default::default()`).
    #[serde(skip)]
    pub default_k: std::marker::PhantomData<D>,
}

impl<D: DefaultK> KParams<D> {
    /// The estimate of one pointwise estimator (`names`: as in messages, e.g. `"MOM"`, and as
    /// reported, e.g. `"mom"`): checks k ≥ 2 and that `nb` has `k` columns and 2 rows, then
    /// `f(used, i)` on every row `i` of the neighbours `used` the duplicates policy leaves
    /// ([`map_policy_rows`]), aggregated by [`KParams::estimate`].
    ///
    /// # Errors
    /// `OutOfRange` (k < 2), those of [`require_k`], [`map_policy_rows`] (and so of `f`) and
    /// [`KParams::estimate`].
    pub(crate) fn pointwise<F>(
        &self,
        nb: &Neighbors,
        ctl: &Ctl<'_>,
        (name, method): (&'static str, &'static str),
        f: F,
    ) -> Result<IdEstimate>
    where
        F: Fn(&Neighbors, usize) -> Result<f64> + Sync,
    {
        if self.k < 2 {
            return Err(out_of_range("k", "an integer >= 2", self.k));
        }
        require_k(nb, self.k, 2, name)?;
        let (pw, n_used, dropped) = map_policy_rows(nb, (self.k, self.duplicates), ctl, method, f)?;
        self.estimate(method, self.k, pw, (nb.rows, n_used, dropped))
    }

    /// The estimate of `method` from its pointwise values, reporting the `k` used, the
    /// aggregation and the duplicates policy as its parameters.
    ///
    /// # Errors
    /// As [`IdEstimate::from_pointwise`].
    pub fn estimate(
        &self,
        method: &'static str,
        k: usize,
        pointwise: Vec<f64>,
        counts: (usize, usize, usize),
    ) -> Result<IdEstimate> {
        let params = serde_json::json!({
            "k": k,
            "aggregate": self.aggregate.as_str(),
            "duplicates": self.duplicates.as_str(),
        });
        IdEstimate::from_pointwise(method, self.aggregate, pointwise, counts, params)
    }
}

/// `v` when finite, else `Degenerate(why())`: a pointwise estimate the data make infinite or
/// undefined.
///
/// # Errors
/// `Degenerate` for NaN or ±∞.
pub fn finite_or(v: f64, why: impl FnOnce() -> String) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::Degenerate(why()))
    }
}

impl<D: DefaultK> Default for KParams<D> {
    fn default() -> Self {
        Self {
            k: D::K,
            aggregate: Aggregate::Mean,
            duplicates: Duplicates::Keep,
            default_k: std::marker::PhantomData,
        }
    }
}

/// How pointwise estimates are combined into one global value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Aggregate {
    /// `1 / mean(1 / m_i)` (MacKay & Ghahramani 2005; scikit-dimension `comb='mle'`).
    Harmonic,
    /// Arithmetic mean (`comb='mean'`).
    Mean,
    /// Median, mean of the two middle values for an even count (`comb='median'`).
    Median,
}

impl Aggregate {
    /// Public spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregate::Harmonic => "harmonic",
            Aggregate::Mean => "mean",
            Aggregate::Median => "median",
        }
    }

    /// Combine `values` (all finite).
    ///
    /// # Errors
    /// `Empty` for no values; `Degenerate` if the harmonic mean meets a zero.
    pub fn apply(self, values: &[f64]) -> Result<f64> {
        require_rows("pointwise estimates", values.len(), 1, "aggregation")?;
        match self {
            Aggregate::Mean => Ok(mean(values)),
            Aggregate::Median => Ok(median(values)),
            Aggregate::Harmonic => {
                if values.contains(&0.0) {
                    return Err(Error::Degenerate(
                        "a pointwise estimate is 0, so the harmonic mean is 0; use aggregate 'mean' or 'median', or duplicates: 'drop'".into(),
                    ));
                }
                let s: f64 = values.iter().map(|v| 1.0 / v).sum();
                Ok(values.len() as f64 / s)
            }
        }
    }
}

/// The result of one intrinsic-dimension estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct IdEstimate {
    /// Estimator name as the public API spells it (e.g. `"twonn"`).
    pub method: String,
    /// The estimate, in dimensions (finite).
    pub dimension: f64,
    /// Standard error where the method defines one.
    pub stderr: Option<f64>,
    /// One value per used row for local estimators (in the order of the rows used).
    pub pointwise: Option<Vec<f64>>,
    /// Rows given.
    pub n_samples: usize,
    /// Rows that entered the final estimate.
    pub n_used: usize,
    /// Rows removed as duplicates (or, under the reference policy, excluded because of a zero
    /// distance).
    pub dropped_duplicates: usize,
    /// Rows discarded by the method itself (e.g. TwoNN's largest ratios, GRIDE's outliers).
    pub discarded: usize,
    /// Every effective parameter, defaults included (a JSON object).
    pub params: Value,
    /// Named auxiliary arrays (e.g. TwoNN `log_mu` and `neg_log_1m_f`).
    pub diagnostics: Vec<(String, Vec<f64>)>,
}

impl IdEstimate {
    pub(crate) fn new(method: &str, dimension: f64, n_samples: usize, params: Value) -> Self {
        Self {
            method: method.to_owned(),
            dimension,
            stderr: None,
            pointwise: None,
            n_samples,
            n_used: n_samples,
            dropped_duplicates: 0,
            discarded: 0,
            params,
            diagnostics: Vec::new(),
        }
    }

    /// The estimate `aggregate(pointwise)` of `n_samples` rows of which `n_used` were used and
    /// `dropped` removed as duplicates, keeping `pointwise`.
    ///
    /// # Errors
    /// Those of [`Aggregate::apply`].
    pub(crate) fn from_pointwise(
        method: &str,
        aggregate: Aggregate,
        pointwise: Vec<f64>,
        (n_samples, n_used, dropped): (usize, usize, usize),
        params: Value,
    ) -> Result<Self> {
        let mut est = Self::new(method, aggregate.apply(&pointwise)?, n_samples, params);
        est.n_used = n_used;
        est.dropped_duplicates = dropped;
        est.pointwise = Some(pointwise);
        Ok(est)
    }

    /// The diagnostic array called `name`, if present.
    #[must_use]
    pub fn diagnostic(&self, name: &str) -> Option<&[f64]> {
        self.diagnostics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// Number of rows whose nearest neighbour is at distance exactly 0.
#[must_use]
pub fn zero_distance_rows(nb: &Neighbors) -> usize {
    if nb.k == 0 {
        return 0;
    }
    (0..nb.rows).filter(|&i| nb.distances_of(i)[0] == 0.0).count()
}

/// Neighbours with duplicates removed (see [`dedup_neighbors`]).
#[derive(Debug, Clone)]
pub struct Dedup {
    /// `kept.len() × k` neighbours of the kept rows; indices are *original* row numbers.
    pub neighbors: Neighbors,
    /// Original row numbers of the kept rows, ascending.
    pub kept: Vec<usize>,
    /// Number of rows removed.
    pub dropped: usize,
}

/// Remove duplicate rows (keeping the first occurrence) and filter each kept row's neighbour
/// list down to distinct points, keeping its first `k` entries.
///
/// A row is a duplicate of an earlier one when its first neighbour is at distance 0 with a
/// lower index (with ties broken toward the lower index, that neighbour is the first copy).
/// From each kept row's list, zero distances and neighbours that are themselves duplicates are
/// skipped.
///
/// # Shapes and types
/// `nb`: rows × k₀ neighbours; returns kept × `k`.
/// # Cost
/// O(rows · k₀) time, O(rows · k) memory.
/// # Determinism
/// Pure function of its input.
/// # Errors
/// `KTooLarge` if a kept row has fewer than `k` distinct neighbours left (compute the
/// neighbours with a larger k).
/// # Panics
/// Never.
/// # Reference
/// id-estimators.md §4 recommendation (c).
pub fn dedup_neighbors(nb: &Neighbors, k: usize) -> Result<Dedup> {
    let is_dup: Vec<bool> = (0..nb.rows)
        .map(|i| nb.k > 0 && nb.distances_of(i)[0] == 0.0 && (nb.indices_of(i)[0] as usize) < i)
        .collect();
    let kept: Vec<usize> = (0..nb.rows).filter(|&i| !is_dup[i]).collect();
    let mut indices = Vec::with_capacity(kept.len() * k);
    let mut distances = Vec::with_capacity(kept.len() * k);
    for &i in &kept {
        let mut got = 0;
        for (&j, &d) in nb.indices_of(i).iter().zip(nb.distances_of(i)) {
            if got == k {
                break;
            }
            if d == 0.0 || is_dup.get(j as usize).copied().unwrap_or(false) {
                continue;
            }
            indices.push(j);
            distances.push(d);
            got += 1;
        }
        if got < k {
            return Err(Error::KTooLarge {
                k,
                available: got,
                why: format!(
                    "after dropping duplicates row {i} has only {got} distinct neighbours among its {} stored ones; compute the neighbours with a larger k",
                    nb.k
                ),
            });
        }
    }
    let dropped = nb.rows - kept.len();
    Ok(Dedup {
        neighbors: Neighbors::new(k, kept.len(), indices, distances)?,
        kept,
        dropped,
    })
}

/// Check that `nb` has at least `k` columns and `min_rows` rows.
pub(crate) fn require_k(nb: &Neighbors, k: usize, min_rows: usize, method: &'static str) -> Result<()> {
    if nb.rows < min_rows {
        return Err(Error::Empty {
            what: "neighbors",
            actual: nb.rows,
            needed: min_rows,
            unit: "rows",
            method,
        });
    }
    if k > nb.k {
        return Err(Error::KTooLarge {
            k,
            available: nb.k,
            why: format!("the neighbours passed to {method} have only {} columns", nb.k),
        });
    }
    Ok(())
}

/// Apply a duplicate policy to neighbours that must provide `k` columns: returns the
/// neighbours to use (borrowed or deduplicated), the kept original rows (None = all) and the
/// number of dropped rows. `Keep` and `Error` are returned unchanged after the check.
pub(crate) fn apply_policy<'a>(
    nb: &'a Neighbors,
    k: usize,
    policy: Duplicates,
    owned: &'a mut Option<Neighbors>,
) -> Result<(&'a Neighbors, Option<Vec<usize>>, usize)> {
    match policy {
        Duplicates::Keep => Ok((nb, None, 0)),
        Duplicates::Error => {
            let count = (0..nb.rows)
                .filter(|&i| nb.distances_of(i)[..k].contains(&0.0))
                .count();
            if count > 0 {
                Err(Error::Duplicates { count })
            } else {
                Ok((nb, None, 0))
            }
        }
        Duplicates::Drop => {
            let d = dedup_neighbors(nb, k)?;
            *owned = Some(d.neighbors);
            let r = owned
                .as_ref()
                .ok_or_else(|| Error::Internal("dedup lost".into()))?;
            Ok((r, Some(d.kept), d.dropped))
        }
    }
}

/// Evaluate `f(i)` for every row in fixed chunks (ordered, deterministic).
/// Run `f` on `x` and `nb`, or, for data at extreme magnitudes (`embgeo_core::scale`), on a
/// power-of-two-scaled copy of `x` with the neighbour distances scaled alike (euclidean
/// units). The estimators that read the data are scale-free, so their dimension is that of an
/// unbounded exponent range. Extra memory: copies of `x` and `nb`, only for extreme magnitudes.
pub(crate) fn with_scaled_nb<T: Element, R>(
    x: MatRef<'_, T>,
    nb: &Neighbors,
    f: impl FnOnce(MatRef<'_, T>, &Neighbors) -> Result<R>,
) -> Result<R> {
    let s = Scale::of(&[x.as_slice()]);
    if s.is_identity() {
        return f(x, nb);
    }
    let copy = s.apply(x.as_slice());
    let mut scaled = nb.clone();
    for d in &mut scaled.distances {
        *d = ldexp(*d, s.exp());
    }
    f(MatRef::new(&copy, x.rows(), x.cols())?, &scaled)
}

pub(crate) fn map_rows<R, F>(ctl: &Ctl<'_>, phase: &'static str, n: usize, f: F) -> Result<Vec<R>>
where
    R: Send,
    F: Fn(usize) -> Result<R> + Sync,
{
    let parts = map_chunks(ctl, phase, n, ROW_CHUNK, |r| {
        r.map(&f).collect::<Result<Vec<R>>>()
    })?;
    Ok(parts.into_iter().flatten().collect())
}

/// `f(used, i)` for every row `i` of the neighbours `used` that the duplicates `policy` leaves
/// of `nb` (which must provide `k` columns), as [`map_rows`] (phase `phase`). Returns the values,
/// the number of rows used and the number dropped as duplicates.
///
/// # Errors
/// Those of [`apply_policy`], of `f` and `Cancelled`.
pub(crate) fn map_policy_rows<R, F>(
    nb: &Neighbors,
    (k, policy): (usize, Duplicates),
    ctl: &Ctl<'_>,
    phase: &'static str,
    f: F,
) -> Result<(Vec<R>, usize, usize)>
where
    R: Send,
    F: Fn(&Neighbors, usize) -> Result<R> + Sync,
{
    let mut owned = None;
    let (used, _, dropped) = apply_policy(nb, k, policy, &mut owned)?;
    let values = map_rows(ctl, phase, used.rows, |i| f(used, i))?;
    Ok((values, used.rows, dropped))
}

/// Arithmetic mean (sequential sum).
pub(crate) fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Median (mean of the two middle values for an even count); `v` non-empty.
pub(crate) fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

/// numpy's default percentile (linear interpolation) of an ascending slice, `q` in \[0, 100].
pub(crate) fn percentile_sorted(s: &[f64], q: f64) -> f64 {
    let n = s.len();
    if n == 0 {
        return f64::NAN;
    }
    if n == 1 {
        return s[0];
    }
    // numpy 1.26 `_compute_virtual_index` with alpha = beta = 1, evaluated in the same order
    let q = q / 100.0;
    let pos = (n as f64 * q + (1.0 - q) - 1.0).clamp(0.0, (n - 1) as f64);
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let frac = pos - lo as f64;
    // numpy's _lerp: a + (b - a) * t, with the t >= 0.5 branch b - (b - a) * (1 - t)
    let (a, b) = (s[lo], s[hi]);
    let diff = b - a;
    if frac >= 0.5 {
        b - diff * (1.0 - frac)
    } else {
        a + diff * frac
    }
}

/// Error unless every value is finite.
pub(crate) fn ensure_finite(v: f64, what: &str) -> Result<f64> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Error::Degenerate(format!("{what} is not finite ({v})")))
    }
}

/// Out-of-range error helper.
pub(crate) fn out_of_range(name: &'static str, expected: &str, actual: impl std::fmt::Display) -> Error {
    Error::OutOfRange {
        name,
        expected: expected.into(),
        actual: actual.to_string(),
    }
}

/// `Err(Error::Empty)` naming `what`, `method` and the unit "rows" when `actual < needed`.
pub(crate) fn require_rows(
    what: &'static str,
    actual: usize,
    needed: usize,
    method: &'static str,
) -> Result<()> {
    if actual < needed {
        return Err(Error::Empty {
            what,
            actual,
            needed,
            unit: "rows",
            method,
        });
    }
    Ok(())
}

/// Defines a public estimator `fn $name<T: Element>(x, nb, p: &Params, ctl) -> Result<$out>` that
/// runs `$inner` (same parameters) through [`with_scaled_nb`], i.e. on data in the safe magnitude
/// range. The caller's module must have `Element`, `MatRef`, `Neighbors`, `Ctl`, `Result` and
/// `Params` in scope. The doc comment and attributes given are put on the generated function.
macro_rules! scaled_estimator {
    ($(#[$m:meta])* $vis:vis fn $name:ident -> $out:ty = $inner:ident) => {
        $(#[$m])*
        $vis fn $name<T: Element>(
            x: MatRef<'_, T>,
            nb: &Neighbors,
            p: &Params,
            ctl: &Ctl<'_>,
        ) -> Result<$out> {
            crate::common::with_scaled_nb(x, nb, |x, nb| $inner(x, nb, p, ctl))
        }
    };
}
pub(crate) use scaled_estimator;

/// Exact Euclidean distance sqrt(Σ(a − b)²) in f64 (f32 values widened first).
#[inline]
pub(crate) fn dist<T: embgeo_core::Element>(a: &[T], b: &[T]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let d = x.to_f64() - y.to_f64();
            d * d
        })
        .sum::<f64>()
        .sqrt()
}

/// Check a coordinate matrix against its neighbours: same rows, finite, ≥ 2 columns.
pub(crate) fn check_x<T: embgeo_core::Element>(
    x: &embgeo_core::MatRef<'_, T>,
    nb: &Neighbors,
    method: &'static str,
) -> Result<()> {
    if x.rows() != nb.rows {
        return Err(Error::Shape {
            what: format!("{method}: X rows vs neighbors rows"),
            expected: nb.rows,
            actual: x.rows(),
            fix: "pass the neighbours computed on this X",
        });
    }
    check_cols(x, method)?;
    check_indices(nb, x.rows())?;
    x.check_finite("X")
}

/// Every neighbour index must name a row (caller-supplied neighbours are not trusted).
pub(crate) fn check_indices(nb: &Neighbors, rows: usize) -> Result<()> {
    if let Some(p) = nb.indices.iter().position(|&j| j as usize >= rows) {
        return Err(Error::OutOfRange {
            name: "neighbors.indices",
            expected: format!("row numbers below {rows}"),
            actual: format!(
                "{} at row {}, column {}",
                nb.indices[p],
                p / nb.k.max(1),
                p % nb.k.max(1)
            ),
        });
    }
    Ok(())
}

/// scikit-dimension rejects 1-column input (`ensure_min_features=2`).
pub(crate) fn check_cols<T: embgeo_core::Element>(
    x: &embgeo_core::MatRef<'_, T>,
    method: &'static str,
) -> Result<()> {
    if x.cols() < 2 {
        return Err(Error::Empty {
            what: "X",
            actual: x.cols(),
            needed: 2,
            unit: "columns",
            method,
        });
    }
    Ok(())
}

/// Exact Euclidean kNN of `x` (self excluded by index, ties to the lower index, distances
/// sqrt(Σ(a − b)²) in f64, summed left to right) — the small brute force of tests and of
/// [`crate::scaling::twonn_decimation`] without an engine. The registry's neighbours and
/// DANCo's calibration come from `embgeo-knn` instead; this one stays because its sequential
/// sums are what the fixtures were generated with (the engine's 16-lane sums differ in the
/// last bits).
///
/// # Shapes and types
/// `x`: n × d (f32/f64); returns n × k neighbours.
/// # Cost
/// O(n²·d) time, O(n) scratch per worker, output O(n·k).
/// # Determinism
/// Bit-identical for every `ctl.par` (fixed chunks).
/// # Errors
/// `NonFinite`, `OutOfRange` (k = 0), `KTooLarge` (k ≥ n), `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-learn `NearestNeighbors().kneighbors()` (exact; ties to the lower index).
pub fn knn_exact<T: embgeo_core::Element>(
    x: embgeo_core::MatRef<'_, T>,
    k: usize,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    x.check_finite("X")?;
    let v: Vec<f64> = x.as_slice().iter().map(|a| a.to_f64()).collect();
    exact_knn(&v, x.rows(), x.cols(), k, ctl)
}

/// Rows per chunk of the internal exact kNN.
const KNN_CHUNK: usize = 32;

/// Exact Euclidean kNN of a row-major f64 matrix (self excluded by index, ties to the lower
/// index): [`knn_exact`] on f64 rows. O(n²·d) time, O(n) scratch per row.
pub(crate) fn exact_knn(x: &[f64], n: usize, d: usize, k: usize, ctl: &Ctl<'_>) -> Result<Neighbors> {
    if k == 0 {
        return Err(out_of_range("k", "an integer >= 1", 0));
    }
    if k >= n {
        return Err(Error::KTooLarge {
            k,
            available: n.saturating_sub(1),
            why: format!("{n} rows, the point itself is excluded"),
        });
    }
    let parts = map_chunks(ctl, "knn", n, KNN_CHUNK, |range| {
        let mut idx = Vec::with_capacity(range.len() * k);
        let mut dst = Vec::with_capacity(range.len() * k);
        let mut buf: Vec<(f64, u32)> = Vec::with_capacity(n);
        for i in range {
            buf.clear();
            let xi = &x[i * d..(i + 1) * d];
            for j in 0..n {
                if j != i {
                    buf.push((dist(xi, &x[j * d..(j + 1) * d]), j as u32));
                }
            }
            let cmp = |a: &(f64, u32), b: &(f64, u32)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            buf.select_nth_unstable_by(k - 1, cmp);
            let top = &mut buf[..k];
            top.sort_unstable_by(cmp);
            for &(dd, j) in top.iter() {
                idx.push(j);
                dst.push(dd);
            }
        }
        Ok((idx, dst))
    })?;
    let mut indices = Vec::with_capacity(n * k);
    let mut distances = Vec::with_capacity(n * k);
    for (a, b) in parts {
        indices.extend(a);
        distances.extend(b);
    }
    Neighbors::new(k, n, indices, distances)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_matches_numpy_linear() {
        // numpy.percentile([1, 2, 3, 4], [50, 95]) = [2.5, 3.85]
        let s = [1.0, 2.0, 3.0, 4.0];
        assert!((percentile_sorted(&s, 50.0) - 2.5).abs() < 1e-15);
        assert!((percentile_sorted(&s, 95.0) - 3.85).abs() < 1e-15);
    }

    #[test]
    fn dedup_drops_later_copies_and_zero_neighbours() {
        // rows 0 and 2 identical; row 1 elsewhere; 3 rows, k = 2
        let nb = Neighbors::new(2, 3, vec![2, 1, 0, 2, 0, 1], vec![0.0, 1.0, 1.0, 1.0, 0.0, 1.0]).unwrap();
        let d = dedup_neighbors(&nb, 1).unwrap();
        assert_eq!(d.kept, vec![0, 1]);
        assert_eq!(d.dropped, 1);
        assert_eq!(d.neighbors.indices, vec![1, 0]);
        assert_eq!(dedup_neighbors(&nb, 2).unwrap_err().code(), "ERR_K_TOO_LARGE");
    }

    #[test]
    fn harmonic_mean_refuses_zero() {
        assert_eq!(
            Aggregate::Harmonic.apply(&[1.0, 0.0]).unwrap_err().code(),
            "ERR_DEGENERATE"
        );
        assert!((Aggregate::Harmonic.apply(&[1.0, 2.0]).unwrap() - 4.0 / 3.0).abs() < 1e-15);
        assert!((Aggregate::Median.apply(&[3.0, 1.0, 2.0, 10.0]).unwrap() - 2.5).abs() < 1e-15);
    }
}
