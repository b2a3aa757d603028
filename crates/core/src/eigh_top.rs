//! Symmetric eigendecomposition in two steps: all eigenvalues first, then only the leading
//! eigenvectors a caller asks for (PCA's `nComponents = k`, all-but-the-top's `remove`).
//!
//! [`Tridiagonal::new`] runs the first two stages of faer's `self_adjoint_evd` — the Householder
//! reduction to a tridiagonal `T = Qᵀ A Q` and the divide-and-conquer eigendecomposition
//! `T = Z Λ Zᵀ` — and keeps `Q` (as its reflectors) and `Z`. [`Tridiagonal::vectors`] then
//! forms `Q·z_j` for the `k` leading columns only: `2·d²·k` flops instead of the `2·d³` of the
//! full back-transformation (`embgeo-pca`'s `examples/bench_pca` at 100,000 × 1536, 2 threads,
//! medians of 5: the covariance's eigendecomposition 0.41 s with all vectors, 0.34 s with the
//! 32 leading ones; the reduction to tridiagonal form, about 0.18 s, is most of the rest).
//! With `k = d` the calls, their order and their parallel split are those of `self_adjoint_evd`,
//! so the result has the bits of [`crate::linalg::eigh_desc_det`] (tested).
//!
//! Measured and not kept (d = 1536, k = 32, 2 threads, a Xeon model 207 with AVX-512):
//! - the eigenvalues alone by faer's tridiagonal QR (0.07 s against the divide and conquer's
//!   0.13–0.16 s), then `k` vectors by inverse iteration: at most about 0.06 s to gain, and the
//!   values' bits would change against the `k = d` path;
//! - a certified block Krylov solver for the `k` leading pairs, which skips the reduction: blocks
//!   of 40 seeded vectors, Rayleigh–Ritz on `QᵀAQ`, explicit residuals `‖A·v − θ·v‖ ≤ 2⁻⁴⁴·θ₁`,
//!   and a Cholesky factorisation of `σI − (A − VΘVᵀ)` proving that no larger eigenvalue was
//!   missed. On a matrix with the spectrum of the PCA bench data's covariance (eigenvalues
//!   `1/(j + 1)`, in a basis rotated by seeded reflections) the basis needed 520 columns (13
//!   blocks) without restarts, 15 blocks with thick restarts at 200 columns, and a flat-tailed
//!   spectrum up to 600 columns; the solve took 0.22–0.34 s against the 0.33 s this route takes
//!   on the bench's covariance (with restarts: the products with `A` 109 ms at 57–74 GFLOP/s in
//!   f64, the small Rayleigh–Ritz problems 45 ms, the orthogonalisation 61 ms, the certificate's
//!   Cholesky 29–49 ms).
//!
//! Every stage runs under [`crate::linalg::fixed_split`]: bit-identical for every thread count.
//! On WebAssembly faer runs on the calling thread.

use faer::dyn_stack::MemStack;
use faer::linalg::evd::{self, self_adjoint_evd_scratch, ComputeEigenvectors};
use faer::linalg::householder;
use faer::linalg::qr::no_pivoting::factor::recommended_block_size;
use faer::{Conj, Mat, MatRef};

use crate::dense::check_square;
use crate::linalg::{fixed_split, mat, workspace, FIX, METHOD};
use crate::{Error, Par, Result};

/// The eigenvalues of a symmetric `d × d` matrix (decreasing) and what it takes to form any
/// number of its leading eigenvectors.
///
/// # Memory
/// Two `d × d` f64 matrices (the reduced matrix with its reflectors, and `Z`) plus a `bs × d`
/// block of reflector factors (`bs` faer's block size, at most a few tens); while
/// [`Tridiagonal::new`] runs, also faer's workspace for a whole self-adjoint decomposition
/// (about three `d × d` f64: the public `self_adjoint_evd_scratch` is the only size faer
/// states for these stages, so the part of it this path does not use is allocated too).
pub struct Tridiagonal {
    d: usize,
    /// faer's in-place reduction: `T` on the diagonals, the reflectors below the subdiagonal.
    reduced: Mat<f64>,
    /// The triangular factors of the blocked reflectors.
    factors: Mat<f64>,
    /// `Z`: eigenvectors of `T`, column `j` for faer's `j`-th smallest value.
    z: Mat<f64>,
    values: Vec<f64>,
}

