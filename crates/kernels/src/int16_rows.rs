//! int16 kNN key tiles: f32 rows quantised to int16 with a power-of-two scale per row, the
//! queries packed once into panels of value pairs ([`I16Queries`]), the corpus rows
//! ([`I16Rows`]) read in place, and `dst (m × n, column-major: dst[j·m + i]) = alpha·x̂_i·ŷ_j`
//! from exact integer dot products (`vpmaddwd` on AVX2, `vpdpwssd` on AVX512-VNNI).
//!
//! Why: AVX2 CPUs have no bf16 or int8 dot-product units, but `vpmaddwd` multiplies 16 int16
//! pairs and adds adjacent products into 8 int32 lanes per instruction. On an AMD EPYC (Zen 3)
//! a query tile of that kind streamed 1.57–1.60× the multiply-adds per second of the f32 FMA
//! tile (`bench/probe/i16-madd.c`), from half the bytes; in the kernels bench's query pass these
//! tiles ran 1.4–1.5× the f32 in-place tiles (`corpus_keys_f32`). The screening bound that makes
//! them usable for an exact search is in docs/exact-screening.md ("int16 screening of an index's
//! f32 queries"); `embgeo-knn` screens a `KnnIndex`'s searches on them. AVX512-VNNI's
//! `vpdpwssd` multiplies 32 int16 pairs and accumulates into 16 int32 lanes in one instruction:
//! on an Intel Xeon (model 207, no AMX) its probe read 1.8–2.0× the f32 FMA peak, and the
//! kernels bench's query pass ran 3.7× the f32 in-place tiles (100 × 2¹⁸ × 128, one thread:
//! 28.7 against 108 ms; `vnni.rs`).
//!
//! # Quantisation
//! Row `x` (`d` values) gets the scale `s = 2^e`, the smallest power of two (at least
//! `2⁻¹²⁶`) with `max|x_t| ≤ Q·s`, and the values `q_t = round_half_even(x_t / s)`, so
//! `|q_t| ≤ Q` and `x̂ = s·q`. The residual `r = x − x̂` is exact in f64, `|r_t| ≤ s/2`, and its
//! norm is returned rounded up. `Q` ([`q_max`]) is the largest value with `d·Q² < 2³¹` (at most
//! 32,767): then every partial sum of `Σ_t q_x,t·q_y,t`, in any order, fits an int32, and the
//! tile's integer is exact.
//!
//! # Algorithm
//! Per block of [`NB`] corpus rows (kept in L2), per query panel (24 queries: `⌈d/2⌉` steps of
//! 24 value pairs, 48 int16), the register tiles walk the rows of the block: on AVX2 `3 × 24`
//! (3 corpus rows × 24 queries: 9 ymm int32 accumulators; per value pair 3 vector loads, 3
//! broadcasts of a corpus pair, 9 `vpmaddwd` and 9 `vpaddd`), the block's last `< 3` rows one
//! at a time; a last panel of 25–32 queries (1–8 after full panels join the one before them)
//! `2 × 32`. The accumulators hold the whole row (no chunks: a panel is `48·⌈d/2⌉` bytes, 6 KB
//! at d = 128). The first panel's tiles prefetch the next block's rows into L2. Each entry is
//! then converted to f32 (one rounding, to nearest even) and multiplied by `s_i`, by `s_j` and
//! by `alpha`, in that order: powers of two (`alpha` too when it is one, as the kNN's −2 and
//! ±1 are), so those products are exact while they stay in f32's normal range.
//!
//! On AVX512-VNNI the queries are packed in panels of 32 instead (a last one of 16, 32 or 48)
//! and the tiles are `12 × 32`, `8 × 48` and `12 × 16` (`vnni.rs`). [`I16Queries::new_with`]
//! packs for a path's tiles; the portable loop reads either layout.
//!
//! # Paths
//! AVX512-VNNI (the AVX-512 path of a CPU that has it), AVX2 (the AVX2 path, and the AVX-512
//! path without VNNI), and a portable loop elsewhere, all giving the same bits (the integer
//! sums are exact in any order and the rest is the same f32 operations in the same order).
//!
//! # Cost and memory
//! `2·m·n·d` integer operations; [`I16Queries`] holds at most `(⌈m/24⌉·24 + 8)·⌈d/2⌉·2` int16
//! (AVX512-VNNI panels: `(⌈m/32⌉·32 + 16)·⌈d/2⌉·2`),
//! as many f32 scales and `m` f64;
//! [`I16Rows`] `n·⌈d/2⌉·2` int16, `n` f32 and `n` f64; a tile call allocates nothing.

