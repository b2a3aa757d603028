//! `Whitener::partial_fit` / `merge`: any sequence of partial fits, merges and byte/JSON round
//! trips equals a batch `fit` of all rows with the same weights (expected values: the batch fit
//! itself, tolerance 1e-10 relative to each array's largest entry: the two paths differ only by
//! the rounding of the Chan merges, ≈ 1e-15 relative, amplified by the eigensolver by at most
//! λ₁ / min gap ≈ 10 on this data); weighted and unweighted rows never mix.

use embgeo_core::{Ctl, MatRef};
use embgeo_pca::model_io::{whitener_from_bytes, whitener_from_json, whitener_to_bytes, whitener_to_json};
use embgeo_pca::whiten::Params;
use embgeo_pca::Whitener;
use embgeo_testkit::fixtures::assert_close_normwise;

const N: usize = 600;
const D: usize = 6;

/// `N × D` rows: splitmix64 uniforms in [−1, 1) scaled by column (distinct variances, so the
/// eigenvalues are well separated), a shared term (correlation) and an offset of 50.
fn data() -> Vec<f64> {
    let mut s = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    };
    let mut x = Vec::with_capacity(N * D);
    for _ in 0..N {
        let shared = next();
        for j in 0..D {
            x.push(50.0 + (j + 1) as f64 * next() + 0.5 * shared);
        }
    }
    x
}

/// Zipf-like frequencies: 1 / (1 + i mod 13).
fn weights() -> Vec<f64> {
    (0..N).map(|i| 1.0 / (1 + i % 13) as f64).collect()
}

fn assert_equal_to_batch(name: &str, w: &Whitener, batch: &Whitener) {
    let (a, b) = (w.state().unwrap(), batch.state().unwrap());
    assert_eq!(a.n_samples_seen, b.n_samples_seen, "{name}");
    assert_eq!(a.weighted, b.weighted, "{name}");
    for (what, x, y) in [
        ("mean", &a.mean, &b.mean),
        ("eigenvalues", &a.eigenvalues, &b.eigenvalues),
        ("axes", &a.axes, &b.axes),
        ("matrix", &a.matrix, &b.matrix),
    ] {
        assert_close_normwise(name, what, x, y, 1e-10);
    }
}

