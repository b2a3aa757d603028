//! Exact top-k selection of one query row (ties to the lower index), with exact keys computed
//! lazily.
//!
//! The engine's fast pass offers a pair with the interval `[lo, up]` that its fast key and the
//! key's rigorous error bound give for the exact f64 key. The state keeps the k-th smallest `up`
//! seen so far (`t`, the threshold: the k-th exact key of the row is at most `t`) and every
//! offered pair whose `lo ≤ t`; a pair with `lo > t` has an exact key larger than k others and
//! can never be in the answer (not even tied). Exact keys are computed (through the caller's
//! `exact` function) only when a state cannot shrink on bounds alone — many overlapping
//! intervals: duplicates, near-ties — and for the pairs still kept at the end, which are then
//! ranked by `(exact key, index)`. The answer is therefore exact, ties go to the lower index,
//! and the arrival order of pairs does not matter (the symmetric all-points pass offers them
//! block by block); only the number of exact computations depends on it.
//!
//! As in faiss's result handlers, for `k < HEAP_MAX_K` a binary max-heap of the k smallest
//! `up` keeps the threshold current after every offer (the caller caches it); for larger k the
//! threshold is lowered in batches when the buffer (capacity `2k`) fills. A state never holds
//! more than `cap` pairs.

use std::cmp::Ordering;

/// From this k on, the reservoir regime is used.
pub(crate) const HEAP_MAX_K: usize = 100;

/// `(key, index)` order: the tie rule.
#[inline]
pub(crate) fn by_key_then_index(a: &(f64, u32), b: &(f64, u32)) -> Ordering {
    a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
}

fn capacity(k: usize) -> usize {
    if k < HEAP_MAX_K {
        (2 * k).max(k + 32)
    } else {
        2 * k
    }
}

/// An offered pair: bounds of its exact key (equal once computed exactly) and its index.
#[derive(Debug, Clone, Copy)]
struct Cand {
    lo: f64,
    up: f64,
    idx: u32,
    exact: bool,
}

/// Candidate state of one query row.
pub(crate) struct TopK {
    k: usize,
    cap: usize,
    use_heap: bool,
    buf: Vec<Cand>,
    heap: Vec<f64>,
    /// An upper bound of the k-th smallest exact key (`+∞` until k pairs were offered).
    t: f64,
    /// Exact keys computed so far.
    exact_count: u64,
}

impl TopK {
    pub(crate) fn new(k: usize) -> Self {
        let use_heap = k < HEAP_MAX_K;
        let cap = capacity(k);
        Self {
            k,
            cap,
            use_heap,
            buf: Vec::new(),
            heap: Vec::new(),
            t: f64::INFINITY,
            exact_count: 0,
        }
    }

    /// Bytes one state holds at most (for the scratch formula).
    pub(crate) fn bytes(k: usize) -> usize {
        capacity(k) * std::mem::size_of::<Cand>() + k * 8 + std::mem::size_of::<Self>()
    }

    /// Current threshold: a pair whose exact key is certainly `> t` can never enter the answer.
    #[inline]
    pub(crate) fn threshold(&self) -> f64 {
        self.t
    }

    /// Lower the threshold to `t`, a bound the caller proved: at least k pairs with exact key
    /// `<= t` will still be offered (with `lo <= t`).
    pub(crate) fn bound(&mut self, t: f64) {
        self.t = self.t.min(t);
    }

