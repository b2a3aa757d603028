//! f32 data screened on the bf16 units through split copies (`precision: bf16` on f32 data):
//! every bf16 kernel this CPU has (forced through `search_values_on`) gives the fp32 path's
//! neighbours and distances bit for bit, and the naive f64 brute force's neighbours; a bound
//! one notch too optimistic drops a true neighbour (`adversarial_*`).

mod common;

use common::lowp::{
    clustered_sets, magnitude_sets, near_tie_rows, params, reference, MAGNITUDE_D, NEAR_TIE_D,
};
use common::{assert_same, gaussian, to_f32, METRICS};
use embgeo_core::{Ctl, Error, Neighbors};
use embgeo_kernels::lowp::{available_paths, LowpPath};
use embgeo_knn::{
    search_values, search_values_on, Kernels, Metric, Operands, Params, Precision, Values,
    AUTO_MIN_COLS_SPLIT, AUTO_MIN_ROWS_SPLIT,
};

fn bf16_run(
    path: LowpPath,
    c: &[f32],
    q: Option<&[f32]>,
    d: usize,
    p: &Params,
) -> embgeo_core::Result<(Neighbors, embgeo_knn::Trace)> {
    let kernels = Kernels {
        bf16: Some(path),
        int8: None,
    };
    search_values_on(
        kernels,
        Operands::new(Values::F32(c), q.map(Values::F32), d),
        p,
        &Ctl::detached(),
    )
}

/// All points and queries (the first third of the rows, and fresh rows) on every bf16 kernel,
/// every metric, for each `k`.
fn check(x: &[f32], d: usize, ks: &[usize], what: &str) {
    let n = x.len() / d;
    let nq = (n / 3).max(1);
    for &k in ks {
        for metric in METRICS {
            for q in [None, Some(&x[..nq * d])] {
                let k = if q.is_none() { k.min(n - 1) } else { k.min(n) };
                let p = params(k, metric, Precision::Bf16);
                let want = reference(x, q, d, &p);
                for path in available_paths() {
                    let (got, trace) = bf16_run(path, x, q, d, &p).unwrap();
                    assert_eq!((trace.precision, trace.kernel), ("bf16", path.name()));
                    assert!(
                        trace.candidates >= (got.rows * k) as u64,
                        "{what}: every slot was re-ranked"
                    );
                    assert_same(
                        &got,
                        &want,
                        &format!("{what} k={k} {metric:?} {path:?} queries={}", q.is_some()),
                    );
                }
            }
        }
    }
}

#[test]
fn random_data_at_every_width() {
    for &(n, d) in &[(150, 1), (150, 2), (150, 3), (140, 31), (120, 384), (100, 1000)] {
        let x = to_f32(&gaussian(n, d, 7 + d as u64));
        check(&x, d, &[1, 10, n - 1], &format!("gaussian {n}x{d}"));
    }
}

#[test]
fn clustered_and_duplicate_heavy_data() {
    for (x, d, ks, what) in clustered_sets(3) {
        check(&x, d, ks, what);
    }
}

#[test]
fn near_ties_in_the_last_bf16_and_f32_bits() {
    // rows that differ from a base row by one unit in the last place of one coordinate (of f32,
    // or of bf16 by 2^16 f32 units): exact keys closer than the split screening's error
    for (step, what) in [(1u32, "f32 ulp"), (1 << 16, "bf16 ulp")] {
        check(
            &near_tie_rows(21, step),
            NEAR_TIE_D,
            &[1, 6, 119],
            &format!("near ties, {what}"),
        );
    }
}

#[test]
fn huge_tiny_mixed_and_subnormal_norms() {
    for (x, what, ks) in magnitude_sets(13) {
        check(&x, MAGNITUDE_D, ks, what);
    }
}

/// The adversarial case for the split term of the bound (`c1 = 2⁻¹⁶·(2 + 2⁻⁸)`):
/// `v = 1 + 254.5·2⁻¹⁶` splits as `hi = 1`, `lo = 254·2⁻¹⁶` (ties to even), `r = 2⁻¹⁷`, so for
/// `x = y* = (v, v)` the split dot product misses `Σ hi·r + r·hi + δ·δ = 2·(2⁻¹⁶ +
/// (254.5·2⁻¹⁶)²) ≈ 1.97·2⁻¹⁶·‖x‖‖y*‖` (the accumulation is exact here): the fast key of the
/// true nearest row `y*` is too large by 98 % of the proved split term. 40 copies of a row
/// `y_c` one f32 ulp worse come first: they overflow the selection state, whose exact keys
/// then set the threshold to `y_c`'s exact key. `y*` survives only if the margin covers its
/// full error, so a split coefficient of 1.85·2⁻¹⁶ or less (`c1` halved, the naive
/// `u_b² = 2⁻¹⁶`) drops it and the test fails (checked by weakening `Bounds::split_bf16`;
/// 1.9·2⁻¹⁶ still passes).
#[test]
fn adversarial_split_error_is_covered() {
    let v = 1.0f32 + 254.5 * 2f32.powi(-16);
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
            precision: Precision::Bf16,
            query_block: 8,
            corpus_block: 40,
            min_slice_rows: 1 << 20,
            ..Params::default()
        };
        let want = reference(&c, Some(&q), d, &p);
        assert_eq!(want.indices, vec![40], "the true nearest row");
        for path in available_paths() {
            let (got, _) = bf16_run(path, &c, Some(&q), d, &p).unwrap();
            assert_same(&got, &want, &format!("adversarial {metric:?} {path:?}"));
        }
    }
}

