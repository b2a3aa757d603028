//! Every error code that applies to kNN, with the numbers in the message.

use embgeo_core::{CancelFlag, Ctl, Error, MatRef, NoProgress, Par, Progress};
use embgeo_knn::{all_points, search, Index, Metric, Params};

fn m(data: &[f32], rows: usize, cols: usize) -> MatRef<'_, f32> {
    MatRef::new(data, rows, cols).unwrap()
}

#[test]
fn k_zero_is_out_of_range() {
    let x = [0.0f32, 1.0, 2.0, 3.0];
    let e = all_points(m(&x, 4, 1), &Params::new(0, Metric::Euclidean), &Ctl::detached()).unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
    assert!(e.to_string().contains('k'), "{e}");
}

#[test]
fn k_too_large_names_rows_and_self_exclusion() {
    let x = [0.0f32, 1.0, 2.0, 3.0];
    let e = all_points(m(&x, 4, 1), &Params::new(4, Metric::Euclidean), &Ctl::detached()).unwrap_err();
    assert_eq!(e.code(), "ERR_K_TOO_LARGE");
    let s = e.to_string();
    assert!(
        s.contains("k = 4") && s.contains("only 3") && s.contains("4 rows") && s.contains("excluded"),
        "{s}"
    );
    let e = search(
        m(&x, 4, 1),
        m(&x[..1], 1, 1),
        &Params::new(5, Metric::Euclidean),
        &Ctl::detached(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_K_TOO_LARGE");
    assert!(e.to_string().contains("only 4"), "{e}");
    // k = n - 1 and k = n are fine
    assert!(all_points(m(&x, 4, 1), &Params::new(3, Metric::Euclidean), &Ctl::detached()).is_ok());
    assert!(search(
        m(&x, 4, 1),
        m(&x[..1], 1, 1),
        &Params::new(4, Metric::Euclidean),
        &Ctl::detached()
    )
    .is_ok());
}

#[test]
fn non_finite_values_name_row_and_column() {
    let mut x = [0.0f32; 12];
    x[7] = f32::NAN;
    let e = all_points(m(&x, 4, 3), &Params::new(1, Metric::Euclidean), &Ctl::detached()).unwrap_err();
    assert!(matches!(e, Error::NonFinite { row: 2, col: 1, .. }), "{e:?}");
    let q = [f32::INFINITY, 0.0, 0.0];
    let c = [1.0f32; 12];
    let e = search(
        m(&c, 4, 3),
        m(&q, 1, 3),
        &Params::new(1, Metric::Euclidean),
        &Ctl::detached(),
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonFinite {
                what: "queries",
                row: 0,
                col: 0,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn non_finite_comes_before_k_too_large_and_degenerate() {
    // the finiteness check rides on the row statistics' pass; the order of the errors is kept
    let ctl = Ctl::detached();
    let cos = |k| Params::new(k, Metric::Cosine);
    // 3 rows × 2: a zero row (degenerate under cosine) and a NaN, with k too large
    let x = [0.0f32, 0.0, 1.0, f32::NAN, 1.0, 1.0];
    let e = all_points(m(&x, 3, 2), &cos(5), &ctl).unwrap_err();
    assert!(matches!(e, Error::NonFinite { row: 1, col: 1, .. }), "{e:?}");
    let x = [0.0f32, 0.0, 1.0, 0.5, 1.0, 1.0];
    let e = all_points(m(&x, 3, 2), &cos(5), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_K_TOO_LARGE", "{e}");
    let e = all_points(m(&x, 3, 2), &cos(1), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_DEGENERATE", "{e}");
    // queries: a NaN there is reported before the corpus's zero row and a too large k
    let q = [1.0f32, f32::INFINITY];
    let e = search(m(&x, 3, 2), m(&q, 1, 2), &cos(9), &ctl).unwrap_err();
    assert!(
        matches!(
            e,
            Error::NonFinite {
                what: "queries",
                row: 0,
                col: 1,
                ..
            }
        ),
        "{e:?}"
    );
    let q = [0.0f32, 0.0];
    let e = search(m(&x[2..], 2, 2), m(&q, 1, 2), &cos(9), &ctl).unwrap_err();
    assert_eq!(e.code(), "ERR_K_TOO_LARGE", "{e}");
    let e = search(m(&x[2..], 2, 2), m(&q, 1, 2), &cos(1), &ctl).unwrap_err();
    assert!(e.to_string().contains("row 0 of queries"), "{e}");
}

#[test]
fn a_non_finite_value_anywhere_in_a_large_matrix_is_found() {
    // more rows than one statistics chunk (16,384): the chunks run in parallel
    let (n, d) = (40_000, 3);
    let ctl = Ctl::detached();
    for (at, v) in [
        (0, f32::NAN),
        (n * d / 2 + 1, f32::NEG_INFINITY),
        (n * d - 1, f32::INFINITY),
    ] {
        let mut x: Vec<f32> = (0..n * d).map(|i| (i % 97) as f32).collect();
        x[at] = v;
        let e = all_points(m(&x, n, d), &Params::new(1, Metric::Euclidean), &ctl).unwrap_err();
        let (row, col) = (at / d, at % d);
        assert!(
            matches!(e, Error::NonFinite { row: r, col: c, .. } if r == row && c == col),
            "{e:?}"
        );
        let e = search(m(&x, n, d), m(&x[..d], 1, d), &Params::new(1, Metric::Dot), &ctl).unwrap_err();
        assert!(matches!(e, Error::NonFinite { what: "corpus", .. }), "{e:?}");
    }
}

#[test]
#[allow(clippy::float_cmp)] // exact: the distance of a scaled copy, scaled back by a power of two
fn huge_finite_f64_values_are_not_non_finite() {
    // finite values near 1e200, whose squares overflow f64: not a non-finite value (the search
    // runs on a copy scaled by a power of two and answers exactly)
    let x = [1e200, 0.0, 0.0, 2e200, 3e200, 0.0, 1e200, 1e200];
    let x = MatRef::new(&x[..], 4, 2).unwrap();
    let nb = all_points(x, &Params::new(1, Metric::Euclidean), &Ctl::detached()).unwrap();
    // nearest: row 0 ↔ row 3 at 1e200; row 1 → row 3 at √2·1e200; row 2 → row 0 at 2e200
    assert_eq!(nb.indices, [3, 3, 0, 0]);
    assert_eq!(nb.distances[0], 1e200);
}

#[test]
fn zero_vector_under_cosine_is_degenerate_with_its_row() {
    let x = [1.0f32, 0.0, 0.0, 0.0, 0.5, 0.5];
    let e = all_points(m(&x, 3, 2), &Params::new(1, Metric::Cosine), &Ctl::detached()).unwrap_err();
    assert_eq!(e.code(), "ERR_DEGENERATE");
    assert!(e.to_string().contains("row 1 of corpus"), "{e}");
    let c = [1.0f32, 0.0, 0.0, 1.0];
    let e = search(
        m(&c, 2, 2),
        m(&[0.0, 0.0], 1, 2),
        &Params::new(1, Metric::Cosine),
        &Ctl::detached(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("row 0 of queries"), "{e}");
    // the same rows are fine under euclidean and dot
    for metric in [Metric::Euclidean, Metric::Dot] {
        assert!(all_points(m(&x, 3, 2), &Params::new(1, metric), &Ctl::detached()).is_ok());
    }
}

#[test]
fn width_mismatch_is_shape() {
    let c = [0.0f32; 6];
    let q = [0.0f32; 2];
    let e = search(
        m(&c, 3, 2),
        m(&q, 1, 2).row_block(0, 1),
        &Params::new(1, Metric::Euclidean),
        &Ctl::detached(),
    );
    assert!(e.is_ok());
    let q3 = [0.0f32; 3];
    let e = search(
        m(&c, 3, 2),
        m(&q3, 1, 3),
        &Params::new(1, Metric::Euclidean),
        &Ctl::detached(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_SHAPE");
    assert!(e.to_string().contains("expected 2, got 3"), "{e}");
}

#[test]
fn too_few_rows_is_empty() {
    let x = [1.0f32, 2.0];
    let e = all_points(m(&x, 1, 2), &Params::new(1, Metric::Euclidean), &Ctl::detached()).unwrap_err();
    assert_eq!(e.code(), "ERR_EMPTY");
    let e = search(
        m(&[], 0, 2),
        m(&x, 1, 2),
        &Params::new(1, Metric::Euclidean),
        &Ctl::detached(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_EMPTY");
    // zero queries is a valid, empty answer
    let c = [1.0f32, 2.0, 3.0, 4.0];
    let r = search(
        m(&c, 2, 2),
        m(&[], 0, 2),
        &Params::new(1, Metric::Euclidean),
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!((r.rows, r.indices.len()), (0, 0));
}

#[test]
fn zero_tile_parameters_are_out_of_range() {
    let x = [0.0f32, 1.0, 2.0];
    for p in [
        Params {
            query_block: 0,
            ..Params::new(1, Metric::Euclidean)
        },
        Params {
            corpus_block: 0,
            ..Params::new(1, Metric::Euclidean)
        },
        Params {
            min_slice_rows: 0,
            ..Params::new(1, Metric::Euclidean)
        },
        Params {
            min_units: 0,
            ..Params::new(1, Metric::Euclidean)
        },
    ] {
        assert_eq!(
            all_points(m(&x, 3, 1), &p, &Ctl::detached()).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
    }
}

#[test]
fn huge_f64_values_are_rescaled_or_out_of_range_never_infinite() {
    // behaviour change (issue 17 item 6): euclidean distances of rows at 1e200 are
    // representable, so they are computed on a power-of-two-scaled copy; squared distances
    // (about 4e400) are not, and stay an OutOfRange error
    let x = [1e200f64, 0.0, -1e200, 3.0];
    let nb = all_points(
        MatRef::new(&x, 2, 2).unwrap(),
        &Params::new(1, Metric::Euclidean),
        &Ctl::detached(),
    )
    .unwrap();
    // ‖(2e200, −3)‖ = 2e200 to within 1e-16 relative
    assert_eq!(nb.indices, vec![1, 0]);
    assert!(
        (nb.distances[0] / 2e200 - 1.0).abs() < 1e-15,
        "{:?}",
        nb.distances
    );
    let e = all_points(
        MatRef::new(&x, 2, 2).unwrap(),
        &Params::new(1, Metric::SqEuclidean),
        &Ctl::detached(),
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
}

#[test]
fn cancelled_before_start_returns_cancelled() {
    let flag = CancelFlag::new();
    flag.cancel();
    let ctl = Ctl::new(Par::Rayon, &flag, &NoProgress);
    let x = vec![0.5f32; 64 * 4];
    let e = all_points(m(&x, 64, 4), &Params::new(3, Metric::Euclidean), &ctl).unwrap_err();
    assert_eq!(e, Error::Cancelled);
    assert_eq!(e.code(), "ABORT_ERR");
}

/// Cancels after the first progress report: the run stops at a tile checkpoint.
struct CancelOnProgress<'a>(&'a CancelFlag, std::sync::atomic::AtomicU64);
impl Progress for CancelOnProgress<'_> {
    fn advance(&self, phase: &'static str, done: u64, total: u64) {
        assert!(["check", "norms", "distances"].contains(&phase), "{phase}");
        assert!(done <= total);
        if phase == "distances" {
            self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.0.cancel();
        }
    }
}

#[test]
fn cancellation_mid_run_stops_at_a_checkpoint() {
    let x: Vec<f32> = (0..400 * 3).map(|i| (i % 17) as f32).collect();
    for symmetric in [true, false] {
        let flag = CancelFlag::new();
        let prog = CancelOnProgress(&flag, std::sync::atomic::AtomicU64::new(0));
        let ctl = Ctl::new(Par::Seq, &flag, &prog);
        let p = Params {
            query_block: 32,
            symmetric,
            ..Params::new(2, Metric::SqEuclidean)
        };
        let e = all_points(m(&x, 400, 3), &p, &ctl).unwrap_err();
        assert_eq!(e, Error::Cancelled);
        // sequential: the unit after the first reported one never starts
        assert_eq!(
            prog.1.load(std::sync::atomic::Ordering::Relaxed),
            1,
            "symmetric {symmetric}"
        );
    }
}

#[test]
fn index_errors() {
    let mut idx = Index::<f32>::new(Metric::Euclidean, 2).unwrap();
    let e = idx.search(m(&[0.0, 0.0], 1, 2), 1, &Ctl::detached()).unwrap_err();
    assert_eq!(e.code(), "ERR_K_TOO_LARGE");
    assert!(e.to_string().contains("holds 0 rows"), "{e}");
    assert_eq!(idx.add(m(&[0.0; 3], 1, 3)).unwrap_err().code(), "ERR_SHAPE");
    assert_eq!(
        idx.add(m(&[f32::NAN, 0.0], 1, 2)).unwrap_err().code(),
        "ERR_NON_FINITE"
    );
    idx.add(m(&[0.0, 0.0, 1.0, 1.0], 2, 2)).unwrap();
    assert_eq!(
        idx.search(m(&[0.0; 3], 1, 3), 1, &Ctl::detached())
            .unwrap_err()
            .code(),
        "ERR_SHAPE"
    );
    assert_eq!(
        idx.search(m(&[0.0; 2], 1, 2), 0, &Ctl::detached())
            .unwrap_err()
            .code(),
        "ERR_OUT_OF_RANGE"
    );
    assert_eq!(
        idx.search(m(&[0.0; 2], 1, 2), 3, &Ctl::detached())
            .unwrap_err()
            .code(),
        "ERR_K_TOO_LARGE"
    );
}

#[test]
fn zero_columns_is_a_coded_error_not_a_panic() {
    let ctl = Ctl::detached();
    let none: [f32; 0] = [];
    let x = MatRef::new(&none[..], 4, 0).unwrap();
    let p = Params::new(1, Metric::Euclidean);
    let code = |r: Result<embgeo_core::Neighbors, Error>| r.map(|_| ()).unwrap_err().code();
    assert_eq!(code(all_points(x, &p, &ctl)), "ERR_OUT_OF_RANGE");
    assert_eq!(code(search(x, x, &p, &ctl)), "ERR_OUT_OF_RANGE");
    let shard = Params {
        row_offset: Some(0),
        query_offset: Some(0),
        ..p.clone()
    };
    let e = embgeo_knn::search_part(x, Some(x), &shard, &ctl)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{e}");
    let apart = Params {
        query_offset: Some(4),
        ..p.clone()
    };
    let e = embgeo_knn::cross_parts(x, x, &apart, &ctl)
        .map(|_| ())
        .unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{e}");
    let e = Index::<f32>::new(Metric::Euclidean, 0).map(|_| ()).unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{e}");
    let targets = embgeo_core::Neighbors::new(1, 4, vec![1, 0, 3, 2], vec![0.0; 4]).unwrap();
    let e = embgeo_knn::ranks(x, Metric::Euclidean, &targets, &ctl)
        .map(|_| ())
        .unwrap_err();
    assert!(matches!(e, Error::Empty { unit: "columns", .. }), "{e:?}");
}
