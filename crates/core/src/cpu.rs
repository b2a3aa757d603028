//! The SIMD features of the CPU the process runs on, as reported by `versions().simd`.

/// Names of the SIMD features detected at run time (x86-64: SSE4.2 up to the AVX-512 family;
/// `aarch64`: NEON, FP16, dot product, SVE), in a fixed order; on WebAssembly `simd128` when the
/// module was built with it (there is no run-time detection there). O(1); no allocation beyond
/// the returned list.
#[must_use]
pub fn simd_features() -> Vec<&'static str> {
    let mut out = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! probe {
            ($($f:tt),*) => { $( if std::arch::is_x86_feature_detected!($f) { out.push($f); } )* };
        }
        probe!(
            "sse4.2",
            "avx",
            "avx2",
            "fma",
            "avx512f",
            "avx512bw",
            "avx512vl",
            "avx512vnni",
            "avx512bf16"
        );
    }
    #[cfg(target_arch = "aarch64")]
    {
        macro_rules! probe {
            ($($f:tt),*) => { $( if std::arch::is_aarch64_feature_detected!($f) { out.push($f); } )* };
        }
        probe!("neon", "fp16", "dotprod", "sve");
    }
    if cfg!(all(target_family = "wasm", target_feature = "simd128")) {
        out.push("simd128");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::simd_features;

    #[test]
    fn features_are_distinct_and_match_detection() {
        let f = simd_features();
        let mut distinct = f.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), f.len(), "no feature is listed twice");
        #[cfg(target_arch = "x86_64")]
        {
            assert_eq!(f.contains(&"avx2"), std::arch::is_x86_feature_detected!("avx2"));
            assert_eq!(
                f.contains(&"avx512f"),
                std::arch::is_x86_feature_detected!("avx512f")
            );
        }
    }
}
