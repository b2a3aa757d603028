//! The public entry points: the engine ([`crate::brute`]) on data rescaled by a power of two
//! when its magnitude is extreme (`embgeo_core::scale`).
//!
//! f64 rows at 1e-165 have squared differences below the f64 range (every distance would be 0
//! and every neighbour the lowest indices); rows at 1e154 have squared norms above it. Scaling
//! the input by `2^e` (max |x| into `[1, 2)`) is exact, so the engine ranks exactly as on an
//! unbounded exponent range; the reported distances are scaled back exactly (`‖x − y‖` by
//! `2^-e`, squared distances and inner products by `2^-2e`, cosine unchanged), or the call
//! fails with `OutOfRange` when a distance itself does not fit in f64.

use embgeo_core::scale::max_abs;
use embgeo_core::{Ctl, Element, MatRef, Neighbors, Result, Scale};

use crate::brute::{self, Params};
use crate::metric::Metric;

/// The degree of a metric's reported distance in the data (see `Scale::unscale`).
fn power(metric: Metric) -> (i32, &'static str) {
    match metric {
        Metric::Euclidean => (1, "euclidean distance"),
        Metric::SqEuclidean => (2, "squared euclidean distance"),
        Metric::Dot => (2, "inner product"),
        Metric::Cosine => (0, "cosine distance"),
    }
}

/// Scale the distances of a result computed on data scaled by `s` back to the data's units.
pub(crate) fn unscale(mut nb: Neighbors, metric: Metric, s: Scale) -> Result<Neighbors> {
    let (pw, what) = power(metric);
    s.unscale_all(&mut nb.distances, pw, what)?;
    Ok(nb)
}

/// All points against each other: the `k` nearest other rows of every row of `x`.
///
/// The engine is documented at its implementation: shapes, cost, determinism, exactness and
/// the tie rule as in the crate docs. This entry adds the magnitude rule: when `max |x|` lies
/// outside `[2^-400, 2^400]` (only f64 data can), the engine runs on a copy scaled by a power
/// of two (extra memory `n·d·size_of::<T>()`) and the distances are scaled back exactly, so
/// neighbours and ties are those of an unbounded exponent range.
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, n ≥ 2, d ≥ 1. Returns `Neighbors` with `rows = n`.
/// # Cost
/// Time 2·n²·d FLOPs (GEMM tiles) + O(n·k·d) f64 re-ranking; extra memory
/// [`crate::search_scratch`] (+ the scaled copy for extreme magnitudes).
/// # Determinism
/// Bit-identical for every `ctl.par` and SIMD level.
/// # Errors
/// `Empty` if n < 2; `OutOfRange` if k = 0, a tile parameter is 0, n exceeds u32 indices, or a
/// reported distance does not fit in f64 (squared euclidean or dot of data near 1e±160 and
/// beyond); `KTooLarge` if k > n − 1; `NonFinite`; `Degenerate` for a zero row under cosine;
/// `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// faiss `IndexFlatL2`/`IndexFlatIP`, scikit-learn `NearestNeighbors(algorithm="brute")`.
pub fn all_points<T: Element>(x: MatRef<'_, T>, p: &Params, ctl: &Ctl<'_>) -> Result<Neighbors> {
    if p.is_shard() {
        return crate::search_part(x, None, p, ctl).map(|part| part.to_neighbors());
    }
    run(x, None, Scale::of(&[x.as_slice()]), p, ctl).map(|(nb, _)| nb)
}

