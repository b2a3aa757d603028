//! bf16, f16 and int8 inputs: every path (bf16 units forced on each kernel this CPU has, the
//! widened f32 path) gives the f32 engine's result on the same values bit for bit, and the
//! naive f64 brute force's neighbours.

mod common;

use common::lowp::{params, reference};
use common::{assert_same, clustered, gaussian, naive, rng, to_f32, with_duplicates};
use embgeo_core::Ctl;
use embgeo_core::MatRef;
use embgeo_kernels::lowp::{available_paths, Int8Path, LowpPath};
use embgeo_knn::{
    search_part, search_part_values, search_values, search_values_on, Kernels, Metric, Operands, Params,
    Precision, Values, AUTO_MIN_COLS_AMX, AUTO_MIN_COLS_BF16, AUTO_MIN_COLS_INT8, AUTO_MIN_COLS_STREAM,
    AUTO_MIN_CORPUS_STREAM, AUTO_MIN_ROWS_AMX,
};
use rand::Rng;

/// bf16 bits of `v` rounded to nearest even.
fn bf16(v: f64) -> u16 {
    let b = (v as f32).to_bits();
    ((b + 0x7fff + ((b >> 16) & 1)) >> 16) as u16
}

fn widen(b: &[u16]) -> Vec<f32> {
    b.iter().map(|&v| f32::from_bits(u32::from(v) << 16)).collect()
}

const METRICS: [Metric; 3] = [Metric::Euclidean, Metric::SqEuclidean, Metric::Dot];

/// All points and queries (the first `nq` rows as queries) on every bf16 kernel.
fn check_bf16(x: &[u16], d: usize, k: usize, what: &str) {
    let xf = widen(x);
    let nq = (x.len() / d / 3).max(1);
    for metric in METRICS {
        for (q, qf) in [(None, None), (Some(&x[..nq * d]), Some(&xf[..nq * d]))] {
            let p = params(k, metric, Precision::Bf16);
            let want = reference(&xf, qf, d, &p);
            for path in available_paths() {
                let kernels = Kernels {
                    bf16: Some(path),
                    int8: None,
                };
                let (got, trace) = search_values_on(
                    kernels,
                    Operands::new(Values::Bf16(x), q.map(Values::Bf16), d),
                    &p,
                    &Ctl::detached(),
                )
                .unwrap();
                assert_eq!((trace.precision, trace.kernel), ("bf16", path.name()));
                assert!(
                    trace.candidates >= (got.rows * k) as u64,
                    "{what}: every slot was re-ranked"
                );
                assert_same(
                    &got,
                    &want,
                    &format!("{what} {metric:?} {path:?} queries={}", q.is_some()),
                );
            }
            // `fp32`: the f32 units on rows widened tile by tile (no f32 copy of the data)
            let p32 = params(k, metric, Precision::Fp32);
            let (got, trace) = search_values(
                Operands::new(Values::Bf16(x), q.map(Values::Bf16), d),
                &p32,
                &Ctl::detached(),
            )
            .unwrap();
            assert_eq!(trace.precision, "fp32", "{what}");
            assert_same(
                &got,
                &reference(&xf, qf, d, &p32),
                &format!("{what} {metric:?} fp32 queries={}", q.is_some()),
            );
        }
    }
}

fn bf16_of(x: &[f64]) -> Vec<u16> {
    x.iter().map(|&v| bf16(v)).collect()
}

/// Rows whose f32 accumulation loses the most a tile can lose in the worst order:
/// `X = (2¹², 0, …)` with a `1` at every position `t ≡ 1 (mod stride)` has
/// `X·X = 2²⁴ + m` (`m` ones), but once a partial sum reaches `2²⁴`, adding one `1` is a tie
/// that rounds to even, back to `2²⁴`. A kernel that adds the products one at a time (the
/// AVX512-BF16 and portable tiles; `stride = 1`: the worst case `γ_d·Σ|x_t·y_t|` within a
/// factor 2) or rounds once per 32 products (one AMX tile step; `stride = 32`: every step
/// holds exactly one `1`) returns `2²⁴`, `m` below the truth. Rows: `X` twice (its own
/// nearest, distance 0), `(2¹², 0, …)` (euclidean distance² `m`, exact in f32) and
/// `(2¹², 16, 0, …)` (dot `2²⁴ + 16`, exact): by their fast keys both look nearer to `X` than
/// its duplicate, by more than a bound a few ulps too optimistic allows (for `m > 16`), so such
/// a bound drops the true neighbour. Plus small filler rows.
fn worst_case_rows(d: usize, stride: usize) -> Vec<u16> {
    let big = bf16(4096.0);
    let x: Vec<u16> = (0..d)
        .map(|t| match t {
            0 => big,
            _ if t % stride == 1 % stride => bf16(1.0),
            _ => 0,
        })
        .collect();
    let mut rows = [x.clone(), x].concat();
    rows.push(big);
    rows.extend(std::iter::repeat_n(0, d - 1));
    rows.push(big);
    rows.push(bf16(16.0));
    rows.extend(std::iter::repeat_n(0, d - 2));
    rows.extend(bf16_of(&gaussian(8, d, 3)));
    rows
}

