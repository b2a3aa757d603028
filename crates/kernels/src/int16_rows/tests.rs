//! The quantisation's invariants, every path's entries against their definition (exact integer
//! sums in i64, then the f32 scalings), bit-identical paths, the worst-case magnitudes, and the
//! screening bound the module doc states, on rows of many widths, counts and magnitudes.
#![allow(clippy::float_cmp)] // exact equality is what these tests check

use super::{
    corpus_keys_i16_with, keys_with, q_max, CrossMarks, I16Queries, I16Rows, KeyMarks, MARK_LANES, NB, W,
};
use crate::tests::values;
use crate::{available_paths, Path, View};

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// The paths to test: the portable loop, AVX2 and AVX-512 (its AVX512-VNNI tiles, or the AVX2
/// tiles on a CPU without VNNI) where the CPU has them.
fn paths() -> Vec<Path> {
    let mut p = vec![Path::Scalar];
    for path in [Path::Avx2, Path::Avx512] {
        if available_paths().contains(&path) {
            p.push(path);
        }
    }
    p
}

/// Rows `rows × d` (row-major), values in (−2, 2) scaled by `scale` row by row (`scale(i)`).
fn rows(count: usize, d: usize, seed: u64, scale: impl Fn(usize) -> f32) -> Vec<f32> {
    let mut v = values(count * d, seed);
    for (i, row) in v.chunks_exact_mut(d.max(1)).enumerate() {
        for x in row.iter_mut() {
            *x *= scale(i);
        }
    }
    v
}

/// The tile of `q` (`m × d`, packed for the tiles of `pack`) against rows `range` of `c`
/// (`n × d`) computed on `run`.
fn packed_tile(
    (pack, run): (Path, Path),
    q: &[f32],
    c: &I16Rows,
    (m, d): (usize, usize),
    range: std::ops::Range<usize>,
    alpha: f32,
) -> Vec<f32> {
    let panels = I16Queries::new_with(pack, View::row_major(q, m, d).unwrap()).unwrap();
    let mut dst = vec![f32::NAN; m * range.len()];
    corpus_keys_i16_with(run, &mut dst, &panels, c, range, alpha).unwrap();
    dst
}

/// The definition: the exact integer sum (i64) converted to f32, times `s_i`, `s_j`, `alpha`.
fn reference(q: &I16Rows, c: &I16Rows, range: std::ops::Range<usize>, alpha: f32) -> Vec<f32> {
    let m = q.rows();
    let mut out = vec![0.0f32; m * range.len()];
    for (jj, j) in range.enumerate() {
        for i in 0..m {
            let s: i64 = q
                .row(i)
                .iter()
                .zip(c.row(j))
                .map(|(&a, &b)| i64::from(a) * i64::from(b))
                .sum();
            let v = i32::try_from(s).expect("fits an int32");
            out[jj * m + i] = ((v as f32 * q.scales()[i]) * c.scales()[j]) * alpha;
        }
    }
    out
}

#[test]
fn q_max_is_the_largest_level_without_int32_overflow() {
    for d in [
        1usize,
        2,
        3,
        7,
        64,
        128,
        129,
        384,
        768,
        1536,
        4096,
        1 << 20,
        (1 << 29) - 1,
    ] {
        let q = i64::from(q_max(d).unwrap());
        let d = d as i64;
        assert!(d * q * q < 1 << 31, "d = {d}");
        assert!(
            q == 32_767 || d * (q + 1) * (q + 1) >= 1 << 31,
            "d = {d}: {q} is the largest"
        );
    }
    assert_eq!(q_max(128), Some(4095));
    assert_eq!(q_max(768), Some(1672));
    assert_eq!(q_max(1), Some(32_767));
    assert_eq!(q_max(1 << 29), None);
}

