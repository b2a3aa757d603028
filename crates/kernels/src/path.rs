//! Runtime dispatch: which micro-kernel runs, decided once per process.

use std::sync::OnceLock;

/// A micro-kernel implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Portable Rust (no intrinsics); any CPU.
    Scalar,
    /// x86-64 AVX2 + FMA, 6 × 16 register block.
    Avx2,
}

impl Path {
    /// `"scalar"` or `"avx2+fma"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Path::Scalar => "scalar",
            Path::Avx2 => "avx2+fma",
        }
    }

    /// `true` if this CPU can run the path.
    #[must_use]
    pub fn supported(self) -> bool {
        match self {
            Path::Scalar => true,
            Path::Avx2 => avx2_fma(),
        }
    }
}

#[cfg(target_arch = "x86_64")]
fn avx2_fma() -> bool {
    std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
}

#[cfg(not(target_arch = "x86_64"))]
fn avx2_fma() -> bool {
    false
}

/// The path for an `EMBGEO_KERNEL` value (`None` = unset): `scalar`, `avx2` (if supported,
/// else scalar) or anything else = `auto` (the best supported).
pub(crate) fn choose(var: Option<&str>) -> Path {
    match var.map(str::trim) {
        Some("scalar") => Path::Scalar,
        _ if avx2_fma() => Path::Avx2,
        _ => Path::Scalar,
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
    [Path::Scalar, Path::Avx2]
        .into_iter()
        .filter(|p| p.supported())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_values() {
        assert_eq!(choose(Some("scalar")), Path::Scalar);
        let best = if avx2_fma() { Path::Avx2 } else { Path::Scalar };
        assert_eq!(choose(Some("avx2")), best);
        assert_eq!(choose(Some("auto")), best);
        assert_eq!(choose(None), best);
        assert_eq!(choose(Some("bogus")), best);
        assert!(available_paths().contains(&Path::Scalar));
        assert!(path().supported());
        assert!(["scalar", "avx2+fma"].contains(&path_name()));
    }
}
