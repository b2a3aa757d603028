//! [`AnisotropyPart`]: the mergeable state of [`crate::anisotropy::compute`] for the rows of
//! one shard, and its versioned, checksummed binary form.
//!
//! Which quantities [`crate::anisotropy::Anisotropy`] needs, and why each merges exactly: the
//! row count n and the zero-row count (integers); `Σxᵢ` (the mean vector), `Σ‖xᵢ‖` (the mean
//! row norm), `Σuᵢ` over the unit rows (`Σ_{i≠j} uᵢ·uⱼ = ‖Σuᵢ‖² − m`, the mean cosine) and the
//! `d × d` Gram `UᵀU` (`Σ_{i≠j} (uᵢ·uⱼ)² = ‖UᵀU‖_F² − m`, the cosine spread): all sums over
//! rows, so the state of a union of disjoint shards is the sum of their states. The `m × m`
//! cosines of `UUᵀ` (the route `compute` takes when m ≤ d) involve pairs across shards and do
//! not merge, so a part always carries the Gram (d(d+1)/2 values, however few its rows).

use embgeo_core::frame::{self, Writer};
use embgeo_core::scale::with_scaled;
use embgeo_core::{Ctl, Element, Error, MatRef, Result};

use crate::anisotropy::{assemble, gram_lanes, pair_squares_of, Anisotropy, Params, Totals};
use crate::parts::{merge_all, Mergeable};

/// Magic bytes of a serialised [`AnisotropyPart`].
const MAGIC: [u8; 8] = *b"EMBGANIP";
/// Its format version.
const VERSION: u32 = 1;

/// The sums behind the anisotropy of some rows (see the module docs), in f64.
///
/// # Memory
/// `8·(2d + d(d+1)/2 + 1)` bytes plus the struct; the binary form ([`AnisotropyPart::to_bytes`])
/// is [`AnisotropyPart::byte_size`] = `48 + 20·d + 4·d²` bytes (d = 768: 2.4 MB).
#[derive(Debug, Clone, PartialEq)]
pub struct AnisotropyPart {
    /// Rows reduced, n.
    pub rows: usize,
    /// Rows that are exactly zero.
    pub zero_rows: usize,
    /// `Σ xᵢ` (data units), d values.
    pub sum: Vec<f64>,
    /// `Σ uᵢ` over the non-zero rows (`uᵢ = xᵢ / ‖xᵢ‖`), d values.
    pub unit_sum: Vec<f64>,
    /// `Σ ‖xᵢ‖` (data units).
    pub norm_sum: f64,
    /// Lower triangle of `UᵀU`, packed row by row (`(i, j)`, j ≤ i, at `i(i+1)/2 + j`):
    /// d(d+1)/2 values.
    pub gram: Vec<f64>,
}

/// The anisotropy state of the rows of `x` (a shard).
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, n ≥ 1. Returns an [`AnisotropyPart`] (f64).
/// # Cost
/// Time O(n·d) for the sums plus `m·d²/2` multiply-adds for the Gram (m non-zero rows), always
/// through the Gram (see the module docs). Extra memory: as the Gram route of
/// [`crate::anisotropy::compute`] (`min(lanes, blocks)·d²` f64 plus one `block_rows × d` f64
/// buffer per worker), plus the `4·d²`-byte packed part. Memory rule: d ≤ 16,384, checked
/// before allocating.
/// # Determinism
/// Bit-identical for every `ctl.par` and pool size (fixed blocks and lanes, merged in order).
/// # Magnitudes
/// As [`crate::anisotropy::compute`]; `sum` and `norm_sum` are scaled back to data units (an
/// `OutOfRange` error if they leave f64).
/// # Errors
/// `Empty` if n = 0 or d = 0; `NonFinite`; `OutOfRange` (d over the memory rule, magnitudes);
/// `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// The module docs; merged parts equal [`crate::anisotropy::compute`] (tests below).
pub fn part<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<AnisotropyPart> {
    x.require_rows("X", 1, "anisotropyPart")?;
    with_scaled(x, |x, s| {
        let t = crate::anisotropy::totals(x, params, ctl)?;
        let d = x.cols();
        let (_, g) = gram_lanes(x, params, ctl)?;
        let mut gram = Vec::with_capacity(d * (d + 1) / 2);
        for i in 0..d {
            for j in 0..=i {
                gram.push(g[(i, j)]);
            }
        }
        let mut sum = t.sum;
        for v in &mut sum {
            *v = s.unscale(*v, 1, "row sum")?;
        }
        Ok(AnisotropyPart {
            rows: t.rows,
            zero_rows: t.zero_rows,
            sum,
            unit_sum: t.unit_sum,
            norm_sum: s.unscale(t.norm_sum, 1, "row norm sum")?,
            gram,
        })
    })
}

