//! The threshold scans of key tiles: which keys of a tile are below their row's threshold.
//!
//! Both scans compare [`SCAN`] = 16 lanes at a time into a bitmask and visit only its set bits.
//! The comparison (`key + off < thr`, false for NaN) is the same at every level, so the hits
//! are identical: [`Cmp`] picks how it runs.
//! - AVX-512 and f32: one `vcmpps` into a mask register.
//! - AVX2 (and f64 under AVX-512): `vcmpps` / `vcmppd` on 8- / 4-lane registers and
//!   `vmovmskps` / `vmovmskpd`, the pieces OR-ed into the mask. LLVM compiles the portable
//!   loop into scalar compares and a horizontal OR reduction instead: on the AMD EPYC (Zen 3)
//!   the all-points scan of 20,000 × 384 took 7.8 % of the pass (perf) that way.
//! - Other levels: the portable loop ([`below_portable`]).

#[cfg(target_arch = "x86_64")]
use crate::real::cast;
use crate::real::{dispatched, Level, Real};

/// Lanes per comparison of the scans.
const SCAN: usize = 16;

/// How a dispatched copy of the scans compares its lanes. The SIMD variants carry a proof made
/// only in the matching copy of `crate::real::dispatched`, which runs only at its level
/// (`crate::real::level` produces `Level::Avx512` after `is_x86_feature_detected!` confirmed
/// avx512f, avx512vl, avx2 and fma, `Level::Avx2Fma` after avx2 and fma): holding one makes its
/// comparisons sound.
#[derive(Clone, Copy)]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
enum Cmp {
    /// AVX-512F, AVX2 and FMA are available.
    Avx512(()),
    /// AVX2 and FMA are available.
    Avx2(()),
    /// [`below_portable`].
    Portable,
}

/// Bit `l` set where `c[l] + off[l] < thr[l]` (`c`, `off`, `thr`: [`SCAN`] lanes each).
// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn below_portable<R: Real>(c: &[R], off: impl Fn(usize) -> R, thr: impl Fn(usize) -> R) -> u32 {
    let mut mask = 0u32;
    for (l, &v) in c[..SCAN].iter().enumerate() {
        mask |= u32::from(v + off(l) < thr(l)) << l;
    }
    mask
}

/// [`below_portable`] of f32 lanes in one AVX-512 comparison: `c + off < thr` lane by lane
/// (`off`, `thr`: 16 lanes, or one value broadcast).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn below_avx512(c: &[f32; SCAN], off: Lanes<'_, f32>, thr: Lanes<'_, f32>) -> u32 {
    use std::arch::x86_64::{_mm512_add_ps, _mm512_cmp_ps_mask, _mm512_loadu_ps, _mm512_set1_ps, _CMP_LT_OQ};
    let lanes = |v: Lanes<'_, f32>| match v {
        // SAFETY: `a` is a `[f32; 16]`: the 64 bytes an unaligned 16-lane load reads.
        Lanes::Each(a) => unsafe { _mm512_loadu_ps(a.as_ptr()) },
        Lanes::All(x) => _mm512_set1_ps(x),
    };
    // SAFETY: as above, `c` holds the 16 lanes loaded.
    let key = _mm512_add_ps(unsafe { _mm512_loadu_ps(c.as_ptr()) }, lanes(off));
    // ordered, non-signalling "less than": false when either side is NaN, as Rust's `<`
    u32::from(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(key, lanes(thr)))
}

