//! CKNNA (Huh et al. 2024, platonic-rep `cknna` with `unbiased=True`): centred kernel alignment
//! restricted to mutual-neighbour pairs.
//!
//! With linear kernels K (of A) and L (of B) and a mask M (`M_ij = 1` when j is among the k
//! nearest neighbours of i), `sim(K, L) = HSIC_u(M∘K, M∘L)`, the unbiased HSIC of Song et al.
//! 2012 (eq. 5; diagonals are 0 since self is excluded):
//!
//! `HSIC_u(X, Y) = [Σᵢⱼ XᵢⱼYⱼᵢ + (ΣX)(ΣY)/((N−1)(N−2)) − 2/(N−2)·Σₗ colₗ(X)·rowₗ(Y)] / (N(N−3))`
//!
//! and `CKNNA = sim(K, L) / √(sim(K, K)·sim(L, L))`, the masks being A∩B, A and B. The
//! repository adds 1e-6 to the denominator (a guard whose effect depends on the scale of the
//! data); it is omitted here, and the value is NaN when a self-term is not positive.
//!
//! Every masked matrix has k entries per row, so each sum is O(N·k·log k) (the transposed
//! entry `Yⱼᵢ` by binary search in row j); f64 sums in row order.

/// A masked matrix: per row, ascending `(column, X value, Y value)`.
type Masked = Vec<Vec<(u32, f64, f64)>>;

/// CKNNA of the neighbour sets `sets_a`, `sets_b` (N × k, rows ascending) with the kernel
/// values of each (row, neighbour) pair in the same layout (`kv` for A, `lv` for B).
pub(super) fn cknna(n: usize, k: usize, (sa, kv): (&[u32], &[f64]), (sb, lv): (&[u32], &[f64])) -> f64 {
    let row = |s: &[u32], v: &[f64], i: usize| -> Vec<(u32, f64, f64)> {
        (i * k..(i + 1) * k).map(|t| (s[t], v[t], v[t])).collect()
    };
    let both: Masked = (0..n)
        .map(|i| {
            let (ra, rb) = (row(sa, kv, i), row(sb, lv, i));
            ra.iter()
                .filter_map(|&(j, x, _)| rb.binary_search_by_key(&j, |e| e.0).ok().map(|q| (j, x, rb[q].1)))
                .collect()
        })
        .collect();
    let only_a: Masked = (0..n).map(|i| row(sa, kv, i)).collect();
    let only_b: Masked = (0..n).map(|i| row(sb, lv, i)).collect();
    let kl = hsic(n, &both);
    let kk = hsic(n, &only_a);
    let ll = hsic(n, &only_b);
    if kk > 0.0 && ll > 0.0 {
        kl / (kk * ll).sqrt()
    } else {
        f64::NAN
    }
}

/// The unbiased HSIC of the two matrices held in `m` (X in `.1`, Y in `.2`), N ≥ 4.
fn hsic(n: usize, m: &Masked) -> f64 {
    let mut trace = 0.0; // Σᵢⱼ Xᵢⱼ·Yⱼᵢ
    let (mut sum_x, mut sum_y) = (0.0, 0.0);
    let mut col_x = vec![0.0f64; n];
    let mut row_y = vec![0.0f64; n];
    for (i, r) in m.iter().enumerate() {
        for &(j, x, y) in r {
            let j = j as usize;
            sum_x += x;
            sum_y += y;
            col_x[j] += x;
            row_y[i] += y;
            if let Ok(q) = m[j].binary_search_by_key(&(i as u32), |e| e.0) {
                trace += x * m[j][q].2;
            }
        }
    }
    let cross: f64 = col_x.iter().zip(&row_y).map(|(c, r)| c * r).sum();
    let nf = n as f64;
    (trace + sum_x * sum_y / ((nf - 1.0) * (nf - 2.0)) - 2.0 * cross / (nf - 2.0)) / (nf * (nf - 3.0))
}
