//! Rows as the tiles' words, written one row at a time ([`WordRows`]), so the packed layouts
//! ([`super::Packed`], [`super::amx::Layout`]) are built straight from the caller's data (or
//! from values computed on the fly, such as the split-bf16 rows of `super::split`) without a
//! full-size intermediate copy.

use embgeo_core::Par;
use rayon::prelude::*;

use super::Bf16Source;

/// A matrix whose rows can be written as words: bf16 pairs (`u32` with step `2p` in the low
/// half, `2p + 1` in the high half) or int8 quads (steps `4p..4p + 4`, one byte each,
/// little-endian), a short last word padded with zeros.
pub(crate) trait WordRows: Sync {
    /// Number of rows.
    fn rows(&self) -> usize;
    /// Words per row (before any padding a layout adds).
    fn words(&self) -> usize;
    /// Write row `r`'s [`WordRows::words`] words into `out` (exactly that long); `scratch` is
    /// the caller's per-worker buffer (its content on entry is arbitrary).
    fn write(&self, r: usize, out: &mut [u32], scratch: &mut Scratch);
}

/// Per-worker buffers of [`WordRows::write`] and of the layouts that scatter a row's words.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// Values of one row (a [`WordRows`] source computing its values on the fly).
    pub values: Vec<u16>,
    /// Words of one row (a layout scattering them).
    pub words: Vec<u32>,
}

/// `fill(scratch, (i, chunk))` for each `chunk`-word piece `i` of `out` (the last may be
/// shorter), in parallel under `Par::Rayon`, with one [`Scratch`] per worker.
pub(crate) fn fill_chunks(
    out: &mut [u32],
    chunk: usize,
    par: Par,
    fill: impl Fn(&mut Scratch, (usize, &mut [u32])) + Sync + Send,
) {
    match par {
        Par::Seq => {
            let mut scratch = Scratch::default();
            out.chunks_mut(chunk)
                .enumerate()
                .for_each(|item| fill(&mut scratch, item));
        }
        Par::Rayon => out
            .par_chunks_mut(chunk)
            .enumerate()
            .for_each_init(Scratch::default, fill),
    }
}

/// Row `r` of `src` written across `block` with a stride: word `p` at `block[p·stride + lane]`
/// (the lane-interleaved layouts: AMX query groups, register-tile panels).
pub(crate) fn scatter_row(
    src: &impl WordRows,
    r: usize,
    (block, lane, stride): (&mut [u32], usize, usize),
    scratch: &mut Scratch,
) {
    let mut row = std::mem::take(&mut scratch.words);
    row.resize(src.words(), 0);
    src.write(r, &mut row, scratch);
    for (p, &w) in row.iter().enumerate() {
        block[p * stride + lane] = w;
    }
    scratch.words = row;
}

/// Row-major rows of `d ≥ 1` values whose values are bf16 values exactly, as bf16 pair words
/// ([`Bf16Source::write_pairs`]).
pub(crate) struct PairRows<'a, T> {
    pub src: &'a [T],
    pub d: usize,
}

impl<T: Bf16Source> WordRows for PairRows<'_, T> {
    fn rows(&self) -> usize {
        self.src.len() / self.d
    }

    fn words(&self) -> usize {
        self.d.div_ceil(2)
    }

    fn write(&self, r: usize, out: &mut [u32], _: &mut Scratch) {
        T::write_pairs(&self.src[r * self.d..(r + 1) * self.d], out);
    }
}

/// Row-major int8 rows of `d ≥ 1` values as quad words: steps `4p..4p + 4`, one byte each,
/// little-endian (a short last quad padded with zeros).
pub(crate) struct QuadRows<'a> {
    pub src: &'a [i8],
    pub d: usize,
}

impl WordRows for QuadRows<'_> {
    fn rows(&self) -> usize {
        self.src.len() / self.d
    }

    fn words(&self) -> usize {
        self.d.div_ceil(4)
    }

    fn write(&self, r: usize, out: &mut [u32], _: &mut Scratch) {
        let (quads, rest) = self.src[r * self.d..(r + 1) * self.d].as_chunks::<4>();
        for (o, q) in out.iter_mut().zip(quads) {
            *o = u32::from_le_bytes(q.map(i8::cast_unsigned));
        }
        if !rest.is_empty() {
            let mut last = [0u8; 4];
            for (l, &v) in last.iter_mut().zip(rest) {
                *l = v.cast_unsigned();
            }
            out[quads.len()] = u32::from_le_bytes(last);
        }
    }
}

/// bf16 values (bits) as pair words: value `2p` in the low half of word `p`, `2p + 1` in the
/// high half (zero past the end); `out` holds `values.len().div_ceil(2)` words.
pub(crate) fn pair_words(values: &[u16], out: &mut [u32]) {
    let (pairs, rest) = values.as_chunks::<2>();
    for (o, &[lo, hi]) in out.iter_mut().zip(pairs) {
        *o = u32::from(lo) | (u32::from(hi) << 16);
    }
    if let [last] = rest {
        out[pairs.len()] = u32::from(*last);
    }
}