impl AnisotropyPart {
    /// A part from its fields (as a host passes them back), checked: `sum` and `unit_sum` of
    /// one length d ≥ 1, `gram` of d(d+1)/2, rows ≥ 1, `zero_rows ≤ rows`, finite values, a
    /// non-negative norm sum and Gram diagonal. O(d²).
    ///
    /// # Errors
    /// `Shape` if the lengths disagree; `OutOfRange` (name `part`) for values no rows could
    /// have produced.
    pub fn new(
        rows: usize,
        zero_rows: usize,
        sum: Vec<f64>,
        unit_sum: Vec<f64>,
        norm_sum: f64,
        gram: Vec<f64>,
    ) -> Result<Self> {
        let d = sum.len();
        let fix = "pass the arrays of one anisotropy part";
        Error::require_equal("part.unitSum", d, unit_sum.len(), fix)?;
        Error::require_equal("part.gram (d(d+1)/2 values)", d * (d + 1) / 2, gram.len(), fix)?;
        let valid = d > 0
            && rows > 0
            && zero_rows <= rows
            && norm_sum.is_finite()
            && norm_sum >= 0.0
            && sum.iter().chain(&unit_sum).chain(&gram).all(|v| v.is_finite())
            && (0..d).all(|i| gram[i * (i + 1) / 2 + i] >= 0.0);
        if !valid {
            return Err(Error::OutOfRange {
                name: "part",
                expected: "an anisotropy part as anisotropyPart returned it".into(),
                actual: format!(
                    "{rows} rows ({zero_rows} zero) over {d} columns with values no rows could have produced"
                ),
            });
        }
        Ok(Self {
            rows,
            zero_rows,
            sum,
            unit_sum,
            norm_sum,
            gram,
        })
    }

    /// Add the part of other rows to this one (every field is a sum).
    ///
    /// # Cost
    /// O(d²) time, no extra memory.
    /// # Determinism
    /// Deterministic; merging in another order changes the last bits only.
    /// # Errors
    /// `Shape` if the column counts differ; on error `self` is unchanged.
    pub fn merge(&mut self, other: &AnisotropyPart) -> Result<()> {
        Error::require_equal(
            "columns of the merged anisotropy parts",
            self.sum.len(),
            other.sum.len(),
            "merge parts of the same features",
        )?;
        self.rows += other.rows;
        self.zero_rows += other.zero_rows;
        self.norm_sum += other.norm_sum;
        for (a, b) in self
            .sum
            .iter_mut()
            .zip(&other.sum)
            .chain(self.unit_sum.iter_mut().zip(&other.unit_sum))
            .chain(self.gram.iter_mut().zip(&other.gram))
        {
            *a += b;
        }
        Ok(())
    }

