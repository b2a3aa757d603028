//! Projection: `transform`, `fit_transform`, `inverse_transform`, and the blocked row
//! projections they share with whitening and all-but-the-top.

use std::any::TypeId;

use embgeo_core::{chunks::fill_chunks_init, Ctl, Element, Error, MatRef, Result};

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
        // Finiteness is checked by `project_rows`, fused with the centring pass.
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

/// Rows per product inside a block of [`project_rows`] (see [`sub_rows`]) and of
/// [`back_project_rows`]: the sub-block (`SUB_ROWS`·d values) and its `SUB_ROWS`·k result are
/// reused for every sub-block of the block, so nothing of size `block_rows`·(d + k) is
/// allocated. Chosen by measurement (`examples/proj_variants.rs`, Zen 3 AVX2, interleaved
/// medians): 64, 240 and 1024 rows were within noise at d = 384, 1024 lost 1.4× at d = 1536
/// with k = 32.
const SUB_ROWS: usize = 240;

/// Rows per product of [`project_rows`] for `d` features and `k` outputs: [`SUB_ROWS`], or
/// [`BIG_W_SUB_ROWS`] when `wᵀ` (`d·k` values) is too big for L2: each product packs its
/// `wᵀ` again, and with 240 rows the 1536 × 1536 whitening matrix (9.4 MB in f32) was packed
/// 417 times for 100,000 rows. Measured (`examples/proj_variants.rs`, 2 threads, an AVX-512
/// Xeon, model 207, medians of 3 interleaved runs): 100,000 × 1536 → 1536, sub-blocks of 240
/// rows 1.83 s, 1024 rows 1.65 s, 2048 rows 1.62 s; at 384 → 384 the three were within 2 %.
fn sub_rows(d: usize, k: usize) -> usize {
    if d * k >= BIG_W {
        BIG_W_SUB_ROWS
    } else {
        SUB_ROWS
    }
}

/// Values of `wᵀ` (`d·k`) from which [`sub_rows`] takes [`BIG_W_SUB_ROWS`]: 4 MB in f32.
const BIG_W: usize = 1 << 20;

/// Rows per product of [`project_rows`] for a `wᵀ` of at least [`BIG_W`] values. Memory per
/// worker: `BIG_W_SUB_ROWS`·(d + k) values (25 MB in f32 at 1536 → 1536).
const BIG_W_SUB_ROWS: usize = 2048;

/// A projection worker's sub-block buffers, kept across the blocks it runs (allocated and
/// zero-filled once per worker, not once per block): the input side `a` and the product `o`,
/// in f32 (f32 data) or f64.
#[derive(Default)]
struct Scratch {
    a32: Vec<f32>,
    o32: Vec<f32>,
    a64: Vec<f64>,
    o64: Vec<f64>,
}

/// `v` with at least `len` values (new ones `zero`): the sub-block buffers of [`Scratch`].
fn at_least<E: Copy>(v: &mut Vec<E>, len: usize, zero: E) -> &mut [E] {
    if v.len() < len {
        v.resize(len, zero);
    }
    &mut v[..len]
}

/// `out = ((x − mean) · Wᵀ) · diag(col_scale)` with `w` `k × d` row-major, then optionally each
/// row L2-normalised; blocks of `block_rows` rows (at least [`sub_rows`]) written in place
/// through `fill_chunks` (fixed blocks, deterministic), each block in sub-blocks of
/// [`sub_rows`] rows.
///
/// f64 input: centring and GEMM in f64. f32 input: rows centred in f64 and rounded to f32,
/// GEMM in f32 with `w` rounded to f32 (the output is f32 anyway; relative error of order
/// sqrt(d)·2⁻²⁴, inside the 1e-5 f32 parity tolerance), scaling and normalisation in f64, one
/// rounding into the output.
///
/// The products run on faer's f32/f64 matmul, not on `embgeo_kernels::gemm_f32`: on these
/// shapes (a row-major block times `Wᵀ`, k = 32 or 384, d = 384 or 1536) faer measured
/// 1.3–1.5× faster than the kernel layer, whose packing of the row-major block dominates when
/// k is small (`examples/proj_variants.rs`).
///
/// With unit scales and no normalisation (`transform` without whitening, every `Whitener`
/// transform without `normalize`) the product is written straight into the output rows, with
/// the same values. (The output is a plain allocation: advising it for huge pages, which made
/// this transform 18 % faster in a standalone process, made the sync twin 3× slower in Node,
/// the kernel's huge-page zeroing dominating; see `embgeo_core::pages`.)
///
/// Finiteness of `x` is checked in the same pass (each value as it is centred); a non-finite
/// value makes it return `NonFinite` for `X` with the first position and the count
/// ([`MatRef::check_finite`]), so callers need no separate scan.
///
/// # Cost
/// 2·n·d·k flops; extra memory per worker [`sub_rows`]·(d + k) values of the compute type plus
/// k f64.
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
    let n = x.rows();
    let w32: Vec<f32> = if T::DTYPE == "f32" {
        w.iter().map(|v| *v as f32).collect()
    } else {
        Vec::new()
    };
    let mut res = vec![T::default(); n * k];
    // Each block writes its own rows of the output (no per-block result, no final concat).
    fill_chunks_init(
        ctl,
        "transform",
        &mut res,
        // at least one sub-block per block: a big `wᵀ` is packed once per product
        (n, k, block_rows.max(sub_rows(x.cols(), k))),
        Scratch::default,
        |s, range, dst| {
            let finite = if T::DTYPE == "f32" {
                let bufs = (&mut s.a32, &mut s.o32);
                project_block(x, range, dst, bufs, mean, &w32, k, |v| v as f32, col_scale, l2)
            } else {
                let bufs = (&mut s.a64, &mut s.o64);
                project_block(x, range, dst, bufs, mean, w, k, |v| v, col_scale, l2)
            };
            if finite {
                Ok(())
            } else {
                // Rare path: the whole-matrix scan names the first non-finite value and counts them.
                x.check_finite("X")
            }
        },
    )?;
    Ok(res)
}

