//! A block of rows written by the caller straight into the layout its SYRK reads, and that SYRK
//! (`C = YᵀY`, lower triangle): the covariance pass produces each centred row once, into its
//! final place, instead of writing a row-major block that [`crate::syrk_lower_f32`] then packs
//! twice (once per operand).
//!
//! # Layout (AVX-512 path)
//! The rows (reduction steps) are cut into chunks of `KC` (384) steps; within a chunk the columns
//! are cut into panels of `W` (48) columns, each stored step-major (`panel[t·W + c]`), padded with
//! zeros past `d`. The `B` operand of the micro-kernel is a panel as stored; its `A` operand
//! (`R` = 8 columns of `Y`, `R` divides `W`) is read from the same panel at stride `W`, so no
//! packing happens at all. On every other path the block is stored row-major and the SYRK is
//! [`crate::syrk_lower_f32_with`].
//!
//! Each entry is summed exactly as on the blocked AVX-512 path (FMA in row order within chunks
//! of the same length, chunks added in order), so the result is bit-identical to
//! [`crate::syrk_lower_f32_with`] on [`Path::Avx512`] (tested).
//!
//! # Cost
//! The lower triangle in `8 × 48` register tiles from the diagonal down: at most
//! `rows·d·(d + W + R)` flops (diagonal strips multiply only the 16, 32 or 48 columns that reach
//! the lower triangle); memory `rows·d.div_ceil(W)·W` f32, kept by the value and reused for its
//! next block. Measured on a 2-core AVX-512 Xeon (`examples/bench`, one thread, useful flops
//! rows·d², FMA peak 176 GFLOP/s): 512 × 384 133 GFLOP/s against 106 for the blocked path (which
//! packs `Y` twice per chunk), 2048 × 384 143 against 116, 910 × 1536 139 against 135.

use embgeo_core::{Error, Par, Result};

#[cfg(target_arch = "x86_64")]
use crate::blocked::Store;
use crate::Path;

/// Columns per panel (three zmm vectors: the `B` operand of one register tile). Measured
/// against 32 (an `8 × 32` tile, less waste on the diagonal): 48 was 10–15 % faster.
const W: usize = 48;
/// Reduction steps (rows) per chunk: the blocked AVX-512 path's chunk length, so that the sums
/// are the same (a test checks the two stay equal).
const KC: usize = 384;
/// Rows of `C` per block (a multiple of `W`): the block's `A` strips, `MC·KC` f32 (737 KB),
/// stay in L2 while the panels stream past them. 480 measured best of 96, 240 and 480.
#[cfg(target_arch = "x86_64")]
const MC: usize = 480;
/// Rows of `C` per register tile (`A` columns read from a panel at stride `W`).
#[cfg(target_arch = "x86_64")]
const R: usize = 8;

/// How the block is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `data[i·d + j]` (paths other than AVX-512).
    RowMajor,
    /// Chunks of [`KC`] steps, panels of [`W`] columns (AVX-512; see the module doc).
    Panels,
}

/// A `rows × d` f32 block in the layout of [`RowPanels::syrk_lower`] on one kernel [`Path`].
#[derive(Debug, Clone)]
pub struct RowPanels {
    data: Vec<f32>,
    rows: usize,
    d: usize,
    path: Path,
    layout: Layout,
}

impl Default for RowPanels {
    fn default() -> Self {
        Self::new()
    }
}

impl RowPanels {
    /// An empty block (no memory until [`RowPanels::reset`]).
    #[must_use]
    pub fn new() -> Self {
        Self {
            data: Vec::new(),
            rows: 0,
            d: 0,
            path: Path::Scalar,
            layout: Layout::RowMajor,
        }
    }

    /// Make room for `rows × d` values for the SYRK on `path` (the buffer grows fallibly and is
    /// reused; its previous values are garbage until every row is written).
    ///
    /// # Errors
    /// `OutOfRange` if the size overflows or the allocator refuses.
    pub fn reset(&mut self, path: Path, rows: usize, d: usize) -> Result<()> {
        let panels = cfg!(target_arch = "x86_64") && path == Path::Avx512 && path.supported();
        self.layout_as(
            if panels { Layout::Panels } else { Layout::RowMajor },
            path,
            rows,
            d,
        )
    }

    /// Make room for a row-major `rows × d` block (for kernels that take one, such as
    /// [`crate::lowp::syrk_lower_split`]; [`RowPanels::syrk_lower`] then runs on [`crate::path`]).
    ///
    /// # Errors
    /// As [`RowPanels::reset`].
    pub fn reset_row_major(&mut self, rows: usize, d: usize) -> Result<()> {
        self.layout_as(Layout::RowMajor, crate::path(), rows, d)
    }

