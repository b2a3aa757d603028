//! `ranks`: the exact rank of given targets among all rows equals sorting every exact key of the
//! row (`metric::exact_key`, ties to the lower index), on random targets and the kNN graph,
//! for both passes (symmetric block pairs, row blocks) at any block size and thread count,
//! and bad input gets coded errors.

mod common;

use common::{
    clustered, gaussian, integer_grid, naive_ranks as naive, random_targets, rng, to_f32, with_duplicates,
    METRICS,
};
use embgeo_core::{Ctl, Element, MatRef, Neighbors, Par};
use embgeo_knn::{all_points, ranks, ranks_of_rows, ranks_with, Metric, Params, RankParams};
use rand::Rng;

fn check<T: Element>(x: &[T], d: usize, targets: &Neighbors, what: &str) {
    let m = MatRef::from_flat(x, d).unwrap();
    for metric in METRICS {
        let got = ranks(m, metric, targets, &Ctl::detached()).unwrap();
        assert_eq!(got.ranks, naive(x, d, metric, targets), "{what}, {metric:?}");
        assert!(got.exact_keys >= (targets.rows * targets.k) as u64);
    }
}

#[test]
fn ranks_equal_the_definition() {
    for (x, d, what) in [
        (gaussian(300, 7, 1), 7, "gaussian"),
        (clustered(300, 24, 5, 2), 24, "clustered"),
        (with_duplicates(300, 5, 3), 5, "duplicates"),
    ] {
        let t = random_targets(300, 3, 4);
        check(&x, d, &t, what);
        check(&to_f32(&x), d, &t, what);
        let m = MatRef::from_flat(&x, d).unwrap();
        let knn = all_points(m, &Params::new(5, Metric::Euclidean), &Ctl::detached()).unwrap();
        check(&to_f32(&x), d, &knn, what);
    }
}

#[test]
fn bad_input_gets_coded_errors() {
    let x = gaussian(10, 2, 5);
    let m = MatRef::from_flat(&x, 2).unwrap();
    let ctl = Ctl::detached();
    let code = |x: MatRef<'_, f64>, t: &Neighbors| ranks(x, Metric::Euclidean, t, &ctl).unwrap_err().code();
    assert_eq!(code(m, &random_targets(9, 1, 6)), "ERR_SHAPE");
    let bad = Neighbors::new(1, 10, vec![10; 10], vec![0.0; 10]).unwrap();
    assert_eq!(code(m, &bad), "ERR_OUT_OF_RANGE");
    let one = MatRef::from_flat(&x[..2], 2).unwrap();
    assert_eq!(code(one, &random_targets(1, 1, 7)), "ERR_EMPTY");
    let mut nan = x.clone();
    nan[5] = f64::NAN;
    let m = MatRef::from_flat(&nan, 2).unwrap();
    assert_eq!(code(m, &random_targets(10, 1, 8)), "ERR_NON_FINITE");
}

/// Both passes at block sizes of 1 row, partial blocks, one block and more rows than n, in
/// parallel: the definition, on ties (integer grid), duplicates, clustered data and huge,
/// tiny and mixed magnitudes (f32 widened to f64, f64 scaled by a power of two), k up to n − 1.
#[test]
fn both_passes_at_any_block_size_equal_the_definition() {
    let n = 130;
    let mut mixed = gaussian(n, 5, 28);
    for (i, row) in mixed.chunks_mut(5).enumerate() {
        let f = 10f64.powi(i as i32 % 7 - 3);
        for v in row.iter_mut() {
            *v *= f;
        }
    }
    let scaled = |s: f64| gaussian(n, 5, 29).iter().map(|v| v * s).collect::<Vec<f64>>();
    let data = [
        (gaussian(n, 6, 21), 6, "gaussian"),
        (clustered(n, 9, 4, 22), 9, "clustered"),
        (with_duplicates(n, 4, 23), 4, "duplicates"),
        (integer_grid(n, 3, 24), 3, "integer grid (ties)"),
        (mixed, 5, "mixed magnitudes"),
        (scaled(1e19), 5, "× 1e19"),
        (scaled(1e-19), 5, "× 1e-19"),
    ];
    let ctl = Ctl::detached().with_par(Par::Rayon);
    for (x, d, what) in &data {
        let x32 = to_f32(x);
        for (k, seed) in [(1, 25), (4, 26), (n - 1, 27)] {
            let t = random_targets(n, k, seed);
            for metric in METRICS {
                let (want64, want32) = (naive(x, *d, metric, &t), naive(&x32, *d, metric, &t));
                for symmetric in [true, false] {
                    for block_rows in [1, 7, 64, 130, 384] {
                        let p = RankParams {
                            symmetric,
                            block_rows,
                        };
                        let at = format!("{what}, k = {k}, {metric:?}, {p:?}");
                        let m64 = MatRef::from_flat(x, *d).unwrap();
                        let got = ranks_with(m64, metric, &t, &p, &ctl).unwrap();
                        assert_eq!(got.ranks, want64, "f64 {at}");
                        let m32 = MatRef::from_flat(&x32, *d).unwrap();
                        let got = ranks_with(m32, metric, &t, &p, &ctl).unwrap();
                        assert_eq!(got.ranks, want32, "f32 {at}");
                    }
                }
            }
        }
    }
    // f64 beyond 2^±400 (the scaled copy): the definition on the data scaled back by a power
    // of two near `s` (exact; the naive keys of the raw rows overflow under cosine)
    for s in [1e140, 1e-140] {
        let x = scaled(s);
        let unit = 2f64.powi(-(s.log2().round() as i32));
        let back: Vec<f64> = x.iter().map(|v| v * unit).collect();
        let t = random_targets(n, 3, 30);
        for metric in METRICS {
            let want = naive(&back, 5, metric, &t);
            for symmetric in [true, false] {
                let p = RankParams {
                    symmetric,
                    block_rows: 16,
                };
                let got = ranks_with(MatRef::from_flat(&x, 5).unwrap(), metric, &t, &p, &ctl).unwrap();
                assert_eq!(got.ranks, want, "× {s:e}, {metric:?}, {p:?}");
            }
        }
    }
}

