//! The jobs of a fittable model (`PCA`, `Whitener`): a fit, transform or inverse transform run
//! on the pool ([`ModelJob`]), and the mutations a host runs on its own thread ([`partial_fit`],
//! [`merge`], [`dispose`]).

use std::sync::Arc;

use embgeo_core::{Ctl, Element, MatRef, Result};
use embgeo_pca::model::{FitModel, Op};

use crate::data::{on_matrix, Data, FloatVec, OnMatrix};
use crate::job::Job;
use crate::model::{HeapBytes, Model, Ticket};

/// A fit, transform or inverse transform of a model, claimed from creation until dropped
/// (`Busy` per [`crate::model`]).
pub struct ModelJob<'a, M: FitModel + HeapBytes> {
    ticket: Ticket<M>,
    data: Data<'a>,
    weights: Option<Vec<f64>>,
    cols: u32,
    op: Op,
}

impl<'a, M: FitModel + HeapBytes> ModelJob<'a, M> {
    /// `op` on `data` (`cols` wide) with `weights` (one per row, whitener fits only).
    pub fn new(
        model: &Arc<Model<M>>,
        op: Op,
        data: Data<'a>,
        cols: u32,
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        let ticket = Ticket::claim(model, matches!(op, Op::Fit | Op::FitTransform))?;
        Ok(Self {
            ticket,
            data,
            weights: weights.map(<[f64]>::to_vec),
            cols,
            op,
        })
    }
}

/// [`FitModel::step`] on rows of either element type.
struct Step<'j, M: FitModel>(&'j M, Op, Option<&'j [f64]>, &'j Ctl<'j>);

impl<M: FitModel> OnMatrix for Step<'_, M> {
    type Output = (Option<M>, Option<FloatVec>);
    fn call<T: Element>(self, x: MatRef<'_, T>) -> Result<Self::Output> {
        let (fitted, rows) = self.0.step(self.1, x, self.2, self.3)?;
        Ok((fitted, rows.map(FloatVec::of)))
    }
}

impl<M: FitModel + HeapBytes> Job for ModelJob<'_, M> {
    /// The transformed rows (`None` for a plain fit), in the input's element type.
    type Output = Option<FloatVec>;

    fn run(&self, ctl: &Ctl<'_>) -> Result<Option<FloatVec>> {
        let (fitted, rows) = {
            let current = self.ticket.model.read();
            on_matrix(
                &self.data,
                self.cols,
                Step(&*current, self.op, self.weights.as_deref(), ctl),
            )?
        };
        if let Some(m) = fitted {
            self.ticket.model.replace(m);
        }
        Ok(rows)
    }
}

/// Replace the fitted state by an unfitted model with the same options; `Busy` while a job is
/// pending.
pub fn dispose<M: FitModel>(model: &Model<M>) -> Result<()> {
    let mut m = model.write()?;
    *m = m.unfitted()?;
    Ok(())
}

/// Accumulate the exact moments of more rows (with `weights`, one per row, whiteners only) into
/// a model and refit from them, on the calling thread (no data kept); `Busy` while a job is
/// pending. Cost: that of [`FitModel::partial_fit_rows`].
pub fn partial_fit<M: FitModel>(
    model: &Model<M>,
    data: &Data<'_>,
    cols: u32,
    weights: Option<&[f64]>,
) -> Result<()> {
    struct Partial<'p, M>(&'p mut M, Option<&'p [f64]>);
    impl<M: FitModel> OnMatrix for Partial<'_, M> {
        type Output = ();
        fn call<T: Element>(self, x: MatRef<'_, T>) -> Result<()> {
            self.0.partial_fit_rows(x, self.1, &Ctl::detached())
        }
    }
    on_matrix(data, cols, Partial(&mut *model.write()?, weights))
}

/// Combine the moments of `other`'s fits into `model` (a copy of `other`'s state is taken
/// first, so `other` may be `model`); `Busy` while a job on `model` is pending.
pub fn merge<M: FitModel + Clone>(model: &Model<M>, other: &Model<M>) -> Result<()> {
    let theirs = other.read().clone();
    model.write()?.merge_from(&theirs, &Ctl::detached())
}
