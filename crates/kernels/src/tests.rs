//! Every path against an f64 reference with the rigorous dot-product error bound.

use crate::{available_paths, gemm_f32_with, gemm_nt_f32_with, syrk_lower_f32_with, Par, Path, View};

/// Deterministic awkward values in [-2, 2] with some exact zeros.
pub(crate) fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(1);
    (0..len)
        .map(|i| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if i % 17 == 3 {
                0.0
            } else {
                ((s >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
            }
        })
        .collect()
}

/// `γ_k = k·u/(1 − k·u)`, `u = 2⁻²⁴` (plus one rounding of the stored chunk sums).
fn gamma(k: usize) -> f64 {
    let ku = (k + 2) as f64 * f64::from(f32::EPSILON) / 2.0;
    ku / (1.0 - ku)
}

fn check_gemm(path: Path, m: usize, k: usize, n: usize, trans_a: bool, trans_b: bool) {
    let a = values(m * k, 1 + m as u64);
    let b = values(k * n, 2 + n as u64);
    let av = if trans_a {
        View::row_major(&a, k, m).unwrap().t()
    } else {
        View::row_major(&a, m, k).unwrap()
    };
    let bv = if trans_b {
        View::row_major(&b, n, k).unwrap().t()
    } else {
        View::row_major(&b, k, n).unwrap()
    };
    check_gemm_views(path, av, bv);
}

/// `C = A·B` on `path` within the γ bound of an f64 reference, padding untouched, and
/// `Par::Seq` bit-identical to `Par::Rayon`.
fn check_gemm_views(path: Path, av: View<'_>, bv: View<'_>) {
    let (m, k, n) = (av.rows(), av.cols(), bv.cols());
    let ldc = n + 3;
    let mut c = vec![f32::NAN; m.saturating_sub(1) * ldc + n + 2];
    gemm_f32_with(path, &mut c, ldc, av, bv, Par::Seq).unwrap();
    for i in 0..m {
        for j in 0..n {
            let (mut exact, mut abs) = (0.0f64, 0.0f64);
            for t in 0..k {
                let p = f64::from(av.at(i, t)) * f64::from(bv.at(t, j));
                exact += p;
                abs += p.abs();
            }
            let got = f64::from(c[i * ldc + j]);
            assert!(
                (got - exact).abs() <= gamma(k) * abs,
                "{path:?} {m}×{k}×{n} ({i},{j}): {got} vs {exact}"
            );
        }
        // Padding between rows is untouched.
        if i + 1 < m {
            assert!(c[i * ldc + n].is_nan());
        }
    }
    let mut par = vec![f32::NAN; c.len()];
    gemm_f32_with(path, &mut par, ldc, av, bv, Par::Rayon).unwrap();
    assert_eq!(bits(&c), bits(&par), "{path:?} Seq vs Rayon");
}

/// `v` as a row-major `rows × cols` view.
fn rm(v: &[f32], rows: usize, cols: usize) -> View<'_> {
    View::row_major(v, rows, cols).unwrap()
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn check_syrk(path: Path, rows: usize, d: usize) {
    let a = values(rows * d, 7 + d as u64);
    let mut c = vec![f32::NAN; d * d];
    syrk_lower_f32_with(path, &mut c, &a, rows, d, Par::Seq).unwrap();
    for i in 0..d {
        for j in 0..=i {
            let (mut exact, mut abs) = (0.0f64, 0.0f64);
            for r in 0..rows {
                let p = f64::from(a[r * d + i]) * f64::from(a[r * d + j]);
                exact += p;
                abs += p.abs();
            }
            let got = f64::from(c[i * d + j]);
            assert!(
                (got - exact).abs() <= gamma(rows) * abs,
                "{path:?} syrk {rows}×{d} ({i},{j}): {got} vs {exact}"
            );
        }
    }
    let mut par = vec![f32::NAN; d * d];
    syrk_lower_f32_with(path, &mut par, &a, rows, d, Par::Rayon).unwrap();
    for i in 0..d {
        assert_eq!(
            bits(&c[i * d..=i * d + i]),
            bits(&par[i * d..=i * d + i]),
            "{path:?} Seq vs Rayon"
        );
    }
}

