/* Would int16 screening pay on an AVX2-only CPU? A probe, not part of any benchmark run.
 *
 * AVX2 has no bf16 or int8 dot-product units, but `vpmaddwd` multiplies 16 pairs of int16 and
 * adds adjacent products into 8 int32 lanes: 16 exact multiply-adds per instruction against 8
 * for an f32 FMA. The two units' instruction rates are probed by bench/probe/peak.c (`fma_gflops`,
 * `i16_gops`, which the kNN bench reports); this probe measures, on one thread, a query-pass tile
 * of each kind, streaming a corpus of n rows × 128 from memory against 96 queries in
 * register-blocked panels of 24: f32 `4 × 24` (12 accumulators, 3 vector loads, 4 broadcasts,
 * 12 FMAs per step) and int16 `3 × 24` (9 int32 accumulators, 3 vector loads, 3 broadcasts of a
 * value pair, 9 `vpmaddwd` + 9 `vpaddd` per two steps).
 * Results are multiply-adds per second (GMAC/s); the tiles' values are printed so that the
 * work cannot be optimised away. On an AMD EPYC (Zen 3) it read 41–43 GMAC/s for f32 and 66–67
 * for int16 (1.57–1.60×); the kernel layer's int16 tiles (crates/kernels/src/int16_rows.rs) grew
 * from it.
 *
 * Build and run: cc -O3 -march=native -funroll-loops bench/probe/i16-madd.c -o /tmp/i16-madd
 * && /tmp/i16-madd [n = 1000000] [reps = 3] */
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define D 128
#define NQ 96
#define W 24

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* f32 panels qp[p][t][24]; per 4 corpus rows, every panel. */
static void f32_tiles(const float *c, long n, const float *qp, float *out) {
  for (long r = 0; r + 4 <= n; r += 4)
    for (int p = 0; p < NQ / W; p++) {
      const float *q = qp + p * D * W;
      __m256 a[4][3];
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) a[i][j] = _mm256_setzero_ps();
      for (int t = 0; t < D; t++) {
        __m256 v0 = _mm256_loadu_ps(q + t * W), v1 = _mm256_loadu_ps(q + t * W + 8), v2 = _mm256_loadu_ps(q + t * W + 16);
        for (int i = 0; i < 4; i++) {
          __m256 b = _mm256_broadcast_ss(c + (r + i) * D + t);
          a[i][0] = _mm256_fmadd_ps(b, v0, a[i][0]);
          a[i][1] = _mm256_fmadd_ps(b, v1, a[i][1]);
          a[i][2] = _mm256_fmadd_ps(b, v2, a[i][2]);
        }
      }
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) _mm256_storeu_ps(out + (p * 4 + i) * W + j * 8, a[i][j]);
    }
}

/* int16 panels qp[p][s][24][2] (value pairs of steps 2s, 2s + 1); per 3 corpus rows, every panel. */
static void i16_tiles(const int16_t *c, long n, const int16_t *qp, int32_t *out) {
  for (long r = 0; r + 3 <= n; r += 3)
    for (int p = 0; p < NQ / W; p++) {
      const int16_t *q = qp + p * D * W;
      __m256i a[3][3];
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) a[i][j] = _mm256_setzero_si256();
      for (int s = 0; s < D / 2; s++) {
        const __m256i *qs = (const __m256i *)(q + s * 2 * W);
        __m256i v0 = _mm256_loadu_si256(qs), v1 = _mm256_loadu_si256(qs + 1), v2 = _mm256_loadu_si256(qs + 2);
        for (int i = 0; i < 3; i++) {
          int32_t pair;
          memcpy(&pair, c + (r + i) * D + 2 * s, 4);
          __m256i b = _mm256_set1_epi32(pair);
          a[i][0] = _mm256_add_epi32(a[i][0], _mm256_madd_epi16(b, v0));
          a[i][1] = _mm256_add_epi32(a[i][1], _mm256_madd_epi16(b, v1));
          a[i][2] = _mm256_add_epi32(a[i][2], _mm256_madd_epi16(b, v2));
        }
      }
      for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) _mm256_storeu_si256((__m256i *)(out + (p * 3 + i) * W + j * 8), a[i][j]);
    }
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  int reps = argc > 2 ? atoi(argv[2]) : 3;
  float *cf = aligned_alloc(64, n * D * 4), *qf = aligned_alloc(64, NQ * D * 4);
  int16_t *ci = aligned_alloc(64, n * D * 2), *qi = aligned_alloc(64, NQ * D * 2);
  for (long i = 0; i < n * D; i++) {
    cf[i] = (float)((i * 7919) % 1000) / 1000.f;
    ci[i] = (int16_t)((i * 7919) % 4000 - 2000);
  }
  for (int i = 0; i < NQ * D; i++) {
    qf[i] = (float)(i % 37) / 37.f;
    qi[i] = (int16_t)(i % 4000 - 2000);
  }
  float of[NQ * 4];
  int32_t oi[NQ * 4];
  double bf = 1e9, bi = 1e9;
  for (int rep = 0; rep < reps; rep++) {
    double t0 = now();
    f32_tiles(cf, n, qf, of);
    double t1 = now();
    i16_tiles(ci, n, qi, oi);
    double t2 = now();
    if (t1 - t0 < bf) bf = t1 - t0;
    if (t2 - t1 < bi) bi = t2 - t1;
  }
  double macs = (double)n * NQ * D;
  printf("query tiles, %d queries x %ld rows x %d (best of %d): f32 %.1f GMAC/s, int16 %.1f GMAC/s (%.2fx)  [%g %d]\n", NQ, n, D,
         reps, macs / bf / 1e9, macs / bi / 1e9, bf / bi, of[5], oi[5]);
  return 0;
}
