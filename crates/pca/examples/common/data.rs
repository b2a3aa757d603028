//! The examples' data: `x[i, j] = s_j · (2u − 1)`, `u = splitmix64(i·d + j + seed) / 2^64`
//! (53-bit), `s_j = 1 / sqrt(j + 1)` (power-law spectrum), as f32; `bench/peers/pca_peers.py`
//! builds the identical array.

const SEED: u64 = 12345;

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub fn generate(n: usize, d: usize) -> Vec<f32> {
    use rayon::prelude::*;
    let scales: Vec<f64> = (0..d).map(|j| 1.0 / ((j + 1) as f64).sqrt()).collect();
    let mut x = vec![0.0f32; n * d];
    x.par_chunks_mut(d).enumerate().for_each(|(i, row)| {
        for (j, v) in row.iter_mut().enumerate() {
            let u = (splitmix64((i * d + j) as u64 + SEED) >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
            *v = (scales[j] * (2.0 * u - 1.0)) as f32;
        }
    });
    x
}
