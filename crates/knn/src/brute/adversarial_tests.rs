//! Rows built to make the f32 screening err as much as it can, so that a bound weaker than the
//! proved one drops a true neighbour (docs/exact-screening.md, "Tests that guard the bound").
//!
//! Euclidean keys of the query `x = (x₁, 0)` against corpus rows `y = (y₁, y₂)`: every f32 tile
//! kernel computes `−2·fl(x₁·y₁)` (the second product is an exact zero in any summation order),
//! the offset is `fl(‖y‖²)` and the fast key their f32 sum, so the search below knows each fast
//! key exactly. It looks for two rows `a`, `b` whose exact keys are nearly tied, `K(a) < K(b)`,
//! while the fast key of `a` exceeds that of `b` by as much as the roundings allow. Once a
//! state's threshold rests on `b`, the scan keeps `a` only if `f(a) < f(b) + 2·margin`; the
//! rows found have `f(a) − f(b) = 0.984·margin`, so a margin cut below 49 % of the proved one
//! drops the nearer row (checked by scaling `Bounds::margin` locally: at 0.45× and 0.48× all 32
//! searches of [`screening_keeps_the_nearer_of_the_adversarial_rows`] return `b`, at 0.50× and
//! 0.55× none does; no other test of the crate's f32 searches fails at 0.45×).
//!
//! Why not more: in the euclidean rows the tile is exact (`x₁` a power of two), so a fast key is
//! the exact one with the offset rounded, then the sum rounded. With `h` half an ulp of the keys'
//! binade, `K(a) < K(b)` leaves the sums before the last rounding less than `2h` apart in the wrong
//! order, and a monotone rounding to a grid of step `2h` keeps that below one step: `f(a) − f(b) ≤
//! 2h`, about 49 % of two margins at these norms. Longer rows, whose tiles round at every step, can
//! err further, but not in an order that holds on every kernel.
//!
//! The dot metric has a construction of the same kind ([`dot_pair`]): the query `(1.1, 1)`,
//! whose second product is exact, so every kernel rounds `x₁·y₁` and then the sum. Its rows
//! reach 19.7 % of the two margins (a dot key has no offset: one ulp of the dot product against
//! `2·(γ₄ + u)·‖x‖‖y‖`), and a margin cut to 0.19× drops the nearer row in every query search.
//! Cosine has one too ([`cosine_pair`]): the query `(≈√3, 1)`, whose unit row is `(x̂₁, ½)`
//! exactly in its second value, so every kernel rounds `x̂₁·ŷ₁` and then the sum of the unit
//! rows' products; the test takes each row's unit row from `Stats` itself. Its rows reach 14.1 % of
//! the two margins (two ulps of the unit rows' dot product against about fourteen), and a
//! margin cut to 0.14× drops the nearer row in every search. f64 data have no such
//! construction here. For f64 rows the margin is mostly the f64 reference's own
//! error (`Bounds::cref`, about six ulps of `‖y‖²` against one for the rounded offset), and the
//! "exact" keys a state's threshold rests on are themselves f64 sums (`exact_key`): on two
//! columns they round `x₁ − y₁` before squaring and lose the tile's contribution, and on rows
//! long enough to make the fast and the reference sums differ the order of the fast sum is the
//! GEMM's, which no kernel-independent construction controls.

use std::sync::OnceLock;

use embgeo_core::{Ctl, Neighbors};

use super::bounds::Bounds;
use super::Params;
use crate::metric::{exact_key, Metric};
use crate::stats::Stats;

/// The query's first value (its second is 0): `2⁻²⁴`, so that the tile `2·x₁·|y₁| ≈ 2⁻²²` sits
/// at half an ulp of the offsets (`‖y‖² ≈ 4`, ulp `2⁻²¹`), where the sum's rounding is decided.
const X1: f32 = 1.0 / 16_777_216.0;

/// The f32 fast key of `y` for the query `(X1, 0)` as every f32 kernel forms it: `−2·fl(x₁·y₁)`
/// plus `fl(‖y‖²)` (rounded from f64, as `Stats` does), summed in f32.
fn fast_key(y: [f32; 2]) -> f32 {
    let tile = -2.0 * (X1 * y[0]);
    let off = (f64::from(y[0]).powi(2) + f64::from(y[1]).powi(2)) as f32;
    tile + off
}

