//! Anisotropy of an embedding set: how far its vectors share one direction.
//!
//! Two classic measures (Ethayarajh 2019, "How contextual are contextualized word
//! representations?"; Mu and Viswanath 2018, "All-but-the-top"):
//!
//! - the **mean-vector norm ratio** `‖x̄‖ / mean ‖xᵢ‖` (0 for a set centred at the origin, 1 when
//!   every row points the same way);
//! - the **average pairwise cosine** over ordered pairs `i ≠ j` of the non-zero rows, with its
//!   standard deviation.
//!
//! Neither needs the `m × m` cosine matrix. With unit rows `uᵢ = xᵢ / ‖xᵢ‖` (m of them) and
//! `s = Σ uᵢ`:
//!
//! `Σ_{i≠j} uᵢ·uⱼ = ‖s‖² − m`, and `Σ_{i≠j} (uᵢ·uⱼ)² = ‖UᵀU‖_F² − m = ‖UUᵀ‖_F² − m`,
//!
//! so the mean is O(m·d) time and O(d) memory, and the second moment needs either the `d × d`
//! Gram `UᵀU` (O(m·d²), used when m > d) or the strictly lower triangle of `UUᵀ` in row tiles
//! (O(m²·d), used when m ≤ d; no subtraction of m, so no cancellation). Both are exact: no
//! sampling.

use embgeo_core::scale::with_scaled;
use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Result};
use faer::linalg::matmul::triangular::BlockStructure;
use faer::{Accum, Mat};

use embgeo_core::gram;

/// Tunables of [`compute`]; the defaults suit every size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Rows per block of the O(n·d) pass and of the Gram route (the unit of parallel work,
    /// cancellation and progress). Default 1024.
    pub block_rows: usize,
    /// Gram route (m > d): fixed number of lanes, contiguous runs of blocks each accumulating
    /// its own `d × d` Gram, merged in order. Bounds the parallelism and the memory
    /// (`lanes · d²` f64). Default 4.
    pub lanes: usize,
    /// Pair route (m ≤ d): rows of `UUᵀ` per tile. Default 256.
    pub tile_rows: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            block_rows: 1024,
            lanes: 4,
            tile_rows: 256,
        }
    }
}

/// Anisotropy measures of an `n × d` set (all f64).
#[derive(Debug, Clone, PartialEq)]
pub struct Anisotropy {
    /// Rows of the input, n.
    pub rows: usize,
    /// Rows that are exactly zero (left out of the cosine statistics; they count in the norm
    /// ratio, where they add nothing to either side).
    pub zero_rows: usize,
    /// `‖x̄‖`, the norm of the mean row (over all n rows).
    pub mean_norm: f64,
    /// `mean ‖xᵢ‖` over all n rows.
    pub mean_row_norm: f64,
    /// `‖x̄‖ / mean ‖xᵢ‖ = ‖Σxᵢ‖ / Σ‖xᵢ‖`, in [0, 1].
    pub mean_norm_ratio: f64,
    /// Mean cosine similarity over the `m(m − 1)` ordered pairs of distinct non-zero rows.
    pub average_cosine: f64,
    /// Population standard deviation of those cosines.
    pub cosine_std: f64,
}

/// Per-block sums of the O(n·d) pass.
struct Sums {
    x: Vec<f64>,
    u: Vec<f64>,
    norms: f64,
    zero: usize,
}

fn row_norm<T: Element>(row: &[T]) -> f64 {
    row.iter()
        .map(|v| {
            let v = v.to_f64();
            v * v
        })
        .sum::<f64>()
        .sqrt()
}

fn block_sums<T: Element>(x: MatRef<'_, T>) -> Sums {
    let d = x.cols();
    let mut s = Sums {
        x: vec![0.0; d],
        u: vec![0.0; d],
        norms: 0.0,
        zero: 0,
    };
    for i in 0..x.rows() {
        let row = x.row(i);
        let norm = row_norm(row);
        if norm == 0.0 {
            s.zero += 1;
            continue;
        }
        s.norms += norm;
        for ((a, b), v) in s.x.iter_mut().zip(s.u.iter_mut()).zip(row) {
            let v = v.to_f64();
            *a += v;
            *b += v / norm;
        }
    }
    s
}