fn presets() -> [(&'static str, Params); 3] {
    [
        ("pca", Params::default()),
        ("zca", Params::zca(1e-6)),
        ("zipfian-top4", Params::zipfian(Some(4))),
    ]
}

#[test]
fn partial_fits_merges_and_round_trips_equal_a_batch_fit() {
    let x = data();
    let xm = MatRef::new(&x, N, D).unwrap();
    let wts = weights();
    let ctl = Ctl::detached();
    for (preset, params) in presets() {
        for weighted in [false, true] {
            let name = format!("{preset}, weighted {weighted}");
            let w_of = |a: usize, b: usize| weighted.then(|| &wts[a..b]);
            let mut batch = Whitener::new(params).unwrap();
            batch.fit(xm, w_of(0, N), &ctl).unwrap();

            // One whitener, uneven blocks (1-row blocks first: unfitted after the first row).
            let mut stream = Whitener::new(params).unwrap();
            let cuts = [0, 1, 2, 3, 90, 300, 301, 600];
            for c in cuts.windows(2) {
                stream
                    .partial_fit(xm.row_block(c[0], c[1]), w_of(c[0], c[1]), &ctl)
                    .unwrap();
                if c[1] == 1 || c[1] >= 90 {
                    assert_eq!(
                        stream.state().is_ok(),
                        c[1] >= 90,
                        "{name}: fitted after {} rows",
                        c[1]
                    );
                }
            }
            assert_equal_to_batch(&format!("{name}, stream"), &stream, &batch);

            // Shards fitted apart, travelling as bytes or JSON, merged into an empty whitener.
            let mut merged = Whitener::new(params).unwrap();
            for (s, (a, b)) in [(0, 250), (250, 251), (251, 600)].into_iter().enumerate() {
                let mut shard = Whitener::new(params).unwrap();
                shard.partial_fit(xm.row_block(a, b), w_of(a, b), &ctl).unwrap();
                let back = if s % 2 == 0 {
                    whitener_from_bytes(&whitener_to_bytes(&shard).unwrap()).unwrap()
                } else {
                    whitener_from_json(&whitener_to_json(&shard).unwrap()).unwrap()
                };
                assert_eq!(back, shard, "{name}: shard {s} round trip");
                merged.merge(&back, &ctl).unwrap();
            }
            assert_equal_to_batch(&format!("{name}, merged"), &merged, &batch);

            // A batch fit keeps its moments: fitting half and streaming the rest is the same.
            let mut half = Whitener::new(params).unwrap();
            half.fit(xm.row_block(0, 300), w_of(0, 300), &ctl).unwrap();
            let mut half = whitener_from_bytes(&whitener_to_bytes(&half).unwrap()).unwrap();
            half.partial_fit(xm.row_block(300, N), w_of(300, N), &ctl)
                .unwrap();
            assert_equal_to_batch(&format!("{name}, fit + partial"), &half, &batch);
        }
    }
}

#[test]
fn weighted_and_unweighted_rows_never_mix() {
    let x = data();
    let xm = MatRef::new(&x, N, D).unwrap();
    let wts = weights();
    let ctl = Ctl::detached();
    let mut weighted = Whitener::new(Params::zipfian(None)).unwrap();
    weighted
        .partial_fit(xm.row_block(0, 100), Some(&wts[..100]), &ctl)
        .unwrap();
    let mut plain = Whitener::new(Params::default()).unwrap();
    plain.fit(xm.row_block(100, 200), None, &ctl).unwrap();
    let (w0, p0) = (weighted.clone(), plain.clone());

    let e = weighted
        .partial_fit(xm.row_block(100, 200), None, &ctl)
        .unwrap_err();
    assert_eq!(e.code(), "ERR_OUT_OF_RANGE");
    assert!(e.to_string().contains("weights must be weighted rows"), "{e}");
    assert_eq!(
        weighted.merge(&plain, &ctl).unwrap_err().code(),
        "ERR_OUT_OF_RANGE"
    );
    let e = plain
        .partial_fit(xm.row_block(0, 100), Some(&wts[..100]), &ctl)
        .unwrap_err();
    assert!(e.to_string().contains("must be unweighted rows"), "{e}");
    assert_eq!(
        plain.merge(&weighted, &ctl).unwrap_err().code(),
        "ERR_OUT_OF_RANGE"
    );
    assert_eq!((weighted, plain), (w0, p0), "unchanged after the errors");

    // Zero rows carry no weighting: they neither conflict nor decide it.
    let mut w = Whitener::new(Params::default()).unwrap();
    w.partial_fit(xm.row_block(0, 0), Some(&[]), &ctl).unwrap();
    w.partial_fit(xm.row_block(0, 100), None, &ctl).unwrap();
    assert!(!w.state().unwrap().weighted);
}

#[test]
fn merging_a_whitener_that_has_seen_no_rows_is_not_fitted() {
    let x = data();
    let xm = MatRef::new(&x, N, D).unwrap();
    let ctl = Ctl::detached();
    // epsilon 0 (BERT-whitening), so that a singular covariance is degenerate
    let params = Params::bert(None);
    let empty = Whitener::new(params).unwrap();
    let mut w = Whitener::new(params).unwrap();
    assert_eq!(w.merge(&empty, &ctl).unwrap_err().code(), "ERR_NOT_FITTED");
    w.partial_fit(xm.row_block(0, 2), None, &ctl).unwrap();
    // Two rows in six dimensions: singular, so unfitted, but the moments merge.
    assert!(w.state().is_err());
    let mut into = Whitener::new(params).unwrap();
    into.merge(&w, &ctl).unwrap();
    into.partial_fit(xm.row_block(2, N), None, &ctl).unwrap();
    let mut batch = Whitener::new(params).unwrap();
    batch.fit(xm, None, &ctl).unwrap();
    assert_equal_to_batch("2 rows merged, then the rest", &into, &batch);
    // Other widths are a shape error, and the whitener is unchanged.
    let y = [1.0, 2.0, 3.0, 4.0, 5.0, 7.0];
    let before = into.clone();
    let e = into
        .partial_fit(MatRef::new(&y, 2, 3).unwrap(), None, &ctl)
        .unwrap_err();
    assert_eq!(e.code(), "ERR_SHAPE");
    assert_eq!(into, before);
}
