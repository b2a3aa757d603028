//! The public entries [`gemm_f32`], [`syrk_lower_f32`] and [`gemm_nt_f32`]: shape checks, then
//! the blocked loop of [`crate::blocked`].

use embgeo_core::{Error, Par, Result};

use crate::blocked::{run, Job};
use crate::{Path, View};

/// `C = A·B`: `a` m × k, `b` k × n (any strides), `c` m × n row-major with row stride `ldc`
/// (`ldc ≥ n`, `c.len() ≥ (m − 1)·ldc + n`); entries of `c` outside the m × n block are not
/// touched. k = 0 gives zeros.
///
/// # Cost
/// 2·m·n·k flops; extra memory `n.div_ceil(NR)·NR·min(k, KC)` + per worker `MC·KC` f32
/// (≈ 120 KB on AVX2/scalar with `MC`·`KC` = 120·256, ≈ 420 KB on AVX-512 with 280·384),
/// allocated fallibly once per thread and kept for its next call.
/// # Determinism
/// Bit-identical for every `par` and thread count (parallel over blocks of `MC` rows of `C`).
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
    let job = Job {
        lower: false,
        wide: false,
        scale: None,
        par,
    };
    run(path, c, ldc, a, b, job)
}

/// `C = Aᵀ·A` for a row-major `rows × d` block `a`: the lower triangle (`i ≥ j`) of the
/// row-major `d × d` buffer `c` is set; entries above the diagonal are unspecified (those in
/// diagonal tiles get their symmetric value, the others are not touched). rows = 0 gives zeros.
///
/// # Cost
/// rows·d·(d + NR) flops (half a GEMM plus the diagonal tiles, `NR` = 16 or 32 by path); extra
/// memory `d.div_ceil(NR)·NR·min(rows, KC)` + per worker `MC·KC` f32, allocated fallibly once
/// per thread and kept for its next call.
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
    let job = Job {
        lower: true,
        wide: false,
        scale: None,
        par,
    };
    run(path, c, d, x.t(), x, job)
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

/// `dst = alpha·A·Bᵀ` stored column-major (`dst[j·m + i] = alpha·⟨a_i, b_j⟩`), `a` m × d and
/// `b` n × d row-major: the key tile of a brute-force kNN pass, on the calling thread.
///
/// # Shapes and types
/// `dst.len() ≥ m·n`, `a.len() ≥ m·d`, `b.len() ≥ n·d`, f32. Only `dst[..m·n]` is written.
/// # Cost
/// 2·m·n·d flops; extra memory `m.div_ceil(NR)·NR·min(d, KC)` + `MC·KC` f32 (≤ 1.1 MB for
/// m ≤ 384 on AVX-512), allocated fallibly once per thread and kept for its next call.
/// # Accuracy
/// Each entry is the f32 dot product summed as in [`gemm_f32`], then multiplied by `alpha` once:
/// `|d̂ − alpha·⟨a, b⟩| ≤ |alpha|·γ_{d+2}·Σ|a_t·b_t|` (exact multiply when `alpha` is a power of
/// two).
/// # Determinism
/// Bit-identical on one path for every call; `Par::Seq` inside (callers parallelise over tiles).
/// # Errors
/// `Shape` if a buffer is too short.
/// # Panics
/// Never.
#[allow(clippy::too_many_arguments)] // the BLAS-like signature: dst, a, b, three sizes, alpha
pub fn gemm_nt_f32(
    dst: &mut [f32],
    a: &[f32],
    b: &[f32],
    m: usize,
    n: usize,
    d: usize,
    alpha: f32,
) -> Result<()> {
    gemm_nt_f32_with(crate::path(), dst, a, b, m, n, d, alpha)
}

/// [`gemm_nt_f32`] on an explicit [`Path`].
///
/// # Errors
/// As [`gemm_nt_f32`].
#[allow(clippy::too_many_arguments)] // as gemm_nt_f32, plus the path
pub fn gemm_nt_f32_with(
    path: Path,
    dst: &mut [f32],
    a: &[f32],
    b: &[f32],
    m: usize,
    n: usize,
    d: usize,
    alpha: f32,
) -> Result<()> {
    // Column-major m × n is row-major n × m: C = B·Aᵀ with row stride m.
    let bv = View::row_major(b, n, d)?;
    let at = View::row_major(a, m, d)?.t();
    check_out(dst.len(), m, n, m)?;
    let job = Job {
        lower: false,
        wide: true,
        scale: Some(alpha),
        par: Par::Seq,
    };
    run(path, dst, m, bv, at, job)
}
