//! The counting allocator counts (its own test binary: the counters are process-wide, so no
//! other test may allocate concurrently).

use embgeo_testkit::CountingAllocator;

#[global_allocator]
static ALLOC: CountingAllocator = CountingAllocator::new();

#[test]
fn counts_a_known_allocation_and_its_release() {
    let (peak, v) = ALLOC.peak_during(|| vec![0u8; 1 << 20]);
    assert!(peak >= 1 << 20, "peak {peak}");
    let before = ALLOC.current();
    drop(v);
    assert!(before - ALLOC.current() >= 1 << 20);
    let (peak, ()) = ALLOC.peak_during(|| {
        let w = vec![1u64; 1000];
        assert_eq!(w.len(), 1000);
    });
    assert!((8000..8000 + 4096).contains(&peak), "peak {peak}");
}
