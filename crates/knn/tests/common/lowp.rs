//! What the low-precision tests (`low_precision.rs`, `split_bf16.rs`, `stream_bf16.rs`)
//! share: small-tile parameters, the fp32 reference every screened path must equal bit for bit,
//! and the hard data sets the f32 screenings run on.

use embgeo_core::{Ctl, Neighbors};
use embgeo_knn::{search_values, Metric, Operands, Params, Precision, Values};
use rand::Rng;

use super::{clustered, gaussian, naive, rng, to_f32, with_duplicates};

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

/// 120 rows of width 16: 20 normal rows (`seed`), each repeated 6 times (massive exact ties,
/// ties to the lower index).
pub fn each_row_six_times(seed: u64) -> Vec<f32> {
    let base = to_f32(&gaussian(20, 16, seed));
    (0..120)
        .flat_map(|i| base[(i % 20) * 16..(i % 20 + 1) * 16].to_vec())
        .collect()
}

/// Row counts and widths of the random data the query screenings run on (`n × d`): d from 1
/// to 1,000.
pub const WIDTHS: [(usize, usize); 8] = [
    (150, 1),
    (150, 2),
    (150, 3),
    (140, 31),
    (130, 64),
    (120, 128),
    (120, 384),
    (100, 1000),
];

/// Width of [`near_tie_rows`].
pub const NEAR_TIE_D: usize = 96;

/// 120 rows of width [`NEAR_TIE_D`] that differ from one uniform base row (`seed`) by a few
/// units `step` in the last place of one coordinate (`step` = 1: of f32; `2¹⁶`: of bf16):
/// exact keys far closer than any low-precision screening's error.
pub fn near_tie_rows(seed: u64, step: u32) -> Vec<f32> {
    let mut r = rng(seed);
    let d = NEAR_TIE_D;
    let base: Vec<f32> = (0..d).map(|_| r.random_range(-1.0f32..1.0)).collect();
    let mut x = Vec::new();
    for i in 0..120 {
        let mut row = base.clone();
        let t = i % d;
        let b = row[t].to_bits();
        let m = step * (i / d + 1) as u32;
        row[t] = f32::from_bits(if i % 2 == 0 { b + m } else { b - m });
        x.extend(row);
    }
    x
}

/// Width of [`magnitude_sets`].
pub const MAGNITUDE_D: usize = 24;

/// 160 normal rows of width [`MAGNITUDE_D`] (`seed`) at extreme magnitudes, each with a name and
/// the k to check: huge, tiny and subnormal-product norms, norms mixed across rows, subnormal
/// values, and magnitudes from 1e-40 to 1e10 within each row.
pub fn magnitude_sets(seed: u64) -> Vec<(Vec<f32>, &'static str, &'static [usize])> {
    let d = MAGNITUDE_D;
    let g = gaussian(160, d, seed);
    let scaled = |s: &dyn Fn(usize) -> f64| -> Vec<f32> {
        g.iter()
            .enumerate()
            .map(|(i, &v)| (v * s(i / d)) as f32)
            .collect()
    };
    let within: Vec<f32> = g
        .iter()
        .enumerate()
        .map(|(i, &v)| (v * 10f64.powi((i % 11) as i32 * 5 - 40)) as f32)
        .collect();
    vec![
        (scaled(&|_| 1e17), "huge norms", &[5]),
        (scaled(&|_| 1e-17), "tiny norms", &[5]),
        (scaled(&|_| 1e-21), "subnormal products", &[5]),
        (scaled(&|i| 10f64.powi((i % 13) as i32 - 6)), "mixed norms", &[5]),
        (
            scaled(&|i| if i % 2 == 0 { 1e-39 } else { 1e-36 }),
            "subnormal values",
            &[5],
        ),
        (within, "mixed magnitudes within rows", &[1, 5]),
    ]
}

/// The clustered and duplicate-heavy sets every screened path runs on (seeds from `seed`), each
/// with its width, the k to check (callers clamp them to the rows available) and a name: 100
/// tight clusters at d = 48 and 384, rows with many exact duplicates, each row six times.
pub fn clustered_sets(seed: u64) -> Vec<(Vec<f32>, usize, &'static [usize], &'static str)> {
    vec![
        (
            to_f32(&clustered(300, 48, 100, seed)),
            48,
            &[1, 7],
            "100 tight clusters",
        ),
        (
            to_f32(&clustered(200, 384, 100, seed + 1)),
            384,
            &[10],
            "100 tight clusters d=384",
        ),
        (
            to_f32(&with_duplicates(200, 32, seed + 2)),
            32,
            &[1, 9, 200],
            "duplicates",
        ),
        (
            each_row_six_times(seed + 3),
            16,
            &[1, 10, 120],
            "each row 6 times",
        ),
    ]
}