/// `K(y) − ‖x‖²` exactly: `‖y‖² + 2·x₁·|y₁|` for `y₁ < 0`. Every term is a multiple of `2⁻⁴⁵`
/// below `2³`, so the f64 sum is exact.
fn key_part(y: [f32; 2]) -> f64 {
    f64::from(y[0]).powi(2) + f64::from(y[1]).powi(2) - 2.0 * f64::from(X1) * f64::from(y[0])
}

fn norm(y: [f32; 2]) -> f64 {
    (f64::from(y[0]).powi(2) + f64::from(y[1]).powi(2)).sqrt()
}

/// One construction: a query, its metric, the exact key and the f32 fast key of a corpus row
/// (both known exactly for the rows it is searched over).
struct Construction {
    x: [f32; 2],
    metric: Metric,
    key: fn([f32; 2]) -> f64,
    fast: fn([f32; 2]) -> f32,
}

impl Construction {
    /// The screening margin of the query against corpus rows of largest norm `ny` (d = 2).
    fn margin(&self, ny: f64) -> f64 {
        Bounds::new::<f32>(self.metric, 2).margin(norm(self.x), ny)
    }

    /// Among `rows`, the pair `(a, b)` with `key(a) < key(b)` and the largest `fast(a) −
    /// fast(b)` (rows with equal keys never pair up), and `w`, that difference over two margins
    /// (against the largest norm of `rows`). Deterministic.
    fn worst_pair(&self, mut rows: Vec<[f32; 2]>) -> ([f32; 2], [f32; 2], f64) {
        let (key, fast) = (self.key, self.fast);
        let ny = rows.iter().map(|y| norm(*y)).fold(0.0, f64::max);
        rows.sort_by(|p, q| key(*p).total_cmp(&key(*q)));
        // sweep the groups of equal key in increasing order: each row against the largest fast
        // key of the rows strictly below it
        let mut best: Option<([f32; 2], [f32; 2], f32)> = None;
        let mut top: Option<[f32; 2]> = None;
        for group in rows.chunk_by(|p, q| key(*p).total_cmp(&key(*q)).is_eq()) {
            for &b in group {
                if let Some(a) = top {
                    let gap = fast(a) - fast(b);
                    if best.is_none_or(|(_, _, g)| gap > g) {
                        best = Some((a, b, gap));
                    }
                }
            }
            for &y in group {
                if top.is_none_or(|t| fast(y) > fast(t)) {
                    top = Some(y);
                }
            }
        }
        let (a, b, gap) = best.expect("at least two distinct keys");
        (a, b, f64::from(gap) / (2.0 * self.margin(ny)))
    }

    /// `a` is the nearer row (by this key and by the engine's exact key) and the bound holds for
    /// both rows' fast keys.
    fn check_pair(&self, a: [f32; 2], b: [f32; 2]) {
        let (key, fast) = (self.key, self.fast);
        assert!(key(a) < key(b), "a is the nearer row");
        let m = self.margin(norm(a).max(norm(b)));
        for y in [a, b] {
            let err = f64::from(fast(y)) - key(y);
            assert!(err.abs() <= m, "the bound holds for {y:?}: {err} vs {m}");
        }
        assert!(
            exact_key(self.metric, &self.x[..], &a[..]) < exact_key(self.metric, &self.x[..], &b[..]),
            "the engine's exact keys order them the same way"
        );
    }
}

/// The euclidean construction: the query `(X1, 0)`, keys less `‖x‖²` on both sides.
const EUCLIDEAN: Construction = Construction {
    x: [X1, 0.0],
    metric: Metric::Euclidean,
    key: key_part,
    fast: fast_key,
};

