//! Exact brute-force k-nearest neighbours: GEMM-tiled candidate pass with a fused, error-bounded
//! top-k selection, then exact f64 re-ranking of the survivors.
//!
//! Work is a grid of units (query block × corpus slice). A unit walks its corpus slice in tiles
//! of `corpus_block` rows: one GEMM (faer, on the worker's thread) or, for few queries, SIMD dot
//! products fill a `query_block × corpus_block` key tile, and the same worker immediately scans
//! it against each row's cached threshold ([`crate::select`]). The grid depends only on the
//! shapes and `Params`, never on the thread count, and every reported value is an exact f64
//! recomputation, so outputs are bit-identical for any pool size.

use embgeo_core::chunks::map_chunks;
use embgeo_core::{Ctl, Element, Error, MatRef, Neighbors, Result};

use crate::metric::{cosine_from_norms, dot, sq_euclidean, Metric};
pub(crate) use crate::real::cast;
use crate::real::{self, Real};
use crate::select::{by_key_then_index, TopK};
use crate::stats::Stats;

/// Parameters of the exact search.
///
/// `Default` = scikit-learn `NearestNeighbors()` defaults (`n_neighbors = 5`, euclidean) plus
/// the tile sizes below; tile sizes change speed and memory, never results.
/// Deserialised from the camelCase options object of the bindings (`{ k, metric }`; unknown
/// names are rejected, missing ones take the defaults).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct Params {
    /// Neighbours per query (`>= 1`). Default 5.
    pub k: usize,
    /// Distance. Default [`Metric::Euclidean`].
    pub metric: Metric,
    /// Query rows per tile (rows of one GEMM). Default 384 (a multiple of faer's 96-row f32
    /// micro-kernel on AVX-512).
    pub query_block: usize,
    /// Corpus rows per tile (columns of one GEMM). Default 1024: the 384 × 1024 f32 key tile
    /// is 1.5 MiB and stays in a 2 MiB L2 (measured best of 192–576 × 512–2048 on the
    /// benchmark machine).
    pub corpus_block: usize,
    /// At most this many queries use SIMD dot products instead of GEMM (memory-bound scan).
    /// Default 16.
    pub few_queries: usize,
    /// When there are fewer query blocks than this, the corpus is also split into slices so
    /// that there are about this many independent units of work. Default 8.
    pub min_units: usize,
    /// Smallest corpus slice when splitting the corpus. Default 8192 rows.
    pub min_slice_rows: usize,
    /// All-points only: compute each pair of `query_block`-row blocks once and scan the tile for
    /// both blocks (half the GEMM work), when the per-row selection states of all n rows fit
    /// in [`SYMMETRIC_STATE_BUDGET`] bytes. Default `true`; results are identical either way.
    pub symmetric: bool,
}

/// Largest memory (bytes) the symmetric all-points pass may hold in per-row selection states.
pub const SYMMETRIC_STATE_BUDGET: usize = 2 << 30;

impl Default for Params {
    fn default() -> Self {
        Self {
            k: 5,
            metric: Metric::Euclidean,
            query_block: 384,
            corpus_block: 1024,
            few_queries: 16,
            min_units: 8,
            min_slice_rows: 8192,
            symmetric: true,
        }
    }
}

