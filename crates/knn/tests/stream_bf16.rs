//! f32 data screened in one bf16 pass (one bf16 product per pair, `Bounds::rounded_bf16`):
//! queries streaming the corpus (rounded block by block) and all points on one rounded copy.
//! Every bf16 kernel this CPU has (forced through `search_one_pass_on`) gives the fp32 path's
//! neighbours and distances bit for bit, and the naive f64 brute force's neighbours; a bound one
//! notch too optimistic drops a true neighbour (`adversarial_*`); `auto` takes it on the AMX
//! tiles where it was measured faster.

mod common;

use common::lowp::{
    clustered_sets, magnitude_sets, near_tie_rows, params, reference, MAGNITUDE_D, NEAR_TIE_D, WIDTHS,
};
use common::{assert_same, gaussian, naive, to_f32, METRICS};
use embgeo_core::{Ctl, Error, MatRef, Neighbors};
use embgeo_kernels::lowp::{available_paths, LowpPath};
use embgeo_knn::{
    search_one_pass_on, search_values, Metric, Operands, Params, Precision, Trace, Values,
    AUTO_MIN_COLS_SPLIT, AUTO_MIN_COLS_STREAM, AUTO_MIN_CORPUS_STREAM, AUTO_MIN_ROWS_SPLIT,
    AUTO_MIN_WORK_PER_K_ONE_PASS,
};

fn one_pass_run(
    path: LowpPath,
    c: &[f32],
    q: Option<&[f32]>,
    d: usize,
    p: &Params,
) -> embgeo_core::Result<(Neighbors, Trace)> {
    search_one_pass_on(
        path,
        MatRef::from_flat(c, d)?,
        q.map(|q| MatRef::from_flat(q, d)).transpose()?,
        p,
        &Ctl::detached(),
    )
}

/// All points, and queries (the first third of the rows, and fresh rows) against all rows, on
/// every bf16 kernel, every metric, for each `k`.
fn check(x: &[f32], d: usize, ks: &[usize], what: &str) {
    let n = x.len() / d;
    let nq = (n / 3).max(1);
    let fresh: Vec<f32> = x.iter().rev().map(|v| v * 0.75 + 0.01).collect();
    for &k in ks {
        for metric in METRICS {
            for (q, which) in [
                (None, "none (all points)"),
                (Some(&x[..nq * d]), "rows"),
                (Some(&fresh[..nq * d]), "fresh"),
            ] {
                let k = if q.is_none() { k.min(n - 1) } else { k.min(n) };
                let p = params(k, metric, Precision::Auto);
                let want = reference(x, q, d, &p);
                for path in available_paths() {
                    let (got, trace) = one_pass_run(path, x, q, d, &p).unwrap();
                    assert_eq!((trace.precision, trace.kernel), ("bf16", path.name()));
                    assert!(
                        trace.candidates >= (got.rows * k) as u64,
                        "{what}: every slot was re-ranked"
                    );
                    assert_same(
                        &got,
                        &want,
                        &format!("{what} k={k} {metric:?} {path:?} queries={which}"),
                    );
                }
            }
        }
    }
}

#[test]
fn random_data_at_every_width() {
    for (n, d) in WIDTHS {
        let x = to_f32(&gaussian(n, d, 17 + d as u64));
        check(&x, d, &[1, 10, n], &format!("gaussian {n}x{d}"));
    }
}

#[test]
fn clustered_and_duplicate_heavy_data() {
    for (x, d, ks, what) in clustered_sets(13) {
        check(&x, d, ks, what);
    }
}

#[test]
fn near_ties_in_the_last_bf16_and_f32_bits() {
    // rows that differ from a base row by one unit in the last place of one coordinate (of f32,
    // or of bf16 by 2^16 f32 units): exact keys far closer than the one-pass bf16 error
    for (step, what) in [(1u32, "f32 ulp"), (1 << 16, "bf16 ulp")] {
        check(
            &near_tie_rows(31, step),
            NEAR_TIE_D,
            &[1, 6, 120],
            &format!("near ties, {what}"),
        );
    }
}

#[test]
fn huge_tiny_mixed_and_subnormal_norms() {
    for (x, what, ks) in magnitude_sets(23) {
        check(&x, MAGNITUDE_D, ks, what);
    }
}

