//! The one wrapper of faer's dense decompositions for the workspace: symmetric
//! eigendecomposition and thin SVD, on `f64`, with an explicit `faer::Par` (never faer's global
//! parallelism), fallible allocation of every output and workspace, and the dense-size rule of
//! [`crate::dense`] checked first.
//!
//! Callers pass `faer::Par::Seq` wherever results must be bit-identical across thread counts
//! (faer's parallel eigensolver and SVD are not).

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::evd::{self_adjoint_evd, self_adjoint_evd_scratch, ComputeEigenvectors};
use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors};
use faer::{Mat, MatRef};

use crate::dense::{check_square, too_large};
use crate::{Error, Par, Result};

/// faer's parallelism for a [`Par`]: the current rayon pool, or the calling thread.
///
/// On WebAssembly faer is built without its `rayon` feature (its `spindle` pool does not build
/// for `wasm32-wasip1-threads`), so faer's own kernels run on the calling thread there; embgeo's
/// loops around them still use the rayon pool.
#[must_use]
pub fn faer_par(par: Par) -> faer::Par {
    match par {
        Par::Seq => faer::Par::Seq,
        #[cfg(not(target_family = "wasm"))]
        Par::Rayon => faer::Par::rayon(0),
        #[cfg(target_family = "wasm")]
        Par::Rayon => faer::Par::Seq,
    }
}

/// What an eigen/SVD call says when its dense buffers are over the limit or refused.
pub(crate) const METHOD: &str = "the eigendecomposition / SVD";
pub(crate) const FIX: &str = "use fewer features (or rows), or a method that works on the n × d data";

/// A zero-filled `rows × cols` faer matrix, allocated fallibly (same layout as `Mat::zeros`).
#[must_use]
pub fn try_mat_zeros<T: Copy + Default>(rows: usize, cols: usize) -> Option<Mat<T>> {
    let mut m = Mat::<T>::new();
    m.try_reserve(rows, cols).ok()?;
    m.resize_with(rows, cols, |_, _| T::default());
    Some(m)
}

pub(crate) fn mat(rows: usize, cols: usize, side: usize) -> Result<Mat<f64>> {
    try_mat_zeros(rows, cols).ok_or_else(|| too_large("X", side, METHOD, FIX, true))
}

pub(crate) fn workspace(req: faer::dyn_stack::StackReq, side: usize) -> Result<MemBuffer> {
    MemBuffer::try_new(req).map_err(|_| too_large("X", side, METHOD, FIX, true))
}

/// Eigendecomposition of a symmetric `d × d` matrix (row-major, both triangles filled; faer
/// reads the lower one).
///
/// # Shapes and types
/// `a`: `d·d` f64. Returns the eigenvalues in decreasing order (faer's ascending order
/// reversed) and, if `vectors`, the eigenvectors as the rows of a `d × d` row-major buffer (row
/// `i` belongs to value `i`; empty otherwise).
/// # Cost
/// ≈ 4d³ flops with vectors (≈ (4/3)d³ without); extra memory d² f64 (vectors) + faer's
/// workspace (≈ d² f64) + the returned d² f64.
/// # Errors
/// `OutOfRange` ([`crate::dense`]) when d² f64 is over the limit or an allocation is refused;
/// `Internal` if the eigensolver does not converge.
/// # Panics
/// Never (`a.len()` must be `d·d`; a mismatch is an `Internal` error).
pub fn eigh_desc(a: &[f64], d: usize, vectors: bool, par: faer::Par) -> Result<(Vec<f64>, Vec<f64>)> {
    check_square("X.cols", d, METHOD, FIX)?;
    if a.len() != d * d {
        return Err(Error::Internal(format!(
            "eigh_desc: {} values for a {d} × {d} matrix",
            a.len()
        )));
    }
    let am = MatRef::from_row_major_slice(a, d, d);
    let mut s = faer::diag::Diag::<f64>::zeros(d);
    let mut u = if vectors { Some(mat(d, d, d)?) } else { None };
    let cv = if vectors {
        ComputeEigenvectors::Yes
    } else {
        ComputeEigenvectors::No
    };
    let mut mem = workspace(
        self_adjoint_evd_scratch::<f64>(d, cv, par, faer::Spec::default()),
        d,
    )?;
    self_adjoint_evd(
        am,
        s.as_mut(),
        u.as_mut().map(Mat::as_mut),
        par,
        MemStack::new(&mut mem),
        faer::Spec::default(),
    )
    .map_err(|e| Error::Internal(format!("symmetric eigendecomposition did not converge ({e:?})")))?;
    drop(mem);
    let values: Vec<f64> = s.column_vector().iter().rev().copied().collect();
    let mut rows = Vec::new();
    if let Some(u) = u {
        rows.try_reserve_exact(d * d)
            .map_err(|_| too_large("X", d, METHOD, FIX, true))?;
        for j in (0..d).rev() {
            rows.extend(u.col(j).iter().copied());
        }
    }
    Ok((values, rows))
}

