//! The general pass on the in-place corpus tiles (`embgeo_kernels::corpus_keys_f32`) gives the
//! neighbours of the faer tiles bit for bit, on any CPU (the search picks the in-place tiles on
//! the AVX2 path only; these tests force both).

use embgeo_core::{Ctl, Neighbors};

use super::source::{Dense, Rows, Source};
use super::{run_source, Params};
use crate::metric::Metric;
use crate::stats::Stats;

/// Seeded values in [-1, 1), every 7th row a copy of the row before (ties), a few rows scaled
/// by 1e3 (mixed norms).
fn rows(n: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut v: Vec<f32> = (0..n * d)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect();
    for i in (7..n).step_by(7) {
        v.copy_within((i - 1) * d..i * d, i * d);
    }
    for i in (5..n).step_by(31) {
        v[i * d..(i + 1) * d].iter_mut().for_each(|x| *x *= 1e3);
    }
    v
}

/// One search with the tiles chosen by `in_place`: its neighbours and tile kernel (also the
/// adversarial tests' search).
pub(super) fn search(
    c: &[f32],
    q: Option<&[f32]>,
    d: usize,
    p: &Params,
    in_place: bool,
) -> (Neighbors, &'static str) {
    let ctl = Ctl::detached();
    let cs = Stats::compute(p.metric, c, d, "corpus", &ctl).unwrap();
    let qs = q.map(|q| Stats::compute(p.metric, q, d, "queries", &ctl).unwrap());
    let (qraw, qstats) = match (q, &qs) {
        (Some(q), Some(s)) => (q, s),
        _ => (c, &cs),
    };
    let src = Dense::with_tiles(
        Rows {
            metric: p.metric,
            d,
            c,
            q: qraw,
            cs: &cs,
            qs: qstats,
        },
        in_place,
    );
    let kernel = src.kernel(false);
    let (nb, _) = run_source(&src, q.is_none(), p, &ctl).unwrap();
    (nb, kernel)
}

fn assert_same(a: &Neighbors, b: &Neighbors, what: &str) {
    assert_eq!(a.indices, b.indices, "{what}: indices");
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&a.distances), bits(&b.distances), "{what}: distances");
}

/// Queries against a corpus: query counts with partial panels (17, 40, 100) and past one query
/// block (390), corpora past the kernel's 256-row block and the pass's 1,024-row tile, depths
/// past its 256-step chunk, every metric, k = 1 and 10, one and several corpus slices.
#[test]
fn queries_give_the_faer_tiles_neighbours() {
    for &(nq, nc, d) in &[(17, 300, 5), (40, 1100, 300), (100, 700, 64), (390, 260, 9)] {
        let c = rows(nc, d, (nc + d) as u64);
        let q = rows(nq, d, (nq * 3 + d) as u64);
        for metric in [
            Metric::Euclidean,
            Metric::SqEuclidean,
            Metric::Cosine,
            Metric::Dot,
        ] {
            for k in [1, 10] {
                for min_slice_rows in [8192, 128] {
                    let p = Params {
                        k,
                        metric,
                        min_slice_rows,
                        ..Params::default()
                    };
                    let what = format!("{nq} × {nc} × {d}, {metric:?}, k {k}, slices of {min_slice_rows}");
                    let (faer, kf) = search(&c, Some(&q), d, &p, false);
                    let (ours, ko) = search(&c, Some(&q), d, &p, true);
                    assert_eq!((kf, ko), ("faer-f32", "avx2-rows-f32"), "{what}");
                    assert_same(&faer, &ours, &what);
                }
            }
        }
    }
}

/// All points on the general pass (the symmetric pass off): each row's own key masked in the
/// column-major tile.
#[test]
fn all_points_on_the_general_pass_give_the_faer_tiles_neighbours() {
    let (n, d) = (300, 33);
    let c = rows(n, d, 11);
    for metric in [Metric::Euclidean, Metric::Cosine, Metric::Dot] {
        let p = Params {
            k: 5,
            metric,
            symmetric: false,
            query_block: 96,
            ..Params::default()
        };
        let (faer, _) = search(&c, None, d, &p, false);
        let (ours, _) = search(&c, None, d, &p, true);
        assert_same(&faer, &ours, &format!("all points, {metric:?}"));
        assert!(ours
            .indices
            .chunks(5)
            .enumerate()
            .all(|(i, r)| !r.contains(&(i as u32))));
    }
}
