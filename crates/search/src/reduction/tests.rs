use super::*;
use embgeo_core::Par;
use embgeo_knn::metric::exact_key;

/// Seeded data with hubs: Gaussian-ish rows from a linear congruential generator, in `d`
/// dimensions (high d makes hubs).
fn data(n: usize, d: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..n * d)
        .map(|_| {
            let mut acc = 0.0;
            for _ in 0..4 {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                acc += (s >> 11) as f64 / (1u64 << 53) as f64;
            }
            acc - 2.0
        })
        .collect()
}

/// Sorted (distance, index) of every corpus row from `x`, `skip` excluded.
fn ranked(c: MatRef<'_, f64>, x: &[f64], metric: Metric, skip: Option<usize>) -> Vec<(f64, u32)> {
    let mut v: Vec<(f64, u32)> = (0..c.rows())
        .filter(|&j| Some(j) != skip)
        .map(|j| (empiric::report(metric, exact_key(metric, x, c.row(j))), j as u32))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    v
}

/// Full secondary ranking over the whole corpus, by definition (no candidate lists).
fn naive(c: MatRef<'_, f64>, q: Option<MatRef<'_, f64>>, p: &Params, nb: usize) -> Neighbors {
    let (metric, method, k) = (p.metric, p.method, p.k);
    let corpus_lists: Vec<Vec<(f64, u32)>> = match (q, method) {
        (Some(q), Method::Csls) => (0..c.rows()).map(|j| ranked(q, c.row(j), metric, None)).collect(),
        _ => (0..c.rows())
            .map(|j| ranked(c, c.row(j), metric, Some(j)))
            .collect(),
    };
    let src = q.unwrap_or(c);
    let mut out = Neighbors {
        k,
        rows: src.rows(),
        indices: vec![],
        distances: vec![],
    };
    for i in 0..src.rows() {
        let skip = if q.is_none() { Some(i) } else { None };
        let mine = ranked(c, src.row(i), metric, skip);
        let mut scored: Vec<(f64, u32)> = Vec::new();
        for &(d, j) in &mine {
            let s = if method == Method::MutualProximity {
                let ni = &mine[..nb];
                let count = ni
                    .iter()
                    .filter(|&&(dxm, m)| {
                        dxm > d
                            && empiric::report(
                                metric,
                                exact_key(metric, c.row(j as usize), c.row(m as usize)),
                            ) > d
                    })
                    .count();
                1.0 - count as f64 / nb as f64
            } else {
                let stat_of = |l: &[(f64, u32)], what| {
                    let ds: Vec<f64> = l[..nb].iter().map(|p| p.0).collect();
                    secondary::stat(method, &ds, what, 0).unwrap()
                };
                let x = stat_of(&mine, "queries");
                let y = stat_of(&corpus_lists[j as usize], "corpus");
                secondary::secondary(method, d, x, y)
            };
            scored.push((s, j));
        }
        scored.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for &(s, j) in &scored[..k] {
            out.indices.push(j);
            out.distances.push(s);
        }
    }
    out
}

const METHODS: [Method; 5] = [
    Method::MutualProximity,
    Method::MutualProximityGaussian,
    Method::LocalScaling,
    Method::Nicdm,
    Method::Csls,
];

#[test]
fn equals_the_full_secondary_ranking_for_every_method() {
    let (n, nq, d) = (120, 37, 24);
    let x = data(n, d, 3);
    let y = data(nq, d, 4);
    let c = MatRef::from_flat(&x, d).unwrap();
    let q = MatRef::from_flat(&y, d).unwrap();
    let mut widened = 0;
    for method in METHODS {
        for metric in [Metric::Euclidean, Metric::Cosine] {
            for (k, nb) in [(3, 4), (5, 10), (12, 6)] {
                let p = Params {
                    k,
                    method,
                    metric,
                    neighbors: Some(nb),
                    block_rows: 7,
                };
                for queries in [None, Some(q)] {
                    let r = compute(c, queries, &p, &Ctl::detached()).unwrap();
                    widened += r.widened_rows;
                    let want = naive(c, queries, &p, nb);
                    assert_eq!(
                        r.neighbors.indices, want.indices,
                        "{method:?} {metric:?} k={k} nb={nb}"
                    );
                    assert_eq!(
                        r.neighbors.distances, want.distances,
                        "{method:?} {metric:?} k={k} nb={nb}"
                    );
                    assert_eq!(r.neighbors_used, nb);
                }
            }
        }
    }
    assert!(widened > 0, "the widening path was never exercised");
}

