//! Per-column (per-feature) mean, variance, minimum and maximum, accumulated in f64.
//!
//! Rows are split into fixed blocks of [`Params::block_rows`]; each block is reduced with a
//! two-pass (mean, then squared deviations) sum, and blocks are merged in index order with
//! Chan et al.'s pairwise update, so the result is bit-identical for every thread count and
//! free of the cancellation of the one-pass `Σx² − n·mean²` formula. The same state, for the
//! rows of one shard, is a [`ColumnStatsPart`] ([`part`]): parts merge exactly and travel as
//! versioned, checksummed bytes.

use embgeo_core::scale::with_scaled;
use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Result};

use crate::parts::{merge_all, Mergeable};

/// Parameters of [`compute`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Delta degrees of freedom: variance = M2 / (n − ddof). numpy's default is 0.
    pub ddof: u32,
    /// Rows per block (the unit of parallel work, cancellation and progress).
    pub block_rows: usize,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            ddof: 0,
            block_rows: 2048,
        }
    }
}

/// Column statistics of an `n × d` matrix; every vector has length `d`.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStats {
    /// Number of rows reduced.
    pub rows: usize,
    /// Column means.
    pub mean: Vec<f64>,
    /// Column variances, `M2 / (n − ddof)`.
    pub variance: Vec<f64>,
    /// Column minima.
    pub min: Vec<f64>,
    /// Column maxima.
    pub max: Vec<f64>,
}

/// The mergeable state of [`compute`] over some rows: count, per-column mean, sum of squared
/// deviations `M2`, min and max (f64, in data units). Parts of disjoint row sets merge exactly
/// in exact arithmetic ([`ColumnStatsPart::merge`], Chan et al.'s pairwise update, the one
/// [`compute`] applies to its blocks) and [`ColumnStatsPart::finish`] turns a part into the
/// statistics.
///
/// # Memory
/// `32·d` bytes; the binary form ([`ColumnStatsPart::to_bytes`]) is
/// [`ColumnStatsPart::byte_size`] = `32 + 32·d` bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStatsPart {
    /// Rows reduced.
    pub rows: usize,
    /// Column means.
    pub mean: Vec<f64>,
    /// Column sums of squared deviations from the mean.
    pub m2: Vec<f64>,
    /// Column minima.
    pub min: Vec<f64>,
    /// Column maxima.
    pub max: Vec<f64>,
}

/// Magic bytes of a serialised [`ColumnStatsPart`].
const MAGIC: [u8; 8] = *b"EMBGCSTP";
/// Its format version.
const VERSION: u32 = 1;

fn reduce_block<T: Element>(x: MatRef<'_, T>) -> ColumnStatsPart {
    let d = x.cols();
    let n = x.rows() as f64;
    let mut mean = vec![0.0; d];
    let mut min = vec![f64::INFINITY; d];
    let mut max = vec![f64::NEG_INFINITY; d];
    for i in 0..x.rows() {
        for (j, v) in x.row(i).iter().enumerate() {
            let v = v.to_f64();
            mean[j] += v;
            min[j] = min[j].min(v);
            max[j] = max[j].max(v);
        }
    }
    for m in &mut mean {
        *m /= n;
    }
    let mut m2 = vec![0.0; d];
    for i in 0..x.rows() {
        for (j, v) in x.row(i).iter().enumerate() {
            let dv = v.to_f64() - mean[j];
            m2[j] += dv * dv;
        }
    }
    ColumnStatsPart {
        rows: x.rows(),
        mean,
        m2,
        min,
        max,
    }
}

