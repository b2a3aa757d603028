//! The exact search on every input element type: f32 and f64 rows as they are, bf16 and int8
//! rows on the bf16 units (bf16 and int8 values are bf16 values exactly) or int8 rows on the
//! int8 units, or any narrow rows widened losslessly to f32. Every path gives the neighbours and distances of the f32/f64 engine on the
//! same values, bit for bit.

use std::borrow::Cow;

use embgeo_core::{Ctl, Error, Neighbors, Result};
use embgeo_kernels::lowp::{self, Bf16Source, Int8Path, LowpPath, Packed, Side};

use super::operands::{dense, DenseSearch, Mats, Operands};
use super::source::{in_place_corpus, Narrow, Units};
use super::{check_k, f32_overflows, run_source, Params, Precision, Trace};
use super::{int16, split, stream};
use crate::metric::Metric;
use crate::part::KnnPart;
use crate::stats::Stats;

/// A flat row-major matrix of one element type (`cols` is given beside it).
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    /// f32 values.
    F32(&'a [f32]),
    /// f64 values.
    F64(&'a [f64]),
    /// bf16 values as raw bits (bfloat16: the high half of an f32).
    Bf16(&'a [u16]),
    /// IEEE binary16 values as raw bits.
    F16(&'a [u16]),
    /// int8 values.
    I8(&'a [i8]),
}

impl<'a> Values<'a> {
    /// Number of values.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
            Values::Bf16(v) | Values::F16(v) => v.len(),
            Values::I8(v) => v.len(),
        }
    }

    /// `true` if there are no values.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The element type as the API spells it: `"f32"`, `"f64"`, `"bf16"`, `"f16"`, `"i8"`.
    #[must_use]
    pub fn dtype(&self) -> &'static str {
        match self {
            Values::F32(_) => "f32",
            Values::F64(_) => "f64",
            Values::Bf16(_) => "bf16",
            Values::F16(_) => "f16",
            Values::I8(_) => "i8",
        }
    }

    /// The values in f32 (exact: every bf16, f16 and int8 value is an f32 value); `None` for
    /// f64. Borrowed for f32, a copy otherwise (`len·4` bytes).
    #[must_use]
    pub fn to_f32(self) -> Option<Cow<'a, [f32]>> {
        match self {
            Values::F32(v) => Some(Cow::Borrowed(v)),
            Values::F64(_) => None,
            Values::Bf16(v) => Some(v.iter().map(|&b| b.to_f32()).collect()),
            Values::F16(v) => Some(v.iter().map(|&b| half::f16::from_bits(b).to_f32()).collect()),
            Values::I8(v) => Some(v.iter().map(|&b| f32::from(b)).collect()),
        }
    }

    /// The values in f64 (exact); borrowed for f64, a copy otherwise (`len·8` bytes).
    #[must_use]
    pub fn to_f64(self) -> Cow<'a, [f64]> {
        match self {
            Values::F64(v) => Cow::Borrowed(v),
            _ => match self.to_f32() {
                Some(v) => v.iter().map(|&x| f64::from(x)).collect(),
                None => Cow::Borrowed(&[]),
            },
        }
    }
}

/// `InvalidValue` unless f32 or f64 data (`dtype`) can screen in `precision`.
pub(crate) fn check_dense_precision(precision: Precision, dtype: &'static str) -> Result<()> {
    let ok = match precision {
        Precision::Auto => true,
        Precision::Fp32 => dtype == "f32",
        Precision::Bf16 | Precision::Int8 => false,
    };
    if ok {
        return Ok(());
    }
    let why = match precision {
        Precision::Int8 => "'int8' screens int8 data (on the VNNI units)".to_string(),
        Precision::Bf16 => format!(
            "'bf16' screens bf16 or int8 data (their values are bf16 values exactly) and, through search_values, f32 data; {dtype} data screens in its own precision here"
        ),
        _ => format!("{dtype} data screens in f64"),
    };
    Err(Error::InvalidValue {
        name: "precision",
        expected: format!(
            "'auto'{} for {dtype} data: {why}",
            if dtype == "f32" { " or 'fp32'" } else { "" }
        ),
        actual: precision.name().to_string(),
    })
}

