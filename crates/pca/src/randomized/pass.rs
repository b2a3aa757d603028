//! Passes over the rows of X for the randomized SVD: each reads X once, block by block
//! ([`block`]), in fixed chunks of [`CHUNK_ROWS`] rows that run in parallel; per-chunk f64
//! partial sums are added in chunk order, so the result does not depend on the thread count.

use embgeo_core::{Ctl, Element, MatRef, Par, Result};
use rayon::prelude::*;

use super::block::{self, Bufs, Op, BLOCK_ROWS};

/// Rows per chunk (the unit of parallelism and of cancellation checks): 32 blocks.
pub(crate) const CHUNK_ROWS: usize = 32 * BLOCK_ROWS;

/// The data of a fit: X (n × d), the mean to subtract, and `l`, the basis width.
#[derive(Clone, Copy)]
pub(crate) struct Data<'a, T: Element> {
    pub(crate) x: MatRef<'a, T>,
    pub(crate) mean: &'a [f64],
    pub(crate) l: usize,
}

/// Per-thread buffers of both precisions.
#[derive(Default)]
struct Scratch {
    f32: Bufs<f32>,
    f64: Bufs<f64>,
}

impl<T: Element> Data<'_, T> {
    /// Run `op` over rows `range` (within one chunk): centre each block in f32 when X is f32
    /// and the block's centred values suit f32 (else in f64), apply the op. Returns the sum of
    /// squares of the centred values.
    fn chunk(
        &self,
        op: Op<'_>,
        range: std::ops::Range<usize>,
        acc: &mut [f64],
        y: &mut [f64],
    ) -> Result<f64> {
        let (d, l) = (self.x.cols(), self.l);
        let mut s = Scratch::default();
        let mut sumsq = 0.0;
        for r0 in range.clone().step_by(BLOCK_ROWS) {
            let r1 = (r0 + BLOCK_ROWS).min(range.end);
            let rows = r1 - r0;
            let xb = self.x.row_block(r0, r1);
            let op = match op {
                Op::Reduce(q, _) => Op::Reduce(q, r0),
                other => other,
            };
            let off = ((r0 - range.start) * l).min(y.len());
            let yb = &mut y[off..];
            let fast = if T::DTYPE == "f32" {
                s.f32.centred.resize(rows * d, 0.0);
                let (safe, ss) = block::centre(&mut s.f32.centred, xb, self.mean);
                if safe {
                    block::apply(op, &mut s.f32, (rows, d, l), acc, yb)?;
                }
                safe.then_some(ss)
            } else {
                None
            };
            let ss = if let Some(ss) = fast {
                ss
            } else {
                s.f64.centred.resize(rows * d, 0.0);
                let (_, ss) = block::centre(&mut s.f64.centred, xb, self.mean);
                block::apply(op, &mut s.f64, (rows, d, l), acc, yb)?;
                ss
            };
            sumsq += ss;
        }
        Ok(sumsq)
    }

    /// `Σ_blocks op` as an `l × d` f64 matrix (row-major), and the sum of squares of A.
    ///
    /// # Cost
    /// One read of X; extra memory one `l × d` f64 partial per chunk (`n / CHUNK_ROWS` of them)
    /// plus per worker the block buffers (`BLOCK_ROWS·d` + `l·(d + BLOCK_ROWS)` values).
    /// # Errors
    /// `Cancelled`, or a kernel error (see [`block::Num::gemm`]).
    pub(crate) fn accumulate(&self, op: Op<'_>, ctl: &Ctl<'_>) -> Result<(Vec<f64>, f64)> {
        let (n, d, l) = (self.x.rows(), self.x.cols(), self.l);
        let run = |c: usize| -> Result<(Vec<f64>, f64)> {
            ctl.checkpoint()?;
            let mut acc = vec![0.0f64; l * d];
            let range = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(n);
            let ss = self.chunk(op, range, &mut acc, &mut [])?;
            Ok((acc, ss))
        };
        let chunks = n.div_ceil(CHUNK_ROWS);
        let parts: Vec<(Vec<f64>, f64)> = match ctl.par {
            Par::Seq => (0..chunks).map(run).collect::<Result<_>>()?,
            Par::Rayon => (0..chunks).into_par_iter().map(run).collect::<Result<_>>()?,
        };
        let mut total = vec![0.0f64; l * d];
        let mut sumsq = 0.0;
        for (acc, ss) in &parts {
            total.iter_mut().zip(acc).for_each(|(t, v)| *t += v);
            sumsq += ss;
        }
        Ok((total, sumsq))
    }

    /// `Y = A·V` (n × l, row-major f64) for the basis `Vᵀ` (`l × d`).
    ///
    /// # Cost
    /// One read of X, 2·n·d·l flops; extra memory Y plus the block buffers per worker.
    /// # Errors
    /// As [`Data::accumulate`].
    pub(crate) fn project(&self, basis: &block::Both, ctl: &Ctl<'_>) -> Result<Vec<f64>> {
        let (n, l) = (self.x.rows(), self.l);
        let mut y = vec![0.0f64; n * l];
        let run = |(c, ys): (usize, &mut [f64])| -> Result<()> {
            ctl.checkpoint()?;
            let range = c * CHUNK_ROWS..((c + 1) * CHUNK_ROWS).min(n);
            self.chunk(Op::Project(basis), range, &mut [], ys).map(|_| ())
        };
        match ctl.par {
            Par::Seq => y.chunks_mut(CHUNK_ROWS * l).enumerate().try_for_each(run)?,
            Par::Rayon => y.par_chunks_mut(CHUNK_ROWS * l).enumerate().try_for_each(run)?,
        }
        Ok(y)
    }
}
