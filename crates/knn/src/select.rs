//! Exact top-k selection of one query row (ties to the lower index).
//!
//! The engine's fast pass only decides which pairs are *offered* here (a pair whose fast key,
//! lowered by its rigorous rounding-error bound, cannot beat the current threshold is never
//! offered); every offered pair arrives with its exact f64 key, so the selection itself is
//! exact. Keys may arrive in any order (the symmetric all-points pass offers them block by
//! block): a key equal to the threshold is kept, and the final cut sorts by `(key, index)`, so
//! ties resolve to the lower index whatever the arrival order.
//!
//! Two regimes, as in faiss's result handlers: for `k < HEAP_MAX_K` a binary max-heap of the
//! k smallest keys keeps the threshold current after every insertion (the caller caches it);
//! for larger k a reservoir of capacity `2k` is partitioned (quickselect) when full, lowering
//! the threshold in batches. A state never holds more than `cap` entries.

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

/// Candidate state of one query row.
pub(crate) struct TopK {
    k: usize,
    cap: usize,
    use_heap: bool,
    buf: Vec<(f64, u32)>,
    heap: Vec<f64>,
    /// An upper bound of the k-th smallest key so far (`+∞` until k keys were seen).
    t: f64,
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
        }
    }

    /// Bytes one state holds at most (for the scratch formula).
    pub(crate) fn bytes(k: usize) -> usize {
        capacity(k) * 16 + k * 8 + std::mem::size_of::<Self>()
    }

    /// Current threshold: a key `> t` can never enter the answer.
    #[inline]
    pub(crate) fn threshold(&self) -> f64 {
        self.t
    }

    /// Lower the threshold to `t`, a bound the caller proved: at least k rows with exact key
    /// `<= t` will still be offered.
    pub(crate) fn bound(&mut self, t: f64) {
        self.t = self.t.min(t);
    }

    /// Offer the exact key `key` of row `idx` (any order, each index at most once). Returns the
    /// new threshold.
    pub(crate) fn push(&mut self, key: f64, idx: u32) -> f64 {
        if key > self.t {
            return self.t; // dominated by k offered (or announced, see `bound`) keys
        }
        if self.buf.capacity() == 0 {
            self.buf.reserve_exact(self.cap);
            if self.use_heap {
                self.heap.reserve_exact(self.k);
            }
        }
        if self.use_heap {
            self.heap_offer(key);
        }
        if key <= self.t {
            if self.buf.len() == self.cap {
                self.cut_to_k();
            }
            if key <= self.t {
                self.buf.push((key, idx));
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

    /// Keep the k best by (key, index) (quickselect); `t` becomes the k-th key.
    fn cut_to_k(&mut self) {
        let k = self.k;
        if self.buf.len() > k {
            self.buf.select_nth_unstable_by(k - 1, by_key_then_index);
            self.buf.truncate(k);
        }
        if self.buf.len() == k {
            let kth = self.buf.iter().map(|e| e.0).fold(f64::NEG_INFINITY, f64::max);
            self.t = self.t.min(kth);
            if self.use_heap {
                self.heap.clear();
                self.heap.extend(self.buf.iter().map(|e| e.0));
                self.heap.sort_unstable_by(|a, b| b.total_cmp(a)); // descending = a max-heap
            }
        }
    }

    /// The final (up to) k `(key, index)` pairs, best first; resets the state.
    pub(crate) fn finish(&mut self, out: &mut Vec<(f64, u32)>) {
        self.buf.sort_unstable_by(by_key_then_index);
        self.buf.truncate(self.k);
        out.clear();
        out.extend_from_slice(&self.buf);
        self.buf.clear();
        self.heap.clear();
        self.t = f64::INFINITY;
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

    fn run(keys: &[f64], k: usize) -> Vec<(f64, u32)> {
        let mut s = TopK::new(k);
        for (i, &v) in keys.iter().enumerate() {
            s.push(v, i as u32);
            assert!(s.buf.len() <= s.cap);
        }
        let mut out = Vec::new();
        s.finish(&mut out);
        out
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
            s.push(v, i as u32);
        }
        let mut out = Vec::new();
        s.finish(&mut out);
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
            s.push(v, i as u32);
        }
        let mut out = Vec::new();
        s.finish(&mut out);
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
