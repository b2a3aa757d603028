//! The counting scan of the exact rank pass ([`super::ranks`]): one key tile against two
//! thresholds per row, counting the pairs certainly below the lower one and handing over the
//! pairs between the two.

use crate::real::{dispatched, Level, Real};

/// Rows per step of the scan (16 f32 lanes of one AVX-512 register; two for f64).
const LANES: usize = 16;

/// Scan a column-major key tile (`tile[j·m + i]` = fast key of row `i` and column `j`, plus
/// `off[j]` when given, added in `R` as the kNN scan does) against the thresholds `(lo, hi)`:
/// for every entry `v`, add 1 to `below[i]` when `v < lo[i]`, call `amb(i, j, v)` when
/// `lo[i] ≤ v < hi[i]`, and skip it when `v ≥ hi[i]`.
///
/// # Cost
/// O(m·n) comparisons, vectorised over 16 rows of one column; `amb` only for the entries
/// between the thresholds. No memory.
// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[allow(clippy::needless_bitwise_bool)] // branch-free, so the 16 lanes vectorise
#[inline(always)]
fn count_body<R: Real, F: FnMut(usize, usize, R)>(
    tile: &[R],
    m: usize,
    off: Option<&[R]>,
    (lo, hi): (&[R], &[R]),
    below: &mut [u32],
    amb: &mut F,
) {
    let n = tile.len() / m.max(1);
    let full = m / LANES * LANES;
    let (lo, hi, below) = (&lo[..m], &hi[..m], &mut below[..m]);
    for j in 0..n {
        let col = &tile[j * m..(j + 1) * m];
        let o = off.map_or(R::default(), |o| o[j]);
        let mut i = 0;
        while i < full {
            let c = &col[i..i + LANES];
            let (l, h) = (&lo[i..i + LANES], &hi[i..i + LANES]);
            let b = &mut below[i..i + LANES];
            let mut any = false;
            for x in 0..LANES {
                let v = c[x] + o;
                b[x] += u32::from(v < l[x]);
                any |= (v >= l[x]) & (v < h[x]);
            }
            if any {
                for x in 0..LANES {
                    let v = c[x] + o;
                    if v >= l[x] && v < h[x] {
                        amb(i + x, j, v);
                    }
                }
            }
            i += LANES;
        }
        for i in full..m {
            let v = col[i] + o;
            if v < lo[i] {
                below[i] += 1;
            } else if v < hi[i] {
                amb(i, j, v);
            }
        }
    }
}

dispatched!(
    /// Runtime-dispatched [`count_body`].
    #[inline]
    pub(super) fn count[R: Real, F: FnMut(usize, usize, R)](
        tile: &[R], m: usize, off: Option<&[R]>, thresholds: (&[R], &[R]), below: &mut [u32], amb: &mut F
    ) = count_body
);

/// Scan one row of fast keys (`row[j]`, plus `off[j]` when given, added in `R`) against the
/// row's thresholds `(lo, hi)`: add 1 to `below` per entry `v < lo`, call `amb(j, v)` when
/// `lo ≤ v < hi`, skip `v ≥ hi`. The transposed side of a symmetric tile, where one row's keys
/// are contiguous.
///
/// # Cost
/// O(n) comparisons, vectorised over 16 entries; `amb` only for the entries between the
/// thresholds. No memory.
// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[allow(clippy::needless_bitwise_bool)] // branch-free, so the 16 lanes vectorise
#[inline(always)]
fn count_row_body<R: Real, F: FnMut(usize, R)>(
    row: &[R],
    off: Option<&[R]>,
    (lo, hi): (R, R),
    below: &mut u32,
    amb: &mut F,
) {
    let n = row.len();
    let full = n / LANES * LANES;
    let zeros = [R::default(); LANES];
    let mut lanes = [0u32; LANES];
    let mut j = 0;
    while j < full {
        let c = &row[j..j + LANES];
        let o = off.map_or(&zeros[..], |o| &o[j..j + LANES]);
        let mut any = false;
        for x in 0..LANES {
            let v = c[x] + o[x];
            lanes[x] += u32::from(v < lo);
            any |= (v >= lo) & (v < hi);
        }
        if any {
            for x in 0..LANES {
                let v = c[x] + o[x];
                if v >= lo && v < hi {
                    amb(j + x, v);
                }
            }
        }
        j += LANES;
    }
    let mut sum: u32 = lanes.iter().sum();
    for j in full..n {
        let v = row[j] + off.map_or(R::default(), |o| o[j]);
        if v < lo {
            sum += 1;
        } else if v < hi {
            amb(j, v);
        }
    }
    *below += sum;
}

dispatched!(
    /// Runtime-dispatched [`count_row_body`].
    #[inline]
    pub(super) fn count_row[R: Real, F: FnMut(usize, R)](
        row: &[R], off: Option<&[R]>, thresholds: (R, R), below: &mut u32, amb: &mut F
    ) = count_row_body
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::real::level;

    #[test]
    fn counts_below_hands_over_between_and_skips_above_on_every_row() {
        // 19 rows (a full step of 16 and a tail of 3), 5 columns; thresholds per row
        let (m, n) = (19usize, 5usize);
        let tile: Vec<f32> = (0..m * n).map(|t| (t % 7) as f32 - 3.0).collect();
        let off: Vec<f32> = (0..n).map(|j| j as f32 * 0.5).collect();
        let lo: Vec<f32> = (0..m).map(|i| (i % 3) as f32 - 1.0).collect();
        let hi: Vec<f32> = lo.iter().map(|&l| l + 1.5).collect();
        let mut below = vec![0u32; m];
        let mut got = Vec::new();
        count(
            level(),
            &tile[..],
            m,
            Some(&off[..]),
            (&lo[..], &hi[..]),
            &mut below,
            &mut |i, j, v| {
                got.push((i, j, v));
            },
        );
        let mut want_below = vec![0u32; m];
        let mut want = Vec::new();
        for j in 0..n {
            for i in 0..m {
                let v = tile[j * m + i] + off[j];
                if v < lo[i] {
                    want_below[i] += 1;
                } else if v < hi[i] {
                    want.push((i, j, v));
                }
            }
        }
        got.sort_by_key(|e| (e.1, e.0));
        want.sort_by_key(|e| (e.1, e.0));
        assert_eq!(below, want_below);
        assert_eq!(got, want);
    }

    #[test]
    fn count_row_counts_below_hands_over_between_and_skips_above() {
        // 37 entries (two full steps of 16 and a tail of 5), with and without offsets
        let n = 37usize;
        let row: Vec<f32> = (0..n).map(|t| (t % 9) as f32 - 4.0).collect();
        let off: Vec<f32> = (0..n).map(|j| (j % 4) as f32 * 0.25).collect();
        let (lo, hi) = (-1.5f32, 2.0f32);
        for o in [None, Some(&off[..])] {
            let mut below = 3u32;
            let mut got = Vec::new();
            count_row(level(), &row[..], o, (lo, hi), &mut below, &mut |j, v| {
                got.push((j, v));
            });
            let mut want_below = 3u32;
            let mut want = Vec::new();
            for j in 0..n {
                let v = row[j] + o.map_or(0.0, |o| o[j]);
                if v < lo {
                    want_below += 1;
                } else if v < hi {
                    want.push((j, v));
                }
            }
            got.sort_by_key(|e| e.0);
            assert_eq!(below, want_below);
            assert_eq!(got, want);
        }
    }
}