use embgeo_core::{Error, Result};

// the panels of the f32 tiles: 24 queries (three 8-lane vectors), a last one of 25–32
use crate::corpus_rows::{layout, W};
use crate::cpu::x86_probe;
use crate::{Path, View};

pub use marks::{CrossMarks, KeyMarks, MARK_LANES};

/// Corpus rows per block: 256 rows × 128 values are 64 KB, an eighth of a Zen 3 L2.
pub const NB: usize = 256;
/// Corpus rows per AVX2 register tile.
#[cfg(target_arch = "x86_64")]
const R: usize = 3;

/// Queries per panel of the AVX512-VNNI tiles (two 16-lane vectors).
const W512: usize = 32;

x86_probe!(fn vnni512 = "avx512f" && "avx512vnni");

/// Which register tiles a block of queries is packed for: the panel layout follows the
/// vector width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Tiles {
    /// AVX2 `vpmaddwd` (and the portable loop elsewhere): panels of 24 queries, a last one of
    /// 25–32 when `m mod 24` is 1–8 and `m > 24` (`corpus_rows::layout`).
    #[default]
    Avx2,
    /// AVX512-VNNI `vpdpwssd`: panels of 32 queries, a last one of 48 when `m mod 32` is 1–16
    /// and `m > 32`, else of 16 or 32 ([`layout_512`]).
    Vnni512,
}

impl Tiles {
    /// The tiles corpus keys on `path` run: AVX512-VNNI on the AVX-512 path of a CPU that has
    /// it, else the AVX2 layout (which the portable loop reads too).
    fn for_path(path: Path) -> Self {
        if path == Path::Avx512 && vnni512() {
            Tiles::Vnni512
        } else {
            Tiles::Avx2
        }
    }

    /// Queries per full panel.
    fn w(self) -> usize {
        match self {
            Tiles::Avx2 => W,
            Tiles::Vnni512 => W512,
        }
    }

    /// `(panels, width of the last)` for `m` queries.
    fn layout(self, m: usize) -> (usize, usize) {
        match self {
            Tiles::Avx2 => layout(m),
            Tiles::Vnni512 => layout_512(m),
        }
    }
}

/// The AVX512-VNNI panels of `m` queries: `(panels, width of the last)`, full panels of 32, the
/// last `m mod 32` queries joining the panel before them when they are 1–16 (a 48-wide panel
/// of three vectors), else a panel of 16 or 32.
fn layout_512(m: usize) -> (usize, usize) {
    let (full, rest) = (m / W512, m % W512);
    match rest {
        0 => (full, W512),
        1..=16 if full > 0 => (full, W512 + 16),
        1..=16 => (1, 16),
        _ => (full + 1, W512),
    }
}

/// The int16 tile `corpus_keys_i16` runs on the process's [`crate::path`] for queries packed by
/// [`I16Queries::new`]: `"avx512vnni-int16"`, `"avx2-int16"` or `"scalar-int16"`.
#[must_use]
pub fn i16_kernel() -> &'static str {
    match (Tiles::for_path(crate::path()), crate::path()) {
        (Tiles::Vnni512, _) => "avx512vnni-int16",
        (Tiles::Avx2, Path::Avx2 | Path::Avx512) if Path::Avx2.supported() => "avx2-int16",
        _ => "scalar-int16",
    }
}

