//! CPU feature probes and the lists of kernel paths this CPU can run.

/// Declares `fn $name() -> bool`: `true` when the CPU reports every listed x86 feature (names
/// as `is_x86_feature_detected!` spells them), always `false` on other targets.
macro_rules! x86_probe {
    ($(#[$doc:meta])* fn $name:ident = $($feature:tt)&&+) => {
        $(#[$doc])*
        #[cfg(target_arch = "x86_64")]
        fn $name() -> bool {
            $(std::arch::is_x86_feature_detected!($feature))&&+
        }

        $(#[$doc])*
        #[cfg(not(target_arch = "x86_64"))]
        fn $name() -> bool {
            false
        }
    };
}
pub(crate) use x86_probe;

/// The paths of `all` this CPU can run (`runs`), in the order given.
pub(crate) fn runnable<P: Copy>(all: impl IntoIterator<Item = P>, runs: fn(P) -> bool) -> Vec<P> {
    all.into_iter().filter(|&p| runs(p)).collect()
}

/// Is the CPU's vendor AMD (CPUID leaf 0 reads `AuthenticAMD`)? `false` off x86-64.
#[must_use]
pub(crate) fn vendor_is_amd() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        let r = std::arch::x86_64::__cpuid(0);
        let mut v = [0u8; 12];
        v[..4].copy_from_slice(&r.ebx.to_le_bytes());
        v[4..8].copy_from_slice(&r.edx.to_le_bytes());
        v[8..].copy_from_slice(&r.ecx.to_le_bytes());
        &v == b"AuthenticAMD"
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}