/// Exact k nearest neighbours for any element type, with the [`Trace`] of the run: all points
/// (`x.queries = None`, each row's own index excluded) or queries against the corpus.
///
/// - f32, f64: [`crate::all_points`] / [`crate::search`] (`precision` `auto`, or `fp32` for f32).
/// - f32 under `bf16` (and under `auto` on the AMX tiles from [`crate::AUTO_MIN_COLS_SPLIT`]
///   columns and [`crate::AUTO_MIN_ROWS_SPLIT`] rows on each side, decided on the engine's
///   entry, so [`crate::all_points`] and [`crate::search`] take it too): key tiles on the bf16
///   units from split `hi + lo` copies of the rows (two packings of `rows·3d·2` bytes for all
///   points, one per matrix for queries) within `Bounds::split_bf16`, exact keys from the f32
///   rows: the f32 path's result, bit for bit.
/// - bf16 and int8 under `auto` on a CPU with AMX, or with an AVX512-BF16 as fast as its FMA
///   units (AMD; `LowpPath::outpaces_fp32`), or under `bf16`: key tiles on the
///   bf16 units from a packed copy of the input (about its size; the tiles' f32 error bound plus
///   the subnormal terms of `Bounds::with_flushes`), exact keys from the rows widened to f32 —
///   the f32 engine's keys on the same values, so the result is the f32 path's, bit for bit.
/// - int8 under `auto` on a CPU with AVX512-VNNI, or under `int8`: the same on the int8 units
///   (exact integer dot products).
/// - bf16 and int8 data under `fp32`, or under `auto` without faster units: f32 tiles (faer's
///   GEMM, or SIMD dot products for few queries) from each tile's rows widened as the tile is
///   computed — the f32 engine's tiles and bound, without an f32 copy of the data.
/// - f16 data, cosine, or values whose squared norms could overflow f32: the f32 engine on a
///   lossless f32 copy.
/// - Different element types for corpus and queries: both widened to f32 (f64 if one is f64).
///
/// Shard searches (`row_offset` / `query_offset`) return parts: call [`search_part_values`];
/// here they are `InvalidValue`.
///
/// # Errors
/// As [`crate::all_points`] / [`crate::search`]; `Shape` if a length is not a multiple of
/// `x.cols` (or it is 0); `InvalidValue` for a precision the data or CPU cannot screen in
/// (`bf16` on f16/f64 data, on bf16/int8 data under cosine, or without AVX512-BF16; `int8` on data other
/// than int8, under cosine, or without AVX512-VNNI; `fp32` on f64 data) or for shard offsets in
/// `p`; `OutOfRange` for `bf16` on values too large for f32 keys, for `int8` on widths above
/// `lowp::INT8_MAX_D`.
pub fn search_values(x: Operands<'_>, p: &Params, ctl: &Ctl<'_>) -> Result<(Neighbors, Trace)> {
    let usable = |native: bool| native || lowp::forced_scalar();
    let (bf16, int8) = (lowp::path(), Int8Path::best());
    let kernels = Kernels {
        bf16: usable(bf16.is_native()).then_some(bf16),
        int8: usable(int8.is_native()).then_some(int8),
    };
    search_values_on(kernels, x, p, ctl)
}

/// The low-precision kernels a search may use (`None`: no such units).
#[derive(Debug, Clone, Copy)]
pub struct Kernels {
    /// The bf16 tile kernel.
    pub bf16: Option<LowpPath>,
    /// The int8 tile kernel.
    pub int8: Option<Int8Path>,
}

