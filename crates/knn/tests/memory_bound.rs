//! The documented memory bound holds: peak heap growth during a call stays within
//! `search_scratch` plus the returned `Neighbors` (a counting global allocator measures it).

mod common;

use common::{gaussian, to_f32};
use embgeo_core::{Ctl, MatRef, Par};
use embgeo_knn::{all_points, search, search_scratch, Metric, Params};
use embgeo_testkit::CountingAllocator;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

#[test]
fn peak_extra_memory_is_within_the_documented_budget() {
    // one test function: the counters are process-wide
    let d = 24;
    let n = 500;
    let x = to_f32(&gaussian(n, d, 1));
    let q = to_f32(&gaussian(60, d, 2));
    let ctl = Ctl::detached().with_par(Par::Seq);
    // faer's GEMM (the `gemm` crate) keeps a per-thread packing cache sized from the CPU's
    // cache sizes, allocated on a thread's first product and never freed; it is outside the
    // per-call budget, so warm this thread up first.
    all_points(MatRef::new(&x, n, d).unwrap(), &Params::new(1, Metric::Dot), &ctl).unwrap();
    for metric in [Metric::Euclidean, Metric::Cosine] {
        for (k, symmetric) in [(5, true), (150, true), (5, false), (150, false)] {
            let p = Params {
                symmetric,
                ..Params::new(k, metric)
            };
            let (peak, out) = ALLOC.peak_during(|| {
                let r = all_points(MatRef::new(&x, n, d).unwrap(), &p, &ctl).unwrap();
                r.indices.capacity() * 4 + r.distances.capacity() * 8
            });
            let budget = search_scratch::<f32>(n, n, d, 1, true, &p) + out;
            assert!(
                peak <= budget,
                "all_points {metric:?} k={k}: peak {peak} > budget {budget}"
            );
            let (peak, out) = ALLOC.peak_during(|| {
                let r = search(
                    MatRef::new(&x, n, d).unwrap(),
                    MatRef::new(&q, 60, d).unwrap(),
                    &p,
                    &ctl,
                )
                .unwrap();
                r.indices.capacity() * 4 + r.distances.capacity() * 8
            });
            let budget = search_scratch::<f32>(n, 60, d, 1, false, &p) + out;
            assert!(
                peak <= budget,
                "search {metric:?} k={k}: peak {peak} > budget {budget}"
            );
        }
    }
}
