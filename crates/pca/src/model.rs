//! What [`Pca`] and [`Whitener`] share as fitted models: options, a fresh unfitted copy, fit,
//! exact streaming (`partial_fit`, `merge`), the two transforms, the file forms, and [`FitModel::step`], the one rule for a fit or
//! transform request (a fit is built aside on a fresh model and returned, so a failed or
//! cancelled fit leaves the current model unchanged). A binding serves both models with one
//! generic class through this trait.

use embgeo_core::{Ctl, Element, MatRef, Result};
use serde::de::DeserializeOwned;

use crate::{model_io, pca, whiten, Pca, Whitener};

/// A fit or transform request on a model (deserialised from its camelCase name, `"fitTransform"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Op {
    /// Fit a fresh model on the rows.
    Fit,
    /// Fit a fresh model, then transform the same rows with it.
    FitTransform,
    /// Project the rows with the current model.
    Transform,
    /// Map projected rows back to the input space.
    InverseTransform,
}

/// A fittable model (PCA or whitener).
pub trait FitModel: Sized + Send + Sync + 'static {
    /// The model's options (serde, camelCase, unknown names rejected).
    type Params: DeserializeOwned;
    /// The `ERR_BUSY` message when a request meets a pending job on the same model.
    const BUSY: &'static str;
    /// A new, unfitted model.
    /// # Errors
    /// `OutOfRange` / `InvalidValue` for options the model refuses.
    fn create(p: Self::Params) -> Result<Self>;
    /// A new, unfitted model with this model's options.
    /// # Errors
    /// As [`FitModel::create`] (the options were accepted once, so none in practice).
    fn unfitted(&self) -> Result<Self>;
    /// Fit on `x` (`n × d`); `weights` (one per row) are used by whiteners only.
    /// # Errors
    /// The model's fit errors (shape, non-finite values, too few rows, `Cancelled`).
    fn fit_rows<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        weights: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<()>;
    /// Add the rows of `x` to the model's exact streaming moments and refit from them
    /// ([`Pca::partial_fit`], [`Whitener::partial_fit`]); `weights` are used by whiteners only.
    /// # Errors
    /// The model's partial-fit errors; on error the model is unchanged.
    fn partial_fit_rows<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        weights: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<()>;
    /// Merge the moments of `other` (rows fitted elsewhere) and refit ([`Pca::merge`],
    /// [`Whitener::merge`]).
    /// # Errors
    /// `NotFitted` if `other` has seen no rows, and the model's merge errors; on error the model
    /// is unchanged.
    fn merge_from(&mut self, other: &Self, ctl: &Ctl<'_>) -> Result<()>;
    /// The forward (`inverse == false`) or inverse transform of `x`, in `x`'s element type.
    /// # Errors
    /// `NotFitted`, `Shape` (wrong width), `Cancelled`.
    fn apply<T: Element>(&self, x: MatRef<'_, T>, inverse: bool, ctl: &Ctl<'_>) -> Result<Vec<T>>;
    /// Bytes of heap the model holds now.
    fn heap_bytes(&self) -> usize;
    /// The JSON form.
    /// # Errors
    /// `NotFitted`, `Internal` (serialisation).
    fn to_json(&self) -> Result<String>;
    /// Load the JSON form.
    /// # Errors
    /// `InvalidValue` for a malformed or inconsistent document.
    fn from_json(s: &str) -> Result<Self>;
    /// The safetensors form.
    /// # Errors
    /// `NotFitted`, `Internal` (serialisation).
    fn to_bytes(&self) -> Result<Vec<u8>>;
    /// Load the safetensors form.
    /// # Errors
    /// `InvalidValue` for a malformed or inconsistent file.
    fn from_bytes(b: &[u8]) -> Result<Self>;

    /// Run `op` on `x`: a transform uses this model; a fit fits a fresh model with the same
    /// options and returns it (the caller swaps it in), with the transformed rows for
    /// `FitTransform`. Cost: that of the fit and/or transform.
    /// # Errors
    /// Those of [`FitModel::fit_rows`] and [`FitModel::apply`].
    fn step<T: Element>(
        &self,
        op: Op,
        x: MatRef<'_, T>,
        weights: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<(Option<Self>, Option<Vec<T>>)> {
        if matches!(op, Op::Transform | Op::InverseTransform) {
            let rows = self.apply(x, op == Op::InverseTransform, ctl)?;
            return Ok((None, Some(rows)));
        }
        let mut fresh = self.unfitted()?;
        fresh.fit_rows(x, weights, ctl)?;
        let rows = if op == Op::FitTransform {
            Some(fresh.apply(x, false, ctl)?)
        } else {
            None
        };
        Ok((Some(fresh), rows))
    }
}

/// The [`FitModel`] items `Pca` and `Whitener` share: options, busy message, transforms, files.
macro_rules! fit_model_common {
    ($m:ident, $module:ident, $what:literal, $to_json:ident, $from_json:ident, $to_bytes:ident, $from_bytes:ident) => {
        type Params = $module::Params;
        const BUSY: &'static str = concat!(
            "this ",
            $what,
            " has a pending fit or transform; await it first"
        );
        fn create(p: $module::Params) -> Result<Self> {
            $m::new(p)
        }
        fn unfitted(&self) -> Result<Self> {
            $m::new(*self.params())
        }
        fn apply<T: Element>(&self, x: MatRef<'_, T>, inverse: bool, ctl: &Ctl<'_>) -> Result<Vec<T>> {
            if inverse {
                self.inverse_transform(x, ctl)
            } else {
                self.transform(x, ctl)
            }
        }
        fn heap_bytes(&self) -> usize {
            $m::heap_bytes(self)
        }
        fn to_json(&self) -> Result<String> {
            model_io::$to_json(self)
        }
        fn from_json(s: &str) -> Result<Self> {
            model_io::$from_json(s)
        }
        fn to_bytes(&self) -> Result<Vec<u8>> {
            model_io::$to_bytes(self)
        }
        fn from_bytes(b: &[u8]) -> Result<Self> {
            model_io::$from_bytes(b)
        }
    };
}