/// The euclidean pair `(a, b)` and `w = (f(a) − f(b)) / (2·margin)`: rows with `y₁ = −2` or
/// one ulp beyond, `y₂ = j·2⁻¹⁷` (`j < 8192`).
fn adversarial_pair() -> ([f32; 2], [f32; 2], f64) {
    let rows: Vec<[f32; 2]> = [-2.0f32, -2.0f32 - 2.0 * f32::EPSILON]
        .into_iter()
        .flat_map(|y1| (0..8192u16).map(move |j| [y1, f32::from(j) / 131_072.0]))
        .collect();
    EUCLIDEAN.worst_pair(rows)
}

/// The `k` nearest rows of `c` (`d` columns) to `x` by the naive f64 brute force (exact keys,
/// ties to the lower index), row `skip` left out.
fn naive(x: &[f32], c: &[f32], d: usize, k: usize, metric: Metric, skip: Option<usize>) -> Vec<u32> {
    let mut keys: Vec<(f64, u32)> = c
        .chunks_exact(d)
        .enumerate()
        .filter(|&(j, _)| Some(j) != skip)
        .map(|(j, y)| (exact_key(metric, x, y), j as u32))
        .collect();
    keys.sort_by(|p, r| p.0.total_cmp(&r.0).then(p.1.cmp(&r.1)));
    keys.into_iter().take(k).map(|(_, j)| j).collect()
}

/// One f32 search on the given tiles (`in_place`: the kernel layer's in-place corpus tiles,
/// else faer's GEMM; queries within `p.few_queries` take SIMD dot products either way).
fn search(c: &[f32], q: Option<&[f32]>, p: &Params, in_place: bool) -> Neighbors {
    super::in_place_tests::search(c, q, 2, p, in_place).0
}

/// The rows found bite: nearly tied exact keys, the nearer one with the larger fast key, by
/// at least 49 % of the two margins the scan allows; and the margin holds for both.
#[test]
fn the_adversarial_pair_spends_half_the_margin() {
    let (a, b, w) = adversarial_pair();
    EUCLIDEAN.check_pair(a, b);
    let m = EUCLIDEAN.margin(norm(a).max(norm(b)));
    assert!(
        key_part(b) - key_part(a) < 0.1 * m,
        "nearly tied exact keys: {} of the margin",
        (key_part(b) - key_part(a)) / m
    );
    assert!(w >= 0.49, "f(a) − f(b) = {w} of two margins");
}

/// Every search of the query `x` against the decoy `b` (once, or 40 times so that a state's
/// buffer fills and its threshold rests on `b`'s fast key) followed by the true neighbour `a`,
/// under each of `metrics`, returns the naive f64 brute force's answer (`a` for `x`): one query
/// (the few-queries SIMD dot products) and 48 copies of it (tiles), and all points with `x` as
/// row 0 (symmetric and general pass), on both tile kinds (faer's GEMM and the in-place corpus
/// tiles). Returns how many searches ran.
fn check_searches(x: [f32; 2], a: [f32; 2], b: [f32; 2], metrics: &[Metric]) -> usize {
    let mut searches = 0;
    for decoys in [1usize, 40] {
        let mut c: Vec<f32> = std::iter::repeat_n(b, decoys).flatten().collect();
        c.extend(a);
        for &metric in metrics {
            for nq in [1usize, 48] {
                let q: Vec<f32> = std::iter::repeat_n(x, nq).flatten().collect();
                let p = Params {
                    k: 1,
                    metric,
                    ..Params::default()
                };
                let want: Vec<u32> = q
                    .chunks_exact(2)
                    .flat_map(|x| naive(x, &c, 2, 1, metric, None))
                    .collect();
                assert!(want.iter().all(|&j| j as usize == decoys), "a is the answer");
                for in_place in [false, true] {
                    let got = search(&c, Some(&q), &p, in_place);
                    assert_eq!(
                        got.indices, want,
                        "{decoys} decoys, {metric:?}, {nq} queries, in place {in_place}"
                    );
                    searches += 1;
                }
            }
            let mut all: Vec<f32> = x.to_vec();
            all.extend_from_slice(&c);
            for symmetric in [true, false] {
                let p = Params {
                    k: 1,
                    metric,
                    symmetric,
                    ..Params::default()
                };
                let want: Vec<u32> = (0..all.len() / 2)
                    .flat_map(|i| naive(&all[2 * i..2 * i + 2], &all, 2, 1, metric, Some(i)))
                    .collect();
                assert_eq!(want[0] as usize, decoys + 1, "a is row 0's answer");
                for in_place in [false, true] {
                    let got = search(&all, None, &p, in_place);
                    assert_eq!(
                        got.indices, want,
                        "all points, {decoys} decoys, {metric:?}, symmetric {symmetric}, in place {in_place}"
                    );
                    searches += 1;
                }
            }
        }
    }
    searches
}

