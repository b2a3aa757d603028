//! Geometry for nearest-neighbour search (issue 14), on embgeo's exact kNN engine:
//!
//! - [`reduction`]: hubness reduction that returns re-ranked **exact** neighbour lists under a
//!   secondary distance (mutual proximity, local scaling, NICDM, CSLS), with hubness before
//!   and after;
//! - [`difficulty`]: per-query difficulty of a query set against a corpus (query LID, relative
//!   contrast, expansion).
//!
//! Every primary distance comes from `embgeo_knn` (exact f64, ties to the lower index); no
//! second brute force lives here.

pub mod difficulty;
pub mod reduction;