/// The adversarial case for the rounding term of the bound (`c1 = 2⁻⁷ + 2⁻¹⁶`): `v = 1 + 2⁻⁸`
/// lies halfway between the bf16 values 1 and `1 + 2⁻⁷` and rounds to 1 (ties to even), so for
/// `x = y* = (v, v)` the one-pass product `h·h = 2` misses `2·(v² − 1) = 2·(2⁻⁷ + 2⁻¹⁶)`, 99 % of
/// the proved term `c1·‖x‖‖y*‖` (the accumulation is exact here). 40 copies of a row
/// `y_c = (v, v⁻)` (`v⁻` one f32 ulp below `v`, which rounds to 1 as well) come first, with the
/// same product `2` but an exact key just worse than `y*`'s: they overflow the selection state,
/// whose exact keys then set the threshold to `y_c`'s exact key. `y*` survives only if the
/// margin covers its full error, so a coefficient of `0.97·c1` or less drops it and the test
/// fails (checked by weakening `Bounds::rounded_bf16`). The margins from measured residuals
/// (`Measured::margin`) are tight here too: scaling their residual term by 0.97 fails both the
/// query and the all-points half (checked locally), 0.995 passes.
#[test]
fn adversarial_rounding_error_is_covered() {
    let v = 1.0f32 + 2f32.powi(-8);
    let vm = f32::from_bits(v.to_bits() - 1);
    let d = 2;
    let mut c: Vec<f32> = Vec::new();
    for _ in 0..40 {
        c.extend([v, vm]);
    }
    c.extend([v, v]);
    let q = [v, v];
    for metric in [Metric::Dot, Metric::Euclidean, Metric::SqEuclidean] {
        let p = Params {
            k: 1,
            metric,
            query_block: 8,
            corpus_block: 40,
            min_slice_rows: 1 << 20,
            ..Params::default()
        };
        let want = reference(&c, Some(&q), d, &p);
        assert_eq!(want.indices, vec![40], "the true nearest row");
        for path in available_paths() {
            let (got, _) = one_pass_run(path, &c, Some(&q), d, &p).unwrap();
            assert_same(&got, &want, &format!("adversarial {metric:?} {path:?}"));
        }
        // all points, with the query as a second (v, v) row: rows 40 and 41 are each other's
        // nearest; the measured residuals of all rows set the margins here
        let mut all = c.clone();
        all.extend(q);
        let want = reference(&all, None, d, &p);
        assert_eq!(want.indices_of(40), &[41], "the true nearest row");
        for path in available_paths() {
            let (got, _) = one_pass_run(path, &all, None, d, &p).unwrap();
            assert_same(
                &got,
                &want,
                &format!("adversarial all points {metric:?} {path:?}"),
            );
        }
    }
}

#[test]
fn auto_streams_f32_queries_on_the_amx_tiles_only_where_measured_faster() {
    // `auto` streams f32 queries only on the AMX tiles (this process's kernel), from
    // AUTO_MIN_COLS_STREAM columns and AUTO_MIN_CORPUS_STREAM corpus rows, for more queries than
    // the few-queries mode takes; the answer is the fp32 path's either way, through
    // `search_values`, through `search` and through an `Index`
    let amx = embgeo_kernels::lowp::path() == LowpPath::AmxBf16 && LowpPath::AmxBf16.supported();
    let n = AUTO_MIN_CORPUS_STREAM;
    let ctl = Ctl::detached();
    let base = Params {
        query_block: 384,
        corpus_block: 1024,
        ..params(5, Metric::Euclidean, Precision::Auto)
    };
    for (n, nq, d) in [
        (n, 40, AUTO_MIN_COLS_STREAM - 1),
        (n, 40, AUTO_MIN_COLS_STREAM),
        (n - 1, 40, 96),
        (n, base.few_queries, 96),
        (n, base.few_queries + 1, 96),
        (n + 300, 700, 80),
    ] {
        let x = to_f32(&gaussian(n + nq, d, 61));
        let (c, q) = x.split_at(n * d);
        for metric in [Metric::Euclidean, Metric::Cosine] {
            let p = Params {
                metric,
                ..base.clone()
            };
            let what = format!("n = {n}, queries = {nq}, d = {d}, {metric:?}");
            let (got, trace) =
                search_values(Operands::new(Values::F32(c), Some(Values::F32(q)), d), &p, &ctl).unwrap();
            let stream =
                amx && d >= AUTO_MIN_COLS_STREAM && n >= AUTO_MIN_CORPUS_STREAM && nq > p.few_queries;
            assert_eq!(trace.precision, if stream { "bf16" } else { "fp32" }, "{what}");
            assert!(trace.inflation(got.rows, 5) >= 1.0, "{what}");
            let want = reference(c, Some(q), d, &p);
            assert_same(&got, &want, &format!("auto {what}"));
            let cm = MatRef::from_flat(c, d).unwrap();
            let qm = MatRef::from_flat(q, d).unwrap();
            let typed = embgeo_knn::search(cm, qm, &p, &ctl).unwrap();
            assert_same(&typed, &want, &format!("typed {what}"));
            // an index streams its queries the same way, with its statistics computed once (an
            // index that does not stream may screen in int16 instead: tests/int16.rs)
            let mut index = embgeo_knn::Index::<f32>::new(metric, d).unwrap();
            index.add(cm).unwrap();
            let (indexed, itrace) = index.search_traced(qm, &p, &ctl).unwrap();
            assert_same(&indexed, &want, &format!("index {what}"));
            if stream || itrace.precision != "int16" {
                assert_eq!(
                    (itrace.precision, itrace.kernel, itrace.candidates),
                    (trace.precision, trace.kernel, trace.candidates),
                    "index {what}"
                );
            }
        }
    }
}

