//! What the kNN examples share: the command line `[n] [d] [k] [metric] …`, the seeded
//! xorshift their data come from, and the timing loop.
// Each example uses a part of it.
#![allow(dead_code)]

use embgeo_knn::Metric;

/// The positional arguments of an example.
pub struct Cli(Vec<String>);

impl Cli {
    /// The process's arguments (`0` is the program).
    pub fn from_env() -> Self {
        Self(std::env::args().collect())
    }

    /// Argument `i` as a number, or `default` when it is absent or not a number.
    pub fn num(&self, i: usize, default: usize) -> usize {
        self.0.get(i).and_then(|s| s.parse().ok()).unwrap_or(default)
    }

    /// Arguments 1–4: `(n, d, k, metric)`, by default 20 000 × 384, k = 10, euclidean.
    ///
    /// # Panics
    /// On an unknown metric name.
    pub fn shape(&self) -> (usize, usize, usize, Metric) {
        let metric = self
            .0
            .get(4)
            .map_or(Ok(Metric::Euclidean), |m| Metric::parse(m))
            .expect("metric");
        (self.num(1, 20_000), self.num(2, 384), self.num(3, 10), metric)
    }

    /// Number of arguments, the program included.
    pub fn count(&self) -> usize {
        self.0.len()
    }
}

/// Marsaglia's xorshift64 (13, 7, 17), seeded: the examples' portable random stream.
pub struct XorShift(pub u64);

impl XorShift {
    /// The next state.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }
}

/// One untimed run of `run`, then 3 timed: the median seconds and the last result.
pub fn median_of_3<T>(run: impl Fn() -> T) -> (f64, T) {
    let _ = run();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        last = Some(run());
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[1], last.expect("three runs"))
}
