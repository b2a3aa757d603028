//! Sequential (thread-count independent) SVD via `embgeo_core::linalg`, shared by lPCA and
//! FisherS.

use embgeo_core::{Element, Error, MatRef, Result};
use faer::Mat;

/// Column-centred copy of `rows` of `x` (all rows if `rows` is None) as an f64 faer matrix.
pub(crate) fn centered<T: Element>(x: &MatRef<'_, T>, rows: Option<&[u32]>) -> Mat<f64> {
    let d = x.cols();
    let n = rows.map_or(x.rows(), <[u32]>::len);
    let row = |i: usize| -> &[T] {
        match rows {
            Some(r) => x.row(r[i] as usize),
            None => x.row(i),
        }
    };
    let mut mean = vec![0.0f64; d];
    for i in 0..n {
        for (m, v) in mean.iter_mut().zip(row(i)) {
            *m += v.to_f64();
        }
    }
    for m in &mut mean {
        *m /= n as f64;
    }
    Mat::from_fn(n, d, |i, j| row(i)[j].to_f64() - mean[j])
}

/// Singular values (descending) and, if asked, the thin right singular vectors (D × min(n, D)),
/// sequentially through [`embgeo_core::linalg::thin_svd`].
pub(crate) fn svd_seq(a: &Mat<f64>, want_v: bool) -> Result<(Vec<f64>, Option<Mat<f64>>)> {
    embgeo_core::linalg::thin_svd(a.as_ref(), want_v, faer::Par::Seq).map_err(|e| match e {
        // Non-convergence has always been reported as a degenerate input here.
        Error::Internal(m) => Error::Degenerate(m),
        e => e,
    })
}

/// `A·Aᵀ` (m × m) of an m × n view, one sequential faer GEMM (the bits do not depend on the
/// pool). m²·n multiply-adds; the returned m² f64.
///
/// With m not a multiple of 8, faer's last 8-row panel also multiplies stale packing-buffer
/// lanes; their bits can be subnormal f64 (a microcode assist per FMA). lPCA's column-major
/// blocks hit this (repeated calls 2–3× slower) and pad `a` with zero rows first; ESS's
/// row-major blocks measured no slowdown, and padding them cost 20 %.
pub(crate) fn gram_seq(a: faer::MatRef<'_, f64>) -> Mat<f64> {
    let mut g = Mat::<f64>::zeros(a.nrows(), a.nrows());
    faer::linalg::matmul::matmul(
        g.as_mut(),
        faer::Accum::Replace,
        a,
        a.transpose(),
        1.0,
        faer::Par::Seq,
    );
    g
}
