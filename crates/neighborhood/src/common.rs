//! What the measures share: the checks of a pair of matrices and of `k`, exact neighbours from
//! the kNN engine, and exact ordering keys that rank exactly as that engine does.

use std::borrow::Cow;

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Pair, Result, Scale};
use embgeo_knn::metric::dot;
use embgeo_knn::Metric;

/// `pub struct Params { k, metric }` of a measure (camelCase options from the binding, unknown
/// names rejected), its `Default` (`k = $k`, `metric = $metric`) and `Params::new(k, metric)`; the docs of the struct and of
/// `k` are the measure's.
macro_rules! k_metric_params {
    ($(#[$doc:meta])* Params; $(#[$kdoc:meta])* k: $k:expr, $(#[$mdoc:meta])* metric: $metric:expr $(,)?) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields, default)]
        pub struct Params {
            $(#[$kdoc])*
            pub k: usize,
            $(#[$mdoc])*
            pub metric: Metric,
        }

        impl Default for Params {
            fn default() -> Self {
                Self { k: $k, metric: $metric }
            }
        }

        impl Params {
            /// `k` neighbours under `metric`.
            #[must_use]
            pub const fn new(k: usize, metric: Metric) -> Self {
                Self { k, metric }
            }
        }
    };
}
pub(crate) use k_metric_params;

/// Rows × columns of key work per parallel chunk (≈ a few ms): chunks depend on shapes only.
const CHUNK_WORK: usize = 1 << 22;

/// Rows per chunk for row-wise work of `per_row` operations each (at least 1).
pub(crate) fn chunk_rows(per_row: usize) -> usize {
    (CHUNK_WORK / per_row.max(1)).max(1)
}

/// `1 ≤ k ≤ n − 1` (each row's own index is excluded).
///
/// # Errors
/// `OutOfRange` for k = 0, `KTooLarge` for k ≥ n.
fn check_k(k: usize, n: usize) -> Result<()> {
    Error::require_at_least_one("k", k)?;
    if k >= n {
        return Err(Error::KTooLarge {
            k,
            available: n - 1,
            why: format!("the sets have {n} rows and each row's own index is excluded"),
        });
    }
    Ok(())
}

/// Two representations checked for a neighbourhood measure, with their exact keys and the
/// `k` nearest neighbours of every row in each.
pub(crate) struct Graphs<'a, TA: Element, TB: Element> {
    /// A, ready for exact keys.
    pub(crate) a: Keyed<'a, TA>,
    /// B, ready for exact keys.
    pub(crate) b: Keyed<'a, TB>,
    /// The k nearest other rows of each row in A.
    pub(crate) knn_a: Neighbors,
    /// The same in B.
    pub(crate) knn_b: Neighbors,
}

impl<'a, TA: Element, TB: Element> Graphs<'a, TA, TB> {
    /// [`Pair::check`], [`check_k`], [`Keyed::new`] and [`neighbours`] of both sides.
    ///
    /// # Errors
    /// As those functions, and `Cancelled`.
    pub(crate) fn new(
        x: Pair<'a, TA, TB>,
        k: usize,
        metric: Metric,
        method: &'static str,
        ctl: &Ctl<'_>,
    ) -> Result<Self> {
        let (a, b) = Self::checked(x, k, metric, method)?;
        Ok(Self {
            a,
            b,
            knn_a: neighbours(x.a, k, metric, ctl)?,
            knn_b: neighbours(x.b, k, metric, ctl)?,
        })
    }

    /// [`Pair::check`], [`check_k`] and [`Keyed::new`] of both sides (the checks of
    /// [`Graphs::new`], in its order), for measures that build the graphs their own way.
    ///
    /// # Errors
    /// As those functions.
    pub(crate) fn checked(
        x: Pair<'a, TA, TB>,
        k: usize,
        metric: Metric,
        method: &'static str,
    ) -> Result<(Keyed<'a, TA>, Keyed<'a, TB>)> {
        x.check(2, method)?;
        check_k(k, x.a.rows())?;
        Ok((Keyed::new(x.a, metric, "A")?, Keyed::new(x.b, metric, "B")?))
    }
}

/// The `k` nearest other rows of every row (the exact engine: ties to the lower index).
pub(crate) fn neighbours<T: Element>(
    x: MatRef<'_, T>,
    k: usize,
    metric: Metric,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    embgeo_knn::all_points(x, &embgeo_knn::Params::new(k, metric), ctl)
}

/// A matrix ready for exact ordering keys: the rows scaled by the power of two the kNN engine
/// applies at extreme magnitudes (exact, so the order is that of the engine) and, under
/// cosine, the squared row norms. Keys equal `embgeo_knn::metric::exact_key` bit for bit.
pub(crate) struct Keyed<'a, T: Element> {
    x: Cow<'a, [T]>,
    d: usize,
    metric: Metric,
    norms2: Vec<f64>,
}

impl<'a, T: Element> Keyed<'a, T> {
    /// Prepare `x` (`what` names it in errors). Extra memory: n f64 under cosine, plus a scaled
    /// copy of `x` only for f64 data beyond `[2^-400, 2^400]`.
    ///
    /// # Errors
    /// `Degenerate` for a zero row under cosine.
    pub(crate) fn new(x: MatRef<'a, T>, metric: Metric, what: &'static str) -> Result<Self> {
        let s = Scale::of(&[x.as_slice()]);
        let data: Cow<'a, [T]> = if s.is_identity() {
            Cow::Borrowed(x.as_slice())
        } else {
            Cow::Owned(s.apply(x.as_slice()))
        };
        let d = x.cols();
        let norms2 = if metric == Metric::Cosine {
            let v: Vec<f64> = data.chunks_exact(d).map(|r| dot(r, r)).collect();
            if let Some(i) = v.iter().position(|&q| q == 0.0) {
                return Err(Error::Degenerate(format!(
                    "row {i} of {what} is zero; the cosine metric needs non-zero rows (drop it or use another metric)"
                )));
            }
            v
        } else {
            Vec::new()
        };
        Ok(Self {
            x: data,
            d,
            metric,
            norms2,
        })
    }

    /// Row `i` (scaled).
    pub(crate) fn row(&self, i: usize) -> &[T] {
        &self.x[i * self.d..(i + 1) * self.d]
    }

    /// The exact ordering key of rows `i` and `j` (smaller is closer; the tests' oracle).
    #[cfg(test)]
    pub(crate) fn key(&self, i: usize, j: usize) -> f64 {
        use embgeo_knn::metric::{cosine_from_norms, sq_euclidean};
        let (x, y) = (self.row(i), self.row(j));
        match self.metric {
            Metric::Euclidean | Metric::SqEuclidean => sq_euclidean(x, y),
            Metric::Dot => -dot(x, y),
            Metric::Cosine => cosine_from_norms(x, y, self.norms2[i], self.norms2[j]),
        }
    }

    /// Keys of row `i` against every row (`out[i]` is the key of `i` with itself): the test
    /// oracle of the information imbalance's screened ranks.
    #[cfg(test)]
    pub(crate) fn row_keys(&self, i: usize, out: &mut [f64]) {
        for (j, o) in out.iter_mut().enumerate().take(self.x.len() / self.d) {
            *o = self.key(i, j);
        }
    }

    /// The linear kernel `⟨xᵢ, xⱼ⟩` of the unit rows under cosine, else of the rows as
    /// prepared (times `4^e` for data scaled by `2^e`: callers use it only in ratios that a
    /// common factor of a kernel cancels from).
    pub(crate) fn kernel(&self, i: usize, j: usize) -> f64 {
        let g = dot(self.row(i), self.row(j));
        if self.metric == Metric::Cosine {
            g / (self.norms2[i] * self.norms2[j]).sqrt()
        } else {
            g
        }
    }
}

/// Test data: `n × d` row-major values `3·sin((t + seed)·0.754877666) + offset`, `t` the flat
/// index (deterministic, no ties in practice).
#[cfg(test)]
pub(crate) fn wave(n: usize, d: usize, seed: f64, offset: f64) -> Vec<f64> {
    (0..n * d)
        .map(|t| ((t as f64 + seed) * 0.754_877_666).sin() * 3.0 + offset)
        .collect()
}
