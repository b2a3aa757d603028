//! Empiric mutual proximity (Schnitzer, Flexer, Schedl & Widmer, "Local and global scaling
//! reduce hubs in space", JMLR 2012), over the query's neighbourhood as scikit-hubness 0.21.2
//! `MutualProximity(method='empiric')` evaluates it:
//!
//! `MP(x, y) = 1 − |{m ∈ N(x) : d(x, m) > d(x, y) ∧ d(y, m) > d(x, y)}| / |N(x)|`
//!
//! with `N(x)` the query's `neighbors` nearest corpus points. scikit-hubness replaces `d(y, m)`
//! for an `m` outside y's own list by `r_y + 1e-6` (`r_y` y's `neighbors`-th distance); we use the
//! true distance (computed exactly, only when the lists cannot decide it): for `m ∉ N(y)`,
//! `d(y, m) ≥ r_y`, so `d(y, m) > d(x, y)` holds whenever `d(x, y) < r_y`.
//!
//! Exact ranking over the whole corpus: a corpus point outside `N(x)` is at least as far as every
//! `m ∈ N(x)`, so its count is 0 and `MP = 1`. The answer is therefore the points of `N(x)` with
//! `MP < 1` by `(MP, index)`, then the lowest-indexed remaining points at `MP = 1` (ties to the
//! lower index), none of which needs a distance.

use embgeo_core::{Element, MatRef, Neighbors};
use embgeo_knn::{metric::exact_key, Metric};

/// The reported distance of an exact key (`√` for euclidean).
pub(crate) fn report(metric: Metric, key: f64) -> f64 {
    if metric == Metric::Euclidean {
        key.sqrt()
    } else {
        key
    }
}

/// The exact top `k` of one query under empiric MP.
///
/// `ni`/`di`: the query's `nb` nearest corpus points and distances (ascending); `lists`: the
/// corpus's own `nb`-nearest lists (self excluded); `own`: the query's own corpus row in the
/// all-points setting (excluded from the answer). Returns `(MP, index)` pairs, best first.
///
/// Cost O(nb²) list look-ups plus at most nb² exact distances of `corpus.cols()`.
pub(crate) fn rerank<T: Element>(
    corpus: MatRef<'_, T>,
    metric: Metric,
    lists: &Neighbors,
    ni: &[u32],
    di: &[f64],
    own: Option<u32>,
    k: usize,
) -> Vec<(f64, u32)> {
    let nb = ni.len();
    let mut scored: Vec<(f64, u32)> = Vec::with_capacity(nb);
    for (&j, &dxy) in ni.iter().zip(di) {
        let ju = j as usize;
        let nj = &lists.indices[ju * lists.k..(ju + 1) * lists.k];
        let dj = &lists.distances[ju * lists.k..(ju + 1) * lists.k];
        let rj = dj[dj.len() - 1];
        let mut count = 0usize;
        for (&m, &dxm) in ni.iter().zip(di) {
            if dxm <= dxy {
                continue;
            }
            let dym = match nj.iter().position(|&v| v == m) {
                Some(p) => dj[p],
                None if dxy < rj => f64::INFINITY, // d(y, m) ≥ r_y > d(x, y)
                None => report(metric, exact_key(metric, corpus.row(ju), corpus.row(m as usize))),
            };
            if dym > dxy {
                count += 1;
            }
        }
        let mp = 1.0 - count as f64 / nb as f64;
        if mp < 1.0 {
            scored.push((mp, j));
        }
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    scored.truncate(k);
    if scored.len() < k {
        // MP = 1 for every other point: the lowest indices not already taken (nor the query).
        let mut taken: Vec<u32> = scored.iter().map(|p| p.1).chain(own).collect();
        taken.sort_unstable();
        let mut next = 0u32;
        let mut t = 0usize;
        while scored.len() < k && (next as usize) < corpus.rows() {
            while t < taken.len() && taken[t] < next {
                t += 1;
            }
            if t < taken.len() && taken[t] == next {
                next += 1;
                continue;
            }
            scored.push((1.0, next));
            next += 1;
        }
    }
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_mp_one_fill_by_lowest_index() {
        // Four points on a line; query list of the last point with nb = 1: its nearest (2).
        let x = [0.0f64, 10.0, 11.0, 11.5];
        let c = MatRef::from_flat(&x, 1).unwrap();
        let lists = Neighbors {
            k: 1,
            rows: 4,
            indices: vec![1, 2, 3, 2],
            distances: vec![10.0, 1.0, 0.5, 0.5],
        };
        // nb = 1: no m can be farther than y itself, so every MP is 1: indices 0, 1, 2 (3 is the query).
        let r = rerank(c, Metric::Euclidean, &lists, &[2], &[0.5], Some(3), 3);
        assert_eq!(r, vec![(1.0, 0), (1.0, 1), (1.0, 2)]);
    }
}
