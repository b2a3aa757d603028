//! Can this process use the AMX tiles? CPUID says whether the CPU has them; Linux additionally
//! requires a one-time permission request (`arch_prctl(ARCH_REQ_XCOMP_PERM, XTILEDATA)`)
//! before the first tile instruction, or the instruction faults (SIGILL). The permission is
//! per process and covers every thread, existing and future (Linux `Documentation/arch/x86/
//! xstate.rst`), so it is requested once, on first use, and the answer is kept.

use std::sync::OnceLock;

/// Which AMX units the CPU reports and the OS granted.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Amx {
    /// AMX-TILE and AMX-BF16 (`tdpbf16ps`).
    pub bf16: bool,
    /// AMX-TILE and AMX-INT8 (`tdpbssd`).
    pub int8: bool,
}

/// The AMX units this process may use (decided once: CPUID, then the Linux permission).
pub(crate) fn amx() -> Amx {
    static AMX: OnceLock<Amx> = OnceLock::new();
    *AMX.get_or_init(|| {
        let cpu = cpu_units();
        if (cpu.bf16 || cpu.int8) && permitted() {
            cpu
        } else {
            Amx::default()
        }
    })
}

/// CPUID leaf 7, sub-leaf 0, EDX: bit 22 AMX-BF16, bit 24 AMX-TILE, bit 25 AMX-INT8.
#[cfg(target_arch = "x86_64")]
fn cpu_units() -> Amx {
    use std::arch::x86_64::{__cpuid, __cpuid_count};
    // `__cpuid`/`__cpuid_count` are safe on x86-64 (every x86-64 CPU has CPUID).
    if __cpuid(0).eax < 7 {
        return Amx::default();
    }
    let edx = __cpuid_count(7, 0).edx;
    let tile = edx & (1 << 24) != 0;
    Amx {
        bf16: tile && edx & (1 << 22) != 0,
        int8: tile && edx & (1 << 25) != 0,
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn cpu_units() -> Amx {
    Amx::default()
}

/// Ask Linux for the tile-data state component (`ARCH_REQ_XCOMP_PERM = 0x1023`,
/// `XFEATURE_XTILEDATA = 18`); `false` when refused (an old kernel, a seccomp filter, or
/// signal stacks too small for the tile state).
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn permitted() -> bool {
    const ARCH_REQ_XCOMP_PERM: libc::c_long = 0x1023;
    const XFEATURE_XTILEDATA: libc::c_long = 18;
    // SAFETY: arch_prctl with ARCH_REQ_XCOMP_PERM takes two integer arguments, reads and
    // writes no user memory, and only widens what the process may do; a refusal is a return
    // value (-1 with errno), not a fault.
    let rc = unsafe { libc::syscall(libc::SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) };
    rc == 0
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn permitted() -> bool {
    false
}
