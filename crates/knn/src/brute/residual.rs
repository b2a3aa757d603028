//! Per-row margins of one-pass bf16 screening from the rounding residuals the rows actually
//! have ([`Measured`]), instead of the worst case `Bounds::rounded_bf16` assumes.
//!
//! Rounding an f32 row `x` to bf16 (`h = bf16_rne_flush(x)`, value by value) leaves the residual
//! `δ_x = x − h`. The tile computes `Σ_t h_x·h_y`, which differs from `x·y` by
//! `Σ_t δ_x·y + h_x·δ_y`, so by Cauchy–Schwarz by at most `‖δ_x‖‖y‖ + ‖h_x‖‖δ_y‖` — exactly, with
//! the flushed subnormals inside `δ`. The worst case (`|δ| ≤ 2⁻⁸|x| + 2⁻¹²⁶`) gives
//! `2⁻⁷‖x‖‖y‖`; on real data `‖δ_x‖` is about `0.2·2⁻⁷‖x‖`, because most values do not sit on
//! a rounding tie. With `Y` the largest working-row norm of the corpus and `D` the largest
//! corpus residual norm (measured, or the a-priori `2⁻⁸·Y + 2⁻¹²⁶·√d`), row `i`'s margin is
//!
//! ```text
//! m_i = base.margin(‖x_i‖, Y) + 1.01·|alpha|·(‖δ_i‖·Y + (‖x_i‖ + ‖δ_i‖)·D)
//! ```
//!
//! where `base` is `Bounds::rounded_measured` (the f32 accumulation of the tile, the flushes and
//! the f32 key terms, without the worst-case rounding term) and `‖h_x‖ ≤ ‖x‖ + ‖δ_x‖`. Proved in
//! docs/exact-screening.md ("Measured residuals"). The screening takes the smaller of this and
//! the worst-case margin per row, both valid.

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Result};
use embgeo_kernels::lowp::bf16_rne_flush;

use super::bounds::Bounds;
use crate::metric::Metric;

/// Rows per parallel chunk of [`residual_norms`].
const CHUNK: usize = 4096;

/// `‖x − bf16_rne_flush(x)‖` of each row of `rows` (row-major f32, `d` columns), in f64,
/// rounded up (each residual is exact in f64; the sum of squares and the square root are
/// scaled up by more than their rounding), and the largest of them. Values must be finite
/// with `|v| < 2¹²⁷` (the one-pass safe range). Cost O(rows·d), in parallel chunks of
/// [`CHUNK`] rows (results independent of the threads); memory: `8·rows` bytes.
///
/// # Errors
/// `Cancelled` when `ctl` is cancelled.
pub(super) fn residual_norms(rows: &[f32], d: usize, ctl: &Ctl<'_>) -> Result<(Vec<f64>, f64)> {
    let n = rows.len() / d.max(1);
    let parts = map_chunks(ctl, "residuals", n, CHUNK, |r| {
        Ok(rows[r.start * d..r.end * d]
            .chunks_exact(d)
            .map(row_residual)
            .collect::<Vec<f64>>())
    })?;
    let norms: Vec<f64> = parts.concat();
    let max = norms.iter().copied().fold(0.0, f64::max);
    Ok((norms, max))
}

/// `‖x − bf16_rne_flush(x)‖` of one row, rounded up: the squares' sum of `d` terms errs by at
/// most `γ_d` relative (`d·2⁻⁵³/(1 − d·2⁻⁵³)`), the square root by one half-ulp; the factor
/// `1 + 2·d·2⁻⁵² + 2⁻⁵⁰` covers both for any `d` below 2⁴⁰.
fn row_residual(x: &[f32]) -> f64 {
    let s: f64 = x
        .iter()
        .map(|&v| {
            let h = f32::from_bits(u32::from(bf16_rne_flush(v)) << 16);
            let r = f64::from(v) - f64::from(h);
            r * r
        })
        .sum();
    s.sqrt() * (1.0 + 2.0 * x.len() as f64 * f64::EPSILON + 4.0 * f64::EPSILON)
}

