//! The feature-space cross-products of two centred representations in one pass over the rows:
//! `XᵀX` (d₁ × d₁), `YᵀY` (d₂ × d₂), `XᵀY` (d₁ × d₂), plus the row-norm sums the debiased
//! (unbiased-HSIC) CKA needs (`Σ‖xᶜᵢ‖²‖yᶜᵢ‖²`, `Σ‖xᶜᵢ‖⁴`, `Σ‖yᶜᵢ‖⁴`).
//!
//! Rows are centred by the column means (computed first, exactly). Two passes:
//! - f32 input (when [`Want::f32_blocks`] allows it): [`kernel32`] — blocks centred straight into
//!   f32 and multiplied by the kernel layer's AVX-512 FMA kernels (one SYRK of `[Xc Yc]` per
//!   block), each block added to one f64 accumulator in row order;
//! - otherwise: blocks of [`block_rows`] rows centred in f64 and multiplied by faer in f64; a fixed
//!   number of lanes ([`LANES`], contiguous runs of blocks) accumulate their own products,
//!   merged in lane order.
//!
//! Both are bit-identical for any thread count.

use embgeo_core::{chunks::map_chunks, dense, Ctl, Element, Error, MatRef, Result};
use faer::linalg::matmul::triangular::BlockStructure;
use faer::{Accum, Mat};

use crate::pair::{block_rows, centred_block, column_means};

mod kernel32;

pub use kernel32::ROWS as F32_BLOCK_ROWS;

/// Lanes of the pass: the bound on parallelism and memory (`LANES · (d₁² + d₂² + d₁d₂)` f64).
pub const LANES: usize = 4;

/// What to accumulate besides `XᵀY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    /// `XᵀX` (else left empty).
    pub xx: bool,
    /// `YᵀY` (else left empty).
    pub yy: bool,
    /// Multiply the centred blocks of f32 input in f32 (kernel layer), merged in f64: each
    /// block's products are f32 dot products of at most [`F32_BLOCK_ROWS`] terms (error
    /// ≤ γ₃₈₄·Σ|products|, typically √384·2⁻²⁴ relative). `false` keeps
    /// every product in f64 (for callers whose results cancel, e.g. a distance near 0).
    pub f32_blocks: bool,
}

/// Centred values `c` of a block must satisfy `c == 0` or `F32_SAFE.0 ≤ |c| ≤ F32_SAFE.1` for
/// the block to be multiplied in f32 (the kernel layer's range): products and their sums over
/// [`F32_BLOCK_ROWS`] rows then stay far from f32's overflow and underflow limits.
pub use embgeo_kernels::F32_SAFE;

/// The cross-products of the centred `X` (n × d₁) and `Y` (n × d₂).
#[derive(Debug, Clone)]
pub struct Cross {
    /// Rows, n.
    pub rows: usize,
    /// `XcᵀXc` (d₁ × d₁, lower triangle only; the upper one is 0) or 0 × 0 when not wanted.
    pub xx: Mat<f64>,
    /// `YcᵀYc` (d₂ × d₂, lower triangle only) or 0 × 0 when not wanted.
    pub yy: Mat<f64>,
    /// `XcᵀYc` (d₁ × d₂).
    pub xy: Mat<f64>,
    /// `Σᵢ ‖xᶜᵢ‖²` = `tr(XcᵀXc)` = `‖Xc‖²_F`.
    pub sq_x: f64,
    /// `Σᵢ ‖yᶜᵢ‖²`.
    pub sq_y: f64,
    /// `Σᵢ ‖xᶜᵢ‖² ‖yᶜᵢ‖²`.
    pub sq_xy: f64,
    /// `Σᵢ ‖xᶜᵢ‖⁴`.
    pub quad_x: f64,
    /// `Σᵢ ‖yᶜᵢ‖⁴`.
    pub quad_y: f64,
}

