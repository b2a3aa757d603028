//! The AMX strip kernels: one `asm!` block computes a 32-row strip of a key tile on the tile
//! units (stable Rust has no AMX intrinsics). Tiles used: `tmm0..tmm3` the four 16 × 16
//! accumulators of a 32 × 32 block, `tmm4`/`tmm5` two 16-row `A` tiles (corpus rows, the
//! `rows` layout), `tmm6`/`tmm7` two `B` tiles (query groups, the `groups` layout); every tile is
//! 16 rows × 64 bytes (palette 1).
//!
//! For each pair of query groups the block is zeroed (the accumulating `strip_bf16_acc`: loaded
//! from where it will be stored, to continue its sums), the `kblocks` steps of 16 words are
//! accumulated (per step four tile loads and four tile products), and the four accumulators
//! are stored into the strip buffer. The loads are software-pipelined: the operands of step
//! `k + 1` are loaded as soon as the last product of step `k` reading that tile has been issued,
//! so they overlap step `k`'s remaining products (a tile load waits for the products still
//! reading its tile). Each accumulator still adds its steps in order `0..kblocks`. The configuration is loaded at the start of the block and
//! released (`tilerelease`) at its end, so no tile state outlives the block (a thread holding
//! tile state pays for it at every context switch and signal).

/// Tile configuration (palette 1): eight tiles of 16 rows × 64 bytes. Layout per the Intel
/// SDM: byte 0 palette, bytes 16..32 the bytes per row of tiles 0..8 (u16 each), bytes 48..56
/// the rows of tiles 0..8.
#[repr(C, align(64))]
struct TileConfig([u8; 64]);

static CONFIG: TileConfig = {
    let mut c = [0u8; 64];
    c[0] = 1;
    let mut t = 0;
    while t < 8 {
        c[16 + 2 * t] = 64;
        c[48 + t] = 16;
        t += 1;
    }
    TileConfig(c)
};

/// One strip of the product, raw accumulator bits (f32 for bf16 pairs, i32 for int8 quads).
///
/// `c[r·ldc + 32·q + l]` (row `r < 32` of the strip, column `l < 32` of query-group pair `q <
/// pairs`) = Σ over `kblocks·16` words of `A` row `r` · `B` column `32·q + l`.
pub(crate) struct Strip<'a> {
    /// `rows` layout from the strip's first corpus row: at least `32·kp` words.
    pub a: &'a [u32],
    /// `groups` layout from the strip's first query group: at least `2·pairs·16·kp` words.
    pub b: &'a [u32],
    /// Words per row (a multiple of 16).
    pub kp: usize,
    /// Query-group pairs (32 columns each), at least 1.
    pub pairs: usize,
    /// Output: at least `32·ldc` values, `ldc ≥ 32·pairs`.
    pub c: &'a mut [u32],
    pub ldc: usize,
}