impl Tridiagonal {
    /// Reduce `a` (row-major `d·d` f64, lower triangle read) and decompose its tridiagonal.
    ///
    /// # Cost
    /// ≈ (4/3)·d³ flops for the reduction plus the divide and conquer (≈ d³ at most, less with
    /// deflation); memory as the type says (about five `d × d` f64 at the peak, besides `a`).
    /// # Errors
    /// `OutOfRange` ([`crate::dense`]) when d² f64 is over the limit or an allocation is
    /// refused; `Internal` if `a.len() != d·d`, the eigensolver does not converge, or the
    /// one-thread pool of `Par::Seq` cannot start.
    /// # Panics
    /// Never.
    pub fn new(a: &[f64], d: usize, par: Par) -> Result<Self> {
        check_square("X.cols", d, METHOD, FIX)?;
        if a.len() != d * d {
            return Err(Error::Internal(format!(
                "Tridiagonal::new: {} values for a {d} × {d} matrix",
                a.len()
            )));
        }
        if d == 0 {
            return Ok(Self {
                d,
                reduced: Mat::new(),
                factors: Mat::new(),
                z: Mat::new(),
                values: Vec::new(),
            });
        }
        fixed_split(par, |p| decompose(MatRef::from_row_major_slice(a, d, d), p))
    }

    /// The `d` eigenvalues, decreasing.
    #[must_use]
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The eigenvectors of the `k` largest values as the rows of a `k × d` row-major buffer
    /// (row `i` belongs to `values()[i]`); `k` is capped at `d`.
    ///
    /// # Cost
    /// `2·d²·k` flops; memory `2·d·k` f64 and faer's workspace (`bs·k` f64).
    /// # Errors
    /// `OutOfRange` when an allocation is refused; `Internal` if the one-thread pool of
    /// `Par::Seq` cannot start.
    /// # Panics
    /// Never.
    pub fn vectors(&self, k: usize, par: Par) -> Result<Vec<f64>> {
        let (d, k) = (self.d, k.min(self.d));
        if k == 0 {
            return Ok(Vec::new());
        }
        // column j of `u` = Z's column for the j-th largest value
        let mut u = mat(d, k, d)?;
        for j in 0..k {
            u.col_mut(j).copy_from(self.z.col(d - 1 - j));
        }
        let bs = self.factors.nrows();
        let mut mem = workspace(
            householder::apply_block_householder_sequence_on_the_left_in_place_scratch::<f64>(d - 1, bs, k),
            d,
        )?;
        fixed_split(par, |p| {
            householder::apply_block_householder_sequence_on_the_left_in_place_with_conj(
                self.reduced.submatrix(1, 0, d - 1, d - 1),
                self.factors.as_ref(),
                Conj::No,
                u.as_mut().subrows_mut(1, d - 1),
                p,
                MemStack::new(&mut mem),
            );
            Ok(())
        })?;
        let mut rows = Vec::new();
        rows.try_reserve_exact(k * d)
            .map_err(|_| crate::dense::too_large("X", d, METHOD, FIX, true))?;
        for j in 0..k {
            rows.extend(u.col(j).iter().copied());
        }
        Ok(rows)
    }
}