#[test]
fn the_passes_agree_with_each_other_and_any_thread_count_on_a_knn_graph() {
    // 900 rows: 3 default blocks (a partial one) and the block pass's 1 024-column tile
    let (n, d) = (900, 12);
    let x = to_f32(&clustered(n, d, 6, 31));
    let m = MatRef::from_flat(&x, d).unwrap();
    let knn = all_points(m, &Params::new(3, Metric::Euclidean), &Ctl::detached()).unwrap();
    let want = naive(&x, d, Metric::Euclidean, &knn);
    for par in [Par::Seq, Par::Rayon] {
        let ctl = Ctl::detached().with_par(par);
        for symmetric in [true, false] {
            let p = RankParams {
                symmetric,
                ..RankParams::default()
            };
            let got = ranks_with(m, Metric::Euclidean, &knn, &p, &ctl).unwrap();
            assert_eq!(got.ranks, want, "{par:?}, {p:?}");
        }
    }
    let zero = RankParams {
        block_rows: 0,
        ..RankParams::default()
    };
    let e = ranks_with(m, Metric::Euclidean, &knn, &zero, &Ctl::detached()).unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
}

/// `ranks_of_rows` gives each listed row the ranks `ranks` gives it: rows in any order, repeated,
/// consecutive (multiplied in place) or scattered (gathered), across more than one 384-row block
/// and 1,024-column tile, every metric, f32 and f64, ties, duplicates and extreme magnitudes;
/// an empty list gives no ranks; a row beyond n is `OutOfRange`.
#[test]
fn ranks_of_listed_rows_equal_those_of_all_rows() {
    let n = 1100;
    let scaled = |s: f64| gaussian(n, 5, 81).iter().map(|v| v * s).collect::<Vec<f64>>();
    let data = [
        (clustered(n, 9, 4, 82), 9, "clustered"),
        (with_duplicates(n, 4, 83), 4, "duplicates"),
        (integer_grid(n, 3, 84), 3, "integer grid (ties)"),
        (scaled(1e19), 5, "× 1e19"),
        (scaled(1e140), 5, "× 1e140"),
    ];
    let mut r = rng(85);
    let scattered: Vec<u32> = (0..500).map(|_| r.random_range(0..n as u32)).collect();
    let consecutive: Vec<u32> = (300..1000).collect();
    let ctl = Ctl::detached().with_par(Par::Rayon);
    for (x, d, what) in &data {
        let x32 = to_f32(x);
        let t = random_targets(n, 2, 86);
        for metric in METRICS {
            let m64 = MatRef::from_flat(x, *d).unwrap();
            let m32 = MatRef::from_flat(&x32, *d).unwrap();
            let all64 = ranks(m64, metric, &t, &ctl).unwrap();
            let all32 = x32
                .iter()
                .all(|v| v.is_finite())
                .then(|| ranks(m32, metric, &t, &ctl).unwrap());
            for list in [&scattered, &consecutive] {
                let want = |all: &embgeo_knn::Ranks| -> Vec<u32> {
                    list.iter()
                        .flat_map(|&i| all.ranks[i as usize * 2..i as usize * 2 + 2].to_vec())
                        .collect()
                };
                let at = format!("{what}, {metric:?}, {} rows", list.len());
                let got = ranks_of_rows(m64, metric, &t, list, &ctl).unwrap();
                assert_eq!((got.rows, got.k), (list.len(), 2), "{at}");
                assert_eq!(got.ranks, want(&all64), "f64 {at}");
                if let Some(all32) = &all32 {
                    let got = ranks_of_rows(m32, metric, &t, list, &ctl).unwrap();
                    assert_eq!(got.ranks, want(all32), "f32 {at}");
                }
            }
        }
    }
    let x = gaussian(50, 3, 87);
    let m = MatRef::from_flat(&x, 3).unwrap();
    let t = random_targets(50, 1, 88);
    let none = ranks_of_rows(m, Metric::Euclidean, &t, &[], &ctl).unwrap();
    assert_eq!((none.rows, none.ranks.len()), (0, 0));
    let e = ranks_of_rows(m, Metric::Euclidean, &t, &[3, 50], &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
    let e = ranks_of_rows(m, Metric::Euclidean, &random_targets(49, 1, 89), &[3], &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_SHAPE");
}