/// [`search_values`] with the kernels given. Tests run every kernel the CPU has through it; a
/// portable path (`Scalar`) runs the emulation under an explicit precision (never under
/// `auto`, which takes native units only).
///
/// # Errors
/// As [`search_values`].
#[doc(hidden)]
pub fn search_values_on(
    kernels: Kernels,
    x: Operands<'_>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, Trace)> {
    p.check()?;
    if p.is_shard() {
        return Err(Error::InvalidValue {
            name: "rowOffset",
            expected: "no shard offsets here: a shard search returns a part (search_part_values)".into(),
            actual: format!("rowOffset {:?}, queryOffset {:?}", p.row_offset, p.query_offset),
        });
    }
    let Operands {
        corpus,
        queries,
        cols,
    } = x;
    if queries.is_some_and(|q| q.dtype() != corpus.dtype()) {
        // both widened losslessly to f32 (to f64 if one of them is f64)
        return x.widened::<Traced>(p, ctl);
    }
    match corpus {
        Values::F32(c) => {
            let q = queries.map(|q| q.to_f32().unwrap_or_default());
            if let Some(path) = split::choose(p.precision, kernels.bf16)? {
                if let Some(r) = split::search(c, q.as_deref(), cols, p, ctl, (path, split::Scheme::Split))? {
                    return Ok(r);
                }
            }
            // the fp32 path (and its errors) when the split path does not run
            let fp = Params {
                precision: if p.precision == Precision::Bf16 {
                    Precision::Auto
                } else {
                    p.precision
                },
                ..p.clone()
            };
            dense::<Traced, _>(c, q.as_deref(), cols, &fp, ctl)
        }
        Values::F64(c) => dense::<Traced, _>(c, queries.map(Values::to_f64).as_deref(), cols, p, ctl),
        Values::Bf16(c) => {
            let q = match queries {
                Some(Values::Bf16(q)) => Some(q),
                _ => None,
            };
            narrow(c, q, x, p, ctl, kernels)
        }
        Values::I8(c) => {
            let q = match queries {
                Some(Values::I8(q)) => Some(q),
                _ => None,
            };
            narrow(c, q, x, p, ctl, kernels)
        }
        Values::F16(_) => {
            check_narrow_precision(p.precision, "f16")?;
            widened(x, p, ctl)
        }
    }
}

/// [`crate::search_part`] on any element type: f32 and f64 rows as they are; bf16, f16 and int8
/// rows widened losslessly to f32 first (`len·4` bytes per matrix), and both sides to f64 when
/// one of them is f64 (a part stores f32 or f64 keys).
///
/// # Errors
/// As [`crate::search_part`]; `Shape` if a length is not a multiple of `x.cols` (or it is 0).
pub fn search_part_values(x: Operands<'_>, p: &Params, ctl: &Ctl<'_>) -> Result<KnnPart> {
    x.widened::<Part>(p, ctl)
}

/// [`crate::cross_parts`] on any element type: A is `x.corpus`, B `x.queries` (required),
/// widened as in [`search_part_values`] (both to f32, or both to f64 when one of them is f64).
///
/// # Errors
/// As [`crate::cross_parts`]; `Shape` if a length is not a multiple of `x.cols` (or it is 0);
/// `Internal` without B.
pub fn cross_parts_values(x: Operands<'_>, p: &Params, ctl: &Ctl<'_>) -> Result<crate::CrossParts> {
    x.widened::<Cross>(p, ctl)
}

/// The two-sided block search of [`crate::cross_parts`].
struct Cross;

impl DenseSearch for Cross {
    type Output = crate::CrossParts;

    fn run<T: embgeo_core::Element>(
        (a, b): Mats<'_, T>,
        p: &Params,
        ctl: &Ctl<'_>,
    ) -> Result<crate::CrossParts> {
        let b = b.ok_or_else(|| Error::Internal("kNN cross parts need both blocks".into()))?;
        crate::cross_parts(a, b, p, ctl)
    }
}

/// The shard search of [`crate::search_part`].
struct Part;

impl DenseSearch for Part {
    type Output = KnnPart;

    fn run<T: embgeo_core::Element>((c, q): Mats<'_, T>, p: &Params, ctl: &Ctl<'_>) -> Result<KnnPart> {
        crate::search_part(c, q, p, ctl)
    }
}

/// The engine with its [`Trace`] (and the magnitude rule of [`crate::search`]).
struct Traced;

