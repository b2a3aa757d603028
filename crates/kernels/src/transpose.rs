//! Transposed copies of 16-wide blocks for the packing routines ([`crate::pack`]): `rows ≤ 16`
//! source runs of 16 consecutive values become 16 destination runs of `rows` values, on
//! AVX-512F in registers ([`regs16`], also the split-bf16 SYRK's packing), else value by value.
//!
//! Packing a row-major operand into step-major panels is a transpose; done value by value it
//! took about a quarter of the randomized PCA's time (scalar loads and stores, 14–32 per
//! step), where each block of X is packed for a product of only `k + p` columns.

/// `out[e·ostride + r] = src[r·istride + e]` for `r < rows`, `e < 16`; other values of `out`
/// are left as they are.
///
/// # Cost
/// 16·rows copies: on AVX-512F 16 loads, 64 shuffles and 16 masked stores; no memory.
///
/// # Panics
/// If `rows > 16` or `rows > ostride` (destination runs would overlap), `src` is shorter than
/// `(rows − 1)·istride + 16` (rows ≥ 1) or `out` shorter than `15·ostride + rows` (callers
/// slice exactly these).
pub(crate) fn block16(src: &[f32], istride: usize, rows: usize, out: &mut [f32], ostride: usize) {
    assert!(
        rows <= 16 && rows <= ostride,
        "block16: {rows} rows at stride {ostride}"
    );
    if rows == 0 {
        return;
    }
    assert!(
        src.len() >= (rows - 1) * istride + 16,
        "block16: source too short"
    );
    assert!(out.len() >= 15 * ostride + rows, "block16: destination too short");
    #[cfg(target_arch = "x86_64")]
    if crate::Path::Avx512.supported() {
        // SAFETY: AVX-512F is present (checked just above); the loads read
        // `src[r·istride .. r·istride + 16]` for `r < rows` and the masked stores write
        // `out[e·ostride .. e·ostride + rows]` for `e < 16` (masked-off lanes are not
        // accessed), all in bounds by the asserts above.
        unsafe { avx512(src, istride, rows, out, ostride) };
        return;
    }
    scalar(src, istride, rows, out, ostride);
}

/// [`block16`] value by value (the reference of the tests).
fn scalar(src: &[f32], istride: usize, rows: usize, out: &mut [f32], ostride: usize) {
    for r in 0..rows {
        for (e, &v) in src[r * istride..r * istride + 16].iter().enumerate() {
            out[e * ostride + r] = v;
        }
    }
}

/// [`block16`] on AVX-512F: rows past `rows` read as zero, the registers transposed by
/// [`regs16`], `rows` lanes of each stored.
///
/// # Safety
/// AVX-512F must be available, `src` must hold `(rows − 1)·istride + 16` values and `out`
/// `15·ostride + rows`, `1 ≤ rows ≤ 16`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn avx512(src: &[f32], istride: usize, rows: usize, out: &mut [f32], ostride: usize) {
    use std::arch::x86_64::{
        _mm512_castps_si512, _mm512_castsi512_ps, _mm512_loadu_ps, _mm512_mask_storeu_ps,
        _mm512_setzero_si512,
    };
    let mut r = [_mm512_setzero_si512(); 16];
    for (i, v) in r.iter_mut().enumerate().take(rows) {
        // SAFETY: `i < rows`, so `i·istride + 16 ≤ src.len()` (caller's contract).
        *v = _mm512_castps_si512(unsafe { _mm512_loadu_ps(src.as_ptr().add(i * istride)) });
    }
    let w = regs16(&r);
    let mask: u16 = if rows == 16 { u16::MAX } else { (1u16 << rows) - 1 };
    let ptr = out.as_mut_ptr();
    for (e, &v) in w.iter().enumerate() {
        // SAFETY: `e < 16`, so lanes `0..rows` at `e·ostride` lie within `out` (caller's
        // contract); the other lanes are masked off and not accessed.
        unsafe { _mm512_mask_storeu_ps(ptr.add(e * ostride), mask, _mm512_castsi512_ps(v)) };
    }
}

