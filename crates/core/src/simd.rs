//! [`widest`]: run a closure compiled for the widest x86-64 vector extension the CPU has.
//!
//! The crates are built for the x86-64 baseline (SSE2), so a streaming loop such as a scan for
//! the largest magnitude or a block mean runs two f64 lanes at a time. [`widest`] inlines the
//! closure into a function compiled with the AVX-512 (x86-64-v4) or AVX2 + FMA (x86-64-v3)
//! feature set and picks the one the CPU reports at run time, so LLVM vectorises the same source
//! loop eight or four f64 lanes wide. pulp's `Arch::dispatch` does the same, but its AVX-512 level
//! sits behind a feature that also changes faer's kernels; this module changes only the loops that
//! ask for it.
//!
//! The closure must compute the same value whatever the level: it may not depend on reduction
//! order beyond what Rust's semantics fix (no fast-math exists in Rust, so LLVM only vectorises
//! reductions it can prove exact: integer ones, and element-wise float work), which keeps every
//! result bit-identical across CPUs. Tested in this module.
//!
//! Cost: one cached feature lookup per call (a relaxed atomic load inside the standard library's
//! detection), so call it per chunk of work (thousands of values), not per value.

/// Run `f`, compiled for AVX-512 (F, BW, DQ, VL) when the CPU has it, else for AVX2 + FMA when it
/// has those, else as built. `f`'s result must not depend on the level (see the module doc).
#[inline]
pub fn widest<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx2")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU reports every feature `v4` enables (checked just above).
            return unsafe { v4(f) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU reports every feature `v3` enables (checked just above).
            return unsafe { v3(f) };
        }
    }
    f()
}

/// `f()` compiled with the x86-64-v4 vector features (`f` is inlined into it).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
#[inline]
unsafe fn v4<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// `f()` compiled with the x86-64-v3 vector features (`f` is inlined into it).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
#[inline]
unsafe fn v3<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(test)]
mod tests {
    use super::widest;

    /// Every level this CPU has gives the bits of the plain build (an element-wise f64 loop and an
    /// integer reduction, the two kinds of work the callers hand it).
    #[test]
    fn every_level_gives_the_plain_result() {
        let x: Vec<f32> = (0..10_007)
            .map(|i| ((i * 7919) % 1013) as f32 / 7.0 - 60.0)
            .collect();
        let work = || {
            let scaled: Vec<f64> = x.iter().map(|&v| (f64::from(v) - 0.25) * 1.5).collect();
            let max_bits = x.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7fff_ffff));
            (scaled, max_bits)
        };
        let plain = work();
        assert_eq!(widest(work), plain);
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: the features `v3` enables are present (checked just above).
                assert_eq!(unsafe { super::v3(work) }, plain);
            }
        }
        let max = x.iter().map(|v| v.abs()).fold(0.0f32, f32::max);
        assert_eq!(plain.1, max.to_bits());
    }
}