impl DenseSearch for Traced {
    type Output = (Neighbors, Trace);

    fn run<T: embgeo_core::Element>((c, q): Mats<'_, T>, p: &Params, ctl: &Ctl<'_>) -> Result<Self::Output> {
        crate::scaled::search_traced(c, q, p, ctl)
    }
}

/// bf16, f16 or int8 rows widened losslessly to f32 (`len·4` bytes per matrix), screened in
/// f32 (`precision` `auto`).
fn widened(x: Operands<'_>, p: &Params, ctl: &Ctl<'_>) -> Result<(Neighbors, Trace)> {
    let fp32 = Params {
        precision: Precision::Auto,
        ..p.clone()
    };
    x.widened::<Traced>(&fp32, ctl)
}

/// `InvalidValue` for the precisions narrow data of `dtype` can never screen in (`int8` for
/// bf16 and f16 data; `bf16` for f16 data, whose values are not all bf16 values).
fn check_narrow_precision(precision: Precision, dtype: &'static str) -> Result<()> {
    match precision {
        Precision::Int8 if dtype != "i8" => check_dense_precision(precision, dtype),
        Precision::Bf16 if dtype == "f16" => Err(Error::InvalidValue {
            name: "precision",
            expected: "'auto' or 'fp32' for f16 data: f16 values are not all bf16 values, so f16 data screens in f32".into(),
            actual: "bf16".into(),
        }),
        _ => Ok(()),
    }
}

/// Narrowest width at which `auto` screens bf16 or int8 data on the bf16 units. Measured on a
/// Zen 5 (AVX512-BF16, bench/results/knn-run-2026-12-02.log and knn.md; time of the bf16 path /
/// the f32 path on the same values): d = 32 all-pairs 1.33 (slower), d = 128 queries 1.25
/// (slower), d = 384 all-pairs 0.67–0.75, d = 768 all-pairs 0.61. Widths between 128 and 384
/// were not measured and stay on f32. Applies only where `vdpbf16ps` keeps up with the FMA
/// units (`LowpPath::outpaces_fp32`: not on Intel, where d = 384 all-pairs measured 1.64).
pub const AUTO_MIN_COLS_BF16: usize = 384;

/// Narrowest width at which `auto` screens int8 data on the int8 units. Measured as
/// [`AUTO_MIN_COLS_BF16`]: d = 32 all-pairs 1.27 (slower), d = 128 queries 0.67, d = 384
/// all-pairs 0.50–0.60, d = 768 all-pairs 0.38. Widths between 32 and 128 were not measured.
pub const AUTO_MIN_COLS_INT8: usize = 128;

/// Narrowest width at which `auto` screens bf16 or int8 data on the AMX tiles (both
/// `amx-bf16` and `amx-int8`). Measured on a Sapphire Rapids-class Xeon (2 cores, all-points
/// 20,000 rows, k = 10, euclidean; time of the AMX path / the f32 path on the same values,
/// same run, loaded machine): bf16 d = 32 (50,000 rows) 0.79, d = 64 0.62, d = 128 0.61,
/// d = 384 0.37; int8 d = 32 0.68, d = 64 0.66, d = 128 0.45, d = 384 0.40. Narrower widths were
/// not measured and stay on f32.
pub const AUTO_MIN_COLS_AMX: usize = 32;

