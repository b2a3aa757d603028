//! Helpers shared by the unit tests of the metrics modules.

use std::fmt::Debug;

use embgeo_core::{Ctl, Element, MatRef, Par, Result};

/// A module's `compute` on `x` viewed as `rows × cols`, with default parameters and no control.
pub(crate) fn with_defaults<T: Element, P: Default, R>(
    compute: impl Fn(MatRef<'_, T>, &P, &Ctl<'_>) -> Result<R>,
    x: &[T],
    rows: usize,
    cols: usize,
) -> Result<R> {
    compute(MatRef::new(x, rows, cols)?, &P::default(), &Ctl::detached())
}

/// Assert that `run` gives the same value sequentially (`Par::Seq`) and inside rayon pools of
/// each of `threads` threads (`what` names the case in the failure message).
pub(crate) fn assert_same_for_threads<R: PartialEq + Debug + Send>(
    what: &str,
    threads: &[usize],
    run: impl Fn(&Ctl<'_>) -> R + Sync,
) {
    let seq = run(&Ctl::detached().with_par(Par::Seq));
    for &t in threads {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap();
        let par = pool.install(|| run(&Ctl::detached()));
        assert_eq!(seq, par, "{what}, threads = {t}");
    }
}

/// `n × d` deterministic awkward values with a common offset (anisotropic), every 7th row zero
/// (rows 0, 7, 14, …): the anisotropy tests' data.
pub(crate) fn anisotropic_rows(n: usize, d: usize) -> Vec<f64> {
    let mut x: Vec<f64> = (0..n * d)
        .map(|i| 0.7 + ((i * 7919) % 1013) as f64 / 613.0 - (i % 3) as f64 * 0.4)
        .collect();
    for i in (0..n).step_by(7) {
        x[i * d..(i + 1) * d].fill(0.0);
    }
    x
}