/// The a-priori bound on a row's residual norm for rows of norm at most `y` and width `d`
/// (`|δ_t| ≤ 2⁻⁸|y_t| + 2⁻¹²⁶` per value), for a corpus whose residuals were not measured.
fn apriori_residual(y: f64, d: usize) -> f64 {
    1.01 * (2f64.powi(-8) * y + f64::from(f32::MIN_POSITIVE) * (d as f64).sqrt())
}

/// Cosine's bound on a working (unit) row's norm, `1 + 1.01·2⁻²⁴` (the normalised f32 row's
/// rounding); `None` for the other metrics.
fn unit_norm_bound(metric: Metric) -> Option<f64> {
    (metric == Metric::Cosine).then(|| 1.0 + 1.01 * f64::from(f32::EPSILON) / 2.0)
}

/// The measured one-pass margins of the rows a search screens (the queries; all points: the
/// rows): the bound without the worst-case rounding term, the residual norms of the rows'
/// working values, and the corpus side's `Y` and `D`.
pub(super) struct Measured {
    /// `Bounds::rounded_measured`.
    pub base: Bounds,
    /// `‖δ_i‖` of each screened row (working values: unit rows under cosine).
    pub delta: Vec<f64>,
    /// `Y`: the largest working-row norm of the corpus (cosine: the unit-row bound).
    pub y: f64,
    /// `D`: the largest corpus residual norm, measured or a priori.
    pub dmax: f64,
    /// `1.01·|alpha|` (2.02 euclidean, 1.01 dot and cosine).
    pub scale: f64,
    /// Cosine: the working-row norm bound `1 + 1.01·2⁻²⁴` used for every `‖x_i‖`.
    pub unit: Option<f64>,
}

impl Measured {
    /// The measured bound for rows of width `d` under `metric`, from the rows' residual norms
    /// `delta`, the corpus's largest working-row norm `y` (ignored under cosine) and its largest
    /// residual norm `dmax`.
    pub fn new(metric: Metric, d: usize, delta: Vec<f64>, y: f64, dmax: f64) -> Self {
        let unit = unit_norm_bound(metric);
        Self {
            base: Bounds::rounded_measured(metric, d),
            delta,
            y: unit.unwrap_or(y),
            dmax,
            scale: 1.01
                * if matches!(metric, Metric::Euclidean | Metric::SqEuclidean) {
                    2.0
                } else {
                    1.0
                },
            unit,
        }
    }

    /// [`Measured::new`] for a corpus whose residuals were not measured (the stream reads the
    /// corpus once): `D` is [`apriori_residual`] of the corpus's largest working-row norm
    /// (under cosine the unit-row bound, `y` ignored).
    pub fn with_apriori_corpus(metric: Metric, d: usize, delta: Vec<f64>, y: f64) -> Self {
        let dmax = apriori_residual(unit_norm_bound(metric).unwrap_or(y), d);
        Self::new(metric, d, delta, y, dmax)
    }

    /// The smaller of the worst-case margin `worst` and row `i`'s measured margin: both bound
    /// the same error, so the screening takes the tighter (`Source::row_margin`).
    #[inline]
    pub fn tighten(&self, worst: f64, i: usize, nx: f64) -> f64 {
        worst.min(self.margin(i, nx))
    }

    /// Row `i`'s margin for its working-row norm `nx` (see the module docs).
    #[inline]
    pub fn margin(&self, i: usize, nx: f64) -> f64 {
        let nx = self.unit.unwrap_or(nx);
        let di = self.delta[i];
        self.base.margin(nx, self.y) + self.scale * (di * self.y + (nx + di) * self.dmax)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: f32) -> f32 {
        f32::from_bits(u32::from(bf16_rne_flush(v)) << 16)
    }

    /// `|x·y − Σ h_x·h_y|`, exactly (products of f32 values are exact in f64; the sums of
    /// these short rows carry no rounding at the magnitudes used).
    fn rounding_error(x: &[f32], y: &[f32]) -> f64 {
        let exact: f64 = x.iter().zip(y).map(|(&a, &b)| f64::from(a) * f64::from(b)).sum();
        let tiles: f64 = x
            .iter()
            .zip(y)
            .map(|(&a, &b)| f64::from(h(a)) * f64::from(h(b)))
            .sum();
        (exact - tiles).abs()
    }

