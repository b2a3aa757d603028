//! The AVX512-VNNI int16 tiles of the module doc: `vpdpwssd` multiplies 32 int16 pairs and
//! adds each pair's two products into one of 16 int32 lanes of the accumulator, one
//! instruction where AVX2 spends a `vpmaddwd` and a `vpaddd` on half as many lanes.
//!
//! Queries are packed in panels of 32 (two zmm per value pair: `12 × 32` tiles, 24
//! accumulators, per value pair 2 vector loads, 12 broadcasts of a corpus pair and 24
//! `vpdpwssd`), a last panel of 48 (`8 × 48`, 24 accumulators) or 16 (`12 × 16`). Blocks of
//! [`NB512`] rows, a multiple of both tile heights; the rows a block leaves over (only in its
//! call's last block) go 4 and then 1 at a time. The integer sums are exact in any order
//! (`q_max`), and the conversion and the three scalings are [`super::Job::key`]'s, lane by
//! lane: the bits of the portable loop.

use std::arch::x86_64::{
    __m512i, _mm512_add_ps, _mm512_cvtepi32_ps, _mm512_dpwssd_epi32, _mm512_loadu_ps, _mm512_loadu_si512,
    _mm512_mask_cmp_ps_mask, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps, _mm512_mul_ps, _mm512_set1_epi32,
    _mm512_set1_ps, _mm512_setzero_si512, _CMP_LT_OQ,
};

use super::marks::{KeyMarks, MARK_LANES};
use super::{Job, W512};

/// Corpus rows per block: 240 rows of 128 values are 60 KB, well inside the L2; 240 is a
/// multiple of both tile heights (12 and 8).
const NB512: usize = 240;

/// The loop nest of the module doc on the AVX512-VNNI tiles: per block of [`NB512`] corpus
/// rows, per panel, `12 × 32`, `8 × 48` or `12 × 16` tiles; with `marks`, each tile marks its
/// keys too ([`KeyMarks`]).
///
/// # Safety
/// The CPU must have AVX-512F and AVX512-VNNI; `marks` must fit the call (`KeyMarks::check`).
#[target_feature(enable = "avx512f,avx512vnni")]
pub(super) unsafe fn walk(job: &Job<'_>, dst: &mut [f32], mut marks: Option<&mut KeyMarks<'_>>) {
    let n = dst.len() / job.m;
    let panels = job.layout().0;
    for b0 in (0..n).step_by(NB512) {
        let b1 = (b0 + NB512).min(n);
        for p in 0..panels {
            // SAFETY: AVX-512F and AVX512-VNNI are available (this function's contract).
            unsafe {
                let km = marks.as_deref_mut();
                match job.panel(p).1 {
                    16 => rows::<12, 1>(job, p, (b0, b1), n, (dst, km)),
                    W512 => rows::<12, 2>(job, p, (b0, b1), n, (dst, km)),
                    _ => rows::<8, 3>(job, p, (b0, b1), n, (dst, km)),
                }
            }
        }
    }
}