#[test]
fn worst_case_accumulation_order_keeps_the_true_neighbour() {
    for (d, stride) in [(64, 1), (1000, 1), (1000, 32), (2048, 32)] {
        let x = worst_case_rows(d, stride);
        for k in [1, 2] {
            check_bf16(
                &x,
                d,
                k,
                &format!("worst-case accumulation d={d} stride={stride} k={k}"),
            );
        }
    }
}

#[test]
fn random_clustered_and_duplicate_heavy_data() {
    for &(n, d) in &[(150, 1), (150, 3), (200, 64), (130, 383)] {
        check_bf16(&bf16_of(&gaussian(n, d, 7)), d, 5, &format!("gaussian {n}x{d}"));
    }
    check_bf16(&bf16_of(&clustered(300, 48, 100, 3)), 48, 7, "100 tight clusters");
    check_bf16(&bf16_of(&with_duplicates(200, 32, 5)), 32, 9, "duplicates");
    check_bf16(&bf16_of(&gaussian(120, 2048, 9)), 2048, 3, "d = 2048");
}

#[test]
fn k_from_one_to_n_minus_one() {
    let x = bf16_of(&gaussian(60, 20, 11));
    for k in [1, 2, 30, 59] {
        check_bf16(&x, 20, k, &format!("k = {k}"));
    }
}

#[test]
fn near_ties_in_the_last_bf16_bit() {
    // rows that differ from a base row by one unit in the last place of one coordinate: the
    // exact keys differ by less than the bf16 screening's rounding of the accumulation
    let mut r = rng(21);
    let d = 96;
    let base: Vec<u16> = (0..d).map(|_| bf16(r.random_range(-1.0..1.0))).collect();
    let mut x = Vec::new();
    for i in 0..120 {
        let mut row = base.clone();
        let t = i % d;
        row[t] = if i % 2 == 0 {
            row[t] + (i / d) as u16 + 1
        } else {
            row[t].wrapping_sub(1)
        };
        x.extend(row);
    }
    check_bf16(&x, d, 6, "near ties");
}

#[test]
fn huge_tiny_and_mixed_norms() {
    let g = gaussian(160, 24, 13);
    let scaled = |s: &dyn Fn(usize) -> f64| -> Vec<u16> {
        g.iter().enumerate().map(|(i, &v)| bf16(v * s(i / 24))).collect()
    };
    check_bf16(&scaled(&|_| 1e17), 24, 5, "huge norms");
    check_bf16(&scaled(&|_| 1e-17), 24, 5, "tiny norms");
    check_bf16(
        &scaled(&|i| 10f64.powi((i % 13) as i32 - 6)),
        24,
        5,
        "mixed norms",
    );
    // subnormal bf16 values (read as zero by the bf16 units): the bound's subnormal terms hold
    check_bf16(
        &scaled(&|i| if i % 2 == 0 { 1e-39 } else { 1e-36 }),
        24,
        5,
        "subnormal values",
    );
}

