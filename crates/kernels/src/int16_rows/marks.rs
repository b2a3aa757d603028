//! Marks of the keys a threshold scan would visit, made by the tile that computes them.
//!
//! A kNN scan reads every key of a tile, adds its corpus row's offset and compares it with its
//! query's threshold; after the first tiles almost no key passes. The AVX512-VNNI tiles
//! (`vnni.rs`) make that comparison while the keys are still in registers, one compare per 16
//! keys, and store a 16-bit mask per corpus row and group of 16 queries; the scan then visits
//! only the set bits. The other paths compute the same marks from the stored keys
//! ([`from_keys`]): the definition.
//!
//! Thresholds only fall while a scan runs, so a key below its query's threshold when the scan
//! reaches it was below the threshold the marks were made with: a scan that re-checks each
//! marked key against the current threshold meets exactly the hits, in the same order, of a
//! scan of every key.

use embgeo_core::{Error, Result};

/// Queries per mark: bit `l` of a mark is query `16g + l` of its group `g`.
pub const MARK_LANES: usize = 16;

/// The marks a key-tile call writes besides its keys: for the call's corpus row `j` (of `n`)
/// and query group `g` (of `⌈m/16⌉`), bit `l` of `marks[j·⌈m/16⌉ + g]` is set exactly where
/// `dst[j·m + 16g + l] + off[j] < thr[16g + l]`: an f32 addition (of 0 when `off` is `None`),
/// then an ordered comparison, false when either side is NaN, as Rust's `<`. Bits past `m` are
/// clear.
#[derive(Debug)]
pub struct KeyMarks<'a> {
    /// Added to each corpus row's keys before the comparison (`n` values), or `None` for 0.
    pub off: Option<&'a [f32]>,
    /// Per query (`m` values).
    pub thr: &'a [f32],
    /// The marks, `n·⌈m/16⌉` (all written).
    pub marks: &'a mut [u16],
}

impl KeyMarks<'_> {
    /// `Shape` unless the three slices fit a call of `m` queries and `n` corpus rows.
    pub(super) fn check(&self, m: usize, n: usize) -> Result<()> {
        let need = |what: &str, expected: usize, actual: usize| {
            if actual < expected {
                Err(Error::Shape {
                    what: format!("corpus_keys_i16_marked: {what}"),
                    expected,
                    actual,
                    fix: "pass marks of n·⌈m/16⌉, thresholds of m and offsets of n values",
                })
            } else {
                Ok(())
            }
        };
        need(
            "marks length (n·⌈m/16⌉)",
            n * m.div_ceil(MARK_LANES),
            self.marks.len(),
        )?;
        need("thresholds length (m)", m, self.thr.len())?;
        need("offsets length (n)", n, self.off.map_or(n, <[f32]>::len))
    }

    /// Corpus row `j`'s offset (0 without offsets).
    #[inline]
    pub(super) fn off(&self, j: usize) -> f32 {
        self.off.map_or(0.0, |o| o[j])
    }
}

/// The marks of the keys `dst` (`m × n`, column-major) by the definition, for paths whose
/// tiles do not mark. `O(m·n)`, no memory.
pub(super) fn from_keys(dst: &[f32], m: usize, km: &mut KeyMarks<'_>) {
    let groups = m.div_ceil(MARK_LANES);
    for (j, col) in dst.chunks_exact(m).enumerate() {
        let o = km.off(j);
        for (g, keys) in col.chunks(MARK_LANES).enumerate() {
            let mut bits = 0u16;
            for (l, &v) in keys.iter().enumerate() {
                bits |= u16::from(v + o < km.thr[g * MARK_LANES + l]) << l;
            }
            km.marks[j * groups + g] = bits;
        }
    }
}
