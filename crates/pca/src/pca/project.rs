//! Projection: `transform`, `fit_transform`, `inverse_transform`, and the blocked row
//! projections they share with whitening and all-but-the-top.

use embgeo_core::{chunks::fill_chunks, Ctl, Element, Error, MatRef, Result};

use super::Pca;
use crate::linalg;

impl Pca {
    /// Project rows onto the components: `Y = (X − μ) Cᵀ`, divided by `sqrt(explained_variance)`
    /// when whitening.
    ///
    /// # Shapes and types
    /// `x`: n × d (d = `n_features_in`) row-major f32/f64; returns n × k row-major in the
    /// input type (computed in f64, rounded once).
    /// # Cost
    /// 2·n·d·k flops; extra memory 2·`block_rows`·(d + k) f64 per worker.
    /// # Determinism
    /// Fixed row blocks, each row computed by one GEMM: bit-identical for every thread count.
    /// # Errors
    /// `NotFitted`, `Shape` (d differs, scikit-learn wording), `NonFinite`, `Cancelled`.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// scikit-learn `PCA.transform`; fixtures `pca/*` `transform` at rtol 1e-10 / 1e-5.
    pub fn transform<T: Element>(&self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>> {
        let f = self.fitted()?;
        check_features(x.cols(), f.n_features_in, "PCA")?;
        x.check_finite("X")?;
        let scales = self.scales(f);
        let inv: Vec<f64> = scales.iter().map(|s| 1.0 / s).collect();
        project_rows(
            x,
            &f.mean,
            &f.components,
            f.n_components,
            &inv,
            false,
            self.params.block_rows,
            ctl,
        )
    }

    /// Fit, then transform the same rows.
    ///
    /// # Errors
    /// As [`Pca::fit`] and [`Pca::transform`].
    pub fn fit_transform<T: Element>(&mut self, x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>> {
        self.fit(x, ctl)?;
        self.transform(x, ctl)
    }

    /// Map transformed rows back: `X = (Y · diag(scale)) C + μ` (undoes whitening).
    ///
    /// # Shapes and types
    /// `y`: n × k row-major f32/f64; returns n × d in the input type.
    /// # Cost
    /// 2·n·k·d flops; extra memory 2·`block_rows`·(d + k) f64 per worker.
    /// # Determinism
    /// Bit-identical for every thread count.
    /// # Errors
    /// `NotFitted`, `Shape` (k differs), `NonFinite`, `Cancelled`.
    /// # Panics
    /// Never on any input.
    /// # Reference
    /// scikit-learn `PCA.inverse_transform`; fixtures `pca/*` `inverse_transform`.
    pub fn inverse_transform<T: Element>(&self, y: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<T>> {
        let f = self.fitted()?;
        check_features(y.cols(), f.n_components, "PCA.inverse_transform (nComponents)")?;
        y.check_finite("Y")?;
        let scales = self.scales(f);
        let d = f.n_features_in;
        let k = f.n_components;
        let mut w = f.components.clone();
        for (row, s) in w.chunks_exact_mut(d).zip(&scales) {
            for v in row {
                *v *= s;
            }
        }
        back_project_rows(y, &w, k, d, &f.mean, self.params.block_rows, ctl)
    }
}

pub(crate) fn check_features(actual: usize, expected: usize, what: &'static str) -> Result<()> {
    if actual != expected {
        return Err(Error::Shape {
            what: format!("X has {actual} features, but {what} is expecting {expected} features as input"),
            expected,
            actual,
            fix: "",
        });
    }
    Ok(())
}

/// `out = ((x − mean) · Wᵀ) · diag(col_scale)` with `w` `k × d` row-major, then optionally each
/// row L2-normalised; blocks of `block_rows` rows written in place through `fill_chunks`
/// (fixed blocks, deterministic).
///
/// f64 input: centring and GEMM in f64. f32 input: rows centred in f64 and rounded to f32,
/// GEMM in f32 with `w` rounded to f32 (the output is f32 anyway; relative error of order
/// sqrt(d)·2⁻²⁴, inside the 1e-5 f32 parity tolerance), scaling and normalisation in f64.
#[allow(clippy::too_many_arguments)]
pub(crate) fn project_rows<T: Element>(
    x: MatRef<'_, T>,
    mean: &[f64],
    w: &[f64],
    k: usize,
    col_scale: &[f64],
    l2: bool,
    block_rows: usize,
    ctl: &Ctl<'_>,
) -> Result<Vec<T>> {
    let d = x.cols();
    let n = x.rows();
    let single = T::DTYPE == "f32";
    let w32: Vec<f32> = if single {
        w.iter().map(|v| *v as f32).collect()
    } else {
        Vec::new()
    };
    let mut res = vec![T::from_f64(0.0); n * k];
    // Each block writes its own rows of the output (no per-block result, no final concat).
    fill_chunks(
        ctl,
        "transform",
        &mut res,
        n,
        k,
        block_rows.max(1),
        |range, dst| {
            let rows = range.len();
            let mut out = vec![0.0f64; rows * k];
            if single {
                let mut a = vec![0.0f32; rows * d];
                for (r, i) in range.clone().enumerate() {
                    for ((o, v), m) in a[r * d..(r + 1) * d].iter_mut().zip(x.row(i)).zip(mean) {
                        *o = (v.to_f64() - m) as f32;
                    }
                }
                let mut o32 = vec![0.0f32; rows * k];
                if k > 0 {
                    let am = faer::MatRef::from_row_major_slice(&a, rows, d);
                    let wm = faer::MatRef::from_row_major_slice(&w32, k, d);
                    let om = faer::MatMut::from_row_major_slice_mut(&mut o32, rows, k);
                    faer::linalg::matmul::matmul(
                        om,
                        faer::Accum::Replace,
                        am,
                        wm.transpose(),
                        1.0f32,
                        faer::Par::Seq,
                    );
                }
                for (o, v) in out.iter_mut().zip(&o32) {
                    *o = f64::from(*v);
                }
            } else {
                let mut a = vec![0.0f64; rows * d];
                for (r, i) in range.clone().enumerate() {
                    for ((o, v), m) in a[r * d..(r + 1) * d].iter_mut().zip(x.row(i)).zip(mean) {
                        *o = v.to_f64() - m;
                    }
                }
                if k > 0 {
                    linalg::matmul_rows(
                        &mut out,
                        &a,
                        rows,
                        linalg::row_major(w, k, d).transpose(),
                        faer::Par::Seq,
                    );
                }
            }
            for (row, dst) in out.chunks_exact_mut(k.max(1)).zip(dst.chunks_exact_mut(k.max(1))) {
                for (v, s) in row.iter_mut().zip(col_scale) {
                    *v *= s;
                }
                if l2 {
                    let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
                    if norm > 0.0 {
                        for v in row.iter_mut() {
                            *v /= norm;
                        }
                    }
                }
                for (o, v) in dst.iter_mut().zip(row.iter()) {
                    *o = T::from_f64(*v);
                }
            }
            Ok(())
        },
    )?;
    Ok(res)
}

/// `out = y · w + mean` with `w` `k × d` row-major, in row blocks.
pub(crate) fn back_project_rows<T: Element>(
    y: MatRef<'_, T>,
    w: &[f64],
    k: usize,
    d: usize,
    mean: &[f64],
    block_rows: usize,
    ctl: &Ctl<'_>,
) -> Result<Vec<T>> {
    let n = y.rows();
    let mut res = vec![T::from_f64(0.0); n * d];
    fill_chunks(
        ctl,
        "inverse_transform",
        &mut res,
        n,
        d,
        block_rows.max(1),
        |range, dst| {
            let rows = range.len();
            let a: Vec<f64> = y
                .row_block(range.start, range.end)
                .as_slice()
                .iter()
                .map(|v| v.to_f64())
                .collect();
            let mut out = vec![0.0f64; rows * d];
            if k > 0 {
                linalg::matmul_rows(&mut out, &a, rows, linalg::row_major(w, k, d), faer::Par::Seq);
            }
            for (row, dst) in out.chunks_exact(d).zip(dst.chunks_exact_mut(d)) {
                for ((o, v), m) in dst.iter_mut().zip(row).zip(mean) {
                    *o = T::from_f64(v + m);
                }
            }
            Ok(())
        },
    )?;
    Ok(res)
}