    /// Offer pair `idx` whose exact key lies in `[lo, up]` (any order, each index at most
    /// once); `exact(idx)` computes exact keys when the state must. Returns the new threshold.
    pub(crate) fn push(&mut self, lo: f64, up: f64, idx: u32, exact: impl FnMut(u32) -> f64) -> f64 {
        if lo > self.t {
            return self.t; // worse than k offered (or announced, see `bound`) pairs
        }
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(self.cap);
            if self.use_heap {
                self.heap.reserve_exact(self.k);
            }
        }
        if self.use_heap {
            self.heap_offer(up);
        }
        if lo <= self.t {
            if self.buf.len() == self.cap {
                self.compact(exact);
            }
            if lo <= self.t {
                self.buf.push(Cand {
                    lo,
                    up,
                    idx,
                    exact: false,
                });
            }
        }
        self.t
    }

    fn heap_offer(&mut self, key: f64) {
        let h = &mut self.heap;
        if h.len() < self.k {
            h.push(key);
            let mut i = h.len() - 1;
            while i > 0 {
                let p = (i - 1) / 2;
                if h[p] < h[i] {
                    h.swap(p, i);
                    i = p;
                } else {
                    break;
                }
            }
            if h.len() == self.k {
                self.t = self.t.min(h[0]);
            }
        } else if key < h[0] {
            h[0] = key;
            sift_down(h, 0);
            self.t = self.t.min(h[0]);
        }
    }

    /// Lower `t` to the k-th smallest `up` kept and drop the pairs with `lo > t`.
    fn shrink(&mut self) {
        let k = self.k;
        if self.buf.len() >= k {
            let (_, kth, _) = self
                .buf
                .select_nth_unstable_by(k - 1, |a, b| a.up.total_cmp(&b.up));
            self.t = self.t.min(kth.up);
        }
        let t = self.t;
        self.buf.retain(|c| c.lo <= t);
    }

    /// Make room: [`TopK::shrink`]; if that leaves more than half the capacity (overlapping
    /// intervals), compute the exact keys and keep the k best by `(key, index)`.
    fn compact(&mut self, mut exact: impl FnMut(u32) -> f64) {
        self.shrink();
        if self.buf.len() <= self.cap / 2 {
            return;
        }
        self.resolve(&mut exact);
        let k = self.k;
        if self.buf.len() > k {
            self.buf
                .select_nth_unstable_by(k - 1, |a, b| by_key_then_index(&(a.lo, a.idx), &(b.lo, b.idx)));
            self.buf.truncate(k);
        }
        if self.buf.len() == k {
            let kth = self.buf.iter().map(|c| c.up).fold(f64::NEG_INFINITY, f64::max);
            self.t = self.t.min(kth);
            if self.use_heap {
                self.heap.clear();
                self.heap.extend(self.buf.iter().map(|c| c.up));
                self.heap.sort_unstable_by(|a, b| b.total_cmp(a)); // descending = a max-heap
            }
        }
    }

    /// Compute the exact key of every kept pair that has none yet.
    fn resolve(&mut self, exact: &mut impl FnMut(u32) -> f64) {
        for c in self.buf.iter_mut().filter(|c| !c.exact) {
            let e = exact(c.idx);
            *c = Cand {
                lo: e,
                up: e,
                idx: c.idx,
                exact: true,
            };
            self.exact_count += 1;
        }
    }

    /// The final (up to) k `(exact key, index)` pairs, best first, and the number of exact keys
    /// this state computed; resets the state.
    pub(crate) fn finish(&mut self, mut exact: impl FnMut(u32) -> f64, out: &mut Vec<(f64, u32)>) -> u64 {
        self.shrink();
        self.resolve(&mut exact);
        out.clear();
        out.extend(self.buf.iter().map(|c| (c.lo, c.idx)));
        out.sort_unstable_by(by_key_then_index);
        out.truncate(self.k);
        let n = self.exact_count;
        self.buf.clear();
        self.heap.clear();
        self.t = f64::INFINITY;
        self.exact_count = 0;
        n
    }
}

fn sift_down(h: &mut [f64], mut i: usize) {
    let n = h.len();
    loop {
        let l = 2 * i + 1;
        if l >= n {
            break;
        }
        let r = l + 1;
        let c = if r < n && h[r] > h[l] { r } else { l };
        if h[c] > h[i] {
            h.swap(c, i);
            i = c;
        } else {
            break;
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equality is what these tests check
mod tests {
    use super::*;

    /// Offer exact keys (`lo = up = key`) or, with `w > 0`, intervals `[key − w, key + w]`.
    fn run_with(keys: &[f64], k: usize, w: f64) -> Vec<(f64, u32)> {
        let mut s = TopK::new(k);
        for (i, &v) in keys.iter().enumerate() {
            s.push(v - w, v + w, i as u32, |j| keys[j as usize]);
            assert!(s.buf.len() <= s.cap);
        }
        let mut out = Vec::new();
        s.finish(|j| keys[j as usize], &mut out);
        out
    }

    fn run(keys: &[f64], k: usize) -> Vec<(f64, u32)> {
        let got = run_with(keys, k, 0.0);
        assert_eq!(run_with(keys, k, 0.25), got, "intervals, k {k}");
        assert_eq!(run_with(keys, k, 1e-9), got, "narrow intervals, k {k}");
        got
    }

    fn naive(keys: &[f64], k: usize) -> Vec<(f64, u32)> {
        let mut v: Vec<(f64, u32)> = keys.iter().enumerate().map(|(i, &x)| (x, i as u32)).collect();
        v.sort_by(by_key_then_index);
        v.truncate(k);
        v
    }

    #[test]
    fn heap_and_reservoir_equal_a_full_sort_with_ties() {
        let keys: Vec<f64> = (0..1000).map(|i| f64::from((i * 7919) % 97) * 0.5).collect();
        for k in [1, 2, 10, 99, 100, 150, 999, 1000] {
            assert_eq!(run(&keys, k), naive(&keys, k), "k {k}");
        }
        // arrival order does not matter
        let mut s = TopK::new(10);
        for (i, &v) in keys.iter().enumerate().rev() {
            s.push(v - 0.3, v + 0.3, i as u32, |j| keys[j as usize]);
        }
        let mut out = Vec::new();
        s.finish(|j| keys[j as usize], &mut out);
        assert_eq!(out, naive(&keys, 10), "reverse order");
        let desc: Vec<f64> = (0..700).map(|i| f64::from(700 - i)).collect();
        for k in [1, 5, 120] {
            assert_eq!(run(&desc, k), naive(&desc, k), "descending k {k}");
        }
    }

    #[test]
    fn an_announced_bound_changes_nothing_but_the_work() {
        let keys: Vec<f64> = (0..300).map(|i| f64::from((i * 31) % 50)).collect();
        let want = naive(&keys, 7);
        let mut s = TopK::new(7);
        s.bound(want[6].0); // exactly the 7th key: all 7 winners are still offered
        for (i, &v) in keys.iter().enumerate() {
            s.push(v, v, i as u32, |j| keys[j as usize]);
        }
        let mut out = Vec::new();
        s.finish(|j| keys[j as usize], &mut out);
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
}
