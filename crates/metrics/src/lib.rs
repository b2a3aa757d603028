//! Summary measures of embedding sets.
//!
//! One measure per module: [`column_stats`] (per-feature mean, variance, min, max).

pub mod column_stats;
