//! Wide inputs never abort (issue 17 item 1): the spectrum of an 11 × 20,000 set takes the
//! n × n Gram route (no d × d matrix) and answers.

use embgeo_core::{Ctl, MatRef};
use embgeo_metrics::spectrum;

#[test]
fn spectrum_of_a_wide_set_takes_the_gram_route() {
    let (n, d) = (11, 20_000);
    let x: Vec<f32> = (0..n * d)
        .map(|i| ((i * 2_654_435_761usize) % 997) as f32 / 97.0)
        .collect();
    let s = spectrum::compute(
        MatRef::new(&x, n, d).unwrap(),
        &spectrum::Params::default(),
        &Ctl::detached(),
    )
    .unwrap();
    assert_eq!(s.eigenvalues.len(), d);
    assert_eq!(s.rank, n - 1);
}