/// Does the process's [`crate::path`] run `corpus_keys_i16` on the AVX512-VNNI tiles (the
/// AVX-512 path of a CPU with AVX512-VNNI)?
#[must_use]
pub fn i16_vnni() -> bool {
    Tiles::for_path(crate::path()) == Tiles::Vnni512
}

/// Does the process's [`crate::path`] run `corpus_keys_i16` on native integer tiles: the AVX2
/// path, or the AVX-512 path of a CPU with AVX512-VNNI?
#[must_use]
pub fn i16_native() -> bool {
    match crate::path() {
        Path::Avx2 => true,
        Path::Avx512 => vnni512(),
        _ => false,
    }
}

/// The largest quantised magnitude `Q` for rows of `d` values: the largest `Q ≤ 32,767` with
/// `d·Q² < 2³¹`, so that no partial sum of an int16 tile entry overflows an int32. `None` when
/// `d ≥ 2²⁹` (fewer than two levels would remain).
#[must_use]
pub fn q_max(d: usize) -> Option<i16> {
    const LIMIT: u64 = 1 << 31;
    let d = u64::try_from(d.max(1)).ok()?;
    let mut q = (LIMIT / d).isqrt().min(32_767);
    while q > 0 && d * q * q >= LIMIT {
        q -= 1;
    }
    // `q ≤ 32,767` fits i16
    (q >= 2).then(|| i16::try_from(q).unwrap_or(i16::MAX))
}

/// One row quantised into `out` (`x.len()` values; `out` may be longer, the rest is left
/// alone): returns its scale and its residual norm `‖x − s·q‖`, rounded up (each residual
/// value is exact in f64; the sum of squares and the square root are scaled up by more than
/// their rounding, as `1 + 2·d·2⁻⁵² + 2⁻⁵⁰` covers for `d` below 2⁴⁰). O(d).
///
/// # Errors
/// `OutOfRange` if a value is not finite.
fn quantize_row(x: &[f32], q: i16, out: &mut [i16]) -> Result<(f32, f64)> {
    // 1.5·2⁵²: for |y| < 2⁵¹, `y + ROUND` lies in [2⁵², 2⁵³), where f64's spacing is 1, so
    // `(y + ROUND) − ROUND` is `y` rounded to an integer, ties to even (`round_ties_even`
    // without a library call)
    const ROUND: f64 = 6_755_399_441_055_744.0;
    // the largest magnitude and whether every value is finite, in one pass over the bits: with
    // the sign cleared, finite values order as their bits do (as u32), and infinities and NaNs
    // lie above 0x7f80_0000 (an integer max, which vectorises where `f32::max` does not)
    let bits = x.iter().map(|v| v.to_bits() & 0x7fff_ffff).fold(0, u32::max);
    if bits >= 0x7f80_0000 {
        let v = x.iter().find(|v| !v.is_finite()).copied().unwrap_or(f32::NAN);
        return Err(Error::OutOfRange {
            name: "int16 quantisation",
            expected: "finite values".into(),
            actual: v.to_string(),
        });
    }
    let amax = f32::from_bits(bits);
    let amax = f64::from(amax);
    let q = f64::from(q);
    // the smallest power of two at least 2⁻¹²⁶ with amax ≤ q·s (exact: s is a power of two),
    // started from 2^⌊log2(amax/q)⌋ read off the exponent bits (amax/q is a normal f64), then
    // moved by at most a step or two
    let lo = f64::from(f32::MIN_POSITIVE);
    let mut s = lo;
    if amax > q * lo {
        let e = ((amax / q).to_bits() >> 52) & 0x7ff;
        s = f64::from_bits(e << 52).max(lo);
        while amax > q * s {
            s *= 2.0;
        }
        while s > lo && amax <= q * (s / 2.0) {
            s /= 2.0;
        }
    }
    // 1/s is a power of two in [2⁻¹²⁷, 2¹²⁶], so `v·(1/s)` is `v/s` exactly; adding and
    // subtracting `ROUND` rounds it to an integer, ties to even. The squared residuals are
    // summed in 8 partial sums (any order of a sum of `d` non-negative terms is within
    // `(d − 1)·2⁻⁵³` relative of the exact sum, which `up` covers).
    let inv = 1.0 / s;
    let mut sums = [0.0f64; 8];
    let quantize = |o: &mut i16, v: f32| {
        let t = (f64::from(v) * inv + ROUND) - ROUND;
        // |t| ≤ q ≤ 32,767: the conversion is exact
        *o = t as i16;
        let r = f64::from(v) - t * s;
        r * r
    };
    let (head, tail) = x.split_at(x.len() - x.len() % 8);
    for (o8, x8) in out.chunks_exact_mut(8).zip(head.chunks_exact(8)) {
        for ((o, &v), acc) in o8.iter_mut().zip(x8).zip(sums.iter_mut()) {
            *acc += quantize(o, v);
        }
    }
    for (o, &v) in out[head.len()..].iter_mut().zip(tail) {
        sums[0] += quantize(o, v);
    }
    let sum: f64 = sums.iter().sum();
    let up = 1.0 + 2.0 * x.len() as f64 * f64::EPSILON + 4.0 * f64::EPSILON;
    // s ≤ 2¹²⁷ (amax < 2¹²⁸ and q ≥ 2): an f32 power of two
    Ok((s as f32, sum.sqrt() * up))
}

