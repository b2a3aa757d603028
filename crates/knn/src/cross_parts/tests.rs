use embgeo_core::{Ctl, MatRef, Par};

use super::*;
use crate::merge;

/// Small integers (many exact distance ties), shifted by `lift` (1 keeps cosine rows nonzero).
fn grid(n: usize, d: usize, lift: f64) -> Vec<f64> {
    (0..n * d)
        .map(|i| f64::from(((i * 7 + i / d * 3) % 5) as u32) + lift)
        .collect()
}

/// Non-integer values: no ties, distances that differ in the last bits.
fn wavy(n: usize, d: usize) -> Vec<f64> {
    (0..n * d)
        .map(|i| ((i as f64) * 0.618).sin() + 0.1 * ((i * i) as f64).cos())
        .collect()
}

const METRICS: [Metric; 4] = [
    Metric::Euclidean,
    Metric::SqEuclidean,
    Metric::Dot,
    Metric::Cosine,
];

/// The two shard searches `cross_parts` replaces.
fn two_searches<T: Element>(a: MatRef<'_, T>, b: MatRef<'_, T>, p: &Params, ctl: &Ctl<'_>) -> CrossParts {
    let one = |corpus: MatRef<'_, T>, queries: MatRef<'_, T>, offset: usize| {
        let q = Params {
            row_offset: Some(offset),
            query_offset: None,
            ..p.clone()
        };
        search_part(corpus, Some(queries), &q, ctl).unwrap()
    };
    CrossParts {
        a_to_b: one(b, a, p.query_offset.unwrap_or(0)),
        b_to_a: one(a, b, p.row_offset.unwrap_or(0)),
    }
}

fn check_equal_to_two_searches<T: Element>(
    x: &[T],
    d: usize,
    cut: usize,
    offsets: (usize, usize),
    metric: Metric,
    k: usize,
) {
    let m = MatRef::from_flat(x, d).unwrap();
    let (a, b) = (m.row_block(0, cut), m.row_block(cut, m.rows()));
    // query_block 4: several blocks per side, the last one short
    let p = Params {
        query_block: 4,
        few_queries: 2,
        row_offset: Some(offsets.0),
        query_offset: Some(offsets.1),
        ..Params::new(k, metric)
    };
    // the bipartite pass runs (not the two-search fallback)
    assert!(use_symmetric(m.rows(), 8, &p));
    let want = two_searches(a, b, &p, &Ctl::detached());
    for threads in [1, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let got = pool
            .install(|| cross_parts(a, b, &p, &Ctl::detached().with_par(Par::Rayon)))
            .unwrap();
        assert_eq!(
            got, want,
            "{metric:?} cut {cut} offsets {offsets:?} k {k} threads {threads}"
        );
    }
    let seq = cross_parts(a, b, &p, &Ctl::detached().with_par(Par::Seq)).unwrap();
    assert_eq!(seq, want);
}

#[test]
fn both_parts_equal_the_two_shard_searches_bit_for_bit() {
    let d = 3;
    for metric in METRICS {
        let lift = if metric == Metric::Cosine { 1.0 } else { 0.0 };
        let ties = grid(29, d, lift);
        let smooth = wavy(29, d);
        for (cut, offsets, k) in [
            (13, (0, 13), 4),
            (9, (100, 40), 9),
            (20, (9, 0), 1),
            (5, (50, 0), 5),
        ] {
            check_equal_to_two_searches(&ties, d, cut, offsets, metric, k);
            check_equal_to_two_searches(&smooth, d, cut, offsets, metric, k);
            let f32s: Vec<f32> = smooth.iter().map(|&v| v as f32).collect();
            check_equal_to_two_searches(&f32s, d, cut, offsets, metric, k);
            let f32_ties: Vec<f32> = ties.iter().map(|&v| v as f32).collect();
            check_equal_to_two_searches(&f32_ties, d, cut, offsets, metric, k);
        }
    }
}

#[test]
fn the_fallback_without_the_symmetric_pass_gives_the_same_parts() {
    let x = wavy(40, 5);
    let m = MatRef::from_flat(&x, 5).unwrap();
    let (a, b) = (m.row_block(0, 17), m.row_block(17, 40));
    let p = Params {
        query_block: 8,
        few_queries: 2,
        row_offset: Some(23),
        query_offset: Some(0),
        ..Params::new(6, Metric::Euclidean)
    };
    let ctl = Ctl::detached();
    let fast = cross_parts(a, b, &p, &ctl).unwrap();
    let two = cross_parts(
        a,
        b,
        &Params {
            symmetric: false,
            ..p.clone()
        },
        &ctl,
    )
    .unwrap();
    assert_eq!(fast, two);
    assert_eq!(fast, two_searches(a, b, &p, &ctl));
}