#[test]
fn gemm_every_path_odd_shapes() {
    for path in available_paths() {
        for (m, k, n) in [
            (1, 1, 1),
            (7, 13, 5),
            (13, 7, 17),
            (121, 300, 33),
            (6, 256, 16),
            (5, 513, 40),
        ] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                check_gemm(path, m, k, n, ta, tb);
            }
        }
    }
}

/// Tile and chunk edges of every path: `m` around MR (6 and 14) and 2·MR, `n` around NR (16 and
/// 32) and 2·NR, `k` around KC (256 on scalar/AVX2, 384 on AVX-512) and 2·KC.
#[test]
fn gemm_edge_shapes_around_tiles_and_chunks() {
    let mn = [
        (1, 1),
        (5, 15),
        (6, 16),
        (7, 17),
        (13, 31),
        (14, 32),
        (15, 33),
        (29, 65),
        (27, 63),
    ];
    let ks = [1, 255, 256, 257, 383, 384, 385, 769];
    for path in available_paths() {
        for (i, &(m, n)) in mn.iter().enumerate() {
            for (j, &k) in ks.iter().enumerate() {
                // alternate the layouts so that every pair of (m, n) and k meets both packings
                let t = (i + j) % 2 == 1;
                check_gemm(path, m, k, n, t, !t);
            }
        }
    }
}

#[test]
fn gemm_strided_submatrix_views() {
    // A is the 37 × 41 block at (2, 3) of a 45 × 50 buffer, B the transpose of a 29 × 41 block
    // with row stride 47: neither is contiguous.
    let buf_a = values(45 * 50, 11);
    let buf_b = values(33 * 47, 12);
    let av = View::new(&buf_a[2 * 50 + 3..], 37, 41, 50, 1).unwrap();
    let bv = View::new(&buf_b[47 + 4..], 29, 41, 47, 1).unwrap().t();
    for path in available_paths() {
        check_gemm_views(path, av, bv);
        check_gemm_views(path, bv.t(), av.t());
    }
}

/// Integer-valued data of small magnitude: every partial sum is exact in f32, so each path
/// must return the exact product (a wrong index or a lost step cannot hide in the tolerance).
#[test]
fn every_path_is_exact_on_integer_data() {
    // m = 197 = 2·96 + 5 crosses the wide AVX-512 tile's columns, n = 70 its rows and the
    // 14 × 32 tile's; k = 777 > 2·384 makes three chunks
    let (m, k, n) = (197, 777, 70);
    let int =
        |len: usize, mul: usize| -> Vec<f32> { (0..len).map(|i| ((i * mul) % 7) as f32 - 3.0).collect() };
    let a = int(m * k, 31);
    let b = int(n * k, 17);
    let mut want = vec![0.0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            // |sum| ≤ 777·9 < 2²⁴: exact in f32 whatever the order
            want[j * m + i] = -2.0 * (0..k).map(|t| a[i * k + t] * b[j * k + t]).sum::<f32>();
        }
    }
    for path in available_paths() {
        let mut got = vec![f32::NAN; m * n];
        gemm_nt_f32_with(path, &mut got, rm(&a, m, k), rm(&b, n, k), -2.0).unwrap();
        assert_eq!(bits(&got), bits(&want), "{path:?}");
    }
}