impl Params {
    /// Defaults with the given `k` and metric.
    #[must_use]
    pub fn new(k: usize, metric: Metric) -> Self {
        Self {
            k,
            metric,
            ..Self::default()
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        for (name, v) in [
            ("query_block", self.query_block),
            ("corpus_block", self.corpus_block),
            ("min_units", self.min_units),
            ("min_slice_rows", self.min_slice_rows),
        ] {
            if v == 0 {
                return Err(Error::OutOfRange {
                    name,
                    expected: "an integer >= 1".into(),
                    actual: "0".into(),
                });
            }
        }
        if self.k == 0 {
            return Err(Error::OutOfRange {
                name: "k",
                expected: "an integer >= 1".into(),
                actual: "0".into(),
            });
        }
        Ok(())
    }
}

/// All points against each other: the `k` nearest other rows of every row of `x`.
///
/// The point itself is excluded **by index**; exact duplicates of it remain neighbours at
/// distance exactly 0. Rows are best first; ties (equal f64 keys) go to the lower index.
///
/// # Shapes and types
/// `x`: n × d, row-major, f32 or f64, n ≥ 2, d ≥ 1. Returns `Neighbors` with `rows = n`,
/// `indices` (u32) and `distances` (f64, see [`Metric`]; `Dot` distances may be negative).
/// # Cost
/// Time 2·n²·d FLOPs in the input precision (GEMM tiles) + O(n·k·d) f64 re-ranking.
/// Extra memory: see [`search_scratch`] (with `n_queries = n_corpus = n`, no query copy) plus the
/// output n·k·12 bytes; never an n × n buffer.
/// # Determinism
/// Bit-identical for every `ctl.par` and pool size, and across SIMD levels: every reported
/// distance is recomputed in f64 left to right, and the selection is exact (below).
/// # Exactness
/// The fast pass produces a key per pair and a rigorous bound on its rounding error; a pair is
/// discarded only when its lower bound exceeds the k-th smallest upper bound. The survivors are
/// ranked by the exact f64 key, ties by index. The result therefore equals a naive f64 brute
/// force (`metric::exact_key` for every pair, sorted by `(key, index)`), including ties and
/// near-ties closer than f32 rounding.
/// # Errors
/// `Empty` if n < 2; `OutOfRange` if k = 0, a tile parameter is 0, n exceeds u32 indices, or
/// values are so large that squared norms overflow f64; `KTooLarge` if k > n − 1;
/// `NonFinite`; `Degenerate` for a zero row under cosine (naming the row); `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// faiss `IndexFlatL2`/`IndexFlatIP` (`knn_L2sqr`, `knn_inner_product`), scikit-learn
/// `NearestNeighbors(algorithm="brute")`; tests compare with a naive f64 brute force.
pub fn all_points<T: Element>(x: MatRef<'_, T>, p: &Params, ctl: &Ctl<'_>) -> Result<Neighbors> {
    p.check()?;
    x.require_rows("corpus", 2, "all-points kNN")?;
    check_finite(x, "corpus", ctl)?;
    check_k(p.k, x.rows(), true)?;
    dispatch(x, None, p, ctl)
}

/// Queries against a corpus: the `k` nearest corpus rows of every query row.
///
/// # Shapes and types
/// `corpus`: n × d, `queries`: q × d (same d, same dtype), n ≥ 1, q ≥ 0. Returns `Neighbors`
/// with `rows = q`.
/// # Cost
/// Time 2·q·n·d FLOPs (GEMM tiles; SIMD dot products when q ≤ `few_queries`, then bound by
/// reading the corpus once: `n·d·size_of::<T>()` bytes) + O(q·k·d) f64 re-ranking. Extra
/// memory: [`search_scratch`] plus the output q·k·12 bytes.
/// # Determinism
/// As [`all_points`].
/// # Errors
/// `Empty` if n = 0; `Shape` if the widths differ; `OutOfRange` (k = 0, tile parameter 0);
/// `KTooLarge` if k > n; `NonFinite`; `Degenerate` (zero row under cosine, in either matrix);
/// `Cancelled`.
/// # Panics
/// Never on any input; a panic is a bug.
/// # Reference
/// As [`all_points`].
pub fn search<T: Element>(
    corpus: MatRef<'_, T>,
    queries: MatRef<'_, T>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    p.check()?;
    corpus.require_rows("corpus", 1, "kNN search")?;
    check_width(corpus.cols(), queries.cols())?;
    check_finite(corpus, "corpus", ctl)?;
    check_finite(queries, "queries", ctl)?;
    check_k(p.k, corpus.rows(), false)?;
    dispatch(corpus, Some(queries), p, ctl)
}

/// Extra memory of [`search`] / [`all_points`] in bytes, beyond the inputs and the returned
/// `Neighbors` (rows·k·12 bytes), with `threads` workers running units at once.
///
/// Formula (`R` = element size, `m` = `min(query_block, q)`, `b` = `corpus_block`,
/// `S(k)` = one selection state, at most `max(2k, k+32)·16 + 8k + 80` bytes):
/// `n·(16 + R)` corpus row statistics (+ `n·d·R` normalised copy under cosine; twice that
/// while parallel chunks are concatenated when n > 16384), then
/// - symmetric all-points ([`Params::symmetric`]): `n·(S(k) + R + 16)` per-row states,
///   thresholds and bounds + `threads·(m·m·R` tile `+ 2m·d·R` GEMM packing `+ 8m)`;
/// - otherwise: `q·16` query statistics (+ `q·d·R` under cosine, unless all-points) +
///   `q·k·16·slices` unit results before the ordered merge + `threads·(m·b·R` key tile
///   `+ m·(S(k) + R + 16) + (m + b)·d·R` GEMM packing `+ 8b)`.
///
/// Not included: faer's per-thread GEMM packing cache (allocated once per thread, sized from the
/// CPU's caches; see the crate docs).
#[must_use]
pub fn search_scratch<T: Element>(
    n_corpus: usize,
    n_queries: usize,
    dim: usize,
    threads: usize,
    all_points: bool,
    p: &Params,
) -> usize {
    let r = std::mem::size_of::<T>();
    let cos = p.metric == Metric::Cosine;
    let threads = threads.max(1);
    let state = TopK::bytes(p.k);
    // row statistics; assembled from parallel chunks (twice the size while concatenating)
    let stats = n_corpus * (16 + r) + if cos { n_corpus * dim * r } else { 0 };
    let mut bytes = if n_corpus > 16_384 { 2 * stats } else { stats };
    if all_points && use_symmetric(n_corpus, p) {
        let m = p.query_block.min(n_corpus.max(1));
        return bytes + n_corpus * (state + r + 16) + threads * (m * m * r + 2 * m * dim * r + 8 * m);
    }
    let plan = Plan::new(n_queries, n_corpus, p);
    let m = plan.qb.min(n_queries.max(1));
    let b = p.corpus_block.min(n_corpus.max(1));
    if !all_points {
        bytes += n_queries * 16 + if cos { n_queries * dim * r } else { 0 };
    }
    bytes += n_queries * p.k * 16 * plan.slices + plan.q_blocks * plan.slices * 64;
    let per_worker = m * b * r + m * (state + r + 16) + (m + b) * dim * r + 8 * b;
    bytes + threads * per_worker
}

fn check_width(a: usize, b: usize) -> Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(Error::Shape {
            what: "queries columns vs corpus columns".into(),
            expected: a,
            actual: b,
            fix: "queries must have the corpus's number of features",
        })
    }
}

