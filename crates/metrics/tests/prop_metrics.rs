//! Properties of the summary measures on awkward sizes: each fast path equals its naive
//! definition (pairwise cosines, O(n²) duplicate scan, per-entry occurrence count), and the
//! spectrum's trace equals the sum of the column variances.

use embgeo_core::{Ctl, MatRef, Par};
use embgeo_metrics::{anisotropy, column_stats, duplicates, hubness, spectrum};
use proptest::prelude::*;

/// `rows × cols` small integers in [-3, 3] scaled by 0.5 (many exact duplicates and zero rows).
fn small_matrix(max_rows: usize, max_cols: usize) -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
    (2..=max_rows, 1..=max_cols).prop_flat_map(|(r, c)| {
        (
            Just(r),
            Just(c),
            proptest::collection::vec((-3i32..=3).prop_map(|v| f64::from(v) * 0.5), r * c),
        )
    })
}

fn naive_cosines(x: &[f64], d: usize) -> Option<(f64, f64)> {
    let norm = |r: &[f64]| r.iter().map(|v| v * v).sum::<f64>().sqrt();
    let rows: Vec<&[f64]> = x.chunks(d).filter(|r| norm(r) > 0.0).collect();
    if rows.len() < 2 {
        return None;
    }
    let mut c = Vec::new();
    for (i, a) in rows.iter().enumerate() {
        for (j, b) in rows.iter().enumerate() {
            if i != j {
                c.push(a.iter().zip(*b).map(|(p, q)| p * q).sum::<f64>() / (norm(a) * norm(b)));
            }
        }
    }
    let mean = c.iter().sum::<f64>() / c.len() as f64;
    let var = c.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / c.len() as f64;
    Some((mean, var.sqrt()))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn anisotropy_equals_the_pairwise_definition((n, d, x) in small_matrix(30, 9), block in 1usize..8, tile in 1usize..6) {
        let p = anisotropy::Params { block_rows: block, lanes: 3, tile_rows: tile };
        let got = anisotropy::compute(MatRef::new(&x, n, d).unwrap(), &p, &Ctl::detached().with_par(Par::Seq));
        match naive_cosines(&x, d) {
            None => prop_assert_eq!(got.unwrap_err().code(), "ERR_DEGENERATE"),
            Some((mean, std)) => {
                let a = got.unwrap();
                prop_assert!((a.average_cosine - mean).abs() <= 1e-12, "{} vs {}", a.average_cosine, mean);
                // std from E[c²] − E[c]²: absolute error ≈ 1e-16 / std, so compare the variance.
                prop_assert!((a.cosine_std.powi(2) - std * std).abs() <= 1e-12, "{} vs {}", a.cosine_std, std);
                prop_assert!(a.mean_norm_ratio >= 0.0 && a.mean_norm_ratio <= 1.0 + 1e-15);
            }
        }
    }

    #[test]
    fn duplicates_equal_the_quadratic_scan((n, d, x) in small_matrix(40, 3), block in 1usize..9) {
        let r = duplicates::compute(MatRef::new(&x, n, d).unwrap(), &duplicates::Params { block_rows: block }, &Ctl::detached())
            .unwrap();
        let rows: Vec<&[f64]> = x.chunks(d).collect();
        let mut count = 0;
        for i in 0..n {
            let first = (0..=i).find(|&j| rows[j] == rows[i]).unwrap();
            prop_assert_eq!(r.first_of[i] as usize, first);
            count += usize::from(first != i);
        }
        prop_assert_eq!(r.count, count);
        prop_assert_eq!(r.unique, n - count);
        let groups = (0..n).filter(|&i| r.first_of[i] as usize == i && r.first_of.iter().filter(|&&f| f as usize == i).count() > 1).count();
        prop_assert_eq!(r.groups, groups);
    }

    #[test]
    fn hubness_equals_direct_counting(rows in 1usize..60, k in 1usize..6, extra in 0usize..5, seed in any::<u64>(), block in 1usize..10) {
        let n = rows + extra;
        let mut s = seed | 1;
        let idx: Vec<u32> = (0..rows * k)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                (s % n as u64) as u32
            })
            .collect();
        let p = hubness::Params { block_rows: block, ..hubness::Params::default() };
        let h = hubness::compute(&idx, rows, k, n, &p, &Ctl::detached()).unwrap();
        let mut occ = vec![0u32; n];
        for &j in &idx {
            occ[j as usize] += 1;
        }
        prop_assert_eq!(&h.occurrences, &occ);
        let mean = (rows * k) as f64 / n as f64;
        let rh = 0.5 * occ.iter().map(|&c| (f64::from(c) - mean).abs()).sum::<f64>() / (rows * k) as f64;
        prop_assert!((h.robinhood - rh).abs() <= 1e-12);
        prop_assert_eq!(h.anti_hubs, occ.iter().filter(|&&c| c == 0).count());
        prop_assert_eq!(h.hubs, occ.iter().filter(|&&c| c as usize >= 2 * k).count());
        prop_assert!(h.skewness.is_finite());
    }

    #[test]
    fn spectrum_trace_equals_the_column_variances((n, d, x) in small_matrix(25, 7)) {
        let ctl = Ctl::detached();
        let m = MatRef::new(&x, n, d).unwrap();
        let cs = column_stats::compute(m, &column_stats::Params { ddof: 1, ..column_stats::Params::default() }, &ctl).unwrap();
        let trace: f64 = cs.variance.iter().sum();
        match spectrum::compute(m, &spectrum::Params::default(), &ctl) {
            Err(e) => {
                prop_assert_eq!(e.code(), "ERR_DEGENERATE");
                prop_assert!(trace == 0.0);
            }
            Ok(s) => {
                prop_assert!((s.total_variance - trace).abs() <= 1e-10 * trace, "{} vs {}", s.total_variance, trace);
                prop_assert!(s.rank <= d.min(n - 1));
                prop_assert!(s.effective_rank >= 1.0 - 1e-12 && s.effective_rank <= s.rank as f64 + 1e-9);
                prop_assert!(s.participation_ratio >= 1.0 - 1e-12 && s.participation_ratio <= s.rank as f64 + 1e-9);
                prop_assert!(s.eigenvalues.windows(2).all(|w| w[0] >= w[1]));
            }
        }
    }

    #[test]
    fn effective_rank_is_scale_and_order_invariant(v in proptest::collection::vec(0.0f64..10.0, 1..20), c in 1e-3f64..1e3) {
        prop_assume!(v.iter().any(|x| *x > 0.0));
        let e = spectrum::effective_rank(&v).unwrap();
        let scaled: Vec<f64> = v.iter().rev().map(|x| x * c).collect();
        prop_assert!((spectrum::effective_rank(&scaled).unwrap() - e).abs() <= 1e-12 * e);
        let positive = v.iter().filter(|x| **x > 0.0).count() as f64;
        prop_assert!(e >= 1.0 - 1e-12 && e <= positive + 1e-9);
    }
}