/// Fewest rows on each side (queries and corpus; all points: the rows) at which `auto` screens
/// bf16 or int8 data on the AMX tiles: their layouts cost a pass over the corpus, which few
/// queries do not pay back. Measured through the Node API on an AMX Xeon (model 207, 2
/// threads; bf16 data, queries against 1,000,000 × 128, k = 10, AMX / f32 path widened tile by
/// tile, same values): 100 queries 0.54 s vs 0.35 s, 400 queries 0.65 vs 0.63, 1,000 queries
/// 0.81 vs 1.47; int8 data, 100 queries 0.23 vs 0.23. Fewer queries stream the corpus instead
/// (each worker packs the block it multiplies; see [`search_values`]) where `auto` streams f32
/// queries; measured on the same machine (`examples/split.rs`, `EMBGEO_SPLIT_DTYPE`, the bench's
/// G1 rows; medians of alternating runs; streamed / widened f32 path, same values), bf16 data:
/// 17 queries against 999,900 × 128 0.068 / 0.089 s, 100 queries 0.097 / 0.160 s, 500 queries
/// 0.258 / 0.621 s, 300 queries against 100,000 × 384 (dot) 0.039 / 0.103 s, 100 against
/// 10,000 × 64 0.97×; int8 data 0.052 / 0.071, 0.077 / 0.157, 0.190 / 0.588, 0.034 / 0.118 s,
/// 0.90×.
pub const AUTO_MIN_ROWS_AMX: usize = 512;

/// Does `auto` screen data of width `d` on `units`, with `rows` the fewer of query and corpus
/// rows, and `streams` whether the search is queries of a shape `auto` streams
/// ([`super::stream::auto_shape`])? From [`AUTO_MIN_COLS_AMX`] columns and either
/// [`AUTO_MIN_ROWS_AMX`] rows or a streamed corpus on the AMX tiles, else from
/// [`AUTO_MIN_COLS_BF16`] or [`AUTO_MIN_COLS_INT8`] columns; never on bf16 units slower than
/// the fp32 FMA units ([`LowpPath::outpaces_fp32`]).
fn auto_pays(units: Units, (d, rows, streams): (usize, usize, bool)) -> bool {
    match units {
        Units::Bf16(LowpPath::AmxBf16) | Units::Int8(Int8Path::AmxInt8) => {
            d >= AUTO_MIN_COLS_AMX && (rows >= AUTO_MIN_ROWS_AMX || streams)
        }
        Units::Bf16(k) if k.outpaces_fp32() => d >= AUTO_MIN_COLS_BF16,
        Units::Bf16(_) => false,
        Units::Int8(_) => d >= AUTO_MIN_COLS_INT8,
        Units::F32 => true,
    }
}

/// The units to screen on, if any (`None`: the widened f32 path), for data of width `d`
/// (`int8`: int8 data; `rows`: the fewer of query and corpus rows) given the usable `kernels`.
/// Under `auto`, only native units and only where they measured faster ([`auto_pays`]).
fn choose_units(
    precision: Precision,
    metric: Metric,
    overflow: bool,
    (d, rows, int8, streams): (usize, usize, bool, bool),
    kernels: Kernels,
) -> Result<Option<Units>> {
    let refuse = |why: String| Error::InvalidValue {
        name: "precision",
        expected: format!("'auto' or 'fp32' here: {why}"),
        actual: precision.name().into(),
    };
    let fits_i8 = d <= lowp::INT8_MAX_D;
    match precision {
        // cosine screens unit rows, which the engine normalises on an f32 copy; keys that
        // could overflow f32 run in f64 there too
        Precision::Fp32 | Precision::Auto if metric == Metric::Cosine || overflow => Ok(None),
        Precision::Fp32 => Ok(Some(Units::F32)),
        Precision::Auto => Ok(Some(
            match (
                kernels.int8.filter(|&k| {
                    k.is_native() && int8 && fits_i8 && auto_pays(Units::Int8(k), (d, rows, streams))
                }),
                kernels
                    .bf16
                    .filter(|&k| k.is_native() && auto_pays(Units::Bf16(k), (d, rows, streams))),
            ) {
                (Some(k), _) => Units::Int8(k),
                (None, Some(k)) => Units::Bf16(k),
                (None, None) => Units::F32,
            },
        )),
        _ if metric == Metric::Cosine => Err(refuse(format!(
            "cosine screens unit-normalised rows, which are not {} values",
            precision.name()
        ))),
        Precision::Bf16 => match kernels.bf16 {
            None => Err(refuse(
                "this CPU has no AVX512-BF16 (set EMBGEO_LOWP_KERNEL=scalar to run the portable emulation)"
                    .into(),
            )),
            Some(_) if overflow => Err(Error::OutOfRange {
                name: "values",
                expected: "row norms below 1e18 for precision 'bf16' (f32 keys); 'auto' widens to f64".into(),
                actual: "larger row norms".into(),
            }),
            Some(k) => Ok(Some(Units::Bf16(k))),
        },
        Precision::Int8 => match kernels.int8 {
            None => Err(refuse(
                "this CPU has no AVX512-VNNI (set EMBGEO_LOWP_KERNEL=scalar to run the portable emulation)"
                    .into(),
            )),
            Some(_) if !fits_i8 => Err(Error::OutOfRange {
                name: "cols",
                expected: format!("at most {} for precision 'int8' (i32 sums)", lowp::INT8_MAX_D),
                actual: d.to_string(),
            }),
            Some(k) => Ok(Some(Units::Int8(k))),
        },
    }
}

