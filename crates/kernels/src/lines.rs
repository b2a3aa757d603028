//! [`Lines`]: a zero-initialised buffer of 32-bit words whose first word starts a 64-byte cache
//! line.
//!
//! The AMX tile loads and stores move 64 bytes per tile row. From a `Vec<u32>` (aligned to 4
//! bytes; large allocations typically start 16 bytes into a line) every tile row straddles two
//! cache lines, and the measured single-thread `tdpbf16ps` tile rate was 270 GFLOP/s at
//! 384 × 384 × 384 against 1.9 TFLOP/s for operands already in tiles. A buffer made of whole
//! lines makes each row whose offset is a multiple of 16 words one line.

use std::ops::{Deref, DerefMut};

/// Words per cache line.
pub const LINE_WORDS: usize = 16;

/// One 64-byte cache line of words.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(64))]
struct Line([u32; LINE_WORDS]);

/// `len` words, zero-initialised, the first at a 64-byte boundary (memory: `len` rounded up to a
/// whole line, 4 bytes per word).
#[derive(Debug, Clone, Default)]
pub struct Lines {
    lines: Vec<Line>,
    len: usize,
}

impl Lines {
    /// `len` zero words.
    #[must_use]
    pub fn zeroed(len: usize) -> Self {
        Self {
            lines: vec![Line::default(); len.div_ceil(LINE_WORDS)],
            len,
        }
    }

    /// Grow to at least `len` words (new words zero, existing ones kept); never shrinks.
    pub fn grow(&mut self, len: usize) {
        if len > self.len {
            self.lines.resize(len.div_ceil(LINE_WORDS), Line::default());
            self.len = len;
        }
    }
}

impl Deref for Lines {
    type Target = [u32];
    fn deref(&self) -> &[u32] {
        // SAFETY: `Line` is `repr(C)` around `[u32; 16]` with size 64 = 16·4 (no padding), so
        // `lines` is `16·lines.len()` initialised, contiguous, 4-byte-aligned `u32`s;
        // `len ≤ 16·lines.len()` (set together in `zeroed`/`grow`), and the borrow of `self`
        // keeps the allocation alive and unaliased by writers for the slice's lifetime.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast::<u32>(), self.len) }
    }
}

impl DerefMut for Lines {
    fn deref_mut(&mut self) -> &mut [u32] {
        // SAFETY: as in `deref`; the exclusive borrow of `self` makes the slice the only access.
        unsafe { std::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast::<u32>(), self.len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_start_a_cache_line_and_read_back() {
        for len in [0, 1, 15, 16, 17, 1000] {
            let mut w = Lines::zeroed(len);
            assert_eq!(w.len(), len);
            assert!(w.iter().all(|&v| v == 0));
            if len > 0 {
                assert_eq!(w.as_ptr() as usize % 64, 0);
            }
            for (i, v) in w.iter_mut().enumerate() {
                *v = i as u32 * 3 + 1;
            }
            assert!(w.iter().enumerate().all(|(i, &v)| v == i as u32 * 3 + 1));
            w.grow(len + 40);
            assert_eq!(w.len(), len + 40);
            assert_eq!(w.as_ptr() as usize % 64, 0);
            assert!(w[..len].iter().enumerate().all(|(i, &v)| v == i as u32 * 3 + 1));
            assert!(w[len..].iter().all(|&v| v == 0));
            w.grow(1);
            assert_eq!(w.len(), len + 40);
        }
    }
}
