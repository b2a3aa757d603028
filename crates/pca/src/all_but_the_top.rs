//! All-but-the-top (Mu and Viswanath, ICLR 2018): subtract the mean, then remove the
//! projections on the top D principal directions.
//!
//! `x̃ = x − μ`, `u₁ … u_D` = top-D eigenvectors of the covariance of x̃,
//! `x' = x̃ − Σᵢ (uᵢᵀx̃) uᵢ = x̃ (I − U Uᵀ)`. The paper suggests D ≈ d / 100.

use embgeo_core::{Ctl, Element, Error, MatRef, Result};

use crate::pca::project_rows;
use crate::{covariance, moments, sign};

/// Options of [`apply`]. There is no reference default for `remove` (the paper suggests
/// d / 100), so `Params::new(remove)` is the constructor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Params {
    /// Number D of top principal directions to remove (0 ≤ D ≤ d).
    pub remove: usize,
    /// Rows per block of the moments and the projection.
    /// Default 512 (see [`moments::Params::block_rows`]).
    #[serde(default = "default_block_rows")]
    pub block_rows: usize,
}

fn default_block_rows() -> usize {
    Params::new(0).block_rows
}

impl Params {
    /// Remove `remove` directions, default blocking.
    #[must_use]
    pub fn new(remove: usize) -> Self {
        Self {
            remove,
            block_rows: 512,
        }
    }
}

/// The post-processed rows and what was removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Output<T> {
    /// `n × d` row-major, in the input type.
    pub data: Vec<T>,
    /// The subtracted mean, d values.
    pub mean: Vec<f64>,
    /// The removed directions, `D × d` row-major (sign rule of [`crate::sign`]).
    pub directions: Vec<f64>,
}

/// All-but-the-top post-processing of the rows of `x`.
///
/// # Shapes and types
/// `x`: n × d row-major f32/f64, n ≥ 2. Returns [`Output`] (data n × d in the input type).
/// # Cost
/// n·d²/2 multiply-adds (moments) + ≈ 4d³ (eigendecomposition) + 2·n·d² (projection by
/// `I − UUᵀ`); extra memory O(d²) as in [`moments::Moments::update`] + ≈ 4d² f64, plus the output.
/// Memory rule (crate docs): d ≤ 16,384, checked before any `d × d` allocation; square buffers
/// are allocated fallibly.
/// # Determinism
/// Bit-identical for every thread count.
/// # Errors
/// `Empty` (n < 2), `NonFinite`, `OutOfRange` (D > d, a zero `block_rows`, or d over the memory
/// rule / refused by the allocator), `Internal`, `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// Mu and Viswanath, "All-but-the-Top", ICLR 2018, Algorithm 1; numpy implementation in
/// `scripts/reference/pca.py`, fixture `pca/all-but-the-top-d2` at rtol 1e-10.
pub fn apply<T: Element>(x: MatRef<'_, T>, params: &Params, ctl: &Ctl<'_>) -> Result<Output<T>> {
    x.require_rows("X", 2, "allButTheTop")?;
    let d = x.cols();
    if params.remove > d || params.block_rows == 0 {
        return Err(Error::OutOfRange {
            name: if params.block_rows == 0 {
                "blockRows"
            } else {
                "remove"
            },
            expected: format!("remove in 0..={d} (the number of features) and blockRows >= 1"),
            actual: format!("remove {}, blockRows {}", params.remove, params.block_rows),
        });
    }
    let m = moments::accumulate(
        x,
        None,
        &moments::Params {
            block_rows: params.block_rows,
            ..moments::Params::default()
        },
        ctl,
    )?;
    let mut directions = if params.remove == 0 {
        Vec::new()
    } else {
        let s = covariance::solve_top(&m, &covariance::Params::default(), ctl, |_, _| Ok(params.remove))?;
        s.components[..params.remove * d].to_vec()
    };
    sign::flip_rows(&mut directions, d);
    // P = I − UUᵀ (symmetric, so it is its own transpose for `project_rows`).
    let mut p = embgeo_core::dense::square_zeros(
        "X.cols",
        d,
        "allButTheTop",
        "transpose X if it is stored features × rows",
    )?;
    for a in 0..d {
        p[a * d + a] = 1.0;
    }
    for u in directions.chunks_exact(d) {
        for a in 0..d {
            for b in 0..=a {
                p[a * d + b] -= u[a] * u[b];
            }
        }
    }
    for a in 0..d {
        for b in 0..a {
            p[b * d + a] = p[a * d + b];
        }
    }
    let ones = vec![1.0; d];
    let data = project_rows(x, m.mean(), &p, d, &ones, false, params.block_rows, ctl)?;
    Ok(Output {
        data,
        mean: m.mean().to_vec(),
        directions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_is_centred_and_orthogonal_to_removed_directions() {
        let x: Vec<f64> = (0..200)
            .map(|i: u32| f64::from((i * 37) % 23) + f64::from(i % 4) * 5.0)
            .collect();
        let xm = MatRef::new(&x, 50, 4).unwrap();
        let o = apply(xm, &Params::new(1), &Ctl::detached()).unwrap();
        for u in o.directions.chunks_exact(4) {
            for row in o.data.chunks_exact(4) {
                let dot: f64 = row.iter().zip(u).map(|(a, b)| a * b).sum();
                assert!(dot.abs() < 1e-10);
            }
        }
        assert_eq!(
            apply(xm, &Params::new(5), &Ctl::detached()).unwrap_err().code(),
            "ERR_OUT_OF_RANGE"
        );
    }
}