/// Does `auto` screen the f32 copy of narrow rows (`nc` corpus rows of width `d`, `nq` queries
/// or all points) in int16 (`super::int16::auto_takes_all_points` / `auto_takes_queries`)? Then
/// [`narrow`] widens them once (`len·4` bytes per matrix) instead of screening on the f32 units
/// tile by tile: on an Intel Xeon (model 207, AVX512-VNNI, no AMX, 2 threads) all points of the
/// bench's G2 20,000 × 384 rounded to bf16 measured 0.709 s tile by tile (bench/results/
/// knn-xeon-vnni.md) against 0.409 s for the int16 screening of the f32 data; measured after
/// the change (alternating the two builds, medians of 3–5, identical answers): those bf16 rows
/// 0.37–0.42 s against 0.68–0.75 s, and bf16 queries against bf16 rows, 5,000 against
/// 200,000 × 128 0.72–0.76 s against 1.07–1.13 s, 2,000 against 20,000 × 384 0.102–0.108 s
/// against 0.156–0.172 s, 1,000 against 200,000 × 128 0.32–0.36 s against 0.33–0.35 s (a tie,
/// at the edge of `auto`'s range for f32 queries).
fn int16_takes_widened(p: &Params, d: usize, nc: usize, nq: Option<usize>) -> bool {
    match nq {
        None => int16::auto_takes_all_points(p, d, nc),
        Some(nq) => int16::auto_takes_queries(p, d, nq, nc),
    }
}

/// Is some bf16 value ±∞ or NaN (exponent bits all ones)? int8 values are always finite.
fn any_non_finite<T: Bf16Source>(v: &[T]) -> bool {
    v.iter().any(|&x| x.bf16_bits() & 0x7f80 == 0x7f80)
}

/// Rows widened to f32 at a time for their statistics ([`narrow`]).
const WIDEN_ROWS: usize = 256;

