use super::*;

/// Deterministic pseudo-random bf16 bits of normal values in about ±2^±8 (xorshift).
fn bf16_values(n: usize, seed: u64) -> Vec<u16> {
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let v = ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 512.0;
            let v = if v.abs() < 1e-3 { 0.5 } else { v };
            (((v as f32).to_bits() + 0x8000) >> 16) as u16
        })
        .collect()
}

fn reference<T: Bf16Source>(a: &[T], b: &[T], i: usize, j: usize, d: usize) -> (f64, f64) {
    let (mut s, mut abs) = (0.0f64, 0.0f64);
    for t in 0..d {
        let p = f64::from(a[i * d + t].to_f32()) * f64::from(b[j * d + t].to_f32());
        s += p;
        abs += p.abs();
    }
    (s, abs)
}

fn check<T: Bf16Source>(path: LowpPath, a: &[T], b: &[T], m: usize, n: usize, d: usize) {
    let mut dst = vec![f32::NAN; m * n];
    dot_tile(path, &mut dst, a, b, (m, n, d), -2.0);
    let u = 2f64.powi(-24);
    let gamma = d as f64 * u / (1.0 - d as f64 * u);
    for j in 0..n {
        for i in 0..m {
            let (s, abs) = reference(a, b, i, j, d);
            let got = f64::from(dst[j * m + i]);
            let err = (got + 2.0 * s).abs();
            let bound = 2.0 * gamma * abs + 2.0 * u * 2.0 * s.abs() + 2.0 * d as f64 * 2f64.powi(-126);
            assert!(
                err <= bound,
                "{path:?} m={m} n={n} d={d} ({i},{j}): got {got}, want {}, err {err} > {bound}",
                -2.0 * s
            );
        }
    }
}

#[test]
fn every_path_within_the_f32_dot_bound_on_edge_shapes() {
    for path in available_paths() {
        for &(m, n, d) in &[
            (1, 1, 1),
            (31, 11, 3),
            (32, 12, 2),
            (33, 13, 7),
            (65, 25, 384),
            (5, 40, 129),
            (64, 24, 1),
        ] {
            let a = bf16_values(m * d, (m * 31 + d) as u64);
            let b = bf16_values(n * d, (n * 17 + d + 5) as u64);
            check(path, &a, &b, m, n, d);
        }
    }
}

#[test]
#[allow(clippy::float_cmp)] // exact integers are what this test checks
fn int8_products_are_exact_integers() {
    for path in available_paths() {
        let (m, n, d) = (40, 15, 300);
        let a: Vec<i8> = (0..m * d).map(|v| ((v * 37 + 11) % 256) as u8 as i8).collect();
        let b: Vec<i8> = (0..n * d).map(|v| ((v * 53 + 3) % 256) as u8 as i8).collect();
        let mut dst = vec![0.0f32; m * n];
        dot_tile(path, &mut dst, &a, &b, (m, n, d), 1.0);
        for j in 0..n {
            for i in 0..m {
                let want: i64 = (0..d)
                    .map(|t| i64::from(a[i * d + t]) * i64::from(b[j * d + t]))
                    .sum();
                // |partial sums| ≤ 300·128² < 2^24: every f32 addition is exact
                assert_eq!(f64::from(dst[j * m + i]), want as f64, "{path:?} ({i},{j})");
            }
        }
    }
}

#[test]
fn paths_agree_bit_for_bit() {
    // Same products (exact) added in the same order: the portable path reproduces vdpbf16ps.
    let (m, n, d) = (70, 30, 97);
    let a = bf16_values(m * d, 1);
    let b = bf16_values(n * d, 2);
    let run = |p| {
        let mut dst = vec![0.0f32; m * n];
        dot_tile(p, &mut dst, &a, &b, (m, n, d), 1.0);
        dst
    };
    let want = run(LowpPath::Scalar);
    for p in available_paths().into_iter().filter(|p| !p.unordered()) {
        assert_eq!(run(p), want, "{p:?}");
    }
}

#[test]
fn sub_tiles_of_packed_matrices_at_any_offset() {
    // rows ranges that start and end inside panels and column groups, as the kNN's tiles do
    let (rows, d) = (150, 37);
    let x = bf16_values(rows * d, 9);
    for path in available_paths() {
        let whole = Packed::new_for(path, &x, d, embgeo_core::Par::Rayon, Side::Both);
        for (ar, br) in [
            (0..150, 0..150),
            (7..61, 45..103),
            (48..96, 3..4),
            (100..150, 140..150),
        ] {
            let (m, n) = (ar.len(), br.len());
            let mut got = vec![f32::NAN; m * n];
            dot_tile_packed(path, &mut got, (&whole, ar.clone()), (&whole, br.clone()), -1.0);
            let mut want = vec![0.0f32; m * n];
            dot_tile(
                path,
                &mut want,
                &x[ar.start * d..ar.end * d],
                &x[br.start * d..br.end * d],
                (m, n, d),
                -1.0,
            );
            assert_eq!(got, want, "{path:?} {ar:?} x {br:?}");
        }
    }
}

