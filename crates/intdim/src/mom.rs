//! Method-of-moments local ID (Amsaleg et al. 2015/2018): with k neighbour distances of mean
//! m₁ and maximum w, the pointwise ID is −m₁/(m₁ − w).

use embgeo_core::{Ctl, Neighbors, Result};

use crate::common::{finite_or, IdEstimate, KDefault, KParams};

/// MOM parameters; `Default` = scikit-dimension 0.5.0 `MOM().fit(X)` (k = 100, mean). The caller
/// clamps k to N − 1 like the reference; under `Keep`, zero distances lower m₁ and the value
/// stays finite.
pub type Params = KParams<KDefault<100>>;

/// MOM intrinsic dimension (pointwise values in `pointwise`).
///
/// # Shapes and types
/// `nb`: rows × k₀ with k₀ ≥ `p.k` ≥ 2.
/// # Cost
/// O(rows · k) time, O(rows) memory.
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// `KTooLarge`, `OutOfRange`, `Duplicates` (policy `Error`), `Degenerate` (all k distances
/// equal: the reference gives ±∞ or NaN), `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `skdim.id.MOM`; fixtures `intdim/fx*.json` at rtol 1e-10.
pub fn estimate(nb: &Neighbors, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let k = p.k;
    p.pointwise(nb, ctl, ("MOM", "mom"), |use_nb, i| {
        let d = &use_nb.distances_of(i)[..k];
        let w = d[k - 1];
        let m1 = d.iter().sum::<f64>() / k as f64;
        finite_or(-m1 / (m1 - w), || {
            format!("MOM: the {k} neighbour distances of row {i} are all equal")
        })
    })
}