/// [`below_portable`] of f32 lanes in two 8-lane AVX comparisons and their sign masks.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn below_avx2_f32(c: &[f32; SCAN], off: Lanes<'_, f32>, thr: Lanes<'_, f32>) -> u32 {
    use std::arch::x86_64::{
        _mm256_add_ps, _mm256_cmp_ps, _mm256_loadu_ps, _mm256_movemask_ps, _mm256_set1_ps, _CMP_LT_OQ,
    };
    let mut mask = 0u32;
    for h in 0..2 {
        let lanes = |v: Lanes<'_, f32>| match v {
            // SAFETY: `a` is a `[f32; 16]`, `8h + 8 ≤ 16`: the 32 bytes the load reads.
            Lanes::Each(a) => unsafe { _mm256_loadu_ps(a.as_ptr().add(8 * h)) },
            Lanes::All(x) => _mm256_set1_ps(x),
        };
        // SAFETY: as above, for `c`.
        let key = _mm256_add_ps(unsafe { _mm256_loadu_ps(c.as_ptr().add(8 * h)) }, lanes(off));
        // ordered, non-signalling "less than": false when either side is NaN, as Rust's `<`;
        // the sign mask has one bit per lane, set where the comparison is true
        let bits = _mm256_movemask_ps(_mm256_cmp_ps::<_CMP_LT_OQ>(key, lanes(thr)));
        mask |= (bits as u32) << (8 * h);
    }
    mask
}

/// [`below_portable`] of f64 lanes in four 4-lane AVX comparisons and their sign masks.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn below_avx2_f64(c: &[f64; SCAN], off: Lanes<'_, f64>, thr: Lanes<'_, f64>) -> u32 {
    use std::arch::x86_64::{
        _mm256_add_pd, _mm256_cmp_pd, _mm256_loadu_pd, _mm256_movemask_pd, _mm256_set1_pd, _CMP_LT_OQ,
    };
    let mut mask = 0u32;
    for q in 0..4 {
        let lanes = |v: Lanes<'_, f64>| match v {
            // SAFETY: `a` is a `[f64; 16]`, `4q + 4 ≤ 16`: the 32 bytes the load reads.
            Lanes::Each(a) => unsafe { _mm256_loadu_pd(a.as_ptr().add(4 * q)) },
            Lanes::All(x) => _mm256_set1_pd(x),
        };
        // SAFETY: as above, for `c`.
        let key = _mm256_add_pd(unsafe { _mm256_loadu_pd(c.as_ptr().add(4 * q)) }, lanes(off));
        let bits = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LT_OQ>(key, lanes(thr)));
        mask |= (bits as u32) << (4 * q);
    }
    mask
}

/// One operand of a SIMD comparison: 16 lanes or one value for all of them.
#[cfg(target_arch = "x86_64")]
#[derive(Clone, Copy)]
enum Lanes<'a, T> {
    Each(&'a [T; SCAN]),
    All(T),
}

/// `c[l] + off(l) < thr(l)` for the [`SCAN`] lanes of a block, as a bitmask, compared as
/// `cmp` says (see the module doc; `R` other than f32 and f64 compares portably).
// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn lanes_below<R: Real>(cmp: Cmp, c: &[R], off: Side<'_, R>, thr: Side<'_, R>) -> u32 {
    #[cfg(target_arch = "x86_64")]
    match cmp {
        Cmp::Portable => {}
        Cmp::Avx512(()) | Cmp::Avx2(()) => {
            // `R` is f32 (or f64) exactly when `c` casts; then the operands convert exactly
            if let (Some(c), Some(o), Some(t)) = (lanes::<R, f32>(c), off.lanes(), thr.lanes()) {
                return if matches!(cmp, Cmp::Avx512(())) {
                    // SAFETY: `Cmp::Avx512` exists only where the CPU has AVX-512F (see `Cmp`).
                    unsafe { below_avx512(c, o, t) }
                } else {
                    // SAFETY: `Cmp::Avx2` exists only where the CPU has AVX2 (see `Cmp`).
                    unsafe { below_avx2_f32(c, o, t) }
                };
            }
            if let (Some(c), Some(o), Some(t)) = (lanes::<R, f64>(c), off.lanes(), thr.lanes()) {
                // SAFETY: both variants exist only where the CPU has AVX2 (see `Cmp`).
                return unsafe { below_avx2_f64(c, o, t) };
            }
        }
    }
    let _ = cmp;
    below_portable(c, |l| off.at(l), |l| thr.at(l))
}

