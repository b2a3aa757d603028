//! Rigorous rounding-error bounds of the fast (f32/f64 GEMM or SIMD) keys of a tile, and the
//! per-unit result type of the tile driver.

use crate::metric::Metric;
use crate::real::Real;

/// Per query of a unit: its best `(key, index)` pairs, concatenated, and the count per query.
pub(super) type UnitResult = (Vec<(f64, u32)>, Vec<u32>);

/// Up to this k, the first tile of a unit announces a threshold (see `run`).
pub(super) const PREBOUND_MAX_K: usize = 256;

/// Error-bound coefficients for one metric and dimension.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    metric: Metric,
    /// multiplies ‖x‖·‖y‖
    cxy: f64,
    /// multiplies ‖y‖² (euclidean)
    cyy: f64,
    /// multiplies (‖x‖ + ‖y‖)² (reference rounding)
    cref: f64,
    /// multiplies ‖x‖ + ‖y‖ (inputs read as zero: subnormal bf16 values)
    clin: f64,
    /// absolute slack (underflow)
    abs: f64,
}

fn gamma(n: usize, u: f64) -> f64 {
    let nu = n as f64 * u;
    nu / (1.0 - nu)
}

impl Bounds {
    pub(super) fn new<R: Real>(metric: Metric, d: usize) -> Self {
        let u = R::U;
        let g = gamma(d + 2, u);
        let g64 = gamma(d + 4, f64::EPSILON / 2.0);
        let abs = (d as f64 + 4.0) * 4.0 * R::MIN_NORMAL + 4.0 * f64::MIN_POSITIVE;
        match metric {
            Metric::Euclidean | Metric::SqEuclidean => Self {
                metric,
                cxy: 1.01 * (2.0 * g + 2.01 * u),
                cyy: 1.01 * 2.01 * u,
                cref: 1.01 * 2.0 * g64,
                clin: 0.0,
                abs,
            },
            Metric::Dot => Self {
                metric,
                cxy: 1.01 * (g + u + 2.0 * g64),
                cyy: 0.0,
                cref: 0.0,
                clin: 0.0,
                abs,
            },
            // unit rows: ‖x̂‖ = ‖ŷ‖ = 1, bound is a constant
            Metric::Cosine => Self {
                metric,
                cxy: 0.0,
                cyy: 0.0,
                cref: 1.01 * (g + 3.01 * u + 4.0 * g64),
                clin: 0.0,
                abs,
            },
        }
    }

    /// The same bounds for tiles computed on units that read subnormal inputs as zero and
    /// flush subnormal products and partial sums to zero (AVX512-BF16 `vdpbf16ps`), the tile
    /// scaled by at most 2 (`alpha`):
    /// - an input `x_t` read as zero has `|x_t| < 2⁻¹²⁶`, so the lost product is below
    ///   `2⁻¹²⁶·|y_t|`; over all `t` and both sides at most `2⁻¹²⁶·(‖x‖₁ + ‖y‖₁) ≤
    ///   2⁻¹²⁶·√d·(‖x‖ + ‖y‖)`;
    /// - each of the `d` products and `d` additions may lose a flushed value below `2⁻¹²⁶`.
    #[must_use]
    pub(super) fn with_flushes(mut self, d: usize) -> Self {
        let tiny = f64::from(f32::MIN_POSITIVE);
        self.clin += 1.01 * 2.0 * (d as f64).sqrt() * tiny;
        self.abs += 1.01 * 2.0 * 2.0 * d as f64 * tiny;
        self
    }

    /// Bounds of split-bf16 tiles of f32 rows of width `d` (`embgeo_kernels::lowp::split`:
    /// one bf16 dot product of length `3d` computing `Σ_t hi_x·hi_y + hi_x·lo_y + lo_x·hi_y`),
    /// proved in docs/exact-screening.md ("Split-bf16 screening of f32 data"). With
    /// `τ = 2⁻¹²⁶`, `γ = γ_{3d}` (f32) and `|alpha|` = 2 (euclidean) or 1, the tile value
    /// differs from `alpha·x·y` by at most `|alpha|·(E_split + E_acc + E_flush)`:
    /// - `E_split ≤ c1·‖x‖‖y‖ + 1.01·τ·√d·(‖x‖ + ‖y‖) + 3d·τ²`, `c1 = 2⁻¹⁶·(2 + 2⁻⁸)`;
    /// - `E_acc ≤ 2·γ·Σ|products|` (factor 2: the accumulation order of a bf16 unit, e.g. AMX,
    ///   is implementation-specific), `Σ|products| ≤ 1.0157·‖x‖‖y‖ + 3.1·τ·√d·(‖x‖ + ‖y‖) +
    ///   5d·τ²`;
    /// - `E_flush ≤ 6d·τ` (subnormal products and partial sums flushed to zero).
    ///
    /// Built from [`Bounds::new`] for width `3d` (whose tile coefficient assumes
    /// `Σ|products| ≤ ‖x‖‖y‖`) with that coefficient scaled by `2·1.02`, plus the split and
    /// subnormal terms. Cosine: unit rows, `‖x̂‖ ≤ 1 + 1.01·2⁻²⁴`.
    pub(super) fn split_bf16(metric: Metric, d: usize) -> Self {
        let g = gamma(3 * d, <f32 as Real>::U);
        let (df, tau) = (d as f64, f64::from(f32::MIN_POSITIVE));
        Self::bf16_tiles(
            metric,
            (d, 3 * d),
            2f64.powi(-16) * (2.0 + 2f64.powi(-8)),
            1.01 + 2.0 * g * 3.1,
            6.0 * df * tau + (3.0 + 10.0 * g) * df * tau * tau,
        )
    }