pub(crate) fn check_k(k: usize, n: usize, self_excluded: bool) -> Result<()> {
    if k == 0 {
        return Err(Error::OutOfRange {
            name: "k",
            expected: "an integer >= 1".into(),
            actual: "0".into(),
        });
    }
    let available = if self_excluded { n - 1 } else { n };
    if k > available {
        let why = if self_excluded {
            format!("the corpus has {n} rows and each point itself is excluded")
        } else {
            format!("the corpus has {n} rows")
        };
        return Err(Error::KTooLarge { k, available, why });
    }
    if n > u32::MAX as usize {
        return Err(Error::OutOfRange {
            name: "corpus rows",
            expected: format!("at most {} (u32 indices)", u32::MAX),
            actual: n.to_string(),
        });
    }
    Ok(())
}

/// `MatRef::check_finite`, with a parallel vectorised pre-pass: the detailed (sequential)
/// scan runs only when a non-finite value exists.
pub(crate) fn check_finite<T: Element>(m: MatRef<'_, T>, what: &'static str, ctl: &Ctl<'_>) -> Result<()> {
    let data = m.as_slice();
    let lv = real::level();
    let ok = |r: std::ops::Range<usize>| -> Result<bool> {
        if let Some(v) = cast::<T, f32>(&data[r.clone()]) {
            Ok(real::all_finite(lv, v))
        } else if let Some(v) = cast::<T, f64>(&data[r]) {
            Ok(real::all_finite(lv, v))
        } else {
            Err(Error::Internal("element type is neither f32 nor f64".into()))
        }
    };
    let parts = map_chunks(ctl, "check", data.len(), 1 << 20, ok)?;
    if parts.iter().all(|&b| b) {
        Ok(())
    } else {
        m.check_finite(what)
    }
}

pub(crate) fn check_params(p: &Params) -> Result<()> {
    p.check()
}