/// `dst (column-major m × n) = alpha·A·Bᵀ` against an f64 reference: bound
/// `|alpha|·γ_{d+2}·Σ|a_t·b_t|` plus one rounding of the scaling.
fn check_gemm_nt(path: Path, m: usize, n: usize, d: usize, alpha: f32) {
    let a = values(m * d, 21 + m as u64);
    let b = values(n * d, 22 + n as u64);
    let mut dst = vec![f32::NAN; m * n + 3];
    gemm_nt_f32_with(path, &mut dst, rm(&a, m, d), rm(&b, n, d), alpha).unwrap();
    let al = f64::from(alpha);
    for j in 0..n {
        for i in 0..m {
            let (mut exact, mut abs) = (0.0f64, 0.0f64);
            for t in 0..d {
                let p = f64::from(a[i * d + t]) * f64::from(b[j * d + t]);
                exact += p;
                abs += p.abs();
            }
            let got = f64::from(dst[j * m + i]);
            let bound = al.abs() * (gamma(d) * abs + f64::from(f32::EPSILON) * exact.abs());
            assert!(
                (got - al * exact).abs() <= bound,
                "{path:?} nt {m}×{n}×{d} ({i},{j}): {got} vs {}",
                al * exact
            );
        }
    }
    assert!(
        dst[m * n..].iter().all(|v| v.is_nan()),
        "{path:?}: wrote past m·n"
    );
}

#[test]
fn gemm_nt_every_path_against_f64() {
    for path in available_paths() {
        for (m, n, d) in [
            (1, 1, 1),
            (5, 7, 3),
            (33, 15, 385),
            (40, 45, 40),
            (20, 64, 769),
            (14, 32, 384),
        ] {
            for alpha in [1.0, -2.0, 0.3] {
                check_gemm_nt(path, m, n, d, alpha);
            }
        }
        // d = 0: alpha·0 = 0
        let mut dst = vec![f32::NAN; 6];
        gemm_nt_f32_with(path, &mut dst, rm(&[], 2, 0), rm(&[], 3, 0), -1.0).unwrap();
        assert_eq!(bits(&dst), [0u32; 6]);
    }
}

#[test]
fn gemm_nt_rejects_short_buffers() {
    let a = [1.0f32; 6];
    let mut dst = [0.0f32; 4];
    let short = gemm_nt_f32_with(Path::Scalar, &mut dst, rm(&a, 2, 2), rm(&a, 3, 2), 1.0);
    assert_eq!(short.unwrap_err().code(), "ERR_SHAPE"); // dst needs 2·3 = 6
    let mut dst = [0.0f32; 9];
    let e = View::row_major(&a, 3, 3).unwrap_err();
    assert_eq!(e.code(), "ERR_SHAPE"); // a needs 3·3 = 9
    let wide = gemm_nt_f32_with(Path::Scalar, &mut dst, rm(&a, 3, 2), rm(&a, 2, 3), 1.0);
    assert_eq!(wide.unwrap_err().code(), "ERR_SHAPE"); // widths 2 vs 3
}

#[test]
fn gemm_large_projection_shape() {
    for path in available_paths() {
        check_gemm(path, 300, 385, 70, false, true);
    }
}

#[test]
fn syrk_every_path_odd_shapes() {
    for path in available_paths() {
        for (rows, d) in [
            (1, 1),
            (7, 13),
            (13, 7),
            (1000, 385),
            (300, 130),
            (257, 16),
            (2, 121),
            (385, 33),
            (383, 31),
            (384, 32),
            (769, 15),
            (3, 281),
        ] {
            check_syrk(path, rows, d);
        }
    }
}

#[test]
fn paths_agree_closely() {
    let (rows, d) = (500, 97);
    let a = values(rows * d, 3);
    let mut outs = Vec::new();
    for path in available_paths() {
        let mut c = vec![0.0f32; d * d];
        syrk_lower_f32_with(path, &mut c, &a, rows, d, Par::Seq).unwrap();
        outs.push(c);
    }
    for o in &outs[1..] {
        for i in 0..d {
            for j in 0..=i {
                let (x, y) = (o[i * d + j], outs[0][i * d + j]);
                assert!((x - y).abs() <= 1e-4 * (1.0 + y.abs()), "{x} vs {y}");
            }
        }
    }
}

