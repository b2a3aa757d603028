//! Packing into the micro-kernels' panel layouts (zero-padded to whole panels).
//!
//! - `A` panels: `MR` rows of `A` (rows of `C`) × `kc` reduction steps, stored step-major
//!   (`panel[t·MR + r]`), one panel after another.
//! - `B` panels: `kc` steps × `NR` columns of `B` (columns of `C`), stored step-major
//!   (`panel[t·NR + c]`).
//!
//! `MR` and `NR` are the register-tile shape of the micro-kernel the driver runs. Cost
//! O(rows·kc) per call, no allocation.

use crate::View;

/// Pack rows `i0..i0 + mc` of `a`, reduction steps `t0..t0 + kc`, into `out`
/// (`mc.div_ceil(MR)·MR·kc` values; rows past `mc` are zero).
pub(crate) fn pack_a<const MR: usize>(
    out: &mut [f32],
    a: View<'_>,
    i0: usize,
    mc: usize,
    t0: usize,
    kc: usize,
) {
    let (rs, cs) = a.strides();
    for (p, panel) in out.chunks_exact_mut(MR * kc).enumerate() {
        let r0 = p * MR;
        let mr = MR.min(mc.saturating_sub(r0));
        if rs == 1 && mr == MR {
            // Rows of A are adjacent in memory (A = Xᵀ of a row-major X): one slice per step.
            let data = a.data();
            for (t, dst) in panel.chunks_exact_mut(MR).enumerate() {
                let start = (i0 + r0) + (t0 + t) * cs;
                dst.copy_from_slice(&data[start..start + MR]);
            }
        } else {
            panel.fill(0.0);
            if cs == 1 && MR <= 16 && mr > 0 {
                // Row-major A: 16 steps of all the panel's rows at a time, transposed in
                // registers (the per-row loop below does the remaining steps).
                let data = a.data();
                let row0 = (i0 + r0) * rs + t0;
                for tb in (0..kc / 16 * 16).step_by(16) {
                    let src = &data[row0 + tb..row0 + tb + (mr - 1) * rs + 16];
                    crate::transpose::block16(src, rs, mr, &mut panel[tb * MR..(tb + 15) * MR + mr], MR);
                }
            }
            for r in 0..mr {
                if cs == 1 {
                    // Row-major A (a projection's rows): read each row's run contiguously.
                    let start = (i0 + r0 + r) * rs + t0;
                    // steps past the 16-step blocks below (all of them when MR > 16)
                    let skip = if MR <= 16 { kc / 16 * 16 } else { 0 };
                    let run = &a.data()[start + skip..start + kc];
                    for (dst, v) in panel[skip * MR..].chunks_exact_mut(MR).zip(run) {
                        dst[r] = *v;
                    }
                } else {
                    for t in 0..kc {
                        panel[t * MR + r] = a.at(i0 + r0 + r, t0 + t);
                    }
                }
            }
        }
    }
}

/// Pack columns `0..n` of `b`, reduction steps `t0..t0 + kc`, into `out`
/// (`n.div_ceil(NR)·NR·kc` values; columns past `n` are zero).
pub(crate) fn pack_b<const NR: usize>(out: &mut [f32], b: View<'_>, t0: usize, kc: usize) {
    let n = b.cols();
    let (rs, cs) = b.strides();
    for (q, panel) in out.chunks_exact_mut(NR * kc).enumerate() {
        let j0 = q * NR;
        let nr = NR.min(n - j0);
        if cs == 1 && nr == NR {
            let data = b.data();
            for (t, dst) in panel.chunks_exact_mut(NR).enumerate() {
                let start = (t0 + t) * rs + j0;
                dst.copy_from_slice(&data[start..start + NR]);
            }
        } else {
            panel.fill(0.0);
            // B = Yᵀ of a row-major Y: 16 steps of up to 16 columns at a time, transposed in
            // registers (the per-column loop below does the remaining steps)
            let skip = if rs == 1 && NR.is_multiple_of(16) {
                kc / 16 * 16
            } else {
                0
            };
            if skip > 0 {
                let data = b.data();
                for h in (0..nr).step_by(16) {
                    let cols = 16.min(nr - h);
                    let col0 = (j0 + h) * cs + t0;
                    for tb in (0..skip).step_by(16) {
                        let src = &data[col0 + tb..col0 + tb + (cols - 1) * cs + 16];
                        let dst = &mut panel[tb * NR + h..(tb + 15) * NR + h + cols];
                        crate::transpose::block16(src, cs, cols, dst, NR);
                    }
                }
            }
            for c in 0..nr {
                if rs == 1 {
                    // B = Yᵀ of a row-major Y (the kNN tile's queries): read each run of Y.
                    let start = (j0 + c) * cs + t0;
                    let run = &b.data()[start + skip..start + kc];
                    for (dst, v) in panel[skip * NR..].chunks_exact_mut(NR).zip(run) {
                        dst[c] = *v;
                    }
                } else {
                    for t in 0..kc {
                        panel[t * NR + c] = b.at(t0 + t, j0 + c);
                    }
                }
            }
        }
    }
}
