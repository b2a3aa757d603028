//! A block of rows written by the caller straight into the layout its SYRK reads, and that SYRK
//! (`C = YᵀY`, lower triangle): the covariance pass produces each centred row once, into its
//! final place, instead of writing a row-major block that [`crate::syrk_lower_f32`] then packs
//! twice (once per operand).
//!
//! # Layout (AVX-512 and AVX2 paths)
//! The rows (reduction steps) are cut into chunks of `kc` steps; within a chunk the columns are
//! cut into panels of `w` columns, each stored step-major (`panel[t·w + c]`), padded with zeros
//! past `d`. The `B` operand of the micro-kernel is a panel as stored; its `A` operand (`R`
//! columns of `Y`, `R` divides `w`) is read from the same panel at stride `w`, so no packing
//! happens at all. AVX-512: `w` = 48, `kc` = 384, `8 × 48` tiles; AVX2+FMA: `w` = 24, `kc` =
//! 256, `4 × 24` tiles (an assembly loop: with intrinsics LLVM spilled an accumulator). On the
//! scalar and SIMD128 paths the block is stored row-major and the SYRK is
//! [`crate::syrk_lower_f32_with`].
//!
//! Each entry is summed exactly as on the blocked path of the same kernel (FMA in row order
//! within chunks of the same length, chunks added in order), so the result is bit-identical to
//! [`crate::syrk_lower_f32_with`] on that [`Path`] (tested).
//!
//! # Cost
//! The lower triangle in `R × w` register tiles from the diagonal down: at most
//! `rows·d·(d + w + R)` flops (diagonal strips multiply only the vectors that reach the lower
//! triangle); memory `rows·d.div_ceil(w)·w` f32, kept by the value and reused for its next
//! block. Measured (`examples/bench`, one thread, useful flops rows·d²):
//! - 2-core AVX-512 Xeon, FMA peak 176 GFLOP/s: 512 × 384 133 GFLOP/s against 106 for the
//!   blocked path (which packs `Y` twice per chunk), 2048 × 384 143 against 116, 910 × 1536
//!   139 against 135.
//! - 2-core AMD EPYC (Zen 3, AVX2), FMA peak 96–102 GFLOP/s, best of 5: 512 × 384 86 against
//!   65, 2048 × 384 85 against 75, 512 × 1536 85 against 84, 910 × 1536 76 against 72.

use embgeo_core::{Error, Par, Result};

#[cfg(target_arch = "x86_64")]
use crate::blocked::Store;
use crate::Path;

/// One path's panel layout: `w` columns per panel, `kc` rows (reduction steps) per chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Geom {
    w: usize,
    kc: usize,
}

/// AVX-512: panels of 48 columns (three zmm vectors: the `B` operand of one `8 × 48` register
/// tile; measured against 32, an `8 × 32` tile with less waste on the diagonal, 48 was 10–15 %
/// faster), chunks of 384 rows (the blocked AVX-512 path's chunk, so that the sums are the
/// same; a test checks the two stay equal).
const GEOM_AVX512: Geom = Geom { w: 48, kc: 384 };
/// AVX2+FMA: panels of 24 columns (three ymm vectors: the `B` operand of one `4 × 24` tile,
/// 12 accumulators + 3 loads + 1 broadcast = the 16 ymm registers), chunks of 256 rows (the
/// blocked AVX2 path's chunk, [`crate::KC`]; a test checks the two stay equal). Chunks of 128
/// rows, which keep a panel and the `A` strips' panel (12 KB each) together in Zen 3's 32 KB
/// L1 where 256 rows (24 KB each) do not, were measured against 256 in one binary, interleaved
/// (`examples/bench`, AMD EPYC Zen 3): no gain (512 × 1536, one thread, 71 and 61 % of the FMA
/// peak against 72 and 69 %; 910 × 1536 63 and 70 % against 72 and 74 %), so not kept.
const GEOM_AVX2: Geom = Geom { w: 24, kc: 256 };
/// The widest panel of any path (the edge tiles' buffer).
#[cfg(target_arch = "x86_64")]
const W_MAX: usize = if GEOM_AVX512.w > GEOM_AVX2.w {
    GEOM_AVX512.w
} else {
    GEOM_AVX2.w
};
/// The tallest register tile of any path.
#[cfg(target_arch = "x86_64")]
const R_MAX: usize = 8;

