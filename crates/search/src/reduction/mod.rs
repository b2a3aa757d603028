//! Hubness reduction with exact re-ranked neighbour lists.
//!
//! A secondary distance replaces the primary one (`metric`) so that points that are close to
//! many others ("hubs") stop crowding every neighbour list: mutual proximity, empiric and
//! Gaussian (Schnitzer et al. 2012), local scaling and NICDM (Zelnik-Manor & Perona 2005;
//! Jégou et al. 2010), CSLS (Conneau et al. 2018). Definitions: [`secondary`] and [`empiric`],
//! matching scikit-hubness 0.21.2's `skhubness.reduction` (cited there).
//!
//! # Exact re-ranking
//! scikit-hubness re-ranks only a query's candidate list. Here the answer is the top `k` of the
//! secondary distance over the **whole corpus** (the query's own row excluded in the all-points
//! setting), ties to the lower index:
//! - every statistic comes from exact kNN lists (`embgeo_knn`);
//! - the secondary distance is non-decreasing in the primary distance, so every point outside
//!   a candidate list of primary radius D scores at least a lower bound `L(D)`
//!   ([`secondary::lower_bound`], with the corpus's largest statistic). A row whose k-th
//!   secondary distance is below `L(D)` (minus a 1e-9 relative slack) is final; the other rows
//!   are searched again with twice the candidates, up to the whole corpus, where the ranking
//!   is the full one by construction;
//! - empiric MP needs no widening: points outside the query's neighbourhood score exactly 1
//!   ([`empiric`]).

mod empiric;
mod secondary;

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};
use embgeo_knn::Metric;
use embgeo_metrics::hubness::{self, Hubness};

use secondary::Stat;

/// A secondary distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Method {
    /// Empiric mutual proximity (Schnitzer et al. 2012).
    MutualProximity,
    /// Mutual proximity with independent Gaussians (scikit-hubness's default MP).
    #[default]
    MutualProximityGaussian,
    /// Local scaling (Zelnik-Manor & Perona 2005).
    LocalScaling,
    /// Non-iterative contextual dissimilarity measure (Jégou et al. 2010).
    Nicdm,
    /// Cross-domain similarity local scaling (Conneau et al. 2018).
    Csls,
}

impl Method {
    /// The public name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Method::MutualProximity => "mutualProximity",
            Method::MutualProximityGaussian => "mutualProximityGaussian",
            Method::LocalScaling => "localScaling",
            Method::Nicdm => "nicdm",
            Method::Csls => "csls",
        }
    }

    /// The reference's neighbourhood size: scikit-hubness `n_candidates = 100` for mutual
    /// proximity, `LocalScaling(k=5)` (6 columns) for local scaling and NICDM, Conneau et al.'s
    /// K = 10 for CSLS.
    #[must_use]
    pub fn default_neighbors(self) -> usize {
        match self {
            Method::MutualProximity | Method::MutualProximityGaussian => 100,
            Method::LocalScaling | Method::Nicdm => 6,
            Method::Csls => 10,
        }
    }
}

/// Options of [`compute`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Neighbours per query in the answer (5, as scikit-hubness `n_neighbors`).
    pub k: usize,
    /// The secondary distance (Gaussian mutual proximity, scikit-hubness's MP default).
    pub method: Method,
    /// The primary distance (euclidean).
    pub metric: Metric,
    /// Neighbourhood size of the secondary statistics; `None`: [`Method::default_neighbors`]
    /// (capped at the neighbours available).
    pub neighbors: Option<usize>,
    /// Query rows per parallel block of the re-ranking (256).
    pub block_rows: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            k: 5,
            method: Method::default(),
            metric: Metric::Euclidean,
            neighbors: None,
            block_rows: 256,
        }
    }
}

/// Re-ranked neighbours and hubness before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Reduced {
    /// `rows × k` neighbours by secondary distance (`distances` are secondary distances).
    pub neighbors: Neighbors,
    /// Hubness of the primary kNN lists (k-occurrence over the corpus).
    pub before: Hubness,
    /// Hubness of the re-ranked lists.
    pub after: Hubness,
    /// The neighbourhood size used.
    pub neighbors_used: usize,
    /// Query rows whose candidate list had to be widened for exactness.
    pub widened_rows: usize,
    /// The largest candidate list any row needed.
    pub max_candidates: usize,
}