fn dispatch<T: Element>(
    corpus: MatRef<'_, T>,
    queries: Option<MatRef<'_, T>>,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    let d = corpus.cols();
    let c = corpus.as_slice();
    let q = queries.map(|q| q.as_slice());
    if let Some(c32) = cast::<T, f32>(c) {
        let cs = Stats::compute(p.metric, c32, d, "corpus", ctl)?;
        return run_f32(c32, &cs, q.and_then(cast::<T, f32>), d, p, ctl);
    }
    if let Some(c64) = cast::<T, f64>(c) {
        let cs = Stats::compute(p.metric, c64, d, "corpus", ctl)?;
        return run_f64(c64, &cs, q.and_then(cast::<T, f64>), d, p, ctl);
    }
    Err(Error::Internal("element type is neither f32 nor f64".into()))
}

/// f64 input with precomputed corpus statistics (`q = None`: all points).
pub(crate) fn run_f64(
    c: &[f64],
    cs: &Stats<f64>,
    q: Option<&[f64]>,
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    let qs = match q {
        Some(q) => Some(Stats::compute(p.metric, q, d, "queries", ctl)?),
        None => None,
    };
    run(c, cs, q.zip(qs.as_ref()), d, p, ctl)
}

/// f32 input: f32 candidate pass unless squared norms could overflow f32, then the f64 engine
/// on a widened copy (exact: widening is lossless and re-ranking is f64 either way).
pub(crate) fn run_f32(
    c: &[f32],
    cs: &Stats<f32>,
    q: Option<&[f32]>,
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    let qs = match q {
        Some(q) => Some(Stats::<f32>::compute(p.metric, q, d, "queries", ctl)?),
        None => None,
    };
    let qmax = qs.as_ref().map_or(cs.max_norm, |s| s.max_norm);
    let big = (cs.max_norm + qmax).powi(2) >= <f32 as Real>::MAX / 8.0;
    if big && p.metric != Metric::Cosine {
        let c64: Vec<f64> = c.iter().map(|&v| f64::from(v)).collect();
        let q64: Option<Vec<f64>> = q.map(|q| q.iter().map(|&v| f64::from(v)).collect());
        let cs64 = Stats::compute(p.metric, &c64, d, "corpus", ctl)?;
        return run_f64(&c64, &cs64, q64.as_deref(), d, p, ctl);
    }
    run(c, cs, q.zip(qs.as_ref()), d, p, ctl)
}

/// How the work is cut: query blocks × corpus slices (shape-dependent only).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    pub qb: usize,
    pub q_blocks: usize,
    pub slices: usize,
    pub slice_len: usize,
    pub few: bool,
}

impl Plan {
    pub(crate) fn new(nq: usize, nc: usize, p: &Params) -> Self {
        let few = nq <= p.few_queries;
        let qb = if few { nq.max(1) } else { p.query_block };
        let q_blocks = nq.div_ceil(qb).max(1);
        let mut slices = 1;
        if q_blocks < p.min_units {
            let want = p.min_units.div_ceil(q_blocks);
            let max_by_size = (nc / p.min_slice_rows).max(1);
            slices = want.min(max_by_size);
        }
        let slice_len = nc.div_ceil(slices).max(1);
        let slices = nc.div_ceil(slice_len).max(1);
        Self {
            qb,
            q_blocks,
            slices,
            slice_len,
            few,
        }
    }
}

/// Per query of a unit: its best `(key, index)` pairs, concatenated, and the count per query.
type UnitResult = (Vec<(f64, u32)>, Vec<u32>);

/// Up to this k, the first tile of a unit announces a threshold (see `run`).
const PREBOUND_MAX_K: usize = 256;

/// Error-bound coefficients for one metric and dimension.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    metric: Metric,
    /// multiplies ‖x‖·‖y‖
    cxy: f64,
    /// multiplies ‖y‖² (euclidean)
    cyy: f64,
    /// multiplies (‖x‖ + ‖y‖)² (reference rounding)
    cref: f64,
    /// absolute slack (underflow)
    abs: f64,
}

fn gamma(n: usize, u: f64) -> f64 {
    let nu = n as f64 * u;
    nu / (1.0 - nu)
}

