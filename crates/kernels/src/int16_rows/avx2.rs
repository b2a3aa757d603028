//! The AVX2 int16 tiles (`vpmaddwd` + `vpaddd`) of the module doc.

use std::arch::x86_64::{
    __m256i, _mm256_add_epi32, _mm256_cvtepi32_ps, _mm256_loadu_ps, _mm256_loadu_si256, _mm256_madd_epi16,
    _mm256_mul_ps, _mm256_set1_epi32, _mm256_set1_ps, _mm256_setzero_si256, _mm256_storeu_ps,
};

use super::{Job, NB, R};
use crate::corpus_rows::{W, WIDE};

/// The loop nest of the module doc on the AVX2 tiles: `3 × 24`, or `2 × 32` on a wide last
/// panel (8 accumulators; `3 × 32` would need 17 registers).
///
/// # Safety
/// The CPU must have AVX2.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn walk(job: &Job<'_>, dst: &mut [f32]) {
    let n = dst.len() / job.m;
    let panels = job.layout().0;
    for b0 in (0..n).step_by(NB) {
        let b1 = (b0 + NB).min(n);
        for p in 0..panels {
            // SAFETY: AVX2 is available (this function's contract).
            unsafe {
                if job.panel(p).1 == WIDE {
                    rows::<2, 4>(job, p, (b0, b1), n, dst);
                } else {
                    rows::<R, 3>(job, p, (b0, b1), n, dst);
                }
            }
        }
    }
}

/// Rows `b0..b1` of the call against panel `p` in `RR`-row tiles of `8·V` queries, the last
/// `< RR` rows one at a time; the first panel's tiles prefetch the rows a block ahead.
///
/// # Safety
/// The CPU must have AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn rows<const RR: usize, const V: usize>(
    job: &Job<'_>,
    p: usize,
    (b0, b1): (usize, usize),
    n: usize,
    dst: &mut [f32],
) {
    let mut jj = b0;
    while jj + RR <= b1 {
        if p == 0 {
            job.prefetch(jj + NB, RR, n);
        }
        // SAFETY: AVX2 is available (this function's contract).
        unsafe { tile::<RR, V>(job, p, jj, dst) };
        jj += RR;
    }
    while jj < b1 {
        if p == 0 {
            job.prefetch(jj + NB, 1, n);
        }
        // SAFETY: as above.
        unsafe { tile::<1, V>(job, p, jj, dst) };
        jj += 1;
    }
}

/// Corpus rows `jj..jj + RR` of the call against panel `p`: the exact sums in registers,
/// then [`Job::key`]'s operations on 8 lanes, into `dst` (through a buffer for a partial
/// panel).
///
/// # Safety
/// The CPU must have AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn tile<const RR: usize, const V: usize>(job: &Job<'_>, p: usize, jj: usize, dst: &mut [f32]) {
    let (panel, width) = job.panel(p);
    debug_assert_eq!(width, 8 * V);
    // each row as `steps` value pairs, read as one (little-endian) int32 per pair (unaligned
    // reads below)
    #[allow(clippy::cast_ptr_alignment)]
    let rows: [*const i32; RR] = std::array::from_fn(|r| job.row(job.j0 + jj + r).as_ptr().cast::<i32>());
    let mut acc = [[_mm256_setzero_si256(); V]; RR];
    for (s, b) in panel.chunks_exact(16 * V).enumerate() {
        // `_mm256_loadu_si256` takes any alignment
        #[allow(clippy::cast_ptr_alignment)]
        let ptr = b.as_ptr().cast::<__m256i>();
        // SAFETY: `b` holds `16·V` int16 (`V` 32-byte vectors); unaligned loads.
        let v: [__m256i; V] = std::array::from_fn(|k| unsafe { _mm256_loadu_si256(ptr.add(k)) });
        for (a, y) in acc.iter_mut().zip(&rows) {
            // SAFETY: `s < steps` and each row holds `steps` pairs (`Job::row`); the pair's
            // low half is `y[2s]`, as the panel's is `q[2s]`, so `vpmaddwd` multiplies
            // matching values.
            let pair = unsafe { y.add(s).read_unaligned() };
            let bc = _mm256_set1_epi32(pair);
            for (ai, vi) in a.iter_mut().zip(&v) {
                *ai = _mm256_add_epi32(*ai, _mm256_madd_epi16(bc, *vi));
            }
        }
    }
    let i0 = p * W;
    let w = width.min(job.m - i0);
    let scales = &job.q.scale[i0..i0 + 8 * V];
    // SAFETY: `scales` holds `8·V` f32 (the scales are padded to whole panels).
    let qs: [_; V] = std::array::from_fn(|k| unsafe { _mm256_loadu_ps(scales.as_ptr().add(8 * k)) });
    for (r, a) in acc.iter().enumerate() {
        let j = jj + r;
        let sc = _mm256_set1_ps(job.c.scale[job.j0 + j]);
        let alpha = _mm256_set1_ps(job.alpha);
        let mut out = [0.0f32; WIDE];
        for (k, (ai, qk)) in a.iter().zip(&qs).enumerate() {
            let f = _mm256_cvtepi32_ps(*ai);
            let f = _mm256_mul_ps(_mm256_mul_ps(_mm256_mul_ps(f, *qk), sc), alpha);
            // SAFETY: `out` has 32 f32, `k < V ≤ 4`.
            unsafe { _mm256_storeu_ps(out.as_mut_ptr().add(8 * k), f) };
        }
        dst[j * job.m + i0..j * job.m + i0 + w].copy_from_slice(&out[..w]);
    }
}
