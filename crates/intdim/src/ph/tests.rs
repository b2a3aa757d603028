use super::*;
use crate::datasets::uniform_ball;
use embgeo_core::{CancelFlag, NoProgress, Par};

fn mat(data: &[f64], cols: usize) -> MatRef<'_, f64> {
    MatRef::new(data, data.len() / cols, cols).unwrap()
}

/// Kruskal with a union-find on all pairs: the naive MST total.
fn kruskal_total(x: MatRef<'_, f64>, alpha: f64) -> f64 {
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let n = x.rows();
    let mut edges = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let d: f64 = x
                .row(i)
                .iter()
                .zip(x.row(j))
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            edges.push((d.sqrt(), i, j));
        }
    }
    edges.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut parent: Vec<usize> = (0..n).collect();
    let mut total = 0.0;
    for (d, i, j) in edges {
        let (a, b) = (find(&mut parent, i), find(&mut parent, j));
        if a != b {
            parent[a] = b;
            total += d.powf(alpha);
        }
    }
    total
}

#[test]
fn linspace_matches_numpy_endpoints_and_steps() {
    // numpy.linspace(150, 300, 4) = [150, 200, 250, 300]
    assert_eq!(linspace(150.0, 300.0, 4), vec![150.0, 200.0, 250.0, 300.0]);
    let v = linspace(2.0, 7.0, 100);
    assert_eq!((v[0], v[99], v.len()), (2.0, 7.0, 100));
    // i·step + start, numpy's formula: step = 5/99
    assert_eq!(v[50], 50.0 * (5.0 / 99.0) + 2.0);
}

#[test]
fn default_sizes_run_from_half_of_n_to_n() {
    let (lo, hi, s) = sizes(300, &Params::default()).unwrap();
    assert_eq!((lo, hi, s.len()), (150, 300, 100));
    assert_eq!((s[0], s[99]), (150, 300));
    assert!(s.windows(2).all(|w| w[0] <= w[1]));
    // ceil(0.5 · 7) = 4
    assert_eq!(sizes(7, &Params::default()).unwrap().0, 4);
    let num = Params {
        range_type: RangeType::Num,
        n_range_min: 10.0,
        n_range_max: 50.0,
        nsteps: 5,
        ..Params::default()
    };
    assert_eq!(sizes(60, &num).unwrap().2, vec![10, 20, 30, 40, 50]);
}

#[test]
fn bad_ranges_are_out_of_range() {
    let bad = [
        Params {
            n_range_min: 0.9,
            n_range_max: 0.5,
            ..Params::default()
        },
        Params {
            n_range_max: 1.5,
            ..Params::default()
        },
        Params {
            range_type: RangeType::Num,
            n_range_min: 2.5,
            n_range_max: 10.0,
            ..Params::default()
        },
        Params {
            range_type: RangeType::Num,
            n_range_min: 1.0,
            n_range_max: 10.0,
            ..Params::default()
        },
        Params {
            range_type: RangeType::Num,
            n_range_min: 5.0,
            n_range_max: 40.0,
            ..Params::default()
        },
        Params {
            nsteps: 1,
            ..Params::default()
        },
        Params {
            subsamples: 0,
            ..Params::default()
        },
        Params {
            alpha: 0.0,
            ..Params::default()
        },
    ];
    for p in bad {
        let e = sizes(30, &p).unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{p:?}");
    }
    // 3 rows: ceil(1.5) = 2 < 3 is the only range; 2 rows are too few for any
    assert_eq!(sizes(3, &Params::default()).unwrap().0, 2);
    assert!(sizes(2, &Params::default()).is_err());
}

#[test]
fn mst_of_points_on_a_line_joins_neighbours() {
    // 0, 6, 1, 3 on a line: MST edges 1, 2, 3 whatever the order
    let x = [0.0, 0.0, 6.0, 0.0, 1.0, 0.0, 3.0, 0.0];
    let l = mst_lengths(mat(&x, 2), &[0, 1, 2, 3], Metric::Euclidean, &Ctl::detached()).unwrap();
    assert_eq!(l, vec![1.0, 2.0, 3.0]);
    assert_eq!(total_persistence(&l, 2.0), 14.0);
    // a subset: rows 0 and 1 only
    let l = mst_lengths(mat(&x, 2), &[1, 0], Metric::Euclidean, &Ctl::detached()).unwrap();
    assert_eq!(l, vec![6.0]);
}