    /// The anisotropy of the rows of this part.
    ///
    /// # Cost
    /// O(d²).
    /// # Precision
    /// Equal to [`crate::anisotropy::compute`] on all rows up to rounding, not bit for bit
    /// (other summation order; and `compute` takes the `UUᵀ` route when m ≤ d): tested to
    /// 1e-13 relative for the ratio, norms and mean cosine, 1e-10 for the cosine spread (whose
    /// `E[c²] − E[c]²` form amplifies rounding, as in `compute`).
    /// # Errors
    /// `Empty` if fewer than 2 rows; `Degenerate` if fewer than 2 are non-zero; `OutOfRange` if
    /// a measure leaves f64 (data beyond about 1e150).
    pub fn finish(&self) -> Result<Anisotropy> {
        if self.rows < 2 {
            return Err(Error::Empty {
                what: "the merged parts",
                actual: self.rows,
                needed: 2,
                unit: "rows",
                method: "anisotropy",
            });
        }
        let t = Totals {
            rows: self.rows,
            zero_rows: self.zero_rows,
            sum: self.sum.clone(),
            unit_sum: self.unit_sum.clone(),
            norm_sum: self.norm_sum,
        };
        let d = self.sum.len();
        let a = assemble(&t, |m| {
            Ok(pair_squares_of(d, m, |i, j| self.gram[i * (i + 1) / 2 + j]))
        })?;
        if !(a.mean_norm.is_finite() && a.mean_norm_ratio.is_finite()) {
            return Err(Error::OutOfRange {
                name: "parts",
                expected: "sums whose squares fit in f64 (values within about 1e150)".into(),
                actual: "a mean vector norm that overflows".into(),
            });
        }
        Ok(a)
    }

    /// Bytes of the binary form of a part over `d` columns: `48 + 20·d + 4·d²`.
    #[must_use]
    pub fn byte_size(d: usize) -> usize {
        frame::PREFIX + 32 + 8 * (2 * d + d * (d + 1) / 2) + frame::TRAILER
    }

    /// The binary form, version 1, little-endian, in the [`embgeo_core::frame`] envelope:
    /// `"EMBGANIP"`, u32 version = 1, u64 d, u64 rows, u64 zero rows, f64 `norm_sum`, d f64
    /// `sum`, d f64 `unit_sum`, d(d+1)/2 f64 `gram`, then the CRC-32.
    /// [`AnisotropyPart::byte_size`] bytes; deterministic, bit-exact.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let d = self.sum.len();
        let mut w = Writer::new(
            MAGIC,
            VERSION,
            Self::byte_size(d) - frame::PREFIX - frame::TRAILER,
        );
        w.size(d)
            .size(self.rows)
            .size(self.zero_rows)
            .f64s(&[self.norm_sum])
            .f64s(&self.sum)
            .f64s(&self.unit_sum)
            .f64s(&self.gram);
        w.finish()
    }

    /// Load what [`AnisotropyPart::to_bytes`] wrote. O(d²).
    ///
    /// # Errors
    /// `BadModel` for anything else: wrong magic, another version, a checksum mismatch
    /// (corrupted or truncated), a length that disagrees with the header, or content that is
    /// not a valid part (see [`AnisotropyPart::new`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut r = frame::open(bytes, MAGIC, VERSION, "anisotropy part")?;
        let d = r.size()?;
        let rows = r.size()?;
        let zero_rows = r.size()?;
        let norm_sum = r.f64s(1)?[0];
        let sum = r.f64s(d)?;
        let unit_sum = r.f64s(d)?;
        let packed = d
            .checked_add(1)
            .and_then(|e| e.checked_mul(d))
            .ok_or_else(|| r.bad("a column count that overflows"))?
            / 2;
        let gram = r.f64s(packed)?;
        r.finish()?;
        Self::new(rows, zero_rows, sum, unit_sum, norm_sum, gram).map_err(|e| r.bad(&e.to_string()))
    }
}

/// Merge `parts` in order and finish them: the anisotropy of all their rows (equal to
/// [`crate::anisotropy::compute`] up to rounding, see [`AnisotropyPart::finish`]). O(d²·parts).
///
/// # Errors
/// `Empty` if `parts` is empty or holds fewer than 2 rows; `Shape` if the column counts differ;
/// those of [`AnisotropyPart::finish`].
pub fn merge_parts(parts: &[AnisotropyPart]) -> Result<Anisotropy> {
    merge_all(parts, "mergeAnisotropy")?.finish()
}