/// Copy the non-zero rows of `x` as unit rows (f64, row-major) into `buf`; returns their count.
fn unit_rows<T: Element>(x: MatRef<'_, T>, buf: &mut Vec<f64>) -> usize {
    buf.clear();
    buf.reserve_exact(x.rows() * x.cols());
    let mut m = 0;
    for i in 0..x.rows() {
        let row = x.row(i);
        let norm = row_norm(row);
        if norm > 0.0 {
            buf.extend(row.iter().map(|v| v.to_f64() / norm));
            m += 1;
        }
    }
    m
}

/// The non-zero row count m and the lower triangle of the `d × d` Gram `UᵀU` of the unit rows
/// (lanes of blocks, merged in order).
pub(crate) fn gram_lanes<T: Element>(
    x: MatRef<'_, T>,
    params: &Params,
    ctl: &Ctl<'_>,
) -> Result<(usize, Mat<f64>)> {
    let (n, d) = (x.rows(), x.cols());
    let b = params.block_rows.max(1).min(n.max(1));
    let n_blocks = n.div_ceil(b);
    let lanes = params.lanes.clamp(1, n_blocks.max(1));
    let per_lane = n_blocks.div_ceil(lanes);
    let done = std::sync::atomic::AtomicU64::new(0);
    // Memory rule of the d × d paths (embgeo_core::dense): checked before allocating, fallible.
    let (what, fix) = ("the d × d Gram route of anisotropy", "pass a sample of the rows");
    embgeo_core::dense::check_square("X.cols", d, what, fix)?;
    let grams = map_chunks(ctl, "anisotropy-lanes", n_blocks, per_lane, |blocks| {
        let mut gram = embgeo_core::linalg::try_mat_zeros::<f64>(d, d)
            .ok_or_else(|| embgeo_core::dense::too_large("X.cols", d, what, fix, true))?;
        let mut buf = Vec::new();
        let mut m = 0usize;
        for bi in blocks {
            ctl.checkpoint()?;
            let (start, end) = (bi * b, ((bi + 1) * b).min(n));
            let rows = unit_rows(x.row_block(start, end), &mut buf);
            m += rows;
            if rows > 0 {
                // Row-major rows × d is column-major d × rows: the transpose of U's block.
                let a = faer::MatRef::from_column_major_slice(&buf, d, rows);
                faer::linalg::matmul::triangular::matmul(
                    gram.as_mut(),
                    BlockStructure::TriangularLower,
                    Accum::Add,
                    a,
                    BlockStructure::Rectangular,
                    a.transpose(),
                    BlockStructure::Rectangular,
                    1.0,
                    faer::Par::Seq,
                );
            }
            let now = done.fetch_add((end - start) as u64, std::sync::atomic::Ordering::Relaxed)
                + (end - start) as u64;
            ctl.advance("anisotropy-gram", now, n as u64);
        }
        Ok((m, gram))
    })?;
    let mut iter = grams.into_iter();
    let (mut m, mut total) = iter
        .next()
        .ok_or_else(|| Error::Internal("no Gram lane reduced".into()))?;
    for (mi, g) in iter {
        m += mi;
        for j in 0..d {
            for i in j..d {
                total[(i, j)] += g[(i, j)];
            }
        }
    }
    Ok((m, total))
}

/// `‖G‖_F² − m` for the symmetric `d × d` Gram `G = UᵀU` of m unit rows, given by `lower(i, j)`
/// for `j ≤ i`: `Σ_{i≠j} (uᵢ·uⱼ)²`.
pub(crate) fn pair_squares_of(d: usize, m: usize, lower: impl Fn(usize, usize) -> f64) -> f64 {
    let mut fro = 0.0f64;
    for j in 0..d {
        fro += lower(j, j) * lower(j, j);
        let mut off = 0.0f64;
        for i in j + 1..d {
            off += lower(i, j) * lower(i, j);
        }
        fro += 2.0 * off;
    }
    fro - m as f64
}

/// `Σ_{i≠j} (uᵢ·uⱼ)²` from the `d × d` Gram `UᵀU` (m > d).
fn pair_squares_gram<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<f64> {
    let (m, g) = gram_lanes(x, params, ctl)?;
    Ok(pair_squares_of(x.cols(), m, |i, j| g[(i, j)]))
}