#[test]
fn ties_break_to_the_lower_position() {
    // unit square: from corner 0 both neighbours are at 1; Prim takes position 1 first
    let x = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0];
    let l = mst_lengths(mat(&x, 2), &[0, 1, 2, 3], Metric::Euclidean, &Ctl::detached()).unwrap();
    assert_eq!(l, vec![1.0, 1.0, 1.0]);
}

#[test]
fn duplicates_are_joined_by_zero_edges() {
    let x = [0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 3.0, 0.0];
    let l = mst_lengths(mat(&x, 2), &[0, 1, 2, 3, 4], Metric::Euclidean, &Ctl::detached()).unwrap();
    // skdim's _total_persistence on these points: 3 (alpha 1) and 5 (alpha 2)
    assert_eq!(total_persistence(&l, 1.0), 3.0);
    assert_eq!(total_persistence(&l, 2.0), 5.0);
}

#[test]
fn prim_equals_kruskal_on_random_points() {
    for (n, d, seed) in [(5, 2, 1), (40, 3, 2), (97, 7, 3)] {
        let data = uniform_ball(n, d, seed);
        let x = mat(&data, d);
        let idx: Vec<usize> = (0..n).collect();
        let l = mst_lengths(x, &idx, Metric::Euclidean, &Ctl::detached()).unwrap();
        for alpha in [0.5, 1.0, 3.0] {
            let (a, b) = (total_persistence(&l, alpha), kruskal_total(x, alpha));
            assert!((a - b).abs() <= 1e-12 * b, "{n} {alpha}: {a} vs {b}");
            let lg = log_total_persistence(&l, alpha);
            assert!((lg - b.ln()).abs() <= 1e-12 * b.ln().abs().max(1.0));
        }
    }
}

#[test]
fn cosine_mst_uses_one_minus_cosine_and_rejects_zero_rows() {
    // angles 0, 90, 45 degrees: cosine distances 1 − cos 45° twice
    let h = std::f64::consts::FRAC_1_SQRT_2;
    let x = [1.0, 0.0, 0.0, 2.0, h, h];
    let l = mst_lengths(mat(&x, 2), &[0, 1, 2], Metric::Cosine, &Ctl::detached()).unwrap();
    assert_eq!(l.len(), 2);
    for v in l {
        assert!((v - (1.0 - h)).abs() < 1e-15);
    }
    let z = [1.0, 0.0, 0.0, 0.0, 1.0, 1.0];
    let e = mst_lengths(mat(&z, 2), &[0, 1, 2], Metric::Cosine, &Ctl::detached()).unwrap_err();
    assert_eq!(e.code(), "ERR_DEGENERATE");
    let e = mst_lengths(mat(&z, 2), &[0, 7], Metric::Euclidean, &Ctl::detached()).unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
}

#[test]
fn uniform_square_and_cube_have_their_dimension() {
    for (d, seed) in [(2usize, 4u64), (3, 5)] {
        let data = uniform_ball(400, d, seed);
        let p = Params {
            nsteps: 20,
            subsamples: 5,
            ..Params::default()
        };
        let e = estimate(mat(&data, d), &p, &Ctl::detached()).unwrap();
        assert!((e.dimension - d as f64).abs() < 0.5, "d = {d}: {}", e.dimension);
        assert_eq!(e.diagnostic("log_sizes").unwrap().len(), 100);
        assert_eq!(e.diagnostic("n_range").unwrap(), &[200.0, 400.0]);
    }
}

#[test]
fn identical_for_every_parallelism_and_a_function_of_the_seed() {
    let data = uniform_ball(120, 3, 9);
    let x = mat(&data, 3);
    let p = Params {
        nsteps: 10,
        subsamples: 3,
        ..Params::default()
    };
    let a = estimate(x, &p, &Ctl::detached()).unwrap();
    let b = estimate(x, &p, &Ctl::detached().with_par(Par::Seq)).unwrap();
    assert_eq!(a, b);
    let c = estimate(x, &Params { seed: 1, ..p.clone() }, &Ctl::detached()).unwrap();
    assert_ne!(a.dimension, c.dimension);
}

