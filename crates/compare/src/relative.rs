//! Relative representations (Moschella, Maiorca, Fumero, Norelli, Locatello and Rodolà 2023,
//! "Relative representations enable zero-shot latent space communication", ICLR): each row
//! `x` is replaced by its similarities to m anchors `a₁ … a_m`, `r(x) = (sim(x, a₁), …,
//! sim(x, a_m))`, an n × m matrix comparable across representations that share the anchors' items.
//!
//! `sim` is the cosine similarity (the paper's choice), the dot product, or the Euclidean
//! *distance* (a dissimilarity, as in later work with distance-based projections).

use embgeo_core::{chunks::map_chunks, Ctl, Element, Error, MatRef, Result};
use faer::{Accum, Mat};
use serde::{Deserialize, Serialize};

/// The similarity to each anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Metric {
    /// `x·a / (‖x‖‖a‖)`, in [−1, 1]; zero rows or anchors are an error. Default.
    #[default]
    Cosine,
    /// `x·a`.
    Dot,
    /// `‖x − a‖₂` (a distance, from the differences: 0 exactly for an anchor's own row).
    Euclidean,
}

/// Options of [`compute`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Similarity. Default cosine.
    pub metric: Metric,
}

/// Rows per block (the unit of parallel work, cancellation and progress).
const BLOCK_ROWS: usize = 256;

/// Row norms of the row-major `rows` (first row numbered `first` in messages); a zero row is
/// `Degenerate`.
fn norms(rows: &[f64], d: usize, what: &str, first: usize) -> Result<Vec<f64>> {
    rows.chunks_exact(d)
        .enumerate()
        .map(|(i, r)| {
            let s = r.iter().map(|v| v * v).sum::<f64>().sqrt();
            if s == 0.0 {
                Err(Error::Degenerate(format!(
                    "row {} of {what} is all zeros: its cosine similarity is undefined; use metric 'dot' or 'euclidean', or drop the row",
                    first + i
                )))
            } else {
                Ok(s)
            }
        })
        .collect()
}