fn knn_params(k: usize, metric: Metric) -> embgeo_knn::Params {
    embgeo_knn::Params::new(k, metric)
}

/// The first `k` columns of neighbour lists.
fn truncate(nb: &Neighbors, k: usize) -> Neighbors {
    if nb.k == k {
        return nb.clone();
    }
    let mut out = Neighbors {
        k,
        rows: nb.rows,
        indices: Vec::with_capacity(nb.rows * k),
        distances: Vec::with_capacity(nb.rows * k),
    };
    for r in 0..nb.rows {
        out.indices.extend_from_slice(&nb.indices[r * nb.k..r * nb.k + k]);
        out.distances
            .extend_from_slice(&nb.distances[r * nb.k..r * nb.k + k]);
    }
    out
}

/// Candidate lists of `c` corpus points for the query rows `rows` (all-points: the query's own
/// row excluded by index, as `embgeo_knn::all_points` does).
fn candidates<T: Element>(
    corpus: MatRef<'_, T>,
    queries: Option<MatRef<'_, T>>,
    rows: &[usize],
    c: usize,
    metric: Metric,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    let src = queries.unwrap_or(corpus);
    let mut sub: Vec<T> = Vec::with_capacity(rows.len() * src.cols());
    for &r in rows {
        sub.extend_from_slice(src.row(r));
    }
    let q = MatRef::new(&sub, rows.len(), src.cols())?;
    if queries.is_some() {
        return embgeo_knn::search(corpus, q, &knn_params(c, metric), ctl);
    }
    // One more, then drop the row itself (or, if more than c + 1 points tie ahead of it, the last).
    let wide = embgeo_knn::search(corpus, q, &knn_params(c + 1, metric), ctl)?;
    let mut out = Neighbors {
        k: c,
        rows: rows.len(),
        indices: Vec::with_capacity(rows.len() * c),
        distances: Vec::with_capacity(rows.len() * c),
    };
    for (i, &r) in rows.iter().enumerate() {
        let idx = &wide.indices[i * (c + 1)..(i + 1) * (c + 1)];
        let skip = idx.iter().position(|&j| j as usize == r).unwrap_or(c);
        for t in (0..=c).filter(|&t| t != skip) {
            out.indices.push(idx[t]);
            out.distances.push(wide.distances[i * (c + 1) + t]);
        }
    }
    Ok(out)
}

/// Statistics of every row of `lists` (first `nb` columns).
fn stats(method: Method, lists: &Neighbors, nb: usize, what: &str) -> Result<Vec<Stat>> {
    (0..lists.rows)
        .map(|r| secondary::stat(method, &lists.distances[r * lists.k..r * lists.k + nb], what, r))
        .collect()
}

fn check(p: &Params, n: usize, rows_q: Option<usize>) -> Result<usize> {
    Error::require_at_least_one("k", p.k)?;
    Error::require_at_least_one("blockRows", p.block_rows)?;
    if p.metric == Metric::Dot && matches!(p.method, Method::LocalScaling | Method::Nicdm) {
        return Err(Error::InvalidValue {
            name: "metric",
            expected: format!(
                "'euclidean', 'sqeuclidean' or 'cosine' for method '{}' (it needs distances ≥ 0)",
                p.method.name()
            ),
            actual: "dot".into(),
        });
    }
    let all = rows_q.is_none();
    let available = if all { n.saturating_sub(1) } else { n };
    let why = if all {
        format!("the corpus has {n} rows and each point itself is excluded")
    } else {
        format!("the corpus has {n} rows")
    };
    if p.k > available {
        return Err(Error::KTooLarge {
            k: p.k,
            available,
            why,
        });
    }
    let nb = match p.neighbors {
        Some(v) => {
            Error::require_at_least_one("neighbors", v)?;
            v
        }
        None => p.method.default_neighbors().min(available),
    };
    if nb > available {
        return Err(Error::KTooLarge {
            k: nb,
            available,
            why: format!("options.neighbors: {why}"),
        });
    }
    if let (Method::Csls, Some(q)) = (p.method, rows_q) {
        // CSLS's corpus side: each corpus point's nb nearest queries.
        if nb > q {
            return Err(Error::KTooLarge {
                k: nb,
                available: q,
                why: format!(
                    "options.neighbors under CSLS: each corpus point's neighbours among the {q} queries"
                ),
            });
        }
    }
    Ok(nb)
}

