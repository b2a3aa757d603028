//! Sequential (thread-count independent) SVD via faer, shared by lPCA and FisherS.

use embgeo_core::{Element, Error, MatRef, Result};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
use faer::{Mat, Par};

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

/// Singular values (descending) and, if asked, the thin right singular vectors (D × min(n, D)).
pub(crate) fn svd_seq(a: &Mat<f64>, want_v: bool) -> Result<(Vec<f64>, Option<Mat<f64>>)> {
    let (m, n) = (a.nrows(), a.ncols());
    let size = m.min(n);
    let mut s = faer::diag::Diag::<f64>::zeros(size);
    let cv = if want_v {
        ComputeSvdVectors::Thin
    } else {
        ComputeSvdVectors::No
    };
    let mut v = want_v.then(|| Mat::<f64>::zeros(n, size));
    let mut buf = MemBuffer::new(svd_scratch::<f64>(
        m,
        n,
        ComputeSvdVectors::No,
        cv,
        Par::Seq,
        faer::Spec::default(),
    ));
    svd(
        a.as_ref(),
        s.as_mut(),
        None,
        v.as_mut().map(Mat::as_mut),
        Par::Seq,
        MemStack::new(&mut buf),
        faer::Spec::default(),
    )
    .map_err(|e| Error::Degenerate(format!("SVD did not converge: {e:?}")))?;
    let sv: Vec<f64> = s.column_vector().iter().copied().collect();
    Ok((sv, v))
}
