//! Exact top-k selection of one query row (ties to the lower index), with exact keys computed
//! lazily.
//!
//! The engine's fast pass offers a pair by its fast key `f` (a tile value plus offset, in the
//! tile's precision `R`). The row's [`RowBounds`] bound the exact f64 key of every pair:
//! `|base + f − exact| ≤ margin` (`crate::brute::bounds`). A state keeps `t`, an upper bound of
//! the row's k-th smallest exact key, and `thr = fast_threshold(t)`: a pair with `f ≥ thr` has
//! an exact key `> t`, so k pairs are certainly better and it can never be in the answer (not
//! even tied).
//!
//! Offered pairs are kept as `(f, index)` — 8 bytes in f32, so a row's buffer stays small and
//! an offer is one store. When the buffer fills, `t` is lowered to `prebound(k-th smallest f)`
//! (the k pairs with the smallest fast keys all have exact keys at most that) and the pairs with
//! `f ≥ thr` are dropped. Exact keys are computed (through the caller's `exact` function, in
//! batches of up to [`EXACT_BATCH`] pairs) only when a state cannot shrink on bounds alone —
//! many overlapping intervals: duplicates, near-ties — and for the pairs still kept at the end,
//! which are then ranked by `(exact key, index)`. The answer is therefore exact, ties go to the
//! lower index, and the arrival order of pairs does not matter (the symmetric all-points pass
//! offers them block by block); only the number of exact computations depends on it.
//!
//! The threshold is lowered in batches, when the buffer (capacity `max(2k, k + 32)`) fills, as
//! in faiss's reservoir result handler; a state never holds more than `cap` pairs. (A binary
//! max-heap of the k smallest fast keys, updating the threshold after every offer, was slower
//! for every k measured: `examples/select_k`, all points of 20,000 × 384: 0.84 s against 0.78–0.80 s at k = 30,
//! 1.28–1.34 s against 1.08–1.13 s at k = 100, and no faster at k = 10.)

use std::cmp::Ordering;

use crate::brute::bounds::{fast_threshold, kth_smallest, prebound};
use crate::real::Real;

/// Most pairs one call of the caller's `exact(indices, keys)` function is given (its four-pair
/// kernels: `crate::metric::sq_euclidean4`).
pub(crate) const EXACT_BATCH: usize = 4;

/// `(key, index)` order: the tie rule.
#[inline]
pub(crate) fn by_key_then_index(a: &(f64, u32), b: &(f64, u32)) -> Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

fn capacity(k: usize) -> usize {
    (2 * k).max(k + 32)
}

/// The constants of one row's bounds: `|base + f − exact| ≤ margin` for the fast key `f` and
/// the exact key of every pair of the row (`crate::brute::bounds`: `key_base`, `Bounds::margin`).
/// `margin > 0` (the engine's always is: it has an underflow term), so that a fast key `≥
/// fast_threshold(t)` belongs to a pair with exact key strictly above `t`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowBounds {
    pub base: f64,
    pub margin: f64,
}

/// Bytes one state holds at most, for fast keys of `key_bytes` bytes (4 or 8): `cap` fast
/// pairs, `cap` exact pairs (only after a state had to compute exact keys before its end), the
/// state itself.
pub(crate) fn state_bytes(k: usize, key_bytes: usize) -> usize {
    let pair = (key_bytes + 4).next_multiple_of(key_bytes);
    capacity(k) * (pair + 16) + std::mem::size_of::<TopK<f64>>()
}

/// Candidate state of one query row, for fast keys of precision `R`.
pub(crate) struct TopK<R> {
    k: usize,
    cap: usize,
    /// Offered pairs known by their fast key: `(f, index)`.
    fast: Vec<(R, u32)>,
    /// Pairs whose exact key was computed: `(exact key, index)`.
    sure: Vec<(f64, u32)>,
    /// An upper bound of the k-th smallest exact key (`+∞` until k pairs were offered).
    t: f64,
    /// `fast_threshold(t)`: a pair with a fast key `≥ thr` can never enter the answer.
    thr: R,
    /// Exact keys computed so far.
    exact_count: u64,
}

impl<R: Real> TopK<R> {
    pub(crate) fn new(k: usize) -> Self {
        Self {
            k,
            cap: capacity(k),
            fast: Vec::new(),
            sure: Vec::new(),
            t: f64::INFINITY,
            thr: R::INF,
            exact_count: 0,
        }
    }

