//! Secondary distances built from one statistic per point (local scaling, NICDM, Gaussian
//! mutual proximity, CSLS), and the lower bound that makes candidate re-ranking exact.
//!
//! Each point p gets a [`Stat`] from the primary distances to its `neighbors` nearest points
//! (ascending, the point itself excluded by index when it belongs to the corpus):
//!
//! | method | statistic | secondary distance of (x, y) at primary distance d |
//! |---|---|---|
//! | local scaling | σ = distance to the `neighbors`-th neighbour | `1 − exp(−d² / (σ_x σ_y))` |
//! | NICDM | μ = mean distance to the `neighbors` nearest | `d / √(μ_x μ_y)` |
//! | MP (Gaussian) | μ, σ: mean and population std of those distances | `1 − SF(d; μ_x, σ_x)·SF(d; μ_y, σ_y)` |
//! | CSLS | m = mean distance to the `neighbors` nearest | `2d − m_x − m_y` |
//!
//! SF is the normal survival function `½ erfc((d − μ) / (σ√2))` (scipy `norm.sf`). Local
//! scaling and NICDM: Zelnik-Manor & Perona 2005, Jégou et al. 2010, as scikit-hubness 0.21.2
//! `LocalScaling` computes them (its `k` is our `neighbors − 1`: it slices `k + 1` columns of
//! self-excluded neighbour lists). Gaussian MP: Schnitzer et al. 2012, scikit-hubness
//! `MutualProximity(method='normal')`. CSLS: Conneau et al. 2018, `CSLS(x, y) = 2cos(x, y) −
//! r_T(x) − r_S(y)`; in distances (`cos = 1 − d` under cosine) `−CSLS = 2d − m_x − m_y`, which
//! we use for every metric (under cosine it is exactly −CSLS).
//!
//! Every secondary distance is non-decreasing in d for fixed statistics, so a point outside a
//! query's candidate list (primary distance ≥ D, the list's last distance) has a secondary
//! distance ≥ [`lower_bound`]`(D)`; a list whose k-th secondary distance is below that bound
//! (with a relative slack covering rounding) already holds the exact top k.

use embgeo_core::{Error, Result};
use statrs::function::erf::erfc;

use super::Method;

/// The statistic of one point (`b` is used by Gaussian MP only: the standard deviation).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Stat {
    pub a: f64,
    pub b: f64,
}

/// Sum in index order (the reference's `mean` differs from it only in the last bits).
fn mean(d: &[f64]) -> f64 {
    d.iter().sum::<f64>() / d.len() as f64
}

/// The statistic of a point whose `neighbors` nearest distances are `d` (ascending, len ≥ 1).
/// `what`/`row` name the point in errors.
pub(crate) fn stat(method: Method, d: &[f64], what: &str, row: usize) -> Result<Stat> {
    let degenerate = |quantity: &str| {
        Error::Degenerate(format!(
            "{} of {what} row {row} is 0 ({} identical neighbours?): the secondary distance \
             divides by it; raise `neighbors` or remove duplicate rows",
            quantity,
            d.len()
        ))
    };
    let s = match method {
        Method::LocalScaling => {
            let a = d[d.len() - 1];
            if a <= 0.0 {
                return Err(degenerate("the distance to the neighbors-th neighbour"));
            }
            Stat { a, b: 0.0 }
        }
        Method::Nicdm => {
            let a = mean(d);
            if a <= 0.0 {
                return Err(degenerate("the mean neighbour distance"));
            }
            Stat { a, b: 0.0 }
        }
        Method::MutualProximityGaussian => {
            let a = mean(d);
            let var = d.iter().map(|&x| (x - a) * (x - a)).sum::<f64>() / d.len() as f64;
            let b = var.sqrt();
            if b <= 0.0 {
                return Err(degenerate("the standard deviation of the neighbour distances"));
            }
            Stat { a, b }
        }
        Method::Csls | Method::MutualProximity => Stat { a: mean(d), b: 0.0 },
    };
    Ok(s)
}

