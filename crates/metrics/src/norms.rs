//! Euclidean row norms, unit-length rows and f64 copies of rows.

use embgeo_core::{chunks::map_chunks, Ctl, Element, MatRef, Result};

/// Rows per parallel chunk (fixed, so results never depend on the thread count).
const CHUNK_ROWS: usize = 4096;

/// ‖xᵢ‖₂ of every row, accumulated in f64 left to right.
///
/// # Shapes and types
/// `x`: n × d, f32 or f64. Returns n f64 values (data units).
/// # Cost
/// Time O(n·d); extra memory the n outputs.
/// # Determinism
/// Bit-identical for every `ctl.par` (each row is one sequential sum).
/// # Errors
/// `Cancelled`.
pub fn row_norms<T: Element>(x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<f64>> {
    let parts = map_chunks(ctl, "norms", x.rows(), CHUNK_ROWS, |r| {
        Ok(r.map(|i| norm(x.row(i))).collect::<Vec<f64>>())
    })?;
    Ok(parts.concat())
}

/// Every row scaled to unit Euclidean length (`xᵢ / ‖xᵢ‖`); all-zero rows stay zero.
///
/// # Shapes and types
/// `x`: n × d, f32 or f64. Returns n × d f64 values, row-major.
/// # Cost
/// Time O(n·d); extra memory the n·d outputs.
/// # Determinism
/// Bit-identical for every `ctl.par`.
/// # Errors
/// `Cancelled`.
pub fn unit_rows<T: Element>(x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<f64>> {
    scaled_rows(x, ctl, "unitRows", |row| {
        let s = norm(row);
        if s > 0.0 {
            1.0 / s
        } else {
            0.0
        }
    })
}

/// Every row widened to f64 (exact: every f32 is an f64), e.g. to run an f64 kNN on f32 data.
///
/// # Shapes and types
/// `x`: n × d, f32 or f64. Returns n × d f64 values, row-major, equal to the input.
/// # Cost
/// Time O(n·d); extra memory the n·d outputs.
/// # Determinism
/// Exact.
/// # Errors
/// `Cancelled`.
pub fn widen<T: Element>(x: MatRef<'_, T>, ctl: &Ctl<'_>) -> Result<Vec<f64>> {
    // `v · 1.0` is `v` for every f64 (signed zeros and NaN payload classes included).
    scaled_rows(x, ctl, "widen", |_| 1.0)
}

/// Every row times its own factor `scale(row)`, in f64, in parallel chunks of [`CHUNK_ROWS`].
fn scaled_rows<T: Element>(
    x: MatRef<'_, T>,
    ctl: &Ctl<'_>,
    phase: &'static str,
    scale: impl Fn(&[T]) -> f64 + Sync,
) -> Result<Vec<f64>> {
    let parts = map_chunks(ctl, phase, x.rows(), CHUNK_ROWS, |r| {
        let mut out = Vec::with_capacity(r.len() * x.cols());
        for i in r {
            let row = x.row(i);
            let inv = scale(row);
            out.extend(row.iter().map(|v| v.to_f64() * inv));
        }
        Ok(out)
    })?;
    Ok(parts.concat())
}

fn norm<T: Element>(row: &[T]) -> f64 {
    row.iter().map(|v| v.to_f64()).fold(0.0, |s, v| s + v * v).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norms_of_a_3_4_row_and_a_zero_row() {
        let x = MatRef::from_flat(&[3.0f32, 4.0, 0.0, 0.0], 2).unwrap();
        assert_eq!(row_norms(x, &Ctl::detached()).unwrap(), vec![5.0, 0.0]);
        assert_eq!(
            unit_rows(x, &Ctl::detached()).unwrap(),
            vec![0.600_000_000_000_000_1, 0.8, 0.0, 0.0]
        );
    }

    #[test]
    fn results_do_not_depend_on_chunking() {
        let data: Vec<f64> = (0..3 * (CHUNK_ROWS + 7)).map(|i| (i % 17) as f64 - 8.0).collect();
        let x = MatRef::from_flat(&data, 3).unwrap();
        let n = row_norms(x, &Ctl::detached()).unwrap();
        let naive: Vec<f64> = data.chunks(3).map(norm).collect();
        assert_eq!(n, naive);
        assert_eq!(unit_rows(x, &Ctl::detached()).unwrap().len(), data.len());
    }

    #[test]
    fn widen_is_exact() {
        let data = [0.1f32, -0.0, f32::MAX, f32::MIN_POSITIVE / 8.0, 3.0, -7.5];
        let x = MatRef::from_flat(&data, 2).unwrap();
        let w = widen(x, &Ctl::detached()).unwrap();
        let want: Vec<f64> = data.iter().map(|&v| f64::from(v)).collect();
        assert_eq!(
            w.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            want.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}