/// `v` as exactly [`SCAN`] lanes of `T`, when `R` is `T` and `v` has that length.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::inline_always)]
#[inline(always)]
fn lanes<R: Real, T: Real>(v: &[R]) -> Option<&[T; SCAN]> {
    cast::<R, T>(v).and_then(|v| <&[T; SCAN]>::try_from(v).ok())
}

/// An offset or threshold operand of a 16-lane comparison: per lane, or one value.
#[derive(Clone, Copy)]
enum Side<'a, R> {
    Each(&'a [R]),
    All(R),
}

#[cfg_attr(not(target_arch = "x86_64"), allow(clippy::elidable_lifetime_names))]
impl<'a, R: Real> Side<'a, R> {
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn at(self, l: usize) -> R {
        match self {
            Side::Each(v) => v[l],
            Side::All(x) => x,
        }
    }

    /// The operand as SIMD lanes of `T`, when `R` is `T` (`None` otherwise, or for a per-lane
    /// slice that is not 16 lanes long).
    #[cfg(target_arch = "x86_64")]
    #[allow(clippy::inline_always)]
    #[inline(always)]
    fn lanes<T: Real>(self) -> Option<Lanes<'a, T>> {
        match self {
            Side::Each(v) => lanes::<R, T>(v).map(Lanes::Each),
            Side::All(x) => cast::<R, T>(std::slice::from_ref(&x)).map(|v| Lanes::All(v[0])),
        }
    }
}

/// Scan a column-major key tile (`tile[j·m + i]` = key of query `i`, corpus `j`, plus
/// `off[j]` when given) against the per-query thresholds `thr[i]`, calling `hit(i, j)` for
/// every key `< thr[i]`; `hit` returns query `i`'s (possibly lowered) new threshold.
///
/// The fast part compares 16 consecutive queries of one corpus column with their 16
/// thresholds and visits the lanes below.
// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn scan_body<R: Real, F: FnMut(usize, usize) -> R>(
    cmp: Cmp,
    tile: &[R],
    m: usize,
    off: Option<&[R]>,
    thr: &mut [R],
    hit: &mut F,
) {
    let n = tile.len() / m.max(1);
    let full = m / SCAN * SCAN;
    let thr = &mut thr[..m];
    for j in 0..n {
        let col = &tile[j * m..(j + 1) * m];
        let o = off.map_or(R::default(), |o| o[j]);
        let mut i = 0;
        while i < full {
            let c = &col[i..i + SCAN];
            let mut below = lanes_below(cmp, c, Side::All(o), Side::Each(&thr[i..i + SCAN]));
            while below != 0 {
                let l = below.trailing_zeros() as usize;
                below &= below - 1;
                // a hit may have lowered the threshold since the comparison (own row only)
                if c[l] + o < thr[i + l] {
                    thr[i + l] = hit(i + l, j);
                }
            }
            i += SCAN;
        }
        for i in full..m {
            if col[i] + o < thr[i] {
                thr[i] = hit(i, j);
            }
        }
    }
}

/// Scan one contiguous row of keys `row[j] + off[j]` against one threshold, calling
/// `hit(j)` for every key `< thr`; `hit` returns the new threshold, and the last one is
/// returned. Used for the transposed side of a symmetric tile and for row-major tiles.
// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn scan_row_body<R: Real, F: FnMut(usize) -> R>(
    cmp: Cmp,
    row: &[R],
    off: Option<&[R]>,
    mut thr: R,
    hit: &mut F,
) -> R {
    let n = row.len();
    let full = n / SCAN * SCAN;
    let mut j = 0;
    while j < full {
        let c = &row[j..j + SCAN];
        let o = off.map_or(Side::All(R::default()), |o| Side::Each(&o[j..j + SCAN]));
        let mut below = lanes_below(cmp, c, o, Side::All(thr));
        while below != 0 {
            let l = below.trailing_zeros() as usize;
            below &= below - 1;
            // a hit may have lowered the threshold since the comparison
            if c[l] + o.at(l) < thr {
                thr = hit(j + l);
            }
        }
        j += SCAN;
    }
    for j in full..n {
        let o = off.map_or(R::default(), |o| o[j]);
        if row[j] + o < thr {
            thr = hit(j);
        }
    }
    thr
}