impl Bounds {
    fn new<R: Real>(metric: Metric, d: usize) -> Self {
        let u = R::U;
        let g = gamma(d + 2, u);
        let g64 = gamma(d + 4, f64::EPSILON / 2.0);
        let abs = (d as f64 + 4.0) * 4.0 * R::MIN_NORMAL + 4.0 * f64::MIN_POSITIVE;
        match metric {
            Metric::Euclidean | Metric::SqEuclidean => Self {
                metric,
                cxy: 1.01 * (2.0 * g + 2.01 * u),
                cyy: 1.01 * 2.01 * u,
                cref: 1.01 * 2.0 * g64,
                abs,
            },
            Metric::Dot => Self {
                metric,
                cxy: 1.01 * (g + u + 2.0 * g64),
                cyy: 0.0,
                cref: 0.0,
                abs,
            },
            // unit rows: ‖x̂‖ = ‖ŷ‖ = 1, bound is a constant
            Metric::Cosine => Self {
                metric,
                cxy: 0.0,
                cyy: 0.0,
                cref: 1.01 * (g + 3.01 * u + 4.0 * g64),
                abs,
            },
        }
    }

    /// Bound on |fast key + base − exact key| for norms `nx`, `ny`.
    #[inline]
    fn margin(&self, nx: f64, ny: f64) -> f64 {
        match self.metric {
            Metric::Cosine => self.cref + self.abs,
            _ => self.cxy * nx * ny + self.cyy * ny * ny + self.cref * (nx + ny) * (nx + ny) + self.abs,
        }
    }
}

