//! The pieces every alignment measure shares: checking a pair of representations, centring one
//! into an f64 copy, and cross products `Aᵀ B` split into fixed column blocks (bit-identical for
//! every thread count).

use embgeo_core::chunks::map_chunks;
use embgeo_core::linalg::try_mat_zeros;
use embgeo_core::{Ctl, Element, Error, MatRef, Pair, Result};
use faer::{Accum, Mat};

/// Rows per chunk of the column-mean pass (fixed, so sums combine in one order).
const MEAN_ROWS: usize = 4096;
/// Output columns per block of [`cross`] (each block one sequential GEMM).
const CROSS_COLS: usize = 32;

/// `x` minus its column means, as an f64 faer matrix (column-major `n × d`).
///
/// A set whose rows are all equal is refused on the raw values (its centred copy could hold
/// rounding residue of the mean instead of exact zeros).
///
/// # Cost
/// O(n·d) time; extra memory the returned n·d f64 plus one d-vector per 4096-row chunk.
/// # Errors
/// `Degenerate` for a constant set (naming `method`), `OutOfRange` if the copy cannot be
/// allocated, `Cancelled`.
pub fn centred<T: Element>(
    x: MatRef<'_, T>,
    what: &'static str,
    method: &str,
    ctl: &Ctl<'_>,
) -> Result<Mat<f64>> {
    let (n, d) = (x.rows(), x.cols());
    check_varies(x, what, method)?;
    let parts = map_chunks(ctl, "mean", n, MEAN_ROWS, |r| {
        let mut s = vec![0.0f64; d];
        for i in r {
            for (sj, v) in s.iter_mut().zip(x.row(i)) {
                *sj += v.to_f64();
            }
        }
        Ok(s)
    })?;
    let mut mean = vec![0.0f64; d];
    for p in &parts {
        for (m, v) in mean.iter_mut().zip(p) {
            *m += v;
        }
    }
    for m in &mut mean {
        *m /= n as f64;
    }
    let mut out = try_mat_zeros::<f64>(n, d).ok_or_else(|| Error::OutOfRange {
        name: what,
        expected: "a matrix whose centred f64 copy fits in memory".into(),
        actual: format!("{n} × {d}"),
    })?;
    for i in 0..n {
        for ((j, v), m) in x.row(i).iter().enumerate().zip(&mean) {
            out[(i, j)] = v.to_f64() - m;
        }
    }
    Ok(out)
}

/// The pair checks every alignment measure makes: same rows, n ≥ 2, finite values (`x.check`,
/// naming `method`), and neither side constant (naming `undefined`, what that makes undefined).
///
/// # Cost
/// O(n·(dA + dB)), no extra memory.
/// # Errors
/// `Shape`, `Empty`, `NonFinite`, `Degenerate`.
pub fn check_pair<A: Element, B: Element>(
    x: Pair<'_, A, B>,
    method: &'static str,
    undefined: &str,
) -> Result<()> {
    x.check(2, method)?;
    check_varies(x.a, "A", undefined)?;
    check_varies(x.b, "B", undefined)
}

/// `Degenerate` (naming `what` and `method`) when every row of `x` equals the first.
///
/// # Cost
/// O(n·d) comparisons at most, no extra memory.
/// # Errors
/// `Degenerate` for a constant set.
pub fn check_varies<T: Element>(x: MatRef<'_, T>, what: &'static str, method: &str) -> Result<()> {
    let first = x.row(0);
    if (1..x.rows()).all(|i| x.row(i) == first) {
        return Err(constant(what, method));
    }
    Ok(())
}