macro_rules! strip_kernel {
    ($name:ident, $op:literal, $what:literal, [$($init:literal),+]) => {
        #[doc = concat!("Runs one [`Strip`] with `", $op, "` (see the module docs), ", $what, ".")]
        ///
        /// # Safety
        /// The CPU must have the AMX unit of the instruction and the process the Linux tile
        /// permission (`super::os::amx()` reports both). The slice lengths are checked here, so
        /// every tile load reads inside `a` and `b` and every store writes inside `c`:
        /// - `A` loads: rows `0..32` at stride `kp·4` bytes, 64 bytes from word `16·kb` of the
        ///   row (`kb < kp/16`): the last byte read is word `31·kp + kp − 1 < 32·kp`;
        /// - `B` loads: group `2q + h` (`h < 2`), words `16·kb..16·kb + 16`: 1 KiB at word
        ///   `((2q + h)·kp + 16·kb)·16`, the last inside `2·pairs·16·kp`;
        /// - stores: rows `0..32` at stride `ldc·4` bytes, 64 bytes at column `32q + 16h`:
        ///   the last word written is `31·ldc + 32·pairs − 1 < 32·ldc` (the accumulating
        ///   variant first loads the block from the same addresses it stores to).
        #[cfg(target_arch = "x86_64")]
        pub(crate) unsafe fn $name(s: Strip<'_>) {
            let kblocks = s.kp / 16;
            assert!(
                kblocks >= 1
                    && s.kp % 16 == 0
                    && s.pairs >= 1
                    && s.ldc >= 32 * s.pairs
                    && s.a.len() >= 32 * s.kp
                    && s.b.len() >= 2 * s.pairs * 16 * s.kp
                    && s.c.len() >= 32 * s.ldc,
                "amx strip: shapes"
            );
            let a0 = s.a.as_ptr();
            // SAFETY: `16·kp < 32·kp ≤ a.len()` words: the second A tile's first row.
            let a1 = unsafe { a0.add(16 * s.kp) };
            let b0 = s.b.as_ptr();
            // SAFETY: `16·kp ≤ b.len()` words: the second group of the first pair.
            let b1 = unsafe { b0.add(16 * s.kp) };
            // SAFETY: the CPU and OS conditions are the caller's contract; every address the
            // block reads or writes is inside the slices (see the function docs); the block
            // changes only the registers declared below and the tile state, which it releases.
            unsafe {
                std::arch::asm!(
                    "ldtilecfg [{t}]",
                    "3:",
                    $($init,)+
                    // operands of the first step
                    "tileloadd tmm4, [{a0} + {sa}*1]",
                    "tileloadd tmm6, [{b0} + {s64}*1]",
                    "tileloadd tmm7, [{b1} + {s64}*1]",
                    "tileloadd tmm5, [{a1} + {sa}*1]",
                    "mov {kk}, {kblocks}",
                    "dec {kk}",
                    "jz 4f",
                    // steps 0..kblocks-1: each operand of the next step is loaded right after
                    // the last product of this step that reads its tile, so the loads overlap
                    // the remaining products instead of waiting in front of the next step's
                    "2:",
                    "add {a0}, 64",
                    "add {a1}, 64",
                    "add {b0}, 1024",
                    "add {b1}, 1024",
                    concat!($op, " tmm0, tmm4, tmm6"),
                    concat!($op, " tmm1, tmm4, tmm7"),
                    "tileloadd tmm4, [{a0} + {sa}*1]",
                    concat!($op, " tmm2, tmm5, tmm6"),
                    "tileloadd tmm6, [{b0} + {s64}*1]",
                    concat!($op, " tmm3, tmm5, tmm7"),
                    "tileloadd tmm7, [{b1} + {s64}*1]",
                    "tileloadd tmm5, [{a1} + {sa}*1]",
                    "dec {kk}",
                    "jnz 2b",
                    // the last step: products only
                    "4:",
                    concat!($op, " tmm0, tmm4, tmm6"),
                    concat!($op, " tmm1, tmm4, tmm7"),
                    concat!($op, " tmm2, tmm5, tmm6"),
                    concat!($op, " tmm3, tmm5, tmm7"),
                    "add {a0}, 64",
                    "add {a1}, 64",
                    "add {b0}, 1024",
                    "add {b1}, 1024",
                    // store the 2 × 2 block: (a0,b0) (a0,b1) / (a1,b0) (a1,b1)
                    "tilestored [{c} + {sc}*1], tmm0",
                    "lea {t}, [{c} + 64]",
                    "tilestored [{t} + {sc}*1], tmm1",
                    "mov {t}, {sc}",
                    "shl {t}, 4",
                    "add {t}, {c}",
                    "tilestored [{t} + {sc}*1], tmm2",
                    "add {t}, 64",
                    "tilestored [{t} + {sc}*1], tmm3",
                    "add {c}, 128",
                    // rewind A by the kp words walked; B moves on by one group (the b1 group)
                    "mov {t}, {kblocks}",
                    "shl {t}, 6",
                    "sub {a0}, {t}",
                    "sub {a1}, {t}",
                    "shl {t}, 4",
                    "add {b0}, {t}",
                    "add {b1}, {t}",
                    "dec {pairs}",
                    "jnz 3b",
                    "tilerelease",
                    a0 = inout(reg) a0 => _,
                    a1 = inout(reg) a1 => _,
                    b0 = inout(reg) b0 => _,
                    b1 = inout(reg) b1 => _,
                    c = inout(reg) s.c.as_mut_ptr() => _,
                    sa = in(reg) s.kp * 4,
                    sc = in(reg) s.ldc * 4,
                    s64 = in(reg) 64usize,
                    kblocks = in(reg) kblocks,
                    pairs = inout(reg) s.pairs => _,
                    kk = out(reg) _,
                    t = inout(reg) CONFIG.0.as_ptr() => _,
                    out("tmm0") _, out("tmm1") _, out("tmm2") _, out("tmm3") _,
                    out("tmm4") _, out("tmm5") _, out("tmm6") _, out("tmm7") _,
                    options(nostack),
                );
            }
        }
    };
}

/// The start of each 2 × 2 block of a strip kernel that overwrites `c`: zero accumulators.
macro_rules! zero_block {
    ($name:ident, $op:literal) => {
        strip_kernel!(
            $name,
            $op,
            "overwriting `c`",
            [
                "tilezero tmm0",
                "tilezero tmm1",
                "tilezero tmm2",
                "tilezero tmm3"
            ]
        );
    };
}

zero_block!(strip_bf16, "tdpbf16ps");
zero_block!(strip_i8, "tdpbssd");

// The accumulating variant: each 2 × 2 block starts from the values `c` holds (loaded from the
// four addresses the block is stored to at its end), so `c += A·B` with the sum of every
// accumulator continued in f32 across calls.
strip_kernel!(
    strip_bf16_acc,
    "tdpbf16ps",
    "adding to `c` (f32 bits)",
    [
        "tileloadd tmm0, [{c} + {sc}*1]",
        "lea {t}, [{c} + 64]",
        "tileloadd tmm1, [{t} + {sc}*1]",
        "mov {t}, {sc}",
        "shl {t}, 4",
        "add {t}, {c}",
        "tileloadd tmm2, [{t} + {sc}*1]",
        "add {t}, 64",
        "tileloadd tmm3, [{t} + {sc}*1]"
    ]
);
