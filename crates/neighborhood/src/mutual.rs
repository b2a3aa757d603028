//! Mutual k-nearest-neighbour alignment (Huh, Cheung, Wang, Isola 2024, "The Platonic
//! Representation Hypothesis", ICML; repository minyoungg/platonic-rep, `metrics.py`), CKNNA
//! and the per-row neighbour Jaccard index.
//!
//! - mutual k-NN = (1/N) Σᵢ `|N_A(i) ∩ N_B(i)|` / k, with N(i) the k nearest other rows (self
//!   excluded by index, ties to the lower index: the kNN engine's rule);
//! - Jaccard(i) = `|N_A(i) ∩ N_B(i)| / |N_A(i) ∪ N_B(i)|` = c / (2k − c);
//! - CKNNA (see [`crate::mutual::cknna`]): centred kernel alignment restricted to the pairs
//!   (i, j) with j a neighbour of i in both spaces.
//!
//! The repository ranks neighbours by the inner product of L2-normalised features, which is
//! the cosine metric here (the default); other metrics rank by their own distance.

mod cknna;

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Element, Pair, Result};
use embgeo_knn::Metric;

use crate::common::{chunk_rows, k_metric_params, Graphs, Keyed};

k_metric_params!(
    /// Options (camelCase from the binding; defaults = the repository's usage: k = 10, cosine).
    Params;
    /// Neighbours per row, `1 ≤ k < N` (CKNNA needs k ≥ 2). Default 10.
    k: 10,
    /// Distance in both spaces. Default cosine.
    metric: Metric::Cosine,
);

/// Mutual k-NN alignment, CKNNA and the per-row Jaccard indices.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutual {
    /// Mean over rows of `|N_A(i) ∩ N_B(i)|` / k, in [0, 1]; 1 for identical neighbourhoods.
    pub value: f64,
    /// CKNNA in [−1, 1] (1 for identical sets); NaN when undefined: k < 2, N < 4, or a
    /// self-similarity term that is not positive.
    pub cknna: f64,
    /// Per row, `|N_A(i) ∩ N_B(i)| / |N_A(i) ∪ N_B(i)|` (N values).
    pub jaccard: Vec<f64>,
    /// Per row, `|N_A(i) ∩ N_B(i)|` (N values, each ≤ k).
    pub intersections: Vec<u32>,
    /// N, the rows.
    pub rows: usize,
}

/// Mutual k-NN alignment of two representations of the same N items, with CKNNA and the
/// per-row Jaccard index of the neighbour sets.
///
/// # Shapes and types
/// `a`: N × `d_A`, `b`: N × `d_B` (widths and element types may differ), N ≥ 2. Computed in f64.
/// # Cost
/// Time: two exact kNN graphs (2·N²·d FLOPs each, GEMM tiles) + `O(N·k·(d_A + d_B + log k))`
/// for the kernel values and intersections. Extra memory: the two graphs (N·k·12 bytes each)
/// + N·k·(8 + 8) bytes of sorted sets and kernel values + 2N f64 sums; no N × N buffer.
/// # Determinism
/// Bit-identical for every `ctl.par` (sums in row order).
/// # Errors
/// `Shape` (row counts differ), `Empty` (N < 2, no columns), `NonFinite`, `OutOfRange` (k = 0),
/// `KTooLarge` (k ≥ N), `Degenerate` (zero row under cosine), `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// platonic-rep `mutual_knn` / `cknna` (numpy transcription in
/// `scripts/reference/neighborhood.py`); fixtures `neighborhood/mutual-*` at rtol 1e-10.
pub fn compute<A: Element, B: Element>(x: Pair<'_, A, B>, p: &Params, ctl: &Ctl<'_>) -> Result<Mutual> {
    let Pair { a, b } = x;
    let pair = Graphs::new(x, p.k, p.metric, "mutual k-NN", ctl)?;
    let (n, k) = (a.rows(), p.k);
    let sets_a = sorted_sets(&pair.knn_a.indices, k);
    let sets_b = sorted_sets(&pair.knn_b.indices, k);
    let intersections: Vec<u32> = (0..n)
        .map(|i| intersection(&sets_a[i * k..(i + 1) * k], &sets_b[i * k..(i + 1) * k]))
        .collect();
    let total: u64 = intersections.iter().map(|&c| u64::from(c)).sum();
    let jaccard = intersections
        .iter()
        .map(|&c| f64::from(c) / (2 * k - c as usize) as f64)
        .collect();
    let cknna = if k < 2 || n < 4 {
        f64::NAN
    } else {
        let kv = kernel_values(&pair.a, &sets_a, k, a.cols(), ctl)?;
        let lv = kernel_values(&pair.b, &sets_b, k, b.cols(), ctl)?;
        cknna::cknna(n, k, (&sets_a, &kv), (&sets_b, &lv))
    };
    Ok(Mutual {
        // the repository: mean over rows of c/k, i.e. (Σc / N) / k
        value: total as f64 / n as f64 / k as f64,
        cknna,
        jaccard,
        intersections,
        rows: n,
    })
}