/// The engine on one working precision. `q = None` means all-points on `c`.
#[allow(clippy::too_many_lines)]
fn run<R: Real>(
    c: &[R],
    cs: &Stats<R>,
    q: Option<(&[R], &Stats<R>)>,
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    let metric = p.metric;
    let k = p.k;
    let self_ex = q.is_none();
    let (qraw, qs) = q.unwrap_or((c, cs));
    let nc = c.len() / d;
    let nq = qraw.len() / d;
    let qmax = qs.max_norm;
    let big = (cs.max_norm + qmax).powi(2) >= R::MAX / 8.0;
    if big && metric != Metric::Cosine {
        return Err(Error::OutOfRange {
            name: "values",
            expected: "row norms below 1e150 (squared distances must fit in f64)".into(),
            actual: format!("a row norm of {:e}", cs.max_norm.max(qmax)),
        });
    }
    if nq == 0 {
        return Ok(Neighbors {
            k,
            rows: 0,
            indices: Vec::new(),
            distances: Vec::new(),
        });
    }
    let (cwork, qwork): (&[R], &[R]) = if metric == Metric::Cosine {
        (&cs.unit, if self_ex { &cs.unit } else { &qs.unit })
    } else {
        (c, qraw)
    };
    if self_ex && use_symmetric(nc, p) {
        return run_symmetric(c, cs, cwork, d, p, ctl);
    }
    let l2 = matches!(metric, Metric::Euclidean | Metric::SqEuclidean);
    let alpha = R::from_f64(if l2 { -2.0 } else { -1.0 });
    let bounds = Bounds::new::<R>(metric, d);
    let plan = Plan::new(nq, nc, p);
    let lv = real::level();
    let cb = p.corpus_block;
    let n_units = plan.q_blocks * plan.slices;

    let exact = |i: usize, j: usize| -> f64 {
        let x = &qraw[i * d..(i + 1) * d];
        let y = &c[j * d..(j + 1) * d];
        match metric {
            Metric::Euclidean | Metric::SqEuclidean => sq_euclidean(x, y),
            Metric::Dot => -dot(x, y),
            Metric::Cosine => cosine_from_norms(x, y, qs.sq[i], cs.sq[j]),
        }
    };

    // One unit: query block `qbk`, corpus slice `sl`; returns per query its exact best
    // (key, index) pairs in this slice (up to k), concatenated, with the count per query.
    let unit = |u: usize| -> Result<UnitResult> {
        let qbk = u / plan.slices;
        let sl = u % plan.slices;
        let q0 = qbk * plan.qb;
        let q1 = (q0 + plan.qb).min(nq);
        let m = q1 - q0;
        let c0 = sl * plan.slice_len;
        let c1 = (c0 + plan.slice_len).min(nc);
        let mut states: Vec<TopK> = (0..m).map(|_| TopK::new(k)).collect();
        let base: Vec<f64> = (q0..q1)
            .map(|i| match metric {
                Metric::Euclidean | Metric::SqEuclidean => qs.sq[i],
                Metric::Cosine => 1.0,
                Metric::Dot => 0.0,
            })
            .collect();
        let row_margin: Vec<f64> = (q0..q1).map(|i| bounds.margin(qs.norm[i], cs.max_norm)).collect();
        let to_thr = |li: usize, t: f64| -> R {
            if t.is_finite() {
                let v = t - base[li] + row_margin[li];
                let slack = 4.0 * f64::EPSILON * (t.abs() + base[li].abs() + row_margin[li]);
                R::round_up(v + slack)
            } else {
                R::INF
            }
        };
        let mut thr: Vec<R> = (0..m).map(|li| to_thr(li, f64::INFINITY)).collect();
        let mut tile = vec![R::default(); m * cb.min(c1 - c0)];
        let mut scratch: Vec<f64> = Vec::new();
        let a = &qwork[q0 * d..q1 * d];
        let mut cstart = c0;
        while cstart < c1 {
            ctl.checkpoint()?;
            let n = cb.min(c1 - cstart);
            let t = &mut tile[..m * n];
            let b = &cwork[cstart * d..(cstart + n) * d];
            if plan.few {
                real::dots_tile(lv, t, a, b, m, n, d, alpha);
            } else {
                R::gemm_nt(t, a, b, m, n, d, alpha);
            }
            if self_ex {
                for i in q0.max(cstart)..q1.min(cstart + n) {
                    t[(i - cstart) * m + (i - q0)] = R::INF;
                }
            }
            let off = if l2 {
                Some(&cs.off[cstart..cstart + n])
            } else {
                None
            };
            if cstart == c0 && n > k && k <= PREBOUND_MAX_K {
                // Announce a threshold from the first tile: the k smallest fast keys of a row
                // bound the k-th exact key from above (fast key + margin), so the heap does not
                // have to fill up one exact recomputation at a time.
                for li in 0..m {
                    scratch.clear();
                    match off {
                        Some(o) => scratch.extend((0..n).map(|j| (t[j * m + li] + o[j]).to_f64())),
                        None => scratch.extend((0..n).map(|j| t[j * m + li].to_f64())),
                    }
                    let (_, kth, _) = scratch.select_nth_unstable_by(k - 1, f64::total_cmp);
                    let kth = *kth;
                    if kth.is_finite() {
                        let v = base[li] + kth + row_margin[li];
                        let slack = 4.0 * f64::EPSILON * (base[li].abs() + kth.abs() + row_margin[li]);
                        states[li].bound(v + slack);
                        thr[li] = to_thr(li, states[li].threshold());
                    }
                }
            }
            let mut hit = |li: usize, jl: usize| -> R {
                let i = q0 + li;
                let j = cstart + jl;
                let tt = states[li].push(exact(i, j), j as u32);
                to_thr(li, tt)
            };
            real::scan(lv, t, m, off, &mut thr, &mut hit);
            cstart += n;
        }
        let mut out = Vec::with_capacity(m * k);
        let mut counts = Vec::with_capacity(m);
        let mut buf = Vec::with_capacity(k);
        for st in &mut states {
            st.finish(&mut buf);
            counts.push(buf.len() as u32);
            out.extend_from_slice(&buf);
        }
        Ok((out, counts))
    };

    let parts = map_chunks(ctl, "distances", n_units, 1, |r| unit(r.start))?;

    let mut indices = Vec::with_capacity(nq * k);
    let mut distances = Vec::with_capacity(nq * k);
    let mut merged: Vec<(f64, u32)> = Vec::with_capacity(k * plan.slices);
    for qbk in 0..plan.q_blocks {
        let q0 = qbk * plan.qb;
        let m = (q0 + plan.qb).min(nq) - q0;
        let block = &parts[qbk * plan.slices..(qbk + 1) * plan.slices];
        let mut pos = vec![0usize; plan.slices];
        for li in 0..m {
            merged.clear();
            for (s, (vals, counts)) in block.iter().enumerate() {
                let cnt = counts[li] as usize;
                merged.extend_from_slice(&vals[pos[s]..pos[s] + cnt]);
                pos[s] += cnt;
            }
            if plan.slices > 1 {
                merged.sort_unstable_by(by_key_then_index);
            }
            if merged.len() < k {
                return Err(Error::Internal(format!(
                    "query {} got {} of {k} neighbours",
                    q0 + li,
                    merged.len()
                )));
            }
            for &(key, j) in &merged[..k] {
                indices.push(j);
                distances.push(metric.report(key));
            }
        }
    }
    Ok(Neighbors {
        k,
        rows: nq,
        indices,
        distances,
    })
}