/// `Σ_{i≠j} (uᵢ·uⱼ)²` from row tiles of `UUᵀ`, strictly lower triangle (m ≤ d).
fn pair_squares_tiles<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<f64> {
    let d = x.cols();
    let mut u = Vec::new();
    let m = unit_rows(x, &mut u);
    let tile = params.tile_rows.max(1);
    let parts = map_chunks(ctl, "anisotropy-pairs", m, tile, |r| {
        let (a, b) = (r.start, r.end);
        let g = gram::tile(&u, d, r, b);
        let mut s = 0.0f64;
        for i in 0..b - a {
            for j in 0..a + i {
                s += g[(i, j)] * g[(i, j)];
            }
        }
        Ok(s)
    })?;
    Ok(2.0 * parts.iter().sum::<f64>())
}

/// Mean-vector norm ratio and the mean and standard deviation of pairwise cosines of `x`.
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, at least 2 non-zero rows. Returns [`Anisotropy`] (f64;
/// cosines are dimensionless, norms in the input's units).
/// # Cost
/// Time O(n·d) for the sums, plus O(m·d·min(m, d)) for the cosine second moment (m non-zero
/// rows): `m·d²/2` multiply-adds through a `d × d` Gram when m > d, `m²·d/2` through row tiles
/// of `UUᵀ` otherwise. Extra memory: `2d` f64 per block of the sums; Gram route
/// `min(lanes, blocks)·d²` f64 plus one `block_rows × d` f64 buffer per worker (d = 1024,
/// 4 lanes: 32 MiB); pair route `n·d` f64 (the unit rows) plus one `tile_rows × m` f64 tile
/// per worker. [`compute_scratch`] gives the figure.
/// # Determinism
/// Fixed blocks, lanes and tiles (from n, d and `params`, never the thread count), each
/// reduced sequentially and combined in order: bit-identical for every `ctl.par` and pool size.
/// # Precision
/// Sums in f64. The standard deviation comes from `E[c²] − E[c]²`; its absolute error is about
/// `1e-16 / cosine_std` (negligible unless the cosines are almost all equal).
/// # Magnitudes
/// f64 data with `max |x|` outside `[2^-400, 2^400]` are reduced on a power-of-two-scaled copy
/// (`embgeo_core::scale`; cosines and the ratio are scale-free, the norms scaled back exactly).
/// # Errors
/// `Empty` if n < 2 or d = 0; `NonFinite`; `Degenerate` if fewer than 2 rows are non-zero
/// (the message gives the count); `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// Definitions above, from the `m × m` cosine matrix in numpy: fixtures `metrics/*`
/// (`scripts/reference/metrics.py`) at rtol 1e-10.
pub fn compute<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<Anisotropy> {
    with_scaled(x, |x, s| {
        let mut r = compute_unscaled(x, params, ctl)?;
        r.mean_norm = s.unscale(r.mean_norm, 1, "mean vector norm")?;
        r.mean_row_norm = s.unscale(r.mean_row_norm, 1, "mean row norm")?;
        Ok(r)
    })
}

/// [`compute`] on data in the safe magnitude range.
fn compute_unscaled<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<Anisotropy> {
    x.require_rows("X", 2, "anisotropy")?;
    let t = totals(x, params, ctl)?;
    let d = x.cols();
    assemble(&t, |m| {
        if m > d {
            pair_squares_gram(x, params, ctl)
        } else {
            pair_squares_tiles(x, params, ctl)
        }
    })
}

/// The O(n·d) sums of all rows: blocks reduced in parallel, added in order.
pub(crate) fn totals<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<Totals> {
    x.require_cols("X", "anisotropy")?;
    x.check_finite("X")?;
    let (n, d) = (x.rows(), x.cols());
    let blocks = map_chunks(ctl, "anisotropy", n, params.block_rows, |r| {
        Ok(block_sums(x.row_block(r.start, r.end)))
    })?;
    let mut t = Totals {
        rows: n,
        zero_rows: 0,
        sum: vec![0.0f64; d],
        unit_sum: vec![0.0f64; d],
        norm_sum: 0.0,
    };
    for s in &blocks {
        for (a, v) in t.sum.iter_mut().zip(&s.x) {
            *a += v;
        }
        for (a, v) in t.unit_sum.iter_mut().zip(&s.u) {
            *a += v;
        }
        t.norm_sum += s.norms;
        t.zero_rows += s.zero;
    }
    Ok(t)
}

/// The sums [`Anisotropy`] is computed from (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Totals {
    pub rows: usize,
    pub zero_rows: usize,
    /// `Σ xᵢ`.
    pub sum: Vec<f64>,
    /// `Σ uᵢ` over the non-zero rows.
    pub unit_sum: Vec<f64>,
    /// `Σ ‖xᵢ‖`.
    pub norm_sum: f64,
}