/// Scales are the smallest powers of two (at least 2⁻¹²⁶) that keep `|q| ≤ Q`; `s·q + r = x`
/// with the residual norm bounded as stated (rounded up, by less than 1e-12 relative).
#[test]
fn quantisation_keeps_its_invariants() {
    for (d, mag) in [
        (1usize, 1.0f32),
        (5, 1e-3),
        (128, 1.0),
        (128, 3e30),
        (384, 1e-30),
        (768, 7.0),
        (33, 1e-40),
    ] {
        let x = rows(40, d, d as u64 + 3, |i| mag * (1.0 + i as f32));
        let r = I16Rows::new(View::row_major(&x, 40, d).unwrap()).unwrap();
        let q = i32::from(q_max(d).unwrap());
        for i in 0..40 {
            let row = &x[i * d..(i + 1) * d];
            let s = f64::from(r.scales()[i]);
            assert_eq!(s.log2().fract(), 0.0, "a power of two");
            assert!(s >= f64::from(f32::MIN_POSITIVE));
            let amax = row.iter().map(|v| f64::from(v.abs())).fold(0.0, f64::max);
            assert!(amax <= f64::from(q) * s);
            assert!(
                s == f64::from(f32::MIN_POSITIVE) || amax > f64::from(q) * s / 2.0,
                "the smallest"
            );
            let mut sum = 0.0f64;
            for (&v, &qt) in row.iter().zip(r.row(i)) {
                assert!(i32::from(qt).abs() <= q);
                assert_eq!(
                    f64::from(qt),
                    (f64::from(v) / s).round_ties_even(),
                    "the definition"
                );
                let res = f64::from(v) - f64::from(qt) * s;
                assert!(res.abs() <= s / 2.0, "rounded to nearest");
                sum += res * res;
            }
            let norm = sum.sqrt();
            let got = r.residuals()[i];
            assert!(
                got >= norm && got <= norm * (1.0 + 1e-12) + f64::MIN_POSITIVE,
                "{got} vs {norm}"
            );
        }
    }
}

/// Values halfway between two levels round to the even one (scale 1 at d = 6, `Q` = 18,918).
#[test]
fn quantisation_ties_round_to_even() {
    assert_eq!(q_max(6), Some(18_918));
    let x = [0.5f32, 1.5, 2.5, -2.5, 18_917.5, -0.5];
    let r = I16Rows::new(View::row_major(&x, 1, 6).unwrap()).unwrap();
    assert_eq!(r.scales(), &[1.0]);
    assert_eq!(r.row(0), &[0, 2, 2, -2, 18_918, 0]);
}

/// Every entry equals its definition on every path, for widths odd and even, query counts
/// around both panel widths (AVX2: a last panel of 1–8 queries joins the one before it: 25,
/// 56, 100; AVX512-VNNI: panels of 16, 32, and 48 when 1–16 join: 16, 17, 33, 49, 100, 113),
/// corpus ranges that start inside the rows and cross blocks (and leave rows over for the
/// 4- and 1-row tiles), and row norms from 2⁻¹⁰⁰ to 2⁶⁰; also queries packed for the
/// AVX512-VNNI tiles and read by the portable loop (and by the AVX2 path, which hands such
/// queries to it).
#[test]
fn every_path_computes_the_definition() {
    for (m, n, d) in [
        (1usize, 1usize, 1usize),
        (3, 7, 2),
        (24, 5, 3),
        (25, 4, 127),
        (48, 3 * NB + 2, 128),
        (100, 41, 129),
        (7, 19, 768),
        (33, 9, 64),
        (56, 10, 130),
        (16, 30, 5),
        (17, 29, 66),
        (49, 2 * NB + 7, 96),
        (113, 57, 33),
    ] {
        let q = rows(m, d, (m * 7 + d) as u64, |i| 2f32.powi((i % 5) as i32 * 8 - 20));
        let c = rows(n, d, (n * 3 + d) as u64, |j| 2f32.powi((j % 7) as i32 * 4 - 12));
        let cr = I16Rows::new(View::row_major(&c, n, d).unwrap()).unwrap();
        let qr = I16Rows::new(View::row_major(&q, m, d).unwrap()).unwrap();
        let range = (n / 3)..n;
        for alpha in [1.0f32, -2.0] {
            let want = reference(&qr, &cr, range.clone(), alpha);
            let runs = paths().into_iter().map(|p| (p, p));
            for (pack, run) in runs.chain([(Path::Avx512, Path::Scalar), (Path::Avx512, Path::Avx2)]) {
                let got = packed_tile((pack, run), &q, &cr, (m, d), range.clone(), alpha);
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "packed for {pack:?}, run on {run:?}, m {m}, n {n}, d {d}, alpha {alpha}"
                );
            }
        }
    }
}

