//! Cache blocking and parallel split of [`gemm_f32`] and [`syrk_lower_f32`].

use embgeo_core::{Error, Par, Result};
use rayon::prelude::*;

use crate::micro::{self, Tile, MR, NR};
use crate::pack::{pack_a, pack_b};
use crate::{Path, View, KC, MC};

/// `C = A·B`: `a` m × k, `b` k × n (any strides), `c` m × n row-major with row stride `ldc`
/// (`ldc ≥ n`, `c.len() ≥ (m − 1)·ldc + n`); entries of `c` outside the m × n block are not
/// touched. k = 0 gives zeros.
///
/// # Cost
/// 2·m·n·k flops; extra memory `n.div_ceil(16)·16·min(k, KC)` + per worker `MC·KC` f32
/// (≈ 120 KB), allocated fallibly.
/// # Determinism
/// Bit-identical for every `par` and thread count (parallel over blocks of [`MC`] rows of `C`).
/// # Errors
/// `Shape` if `a.cols() != b.rows()` or `c` / `ldc` cannot hold the result; `OutOfRange` if the
/// allocator refuses the packing buffers.
/// # Panics
/// Never.
pub fn gemm_f32(c: &mut [f32], ldc: usize, a: View<'_>, b: View<'_>, par: Par) -> Result<()> {
    gemm_f32_with(crate::path(), c, ldc, a, b, par)
}

/// [`gemm_f32`] on an explicit [`Path`] (an unsupported path runs the scalar kernel).
///
/// # Errors
/// As [`gemm_f32`].
pub fn gemm_f32_with(
    path: Path,
    c: &mut [f32],
    ldc: usize,
    a: View<'_>,
    b: View<'_>,
    par: Par,
) -> Result<()> {
    if a.cols() != b.rows() {
        return Err(Error::Shape {
            what: "gemm inner dimensions (A.cols vs B.rows)".into(),
            expected: a.cols(),
            actual: b.rows(),
            fix: "",
        });
    }
    let (m, n) = (a.rows(), b.cols());
    check_out(c.len(), ldc, m, n)?;
    run(path, c, ldc, a, b, false, par)
}

/// `C = Aᵀ·A` for a row-major `rows × d` block `a`: the lower triangle (`i ≥ j`) of the
/// row-major `d × d` buffer `c` is set; entries above the diagonal are unspecified (those in
/// diagonal tiles get their symmetric value, the others are not touched). rows = 0 gives zeros.
///
/// # Cost
/// rows·d·(d + 16) flops (half a GEMM plus the diagonal tiles); extra memory
/// `d.div_ceil(16)·16·min(rows, KC)` + per worker `MC·KC` f32, allocated fallibly.
/// # Determinism
/// Bit-identical for every `par` and thread count.
/// # Errors
/// `Shape` if `a.len() < rows·d` or `c.len() < d·d`; `OutOfRange` if the allocator refuses.
/// # Panics
/// Never.
pub fn syrk_lower_f32(c: &mut [f32], a: &[f32], rows: usize, d: usize, par: Par) -> Result<()> {
    syrk_lower_f32_with(crate::path(), c, a, rows, d, par)
}

/// [`syrk_lower_f32`] on an explicit [`Path`].
///
/// # Errors
/// As [`syrk_lower_f32`].
pub fn syrk_lower_f32_with(
    path: Path,
    c: &mut [f32],
    a: &[f32],
    rows: usize,
    d: usize,
    par: Par,
) -> Result<()> {
    let x = View::row_major(a, rows, d)?;
    check_out(c.len(), d, d, d)?;
    run(path, c, d, x.t(), x, true, par)
}

fn check_out(len: usize, ldc: usize, m: usize, n: usize) -> Result<()> {
    let need = if m == 0 || n == 0 {
        Some(0)
    } else {
        (m - 1).checked_mul(ldc).and_then(|v| v.checked_add(n))
    };
    match need {
        Some(need) if ldc >= n && len >= need => Ok(()),
        _ => Err(Error::Shape {
            what: format!("kernel output {m} × {n} with row stride {ldc} vs buffer length"),
            expected: need.unwrap_or(usize::MAX),
            actual: len,
            fix: "pass an output buffer of (rows − 1)·ldc + cols values, ldc ≥ cols",
        }),
    }
}

/// A zero-filled f32 buffer, allocated fallibly.
fn zeros(len: usize) -> Result<Vec<f32>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Error::OutOfRange {
        name: "kernel scratch",
        expected: "a packing buffer the allocator can provide".into(),
        actual: format!("{len} f32 values"),
    })?;
    v.resize(len, 0.0);
    Ok(v)
}

/// The blocked product; `lower` skips tiles entirely above the diagonal (i < j everywhere).
fn run(path: Path, c: &mut [f32], ldc: usize, a: View<'_>, b: View<'_>, lower: bool, par: Par) -> Result<()> {
    let (m, n, k) = (a.rows(), b.cols(), a.cols());
    if m == 0 || n == 0 {
        return Ok(());
    }
    let c = &mut c[..(m - 1) * ldc + n];
    if k == 0 {
        for row in c.chunks_mut(ldc) {
            let w = n.min(row.len());
            row[..w].fill(0.0);
        }
        return Ok(());
    }
    let panels = n.div_ceil(NR);
    let mut bp = zeros(panels * NR * KC.min(k))?;
    for t0 in (0..k).step_by(KC) {
        let kc = KC.min(k - t0);
        let bp = &mut bp[..panels * NR * kc];
        pack_b(bp, b, t0, kc);
        let bp = &*bp;
        let first = t0 == 0;
        let block = |(bi, cb): (usize, &mut [f32])| -> Result<()> {
            let i0 = bi * MC;
            let mc = MC.min(m - i0);
            let mut ap = zeros(mc.div_ceil(MR) * MR * kc)?;
            pack_a(&mut ap, a, i0, mc, t0, kc);
            let mut acc: Tile = [0.0; MR * NR];
            for (q, bq) in bp.chunks_exact(NR * kc).enumerate() {
                let j0 = q * NR;
                if lower && j0 >= i0 + mc {
                    break;
                }
                let nr = NR.min(n - j0);
                for (p, ap) in ap.chunks_exact(MR * kc).enumerate() {
                    let r0 = p * MR;
                    let mr = MR.min(mc - r0);
                    if lower && j0 >= i0 + r0 + mr {
                        continue;
                    }
                    micro::tile(path, ap, bq, &mut acc);
                    store(cb, ldc, r0, j0, mr, nr, &acc, first);
                }
            }
            Ok(())
        };
        match par {
            Par::Seq => c.chunks_mut(MC * ldc).enumerate().try_for_each(block)?,
            Par::Rayon => c.par_chunks_mut(MC * ldc).enumerate().try_for_each(block)?,
        }
    }
    Ok(())
}

/// Write (first chunk) or add the valid `mr × nr` corner of a tile at `(r0, j0)` of `c`.
#[allow(clippy::too_many_arguments)]
#[inline]
fn store(c: &mut [f32], ldc: usize, r0: usize, j0: usize, mr: usize, nr: usize, acc: &Tile, first: bool) {
    for (r, src) in acc.chunks_exact(NR).take(mr).enumerate() {
        let start = (r0 + r) * ldc + j0;
        let dst = &mut c[start..start + nr];
        if first {
            dst.copy_from_slice(&src[..nr]);
        } else {
            for (x, y) in dst.iter_mut().zip(src) {
                *x += y;
            }
        }
    }
}