#[test]
fn int8_data_is_exact_on_the_bf16_units() {
    let mut r = rng(31);
    let (n, d) = (180, 77);
    let x: Vec<i8> = (0..n * d).map(|_| r.random_range(-128..=127)).collect();
    let xf: Vec<f32> = x.iter().map(|&v| f32::from(v)).collect();
    for metric in METRICS {
        let p = params(6, metric, Precision::Bf16);
        let want = reference(&xf, None, d, &p);
        for path in available_paths() {
            let k = Kernels {
                bf16: Some(path),
                int8: None,
            };
            let (got, trace) =
                search_values_on(k, Operands::new(Values::I8(&x), None, d), &p, &Ctl::detached()).unwrap();
            assert_eq!(trace.precision, "bf16");
            assert_same(&got, &want, &format!("int8 {metric:?} {path:?}"));
        }
        // the int8 units: exact integer dot products
        let p8 = params(6, metric, Precision::Int8);
        for path in Int8Path::available() {
            let k = Kernels {
                bf16: None,
                int8: Some(path),
            };
            let (got, trace) =
                search_values_on(k, Operands::new(Values::I8(&x), None, d), &p8, &Ctl::detached()).unwrap();
            assert_eq!((trace.precision, trace.kernel), ("int8", path.name()));
            assert_same(&got, &want, &format!("int8 units {metric:?} {path:?}"));
            let q = &x[..40 * d];
            let (got, _) = search_values_on(
                k,
                Operands::new(Values::I8(&x), Some(Values::I8(q)), d),
                &p8,
                &Ctl::detached(),
            )
            .unwrap();
            let qf: Vec<f32> = q.iter().map(|&v| f32::from(v)).collect();
            assert_same(
                &got,
                &reference(&xf, Some(&qf), d, &p8),
                &format!("int8 units, queries {metric:?} {path:?}"),
            );
        }
    }
}

#[test]
fn f16_cosine_and_fp32_take_the_widened_path_with_the_same_answer() {
    let g = gaussian(90, 16, 41);
    let f16: Vec<u16> = g.iter().map(|&v| half::f16::from_f64(v).to_bits()).collect();
    let f16w: Vec<f32> = f16.iter().map(|&b| half::f16::from_bits(b).to_f32()).collect();
    let p = params(4, Metric::Euclidean, Precision::Auto);
    let (got, trace) =
        search_values(Operands::new(Values::F16(&f16), None, 16), &p, &Ctl::detached()).unwrap();
    assert_eq!(trace.precision, "fp32");
    assert_same(&got, &reference(&f16w, None, 16, &p), "f16");

    let b = bf16_of(&g);
    for (metric, precision) in [
        (Metric::Cosine, Precision::Auto),
        (Metric::Euclidean, Precision::Fp32),
    ] {
        let p = params(4, metric, precision);
        let (got, trace) =
            search_values(Operands::new(Values::Bf16(&b), None, 16), &p, &Ctl::detached()).unwrap();
        assert_eq!(trace.precision, "fp32", "{metric:?} {precision:?}");
        let want = search_values(
            Operands::new(Values::F32(&widen(&b)), None, 16),
            &p,
            &Ctl::detached(),
        )
        .unwrap()
        .0;
        assert_same(&got, &want, &format!("{metric:?} {precision:?}"));
    }
}

#[test]
fn auto_uses_the_bf16_units_when_the_cpu_has_them_at_widths_where_they_pay() {
    // the narrowest width `auto` takes per kernel (never the portable emulation)
    let bf16_min = match embgeo_kernels::lowp::path() {
        LowpPath::AmxBf16 => AUTO_MIN_COLS_AMX,
        // `vdpbf16ps` at half the FMA rate (Intel) loses to the f32 path: never under auto
        LowpPath::Avx512Bf16 if LowpPath::Avx512Bf16.outpaces_fp32() => AUTO_MIN_COLS_BF16,
        LowpPath::Avx512Bf16 | LowpPath::Scalar => usize::MAX,
    };
    let int8_min = match Int8Path::best() {
        Int8Path::AmxInt8 => AUTO_MIN_COLS_AMX,
        Int8Path::Avx512Vnni => AUTO_MIN_COLS_INT8,
        Int8Path::Scalar => usize::MAX,
    };
    let p = params(5, Metric::Euclidean, Precision::Auto);
    let run = |v: Values<'_>, d: usize| {
        search_values(Operands::new(v, None, d), &p, &Ctl::detached())
            .unwrap()
            .1
    };
    // enough rows for the AMX tiles (which need AUTO_MIN_ROWS_AMX on each side)
    let n = AUTO_MIN_ROWS_AMX + 10;
    for d in [16, AUTO_MIN_COLS_AMX, AUTO_MIN_COLS_INT8, AUTO_MIN_COLS_BF16] {
        let b = bf16_of(&gaussian(n, d, 51));
        let trace = run(Values::Bf16(&b), d);
        let bf16 = d >= bf16_min;
        assert_eq!(
            trace.precision,
            if bf16 { "bf16" } else { "fp32" },
            "bf16 data, d = {d}"
        );
        assert!(trace.inflation(n, 5) >= 1.0);
        // few queries: the AMX layouts of the corpus would cost more than they save
        let q = &b[..20 * d];
        let (got, trace) = search_values(
            Operands::new(Values::Bf16(&b), Some(Values::Bf16(q)), d),
            &p,
            &Ctl::detached(),
        )
        .unwrap();
        let amx = embgeo_kernels::lowp::path() == LowpPath::AmxBf16;
        assert_eq!(
            trace.precision,
            if bf16 && !amx { "bf16" } else { "fp32" },
            "bf16 data, 20 queries, d = {d}"
        );
        assert_same(
            &got,
            &reference(&widen(&b), Some(&widen(q)), d, &p),
            "few queries",
        );
        // int8 data: the int8 units first (from their own width on), then the bf16 units
        let i8v: Vec<i8> = b.iter().map(|&v| (v % 200) as i8).collect();
        let trace = run(Values::I8(&i8v), d);
        let want = if d >= int8_min {
            "int8"
        } else if bf16 {
            "bf16"
        } else {
            "fp32"
        };
        assert_eq!(trace.precision, want, "int8 data, d = {d}");
    }
}