/// Parallel split of [`fixed_split`]: faer's parallel eigensolver and SVD cut each
/// tridiagonal / bidiagonal update into this many column ranges and add their partial sums in
/// range order, and their products split the output, so their bits depend on this number and
/// never on the threads that run the parts. Eight keeps machines of up to 8 cores busy; on fewer,
/// the parts queue (measured at d = 1536 on 2 threads: 8 parts run as fast as 2).
#[cfg(not(target_family = "wasm"))]
pub const SPLIT: usize = 8;

/// Run a faer decomposition `f` in parallel with results that are bit-identical for every
/// thread count and every `par`: `f` gets `faer::Par::rayon(SPLIT)`.
///
/// `Par::Rayon` runs it on the current rayon pool; `Par::Seq` runs the same split on a
/// one-thread pool started for the call (so a caller on a thread outside every pool, e.g. the
/// JS thread, never touches rayon's global pool). On WebAssembly faer has no parallel path and
/// `f` gets `faer::Par::Seq`.
/// # Cost
/// `f`'s; `Par::Seq` adds one thread start (≈ 0.1 ms).
/// # Errors
/// `f`'s, and `Internal` if the one-thread pool of `Par::Seq` cannot start.
pub fn fixed_split<R: Send>(par: Par, f: impl FnOnce(faer::Par) -> Result<R> + Send) -> Result<R> {
    #[cfg(target_family = "wasm")]
    {
        let _ = par;
        f(faer::Par::Seq)
    }
    #[cfg(not(target_family = "wasm"))]
    {
        let split = faer::Par::rayon(SPLIT);
        match par {
            Par::Rayon => f(split),
            Par::Seq => rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(|_| "embgeo-linalg".into())
                .build()
                .map_err(|e| Error::Internal(format!("could not start the decomposition's thread ({e})")))?
                .install(|| f(split)),
        }
    }
}

/// [`eigh_desc`] through [`fixed_split`]: parallel, bit-identical for every thread count and
/// every `par`.
/// # Cost
/// As [`eigh_desc`]; at d = 1536 on 2 threads about half the sequential time (0.67 s against
/// 1.24 s measured in one run).
/// # Determinism
/// Bit-identical for pools of 1, 2 and 3 threads and for both `par` (tested); the bits differ
/// from [`eigh_desc`] with `faer::Par::Seq` in the last places.
/// # Errors
/// As [`eigh_desc`] and [`fixed_split`].
/// # Panics
/// Never on any input.
pub fn eigh_desc_det(a: &[f64], d: usize, vectors: bool, par: Par) -> Result<(Vec<f64>, Vec<f64>)> {
    fixed_split(par, |p| eigh_desc(a, d, vectors, p))
}