/// The marks by their definition: bit `l` of mark `(j, g)` where `key + off[j] < thr[16g + l]`.
fn reference_marks(keys: &[f32], m: usize, off: Option<&[f32]>, thr: &[f32]) -> Vec<u16> {
    let groups = m.div_ceil(MARK_LANES);
    let mut out = vec![0u16; keys.len() / m * groups];
    for (j, col) in keys.chunks_exact(m).enumerate() {
        let o = off.map_or(0.0, |o| o[j]);
        for (i, &v) in col.iter().enumerate() {
            if v + o < thr[i] {
                out[j * groups + i / MARK_LANES] |= 1 << (i % MARK_LANES);
            }
        }
    }
    out
}

/// The cross marks by their definition: bit `l` of mark `(j, g)` where `key + off[16g + l] <
/// thr[j]`.
fn reference_cross(keys: &[f32], m: usize, off: Option<&[f32]>, thr: &[f32]) -> Vec<u16> {
    let groups = m.div_ceil(MARK_LANES);
    let mut out = vec![0u16; keys.len() / m * groups];
    for (j, col) in keys.chunks_exact(m).enumerate() {
        for (i, &v) in col.iter().enumerate() {
            if v + off.map_or(0.0, |o| o[i]) < thr[j] {
                out[j * groups + i / MARK_LANES] |= 1 << (i % MARK_LANES);
            }
        }
    }
    out
}

/// A threshold per entry `i` of `count`: the median of `value(i, ·)` over `len` (about half
/// the values below it), except infinite, minus infinite and NaN (none below) every 9.
fn thresholds(count: usize, len: usize, value: impl Fn(usize, usize) -> f32) -> Vec<f32> {
    (0..count)
        .map(|i| match i % 9 {
            3 => f32::INFINITY,
            4 => f32::NEG_INFINITY,
            5 => f32::NAN,
            _ => {
                let mut v: Vec<f32> = (0..len).map(|j| value(i, j)).collect();
                v.sort_by(f32::total_cmp);
                v[len / 2]
            }
        })
        .collect()
}

/// Every path marks exactly the keys its definition marks, on both sides of a tile (the cross
/// marks of a symmetric pass, or none), with the keys of the unmarked call: thresholds at the
/// median key (half the keys pass), infinite, minus infinite and NaN (none pass), offsets
/// (some NaN) or none, on the shapes of [`every_path_computes_the_definition`] that cover every
/// panel width and the 4- and 1-row tiles.
#[test]
fn every_path_marks_the_keys_below_their_thresholds() {
    for (m, n, d) in [
        (1usize, 3usize, 1usize),
        (25, 4, 127),
        (48, 3 * NB + 2, 128),
        (100, 41, 129),
        (16, 30, 5),
        (17, 29, 66),
        (49, 2 * NB + 7, 96),
        (113, 57, 33),
    ] {
        let q = rows(m, d, (m * 5 + d) as u64, |i| 2f32.powi((i % 3) as i32 * 6 - 6));
        let c = rows(n, d, (n * 11 + d) as u64, |j| 2f32.powi((j % 4) as i32 * 3 - 3));
        let cr = I16Rows::new(View::row_major(&c, n, d).unwrap()).unwrap();
        let qr = I16Rows::new(View::row_major(&q, m, d).unwrap()).unwrap();
        let range = (n / 3)..n;
        let len = range.len();
        let keys = reference(&qr, &cr, range.clone(), -2.0);
        let nan_every = |k: usize| {
            move |at: usize| {
                if at % 17 == k {
                    f32::NAN
                } else {
                    values(1, at as u64)[0]
                }
            }
        };
        let offs: Vec<f32> = (0..len).map(nan_every(5)).collect();
        let qoffs: Vec<f32> = (0..m).map(nan_every(2)).collect();
        let thr = thresholds(m, len, |i, j| keys[j * m + i] + offs[j]);
        let cthr = thresholds(len, m, |j, i| keys[j * m + i] + qoffs[i]);
        for (off, qoff) in [(Some(&offs[..]), Some(&qoffs[..])), (None, None)] {
            let want = reference_marks(&keys, m, off, &thr);
            let want_cross = reference_cross(&keys, m, qoff, &cthr);
            assert!(
                want.iter().chain(&want_cross).any(|&b| b != 0),
                "m {m}, n {n}: some keys pass"
            );
            let runs = paths().into_iter().map(|p| (p, p));
            for (pack, run) in runs.chain([(Path::Avx512, Path::Scalar)]) {
                for cross in [false, true] {
                    let panels = I16Queries::new_with(pack, View::row_major(&q, m, d).unwrap()).unwrap();
                    let mut dst = vec![f32::NAN; m * len];
                    let mut marks = vec![0xAAAAu16; want.len()];
                    let mut cmarks = vec![0x5555u16; want.len()];
                    let mut km = KeyMarks {
                        off,
                        thr: &thr,
                        marks: &mut marks,
                        cross: cross.then_some(CrossMarks {
                            off: qoff,
                            thr: &cthr,
                            marks: &mut cmarks,
                        }),
                    };
                    keys_with(run, &mut dst, &panels, &cr, range.clone(), -2.0, Some(&mut km)).unwrap();
                    let what = format!(
                        "packed for {pack:?}, run on {run:?}, m {m}, n {n}, d {d}, off {}, cross {cross}",
                        off.is_some()
                    );
                    assert_eq!(bits(&dst), bits(&keys), "keys, {what}");
                    assert_eq!(marks, want, "marks, {what}");
                    if cross {
                        assert_eq!(cmarks, want_cross, "cross marks, {what}");
                    } else {
                        assert!(cmarks.iter().all(|&b| b == 0x5555), "no cross marks, {what}");
                    }
                }
            }
        }
    }
}