    /// The fast threshold: a pair whose fast key is `≥` it can never enter the answer (`+∞`
    /// until k pairs were offered or a bound announced).
    #[inline]
    pub(crate) fn fast_threshold(&self) -> R {
        self.thr
    }

    /// Has the state a finite threshold yet?
    #[inline]
    pub(crate) fn bounded(&self) -> bool {
        self.t.is_finite()
    }

    /// Lower the threshold to `t`, a bound the caller proved: at least k pairs with exact key
    /// `<= t` will still be offered (with `f < fast_threshold(t)`).
    pub(crate) fn bound(&mut self, t: f64, rb: RowBounds) {
        debug_assert!(rb.margin > 0.0, "a row's margin is positive");
        if t < self.t {
            self.t = t;
            self.thr = fast_threshold(t, rb.base, rb.margin);
        }
    }

    /// Offer pair `idx` with fast key `f` (any order, each index at most once); `exact(indices,
    /// keys)` computes the exact keys of up to [`EXACT_BATCH`] pairs when the state must.
    /// Returns the new fast threshold.
    #[inline]
    pub(crate) fn push(&mut self, f: R, idx: u32, rb: RowBounds, exact: impl FnMut(&[u32], &mut [f64])) -> R {
        if f.partial_cmp(&self.thr) != Some(Ordering::Less) {
            return self.thr; // worse than k offered (or announced, see `bound`) pairs
        }
        if self.fast.capacity() == 0 {
            self.fast.reserve_exact(self.cap);
        }
        if self.fast.len() + self.sure.len() == self.cap {
            self.compact(rb, exact);
            if f.partial_cmp(&self.thr) != Some(Ordering::Less) {
                return self.thr;
            }
        }
        self.fast.push((f, idx));
        self.thr
    }

    /// Lower `t` to the k-th smallest upper bound kept (fast pairs: `prebound(f)`; exact pairs:
    /// their key) and drop the pairs that can no longer enter the answer.
    fn shrink(&mut self, rb: RowBounds) {
        let k = self.k;
        if self.sure.is_empty() {
            if self.fast.len() >= k {
                let kth = crate::kth::kth_fast(&mut self.fast, k);
                self.bound(prebound(rb.base, kth, rb.margin), rb);
            }
        } else if self.fast.len() + self.sure.len() >= k {
            let mut ups: Vec<f64> = self
                .sure
                .iter()
                .map(|s| s.0)
                .chain(
                    self.fast
                        .iter()
                        .map(|c| prebound(rb.base, c.0.to_f64(), rb.margin)),
                )
                .collect();
            self.bound(kth_smallest(&mut ups, k), rb);
        }
        let (t, thr) = (self.t, self.thr);
        // branch-free retain: which pairs stay is data-dependent (a branch per pair
        // mispredicted about half the time, 6 % of all points at k = 100)
        let mut kept = 0;
        for r in 0..self.fast.len() {
            let c = self.fast[r];
            self.fast[kept] = c;
            kept += usize::from(c.0 < thr);
        }
        self.fast.truncate(kept);
        self.sure.retain(|s| s.0 <= t);
    }

    /// Make room: [`TopK::shrink`]; if that leaves less than half the room above k (many
    /// overlapping intervals), compute the exact keys and keep the k best by `(key, index)`.
    fn compact(&mut self, rb: RowBounds, mut exact: impl FnMut(&[u32], &mut [f64])) {
        self.shrink(rb);
        if self.fast.len() + self.sure.len() <= self.k + (self.cap - self.k) / 2 {
            return;
        }
        self.resolve(&mut exact);
        let k = self.k;
        if self.sure.len() > k {
            self.sure.select_nth_unstable_by(k - 1, by_key_then_index);
            self.sure.truncate(k);
        }
        if self.sure.len() == k {
            let kth = self.sure.iter().map(|s| s.0).fold(f64::NEG_INFINITY, f64::max);
            self.bound(kth, rb);
        }
    }

