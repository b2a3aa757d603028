//! bf16 dot-product tiles for the exact kNN's low-precision screening (`vdpbf16ps` on
//! AVX512-BF16, a portable fallback elsewhere).
//!
//! [`dot_tile`] computes a key tile `dst (m × n, column-major: dst[j·m + i]) = alpha·A·Bᵀ` for
//! row-major `A` (m × d) and `B` (n × d) whose values are bf16 — given as raw bf16 bits
//! (`u16`) or as `i8` (every `i8` is a bf16 value exactly) — accumulating in f32.
//!
//! # Accuracy (the bound the kNN screening relies on)
//! The product of two bf16 values has at most 16 significant bits, so it is **exact** in f32:
//! the only rounding is the f32 accumulation. Each entry is a sum of the `d` exact products
//! accumulated one product at a time in f32 (the AVX512-BF16 path adds the two products of a
//! pair one after the other, as Intel's pseudo-code for `vdpbf16ps` specifies; the portable
//! path does the same in the same order), so with `u = 2⁻²⁴` and `γ_n = n·u/(1 − n·u)`
//! `|ĉ − c| ≤ γ_d · Σ_t |a_t|·|b_t| ≤ γ_d · ‖a‖·‖b‖` — the bound of an f32 dot product of the
//! same values — plus the effect of subnormals: `vdpbf16ps` reads subnormal inputs as zero
//! (losing less than `2⁻¹²⁶·|other factor|` per product) and flushes subnormal products and
//! partial sums to zero (less than `2⁻¹²⁶` each, `2d` of them per entry). Callers add
//! `2⁻¹²⁶·(‖a‖₁ + ‖b‖₁) + 2d·2⁻¹²⁶` to the bound (both scaled by `|alpha|`). The portable path
//! keeps subnormals, so its error is within the same bound. `alpha` is applied to the f32 sum as
//! one multiplication (exact for powers of two).
//!
//! # Dispatch
//! [`path`] is decided once per process from `EMBGEO_LOWP_KERNEL=scalar|avx512bf16|auto`
//! (unset or unknown = `auto`: AVX512-BF16 when `is_x86_feature_detected!` reports avx512f and
//! avx512bf16). [`dot_tile_with`] takes the path explicitly so tests run every path the CPU has.

mod avx512;
mod pack;
#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use pack::pack_lanes;
pub use pack::Bf16Source;

/// Lanes (rows of `A`) of one register tile: two 16-lane vectors.
pub(crate) const MR: usize = 32;
/// Columns (rows of `B`) of one register tile.
pub(crate) const NR: usize = 12;

/// A bf16 tile kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowpPath {
    /// Portable Rust: exact bf16 products, f32 accumulation in the order of the AVX path.
    Scalar,
    /// x86-64 AVX512-BF16 `vdpbf16ps`, 32 × 12 register block.
    Avx512Bf16,
}

impl LowpPath {
    /// `"scalar"` or `"avx512bf16"`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            LowpPath::Scalar => "scalar",
            LowpPath::Avx512Bf16 => "avx512bf16",
        }
    }

    /// `true` if this CPU can run the path.
    #[must_use]
    pub fn supported(self) -> bool {
        match self {
            LowpPath::Scalar => true,
            LowpPath::Avx512Bf16 => avx512bf16(),
        }
    }

    /// `true` for a path that runs on the CPU's bf16 units (not the portable emulation).
    #[must_use]
    pub fn is_native(self) -> bool {
        self != LowpPath::Scalar
    }
}

#[cfg(target_arch = "x86_64")]
fn avx512bf16() -> bool {
    std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512bf16")
}

#[cfg(not(target_arch = "x86_64"))]
fn avx512bf16() -> bool {
    false
}

/// The path for an `EMBGEO_LOWP_KERNEL` value (`None` = unset).
pub(crate) fn choose(var: Option<&str>) -> LowpPath {
    match var.map(str::trim) {
        Some("scalar") => LowpPath::Scalar,
        _ if avx512bf16() => LowpPath::Avx512Bf16,
        _ => LowpPath::Scalar,
    }
}

/// `EMBGEO_LOWP_KERNEL`, read once.
fn setting() -> Option<&'static str> {
    static VAR: OnceLock<Option<String>> = OnceLock::new();
    VAR.get_or_init(|| std::env::var("EMBGEO_LOWP_KERNEL").ok())
        .as_deref()
}

/// The path [`dot_tile`] uses: `EMBGEO_LOWP_KERNEL` (read once) or the best this CPU supports.
#[must_use]
pub fn path() -> LowpPath {
    choose(setting())
}

