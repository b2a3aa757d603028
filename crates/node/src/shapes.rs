//! [`numeric_fn!`]: one numeric function of a given shape (`embgeo_jobs`' [`embgeo_jobs::MatrixFn`],
//! [`embgeo_jobs::PairFn`] or [`embgeo_jobs::CorpusFn`]) as sync/async twins, with the result
//! object it returns.

/// The function `$f` of shape `matrix` (arguments `(data, cols, options)`), `pair` (two
/// matrices describing the same items: `(a, aCols, b, bCols, options)`) or `corpus` (a corpus
/// and queries of its element type: `(corpus, cols, queries, options)`, `x = (corpus, queries)`,
/// the queries typed by a second literal), its options `$params` typed `$opts` in TS, declared
/// as [`crate::twins!`] (`as "T"` as there). Its one call is `|x, p, ctl| body` or a path
/// `compute`, meaning `compute(x, p, ctl)?.to_js()`. A tail `; from Src => |r| { fields }`
/// (docs first) declares the result object `$out` by [`crate::js_object!`]. Docs are written
/// `#[doc = " ..."]` (see [`crate::twins!`]).
#[macro_export]
macro_rules! numeric_fn {
    ($shape:ident $(#[doc = $doc:literal])* $sync:ident, $async_:ident,
     $f:ident($params:ty, $($opts:literal),+) -> $out:ident $(as $ts:literal)?, $promise:literal,
     $compute:path $(; $($object:tt)+)?) => {
        $crate::numeric_fn!($shape $(#[doc = $doc])* $sync, $async_, $f($params, $($opts),+) -> $out
            $(as $ts)?, $promise, |x, p, ctl| { $crate::out::ToJs::to_js($compute(x, p, ctl)?) }
            $(; $($object)+)?);
    };
    ($shape:ident $(#[doc = $doc:literal])* $sync:ident, $async_:ident,
     $f:ident($params:ty, $($opts:literal),+) -> $out:ident $(as $ts:literal)?, $promise:literal,
     |$x:pat, $p:pat, $ctl:ident| $body:block $(; $(#[doc = $odoc:literal])* from $($object:tt)+)?) => {
        $($crate::js_object!($(#[doc = $odoc])* $out from $($object)+);)?

        /// The call of a numeric function.
        pub struct $f;

        $crate::numeric_fn!(@$shape $f($params, $($opts),+) -> $out, |$x, $p, $ctl| $body;
            [$(#[doc = $doc])* $sync, $async_ -> $out $(as $ts)?, $promise]);
    };
    (@matrix $f:ident($params:ty, $opts:literal) -> $out:ident, |$x:pat, $p:pat, $ctl:ident| $body:block;
     [$($twins:tt)*]) => {
        impl embgeo_jobs::MatrixFn for $f {
            type Params = $params;
            type Output = $out;
            fn call<T: embgeo_core::Element>(
                $x: embgeo_core::MatRef<'_, T>, $p: &$params, $ctl: &embgeo_core::Ctl<'_>,
            ) -> embgeo_core::Result<$out> $body
        }

        $crate::twins!($($twins)*, embgeo_jobs::MatrixJob<'static, $f>; |env, hold| (
            #[napi(ts_arg_type = "Float32Array | Float64Array")] data: $crate::input::FloatArg,
            cols: u32,
            #[napi(ts_arg_type = $opts)] options: napi::bindgen_prelude::Object
        ) {
            let data = hold.keep($crate::input::float_data(data));
            Ok(embgeo_jobs::MatrixJob::<$f> { data, cols, params: $crate::input::params(env, options)? })
        });
    };
    (@pair $f:ident($params:ty, $opts:literal) -> $out:ident, |$x:pat, $p:pat, $ctl:ident| $body:block;
     [$($twins:tt)*]) => {
        impl embgeo_jobs::PairFn for $f {
            type Params = $params;
            type Output = $out;
            fn call<TA: embgeo_core::Element, TB: embgeo_core::Element>(
                $x: embgeo_core::Pair<'_, TA, TB>, $p: &$params, $ctl: &embgeo_core::Ctl<'_>,
            ) -> embgeo_core::Result<$out> $body
        }

        $crate::twins!($($twins)*, embgeo_jobs::PairJob<'static, $f>; |env, hold| (
            #[napi(ts_arg_type = "Float32Array | Float64Array")] a: $crate::input::FloatArg,
            a_cols: u32,
            #[napi(ts_arg_type = "Float32Array | Float64Array")] b: $crate::input::FloatArg,
            b_cols: u32,
            #[napi(ts_arg_type = $opts)] options: napi::bindgen_prelude::Object
        ) {
            let (a, b) = (hold.keep($crate::input::float_data(a)), hold.keep($crate::input::float_data(b)));
            let params = $crate::input::params(env, options)?;
            Ok(embgeo_jobs::PairJob::<$f> { a: (a, a_cols), b: (b, b_cols), params })
        });
    };
    (@corpus $f:ident($params:ty, $opts:literal, $queries:literal) -> $out:ident,
     |$x:pat, $p:pat, $ctl:ident| $body:block; [$($twins:tt)*]) => {
        impl embgeo_jobs::CorpusFn for $f {
            type Params = $params;
            type Output = $out;
            fn call<T: embgeo_core::Element>(
                corpus: embgeo_core::MatRef<'_, T>, queries: Option<embgeo_core::MatRef<'_, T>>,
                $p: &$params, $ctl: &embgeo_core::Ctl<'_>,
            ) -> embgeo_core::Result<$out> {
                let $x = (corpus, queries);
                $body
            }
        }

        $crate::twins!($($twins)*, embgeo_jobs::CorpusJob<'static, $f>; |env, hold| (
            #[napi(ts_arg_type = "Float32Array | Float64Array")] corpus: $crate::input::FloatArg,
            cols: u32,
            #[napi(ts_arg_type = $queries)] queries: Option<$crate::input::FloatArg>,
            #[napi(ts_arg_type = $opts)] options: napi::bindgen_prelude::Object
        ) {
            let corpus = hold.keep($crate::input::float_data(corpus));
            let queries = hold.keep(queries.map($crate::input::float_data));
            let params = $crate::input::params(env, options)?;
            Ok(embgeo_jobs::CorpusJob::<$f> { corpus, queries, cols, params })
        });
    };
}