/// Hubness reduction: the `k` nearest corpus points of every query (every corpus row, itself
/// excluded, without `queries`) under `params.method`'s secondary distance, exactly.
///
/// # Shapes and types
/// `corpus`: n × d, `queries`: q × d (same d and element type), f32 or f64; n ≥ 2 without
/// queries. Returns [`Reduced`] with `rows = q` (or n) lists of `k` (u32 indices, f64 secondary
/// distances, ascending).
/// # Cost
/// kNN passes of the engine: the corpus's own `neighbors`-NN (all-points; plus the corpus
/// against the queries for CSLS with queries) and the queries' `max(k, neighbors)`-NN, then
/// O(rows · c log c) re-ranking (empiric MP: O(rows · neighbors²) look-ups and at most that many
/// exact distances). Rows that fail the exactness bound are searched again with 2c candidates
/// (rarely more than a few; at worst the whole corpus for those rows, in groups of at most
/// 2^22 candidate entries). Extra memory: the kNN lists (`(n + rows) · c · 12` bytes), the
/// per-row answers (`rows · k · 12`) and one widening group (≤ 2^22 entries, ~50 MB).
/// # Determinism
/// Bit-identical for every `ctl.par` (per-row work in fixed blocks, kNN exact).
/// # Errors
/// `Empty`, `Shape`, `NonFinite`, `KTooLarge` (k or `neighbors` above the neighbours
/// available), `OutOfRange` (k, neighbors or blockRows 0), `InvalidValue` (metric 'dot' with
/// local scaling or NICDM), `Degenerate` (a zero scale: more than `neighbors` identical points;
/// zero row under cosine), `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// scikit-hubness 0.21.2 `skhubness.reduction` on full-length candidate lists (numpy, see
/// `scripts/reference/search.py`); fixtures `search/*` at 1e-10.
pub fn compute<T: Element>(
    corpus: MatRef<'_, T>,
    queries: Option<MatRef<'_, T>>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Reduced> {
    let n = corpus.rows();
    corpus.require_rows("corpus", if queries.is_some() { 1 } else { 2 }, "reduceHubness")?;
    let nb = check(p, n, queries.map(|q| q.rows()))?;
    let (k, method, metric) = (p.k, p.method, p.metric);
    if let Some(q) = queries {
        q.require_rows("queries", 1, "reduceHubness")?;
    }
    let rows = queries.map_or(n, |q| q.rows());
    let all = queries.is_none();
    let available = if all { n - 1 } else { n };
    let c0 = k.max(nb);
    let cand = match queries {
        None => embgeo_knn::all_points(corpus, &knn_params(c0, metric), ctl)?,
        Some(q) => embgeo_knn::search(corpus, q, &knn_params(c0, metric), ctl)?,
    };
    // The corpus's own lists (self excluded): statistics, and empiric MP's d(y, m).
    let own = match queries {
        None => truncate(&cand, nb),
        Some(q) if method == Method::Csls => embgeo_knn::search(q, corpus, &knn_params(nb, metric), ctl)?,
        Some(_) => embgeo_knn::all_points(corpus, &knn_params(nb, metric), ctl)?,
    };
    let before = hubness::compute(
        &truncate(&cand, k).indices,
        rows,
        k,
        n,
        &hubness::Params::default(),
        ctl,
    )?;

    let job = Job {
        corpus,
        queries,
        p,
        nb,
        available,
        all,
        ctl,
    };
    let ranked = if method == Method::MutualProximity {
        job.empiric(&own, &cand)?
    } else {
        job.bounded(&own, &cand)?
    };
    let mut out_idx = vec![0u32; rows * k];
    let mut out_d = vec![0.0f64; rows * k];
    for (i, row) in ranked.rows.iter().enumerate() {
        for (t, &(s, j)) in row.iter().enumerate() {
            out_idx[i * k + t] = j;
            out_d[i * k + t] = s;
        }
    }
    let after = hubness::compute(&out_idx, rows, k, n, &hubness::Params::default(), ctl)?;
    Ok(Reduced {
        neighbors: Neighbors {
            k,
            rows,
            indices: out_idx,
            distances: out_d,
        },
        before,
        after,
        neighbors_used: nb,
        widened_rows: ranked.widened_rows,
        max_candidates: ranked.max_candidates,
    })
}