/// The reduction and the tridiagonal decomposition under faer's parallelism `par` (`d ≥ 1`).
fn decompose(a: MatRef<'_, f64>, par: faer::Par) -> Result<Tridiagonal> {
    let d = a.nrows();
    let params = faer::Spec::<evd::SelfAdjointEvdParams, f64>::default();
    // faer's own workspace for the whole decomposition covers both stages
    let mut mem = workspace(
        self_adjoint_evd_scratch::<f64>(d, ComputeEigenvectors::Yes, par, params),
        d,
    )?;
    let mut reduced = mat(d, d, d)?;
    reduced.copy_from_triangular_lower(a);
    let bs = recommended_block_size::<f64>(d, d);
    let mut factors = mat(bs, d - 1, d)?;
    evd::tridiag::tridiag_in_place(
        reduced.as_mut(),
        factors.as_mut(),
        par,
        MemStack::new(&mut mem),
        params.tridiag.into(),
    );
    let diag = faer::Col::<f64>::from_fn(d, |i| reduced[(i, i)]);
    let sub = faer::Col::<f64>::from_fn(d, |i| if i + 1 < d { reduced[(i + 1, i)] } else { 0.0 });
    let mut s = faer::Col::<f64>::zeros(d);
    let mut z = mat(d, d, d)?;
    evd::tridiagonal_self_adjoint_evd(
        diag.as_diagonal(),
        sub.as_diagonal(),
        s.as_diagonal_mut(),
        Some(z.as_mut()),
        par,
        MemStack::new(&mut mem),
        params,
    )
    .map_err(|e| Error::Internal(format!("symmetric eigendecomposition did not converge ({e:?})")))?;
    Ok(Tridiagonal {
        d,
        reduced,
        factors,
        z,
        values: s.iter().rev().copied().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::{eigh_desc_det, symmetric as matrix};

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn all_vectors_have_the_bits_of_the_one_call_solver() {
        for d in [1, 2, 7, 150, 400] {
            let a = matrix(d);
            let (values, vectors) = eigh_desc_det(&a, d, true, Par::Seq).unwrap();
            let t = Tridiagonal::new(&a, d, Par::Seq).unwrap();
            assert_eq!(bits(t.values()), bits(&values), "d = {d}");
            assert_eq!(bits(&t.vectors(d, Par::Seq).unwrap()), bits(&vectors), "d = {d}");
        }
    }

    #[test]
    fn leading_vectors_match_the_full_solver_and_are_eigenvectors() {
        let d = 400;
        let a = matrix(d);
        let (values, vectors) = eigh_desc_det(&a, d, true, Par::Seq).unwrap();
        let t = Tridiagonal::new(&a, d, Par::Seq).unwrap();
        let scale = values[0].abs();
        for k in [0, 1, 5, 32, d + 3] {
            let top = t.vectors(k, Par::Seq).unwrap();
            let k = k.min(d);
            assert_eq!(top.len(), k * d);
            for i in 0..k {
                let (u, v) = (&top[i * d..][..d], &vectors[i * d..][..d]);
                // the same vector up to rounding (same signs: the same reflectors applied)
                let dev = u.iter().zip(v).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max);
                assert!(dev <= 1e-12, "k = {k}, row {i}: {dev}");
                // and A·u = λ·u
                for r in 0..d {
                    let au: f64 = (0..d).map(|c| a[r * d + c] * u[c]).sum();
                    assert!(
                        (au - values[i] * u[r]).abs() <= 1e-11 * scale,
                        "row {i}, entry {r}"
                    );
                }
            }
        }
    }

    #[test]
    fn leading_vectors_are_bit_identical_for_every_pool_and_par() {
        let d = 400;
        let a = matrix(d);
        let seq = Tridiagonal::new(&a, d, Par::Seq).unwrap();
        let want = (bits(seq.values()), bits(&seq.vectors(32, Par::Seq).unwrap()));
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let got = pool.install(|| {
                let t = Tridiagonal::new(&a, d, Par::Rayon).unwrap();
                (bits(t.values()), bits(&t.vectors(32, Par::Rayon).unwrap()))
            });
            assert_eq!(got, want, "threads = {threads}");
        }
    }

    #[test]
    fn empty_wrong_length_and_oversized_inputs() {
        let t = Tridiagonal::new(&[], 0, Par::Seq).unwrap();
        assert!(t.values().is_empty());
        assert!(t.vectors(3, Par::Seq).unwrap().is_empty());
        let e = Tridiagonal::new(&[1.0; 3], 2, Par::Seq).err().unwrap();
        assert_eq!(e.code(), "ERR_INTERNAL");
        let e = Tridiagonal::new(&[], 20_000, Par::Seq).err().unwrap();
        assert_eq!(e.code(), "ERR_OUT_OF_RANGE", "{e}");
    }
}
