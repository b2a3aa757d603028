//! Representational similarity analysis (Kriegeskorte, Mur and Bandettini 2008): the correlation
//! of the two representational dissimilarity vectors — the condensed pairwise distances
//! `d_A(i, j)`, `d_B(i, j)` over pairs i < j (scipy `pdist` order) — by Pearson or Spearman
//! (average ranks for ties, scipy `rankdata(method="average")`).
//!
//! Exact when `n(n − 1)/2 ≤ maxPairs`; otherwise `maxPairs` pairs (i ≠ j, drawn uniformly with
//! replacement from a seeded ChaCha8 stream) stand for all of them, the same pairs for A and B.

use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Pair, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// The dissimilarity between two rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Metric {
    /// `‖u − v‖₂` (from the differences, so identical rows are at exactly 0). Default.
    #[default]
    Euclidean,
    /// `1 − u·v / (‖u‖‖v‖)` (scipy's `cosine`); zero rows are an error.
    Cosine,
}

/// The correlation of the two dissimilarity vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Correlation {
    /// Pearson's r. Default.
    #[default]
    Pearson,
    /// Spearman's ρ (Pearson on average ranks).
    Spearman,
}

/// Options of [`compute`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Dissimilarity. Default euclidean.
    pub metric: Metric,
    /// Correlation. Default pearson.
    pub correlation: Correlation,
    /// Largest number of pairs used (all pairs when n(n − 1)/2 fits); ≥ 2. Default 1,000,000.
    pub max_pairs: usize,
    /// Seed of the pair sample. Default 0.
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            metric: Metric::Euclidean,
            correlation: Correlation::Pearson,
            max_pairs: 1_000_000,
            seed: 0,
        }
    }
}

/// An RSA value.
#[derive(Debug, Clone, PartialEq)]
pub struct Rsa {
    /// The correlation, in [−1, 1].
    pub value: f64,
    /// Pairs used.
    pub pairs: usize,
    /// `true` when the pairs were sampled.
    pub sampled: bool,
}

/// Pairs per parallel chunk.
const PAIR_CHUNK: usize = 1 << 14;

fn dist<T: Element>(x: MatRef<'_, T>, norms: &[f64], metric: Metric, i: usize, j: usize) -> f64 {
    let (u, v) = (x.row(i), x.row(j));
    match metric {
        Metric::Euclidean => u
            .iter()
            .zip(v)
            .map(|(a, b)| (a.to_f64() - b.to_f64()).powi(2))
            .sum::<f64>()
            .sqrt(),
        Metric::Cosine => {
            let dot: f64 = u.iter().zip(v).map(|(a, b)| a.to_f64() * b.to_f64()).sum();
            1.0 - dot / (norms[i] * norms[j])
        }
    }
}

/// Row norms for the cosine metric (empty for euclidean); a zero row is `Degenerate`.
fn norms<T: Element>(x: MatRef<'_, T>, metric: Metric, what: &str) -> Result<Vec<f64>> {
    if metric != Metric::Cosine {
        return Ok(Vec::new());
    }
    (0..x.rows())
        .map(|i| {
            let s = x.row(i).iter().map(|v| v.to_f64().powi(2)).sum::<f64>().sqrt();
            if s == 0.0 {
                Err(Error::Degenerate(format!(
                    "row {i} of {what} is all zeros: its cosine distance is undefined; use metric 'euclidean' or drop the row"
                )))
            } else {
                Ok(s)
            }
        })
        .collect()
}

/// The pair `t` of the condensed order (i < j) of n items.
fn condensed(t: usize, n: usize) -> (usize, usize) {
    // Row i starts at i·n − i(i + 1)/2; solve for the last start ≤ t, then fix rounding.
    let nf = n as f64;
    let tf = t as f64;
    let mut i =
        ((2.0 * nf - 1.0 - ((2.0 * nf - 1.0).powi(2) - 8.0 * tf).max(0.0).sqrt()) / 2.0).floor() as usize;
    let start = |i: usize| i * n - i * (i + 1) / 2;
    while i > 0 && start(i) > t {
        i -= 1;
    }
    while i + 1 < n && start(i + 1) <= t {
        i += 1;
    }
    (i, i + 1 + t - start(i))
}

