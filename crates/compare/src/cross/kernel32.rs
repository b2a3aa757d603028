//! The f32 pass of [`super::compute`]: f32 input multiplied on the kernel layer's AVX-512 FMA
//! kernels, merged in f64.
//!
//! Rows are taken in blocks of [`ROWS`] (one reduction chunk of the AVX-512 kernel). Each block
//! is centred straight into one f32 buffer `Z = [Xc Yc]` (`ROWS × D`, `D = d₁ + d₂`), and its
//! products are **one** kernel call: the SYRK `ZᵀZ` when `XᵀX` or `YᵀY` is wanted (its lower
//! triangle holds `XᵀX`, `YᵀY` and `YᵀX`: the same `n·(d₁²/2 + d₂²/2 + d₁d₂)` multiply-adds as
//! three separate products, one packing of the block), else the GEMM `XᵀY` on strided views of
//! `Z`. The f32 block result is added to one row-major f64 accumulator (contiguous, split by rows
//! over the pool). Blocks run one after another in row order and the kernel splits only output
//! rows, so the sums are bit-identical for every thread count.
//!
//! A block with a centred value outside [`super::F32_SAFE`] is multiplied by faer in f64
//! instead, into the same accumulator.

use embgeo_core::{dense, Ctl, Element, Error, MatRef, Par, Result};
use embgeo_kernels::View;
use faer::linalg::matmul::triangular::BlockStructure;
use faer::{Accum, Mat};
use rayon::prelude::*;

use super::{Cross, Want, F32_SAFE};

/// Rows per block: one `kc` = 384 reduction chunk of the AVX-512 kernel, so each entry of a
/// block's product is one f32 dot product of at most 384 terms (error ≤ γ₃₈₄·Σ|products|,
/// γ₃₈₄ ≈ 2.3·10⁻⁵) before it is added in f64.
pub const ROWS: usize = 384;

/// Accumulator rows per parallel merge task.
const MERGE_ROWS: usize = 64;

/// The f32 pass (see the module documentation); `mx`, `my` are the exact column means.
///
/// # Cost
/// n·(d₁²/2 + d₂²/2 + d₁d₂) multiply-adds on the f32 kernels (n·d₁·d₂ when only `XᵀY` is
/// wanted) plus O(n·D) centring and O(n·D²/(2·ROWS)) f64 additions. Extra memory: one
/// `D × D` f64 accumulator and one `D × D` f32 block product (`d₁ × d₂` each for `XᵀY`
/// alone), the `ROWS × D` f32 block and, for the returned matrices, `d₁² + d₂² + d₁d₂` f64.
pub(super) fn pass<T: Element, U: Element>(
    (x, y): (MatRef<'_, T>, MatRef<'_, U>),
    (mx, my): (&[f64], &[f64]),
    want: Want,
    phase: &'static str,
    ctl: &Ctl<'_>,
) -> Result<Cross> {
    let (n, d1, d2) = (x.rows(), x.cols(), y.cols());
    let dd = d1 + d2;
    let syrk = want.xx || want.yy;
    let (ar, ac) = if syrk { (dd, dd) } else { (d1, d2) };
    let mut acc = buffer::<f64>(ar * ac, dd)?;
    let mut c32 = buffer::<f32>(ar * ac, dd)?;
    let mut z = buffer::<f32>(ROWS.min(n) * dd, dd)?;
    let mut sums = vec![[0.0f64; 2]; ROWS.min(n)];
    let mut row_sums = [0.0f64; 5];
    for s in (0..n).step_by(ROWS) {
        ctl.checkpoint()?;
        let rows = ROWS.min(n - s);
        let safe = centre(
            (x.row_block(s, s + rows), y.row_block(s, s + rows)),
            (mx, my),
            &mut z[..rows * dd],
            &mut sums[..rows],
            ctl.par,
        );
        for &[sx, sy] in &sums[..rows] {
            for (t, v) in row_sums.iter_mut().zip([sx, sy, sx * sy, sx * sx, sy * sy]) {
                *t += v;
            }
        }
        let zb = &z[..rows * dd];
        if safe {
            if syrk {
                embgeo_kernels::syrk_lower_f32(&mut c32, zb, rows, dd, ctl.par)?;
            } else {
                let a = View::new(zb, rows, d1, dd, 1)?.t();
                let b = View::new(&zb[d1..], rows, d2, dd, 1)?;
                embgeo_kernels::gemm_f32(&mut c32, d2, a, b, ctl.par)?;
            }
            merge(&mut acc, &c32, ac, syrk, ctl.par);
        } else {
            let f = widened_block((x.row_block(s, s + rows), y.row_block(s, s + rows)), (mx, my));
            f64_block(&mut acc, &f, (rows, d1, d2), syrk);
        }
        ctl.advance(phase, (s + rows) as u64, n as u64);
    }
    Ok(split(&acc, (n, d1, d2), want, row_sums))
}

