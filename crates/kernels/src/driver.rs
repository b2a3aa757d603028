//! The public entries [`gemm_f32`], [`syrk_lower_f32`] and [`gemm_nt_f32`]: shape checks, then
//! the blocked loop of [`crate::blocked`].

use embgeo_core::{Error, Par, Result};

use crate::blocked::{run, Job};
use crate::out::Out;
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
    Error::require_equal("gemm inner dimensions (A.cols vs B.rows)", a.cols(), b.rows(), "")?;
    let out = Out::new(c, ldc, a.rows(), b.cols())?;
    run(path, out, a, b, Job::product(par))
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
    let out = Out::new(c, d, d, d)?;
    let job = Job {
        lower: true,
        ..Job::product(par)
    };
    run(path, out, x.t(), x, job)
}

/// `dst = alpha·A·Bᵀ` stored column-major (`dst[j·m + i] = alpha·⟨a_i, b_j⟩`), `a` m × d and
/// `b` n × d (any strides; row-major in a kNN pass): the key tile of a brute-force kNN pass, on
/// the calling thread.
///
/// # Shapes and types
/// `dst.len() ≥ m·n`, f32. Only `dst[..m·n]` is written.
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
/// `Shape` if `a.cols() != b.cols()` or `dst` is too short.
/// # Panics
/// Never.
pub fn gemm_nt_f32(dst: &mut [f32], a: View<'_>, b: View<'_>, alpha: f32) -> Result<()> {
    gemm_nt_f32_with(crate::path(), dst, a, b, alpha)
}

/// [`gemm_nt_f32`] on an explicit [`Path`].
///
/// # Errors
/// As [`gemm_nt_f32`].
pub fn gemm_nt_f32_with(path: Path, dst: &mut [f32], a: View<'_>, b: View<'_>, alpha: f32) -> Result<()> {
    Error::require_equal("gemm_nt widths (B.cols vs A.cols)", a.cols(), b.cols(), "")?;
    // Column-major m × n is row-major n × m: C = B·Aᵀ with row stride m.
    let (m, n) = (a.rows(), b.rows());
    let out = Out::new(dst, m, n, m)?;
    let job = Job {
        wide: true,
        scale: Some(alpha),
        ..Job::product(Par::Seq)
    };
    run(path, out, b, a.t(), job)
}