/// Grow an int16 buffer to `len` values (new ones zero), allocating fallibly.
fn grow_i16(v: &mut Vec<i16>, len: usize) -> Result<()> {
    if v.len() < len {
        v.try_reserve_exact(len - v.len())
            .map_err(|_| Error::OutOfRange {
                name: "int16 rows",
                expected: "a buffer the allocator can provide".into(),
                actual: format!("{len} int16 values"),
            })?;
    }
    v.clear();
    v.resize(len, 0);
    Ok(())
}

/// Corpus rows quantised to int16 (see the module doc): row `j` is
/// `values[j·stride..j·stride + d]` with `stride = d` rounded up to even (a zero pads odd
/// rows, so that every row is whole value pairs), its scale `scale[j]` and its residual norm
/// `residual[j]`.
///
/// # Memory
/// `n·stride` int16 + `n` f32 + `n` f64: 256 + 12 bytes per row at d = 128 (half of f32 rows).
#[derive(Debug, Clone, Default)]
pub struct I16Rows {
    n: usize,
    d: usize,
    values: Vec<i16>,
    scale: Vec<f32>,
    residual: Vec<f64>,
}

impl I16Rows {
    /// Quantise the rows of `x` (`n × d`, any strides). O(n·d), one thread.
    ///
    /// # Errors
    /// `OutOfRange` if a value is not finite, `d ≥ 2²⁹`, or the allocator refuses the rows.
    pub fn new(x: View<'_>) -> Result<Self> {
        let (n, d) = (x.rows(), x.cols());
        let stride = d.next_multiple_of(2);
        let mut rows = Self {
            n,
            d,
            ..Self::default()
        };
        grow_i16(&mut rows.values, n * stride)?;
        each_quantized(x, &mut |j, pairs, s, r| {
            rows.values[j * stride..(j + 1) * stride].copy_from_slice(pairs);
            rows.scale.push(s);
            rows.residual.push(r);
        })?;
        Ok(rows)
    }

