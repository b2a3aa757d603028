//! The cache-blocked product loop shared by every path, generic over the micro-kernel's
//! register tile `MR × NR`, and the per-path dispatch into it.

use std::cell::RefCell;
use std::thread::LocalKey;

use embgeo_core::{Error, Par, Result};
use rayon::prelude::*;

use crate::micro::{self, Tile};
use crate::out::Out;
use crate::pack::{pack_a, pack_b};
use crate::{Path, View};

/// A micro-kernel with an `MR × NR` register tile over packed panels (see [`crate::pack`]).
pub(crate) trait Micro<const MR: usize, const NR: usize>: Sync {
    /// `acc[r][c] = Σ_t a[t·MR + r]·b[t·NR + c]` in increasing `t`.
    fn tile(&self, a: &[f32], b: &[f32], acc: &mut Tile<MR, NR>);

    /// The same tile combined into `c` (rows `0..MR`, columns `0..NR` at row stride `ldc`)
    /// as `mode` says; `c.len() ≥ (MR − 1)·ldc + NR`. Kernels may write from registers.
    #[inline]
    fn tile_into(&self, a: &[f32], b: &[f32], c: &mut [f32], ldc: usize, mode: Store) {
        let mut acc = [[0.0; NR]; MR];
        self.tile(a, b, &mut acc);
        store(c, ldc, (0, 0), (MR, NR), &acc, mode);
    }
}

/// How a tile meets `C`: written (`first` chunk) or added, then multiplied by `scale` (only on
/// the last chunk, `None` = no multiply).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Store {
    pub(crate) first: bool,
    pub(crate) scale: Option<f32>,
}

/// Cache blocking of one path: `kc` reduction steps per packed chunk, `mc` rows of `C` per
/// packed block of `A` (a multiple of the path's `MR`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Blocking {
    pub(crate) kc: usize,
    pub(crate) mc: usize,
}

/// What to compute: `C = scale·(A·B)` (`None` = 1, no multiply), or only its lower triangle
/// (`lower`: tiles entirely above the diagonal, i < j everywhere, are skipped).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Job {
    pub(crate) lower: bool,
    /// Prefer the wide AVX-512 tile (GEMM shapes with many columns).
    pub(crate) wide: bool,
    pub(crate) scale: Option<f32>,
    pub(crate) par: Par,
}

impl Job {
    /// The whole product `C = A·B` (no triangle, no scale, the narrow tile) under `par`.
    pub(crate) fn product(par: Par) -> Self {
        Self {
            lower: false,
            wide: false,
            scale: None,
            par,
        }
    }
}

/// `C (out, m × n) = job.scale·(A·B)` on `path` (an unsupported path runs the scalar kernel);
/// the caller checked `out` against `A.rows × B.cols` and `A.cols == B.rows`.
pub(crate) fn run(path: Path, out: Out<'_>, a: View<'_>, b: View<'_>, job: Job) -> Result<()> {
    #[cfg(target_arch = "x86_64")]
    {
        use crate::avx512::{self, Avx512};
        if let (Path::Avx512, Some(k), true) = (path, Avx512::detect(), job.wide && !job.lower) {
            return blocked::<{ avx512::MR_WIDE }, { avx512::NR_WIDE }, _>(
                &k,
                crate::AVX512_WIDE_BLOCKING,
                out,
                a,
                b,
                job,
            );
        }
        if let (Path::Avx512, Some(k)) = (path, Avx512::detect()) {
            return blocked::<{ avx512::MR }, { avx512::NR }, _>(&k, crate::AVX512_BLOCKING, out, a, b, job);
        }
        if let (Path::Avx2, Some(k)) = (path, crate::avx2::Avx2Fma::detect()) {
            return blocked::<{ micro::MR }, { micro::NR }, _>(&k, crate::BLOCKING, out, a, b, job);
        }
    }
    // WebAssembly built with SIMD128 (the project's wasm builds are): its 6 × 8 kernel, whose
    // entries are bit-identical to the portable one's.
    #[cfg(all(target_family = "wasm", target_feature = "simd128"))]
    if path == Path::Simd128 {
        let _ = job.wide;
        return blocked::<{ crate::simd128::MR }, { crate::simd128::NR }, _>(
            &crate::simd128::Simd128,
            crate::BLOCKING,
            out,
            a,
            b,
            job,
        );
    }
    // other targets have one kernel: the path and the tile preference do not apply
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (path, job.wide);
    blocked::<{ micro::MR }, { micro::NR }, _>(&micro::Scalar, crate::BLOCKING, out, a, b, job)
}