/// `aᵀ · b` (`a`: n × p, `b`: n × q, same n) as a `p × q` f64 matrix.
///
/// # Cost
/// 2·n·p·q flops in blocks of 32 output columns spread over the pool; extra memory the
/// returned p·q f64 plus one p × 32 block per running worker.
/// # Determinism
/// Each block is one sequential GEMM over all n rows: bit-identical for every thread count.
/// # Errors
/// `OutOfRange` if the output cannot be allocated, `Cancelled`.
pub fn cross(
    a: faer::MatRef<'_, f64>,
    b: faer::MatRef<'_, f64>,
    phase: &'static str,
    ctl: &Ctl<'_>,
) -> Result<Mat<f64>> {
    let (p, q) = (a.ncols(), b.ncols());
    let too_large = || Error::OutOfRange {
        name: "A, B",
        expected: "widths whose cross product fits in memory".into(),
        actual: format!("{p} × {q}"),
    };
    let parts = map_chunks(ctl, phase, q, CROSS_COLS, |r| {
        let mut dst = try_mat_zeros::<f64>(p, r.len()).ok_or_else(too_large)?;
        faer::linalg::matmul::matmul(
            dst.as_mut(),
            Accum::Replace,
            a.transpose(),
            b.subcols(r.start, r.len()),
            1.0,
            faer::Par::Seq,
        );
        Ok(dst)
    })?;
    let mut out = try_mat_zeros::<f64>(p, q).ok_or_else(too_large)?;
    for (c, part) in parts.iter().enumerate() {
        out.as_mut()
            .subcols_mut(c * CROSS_COLS, part.ncols())
            .copy_from(part);
    }
    Ok(out)
}

/// `a · b` on the calling thread (a small dense product: d × d factors).
///
/// # Errors
/// `OutOfRange` if the output cannot be allocated.
pub fn mul(a: faer::MatRef<'_, f64>, b: faer::MatRef<'_, f64>) -> Result<Mat<f64>> {
    let mut dst = try_mat_zeros::<f64>(a.nrows(), b.ncols()).ok_or_else(|| Error::OutOfRange {
        name: "A, B",
        expected: "widths whose products fit in memory".into(),
        actual: format!("{} × {}", a.nrows(), b.ncols()),
    })?;
    faer::linalg::matmul::matmul(dst.as_mut(), Accum::Replace, a, b, 1.0, faer::Par::Seq);
    Ok(dst)
}

/// `Degenerate` for a side whose rows all equal their mean.
#[must_use]
pub fn constant(what: &str, method: &str) -> Error {
    Error::Degenerate(format!(
        "{what} is constant (every row equals the mean row), so {method} is undefined; pass a set whose rows vary"
    ))
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // centring small integers is exact
mod tests {
    use super::*;

    #[test]
    fn centred_subtracts_column_means() {
        let x = [1.0f32, 10.0, 3.0, 20.0, 5.0, 30.0];
        let c = centred(MatRef::new(&x, 3, 2).unwrap(), "A", "t", &Ctl::detached()).unwrap();
        let tenths = [0.1f64; 14];
        let e = centred(MatRef::new(&tenths, 7, 2).unwrap(), "A", "t", &Ctl::detached()).unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE");
        assert_eq!(c[(0, 0)], -2.0);
        assert_eq!(c[(2, 1)], 10.0);
    }

    #[test]
    fn cross_equals_naive_and_ignores_thread_count() {
        let a = Mat::from_fn(50, 7, |i, j| ((i * 7 + j) as f64 * 0.37).sin());
        let b = Mat::from_fn(50, 70, |i, j| ((i * 70 + j) as f64 * 0.11).cos());
        let c = cross(a.as_ref(), b.as_ref(), "t", &Ctl::detached()).unwrap();
        let s = cross(
            a.as_ref(),
            b.as_ref(),
            "t",
            &Ctl::detached().with_par(embgeo_core::Par::Seq),
        )
        .unwrap();
        for i in 0..7 {
            for j in 0..70 {
                let naive: f64 = (0..50).map(|k| a[(k, i)] * b[(k, j)]).sum();
                assert!((c[(i, j)] - naive).abs() < 1e-12);
                assert_eq!(c[(i, j)].to_bits(), s[(i, j)].to_bits());
            }
        }
    }
}
