//! The one error enum of the numeric crates.
//!
//! Every variant carries the numbers a user needs (0-based indices, always), `Display` states
//! what was expected, what was found and how to fix it, and [`Error::code`] returns the stable
//! code of the public API (docs: api.md "Errors"), so no layer ever parses messages.

/// Result alias used by every embgeo crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong; see [`Error::code`] for the public code of each variant.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A length or shape disagrees with another (ragged data, feature-count mismatch).
    #[error("{what}: expected {expected}, got {actual}{}", hint(fix))]
    Shape {
        /// Which argument or quantity, e.g. "data.length vs rows * cols".
        what: String,
        /// The expected count.
        expected: usize,
        /// The count found.
        actual: usize,
        /// How to fix it (may be empty).
        fix: &'static str,
    },
    /// Too few rows (or columns) for the method.
    #[error("{what} has {actual} {unit}; {method} needs at least {needed}")]
    Empty {
        /// Which argument.
        what: &'static str,
        /// Rows or columns found.
        actual: usize,
        /// The minimum the method needs.
        needed: usize,
        /// "rows" or "columns".
        unit: &'static str,
        /// The method that needs them.
        method: &'static str,
    },
    /// NaN or ±infinity in an input.
    #[error("{what} contains {kind} at row {row}, column {col} (first of {count} non-finite values); remove or impute them first")]
    NonFinite {
        /// Which argument.
        what: &'static str,
        /// `NaN`, `Infinity` or `-Infinity` (the first one found).
        kind: &'static str,
        /// Row of the first non-finite value (0-based).
        row: usize,
        /// Column of the first non-finite value (0-based).
        col: usize,
        /// How many non-finite values there are in total.
        count: usize,
    },
    /// A parameter outside its valid range.
    #[error("{name} must be {expected}; got {actual}")]
    OutOfRange {
        /// Parameter name as the public API spells it.
        name: &'static str,
        /// The valid range in words, e.g. "an integer >= 1".
        expected: String,
        /// The value received.
        actual: String,
    },
    /// A string parameter outside its set of values (an unknown metric, method or version).
    #[error("{name} must be {expected}; got '{actual}'")]
    InvalidValue {
        /// Parameter name as the public API spells it.
        name: &'static str,
        /// The valid values in words, e.g. "one of 'euclidean', 'cosine'".
        expected: String,
        /// The value received.
        actual: String,
    },
    /// More neighbours asked for than exist.
    #[error("k = {k} but only {available} neighbours are available ({why}); lower k")]
    KTooLarge {
        /// The requested k.
        k: usize,
        /// How many neighbours exist.
        available: usize,
        /// Where the limit comes from, e.g. "corpus has 7 rows, the point itself is excluded".
        why: String,
    },
    /// Zero-distance neighbours under `duplicates: 'error'`.
    #[error("{count} rows have a zero-distance nearest neighbour (exact duplicates); pass duplicates: 'drop' or deduplicate first")]
    Duplicates {
        /// Number of rows affected.
        count: usize,
    },
    /// A degenerate input the method cannot handle (singular covariance, identical points,
    /// zero vectors under cosine).
    #[error("{0}")]
    Degenerate(String),
    /// A model used before it was fitted.
    #[error("this {0} instance is not fitted yet; call fit() before using it")]
    NotFitted(&'static str),
    /// An object is in use by a running job (e.g. `fit` while fitting, `add` while searching).
    #[error("{0}")]
    Busy(&'static str),
    /// Bytes or JSON that are not a model of the expected kind or version.
    #[error("{0}")]
    BadModel(String),
    /// A file whose content is not what its format requires (truncated, corrupt, a header that
    /// disagrees with the size, an unsupported dtype).
    #[error("{path}: {reason} (at {location})")]
    BadFile {
        /// The file as the caller named it.
        path: String,
        /// Where the problem is: "byte 128", "line 3, column 7", "header".
        location: String,
        /// What is wrong and, where possible, how to fix it.
        reason: String,
    },
    /// The operating system refused a file operation (not found, permission, disk full).
    #[error("{path}: {reason}")]
    Io {
        /// The file as the caller named it.
        path: String,
        /// The system's message (e.g. "No such file or directory (os error 2)").
        reason: String,
    },
    /// The caller cancelled the computation.
    #[error("the operation was aborted")]
    Cancelled,
    /// A bug: an invariant was broken (or a panic was caught by the binding).
    #[error("internal error: {0}. This is a bug in embgeo; please report it with the input that caused it")]
    Internal(String),
}

fn hint(fix: &str) -> String {
    if fix.is_empty() {
        String::new()
    } else {
        format!("; {fix}")
    }
}

impl Error {
    /// `NonFinite` for the first non-finite value `x` of `what`, at flat index `i` of a
    /// row-major matrix of `cols` (≥ 1) columns, with `count` non-finite values in all.
    #[must_use]
    pub fn non_finite(what: &'static str, x: f64, i: usize, cols: usize, count: usize) -> Self {
        Error::NonFinite {
            what,
            kind: if x.is_nan() {
                "NaN"
            } else if x > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            },
            row: i / cols,
            col: i % cols,
            count,
        }
    }

    /// The stable public error code (api.md "Errors").
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Shape { .. } => "ERR_SHAPE",
            Error::Empty { .. } => "ERR_EMPTY",
            Error::NonFinite { .. } => "ERR_NON_FINITE",
            Error::OutOfRange { .. } => "ERR_OUT_OF_RANGE",
            Error::InvalidValue { .. } => "ERR_INVALID_ARG_VALUE",
            Error::KTooLarge { .. } => "ERR_K_TOO_LARGE",
            Error::Duplicates { .. } => "ERR_DUPLICATES",
            Error::Degenerate(_) => "ERR_DEGENERATE",
            Error::NotFitted(_) => "ERR_NOT_FITTED",
            Error::Busy(_) => "ERR_BUSY",
            Error::BadModel(_) => "ERR_BAD_MODEL",
            Error::BadFile { .. } => "ERR_BAD_FILE",
            Error::Io { .. } => "ERR_IO",
            Error::Cancelled => "ABORT_ERR",
            Error::Internal(_) => "ERR_INTERNAL",
        }
    }

    /// `Ok` if the count `value` is at least 1, else `OutOfRange` ("{name} must be an integer
    /// >= 1; got 0"): the one check of every block size, tile size and count parameter.
    ///
    /// # Errors
    /// `OutOfRange` when `value == 0`.
    pub fn require_at_least_one(name: &'static str, value: usize) -> Result<()> {
        if value == 0 {
            return Err(Error::OutOfRange {
                name,
                expected: "an integer >= 1".into(),
                actual: "0".into(),
            });
        }
        Ok(())
    }

    /// `Ok` if the count `actual` equals `expected`, else `Shape { what, expected, actual, fix }`:
    /// the check of two sizes that must agree (`what` names them, e.g. "B.rows vs A.rows"; it is
    /// copied only on the error).
    ///
    /// # Errors
    /// `Shape` when `actual != expected`.
    pub fn require_equal(what: &str, expected: usize, actual: usize, fix: &'static str) -> Result<()> {
        if actual != expected {
            return Err(Error::Shape {
                what: what.to_string(),
                expected,
                actual,
                fix,
            });
        }
        Ok(())
    }

    /// `true` for errors the JS layer raises as `TypeError` (`ERR_INVALID_ARG_VALUE`, as in Node).
    #[must_use]
    pub fn is_type_error(&self) -> bool {
        matches!(self, Error::InvalidValue { .. })
    }

    /// `true` for errors of the caller's input (the JS layer raises them as `RangeError`).
    #[must_use]
    pub fn is_range_error(&self) -> bool {
        matches!(
            self,
            Error::Shape { .. }
                | Error::Empty { .. }
                | Error::NonFinite { .. }
                | Error::OutOfRange { .. }
                | Error::KTooLarge { .. }
                | Error::Duplicates { .. }
                | Error::Degenerate(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_public_ones() {
        let cases = [
            (Error::Cancelled, "ABORT_ERR"),
            (Error::Duplicates { count: 3 }, "ERR_DUPLICATES"),
            (Error::Internal("x".into()), "ERR_INTERNAL"),
            (Error::NotFitted("PCA"), "ERR_NOT_FITTED"),
            (
                Error::InvalidValue {
                    name: "metric",
                    expected: "one of 'euclidean', 'cosine'".into(),
                    actual: "manhattan".into(),
                },
                "ERR_INVALID_ARG_VALUE",
            ),
            (
                Error::BadFile {
                    path: "x.npy".into(),
                    location: "byte 10".into(),
                    reason: "bad magic".into(),
                },
                "ERR_BAD_FILE",
            ),
            (
                Error::Io {
                    path: "x.npy".into(),
                    reason: "not found".into(),
                },
                "ERR_IO",
            ),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code);
        }
    }

    #[test]
    fn messages_carry_the_numbers_and_a_fix() {
        let e = Error::NonFinite {
            what: "X",
            kind: "NaN",
            row: 3,
            col: 12,
            count: 5,
        };
        let m = e.to_string();
        assert!(
            m.contains("row 3") && m.contains("column 12") && m.contains("5 non-finite"),
            "{m}"
        );
        let e = Error::KTooLarge {
            k: 10,
            available: 6,
            why: "corpus has 7 rows".into(),
        };
        assert!(e.to_string().contains("k = 10") && e.to_string().contains("lower k"));
    }
}
