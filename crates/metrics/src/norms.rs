//! Euclidean row norms and unit-length rows.

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
    let parts = map_chunks(ctl, "unitRows", x.rows(), CHUNK_ROWS, |r| {
        let mut out = Vec::with_capacity(r.len() * x.cols());
        for i in r {
            let row = x.row(i);
            let s = norm(row);
            let inv = if s > 0.0 { 1.0 / s } else { 0.0 };
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
}