/// Marks, thresholds or offsets shorter than the call needs are a `Shape` error before any
/// write.
#[test]
fn short_marks_are_a_coded_error() {
    let (m, n, d) = (20usize, 6usize, 8usize);
    let q = rows(m, d, 1, |_| 1.0);
    let c = I16Rows::new(View::row_major(&rows(n, d, 2, |_| 1.0), n, d).unwrap()).unwrap();
    let panels = I16Queries::new(View::row_major(&q, m, d).unwrap()).unwrap();
    let (thr, off) = (vec![0.0f32; m], vec![0.0f32; n]);
    for (marks_len, thr_len, off_len) in [(2 * n - 1, m, n), (2 * n, m - 1, n), (2 * n, m, n - 1)] {
        let mut marks = vec![7u16; marks_len];
        let mut dst = vec![1.0f32; m * n];
        let mut km = KeyMarks {
            off: Some(&off[..off_len]),
            thr: &thr[..thr_len],
            marks: &mut marks,
            cross: None,
        };
        let err = super::corpus_keys_i16_marked(&mut dst, &panels, &c, 0..n, -2.0, &mut km).unwrap_err();
        assert!(matches!(err, embgeo_core::Error::Shape { .. }), "{err:?}");
        assert!(dst.iter().all(|&v| v == 1.0) && marks.iter().all(|&b| b == 7));
    }
}

/// Rows at the quantisation's extremes: every value `±Q` (scale 1, so `q = ±Q`) in both
/// operands at widths where `d·Q²` comes close to 2³¹: the integer sums (all of one sign, or
/// alternating) stay exact.
#[test]
fn the_largest_sums_do_not_overflow() {
    for d in [1usize, 2, 3, 128, 768, 1536] {
        let q = f32::from(q_max(d).unwrap());
        let same: Vec<f32> = vec![q; d];
        let alt: Vec<f32> = (0..d).map(|t| if t % 2 == 0 { -q } else { q }).collect();
        let neg: Vec<f32> = vec![-q; d];
        let c: Vec<f32> = [same.clone(), alt.clone(), neg].concat();
        let cr = I16Rows::new(View::row_major(&c, 3, d).unwrap()).unwrap();
        assert_eq!(cr.scales(), &[1.0; 3]);
        let queries: Vec<f32> = [same, alt].concat();
        let qr = I16Rows::new(View::row_major(&queries, 2, d).unwrap()).unwrap();
        let full = (d as i64 * i64::from(q_max(d).unwrap()).pow(2)) as f32;
        let odd = if d % 2 == 0 {
            0.0
        } else {
            -f32::from(q_max(d).unwrap()).powi(2)
        };
        for path in paths() {
            let got = packed_tile((path, path), &queries, &cr, (2, d), 0..3, 1.0);
            assert_eq!(
                bits(&got),
                bits(&reference(&qr, &cr, 0..3, 1.0)),
                "{path:?}, d {d}"
            );
            // dst[j·2 + i]: (same, same), (same, alt), (same, neg)
            assert_eq!((got[0], got[2], got[4]), (full, odd, -full), "{path:?}, d {d}");
        }
    }
}

