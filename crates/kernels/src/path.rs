//! Runtime dispatch: which micro-kernel runs, decided once per process.

use std::sync::OnceLock;

use crate::cpu::{runnable, x86_probe};

/// A micro-kernel implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Portable Rust (no intrinsics); any CPU.
    Scalar,
    /// x86-64 AVX2 + FMA, 6 × 16 register block.
    Avx2,
    /// x86-64 AVX-512F, 14 × 32 register block (28 zmm accumulators); 4 × 96 for
    /// [`crate::gemm_nt_f32`].
    Avx512,
    /// WebAssembly SIMD128 (builds with `target-feature=+simd128`), 6 × 8 register block
    /// (12 `f32x4` accumulators); entries bit-identical to [`Path::Scalar`]'s.
    Simd128,
}

impl Path {
    /// `"scalar"`, `"avx2+fma"` or `"avx512"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Path::Scalar => "scalar",
            Path::Avx2 => "avx2+fma",
            Path::Avx512 => "avx512",
            Path::Simd128 => "simd128",
        }
    }

    /// `true` if this CPU can run the path.
    #[must_use]
    pub fn supported(self) -> bool {
        match self {
            Path::Scalar => true,
            Path::Avx2 => avx2_fma(),
            Path::Avx512 => avx512f(),
            Path::Simd128 => cfg!(all(target_family = "wasm", target_feature = "simd128")),
        }
    }
}

x86_probe!(fn avx2_fma = "avx2" && "fma");
x86_probe!(fn avx512f = "avx512f");

/// The best path this CPU supports.
fn best() -> Path {
    [Path::Avx512, Path::Avx2, Path::Simd128]
        .into_iter()
        .find(|p| p.supported())
        .unwrap_or(Path::Scalar)
}

/// The path for an `EMBGEO_KERNEL` value (`None` = unset): `scalar`, `avx2`, `avx512` or `simd128` (each
/// if supported, else the best supported path), anything else = `auto` (the best supported).
pub(crate) fn choose(var: Option<&str>) -> Path {
    let wanted = match var.map(str::trim) {
        Some("scalar") => Path::Scalar,
        Some("avx2") => Path::Avx2,
        Some("avx512") => Path::Avx512,
        Some("simd128") => Path::Simd128,
        _ => return best(),
    };
    if wanted.supported() {
        wanted
    } else {
        best()
    }
}

/// The path every non-`_with` function uses: `EMBGEO_KERNEL` (read once) or the best this
/// CPU supports.
#[must_use]
pub fn path() -> Path {
    static PATH: OnceLock<Path> = OnceLock::new();
    *PATH.get_or_init(|| choose(std::env::var("EMBGEO_KERNEL").ok().as_deref()))
}

/// [`Path::name`] of [`path`], for `versions()`.
#[must_use]
pub fn path_name() -> &'static str {
    path().name()
}

/// Every path this CPU can run (scalar first).
#[must_use]
pub fn available_paths() -> Vec<Path> {
    runnable(
        [Path::Scalar, Path::Avx2, Path::Avx512, Path::Simd128],
        Path::supported,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_values() {
        let best = best();
        assert_eq!(choose(Some("scalar")), Path::Scalar);
        let avx2 = if avx2_fma() { Path::Avx2 } else { best };
        assert_eq!(choose(Some("avx2")), avx2);
        let avx512 = if avx512f() { Path::Avx512 } else { best };
        assert_eq!(choose(Some(" avx512 ")), avx512);
        assert_eq!(choose(Some("auto")), best);
        assert_eq!(choose(None), best);
        assert_eq!(choose(Some("bogus")), best);
        assert!(best.supported());
        assert!(available_paths().contains(&Path::Scalar));
        assert!(available_paths().contains(&best));
        assert!(path().supported());
        assert!(["scalar", "avx2+fma", "avx512", "simd128"].contains(&path_name()));
        assert_eq!(
            choose(Some("simd128")),
            if Path::Simd128.supported() {
                Path::Simd128
            } else {
                best
            }
        );
    }

    #[test]
    fn best_is_avx512_when_the_cpu_has_it() {
        if avx512f() {
            assert_eq!(best(), Path::Avx512);
        } else if avx2_fma() {
            assert_eq!(best(), Path::Avx2);
        }
    }
}
