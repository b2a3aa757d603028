//! The separability dimension (Sutton, Zhou, Wang, Higham, Gorban, Bastounis, Tyukin 2024,
//! "Stealth edits for provably fixing or attacking large language models", `NeurIPS` 2024;
//! repository qinghua-zhou/stealth-edits, `util/measures.py` `calc_sep_intrinsic_dim`).
//!
//! A pair (x, y) is δ-separable when `⟨x − y, y⟩ ≥ δ` (x lies beyond the hyperplane through y
//! orthogonal to y, shifted by δ). With p(δ) the probability that an ordered pair of distinct
//! points is δ-separable, `n(δ) = −1 − log₂ p(δ)`: for the uniform distribution in the
//! n-dimensional unit ball, p(0) ≤ 2^−(n+1), so n(0) is a dimension. The points are centred
//! (column means) when `center` (the repository's default) and then scaled to unit norm when
//! `normalize` (the paper's features live on a sphere; then ⟨x − y, y⟩ = cos − 1 ∈ [−2, 0]).
//!
//! p(δ) is estimated from the Gram matrix: `⟨xᵢ − xⱼ, xⱼ⟩ = Gᵢⱼ − Gⱼⱼ` over all N(N − 1) ordered
//! pairs (the repository subtracts the N diagonal zeros from its count, which is the same for
//! δ ≤ 0; here the diagonal is excluded by index for every δ), or over `maxPairs` ordered pairs
//! drawn uniformly with replacement by a seeded `ChaCha8` generator when N(N − 1) > `maxPairs`.

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Element, Error, MatRef, Result};
use embgeo_knn::metric::dot;
use faer::{Accum, Mat};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Rows of the Gram tile (one GEMM row block).
const TILE_ROWS: usize = 128;
/// Columns of the Gram tile (a 128 × 2048 f64 tile is 2 MiB).
const TILE_COLS: usize = 2048;
/// Sampled pairs per parallel chunk (chunk c draws from the `ChaCha8` stream c).
const SAMPLE_CHUNK: usize = 1 << 16;

/// Options (camelCase from the binding; defaults = the repository's: δ = 0, centred).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// The thresholds δ (finite, at least one), in squared data units (of the unit rows
    /// under `normalize`). Default `[0]`.
    pub deltas: Vec<f64>,
    /// Evaluate every ordered pair while N(N − 1) ≤ `max_pairs`; else sample `max_pairs`
    /// ordered pairs. Default 10 000 000 (exact up to N = 3162).
    pub max_pairs: u64,
    /// Seed of the pair sample. Default 0.
    pub seed: u64,
    /// Subtract the column means first. Default `true`.
    pub center: bool,
    /// Scale each (centred) row to unit norm. Default `false`.
    pub normalize: bool,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            deltas: vec![0.0],
            max_pairs: 10_000_000,
            seed: 0,
            center: true,
            normalize: false,
        }
    }
}

/// The separability curve over the given thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct Separability {
    /// p(δ) for each δ of `params.deltas` (same order), in [0, 1].
    pub probability: Vec<f64>,
    /// n(δ) = −1 − log₂ p(δ) (+∞ where p = 0), in dimensions.
    pub dimension: Vec<f64>,
    /// Ordered pairs evaluated: N(N − 1), or `max_pairs` when sampled.
    pub pairs: u64,
    /// Whether the pairs were sampled.
    pub sampled: bool,
    /// N, the rows.
    pub rows: usize,
}