fn buffer<E: Copy + Default>(len: usize, side: usize) -> Result<Vec<E>> {
    dense::try_zeros::<E>(len).ok_or_else(|| too_large(side))
}

fn too_large(side: usize) -> Error {
    dense::too_large(
        "A/B",
        side,
        "the feature-space cross-products",
        "use fewer features",
        true,
    )
}

/// Centre the block rows of `x` and `y` into `z` (row-major `rows × (d₁ + d₂)` f32) and write
/// each row's f64 `[‖xᶜᵢ‖², ‖yᶜᵢ‖²]` into `sums`; `true` when every centred value is 0 or inside
/// [`F32_SAFE`]. Rows are independent, so splitting them over the pool changes nothing.
fn centre<T: Element, U: Element>(
    (x, y): (MatRef<'_, T>, MatRef<'_, U>),
    (mx, my): (&[f64], &[f64]),
    z: &mut [f32],
    sums: &mut [[f64; 2]],
    par: Par,
) -> bool {
    let dd = mx.len() + my.len();
    let row = |(i, (zr, s)): (usize, (&mut [f32], &mut [f64; 2]))| -> bool {
        let (zx, zy) = zr.split_at_mut(mx.len());
        // The conversions and checks vectorise under the widest vectors present (the square
        // sums stay serial, so the bits do not change).
        embgeo_core::simd::widest(
            #[inline(always)]
            || {
                let (sx, okx) = centre_row(x.row(i), mx, zx);
                let (sy, oky) = centre_row(y.row(i), my, zy);
                *s = [sx, sy];
                okx && oky
            },
        )
    };
    let rows = z.chunks_mut(dd).zip(sums.iter_mut());
    match par {
        Par::Seq => rows.enumerate().map(row).fold(true, |a, b| a & b),
        Par::Rayon => z
            .par_chunks_mut(dd)
            .zip(sums.par_iter_mut())
            .enumerate()
            .map(row)
            .reduce(|| true, |a, b| a & b),
    }
}

/// `out = (v − m) as f32`; returns `(Σ (v − m)², all safe)` with the square sum in f64.
/// Always inlined (into [`embgeo_core::simd::widest`]'s function).
#[inline(always)]
#[allow(clippy::inline_always)]
fn centre_row<T: Element>(v: &[T], m: &[f64], out: &mut [f32]) -> (f64, bool) {
    let (mut s, mut ok) = (0.0, true);
    for ((o, v), m) in out.iter_mut().zip(v).zip(m) {
        let c = v.to_f64() - m;
        s += c * c;
        let a = c.abs();
        ok &= c == 0.0 || (F32_SAFE.0..=F32_SAFE.1).contains(&a);
        #[allow(clippy::cast_possible_truncation)] // rounding to f32 is the point
        {
            *o = c as f32;
        }
    }
    (s, ok)
}

