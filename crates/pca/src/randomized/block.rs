//! One row block of the centred data and its products with a thin basis, in f32 (the kernel
//! layer's GEMM, `embgeo_kernels::gemm_f32`) or f64 (faer), on the calling thread.
//!
//! A block is `rows ≤ BLOCK_ROWS` rows of `A = X − 1μᵀ`, centred in f64 and rounded once into
//! a `rows × d` buffer small enough to stay in L2 while both products of a power-iteration
//! step read it: `Yᵦ = Aᵦ·V` (`rows × l`) and `Wᵦᵀ = Yᵦᵀ·Aᵦ` (`l × d`). The centred copy
//! of the whole matrix is never formed.

use embgeo_core::{Element, MatRef, Par, Result};
use faer::Accum;

/// Rows per block: the centred f32 block (`BLOCK_ROWS·d·4` bytes, 768 KB at d = 1536) and the
/// kernel's packed copy of it fit the 2 MB L2 of the machine it was tuned on together.
pub(crate) const BLOCK_ROWS: usize = 128;

/// A thin matrix kept transposed (`cols × rows`, row-major: one column per row) in f64 and
/// rounded to f32: the basis `Vᵀ` (`l × d`) or `Qᵀ` (`l × n`).
pub(crate) struct Both {
    pub(crate) f64: Vec<f64>,
    pub(crate) f32: Vec<f32>,
}

impl Both {
    /// The transpose of the column-major `m`, in both precisions. O(rows·cols).
    pub(crate) fn transposed(m: &faer::Mat<f64>) -> Self {
        let (rows, cols) = m.shape();
        let mut f64 = Vec::with_capacity(rows * cols);
        for j in 0..cols {
            f64.extend(m.col(j).iter().copied());
        }
        let f32 = f64.iter().map(|&v| v as f32).collect();
        Self { f64, f32 }
    }
}

/// A row-major `rows × cols` operand with row stride `rs`, or its transpose (`t`).
#[derive(Clone, Copy)]
pub(crate) struct Operand<'a, E> {
    pub(crate) data: &'a [E],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) t: bool,
}

impl<'a, E> Operand<'a, E> {
    /// A dense row-major `rows × cols` operand.
    pub(crate) fn dense(data: &'a [E], rows: usize, cols: usize) -> Self {
        Self {
            data,
            rows,
            cols,
            rs: cols,
            t: false,
        }
    }

    /// The transpose (no copy).
    pub(crate) fn t(self) -> Self {
        Self { t: !self.t, ..self }
    }
}

/// The arithmetic of a block's products: f32 or f64.
pub(crate) trait Num: Copy + Default + Send + Sync + 'static {
    /// A centred value `c` may use this arithmetic when `c == 0` or `SAFE.0 ≤ |c| ≤ SAFE.1`:
    /// f32 takes `moments::F32_SAFE` (products and their sums stay far from overflow and
    /// underflow for an orthonormal basis), f64 everything.
    const SAFE: (f64, f64);
    /// Round an f64 to this type.
    fn round(v: f64) -> Self;
    /// Widen to f64 (exact).
    fn widen(self) -> f64;
    /// This precision's copy of `b`.
    fn of(b: &Both) -> &[Self];
    /// `c (m × n, row stride ldc) = a·b`, sequential.
    ///
    /// # Errors
    /// `Shape` from the kernel layer if a view does not fit its data (never for the callers'
    /// shapes), `OutOfRange` if its packing buffers are refused.
    fn gemm(c: &mut [Self], ldc: usize, a: Operand<'_, Self>, b: Operand<'_, Self>) -> Result<()>;
}

