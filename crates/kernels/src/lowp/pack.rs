//! Rows packed once for the bf16 and int8 register tiles ([`Packed`]). A bf16 "pair word" is a
//! `u32` holding the bf16 bits of reduction steps `2p` (low half) and `2p + 1` (high half) of one
//! row, as `vdpbf16ps` reads them; an int8 "quad word" holds steps `4p..4p + 4`, one byte each,
//! as `vpdpbusd` reads them. A short last group is padded with zeros.
//!
//! Rows are grouped in panels of [`W`] rows stored pair-major (`panel[p·W + r]`): a tile's
//! `A` side loads one panel's pair `p` as three 16-lane vectors, its `B` side broadcasts
//! `NR` consecutive words of the same layout. One packed copy of a matrix serves both sides.

use embgeo_core::Par;

use super::amx::Layout;
use super::word_rows::{fill_chunks, pair_words, scatter_row, PairRows, QuadRows, WordRows};
use super::{Int8Path, LowpPath};

/// Rows per panel (the tile's lane count: three 16-lane vectors).
pub const W: usize = 48;

/// An element type whose values are bf16 values exactly: raw bf16 bits (`u16`) or `i8`.
pub trait Bf16Source: Copy + Send + Sync {
    /// The value's bf16 bits.
    fn bf16_bits(self) -> u16;
    /// The value in f32 (exact).
    fn to_f32(self) -> f32;
    /// `row`'s bf16 pair words into `out` (`row.len().div_ceil(2)` words): value `2p` in the
    /// low half of word `p`, `2p + 1` in the high half, zero past the end.
    fn write_pairs(row: &[Self], out: &mut [u32]);
    /// The slice as `i8` values when `Self` is `i8` (for the int8 units).
    fn as_i8(s: &[Self]) -> Option<&[i8]> {
        let _ = s;
        None
    }
}

impl Bf16Source for u16 {
    #[inline]
    fn bf16_bits(self) -> u16 {
        self
    }
    #[inline]
    fn to_f32(self) -> f32 {
        super::widen(self)
    }
    /// The bits as they lie in memory, two to a word (a copy).
    fn write_pairs(row: &[Self], out: &mut [u32]) {
        pair_words(row, out);
    }
}

impl Bf16Source for i8 {
    /// `i8` values have at most 8 significant bits, which bf16 holds exactly.
    #[inline]
    fn bf16_bits(self) -> u16 {
        // The f32 value is exact and its low 16 bits are zero (at most 8 significant bits).
        (f32::from(self).to_bits() >> 16) as u16
    }
    #[inline]
    fn to_f32(self) -> f32 {
        f32::from(self)
    }
    fn write_pairs(row: &[Self], out: &mut [u32]) {
        let (pairs, rest) = row.as_chunks::<2>();
        for (o, &[a, b]) in out.iter_mut().zip(pairs) {
            *o = u32::from(a.bf16_bits()) | (u32::from(b.bf16_bits()) << 16);
        }
        if let [last] = rest {
            out[pairs.len()] = u32::from(last.bf16_bits());
        }
    }
    fn as_i8(s: &[Self]) -> Option<&[i8]> {
        Some(s)
    }
}

/// A matrix packed in panels of [`W`] rows (see the module docs), with one zero panel after the
/// last so that a tile may read a few words past its rows. Two word kinds: bf16 pairs
/// ([`Packed::new`], for `vdpbf16ps`) and int8 quads ([`Packed::new_i8`], for `vpdpbusd`, with
/// each row's sum of values).
///
/// Memory: `(rows.div_ceil(W) + 1)·W·words·4` bytes, `words = d.div_ceil(2)` (bf16) or
/// `d.div_ceil(4)` (int8) — about the size of the data — plus `4·rows` for int8 row sums.
#[derive(Debug, Clone, Default)]
pub struct Packed {
    words: Vec<u32>,
    rows: usize,
    /// Words per row.
    pairs: usize,
    /// int8 quads: each row's sum of values; empty for bf16 pairs.
    sums: Vec<i32>,
    /// The AMX layouts (empty unless packed for an AMX path; then `words` is empty).
    amx: Layout,
}