/// `acc += c` over the lower triangle (`syrk`) or the whole row-major buffer, `width` columns.
fn merge(acc: &mut [f64], c: &[f32], width: usize, syrk: bool, par: Par) {
    let task = |(t, (a, c)): (usize, (&mut [f64], &[f32]))| {
        // Element-wise: compiled for the widest vectors present, the same bits.
        embgeo_core::simd::widest(
            #[inline(always)]
            || {
                for (r, (ar, cr)) in a.chunks_mut(width).zip(c.chunks(width)).enumerate() {
                    let len = if syrk { t * MERGE_ROWS + r + 1 } else { width };
                    for (o, v) in ar[..len].iter_mut().zip(&cr[..len]) {
                        *o += f64::from(*v);
                    }
                }
            },
        );
    };
    let chunk = MERGE_ROWS * width;
    match par {
        Par::Seq => acc
            .chunks_mut(chunk)
            .zip(c.chunks(chunk))
            .enumerate()
            .for_each(task),
        Par::Rayon => acc
            .par_chunks_mut(chunk)
            .zip(c.par_chunks(chunk))
            .enumerate()
            .for_each(task),
    }
}

/// The centred block in f64 (row-major `rows × (d₁ + d₂)`), for the f64 fallback.
fn widened_block<T: Element, U: Element>(
    (x, y): (MatRef<'_, T>, MatRef<'_, U>),
    (mx, my): (&[f64], &[f64]),
) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.rows() * (mx.len() + my.len()));
    for i in 0..x.rows() {
        out.extend(x.row(i).iter().zip(mx).map(|(v, m)| v.to_f64() - m));
        out.extend(y.row(i).iter().zip(my).map(|(v, m)| v.to_f64() - m));
    }
    out
}

/// The products of the centred f64 block `z` by faer on the calling thread, added to `acc`
/// (same layout as the f32 products).
fn f64_block(acc: &mut [f64], z: &[f64], (rows, d1, d2): (usize, usize, usize), syrk: bool) {
    let dd = d1 + d2;
    let zm = faer::MatRef::from_row_major_slice(z, rows, dd);
    if syrk {
        let out = faer::MatMut::from_row_major_slice_mut(acc, dd, dd);
        faer::linalg::matmul::triangular::matmul(
            out,
            BlockStructure::TriangularLower,
            Accum::Add,
            zm.transpose(),
            BlockStructure::Rectangular,
            zm,
            BlockStructure::Rectangular,
            1.0,
            faer::Par::Seq,
        );
    } else {
        let out = faer::MatMut::from_row_major_slice_mut(acc, d1, d2);
        let (a, b) = (zm.subcols(0, d1), zm.subcols(d1, d2));
        faer::linalg::matmul::matmul(out, Accum::Add, a.transpose(), b, 1.0, faer::Par::Seq);
    }
}

/// The accumulator as a [`Cross`]: `XᵀX`, `YᵀY` (lower triangles) and `XᵀY` from `ZᵀZ`, or
/// `XᵀY` itself.
fn split(
    acc: &[f64],
    (n, d1, d2): (usize, usize, usize),
    want: Want,
    [sq_x, sq_y, sq_xy, quad_x, quad_y]: [f64; 5],
) -> Cross {
    let dd = d1 + d2;
    let lower = |off: usize, d: usize| {
        Mat::from_fn(d, d, |i, j| {
            if j <= i {
                acc[(off + i) * dd + off + j]
            } else {
                0.0
            }
        })
    };
    let syrk = want.xx || want.yy;
    Cross {
        rows: n,
        xx: if want.xx { lower(0, d1) } else { Mat::new() },
        yy: if want.yy { lower(d1, d2) } else { Mat::new() },
        xy: if syrk {
            Mat::from_fn(d1, d2, |i, j| acc[(d1 + j) * dd + i])
        } else {
            Mat::from_fn(d1, d2, |i, j| acc[i * d2 + j])
        },
        sq_x,
        sq_y,
        sq_xy,
        quad_x,
        quad_y,
    }
}