impl Num for f32 {
    const SAFE: (f64, f64) = crate::moments::F32_SAFE;
    fn round(v: f64) -> Self {
        v as f32
    }
    fn widen(self) -> f64 {
        f64::from(self)
    }
    fn of(b: &Both) -> &[Self] {
        &b.f32
    }
    fn gemm(c: &mut [f32], ldc: usize, a: Operand<'_, f32>, b: Operand<'_, f32>) -> Result<()> {
        fn view(o: Operand<'_, f32>) -> Result<embgeo_kernels::View<'_>> {
            embgeo_kernels::View::new(o.data, o.rows, o.cols, o.rs, 1).map(|v| if o.t { v.t() } else { v })
        }
        embgeo_kernels::gemm_f32(c, ldc, view(a)?, view(b)?, Par::Seq)
    }
}

impl Num for f64 {
    const SAFE: (f64, f64) = (0.0, f64::INFINITY);
    fn round(v: f64) -> Self {
        v
    }
    fn widen(self) -> f64 {
        self
    }
    fn of(b: &Both) -> &[Self] {
        &b.f64
    }
    fn gemm(c: &mut [f64], ldc: usize, a: Operand<'_, f64>, b: Operand<'_, f64>) -> Result<()> {
        fn mat(o: Operand<'_, f64>) -> faer::MatRef<'_, f64> {
            let m = faer::MatRef::from_row_major_slice_with_stride(o.data, o.rows, o.cols, o.rs);
            if o.t {
                m.transpose()
            } else {
                m
            }
        }
        let (a, b) = (mat(a), mat(b));
        // Row-major C as the transpose of a column-major view: faer 0.24.4's
        // `from_row_major_slice_with_stride_mut` swaps the strides (writes out of bounds).
        let c = faer::MatMut::from_column_major_slice_with_stride_mut(c, b.ncols(), a.nrows(), ldc)
            .transpose_mut();
        faer::linalg::matmul::matmul(c, Accum::Replace, a, b, 1.0, faer::Par::Seq);
        Ok(())
    }
}

/// Centre the rows of `x` into `out` (`rows × d`, computed in f64, rounded once to `E`) and
/// return whether every centred value suits `E` (see [`Num::SAFE`]) and their f64 sum of
/// squares. One branch-free pass, compiled for the widest vector extension present
/// ([`embgeo_core::simd::widest`]; the same bits on every CPU).
pub(crate) fn centre<T: Element, E: Num>(out: &mut [E], x: MatRef<'_, T>, mean: &[f64]) -> (bool, f64) {
    embgeo_core::simd::widest(
        #[inline(always)]
        || centre_rows(out, x, mean),
    )
}

/// The loop of [`centre`], always inlined so that it is compiled with the features of the
/// function [`embgeo_core::simd::widest`] runs it in.
#[inline(always)]
#[allow(clippy::needless_bitwise_bool, clippy::inline_always)] // branch-free on purpose: the loop vectorises
fn centre_rows<T: Element, E: Num>(out: &mut [E], x: MatRef<'_, T>, mean: &[f64]) -> (bool, f64) {
    /// Independent partial sums of squares (a serial f64 sum would cost an add latency per
    /// value); added in lane order, so the result is fixed.
    const LANES: usize = 8;
    #[inline(always)]
    #[allow(clippy::inline_always)]
    fn one<T: Element, E: Num>(o: &mut E, v: T, m: f64, sq: &mut f64, safe: &mut bool) {
        let c = v.to_f64() - m;
        let a = c.abs();
        *safe &= (c == 0.0) | ((a >= E::SAFE.0) & (a <= E::SAFE.1));
        *sq += c * c;
        *o = E::round(c);
    }
    let d = x.cols();
    let mut safe = true;
    let mut sq = [0.0f64; LANES];
    // Per lane, the largest |c| and the smallest non-zero |c| (+∞ while there is none): every
    // value is 0 or within `E::SAFE` exactly when the extremes are (X and the mean are finite,
    // checked before any pass). Min/max instead of a per-value flag: the loop vectorises.
    let mut big = [0.0f64; LANES];
    let mut small = [f64::INFINITY; LANES];
    for (i, row) in out.chunks_mut(d.max(1)).enumerate().take(x.rows()) {
        let (oc, ot) = row.as_chunks_mut::<LANES>();
        let (xc, xt) = x.row(i).as_chunks::<LANES>();
        let (mc, mt) = mean.as_chunks::<LANES>();
        for ((o, v), m) in oc.iter_mut().zip(xc).zip(mc) {
            // one whole-lane step per statement (the form the vectoriser keeps in registers)
            let c: [f64; LANES] = std::array::from_fn(|k| v[k].to_f64() - m[k]);
            let a = c.map(f64::abs);
            let nz: [f64; LANES] = std::array::from_fn(|k| if c[k] == 0.0 { f64::INFINITY } else { a[k] });
            for k in 0..LANES {
                sq[k] += c[k] * c[k];
            }
            for k in 0..LANES {
                big[k] = if a[k] > big[k] { a[k] } else { big[k] };
            }
            for k in 0..LANES {
                small[k] = if nz[k] < small[k] { nz[k] } else { small[k] };
            }
            for k in 0..LANES {
                o[k] = E::round(c[k]);
            }
        }
        for (k, ((o, v), m)) in ot.iter_mut().zip(xt).zip(mt).enumerate() {
            one(o, *v, *m, &mut sq[k], &mut safe);
        }
    }
    let (big, small) = (
        big.iter().fold(0.0f64, |a, &b| a.max(b)),
        small.iter().fold(f64::INFINITY, |a, &b| a.min(b)),
    );
    safe &= big <= E::SAFE.1 && small >= E::SAFE.0;
    (safe, sq.iter().sum())
}

/// What a block contributes.
#[derive(Clone, Copy)]
pub(crate) enum Op<'a> {
    /// `acc (l × d) += (Aᵦ·V)ᵀ·Aᵦ` for the basis `Vᵀ` (`l × d`): one power-iteration step.
    Gram(&'a Both),
    /// `y (rows × l, row-major) = Aᵦ·V`.
    Project(&'a Both),
    /// `acc += Qᵦᵀ·Aᵦ` for `Qᵀ` (`l × n`, row-major), the block starting at row `r0` of X.
    Reduce(&'a Both, usize),
}

/// Per-thread buffers of the products (`Yᵦ`: `BLOCK_ROWS × l`, `Wᵦᵀ`: `l × d`).
#[derive(Default)]
pub(crate) struct Bufs<E> {
    pub(crate) centred: Vec<E>,
    y: Vec<E>,
    w: Vec<E>,
}

/// Apply `op` to the centred block `c` (`rows × d`, in `bufs.centred`), adding into `acc`
/// (`l × d`, f64) or writing `y` (`rows × l`, f64).
///
/// # Cost
/// 2·rows·d·l flops per product (two for `Gram`); no allocation after the first block.
/// # Errors
/// As [`Num::gemm`].
pub(crate) fn apply<E: Num>(
    op: Op<'_>,
    bufs: &mut Bufs<E>,
    (rows, d, l): (usize, usize, usize),
    acc: &mut [f64],
    y: &mut [f64],
) -> Result<()> {
    let Bufs { centred, y: yb, w } = bufs;
    let a = Operand::dense(&centred[..rows * d], rows, d);
    yb.resize(l * BLOCK_ROWS, E::default());
    let yb = &mut yb[..l * rows];
    let left = match op {
        Op::Gram(v) | Op::Project(v) => {
            // Yᵦ (rows × l, row-major) = Aᵦ·V; against `Yᵦᵀ = Vᵀ·Aᵦᵀ` (no padding of the l
            // columns, but a 32-wide transposing pack of Aᵦ) it took 0.93× the CPU time in
            // four interleaved 100,000 × 1536 runs on the loaded machine (within its noise).
            E::gemm(yb, l, a, Operand::dense(E::of(v), l, d).t())?;
            if let Op::Project(_) = op {
                for (o, v) in y.iter_mut().zip(yb.iter()) {
                    *o = v.widen();
                }
                return Ok(());
            }
            Operand::dense(&*yb, rows, l).t()
        }
        Op::Reduce(qt, r0) => {
            let n = qt.f64.len() / l.max(1);
            Operand {
                data: &E::of(qt)[r0..],
                rows: l,
                cols: rows,
                rs: n,
                t: false,
            }
        }
    };
    w.resize(l * d, E::default());
    E::gemm(w, d, left, a)?;
    for (s, v) in acc.iter_mut().zip(w.iter()) {
        *s += v.widen();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition of [`centre`]: value by value, with a per-value range flag and the sum
    /// of squares in lanes of 8 columns (column `j` of every row into lane `j mod 8`, the
    /// tail of each row into lanes `0..`), added in lane order.
    fn reference<E: Num>(x: &[f64], d: usize, mean: &[f64]) -> (Vec<E>, bool, f64) {
        let mut out = Vec::with_capacity(x.len());
        let (mut safe, mut sq) = (true, [0.0f64; 8]);
        for row in x.chunks_exact(d) {
            let full = d / 8 * 8;
            for (j, (&v, &m)) in row.iter().zip(mean).enumerate() {
                let c = v - m;
                let a = c.abs();
                safe &= c == 0.0 || (a >= E::SAFE.0 && a <= E::SAFE.1);
                sq[if j < full { j % 8 } else { j - full }] += c * c;
                out.push(E::round(c));
            }
        }
        (out, safe, sq.iter().sum())
    }

    /// [`centre`] of `x` into `E` equals [`reference`]: values, flag and sum bit for bit.
    fn same_as_reference<E: Num + PartialEq + std::fmt::Debug>(x: MatRef<'_, f64>, mean: &[f64], at: &str) {
        let mut got = vec![E::default(); x.rows() * x.cols()];
        let (safe, sq) = centre(&mut got, x, mean);
        let (want, want_safe, want_sq) = reference::<E>(x.as_slice(), x.cols(), mean);
        assert_eq!(got, want, "{at}");
        assert_eq!((safe, sq.to_bits()), (want_safe, want_sq.to_bits()), "{at}");
    }

    /// The vectorised lanes (min/max range test) give the definition's values, flag and sum
    /// bit for bit: widths with and without a tail, exact zeros, values just inside and just
    /// outside f32's safe range at both ends, f32 and f64 blocks.
    #[test]
    fn centre_equals_the_value_by_value_definition() {
        let (lo, hi) = crate::moments::F32_SAFE;
        for d in [1, 7, 8, 13, 64, 67] {
            let mean: Vec<f64> = (0..d).map(|j| 0.25 * j as f64 - 1.0).collect();
            let base: Vec<f64> = (0..5 * d)
                .map(|t| mean[t % d] + ((t * 37 % 101) as f64 - 50.0) / 7.0)
                .collect();
            let at = |t: usize, c: f64| {
                let mut x = base.clone();
                x[t] = mean[t % d] + c;
                x
            };
            let t = 3 * d + d / 2;
            let cases = [
                (base.clone(), "ordinary"),
                (at(t, 0.0), "an exact zero"),
                (at(t, 1.5 * lo), "tiny, inside"),
                (at(t, 0.5 * lo), "tiny, outside"),
                (at(t, -0.5 * hi), "huge, inside"),
                (at(t, -2.0 * hi), "huge, outside"),
                (vec![1.0; 5 * d], "constant rows (all zero after centring by 1)"),
            ];
            for (x, what) in &cases {
                let m = if *what == "constant rows (all zero after centring by 1)" {
                    vec![1.0; d]
                } else {
                    mean.clone()
                };
                let xm = MatRef::from_flat(x, d).unwrap();
                same_as_reference::<f32>(xm, &m, &format!("f32, d = {d}, {what}"));
                same_as_reference::<f64>(xm, &m, &format!("f64, d = {d}, {what}"));
            }
            assert!(
                !reference::<f32>(&at(t, 0.5 * lo), d, &mean).1,
                "the outside cases are outside"
            );
            assert!(!reference::<f32>(&at(t, -2.0 * hi), d, &mean).1);
        }
    }
}
