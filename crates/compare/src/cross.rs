//! The feature-space cross-products of two centred representations in one pass over the rows:
//! `XᵀX` (d₁ × d₁), `YᵀY` (d₂ × d₂), `XᵀY` (d₁ × d₂), plus the row-norm sums the debiased
//! (unbiased-HSIC) CKA needs.
//!
//! Rows are centred by the column means (computed first, exactly), taken in blocks of
//! [`BLOCK_ROWS`], and each block's products are one sequential faer GEMM each; a fixed number of
//! lanes ([`LANES`], contiguous runs of blocks) accumulate their own products, merged in lane
//! order, so the result is bit-identical for any thread count.

use embgeo_core::{chunks::map_chunks, dense, Ctl, Element, MatRef, Result};
use faer::linalg::matmul::triangular::BlockStructure;
use faer::{Accum, Mat};

use crate::pair::{centred_block, column_means, BLOCK_ROWS};

/// Lanes of the pass: the bound on parallelism and memory (`LANES · (d₁² + d₂² + d₁d₂)` f64).
pub const LANES: usize = 4;

/// What to accumulate besides `XᵀY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    /// `XᵀX` (else left empty).
    pub xx: bool,
    /// `YᵀY` (else left empty).
    pub yy: bool,
}

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
}

impl Cross {
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
        })
    }

    fn add(&mut self, o: &Cross) {
        self.xx += &o.xx;
        self.yy += &o.yy;
        self.xy += &o.xy;
        self.sq_x += o.sq_x;
        self.sq_y += o.sq_y;
        self.sq_xy += o.sq_xy;
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
/// (SYRKs for the symmetric ones; fewer when `want` drops `XᵀX` or `YᵀY`). Extra memory: `(LANES + 1)·(d₁² + d₂² + d₁d₂)` f64 plus
/// one centred block of `BLOCK_ROWS·(d₁ + d₂)` f64 per lane.
/// # Determinism
/// Bit-identical for every `ctl.par` (fixed blocks and lanes, ordered merge).
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
    let n_blocks = n.div_ceil(BLOCK_ROWS);
    let per_lane = n_blocks.div_ceil(LANES).max(1);
    let lanes = map_chunks(ctl, phase, n_blocks, per_lane, |blocks| {
        let mut acc = Cross::zeros(n, d1, d2, want)?;
        let (mut bx, mut by) = (Vec::new(), Vec::new());
        for bi in blocks {
            ctl.checkpoint()?;
            let (s, e) = (bi * BLOCK_ROWS, ((bi + 1) * BLOCK_ROWS).min(n));
            centred_block(x, s, e, &mx, &mut bx);
            centred_block(y, s, e, &my, &mut by);
            for (rx, ry) in bx.chunks_exact(d1).zip(by.chunks_exact(d2)) {
                let sx: f64 = rx.iter().map(|v| v * v).sum();
                let sy: f64 = ry.iter().map(|v| v * v).sum();
                acc.sq_x += sx;
                acc.sq_y += sy;
                acc.sq_xy += sx * sy;
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

    #[test]
    fn products_equal_the_naive_sums_for_any_block_split() {
        let (n, d1, d2) = (1100, 3, 2);
        let xs: Vec<f64> = (0..n * d1).map(|i| ((i * 7919) % 113) as f64 / 10.0).collect();
        let ys: Vec<f32> = (0..n * d2).map(|i| ((i * 104_729) % 89) as f32 / 7.0).collect();
        let x = MatRef::new(&xs, n, d1).unwrap();
        let y = MatRef::new(&ys, n, d2).unwrap();
        let c = compute(x, y, Want { xx: true, yy: true }, "t", &Ctl::detached()).unwrap();
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
}
