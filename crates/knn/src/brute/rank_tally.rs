//! The rank tally of one block of rows ([`super::ranks`]): the rows' targets sorted by exact key
//! with their fast-precision floors and thresholds, the counts the scans of key tiles add to,
//! and the ranks those counts give. Both rank passes (row blocks against column tiles, and the
//! symmetric pass over pairs of row blocks) count through it.

use std::ops::Range;

use embgeo_core::Neighbors;

use super::bounds::{fast_floor, fast_threshold, key_base, Bounds};
use super::rank_scan::{count, count_row};
use super::source::Rows;
use crate::real::{Level, Real};

/// The targets of the rows of one block in `(exact key, index)` order, with their thresholds.
struct Targets<R> {
    k: usize,
    /// Per row, k × `(exact key, index, position in the row's targets)`.
    sorted: Vec<(f64, u32, u32)>,
    /// Per row, k floors `L_c`, non-decreasing.
    lo: Vec<R>,
    /// Per row, k thresholds `H_c ≥ L_c`, non-decreasing.
    hi: Vec<R>,
}

impl<R: Real> Targets<R> {
    /// The targets of rows `ids` (their exact keys: `ids.len()·k` evaluations).
    fn new(rows: &Rows<'_, R>, targets: &Neighbors, ids: &[u32], bounds: &Bounds) -> Self {
        let k = targets.k;
        let (mut sorted, mut lo, mut hi) = (Vec::new(), Vec::new(), Vec::new());
        for i in ids.iter().map(|&i| i as usize) {
            let start = sorted.len();
            for (c, &j) in targets.indices_of(i).iter().enumerate() {
                sorted.push((rows.exact(i, j as usize), j, c as u32));
            }
            let row = &mut sorted[start..];
            row.sort_unstable_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            let base = key_base(rows.metric, rows.cs.sq[i]);
            let margin = bounds.margin(rows.cs.norm[i], rows.cs.max_norm);
            lo.extend(row.iter().map(|t| fast_floor::<R>(t.0, base, margin)));
            hi.extend(row.iter().map(|t| fast_threshold::<R>(t.0, base, margin)));
            // monotone by construction (lowering a floor or raising a threshold keeps it a
            // proof), so binary searches apply
            let (l, h) = (&mut lo[start..], &mut hi[start..]);
            for c in (1..k).rev() {
                if l[c] < l[c - 1] {
                    l[c - 1] = l[c];
                }
            }
            for c in 1..k {
                if h[c] < h[c - 1] {
                    h[c] = h[c - 1];
                }
            }
        }
        Self { k, sorted, lo, hi }
    }

    /// The first of row `li`'s targets (in key order) that row `t`, fast key `v`, precedes
    /// (`k`: none); `exact()` gives its exact key when the thresholds leave it open, counted
    /// in `evals`.
    #[allow(clippy::float_cmp)] // equal exact keys are ties, broken by index: equality is meant
    fn first_preceded(
        &self,
        li: usize,
        t: usize,
        v: R,
        exact: impl FnOnce() -> f64,
        evals: &mut u64,
    ) -> usize {
        let r = li * self.k..(li + 1) * self.k;
        // targets t certainly follows, then those it certainly precedes
        let a = self.hi[r.clone()].partition_point(|&h| v >= h);
        let b = self.lo[r.clone()].partition_point(|&l| v >= l);
        if a == b {
            return a;
        }
        *evals += 1;
        let kt = exact();
        let open = &self.sorted[r][a..b];
        a + open.partition_point(|&(kj, j, _)| !(kt < kj || (kt == kj && t < j as usize)))
    }
}

/// The targets and counts of the rows of one block (`ids`, any rows): scans add the rows that
/// precede each target, [`Tally::write`] turns them into ranks.
pub(super) struct Tally<R> {
    /// The row of each position of the block.
    ids: Vec<u32>,
    tg: Targets<R>,
    /// Per row, the scan floor: the first target's `L` (a row below precedes every target).
    lo: Vec<R>,
    /// Per row, the scan threshold: the last target's `H` (a row at or above precedes none).
    hi: Vec<R>,
    /// Per row, the rows below its scan floor.
    below: Vec<u32>,
    /// Per row, k + 1 counts: the rows that first precede target c (c = k: none).
    first: Vec<u32>,
    /// Exact keys evaluated: the targets' own and the undecided pairs'.
    pub evals: u64,
}