    /// The bounds of a bf16 tile of f32 rows of width `d` whose bf16 dot product has length
    /// `width` ([`Bounds::split_bf16`], [`Bounds::rounded_bf16`]): [`Bounds::new`] for `width`
    /// with its tile coefficient scaled by `2·1.02` (the accumulation order of a bf16 unit, and
    /// `Σ|products| ≤ 1.02·‖x‖‖y‖`), plus, each times `1.01·|alpha|`, the scheme's terms: `c1`
    /// on `‖x‖‖y‖`, `lin·τ·√d` on `‖x‖ + ‖y‖` and `abs` absolute. Cosine: unit rows,
    /// `‖x̂‖ ≤ 1 + 1.01·2⁻²⁴`.
    fn bf16_tiles(metric: Metric, (d, width): (usize, usize), c1: f64, lin: f64, abs: f64) -> Self {
        let mut b = Self::new::<f32>(metric, width);
        let u = <f32 as Real>::U;
        let tau = f64::from(f32::MIN_POSITIVE);
        let sd = (d as f64).sqrt();
        let acc = 2.0 * 1.02;
        match metric {
            Metric::Euclidean | Metric::SqEuclidean | Metric::Dot => {
                let alpha = if metric == Metric::Dot { 1.0 } else { 2.0 };
                b.cxy = b.cxy * acc + 1.01 * alpha * c1;
                b.clin += 1.01 * alpha * lin * tau * sd;
                b.abs += 1.01 * alpha * abs;
            }
            Metric::Cosine => {
                let n = 1.0 + 1.01 * u;
                b.cref = b.cref * acc + 1.01 * c1 * n * n;
                b.abs += 1.01 * (lin * tau * sd * 2.0 * n + abs);
            }
        }
        b
    }

    /// Bounds of one-pass bf16 tiles of f32 rows of width `d` (`embgeo_kernels::lowp::rounded`:
    /// one bf16 dot product of length `d` of the rows rounded to bf16, `Σ_t h_x·h_y`), proved in
    /// docs/exact-screening.md ("One-pass bf16 screening of f32 queries"). With `τ = 2⁻¹²⁶`,
    /// `γ = γ_d` (f32) and `|alpha|` = 2 (euclidean) or 1, the tile value differs from
    /// `alpha·x·y` by at most `|alpha|·(E_round + E_acc + E_flush)`:
    /// - `E_round ≤ c1·‖x‖‖y‖ + 1.01·τ·√d·(‖x‖ + ‖y‖) + d·τ²`, `c1 = 2⁻⁷ + 2⁻¹⁶`;
    /// - `E_acc ≤ 2·γ·Σ|products|`, `Σ|products| ≤ 1.008·‖x‖‖y‖ + 1.01·τ·√d·(‖x‖ + ‖y‖) + d·τ²`;
    /// - `E_flush ≤ 2d·τ` (subnormal products and partial sums flushed to zero).
    ///
    /// Built from [`Bounds::new`] for width `d` with its tile coefficient scaled by `2·1.02` (as
    /// [`Bounds::split_bf16`]), plus the rounding and subnormal terms. Cosine: unit rows,
    /// `‖x̂‖ ≤ 1 + 1.01·2⁻²⁴`.
    pub(super) fn rounded_bf16(metric: Metric, d: usize) -> Self {
        let g = gamma(d, <f32 as Real>::U);
        let (df, tau) = (d as f64, f64::from(f32::MIN_POSITIVE));
        Self::bf16_tiles(
            metric,
            (d, d),
            2f64.powi(-7) + 2f64.powi(-16),
            1.01 + 2.0 * g * 1.01,
            2.0 * df * tau + (1.0 + 2.0 * g) * df * tau * tau,
        )
    }

