//! Per-query difficulty of a query set against a corpus, for nearest-neighbour search:
//!
//! - **query LID**: the Levina–Bickel MLE of the query's `k` nearest corpus distances,
//!   `(k − 1) / Σ_{j<k} ln(r_k / r_j)`, scikit-dimension's `MLE` convention as
//!   `embgeo_intdim::mle` computes it (a zero distance gives 0, the reference's `ln(r/0) = ∞`);
//! - **relative contrast** at k (He, Kumar & Chang, "On the difficulty of nearest neighbor
//!   search", ICML 2012; at k as Aumüller & Ceccarello, "The role of local intrinsic
//!   dimensionality in benchmarking nearest neighbor search", SISAP 2019):
//!   `mean_j d(q, x_j) / r_k` over all n corpus rows (`+∞` when `r_k = 0`);
//! - **expansion** (Aumüller & Ceccarello 2019): `r_{2k} / r_k` (NaN when both are 0, `+∞`
//!   when only `r_k` is).
//!
//! Low LID, high relative contrast and high expansion mean an easy query.

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};
use embgeo_intdim::mle;
use embgeo_intdim::{Aggregate, Duplicates};
use embgeo_knn::metric::{cosine_from_norms, dot, exact_key};
use embgeo_knn::Metric;

/// Options of [`compute`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Neighbours of the LID and the contrast; expansion uses 2k (20, scikit-dimension MLE's k).
    pub k: usize,
    /// Distance: 'euclidean', 'sqeuclidean' or 'cosine' (euclidean).
    pub metric: Metric,
    /// Query rows per block of the mean-distance pass (64).
    pub block_rows: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            k: 20,
            metric: Metric::Euclidean,
            block_rows: 64,
        }
    }
}

/// Per-query difficulty (`q` values each).
#[derive(Debug, Clone, PartialEq)]
pub struct Difficulty {
    /// Query LID (MLE), in dimensions.
    pub lid: Vec<f64>,
    /// Mean distance to the corpus over the k-th neighbour distance.
    pub relative_contrast: Vec<f64>,
    /// `r_{2k} / r_k`.
    pub expansion: Vec<f64>,
    /// Mean distance of each query to the whole corpus (metric units).
    pub mean_distance: Vec<f64>,
}

/// Mean distance of `x` to every corpus row (index-order f64 sum).
fn mean_distance<T: Element>(corpus: MatRef<'_, T>, sq: &[f64], x: &[T], metric: Metric) -> f64 {
    let xx = dot(x, x);
    let mut s = 0.0f64;
    for j in 0..corpus.rows() {
        let y = corpus.row(j);
        s += match metric {
            Metric::Cosine => cosine_from_norms(x, y, xx, sq.get(j).copied().unwrap_or(0.0)),
            Metric::Euclidean => exact_key(metric, x, y).sqrt(),
            _ => exact_key(metric, x, y),
        };
    }
    s / corpus.rows() as f64
}