/// Rows `range` of [`project_rows`] into `dst` (`range.len()·k`), in sub-blocks of
/// [`sub_rows`]: centre into `E` (`round` from f64), multiply by `wᵀ` (`w` k × d row-major in
/// `E`), then scale, normalise and round each row once into `dst`. Returns whether every value
/// of those rows was finite (checked branch-free while centring).
#[allow(clippy::too_many_arguments)]
fn project_block<T: Element, E: faer::traits::ComplexField + Copy + Into<f64> + 'static>(
    x: MatRef<'_, T>,
    range: std::ops::Range<usize>,
    dst: &mut [T],
    (a, o): (&mut Vec<E>, &mut Vec<E>),
    mean: &[f64],
    w: &[E],
    k: usize,
    round: impl Fn(f64) -> E,
    col_scale: &[f64],
    l2: bool,
) -> bool {
    // Compiled for the widest vectors present (the loops' bits do not change).
    embgeo_core::simd::widest(
        #[inline(always)]
        || {
            let d = x.cols();
            let step = sub_rows(d, k);
            let sub = step.min(range.len());
            let mut finite = true;
            let zero = round(0.0);
            let a = at_least(a, sub * d, zero);
            // With unit scales and no normalisation, `T::from_f64(v.into() * 1.0)` returns the
            // product's value `v` itself when `E` is `T`: the product can be the output.
            #[allow(clippy::float_cmp)]
            let direct = !l2 && col_scale.iter().all(|s| *s == 1.0) && TypeId::of::<T>() == TypeId::of::<E>();
            let o = at_least(o, if direct { 0 } else { sub * k }, zero);
            let mut row64 = vec![0.0f64; k];
            for (s0, dst) in range.clone().step_by(step).zip(dst.chunks_mut(step * k.max(1))) {
                let rows = step.min(range.end - s0);
                for (r, arow) in a.chunks_exact_mut(d.max(1)).take(rows).enumerate() {
                    for ((o, v), m) in arow.iter_mut().zip(x.row(s0 + r)).zip(mean) {
                        finite &= v.is_finite();
                        *o = round(v.to_f64() - m);
                    }
                }
                if k == 0 {
                    continue;
                }
                let wt = linalg::row_major(w, k, d).transpose();
                if direct {
                    // The product's values are the output's (unit scales, no normalisation, the
                    // compute type is the output type): written in place, no second pass.
                    if let Some(out) = embgeo_core::same_type::as_same_mut::<T, E>(&mut dst[..rows * k]) {
                        linalg::matmul_rows(out, &a[..rows * d], rows, wt, faer::Par::Seq);
                        continue;
                    }
                }
                linalg::matmul_rows(&mut o[..rows * k], &a[..rows * d], rows, wt, faer::Par::Seq);
                for (orow, drow) in o.chunks_exact(k).zip(dst.chunks_exact_mut(k)) {
                    for ((v, s), src) in row64.iter_mut().zip(col_scale).zip(orow) {
                        *v = (*src).into() * s;
                    }
                    if l2 {
                        let norm = row64.iter().map(|v| v * v).sum::<f64>().sqrt();
                        if norm > 0.0 {
                            for v in &mut row64 {
                                *v /= norm;
                            }
                        }
                    }
                    for (o, v) in drow.iter_mut().zip(&row64) {
                        *o = T::from_f64(*v);
                    }
                }
            }
            finite
        },
    )
}

/// `out = y · w + mean` with `w` `k × d` row-major, in blocks of `block_rows` rows written in
/// place (fixed blocks, deterministic), each in sub-blocks of [`SUB_ROWS`] rows.
///
/// f64 input: GEMM in f64. f32 input: GEMM in f32 with `w` rounded to f32 (relative to the
/// output's scale an error of order sqrt(k)·2⁻²⁴, inside the 1e-5 f32 parity tolerance), the
/// mean added in f64, one rounding into the output.
///
/// # Cost
/// 2·n·k·d flops; extra memory per worker `SUB_ROWS`·(k + d) values of the compute type.
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
    let w32: Vec<f32> = if T::DTYPE == "f32" {
        w.iter().map(|v| *v as f32).collect()
    } else {
        Vec::new()
    };
    let mut res = vec![T::default(); n * d];
    fill_chunks_init(
        ctl,
        "inverse_transform",
        &mut res,
        (n, d, block_rows.max(1)),
        Scratch::default,
        |s, range, dst| {
            if T::DTYPE == "f32" {
                let bufs = (&mut s.a32, &mut s.o32);
                back_project_block(y, range, dst, bufs, (&w32, mean), (k, d), |v| v as f32);
            } else {
                let bufs = (&mut s.a64, &mut s.o64);
                back_project_block(y, range, dst, bufs, (w, mean), (k, d), |v| v);
            }
            Ok(())
        },
    )?;
    Ok(res)
}