/// Scan one contiguous row of a symmetric tile for both of its sides in one read: side I
/// (`row[i] + off_j < thr_i[i]`, the row as corpus column `j` of block I's queries) and side J
/// (`row[i] + off_i[i] < thr_j`, the row as query `j` against block I's rows). `hit(true, i)`
/// returns row `i`'s new `thr_i[i]`, `hit(false, i)` the new `thr_j`; the last `thr_j` is
/// returned. Each side meets exactly the hits, in the same order, that [`scan_body`] (for
/// this column) and [`scan_row_body`] give it: the sides' thresholds are separate, so
/// interleaving them changes nothing.
// Always inlined so the body compiles under the caller's `target_feature` (multiversioning).
#[allow(clippy::inline_always)]
#[inline(always)]
fn scan_pair_body<R: Real, F: FnMut(bool, usize) -> R>(
    cmp: Cmp,
    row: &[R],
    off_i: Option<&[R]>,
    off_j: R,
    thr_i: &mut [R],
    mut thr_j: R,
    hit: &mut F,
) -> R {
    let m = row.len();
    let full = m / SCAN * SCAN;
    let thr_i = &mut thr_i[..m];
    let mut i = 0;
    while i < full {
        let c = &row[i..i + SCAN];
        let mut below = lanes_below(cmp, c, Side::All(off_j), Side::Each(&thr_i[i..i + SCAN]));
        while below != 0 {
            let l = below.trailing_zeros() as usize;
            below &= below - 1;
            // a hit may have lowered the threshold since the comparison (own row only)
            if c[l] + off_j < thr_i[i + l] {
                thr_i[i + l] = hit(true, i + l);
            }
        }
        let o = off_i.map_or(Side::All(R::default()), |o| Side::Each(&o[i..i + SCAN]));
        let mut below = lanes_below(cmp, c, o, Side::All(thr_j));
        while below != 0 {
            let l = below.trailing_zeros() as usize;
            below &= below - 1;
            if c[l] + o.at(l) < thr_j {
                thr_j = hit(false, i + l);
            }
        }
        i += SCAN;
    }
    for i in full..m {
        if row[i] + off_j < thr_i[i] {
            thr_i[i] = hit(true, i);
        }
        let o = off_i.map_or(R::default(), |o| o[i]);
        if row[i] + o < thr_j {
            thr_j = hit(false, i);
        }
    }
    thr_j
}

dispatched!(
    /// Runtime-dispatched [`scan_body`].
    #[inline]
    pub(crate) fn scan[R: Real, F: FnMut(usize, usize) -> R](
        tile: &[R], m: usize, off: Option<&[R]>, thr: &mut [R], hit: &mut F
    ) = scan_body(Cmp::Avx512(()), Cmp::Avx2(()), Cmp::Portable)
);

dispatched!(
    /// Runtime-dispatched [`scan_row_body`].
    #[inline]
    pub(crate) fn scan_row[R: Real, F: FnMut(usize) -> R](
        row: &[R], off: Option<&[R]>, thr: R, hit: &mut F
    ) -> R = scan_row_body(Cmp::Avx512(()), Cmp::Avx2(()), Cmp::Portable)
);

dispatched!(
    /// Runtime-dispatched [`scan_pair_body`].
    #[inline]
    pub(crate) fn scan_pair[R: Real, F: FnMut(bool, usize) -> R](
        row: &[R], off_i: Option<&[R]>, off_j: R, thr_i: &mut [R], thr_j: R, hit: &mut F
    ) -> R = scan_pair_body(Cmp::Avx512(()), Cmp::Avx2(()), Cmp::Portable)
);

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equality is what these tests check
mod tests {
    use super::*;
    use crate::real::tests::levels;