thread_local! {
    /// The packed `B` panels of the calling thread, kept for its next call.
    static PACKED_B: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
    /// The packed `A` block of a worker thread, kept for its next block and call.
    static PACKED_A: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// `f` on the first `len` values of this thread's buffer `key`, grown (fallibly, zero-filled)
/// when shorter: packing buffers are allocated once per thread and reused, so a stream of
/// small products (kNN tiles) neither allocates nor clears memory per call. A buffer already
/// in use on this thread (never the case today) is replaced by a fresh one.
fn with_scratch<R>(
    key: &'static LocalKey<RefCell<Vec<f32>>>,
    len: usize,
    f: impl FnOnce(&mut [f32]) -> Result<R>,
) -> Result<R> {
    key.with(|cell| {
        if let Ok(mut v) = cell.try_borrow_mut() {
            grow(&mut v, len)?;
            return f(&mut v[..len]);
        }
        let mut v = Vec::new();
        grow(&mut v, len)?;
        f(&mut v)
    })
}

/// Grow `v` to at least `len` values (new ones zero), allocating fallibly.
pub(crate) fn grow(v: &mut Vec<f32>, len: usize) -> Result<()> {
    if v.len() < len {
        v.try_reserve_exact(len - v.len())
            .map_err(|_| Error::OutOfRange {
                name: "kernel scratch",
                expected: "a packing buffer the allocator can provide".into(),
                actual: format!("{len} f32 values"),
            })?;
        v.resize(len, 0.0);
    }
    Ok(())
}

/// Goto's loop nest: per chunk of `kc` steps pack all of `B` (`NR`-wide panels), then per
/// block of `mc` rows of `C` (the unit of parallelism) pack `A` (`MR`-tall panels) and run the
/// kernel on every tile, `B` panel outer (it stays in L1), `A` panel inner (streams from L2).
fn blocked<const MR: usize, const NR: usize, K: Micro<MR, NR>>(
    kernel: &K,
    blk: Blocking,
    out: Out<'_>,
    a: View<'_>,
    b: View<'_>,
    job: Job,
) -> Result<()> {
    let Out { c, ldc } = out;
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
    let Blocking {
        kc: kc_max,
        mc: mc_max,
    } = blk;
    let panels = n.div_ceil(NR);
    with_scratch(&PACKED_B, panels * NR * kc_max.min(k), |bp| {
        for t0 in (0..k).step_by(kc_max) {
            let kc = kc_max.min(k - t0);
            let bp = &mut bp[..panels * NR * kc];
            pack_b::<NR>(bp, b, t0, kc);
            let bp = &*bp;
            let mode = Store {
                first: t0 == 0,
                scale: job.scale.filter(|_| t0 + kc == k),
            };
            let block = |(bi, cb): (usize, &mut [f32])| -> Result<()> {
                let i0 = bi * mc_max;
                let mc = mc_max.min(m - i0);
                with_scratch(&PACKED_A, mc.div_ceil(MR) * MR * kc, |ap| {
                    pack_a::<MR>(ap, a, i0, mc, t0, kc);
                    let mut acc: Tile<MR, NR> = [[0.0; NR]; MR];
                    for (q, bq) in bp.chunks_exact(NR * kc).enumerate() {
                        let j0 = q * NR;
                        if job.lower && j0 >= i0 + mc {
                            break;
                        }
                        let nr = NR.min(n - j0);
                        for (p, ap) in ap.chunks_exact(MR * kc).enumerate() {
                            let r0 = p * MR;
                            let mr = MR.min(mc - r0);
                            if job.lower && j0 >= i0 + r0 + mr {
                                continue;
                            }
                            if mr == MR && nr == NR {
                                kernel.tile_into(ap, bq, &mut cb[r0 * ldc + j0..], ldc, mode);
                            } else {
                                kernel.tile(ap, bq, &mut acc);
                                store(cb, ldc, (r0, j0), (mr, nr), &acc, mode);
                            }
                        }
                    }
                    Ok(())
                })
            };
            match job.par {
                Par::Seq => c.chunks_mut(mc_max * ldc).enumerate().try_for_each(block)?,
                Par::Rayon => c.par_chunks_mut(mc_max * ldc).enumerate().try_for_each(block)?,
            }
        }
        Ok(())
    })
}

/// Write (first chunk) or add the valid `mr × nr` corner of a tile at `(r0, j0)` of `c`; on
/// the last chunk (`scale` is `Some`) the sum is then multiplied by the scale.
#[inline]
pub(crate) fn store<const MR: usize, const NR: usize>(
    c: &mut [f32],
    ldc: usize,
    (r0, j0): (usize, usize),
    (mr, nr): (usize, usize),
    acc: &Tile<MR, NR>,
    mode: Store,
) {
    for (r, src) in acc.iter().take(mr).enumerate() {
        let start = (r0 + r) * ldc + j0;
        let dst = &mut c[start..start + nr];
        match (mode.first, mode.scale) {
            (true, None) => dst.copy_from_slice(&src[..nr]),
            (true, Some(s)) => dst.iter_mut().zip(src).for_each(|(x, y)| *x = s * y),
            (false, None) => dst.iter_mut().zip(src).for_each(|(x, y)| *x += y),
            (false, Some(s)) => dst.iter_mut().zip(src).for_each(|(x, y)| *x = s * (*x + y)),
        }
    }
}

/// Where a strided register tile reads `A`: the value of step `t` for tile row `r` at
/// `t·step + r·row`.
#[cfg(target_arch = "x86_64")]
#[derive(Debug, Clone, Copy)]
pub(crate) struct AStrides {
    pub(crate) step: usize,
    pub(crate) row: usize,
}

#[cfg(target_arch = "x86_64")]
impl AStrides {
    /// The tile's rows side by side in one row of `A` per step, rows `lda` apart (the
    /// [`crate::row_panels`] SYRK).
    pub(crate) fn across(lda: usize) -> Self {
        Self { step: lda, row: 1 }
    }

    /// Each tile row one row of `A`, `lda` apart, its steps contiguous (the
    /// [`crate::corpus_rows`] key tiles).
    pub(crate) fn down(lda: usize) -> Self {
        Self { step: 1, row: lda }
    }
}

/// The operand checks of a strided register tile (`R` rows × `w` columns over `steps ≥ 1`
/// reduction steps, `A` read as `sa` says, `B` at stride `ldb`, `C` written at `ldc`): the
/// lengths the AVX-512 and AVX2 `strided_tile_into` kernels read and write.
///
/// # Panics
/// If `a.len() < (steps − 1)·sa.step + (r − 1)·sa.row + 1`, `b.len() < (steps − 1)·ldb + w`,
/// `ldc < w` or `c.len() < (r − 1)·ldc + w`.
#[cfg(target_arch = "x86_64")]
pub(crate) fn check_strided(
    (a, sa): (&[f32], AStrides),
    (b, ldb): (&[f32], usize),
    steps: usize,
    (c, ldc): (&[f32], usize),
    (r, w): (usize, usize),
) {
    assert!(
        a.len() > (steps - 1) * sa.step + (r - 1) * sa.row,
        "strided tile: A too short"
    );
    assert!(b.len() >= (steps - 1) * ldb + w, "strided tile: B too short");
    assert!(
        ldc >= w && c.len() >= (r - 1) * ldc + w,
        "strided tile: C too short"
    );
}
