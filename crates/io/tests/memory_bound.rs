//! Declared sizes are never trusted: a tiny file claiming a huge matrix allocates (almost)
//! nothing, and a real read stays within the output plus one block (a counting global
//! allocator measures the peak).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{f32_bytes, npy, npy_raw, read_bytes, vecs};
use embgeo_io::{Options, WriteData};

struct Counting;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts bytes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(l.size(), Ordering::SeqCst) + l.size();
            PEAK.fetch_max(now, Ordering::SeqCst);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(p, l) };
        CURRENT.fetch_sub(l.size(), Ordering::SeqCst);
    }
}

#[global_allocator]
static A: Counting = Counting;

fn peak_of<F: FnOnce()>(f: F) -> usize {
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    f();
    PEAK.load(Ordering::SeqCst) - base
}

#[test]
fn lying_headers_allocate_nothing_and_real_reads_stay_within_output_plus_a_block() {
    // one test function: the counters are process-wide
    let small = f32_bytes(&[1.0; 25]); // 100 bytes of data
    let mut huge_vecs = (i32::MAX).to_le_bytes().to_vec();
    huge_vecs.extend_from_slice(&small);
    let mut huge_st =
        br#"{"w":{"dtype":"F64","shape":[1000000000000,2147483648],"data_offsets":[0,100]}}"#.to_vec();
    let mut st = (huge_st.len() as u64).to_le_bytes().to_vec();
    st.append(&mut huge_st);
    st.extend_from_slice(&small);
    let lies: Vec<(&str, Vec<u8>, Options)> = vec![
        (
            "a.npy",
            npy_raw(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, 2147483648), }",
                &small,
            ),
            Options::default(),
        ),
        (
            "a.npy",
            npy_raw(
                "{'descr': '<f4', 'fortran_order': True, 'shape': (1000000000000, 4), }",
                &small,
            ),
            Options::default(),
        ),
        ("a.fvecs", huge_vecs, Options::default()),
        ("a.safetensors", st, Options::default()),
        (
            "a.f32",
            small.clone(),
            Options {
                dim: Some(1 << 40),
                ..Options::default()
            },
        ),
    ];
    for (name, bytes, o) in &lies {
        let peak = peak_of(|| {
            let e = read_bytes(name, bytes, o).unwrap_err();
            assert_eq!(e.code(), "ERR_BAD_FILE", "{name}: {e}");
        });
        // the error message and a header buffer; nothing sized by the declared shape
        assert!(peak < 16 << 10, "{name}: peak {peak} bytes");
    }

    let n = 50_000 * 16;
    let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
    for (name, bytes) in [
        ("b.npy", npy(WriteData::F32(&x), n / 16, 16)),
        ("b.fvecs", vecs(WriteData::F32(&x), n / 16, 16)),
    ] {
        let out = n * 4;
        let peak = peak_of(|| {
            let e = read_bytes(name, &bytes, &Options::default()).unwrap();
            assert_eq!(e.rows, n / 16);
        });
        assert!(
            peak <= out + (1 << 20) + (16 << 10),
            "{name}: peak {peak} > output {out} + 1 MiB block"
        );
    }
}
