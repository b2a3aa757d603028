//! The documented memory bound of `anisotropy::compute` holds: peak heap growth during a call
//! stays within `anisotropy::compute_scratch` (a counting global allocator measures it).

use embgeo_core::{Ctl, MatRef, Par};
use embgeo_metrics::anisotropy;
use embgeo_testkit::CountingAllocator;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

#[test]
fn anisotropy_peak_memory_is_within_compute_scratch() {
    // One test function: the counters are process-wide.
    let ctl = Ctl::detached().with_par(Par::Seq);
    let data = |n: usize, d: usize| -> Vec<f32> {
        (0..n * d)
            .map(|i| 0.3 + ((i * 7919) % 1013) as f32 / 613.0)
            .collect()
    };
    // faer's GEMM keeps a per-thread packing cache, allocated on first use and never freed;
    // it is outside the per-call budget, so warm this thread up on both routes first.
    for (n, d) in [(300, 40), (30, 40)] {
        let x = data(n, d);
        anisotropy::compute(
            MatRef::new(&x, n, d).unwrap(),
            &anisotropy::Params::default(),
            &ctl,
        )
        .unwrap();
    }
    for (n, d, p) in [
        (5000, 48, anisotropy::Params::default()),
        (
            3000,
            33,
            anisotropy::Params {
                block_rows: 100,
                lanes: 3,
                tile_rows: 256,
            },
        ),
        (200, 300, anisotropy::Params::default()),
        (
            97,
            130,
            anisotropy::Params {
                tile_rows: 10,
                ..anisotropy::Params::default()
            },
        ),
    ] {
        let x = data(n, d);
        let m = MatRef::new(&x, n, d).unwrap();
        // The packing cache may grow with the product shape: warm it on this one too.
        anisotropy::compute(m, &p, &ctl).unwrap();
        let (peak, ()) = ALLOC.peak_during(|| {
            anisotropy::compute(m, &p, &ctl).unwrap();
        });
        let budget = anisotropy::compute_scratch(n, n, d, 1, &p);
        assert!(
            peak <= budget,
            "{n}x{d} {p:?}: peak {peak} bytes > budget {budget}"
        );
        eprintln!("{n}x{d}: peak {peak} of budget {budget} bytes");
    }
}
