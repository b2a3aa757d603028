//! f32 queries screened in int16 (rows quantised with power-of-two scales, exact integer tiles,
//! margins from the measured quantisation residuals): forced through `search_int16_on` on any
//! CPU (the portable tile where AVX2 is missing has the same bits), the neighbours and
//! distances are the fp32 path's bit for bit and the naive f64 brute force's neighbours, on
//! random, clustered, duplicate-heavy, near-tie and huge/tiny/mixed-norm data, every metric;
//! a margin cut by 3 % drops a true neighbour (`adversarial_*`); `auto` takes it for an index on
//! the native int16 tiles, and for all points on the AVX512-VNNI tiles, in its measured range.

mod common;

use common::lowp::{
    clustered_sets, magnitude_sets, near_tie_rows, params, reference, MAGNITUDE_D, NEAR_TIE_D, WIDTHS,
};
use common::{assert_same, gaussian, naive, to_f32, METRICS};
use embgeo_core::{Ctl, MatRef, Neighbors};
use embgeo_kernels::lowp::{self, LowpPath};
use embgeo_knn::{
    search_int16_on, search_values, Index, Metric, Operands, Params, Precision, Trace, Values,
    AUTO_MAX_QUERIES_INT16, AUTO_MIN_COLS_INT16, AUTO_MIN_COLS_INT16_ALL, AUTO_MIN_CORPUS_INT16,
    AUTO_MIN_ROWS_INT16_ALL, INT16_MAX_COLS,
};

fn int16_run(c: &[f32], q: &[f32], d: usize, p: &Params) -> embgeo_core::Result<(Neighbors, Trace)> {
    search_int16_on(
        MatRef::from_flat(c, d)?,
        Some(MatRef::from_flat(q, d)?),
        p,
        &Ctl::detached(),
    )
}

/// All points (the symmetric pass from 17 rows, the general pass below), and queries (the
/// first third of the rows, and fresh rows) against all rows, every metric, for each `k`.
fn check(x: &[f32], d: usize, ks: &[usize], what: &str) {
    let n = x.len() / d;
    let nq = (n / 3).max(1);
    let fresh: Vec<f32> = x.iter().rev().map(|v| v * 0.75 + 0.01).collect();
    for &k in ks {
        let k = k.min(n);
        for metric in METRICS {
            // all points with k < n (k = n − 1 re-ranks every pair: the queries' k = n covers it)
            if k < n {
                let p = params(k, metric, Precision::Auto);
                let want = reference(x, None, d, &p);
                let (got, trace) =
                    search_int16_on(MatRef::from_flat(x, d).unwrap(), None, &p, &Ctl::detached()).unwrap();
                assert_eq!(trace.precision, "int16", "{what} all points");
                assert_same(&got, &want, &format!("{what} all points k={k} {metric:?}"));
            }
            for (q, which) in [(&x[..nq * d], "rows"), (&fresh[..nq * d], "fresh")] {
                let p = params(k, metric, Precision::Auto);
                let want = reference(x, Some(q), d, &p);
                let (got, trace) = int16_run(x, q, d, &p).unwrap();
                assert_eq!(trace.precision, "int16", "{what}");
                assert!(
                    trace.candidates >= (got.rows * k) as u64,
                    "{what}: every slot was re-ranked"
                );
                assert_same(&got, &want, &format!("{what} k={k} {metric:?} queries={which}"));
            }
        }
    }
}

#[test]
fn random_data_at_every_width() {
    for (n, d) in WIDTHS {
        let x = to_f32(&gaussian(n, d, 19 + d as u64));
        check(&x, d, &[1, 10, n], &format!("gaussian {n}x{d}"));
    }
}

#[test]
fn clustered_and_duplicate_heavy_data() {
    for (x, d, ks, what) in clustered_sets(23) {
        check(&x, d, ks, what);
    }
}

#[test]
fn near_ties_in_the_last_f32_bits() {
    for (step, what) in [(1u32, "f32 ulp"), (1 << 10, "1024 f32 ulps")] {
        check(
            &near_tie_rows(33, step),
            NEAR_TIE_D,
            &[1, 6, 120],
            &format!("near ties, {what}"),
        );
    }
}

#[test]
fn huge_tiny_mixed_and_subnormal_norms() {
    for (x, what, ks) in magnitude_sets(29) {
        check(&x, MAGNITUDE_D, ks, what);
    }
}