#[test]
fn shards_with_cross_parts_merge_into_the_all_points_graph() {
    let (n, d, k) = (41, 3, 5);
    for metric in METRICS {
        let lift = if metric == Metric::Cosine { 1.0 } else { 0.0 };
        let x = grid(n, d, lift);
        let m = MatRef::from_flat(&x, d).unwrap();
        let ctl = Ctl::detached();
        let p = Params {
            query_block: 4,
            ..Params::new(k, metric)
        };
        let want = crate::all_points(m, &p, &ctl).unwrap();
        let cuts = [0, 9, 20, 33, 41];
        let s = cuts.len() - 1;
        // parts[block][shard]
        let mut parts: Vec<Vec<Option<KnnPart>>> = vec![vec![None; s]; s];
        for i in 0..s {
            let shard = m.row_block(cuts[i], cuts[i + 1]);
            let own = Params {
                row_offset: Some(cuts[i]),
                ..p.clone()
            };
            parts[i][i] = Some(search_part(shard, None, &own, &ctl).unwrap());
            for j in i + 1..s {
                let other = m.row_block(cuts[j], cuts[j + 1]);
                let cp = Params {
                    row_offset: Some(cuts[i]),
                    query_offset: Some(cuts[j]),
                    ..p.clone()
                };
                let both = cross_parts(shard, other, &cp, &ctl).unwrap();
                parts[i][j] = Some(both.a_to_b);
                parts[j][i] = Some(both.b_to_a);
            }
        }
        let (mut idx, mut dist) = (Vec::new(), Vec::new());
        for row in parts {
            let row: Vec<KnnPart> = row.into_iter().map(Option::unwrap).collect();
            let merged = merge(&row, k, &ctl).unwrap().to_neighbors();
            idx.extend(merged.indices);
            dist.extend(merged.distances);
        }
        assert_eq!(idx, want.indices, "{metric:?}");
        assert_eq!(dist, want.distances, "{metric:?}");
    }
}

#[test]
fn bad_inputs_get_coded_errors() {
    let x = grid(12, 2, 0.0);
    let m = MatRef::from_flat(&x, 2).unwrap();
    let (a, b) = (m.row_block(0, 5), m.row_block(5, 12));
    let ctl = Ctl::detached();
    let at = |ao: usize, bo: usize, k: usize| Params {
        row_offset: Some(ao),
        query_offset: Some(bo),
        ..Params::new(k, Metric::Euclidean)
    };
    let code = |r: Result<CrossParts>| r.unwrap_err().code();
    // overlapping global ranges, either way round
    assert_eq!(code(cross_parts(a, b, &at(0, 4, 2), &ctl)), "ERR_OUT_OF_RANGE");
    assert_eq!(code(cross_parts(a, b, &at(8, 2, 2), &ctl)), "ERR_OUT_OF_RANGE");
    // touching ranges are fine
    assert!(cross_parts(a, b, &at(0, 5, 2), &ctl).is_ok());
    assert!(cross_parts(a, b, &at(7, 0, 2), &ctl).is_ok());
    // k above the smaller side (A has 5 rows)
    assert_eq!(code(cross_parts(a, b, &at(0, 5, 6), &ctl)), "ERR_K_TOO_LARGE");
    assert_eq!(code(cross_parts(a, b, &at(0, 5, 0), &ctl)), "ERR_OUT_OF_RANGE");
    // ids beyond u32
    assert_eq!(
        code(cross_parts(a, b, &at(u32::MAX as usize, 0, 2), &ctl)),
        "ERR_OUT_OF_RANGE"
    );
    // widths
    let y = grid(6, 3, 0.0);
    let w = MatRef::from_flat(&y, 3).unwrap();
    assert_eq!(code(cross_parts(a, w, &at(0, 5, 2), &ctl)), "ERR_SHAPE");
    // an empty side
    let empty = MatRef::<f64>::new(&[], 0, 2).unwrap();
    assert_eq!(code(cross_parts(a, empty, &at(0, 5, 2), &ctl)), "ERR_EMPTY");
    // non-finite values
    let mut nan = x.clone();
    nan[13] = f64::NAN;
    let mn = MatRef::from_flat(&nan, 2).unwrap();
    assert_eq!(
        code(cross_parts(
            mn.row_block(0, 5),
            mn.row_block(5, 12),
            &at(0, 5, 2),
            &ctl
        )),
        "ERR_NON_FINITE"
    );
}
