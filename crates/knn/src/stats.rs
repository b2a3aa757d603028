//! Per-row quantities computed once per call (or once per [`crate::Index`]): norms for the
//! error bounds, `‖y‖²` offsets for the euclidean key, and the normalised copy for cosine.

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Error, Result};

use crate::metric::{dot, Metric};
use crate::real::Real;

/// Row statistics of one matrix in working precision `R`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stats<R> {
    /// `‖row‖²` in f64 (left-to-right sum, as [`crate::metric::dot`]).
    pub sq: Vec<f64>,
    /// `‖row‖` in f64.
    pub norm: Vec<f64>,
    /// `‖row‖²` rounded to `R` (euclidean key offset); empty for other metrics.
    pub off: Vec<R>,
    /// Rows scaled to unit norm (cosine only).
    pub unit: Vec<R>,
    /// Largest `‖row‖`.
    pub max_norm: f64,
    /// Cosine only: the first non-zero row whose `‖row‖²` is below the normal f64 range
    /// (values below ~1e-154; its unit row is left zero). Only an index keeps such rows, for a
    /// search that rescales (`embgeo_core::scale`); [`Stats::compute`] rejects them.
    pub tiny: Option<usize>,
    /// Some `‖row‖²` is NaN or ±∞: a value of the rows is not finite, or (f64 only) a row's
    /// squared norm overflows. For f32 rows (squares summed in f64, which no finite f32 values
    /// can overflow) this is exactly "some value is not finite".
    pub nonfinite: bool,
}

impl<R: Real> Stats<R> {
    /// Append the statistics of `rows` (row-major, `dim` columns); `first_row` numbers them in
    /// error messages.
    pub(crate) fn extend(
        &mut self,
        metric: Metric,
        rows: &[R],
        dim: usize,
        what: &str,
        first_row: usize,
    ) -> Result<()> {
        let n = rows.len() / dim;
        self.sq.reserve(n);
        self.norm.reserve(n);
        for (i, r) in rows.chunks_exact(dim).enumerate() {
            let s = dot(r, r);
            let nr = s.sqrt();
            self.nonfinite |= !s.is_finite();
            self.sq.push(s);
            self.norm.push(nr);
            self.max_norm = self.max_norm.max(nr);
            match metric {
                Metric::Euclidean | Metric::SqEuclidean => self.off.push(R::from_f64(s)),
                Metric::Cosine => {
                    if s < f64::MIN_POSITIVE && r.iter().any(|v| v.to_f64() != 0.0) {
                        self.tiny.get_or_insert(first_row + i);
                        self.unit.extend(r.iter().map(|_| R::default()));
                        continue;
                    }
                    if s == 0.0 {
                        return Err(Error::Degenerate(format!(
                            "row {} of {what} is a zero vector; cosine distance is undefined for it \
                             (remove the row or use metric 'euclidean' or 'dot')",
                            first_row + i
                        )));
                    }
                    self.unit.extend(r.iter().map(|v| R::from_f64(v.to_f64() / nr)));
                }
                Metric::Dot => {}
            }
        }
        Ok(())
    }

    /// Statistics of all `rows`, computed in parallel chunks of `CHUNK` rows under
    /// `ctl.par` and concatenated in order (per-row values do not depend on the chunking).
    pub(crate) fn compute(metric: Metric, rows: &[R], dim: usize, what: &str, ctl: &Ctl<'_>) -> Result<Self> {
        Self::compute_by(rows.len() / dim, what, ctl, |r, s| {
            s.extend(metric, &rows[r.start * dim..r.end * dim], dim, what, r.start)
        })
    }

    /// Statistics of `n` rows, `fill(range, stats)` appending those of each chunk of rows (in
    /// parallel chunks of `CHUNK` rows, concatenated in order).
    pub(crate) fn compute_by(
        n: usize,
        what: &str,
        ctl: &Ctl<'_>,
        fill: impl Fn(std::ops::Range<usize>, &mut Self) -> Result<()> + Sync,
    ) -> Result<Self> {
        const CHUNK: usize = 16_384;
        if n <= CHUNK {
            let mut s = Self::default();
            fill(0..n, &mut s)?;
            s.usable(what)?;
            return Ok(s);
        }
        let parts = map_chunks(ctl, "norms", n, CHUNK, |r| {
            let mut s = Self::default();
            fill(r, &mut s)?;
            Ok(s)
        })?;
        let mut s = Self::default();
        s.sq.reserve(n);
        s.norm.reserve(n);
        for p in parts {
            s.sq.extend_from_slice(&p.sq);
            s.norm.extend_from_slice(&p.norm);
            s.off.extend_from_slice(&p.off);
            s.unit.extend_from_slice(&p.unit);
            s.max_norm = s.max_norm.max(p.max_norm);
            s.tiny = s.tiny.or(p.tiny);
            s.nonfinite |= p.nonfinite;
        }
        s.usable(what)?;
        Ok(s)
    }

    /// `Degenerate` if a row's norm underflowed under cosine ([`Stats::tiny`]).
    pub(crate) fn usable(&self, what: &str) -> Result<()> {
        match self.tiny {
            None => Ok(()),
            Some(row) => Err(Error::Degenerate(format!(
                "row {row} of {what} has a norm below 1e-154 while other rows are far larger; \
                 cosine distance cannot be computed for it in f64 (normalise or rescale the rows first)"
            ))),
        }
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        (self.sq.len() + self.norm.len()) * 8 + (self.off.len() + self.unit.len()) * std::mem::size_of::<R>()
    }
}