/// Pearson's r of two equally long vectors (two passes, sums in order); `None` when either is
/// constant.
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (da, db) = (a - mx, b - my);
        sxy += da * db;
        sxx += da * da;
        syy += db * db;
    }
    (sxx > 0.0 && syy > 0.0).then(|| (sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

/// 1-based ranks, ties given their average rank (scipy `rankdata(method="average")`).
#[must_use]
pub fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let mut ranks = vec![0.0; x.len()];
    let mut s = 0;
    while s < order.len() {
        let mut e = s + 1;
        while e < order.len() && x[order[e]].total_cmp(&x[order[s]]).is_eq() {
            e += 1;
        }
        let r = (s + e + 1) as f64 / 2.0;
        for &k in &order[s..e] {
            ranks[k] = r;
        }
        s = e;
    }
    ranks
}

/// RSA of two representations of the same items.
///
/// # Shapes and types
/// `a`: n × d₁, `b`: n × d₂, f32 or f64 (distances in f64); n ≥ 3 (two pairs at least).
/// # Cost
/// P = min(n(n − 1)/2, maxPairs) pairs: O(P·(d₁ + d₂)) for the distances, O(P log P) more for
/// Spearman. Extra memory 2P f64 (plus 2P f64 of ranks and P indices for Spearman, 2P u32 for a
/// sample).
/// # Determinism
/// Bit-identical for every `ctl.par`; the sample depends only on `(n, maxPairs, seed)`.
/// # Errors
/// `Shape`, `Empty` (n < 3), `NonFinite`, `OutOfRange` (maxPairs < 2), `Degenerate` (a zero row
/// under cosine; all distances of one set equal), `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// scipy `pdist` + `pearsonr` / `spearmanr`; parity fixtures `compare/rsa-*` at rtol 1e-10.
pub fn compute<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params, ctl: &Ctl<'_>) -> Result<Rsa> {
    let Pair { a, b } = x;
    if p.max_pairs < 2 {
        return Err(Error::OutOfRange {
            name: "maxPairs",
            expected: "an integer >= 2".into(),
            actual: p.max_pairs.to_string(),
        });
    }
    x.check(3, "RSA")?;
    let n = a.rows();
    let (na, nb) = (norms(a, p.metric, "A")?, norms(b, p.metric, "B")?);
    let all = n * (n - 1) / 2;
    let sampled = all > p.max_pairs;
    let pairs: Vec<(u32, u32)> = if sampled {
        let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
        (0..p.max_pairs)
            .map(|_| {
                let i = rng.random_range(0..n);
                let mut j = rng.random_range(0..n - 1);
                if j >= i {
                    j += 1;
                }
                (i.min(j) as u32, i.max(j) as u32)
            })
            .collect()
    } else {
        Vec::new()
    };
    let count = if sampled { pairs.len() } else { all };
    let parts = map_chunks(ctl, "rsa-pairs", count, PAIR_CHUNK, |r| {
        let mut da = Vec::with_capacity(r.len());
        let mut db = Vec::with_capacity(r.len());
        let (mut i, mut j) = if sampled { (0, 0) } else { condensed(r.start, n) };
        for t in r {
            if sampled {
                (i, j) = (pairs[t].0 as usize, pairs[t].1 as usize);
            }
            da.push(dist(a, &na, p.metric, i, j));
            db.push(dist(b, &nb, p.metric, i, j));
            if !sampled {
                j += 1;
                if j == n {
                    i += 1;
                    j = i + 1;
                }
            }
        }
        Ok((da, db))
    })?;
    let (mut da, mut db) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for (x, y) in parts {
        da.extend(x);
        db.extend(y);
    }
    ctl.checkpoint()?;
    let value = match p.correlation {
        Correlation::Pearson => pearson(&da, &db),
        Correlation::Spearman => pearson(&average_ranks(&da), &average_ranks(&db)),
    }
    .ok_or_else(|| {
        Error::Degenerate(
            "all pairwise distances of A (or of B) are equal: their correlation is undefined".into(),
        )
    })?;
    Ok(Rsa {
        value,
        pairs: count,
        sampled,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::{householder, random};

    fn rsa(a: &[f64], d1: usize, b: &[f64], d2: usize, p: &Params) -> Result<Rsa> {
        let n = a.len() / d1;
        compute(
            Pair::new(MatRef::new(a, n, d1).unwrap(), MatRef::new(b, n, d2).unwrap()),
            p,
            &Ctl::detached(),
        )
    }

    #[test]
    fn condensed_order_is_scipys() {
        let n = 5;
        let mut t = 0;
        for i in 0..n {
            for j in i + 1..n {
                assert_eq!(condensed(t, n), (i, j), "t = {t}");
                t += 1;
            }
        }
    }

    #[test]
    fn ranks_average_ties() {
        assert_eq!(average_ranks(&[3.0, 1.0, 3.0, 2.0]), vec![3.5, 1.0, 3.5, 2.0]);
    }

    #[test]
    fn rotated_copies_correlate_perfectly() {
        let x = random(40, 5, 1);
        let xq = householder(&x, 5, 2);
        for correlation in [Correlation::Pearson, Correlation::Spearman] {
            for metric in [Metric::Euclidean, Metric::Cosine] {
                let p = Params {
                    metric,
                    correlation,
                    ..Params::default()
                };
                let r = rsa(&x, 5, &xq, 5, &p).unwrap();
                assert!(
                    (r.value - 1.0).abs() < 1e-12,
                    "{metric:?} {correlation:?}: {}",
                    r.value
                );
                assert_eq!((r.pairs, r.sampled), (780, false));
            }
        }
    }

    #[test]
    fn sampled_pairs_are_seeded_and_close_to_exact() {
        let x = random(300, 4, 3);
        let y: Vec<f64> = x.iter().zip(random(300, 4, 4)).map(|(a, b)| a + b).collect();
        let exact = rsa(&x, 4, &y, 4, &Params::default()).unwrap();
        let p = Params {
            max_pairs: 5000,
            seed: 9,
            ..Params::default()
        };
        let s = rsa(&x, 4, &y, 4, &p).unwrap();
        assert_eq!(s, rsa(&x, 4, &y, 4, &p).unwrap());
        assert!(s.sampled && s.pairs == 5000);
        assert!(
            (s.value - exact.value).abs() < 0.05,
            "{} vs {}",
            s.value,
            exact.value
        );
    }

    #[test]
    fn degenerate_inputs_are_coded() {
        let x = random(10, 3, 5);
        let mut z = random(10, 3, 6);
        z[3..6].fill(0.0);
        let cos = Params {
            metric: Metric::Cosine,
            ..Params::default()
        };
        assert_eq!(rsa(&x, 3, &z, 3, &cos).unwrap_err().code(), "ERR_DEGENERATE");
        let flat = vec![1.0; 30];
        assert_eq!(
            rsa(&x, 3, &flat, 3, &Params::default()).unwrap_err().code(),
            "ERR_DEGENERATE"
        );
        let p = Params {
            max_pairs: 1,
            ..Params::default()
        };
        assert_eq!(rsa(&x, 3, &x, 3, &p).unwrap_err().code(), "ERR_OUT_OF_RANGE");
    }

    #[test]
    fn parity_with_the_reference_fixtures() {
        crate::testdata::parity_of!("rsa", Params, compute);
    }
}