#[test]
fn dot_metric_works_for_csls_and_mutual_proximity() {
    let (n, d) = (60, 8);
    let x = data(n, d, 9);
    let c = MatRef::from_flat(&x, d).unwrap();
    for method in [
        Method::Csls,
        Method::MutualProximity,
        Method::MutualProximityGaussian,
    ] {
        let p = Params {
            k: 4,
            method,
            metric: Metric::Dot,
            neighbors: Some(5),
            block_rows: 16,
        };
        let r = compute(c, None, &p, &Ctl::detached()).unwrap();
        assert_eq!(r.neighbors.indices, naive(c, None, &p, 5).indices, "{method:?}");
    }
}

#[test]
fn identical_for_every_thread_count() {
    let (n, d) = (300, 16);
    let x = data(n, d, 5);
    let c = MatRef::from_flat(&x, d).unwrap();
    let p = Params {
        k: 6,
        method: Method::LocalScaling,
        neighbors: Some(8),
        block_rows: 13,
        ..Params::default()
    };
    let seq = compute(c, None, &p, &Ctl::detached().with_par(Par::Seq)).unwrap();
    let pool = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap();
    let par = pool.install(|| compute(c, None, &p, &Ctl::detached()).unwrap());
    assert_eq!(seq, par);
}

#[test]
fn hubness_is_reported_before_and_after() {
    let (n, d) = (200, 40);
    let x = data(n, d, 11);
    let c = MatRef::from_flat(&x, d).unwrap();
    let p = Params {
        k: 10,
        neighbors: Some(30),
        ..Params::default()
    };
    let r = compute(c, None, &p, &Ctl::detached()).unwrap();
    let plain = embgeo_knn::all_points(
        c,
        &embgeo_knn::Params::new(10, Metric::Euclidean),
        &Ctl::detached(),
    )
    .unwrap();
    let h = hubness::compute(
        &plain.indices,
        n,
        10,
        n,
        &hubness::Params::default(),
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!(r.before, h);
    assert_eq!(
        r.after.occurrences.iter().map(|&v| v as usize).sum::<usize>(),
        n * 10
    );
}

#[test]
fn bad_input_gets_its_code() {
    let x = data(10, 3, 1);
    let c = MatRef::from_flat(&x, 3).unwrap();
    let run = |p: Params| compute(c, None, &p, &Ctl::detached()).unwrap_err().code();
    assert_eq!(
        run(Params {
            k: 10,
            ..Params::default()
        }),
        "ERR_K_TOO_LARGE"
    );
    assert_eq!(
        run(Params {
            k: 2,
            neighbors: Some(10),
            ..Params::default()
        }),
        "ERR_K_TOO_LARGE"
    );
    assert_eq!(
        run(Params {
            k: 0,
            ..Params::default()
        }),
        "ERR_OUT_OF_RANGE"
    );
    assert_eq!(
        run(Params {
            neighbors: Some(0),
            ..Params::default()
        }),
        "ERR_OUT_OF_RANGE"
    );
    let dot_ls = Params {
        method: Method::LocalScaling,
        metric: Metric::Dot,
        k: 2,
        ..Params::default()
    };
    assert_eq!(run(dot_ls), "ERR_INVALID_ARG_VALUE");
    // Three identical points and neighbors = 2: the local scale of each is 0.
    let dup = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0];
    let m = MatRef::from_flat(&dup, 2).unwrap();
    let p = Params {
        k: 1,
        method: Method::LocalScaling,
        neighbors: Some(2),
        ..Params::default()
    };
    assert_eq!(
        compute(m, None, &p, &Ctl::detached()).unwrap_err().code(),
        "ERR_DEGENERATE"
    );
    let nan = [0.0, f64::NAN, 1.0, 2.0, 3.0, 4.0];
    let m = MatRef::from_flat(&nan, 2).unwrap();
    assert_eq!(
        compute(
            m,
            None,
            &Params {
                k: 1,
                ..Params::default()
            },
            &Ctl::detached()
        )
        .unwrap_err()
        .code(),
        "ERR_NON_FINITE"
    );
    // CSLS with queries: neighbours among 2 queries.
    let y = data(2, 3, 2);
    let q = MatRef::from_flat(&y, 3).unwrap();
    let p = Params {
        k: 2,
        method: Method::Csls,
        neighbors: Some(3),
        ..Params::default()
    };
    assert_eq!(
        compute(c, Some(q), &p, &Ctl::detached()).unwrap_err().code(),
        "ERR_K_TOO_LARGE"
    );
}

#[test]
fn default_neighbors_follow_the_references_and_cap_at_the_corpus() {
    let x = data(50, 4, 8);
    let c = MatRef::from_flat(&x, 4).unwrap();
    let r = compute(
        c,
        None,
        &Params {
            k: 3,
            ..Params::default()
        },
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!(r.neighbors_used, 49); // min(100, n − 1)
    let ls = Params {
        k: 3,
        method: Method::LocalScaling,
        ..Params::default()
    };
    assert_eq!(compute(c, None, &ls, &Ctl::detached()).unwrap().neighbors_used, 6);
}
