//! Deterministic signs for principal axes: scikit-learn's `svd_flip(u_based_decision=False)`.
//!
//! scikit-learn ≥ 1.5 (`sklearn/utils/extmath.py::svd_flip`, called from
//! `sklearn/decomposition/_pca.py` with `u_based_decision=False`; checked in scikit-learn 1.9.1)
//! takes, for each row of `Vᵀ`, the first index of the largest absolute value (`argmax` of
//! `|v|`, ties to the lower index) and multiplies the row by the sign of that entry, so the
//! largest-magnitude entry of each component is positive. An all-zero row is left as is.

/// Flip each row of a row-major `rows × d` buffer so that its largest-|value| entry (first on
/// ties) is positive; return the sign applied to each row (`1.0` or `-1.0`).
///
/// # Shapes and types
/// `v`: `rows × d` row-major f64, `d ≥ 1`. Returns `rows` signs.
/// # Cost
/// O(rows·d) time, no extra memory beyond the result.
/// # Determinism
/// Exact.
/// # Errors
/// None.
/// # Panics
/// Never (a trailing partial row, if any, is ignored).
/// # Reference
/// scikit-learn `svd_flip(u=None, v, u_based_decision=False)`; fixtures `pca/*` compare
/// components after this rule at rtol 1e-10 (f64).
pub fn flip_rows(v: &mut [f64], d: usize) -> Vec<f64> {
    let mut signs = Vec::with_capacity(v.len().checked_div(d).unwrap_or(0));
    if d == 0 {
        return signs;
    }
    for row in v.chunks_exact_mut(d) {
        let mut best = 0;
        for (j, x) in row.iter().enumerate() {
            if x.abs() > row[best].abs() {
                best = j;
            }
        }
        if row[best] < 0.0 {
            for x in row.iter_mut() {
                *x = -*x;
            }
            signs.push(-1.0);
        } else {
            signs.push(1.0);
        }
    }
    signs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_magnitude_entry_becomes_positive_first_on_ties() {
        let mut v = vec![0.1, -0.9, 0.3, /* tie: first index wins */ -0.5, 0.5, 0.0];
        let s = flip_rows(&mut v, 3);
        assert_eq!(s, vec![-1.0, -1.0]);
        assert_eq!(v, vec![-0.1, 0.9, -0.3, 0.5, -0.5, -0.0]);
        let mut z = vec![0.0, 0.0];
        assert_eq!(flip_rows(&mut z, 2), vec![1.0]);
    }
}