#[test]
fn override_values() {
    assert_eq!(choose(Some("scalar")), LowpPath::Scalar);
    let avx512 = if LowpPath::Avx512Bf16.supported() {
        LowpPath::Avx512Bf16
    } else {
        LowpPath::Scalar
    };
    let best = if LowpPath::AmxBf16.supported() {
        LowpPath::AmxBf16
    } else {
        avx512
    };
    assert_eq!(choose(None), best);
    assert_eq!(choose(Some("amx")), best);
    assert_eq!(choose(Some("avx512bf16")), avx512);
    assert!(path().supported());
}

#[test]
#[allow(clippy::float_cmp)] // exact integers are what this test checks
fn int8_tiles_are_exact_on_every_path() {
    let (rows, d) = (130, 203);
    let x: Vec<i8> = (0..rows * d).map(|v| ((v * 37 + 11) % 256) as u8 as i8).collect();
    for path in Int8Path::available() {
        let p = Packed::new_i8_for(path, &x, d, embgeo_core::Par::Rayon, Side::Both);
        for (ar, br) in [(0..130, 0..130), (7..61, 45..103), (100..130, 129..130)] {
            let (m, n) = (ar.len(), br.len());
            let mut got = vec![f32::NAN; m * n];
            dot_tile_i8_packed(path, &mut got, (&p, ar.clone()), (&p, br.clone()), -2.0);
            for jl in 0..n {
                for il in 0..m {
                    let (i, j) = (ar.start + il, br.start + jl);
                    let want: i64 = (0..d)
                        .map(|t| i64::from(x[i * d + t]) * i64::from(x[j * d + t]))
                        .sum();
                    assert_eq!(
                        f64::from(got[jl * m + il]),
                        -2.0 * want as f64,
                        "{path:?} ({i},{j})"
                    );
                }
            }
        }
    }
}

#[test]
#[allow(clippy::float_cmp)] // bit-identical tiles are what this test checks
fn reused_blocks_pack_what_fresh_packings_do() {
    // one buffer refilled with corpus blocks of different sizes (larger, then smaller: stale
    // words must not leak into the tiles) gives the tiles of a fresh corpus packing, on every
    // bf16 and int8 path
    let bits = |t: &[f32]| t.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    let blocks = [(0, 300), (10, 47), (100, 101), (0, 33), (200, 300)];
    for d in [1, 5, 64, 128, 203] {
        let (qb, cb) = (
            bf16_values(7 * d, 3 + d as u64),
            bf16_values(300 * d, 5 + d as u64),
        );
        let qi: Vec<i8> = (0..7 * d).map(|v| ((v * 53 + 7) % 256) as u8 as i8).collect();
        let ci: Vec<i8> = (0..300 * d).map(|v| ((v * 37 + 11) % 256) as u8 as i8).collect();
        for path in available_paths() {
            let pa = Packed::new_for(path, &qb, d, embgeo_core::Par::Seq, Side::Queries);
            let mut block = Packed::default();
            for (c0, c1) in blocks {
                let src = &cb[c0 * d..c1 * d];
                block.repack_for(path, src, d);
                let fresh = Packed::new_for(path, src, d, embgeo_core::Par::Rayon, Side::Corpus);
                let n = c1 - c0;
                let (mut t1, mut t2) = (vec![f32::NAN; 7 * n], vec![f32::NAN; 7 * n]);
                dot_tile_packed(path, &mut t1, (&pa, 0..7), (&block, 0..n), -2.0);
                dot_tile_packed(path, &mut t2, (&pa, 0..7), (&fresh, 0..n), -2.0);
                assert_eq!(bits(&t1), bits(&t2), "{path:?} d = {d} rows {c0}..{c1}");
            }
        }
        for path in Int8Path::available().into_iter().filter(|_| d <= INT8_MAX_D) {
            let pa = Packed::new_i8_for(path, &qi, d, embgeo_core::Par::Seq, Side::Queries);
            let mut block = Packed::default();
            for (c0, c1) in blocks {
                let src = &ci[c0 * d..c1 * d];
                block.repack_i8_for(path, src, d);
                let n = c1 - c0;
                let mut got = vec![f32::NAN; 7 * n];
                dot_tile_i8_packed(path, &mut got, (&pa, 0..7), (&block, 0..n), -2.0);
                for (j, col) in got.chunks_exact(7).enumerate() {
                    for (i, &v) in col.iter().enumerate() {
                        let want: i64 = (0..d)
                            .map(|t| i64::from(qi[i * d + t]) * i64::from(src[j * d + t]))
                            .sum();
                        assert_eq!(f64::from(v), -2.0 * want as f64, "{path:?} d = {d} ({i},{j})");
                    }
                }
            }
        }
    }
}
