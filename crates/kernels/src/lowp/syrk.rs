//! Split-bf16 SYRK on the AMX tiles: the lower triangle of `C = Yᵀ·Y` for a row-major
//! `rows × d` f32 block `Y` (the co-moment of one centred block of PCA's covariance pass), in
//! f32, from three bf16 products per pair of values (and the fourth, exactly, on the diagonal).
//!
//! # Scheme
//! Every value is split as `y = hi + lo + r` ([`super::split_value`]: `hi = bf16(y)`,
//! `lo = bf16(y − hi)`, both rounded to nearest even). The rows are taken in chunks of at most
//! [`CHUNK`] rows; per chunk, column `i` of the chunk becomes one operand row of length `3·R`
//! (`R` = min(rows, [`CHUNK`]) rounded up to a multiple of 32 for every chunk of a call, the
//! missing rows of a short last chunk zero):
//! `[hi | hi | lo]` on the `A` side and `[hi | lo | hi]` on the `B` side, so one bf16 dot
//! product of length `3R` is `Σ_t hi_i·hi_j + hi_i·lo_j + lo_i·hi_j` over the chunk's rows `t`
//! (the split of `(hi_i + lo_i)(hi_j + lo_j)` without `lo_i·lo_j`, at most `2⁻¹⁶|y_i·y_j|`).
//! The products of bf16 values are exact in f32; the tiles add them in f32. On the diagonal
//! the left-out `Σ_t lo_ti²` (one O(rows·d) sum, made while packing) is added at the end, so
//! the diagonal, the variances, is not biased low by it. The output is
//! computed in 32-row strips of 32 × 32 blocks, [`PANEL`] columns at a time (the panel's `B`
//! operand stays in the L2 while the strips below it pass); each block's f32 sums live in a
//! per-thread buffer between chunks: the first chunk's tile products overwrite it, every later
//! chunk's continue its sums (tiles loaded from it, added to, stored back), and the last chunk's
//! sums are copied to the output. One call is thus one f32 sum of `3·R·⌈rows/R⌉` products per
//! entry, as the FMA kernel sums a whole block in f32.
//!
//! # Accuracy
//! Per product, `y_i·y_j − (hi_i + lo_i)(hi_j + lo_j) = (hi_i + lo_i)·r_j + r_i·y_j` with
//! `|r| ≤ 2⁻¹⁷|y| + 2⁻¹²⁶` ([`super::split_value`]), about `2⁻¹⁶·|y_i·y_j|`; off the diagonal
//! the left-out `lo_i·lo_j` adds at most `2⁻¹⁶·|y_i·y_j|` (`|lo| ≤ |y − hi| ≤ 2⁻⁸|y| + 2⁻¹²⁶`),
//! so a product loses at most about `2⁻¹⁵·|y_i·y_j|`. The tiles add the `K = 3·R·⌈rows/R⌉`
//! products in f32 (in an order of the hardware's choosing within each instruction, the
//! instructions in chunk order): `|ĉ − c| ≤ (2⁻¹⁵ + γ_{K−1}(1 + 2⁻¹⁵))·Σ_t |y_ti·y_tj|` plus
//! the subnormal terms of the tile units (inputs below 2⁻¹²⁶ read as zero, outputs flushed),
//! which callers avoid by keeping `|y|` inside PCA's `F32_SAFE` range; `γ_K` is `3×` the FMA
//! kernel's `γ_rows` for the same rows. Neither error is biased: the split residuals `r` round
//! to nearest (`(hi + lo)² − y² = −(2y − r)·r`: first order in `r`, zero mean), the `lo_i·lo_j`
//! of two columns have either sign, and on the diagonal, where `lo²` would always be missing,
//! it is added (`Σ lo²` summed in f32 per chunk, in f64 across chunks, added to the f32 sum in
//! f64 and rounded once).
//!
//! # Cost
//! `3·R·32·32·2` flops per 32 × 32 block pair of the lower triangle and chunk (about
//! `3·rows·d·(d + 32)` bf16 flops in all, 3× the useful `rows·d²`), at the tile rate;
//! packing O(rows·d) per call; the f32 sums loaded and stored once per block and chunk
//! (`≈ 2·d²` bytes each way per chunk). Memory, per thread, kept for its next call: the two
//! operand layouts of one chunk, about `(2·d₁₆ + 64)·3R·2` bytes with `d₁₆ = d` rounded up to
//! 16 (0.64 MB at d = 384, R = 128), the sums, about `2·d·(d + 32)` bytes (4.8 MB at
//! d = 1536), and `d` f64 of `Σ lo²`.
//!
//! # Determinism
//! The same input gives the same bits on the same CPU (fixed chunks and blocks, one thread per
//! call); the result differs from the FMA path's in the last bits.

use std::cell::RefCell;

use super::amx::{self, Layout, Op};
use super::syrk_pack::{pack, Operands};
use crate::lines::Lines;