/// The separability dimension curve n(δ) of the rows of `x`.
///
/// # Shapes and types
/// `x`: N × d, f32 or f64, N ≥ 2. Computed on an f64 copy.
/// # Cost
/// Exact (N(N − 1) ≤ `max_pairs`): one Gram pass, N²·d multiply-adds in 128 × 2048 f64 GEMM
/// tiles, O(N²·log T) counting for T thresholds. Sampled: `max_pairs` dot products of d.
/// Extra memory: the prepared f64 copy (N·d·8 bytes) + one 2 MiB tile per worker.
/// # Determinism
/// Bit-identical for every `ctl.par` (integer counts; the sample depends on `seed` only).
/// # Errors
/// `Empty` (N < 2, no columns), `NonFinite`, `OutOfRange` (no δ, a non-finite δ,
/// `max_pairs` = 0), `Degenerate` (all prepared rows zero, or a zero row under `normalize`),
/// `Cancelled` (polled per tile or chunk of pairs).
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// stealth-edits `calc_sep_intrinsic_dim` (numpy transcription in
/// `scripts/reference/neighborhood.py`); fixtures `neighborhood/separability-*` at rtol 1e-10.
pub fn compute<T: Element>(x: MatRef<'_, T>, p: &Params, ctl: &Ctl<'_>) -> Result<Separability> {
    check(x, p)?;
    let (n, d) = (x.rows(), x.cols());
    let y = prepare(x, p)?;
    let norms2: Vec<f64> = y.chunks_exact(d).map(|r| dot(r, r)).collect();
    // thresholds ascending; count[q] = pairs whose value is ≥ exactly q + 1 … of them
    let mut order: Vec<usize> = (0..p.deltas.len()).collect();
    order.sort_by(|&a, &b| p.deltas[a].total_cmp(&p.deltas[b]));
    let sorted: Vec<f64> = order.iter().map(|&t| p.deltas[t]).collect();
    let all = (n as u64) * (n as u64 - 1);
    let sampled = all > p.max_pairs;
    let (hist, pairs) = if sampled {
        (sample(&y, d, &norms2, &sorted, p, ctl)?, p.max_pairs)
    } else {
        (exact(&y, d, &norms2, &sorted, ctl)?, all)
    };
    // pairs ≥ sorted[q] = Σ over histogram buckets c > q (a value passes the c smallest δ)
    let mut probability = vec![0.0; sorted.len()];
    let mut passing = 0u64;
    for q in (0..sorted.len()).rev() {
        passing += hist[q + 1];
        probability[order[q]] = passing as f64 / pairs as f64;
    }
    let dimension = probability.iter().map(|&pr| -1.0 - pr.log2()).collect();
    Ok(Separability {
        probability,
        dimension,
        pairs,
        sampled,
        rows: n,
    })
}

fn check<T: Element>(x: MatRef<'_, T>, p: &Params) -> Result<()> {
    x.require_cols("X", "the separability dimension")?;
    x.require_rows("X", 2, "the separability dimension")?;
    x.check_finite("X")?;
    if p.deltas.is_empty() {
        return Err(Error::OutOfRange {
            name: "deltas",
            expected: "a non-empty array of finite numbers".into(),
            actual: "[]".into(),
        });
    }
    if let Some(v) = p.deltas.iter().find(|v| !v.is_finite()) {
        return Err(Error::OutOfRange {
            name: "deltas",
            expected: "finite numbers".into(),
            actual: v.to_string(),
        });
    }
    if p.max_pairs == 0 {
        return Err(Error::OutOfRange {
            name: "maxPairs",
            expected: "an integer >= 1".into(),
            actual: "0".into(),
        });
    }
    Ok(())
}

/// The rows as f64, centred and normalised as asked (column means summed in row order).
fn prepare<T: Element>(x: MatRef<'_, T>, p: &Params) -> Result<Vec<f64>> {
    let (n, d) = (x.rows(), x.cols());
    let mut y: Vec<f64> = x.as_slice().iter().map(|v| v.to_f64()).collect();
    if p.center {
        let mut mean = vec![0.0f64; d];
        for r in y.chunks_exact(d) {
            for (m, v) in mean.iter_mut().zip(r) {
                *m += v;
            }
        }
        for m in &mut mean {
            *m /= n as f64;
        }
        for r in y.chunks_exact_mut(d) {
            for (v, m) in r.iter_mut().zip(&mean) {
                *v -= m;
            }
        }
    }
    if y.iter().all(|&v| v == 0.0) {
        return Err(Error::Degenerate(
            "all rows of X are equal (zero after centring); the separability dimension is undefined".into(),
        ));
    }
    if p.normalize {
        for (i, r) in y.chunks_exact_mut(d).enumerate() {
            let norm = dot(r, r).sqrt();
            if norm == 0.0 {
                return Err(Error::Degenerate(format!(
                    "row {i} of X is zero{}; normalize needs non-zero rows",
                    if p.center {
                        " after centring (it equals the mean)"
                    } else {
                        ""
                    }
                )));
            }
            for v in r {
                *v /= norm;
            }
        }
    }
    Ok(y)
}

