//! Split-bf16 SYRK on the AMX tiles: the lower triangle of `C = Yᵀ·Y` for a row-major
//! `rows × d` f32 block `Y` (the co-moment of one centred block of PCA's covariance pass), in
//! f64, from four bf16 products per pair of values.
//!
//! # Scheme
//! Every value is split as `y = hi + lo + r` ([`super::split_value`]: `hi = bf16(y)`,
//! `lo = bf16(y − hi)`, both rounded to nearest even). The rows are taken in chunks of at most
//! [`CHUNK`] rows; per chunk, column `i` of the chunk becomes one operand row of length `4·R`
//! (`R` = min(rows, [`CHUNK`]) rounded up to a multiple of 32 for every chunk of a call, the
//! missing rows of a short last chunk zero):
//! `[hi | hi | lo | lo]` on the `A` side and `[hi | lo | hi | lo]` on the `B` side, so one bf16
//! dot product of length `4R` is `Σ_t (hi_i + lo_i)·(hi_j + lo_j)` over the chunk's rows `t`.
//! The products of bf16 values are exact in f32; the tiles add them in f32; each chunk's f32
//! result is added to the f64 output.
//!
//! # Accuracy
//! Per product, `y_i·y_j − (hi_i + lo_i)(hi_j + lo_j) = (hi_i + lo_i)·r_j + r_i·y_j` with
//! `|r| ≤ 2⁻¹⁷|y| + 2⁻¹²⁶` ([`super::split_value`]), so the split loses at most about
//! `2⁻¹⁶·|y_i·y_j|` per product — less than the f32 accumulation bound `γ_{4R}` of the chunk's
//! sum (`4R·2⁻²⁴ = 2⁻¹⁵` at `R` = 128), which is what the tiles add (in an order of the
//! hardware's choosing): `|ĉ − c| ≤ (2⁻¹⁶ + γ_{4R−1}(1 + 2⁻¹⁶))·Σ_t |y_ti·y_tj|` plus the
//! subnormal terms of the tile units (inputs below 2⁻¹²⁶ read as zero, outputs flushed), which
//! callers avoid by keeping `|y|` inside PCA's `F32_SAFE` range. The split residuals `r` round to
//! nearest, so on the diagonal (`Σ y²`) they do not bias the sum the way dropping `lo·lo`
//! would (`(hi + lo)² − y² = −(2y − r)·r`: first order in `r`, zero mean). The chunks' sums are
//! then added in f64 (the error of f32 blocks merged in f64, as the FMA path's 2048-row blocks).
//!
//! # Cost
//! `4·R·32·32·2` flops per 32 × 32 block pair of the lower triangle and chunk (about
//! `4·rows·d·(d + 32)` bf16 flops in all, 4× the useful `rows·d²`), at the tile rate;
//! packing O(rows·d) per call. Memory, per thread, kept for its next call: the two operand
//! layouts of one chunk, about `(2·d₁₆ + 64)·4R·2` bytes with `d₁₆ = d` rounded up to 16
//! (0.85 MB at d = 384, R = 128), plus an f32 tile of `d·32` values.
//!
//! # Determinism
//! The same input gives the same bits on the same CPU (fixed chunks, fixed order of the f64
//! additions, one thread per call); the result differs from the FMA path's in the last bits.

use std::cell::RefCell;

use super::amx::{self, Layout, Op};
use super::syrk_pack::pack;
use crate::lines::Lines;

/// Rows per chunk: a 32-row strip of the `A` operand (`32·4R·2` bytes, 32 KB at R = 128) stays
/// in L1 (R = 128 measured 1.2× faster than 256 and 96 at 2048 × 384).
pub const CHUNK: usize = 128;

/// Columns per strip of the output (the tile block is 32 × 32).
const STRIP: usize = 32;

/// Does this process run [`syrk_lower_split`]: AMX-BF16 units, the Linux tile permission, and
/// the bf16 path ([`super::path`]) not moved off AMX by `EMBGEO_LOWP_KERNEL`
/// (`=avx512bf16` or `=scalar` turn the split SYRK off, so callers take their FMA kernel)?
#[must_use]
pub fn split_syrk_supported() -> bool {
    super::path() == super::LowpPath::AmxBf16 && Op::Bf16.available()
}

