//! What the mergeable states of the summary measures share ([`crate::column_stats::ColumnStatsPart`],
//! [`crate::anisotropy_part::AnisotropyPart`], [`crate::hubness_part::HubnessPart`]): a pairwise
//! merge, [`merge_all`], the merge of a list in order, and [`split_parts`], a non-empty list's
//! first part and the rest.

use embgeo_core::{Error, Result};

/// A state of some rows that absorbs the state of other rows.
pub trait Mergeable: Clone {
    /// Merge `other` into `self`; on error `self` is unchanged.
    /// # Errors
    /// The part's merge errors (`Shape` for another column count, …).
    fn merge(&mut self, other: &Self) -> Result<()>;
}

/// `parts[0]` merged with each later part, in order. O(Σ merge cost) time, one part of memory.
///
/// # Errors
/// `Empty` if `parts` is empty (`method` names the caller), and the merge errors.
pub fn merge_all<P: Mergeable>(parts: &[P], method: &'static str) -> Result<P> {
    let (first, rest) = split_parts(parts, method)?;
    let mut acc = first.clone();
    for p in rest {
        acc.merge(p)?;
    }
    Ok(acc)
}

/// The first part and the others.
///
/// # Errors
/// `Empty` if `parts` is empty (`method` names the caller).
pub fn split_parts<'a, P>(parts: &'a [P], method: &'static str) -> Result<(&'a P, &'a [P])> {
    parts.split_first().ok_or(Error::Empty {
        what: "parts",
        actual: 0,
        needed: 1,
        unit: "parts",
        method,
    })
}