/// The screening bound of the module doc holds for every entry, against the f64 dot product
/// of the original rows: `|alpha|·(‖r_x‖‖ŷ‖ + ‖x̂‖‖r_y‖ + ‖r_x‖‖r_y‖ + 2⁻²⁴·‖x̂‖‖ŷ‖)` with
/// `‖x̂‖ ≤ ‖x‖ + ‖r_x‖`.
#[test]
fn entries_are_within_the_screening_bound() {
    let (m, n, d) = (30usize, 200usize, 384usize);
    let q = rows(m, d, 11, |i| 1.0 + i as f32);
    let c = rows(n, d, 12, |j| 0.01 * (1 + j % 13) as f32);
    let cr = I16Rows::new(View::row_major(&c, n, d).unwrap()).unwrap();
    let norm = |v: &[f32]| v.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
    let mut worst = 0.0f64;
    for path in paths() {
        let qp = I16Queries::new_with(path, View::row_major(&q, m, d).unwrap()).unwrap();
        let mut dst = vec![0.0f32; m * n];
        corpus_keys_i16_with(path, &mut dst, &qp, &cr, 0..n, -2.0).unwrap();
        for j in 0..n {
            let y = &c[j * d..(j + 1) * d];
            let (ry, ny) = (cr.residuals()[j], norm(y) + cr.residuals()[j]);
            for i in 0..m {
                let x = &q[i * d..(i + 1) * d];
                let (rx, nx) = (qp.residuals()[i], norm(x) + qp.residuals()[i]);
                let exact: f64 = x.iter().zip(y).map(|(&a, &b)| f64::from(a) * f64::from(b)).sum();
                let bound = 2.0 * (rx * ny + nx * ry + rx * ry + f64::from(f32::EPSILON) / 2.0 * nx * ny);
                let err = (f64::from(dst[j * m + i]) + 2.0 * exact).abs();
                assert!(err <= bound, "{path:?} ({i}, {j}): {err} > {bound}");
                worst = worst.max(err / bound);
            }
        }
    }
    // the bound is not vacuous: some entry spends a visible part of it
    assert!(worst > 0.01, "largest error / bound {worst}");
}

#[test]
fn bad_input_is_a_coded_error() {
    let x = [1.0f32, f32::NAN];
    assert_eq!(
        I16Rows::new(View::row_major(&x, 1, 2).unwrap())
            .unwrap_err()
            .code(),
        "ERR_OUT_OF_RANGE"
    );
    let y = [1.0f32, f32::INFINITY];
    assert_eq!(
        I16Queries::new(View::row_major(&y, 1, 2).unwrap())
            .unwrap_err()
            .code(),
        "ERR_OUT_OF_RANGE"
    );
    let c = I16Rows::new(View::row_major(&[1.0, 2.0, 3.0, 4.0], 2, 2).unwrap()).unwrap();
    let q = I16Queries::new(View::row_major(&[1.0, 2.0, 3.0], 1, 3).unwrap()).unwrap();
    let mut dst = vec![0.0; 4];
    assert_eq!(
        corpus_keys_i16_with(Path::Scalar, &mut dst, &q, &c, 0..2, 1.0)
            .unwrap_err()
            .code(),
        "ERR_SHAPE"
    );
    let q = I16Queries::new(View::row_major(&[1.0, 2.0], 1, 2).unwrap()).unwrap();
    assert_eq!(
        corpus_keys_i16_with(Path::Scalar, &mut dst, &q, &c, 1..3, 1.0)
            .unwrap_err()
            .code(),
        "ERR_SHAPE"
    );
    assert_eq!(
        corpus_keys_i16_with(Path::Scalar, &mut dst[..1], &q, &c, 0..2, 1.0)
            .unwrap_err()
            .code(),
        "ERR_SHAPE"
    );
    // an empty range writes nothing
    corpus_keys_i16_with(Path::Scalar, &mut [], &q, &c, 1..1, 1.0).unwrap();
    let _ = W;
}