impl ColumnStatsPart {
    /// A part from its fields (as a host passes them back), checked: four vectors of one length
    /// d ≥ 1, rows ≥ 1, finite values, `M2 ≥ 0`, `min ≤ max`. O(d).
    ///
    /// # Errors
    /// `Shape` if the lengths differ; `OutOfRange` (name `part`) for values no rows could
    /// have produced.
    pub fn new(rows: usize, mean: Vec<f64>, m2: Vec<f64>, min: Vec<f64>, max: Vec<f64>) -> Result<Self> {
        let d = mean.len();
        for (what, v) in [("part.m2", &m2), ("part.min", &min), ("part.max", &max)] {
            Error::require_equal(what, d, v.len(), "pass the arrays of one column-statistics part")?;
        }
        let valid = d > 0
            && rows > 0
            && mean
                .iter()
                .chain(&m2)
                .chain(&min)
                .chain(&max)
                .all(|v| v.is_finite())
            && m2.iter().all(|v| *v >= 0.0)
            && min.iter().zip(&max).all(|(a, b)| a <= b);
        if !valid {
            return Err(Error::OutOfRange {
                name: "part",
                expected: "a column-statistics part as columnStatsPart returned it (rows >= 1, finite values, m2 >= 0, min <= max)".into(),
                actual: format!("{rows} rows over {d} columns with values no rows could have produced"),
            });
        }
        Ok(Self {
            rows,
            mean,
            m2,
            min,
            max,
        })
    }

    /// Chan et al. (1979) pairwise merge of `b` into `self` (both with rows).
    fn chan(&mut self, b: &ColumnStatsPart) {
        let (na, nb) = (self.rows as f64, b.rows as f64);
        let n = na + nb;
        for j in 0..self.mean.len() {
            let delta = b.mean[j] - self.mean[j];
            self.mean[j] += delta * (nb / n);
            self.m2[j] += b.m2[j] + delta * delta * (na * nb / n);
            self.min[j] = self.min[j].min(b.min[j]);
            self.max[j] = self.max[j].max(b.max[j]);
        }
        self.rows += b.rows;
    }

    /// Merge the part of other rows into this one (Chan et al.'s pairwise update).
    ///
    /// # Cost
    /// O(d) time, no extra memory.
    /// # Determinism
    /// Deterministic. Merging, in row order, parts that are each one block of [`compute`]
    /// (shards of `params.block_rows` rows, the last one shorter) repeats [`compute`]'s own
    /// arithmetic: the result is then bit-identical to [`compute`] on all rows. Any other cut
    /// merges in another order, and floating-point Chan merges are not associative: equal up to
    /// rounding (tested: 1e-15 relative for the mean, 1e-12 for the variance; rows, min and max
    /// always exact).
    /// # Errors
    /// `Shape` if the column counts differ; `OutOfRange` if the merged sums overflow f64
    /// (data beyond about 1e150); on error `self` is unchanged.
    pub fn merge(&mut self, other: &ColumnStatsPart) -> Result<()> {
        Error::require_equal(
            "columns of the merged column-statistics parts",
            self.mean.len(),
            other.mean.len(),
            "merge parts of the same features",
        )?;
        let mut out = self.clone();
        out.chan(other);
        if out.m2.iter().chain(&out.mean).any(|v| !v.is_finite()) {
            return Err(Error::OutOfRange {
                name: "parts",
                expected: "column statistics whose merged sums fit in f64 (values within about 1e150)".into(),
                actual: "a merged sum of squares that overflows".into(),
            });
        }
        *self = out;
        Ok(())
    }

    /// The statistics of the rows of this part, variance `M2 / (rows − ddof)`.
    ///
    /// # Errors
    /// `Empty` if `rows ≤ ddof`.
    pub fn finish(&self, ddof: u32) -> Result<ColumnStats> {
        let needed = ddof as usize + 1;
        if self.rows < needed {
            return Err(Error::Empty {
                what: "the merged parts",
                actual: self.rows,
                needed,
                unit: "rows",
                method: "columnStats",
            });
        }
        let denom = self.rows as f64 - f64::from(ddof);
        Ok(ColumnStats {
            rows: self.rows,
            mean: self.mean.clone(),
            variance: self.m2.iter().map(|m2| m2 / denom).collect(),
            min: self.min.clone(),
            max: self.max.clone(),
        })
    }