    fn layout_as(&mut self, layout: Layout, path: Path, rows: usize, d: usize) -> Result<()> {
        let len = match layout {
            Layout::Panels => d.div_ceil(W).checked_mul(W).and_then(|w| w.checked_mul(rows)),
            Layout::RowMajor => rows.checked_mul(d),
        };
        let len = len.ok_or_else(|| Error::OutOfRange {
            name: "covariance block",
            expected: "a block whose size fits in memory".into(),
            actual: format!("{rows} × {d} f32 values"),
        })?;
        crate::blocked::grow(&mut self.data, len)?;
        (self.rows, self.d, self.path, self.layout) = (rows, d, path, layout);
        Ok(())
    }

    /// Rows of the block.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Columns of the block.
    #[must_use]
    pub fn cols(&self) -> usize {
        self.d
    }

    /// The block as row-major values, if that is its layout (paths other than AVX-512).
    #[must_use]
    pub fn as_row_major(&self) -> Option<&[f32]> {
        (self.layout == Layout::RowMajor).then(|| &self.data[..self.rows * self.d])
    }

    /// Call `f(j0, seg)` for consecutive pieces of row `i` (`seg` is columns `j0..j0 + seg.len()`,
    /// in increasing `j0`, covering `0..d`): `f` must write every value of `seg`. Padding past
    /// `d` is zeroed here. Always inlined, so that `f` is compiled with the caller's features.
    ///
    /// # Panics
    /// If `i ≥ rows`.
    #[inline(always)]
    #[allow(clippy::inline_always)]
    pub fn write_row(&mut self, i: usize, mut f: impl FnMut(usize, &mut [f32])) {
        assert!(i < self.rows, "row {i} of a {}-row block", self.rows);
        let d = self.d;
        match self.layout {
            Layout::RowMajor => f(0, &mut self.data[i * d..(i + 1) * d]),
            Layout::Panels => {
                let (base, kc, t) = chunk_of(i, self.rows, d);
                for (q, j0) in (0..d).step_by(W).enumerate() {
                    let start = base + (q * kc + t) * W;
                    let seg = &mut self.data[start..start + W];
                    let w = W.min(d - j0);
                    f(j0, &mut seg[..w]);
                    seg[w..].fill(0.0);
                }
            }
        }
    }

    /// `C = YᵀY` of the block into the lower triangle (`i ≥ j`) of the row-major `d × d` buffer
    /// `c`; entries above the diagonal are unspecified. Each entry is summed in f32 with fused
    /// multiply-adds, chunk by chunk in row order (384 rows per chunk on AVX-512), on the
    /// calling thread.
    ///
    /// # Accuracy
    /// As [`crate::syrk_lower_f32`]: `|ĉ − c| ≤ γ_rows·Σ_t |y_ti·y_tj|`.
    /// # Errors
    /// `Shape` if `c.len() < d²`.
    /// # Panics
    /// Never.
    pub fn syrk_lower(&self, c: &mut [f32]) -> Result<()> {
        let (rows, d) = (self.rows, self.d);
        // the same check as `syrk_lower_f32` (a d × d output at row stride d)
        crate::out::Out::new(c, d, d, d)?;
        match self.layout {
            Layout::RowMajor => {
                crate::syrk_lower_f32_with(self.path, c, &self.data[..rows * d], rows, d, Par::Seq)
            }
            Layout::Panels => {
                #[cfg(target_arch = "x86_64")]
                if let Some(k) = crate::avx512::Avx512::detect() {
                    self.syrk_panels(k, c);
                    return Ok(());
                }
                unreachable_layout()
            }
        }
    }

    /// The AVX-512 SYRK over the panels: per chunk, per panel `q` (columns `j0..j0 + W`), the
    /// 8-row strips from the diagonal down, each an `8 × 48` tile whose `A` operand is read
    /// at stride `W` from the panel holding its columns.
    #[cfg(target_arch = "x86_64")]
    fn syrk_panels(&self, k: crate::avx512::Avx512, c: &mut [f32]) {
        let (rows, d) = (self.rows, self.d);
        if d == 0 {
            return;
        }
        if rows == 0 {
            c[..d * d].fill(0.0);
            return;
        }
        for t0 in (0..rows).step_by(KC) {
            let (base, kc, _) = chunk_of(t0, rows, d);
            let mode = Store {
                first: t0 == 0,
                scale: None,
            };
            // Blocks of `MC` rows of C (their A strips stay in L2), each against every panel
            // that reaches the lower triangle (a panel stays in L1 across the block's strips).
            for i0 in (0..d).step_by(MC) {
                let i1 = (i0 + MC).min(d);
                for j0 in (0..i1).step_by(W) {
                    let b = &self.data[base + (j0 / W) * kc * W..][..kc * W];
                    let nc = W.min(d - j0);
                    for r0 in (i0.max(j0)..i1).step_by(R) {
                        let a = &self.data[base + (r0 / W) * kc * W + r0 % W..];
                        let nr = R.min(d - r0);
                        let (a, b) = ((a, W), (b, W));
                        if nr == R && nc == W {
                            // Columns j0..r0 + R reach the lower triangle: a diagonal strip
                            // needs only the first `cols.div_ceil(16)` vectors of the panel.
                            let c = (&mut c[r0 * d + j0..], d);
                            match (r0 + R - j0).div_ceil(16) {
                                1 => crate::avx512::strided_tile_into::<R, 1>(k, a, b, kc, c, mode),
                                2 => crate::avx512::strided_tile_into::<R, 2>(k, a, b, kc, c, mode),
                                _ => crate::avx512::strided_tile_into::<R, 3>(k, a, b, kc, c, mode),
                            }
                        } else {
                            let mut tile = [[0.0f32; W]; R];
                            let first = Store {
                                first: true,
                                scale: None,
                            };
                            let t = (tile.as_flattened_mut(), W);
                            crate::avx512::strided_tile_into::<R, { W / 16 }>(k, a, b, kc, t, first);
                            crate::blocked::store(c, d, (r0, j0), (nr, nc), &tile, mode);
                        }
                    }
                }
            }
        }
    }
}