    /// Compute the exact key of every fast pair, [`EXACT_BATCH`] at a time, and move it to the
    /// exact pairs.
    fn resolve(&mut self, exact: &mut impl FnMut(&[u32], &mut [f64])) {
        if self.fast.is_empty() {
            return;
        }
        if self.sure.capacity() == 0 {
            self.sure.reserve_exact(self.cap);
        }
        let (mut idx, mut keys) = ([0u32; EXACT_BATCH], [0.0f64; EXACT_BATCH]);
        for chunk in self.fast.chunks(EXACT_BATCH) {
            let n = chunk.len();
            for (d, c) in idx.iter_mut().zip(chunk) {
                *d = c.1;
            }
            exact(&idx[..n], &mut keys[..n]);
            self.sure
                .extend(idx[..n].iter().zip(&keys[..n]).map(|(&i, &e)| (e, i)));
        }
        self.exact_count += self.fast.len() as u64;
        self.fast.clear();
    }

    /// The final (up to) k `(exact key, index)` pairs, best first, and the number of exact keys
    /// this state computed; resets the state.
    pub(crate) fn finish(
        &mut self,
        rb: RowBounds,
        mut exact: impl FnMut(&[u32], &mut [f64]),
        out: &mut Vec<(f64, u32)>,
    ) -> u64 {
        self.settle(rb);
        self.resolve(&mut exact);
        self.finish_with(&[], out)
    }

    /// The first half of [`TopK::finish`] for a caller that computes the exact keys itself (in
    /// an order of its choosing): lower the threshold a last time, drop what it excludes, and
    /// return the pairs still known only by their fast key, `(f, index)`.
    pub(crate) fn settle(&mut self, rb: RowBounds) -> &[(R, u32)] {
        self.shrink(rb);
        &self.fast
    }

