//! ESS, expected simplex skewness (Johnsson, Soneson, Fontes, IEEE TPAMI 2015): the mean
//! volume of simplices spanned by centred neighbour vectors relative to the product of their
//! lengths, inverted through its expected value for uniformly distributed points in n
//! dimensions.
//!
//! Deterministic while C(k, d+1) ≤ 5000 (all groups, e.g. k = 100, d = 1); otherwise 5000
//! groups are drawn with a seeded ChaCha8 generator (the reference uses numpy's PCG64, so only
//! statistical agreement is possible there).

use std::collections::HashSet;

use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

use crate::common::{
    check_cols, check_x, map_rows, out_of_range, require_k, scaled_estimator, Aggregate, IdEstimate,
};
use crate::linalg::gram_seq;
use embgeo_knn::metric::dot;

/// Skewness measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Version {
    /// Volume-based (any d).
    A,
    /// Projection-based (d = 1 only).
    B,
}

/// ESS parameters; `Default` = scikit-dimension 0.5.0 `ESS().fit(X)` (ver 'a', d = 1, k = 100).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Version ('a').
    pub version: Version,
    /// Simplex dimension d (1): groups of d + 1 vectors.
    pub d: usize,
    /// Neighbours per point (100).
    pub k: usize,
    /// Aggregation (mean).
    pub aggregate: Aggregate,
    /// Seed of the group sampler when C(k, d+1) > 5000.
    pub seed: u64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            version: Version::A,
            d: 1,
            k: 100,
            aggregate: Aggregate::Mean,
            seed: 0,
        }
    }
}

const MAX_GROUPS: u64 = 5000;

fn binom(n: usize, k: usize) -> u64 {
    let mut r: u128 = 1;
    for i in 0..k {
        r = r * (n - i) as u128 / (i + 1) as u128;
        if r > u128::from(u64::MAX) {
            return u64::MAX;
        }
    }
    r as u64
}

/// Determinant of a small symmetric positive semi-definite matrix (Gaussian elimination with
/// partial pivoting), row-major p × p.
fn det(mut a: Vec<f64>, p: usize) -> f64 {
    let mut d = 1.0;
    for c in 0..p {
        let piv = (c..p)
            .max_by(|&i, &j| a[i * p + c].abs().total_cmp(&a[j * p + c].abs()))
            .unwrap_or(c);
        if a[piv * p + c] == 0.0 {
            return 0.0;
        }
        if piv != c {
            for j in 0..p {
                a.swap(c * p + j, piv * p + j);
            }
            d = -d;
        }
        d *= a[c * p + c];
        for i in c + 1..p {
            let f = a[i * p + c] / a[c * p + c];
            for j in c..p {
                a[i * p + j] -= f * a[c * p + j];
            }
        }
    }
    d
}

/// Inner products of a patch's centred vectors (row-major `m × D`).
///
/// When every group is enumerated (at most [`MAX_GROUPS`] groups, so `m` is small: ≤ 100 for
/// d = 1) all `m²` products come from one GEMM (`m²·D` multiply-adds, `m²` f64), which every
/// group then reads; otherwise (sampled groups, `m` possibly large) each product is a dot
/// product of two rows on demand (`embgeo_knn::metric::dot`: `D` multiply-adds, no memory).
struct Dots<'a> {
    v: &'a [f64],
    d: usize,
    /// `m × m` row-major Gram matrix, when precomputed.
    gram: Option<(Vec<f64>, usize)>,
}

impl<'a> Dots<'a> {
    fn new(v: &'a [f64], d: usize, all_groups: bool) -> Self {
        let m = v.len() / d.max(1);
        let gram = all_groups.then(|| {
            // sequential: the products, and so the value, do not depend on the pool
            let g = gram_seq(faer::MatRef::from_row_major_slice(v, m, d));
            let mut out = vec![0.0; m * m];
            for i in 0..m {
                for j in 0..m {
                    // symmetric by construction: take one triangle for both
                    out[i * m + j] = if j <= i { g[(i, j)] } else { g[(j, i)] };
                }
            }
            (out, m)
        });
        Self { v, d, gram }
    }

    /// `⟨v_a, v_b⟩` (the same value for `(a, b)` and `(b, a)`).
    fn get(&self, a: usize, b: usize) -> f64 {
        if let Some((g, m)) = &self.gram {
            return g[a * m + b];
        }
        let (a, b) = (a.min(b), a.max(b));
        let row = |i: usize| &self.v[i * self.d..(i + 1) * self.d];
        dot(row(a), row(b))
    }
}