#[test]
fn auto_screens_all_points_in_one_pass_where_the_work_per_k_is_large() {
    // all points on the AMX tiles (AUTO_MIN_COLS_SPLIT columns, AUTO_MIN_ROWS_SPLIT rows) take
    // one-pass bf16 when n·d ≥ AUTO_MIN_WORK_PER_K_ONE_PASS·k, else the split copies: the
    // one-pass run is recognised by its candidate count (deterministic), equal to the forced
    // one-pass run's; the neighbours are the fp32 path's either way
    let amx = embgeo_kernels::lowp::path() == LowpPath::AmxBf16 && LowpPath::AmxBf16.supported();
    let n = AUTO_MIN_ROWS_SPLIT + 52;
    let ctl = Ctl::detached();
    for (d, k) in [
        (256, 1),
        (256, 3),
        (AUTO_MIN_COLS_SPLIT, 1),
        (AUTO_MIN_COLS_SPLIT, 3),
    ] {
        let x = to_f32(&gaussian(n, d, 81));
        let p = Params {
            query_block: 384,
            corpus_block: 1024,
            ..params(k, Metric::Euclidean, Precision::Auto)
        };
        let what = format!("n = {n}, d = {d}, k = {k}");
        let (got, trace) = search_values(Operands::new(Values::F32(&x), None, d), &p, &ctl).unwrap();
        assert_eq!(trace.precision, if amx { "bf16" } else { "fp32" }, "{what}");
        assert_same(&got, &reference(&x, None, d, &p), &what);
        if amx && n * d >= AUTO_MIN_WORK_PER_K_ONE_PASS * k {
            let (_, forced) = one_pass_run(LowpPath::AmxBf16, &x, None, d, &p).unwrap();
            assert_eq!(trace.candidates, forced.candidates, "{what}: one pass");
        } else if amx {
            // an explicit `bf16` keeps the split copies
            let pb = Params {
                precision: Precision::Bf16,
                ..p.clone()
            };
            let (_, split) = search_values(Operands::new(Values::F32(&x), None, d), &pb, &ctl).unwrap();
            assert_eq!(trace.candidates, split.candidates, "{what}: split");
        }
    }
}

#[test]
fn errors_come_in_the_fp32_paths_order() {
    let x = to_f32(&gaussian(30, 4, 71));
    let (c, q) = x.split_at(20 * 4);
    let p = params(2, Metric::Euclidean, Precision::Auto);
    for path in available_paths() {
        // non-finite values: the corpus's first, then the queries'
        let mut bad_c = c.to_vec();
        bad_c[9] = f32::NAN;
        let mut bad_q = q.to_vec();
        bad_q[3] = f32::INFINITY;
        let e = one_pass_run(path, &bad_c, Some(&bad_q), 4, &p).unwrap_err();
        assert!(
            matches!(&e, Error::NonFinite { what, .. } if what.contains("corpus")),
            "{e}"
        );
        let e = one_pass_run(path, c, Some(&bad_q), 4, &p).unwrap_err();
        assert!(
            matches!(&e, Error::NonFinite { what, .. } if what.contains("queries")),
            "{e}"
        );
        let e = one_pass_run(path, &bad_c, None, 4, &p).unwrap_err();
        assert!(
            matches!(&e, Error::NonFinite { what, .. } if what.contains("corpus")),
            "{e}"
        );
        let e = one_pass_run(path, c, None, 4, &params(20, Metric::Euclidean, Precision::Auto)).unwrap_err();
        assert!(matches!(e, Error::KTooLarge { .. }), "{e}");
        // then k, then the statistics' errors (a zero row under cosine)
        let e = one_pass_run(
            path,
            c,
            Some(q),
            4,
            &params(21, Metric::Euclidean, Precision::Auto),
        )
        .unwrap_err();
        assert!(matches!(e, Error::KTooLarge { .. }), "{e}");
        let mut zero = q.to_vec();
        zero[4..8].fill(0.0);
        let e = one_pass_run(
            path,
            c,
            Some(&zero),
            4,
            &params(2, Metric::Cosine, Precision::Auto),
        )
        .unwrap_err();
        assert!(matches!(e, Error::Degenerate { .. }), "{e}");
        // norms whose squares could overflow f32 keys: the f64 path, same neighbours
        let huge: Vec<f32> = x.iter().map(|&v| v * 1e19).collect();
        let (hc, hq) = huge.split_at(20 * 4);
        let (got, trace) = one_pass_run(path, hc, Some(hq), 4, &p).unwrap();
        assert_eq!(trace.precision, "fp64");
        let (want, _) = search_values(
            Operands::new(Values::F32(hc), Some(Values::F32(hq)), 4),
            &p,
            &Ctl::detached(),
        )
        .unwrap();
        assert_same(&got, &want, &format!("huge norms {path:?}"));
        assert_eq!(got.indices, naive(hc, Some(hq), 4, 2, Metric::Euclidean).indices);
    }
}