/// Which operand of the key tiles a packed matrix will be: the queries (`a` of
/// [`super::dot_tile_packed`]), the corpus (`b`), or both (all points). The AMX paths lay each
/// side out differently; the other paths ignore it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Rows of `a` only.
    Queries,
    /// Rows of `b` only.
    Corpus,
    /// Both operands (one matrix against itself).
    Both,
}

impl Side {
    /// (corpus `rows` layout, query `groups` layout) wanted.
    fn amx_layouts(self) -> (bool, bool) {
        (self != Side::Queries, self != Side::Corpus)
    }
}

impl Packed {
    /// Pack `src` (row-major, `d` values per row; `d ≥ 1`) as bf16 pairs. Cost O(rows·d),
    /// split over the rayon pool under `Par::Rayon`.
    ///
    /// # Panics
    /// If `d == 0` or `src.len()` is not a multiple of `d` (caller bugs; callers check shapes).
    #[must_use]
    pub fn new<T: Bf16Source>(src: &[T], d: usize, par: Par) -> Self {
        Self::build(&pairs(src, d), par, None)
    }

    /// Pack `src` as bf16 pairs for `path` and `side`: the AMX layouts when `path` is
    /// [`LowpPath::AmxBf16`] and this process can use it, else the panels of [`Packed::new`].
    ///
    /// # Panics
    /// As [`Packed::new`].
    #[must_use]
    pub fn new_for<T: Bf16Source>(path: LowpPath, src: &[T], d: usize, par: Par, side: Side) -> Self {
        if path != LowpPath::AmxBf16 || !path.supported() {
            return Self::new(src, d, par);
        }
        Self::build(&pairs(src, d), par, Some(side))
    }

    /// Pack int8 rows for `path` and `side`: the AMX layouts (signed quads, no row sums) when
    /// `path` is [`Int8Path::AmxInt8`] and this process can use it, else [`Packed::new_i8`].
    ///
    /// # Panics
    /// As [`Packed::new`].
    #[must_use]
    pub fn new_i8_for(path: Int8Path, src: &[i8], d: usize, par: Par, side: Side) -> Self {
        if path != Int8Path::AmxInt8 || !path.supported() {
            return Self::new_i8(src, d, par);
        }
        Self::build(&quads(src, d), par, Some(side))
    }

    /// Make this [`Packed::new_for`] of `src` as the corpus side ([`Side::Corpus`]), on the
    /// calling thread: on the AMX tiles reusing the buffer (grown to the largest block it has
    /// held, never shrunk), elsewhere replacing it. For a search that packs the corpus block by
    /// block as it streams through it, each worker keeping one block. Cost O(rows·d); no
    /// allocation on the AMX tiles once the buffer is as large as the block.
    ///
    /// # Panics
    /// As [`Packed::new`].
    pub fn repack_for<T: Bf16Source>(&mut self, path: LowpPath, src: &[T], d: usize) {
        if path == LowpPath::AmxBf16 && path.supported() {
            self.rebuild_amx_rows(&pairs(src, d));
        } else {
            *self = Self::new(src, d, Par::Seq);
        }
    }

    /// [`Packed::repack_for`] for int8 rows on the int8 units ([`Packed::new_i8_for`]'s
    /// layouts: AMX corpus rows, else quads with row sums).
    ///
    /// # Panics
    /// As [`Packed::new`].
    pub fn repack_i8_for(&mut self, path: Int8Path, src: &[i8], d: usize) {
        if path == Int8Path::AmxInt8 && path.supported() {
            self.rebuild_amx_rows(&quads(src, d));
        } else {
            *self = Self::new_i8(src, d, Par::Seq);
        }
    }

