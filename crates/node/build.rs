fn main() {
    // The target triple this addon was compiled for, reported by `versions()`.
    println!(
        "cargo:rustc-env=EMBGEO_TARGET={}",
        std::env::var("TARGET").unwrap_or_default()
    );
    napi_build::setup();
}