impl Cross {
    /// `Ok` when both centred matrices vary (`sq_x > 0`, `sq_y > 0`), else `zero("A")` or
    /// `zero("B")` for the first that is constant (the caller's wording of the error).
    ///
    /// # Errors
    /// `zero`'s error for a side with zero variance.
    pub fn require_variance(&self, zero: impl Fn(&'static str) -> Error) -> Result<()> {
        if self.sq_x <= 0.0 {
            return Err(zero("A"));
        }
        if self.sq_y <= 0.0 {
            return Err(zero("B"));
        }
        Ok(())
    }

    fn zeros(rows: usize, d1: usize, d2: usize, want: Want) -> Result<Self> {
        const METHOD: &str = "the feature-space cross-products";
        const FIX: &str = "use fewer features";
        let side = d1.max(d2);
        dense::check_square("A/B", side, METHOD, FIX)?;
        let mat = |r: usize, c: usize| {
            embgeo_core::linalg::try_mat_zeros::<f64>(r, c)
                .ok_or_else(|| dense::too_large("A/B", side, METHOD, FIX, true))
        };
        Ok(Self {
            rows,
            xx: if want.xx { mat(d1, d1)? } else { Mat::new() },
            yy: if want.yy { mat(d2, d2)? } else { Mat::new() },
            xy: mat(d1, d2)?,
            sq_x: 0.0,
            sq_y: 0.0,
            sq_xy: 0.0,
            quad_x: 0.0,
            quad_y: 0.0,
        })
    }

    fn add(&mut self, o: &Cross) {
        self.xx += &o.xx;
        self.yy += &o.yy;
        self.xy += &o.xy;
        self.sq_x += o.sq_x;
        self.sq_y += o.sq_y;
        self.sq_xy += o.sq_xy;
        self.quad_x += o.quad_x;
        self.quad_y += o.quad_y;
    }
}

/// `out (lower triangle) += aᵀa` for the row-major `rows × da` block `a` (a SYRK: half the
/// multiply-adds of the full product).
fn syrk(out: &mut Mat<f64>, a: &[f64], da: usize, rows: usize) {
    let a = faer::MatRef::from_row_major_slice(a, rows, da);
    faer::linalg::matmul::triangular::matmul(
        out.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Add,
        a.transpose(),
        BlockStructure::Rectangular,
        a,
        BlockStructure::Rectangular,
        1.0,
        faer::Par::Seq,
    );
}

fn gemm(out: &mut Mat<f64>, a: &[f64], da: usize, b: &[f64], db: usize, rows: usize) {
    let a = faer::MatRef::from_row_major_slice(a, rows, da);
    let b = faer::MatRef::from_row_major_slice(b, rows, db);
    faer::linalg::matmul::matmul(out.as_mut(), Accum::Add, a.transpose(), b, 1.0, faer::Par::Seq);
}

/// Cross-products of the centred `x` and `y` (same rows; checked by the caller).
///
/// # Shapes and types
/// `x`: n × d₁, `y`: n × d₂, f32 or f64 each (accumulated in f64).
/// # Cost
/// O(n·(d₁ + d₂)) for the means, O(n·(d₁²/2 + d₂²/2 + d₁d₂)) multiply-adds for the products
/// (SYRKs for the symmetric ones; fewer when `want` drops `XᵀX` or `YᵀY`). Extra memory: f64
/// pass `(LANES + 1)·(d₁² + d₂² + d₁d₂)` f64 plus one centred block of `block_rows·(d₁ + d₂)`
/// f64 per lane; f32 pass one `D × D` f64 accumulator and one `D × D` f32 block product
/// (`D = d₁ + d₂`; `d₁ × d₂` each when only `XᵀY` is wanted), one `F32_BLOCK_ROWS × D` f32
/// block, plus the returned `d₁² + d₂² + d₁d₂` f64.
/// # Determinism
/// Bit-identical for every `ctl.par` (fixed blocks and lanes, ordered merges; the kernels split
/// output rows only).
/// # Errors
/// `OutOfRange` when a `d × d` product is over the dense limit, `Cancelled`.
/// # Panics
/// Never.
pub fn compute<T: Element, U: Element>(
    x: MatRef<'_, T>,
    y: MatRef<'_, U>,
    want: Want,
    phase: &'static str,
    ctl: &Ctl<'_>,
) -> Result<Cross> {
    let (n, d1, d2) = (x.rows(), x.cols(), y.cols());
    let mx = column_means(x);
    let my = column_means(y);
    if want.f32_blocks && T::DTYPE == "f32" && U::DTYPE == "f32" {
        return kernel32::pass((x, y), (&mx, &my), want, phase, ctl);
    }
    let rows = block_rows(d1, d2);
    let n_blocks = n.div_ceil(rows);
    let per_lane = n_blocks.div_ceil(LANES).max(1);
    let lanes = map_chunks(ctl, phase, n_blocks, per_lane, |blocks| {
        let mut acc = Cross::zeros(n, d1, d2, want)?;
        let (mut bx, mut by) = (Vec::new(), Vec::new());
        for bi in blocks {
            ctl.checkpoint()?;
            let (s, e) = (bi * rows, ((bi + 1) * rows).min(n));
            centred_block(x, s, e, &mx, &mut bx);
            centred_block(y, s, e, &my, &mut by);
            for (rx, ry) in bx.chunks_exact(d1).zip(by.chunks_exact(d2)) {
                let sx: f64 = rx.iter().map(|v| v * v).sum();
                let sy: f64 = ry.iter().map(|v| v * v).sum();
                acc.sq_x += sx;
                acc.sq_y += sy;
                acc.sq_xy += sx * sy;
                acc.quad_x += sx * sx;
                acc.quad_y += sy * sy;
            }
            if want.xx {
                syrk(&mut acc.xx, &bx, d1, e - s);
            }
            if want.yy {
                syrk(&mut acc.yy, &by, d2, e - s);
            }
            gemm(&mut acc.xy, &bx, d1, &by, d2, e - s);
        }
        Ok(acc)
    })?;
    let mut total = Cross::zeros(n, d1, d2, want)?;
    for lane in &lanes {
        total.add(lane);
    }
    Ok(total)
}

/// `‖M‖²_F`, summed column by column (deterministic).
#[must_use]
pub fn frobenius_sq(m: &Mat<f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..m.ncols() {
        for v in m.col(j).iter() {
            s += v * v;
        }
    }
    s
}

/// `‖M‖²_F` of the symmetric matrix whose lower triangle is stored in `m`.
#[must_use]
pub fn frobenius_sq_lower(m: &Mat<f64>) -> f64 {
    let mut s = 0.0;
    for j in 0..m.ncols() {
        let col = m.col(j);
        s += col[j] * col[j];
        for i in j + 1..m.nrows() {
            s += 2.0 * col[i] * col[i];
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use embgeo_core::Par;

    #[test]
    fn products_equal_the_naive_sums_for_any_block_split() {
        let (n, d1, d2) = (1100, 3, 2);
        let xs: Vec<f64> = (0..n * d1).map(|i| ((i * 7919) % 113) as f64 / 10.0).collect();
        let ys: Vec<f32> = (0..n * d2).map(|i| ((i * 104_729) % 89) as f32 / 7.0).collect();
        let x = MatRef::new(&xs, n, d1).unwrap();
        let y = MatRef::new(&ys, n, d2).unwrap();
        let c = compute(
            x,
            y,
            Want {
                xx: true,
                yy: true,
                f32_blocks: true,
            },
            "t",
            &Ctl::detached(),
        )
        .unwrap();
        let xc = crate::pair::centred(x);
        let yc = crate::pair::centred(y);
        for a in 0..d1 {
            for b in 0..d2 {
                let want: f64 = (0..n).map(|i| xc[i * d1 + a] * yc[i * d2 + b]).sum();
                assert!((c.xy[(a, b)] - want).abs() <= 1e-9 * want.abs().max(1.0));
            }
        }
        let sq: f64 = xc.iter().map(|v| v * v).sum();
        assert!((c.sq_x - sq).abs() <= 1e-9 * sq);
        let tr: f64 = (0..d1).map(|a| c.xx[(a, a)]).sum();
        assert!((tr - sq).abs() <= 1e-9 * sq);
    }

    /// f32 input through the kernel layer: within the f32 block error of the f64 products, and
    /// bit-identical for every thread count.
    #[test]
    fn f32_blocks_match_f64_products_and_ignore_thread_count() {
        let (n, d1, d2) = (1300, 19, 7);
        let xs: Vec<f32> = (0..n * d1)
            .map(|i| ((i * 7919) % 113) as f32 / 10.0 - 3.0)
            .collect();
        let ys: Vec<f32> = (0..n * d2)
            .map(|i| ((i * 104_729) % 89) as f32 / 7.0 + 1.0)
            .collect();
        let x = MatRef::new(&xs, n, d1).unwrap();
        let y = MatRef::new(&ys, n, d2).unwrap();
        // Both symmetric products (one SYRK of [Xc Yc] per block), XᵀY alone (one GEMM) and XᵀX
        // alone (the SYRK again).
        for (xx, yy) in [(true, true), (false, false), (true, false)] {
            let want = |f32_blocks| Want { xx, yy, f32_blocks };
            let f = compute(x, y, want(true), "t", &Ctl::detached()).unwrap();
            let s = compute(x, y, want(true), "t", &Ctl::detached().with_par(Par::Seq)).unwrap();
            let g = compute(x, y, want(false), "t", &Ctl::detached()).unwrap();
            // Per block: |error| ≤ γ_384·Σ|products|, γ_384 ≈ 384·2⁻²⁴ ≈ 2.3e-5 (f32 dot
            // products of at most F32_BLOCK_ROWS = 384 rounded centred rows), plus the rounding
            // of the rows themselves (2·2⁻²⁴).
            let bound = |a: &Mat<f64>, b: &Mat<f64>| {
                assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
                for j in 0..a.ncols() {
                    for i in 0..a.nrows() {
                        assert!((a[(i, j)] - b[(i, j)]).abs() <= 2.4e-5 * (f.sq_x + f.sq_y));
                    }
                }
            };
            bound(&f.xy, &g.xy);
            bound(&f.xx, &g.xx);
            bound(&f.yy, &g.yy);
            assert_eq!(f.xx.nrows(), if xx { d1 } else { 0 });
            assert_eq!(f.yy.nrows(), if yy { d2 } else { 0 });
            for m in [&f.xx, &f.yy] {
                for j in 0..m.ncols() {
                    assert!((0..j).all(|i| m[(i, j)] == 0.0), "upper triangle stays 0");
                }
            }
            let rel = (frobenius_sq(&f.xy) - frobenius_sq(&g.xy)).abs() / frobenius_sq(&g.xy);
            assert!(rel < 1e-6, "{rel}");
            assert!((f.sq_xy - g.sq_xy).abs() <= 1e-12 * g.sq_xy);
            assert!((f.quad_x - g.quad_x).abs() <= 1e-12 * g.quad_x);
            assert!((f.quad_y - g.quad_y).abs() <= 1e-12 * g.quad_y);
            for (a, b) in [(&f.xy, &s.xy), (&f.xx, &s.xx), (&f.yy, &s.yy)] {
                for j in 0..a.ncols() {
                    for i in 0..a.nrows() {
                        assert_eq!(a[(i, j)].to_bits(), b[(i, j)].to_bits());
                    }
                }
            }
            // f32 blocks differ from f64 ones (the kernel path really ran).
            assert!((0..d2).any(|j| f.xy[(0, j)].to_bits() != g.xy[(0, j)].to_bits()));
        }
    }

    /// One block with values outside `F32_SAFE` takes the f64 products; the others stay f32.
    #[test]
    fn one_unsafe_block_falls_back_alone() {
        let (n, d) = (1000, 3);
        let mut xs: Vec<f32> = (0..n * d).map(|i| ((i * 37) % 11) as f32).collect();
        xs[500 * d] = 1e17;
        let x = MatRef::new(&xs, n, d).unwrap();
        let want = |f32_blocks| Want {
            xx: true,
            yy: true,
            f32_blocks,
        };
        let c = compute(x, x, want(true), "t", &Ctl::detached()).unwrap();
        let g = compute(x, x, want(false), "t", &Ctl::detached()).unwrap();
        for j in 0..d {
            for i in j..d {
                let (a, b) = (c.xx[(i, j)], g.xx[(i, j)]);
                assert!(a.is_finite() && (a - b).abs() <= 2.4e-5 * g.sq_x, "{a} vs {b}");
            }
        }
    }

    /// Values outside `F32_SAFE` take the f64 products (no overflow to ±∞ in f32).
    #[test]
    fn huge_values_fall_back_to_f64() {
        let (n, d) = (40, 3);
        let xs: Vec<f32> = (0..n * d).map(|i| ((i * 37) % 11) as f32 * 1e30).collect();
        let x = MatRef::new(&xs, n, d).unwrap();
        let want = Want {
            xx: true,
            yy: true,
            f32_blocks: true,
        };
        let c = compute(x, x, want, "t", &Ctl::detached()).unwrap();
        let g = compute(
            x,
            x,
            Want {
                f32_blocks: false,
                ..want
            },
            "t",
            &Ctl::detached(),
        )
        .unwrap();
        assert!(c.xy[(0, 0)].is_finite() && c.xy[(0, 0)] > 1e60);
        assert_eq!(c.xy[(1, 0)].to_bits(), g.xy[(1, 0)].to_bits());
    }
}