#[test]
fn few_queries_stream_the_corpus_through_the_amx_tiles_under_auto() {
    // bf16 and int8 queries, fewer than pay for a packed copy of the corpus, against a corpus
    // of the shape `auto` streams: on the AMX tiles each worker packs the corpus block it
    // multiplies (no copy of the corpus); elsewhere the widened f32 path. Same answer either way.
    let (n, d) = (AUTO_MIN_CORPUS_STREAM + 37, AUTO_MIN_COLS_STREAM + 3);
    let b = bf16_of(&clustered(n, d, 100, 61));
    let i8v: Vec<i8> = b.iter().map(|&v| (v % 251) as i8).collect();
    let (bf, i8f) = (widen(&b), i8v.iter().map(|&v| f32::from(v)).collect::<Vec<_>>());
    let amx_bf16 = embgeo_kernels::lowp::path() == LowpPath::AmxBf16;
    let amx_int8 = Int8Path::best() == Int8Path::AmxInt8;
    for metric in METRICS {
        for nq in [17, 100, AUTO_MIN_ROWS_AMX - 1] {
            let p = Params {
                k: 10,
                metric,
                ..Params::default()
            };
            let what = format!("{metric:?}, {nq} queries");
            let (got, trace) = search_values(
                Operands::new(Values::Bf16(&b), Some(Values::Bf16(&b[n * d - nq * d..])), d),
                &p,
                &Ctl::detached(),
            )
            .unwrap();
            let want = if amx_bf16 {
                ("bf16", "amx-bf16")
            } else {
                ("fp32", trace.kernel)
            };
            assert_eq!((trace.precision, trace.kernel), want, "bf16 data, {what}");
            assert_same(&got, &reference(&bf, Some(&bf[n * d - nq * d..]), d, &p), &what);
            let (got, trace) = search_values(
                Operands::new(Values::I8(&i8v), Some(Values::I8(&i8v[..nq * d])), d),
                &p,
                &Ctl::detached(),
            )
            .unwrap();
            if amx_int8 {
                assert_eq!(
                    (trace.precision, trace.kernel),
                    ("int8", "amx-int8"),
                    "int8 data, {what}"
                );
            }
            assert_same(&got, &reference(&i8f, Some(&i8f[..nq * d]), d, &p), &what);
        }
    }
}