/// Rows wider than `INT16_MAX_COLS` (fewer than 10 bits per value) and norms whose squares
/// overflow f32 keys run the fp32 path instead (reported as such).
#[test]
fn the_screening_declines_outside_its_range() {
    let d = INT16_MAX_COLS + 1;
    let x = to_f32(&gaussian(12, d, 5));
    let p = params(3, Metric::Euclidean, Precision::Auto);
    let (got, trace) = int16_run(&x, &x[..2 * d], d, &p).unwrap();
    assert_eq!(trace.precision, "fp32");
    assert_same(&got, &reference(&x, Some(&x[..2 * d]), d, &p), "wide rows");
    // keys that could overflow f32: the fp32 path widens to f64
    let big: Vec<f32> = to_f32(&gaussian(40, 8, 6)).iter().map(|v| v * 1e19).collect();
    let (got, trace) = int16_run(&big, &big[..16], 8, &p).unwrap();
    assert_eq!(trace.precision, "fp64");
    let (cm, qm) = (
        MatRef::from_flat(&big, 8).unwrap(),
        MatRef::from_flat(&big[..16], 8).unwrap(),
    );
    assert_same(
        &got,
        &embgeo_knn::search(cm, qm, &p, &Ctl::detached()).unwrap(),
        "huge norms",
    );
    assert_eq!(
        got.indices,
        naive(&big, Some(&big[..16]), 8, 3, Metric::Euclidean).indices
    );
}

/// The adversarial case for the residual term of the margin. With `d = 2` the largest level is
/// `Q = 32,767`; `v = 32,766.5` lies halfway between two levels (scale 1) and rounds to the
/// even `32,766`, so for `x = y* = (v, v)` the tile's `x̂·ŷ = 2·32,766²` misses
/// `2·(v² − 32,766²) = 2·32,766.25`, the whole of `‖r_x‖‖y‖ + ‖x̂‖‖r_y‖` (the residuals
/// `(½, ½)` point along the rows). 40 copies of `y_c = (v, v⁻)` (`v⁻` one f32 ulp below `v`,
/// which rounds to `32,766` as well) come first, with the same tile value but an exact key
/// just worse than `y*`'s: they fill the selection state, whose exact keys then set the
/// threshold to `y_c`'s. `y*` survives only if its margin covers that whole error: scaling the
/// residual term of `Measured::margin` by 0.97 drops it for every metric below (checked
/// locally), 0.995 keeps it.
#[test]
fn adversarial_quantisation_error_is_covered() {
    let v = 32_766.5f32;
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
        let (got, trace) = int16_run(&c, &q, d, &p).unwrap();
        assert_eq!(trace.precision, "int16");
        assert_same(&got, &want, &format!("adversarial {metric:?}"));
    }
}

/// `auto` screens an index's searches in int16 where the kernel layer has native int16 tiles
/// (its AVX2 path, or AVX-512 with AVX512-VNNI) and no AMX, from
/// `AUTO_MIN_COLS_INT16` columns and `AUTO_MIN_CORPUS_INT16` rows, for more queries than the
/// few-queries mode takes and (on the AVX2 tiles) at most `AUTO_MAX_QUERIES_INT16`; the answer is the fp32 path's
/// either way, the int16 copy is counted in the index's memory and dropped when rows are added.
#[test]
fn auto_screens_index_searches_in_int16_on_native_tiles_in_its_range() {
    let amx = lowp::path() == LowpPath::AmxBf16 && lowp::path().supported();
    let native = embgeo_kernels::i16_native()
        && !amx
        && std::env::var("EMBGEO_KNN_INT16").map_or(true, |v| v != "off");
    let n = AUTO_MIN_CORPUS_INT16;
    let ctl = Ctl::detached();
    let base = Params {
        query_block: 384,
        corpus_block: 1024,
        ..params(5, Metric::Euclidean, Precision::Auto)
    };
    for (n, nq, d) in [
        (n, 40, AUTO_MIN_COLS_INT16 - 1),
        (n, 40, AUTO_MIN_COLS_INT16),
        (n - 1, 40, 96),
        (n, base.few_queries, 96),
        (n, base.few_queries + 1, 96),
        (n, AUTO_MAX_QUERIES_INT16 + 1, 64),
    ] {
        let x = to_f32(&gaussian(n + nq, d, 67));
        let (c, q) = x.split_at(n * d);
        // cosine (whose copy is of the unit rows) at one shape: the checks are slow in debug
        let metrics: &[Metric] = if d == 96 && nq == 40 {
            &[Metric::Euclidean, Metric::Cosine]
        } else {
            &[Metric::Euclidean]
        };
        for &metric in metrics {
            let p = Params {
                metric,
                ..base.clone()
            };
            let what = format!("n = {n}, queries = {nq}, d = {d}, {metric:?}");
            let cm = MatRef::from_flat(c, d).unwrap();
            let qm = MatRef::from_flat(q, d).unwrap();
            let mut index = Index::<f32>::new(metric, d).unwrap();
            index.add(cm).unwrap();
            let before = index.memory_bytes();
            let (got, trace) = index.search_traced(qm, &p, &ctl).unwrap();
            let int16 = native
                && d >= AUTO_MIN_COLS_INT16
                && n >= AUTO_MIN_CORPUS_INT16
                && nq > p.few_queries
                && (nq <= AUTO_MAX_QUERIES_INT16 || embgeo_kernels::i16_vnni());
            assert_eq!(trace.precision, if int16 { "int16" } else { "fp32" }, "{what}");
            if int16 {
                assert_eq!(trace.kernel, embgeo_kernels::i16_kernel(), "{what}");
            }
            let copy = if int16 {
                n * (d.next_multiple_of(2) * 2 + 12)
            } else {
                0
            };
            assert_eq!(index.memory_bytes(), before + copy, "{what}");
            assert_same(&got, &reference(c, Some(q), d, &p), &format!("index {what}"));
            if int16 {
                // the same copy serves the next search; adding rows drops it
                let (again, t2) = index.search_traced(qm, &p, &ctl).unwrap();
                assert_eq!(
                    (again.indices, t2.candidates),
                    (got.indices.clone(), trace.candidates)
                );
                index.add(MatRef::from_flat(&q[..d], d).unwrap()).unwrap();
                assert!(index.memory_bytes() < before + copy, "{what}");
            }
        }
    }
}