/// The neighbour lists, each row's `k` indices sorted ascending.
fn sorted_sets(indices: &[u32], k: usize) -> Vec<u32> {
    let mut s = indices.to_vec();
    for row in s.chunks_exact_mut(k) {
        row.sort_unstable();
    }
    s
}

/// |x ∩ y| of two ascending index lists.
fn intersection(x: &[u32], y: &[u32]) -> u32 {
    let (mut i, mut j, mut c) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                c += 1;
                i += 1;
                j += 1;
            }
        }
    }
    c
}

/// The kernel value of every (row, neighbour) pair of `sets`, in the same layout.
fn kernel_values<T: Element>(
    x: &Keyed<'_, T>,
    sets: &[u32],
    k: usize,
    d: usize,
    ctl: &Ctl<'_>,
) -> Result<Vec<f64>> {
    let n = sets.len() / k;
    let parts = map_chunks(ctl, "kernel", n, chunk_rows(k * d), |rows| {
        Ok(rows
            .flat_map(|i| sets[i * k..(i + 1) * k].iter().map(move |&j| (i, j as usize)))
            .map(|(i, j)| x.kernel(i, j))
            .collect::<Vec<f64>>())
    })?;
    Ok(parts.concat())
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values are what these tests check
mod tests {
    use super::*;
    use crate::common::wave;
    use embgeo_core::MatRef;

    #[test]
    fn identical_sets_align_perfectly() {
        let a = wave(50, 6, 0.0, 0.5);
        let m = MatRef::from_flat(&a, 6).unwrap();
        for metric in [Metric::Cosine, Metric::Euclidean, Metric::Dot] {
            let r = compute(Pair::new(m, m), &Params { k: 5, metric }, &Ctl::detached()).unwrap();
            assert_eq!(r.value, 1.0, "{metric:?}");
            assert!(r.jaccard.iter().all(|&j| j == 1.0));
            assert!((r.cknna - 1.0).abs() < 1e-12, "{metric:?}: {}", r.cknna);
        }
    }

    #[test]
    fn f32_and_f64_copies_of_the_same_values_agree() {
        let a = wave(40, 5, 0.0, 0.5);
        let b = wave(40, 3, 3.0, 0.5);
        let bf: Vec<f32> = b.iter().map(|&v| v as f32).collect();
        let b64: Vec<f64> = bf.iter().map(|&v| f64::from(v)).collect();
        let p = Params::new(4, Metric::Euclidean);
        let ctl = Ctl::detached();
        let ma = MatRef::from_flat(&a, 5).unwrap();
        let x = compute(Pair::new(ma, MatRef::from_flat(&bf, 3).unwrap()), &p, &ctl).unwrap();
        let y = compute(Pair::new(ma, MatRef::from_flat(&b64, 3).unwrap()), &p, &ctl).unwrap();
        assert_eq!(x, y);
    }

    #[test]
    fn jaccard_and_value_count_the_shared_neighbours() {
        // 1-D sets: A orders by position, B reverses a block; counts checked by hand
        let a = [0.0, 1.0, 2.0, 3.0, 10.0, 11.0];
        let b = [0.0, 1.0, 2.0, 3.0, 10.0, 11.0];
        let ctl = Ctl::detached();
        let r = compute(
            Pair::new(
                MatRef::from_flat(&a, 1).unwrap(),
                MatRef::from_flat(&b, 1).unwrap(),
            ),
            &Params::new(1, Metric::Euclidean),
            &ctl,
        )
        .unwrap();
        assert_eq!(r.intersections, vec![1; 6]);
        assert!(r.cknna.is_nan(), "k = 1 leaves CKNNA undefined");
        assert_eq!(intersection(&[1, 3, 5, 7], &[2, 3, 7, 8]), 2);
    }

    #[test]
    fn any_parallelism_gives_the_same_bits() {
        let (a, b) = (wave(300, 7, 0.0, 0.5), wave(300, 4, 5.0, 0.5));
        let (ma, mb) = (
            MatRef::from_flat(&a, 7).unwrap(),
            MatRef::from_flat(&b, 4).unwrap(),
        );
        let p = Params::default();
        let par = compute(Pair::new(ma, mb), &p, &Ctl::detached()).unwrap();
        let seq = compute(
            Pair::new(ma, mb),
            &p,
            &Ctl::detached().with_par(embgeo_core::Par::Seq),
        )
        .unwrap();
        assert_eq!(par, seq);
        assert!(par.cknna.is_finite());
    }

    #[test]
    fn k_at_least_n_is_too_large() {
        let a = wave(6, 2, 0.0, 0.5);
        let m = MatRef::from_flat(&a, 2).unwrap();
        let e = compute(Pair::new(m, m), &Params::new(6, Metric::Cosine), &Ctl::detached()).unwrap_err();
        assert_eq!(e.code(), "ERR_K_TOO_LARGE");
    }
}
