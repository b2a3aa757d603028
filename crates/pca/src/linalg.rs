//! Thin wrappers over faer's low-level products (eigendecomposition and SVD live in
//! `embgeo_core::linalg`) with an explicit `Par` (never faer's global
//! parallelism), on row-major `f64` buffers.

use embgeo_core::{Error, Result};
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::matmul::triangular::BlockStructure;
use faer::{Accum, Mat, MatMut, MatRef};

/// Thin SVD of a row-major `n × d` matrix through [`embgeo_core::linalg::thin_svd`]: singular
/// values (decreasing) and the right singular vectors as rows of a `min(n, d) × d` row-major
/// buffer.
pub(crate) fn thin_svd_vt(a: &[f64], n: usize, d: usize, par: faer::Par) -> Result<(Vec<f64>, Vec<f64>)> {
    let (values, v) = embgeo_core::linalg::thin_svd(MatRef::from_row_major_slice(a, n, d), true, par)?;
    let v = v.ok_or_else(|| Error::Internal("thin SVD returned no vectors".into()))?;
    let mut vt = Vec::new();
    vt.try_reserve_exact(v.ncols() * d).map_err(|_| {
        embgeo_core::dense::too_large("X", n.min(d), "the SVD", "use fewer rows or features", true)
    })?;
    for j in 0..v.ncols() {
        vt.extend(v.col(j).iter().copied());
    }
    Ok((values, vt))
}

/// Orthonormal basis (thin Q, `m × c`, column-major `Mat`) of the columns of `a` (`m × c`, m ≥ c).
pub(crate) fn thin_q(a: &Mat<f64>, par: faer::Par) -> Mat<f64> {
    let (m, c) = a.shape();
    let size = m.min(c);
    let bs = faer::linalg::qr::no_pivoting::factor::recommended_block_size::<f64>(m, c);
    let mut qr = a.clone();
    let mut coeff = Mat::<f64>::zeros(bs, size);
    let mut mem = MemBuffer::new(faer::linalg::qr::no_pivoting::factor::qr_in_place_scratch::<f64>(
        m,
        c,
        bs,
        par,
        faer::Spec::default(),
    ));
    faer::linalg::qr::no_pivoting::factor::qr_in_place(
        qr.as_mut(),
        coeff.as_mut(),
        par,
        MemStack::new(&mut mem),
        faer::Spec::default(),
    );
    let mut q = Mat::<f64>::identity(m, size);
    let mut mem2 = MemBuffer::new(
        faer::linalg::householder::apply_block_householder_sequence_on_the_left_in_place_scratch::<f64>(
            m, bs, size,
        ),
    );
    faer::linalg::householder::apply_block_householder_sequence_on_the_left_in_place_with_conj(
        qr.as_ref().subcols(0, size),
        coeff.as_ref(),
        faer::Conj::No,
        q.as_mut(),
        par,
        MemStack::new(&mut mem2),
    );
    q
}

/// `dst (d × d, lower triangle) = a · aᵀ` for a column-major `d × b` view `a` (the transpose
/// of a row-major `b × d` block): a SYRK through faer's triangular matmul, in f64 or f32, into
/// any layout of `dst` (the moments pass a row-major view).
pub(crate) fn syrk_lower<T: faer::traits::ComplexField>(
    dst: MatMut<'_, T>,
    a: MatRef<'_, T>,
    par: faer::Par,
) {
    faer::linalg::matmul::triangular::matmul(
        dst,
        BlockStructure::TriangularLower,
        Accum::Replace,
        a,
        BlockStructure::Rectangular,
        a.transpose(),
        BlockStructure::Rectangular,
        T::one_impl(),
        par,
    );
}

/// The `rows × cols` row-major buffer `w` as a faer view (no copy).
pub(crate) fn row_major<E: faer::traits::ComplexField>(w: &[E], rows: usize, cols: usize) -> MatRef<'_, E> {
    MatRef::from_row_major_slice(w, rows, cols)
}

/// `out (n × w.ncols(), row-major) = a (n × w.nrows(), row-major) · w`, f32 or f64; pass
/// `row_major(w, k, d).transpose()` for `a · wᵀ`. O(n · w.nrows() · w.ncols()) time, no allocation.
pub(crate) fn matmul_rows<E: faer::traits::ComplexField>(
    out: &mut [E],
    a: &[E],
    n: usize,
    w: MatRef<'_, E>,
    par: faer::Par,
) {
    let am = MatRef::from_row_major_slice(a, n, w.nrows());
    let om = faer::MatMut::from_row_major_slice_mut(out, n, w.ncols());
    faer::linalg::matmul::matmul(om, Accum::Replace, am, w, E::one_impl(), par);
}