/// Thin SVD of an `m × n` matrix: singular values (decreasing) and, if `vectors`, the thin
/// right singular vectors `V` (`n × min(m, n)`, column j belongs to value j).
///
/// # Shapes and types
/// `a`: any faer view of f64 (row- or column-major).
/// # Cost
/// O(m·n·min(m, n)) flops; extra memory faer's workspace (O((m + n)·min(m, n)) plus
/// min(m, n)² f64) and the returned `n × min(m, n)` f64.
/// # Errors
/// `OutOfRange` ([`crate::dense`]) when min(m, n)² f64 is over the limit or an allocation is
/// refused; `Internal` if the SVD does not converge.
/// # Panics
/// Never.
pub fn thin_svd(a: MatRef<'_, f64>, vectors: bool, par: faer::Par) -> Result<(Vec<f64>, Option<Mat<f64>>)> {
    let (m, n) = (a.nrows(), a.ncols());
    let r = m.min(n);
    check_square("X", r, METHOD, FIX)?;
    let mut s = faer::diag::Diag::<f64>::zeros(r);
    let mut v = if vectors { Some(mat(n, r, r)?) } else { None };
    let cv = if vectors {
        ComputeSvdVectors::Thin
    } else {
        ComputeSvdVectors::No
    };
    let req = svd_scratch::<f64>(m, n, ComputeSvdVectors::No, cv, par, faer::Spec::default());
    let mut mem = workspace(req, r)?;
    svd(
        a,
        s.as_mut(),
        None,
        v.as_mut().map(Mat::as_mut),
        par,
        MemStack::new(&mut mem),
        faer::Spec::default(),
    )
    .map_err(|e| Error::Internal(format!("SVD did not converge ({e:?})")))?;
    Ok((s.column_vector().iter().copied().collect(), v))
}

/// Thin SVD with both factors: `a = U · diag(s) · Vᵀ` for an `m × n` matrix, `r = min(m, n)`.
///
/// # Shapes and types
/// `a`: any faer view of f64. Returns the singular values (decreasing, length r), `U`
/// (`m × r`) and `V` (`n × r`), column j of each belonging to value j.
/// # Cost
/// O(m·n·r) flops; extra memory faer's workspace (O((m + n)·r) plus r² f64) and the returned
/// `(m + n)·r` f64.
/// # Errors
/// `OutOfRange` ([`crate::dense`]) when r² f64 is over the limit or an allocation is refused;
/// `Internal` if the SVD does not converge.
/// # Panics
/// Never.
pub fn thin_svd_uv(a: MatRef<'_, f64>, par: faer::Par) -> Result<(Vec<f64>, Mat<f64>, Mat<f64>)> {
    let (m, n) = (a.nrows(), a.ncols());
    let r = m.min(n);
    check_square("X", r, METHOD, FIX)?;
    let mut s = faer::diag::Diag::<f64>::zeros(r);
    let mut u = mat(m, r, r)?;
    let mut v = mat(n, r, r)?;
    let thin = ComputeSvdVectors::Thin;
    let mut mem = workspace(
        svd_scratch::<f64>(m, n, thin, thin, par, faer::Spec::default()),
        r,
    )?;
    svd(
        a,
        s.as_mut(),
        Some(u.as_mut()),
        Some(v.as_mut()),
        par,
        MemStack::new(&mut mem),
        faer::Spec::default(),
    )
    .map_err(|e| Error::Internal(format!("SVD did not converge ({e:?})")))?;
    Ok((s.column_vector().iter().copied().collect(), u, v))
}