/// Rows `b0..b1` of the call against panel `p` in `RR`-row tiles of `16·V` queries, the
/// `< RR` rows left over 4 and then 1 at a time; the first panel's tiles prefetch the rows a
/// block ahead.
///
/// # Safety
/// The CPU must have AVX-512F and AVX512-VNNI; `marks` must fit the call.
#[inline]
#[target_feature(enable = "avx512f,avx512vnni")]
unsafe fn rows<const RR: usize, const V: usize>(
    job: &Job<'_>,
    p: usize,
    (b0, b1): (usize, usize),
    n: usize,
    (dst, mut marks): (&mut [f32], Option<&mut KeyMarks<'_>>),
) {
    let mut jj = b0;
    while jj < b1 {
        let left = b1 - jj;
        let step = if left >= RR {
            RR
        } else if left >= 4 {
            4
        } else {
            1
        };
        if p == 0 {
            job.prefetch(jj + NB512, step, n);
        }
        // SAFETY: AVX-512F and AVX512-VNNI are available (this function's contract); the
        // tile reads rows `jj..jj + step`, all below `b1 ≤ n`.
        unsafe {
            let km = marks.as_deref_mut();
            match step {
                1 => tile::<1, V>(job, p, jj, (dst, km)),
                4 => tile::<4, V>(job, p, jj, (dst, km)),
                _ => tile::<RR, V>(job, p, jj, (dst, km)),
            }
        }
        jj += step;
    }
}

/// Corpus rows `jj..jj + RR` of the call against panel `p`: the exact sums in registers, then
/// [`Job::key`]'s operations on 16 lanes, stored into `dst` under a mask that keeps a partial
/// last panel's padding lanes out; with `marks`, the same lanes compared with their
/// thresholds after the row's offset is added (the definition's f32 addition and ordered
/// comparison), one mark per 16 lanes.
///
/// # Safety
/// The CPU must have AVX-512F and AVX512-VNNI; `marks` must fit the call.
#[inline]
#[target_feature(enable = "avx512f,avx512vnni")]
unsafe fn tile<const RR: usize, const V: usize>(
    job: &Job<'_>,
    p: usize,
    jj: usize,
    (dst, mut marks): (&mut [f32], Option<&mut KeyMarks<'_>>),
) {
    let (panel, width) = job.panel(p);
    debug_assert_eq!(width, 16 * V);
    // each row as `steps` value pairs, read as one (little-endian) int32 per pair (unaligned
    // reads below)
    #[allow(clippy::cast_ptr_alignment)]
    let rows: [*const i32; RR] = std::array::from_fn(|r| job.row(job.j0 + jj + r).as_ptr().cast::<i32>());
    let mut acc = [[_mm512_setzero_si512(); V]; RR];
    for (s, b) in panel.chunks_exact(32 * V).enumerate() {
        // `_mm512_loadu_si512` takes any alignment
        #[allow(clippy::cast_ptr_alignment)]
        let ptr = b.as_ptr().cast::<__m512i>();
        // SAFETY: `b` holds `32·V` int16 (`V` 64-byte vectors); unaligned loads.
        let v: [__m512i; V] = std::array::from_fn(|k| unsafe { _mm512_loadu_si512(ptr.add(k)) });
        for (a, y) in acc.iter_mut().zip(&rows) {
            // SAFETY: `s < steps` and each row holds `steps` pairs (`Job::row`); the pair's
            // low half is `y[2s]`, as each lane pair of the panel's is `q[2s]`, so `vpdpwssd`
            // multiplies matching values.
            let pair = unsafe { y.add(s).read_unaligned() };
            let bc = _mm512_set1_epi32(pair);
            for (ai, vi) in a.iter_mut().zip(&v) {
                // |Σ| ≤ d·Q² < 2³¹ (`q_max`): the int32 lanes never overflow (no saturation)
                *ai = _mm512_dpwssd_epi32(*ai, bc, *vi);
            }
        }
    }
    let i0 = p * W512;
    let w = width.min(job.m - i0);
    let scales = &job.q.scale[i0..i0 + 16 * V];
    // SAFETY: `scales` holds `16·V` f32 (the scales are padded to whole panels).
    let qs: [_; V] = std::array::from_fn(|k| unsafe { _mm512_loadu_ps(scales.as_ptr().add(16 * k)) });
    let alpha = _mm512_set1_ps(job.alpha);
    let groups = job.m.div_ceil(MARK_LANES);
    for (r, a) in acc.iter().enumerate() {
        let j = jj + r;
        let sc = _mm512_set1_ps(job.c.scale[job.j0 + j]);
        let out = &mut dst[j * job.m + i0..j * job.m + i0 + w];
        let off = marks.as_deref().map(|km| _mm512_set1_ps(km.off(j)));
        for (k, (ai, qk)) in a.iter().zip(&qs).enumerate() {
            let lanes = w.saturating_sub(16 * k).min(16);
            if lanes == 0 {
                break;
            }
            let f = _mm512_cvtepi32_ps(*ai);
            let f = _mm512_mul_ps(_mm512_mul_ps(_mm512_mul_ps(f, *qk), sc), alpha);
            // the first `lanes` lanes
            let mask = if lanes == 16 {
                u16::MAX
            } else {
                (1u16 << lanes) - 1
            };
            // SAFETY: `16k < w` (`lanes > 0`) and the store writes lanes `16k..16k + lanes` of
            // `out` (`w` f32), `16k + lanes ≤ w`; masked-off lanes are neither written nor
            // faulted on.
            unsafe { _mm512_mask_storeu_ps(out.as_mut_ptr().add(16 * k), mask, f) };
            if let (Some(km), Some(off)) = (marks.as_deref_mut(), off) {
                let (at, q) = (j * groups + i0 / MARK_LANES + k, i0 + 16 * k);
                // SAFETY: the masked-off lanes are neither read nor faulted on; the lanes read
                // are queries `q..q + lanes`, below `m ≤ thr.len()` (`KeyMarks::check`).
                let thr = unsafe { _mm512_maskz_loadu_ps(mask, km.thr.as_ptr().add(q)) };
                // ordered, non-signalling "less than" on the stored lanes only: false for NaN
                km.marks[at] = _mm512_mask_cmp_ps_mask::<_CMP_LT_OQ>(mask, _mm512_add_ps(f, off), thr);
                if let Some(x) = km.cross.as_mut() {
                    let qoff = match x.off {
                        // SAFETY: as above, queries `q..q + lanes`, below `m ≤ off.len()`.
                        Some(o) => unsafe { _mm512_maskz_loadu_ps(mask, o.as_ptr().add(q)) },
                        None => _mm512_set1_ps(0.0),
                    };
                    let t = _mm512_set1_ps(x.thr[j]);
                    x.marks[at] = _mm512_mask_cmp_ps_mask::<_CMP_LT_OQ>(mask, _mm512_add_ps(f, qoff), t);
                }
            }
        }
    }
}
