//! The screening precision a search asks for ([`Precision`]) and what it ran on ([`Trace`]).

/// The precision of the candidate (screening) pass, `Params::precision`. Every value gives the
/// same, exact neighbours: it chooses the arithmetic units, never the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// The fastest exact path for the input: int8 units (AVX512-VNNI) for int8 data, bf16
    /// units (AVX512-BF16) for bf16 data (and int8 data without VNNI) when the CPU has them,
    /// f32 data (and f16 data, widened) through split copies on the AMX tiles from
    /// [`crate::AUTO_MIN_COLS_SPLIT`] columns and [`crate::AUTO_MIN_ROWS_SPLIT`] rows on each
    /// side; else the input's own precision (f32 for f32, f16, bf16 and int8 data, f64 for f64
    /// data). Cosine screens the unit rows (bf16 and int8 data's in f32).
    #[default]
    Auto,
    /// f32 screening (f32, f16, bf16 and int8 data; f64 data screens in f64 only).
    Fp32,
    /// bf16 units: bf16 and int8 data (whose values are bf16 values exactly), and f32 data
    /// through split `hi + lo` copies (`search_values` only; any metric). A CPU without
    /// AVX512-BF16 is an error unless `EMBGEO_LOWP_KERNEL=scalar` forces the portable
    /// emulation.
    Bf16,
    /// int8 units (AVX512-VNNI `vpdpbusd`, exact integer dot products; int8 data only). A CPU
    /// without VNNI is an error unless `EMBGEO_LOWP_KERNEL=scalar` forces the portable
    /// emulation.
    Int8,
}

impl Precision {
    /// The option value as the API spells it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Precision::Auto => "auto",
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
        }
    }
}

/// What a search ran on: the screening precision (`"fp32"`, `"fp64"`, `"bf16"`, `"int8"` or
/// `"int16"`), the kernel that filled the key tiles, and how many candidates were re-ranked
/// exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trace {
    /// Screening precision that ran.
    pub precision: &'static str,
    /// Tile kernel (`"faer-f32"`, `"avx2-rows-f32"`, `"faer-f64"`, `"avx512bf16"`,
    /// `"avx2-int16"`, a SIMD level for few queries…).
    pub kernel: &'static str,
    /// Exact f64 key recomputations (candidates that survived the screening, including the
    /// ones that fill the first k). In the symmetric all-points pass this count depends on
    /// the order in which tasks finish (the neighbours never do).
    pub candidates: u64,
}

impl Trace {
    /// Candidate inflation: exact recomputations per result slot (`candidates / (rows·k)`);
    /// 0 for an empty result.
    #[must_use]
    pub fn inflation(&self, rows: usize, k: usize) -> f64 {
        let slots = rows as f64 * k as f64;
        if slots == 0.0 {
            0.0
        } else {
            self.candidates as f64 / slots
        }
    }
}