/// The skewness value of one neighbourhood: its centred vectors `v` (row-major `m × D`).
fn essval(v: &[f64], dcols: usize, p: &Params, row: usize) -> f64 {
    let m = v.len() / dcols;
    let q = p.d + 1;
    let all = binom(m, q) <= MAX_GROUPS;
    let dots = Dots::new(v, dcols, all);
    let lens: Vec<f64> = (0..m).map(|i| dots.get(i, i).sqrt()).collect();
    let dot = |a: usize, b: usize| dots.get(a, b);
    let mut num = 0.0;
    let mut den = 0.0;
    let mut eval = |g: &[usize]| {
        den += g.iter().map(|&i| lens[i]).product::<f64>();
        match p.version {
            Version::A => {
                let vol = if q == 2 {
                    let (a, b) = (g[0], g[1]);
                    dot(a, a) * dot(b, b) - dot(a, b) * dot(b, a)
                } else {
                    let mut gm = vec![0.0; q * q];
                    for (r, &i) in g.iter().enumerate() {
                        for (c, &j) in g.iter().enumerate() {
                            gm[r * q + c] = dot(i, j);
                        }
                    }
                    det(gm, q)
                };
                num += vol.abs().sqrt();
            }
            Version::B => num += dot(g[0], g[1]).abs(),
        }
    };
    if all {
        let mut g: Vec<usize> = (0..q).collect();
        loop {
            eval(&g);
            // next combination in lexicographic order
            let mut i = q;
            while i > 0 && g[i - 1] == m - q + i - 1 {
                i -= 1;
            }
            if i == 0 {
                break;
            }
            g[i - 1] += 1;
            for j in i..q {
                g[j] = g[j - 1] + 1;
            }
        }
    } else {
        let mut rng = ChaCha8Rng::seed_from_u64(p.seed ^ (row as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut seen = HashSet::new();
        while (seen.len() as u64) < MAX_GROUPS {
            let mut g: Vec<usize> = Vec::with_capacity(q);
            while g.len() < q {
                let c = rng.random_range(0..m);
                if !g.contains(&c) {
                    g.push(c);
                }
            }
            g.sort_unstable();
            if seen.insert(g.clone()) {
                eval(&g);
            }
        }
    }
    num / den
}

/// For each chain `(start, c₀)`, set `out[j − 1] = c` for j = start, start + 2, … ≤ `out.len()`,
/// where `c` starts at `c₀` and is multiplied by `ratio(j)` after each store (the reference's
/// cumulative products over one parity of n). O(`out.len()`) time, no allocation.
fn alternating_products(out: &mut [f64], chains: [(usize, f64); 2], ratio: impl Fn(usize) -> f64) {
    for (start, c0) in chains {
        let mut c = c0;
        let mut j = start;
        while j <= out.len() {
            out[j - 1] = c;
            c *= ratio(j);
            j += 2;
        }
    }
}

/// Reference curve ESS(n), n = 1..=maxdim, ported from the reference's cumulative products.
fn reference(maxdim: usize, p: &Params) -> Vec<f64> {
    use statrs::function::gamma::gamma;
    let d = p.d;
    let mut out = vec![0.0; maxdim];
    match p.version {
        Version::A => {
            let mut f1 = vec![f64::NAN; maxdim];
            let chains = [(1, gamma(0.5) / gamma(1.0)), (2, gamma(1.0) / gamma(1.5))];
            alternating_products(&mut f1, chains, |j| j as f64 / (j + 1) as f64);
            let mut f2 = vec![0.0; maxdim];
            let chains = [
                (d + 1, gamma(f64::midpoint(d as f64, 1.0)) / gamma(0.5)),
                (d + 2, gamma(f64::midpoint(d as f64, 2.0)) / gamma(1.0)),
            ];
            alternating_products(&mut f2, chains, |j| j as f64 / (j - d) as f64);
            for n in 0..maxdim {
                out[n] = f1[n].powi(d as i32) * f2[n];
            }
        }
        Version::B => {
            let mut id = vec![f64::NAN; maxdim];
            let chains = [(1, gamma(1.5) / gamma(1.0)), (2, gamma(2.0) / gamma(1.5))];
            alternating_products(&mut id, chains, |j| (j + 2) as f64 / (j + 1) as f64);
            for n in 0..maxdim {
                out[n] = id[n] * 2.0 / std::f64::consts::PI.sqrt() / (n + 1) as f64;
            }
        }
    }
    out
}

/// Invert the reference curve (bisection table search + linear interpolation).
fn invert(ess: f64, p: &Params) -> Result<f64> {
    if !ess.is_finite() {
        return Err(Error::Degenerate(
            "ESS: the skewness is undefined (all neighbour vectors are zero)".into(),
        ));
    }
    let mut mindim = 1usize;
    let mut maxdim = 20usize;
    let mut table = reference(maxdim, p);
    while (p.version == Version::A && ess > table[maxdim - 1])
        || (p.version == Version::B && ess < table[maxdim - 1])
    {
        mindim = maxdim + 1;
        maxdim = 2 * (maxdim - 1);
        if maxdim > 1 << 20 {
            return Err(Error::Degenerate(format!(
                "ESS: skewness {ess} is beyond the reference curve"
            )));
        }
        table = reference(maxdim, p);
    }
    let seg = &table[mindim - 1..maxdim];
    let i = match p.version {
        Version::A => seg.partition_point(|&v| v <= ess),
        Version::B => {
            seg.len()
                - seg
                    .iter()
                    .rev()
                    .collect::<Vec<_>>()
                    .partition_point(|&&v| v <= ess)
        }
    };
    let n0 = mindim + i - 1;
    if n0 < 1 || n0 >= maxdim {
        return Err(Error::Degenerate(format!(
            "ESS: skewness {ess} is outside the tabulated range"
        )));
    }
    let (a, b) = (table[n0 - 1], table[n0]);
    Ok(n0 as f64 + (ess - a) / (b - a))
}

fn check(p: &Params, cols: usize) -> Result<()> {
    if p.d < 1 {
        return Err(out_of_range("d", "an integer >= 1", p.d));
    }
    if p.version == Version::B && p.d != 1 {
        return Err(out_of_range("d", "1 for version 'b'", p.d));
    }
    let _ = cols;
    Ok(())
}

/// (dimension, skewness) of one patch: the rows of `x` listed in `rows` (or all).
fn patch<T: Element>(x: &MatRef<'_, T>, rows: Option<&[u32]>, p: &Params, row: usize) -> Result<(f64, f64)> {
    let dcols = x.cols();
    if p.d + 1 > dcols {
        let e = if p.version == Version::A { 0.0 } else { 1.0 };
        return Ok((invert(e, p)?, e));
    }
    let n = rows.map_or(x.rows(), <[u32]>::len);
    let get = |i: usize| x.row(rows.map_or(i, |r| r[i] as usize));
    let mut mean = vec![0.0; dcols];
    for i in 0..n {
        for (m, v) in mean.iter_mut().zip(get(i)) {
            *m += v.to_f64();
        }
    }
    for m in &mut mean {
        *m /= n as f64;
    }
    let mut v = Vec::with_capacity(n * dcols);
    for i in 0..n {
        v.extend(get(i).iter().zip(&mean).map(|(a, m)| a.to_f64() - m));
    }
    let e = essval(&v, dcols, p, row);
    Ok((invert(e, p)?, e))
}

/// ESS on a single patch (scikit-dimension `ESS().fit_once(X)`): returns an estimate whose
/// diagnostic `essval` holds the skewness.
///
/// # Shapes and types
/// `x`: n × D patch, n ≥ d + 1, D ≥ 2.
/// # Cost
/// With every group enumerated (C(n, d+1) ≤ 5000): one n × n Gram matrix (n²·D multiply-adds,
/// n² f64) plus O(C(n, d+1)·(d+1)³); with 5000 sampled groups: O(5000·(d+1)²·D), no n × n
/// buffer. O(n·D) for the centred copy.
/// # Determinism
/// Pure function of input and `p.seed`.
/// # Errors
/// `Empty`, `NonFinite`, `OutOfRange`, `Degenerate` (zero vectors).
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `ESS.fit_once`.
pub fn fit_once<T: Element>(x: MatRef<'_, T>, p: &Params) -> Result<IdEstimate> {
    check(p, x.cols())?;
    x.require_rows("X", p.d + 1, "ESS")?;
    check_cols(&x, "ESS")?;
    x.check_finite("X")?;
    let (d, e) = patch(&x, None, p, 0)?;
    let mut est = IdEstimate::new("ess", d, x.rows(), params_json(p));
    est.diagnostics.push(("essval".into(), vec![e]));
    Ok(est)
}

fn params_json(p: &Params) -> serde_json::Value {
    json!({"version": if p.version == Version::A {"a"} else {"b"}, "d": p.d, "k": p.k,
           "aggregate": p.aggregate.as_str(), "seed": p.seed})
}

scaled_estimator! {
    /// Pointwise ESS on each point's `k` nearest neighbours (the point itself excluded), aggregated.
    ///
    /// Duplicates need no policy: zero vectors have zero length and weight, and a fully
    /// degenerate neighbourhood is an error.
    ///
    /// # Shapes and types
    /// `x`: N × D; `nb`: N × k₀ with k₀ ≥ k ≥ d + 1. Diagnostic `essval` (N values).
    /// # Cost
    /// Per point as [`fit_once`] on k rows: k²·D multiply-adds (one GEMM) + O(C(k, d+1)·(d+1)³)
    /// when every group is enumerated (the default d = 1, k = 100: 4,950 pairs), else
    /// O(5000·(d+1)²·D). Memory per worker O(k·D + k²).
    /// # Determinism
    /// Bit-identical for every `ctl.par` (per-row seeds derived from `p.seed`).
    /// # Errors
    /// `Shape`, `Empty`, `NonFinite`, `KTooLarge`, `OutOfRange`, `Degenerate`, `Cancelled`.
    /// # Panics
    /// Never.
    /// # Reference
    /// scikit-dimension 0.5.0 `skdim.id.ESS`; fixtures `intdim/fx*.json` at 1e-9 (k = 20).
    pub fn estimate -> IdEstimate = unscaled
}

/// [`estimate`] on data in the safe magnitude range.
fn unscaled<T: Element>(x: MatRef<'_, T>, nb: &Neighbors, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    check(p, x.cols())?;
    if p.k < p.d + 1 {
        return Err(out_of_range("k", "an integer >= d + 1", p.k));
    }
    check_x(&x, nb, "ESS")?;
    require_k(nb, p.k, 2, "ESS")?;
    let both = map_rows(ctl, "ess", nb.rows, |i| {
        patch(&x, Some(&nb.indices_of(i)[..p.k]), p, i)
    })?;
    let (pw, ev): (Vec<f64>, Vec<f64>) = both.into_iter().unzip();
    let mut est = IdEstimate::new("ess", p.aggregate.apply(&pw)?, nb.rows, params_json(p));
    est.pointwise = Some(pw);
    est.diagnostics.push(("essval".into(), ev));
    Ok(est)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A seeded 30 × 37 patch (37 columns: the dot product's 16-lane body and its tail).
    fn patch_rows() -> Vec<f64> {
        let mut s = 0x2545_f491_4f6c_dd1du64;
        (0..30 * 37)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect()
    }

    #[test]
    fn the_gram_matrix_and_the_dot_products_on_demand_agree() {
        let v = patch_rows();
        let (all, each) = (Dots::new(&v, 37, true), Dots::new(&v, 37, false));
        for a in 0..30 {
            for b in 0..30 {
                let naive: f64 = v[a * 37..(a + 1) * 37]
                    .iter()
                    .zip(&v[b * 37..(b + 1) * 37])
                    .map(|(x, y)| x * y)
                    .sum();
                assert_eq!(all.get(a, b).to_bits(), all.get(b, a).to_bits());
                assert_eq!(each.get(a, b).to_bits(), each.get(b, a).to_bits());
                assert!((all.get(a, b) - naive).abs() <= 1e-14, "{a} {b}");
                assert!((each.get(a, b) - naive).abs() <= 1e-14, "{a} {b}");
            }
        }
    }

    #[test]
    fn enumerated_and_on_demand_products_give_the_same_skewness() {
        // 30 vectors: C(30, 2) = 435 pairs, all enumerated; the on-demand route is the one
        // sampled groups take, here forced on the same groups
        let v = patch_rows();
        let p = Params::default();
        let with_gram = essval(&v, 37, &p, 0);
        let dots = Dots::new(&v, 37, false);
        let (mut num, mut den) = (0.0, 0.0);
        for a in 0..30 {
            for b in a + 1..30 {
                let (aa, bb, ab) = (dots.get(a, a), dots.get(b, b), dots.get(a, b));
                num += (aa * bb - ab * ab).abs().sqrt();
                den += aa.sqrt() * bb.sqrt();
            }
        }
        assert!(
            (with_gram - num / den).abs() <= 1e-13 * with_gram,
            "{with_gram} vs {}",
            num / den
        );
    }
}