/// Rows `range` of [`back_project_rows`] into `dst` (`range.len()·d`), in sub-blocks of
/// [`SUB_ROWS`]: copy `y` (k = `y.cols()` columns) into `E` (`round` from f64, exact for the input's own type), multiply
/// by `w` (k × d row-major in `E`), add the mean in f64 and round once into `dst`.
fn back_project_block<T: Element, E: faer::traits::ComplexField + Copy + Into<f64>>(
    y: MatRef<'_, T>,
    range: std::ops::Range<usize>,
    dst: &mut [T],
    (a, o): (&mut Vec<E>, &mut Vec<E>),
    (w, mean): (&[E], &[f64]),
    (k, d): (usize, usize),
    round: impl Fn(f64) -> E,
) {
    // Compiled for the widest vectors present (the loops' bits do not change).
    embgeo_core::simd::widest(
        #[inline(always)]
        || {
            let sub = SUB_ROWS.min(range.len());
            let zero = round(0.0);
            let a = at_least(a, sub * k, zero);
            let o = at_least(o, sub * d, zero);
            for (s0, dst) in range
                .clone()
                .step_by(SUB_ROWS)
                .zip(dst.chunks_mut(SUB_ROWS * d.max(1)))
            {
                let rows = SUB_ROWS.min(range.end - s0);
                for (v, src) in a.iter_mut().zip(y.row_block(s0, s0 + rows).as_slice()) {
                    *v = round(src.to_f64());
                }
                if d == 0 {
                    continue;
                }
                if k == 0 {
                    o.fill(zero);
                } else {
                    let wm = linalg::row_major(w, k, d);
                    linalg::matmul_rows(&mut o[..rows * d], &a[..rows * k], rows, wm, faer::Par::Seq);
                }
                for (orow, drow) in o.chunks_exact(d).zip(dst.chunks_exact_mut(d)) {
                    for ((dv, v), m) in drow.iter_mut().zip(orow).zip(mean) {
                        *dv = T::from_f64((*v).into() + m);
                    }
                }
            }
        },
    );
}

#[cfg(test)]
mod tests {
    use embgeo_core::{Ctl, MatRef};

    use super::{project_rows, sub_rows, BIG_W, BIG_W_SUB_ROWS, SUB_ROWS};

    /// A `wᵀ` of `BIG_W` values takes sub-blocks (and blocks) of `BIG_W_SUB_ROWS` rows: every
    /// row, in both blocks and the partial last one, must still be its own projection, with
    /// scales (the whitening case) and without (the product written straight into the output).
    #[test]
    fn big_projection_matrices_project_every_row_in_large_sub_blocks() {
        let (d, k) = (1024, 1024);
        assert_eq!(d * k, BIG_W);
        assert_eq!(sub_rows(d, k), BIG_W_SUB_ROWS);
        assert_eq!(sub_rows(1536, 32), SUB_ROWS);
        let n = BIG_W_SUB_ROWS + 300;
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let x: Vec<f32> = (0..n * d).map(|_| next() as f32).collect();
        let w: Vec<f64> = (0..k * d).map(|_| next()).collect();
        let mean: Vec<f64> = (0..d).map(|_| next() * 0.1).collect();
        let scaled: Vec<f64> = (0..k).map(|j| 1.0 + j as f64 / k as f64).collect();
        let unit = vec![1.0; k];
        let ctl = Ctl::detached();
        let xm = MatRef::new(&x, n, d).unwrap();
        for scale in [&scaled, &unit] {
            // block_rows 512 (the default) is raised to the sub-block for this `wᵀ`
            let y = project_rows(xm, &mean, &w, k, scale, false, 512, &ctl).unwrap();
            for i in [0, 1, 511, 512, BIG_W_SUB_ROWS - 1, BIG_W_SUB_ROWS, n - 1] {
                for j in [0, 5, k / 2, k - 1] {
                    let (mut want, mut mag) = (0.0f64, 0.0f64);
                    for t in 0..d {
                        let c = f64::from(x[i * d + t]) - mean[t];
                        want += c * w[j * d + t];
                        mag += (c * w[j * d + t]).abs();
                    }
                    let got = f64::from(y[i * k + j]);
                    // f32 centring, W and accumulation: within a few 1e-6 of the magnitudes
                    assert!(
                        (got - want * scale[j]).abs() <= 1e-5 * mag * scale[j],
                        "row {i} col {j}: {got} vs {}",
                        want * scale[j]
                    );
                }
            }
        }
    }
}