/// Histogram over "how many of the sorted thresholds does the pair value reach" (T + 1 buckets).
fn bucket(sorted: &[f64], v: f64) -> usize {
    sorted.partition_point(|&delta| delta <= v)
}

/// Every ordered pair i ≠ j, from Gram tiles.
fn exact(y: &[f64], d: usize, norms2: &[f64], sorted: &[f64], ctl: &Ctl<'_>) -> Result<Vec<u64>> {
    let n = norms2.len();
    let all = faer::MatRef::from_row_major_slice(y, n, d);
    let parts = map_chunks(ctl, "pairs", n, TILE_ROWS, |rows| {
        let mut hist = vec![0u64; sorted.len() + 1];
        let left = all.subrows(rows.start, rows.len());
        let mut g = Mat::<f64>::zeros(rows.len(), TILE_COLS.min(n));
        for c0 in (0..n).step_by(TILE_COLS) {
            ctl.checkpoint()?;
            let cols = TILE_COLS.min(n - c0);
            let mut tile = g.as_mut().subcols_mut(0, cols);
            let right = all.subrows(c0, cols);
            faer::linalg::matmul::matmul(
                tile.as_mut(),
                Accum::Replace,
                left,
                right.transpose(),
                1.0,
                faer::Par::Seq,
            );
            for (r, i) in rows.clone().enumerate() {
                for c in 0..cols {
                    let j = c0 + c;
                    if j != i {
                        hist[bucket(sorted, tile[(r, c)] - norms2[j])] += 1;
                    }
                }
            }
        }
        Ok(hist)
    })?;
    Ok(sum_histograms(&parts, sorted.len() + 1))
}

