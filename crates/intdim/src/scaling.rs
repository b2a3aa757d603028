//! Intrinsic dimension as a function of scale, with error bars.
//!
//! - [`twonn_decimation`]: TwoNN on random subsets of decreasing size N, N/2, N/4, … (DADApy
//!   `return_id_scaling_2NN`): smaller subsets have larger neighbour distances, so the curve
//!   probes larger scales; the error bar is the standard error over the subsets of one size.
//! - [`gride`]: GRIDE at doubling neighbour orders (DADApy `return_id_scaling_gride`), with
//!   the Fisher-information error bar, on the full data set (no decimation).

use embgeo_core::{Ctl, Element, MatRef, Neighbors, Result};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{check_cols, exact_knn, out_of_range, require_rows};
use crate::gride as gride_mod;
use crate::twonn;

/// One ID-versus-scale curve.
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// `"twonn"` or `"gride"`.
    pub method: String,
    /// Mean neighbour distance of each scale (DADApy's `rs`).
    pub scales: Vec<f64>,
    /// ID per scale.
    pub dimensions: Vec<f64>,
    /// Error bar per scale (standard error over subsets, or 1/√Fisher information).
    pub stderr: Vec<f64>,
    /// Subset size (decimation) or neighbour order n₂ (GRIDE) of each scale.
    pub sizes: Vec<usize>,
}

/// Parameters of [`twonn_decimation`]; `Default` = DADApy `return_id_scaling_2NN()` with
/// the scikit-dimension TwoNN regression (discard 0.1 = DADApy `mu_fraction = 0.9`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecimationParams {
    /// Smallest subset size kept (sizes must exceed it; 10).
    pub n_min: usize,
    /// TwoNN settings applied to every subset (duplicates policy included).
    pub twonn: twonn::Params,
    /// Seed of the subset sampler (0).
    pub seed: u64,
}

impl Default for DecimationParams {
    fn default() -> Self {
        Self {
            n_min: 10,
            twonn: twonn::Params::default(),
            seed: 0,
        }
    }
}

/// TwoNN ID at decreasing subset sizes round(N/2^i) > n_min, i = 0..⌊log₂N⌋ − 2, each the mean
/// over round(N/size) random subsets (size N: the full set, error 0).
///
/// # Shapes and types
/// `x`: N × D (f32/f64), N ≥ 3, D ≥ 2.
/// # Cost
/// Exact kNN of every subset: about 2·N²·D distance evaluations in total; memory O(N·D).
/// # Determinism
/// Function of input and seed (ChaCha8 subsets; DADApy's PCG64 subsets differ, so curves
/// agree statistically except at size N).
/// # Errors
/// `Empty`, `NonFinite`, `OutOfRange`, TwoNN errors of a subset (e.g. `Duplicates`), `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// DADApy 0.3.4 `IdEstimation.return_id_scaling_2NN`.
pub fn twonn_decimation<T: Element>(x: MatRef<'_, T>, p: &DecimationParams, ctl: &Ctl<'_>) -> Result<Curve> {
    twonn_decimation_with(x, p, ctl, |sub, ctl| {
        exact_knn(sub.as_slice(), sub.rows(), sub.cols(), 2, ctl)
    })
}