/// The measures from the sums and `squares(m)` = `Σ_{i≠j} (uᵢ·uⱼ)²` over the m non-zero rows.
pub(crate) fn assemble(t: &Totals, squares: impl FnOnce(usize) -> Result<f64>) -> Result<Anisotropy> {
    let (n, zero) = (t.rows, t.zero_rows);
    let m = n - zero;
    if m < 2 {
        return Err(Error::Degenerate(format!(
            "X has {m} non-zero rows of {n} ({zero} are all zeros); the cosine between rows needs at \
             least 2 non-zero rows"
        )));
    }
    let sum_norm = t.sum.iter().map(|v| v * v).sum::<f64>().sqrt();
    let s2 = t.unit_sum.iter().map(|v| v * v).sum::<f64>();
    let mf = m as f64;
    let pairs = mf * (mf - 1.0);
    let average_cosine = (s2 - mf) / pairs;
    let squares = squares(m)?;
    let variance = (squares / pairs - average_cosine * average_cosine).max(0.0);
    Ok(Anisotropy {
        rows: n,
        zero_rows: zero,
        mean_norm: sum_norm / n as f64,
        mean_row_norm: t.norm_sum / n as f64,
        mean_norm_ratio: sum_norm / t.norm_sum,
        average_cosine,
        cosine_std: variance.sqrt(),
    })
}

