//! `versions()` and `setThreads()`.

use napi::Env;
use napi_derive::napi;

use embgeo_jobs::pool;

use crate::error::OrThrow;

/// What this native addon is and runs with.
#[napi(object)]
pub struct NativeInfo {
    /// Version of the Rust crates (equals the npm package version in a release).
    pub native: String,
    /// Target triple the addon was compiled for.
    pub target: String,
    /// SIMD features detected at run time on this CPU.
    pub simd: Vec<String>,
    /// Threads of the embgeo pool.
    pub threads: u32,
    /// Kernel level the kNN engine dispatched to on this CPU: "avx512", "avx2+fma", "neon" or "scalar".
    pub knn_kernel: String,
    /// Micro-kernel of the f32 covariance SYRK (embgeo-kernels): "avx512", "avx2+fma", "simd128"
    /// (WebAssembly, where it also computes the kNN's f32 candidate products) or "scalar"
    /// (`EMBGEO_KERNEL=scalar|avx2|avx512|simd128|auto` overrides, read once).
    pub gemm_kernel: String,
    /// Kernel of the covariance SYRK of f32 input (PCA, whitening): the `gemmKernel`, or on CPUs
    /// with AMX-BF16 "split-bf16-amx from 256 columns, else " and the `gemmKernel` (each value
    /// split into two bf16, three exact products per pair summed in f32 on the tiles, the
    /// diagonal's fourth added exactly: measured faster than the FMA kernel from 256 columns;
    /// `embgeo_pca::moments::Kernel::Auto`).
    pub covariance_kernel: String,
    /// Tile kernel of the kNN's bf16 screening: "amx-bf16", "avx512bf16" or "scalar"
    /// (`EMBGEO_LOWP_KERNEL=scalar|avx512bf16|auto` overrides, read once).
    pub bf16_kernel: String,
    /// Tile kernel of the kNN's int8 screening: "amx-int8", "avx512vnni" or "scalar-i8".
    pub int8_kernel: String,
}

/// Versions, target, SIMD features and thread count of the native addon.
#[napi]
pub fn native_info(env: Env) -> napi::Result<NativeInfo> {
    let threads = pool::threads().or_throw(env)?;
    Ok(NativeInfo {
        native: env!("CARGO_PKG_VERSION").to_string(),
        target: env!("EMBGEO_TARGET").to_string(),
        simd: embgeo_core::cpu::simd_features()
            .into_iter()
            .map(String::from)
            .collect(),
        threads: threads as u32,
        knn_kernel: embgeo_knn::simd_level().to_string(),
        gemm_kernel: embgeo_kernels::path_name().to_string(),
        covariance_kernel: embgeo_pca::moments::auto_kernel_name(),
        bf16_kernel: embgeo_kernels::lowp::path().name().to_string(),
        int8_kernel: embgeo_kernels::lowp::Int8Path::best().name().to_string(),
    })
}

/// Resize the embgeo thread pool (running jobs finish on the old pool).
#[napi]
pub fn set_threads(env: Env, threads: u32) -> napi::Result<()> {
    pool::set_threads(threads as usize).or_throw(env)
}