/// `true` when `EMBGEO_LOWP_KERNEL=scalar` asked for the portable emulation explicitly (then
/// callers may use it where they would otherwise refuse a CPU without bf16 units).
#[must_use]
pub fn forced_scalar() -> bool {
    setting().map(str::trim) == Some("scalar")
}

/// Every bf16 path this CPU can run (scalar first).
#[must_use]
pub fn available_paths() -> Vec<LowpPath> {
    [LowpPath::Scalar, LowpPath::Avx512Bf16]
        .into_iter()
        .filter(|p| p.supported())
        .collect()
}

/// Reusable packing buffers of [`dot_tile`] (one per worker thread).
#[derive(Debug, Default)]
pub struct Scratch {
    a: Vec<u32>,
    b: Vec<u32>,
}

impl Scratch {
    /// Bytes held.
    #[must_use]
    pub fn bytes(&self) -> usize {
        (self.a.capacity() + self.b.capacity()) * 4
    }
}

/// `dst[j·m + i] = alpha · Σ_t a[i·d + t]·b[j·d + t]` for `i < m`, `j < n` (see the module
/// docs for the accuracy), on [`path`].
///
/// # Shapes
/// `a`: m·d values, `b`: n·d values, `dst`: at least m·n. d = 0 gives zeros.
/// # Cost
/// 2·m·n·d flops on the bf16 units; packing O((m + n)·d). Memory: `scratch` grows to
/// `(m.div_ceil(32)·32 + n.div_ceil(12)·12)·d.div_ceil(2)·4` bytes and is reused.
/// # Panics
/// If a slice is shorter than its shape says (a caller bug, never an input property).
pub fn dot_tile<T: Bf16Source>(
    dst: &mut [f32],
    a: &[T],
    b: &[T],
    (m, n, d): (usize, usize, usize),
    alpha: f32,
    scratch: &mut Scratch,
) {
    dot_tile_with(path(), dst, a, b, (m, n, d), alpha, scratch);
}

/// [`dot_tile`] on an explicit path (an unsupported path runs the portable kernel).
///
/// # Panics
/// As [`dot_tile`].
pub fn dot_tile_with<T: Bf16Source>(
    path: LowpPath,
    dst: &mut [f32],
    a: &[T],
    b: &[T],
    (m, n, d): (usize, usize, usize),
    alpha: f32,
    scratch: &mut Scratch,
) {
    assert!(
        a.len() >= m * d && b.len() >= n * d && dst.len() >= m * n,
        "dot_tile: slice shorter than its shape"
    );
    if m == 0 || n == 0 {
        return;
    }
    let pairs = d.div_ceil(2);
    let (ma, nb) = (m.div_ceil(MR) * MR, n.div_ceil(NR) * NR);
    pack_lanes(&mut scratch.a, a, m, d, MR);
    pack_lanes(&mut scratch.b, b, n, d, NR);
    let (pa, pb) = (&scratch.a[..ma * pairs], &scratch.b[..nb * pairs]);
    for (jp, bpanel) in pb.chunks_exact(NR * pairs).enumerate() {
        let j0 = jp * NR;
        let nr = NR.min(n - j0);
        for (ip, apanel) in pa.chunks_exact(MR * pairs).enumerate() {
            let i0 = ip * MR;
            let mr = MR.min(m - i0);
            let mut acc = [[0.0f32; MR]; NR];
            match path {
                #[cfg(target_arch = "x86_64")]
                LowpPath::Avx512Bf16 if path.supported() => {
                    // SAFETY: `path.supported()` checked avx512f and avx512bf16 at run time.
                    unsafe { avx512::tile(apanel, bpanel, &mut acc) };
                }
                _ => scalar_tile(apanel, bpanel, &mut acc),
            }
            for (jj, col) in acc.iter().enumerate().take(nr) {
                let out = &mut dst[(j0 + jj) * m + i0..(j0 + jj) * m + i0 + mr];
                for (o, v) in out.iter_mut().zip(col) {
                    *o = alpha * v;
                }
            }
        }
    }
}

/// bf16 bits → f32 (exact).
#[inline]
pub(crate) fn widen(bits: u16) -> f32 {
    f32::from_bits(u32::from(bits) << 16)
}

/// Portable register tile: per lane and column, for each pair the odd element's product is
/// added first, then the even one's (the order of `vdpbf16ps`); products are exact in f32.
fn scalar_tile(a: &[u32], b: &[u32], acc: &mut [[f32; MR]; NR]) {
    let split = |w: u32| (widen((w & 0xffff) as u16), widen((w >> 16) as u16));
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        for (col, &bw) in acc.iter_mut().zip(bp) {
            let (b0, b1) = split(bw);
            for (o, &aw) in col.iter_mut().zip(ap) {
                let (a0, a1) = split(aw);
                *o += a1 * b1;
                *o += a0 * b0;
            }
        }
    }
}