    /// Bytes of the binary form of a part over `d` columns: `32 + 32·d`.
    #[must_use]
    pub fn byte_size(d: usize) -> usize {
        embgeo_core::frame::PREFIX + 16 + 32 * d + embgeo_core::frame::TRAILER
    }

    /// The binary form, version 1, little-endian, in the [`embgeo_core::frame`] envelope:
    /// `"EMBGCSTP"`, u32 version = 1, u64 d, u64 rows, then d f64 each of mean, M2, min, max,
    /// then the CRC-32. [`ColumnStatsPart::byte_size`] bytes; deterministic, bit-exact.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let d = self.mean.len();
        let mut w = embgeo_core::frame::Writer::new(MAGIC, VERSION, 16 + 32 * d);
        w.size(d)
            .size(self.rows)
            .f64s(&self.mean)
            .f64s(&self.m2)
            .f64s(&self.min)
            .f64s(&self.max);
        w.finish()
    }

    /// Load what [`ColumnStatsPart::to_bytes`] wrote. O(d).
    ///
    /// # Errors
    /// `BadModel` for anything else: wrong magic, another version, a checksum mismatch
    /// (corrupted or truncated), a length that disagrees with the header, or content that is
    /// not a valid part (see [`ColumnStatsPart::new`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = embgeo_core::frame::open(bytes, MAGIC, VERSION, "column-statistics part")?;
        let d = r.size()?;
        let rows = r.size()?;
        let (mean, m2, min, max) = (r.f64s(d)?, r.f64s(d)?, r.f64s(d)?, r.f64s(d)?);
        r.finish()?;
        Self::new(rows, mean, m2, min, max).map_err(|e| r.bad(&e.to_string()))
    }
}

/// Merge `parts` in order and finish them: the statistics of all their rows (see
/// [`ColumnStatsPart::merge`] for when this is bit-identical to [`compute`]). O(d·parts).
///
/// # Errors
/// `Empty` if `parts` is empty or the rows are not more than `ddof`; `Shape` if the column
/// counts differ; `OutOfRange` on overflow.
pub fn merge_parts(parts: &[ColumnStatsPart], ddof: u32) -> Result<ColumnStats> {
    merge_all(parts, "mergeColumnStats")?.finish(ddof)
}

impl Mergeable for ColumnStatsPart {
    fn merge(&mut self, other: &Self) -> Result<()> {
        ColumnStatsPart::merge(self, other)
    }
}

/// The mergeable state of [`compute`] for the rows of `x` (a shard).
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, n ≥ 1. Returns a [`ColumnStatsPart`] (f64, data units).
/// # Cost
/// As [`compute`]: O(n·d) time, `40·d·⌈n / block_rows⌉` bytes extra plus the `32·d`-byte part.
/// # Determinism
/// Bit-identical for every `ctl.par` and thread count.
/// # Magnitudes
/// As [`compute`]; the part holds unscaled values (an `OutOfRange` error if they leave f64).
/// # Errors
/// `Empty` if n = 0 or d = 0; `NonFinite`; `OutOfRange` (magnitudes); `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// Chan, Golub and LeVeque (1979); merged parts equal [`compute`] (tests in this module).
pub fn part<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<ColumnStatsPart> {
    x.require_rows("X", 1, "columnStatsPart")?;
    with_scaled(x, |x, s| {
        let mut p = part_unscaled(x, params, ctl)?;
        for v in p.mean.iter_mut().chain(&mut p.min).chain(&mut p.max) {
            *v = s.unscale(*v, 1, "column mean")?;
        }
        s.unscale_all(&mut p.m2, 2, "column variance (sum of squares)")?;
        Ok(p)
    })
}