/// With the proved margin the nearer of the euclidean pair is found by every search of
/// [`check_searches`], euclidean and squared (32 searches).
#[test]
fn screening_keeps_the_nearer_of_the_adversarial_rows() {
    let (a, b, _) = adversarial_pair();
    let searches = check_searches(EUCLIDEAN.x, a, b, &[Metric::Euclidean, Metric::SqEuclidean]);
    assert_eq!(searches, 32);
}

/// The dot-product query `(1.1, 1)`: its second value is a power of two, so every f32 kernel
/// computes the dot product `fl(fl(x₁·y₁) + y₂)` (the second product exact, added in any
/// order), and the fast key is its negation.
const DOT_X: [f32; 2] = [1.1, 1.0];

/// The f32 fast key of `y` for [`DOT_X`] under the dot metric.
fn dot_fast_key(y: [f32; 2]) -> f32 {
    -(DOT_X[0] * y[0] + y[1])
}

/// The exact dot key `−x·y` of `y` for [`DOT_X`]: the product has 48 bits above `2⁻⁴⁶` and `y₂`
/// none below `2⁻²⁴`, so the f64 sum is exact.
fn dot_key(y: [f32; 2]) -> f64 {
    -(f64::from(DOT_X[0]) * f64::from(y[0]) + f64::from(y[1]))
}

/// The dot construction: the query [`DOT_X`].
const DOT: Construction = Construction {
    x: DOT_X,
    metric: Metric::Dot,
    key: dot_key,
    fast: dot_fast_key,
};

/// The dot pair `(a, b)` and `w = (f(a) − f(b)) / (2·margin)`: rows with `y₁` 1.1 and the next
/// 63 floats, `y₂` 0.7901 and the next 4,095, so that `x·y` sits just above 2 (where an ulp of
/// the dot product is largest against it).
fn dot_pair() -> ([f32; 2], [f32; 2], f64) {
    let next = |v: f32, i: u32| f32::from_bits(v.to_bits() + i);
    let rows: Vec<[f32; 2]> = (0..64)
        .flat_map(|i| (0..4096).map(move |j| [next(1.1, i), next(0.7901, j)]))
        .collect();
    DOT.worst_pair(rows)
}

/// The dot pair bites: the nearer row (larger dot product) has the larger fast key by 0.39 of
/// the margin, 19.7 % of the two margins the scan allows (one ulp of the dot product against
/// `γ₄ + u` of `‖x‖‖y‖`: about 20 % at most, for aligned rows); the margin holds for both, and
/// every search of [`check_searches`] finds the nearer row (16 searches). Scaling
/// `Bounds::margin` locally: at 0.19× every query search returns the decoy, at 0.17× all 16 do
/// (all points bound row 0 with the largest norm of all rows, its own, so their margin is
/// wider); at 0.2× half of them.
#[test]
fn dot_screening_keeps_the_nearer_of_the_adversarial_rows() {
    let (a, b, w) = dot_pair();
    DOT.check_pair(a, b);
    assert!(w >= 0.19, "f(a) − f(b) = {w} of two margins");
    assert_eq!(check_searches(DOT_X, a, b, &[Metric::Dot]), 16);
}

/// The unit row the engine multiplies under cosine (`Stats`: each value over the f64 norm,
/// rounded to f32).
fn unit(y: [f32; 2]) -> [f32; 2] {
    let s = Stats::compute(Metric::Cosine, &y[..], 2, "row", &Ctl::detached()).expect("a non-zero row");
    [s.unit[0], s.unit[1]]
}