    /// The rows of `parts` one after the other (each part's rows quantised as [`I16Rows::new`]
    /// quantises them, so quantising blocks of rows in parallel and joining them gives the
    /// rows of one call). O(total size).
    ///
    /// # Errors
    /// `Shape` if the parts' widths differ; `OutOfRange` if the allocator refuses the rows.
    pub fn concat(parts: &[I16Rows]) -> Result<Self> {
        let d = parts.first().map_or(0, |p| p.d);
        let mut rows = Self { d, ..Self::default() };
        for p in parts {
            Error::require_equal("I16Rows::concat widths", d, p.d, "")?;
            rows.n += p.n;
        }
        let len = rows.n * d.next_multiple_of(2);
        let fail = |what: &str| Error::OutOfRange {
            name: "int16 rows",
            expected: "a buffer the allocator can provide".into(),
            actual: format!("{len} {what}"),
        };
        rows.values
            .try_reserve_exact(len)
            .map_err(|_| fail("int16 values"))?;
        rows.scale.try_reserve_exact(rows.n).map_err(|_| fail("scales"))?;
        rows.residual
            .try_reserve_exact(rows.n)
            .map_err(|_| fail("residual norms"))?;
        for p in parts {
            rows.values.extend_from_slice(&p.values);
            rows.scale.extend_from_slice(&p.scale);
            rows.residual.extend_from_slice(&p.residual);
        }
        Ok(rows)
    }

    /// Bytes held: values, scales and residual norms.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        self.values.len() * 2 + self.scale.len() * 4 + self.residual.len() * 8
    }

    /// Number of rows `n`.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.n
    }

    /// Values per row `d`.
    #[must_use]
    pub fn cols(&self) -> usize {
        self.d
    }

    /// The rows' scales (powers of two, `n`).
    #[must_use]
    pub fn scales(&self) -> &[f32] {
        &self.scale
    }

    /// The rows' residual norms `‖x − s·q‖`, rounded up (`n`).
    #[must_use]
    pub fn residuals(&self) -> &[f64] {
        &self.residual
    }

    /// Row `j`'s quantised values (`d`).
    #[must_use]
    pub fn row(&self, j: usize) -> &[i16] {
        let stride = self.d.next_multiple_of(2);
        &self.values[j * stride..j * stride + self.d]
    }
}

/// A consumer of quantised rows: `(row, value pairs, scale, residual norm)`.
type PutRow<'a> = dyn FnMut(usize, &[i16], f32, f64) + 'a;

/// Quantise each row `i` of `x` in order and call `f(i, values, scale, residual)`, `values`
/// the `⌈d/2⌉` value pairs (a zero pads an odd row). Allocates one row of each kind.
///
/// # Errors
/// As [`I16Rows::new`] (before any call for a width out of range; at the first row with a value
/// that is not finite).
fn each_quantized(x: View<'_>, f: &mut PutRow<'_>) -> Result<()> {
    let d = x.cols();
    let q = q_for(d)?;
    let mut row = Vec::with_capacity(d);
    let mut out = vec![0i16; d.next_multiple_of(2)];
    let (rs, cs) = x.strides();
    for i in 0..x.rows() {
        // contiguous rows are read in place (the view checked that they lie in its data)
        let (s, r) = if cs == 1 || d <= 1 {
            quantize_row(&x.data()[i * rs..i * rs + d], q, &mut out)?
        } else {
            row.clear();
            row.extend((0..d).map(|t| x.at(i, t)));
            quantize_row(&row, q, &mut out)?
        };
        f(i, &out, s, r);
    }
    Ok(())
}

/// `Shape` (naming `what`) unless `range` is a range of the rows of `rows`.
fn check_range(what: &str, range: &std::ops::Range<usize>, rows: &I16Rows) -> Result<()> {
    if range.start > range.end || range.end > rows.n {
        return Err(Error::Shape {
            what: format!("{what}: end of the row range"),
            expected: rows.n,
            actual: range.end,
            fix: "pass a range of the rows",
        });
    }
    Ok(())
}

/// [`q_max`] of `d`, or `OutOfRange`.
fn q_for(d: usize) -> Result<i16> {
    q_max(d).ok_or_else(|| Error::OutOfRange {
        name: "int16 rows",
        expected: "fewer than 2^29 values per row".into(),
        actual: d.to_string(),
    })
}

