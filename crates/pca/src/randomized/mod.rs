//! Seeded randomized SVD (Halko, Martinsson and Tropp 2011) of the centred data: scikit-learn's
//! `svd_solver="randomized"`.
//!
//! Draw a d × (k + p) Gaussian Ω (ChaCha8 seeded by `seed`, portable) and orthonormalise it
//! (`V₀`), run `q` power iterations `Vᵢ = qr(Aᵀ·(A·Vᵢ₋₁))`, then `Q = qr(A·V_q)`, `B = QᵀA`
//! and the SVD of the small B. The subspaces are scikit-learn's (`Q` spans `A(AᵀA)^q Ω`);
//! scikit-learn orthonormalises after every product (LU for q > 2), here after each `AᵀA`
//! step: the same result in exact arithmetic, agreeing with scikit-learn's to the accuracy of
//! the method, not bit for bit (different random streams).
//!
//! `A = X − 1μᵀ` is never formed: every pass ([`pass`]) reads X in row blocks of 128, centres
//! each block into a buffer that stays in cache ([`block`]) and runs both products of a power
//! step on it, so X is read `q + 2` times (9 with the default q = 7), not `2q + 2`. f32 input
//! is multiplied in f32 on the kernel layer (`embgeo_kernels::gemm_f32`, AVX-512 FMA where
//! available) with f64 sums across blocks; f64 input, and f32 blocks whose centred values
//! leave `moments::F32_SAFE`, in f64.
//!
//! Where one SYRK over X costs less than those passes (d up to a few thousand, see
//! [`gram_pays`]), the same iteration runs on the Gram matrix `AᵀA` instead (`gram`: X read
//! once, on the covariance solver's kernel), and its result is kept when the spectrum it finds
//! is within that route's accuracy ([`Route::Auto`]).

mod block;
mod gram;
mod pass;

use embgeo_core::{Ctl, Element, Error, MatRef, Result};
use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::{linalg, moments, Spectrum};

use block::{Both, Op};

/// Tunables of [`solve`]; defaults are scikit-learn's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Extra random directions `p`. Default 10 (scikit-learn `n_oversamples`).
    pub n_oversamples: usize,
    /// Power iterations `q`; `None` = scikit-learn's "auto": 7 if k < 0.1·min(n, d), else 4.
    pub n_iter: Option<usize>,
    /// Seed of the ChaCha8 stream that draws Ω. Default 0.
    pub seed: u64,
    /// How X is read. Default [`Route::Auto`].
    pub route: Route,
}

/// How the randomized solver reads X: both routes compute the same subspace iteration and the
/// same final SVD (equal in exact arithmetic, for the same Ω).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Route {
    /// [`Route::Gram`] where [`gram_pays`] and the spectrum it finds is no more spread than
    /// its accuracy allows (`λ₁/λ_k` ≤ 10³ for f32 input, 10⁸ for f64), else [`Route::Passes`].
    #[default]
    Auto,
    /// `q + 2` passes over the rows of X ([`pass`]): (2q + 2)·n·d·l multiply-adds on thin
    /// products, memory O(n·l).
    Passes,
    /// One SYRK over X for `C = AᵀA`, then everything in d × d (`gram`): n·d²/2 multiply-adds on
    /// the covariance kernel, memory O(d²).
    Gram,
}

/// Widest input [`Route::Auto`] sends to the Gram route: its moments hold about
/// `(4 + 1.75·workers)·d²` f64 while they accumulate (250 MB at 2048 on 2 threads), where the
/// passes hold O(n·l).
pub const GRAM_MAX_D: usize = 2048;

/// Does the Gram route cost less than the passes for d columns, basis width l and q power
/// steps? A function of the shape only (n cancels out).
///
/// The passes read X `q + 2` times, centring each block and multiplying it by thin operands; the
/// Gram route runs one SYRK (n·d²/2 multiply-adds, nearer the FMA peak). Measured on a 2-core
/// AVX-512 Xeon (`examples/bench_randomized --route both`, f32, same run): a pass costs about
/// `n·d·(0.90 + 0.018·l)` ns (100,000 × 1536: 1.62 s at l = 15, 2.29 s at l = 42, q = 7) and the
/// Gram route about `6.4·10⁻³·n·d²` ns (1.16 s at 100,000 × 1536, 0.19 s at 200,000 × 384, 1.34 s
/// at 50,000 × 2048 against 1.15 s for the passes at l = 26). The Gram route pays when
/// `d < (q + 2)·(140 + 2.8·l)`, and [`GRAM_MAX_D`] bounds its memory.
#[must_use]
pub fn gram_pays(d: usize, l: usize, q: usize) -> bool {
    d <= GRAM_MAX_D && 10 * d < (q + 2) * (1400 + 28 * l)
}

impl Default for Params {
    fn default() -> Self {
        Self {
            n_oversamples: 10,
            n_iter: None,
            seed: 0,
            route: Route::Auto,
        }
    }
}

