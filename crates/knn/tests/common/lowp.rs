//! What the low-precision tests (`low_precision.rs`, `split_bf16.rs`) share: small-tile
//! parameters and the fp32 reference every screened path must equal bit for bit.

use embgeo_core::{Ctl, Neighbors};
use embgeo_knn::{search_values, Metric, Operands, Params, Precision, Values};

use super::naive;

/// Small tiles so that every code path (several query blocks, slices, prebounds) runs.
pub fn params(k: usize, metric: Metric, precision: Precision) -> Params {
    Params {
        k,
        metric,
        precision,
        query_block: 40,
        corpus_block: 56,
        min_slice_rows: 64,
        ..Params::default()
    }
}

/// The reference: the fp32 path on the (widened) f32 rows, checked against the naive f64
/// brute force's neighbours.
pub fn reference(c: &[f32], q: Option<&[f32]>, d: usize, p: &Params) -> Neighbors {
    let fp = Params {
        precision: Precision::Fp32,
        ..p.clone()
    };
    let (nb, trace) = search_values(
        Operands::new(Values::F32(c), q.map(Values::F32), d),
        &fp,
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!(trace.precision, "fp32");
    let want = naive(c, q, d, p.k, p.metric);
    assert_eq!(nb.indices, want.indices, "fp32 path vs naive");
    nb
}