/// The 16 × 16 transpose of 32-bit lanes: `out[j]` lane `i` = `rows[i]` lane `j`. Pairs of
/// rows interleaved per 128-bit lane, then quads (`u[4g + j]` lane `L` holds column `4L + j` of
/// rows `4g..4g + 4`), then the 4 × 4 arrangement of 128-bit lanes (`shuffle_i32x4` 0x88 / 0xdd:
/// even / odd lanes of both operands). Used by [`block16`] and the split-bf16 SYRK's packing.
#[cfg(target_arch = "x86_64")]
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn regs16(rows: &[std::arch::x86_64::__m512i; 16]) -> [std::arch::x86_64::__m512i; 16] {
    use std::arch::x86_64::{
        _mm512_setzero_si512, _mm512_shuffle_i32x4, _mm512_unpackhi_epi32, _mm512_unpackhi_epi64,
        _mm512_unpacklo_epi32, _mm512_unpacklo_epi64,
    };
    let z = _mm512_setzero_si512();
    let mut t = [z; 16];
    for q in 0..8 {
        let (x, y) = (rows[2 * q], rows[2 * q + 1]);
        let base = 4 * (q / 2) + 2 * (q % 2);
        t[base] = _mm512_unpacklo_epi32(x, y);
        t[base + 1] = _mm512_unpackhi_epi32(x, y);
    }
    let mut u = [z; 16];
    for g in 0..4 {
        let (t0, t1, t2, t3) = (t[4 * g], t[4 * g + 1], t[4 * g + 2], t[4 * g + 3]);
        u[4 * g] = _mm512_unpacklo_epi64(t0, t2);
        u[4 * g + 1] = _mm512_unpackhi_epi64(t0, t2);
        u[4 * g + 2] = _mm512_unpacklo_epi64(t1, t3);
        u[4 * g + 3] = _mm512_unpackhi_epi64(t1, t3);
    }
    let mut out = [z; 16];
    for j in 0..4 {
        let v0 = _mm512_shuffle_i32x4::<0x88>(u[j], u[4 + j]);
        let v1 = _mm512_shuffle_i32x4::<0xdd>(u[j], u[4 + j]);
        let w0 = _mm512_shuffle_i32x4::<0x88>(u[8 + j], u[12 + j]);
        let w1 = _mm512_shuffle_i32x4::<0xdd>(u[8 + j], u[12 + j]);
        out[j] = _mm512_shuffle_i32x4::<0x88>(v0, w0);
        out[8 + j] = _mm512_shuffle_i32x4::<0xdd>(v0, w0);
        out[4 + j] = _mm512_shuffle_i32x4::<0x88>(v1, w1);
        out[12 + j] = _mm512_shuffle_i32x4::<0xdd>(v1, w1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{block16, scalar};

    /// Every row count, strides at, above and far above 16, offsets into larger buffers: the
    /// vector path (on a CPU with AVX-512F; the scalar one elsewhere) equals the value-by-value
    /// copy and leaves the other destination values alone.
    #[test]
    fn block16_equals_the_value_by_value_copy() {
        for rows in 0..=16 {
            for (istride, ostride) in [(16, 16), (16, 14), (37, 32), (1536, 14), (300, 96)] {
                if rows > ostride {
                    continue;
                }
                let src: Vec<f32> = (0..rows.max(1) * istride + 40)
                    .map(|v| v as f32 * 0.5 - 3.0)
                    .collect();
                let len = 16 * ostride + 40;
                let (mut got, mut want) = (vec![-7.0f32; len], vec![-7.0f32; len]);
                block16(&src[3..], istride, rows, &mut got[5..], ostride);
                if rows > 0 {
                    scalar(&src[3..], istride, rows, &mut want[5..], ostride);
                }
                assert_eq!(got, want, "rows {rows}, strides {istride} / {ostride}");
            }
        }
    }
}