/// Per-column mean, variance (`ddof` as numpy), min and max of `x`.
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, n ≥ 1 (n > ddof). Returns four length-d `f64` vectors.
/// # Cost
/// Time O(n·d), two passes over each block. Extra memory: 5·d f64 per block of
/// `params.block_rows` rows, i.e. `40·d·⌈n / block_rows⌉` bytes plus the output.
/// # Determinism
/// Bit-identical for every `ctl.par` and thread count (fixed blocks, merged in order).
/// # Magnitudes
/// f64 data with `max |x|` outside `[2^-400, 2^400]` are reduced on a power-of-two-scaled copy
/// (`embgeo_core::scale`) and the results scaled back exactly: finite whenever representable.
/// # Errors
/// `Empty` if n ≤ ddof or d = 0; `NonFinite` for NaN/±inf; `Cancelled` when `ctl` fires.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// numpy `mean(axis=0)`, `var(axis=0, ddof=ddof)`, `min`, `max` (tested against a plain
/// f64 two-pass reference here and in `__test__/column-stats.spec.ts`).
pub fn compute<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<ColumnStats> {
    x.require_rows("X", params.ddof as usize + 1, "columnStats")?;
    part(x, params, ctl)?.finish(params.ddof)
}

/// [`part`] on data in the safe magnitude range.
fn part_unscaled<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<ColumnStatsPart> {
    x.require_cols("X", "columnStats")?;
    x.check_finite("X")?;
    let blocks = map_chunks(ctl, "columnStats", x.rows(), params.block_rows, |r| {
        Ok(reduce_block(x.row_block(r.start, r.end)))
    })?;
    let mut iter = blocks.into_iter();
    let mut acc = iter
        .next()
        .ok_or_else(|| Error::Internal("no block reduced".into()))?;
    for b in iter {
        acc.chan(&b);
    }
    Ok(acc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::assert_same_for_threads;

    fn naive(x: &[f64], rows: usize, cols: usize, ddof: u32) -> (Vec<f64>, Vec<f64>) {
        let mut mean = vec![0.0; cols];
        for i in 0..rows {
            for j in 0..cols {
                mean[j] += x[i * cols + j];
            }
        }
        for m in &mut mean {
            *m /= rows as f64;
        }
        let mut var = vec![0.0; cols];
        for i in 0..rows {
            for j in 0..cols {
                var[j] += (x[i * cols + j] - mean[j]).powi(2);
            }
        }
        for v in &mut var {
            *v /= rows as f64 - f64::from(ddof);
        }
        (mean, var)
    }

    fn data(rows: usize, cols: usize) -> Vec<f64> {
        // A deterministic, irregular sequence (no RNG needed): offsets make the mean large
        // relative to the spread, which is where one-pass formulas lose digits.
        (0..rows * cols)
            .map(|i| 1.0e4 + ((i * 7919) % 1009) as f64 / 97.0)
            .collect()
    }

    /// `compute` on `x` read as rows of `cols`, with `ddof` and `block_rows`.
    fn stats<T: Element>(
        x: &[T],
        cols: usize,
        ddof: u32,
        block_rows: usize,
        ctl: &Ctl<'_>,
    ) -> Result<ColumnStats> {
        compute(
            MatRef::from_flat(x, cols).unwrap(),
            &Params { ddof, block_rows },
            ctl,
        )
    }

    #[test]
    fn matches_the_naive_two_pass_reference_across_blocks() {
        let (rows, cols) = (1000, 7);
        let x = data(rows, cols);
        let s = stats(&x, cols, 1, 64, &Ctl::detached()).unwrap();
        let (mean, var) = naive(&x, rows, cols, 1);
        for j in 0..cols {
            assert!((s.mean[j] - mean[j]).abs() <= 1e-12 * mean[j].abs(), "mean {j}");
            assert!(
                (s.variance[j] - var[j]).abs() <= 1e-9 * var[j],
                "var {j}: {} vs {}",
                s.variance[j],
                var[j]
            );
        }
    }

    #[test]
    fn bit_identical_sequential_and_parallel() {
        let x = data(5000, 5);
        assert_same_for_threads("columnStats", &[2], |ctl| stats(&x, 5, 0, 100, ctl).unwrap());
    }

    #[test]
    fn rejects_too_few_rows_and_non_finite() {
        let block = Params::default().block_rows;
        let e = stats(&[1.0f32, 2.0], 2, 1, block, &Ctl::detached()).unwrap_err();
        assert_eq!(e.code(), "ERR_EMPTY");
        let e = stats(&[1.0f32, f32::INFINITY, 0.0, 0.0], 2, 0, block, &Ctl::detached()).unwrap_err();
        assert_eq!(e.code(), "ERR_NON_FINITE");
    }

    #[test]
    fn min_and_max_are_exact() {
        let x = [3.0f32, -1.0, -2.5, 4.0, 0.5, 9.0];
        let m = MatRef::new(&x, 3, 2).unwrap();
        let s = compute(m, &Params::default(), &Ctl::detached()).unwrap();
        assert_eq!(s.min, vec![-2.5, -1.0]);
        assert_eq!(s.max, vec![3.0, 9.0]);
    }
    #[test]
    fn one_block_parts_merge_bit_identically_and_other_cuts_to_rounding() {
        let (rows, cols) = (1000, 7);
        let x = data(rows, cols);
        let p = Params {
            ddof: 1,
            block_rows: 64,
        };
        let ctl = Ctl::detached();
        let whole = compute(MatRef::new(&x, rows, cols).unwrap(), &p, &ctl).unwrap();
        let shard = |a: usize, b: usize| {
            part(
                MatRef::new(&x[a * cols..b * cols], b - a, cols).unwrap(),
                &p,
                &ctl,
            )
            .unwrap()
        };
        // one block per part: compute's own merges, in the same order
        let mut acc = shard(0, 64);
        for a in (64..rows).step_by(64) {
            // travel as bytes
            let b = (a + 64).min(rows);
            acc.merge(&ColumnStatsPart::from_bytes(&shard(a, b).to_bytes()).unwrap())
                .unwrap();
        }
        assert_eq!(acc.finish(1).unwrap(), whole);
        // arbitrary boundaries: equal to rounding (min and max exactly)
        let mut acc = shard(0, 1);
        for (a, b) in [(1, 333), (333, 334), (334, 1000)] {
            acc.merge(&shard(a, b)).unwrap();
        }
        let got = acc.finish(1).unwrap();
        assert_eq!(
            (got.min.clone(), got.max.clone()),
            (whole.min.clone(), whole.max.clone())
        );
        for j in 0..cols {
            assert!(
                (got.mean[j] - whole.mean[j]).abs() <= 1e-15 * whole.mean[j].abs(),
                "mean {j}"
            );
            assert!(
                (got.variance[j] - whole.variance[j]).abs() <= 1e-12 * whole.variance[j],
                "var {j}"
            );
        }
    }

    #[test]
    fn part_bytes_have_the_documented_size_and_reject_corruption() {
        let x = data(10, 3);
        let pt = part(
            MatRef::new(&x, 10, 3).unwrap(),
            &Params::default(),
            &Ctl::detached(),
        )
        .unwrap();
        let b = pt.to_bytes();
        assert_eq!(b.len(), ColumnStatsPart::byte_size(3));
        assert_eq!(b.len(), 32 + 32 * 3);
        assert_eq!(ColumnStatsPart::from_bytes(&b).unwrap(), pt);
        for i in [0, 8, 12, 20, 40, b.len() - 1] {
            let mut c = b.clone();
            c[i] ^= 0x10;
            assert_eq!(
                ColumnStatsPart::from_bytes(&c).unwrap_err().code(),
                "ERR_BAD_MODEL",
                "byte {i}"
            );
        }
        assert_eq!(
            ColumnStatsPart::from_bytes(&b[..b.len() - 8]).unwrap_err().code(),
            "ERR_BAD_MODEL"
        );
        let mut other = pt.clone();
        other.mean.pop();
        assert_eq!(other.clone().merge(&pt).unwrap_err().code(), "ERR_SHAPE");
        let e = part(
            MatRef::new(&x[..0], 0, 3).unwrap(),
            &Params::default(),
            &Ctl::detached(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "ERR_EMPTY");
        assert_eq!(pt.finish(10).unwrap_err().code(), "ERR_EMPTY");
    }
}