impl Mergeable for AnisotropyPart {
    fn merge(&mut self, other: &Self) -> Result<()> {
        AnisotropyPart::merge(self, other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::anisotropy::compute;
    use crate::testing::anisotropic_rows as data;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
    }

    #[test]
    fn merged_parts_equal_compute_on_all_rows_on_both_routes() {
        let ctl = Ctl::detached();
        let p = Params {
            block_rows: 16,
            ..Params::default()
        };
        // (150, 6): compute takes the Gram route; (40, 64): the UUᵀ tiles.
        for (n, d) in [(150, 6), (40, 64)] {
            let x = data(n, d);
            let whole = compute(MatRef::new(&x, n, d).unwrap(), &p, &ctl).unwrap();
            let cuts = [0, 1, n / 3, n / 3 + 1, n];
            let parts: Vec<AnisotropyPart> = cuts
                .windows(2)
                .map(|c| {
                    let m = MatRef::new(&x[c[0] * d..c[1] * d], c[1] - c[0], d).unwrap();
                    AnisotropyPart::from_bytes(&part(m, &p, &ctl).unwrap().to_bytes()).unwrap()
                })
                .collect();
            let got = merge_parts(&parts).unwrap();
            assert_eq!((got.rows, got.zero_rows), (whole.rows, whole.zero_rows));
            for (what, a, b, tol) in [
                ("ratio", got.mean_norm_ratio, whole.mean_norm_ratio, 1e-13),
                ("mean norm", got.mean_norm, whole.mean_norm, 1e-13),
                ("mean row norm", got.mean_row_norm, whole.mean_row_norm, 1e-13),
                ("mean cosine", got.average_cosine, whole.average_cosine, 1e-13),
                ("cosine std", got.cosine_std, whole.cosine_std, 1e-10),
            ] {
                assert!(rel(a, b) <= tol, "{n}x{d} {what}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn bytes_have_the_documented_size_and_reject_corruption() {
        let x = data(20, 3);
        let pt = part(
            MatRef::new(&x, 20, 3).unwrap(),
            &Params::default(),
            &Ctl::detached(),
        )
        .unwrap();
        let b = pt.to_bytes();
        assert_eq!(b.len(), AnisotropyPart::byte_size(3));
        assert_eq!(b.len(), 48 + 20 * 3 + 4 * 9);
        assert_eq!(AnisotropyPart::from_bytes(&b).unwrap(), pt);
        assert_eq!(pt.to_bytes(), b, "deterministic");
        for i in [0, 9, 12, 30, 60, b.len() - 1] {
            let mut c = b.clone();
            c[i] ^= 0x01;
            assert_eq!(
                AnisotropyPart::from_bytes(&c).unwrap_err().code(),
                "ERR_BAD_MODEL",
                "byte {i}"
            );
        }
        assert_eq!(
            AnisotropyPart::from_bytes(&b[..40]).unwrap_err().code(),
            "ERR_BAD_MODEL"
        );
        let mut narrow = pt.clone();
        narrow.sum.pop();
        assert_eq!(narrow.merge(&pt).unwrap_err().code(), "ERR_SHAPE");
        let one = part(
            MatRef::new(&x[3..6], 1, 3).unwrap(),
            &Params::default(),
            &Ctl::detached(),
        )
        .unwrap();
        assert_eq!(one.finish().unwrap_err().code(), "ERR_EMPTY");
        // rows 0 and 7 of data() are zero: two rows, one non-zero
        let two = part(
            MatRef::new(&x[..6], 2, 3).unwrap(),
            &Params::default(),
            &Ctl::detached(),
        )
        .unwrap();
        assert_eq!(two.finish().unwrap_err().code(), "ERR_DEGENERATE");
    }
}