/// A block of `m` queries quantised to int16 and packed as transposed panels of value pairs:
/// panel `p` of width `w` (24, or 32 for a last panel that took the `m mod 24 ≤ 8` last queries
/// in) holds at step `s` `data[p·24·2S + s·2w + 2j + h] = q[24p + j, 2s + h]` (`S = ⌈d/2⌉`,
/// `h` = 0, 1), zero past the last query and past `d`; `scale[i]` is query `i`'s scale (zero
/// past `m`) and `residual[i]` its residual norm.
///
/// # Memory
/// At most `(⌈m/24⌉·24 + 8)·2·⌈d/2⌉` int16, as many f32 and `m` f64 (6 KB per 24 queries at
/// d = 128).
#[derive(Debug, Clone, Default)]
pub struct I16Queries {
    m: usize,
    d: usize,
    tiles: Tiles,
    data: Vec<i16>,
    scale: Vec<f32>,
    residual: Vec<f64>,
}

impl I16Queries {
    /// Quantise and pack `x` (`m × d`, any strides) for the tiles of the process's
    /// [`crate::path`]. O(m·d).
    ///
    /// # Errors
    /// As [`I16Rows::new`].
    pub fn new(x: View<'_>) -> Result<Self> {
        Self::new_with(crate::path(), x)
    }

    /// [`I16Queries::new`] for the tiles of `path` (AVX512-VNNI panels of 32 on the AVX-512
    /// path of a CPU with AVX512-VNNI, else panels of 24): [`corpus_keys_i16_with`] runs them on
    /// that path, the portable loop on any other.
    ///
    /// # Errors
    /// As [`I16Rows::new`].
    pub fn new_with(path: Path, x: View<'_>) -> Result<Self> {
        Self::packed(path, x.rows(), x.cols(), |put| each_quantized(x, put))
    }

    /// Rows `range` of `rows` (already quantised: their values, scales and residual norms are
    /// copied, not recomputed) packed for the tiles of `path`, as [`I16Queries::new_with`] packs
    /// the same f32 rows. O(range·d), one copy.
    ///
    /// # Errors
    /// `Shape` if `range` is not a range of rows of `rows`; `OutOfRange` if the allocator
    /// refuses the panels.
    pub fn from_rows(path: Path, rows: &I16Rows, range: std::ops::Range<usize>) -> Result<Self> {
        check_range("I16Queries::from_rows", &range, rows)?;
        let stride = rows.d.next_multiple_of(2);
        Self::packed(path, range.len(), rows.d, |put| {
            for (i, j) in range.clone().enumerate() {
                put(
                    i,
                    &rows.values[j * stride..(j + 1) * stride],
                    rows.scale[j],
                    rows.residual[j],
                );
            }
            Ok(())
        })
    }

