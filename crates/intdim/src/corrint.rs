//! Correlation dimension (Grassberger & Procaccia 1983) with scikit-dimension's two-radius
//! slope: r₁, r₂ = medians of the k₁-th and k₂-th neighbour distances, C(r) = fraction of
//! ordered pairs closer than r, dimension = ln(C(r₂)/C(r₁)) / ln(r₂/r₁).

use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Neighbors, Result};
use embgeo_knn::metric::sq_euclidean;
use serde_json::json;

use crate::common::{check_x, median, out_of_range, scaled_estimator, IdEstimate};

/// Rows per chunk of the pair-counting loop.
const PAIR_CHUNK: usize = 64;

/// CorrInt parameters; `Default` = scikit-dimension 0.5.0 `CorrInt()` (k₁ = 10, k₂ = 20).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Neighbour order of the small radius (10).
    pub k1: usize,
    /// Neighbour order of the large radius (20).
    pub k2: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self { k1: 10, k2: 20 }
    }
}

/// The orders actually used, with the reference's clamping: k₂ ≥ N → N − 1; k₁ ≥ N or
/// k₁ > k₂ → k₂ − 1.
#[must_use]
pub fn effective_orders(n: usize, p: &Params) -> (usize, usize) {
    let mut k2 = p.k2;
    let mut k1 = p.k1;
    if k2 >= n {
        k2 = n.saturating_sub(1);
    }
    if k1 >= n || k1 > k2 {
        k1 = k2.saturating_sub(1);
    }
    (k1, k2)
}

scaled_estimator! {
    /// Correlation-integral dimension.
    ///
    /// Duplicates contribute zero distances, which are counted (< r) as in the reference; pairs at
    /// exactly the median radius are excluded (strict "<"), computed with the same f64 distance as
    /// the neighbours, so the count is self-consistent.
    ///
    /// # Shapes and types
    /// `x`: N × D (f32/f64, D ≥ 2); `nb`: its N × k₀ neighbours with k₀ ≥ effective k₂.
    /// # Cost
    /// O(N²·D/2) time (all pairs, streamed), O(N) memory.
    /// # Determinism
    /// Integer counts: identical for every `ctl.par`.
    /// # Errors
    /// `Shape`, `Empty`, `NonFinite`, `OutOfRange` (k₁ < 1 after clamping), `KTooLarge`,
    /// `Degenerate` (no pair below r₁, or r₁ = r₂), `Cancelled`.
    /// # Panics
    /// Never.
    /// # Reference
    /// scikit-dimension 0.5.0 `skdim.id.CorrInt`; fixtures `intdim/fx*.json` at rtol 1e-10.
    pub fn estimate -> IdEstimate = unscaled
}

/// [`estimate`] on data in the safe magnitude range.
fn unscaled<T: Element>(x: MatRef<'_, T>, nb: &Neighbors, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    check_x(&x, nb, "CorrInt")?;
    let n = x.rows();
    let (k1, k2) = effective_orders(n, p);
    if k1 < 1 {
        return Err(out_of_range(
            "k1",
            "an integer >= 1 (after clamping to N - 1)",
            k1,
        ));
    }
    crate::common::require_k(nb, k2, 3, "CorrInt")?;
    let c1: Vec<f64> = (0..n).map(|i| nb.distances_of(i)[k1 - 1]).collect();
    let c2: Vec<f64> = (0..n).map(|i| nb.distances_of(i)[k2 - 1]).collect();
    let (r1, r2) = (median(&c1), median(&c2));
    let parts = map_chunks(ctl, "corrint", n, PAIR_CHUNK, |range| {
        let (mut a, mut b) = (0u64, 0u64);
        for i in range {
            let xi = x.row(i);
            for j in (i + 1)..n {
                // the engine's runtime-dispatched exact sums (AVX-512 where present)
                let d = sq_euclidean(xi, x.row(j)).sqrt();
                a += u64::from(d < r1);
                b += u64::from(d < r2);
            }
        }
        Ok((a, b))
    })?;
    let (s1, s2) = parts.iter().fold((0u64, 0u64), |(a, b), (c, d)| (a + c, b + d));
    // ordered pairs: each unordered pair twice (the reference subtracts the N diagonal zeros)
    let (s1, s2) = (2 * s1, 2 * s2);
    if s1 == 0 || r1 <= 0.0 || r2 <= r1 {
        return Err(Error::Degenerate(format!(
            "CorrInt: {s1} pairs closer than r1 = {r1}, r2 = {r2}; the slope is undefined"
        )));
    }
    let nn = (n * n) as f64;
    let d = ((s2 as f64 / nn).ln() - (s1 as f64 / nn).ln()) / (r2 / r1).ln();
    let mut est = IdEstimate::new("corrint", d, n, json!({"k1": k1, "k2": k2}));
    est.diagnostics.push(("radii".into(), vec![r1, r2]));
    est.diagnostics
        .push(("pair_counts".into(), vec![s1 as f64, s2 as f64]));
    Ok(est)
}