/// `p.max_pairs` ordered pairs i ≠ j drawn uniformly with replacement.
fn sample(
    y: &[f64],
    d: usize,
    norms2: &[f64],
    sorted: &[f64],
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Vec<u64>> {
    let n = norms2.len();
    let m = usize::try_from(p.max_pairs).unwrap_or(usize::MAX);
    let parts = map_chunks(ctl, "pairs", m, SAMPLE_CHUNK, |range| {
        let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
        rng.set_stream((range.start / SAMPLE_CHUNK) as u64);
        let mut hist = vec![0u64; sorted.len() + 1];
        for _ in range {
            let i = rng.random_range(0..n);
            let mut j = rng.random_range(0..n - 1);
            if j >= i {
                j += 1;
            }
            let g = dot(&y[i * d..(i + 1) * d], &y[j * d..(j + 1) * d]);
            hist[bucket(sorted, g - norms2[j])] += 1;
        }
        Ok(hist)
    })?;
    Ok(sum_histograms(&parts, sorted.len() + 1))
}

fn sum_histograms(parts: &[Vec<u64>], len: usize) -> Vec<u64> {
    let mut out = vec![0u64; len];
    for h in parts {
        for (o, v) in out.iter_mut().zip(h) {
            *o += v;
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are what these tests check
mod tests {
    use super::*;

    fn data(n: usize, d: usize) -> Vec<f64> {
        (0..n * d)
            .map(|t| (t as f64 * 0.754_877_666).sin() * (1.0 + (t % d) as f64))
            .collect()
    }

    /// The definition, naively: every ordered pair, the dot products left to right.
    fn naive(y: &[f64], d: usize, delta: f64) -> f64 {
        let n = y.len() / d;
        let ip = |i: usize, j: usize| (0..d).map(|t| y[i * d + t] * y[j * d + t]).sum::<f64>();
        let mut c = 0;
        for i in 0..n {
            for j in 0..n {
                if i != j && ip(i, j) - ip(j, j) >= delta {
                    c += 1;
                }
            }
        }
        f64::from(c) / (n * (n - 1)) as f64
    }

    #[test]
    fn equals_the_naive_count_in_any_delta_order() {
        let x = data(300, 5);
        let m = MatRef::from_flat(&x, 5).unwrap();
        let p = Params {
            deltas: vec![0.5, -3.0, 0.0, -1.0],
            center: false,
            ..Params::default()
        };
        let r = compute(m, &p, &Ctl::detached()).unwrap();
        assert!(!r.sampled);
        assert_eq!(r.pairs, 300 * 299);
        for (t, &delta) in p.deltas.iter().enumerate() {
            assert_eq!(r.probability[t], naive(&x, 5, delta), "delta {delta}");
            assert_eq!(r.dimension[t], -1.0 - r.probability[t].log2());
        }
    }

    #[test]
    fn a_sample_is_seeded_and_near_the_exact_value() {
        let x = data(400, 6);
        let m = MatRef::from_flat(&x, 6).unwrap();
        let deltas = vec![-2.0, 0.0];
        let exact = compute(
            m,
            &Params {
                deltas: deltas.clone(),
                ..Params::default()
            },
            &Ctl::detached(),
        )
        .unwrap();
        let p = Params {
            deltas,
            max_pairs: 50_000,
            seed: 7,
            ..Params::default()
        };
        let a = compute(m, &p, &Ctl::detached()).unwrap();
        let b = compute(m, &p, &Ctl::detached().with_par(embgeo_core::Par::Seq)).unwrap();
        assert!(a.sampled);
        assert_eq!(a, b);
        for t in 0..2 {
            let (pe, ps) = (exact.probability[t], a.probability[t]);
            let sigma = (pe * (1.0 - pe) / 50_000.0).sqrt();
            assert!((ps - pe).abs() <= 5.0 * sigma, "{ps} vs {pe} ± {sigma}");
        }
        let other = compute(m, &Params { seed: 8, ..p }, &Ctl::detached()).unwrap();
        assert_ne!(other.probability, a.probability);
    }

    #[test]
    fn no_separable_pair_is_an_infinite_dimension() {
        let x = data(20, 3);
        let m = MatRef::from_flat(&x, 3).unwrap();
        let r = compute(
            m,
            &Params {
                deltas: vec![1e9],
                ..Params::default()
            },
            &Ctl::detached(),
        )
        .unwrap();
        assert_eq!(r.probability, vec![0.0]);
        assert_eq!(r.dimension, vec![f64::INFINITY]);
    }

    #[test]
    fn bad_input_gets_coded_errors() {
        let ctl = Ctl::detached();
        let same = vec![1.5; 12];
        let m = MatRef::from_flat(&same, 3).unwrap();
        assert_eq!(
            compute(m, &Params::default(), &ctl).unwrap_err().code(),
            "ERR_DEGENERATE"
        );
        let x = data(4, 3);
        let m = MatRef::from_flat(&x, 3).unwrap();
        for p in [
            Params {
                deltas: vec![],
                ..Params::default()
            },
            Params {
                deltas: vec![f64::NAN],
                ..Params::default()
            },
            Params {
                max_pairs: 0,
                ..Params::default()
            },
        ] {
            assert_eq!(compute(m, &p, &ctl).unwrap_err().code(), "ERR_OUT_OF_RANGE");
        }
        let one = data(1, 3);
        let m = MatRef::from_flat(&one, 3).unwrap();
        assert_eq!(
            compute(m, &Params::default(), &ctl).unwrap_err().code(),
            "ERR_EMPTY"
        );
    }
}