/// Rows quantised in parts and joined equal the rows quantised at once.
#[test]
fn joined_parts_equal_one_quantisation() {
    let (n, d) = (50usize, 37usize);
    let x = rows(n, d, 5, |i| 2f32.powi(i as i32 % 9 - 4));
    let whole = I16Rows::new(View::row_major(&x, n, d).unwrap()).unwrap();
    let parts: Vec<I16Rows> = [0..7, 7..30, 30..30, 30..50]
        .into_iter()
        .map(|r| I16Rows::new(View::row_major(&x[r.start * d..r.end * d], r.len(), d).unwrap()).unwrap())
        .collect();
    let joined = I16Rows::concat(&parts).unwrap();
    assert_eq!((joined.rows(), joined.cols()), (n, d));
    for j in 0..n {
        assert_eq!(joined.row(j), whole.row(j));
    }
    assert_eq!(bits(joined.scales()), bits(whole.scales()));
    assert_eq!(joined.residuals(), whole.residuals());
    assert_eq!(joined.memory_bytes(), n * 38 * 2 + n * 12);
    let other = I16Rows::new(View::row_major(&x[..36], 1, 36).unwrap()).unwrap();
    assert_eq!(I16Rows::concat(&[whole, other]).unwrap_err().code(), "ERR_SHAPE");
}

/// The AVX512-VNNI panels: full panels of 32, a last one of 48 when 1–16 queries are left over
/// after a full panel, else of 16 or 32; together they hold every query once, padding less
/// than a vector.
#[test]
fn vnni_panels_hold_every_query_once() {
    use super::layout_512;
    assert_eq!(layout_512(16), (1, 16));
    assert_eq!(layout_512(17), (1, 32));
    assert_eq!(layout_512(32), (1, 32));
    assert_eq!(layout_512(33), (1, 48));
    assert_eq!(layout_512(100), (3, 48));
    assert_eq!(layout_512(113), (4, 32));
    for m in 1..300 {
        let (panels, last) = layout_512(m);
        let lanes = (panels - 1) * 32 + last;
        assert!(
            lanes >= m && lanes - m < 16,
            "m {m}: {panels} panels, last {last}"
        );
        assert!([16, 32, 48].contains(&last), "m {m}: last {last}");
    }
}

/// Queries packed from rows quantised already (`from_rows`, a range inside them) give the tiles
/// of the same f32 rows packed by `new_with`, on every path; a range past the rows is a coded
/// error.
#[test]
fn queries_from_quantised_rows_equal_queries_quantised_again() {
    let (n, d) = (90usize, 37usize);
    let x = rows(n, d, 29, |i| 2f32.powi((i % 9) as i32 * 3 - 10));
    let all = I16Rows::new(View::row_major(&x, n, d).unwrap()).unwrap();
    for path in paths() {
        for range in [0..n, 5..55, 17..18] {
            let m = range.len();
            let sub = &x[range.start * d..range.end * d];
            let want = packed_tile((path, path), sub, &all, (m, d), 0..n, -2.0);
            let q = I16Queries::from_rows(path, &all, range.clone()).unwrap();
            assert_eq!(q.residuals(), &all.residuals()[range.clone()]);
            let mut got = vec![f32::NAN; m * n];
            corpus_keys_i16_with(path, &mut got, &q, &all, 0..n, -2.0).unwrap();
            assert_eq!(bits(&got), bits(&want), "{path:?}, rows {range:?}");
        }
    }
    assert!(I16Queries::from_rows(Path::Scalar, &all, 80..91).is_err());
}