    /// Pack int8 rows as quads of bytes (little-endian, steps `4p..4p + 4`) with each row's sum.
    ///
    /// # Panics
    /// As [`Packed::new`].
    #[must_use]
    pub fn new_i8(src: &[i8], d: usize, par: Par) -> Self {
        let mut p = Self::build(&quads(src, d), par, None);
        p.sums = src
            .chunks_exact(d)
            .map(|r| r.iter().map(|&v| i32::from(v)).sum())
            .collect();
        p
    }

    /// The rows of `src` packed: in the AMX layouts for `amx = Some(side)` (no panels), else in
    /// panels of [`W`] rows. Row sums are left empty. Cost O(rows·words), split over the rayon
    /// pool under `Par::Rayon`; no memory beyond the result except one row per worker.
    pub(crate) fn build(src: &impl WordRows, par: Par, amx: Option<Side>) -> Self {
        let (rows, pairs) = (src.rows(), src.words());
        if let Some(side) = amx {
            return Self {
                words: Vec::new(),
                rows,
                pairs,
                sums: Vec::new(),
                amx: Layout::build(src, par, side.amx_layouts()),
            };
        }
        let panels = rows.div_ceil(W) + 1;
        let mut words = vec![0u32; panels * W * pairs];
        // `pairs == 0` only for an empty matrix (d ≥ 1 otherwise): no panel to fill
        fill_chunks(&mut words, (W * pairs).max(1), par, |scratch, (pi, panel)| {
            for r in 0..W.min(rows.saturating_sub(pi * W)) {
                scatter_row(src, pi * W + r, (&mut *panel, r, W), scratch);
            }
        });
        Self {
            words,
            rows,
            pairs,
            sums: Vec::new(),
            amx: Layout::default(),
        }
    }

    /// Make this the AMX corpus layout (`rows`, no `groups`) of `src`, on the calling thread,
    /// reusing the layout's buffer (see [`Layout::refill_rows`]). Row sums are left empty.
    pub(crate) fn rebuild_amx_rows(&mut self, src: &impl WordRows) {
        self.rows = src.rows();
        self.pairs = src.words();
        self.words.clear();
        self.sums.clear();
        self.amx.refill_rows(src);
    }

    /// Number of rows.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Bytes held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        self.words.len() * 4 + self.sums.len() * 4 + self.amx.bytes()
    }

    /// The AMX layouts (empty unless packed for an AMX path).
    pub(crate) fn amx(&self) -> &Layout {
        &self.amx
    }

    /// Words per row.
    pub(crate) fn pairs(&self) -> usize {
        self.pairs
    }

    /// int8 row sums (empty for bf16 pairs).
    pub(crate) fn sums(&self) -> &[i32] {
        &self.sums
    }

    /// Panel `pi` and everything after it (the words a tile starting there may read).
    ///
    /// # Panics
    /// If the matrix was packed for an AMX path only (a caller bug).
    pub(crate) fn panels_from(&self, pi: usize) -> &[u32] {
        assert!(
            !self.words.is_empty(),
            "Packed: laid out for the AMX tiles, not panels"
        );
        &self.words[pi * W * self.pairs..]
    }
}

/// Row-major `src` of `d ≥ 1` values per row as bf16 pair words.
///
/// # Panics
/// If `d == 0` or `src.len()` is not a multiple of `d` (caller bugs; callers check shapes).
fn pairs<T: Bf16Source>(src: &[T], d: usize) -> PairRows<'_, T> {
    assert!(d > 0 && src.len().is_multiple_of(d), "Packed: bad shape");
    PairRows { src, d }
}

/// Row-major int8 `src` of `d ≥ 1` values per row as quad words.
///
/// # Panics
/// As [`pairs`].
fn quads(src: &[i8], d: usize) -> QuadRows<'_> {
    assert!(d > 0 && src.len().is_multiple_of(d), "Packed: bad shape");
    QuadRows { src, d }
}