/// Candidate entries (index + distance, 12 bytes each, plus the engine's selection state) one
/// widening search may hold: 2^22, about 50 MB of lists.
const WIDEN_BUDGET: usize = 1 << 22;

/// Per-row answers, best first, and how much widening they needed.
struct Ranked {
    rows: Vec<Vec<(f64, u32)>>,
    widened_rows: usize,
    max_candidates: usize,
}

/// The inputs of one re-ranking.
struct Job<'a, 'c, T: Element> {
    corpus: MatRef<'a, T>,
    queries: Option<MatRef<'a, T>>,
    p: &'a Params,
    nb: usize,
    available: usize,
    all: bool,
    ctl: &'a Ctl<'c>,
}

impl<T: Element> Job<'_, '_, T> {
    /// Empiric MP: exact from the neighbourhoods alone ([`empiric`]).
    fn empiric(&self, own: &Neighbors, cand: &Neighbors) -> Result<Ranked> {
        let (c0, nb) = (cand.k, self.nb);
        let parts = map_chunks(self.ctl, "rerank", cand.rows, self.p.block_rows, |r| {
            Ok(r.map(|i| {
                let (ni, di) = (
                    &cand.indices[i * c0..i * c0 + nb],
                    &cand.distances[i * c0..i * c0 + nb],
                );
                let me = self.all.then_some(i as u32);
                empiric::rerank(self.corpus, self.p.metric, own, ni, di, me, self.p.k)
            })
            .collect::<Vec<_>>())
        })?;
        Ok(Ranked {
            rows: parts.into_iter().flatten().collect(),
            widened_rows: 0,
            max_candidates: c0,
        })
    }

    /// Statistic-based methods: re-rank the candidates, widen the rows the bound cannot
    /// certify (doubling their candidates up to the whole corpus).
    fn bounded(&self, own: &Neighbors, cand: &Neighbors) -> Result<Ranked> {
        let (method, k, nb, c0) = (self.p.method, self.p.k, self.nb, cand.k);
        let corpus_stats = stats(method, own, nb, "corpus")?;
        let query_stats = if self.all {
            corpus_stats.clone()
        } else {
            stats(method, cand, nb, "queries")?
        };
        let a_max = corpus_stats.iter().map(|s| s.a).fold(f64::NEG_INFINITY, f64::max);
        let rerank = |ni: &[u32], di: &[f64], x: Stat| -> (Vec<(f64, u32)>, bool) {
            let mut scored: Vec<(f64, u32)> = ni
                .iter()
                .zip(di)
                .map(|(&j, &d)| (secondary::secondary(method, d, x, corpus_stats[j as usize]), j))
                .collect();
            scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            scored.truncate(k);
            let complete = ni.len() >= self.available;
            let (lb, slack) = secondary::lower_bound(method, di[di.len() - 1], x, a_max);
            let certified = complete || scored[k - 1].0 < lb - slack;
            (scored, certified)
        };
        let parts = map_chunks(self.ctl, "rerank", cand.rows, self.p.block_rows, |r| {
            Ok(r.map(|i| {
                let s = i * c0..(i + 1) * c0;
                rerank(&cand.indices[s.clone()], &cand.distances[s], query_stats[i])
            })
            .collect::<Vec<_>>())
        })?;
        let mut rows = Vec::with_capacity(cand.rows);
        let mut pending = Vec::new();
        for (i, (row, ok)) in parts.into_iter().flatten().enumerate() {
            rows.push(row);
            if !ok {
                pending.push(i);
            }
        }
        let widened_rows = pending.len();
        let mut c = c0;
        while !pending.is_empty() {
            self.ctl.checkpoint()?;
            c = (2 * c).min(self.available);
            let mut still = Vec::new();
            // bounded memory: at most WIDEN_BUDGET candidate entries per search
            for group in pending.chunks((WIDEN_BUDGET / c).max(1)) {
                let wide = candidates(self.corpus, self.queries, group, c, self.p.metric, self.ctl)?;
                for (t, &i) in group.iter().enumerate() {
                    let s = t * c..(t + 1) * c;
                    let (row, ok) = rerank(&wide.indices[s.clone()], &wide.distances[s], query_stats[i]);
                    rows[i] = row;
                    if !ok {
                        still.push(i);
                    }
                }
            }
            pending = still;
        }
        Ok(Ranked {
            rows,
            widened_rows,
            max_candidates: c,
        })
    }
}

#[cfg(test)]
mod tests;