    /// `m` rows of width `d` packed for the tiles of `path`: `fill` hands each row `i` (in
    /// increasing order) to its argument as `(i, value pairs, scale, residual norm)`.
    fn packed(
        path: Path,
        m: usize,
        d: usize,
        fill: impl FnOnce(&mut PutRow<'_>) -> Result<()>,
    ) -> Result<Self> {
        let steps = d.div_ceil(2);
        let tiles = Tiles::for_path(path);
        let (panels, last) = tiles.layout(m);
        let w0 = tiles.w();
        let mut p = Self {
            m,
            d,
            tiles,
            ..Self::default()
        };
        let width = panels.saturating_sub(1) * w0 + last;
        grow_i16(&mut p.data, width * steps * 2)?;
        p.scale.resize(width, 0.0);
        fill(&mut |i, pairs, s, r| {
            p.scale[i] = s;
            p.residual.push(r);
            let panel = (i / w0).min(panels - 1);
            let (j, w) = (i - panel * w0, if panel + 1 == panels { last } else { w0 });
            for (st, pair) in pairs.chunks_exact(2).enumerate() {
                let at = panel * w0 * steps * 2 + st * 2 * w + 2 * j;
                p.data[at..at + 2].copy_from_slice(pair);
            }
        })?;
        Ok(p)
    }

    /// Number of queries `m`.
    #[must_use]
    pub fn rows(&self) -> usize {
        self.m
    }

    /// Values per query `d`.
    #[must_use]
    pub fn cols(&self) -> usize {
        self.d
    }

    /// The queries' scales (powers of two, `m`).
    #[must_use]
    pub fn scales(&self) -> &[f32] {
        &self.scale[..self.m]
    }

    /// The queries' residual norms `‖x − s·q‖`, rounded up (`m`).
    #[must_use]
    pub fn residuals(&self) -> &[f64] {
        &self.residual
    }
}

/// `dst[(j − rows.start)·m + i] = alpha·s_i·s_j·Σ_t q_i,t·q_j,t` (see the module doc for the
/// rounding) for the `m` packed queries and corpus rows `rows` of `c`, on the process's
/// [`crate::path`].
///
/// # Errors
/// `Shape` if the widths differ, `rows` is not a range of rows of `c`, or `dst` holds fewer
/// than `m·rows.len()` values.
pub fn corpus_keys_i16(
    dst: &mut [f32],
    q: &I16Queries,
    c: &I16Rows,
    rows: std::ops::Range<usize>,
    alpha: f32,
) -> Result<()> {
    keys_with(crate::path(), dst, q, c, rows, alpha, None)
}

/// [`corpus_keys_i16`] on an explicit [`Path`] (AVX2 and AVX-512 run the AVX2 tiles when the
/// CPU has AVX2; every other path, or a CPU without it, the portable loop).
///
/// # Errors
/// As [`corpus_keys_i16`].
pub fn corpus_keys_i16_with(
    path: Path,
    dst: &mut [f32],
    q: &I16Queries,
    c: &I16Rows,
    rows: std::ops::Range<usize>,
    alpha: f32,
) -> Result<()> {
    keys_with(path, dst, q, c, rows, alpha, None)
}

/// [`corpus_keys_i16`], and the marks of the keys below their thresholds ([`KeyMarks`]): the
/// AVX512-VNNI tiles compare the keys in registers (one compare per 16 keys), the other paths
/// compare the stored keys after the tiles. The keys are [`corpus_keys_i16`]'s bits.
///
/// # Errors
/// As [`corpus_keys_i16`]; `Shape` if a slice of `marks` is shorter than the call needs.
pub fn corpus_keys_i16_marked(
    dst: &mut [f32],
    q: &I16Queries,
    c: &I16Rows,
    rows: std::ops::Range<usize>,
    alpha: f32,
    marks: &mut KeyMarks<'_>,
) -> Result<()> {
    keys_with(crate::path(), dst, q, c, rows, alpha, Some(marks))
}

/// The keys (and marks) on `path`: the checks, then the path's tiles.
fn keys_with(
    path: Path,
    dst: &mut [f32],
    q: &I16Queries,
    c: &I16Rows,
    rows: std::ops::Range<usize>,
    alpha: f32,
    marks: Option<&mut KeyMarks<'_>>,
) -> Result<()> {
    Error::require_equal("corpus_keys_i16 widths (C.cols vs Q.cols)", q.d, c.d, "")?;
    check_range("corpus_keys_i16", &rows, c)?;
    let (m, n) = (q.m, rows.len());
    if dst.len() < m * n {
        return Err(Error::Shape {
            what: "corpus_keys_i16: dst length (m·n)".into(),
            expected: m * n,
            actual: dst.len(),
            fix: "pass a buffer of m·n values",
        });
    }
    if let Some(km) = marks.as_deref() {
        km.check(m, n)?;
    }
    let dst = &mut dst[..m * n];
    if m == 0 || n == 0 {
        return Ok(());
    }
    let job = Job {
        q,
        alpha,
        c,
        j0: rows.start,
        m,
        steps: q.d.div_ceil(2),
    };
    #[cfg(target_arch = "x86_64")]
    match q.tiles {
        Tiles::Vnni512 if path == Path::Avx512 && vnni512() => {
            // SAFETY: AVX-512F and AVX512-VNNI were detected just above; `marks` fits `m × n`
            // (checked above).
            unsafe { vnni::walk(&job, dst, marks) };
            return Ok(());
        }
        Tiles::Avx2 if matches!(path, Path::Avx2 | Path::Avx512) && Path::Avx2.supported() => {
            // SAFETY: AVX2 was detected just above.
            unsafe { avx2::walk(&job, dst) };
            if let Some(km) = marks {
                marks::from_keys(dst, m, km);
            }
            return Ok(());
        }
        _ => {}
    }
    let _ = path;
    portable(&job, dst);
    if let Some(km) = marks {
        marks::from_keys(dst, m, km);
    }
    Ok(())
}

/// What every tile of one call reads.
struct Job<'a> {
    q: &'a I16Queries,
    alpha: f32,
    c: &'a I16Rows,
    /// The first corpus row of the call (column 0 of `dst`).
    j0: usize,
    m: usize,
    /// Value pairs per row, `⌈d/2⌉`.
    steps: usize,
}