#[test]
fn mixed_element_types_widen_to_the_common_type() {
    let g = gaussian(70, 12, 61);
    let b = bf16_of(&g);
    let bw = widen(&b);
    let q32 = to_f32(&g[..10 * 12]);
    let p = params(3, Metric::Dot, Precision::Auto);
    let (got, _) = search_values(
        Operands::new(Values::Bf16(&b), Some(Values::F32(&q32)), 12),
        &p,
        &Ctl::detached(),
    )
    .unwrap();
    assert_same(
        &got,
        &reference(&bw, Some(&q32), 12, &p),
        "bf16 corpus, f32 queries",
    );
    let (got64, trace) = search_values(
        Operands::new(Values::Bf16(&b), Some(Values::F64(&g[..120])), 12),
        &p,
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!(trace.precision, "fp64");
    let bw64: Vec<f64> = bw.iter().map(|&v| f64::from(v)).collect();
    assert_eq!(
        got64.indices,
        naive(&bw64, Some(&g[..120]), 12, 3, Metric::Dot).indices
    );
}

#[test]
fn refused_precisions_and_bad_values_are_coded_errors() {
    use embgeo_core::Error;
    let b = bf16_of(&gaussian(20, 4, 71));
    let ctl = Ctl::detached();
    // (bf16 on f32 data screens split copies: tests/split_bf16.rs)
    let cases: [(Values<'_>, Metric, Precision); 4] = [
        (Values::Bf16(&b), Metric::Euclidean, Precision::Int8),
        (Values::Bf16(&b), Metric::Cosine, Precision::Bf16),
        (Values::F16(&b), Metric::Euclidean, Precision::Bf16),
        (Values::F64(&[0.0; 8]), Metric::Euclidean, Precision::Fp32),
    ];
    for (v, metric, precision) in cases {
        let e = search_values(Operands::new(v, None, 4), &params(2, metric, precision), &ctl).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidValue {
                    name: "precision",
                    ..
                }
            ),
            "{precision:?} {metric:?}: {e}"
        );
    }
    // ±∞ in bf16 data: the f32 engine's error, with row and column
    let mut inf = b.clone();
    inf[4 * 3 + 2] = 0x7f80;
    let e = search_values(
        Operands::new(Values::Bf16(&inf), None, 4),
        &params(2, Metric::Euclidean, Precision::Auto),
        &ctl,
    )
    .unwrap_err();
    assert!(matches!(e, Error::NonFinite { .. }), "{e}");
    let e = search_values(
        Operands::new(Values::Bf16(&b), None, 3),
        &params(2, Metric::Euclidean, Precision::Auto),
        &ctl,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Shape { .. }), "{e}");
    let e = search_values(
        Operands::new(Values::Bf16(&b), None, 4),
        &params(20, Metric::Euclidean, Precision::Bf16),
        &ctl,
    )
    .unwrap_err();
    assert!(matches!(e, Error::KTooLarge { .. }), "{e}");
}

#[test]
fn shard_offsets_are_refused_by_search_values_and_widened_by_search_part_values() {
    let g = gaussian(60, 8, 71);
    let b = bf16_of(&g);
    let bw = widen(&b);
    let q64: Vec<f64> = g[..12 * 8].to_vec();
    let p = Params {
        row_offset: Some(100),
        query_offset: Some(100),
        ..params(3, Metric::Euclidean, Precision::Auto)
    };
    let err = search_values(
        Operands::new(Values::Bf16(&b), Some(Values::F64(&q64)), 8),
        &p,
        &Ctl::detached(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            embgeo_core::Error::InvalidValue {
                name: "rowOffset",
                ..
            }
        ),
        "{err:?}"
    );

    // bf16 against itself: the f32 part of the widened values
    let got = search_part_values(
        Operands::new(Values::Bf16(&b), Some(Values::Bf16(&b[..12 * 8])), 8),
        &p,
        &Ctl::detached(),
    )
    .unwrap();
    let c = MatRef::from_flat(&bw, 8).unwrap();
    let want = search_part(
        c,
        Some(MatRef::from_flat(&bw[..12 * 8], 8).unwrap()),
        &p,
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!(
        (got.indices.clone(), got.keys.clone(), got.dtype),
        (want.indices, want.keys, want.dtype)
    );
    assert!(got.indices.iter().all(|&i| i >= 100), "global row ids");

    // bf16 corpus, f64 queries: both widened to f64
    let got = search_part_values(
        Operands::new(Values::Bf16(&b), Some(Values::F64(&q64)), 8),
        &p,
        &Ctl::detached(),
    )
    .unwrap();
    let c64: Vec<f64> = bw.iter().map(|&v| f64::from(v)).collect();
    let want = search_part(
        MatRef::from_flat(&c64, 8).unwrap(),
        Some(MatRef::from_flat(&q64, 8).unwrap()),
        &p,
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!(
        (got.indices, got.keys, got.dtype),
        (want.indices, want.keys, want.dtype)
    );
}
