//! Every path against an f64 reference with the dot-product error bound; the tiles' grouping
//! (4-, 6-, 8-row tiles, single rows, partial panels, blocks and chunks) never changes a bit.

use super::{corpus_keys_f32_with, QueryPanels, NB, W};
use crate::tests::values;
use crate::{available_paths, Path, View, KC};

/// `γ_{d+2} = (d+2)·u/(1 − (d+2)·u)`, `u = 2⁻²⁴` (the chunk sums added into `dst`, `alpha`).
fn gamma(d: usize) -> f64 {
    let ku = (d + 2) as f64 * f64::from(f32::EPSILON) / 2.0;
    ku / (1.0 - ku)
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Queries `m × d` (row-major) and corpus `n × d` at row stride `d + pad`.
fn data(m: usize, n: usize, d: usize, pad: usize) -> (Vec<f32>, Vec<f32>) {
    let q = values(m * d, (m * 31 + d) as u64);
    let c = values(n * (d + pad), (n * 7 + d + pad) as u64);
    (q, c)
}

fn keys(path: Path, q: &[f32], c: &[f32], shape: (usize, usize, usize, usize), alpha: f32) -> Vec<f32> {
    keys_hinted(path, q, c, shape, alpha, None)
}

/// [`keys`] with `next` named as the caller's next corpus block.
fn keys_hinted(
    path: Path,
    q: &[f32],
    c: &[f32],
    (m, n, d, pad): (usize, usize, usize, usize),
    alpha: f32,
    next: Option<View<'_>>,
) -> Vec<f32> {
    let panels = QueryPanels::new(View::row_major(q, m, d).unwrap()).unwrap();
    let cv = View::new(c, n, d, d + pad, 1).unwrap();
    let mut dst = vec![f32::NAN; m * n];
    corpus_keys_f32_with(path, &mut dst, &panels, (cv, next), alpha).unwrap();
    dst
}

/// The shapes: query counts around the panel width (partial panels of 1–8, 9–16, 17–23
/// values; wide last panels of 25–32, full at 32 and 56), corpus rows around the tile heights
/// and the block `NB`, depths around the chunk `KC`, padded rows.
fn shapes() -> Vec<(usize, usize, usize, usize)> {
    vec![
        (1, 1, 1, 0),
        (3, 5, 7, 0),
        (8, 9, 16, 3),
        (9, 13, 31, 1),
        (16, 7, 64, 0),
        (17, 11, 3, 2),
        (W, 4, 100, 0),
        (W + 1, 6, 200, 5),
        (32, 9, 40, 0),
        (56, NB + 3, 130, 2),
        (40, NB + 9, 24, 0),
        (100, 23, KC + 17, 1),
        (47, 5, 2 * KC + 3, 0),
    ]
}

#[test]
fn every_path_is_within_the_dot_product_bound() {
    for path in available_paths() {
        for &(m, n, d, pad) in &shapes() {
            let (q, c) = data(m, n, d, pad);
            for alpha in [1.0f32, -2.0, 0.75] {
                let got = keys(path, &q, &c, (m, n, d, pad), alpha);
                for j in 0..n {
                    for i in 0..m {
                        let terms = (0..d).map(|t| f64::from(q[i * d + t]) * f64::from(c[j * (d + pad) + t]));
                        let (dot, abs) = terms.fold((0.0, 0.0), |(s, a), p| (s + p, a + p.abs()));
                        let want = f64::from(alpha) * dot;
                        let tol = f64::from(alpha.abs()) * (gamma(d) * abs + 2f64.powi(-24) * dot.abs());
                        let g = f64::from(got[j * m + i]);
                        assert!(
                            (g - want).abs() <= tol,
                            "{path:?} m {m} n {n} d {d} pad {pad} alpha {alpha} ({i}, {j}): {g} vs {want}"
                        );
                    }
                }
            }
        }
    }
}

/// Computing the corpus one row at a time gives the bits of the whole call: the 4-, 6- and
/// 8-row tiles, the single-row tail, the corpus blocks and the partial panels' tile buffer all
/// sum each entry alike. AVX-512 (which runs the AVX2 tiles) gives the AVX2 bits.
#[test]
fn tiles_and_blocks_do_not_change_bits() {
    for path in available_paths() {
        for &(m, n, d, pad) in &shapes() {
            let (q, c) = data(m, n, d, pad);
            let whole = keys(path, &q, &c, (m, n, d, pad), -2.0);
            let mut rows = Vec::with_capacity(m * n);
            for j in 0..n {
                let one = &c[j * (d + pad)..j * (d + pad) + d];
                rows.extend(keys(path, &q, one, (m, 1, d, 0), -2.0));
            }
            assert_eq!(bits(&whole), bits(&rows), "{path:?} m {m} n {n} d {d} pad {pad}");
            if path == Path::Avx512 {
                let avx2 = keys(Path::Avx2, &q, &c, (m, n, d, pad), -2.0);
                assert_eq!(bits(&whole), bits(&avx2), "avx512 vs avx2, m {m} n {n} d {d}");
            }
        }
    }
}

/// The next block's prefetch hint changes no value: a next block of the corpus's width (the
/// corpus itself, or one row of it), one of another width (ignored), none.
#[test]
fn the_next_block_hint_changes_no_bit() {
    for path in available_paths() {
        for &(m, n, d, pad) in &shapes() {
            let (q, c) = data(m, n, d, pad);
            let plain = keys(path, &q, &c, (m, n, d, pad), -2.0);
            let other: Vec<f32> = vec![1.5; 3 * (d + 1)];
            let hints = [
                View::new(&c, n, d, d + pad, 1).ok(),
                View::new(&c, n.min(1), d, d + pad, 1).ok(),
                View::row_major(&other, 3, d + 1).ok(),
            ];
            for next in hints {
                let got = keys_hinted(path, &q, &c, (m, n, d, pad), -2.0, next);
                assert_eq!(bits(&got), bits(&plain), "{path:?} m {m} n {n} d {d} pad {pad}");
            }
        }
    }
}

#[test]
fn empty_shapes_give_zeros_and_bad_shapes_errors() {
    for path in available_paths() {
        let (q, c) = data(3, 4, 5, 0);
        assert_eq!(keys(path, &q, &c[..0], (3, 0, 5, 0), 1.0), Vec::<f32>::new());
        let zero_d = keys(path, &[], &[], (3, 4, 0, 0), -2.0);
        assert!(zero_d.iter().all(|v| v.to_bits() == 0), "{path:?}: {zero_d:?}");
        let panels = QueryPanels::new(View::row_major(&q, 3, 5).unwrap()).unwrap();
        assert_eq!((panels.rows(), panels.cols()), (3, 5));
        let mut dst = vec![0.0; 12];
        let narrow = View::row_major(&c, 5, 4).unwrap();
        assert!(corpus_keys_f32_with(path, &mut dst, &panels, (narrow, None), 1.0).is_err());
        let strided = View::row_major(&c, 5, 4).unwrap().t();
        assert!(corpus_keys_f32_with(path, &mut dst, &panels, (strided, None), 1.0).is_err());
        let cv = View::row_major(&c, 4, 5).unwrap();
        assert!(corpus_keys_f32_with(path, &mut dst[..11], &panels, (cv, None), 1.0).is_err());
        assert!(corpus_keys_f32_with(path, &mut dst, &panels, (cv, None), 1.0).is_ok());
    }
}

/// NaN and infinities propagate as IEEE arithmetic does (no lane of a zero-padded panel leaks
/// into a valid entry).
#[test]
fn non_finite_values_propagate() {
    for path in available_paths() {
        let (m, n, d) = (5, 6, 9);
        let (mut q, mut c) = data(m, n, d, 0);
        q[2 * d + 4] = f32::NAN;
        c[3 * d + 1] = f32::INFINITY;
        let got = keys(path, &q, &c, (m, n, d, 0), 1.0);
        for j in 0..n {
            for i in 0..m {
                let g = got[j * m + i];
                if i == 2 {
                    assert!(g.is_nan(), "{path:?} ({i}, {j})");
                } else if j == 3 {
                    assert!(g.is_infinite() || g.is_nan(), "{path:?} ({i}, {j}): {g}");
                } else {
                    assert!(g.is_finite(), "{path:?} ({i}, {j}): {g}");
                }
            }
        }
    }
}
