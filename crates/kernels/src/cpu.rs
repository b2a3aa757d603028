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