/// Rows per chunk: a 32-row strip of the `A` operand (`32·3R·2` bytes, 24 KB at R = 128) stays
/// in L1. (R = 128 measured 1.2× faster than 256 and 96 at 2048 × 384 when each chunk was
/// added to an f64 result; with the sums continued across chunks, chunks of 128, 256 and 512
/// rows and panels of 256 and 512 columns measured within noise of each other at 512 × 1536.)
pub const CHUNK: usize = 128;

/// Columns per strip of the output (the tile block is 32 × 32).
const STRIP: usize = 32;

/// Output columns per panel (a multiple of [`STRIP`]): their `B` operand, `PANEL·3R·2` bytes
/// (384 KB at R = 128), stays in the L2 across the panel's strips.
const PANEL: usize = 512;

/// Does this process run [`syrk_lower_split`]: AMX-BF16 units, the Linux tile permission, and
/// the bf16 path ([`super::path`]) not moved off AMX by `EMBGEO_LOWP_KERNEL`
/// (`=avx512bf16` or `=scalar` turn the split SYRK off, so callers take their FMA kernel)?
#[must_use]
pub fn split_syrk_supported() -> bool {
    super::path() == super::LowpPath::AmxBf16 && Op::Bf16.available()
}

/// The per-thread buffers of [`syrk_lower_split`]: the operand layouts of one chunk and the
/// f32 accumulators of the lower triangle.
#[derive(Default)]
struct Scratch {
    a: Layout,
    b: Layout,
    /// The shape the layouts were built for, `(d, kp)`: their padding is zero for it.
    shape: (usize, usize),
    /// The f32 sums of every [`Block`] of the triangle, one after another.
    acc: Lines,
    /// `Σ lo²` per column over the call's rows.
    lo2: Vec<f64>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// One 32-row strip of the lower triangle within one panel: output rows `j0..j1`, columns
/// `p0..p1` (entries with column ≤ row kept), its f32 sums at `acc[at..at + 32·ldc]` with row
/// `r` at `at + r·ldc` (the layout of one AMX strip, `ldc = 32·pairs`).
#[derive(Clone, Copy)]
struct Block {
    j0: usize,
    j1: usize,
    p0: usize,
    p1: usize,
    pairs: usize,
    at: usize,
}

/// The blocks of the lower triangle of a `d × d` output, panel by panel, each with its place in
/// the accumulators (the last block's end is the words they need in all).
fn blocks(d: usize) -> impl Iterator<Item = Block> {
    let mut at = 0;
    (0..d)
        .step_by(PANEL)
        .flat_map(move |p0| (p0..d).step_by(STRIP).map(move |j0| (p0, j0)))
        .map(move |(p0, j0)| {
            let j1 = (j0 + STRIP).min(d);
            let p1 = (p0 + PANEL).min(j1);
            let pairs = (p1.div_ceil(16) - p0 / 16).div_ceil(2);
            let b = Block {
                j0,
                j1,
                p0,
                p1,
                pairs,
                at,
            };
            at += 32 * 32 * pairs;
            b
        })
}

/// `c[i·d + j] = Σ_t y[t·d + i]·y[t·d + j]` for `j ≤ i` (f32, the lower triangle of `YᵀY`,
/// row-major `d × d`), computed as the module docs say; entries above the diagonal are left
/// as they are. `rows = 0` gives zeros.
///
/// # Panics
/// If [`split_syrk_supported`] is false, `y.len() < rows·d` or `c.len() < d·d` (caller bugs: the
/// callers check support and shapes first). Values must be finite with `|y| < 2¹²⁷`.
pub fn syrk_lower_split(c: &mut [f32], y: &[f32], rows: usize, d: usize) {
    assert!(
        split_syrk_supported() && y.len() >= rows * d && c.len() >= d * d,
        "syrk_lower_split: unsupported or bad shape"
    );
    if rows == 0 {
        for i in 0..d {
            c[i * d..=i * d + i].fill(0.0);
        }
        return;
    }
    // one operand width for every chunk of the call (a short last chunk reads zero rows)
    let kw = rows.min(CHUNK).next_multiple_of(32) / 2;
    SCRATCH.with_borrow_mut(|s| {
        s.prepare(d, 3 * kw);
        s.lo2.clear();
        s.lo2.resize(d, 0.0);
        for (k, chunk) in y[..rows * d].chunks(CHUNK * d).enumerate() {
            let ops = Operands {
                a: &mut s.a,
                b: &mut s.b,
                lo2: &mut s.lo2,
            };
            pack(ops, chunk, d, kw);
            accumulate(s, d, k == 0);
        }
        store(c, s, d);
    });
}

impl Scratch {
    /// Make the layouts hold `d` operand rows of `kp` words with zero padding, and the
    /// accumulators the blocks of a `d × d` triangle.
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
            let words = blocks(d).last().map_or(0, |b| b.at + 32 * 32 * b.pairs);
            self.acc = Lines::zeroed(words);
            self.shape = (d, kp);
        }
    }
}

