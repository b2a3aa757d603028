//! The threshold scan of a key tile over the keys its tile marked (`embgeo_kernels::KeyMarks`):
//! where the tile compared its keys in registers, the scan reads only the marks and the keys
//! they point to, not the whole tile.

use crate::real::Real;

/// Queries per mark.
const LANES: usize = embgeo_kernels::MARK_LANES;

/// Marks per zero test: 32 marks, one 64-byte line.
const RUN: usize = 32;

/// [`crate::scan::scan`] over the marked keys: the column-major key tile `tile` (`tile[j·m +
/// i]`, plus `off[j]` when given) against the per-query thresholds `thr`, calling `hit(i, j)`
/// for every marked key still `< thr[i]` (the comparison made again, as the full scan makes
/// it); `hit` returns query `i`'s new threshold. `marks[j·⌈m/16⌉ + g]` bit `l` marks query
/// `16g + l`.
///
/// Given marks made with thresholds no lower than `thr` (every key below its threshold
/// marked), the hits and their order are the full scan's: columns in increasing `j`, queries in
/// increasing `i` within a column. `O(n·⌈m/16⌉)` mark reads (32 at a time while they are all
/// zero) and one comparison per marked key.
pub(crate) fn scan_marked<R: Real, F: FnMut(usize, usize) -> R>(
    tile: &[R],
    m: usize,
    off: Option<&[R]>,
    thr: &mut [R],
    marks: &[u16],
    hit: &mut F,
) {
    let groups = m.div_ceil(LANES);
    let n = tile.len().checked_div(m).unwrap_or(0);
    let marks = &marks[..n * groups];
    for (r, run) in marks.chunks(RUN).enumerate() {
        if run.iter().fold(0u16, |a, &b| a | b) == 0 {
            continue;
        }
        for (k, &mark) in run.iter().enumerate() {
            let at = r * RUN + k;
            let (j, g) = (at / groups, at % groups);
            let o = off.map_or(R::default(), |o| o[j]);
            let mut bits = mark;
            while bits != 0 {
                let i = g * LANES + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if tile[j * m + i] + o < thr[i] {
                    thr[i] = hit(i, j);
                }
            }
        }
    }
}

/// [`crate::scan::scan_pair`] of one row of a symmetric tile over its marks: side I (the row
/// as a corpus column of block I's rows: `row[i] + off_j < thr_i[i]`, marks `marks.0`) and
/// side J (the row as a query against block I's rows: `row[i] + off_i[i] < thr_j`, marks
/// `marks.1`), `⌈m/16⌉` marks each. `hit(true, i)` returns row `i`'s new `thr_i[i]`,
/// `hit(false, i)` the new `thr_j`; the last `thr_j` is returned. Per group, side I's marked
/// lanes in increasing order, then side J's: each side meets exactly the hits, in the same
/// order, of its own full scan (the sides' thresholds are separate), given marks made with
/// thresholds no lower than these.
pub(crate) fn scan_pair_marked<R: Real, F: FnMut(bool, usize) -> R>(
    row: &[R],
    (off_i, off_j): (Option<&[R]>, R),
    thr_i: &mut [R],
    mut thr_j: R,
    marks: (&[u16], &[u16]),
    hit: &mut F,
) -> R {
    let groups = row.len().div_ceil(LANES);
    for (g, (&mi, &mj)) in marks.0[..groups].iter().zip(&marks.1[..groups]).enumerate() {
        let mut bits = mi;
        while bits != 0 {
            let i = g * LANES + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if row[i] + off_j < thr_i[i] {
                thr_i[i] = hit(true, i);
            }
        }
        let mut bits = mj;
        while bits != 0 {
            let i = g * LANES + bits.trailing_zeros() as usize;
            bits &= bits - 1;
            if row[i] + off_i.map_or(R::default(), |o| o[i]) < thr_j {
                thr_j = hit(false, i);
            }
        }
    }
    thr_j
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equality is what these tests check
mod tests {
    use super::*;
    use crate::real::level;

    /// Marks made with thresholds above the scan's (or exactly the keys below them, or every
    /// key) give the full scan's hits in its order and its final thresholds, with thresholds
    /// lowered by the hits, NaN keys and offsets, and query counts around the 16-lane groups.
    #[test]
    fn marked_scan_meets_the_full_scans_hits() {
        for m in [1usize, 5, 16, 17, 40, 100] {
            let n = 53;
            let key = |at: usize| match (at * 37) % 29 {
                0 => f32::NAN,
                v => v as f32 * 0.5 - 4.0,
            };
            let tile: Vec<f32> = (0..m * n).map(key).collect();
            let off: Vec<f32> = (0..n)
                .map(|j| if j == 7 { f32::NAN } else { (j % 4) as f32 * 0.25 })
                .collect();
            for o in [None, Some(&off[..])] {
                // each hit lowers the query's threshold a little
                let run = |thr: &mut Vec<f32>, marks: Option<&[u16]>| {
                    let mut hits = Vec::new();
                    let mut lowered = thr.clone();
                    let mut hit = |i: usize, j: usize| {
                        hits.push((i, j));
                        lowered[i] -= 0.125;
                        lowered[i]
                    };
                    match marks {
                        Some(mk) => scan_marked(&tile, m, o, thr, mk, &mut hit),
                        None => crate::scan::scan(level(), &tile, m, o, thr, &mut hit),
                    }
                    hits
                };
                let start: Vec<f32> = (0..m).map(|i| (i % 7) as f32 - 1.0).collect();
                let mut want_thr = start.clone();
                let want = run(&mut want_thr, None);
                assert!(want.len() > m, "m {m}: the thresholds pass some keys");
                let groups = m.div_ceil(LANES);
                let mark_with = |t: &dyn Fn(usize) -> f32| -> Vec<u16> {
                    let mut mk = vec![0u16; n * groups];
                    for j in 0..n {
                        for i in 0..m {
                            if tile[j * m + i] + o.map_or(0.0, |o| o[j]) < t(i) {
                                mk[j * groups + i / LANES] |= 1 << (i % LANES);
                            }
                        }
                    }
                    mk
                };
                let exact = mark_with(&|i| start[i]);
                let higher = mark_with(&|i| start[i] + 2.0);
                let all = vec![u16::MAX >> (16 - m.min(16)); n * groups];
                for (what, mk) in [("exact", &exact), ("higher", &higher), ("every key", &all)] {
                    if what == "every key" && m % LANES != 0 && m > LANES {
                        continue; // a full-width mark past m would name queries that do not exist
                    }
                    let mut thr = start.clone();
                    let got = run(&mut thr, Some(mk));
                    assert_eq!(got, want, "m {m}, marks {what}, off {}", o.is_some());
                    assert_eq!(
                        thr.iter().map(|t| t.to_bits()).collect::<Vec<_>>(),
                        want_thr.iter().map(|t| t.to_bits()).collect::<Vec<_>>()
                    );
                }
            }
        }
    }
}
