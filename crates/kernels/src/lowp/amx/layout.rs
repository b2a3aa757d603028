//! The two layouts the AMX tiles read, built once per matrix (the portable and AVX-512 tiles
//! read [`super::super::Packed`]'s panels instead).
//!
//! A word is four bytes of one row: a bf16 pair (`tdpbf16ps`) or an int8 quad (`tdpbssd`), as
//! for the panels. Each row has `kp` words: its `words` real ones, then zeros up to a multiple
//! of 16 (one tile row holds 16 words = 64 bytes).
//! - **rows** (the `A` operand, rows of the corpus): row-major, row `r` at `rows[r·kp..]`; a
//!   tile is 16 consecutive rows read with stride `kp·4` bytes. 32 zero rows follow the last
//!   row, so a 32-row strip starting at any row stays inside.
//! - **groups** (the `B` operand, queries, in the VNNI order the tiles expect): groups of 16
//!   rows; in group `g`, word `p` of row `16·g + n` is at `groups[(g·kp + p)·16 + n]`, so the
//!   tile of group `g` and words `16·kb..16·kb + 16` is 1 KiB of consecutive memory. Two zero
//!   groups follow the last group, so a pair of groups starting at any group stays inside.

use embgeo_core::Par;

use crate::lines::Lines;
use crate::lowp::word_rows::{fill_chunks, scatter_row, Scratch, WordRows};

/// Words of one tile row.
pub(crate) const TILE_WORDS: usize = 16;

/// Rows of one tile.
pub(crate) const TILE_ROWS: usize = 16;

/// The AMX layouts of one matrix (empty vectors for layouts not built).
///
/// Memory: `(rows + 32)·kp·4` bytes for `rows`, `(rows.div_ceil(16) + 2)·16·kp·4` for `groups`;
/// each about the size of the data in bf16 (`kp ≈ d/2` words for bf16 pairs, `d/4` for int8).
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    pub rows: Lines,
    pub groups: Lines,
    /// Words per row, padded to a multiple of [`TILE_WORDS`].
    pub kp: usize,
}

impl Layout {
    /// Lay out the rows of `src` (each padded with zero words up to a multiple of
    /// [`TILE_WORDS`]), building the `rows` layout if `rows` and the `groups` layout if
    /// `groups`. Cost O(rows·words), split over the rayon pool under `Par::Rayon`; no memory
    /// beyond the layouts except one row of words per worker.
    pub(crate) fn build(src: &impl WordRows, par: Par, (rows, groups): (bool, bool)) -> Self {
        let (n, words) = (src.rows(), src.words());
        let kp = words.next_multiple_of(TILE_WORDS);
        let mut by_rows = Lines::default();
        if rows {
            by_rows = Lines::zeroed((n + 2 * TILE_ROWS) * kp);
            fill_chunks(&mut by_rows, kp, par, |scratch, (r, row)| {
                if r < n {
                    src.write(r, &mut row[..words], scratch);
                }
            });
        }
        let mut by_groups = Lines::default();
        if groups {
            by_groups = Lines::zeroed((n.div_ceil(TILE_ROWS) + 2) * TILE_ROWS * kp);
            fill_chunks(&mut by_groups, TILE_ROWS * kp, par, |scratch, (g, block)| {
                for r in 0..TILE_ROWS.min(n.saturating_sub(g * TILE_ROWS)) {
                    scatter_row(src, g * TILE_ROWS + r, (&mut *block, r, TILE_ROWS), scratch);
                }
            });
        }
        Self {
            rows: by_rows,
            groups: by_groups,
            kp,
        }
    }

    /// Make this the `rows` layout of `src` alone (the `groups` layout dropped), on the calling
    /// thread, reusing the `rows` buffer: grown to `(rows + 32)·kp` words when shorter, never
    /// shrunk; every word a strip may read (the rows, their padding, the 32 rows after them) is
    /// written, so nothing of an earlier matrix shows through. Cost O(rows·kp); no allocation
    /// once the buffer is large enough.
    pub(crate) fn refill_rows(&mut self, src: &impl WordRows) {
        let (n, words) = (src.rows(), src.words());
        let kp = words.next_multiple_of(TILE_WORDS);
        self.kp = kp;
        self.groups = Lines::default();
        self.rows.grow((n + 2 * TILE_ROWS) * kp);
        let mut scratch = Scratch::default();
        let rows = &mut self.rows[..(n + 2 * TILE_ROWS) * kp];
        for (r, row) in rows.chunks_exact_mut(kp).enumerate() {
            if r < n {
                src.write(r, &mut row[..words], &mut scratch);
                row[words..].fill(0);
            } else {
                row.fill(0);
            }
        }
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        (self.rows.len() + self.groups.len()) * 4
    }
}