impl Job<'_> {
    /// `(panels, width of the last)` of the queries' layout.
    fn layout(&self) -> (usize, usize) {
        self.q.tiles.layout(self.m)
    }

    /// Queries per full panel (24, or 32 for the AVX512-VNNI tiles).
    fn w(&self) -> usize {
        self.q.tiles.w()
    }

    /// Panel `p`'s packed pairs (`steps·2·w` int16) and its width `w`.
    fn panel(&self, p: usize) -> (&[i16], usize) {
        let (panels, last) = self.layout();
        let w0 = self.w();
        let w = if p + 1 == panels { last } else { w0 };
        let at = p * w0 * self.steps * 2;
        (&self.q.data[at..at + self.steps * 2 * w], w)
    }

    /// Corpus row `j`'s values as whole pairs (`2·steps` int16).
    fn row(&self, j: usize) -> &[i16] {
        let stride = 2 * self.steps;
        &self.c.values[j * stride..(j + 1) * stride]
    }

    /// Prefetch into L2 corpus rows `jj..jj + r` of the call (those below `n`), one hint per
    /// cache line.
    #[cfg(target_arch = "x86_64")]
    #[inline]
    fn prefetch(&self, jj: usize, r: usize, n: usize) {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T1};
        for k in jj..(jj + r).min(n) {
            for line in self.row(self.j0 + k).iter().step_by(32) {
                // SAFETY: a prefetch is a hint that never faults; `line` is a valid reference.
                unsafe { _mm_prefetch::<_MM_HINT_T1>(std::ptr::from_ref(line).cast::<i8>()) };
            }
        }
    }

    /// The f32 key of an exact entry `v` of query `i` and corpus row `j`.
    #[inline]
    fn key(&self, v: i32, i: usize, j: usize) -> f32 {
        // i32 → f32 rounds to nearest even, as `vcvtdq2ps` does
        ((v as f32 * self.q.scale[i]) * self.c.scale[j]) * self.alpha
    }
}

/// The portable loop: per corpus row and query, the exact integer sum, then [`Job::key`].
fn portable(job: &Job<'_>, dst: &mut [f32]) {
    let n = dst.len() / job.m;
    for b0 in (0..n).step_by(NB) {
        for jj in b0..(b0 + NB).min(n) {
            let j = job.j0 + jj;
            let y = job.row(j);
            for i in 0..job.m {
                let p = (i / job.w()).min(job.layout().0 - 1);
                let l = i - p * job.w();
                let (panel, w) = job.panel(p);
                let mut acc = 0i32;
                for (s, pair) in y.chunks_exact(2).enumerate() {
                    let b = &panel[s * 2 * w + 2 * l..s * 2 * w + 2 * l + 2];
                    // |Σ| ≤ d·Q² < 2³¹ for rows of this width (`q_max`): no overflow
                    acc += i32::from(pair[0]) * i32::from(b[0]) + i32::from(pair[1]) * i32::from(b[1]);
                }
                dst[jj * job.m + i] = job.key(acc, i, j);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2;
mod marks;
#[cfg(target_arch = "x86_64")]
mod vnni;

#[cfg(test)]
mod tests;