/// A dense symmetric `d × d` test matrix (row-major, diagonally shifted), the input of this
/// module's and [`crate::eigh_top`]'s eigensolver tests.
#[cfg(test)]
pub(crate) fn symmetric(d: usize) -> Vec<f64> {
    let mut a = vec![0.0f64; d * d];
    for i in 0..d {
        for j in 0..=i {
            let v = (((i * 31 + j * 17) % 97) as f64 - 48.0) / 50.0 + if i == j { 3.0 } else { 0.0 };
            a[i * d + j] = v;
            a[j * d + i] = v;
        }
    }
    a
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // exact values of diagonal inputs are what these tests check
mod tests {
    use super::*;

    #[test]
    fn eigh_of_a_diagonal_is_sorted_down() {
        let a = [1.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 2.0];
        let (v, u) = eigh_desc(&a, 3, true, faer::Par::Seq).unwrap();
        assert_eq!(v, vec![3.0, 2.0, 1.0]);
        assert_eq!(u[1].abs(), 1.0);
        let (w, none) = eigh_desc(&a, 3, false, faer::Par::Seq).unwrap();
        assert_eq!(w, v);
        assert!(none.is_empty());
    }

    #[test]
    fn oversized_inputs_are_coded_errors_before_any_allocation() {
        // 20,000² f64 = 3.2 GB: refused by the rule without touching `a`.
        let e = eigh_desc(&[], 20_000, false, faer::Par::Seq).unwrap_err();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{e}");
        assert!(e.to_string().contains("20,000 × 20,000"), "{e}");
        let e = eigh_desc(&[1.0; 3], 2, false, faer::Par::Seq).unwrap_err();
        assert_eq!(e.code(), "ERR_INTERNAL");
    }

    #[test]
    fn the_deterministic_eigh_is_bit_identical_for_every_pool_and_par() {
        // d = 400 is above faer's parallel threshold (the tridiagonal update goes parallel once
        // (d − k)²/2 ≥ 49,152, i.e. for the first ~86 steps here).
        let d = 400;
        let a = symmetric(d);
        let seq = eigh_desc_det(&a, d, true, Par::Seq).unwrap();
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let par = pool.install(|| eigh_desc_det(&a, d, true, Par::Rayon)).unwrap();
            let same = seq
                .0
                .iter()
                .chain(&seq.1)
                .zip(par.0.iter().chain(&par.1))
                .all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "threads = {threads}");
        }
        // The same decomposition as the sequential solver, up to rounding.
        let plain = eigh_desc(&a, d, false, faer::Par::Seq).unwrap();
        let top = plain.0[0].abs();
        for (x, y) in seq.0.iter().zip(&plain.0) {
            assert!((x - y).abs() <= 1e-12 * top, "{x} vs {y}");
        }
    }

    #[test]
    fn the_svd_under_fixed_split_is_bit_identical_for_every_pool_and_par() {
        let (m, n) = (420, 380);
        let a = Mat::from_fn(m, n, |i, j| {
            (((i * 31 + j * 17) % 97) as f64 - 48.0) / 50.0 + if i == j { 3.0 } else { 0.0 }
        });
        let run = |par| fixed_split(par, |p| thin_svd_uv(a.as_ref(), p)).unwrap();
        let seq = run(Par::Seq);
        let bits = |r: &(Vec<f64>, Mat<f64>, Mat<f64>)| -> Vec<u64> {
            let mut out: Vec<u64> = r.0.iter().map(|v| v.to_bits()).collect();
            for m in [&r.1, &r.2] {
                for j in 0..m.ncols() {
                    out.extend(m.col(j).iter().map(|v| v.to_bits()));
                }
            }
            out
        };
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let par = pool.install(|| run(Par::Rayon));
            assert!(bits(&seq) == bits(&par), "threads = {threads}");
        }
    }

    #[test]
    fn svd_values_and_vectors() {
        let a = Mat::from_fn(3, 2, |i, j| if i == j { (2 - j) as f64 } else { 0.0 });
        let (s, v) = thin_svd(a.as_ref(), true, faer::Par::Seq).unwrap();
        assert_eq!(s, vec![2.0, 1.0]);
        let v = v.unwrap();
        assert_eq!((v.nrows(), v.ncols()), (2, 2));
        assert_eq!(v[(0, 0)].abs(), 1.0);
        assert!(try_mat_zeros::<f64>(1 << 40, 1 << 30).is_none());
    }

    #[test]
    fn svd_with_both_factors_reconstructs() {
        let a = Mat::from_fn(4, 3, |i, j| ((i * 3 + j) as f64).sin());
        let (s, u, v) = thin_svd_uv(a.as_ref(), faer::Par::Seq).unwrap();
        assert_eq!((u.nrows(), u.ncols(), v.nrows(), v.ncols()), (4, 3, 3, 3));
        for i in 0..4 {
            for j in 0..3 {
                let r: f64 = (0..3).map(|k| u[(i, k)] * s[k] * v[(j, k)]).sum();
                assert!((r - a[(i, j)]).abs() < 1e-12);
            }
        }
    }
}
