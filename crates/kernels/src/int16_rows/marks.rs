//! Marks of the keys a threshold scan would visit, made by the tile that computes them.
//!
//! A kNN scan reads every key of a tile, adds its corpus row's offset and compares it with its
//! query's threshold; after the first tiles almost no key passes. The AVX512-VNNI tiles
//! (`vnni.rs`) make that comparison while the keys are still in registers, one compare per 16
//! keys, and store a 16-bit mask per corpus row and group of 16 queries; the scan then visits
//! only the set bits. The other paths compute the same marks from the stored keys
//! ([`from_keys`]): the definition.
//!
//! A symmetric all-points tile is scanned both ways: its keys are also those of each corpus row
//! (as a query) against the call's queries (as corpus rows). [`CrossMarks`] mark that side
//! in the same pass: per corpus row one threshold, per query one offset.
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
    /// The transposed side's marks too, when given.
    pub cross: Option<CrossMarks<'a>>,
}

/// The other side of a symmetric tile: bit `l` of `marks[j·⌈m/16⌉ + g]` set exactly where
/// `dst[j·m + 16g + l] + off[16g + l] < thr[j]` (f32 addition, ordered comparison, false for
/// NaN; 0 added when `off` is `None`); bits past `m` clear.
#[derive(Debug)]
pub struct CrossMarks<'a> {
    /// Per query (`m` values), or `None` for 0.
    pub off: Option<&'a [f32]>,
    /// Per corpus row of the call (`n` values).
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
                    fix: "pass marks of n·⌈m/16⌉, thresholds and offsets of m and n values as documented",
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

/// The marks (both sides) of the keys `dst` (`m × n`, column-major) by the definition, for
/// paths whose tiles do not mark. `O(m·n)`, no memory.
pub(super) fn from_keys(dst: &[f32], m: usize, km: &mut KeyMarks<'_>) {
    let groups = m.div_ceil(MARK_LANES);
    for (j, col) in dst.chunks_exact(m).enumerate() {
        let o = km.off(j);
        for (g, keys) in col.chunks(MARK_LANES).enumerate() {
            let i0 = g * MARK_LANES;
            let mut bits = 0u16;
            for (l, &v) in keys.iter().enumerate() {
                bits |= u16::from(v + o < km.thr[i0 + l]) << l;
            }
            km.marks[j * groups + g] = bits;
            if let Some(x) = km.cross.as_mut() {
                let mut bits = 0u16;
                for (l, &v) in keys.iter().enumerate() {
                    bits |= u16::from(v + x.off.map_or(0.0, |o| o[i0 + l]) < x.thr[j]) << l;
                }
                x.marks[j * groups + g] = bits;
            }
        }
    }
}