/// Peak extra memory of [`compute`] in bytes for `n × d` input with `m` non-zero rows on
/// `threads` workers (the output is a few numbers): an upper bound, checked by
/// `tests/memory_bound.rs`.
///
/// Formula (`b = min(block_rows, n)`, blocks `⌈n / b⌉`, `t = min(tile_rows, m)`):
/// sums `blocks·(2d·8 + 192) + 2d·8` (192: a block's entry in the ordered result vector, which
/// grows by doubling), then the second moment: Gram route (m > d)
/// `lanes·(d'·d·8 + 320) + min(threads, lanes)·b·d·8` with `d'` = d rounded up to 8 (faer's
/// column alignment; 128 of the constants: an aligned matrix's allocation slack); pair route
/// (m ≤ d) `n·d·8 + threads·(t'·m·8 + 128) + ⌈m / t⌉·24` with `t'` = t rounded up to 8 (the
/// tile is column-major).
///
/// Not included: faer's per-thread GEMM packing cache (allocated once per thread, never freed).
/// On targets other than x86-64 the GEMM packs its operand per call instead: add `n·d·8` there
/// (measured on aarch64 under qemu by `tests/memory_bound.rs`: the pair route of 200 × 300 peaks
/// at the x86-64 formula plus exactly one f64 copy of the input, less 80 bytes).
#[must_use]
pub fn compute_scratch(n: usize, m: usize, d: usize, threads: usize, params: &Params) -> usize {
    let threads = threads.max(1);
    let up8 = |v: usize| v.div_ceil(8) * 8;
    let b = params.block_rows.max(1).min(n.max(1));
    let n_blocks = n.div_ceil(b).max(1);
    let sums = n_blocks * (2 * d * 8 + 192) + 2 * d * 8;
    let second = if m > d {
        let lanes = params.lanes.clamp(1, n_blocks);
        lanes * (up8(d) * d * 8 + 320) + threads.min(lanes) * b * d * 8
    } else {
        let t = params.tile_rows.max(1).min(m.max(1));
        n * d * 8 + threads * (up8(t) * m * 8 + 128) + m.div_ceil(t) * 24
    };
    let packing = if cfg!(target_arch = "x86_64") {
        0
    } else {
        n * d * 8
    };
    sums + second + packing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::anisotropic_rows as data;
    use crate::testing::{assert_same_for_threads, with_defaults};
    use embgeo_core::Par;

    /// The definition: every ordered pair's cosine, mean and population std.
    fn naive(x: &[f64], n: usize, d: usize) -> (f64, f64, f64) {
        let rows: Vec<&[f64]> = x.chunks(d).collect();
        let norm = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>().sqrt();
        let nz: Vec<&[f64]> = rows.iter().copied().filter(|r| norm(r) > 0.0).collect();
        let mut c = Vec::new();
        for (i, a) in nz.iter().enumerate() {
            for (j, b) in nz.iter().enumerate() {
                if i != j {
                    c.push(a.iter().zip(*b).map(|(p, q)| p * q).sum::<f64>() / (norm(a) * norm(b)));
                }
            }
        }
        let mean = c.iter().sum::<f64>() / c.len() as f64;
        let var = c.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / c.len() as f64;
        let mut s = vec![0.0; d];
        for r in &rows {
            for (a, v) in s.iter_mut().zip(*r) {
                *a += v;
            }
        }
        let ratio = norm(&s) / rows.iter().map(|r| norm(r)).sum::<f64>();
        let _ = n;
        (ratio, mean, var.sqrt())
    }

    fn check(n: usize, d: usize, params: &Params) {
        let x = data(n, d);
        let a = compute(MatRef::new(&x, n, d).unwrap(), params, &Ctl::detached()).unwrap();
        let (ratio, mean, std) = naive(&x, n, d);
        assert_eq!(a.zero_rows, n.div_ceil(7));
        assert!(
            (a.mean_norm_ratio - ratio).abs() <= 1e-13 * ratio,
            "{n}x{d} ratio"
        );
        assert!(
            (a.average_cosine - mean).abs() <= 1e-13 * mean.abs(),
            "{n}x{d} mean"
        );
        assert!(
            (a.cosine_std - std).abs() <= 1e-10 * std,
            "{n}x{d} std {} vs {std}",
            a.cosine_std
        );
    }

    #[test]
    fn gram_route_equals_the_pairwise_definition() {
        // m > d: the d × d Gram over several blocks and lanes.
        check(
            150,
            6,
            &Params {
                block_rows: 16,
                ..Params::default()
            },
        );
    }

    #[test]
    fn tile_route_equals_the_pairwise_definition() {
        // m ≤ d: tiles of U Uᵀ, including a ragged last tile.
        check(
            40,
            64,
            &Params {
                tile_rows: 7,
                ..Params::default()
            },
        );
    }

    #[test]
    fn opposite_pair_and_identical_rows() {
        // Two opposite vectors: cosine −1 both ways, std 0, mean vector 0.
        let x = [1.0f32, 2.0, -1.0, -2.0];
        let a = with_defaults(compute, &x, 2, 2).unwrap();
        assert!((a.average_cosine + 1.0).abs() < 1e-15);
        assert!(a.cosine_std < 1e-7);
        assert!(a.mean_norm_ratio.abs() < 1e-15);
        // Identical rows: cosine 1, ratio 1.
        let y = [3.0f64, 4.0, 3.0, 4.0, 3.0, 4.0];
        let b = with_defaults(compute, &y, 3, 2).unwrap();
        assert!((b.average_cosine - 1.0).abs() < 1e-15);
        assert!((b.mean_norm_ratio - 1.0).abs() < 1e-15);
        assert!((b.mean_row_norm - 5.0).abs() < 1e-15);
    }

    #[test]
    fn bit_identical_across_thread_counts() {
        for (n, d) in [(700, 5), (30, 40)] {
            let x = data(n, d);
            let m = MatRef::new(&x, n, d).unwrap();
            let p = Params {
                block_rows: 64,
                tile_rows: 8,
                ..Params::default()
            };
            assert_same_for_threads(&format!("{n}x{d}"), &[1, 2, 3], |ctl| {
                compute(m, &p, ctl).unwrap()
            });
        }
    }

    #[test]
    fn too_few_non_zero_rows_is_degenerate() {
        let x = [0.0f64, 0.0, 1.0, 2.0, 0.0, 0.0];
        let e = with_defaults(compute, &x, 3, 2).unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE");
        assert!(e.to_string().contains("1 non-zero rows of 3"), "{e}");
        let one = [1.0f32, 2.0];
        let e = with_defaults(compute, &one, 1, 2).unwrap_err();
        assert_eq!(e.code(), "ERR_EMPTY");
        let nan = [1.0f32, f32::NAN, 0.0, 1.0];
        let e = with_defaults(compute, &nan, 2, 2).unwrap_err();
        assert_eq!(e.code(), "ERR_NON_FINITE");
    }

    #[test]
    fn cancellation_stops_with_abort() {
        let flag = embgeo_core::CancelFlag::new();
        flag.cancel();
        let ctl = Ctl::new(Par::Seq, &flag, &embgeo_core::NoProgress);
        let x = data(50, 3);
        let e = compute(MatRef::new(&x, 50, 3).unwrap(), &Params::default(), &ctl).unwrap_err();
        assert_eq!(e, Error::Cancelled);
    }
}