/// Query LID, relative contrast and expansion of every query row against the corpus.
///
/// # Shapes and types
/// `corpus`: n × d, `queries`: q × d, same d and element type (f32 or f64); q ≥ 1, 2k ≤ n.
/// Returns [`Difficulty`] with q f64 values per measure.
/// # Cost
/// One exact kNN search with 2k neighbours (`embgeo_knn::search`, GEMM-tiled) plus one blocked
/// f64 pass over all q·n pairs for the mean distance: O(q·n·d) time. Extra memory: the kNN
/// result (q·2k·12 bytes), n f64 squared norms under cosine, 4q f64 outputs.
/// # Determinism
/// Bit-identical for every `ctl.par` (exact kNN, per-query sums in index order).
/// # Errors
/// `Empty` (no corpus or query rows), `Shape`, `NonFinite`, `OutOfRange` (k < 2, blockRows 0),
/// `KTooLarge` (2k > n), `InvalidValue` (metric 'dot': distances must be ≥ 0), `Degenerate`
/// (a query's k nearest distances all 0 or all equal; zero row under cosine), `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// numpy from the papers' formulas and scikit-dimension 0.5.0 `MLE` pointwise
/// (`scripts/reference/search.py`); fixtures `search/difficulty-*` at 1e-10.
pub fn compute<T: Element>(
    corpus: MatRef<'_, T>,
    queries: MatRef<'_, T>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Difficulty> {
    if p.metric == Metric::Dot {
        return Err(Error::InvalidValue {
            name: "metric",
            expected: "'euclidean', 'sqeuclidean' or 'cosine' (contrast and expansion need distances ≥ 0)"
                .into(),
            actual: "dot".into(),
        });
    }
    Error::require_at_least_one("blockRows", p.block_rows)?;
    if p.k < 2 {
        return Err(Error::OutOfRange {
            name: "k",
            expected: "an integer >= 2 (the MLE needs two distances)".into(),
            actual: p.k.to_string(),
        });
    }
    corpus.require_rows("corpus", 1, "queryDifficulty")?;
    queries.require_rows("queries", 1, "queryDifficulty")?;
    let (n, k) = (corpus.rows(), p.k);
    if 2 * k > n {
        return Err(Error::KTooLarge {
            k: 2 * k,
            available: n,
            why: format!(
                "expansion needs the 2k = {} nearest of the corpus's {n} rows",
                2 * k
            ),
        });
    }
    let nb = embgeo_knn::search(corpus, queries, &embgeo_knn::Params::new(2 * k, p.metric), ctl)?;
    let q = nb.rows;
    // `mle::pointwise` wants two rows or more (its global estimate does); pointwise values are
    // per row, so a single query is passed twice and the copy dropped.
    let rows: Vec<usize> = if q == 1 { vec![0, 0] } else { (0..q).collect() };
    let first_k = Neighbors {
        k,
        rows: rows.len(),
        indices: rows
            .iter()
            .flat_map(|&i| nb.indices[i * 2 * k..i * 2 * k + k].iter().copied())
            .collect(),
        distances: rows
            .iter()
            .flat_map(|&i| nb.distances[i * 2 * k..i * 2 * k + k].iter().copied())
            .collect(),
    };
    let mle_params = mle::Params {
        k,
        duplicates: Duplicates::Keep,
        // only the pointwise values are used; the mean aggregate accepts their zeros
        aggregate: Aggregate::Mean,
        ..mle::Params::default()
    };
    let mut lid = mle::pointwise(&first_k, &mle_params, ctl)?;
    lid.truncate(q);
    let sq: Vec<f64> = if p.metric == Metric::Cosine {
        (0..n).map(|j| dot(corpus.row(j), corpus.row(j))).collect()
    } else {
        Vec::new()
    };
    let means = map_chunks(ctl, "mean distance", q, p.block_rows, |r| {
        Ok(r.map(|i| mean_distance(corpus, &sq, queries.row(i), p.metric))
            .collect::<Vec<_>>())
    })?;
    let mean_distance: Vec<f64> = means.into_iter().flatten().collect();
    let rk = |i: usize| nb.distances[i * 2 * k + k - 1];
    let relative_contrast = (0..q).map(|i| mean_distance[i] / rk(i)).collect();
    let expansion = (0..q)
        .map(|i| nb.distances[i * 2 * k + 2 * k - 1] / rk(i))
        .collect();
    Ok(Difficulty {
        lid,
        relative_contrast,
        expansion,
        mean_distance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use embgeo_core::Par;

    fn grid(n: usize) -> Vec<f64> {
        (0..n).flat_map(|i| [i as f64, (i * i % 7) as f64]).collect()
    }

    #[test]
    fn measures_follow_their_definitions() {
        let x = grid(40);
        let c = MatRef::from_flat(&x, 2).unwrap();
        let qd = [0.5, 0.25, 10.0, 3.0];
        let q = MatRef::from_flat(&qd, 2).unwrap();
        let p = Params {
            k: 3,
            ..Params::default()
        };
        let r = compute(c, q, &p, &Ctl::detached()).unwrap();
        for (i, qr) in qd.chunks(2).enumerate() {
            let mut d: Vec<f64> = x
                .chunks(2)
                .map(|y| ((y[0] - qr[0]).powi(2) + (y[1] - qr[1]).powi(2)).sqrt())
                .collect();
            let mean = d.iter().sum::<f64>() / 40.0;
            d.sort_by(f64::total_cmp);
            let lid = 2.0 / (0..3).map(|j| (d[2] / d[j]).ln()).sum::<f64>();
            assert!((r.lid[i] - lid).abs() < 1e-12 * lid);
            assert!((r.relative_contrast[i] - mean / d[2]).abs() < 1e-12 * mean / d[2]);
            assert!((r.expansion[i] - d[5] / d[2]).abs() < 1e-15);
        }
    }

    #[test]
    fn a_single_query_works() {
        let x = grid(40);
        let c = MatRef::from_flat(&x, 2).unwrap();
        let q = MatRef::from_flat(&x[6..8], 2).unwrap();
        let r = compute(
            c,
            q,
            &Params {
                k: 3,
                ..Params::default()
            },
            &Ctl::detached(),
        )
        .unwrap();
        assert_eq!((r.lid.len(), r.expansion.len()), (1, 1));
    }

    #[test]
    fn identical_for_every_thread_count() {
        // shifted off the origin: no zero row under cosine
        let x: Vec<f64> = grid(500).iter().map(|v| v + 1.0).collect();
        let c = MatRef::from_flat(&x, 2).unwrap();
        let q = MatRef::from_flat(&x[..200], 2).unwrap();
        let p = Params {
            k: 4,
            metric: Metric::Cosine,
            block_rows: 7,
        };
        let seq = compute(c, q, &p, &Ctl::detached().with_par(Par::Seq)).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
        let par = pool.install(|| compute(c, q, &p, &Ctl::detached()).unwrap());
        assert_eq!(seq, par);
    }

    #[test]
    fn bad_input_gets_its_code() {
        let x = grid(10);
        let c = MatRef::from_flat(&x, 2).unwrap();
        let run = |p: Params| compute(c, c, &p, &Ctl::detached()).unwrap_err().code();
        assert_eq!(
            run(Params {
                k: 6,
                ..Params::default()
            }),
            "ERR_K_TOO_LARGE"
        );
        assert_eq!(
            run(Params {
                k: 1,
                ..Params::default()
            }),
            "ERR_OUT_OF_RANGE"
        );
        assert_eq!(
            run(Params {
                k: 2,
                metric: Metric::Dot,
                ..Params::default()
            }),
            "ERR_INVALID_ARG_VALUE"
        );
        let w = [1.0, 2.0, 3.0];
        let q = MatRef::from_flat(&w, 3).unwrap();
        assert_eq!(
            compute(
                c,
                q,
                &Params {
                    k: 2,
                    ..Params::default()
                },
                &Ctl::detached()
            )
            .unwrap_err()
            .code(),
            "ERR_SHAPE"
        );
    }
}