/// Top-`k` spectrum of the centred rows of `x` by randomized SVD; returns it and the mean.
///
/// # Shapes and types
/// `x`: n × d row-major f32/f64, n ≥ 2, 1 ≤ k ≤ min(n, d). Returns a [`Spectrum`] of k axes
/// (components `k × d`, signs not normalised; `total_variance` exact, from ‖A‖²_F) and the mean.
/// # Cost
/// Passes route: (2q + 2)·2·n·d·l flops (l = k + p) in q + 2 reads of X, plus Householder QRs
/// of d × l (one per iteration) and of n × l (once, parallel with a fixed split) and the SVD of
/// l × d. Extra memory: no copy of X; Y and Q (n × l f64, Qᵀ once more in f32), one l × d f64
/// partial sum per 4096-row chunk (13 MB at 100,000 × 1536, l = 42) and per worker a 128 × d
/// centred block plus l·(d + 128) products.
/// Gram route: n·d² flops in one read of X plus O(q·d²·l), memory O(d²) (`gram::solve`); when
/// [`Route::Auto`] finds the spectrum too spread for it, the passes run after it.
/// # Accuracy
/// f64 input runs in f64. f32 input: each block product is an f32 dot product (error
/// `γ_m·|a|·|b|`, m = d for `A·V`, m ≤ 128 rows for `·Aᵦ`), summed across blocks in f64;
/// centring and ‖A‖²_F are f64. Measured on the 100,000 × 1536 f32 bench data (k = 32): the
/// 32 variances equal those of the former all-f64 implementation to 7·10⁻⁹ relative; tested
/// within 1e-5 of the exact f64 solver (the f32 tolerance of the parity fixtures). The Gram
/// route's error grows with `λ₁/λ_k` (`gram::max_spread`); on the same data its 32 variances
/// are within 6·10⁻⁸ of the passes'.
/// # Determinism
/// Same seed, same result (portable ChaCha8 stream). Passes split X into fixed 4096-row
/// chunks (parallel), the products inside a chunk run on one thread, chunk sums are added in
/// order; the small QRs and the SVD are sequential and the n × l QR has a fixed split
/// ([`embgeo_core::linalg::fixed_split`]): bit-identical for every thread count (tested on
/// 3000 × 120 f64 and 9000 × 40 f32, three chunks).
/// # Errors
/// `Empty` if n < 2, `OutOfRange` if k is 0 or exceeds min(n, d), `NonFinite`, `Internal`,
/// `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// Halko, Martinsson and Tropp, SIAM Review 53(2), 2011 (arXiv 0909.4061); scikit-learn
/// `randomized_svd`. Tested against the exact solvers on a decaying spectrum.
pub fn solve<T: Element>(
    x: MatRef<'_, T>,
    center: bool,
    k: usize,
    params: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Spectrum, Vec<f64>)> {
    // One body for every magnitude: `with_scaled` passes a power-of-two-scaled copy of extreme
    // data, and the spectrum and mean are scaled back at the end.
    embgeo_core::scale::with_scaled(x, |x, scale| {
        x.require_rows("X", 2, "PCA with the randomized solver")?;
        x.check_finite("X")?;
        let (n, d) = (x.rows(), x.cols());
        let r = n.min(d);
        if k == 0 || k > r {
            return Err(Error::OutOfRange {
                name: "nComponents",
                expected: format!(
                    "an integer in 1..={r} (min(n_samples, n_features)) for the randomized solver"
                ),
                actual: k.to_string(),
            });
        }
        let q = params
            .n_iter
            .unwrap_or(if (k as f64) < 0.1 * r as f64 { 7 } else { 4 });
        let l = (k + params.n_oversamples).min(r);
        let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
        let omega = Mat::<f64>::from_fn(d, l, |_, _| StandardNormal.sample(&mut rng));
        let v0 = linalg::thin_q(&omega, faer::Par::Seq);
        drop(omega);
        let gram = match params.route {
            Route::Auto => gram_pays(d, l, q),
            Route::Gram => true,
            Route::Passes => false,
        };
        if gram {
            let found = gram::solve(x, center, k, v0.clone(), q, ctl)?;
            if params.route == Route::Gram || found.spread <= gram::max_spread(T::DTYPE) {
                return crate::svd::unscale((found.spectrum, found.mean), scale);
            }
        }
        // The passes run chunks in parallel with fixed chunk sums; the small QRs and the SVD run
        // sequentially, the n × l QR with a fixed split: the result is bit-identical for every
        // thread count.
        let mean = if center {
            moments::block_mean(x, None, ctl.par).1
        } else {
            vec![0.0; d]
        };
        let data = pass::Data { x, mean: &mean, l };
        let mut basis = Both::transposed(&v0);
        for it in 0..q {
            let (w, _) = data.accumulate(Op::Gram(&basis), ctl)?;
            let w = Mat::<f64>::from_fn(d, l, |i, j| w[j * d + i]);
            basis = Both::transposed(&linalg::thin_q(&w, faer::Par::Seq));
            ctl.advance("randomized", (it + 1) as u64, q as u64);
        }
        let y = data.project(&basis, ctl)?;
        // The n × l QR under a fixed parallel split (bit-identical for every thread count).
        let ym = Mat::<f64>::from_fn(n, l, |i, j| y[i * l + j]);
        let qm = embgeo_core::linalg::fixed_split(ctl.par, |p| Ok(linalg::thin_q(&ym, p)))?;
        drop(ym);
        drop(y);
        // B = Qᵀ A (l × d, row-major) and ‖A‖²_F from the same pass.
        let (b, sumsq) = data.accumulate(Op::Reduce(&Both::transposed(&qm), 0), ctl)?;
        drop(qm);
        let (s, vt) = linalg::thin_svd_vt(&b, l, d, faer::Par::Seq)?;
        let denom = (n - 1) as f64;
        let total_variance = sumsq / denom;
        let singular_values: Vec<f64> = s[..k].to_vec();
        crate::svd::unscale(
            (
                Spectrum {
                    explained_variance: singular_values.iter().map(|v| v * v / denom).collect(),
                    singular_values,
                    components: vt[..k * d].to_vec(),
                    total_variance,
                },
                mean,
            ),
            scale,
        )
    })
}
