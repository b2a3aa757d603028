//! The test oracle of the screened ranks: the previous scalar rank pass (every row's exact f64
//! keys to all rows, O(N²·d)), kept as it was except that it returns the sum of each row.

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Element, Neighbors, Result};

use crate::common::{chunk_rows, Keyed};

/// Per row `i`, Σ over its neighbours `j` (from `nb`) of the rank of `j` from `i` in `other`.
pub(super) fn row_sums<T: Element>(
    nb: &Neighbors,
    other: &Keyed<'_, T>,
    d: usize,
    ctl: &Ctl<'_>,
) -> Result<Vec<u64>> {
    let n = nb.rows;
    let parts = map_chunks(ctl, "ranks", n, chunk_rows(n * (d + 1)), |rows| {
        let mut keys = vec![0.0f64; n];
        let mut targets: Vec<(f64, usize)> = Vec::with_capacity(nb.k);
        let mut diff = vec![0u64; nb.k + 1];
        let mut sums = Vec::with_capacity(rows.len());
        for i in rows {
            other.row_keys(i, &mut keys);
            sums.push(row_rank_sum(i, nb.indices_of(i), &keys, &mut targets, &mut diff));
        }
        Ok(sums)
    })?;
    Ok(parts.concat())
}

/// Σ of the ranks of `targets_of_i` among the keys of row `i` (itself excluded): the rank of `j`
/// is 1 + #{t ≠ i : (key t, t) < (key j, j)}. One pass over the row: each `t` adds 1 to every
/// target it precedes (a difference array over the sorted targets), O(N·log k).
#[allow(clippy::float_cmp)] // equal keys are ties, broken by index: exact equality is meant
fn row_rank_sum(
    i: usize,
    targets_of_i: &[u32],
    keys: &[f64],
    targets: &mut Vec<(f64, usize)>,
    diff: &mut [u64],
) -> u64 {
    targets.clear();
    targets.extend(targets_of_i.iter().map(|&j| (keys[j as usize], j as usize)));
    targets.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    diff.fill(0);
    let before = |kt: f64, t: usize, (kj, j): (f64, usize)| kt < kj || (kt == kj && t < j);
    for (t, &kt) in keys.iter().enumerate() {
        if t == i {
            continue;
        }
        // first target that (kt, t) precedes; it precedes all later ones too
        let q = targets.partition_point(|&tj| !before(kt, t, tj));
        diff[q] += 1;
    }
    let mut preceding = 0u64;
    let mut sum = 0u64;
    for &c in diff.iter().take(targets.len()) {
        preceding += c;
        sum += 1 + preceding;
    }
    sum
}