#[test]
fn nan_and_inf_propagate_only_where_they_belong() {
    for path in available_paths() {
        let (rows, d) = (40, 20);
        let mut a = values(rows * d, 5);
        a[3 * d + 4] = f32::NAN; // column 4
        a[9 * d + 11] = f32::INFINITY; // column 11
        let mut c = vec![0.0f32; d * d];
        syrk_lower_f32_with(path, &mut c, &a, rows, d, Par::Seq).unwrap();
        for i in 0..d {
            for j in 0..=i {
                let v = c[i * d + j];
                let touched = [i, j].contains(&4) || [i, j].contains(&11);
                assert_eq!(!v.is_finite(), touched, "{path:?} ({i},{j}) = {v}");
            }
        }
        assert_eq!(c[11 * d + 11].to_bits(), f32::INFINITY.to_bits());
        // GEMM: an Inf in A row 2 poisons row 2 of C only.
        let (m, k, n) = (9, 30, 18);
        let mut x = values(m * k, 6);
        x[2 * k + 5] = f32::INFINITY;
        let y = values(k * n, 8);
        let mut out = vec![0.0f32; m * n];
        gemm_f32_with(
            path,
            &mut out,
            n,
            View::row_major(&x, m, k).unwrap(),
            View::row_major(&y, k, n).unwrap(),
            Par::Seq,
        )
        .unwrap();
        for i in 0..m {
            for j in 0..n {
                assert_eq!(out[i * n + j].is_finite(), i != 2, "{path:?} ({i},{j})");
            }
        }
    }
}

#[test]
fn empty_inputs() {
    for path in available_paths() {
        let mut c = vec![f32::NAN; 9];
        syrk_lower_f32_with(path, &mut c, &[], 0, 3, Par::Seq).unwrap();
        for i in 0..3 {
            for j in 0..=i {
                assert_eq!(c[i * 3 + j].to_bits(), 0);
            }
        }
        let mut out = vec![1.0f32; 4];
        let a = View::row_major(&[], 2, 0).unwrap();
        let b = View::row_major(&[], 0, 2).unwrap();
        gemm_f32_with(path, &mut out, 2, a, b, Par::Seq).unwrap();
        assert_eq!(bits(&out), [0u32; 4]);
        let mut none: Vec<f32> = Vec::new();
        let a = View::row_major(&[], 0, 3).unwrap();
        let b = View::row_major(&[1.0; 6], 3, 2).unwrap();
        gemm_f32_with(path, &mut none, 2, a, b, Par::Seq).unwrap();
    }
}

#[test]
fn bad_shapes_are_errors() {
    let a = [1.0f32; 6];
    assert_eq!(View::row_major(&a, 3, 3).unwrap_err().code(), "ERR_SHAPE");
    assert_eq!(
        View::new(&a, 2, 2, usize::MAX, 1).unwrap_err().code(),
        "ERR_SHAPE"
    );
    let v = View::row_major(&a, 2, 3).unwrap();
    let mut c = [0.0f32; 4];
    assert_eq!(
        gemm_f32_with(Path::Scalar, &mut c, 2, v, v, Par::Seq)
            .unwrap_err()
            .code(),
        "ERR_SHAPE"
    );
    assert_eq!(
        gemm_f32_with(Path::Scalar, &mut c, 1, v, v.t(), Par::Seq)
            .unwrap_err()
            .code(),
        "ERR_SHAPE"
    );
    let mut small = [0.0f32; 3];
    assert_eq!(
        syrk_lower_f32_with(Path::Scalar, &mut small, &a, 3, 2, Par::Seq)
            .unwrap_err()
            .code(),
        "ERR_SHAPE"
    );
    assert_eq!(
        syrk_lower_f32_with(Path::Scalar, &mut small, &a, 4, 2, Par::Seq)
            .unwrap_err()
            .code(),
        "ERR_SHAPE"
    );
}