/// One chunk's products (from the packed operands in `s`) into the f32 sums: set when
/// `first`, else added. A panel's `B` operand stays in the L2 while every `A` strip below the
/// panel's diagonal block passes it.
fn accumulate(s: &mut Scratch, d: usize, first: bool) {
    for b in blocks(d) {
        amx::bf16_strip_into(
            first,
            (&s.a, b.j0),
            (&s.b, b.p0 / 16, b.pairs),
            &mut s.acc[b.at..b.at + 32 * 32 * b.pairs],
            32 * b.pairs,
        );
    }
}

/// Copy the f32 sums of the lower triangle held in `s.acc` to `c`, the diagonal with its
/// `Σ lo²` added (in f64, rounded once).
fn store(c: &mut [f32], s: &Scratch, d: usize) {
    for b in blocks(d) {
        let ldc = 32 * b.pairs;
        for j in b.j0..b.j1 {
            let len = (j + 1).min(b.p1) - b.p0;
            let from = &s.acc[b.at + (j - b.j0) * ldc..][..len];
            for (o, &v) in c[j * d + b.p0..][..len].iter_mut().zip(from) {
                *o = f32::from_bits(v);
            }
        }
    }
    for (j, &q) in s.lo2.iter().enumerate() {
        let at = j * d + j;
        c[at] = (f64::from(c[at]) + q) as f32;
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
        // shapes across chunks, f32 sums continued over several chunks and
        // panels (more than PANEL columns)
        let shapes = [
            (1, 1),
            (7, 3),
            (256, 16),
            (300, 33),
            (600, 70),
            (513, 97),
            (1100, 530),
        ];
        for (rows, d) in shapes {
            let y = block(rows, d, (rows * 131 + d) as u64);
            let (hi, lo): (Vec<f64>, Vec<f64>) = y
                .iter()
                .map(|&v| {
                    let (h, l) = split_value(v);
                    (f64::from(widen(h)), f64::from(widen(l)))
                })
                .unzip();
            let mut c = vec![f32::NAN; d * d];
            syrk_lower_split(&mut c, &y, rows, d);
            // one f32 sum of 3·R per chunk products (zero rows padding the last chunk), any
            // order within an instruction
            let products = 3 * rows.min(CHUNK).next_multiple_of(32) * rows.div_ceil(CHUNK);
            let gamma = products as f64 * 2f64.powi(-24);
            for i in 0..d {
                for j in 0..=i {
                    let (mut exact, mut want, mut abs) = (0f64, 0f64, 0f64);
                    for t in 0..rows {
                        let (x, z) = (f64::from(y[t * d + i]), f64::from(y[t * d + j]));
                        let (a, b) = (t * d + i, t * d + j);
                        exact += x * z;
                        // three products, and lo² on the diagonal
                        want += hi[a] * hi[b] + hi[a] * lo[b] + lo[a] * hi[b];
                        if i == j {
                            want += lo[a] * lo[b];
                        }
                        abs += (x * z).abs();
                    }
                    let got = f64::from(c[i * d + j]);
                    assert!(
                        (got - want).abs() <= gamma * abs * 1.01,
                        "({rows},{d}) [{i},{j}] {got} vs {want}"
                    );
                    let bound = (2f64.powi(-15) + gamma) * abs * 1.01;
                    assert!(
                        (got - exact).abs() <= bound,
                        "({rows},{d}) [{i},{j}] {got} vs {exact}"
                    );
                }
                // above the diagonal: untouched
                assert!(c[i * d + i + 1..(i + 1) * d].iter().all(|v| v.is_nan()));
            }
        }
    }

    #[test]
    fn the_diagonal_gets_the_lo_squares_the_tiles_leave_out() {
        if !split_syrk_supported() {
            return;
        }
        // y = 1 + 3·2⁻⁹ splits exactly: hi = 1 + 2⁻⁷, lo = −2⁻⁹ (r = 0), and every product and
        // partial sum below is exact in f32, so the results are exact numbers
        let y = 1.0 + 3.0 * 2f32.powi(-9);
        let (hi, lo) = split_value(y);
        assert_eq!((widen(hi), widen(lo)), (1.0 + 2f32.powi(-7), -(2f32.powi(-9))));
        // (64 rows: every partial sum needs at most 23 significant bits)
        let (rows, d) = (64, 2);
        let mut c = vec![0f32; d * d];
        syrk_lower_split(&mut c, &vec![y; rows * d], rows, d);
        let (y, lo, n) = (f64::from(y), f64::from(widen(lo)), rows as f64);
        // the diagonal: all four products
        assert_eq!(f64::from(c[0]), n * y * y);
        assert_eq!(f64::from(c[3]), n * y * y);
        // off it: the three the tiles compute (documented: lo_i·lo_j is left out)
        assert_eq!(f64::from(c[2]), n * (y * y - lo * lo));
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