/// The per-thread buffers of [`syrk_lower_split`]: the operand layouts of one chunk and the
/// f32 result of one strip.
#[derive(Default)]
struct Scratch {
    a: Layout,
    b: Layout,
    /// The shape the layouts were built for, `(d, kp)`: their padding is zero for it.
    shape: (usize, usize),
    tile: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// `c[i·d + j] = Σ_t y[t·d + i]·y[t·d + j]` for `j ≤ i` (f64, the lower triangle of `YᵀY`,
/// row-major `d × d`), computed as the module docs say; entries above the diagonal are left
/// as they are. `rows = 0` gives zeros.
///
/// # Panics
/// If [`split_syrk_supported`] is false, `y.len() < rows·d` or `c.len() < d·d` (caller bugs: the
/// callers check support and shapes first). Values must be finite with `|y| < 2¹²⁷`.
pub fn syrk_lower_split(c: &mut [f64], y: &[f32], rows: usize, d: usize) {
    assert!(
        split_syrk_supported() && y.len() >= rows * d && c.len() >= d * d,
        "syrk_lower_split: unsupported or bad shape"
    );
    for i in 0..d {
        c[i * d..=i * d + i].fill(0.0);
    }
    if d == 0 {
        return;
    }
    // one operand width for every chunk of the call (a short last chunk reads zero rows)
    let kw = rows.min(CHUNK).next_multiple_of(32) / 2;
    SCRATCH.with_borrow_mut(|s| {
        s.prepare(d, 4 * kw);
        for chunk in y[..rows * d].chunks(CHUNK * d) {
            pack(&mut s.a, &mut s.b, chunk, d, kw);
            accumulate(c, s, d);
        }
    });
}

impl Scratch {
    /// Make the layouts hold `d` operand rows of `kp` words with zero padding.
    fn prepare(&mut self, d: usize, kp: usize) {
        if self.shape != (d, kp) {
            let d16 = d.next_multiple_of(16);
            self.a = Layout {
                rows: Lines::zeroed((d16 + 32) * kp),
                groups: Lines::default(),
                kp,
            };
            self.b = Layout {
                rows: Lines::default(),
                groups: Lines::zeroed((d16 / 16 + 2) * 16 * kp),
                kp,
            };
            self.tile = vec![0.0; d * STRIP];
            self.shape = (d, kp);
        }
    }
}

/// Add one chunk's lower triangle (from the packed operands in `s`) to `c`.
fn accumulate(c: &mut [f64], s: &mut Scratch, d: usize) {
    for j0 in (0..d).step_by(STRIP) {
        let j1 = (j0 + STRIP).min(d);
        // the tile: query (B) columns 0..j1 against corpus (A) rows j0..j1, column-major
        // `m × n` with m = j1 (entry (i, j) = C[j][i], kept for i ≤ j)
        let m = j1;
        let tile = &mut s.tile[..m * (j1 - j0)];
        amx::tile(Op::Bf16, tile, (&s.b, 0..m), (&s.a, j0..j1), |v, _| {
            f32::from_bits(v)
        });
        for j in j0..j1 {
            let col = &tile[(j - j0) * m..][..=j];
            for (o, &v) in c[j * d..=j * d + j].iter_mut().zip(col) {
                *o += f64::from(v);
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equalities are what these tests check
mod tests {
    use super::*;
    use crate::lowp::{split_value, widen};

    /// A seeded anisotropic block with a few exact zeros and one constant-sign column.
    fn block(rows: usize, d: usize, seed: u64) -> Vec<f32> {
        let mut s = seed;
        (0..rows * d)
            .map(|k| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let u = ((s >> 40) as f32) / (1u64 << 24) as f32 - 0.5;
                let col = k % d;
                if col == 3 {
                    0.0
                } else if col == 5 {
                    1.0 + u.abs()
                } else {
                    u / (1.0 + col as f32).sqrt()
                }
            })
            .collect()
    }

    #[test]
    fn matches_the_split_products_and_the_exact_sum_within_the_bound() {
        if !split_syrk_supported() {
            return;
        }
        for (rows, d) in [(1, 1), (7, 3), (256, 16), (300, 33), (600, 70), (513, 97)] {
            let y = block(rows, d, (rows * 131 + d) as u64);
            let mut c = vec![f64::NAN; d * d];
            syrk_lower_split(&mut c, &y, rows, d);
            for i in 0..d {
                for j in 0..=i {
                    let (mut exact, mut split, mut abs) = (0f64, 0f64, 0f64);
                    for t in 0..rows {
                        let (x, z) = (y[t * d + i], y[t * d + j]);
                        let s = |v: f32| {
                            let (h, l) = split_value(v);
                            f64::from(widen(h)) + f64::from(widen(l))
                        };
                        exact += f64::from(x) * f64::from(z);
                        split += s(x) * s(z);
                        abs += (f64::from(x) * f64::from(z)).abs();
                    }
                    let got = c[i * d + j];
                    // f32 accumulation of each chunk (4·CHUNK products, any order)
                    let gamma = (4 * CHUNK) as f64 * 2f64.powi(-24);
                    assert!(
                        (got - split).abs() <= gamma * abs * 1.01,
                        "({rows},{d}) [{i},{j}] {got} vs {split}"
                    );
                    let bound = (2f64.powi(-16) + gamma) * abs * 1.01;
                    assert!(
                        (got - exact).abs() <= bound,
                        "({rows},{d}) [{i},{j}] {got} vs {exact}"
                    );
                }
            }
        }
    }

    #[test]
    fn zero_rows_give_zeros_and_the_upper_triangle_is_untouched() {
        if !split_syrk_supported() {
            return;
        }
        let d = 5;
        let mut c = vec![7.0; d * d];
        syrk_lower_split(&mut c, &[], 0, d);
        for i in 0..d {
            for j in 0..d {
                assert_eq!(c[i * d + j], if j <= i { 0.0 } else { 7.0 });
            }
        }
    }

    #[test]
    fn a_reused_thread_buffer_gives_the_same_bits() {
        if !split_syrk_supported() {
            return;
        }
        let (rows, d) = (700, 40);
        let y = block(rows, d, 9);
        let mut first = vec![0.0; d * d];
        syrk_lower_split(&mut first, &y, rows, d);
        // a different shape in between (the buffers are rebuilt), then the same again
        let mut other = vec![0.0; 19 * 19];
        syrk_lower_split(&mut other, &block(100, 19, 3), 100, 19);
        let mut again = vec![0.0; d * d];
        syrk_lower_split(&mut again, &y, rows, d);
        assert_eq!(first, again);
    }
}