/// Queries against a corpus: the `k` nearest corpus rows of every query row.
///
/// Magnitude rule as [`all_points`], with one scale for corpus and queries together. With
/// [`Params::row_offset`] / [`Params::query_offset`] set, this is [`crate::search_part`]'s
/// answer (global row ids, self-match excluded by global id) as plain neighbours.
///
/// # Shapes and types
/// `corpus`: n × d, `queries`: q × d (same d, same dtype), n ≥ 1, q ≥ 0. Returns `Neighbors`
/// with `rows = q`.
/// # Cost
/// Time 2·q·n·d FLOPs (GEMM tiles; SIMD dot products when q ≤ `few_queries`, then bound by
/// reading the corpus once: `n·d·size_of::<T>()` bytes) + O(q·k·d) f64 re-ranking; extra memory
/// [`crate::search_scratch`] plus the output q·k·12 bytes (+ scaled copies of both matrices for
/// extreme magnitudes).
/// # Determinism
/// As [`all_points`].
/// # Errors
/// `Empty` if n = 0; `Shape` if the widths differ; `OutOfRange` (k = 0, tile parameter 0, a
/// distance that does not fit in f64); `KTooLarge` if k > n; `NonFinite`; `Degenerate`;
/// `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// As [`all_points`].
pub fn search<T: Element>(
    corpus: MatRef<'_, T>,
    queries: MatRef<'_, T>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    if p.is_shard() {
        return crate::search_part(corpus, Some(queries), p, ctl).map(|part| part.to_neighbors());
    }
    let s = Scale::of(&[corpus.as_slice(), queries.as_slice()]);
    search_scaled(corpus, queries, s, p, ctl).map(|(nb, _)| nb)
}

/// [`search`] with a given scale (the index passes the one of its rows and the queries), with
/// the [`crate::Trace`] of the run.
pub(crate) fn search_scaled<T: Element>(
    corpus: MatRef<'_, T>,
    queries: MatRef<'_, T>,
    s: Scale,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, crate::Trace)> {
    run(corpus, Some(queries), s, p, ctl)
}

/// [`all_points`] (`queries = None`) or [`search`] with the [`crate::Trace`] of the run: the
/// engine behind [`crate::search_values`] for f32 and f64 data (plain searches, not shards).
///
/// # Errors
/// As [`all_points`] / [`search`].
pub(crate) fn search_traced<T: Element>(
    corpus: MatRef<'_, T>,
    queries: Option<MatRef<'_, T>>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, crate::Trace)> {
    let slices: Vec<&[T]> = std::iter::once(corpus)
        .chain(queries)
        .map(|m| m.as_slice())
        .collect();
    run(corpus, queries, Scale::of(&slices), p, ctl)
}

