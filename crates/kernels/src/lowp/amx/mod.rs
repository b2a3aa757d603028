//! Key tiles on the AMX tile units: `tdpbf16ps` (bf16 pairs, f32 accumulators) and `tdpbssd`
//! (signed int8 quads, i32 accumulators), from matrices laid out once ([`Layout`]).
//!
//! # Accuracy
//! - bf16: the product of two bf16 values is exact in f32 and the tile adds the `d` products
//!   into f32 accumulators, rounding to nearest even (Intel SDM, `TDPBF16PS`). The order of
//!   the additions inside one instruction is the hardware's, so the bound used is the one that
//!   holds for any order, `|ĉ − c| ≤ γ_{d−1}·Σ_t |a_t·b_t|`, plus the subnormal terms of the
//!   AVX512-BF16 path (inputs read as zero, outputs flushed: `TDPBF16PS` does both). The kNN
//!   doubles its accumulation term for this path as a margin (`docs/exact-screening.md`).
//! - int8: `tdpbssd` multiplies signed bytes exactly and adds into i32 without rounding; no
//!   partial sum can overflow for `d ≤` [`super::INT8_MAX_D`] (`|a·b| ≤ 128²·d < 2³¹`), so the
//!   tile holds the exact integer `a·b`.
//!
//! # Cost
//! Per 32 corpus rows × 32 queries × 16 words: four 1 KiB tile loads and four tile products
//! (16 K multiply-adds each for bf16 pairs); each thread keeps one strip buffer of
//! `32 × 32·⌈m/32⌉` values (4 B each), grown to the widest tile it has run and reused by every
//! later call on that thread, and a call converts every entry once.

// Without x86-64 the tile units do not exist: the layouts and the strip code compile (they keep
// the callers target-independent) but never run.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code, unused_variables))]

mod asm;
mod layout;
pub(crate) mod os;

use std::cell::RefCell;
use std::ops::Range;

pub(crate) use layout::Layout;

use crate::lines::Lines;

thread_local! {
    /// The raw accumulators of one 32-row strip, per thread (pool workers run tile after
    /// tile: one allocation per worker, not per call).
    static STRIP: RefCell<Lines> = RefCell::new(Lines::default());
}

/// The tile product to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    /// `tdpbf16ps` on bf16 pairs.
    Bf16,
    /// `tdpbssd` on signed int8 quads.
    Int8,
}

impl Op {
    /// Does this process have the unit (CPU and Linux permission)?
    pub(crate) fn available(self) -> bool {
        let units = os::amx();
        match self {
            Op::Bf16 => units.bf16,
            Op::Int8 => units.int8,
        }
    }
}

/// `dst[jl·m + il] = convert(acc, brows.start + jl)`, `acc` the raw accumulator bits (f32 or
/// i32) of query `arows.start + il` (the `groups` layout of `q`) against corpus row
/// `brows.start + jl` (the `rows` layout of `c`): one column-major `m × n` key tile.
///
/// # Panics
/// If the unit is not available ([`Op::available`]), a layout is missing or the two widths
/// differ, a range exceeds its matrix's layout, or `dst` is shorter than m·n (caller bugs).
pub(crate) fn tile(
    op: Op,
    dst: &mut [f32],
    (q, arows): (&Layout, Range<usize>),
    (c, brows): (&Layout, Range<usize>),
    convert: impl Fn(u32, usize) -> f32,
) {
    let (m, n, kp) = (arows.len(), brows.len(), q.kp);
    if m == 0 || n == 0 {
        return;
    }
    assert!(
        op.available() && c.kp == kp && dst.len() >= m * n,
        "amx tile: shapes"
    );
    let g0 = arows.start / 16;
    let pairs = (arows.end.div_ceil(16) - g0).div_ceil(2);
    let (ldc, off) = (32 * pairs, arows.start - 16 * g0);
    STRIP.with_borrow_mut(|strip| {
        strip.grow(32 * ldc);
        strips(
            op,
            dst,
            (q, g0, pairs, off, m),
            (c, brows),
            &mut strip[..32 * ldc],
            convert,
        );
    });
}

/// One 32-row strip of `A·Bᵀ` in raw f32 bits for the split SYRK: `acc[r·ldc + 32·q + l]` is
/// set to (`first`) or has added to it (else, continuing the f32 sums of the tile units) the
/// bf16 pair product of `a`'s `rows` row `arow0 + r` and `b`'s `groups` column
/// `16·g0 + 32·q + l`, for `r < 32`, `q < pairs`, `l < 32`. Cost: `pairs·(kp/16)` steps of
/// four tile products.
///
/// # Panics
/// If AMX-BF16 is not available, the widths differ, or a range or `acc` is too short for the
/// strip (caller bugs).
pub(crate) fn bf16_strip_into(
    first: bool,
    (a, arow0): (&Layout, usize),
    (b, g0, pairs): (&Layout, usize, usize),
    acc: &mut [u32],
    ldc: usize,
) {
    let kp = a.kp;
    assert!(b.kp == kp, "amx strip: widths");
    let s = asm::Strip {
        a: &a.rows[arow0 * kp..],
        b: &b.groups[g0 * 16 * kp..],
        kp,
        pairs,
        c: acc,
        ldc,
    };
    run_strip(Op::Bf16, !first, s);
}

/// Run one strip on the tile units: `op`'s product, the sums already in `s.c` continued when
/// `add` (bf16 only), else overwritten.
///
/// # Panics
/// If the unit is not available ([`Op::available`]) or `add` is asked of int8 (caller bugs);
/// the strip itself checks its slice lengths.
// (without x86-64 the strip is not run, so not consumed)
#[cfg_attr(not(target_arch = "x86_64"), allow(clippy::needless_pass_by_value))]
fn run_strip(op: Op, add: bool, s: asm::Strip<'_>) {
    assert!(op.available() && (!add || op == Op::Bf16), "amx strip: unit");
    #[cfg(target_arch = "x86_64")]
    // SAFETY: the unit and the Linux tile permission are asserted above (`Op::available`); the
    // strip checks its slice lengths, and the accumulating variant loads only where it stores.
    unsafe {
        match (op, add) {
            (Op::Bf16, false) => asm::strip_bf16(s),
            (Op::Bf16, true) => asm::strip_bf16_acc(s),
            (Op::Int8, _) => asm::strip_i8(s),
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = s;
}

/// The strips of [`tile`]: `m` queries from group `g0` (`pairs` pairs of groups, the tile's
/// first query at `off` within them), corpus rows `brows` in strips of 32, through `strip`
/// (`32 × ldc` accumulators, `ldc = 32·pairs`).
fn strips(
    op: Op,
    dst: &mut [f32],
    (q, g0, pairs, off, m): (&Layout, usize, usize, usize, usize),
    (c, brows): (&Layout, Range<usize>),
    strip: &mut [u32],
    convert: impl Fn(u32, usize) -> f32,
) {
    let (kp, ldc) = (q.kp, 32 * pairs);
    let groups = &q.groups[g0 * 16 * kp..];
    for j0 in brows.clone().step_by(32) {
        let s = asm::Strip {
            a: &c.rows[j0 * kp..],
            b: groups,
            kp,
            pairs,
            c: &mut *strip,
            ldc,
        };
        run_strip(op, false, s);
        for r in 0..32.min(brows.end - j0) {
            let out = &mut dst[(j0 + r - brows.start) * m..][..m];
            for (o, &v) in out.iter_mut().zip(&strip[r * ldc + off..][..m]) {
                *o = convert(v, j0 + r);
            }
        }
    }
}