/// Does all-points on `n` rows take the symmetric pass?
pub(crate) fn use_symmetric(n: usize, p: &Params) -> bool {
    p.symmetric && n > p.few_queries && n.saturating_mul(TopK::bytes(p.k) + 32) <= SYMMETRIC_STATE_BUDGET
}

/// Selection states and cached thresholds of one block of rows.
struct Block<R> {
    states: Vec<TopK>,
    thr: Vec<R>,
}

/// Symmetric all-points: blocks of `b = query_block` rows; every block pair `I <= J` is one
/// task computing the `b × b` key tile once; its columns feed block I's rows and (for
/// `I < J`) its rows feed block J's rows. Per-row states live behind one mutex per block, held
/// only while a tile side is scanned. The selection is exact whatever the arrival order of
/// candidates, so the output does not depend on scheduling.
#[allow(clippy::too_many_lines)]
fn run_symmetric<R: Real>(
    c: &[R],
    cs: &Stats<R>,
    cwork: &[R],
    d: usize,
    p: &Params,
    ctl: &Ctl<'_>,
) -> Result<Neighbors> {
    use std::sync::Mutex;

    let metric = p.metric;
    let k = p.k;
    let n = c.len() / d;
    let b = p.query_block;
    let nb = n.div_ceil(b);
    let l2 = matches!(metric, Metric::Euclidean | Metric::SqEuclidean);
    let alpha = R::from_f64(if l2 { -2.0 } else { -1.0 });
    let bounds = Bounds::new::<R>(metric, d);
    let lv = real::level();
    let base: Vec<f64> = (0..n)
        .map(|i| match metric {
            Metric::Euclidean | Metric::SqEuclidean => cs.sq[i],
            Metric::Cosine => 1.0,
            Metric::Dot => 0.0,
        })
        .collect();
    let row_margin: Vec<f64> = (0..n).map(|i| bounds.margin(cs.norm[i], cs.max_norm)).collect();
    let to_thr = |i: usize, t: f64| -> R {
        if t.is_finite() {
            let v = t - base[i] + row_margin[i];
            let slack = 4.0 * f64::EPSILON * (t.abs() + base[i].abs() + row_margin[i]);
            R::round_up(v + slack)
        } else {
            R::INF
        }
    };
    let exact = |i: usize, j: usize| -> f64 {
        let x = &c[i * d..(i + 1) * d];
        let y = &c[j * d..(j + 1) * d];
        match metric {
            Metric::Euclidean | Metric::SqEuclidean => sq_euclidean(x, y),
            Metric::Dot => -dot(x, y),
            Metric::Cosine => cosine_from_norms(x, y, cs.sq[i], cs.sq[j]),
        }
    };
    let blocks: Vec<Mutex<Block<R>>> = (0..nb)
        .map(|bi| {
            let m = ((bi + 1) * b).min(n) - bi * b;
            Mutex::new(Block {
                states: (0..m).map(|_| TopK::new(k)).collect(),
                thr: vec![R::INF; m],
            })
        })
        .collect();
    let poisoned = || Error::Internal("a kNN worker panicked".into());
    // tasks in a fixed order: (I, J) for I <= J, longest rows of work first
    let tasks: Vec<(usize, usize)> = (0..nb).flat_map(|i| (i..nb).map(move |j| (i, j))).collect();

    let task = |ti: usize| -> Result<()> {
        let (bi, bj) = tasks[ti];
        let (i0, i1) = (bi * b, ((bi + 1) * b).min(n));
        let (j0, j1) = (bj * b, ((bj + 1) * b).min(n));
        let (m, nn) = (i1 - i0, j1 - j0);
        let mut t = vec![R::default(); m * nn];
        R::gemm_nt(
            &mut t,
            &cwork[i0 * d..i1 * d],
            &cwork[j0 * d..j1 * d],
            m,
            nn,
            d,
            alpha,
        );
        if bi == bj {
            for l in 0..m {
                t[l * m + l] = R::INF;
            }
        }
        // side I: columns j of the tile, rows i of block I
        {
            let mut blk = blocks[bi].lock().map_err(|_| poisoned())?;
            let Block { states, thr } = &mut *blk;
            let off = if l2 { Some(&cs.off[j0..j1]) } else { None };
            if nn > k && k <= PREBOUND_MAX_K {
                let mut scratch: Vec<f64> = Vec::with_capacity(nn);
                for li in 0..m {
                    if states[li].threshold().is_finite() {
                        continue;
                    }
                    scratch.clear();
                    match off {
                        Some(o) => scratch.extend((0..nn).map(|j| (t[j * m + li] + o[j]).to_f64())),
                        None => scratch.extend((0..nn).map(|j| t[j * m + li].to_f64())),
                    }
                    let (_, kth, _) = scratch.select_nth_unstable_by(k - 1, f64::total_cmp);
                    let kth = *kth;
                    if kth.is_finite() {
                        let i = i0 + li;
                        let v = base[i] + kth + row_margin[i];
                        let slack = 4.0 * f64::EPSILON * (base[i].abs() + kth.abs() + row_margin[i]);
                        states[li].bound(v + slack);
                        thr[li] = to_thr(i, states[li].threshold());
                    }
                }
            }
            let mut hit = |li: usize, jl: usize| -> R {
                let (i, j) = (i0 + li, j0 + jl);
                to_thr(i, states[li].push(exact(i, j), j as u32))
            };
            real::scan(lv, &t, m, off, thr, &mut hit);
        }
        // side J: row jl of the tile is query j0 + jl against corpus rows of block I
        if bi != bj {
            let mut blk = blocks[bj].lock().map_err(|_| poisoned())?;
            let Block { states, thr } = &mut *blk;
            let off = if l2 { Some(&cs.off[i0..i1]) } else { None };
            let mut scratch: Vec<f64> = Vec::new();
            for jl in 0..nn {
                let j = j0 + jl;
                let st = &mut states[jl];
                let row = &t[jl * m..(jl + 1) * m];
                if m > k && k <= PREBOUND_MAX_K && !st.threshold().is_finite() {
                    scratch.clear();
                    match off {
                        Some(o) => scratch.extend(row.iter().zip(o).map(|(&a, &b)| (a + b).to_f64())),
                        None => scratch.extend(row.iter().map(|&a| a.to_f64())),
                    }
                    let (_, kth, _) = scratch.select_nth_unstable_by(k - 1, f64::total_cmp);
                    let kth = *kth;
                    if kth.is_finite() {
                        let v = base[j] + kth + row_margin[j];
                        let slack = 4.0 * f64::EPSILON * (base[j].abs() + kth.abs() + row_margin[j]);
                        st.bound(v + slack);
                        thr[jl] = to_thr(j, st.threshold());
                    }
                }
                let mut hit = |li: usize| -> R { to_thr(j, st.push(exact(j, i0 + li), (i0 + li) as u32)) };
                real::scan_row(lv, row, off, thr[jl], &mut hit);
                thr[jl] = to_thr(j, st.threshold());
            }
        }
        Ok(())
    };
    map_chunks(ctl, "distances", tasks.len(), 1, |r| task(r.start))?;

    let mut indices = Vec::with_capacity(n * k);
    let mut distances = Vec::with_capacity(n * k);
    let mut buf = Vec::with_capacity(k);
    for (bi, blk) in blocks.into_iter().enumerate() {
        let mut blk = blk.into_inner().map_err(|_| poisoned())?;
        for (li, st) in blk.states.iter_mut().enumerate() {
            st.finish(&mut buf);
            if buf.len() < k {
                return Err(Error::Internal(format!(
                    "row {} got {} of {k} neighbours",
                    bi * b + li,
                    buf.len()
                )));
            }
            for &(key, j) in &buf {
                indices.push(j);
                distances.push(metric.report(key));
            }
        }
    }
    Ok(Neighbors {
        k,
        rows: n,
        indices,
        distances,
    })
}