/// The engine ([`brute::traced`]) on the rows as they are when `s` is the identity, else on
/// copies of both matrices scaled by `s` (extra memory their size), with the distances scaled
/// back: the one body of every entry above.
fn run<T: Element>(
    corpus: MatRef<'_, T>,
    queries: Option<MatRef<'_, T>>,
    s: Scale,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<(Neighbors, crate::Trace)> {
    if s.is_identity() {
        return brute::traced(corpus, queries, p, ctl);
    }
    let cs = s.apply(corpus.as_slice());
    let qs = queries.map(|q| s.apply(q.as_slice()));
    let qm = match (&qs, queries) {
        (Some(v), Some(q)) => Some(MatRef::new(v, q.rows(), q.cols())?),
        _ => None,
    };
    let (nb, trace) = brute::traced(MatRef::new(&cs, corpus.rows(), corpus.cols())?, qm, p, ctl)?;
    Ok((unscale(nb, p.metric, s)?, trace))
}

/// Largest magnitude of `x` (for the index's running maximum).
pub(crate) fn magnitude<T: Element>(x: &[T]) -> f64 {
    max_abs(&[x])
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact equality is what these tests check
mod tests {
    use super::*;
    use embgeo_core::scale::ldexp;

    /// 60 rows × 5 columns of distinct values in [-1, 1] (no distance ties).
    fn base() -> Vec<f64> {
        (0..300)
            .map(|i| (f64::from(i) * 0.754_877_666_2 + 0.3).sin())
            .collect()
    }

    fn naive(x: &[f64], d: usize, k: usize, metric: Metric) -> Neighbors {
        brute::traced(
            MatRef::from_flat(x, d).unwrap(),
            None,
            &Params::new(k, metric),
            &Ctl::detached(),
        )
        .unwrap()
        .0
    }

    #[test]
    fn extreme_magnitudes_give_the_neighbours_of_the_unscaled_data() {
        let x = base();
        let ctl = Ctl::detached();
        for metric in [
            Metric::Euclidean,
            Metric::SqEuclidean,
            Metric::Cosine,
            Metric::Dot,
        ] {
            let want = naive(&x, 5, 4, metric);
            let (pw, _) = power(metric);
            // powers of two: exact, so distances are exactly the scaled ones
            for e in [-560i32, -500, 500, 510, 997] {
                let xs: Vec<f64> = x.iter().map(|&v| ldexp(v, e)).collect();
                let m = MatRef::from_flat(&xs, 5).unwrap();
                match all_points(m, &Params::new(4, metric), &ctl) {
                    Ok(got) => {
                        assert_eq!(got.indices, want.indices, "{metric:?} 2^{e}");
                        let scaled: Vec<f64> = want.distances.iter().map(|&d| ldexp(d, e * pw)).collect();
                        assert_eq!(got.distances, scaled, "{metric:?} 2^{e}");
                        let q = search(m, m.row_block(0, 7), &Params::new(4, metric), &ctl).unwrap();
                        assert_eq!(q.indices.len(), 28);
                    }
                    Err(err) => {
                        // only a distance outside the f64 range may fail, with a coded error
                        assert_eq!(pw, 2, "{metric:?} 2^{e}: {err}");
                        assert_eq!(err.code(), "ERR_OUT_OF_RANGE");
                        assert!(e.abs() * 2 >= 1000, "{metric:?} 2^{e}: {err}");
                    }
                }
            }
        }
    }

    #[test]
    fn tiny_values_are_no_longer_all_at_distance_zero() {
        // the case: at 1e-165 the squared differences underflowed to 0
        let x = base();
        let xs: Vec<f64> = x.iter().map(|&v| v * 1e-165).collect();
        let want = naive(&x, 5, 3, Metric::Euclidean);
        let got = all_points(
            MatRef::from_flat(&xs, 5).unwrap(),
            &Params::new(3, Metric::Euclidean),
            &Ctl::detached(),
        )
        .unwrap();
        assert_eq!(got.indices, want.indices);
        for (g, w) in got.distances.iter().zip(&want.distances) {
            assert!((g / 1e-165 - w).abs() <= 1e-12 * w, "{g} vs {w}");
        }
    }

    #[test]
    fn the_index_rescales_like_the_free_function() {
        let x = base();
        let ctl = Ctl::detached();
        for metric in [Metric::Euclidean, Metric::Cosine] {
            let want = naive(&x, 5, 3, metric);
            let xs: Vec<f64> = x.iter().map(|&v| ldexp(v, -565)).collect();
            let mut idx = crate::Index::<f64>::new(metric, 5).unwrap();
            idx.add(MatRef::from_flat(&xs, 5).unwrap()).unwrap();
            // all rows as queries: the point itself comes first (distance 0), then the same
            // neighbours as all-points
            let got = idx.search(MatRef::from_flat(&xs, 5).unwrap(), 4, &ctl).unwrap();
            for i in 0..60 {
                assert_eq!(got.indices[i * 4], i as u32, "{metric:?}");
                assert_eq!(
                    &got.indices[i * 4 + 1..i * 4 + 4],
                    &want.indices[i * 3..i * 3 + 3],
                    "{metric:?}"
                );
            }
        }
    }

    #[test]
    fn a_cosine_row_far_below_the_others_is_degenerate_not_wrong() {
        let mut x = base();
        for v in &mut x[10..15] {
            *v *= 1e-170;
        }
        let m = MatRef::from_flat(&x, 5).unwrap();
        let e = all_points(m, &Params::new(3, Metric::Cosine), &Ctl::detached()).unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE");
        assert!(e.to_string().contains("row 2 of corpus"), "{e}");
        let mut idx = crate::Index::<f64>::new(Metric::Cosine, 5).unwrap();
        idx.add(m).unwrap();
        let e = idx.search(m.row_block(0, 1), 3, &Ctl::detached()).unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE");
    }
}