    /// The part of [`Bounds::rounded_bf16`] that does not depend on how far the rows are from
    /// their bf16 roundings: the f32 accumulation of the tile (its coefficient scaled by `2·1.02`
    /// as there, which covers `Σ|h_x·h_y| ≤ (1 + 2⁻⁸)²‖x‖‖y‖`), the flushed subnormal products
    /// and partial sums (`2d·τ`), and the f32 key terms. The rounding term itself,
    /// `‖δ_x‖‖y‖ + ‖h_x‖‖δ_y‖`, is added per row from measured residuals
    /// (`super::residual::Measured`).
    pub(super) fn rounded_measured(metric: Metric, d: usize) -> Self {
        Self::bf16_tiles(
            metric,
            (d, d),
            0.0,
            0.0,
            2.0 * d as f64 * f64::from(f32::MIN_POSITIVE),
        )
    }

    /// Bound on |fast key + base − exact key| for norms `nx`, `ny`.
    #[inline]
    pub(super) fn margin(&self, nx: f64, ny: f64) -> f64 {
        match self.metric {
            Metric::Cosine => self.cref + self.abs,
            _ => {
                self.cxy * nx * ny
                    + self.cyy * ny * ny
                    + self.cref * (nx + ny) * (nx + ny)
                    + self.clin * (nx + ny)
                    + self.abs
            }
        }
    }
}

/// The f64 part of a row's key that the fast tile leaves out: `‖x‖²` (euclidean, from the
/// row's squared norm `sq`), 1 (cosine), 0 (dot).
pub(super) fn key_base(metric: Metric, sq: f64) -> f64 {
    match metric {
        Metric::Euclidean | Metric::SqEuclidean => sq,
        Metric::Cosine => 1.0,
        Metric::Dot => 0.0,
    }
}

/// The fast-precision threshold of a row (key `base`, error `margin`) for the exact f64 key
/// threshold `t`: no fast key above it can belong to a pair with exact key ≤ `t`.
#[inline]
pub(crate) fn fast_threshold<R: Real>(t: f64, base: f64, margin: f64) -> R {
    if t.is_finite() {
        let v = t - base + margin;
        let slack = 4.0 * f64::EPSILON * (t.abs() + base.abs() + margin);
        R::round_up(v + slack)
    } else {
        R::INF
    }
}

/// The fast-precision floor of a row (key `base`, error `margin`) for the exact f64 key `t`: a
/// fast key strictly below it belongs to a pair with exact key strictly below `t` (the mirror
/// of [`fast_threshold`]; docs/exact-screening.md, "Exact ranks").
#[inline]
pub(super) fn fast_floor<R: Real>(t: f64, base: f64, margin: f64) -> R {
    if t.is_finite() {
        let v = t - base - margin;
        let slack = 4.0 * f64::EPSILON * (t.abs() + base.abs() + margin);
        R::round_up(v - slack)
    } else {
        // nothing is certainly below a non-finite key: every pair is decided exactly
        R::from_f64(f64::NEG_INFINITY)
    }
}

/// An upper bound on the k-th exact key of a row from the k-th smallest fast key `kth` of a
/// tile (fast key + base + margin, plus the rounding of this sum).
#[inline]
pub(crate) fn prebound(base: f64, kth: f64, margin: f64) -> f64 {
    let v = base + kth + margin;
    let slack = 4.0 * f64::EPSILON * (base.abs() + kth.abs() + margin);
    v + slack
}

/// The k-th smallest (1-based `k`) of `keys`, which it reorders.
pub(crate) fn kth_smallest(keys: &mut [f64], k: usize) -> f64 {
    let (_, kth, _) = keys.select_nth_unstable_by(k - 1, f64::total_cmp);
    *kth
}

/// One row of a key tile: its `n` keys at `t[start + j·step]` (row `li` of a column-major
/// `m × n` tile: `start = li`, `step = m`; of a row-major one: `start = li·n`, `step = 1`), with
/// the per-column offsets `off` the fast keys leave out (euclidean).
#[derive(Clone, Copy)]
pub(super) struct TileRow<'a, R> {
    pub t: &'a [R],
    pub start: usize,
    pub step: usize,
    pub n: usize,
    pub off: Option<&'a [R]>,
}

/// The k-th smallest fast key (tile value + offset, in f64) of a tile row, through `scratch`.
pub(super) fn tile_row_kth<R: Real>(scratch: &mut Vec<f64>, r: TileRow<'_, R>, k: usize) -> f64 {
    let TileRow {
        t,
        start,
        step,
        n,
        off,
    } = r;
    scratch.clear();
    match off {
        Some(o) => scratch.extend((0..n).map(|j| (t[start + j * step] + o[j]).to_f64())),
        None => scratch.extend((0..n).map(|j| t[start + j * step].to_f64())),
    }
    kth_smallest(scratch, k)
}
