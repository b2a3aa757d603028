//! The AVX512-BF16 register tile: 48 lanes (three zmm) × 8 columns = 24 accumulators; per pair
//! step 3 vector loads, 8 broadcasts and 24 `vdpbf16ps` (64 flops each).

#[cfg(target_arch = "x86_64")]
pub(super) use imp::tile;

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::super::{NR, W};
    use std::arch::x86_64::{
        __m512, __m512bh, __m512i, _mm512_dpbf16_ps, _mm512_loadu_si512, _mm512_set1_epi32,
        _mm512_setzero_ps, _mm512_storeu_ps,
    };

    /// `acc[c][r] = Σ_p dot(a[p·W + r], b[p·W + c])` for `p < pairs`, summed in increasing `p`.
    ///
    /// # Safety
    /// The CPU must support avx512f and avx512bf16; `a` and `b` must hold at least
    /// `(pairs − 1)·W + W` and `(pairs − 1)·W + NR` words (checked by the caller, re-checked
    /// here by the slice bounds of `chunks`).
    #[target_feature(enable = "avx512f,avx512bf16")]
    pub(in super::super) unsafe fn tile(a: &[u32], b: &[u32], pairs: usize, acc: &mut [[f32; W]; NR]) {
        let z = _mm512_setzero_ps();
        let mut c: [[__m512; 3]; NR] = [[z; 3]; NR];
        for (ap, bp) in a.chunks(W).zip(b.chunks(W)).take(pairs) {
            let (ap, bp) = (&ap[..W], &bp[..NR]);
            // SAFETY: `ap` has W = 48 words: the three unaligned loads read words 0..16, 16..32
            // and 32..48. `__m512i` and `__m512bh` are 512-bit plain-data vectors (any bits valid).
            let a3: [__m512bh; 3] = unsafe {
                [
                    std::mem::transmute::<__m512i, __m512bh>(_mm512_loadu_si512(ap.as_ptr().cast())),
                    std::mem::transmute::<__m512i, __m512bh>(_mm512_loadu_si512(ap.as_ptr().add(16).cast())),
                    std::mem::transmute::<__m512i, __m512bh>(_mm512_loadu_si512(ap.as_ptr().add(32).cast())),
                ]
            };
            for (cc, &w) in c.iter_mut().zip(bp) {
                // SAFETY: as above, a broadcast `__m512i` reinterpreted as 32 bf16 values.
                let bw =
                    unsafe { std::mem::transmute::<__m512i, __m512bh>(_mm512_set1_epi32(w.cast_signed())) };
                cc[0] = _mm512_dpbf16_ps(cc[0], a3[0], bw);
                cc[1] = _mm512_dpbf16_ps(cc[1], a3[1], bw);
                cc[2] = _mm512_dpbf16_ps(cc[2], a3[2], bw);
            }
        }
        for (cc, out) in c.iter().zip(acc.iter_mut()) {
            // SAFETY: `out` is a `[f32; 48]`: the stores write elements 0..16, 16..32, 32..48.
            unsafe {
                _mm512_storeu_ps(out.as_mut_ptr(), cc[0]);
                _mm512_storeu_ps(out.as_mut_ptr().add(16), cc[1]);
                _mm512_storeu_ps(out.as_mut_ptr().add(32), cc[2]);
            }
        }
    }
}