/// Normal survival function `P(Z > d)` for `Z ~ N(mu, sd²)` (scipy `norm.sf`).
fn sf(d: f64, mu: f64, sd: f64) -> f64 {
    0.5 * erfc((d - mu) / sd / std::f64::consts::SQRT_2)
}

/// The secondary distance of a pair at primary distance `d`, `x` the query's statistic and
/// `y` the corpus point's.
pub(crate) fn secondary(method: Method, d: f64, x: Stat, y: Stat) -> f64 {
    match method {
        Method::LocalScaling => 1.0 - (-(d * d) / (x.a * y.a)).exp(),
        Method::Nicdm => d / (x.a * y.a).sqrt(),
        Method::MutualProximityGaussian => 1.0 - sf(d, x.a, x.b) * sf(d, y.a, y.b),
        Method::Csls | Method::MutualProximity => 2.0 * d - x.a - y.a,
    }
}

/// A lower bound of the secondary distance of every corpus point at primary distance `≥ d`
/// from the query with statistic `x`, given `a_max`, the largest corpus `a`; and the slack to
/// subtract from it before comparing (a relative 1e-9 of the terms, far above rounding).
pub(crate) fn lower_bound(method: Method, d: f64, x: Stat, a_max: f64) -> (f64, f64) {
    const REL: f64 = 1e-9;
    match method {
        Method::LocalScaling => (1.0 - (-(d * d) / (x.a * a_max)).exp(), REL),
        Method::Nicdm => {
            let lb = d / (x.a * a_max).sqrt();
            (lb, REL * lb.abs())
        }
        // SF(d; μ_y, σ_y) ≤ 1 for every corpus point y.
        Method::MutualProximityGaussian => (1.0 - sf(d, x.a, x.b), REL),
        Method::Csls | Method::MutualProximity => (
            2.0 * d - x.a - a_max,
            REL * (2.0 * d.abs() + x.a.abs() + a_max.abs()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secondary_distances_follow_their_formulas() {
        let x = Stat { a: 2.0, b: 0.5 };
        let y = Stat { a: 3.0, b: 1.0 };
        let ls = secondary(Method::LocalScaling, 1.5, x, y);
        assert!((ls - (1.0 - (-2.25f64 / 6.0).exp())).abs() < 1e-15);
        let nicdm = secondary(Method::Nicdm, 1.5, x, y);
        assert!((nicdm - 1.5 / 6.0f64.sqrt()).abs() < 1e-15);
        // At d = μ both survival functions are ½ when the means agree.
        let mp = secondary(Method::MutualProximityGaussian, 2.0, x, Stat { a: 2.0, b: 7.0 });
        assert!((mp - 0.75).abs() < 1e-15);
        assert!((secondary(Method::Csls, 1.5, x, y) - (3.0 - 2.0 - 3.0)).abs() < 1e-15);
    }

    #[test]
    fn lower_bound_is_below_every_farther_point() {
        let x = Stat { a: 1.2, b: 0.3 };
        for method in [
            Method::LocalScaling,
            Method::Nicdm,
            Method::MutualProximityGaussian,
            Method::Csls,
        ] {
            let (lb, _) = lower_bound(method, 1.0, x, 2.0);
            for &ya in &[0.1, 1.0, 2.0] {
                for &d in &[1.0, 1.3, 4.0] {
                    let s = secondary(method, d, x, Stat { a: ya, b: 0.2 });
                    assert!(s >= lb, "{method:?}: {s} < {lb}");
                }
            }
        }
    }

    #[test]
    fn zero_scale_is_degenerate() {
        let e = stat(Method::LocalScaling, &[0.0, 0.0], "corpus", 4).unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE");
        assert!(e.to_string().contains("row 4"), "{e}");
        assert!(stat(Method::MutualProximityGaussian, &[1.0, 1.0], "corpus", 0).is_err());
        assert!(stat(Method::Nicdm, &[0.0, 0.0], "queries", 0).is_err());
        assert!(stat(Method::Csls, &[0.0, 0.0], "queries", 0).is_ok());
    }
}