/// The n × m relative representation of `x` with respect to `anchors`, in `x`'s element type.
///
/// # Shapes and types
/// `x`: n × d, `anchors`: m × d (f32 or f64 each); returns n·m values row-major (row i = the
/// similarities of row i to every anchor), computed in f64 and rounded once to `T`.
/// # Cost
/// O(n·m·d) multiply-adds (one sequential faer GEMM per block of rows for cosine and dot, direct
/// differences for euclidean); extra memory m·d f64 (the anchors widened) plus one block of
/// `BLOCK_ROWS·(d + m)` f64 per worker, besides the n·m output.
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// `Shape` (anchors' columns differ from x's), `Empty` (no rows, no anchors, no columns),
/// `NonFinite`, `Degenerate` (a zero row or anchor under cosine), `Cancelled`.
/// # Panics
/// Never on any input.
/// # Reference
/// Moschella et al. 2023; parity fixtures `compare/relative-*` at rtol 1e-10 (numpy).
pub fn compute<T: Element, U: Element>(
    x: MatRef<'_, T>,
    anchors: MatRef<'_, U>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Vec<T>> {
    const METHOD: &str = "a relative representation";
    x.require_rows("X", 1, METHOD)?;
    x.require_cols("X", METHOD)?;
    anchors.require_rows("anchors", 1, METHOD)?;
    Error::require_equal(
        "anchors.cols vs X.cols",
        x.cols(),
        anchors.cols(),
        "anchors must live in the same space as X (same number of columns)",
    )?;
    x.check_finite("X")?;
    anchors.check_finite("anchors")?;
    let (n, d, m) = (x.rows(), x.cols(), anchors.rows());
    let an = crate::pair::widened(anchors);
    let a_norms = if p.metric == Metric::Cosine {
        norms(&an, d, "anchors", 0)?
    } else {
        Vec::new()
    };
    let am = faer::MatRef::from_row_major_slice(&an, m, d);
    let blocks = map_chunks(ctl, "relative", n, BLOCK_ROWS, |r| {
        let xb = crate::pair::widened(x.row_block(r.start, r.end));
        let rows = r.len();
        let mut out = Vec::with_capacity(rows * m);
        if p.metric == Metric::Euclidean {
            for xi in xb.chunks_exact(d) {
                for aj in an.chunks_exact(d) {
                    let s: f64 = xi.iter().zip(aj).map(|(u, v)| (u - v) * (u - v)).sum();
                    out.push(T::from_f64(s.sqrt()));
                }
            }
            return Ok(out);
        }
        let x_norms = if p.metric == Metric::Cosine {
            norms(&xb, d, "X", r.start)?
        } else {
            Vec::new()
        };
        let mut g = Mat::<f64>::zeros(rows, m);
        let xm = faer::MatRef::from_row_major_slice(&xb, rows, d);
        faer::linalg::matmul::matmul(
            g.as_mut(),
            Accum::Replace,
            xm,
            am.transpose(),
            1.0,
            faer::Par::Seq,
        );
        for i in 0..rows {
            for j in 0..m {
                let v = g[(i, j)];
                out.push(T::from_f64(if p.metric == Metric::Cosine {
                    v / (x_norms[i] * a_norms[j])
                } else {
                    v
                }));
            }
        }
        Ok(out)
    })?;
    Ok(blocks.concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testdata::random;

    #[test]
    #[allow(clippy::float_cmp)] // an exact 0 for an anchor's own row is the claim
    fn anchors_rows_see_themselves() {
        let x = random(10, 4, 1);
        let xm = MatRef::new(&x, 10, 4).unwrap();
        let anchors = MatRef::new(&x[8..20], 3, 4).unwrap(); // rows 2, 3, 4
        let cos = compute(xm, anchors, &Params::default(), &Ctl::detached()).unwrap();
        assert_eq!(cos.len(), 30);
        assert!((cos[2 * 3] - 1.0).abs() < 1e-15 && (cos[3 * 3 + 1] - 1.0).abs() < 1e-15);
        let eu = compute(
            xm,
            anchors,
            &Params {
                metric: Metric::Euclidean,
            },
            &Ctl::detached(),
        )
        .unwrap();
        assert_eq!(eu[4 * 3 + 2], 0.0);
        let dot = compute(xm, anchors, &Params { metric: Metric::Dot }, &Ctl::detached()).unwrap();
        let want: f64 = x[..4].iter().zip(&x[8..12]).map(|(a, b)| a * b).sum();
        assert!((dot[0] - want).abs() < 1e-15);
    }

    #[test]
    fn bad_inputs_are_coded() {
        let x = random(300, 4, 2);
        let mut z = x.clone();
        z[270 * 4..271 * 4].fill(0.0);
        let a = MatRef::new(&x[..8], 2, 4).unwrap();
        let e = compute(
            MatRef::new(&z, 300, 4).unwrap(),
            a,
            &Params::default(),
            &Ctl::detached(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "ERR_DEGENERATE");
        assert!(e.to_string().starts_with("row 270 of X"), "{e}");
        let wide = MatRef::new(&x[..10], 2, 5).unwrap();
        let e = compute(
            MatRef::new(&x, 300, 4).unwrap(),
            wide,
            &Params::default(),
            &Ctl::detached(),
        )
        .unwrap_err();
        assert_eq!(e.code(), "ERR_SHAPE");
    }

    #[test]
    fn parity_with_the_reference_fixtures() {
        for (name, f, case) in crate::testdata::cases("relative") {
            let p: Params = serde_json::from_value(case["params"].clone()).unwrap();
            let get = |k: &str| {
                let m = &f["input"][k];
                (
                    embgeo_testkit::fixtures::nums(&m["data"]),
                    m["cols"].as_u64().unwrap() as usize,
                )
            };
            let ((x, d), (a, _)) = (get("X"), get("anchors"));
            let want = embgeo_testkit::fixtures::nums(&case["expected"]["matrix"]);
            let rtol = f["rtol"].as_f64().unwrap();
            let ctl = Ctl::detached();
            let got: Vec<f64> = if f["input"]["X"]["dtype"] == "float32" {
                let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
                let a32: Vec<f32> = a.iter().map(|&v| v as f32).collect();
                let out = compute(
                    MatRef::from_flat(&x32, d).unwrap(),
                    MatRef::from_flat(&a32, d).unwrap(),
                    &p,
                    &ctl,
                );
                out.unwrap().into_iter().map(f64::from).collect()
            } else {
                compute(
                    MatRef::from_flat(&x, d).unwrap(),
                    MatRef::from_flat(&a, d).unwrap(),
                    &p,
                    &ctl,
                )
                .unwrap()
            };
            embgeo_testkit::fixtures::assert_close_normwise(&name, "matrix", &got, &want, rtol);
        }
    }
}