    #[test]
    fn dispatched_scan_finds_the_same_hits_as_scalar() {
        for m in [1usize, 5, 16, 17, 40] {
            let n = 7;
            let tile: Vec<f64> = (0..m * n).map(|i| f64::from(((i * 29) % 17) as u32)).collect();
            let off: Vec<f64> = (0..n).map(|j| f64::from((j % 3) as u32)).collect();
            for lv in levels() {
                for o in [None, Some(&off[..])] {
                    let mut hits = Vec::new();
                    let mut thr = vec![5.0; m];
                    scan(lv, &tile, m, o, &mut thr, &mut |i, j| {
                        hits.push((i, j));
                        5.0
                    });
                    let mut want = Vec::new();
                    for j in 0..n {
                        for i in 0..m {
                            if tile[j * m + i] + o.map_or(0.0, |o| o[j]) < 5.0 {
                                want.push((i, j));
                            }
                        }
                    }
                    assert_eq!(hits, want, "m {m} level {lv:?}");
                }
            }
        }
    }

    #[test]
    fn dispatched_row_scan_finds_the_same_hits_as_scalar() {
        let row: Vec<f64> = (0..53).map(|i| f64::from((i * 29) % 17)).collect();
        let off: Vec<f64> = (0..53).map(|i| f64::from(i % 3)).collect();
        for lv in levels() {
            for o in [None, Some(&off[..])] {
                let mut hits = Vec::new();
                scan_row(lv, &row, o, 5.0, &mut |j| {
                    hits.push(j);
                    5.0
                });
                let want: Vec<usize> = (0..53)
                    .filter(|&j| row[j] + o.map_or(0.0, |o| o[j]) < 5.0)
                    .collect();
                assert_eq!(hits, want);
            }
        }
    }

    /// The one-read scan of both sides of a row gives each side exactly the hits, order and
    /// final thresholds of its own scan (`scan` of that column, `scan_row` of the row), with
    /// NaN keys and offsets, thresholds lowered by hits, every level, f32 and f64.
    #[test]
    fn pair_scan_gives_each_side_the_hits_of_its_own_scan() {
        fn check<R: Real>(v: impl Fn(f64) -> R) {
            let key = |i: usize| match (i * 37) % 23 {
                0 => v(f64::NAN),
                k => v(k as f64 * 0.5 - 3.0),
            };
            let mut seen = (0, 0);
            for m in [1usize, 5, 16, 17, 33, 48] {
                let row: Vec<R> = (0..m).map(key).collect();
                let off_i: Vec<R> = (0..m)
                    .map(|i| v(if i == 3 { f64::NAN } else { (i % 5) as f64 * 0.25 }))
                    .collect();
                for (oi, oj) in [
                    (None, v(0.0)),
                    (Some(&off_i[..]), v(0.75)),
                    (Some(&off_i[..]), v(f64::NAN)),
                ] {
                    let lower = |x: R| R::from_f64(x.to_f64() - 0.5);
                    for lv in levels() {
                        // each side on its own
                        let (mut want_i, mut want_j) = (Vec::new(), Vec::new());
                        let mut thr_i: Vec<R> = (0..m).map(|i| v(1.0 + (i % 3) as f64)).collect();
                        let offs = [oj];
                        scan(lv, &row, m, Some(&offs[..]), &mut thr_i, &mut |i, _| {
                            want_i.push(i);
                            lower(row[i] + oj)
                        });
                        let last_j = scan_row(lv, &row, oi, v(1.5), &mut |i| {
                            want_j.push(i);
                            lower(row[i] + oi.map_or(v(0.0), |o| o[i]))
                        });
                        // both in one read
                        let (mut got_i, mut got_j) = (Vec::new(), Vec::new());
                        let mut thr2: Vec<R> = (0..m).map(|i| v(1.0 + (i % 3) as f64)).collect();
                        let last = scan_pair(lv, &row, oi, oj, &mut thr2, v(1.5), &mut |side, i| {
                            if side {
                                got_i.push(i);
                                lower(row[i] + oj)
                            } else {
                                got_j.push(i);
                                lower(row[i] + oi.map_or(v(0.0), |o| o[i]))
                            }
                        });
                        let what = format!("m {m} level {lv:?}");
                        assert_eq!(got_i, want_i, "{what}");
                        assert_eq!(got_j, want_j, "{what}");
                        assert!(
                            thr2.iter().zip(&thr_i).all(|(a, b)| a.to_f64() == b.to_f64()),
                            "{what}"
                        );
                        assert_eq!(last.to_f64(), last_j.to_f64(), "{what}");
                        seen.0 += want_i.len();
                        seen.1 += want_j.len();
                    }
                }
            }
            // the cases are not vacuous: both sides hit, also in the 16-lane part
            assert!(seen.0 > 40 && seen.1 > 40, "{seen:?}");
        }
        check(|x| x as f32);
        check(|x| x);
    }