impl<R: Real> Tally<R> {
    /// The tally of rows `q` with zero counts (`q.len()·k` exact keys for the targets).
    ///
    /// Memory: `q.len()·(k·(24 + 2R) + 12 + 2R)` bytes.
    pub fn new(rows: &Rows<'_, R>, targets: &Neighbors, q: Range<usize>, bounds: &Bounds) -> Self {
        Self::of_rows(rows, targets, q.map(|i| i as u32).collect(), bounds)
    }

    /// The tally of rows `ids` (any rows of `rows`, in any order; position `li` is row
    /// `ids[li]`) with zero counts; as [`Tally::new`].
    pub fn of_rows(rows: &Rows<'_, R>, targets: &Neighbors, ids: Vec<u32>, bounds: &Bounds) -> Self {
        let (k, m) = (targets.k, ids.len());
        let tg = Targets::new(rows, targets, &ids, bounds);
        let lo = (0..m).map(|li| tg.lo[li * k]).collect();
        let hi = (0..m).map(|li| tg.hi[li * k + k - 1]).collect();
        Self {
            ids,
            tg,
            lo,
            hi,
            below: vec![0; m],
            first: vec![0; m * (k + 1)],
            evals: (m * k) as u64,
        }
    }

    /// The row of each position of the block.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// Bytes of a tally per row for `k` targets and element size `r` (see [`Tally::new`]).
    pub const fn bytes_per_row(k: usize, r: usize) -> usize {
        k * (24 + 2 * r) + 12 + 2 * r
    }

    /// Count a column-major key tile whose rows are all rows of this block (in position order)
    /// and whose columns are rows `c0..` (`t[jl·m + li]`, plus `off[jl]` when given).
    pub fn scan_cols(&mut self, lv: Level, rows: &Rows<'_, R>, t: &[R], c0: usize, off: Option<&[R]>) {
        let (k1, m) = (self.tg.k + 1, self.lo.len());
        let (ids, tg, first, evals) = (&self.ids, &self.tg, &mut self.first, &mut self.evals);
        let thresholds = (&self.lo[..], &self.hi[..]);
        count(lv, t, m, off, thresholds, &mut self.below, &mut |li, jl, v| {
            let (i, tj) = (ids[li] as usize, c0 + jl);
            let c = tg.first_preceded(li, tj, v, || rows.exact(i, tj), evals);
            first[li * k1 + c] += 1;
        });
    }

    /// Count row `li` of this block against rows `c0..`, its fast keys `row[jl]` (plus
    /// `off[jl]` when given): the transposed side of a symmetric tile.
    pub fn scan_row(
        &mut self,
        lv: Level,
        rows: &Rows<'_, R>,
        (li, row): (usize, &[R]),
        c0: usize,
        off: Option<&[R]>,
    ) {
        let (i, k1) = (self.ids[li] as usize, self.tg.k + 1);
        let (tg, evals) = (&self.tg, &mut self.evals);
        let f = &mut self.first[li * k1..(li + 1) * k1];
        let thresholds = (self.lo[li], self.hi[li]);
        count_row(lv, row, off, thresholds, &mut self.below[li], &mut |jl, v| {
            let tj = c0 + jl;
            f[tg.first_preceded(li, tj, v, || rows.exact(i, tj), evals)] += 1;
        });
    }

    /// The ranks of the block's targets, in the order they were given, into `out`
    /// (`m·k`): target c of a row has rank 1 + the rows that precede it.
    pub fn write(&self, out: &mut [u32]) {
        let k = self.tg.k;
        for li in 0..self.lo.len() {
            let f = &self.first[li * (k + 1)..(li + 1) * (k + 1)];
            let mut preceding = self.below[li];
            for (c, &(_, _, pos)) in self.tg.sorted[li * k..(li + 1) * k].iter().enumerate() {
                preceding += f[c];
                out[li * k + pos as usize] = 1 + preceding;
            }
        }
    }
}