/// bf16 or int8 rows: on the bf16 or int8 units when [`choose_units`] says so, else widened to
/// f32.
/// `orig` is the same input as [`Values`] for the widened path.
fn narrow<T: Bf16Source>(
    c: &[T],
    q: Option<&[T]>,
    orig: Operands<'_>,
    p: &Params,
    ctl: &Ctl<'_>,
    kernels: Kernels,
) -> Result<(Neighbors, Trace)> {
    let cols = orig.cols;
    check_narrow_precision(p.precision, orig.corpus.dtype())?;
    let nc = embgeo_core::rows_of(c.len(), cols)?;
    let nq = q.map(|q| embgeo_core::rows_of(q.len(), cols)).transpose()?;
    let small = match nq {
        None => nc < 2,
        Some(_) => nc < 1,
    };
    if p.is_shard() || small {
        return widened(orig, p, ctl);
    }
    let rows = nq.unwrap_or(nc).min(nc);
    let int8 = T::as_i8(c).is_some();
    let streams = nq.is_some_and(|nq| stream::auto_shape(p, cols, nq, nc));
    if p.metric == Metric::Cosine {
        // cosine screens unit rows, never these values: widened (the f32 engine reports
        // non-finite values by row and column first), or the refusal of an explicit precision
        if any_non_finite(c) || q.is_some_and(any_non_finite) {
            return widened(orig, p, ctl);
        }
        check_k(p.k, nc, q.is_none())?;
        choose_units(p.precision, p.metric, false, (cols, rows, int8, streams), kernels)?;
        return widened(orig, p, ctl);
    }
    if p.precision == Precision::Auto
        && matches!(
            choose_units(p.precision, p.metric, false, (cols, rows, int8, streams), kernels)?,
            Some(Units::F32)
        )
        && int16_takes_widened(p, cols, nc, nq)
    {
        // the f32 engine screens these rows in int16 faster than the f32 tiles widen them
        return widened(orig, p, ctl);
    }
    // statistics of the rows widened 256 at a time into one buffer per chunk (a few hundred KB,
    // reused: no chunk-sized copy to allocate and fault in)
    let stats = |rows: &[T], what: &str| {
        Stats::<f32>::compute_by(rows.len() / cols, what, ctl, |r, s| {
            let mut w = Vec::with_capacity(WIDEN_ROWS.min(r.len()) * cols);
            for start in r.clone().step_by(WIDEN_ROWS) {
                let end = (start + WIDEN_ROWS).min(r.end);
                w.clear();
                w.extend(rows[start * cols..end * cols].iter().map(|v| v.to_f32()));
                s.extend(p.metric, &w, cols, what, start)?;
            }
            Ok(())
        })
    };
    // the statistics flag non-finite values (squares summed in f64: exactly "some value is not
    // finite"), in the same parallel pass
    let cs = stats(c, "corpus")?;
    let qs = q.map(|q| stats(q, "queries")).transpose()?;
    if cs.nonfinite || qs.as_ref().is_some_and(|s| s.nonfinite) {
        // the f32 engine reports non-finite values by row and column
        return widened(orig, p, ctl);
    }
    check_k(p.k, nc, q.is_none())?;
    let qmax = qs.as_ref().map_or(cs.max_norm, |s| s.max_norm);
    let overflow = f32_overflows(cs.max_norm, qmax);
    let Some(units) = choose_units(
        p.precision,
        p.metric,
        overflow,
        (cols, rows, int8, streams),
        kernels,
    )?
    else {
        return widened(orig, p, ctl);
    };
    // fewer queries than pay for a packed copy of the corpus on the AMX tiles: the corpus packed
    // block by block as the search streams through it (each worker one block)
    let amx = matches!(
        units,
        Units::Bf16(LowpPath::AmxBf16) | Units::Int8(Int8Path::AmxInt8)
    );
    let streamed = amx && nq.is_some_and(|nq| nq < AUTO_MIN_ROWS_AMX);
    // else one packed copy per matrix (about the size of the data; twice for all points on the
    // AMX tiles, which read the two operands in different layouts), in parallel under ctl.par
    let pack = |rows: &[T], side: Side| match (units, T::as_i8(rows)) {
        (Units::Int8(path), Some(r)) => Packed::new_i8_for(path, r, cols, ctl.par, side),
        (Units::Bf16(path), _) => Packed::new_for(path, rows, cols, ctl.par, side),
        (Units::Int8(_), None) => Packed::new(rows, cols, ctl.par),
        // tiles widen their rows as they go: nothing packed
        (Units::F32, _) => Packed::new::<T>(&[], cols, ctl.par),
    };
    let pc = match q {
        None => pack(c, Side::Both),
        Some(_) if streamed => Packed::default(),
        Some(_) => pack(c, Side::Corpus),
    };
    let pq = q.map(|q| pack(q, Side::Queries));
    let src = Narrow {
        metric: p.metric,
        d: cols,
        c,
        q: q.unwrap_or(c),
        pc: (!streamed).then_some(&pc),
        pq: pq.as_ref().unwrap_or(&pc),
        cs: &cs,
        qs: qs.as_ref().unwrap_or(&cs),
        units,
        in_place: q.is_some_and(|q| matches!(units, Units::F32) && in_place_corpus(q.len() / cols.max(1))),
    };
    run_source(&src, q.is_none(), p, ctl)
}