/// The panel layout exists only on x86-64 with AVX-512F (`reset` checks it).
#[cold]
fn unreachable_layout() -> Result<()> {
    Err(Error::OutOfRange {
        name: "kernel path",
        expected: "the AVX-512 path the block was laid out for".into(),
        actual: "a CPU without it".into(),
    })
}

/// Where row `i` of a `rows × d` panel block lives: (chunk start offset, the chunk's step count,
/// the step within the chunk).
#[inline(always)]
#[allow(clippy::inline_always)]
fn chunk_of(i: usize, rows: usize, d: usize) -> (usize, usize, usize) {
    let ch = i / KC;
    let t0 = ch * KC;
    (t0 * d.div_ceil(W) * W, KC.min(rows - t0), i - t0)
}

#[cfg(test)]
mod tests {
    use super::{RowPanels, KC};
    use crate::tests::values;
    use crate::{available_paths, syrk_lower_f32_with, Par, Path};

    fn fill(p: &mut RowPanels, y: &[f32]) {
        let d = p.cols();
        for i in 0..p.rows() {
            let mut next = 0;
            p.write_row(i, |j0, seg| {
                assert_eq!(j0, next, "segments in order, no gap");
                next += seg.len();
                seg.copy_from_slice(&y[i * d + j0..i * d + j0 + seg.len()]);
            });
            assert_eq!(next, d, "segments cover the row");
        }
    }

    /// On every path this machine has, the block's SYRK is bit-identical in the lower triangle
    /// to `syrk_lower_f32_with` on the row-major block: the panel layout (AVX-512) and the
    /// row-major one (others). Shapes: d around the panel width and the tile height, several
    /// panels with a partial last one, one and several chunks (a partial last chunk), and the
    /// buffer reused after a larger block (stale values in the padding must not leak in).
    #[test]
    fn syrk_is_bit_identical_to_the_blocked_path() {
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            KC,
            crate::AVX512_CHUNK,
            "the panel chunk must equal the blocked path's"
        );
        for path in available_paths() {
            let mut p = RowPanels::new();
            // the largest first, so that every later block reuses a dirty buffer
            p.reset(path, 900, 131).unwrap();
            fill(&mut p, &vec![f32::NAN; 900 * 131]);
            for (rows, d) in [
                (900, 131),
                (1, 1),
                (7, 8),
                (3, 47),
                (385, 48),
                (100, 49),
                (769, 97),
                (40, 200),
                (0, 5),
            ] {
                let y = values(rows * d, (rows * 1000 + d) as u64);
                p.reset(path, rows, d).unwrap();
                fill(&mut p, &y);
                let mut got = vec![f32::NAN; d * d];
                let mut want = vec![f32::NAN; d * d];
                p.syrk_lower(&mut got).unwrap();
                syrk_lower_f32_with(path, &mut want, &y, rows, d, Par::Seq).unwrap();
                for i in 0..d {
                    for j in 0..=i {
                        assert_eq!(
                            got[i * d + j].to_bits(),
                            want[i * d + j].to_bits(),
                            "{path:?} {rows} × {d} at ({i}, {j})"
                        );
                    }
                }
            }
        }
    }

    /// The panel layout is used exactly on the AVX-512 path, and a row-major block can always be
    /// asked for (the split-bf16 kernel takes one).
    #[test]
    fn layouts() {
        let mut p = RowPanels::new();
        let y = values(6 * 5, 3);
        p.reset_row_major(6, 5).unwrap();
        fill(&mut p, &y);
        assert_eq!(p.as_row_major(), Some(&y[..]));
        for path in available_paths() {
            p.reset(path, 6, 5).unwrap();
            assert_eq!(p.as_row_major().is_none(), path == Path::Avx512, "{path:?}");
        }
        let mut c = vec![0.0f32; 3];
        assert!(p.syrk_lower(&mut c).is_err(), "a short output is a Shape error");
    }
}