#[test]
fn subsets_of_the_full_set_reproduce_the_estimate_from_them() {
    let data = uniform_ball(60, 2, 3);
    let x = mat(&data, 2);
    let subsets: Vec<Vec<usize>> = vec![(0..20).collect(), (10..40).collect(), (0..60).collect()];
    let e = estimate_with_subsets(x, &subsets, &Params::default(), &Ctl::detached()).unwrap();
    let y: Vec<f64> = subsets
        .iter()
        .map(|s| {
            total_persistence(
                &mst_lengths(x, s, Metric::Euclidean, &Ctl::detached()).unwrap(),
                1.0,
            )
            .ln()
        })
        .collect();
    let got = e.diagnostic("log_total_persistence").unwrap();
    for (g, w) in got.iter().zip(&y) {
        assert!((g - w).abs() < 1e-13);
    }
    let bad = estimate_with_subsets(x, &[vec![0, 1]], &Params::default(), &Ctl::detached()).unwrap_err();
    assert_eq!(bad.code(), "ERR_OUT_OF_RANGE");
}

#[test]
fn scaling_the_data_leaves_the_dimension_unchanged() {
    let data = uniform_ball(80, 3, 2);
    let p = Params {
        nsteps: 6,
        subsamples: 2,
        ..Params::default()
    };
    let want = estimate(mat(&data, 3), &p, &Ctl::detached()).unwrap();
    for c in [3.0, 1e-200, 1e250] {
        let scaled: Vec<f64> = data.iter().map(|v| v * c).collect();
        let got = estimate(mat(&scaled, 3), &p, &Ctl::detached()).unwrap();
        assert!(
            (got.dimension - want.dimension).abs() < 1e-10 * want.dimension,
            "{c}"
        );
    }
}

#[test]
fn coincident_points_are_degenerate_and_cancellation_stops() {
    let same = vec![0.5; 30];
    let e = estimate(mat(&same, 3), &Params::default(), &Ctl::detached()).unwrap_err();
    assert_eq!(e.code(), "ERR_DEGENERATE");
    let flag = CancelFlag::new();
    flag.cancel();
    let data = uniform_ball(50, 2, 1);
    let ctl = Ctl::new(Par::Rayon, &flag, &NoProgress);
    assert_eq!(
        estimate(mat(&data, 2), &Params::default(), &ctl).unwrap_err(),
        Error::Cancelled
    );
}

#[test]
fn f32_input_equals_the_same_values_in_f64() {
    let data32: Vec<f32> = uniform_ball(50, 3, 6).iter().map(|&v| v as f32).collect();
    let data64: Vec<f64> = data32.iter().map(|&v| f64::from(v)).collect();
    let p = Params {
        nsteps: 5,
        subsamples: 2,
        ..Params::default()
    };
    let a = estimate(MatRef::new(&data32, 50, 3).unwrap(), &p, &Ctl::detached()).unwrap();
    let b = estimate(mat(&data64, 3), &p, &Ctl::detached()).unwrap();
    assert!((a.dimension - b.dimension).abs() <= 1e-12 * b.dimension);
}

#[test]
fn the_pair_table_holds_the_distances_computed_on_the_fly_bit_for_bit() {
    let data = uniform_ball(50, 5, 9);
    let x = mat(&data, 5);
    for metric in [Metric::Euclidean, Metric::SqEuclidean, Metric::Cosine] {
        let pd = PairDist::new(x, metric).unwrap();
        let tb = PairTable::new(&pd, &Ctl::detached()).unwrap();
        for i in 0..50 {
            for j in (0..50).filter(|&j| j != i) {
                assert_eq!(
                    tb.get(i, j).to_bits(),
                    pd.get(i, j).to_bits(),
                    "{metric:?} {i} {j}"
                );
                assert_eq!(
                    pd.get(j, i).to_bits(),
                    pd.get(i, j).to_bits(),
                    "{metric:?} {i} {j}"
                );
            }
        }
        // enough pairs for the table route, one subset repeating a row
        let subsets: Vec<Vec<usize>> = vec![(0..50).collect(), vec![3, 7, 3, 11, 20], (5..45).collect()];
        let p = Params {
            metric,
            ..Params::default()
        };
        let e = estimate_with_subsets(x, &subsets, &p, &Ctl::detached()).unwrap();
        let got = e.diagnostic("log_total_persistence").unwrap();
        for (g, s) in got.iter().zip(&subsets) {
            let want = log_total_persistence(&mst_lengths(x, s, metric, &Ctl::detached()).unwrap(), 1.0);
            assert_eq!(g.to_bits(), want.to_bits(), "{metric:?} {s:?}");
        }
    }
}