/// A path's register tile over the panels: `R` rows of `C` (columns of `Y`, read from a panel
/// at stride `w`, `R` divides `w`) × the panel's `w` columns in vectors of `LANES`.
#[cfg(target_arch = "x86_64")]
trait PanelTile: Copy {
    /// The layout the tile reads.
    const GEOM: Geom;
    /// Rows of the register tile.
    const R: usize;
    /// f32 lanes per vector.
    const LANES: usize;
    /// Rows of `C` per block (a multiple of `GEOM.w`): the block's `A` strips, `MC·kc` f32, stay
    /// in L2 while the panels stream past them.
    const MC: usize;
    /// The tile on the first `vecs` vectors of the panel (`1 ≤ vecs ≤ w / LANES`): as the
    /// paths' `strided_tile_into`.
    fn tile(
        self,
        vecs: usize,
        a: (&[f32], usize),
        b: (&[f32], usize),
        steps: usize,
        c: (&mut [f32], usize),
        mode: Store,
    );
}

/// `PanelTile` for a path's proof type: its geometry, tile height `R`, `LANES`, `MC` (with the
/// measurement that chose it) and its `strided_tile_into`, at 1, 2 or 3 vectors.
macro_rules! panel_tile {
    ($proof:ty, $geom:expr, $r:literal, $lanes:literal, $(#[$mc_doc:meta])* $mc:literal, $kernel:path) => {
        #[cfg(target_arch = "x86_64")]
        impl PanelTile for $proof {
            const GEOM: Geom = $geom;
            const R: usize = $r;
            const LANES: usize = $lanes;
            $(#[$mc_doc])*
            const MC: usize = $mc;
            #[inline]
            fn tile(
                self,
                vecs: usize,
                a: (&[f32], usize),
                b: (&[f32], usize),
                steps: usize,
                c: (&mut [f32], usize),
                mode: Store,
            ) {
                use $kernel as t;
                let a = (a.0, crate::blocked::AStrides::across(a.1));
                match vecs {
                    1 => t::<$r, 1>(self, a, b, steps, c, mode),
                    2 => t::<$r, 2>(self, a, b, steps, c, mode),
                    _ => t::<$r, 3>(self, a, b, steps, c, mode),
                }
            }
        }
    };
}

panel_tile!(
    crate::avx512::Avx512,
    GEOM_AVX512,
    8,
    16,
    /// 737 KB of `A` strips; 480 measured best of 96, 240 and 480.
    480,
    crate::avx512::strided_tile_into
);
panel_tile!(
    crate::avx2::Avx2Fma,
    GEOM_AVX2,
    4,
    8,
    /// 240 KB of `A` strips (Zen 3's L2 is 512 KB).
    240,
    crate::avx2::strided_tile_into
);

/// How the block is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `data[i·d + j]` (the scalar and SIMD128 paths).
    RowMajor,
    /// Chunks of `kc` steps, panels of `w` columns (AVX-512 and AVX2; see the module doc).
    Panels(Geom),
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
        let layout = match path {
            _ if !cfg!(target_arch = "x86_64") || !path.supported() => Layout::RowMajor,
            Path::Avx512 => Layout::Panels(GEOM_AVX512),
            Path::Avx2 => Layout::Panels(GEOM_AVX2),
            Path::Scalar | Path::Simd128 => Layout::RowMajor,
        };
        self.layout_as(layout, path, rows, d)
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
            Layout::Panels(g) => d.div_ceil(g.w).checked_mul(g.w).and_then(|w| w.checked_mul(rows)),
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
            Layout::Panels(g) => {
                let (base, kc, t) = chunk_of(g, i, self.rows, d);
                for (q, j0) in (0..d).step_by(g.w).enumerate() {
                    let start = base + (q * kc + t) * g.w;
                    let seg = &mut self.data[start..start + g.w];
                    let w = g.w.min(d - j0);
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
            Layout::Panels(g) => {
                #[cfg(target_arch = "x86_64")]
                {
                    use crate::{avx2::Avx2Fma, avx512::Avx512};
                    if let (GEOM_AVX512, Some(k)) = (g, Avx512::detect()) {
                        self.syrk_panels(k, c);
                        return Ok(());
                    }
                    if let (GEOM_AVX2, Some(k)) = (g, Avx2Fma::detect()) {
                        self.syrk_panels(k, c);
                        return Ok(());
                    }
                }
                let _ = g;
                unreachable_layout()
            }
        }
    }

    /// The SYRK over the panels on the path of `k`: per chunk, per panel `q` (columns
    /// `j0..j0 + w`), the `R`-row strips from the diagonal down, each an `R × w` tile whose `A`
    /// operand is read at stride `w` from the panel holding its columns.
    #[cfg(target_arch = "x86_64")]
    fn syrk_panels<K: PanelTile>(&self, k: K, c: &mut [f32]) {
        let (rows, d) = (self.rows, self.d);
        let Geom { w, kc: kc_max } = K::GEOM;
        let r = K::R;
        const {
            assert!(
                K::R <= R_MAX && K::GEOM.w <= W_MAX,
                "the edge tile buffer holds the tile"
            );
        };
        if d == 0 {
            return;
        }
        if rows == 0 {
            c[..d * d].fill(0.0);
            return;
        }
        for t0 in (0..rows).step_by(kc_max) {
            let (base, kc, _) = chunk_of(K::GEOM, t0, rows, d);
            let mode = Store {
                first: t0 == 0,
                scale: None,
            };
            // Blocks of `MC` rows of C (their A strips stay in L2), each against every panel
            // that reaches the lower triangle (a panel stays in L1 across the block's strips).
            for i0 in (0..d).step_by(K::MC) {
                let i1 = (i0 + K::MC).min(d);
                for j0 in (0..i1).step_by(w) {
                    let b = &self.data[base + (j0 / w) * kc * w..][..kc * w];
                    let nc = w.min(d - j0);
                    for r0 in (i0.max(j0)..i1).step_by(r) {
                        let a = &self.data[base + (r0 / w) * kc * w + r0 % w..];
                        let nr = r.min(d - r0);
                        let (a, b) = ((a, w), (b, w));
                        if nr == r && nc == w {
                            // Columns j0..r0 + R reach the lower triangle: a diagonal strip
                            // needs only the first `cols.div_ceil(LANES)` vectors of the panel.
                            let c = (&mut c[r0 * d + j0..], d);
                            k.tile((r0 + r - j0).div_ceil(K::LANES), a, b, kc, c, mode);
                        } else {
                            let mut tile = [[0.0f32; W_MAX]; R_MAX];
                            let first = Store {
                                first: true,
                                scale: None,
                            };
                            let t = (tile.as_flattened_mut(), W_MAX);
                            k.tile(w / K::LANES, a, b, kc, t, first);
                            crate::blocked::store(c, d, (r0, j0), (nr, nc), &tile, mode);
                        }
                    }
                }
            }
        }
    }
}

/// The panel layouts exist only on x86-64 CPUs with their paths (`reset` checks it).
#[cold]
fn unreachable_layout() -> Result<()> {
    Err(Error::OutOfRange {
        name: "kernel path",
        expected: "the AVX-512 or AVX2 path the block was laid out for".into(),
        actual: "a CPU without it".into(),
    })
}

/// Where row `i` of a `rows × d` panel block lives: (chunk start offset, the chunk's step count,
/// the step within the chunk).
#[inline(always)]
#[allow(clippy::inline_always)]
fn chunk_of(g: Geom, i: usize, rows: usize, d: usize) -> (usize, usize, usize) {
    let t0 = i / g.kc * g.kc;
    (t0 * d.div_ceil(g.w) * g.w, g.kc.min(rows - t0), i - t0)
}

#[cfg(test)]
mod tests {
    use super::{RowPanels, GEOM_AVX2, GEOM_AVX512};
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
            GEOM_AVX512.kc,
            crate::AVX512_CHUNK,
            "the panel chunk must equal the blocked path's"
        );
        assert_eq!(
            GEOM_AVX2.kc,
            crate::KC,
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

    /// The panel layouts are used exactly on the AVX-512 and AVX2 paths, and a row-major block can always be
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
            let panels = matches!(path, Path::Avx512 | Path::Avx2);
            assert_eq!(p.as_row_major().is_none(), panels, "{path:?}");
        }
        let mut c = vec![0.0f32; 3];
        assert!(p.syrk_lower(&mut c).is_err(), "a short output is a Shape error");
    }
}