/// The cosine query: `x₂ = 1` and `x₁` the float nearest `√3` (or the next one up or down)
/// whose unit row has `x̂₂ = 1/2` exactly, so that, as for [`DOT_X`], every f32 kernel computes
/// the unit rows' dot product as `fl(fl(x̂₁·ŷ₁) + x̂₂·ŷ₂)` (the second product exact).
fn cosine_x() -> [f32; 2] {
    static X: OnceLock<[f32; 2]> = OnceLock::new();
    *X.get_or_init(|| {
        let near = 3f32.sqrt().to_bits();
        [near, near + 1, near - 1, near + 2, near - 2]
            .into_iter()
            .map(|b| [f32::from_bits(b), 1.0])
            .find(|x| unit(*x)[1].to_bits() == 0.5f32.to_bits())
            .expect("a float near √3 whose unit row has x̂₂ = 1/2")
    })
}

/// The f32 fast key of `y` under cosine against [`cosine_x`]: minus the unit rows' dot product
/// in the order every f32 kernel forms it (see there).
fn cosine_fast_key(y: [f32; 2]) -> f32 {
    static XH: OnceLock<[f32; 2]> = OnceLock::new();
    let (xh, yh) = (*XH.get_or_init(|| unit(cosine_x())), unit(y));
    -(xh[0] * yh[0] + xh[1] * yh[1])
}

/// The exact cosine key less its base 1, `−x·y/(‖x‖‖y‖)`, as the engine's f64 reference forms
/// it (`exact_key`; `1 − c` is exact for `c` in [½, 1], so subtracting 1 again restores `−c`).
fn cosine_key(y: [f32; 2]) -> f64 {
    exact_key(Metric::Cosine, &cosine_x()[..], &y[..]) - 1.0
}

/// The cosine pair `(a, b)` and `w = (f(a) − f(b)) / (2·margin)`: rows with `y₁` 0.8 and the
/// next 63 floats, `y₂` 0.55 and the next 4,095 (about 4° from the query, where the unit rows'
/// dot product sits in [½, 1) and an ulp of it is 2⁻²⁴).
fn cosine_pair() -> ([f32; 2], [f32; 2], f64) {
    let next = |v: f32, i: u32| f32::from_bits(v.to_bits() + i);
    let rows: Vec<[f32; 2]> = (0..64)
        .flat_map(|i| (0..4096).map(move |j| [next(0.8, i), next(0.55, j)]))
        .collect();
    cosine().worst_pair(rows)
}

/// The cosine construction: the query [`cosine_x`].
fn cosine() -> Construction {
    Construction {
        x: cosine_x(),
        metric: Metric::Cosine,
        key: cosine_key,
        fast: cosine_fast_key,
    }
}

/// The cosine pair bites: the nearer row (larger cosine) has the larger fast key by two ulps of
/// the unit rows' dot product, 14.1 % of the two margins the scan allows (one margin is about
/// seven ulps there: `1.01·(γ₄ + 3.01·u)`, `γ₄` from `Bounds::new`'s `γ_{d+2}`, plus the f64
/// reference's and the subnormal terms); the margin holds for both rows, and every search of
/// [`check_searches`] finds the nearer row (16 searches). Scaling the cosine `Bounds::margin`
/// locally: at 0.30× no search fails; at 0.27× the four all-points searches with 40 decoys do
/// (the identical decoys, whose unit rows' self products miss 1 by their rounding, no longer
/// find each other as ties to the lower index); at 0.16× the four query searches with 40
/// decoys too; at 0.14× all 16 return the decoy for `x`.
#[test]
fn cosine_screening_keeps_the_nearer_of_the_adversarial_rows() {
    let construction = cosine();
    assert_eq!(
        unit(construction.x)[1].to_bits(),
        0.5f32.to_bits(),
        "x̂₂ is ½ exactly"
    );
    let (a, b, w) = cosine_pair();
    construction.check_pair(a, b);
    assert!(w >= 0.14, "f(a) − f(b) = {w} of two margins");
    assert_eq!(check_searches(construction.x, a, b, &[Metric::Cosine]), 16);
}
