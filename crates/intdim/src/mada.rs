//! MADA, manifold-adaptive dimension estimation (Farahmand, Szepesvári, Audibert 2007):
//! d̂(x) = ln 2 / ln(r_k(x)/r_⌊k/2⌋(x)).
//!
//! The reference builds the full distance matrix and replaces every zero (the diagonal and
//! duplicates) by the matrix maximum, so zero distances never count as neighbours; this port
//! reads the neighbour lists and skips zero distances, which gives identical values while the
//! neighbour lists are long enough (memory O(rows · k) instead of O(rows²)).

use embgeo_core::{Ctl, Error, Neighbors, Result};

use crate::common::{finite_or, IdEstimate, KDefault, KParams};

/// MADA parameters; `Default` = scikit-dimension 0.5.0 `MADA().fit(X)` (k = 20, mean). k is the
/// neighbour order (the half order is ⌊k/2⌋); `Keep` = the reference (zero distances skipped).
pub type Params = KParams<KDefault<20>>;

/// MADA intrinsic dimension (pointwise values in `pointwise`).
///
/// # Shapes and types
/// `nb`: rows × k₀; each row needs `p.k` non-zero distances among its k₀ (pass extra columns
/// when there are duplicates).
/// # Cost
/// O(rows · k₀) time, O(rows) memory.
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// `OutOfRange` (k < 2), `KTooLarge` (not enough non-zero distances in the given columns),
/// `Degenerate` (not enough distinct points at all, e.g. identical rows), `Duplicates` (policy
/// `Error`), `Degenerate` (r_k = r_⌊k/2⌋: infinite estimate), `Cancelled`.
/// # Panics
/// Never.
/// # Reference
/// scikit-dimension 0.5.0 `skdim.id.MADA`; fixtures `intdim/fx*.json` at rtol 1e-10.
pub fn estimate(nb: &Neighbors, p: &Params, ctl: &Ctl<'_>) -> Result<IdEstimate> {
    let (k, h) = (p.k, p.k / 2);
    p.pointwise(nb, ctl, ("MADA", "mada"), |use_nb, i| {
        let d = use_nb.distances_of(i);
        let zeros = d.iter().take_while(|v| **v == 0.0).count();
        if zeros + k > d.len() && d.len() + 1 >= use_nb.rows {
            // Every other point is already a neighbour: more columns cannot help.
            return Err(Error::Degenerate(format!(
                "MADA: row {i} has {zeros} zero-distance neighbours of {}, too few distinct points \
                 for k = {k} (are the rows identical?); deduplicate the data or lower k",
                d.len()
            )));
        }
        if zeros + k > d.len() {
            return Err(Error::KTooLarge {
                k: k + zeros,
                available: d.len(),
                why: format!("MADA: row {i} has {zeros} zero distances; pass neighbours with more columns"),
            });
        }
        let rk = d[zeros + k - 1];
        let rh = d[zeros + h - 1];
        finite_or(2f64.ln() / (rk / rh).ln(), || {
            format!("MADA: r_k = r_k/2 at row {i} (infinite estimate)")
        })
    })
}
