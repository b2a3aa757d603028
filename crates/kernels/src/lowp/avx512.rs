//! The AVX512-BF16 register tile: 32 lanes (two zmm) × 12 columns = 24 accumulators; per pair
//! step 2 vector loads, 12 broadcasts and 24 `vdpbf16ps` (64 flops each).

#[cfg(target_arch = "x86_64")]
pub(super) use imp::tile;

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::super::{MR, NR};
    use std::arch::x86_64::{
        __m512, __m512bh, __m512i, _mm512_dpbf16_ps, _mm512_loadu_si512, _mm512_set1_epi32,
        _mm512_setzero_ps, _mm512_storeu_ps,
    };

    /// `acc[c][r] = Σ_p dot(a[p·MR + r], b[p·NR + c])` over the pair words of a 32-lane panel
    /// `a` and a 12-column panel `b` (same number of pairs), summed in increasing `p`.
    ///
    /// # Safety
    /// The CPU must support avx512f and avx512bf16.
    #[target_feature(enable = "avx512f,avx512bf16")]
    pub(in super::super) unsafe fn tile(a: &[u32], b: &[u32], acc: &mut [[f32; MR]; NR]) {
        let (a, _) = a.as_chunks::<MR>();
        let (b, _) = b.as_chunks::<NR>();
        let z = _mm512_setzero_ps();
        let mut c: [[__m512; 2]; NR] = [[z; 2]; NR];
        for (ap, bp) in a.iter().zip(b) {
            // SAFETY: `ap` is a `[u32; 32]`: the two unaligned loads read its 128 bytes.
            // `__m512i` and `__m512bh` are both 512-bit plain-data vectors (any bits valid).
            let (a0, a1): (__m512bh, __m512bh) = unsafe {
                (
                    std::mem::transmute::<__m512i, __m512bh>(_mm512_loadu_si512(ap.as_ptr().cast())),
                    std::mem::transmute::<__m512i, __m512bh>(_mm512_loadu_si512(ap.as_ptr().add(16).cast())),
                )
            };
            for (cc, &w) in c.iter_mut().zip(bp) {
                // SAFETY: as above, a broadcast `__m512i` reinterpreted as 32 bf16 values.
                let bw: __m512bh =
                    unsafe { std::mem::transmute::<__m512i, __m512bh>(_mm512_set1_epi32(w.cast_signed())) };
                cc[0] = _mm512_dpbf16_ps(cc[0], a0, bw);
                cc[1] = _mm512_dpbf16_ps(cc[1], a1, bw);
            }
        }
        for (cc, out) in c.iter().zip(acc.iter_mut()) {
            // SAFETY: `out` is a `[f32; 32]`: the stores write elements 0..16 and 16..32.
            unsafe {
                _mm512_storeu_ps(out.as_mut_ptr(), cc[0]);
                _mm512_storeu_ps(out.as_mut_ptr().add(16), cc[1]);
            }
        }
    }
}