/// [`twonn_decimation`] with the two nearest neighbours of each subset computed by `knn2`
/// (row-major f64 subset → its 2-NN, self excluded, ties to the lower index). The `from_data`
/// module passes the GEMM-tiled engine of `embgeo_knn`, which turns the O(N²·D) scalar work
/// into blocked matrix products; the curve is the same up to the last bits of the distances.
///
/// # Errors
/// As [`twonn_decimation`], plus those of `knn2`.
pub fn twonn_decimation_with<T: Element>(
    x: MatRef<'_, T>,
    p: &DecimationParams,
    ctl: &Ctl<'_>,
    knn2: impl Fn(MatRef<'_, f64>, &Ctl<'_>) -> Result<Neighbors>,
) -> Result<Curve> {
    let n = x.rows();
    require_rows("X", n, 3, "TwoNN scaling")?;
    check_cols(&x, "TwoNN scaling")?;
    x.check_finite("X")?;
    let d = x.cols();
    let all: Vec<f64> = x.as_slice().iter().map(|v| v.to_f64()).collect();
    let max_ndec = (n.ilog2() as usize).saturating_sub(1).max(1);
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed);
    let mut out = Curve {
        method: "twonn".into(),
        scales: vec![],
        dimensions: vec![],
        stderr: vec![],
        sizes: vec![],
    };
    let mut perm: Vec<usize> = (0..n).collect();
    for i in 0..max_ndec {
        let size = (n as f64 / f64::from(1u32 << i)).round_ties_even() as usize;
        if size <= p.n_min || size < 3 {
            break;
        }
        let n_iter = ((n as f64) / size as f64).round_ties_even().max(1.0) as usize;
        let mut ids = Vec::with_capacity(n_iter);
        let mut rs = Vec::with_capacity(n_iter);
        for _ in 0..n_iter {
            ctl.checkpoint()?;
            let sub: Vec<f64> = if size == n {
                all.clone()
            } else {
                // partial Fisher–Yates: the first `size` entries are a uniform subset
                for j in 0..size {
                    let r = rng.random_range(j..n);
                    perm.swap(j, r);
                }
                perm[..size]
                    .iter()
                    .flat_map(|&r| all[r * d..(r + 1) * d].iter().copied())
                    .collect()
            };
            let nb = knn2(MatRef::new(&sub, size, d)?, ctl)?;
            let e = twonn::estimate(&nb, &p.twonn)?;
            ids.push(e.dimension);
            rs.push(e.diagnostic("scale").map_or(f64::NAN, |s| s[0]));
        }
        let m = ids.iter().sum::<f64>() / ids.len() as f64;
        let var = ids.iter().map(|v| (v - m).powi(2)).sum::<f64>() / ids.len() as f64;
        out.sizes.push(size);
        out.dimensions.push(m);
        out.stderr.push(var.sqrt() / (ids.len() as f64).sqrt());
        out.scales.push(rs.iter().sum::<f64>() / rs.len() as f64);
    }
    if out.sizes.is_empty() {
        return Err(out_of_range("nMin", &format!("smaller than N = {n}"), p.n_min));
    }
    Ok(out)
}

/// GRIDE at doubling neighbour orders as a [`Curve`] (`sizes` = n₂ of each scale).
///
/// # Shapes and types
/// `nb`: N × k neighbours with k ≥ the largest order (see [`gride_mod::scaling`]).
/// # Cost
/// As [`gride_mod::scaling`].
/// # Determinism
/// Pure function of its input.
/// # Errors
/// As [`gride_mod::scaling`].
/// # Panics
/// Never.
/// # Reference
/// DADApy 0.3.4 `return_id_scaling_gride`; fixtures `intdim/fx*.json`.
pub fn gride(nb: &Neighbors, p: &gride_mod::ScalingParams) -> Result<Curve> {
    let s = gride_mod::scaling(nb, p)?;
    Ok(Curve {
        method: "gride".into(),
        scales: s.scales,
        dimensions: s.dimensions,
        stderr: s.stderr,
        sizes: s.ranks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimation_sizes_follow_dadapy_and_first_scale_is_the_full_set() {
        let m = crate::datasets::manifold("M7_Roll", 400, 0.0, 3).unwrap();
        let x = MatRef::new(&m.data, m.rows, m.cols).unwrap();
        let ctl = Ctl::detached();
        let c = twonn_decimation(x, &DecimationParams::default(), &ctl).unwrap();
        // N = 400: max_ndec = int(log2 400) - 1 = 7 -> sizes 400, 200, 100, 50, 25, 12 (> 10)
        assert_eq!(c.sizes, vec![400, 200, 100, 50, 25, 12]);
        assert_eq!(c.stderr[0], 0.0);
        let nb = exact_knn(&m.data, 400, 3, 2, &ctl).unwrap();
        let full = twonn::estimate(&nb, &twonn::Params::default()).unwrap();
        assert_eq!(c.dimensions[0], full.dimension);
        assert!(c.scales.windows(2).all(|w| w[1] > w[0]), "{:?}", c.scales);
        let again = twonn_decimation(x, &DecimationParams::default(), &ctl).unwrap();
        assert_eq!(c, again);
    }
}