    /// f32 keys (the AVX-512 comparison's type): NaN keys and offsets never hit, a hit that
    /// lowers its row's threshold is seen by the rest of the row, every level agrees.
    #[test]
    fn f32_scans_agree_on_every_level_with_nan_and_lowered_thresholds() {
        let key = |i: usize| -> f32 {
            match (i * 37) % 23 {
                0 => f32::NAN,
                v => v as f32 * 0.5 - 3.0,
            }
        };
        for m in [1usize, 5, 16, 17, 33, 48] {
            let n = 9;
            let tile: Vec<f32> = (0..m * n).map(key).collect();
            let off: Vec<f32> = (0..n)
                .map(|j| if j == 4 { f32::NAN } else { (j % 3) as f32 })
                .collect();
            for o in [None, Some(&off[..])] {
                // expected: the row-by-row loop with each row's threshold lowered to its hit's key
                // − 0.5 (thresholds only ever go down)
                let mut want = Vec::new();
                let mut t_want = vec![2.0f32; m];
                for j in 0..n {
                    for i in 0..m {
                        let v = tile[j * m + i] + o.map_or(0.0, |o| o[j]);
                        if v < t_want[i] {
                            want.push((i, j));
                            t_want[i] = v - 0.5;
                        }
                    }
                }
                for lv in levels() {
                    let mut hits = Vec::new();
                    let mut thr = vec![2.0f32; m];
                    scan(lv, &tile, m, o, &mut thr, &mut |i, j| {
                        hits.push((i, j));
                        tile[j * m + i] + o.map_or(0.0, |o| o[j]) - 0.5
                    });
                    assert_eq!(hits, want, "m {m} level {lv:?}");
                    assert_eq!(thr, t_want, "m {m} level {lv:?}");
                }
            }
        }
        for n in [3usize, 16, 31, 64, 70] {
            let row: Vec<f32> = (0..n).map(key).collect();
            let off: Vec<f32> = (0..n)
                .map(|j| if j == 17 { f32::NAN } else { (j % 5) as f32 * 0.25 })
                .collect();
            for o in [None, Some(&off[..])] {
                let mut want = Vec::new();
                let mut t = 1.0f32;
                for j in 0..n {
                    let v = row[j] + o.map_or(0.0, |o| o[j]);
                    if v < t {
                        want.push(j);
                        t = v - 0.25;
                    }
                }
                for lv in levels() {
                    let mut hits = Vec::new();
                    let last = scan_row(lv, &row, o, 1.0, &mut |j| {
                        hits.push(j);
                        row[j] + o.map_or(0.0, |o| o[j]) - 0.25
                    });
                    assert_eq!(hits, want, "n {n} level {lv:?}");
                    assert_eq!(last, t, "n {n} level {lv:?}");
                }
            }
        }
    }
}
