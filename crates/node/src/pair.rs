//! [`pair_fn!`], the counterpart of [`crate::matrix_fn!`] for functions of two matrices
//! describing the same items (representation comparison; `embgeo_jobs::PairFn`).

/// An [`embgeo_jobs::PairFn`] named `$f` (`$params` options typed `$opts` in TS; `|x, p, ctl| body` its one
/// call, or a path `compute` for `compute(x, p, ctl)?.to_js()`) and its sync/async twins taking
/// `(a, aCols, b, bCols, options)`; `as "T"` as in [`crate::twins!`].
#[macro_export]
macro_rules! pair_fn {
    ($(#[doc = $doc:literal])* $sync:ident, $async_:ident, $f:ident($params:ty, $opts:literal) -> $out:ty,
     $promise:literal, $compute:path) => {
        $crate::pair_fn!($(#[doc = $doc])* $sync, $async_, $f($params, $opts) -> $out, $promise, |x, p, ctl| {
            $crate::out::ToJs::to_js($compute(x, p, ctl)?)
        });
    };
    ($(#[doc = $doc:literal])* $sync:ident, $async_:ident, $f:ident($params:ty, $opts:literal) -> $out:ty $(as $sync_ts:literal)?,
     $promise:literal, |$x:ident, $p:pat, $ctl:ident| $body:block) => {
        /// The call of a pair function.
        pub struct $f;

        impl embgeo_jobs::PairFn for $f {
            type Params = $params;
            type Output = $out;
            fn call<TA: embgeo_core::Element, TB: embgeo_core::Element>(
                $x: embgeo_core::Pair<'_, TA, TB>,
                $p: &$params,
                $ctl: &embgeo_core::Ctl<'_>,
            ) -> embgeo_core::Result<$out> $body
        }

        $crate::twins!(
            $(#[doc = $doc])*
            $sync, $async_ -> $out $(as $sync_ts)?, $promise, embgeo_jobs::PairJob<'static, $f>;
            |env, hold| (
                #[napi(ts_arg_type = "Float32Array | Float64Array")] a: $crate::input::FloatArg,
                a_cols: u32,
                #[napi(ts_arg_type = "Float32Array | Float64Array")] b: $crate::input::FloatArg,
                b_cols: u32,
                #[napi(ts_arg_type = $opts)] options: napi::bindgen_prelude::Object
            ) {
                let params = $crate::input::params(env, options)?;
                Ok(embgeo_jobs::PairJob::<$f> { a: (hold.data(a), a_cols), b: (hold.data(b), b_cols), params })
            }
        );
    };
}