    fn norm(x: &[f32]) -> f64 {
        x.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>().sqrt()
    }

    #[test]
    fn residual_norms_bound_the_rounding_error_and_are_tight_on_ties() {
        // a rounding tie in every value: 1 + 2⁻⁸ rounds to 1 (even), the worst case per value;
        // x = y = (v, v) misses 2(v² − 1), exactly the Cauchy–Schwarz bound
        let v = 1.0 + 2f32.powi(-8);
        let x = [v, v];
        let (dx, _) = residual_norms(&x, 2, &Ctl::detached()).unwrap();
        let hx = norm(&x.map(h));
        let err = rounding_error(&x, &x);
        let exact_h = dx[0] * norm(&x) + hx * dx[0];
        assert!(
            err <= exact_h && exact_h <= err * (1.0 + 1e-12),
            "{err} vs {exact_h}"
        );
        // with ‖h‖ ≤ ‖x‖ + ‖δ‖, as the margins take it: within 2⁻⁷ of the error
        let bound = dx[0] * norm(&x) + (norm(&x) + dx[0]) * dx[0];
        assert!(
            err <= bound && bound <= err * (1.0 + 2f64.powi(-7)),
            "{err} vs {bound}"
        );
        // random rows over many magnitudes, with subnormals flushed and exact bf16 values
        let mut s = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        for d in [1, 3, 64, 385] {
            let rows: Vec<f32> = (0..40 * d)
                .map(|i| match i % 11 {
                    0 => f32::from_bits(next() as u32 & 0x807f_ffff),
                    1 => 1.5,
                    _ => f32::from_bits((next() as u32 & 0x8fff_ffff) | 0x3000_0000),
                })
                .collect();
            let (delta, dmax) = residual_norms(&rows, d, &Ctl::detached()).unwrap();
            assert_eq!(
                dmax.to_bits(),
                delta.iter().copied().fold(0.0, f64::max).to_bits()
            );
            for i in 0..40 {
                let x = &rows[i * d..(i + 1) * d];
                let r: Vec<f32> = x.iter().map(|&v| v - h(v)).collect();
                assert!(delta[i] >= norm(&r), "d = {d}, row {i}");
                assert!(
                    delta[i] <= 2f64.powi(-8) * norm(x) * 1.0001 + 1e-37,
                    "d = {d}, row {i}"
                );
                for j in 0..40 {
                    let y = &rows[j * d..(j + 1) * d];
                    let bound = delta[i] * norm(y) + (norm(x) + delta[i]) * delta[j];
                    assert!(rounding_error(x, y) <= bound, "d = {d}, rows {i}, {j}");
                }
            }
        }
    }

    #[test]
    fn measured_margins_are_below_the_worst_case_on_ordinary_rows() {
        let d = 128;
        let raw: Vec<f32> = (0..50 * d)
            .map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 97.0)
            .collect();
        // cosine screens the unit rows: their residuals
        let unit: Vec<f32> = raw
            .chunks_exact(d)
            .flat_map(|r| {
                let n = norm(r) as f32;
                r.iter().map(move |&v| v / n)
            })
            .collect();
        for metric in [Metric::Euclidean, Metric::Dot, Metric::Cosine] {
            let rows = if metric == Metric::Cosine { &unit } else { &raw };
            let (delta, dmax) = residual_norms(rows, d, &Ctl::detached()).unwrap();
            let norms: Vec<f64> = rows.chunks_exact(d).map(norm).collect();
            let y = norms.iter().copied().fold(0.0, f64::max);
            let m = Measured::new(metric, d, delta, y, dmax);
            let worst = Bounds::rounded_bf16(metric, d);
            for (i, &nx) in norms.iter().enumerate() {
                assert!(m.margin(i, nx) < 0.7 * worst.margin(nx, y), "{metric:?} row {i}");
            }
        }
    }
}