/// Whether `auto` takes int16 all points on this machine (the AVX512-VNNI tiles, no AMX, not
/// `EMBGEO_KNN_INT16=off`), and `auto` parameters (k = 4, euclidean) whose blocks give the
/// symmetric pass of `AUTO_MIN_ROWS_INT16_ALL` rows several tiles.
fn all_points_auto() -> (bool, Params) {
    let amx = lowp::path() == LowpPath::AmxBf16 && lowp::path().supported();
    let int16 =
        embgeo_kernels::i16_vnni() && !amx && std::env::var("EMBGEO_KNN_INT16").map_or(true, |v| v != "off");
    let p = Params {
        query_block: 384,
        corpus_block: 1024,
        ..params(4, Metric::Euclidean, Precision::Auto)
    };
    (int16, p)
}

/// `auto` screens all points of f32 rows in int16 on the AVX512-VNNI tiles without AMX (not when
/// `EMBGEO_KNN_INT16=off`) at `AUTO_MIN_ROWS_INT16_ALL` rows of `AUTO_MIN_COLS_INT16_ALL`
/// columns, the smallest shape it takes (the unit tests of `auto_takes_all_points` check one row
/// or one column fewer), with the fp32 path's answer (marked tiles and scans, the symmetric
/// pass).
#[test]
fn auto_screens_all_points_in_int16_on_the_vnni_tiles_from_its_smallest_shape() {
    let (int16, p) = all_points_auto();
    let (n, d) = (AUTO_MIN_ROWS_INT16_ALL, AUTO_MIN_COLS_INT16_ALL);
    let ctl = Ctl::detached();
    let x = to_f32(&gaussian(n, d, 71));
    let (got, trace) = search_values(Operands::new(Values::F32(&x), None, d), &p, &ctl).unwrap();
    assert_eq!(trace.precision, if int16 { "int16" } else { "fp32" });
    if int16 {
        assert_eq!(trace.kernel, embgeo_kernels::i16_kernel());
        // the fp32 path's answer (which the other tests hold to the naive brute force)
        let fp32 = Params {
            precision: Precision::Fp32,
            ..p.clone()
        };
        let (want, _) = search_values(Operands::new(Values::F32(&x), None, d), &fp32, &ctl).unwrap();
        assert_same(&got, &want, "auto all points");
    }
}

/// bf16 and int8 rows that `auto` would screen on the f32 units tile by tile go to the int16
/// screening of their f32 copy where `auto` takes it for f32 rows of that shape (all points on
/// the AVX512-VNNI tiles without AMX, from `AUTO_MIN_ROWS_INT16_ALL` rows of
/// `AUTO_MIN_COLS_INT16_ALL` columns, narrower than the int8 units take), with the answer of
/// the fp32 path on the same values (`precision: 'fp32'`, tile by tile).
#[test]
fn auto_screens_the_f32_copy_of_narrow_rows_in_int16_where_it_would_the_f32_rows() {
    let (int16, p) = all_points_auto();
    let (n, d) = (AUTO_MIN_ROWS_INT16_ALL, AUTO_MIN_COLS_INT16_ALL);
    let ctl = Ctl::detached();
    let fp32 = Params {
        precision: Precision::Fp32,
        ..p.clone()
    };
    let g = gaussian(n, d, 73);
    // bf16 bits of each value (truncated: any bf16 values do), and int8 values
    let bf16: Vec<u16> = to_f32(&g).iter().map(|v| (v.to_bits() >> 16) as u16).collect();
    let int8: Vec<i8> = g.iter().map(|v| (v * 40.0).clamp(-127.0, 127.0) as i8).collect();
    for (x, what) in [(Values::Bf16(&bf16), "bf16"), (Values::I8(&int8), "int8")] {
        let (got, trace) = search_values(Operands::new(x, None, d), &p, &ctl).unwrap();
        if int16 {
            assert_eq!(trace.precision, "int16", "{what}");
            assert_eq!(trace.kernel, embgeo_kernels::i16_kernel(), "{what}");
        }
        let (want, trace) = search_values(Operands::new(x, None, d), &fp32, &ctl).unwrap();
        assert_eq!(trace.precision, "fp32", "{what}");
        assert_same(&got, &want, what);
    }
    // one row fewer: the f32 units, tile by tile
    let (_, trace) = search_values(Operands::new(Values::Bf16(&bf16[d..]), None, d), &p, &ctl).unwrap();
    assert_ne!(trace.precision, "int16", "bf16, one row fewer");
}