#[test]
fn auto_screens_f32_data_on_the_amx_tiles_only_where_measured_faster() {
    // `auto` splits f32 rows only on the AMX tiles (this process's kernel), from
    // AUTO_MIN_COLS_SPLIT columns and AUTO_MIN_ROWS_SPLIT rows on each side; the answer is the
    // fp32 path's either way, through `search_values` and through `all_points` / `search`
    let amx = embgeo_kernels::lowp::path() == LowpPath::AmxBf16 && LowpPath::AmxBf16.supported();
    let rows = AUTO_MIN_ROWS_SPLIT + 52;
    let ctl = Ctl::detached();
    for (n, nq, d) in [
        (rows, None, AUTO_MIN_COLS_SPLIT - 1),
        (rows, None, AUTO_MIN_COLS_SPLIT),
        (rows - 60, None, 96),
        (rows, Some(AUTO_MIN_ROWS_SPLIT), 80),
        (rows, Some(100), 80),
    ] {
        let x = to_f32(&gaussian(n + nq.unwrap_or(0), d, 51));
        let (c, q) = x.split_at(n * d);
        let q = nq.map(|_| q);
        let p = Params {
            query_block: 384,
            corpus_block: 1024,
            ..params(5, Metric::Euclidean, Precision::Auto)
        };
        let what = format!("n = {n}, queries = {nq:?}, d = {d}");
        let (got, trace) =
            search_values(Operands::new(Values::F32(c), q.map(Values::F32), d), &p, &ctl).unwrap();
        let split = amx && d >= AUTO_MIN_COLS_SPLIT && n.min(nq.unwrap_or(n)) >= AUTO_MIN_ROWS_SPLIT;
        assert_eq!(trace.precision, if split { "bf16" } else { "fp32" }, "{what}");
        assert!(trace.inflation(got.rows, 5) >= 1.0, "{what}");
        let want = reference(c, q, d, &p);
        assert_same(&got, &want, &format!("auto {what}"));
        // the typed entries take the same route
        let cm = embgeo_core::MatRef::from_flat(c, d).unwrap();
        let typed = match q {
            None => embgeo_knn::all_points(cm, &p, &ctl).unwrap(),
            Some(q) => {
                embgeo_knn::search(cm, embgeo_core::MatRef::from_flat(q, d).unwrap(), &p, &ctl).unwrap()
            }
        };
        assert_same(&typed, &want, &format!("typed {what}"));
    }
}

#[test]
fn refused_and_out_of_range() {
    let x = to_f32(&gaussian(20, 4, 71));
    let ctl = Ctl::detached();
    let none = Kernels {
        bf16: None,
        int8: None,
    };
    let p = params(2, Metric::Euclidean, Precision::Bf16);
    let e = search_values_on(none, Operands::new(Values::F32(&x), None, 4), &p, &ctl).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InvalidValue {
                name: "precision",
                ..
            }
        ),
        "{e}"
    );
    // norms whose squares could overflow f32 keys: refused under bf16, f64 under auto
    let huge: Vec<f32> = x.iter().map(|&v| v * 1e19).collect();
    let e = bf16_run(LowpPath::Scalar, &huge, None, 4, &p).unwrap_err();
    assert!(matches!(e, Error::OutOfRange { .. }), "{e}");
    let auto = params(2, Metric::Euclidean, Precision::Auto);
    let (_, trace) = bf16_run(LowpPath::Scalar, &huge, None, 4, &auto).unwrap();
    assert_eq!(trace.precision, "fp64");
    // non-finite values and a too large k: the fp32 path's errors
    let mut inf = x.clone();
    inf[9] = f32::INFINITY;
    let e = bf16_run(LowpPath::Scalar, &inf, None, 4, &p).unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    let e = bf16_run(
        LowpPath::Scalar,
        &x,
        None,
        4,
        &params(20, Metric::Euclidean, Precision::Bf16),
    )
    .unwrap_err();
    assert!(matches!(e, Error::KTooLarge { .. }), "{e}");
}