    /// The second half: `keys[p]` is the exact key of pair `p` of [`TopK::settle`]'s answer (all
    /// of them). Returns what [`TopK::finish`] returns.
    pub(crate) fn finish_with(&mut self, keys: &[f64], out: &mut Vec<(f64, u32)>) -> u64 {
        debug_assert_eq!(keys.len(), self.fast.len(), "one exact key per settled pair");
        self.exact_count += self.fast.len() as u64;
        out.clear();
        out.extend_from_slice(&self.sure);
        out.extend(self.fast.iter().zip(keys).map(|(c, &e)| (e, c.1)));
        out.sort_unstable_by(by_key_then_index);
        out.truncate(self.k);
        let n = self.exact_count;
        self.fast.clear();
        self.sure.clear();
        self.t = f64::INFINITY;
        self.thr = R::INF;
        self.exact_count = 0;
        n
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equality is what these tests check
mod tests {
    use super::*;

    /// The batch `exact` function of a key table.
    fn table(keys: &[f64]) -> impl FnMut(&[u32], &mut [f64]) + '_ {
        |js, out| {
            assert!(!js.is_empty() && js.len() <= EXACT_BATCH && js.len() == out.len());
            for (o, &j) in out.iter_mut().zip(js) {
                *o = keys[j as usize];
            }
        }
    }

    /// Offer every pair whose fast key is below the state's threshold, as the engine's scans
    /// do. With `w = 0` the fast keys are the exact keys (and the margin the smallest positive
    /// f64); with `w > 0` each fast key is off by
    /// up to `w / 2` (a deterministic pattern, plus the rounding to `R`) and the row's margin is
    /// `w`.
    fn run_with<R: Real>(keys: &[f64], k: usize, w: f64) -> Vec<(f64, u32)> {
        let rb = RowBounds {
            base: 0.0,
            margin: w.max(f64::MIN_POSITIVE),
        };
        let mut s = TopK::<R>::new(k);
        for (i, &v) in keys.iter().enumerate() {
            let f = R::from_f64(v + w * ((i * 7 % 5) as f64 - 2.0) / 4.0);
            if f < s.fast_threshold() {
                s.push(f, i as u32, rb, table(keys));
            }
            assert!(s.fast.len() + s.sure.len() <= s.cap);
        }
        let mut out = Vec::new();
        s.finish(rb, table(keys), &mut out);
        out
    }

    fn run(keys: &[f64], k: usize) -> Vec<(f64, u32)> {
        let got = run_with::<f64>(keys, k, 0.0);
        assert_eq!(run_with::<f64>(keys, k, 0.25), got, "wide margins, k {k}");
        assert_eq!(run_with::<f64>(keys, k, 1e-9), got, "narrow margins, k {k}");
        assert_eq!(run_with::<f32>(keys, k, 0.25), got, "f32 fast keys, k {k}");
        got
    }

    fn naive(keys: &[f64], k: usize) -> Vec<(f64, u32)> {
        let mut v: Vec<(f64, u32)> = keys.iter().enumerate().map(|(i, &x)| (x, i as u32)).collect();
        v.sort_by(by_key_then_index);
        v.truncate(k);
        v
    }

    #[test]
    fn selection_equals_a_full_sort_with_ties() {
        let keys: Vec<f64> = (0..1000).map(|i| f64::from((i * 7919) % 97) * 0.5).collect();
        for k in [1, 2, 10, 99, 100, 150, 999, 1000] {
            assert_eq!(run(&keys, k), naive(&keys, k), "k {k}");
        }
        // arrival order does not matter
        let rb = RowBounds {
            base: 0.0,
            margin: 0.3,
        };
        let mut s = TopK::<f64>::new(10);
        for (i, &v) in keys.iter().enumerate().rev() {
            s.push(v, i as u32, rb, table(&keys));
        }
        let mut out = Vec::new();
        s.finish(rb, table(&keys), &mut out);
        assert_eq!(out, naive(&keys, 10), "reverse order");
        let desc: Vec<f64> = (0..700).map(|i| f64::from(700 - i)).collect();
        for k in [1, 5, 120] {
            assert_eq!(run(&desc, k), naive(&desc, k), "descending k {k}");
        }
    }

    #[test]
    fn keys_computed_by_the_caller_give_the_same_answer() {
        let keys: Vec<f64> = (0..3000).map(|i| f64::from((i * 7919) % 503) * 0.25).collect();
        let rb = RowBounds {
            base: 0.0,
            margin: 0.1,
        };
        for k in [1, 10, 100, 400] {
            let mut s = TopK::<f32>::new(k);
            for (i, &v) in keys.iter().enumerate() {
                s.push(v as f32, i as u32, rb, table(&keys));
            }
            let settled: Vec<f64> = s.settle(rb).iter().map(|c| keys[c.1 as usize]).collect();
            let mut out = Vec::new();
            s.finish_with(&settled, &mut out);
            assert_eq!(out, naive(&keys, k), "k {k}");
        }
    }

    #[test]
    fn an_announced_bound_changes_nothing_but_the_work() {
        let keys: Vec<f64> = (0..300).map(|i| f64::from((i * 31) % 50)).collect();
        let want = naive(&keys, 7);
        let rb = RowBounds {
            base: 0.0,
            margin: f64::MIN_POSITIVE,
        };
        let mut s = TopK::<f64>::new(7);
        s.bound(want[6].0, rb); // exactly the 7th key: all 7 winners are still offered
        for (i, &v) in keys.iter().enumerate() {
            s.push(v, i as u32, rb, table(&keys));
        }
        let mut out = Vec::new();
        s.finish(rb, table(&keys), &mut out);
        assert_eq!(out, want);
    }

    #[test]
    fn all_equal_keys_keep_the_lowest_indices() {
        let keys = vec![1.0; 5000];
        let want: Vec<(f64, u32)> = (0..10).map(|i| (1.0, i)).collect();
        assert_eq!(run(&keys, 10), want);
        let want: Vec<(f64, u32)> = (0..200).map(|i| (1.0, i)).collect();
        assert_eq!(run(&keys, 200), want);
    }

    #[test]
    fn a_base_shifts_fast_keys_without_changing_the_answer() {
        // fast key = exact − base (as the euclidean tiles leave out ‖x‖²)
        let keys: Vec<f64> = (0..2000)
            .map(|i| 5.0 + f64::from((i * 613) % 211) / 7.0)
            .collect();
        let rb = RowBounds {
            base: 5.0,
            margin: 1e-5,
        };
        for k in [3, 64, 150] {
            let mut s = TopK::<f32>::new(k);
            for (i, &v) in keys.iter().enumerate() {
                let f = (v - 5.0) as f32;
                if f < s.fast_threshold() {
                    s.push(f, i as u32, rb, table(&keys));
                }
            }
            let mut out = Vec::new();
            s.finish(rb, table(&keys), &mut out);
            assert_eq!(out, naive(&keys, k), "k {k}");
        }
    }
}