impl FitModel for Pca {
    fit_model_common!(
        Pca,
        pca,
        "PCA",
        pca_to_json,
        pca_from_json,
        pca_to_bytes,
        pca_from_bytes
    );
    fn fit_rows<T: Element>(&mut self, x: MatRef<'_, T>, _: Option<&[f64]>, ctl: &Ctl<'_>) -> Result<()> {
        self.fit(x, ctl)
    }
    fn partial_fit_rows<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        _: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<()> {
        self.partial_fit(x, ctl)
    }
    fn merge_from(&mut self, other: &Self, ctl: &Ctl<'_>) -> Result<()> {
        self.merge(other, ctl)
    }
}

impl FitModel for Whitener {
    fit_model_common!(
        Whitener,
        whiten,
        "Whitener",
        whitener_to_json,
        whitener_from_json,
        whitener_to_bytes,
        whitener_from_bytes
    );
    fn fit_rows<T: Element>(&mut self, x: MatRef<'_, T>, w: Option<&[f64]>, ctl: &Ctl<'_>) -> Result<()> {
        self.fit(x, w, ctl)
    }
    fn partial_fit_rows<T: Element>(
        &mut self,
        x: MatRef<'_, T>,
        w: Option<&[f64]>,
        ctl: &Ctl<'_>,
    ) -> Result<()> {
        self.partial_fit(x, w, ctl)
    }
    fn merge_from(&mut self, other: &Self, ctl: &Ctl<'_>) -> Result<()> {
        self.merge(other, ctl)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> Vec<f64> {
        (0..40)
            .map(|i| f64::from(i).sin() * 3.0 + f64::from(i % 7))
            .collect()
    }

    #[test]
    fn a_fit_step_leaves_the_model_unfitted_and_returns_the_fitted_one() {
        let x = data();
        let m = MatRef::from_flat(&x, 4).unwrap();
        let pca = Pca::create(pca::Params::default()).unwrap();
        let ctl = Ctl::detached();
        let (fresh, rows) = pca.step(Op::FitTransform, m, None, &ctl).unwrap();
        assert!(
            pca.fitted().is_err(),
            "the current model is not changed by a fit step"
        );
        let fresh = fresh.unwrap();
        assert_eq!(rows.unwrap(), fresh.transform(m, &ctl).unwrap());
        let (none, back) = fresh.step(Op::Transform, m, None, &ctl).unwrap();
        assert!(none.is_none());
        assert_eq!(back.unwrap(), fresh.transform(m, &ctl).unwrap());
    }

    #[test]
    fn a_failed_fit_step_returns_the_error_and_no_model() {
        let x = [1.0_f64, 2.0, 3.0];
        let m = MatRef::from_flat(&x, 3).unwrap();
        let w = Whitener::create(whiten::Params::default()).unwrap();
        let e = w.step(Op::Fit, m, None, &Ctl::detached()).unwrap_err();
        assert!(w.state().is_err());
        assert!(!e.code().is_empty());
    }

    #[test]
    fn the_busy_messages_name_the_model() {
        assert!(<Pca as FitModel>::BUSY.starts_with("this PCA "));
        assert!(<Whitener as FitModel>::BUSY.starts_with("this Whitener "));
    }
}
