/* Machine limits for the benchmark reports: FP32 FMA peak, bf16 dot-product peak (AVX512-BF16
 * vdpbf16ps, 64 flops per instruction; only on CPUs that have it), the AMX tile peaks
 * (tdpbf16ps and tdpbssd, 16 384 flops or int8 ops per instruction, four independent
 * accumulator tiles, operands loaded once: the units' rate without loads; only on CPUs and
 * kernels that allow AMX), the AVX2 int16 multiply-add peak (vpmaddwd + vpaddd, 32 integer ops
 * per instruction pair, six independent chains per thread, in inline assembly so that the
 * compiler cannot hoist the loop-invariant products; on AVX2 CPUs), the AVX512-VNNI int16 peak
 * (vpdpwssd zmm, 64 integer ops per instruction, twelve chains; on CPUs that have it) and DRAM read bandwidth.
 * Built by bench/lib/env.mjs with: cc -O3 -march=native -mprefer-vector-width=512 -funroll-loops -fopenmp
 * (built with -O2 instead, it read 87 GFLOP/s for 2 threads where this build reads over 160 for 1).
 * FMA: 12 independent chains of 16-lane (AVX-512) or 8-lane FMAs per thread (GCC vector extensions), one thread per
 * core. Bandwidth: OpenMP sum over a 1 GiB float array with 4 accumulators per thread.
 * Prints one JSON line: {"fma_gflops":…, "bf16_gflops":… or null, "amx_bf16_gflops":… or null,
 * "amx_int8_gops":… or null, "i16_gops":… or null, "vnni16_gops":… or null, "bandwidth_gbs":…, "threads":…}. */
#include <immintrin.h>
#ifdef __AMX_TILE__
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* 16 lanes (one zmm) with AVX-512; 8 lanes (one ymm) otherwise: a 64-byte vector type on an
 * AVX2-only CPU is kept on the stack by GCC (spilled every iteration), which measured 3-5 GFLOP/s
 * on a 2-core AMD EPYC instead of the FMA peak. */
#ifdef __AVX512F__
#define LANES 16
#else
#define LANES 8
#endif
typedef float v16 __attribute__((vector_size(LANES * 4)));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : omp_get_max_threads();
  long iters = 200000000L / 4;
  double sink = 0;
  double t0 = now();
#pragma omp parallel num_threads(threads) reduction(+ : sink)
  {
    v16 a[12], b, c;
    for (int i = 0; i < 12; i++) a[i] = (v16){0} + 1.0f + i * 1e-3f;
    b = (v16){0} + 0.999999f;
    c = (v16){0} + 1e-7f;
    for (long it = 0; it < iters; it++)
      for (int i = 0; i < 12; i++) a[i] = a[i] * b + c;
    for (int i = 0; i < 12; i++) for (int l = 0; l < LANES; l++) sink += a[i][l];
  }
  double t = now() - t0;
  double gflops = 2.0 * LANES * 12 * (double)iters * threads / t / 1e9;

  /* bf16: 12 independent vdpbf16ps chains per thread (the kNN tile runs 24). */
  double bf16 = -1;
#ifdef __AVX512BF16__
  {
    double t2 = now();
    float lane_sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : lane_sink)
    {
      __m512 acc[12];
      for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_ps(i * 1e-3f);
      __m512bh x = (__m512bh)_mm512_set1_epi32(0x3f803f80); /* (1.0, 1.0) */
      __m512bh y = (__m512bh)_mm512_set1_epi32(0x33d633d6); /* tiny: no overflow */
      for (long it = 0; it < iters; it++)
        for (int i = 0; i < 12; i++) acc[i] = _mm512_dpbf16_ps(acc[i], x, y);
      for (int i = 0; i < 12; i++) lane_sink += _mm512_reduce_add_ps(acc[i]);
    }
    bf16 = 64.0 * 12 * (double)iters * threads / (now() - t2) / 1e9;
    sink += lane_sink;
  }
#endif

  /* int16: 6 independent vpmaddwd + vpaddd chains per thread (the kNN's int16 tile runs 9). */
  double i16 = -1;
#if defined(__AVX2__) && defined(__x86_64__)
  {
    double t3 = now();
#pragma omp parallel num_threads(threads)
    {
      long n_it = iters;
      __asm__ volatile(
          "vpxor %%ymm8, %%ymm8, %%ymm8\n vpxor %%ymm9, %%ymm9, %%ymm9\n vpxor %%ymm10, %%ymm10, %%ymm10\n"
          "vpxor %%ymm11, %%ymm11, %%ymm11\n vpxor %%ymm12, %%ymm12, %%ymm12\n vpxor %%ymm13, %%ymm13, %%ymm13\n"
          "vpcmpeqw %%ymm14, %%ymm14, %%ymm14\n vpcmpeqw %%ymm15, %%ymm15, %%ymm15\n"
          "mov %0, %%rcx\n"
          "1:\n"
          "vpmaddwd %%ymm14,%%ymm15,%%ymm2\n vpaddd %%ymm2,%%ymm8,%%ymm8\n"
          "vpmaddwd %%ymm14,%%ymm15,%%ymm3\n vpaddd %%ymm3,%%ymm9,%%ymm9\n"
          "vpmaddwd %%ymm14,%%ymm15,%%ymm4\n vpaddd %%ymm4,%%ymm10,%%ymm10\n"
          "vpmaddwd %%ymm14,%%ymm15,%%ymm5\n vpaddd %%ymm5,%%ymm11,%%ymm11\n"
          "vpmaddwd %%ymm14,%%ymm15,%%ymm6\n vpaddd %%ymm6,%%ymm12,%%ymm12\n"
          "vpmaddwd %%ymm14,%%ymm15,%%ymm7\n vpaddd %%ymm7,%%ymm13,%%ymm13\n"
          "dec %%rcx\n jnz 1b\n"
          :
          : "r"(n_it)
          : "rcx", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12",
            "xmm13", "xmm14", "xmm15");
    }
    i16 = 32.0 * 6 * (double)iters * threads / (now() - t3) / 1e9;
  }
#endif

  /* int16 on AVX512-VNNI: 12 independent vpdpwssd zmm chains per thread (32 int16 products
   * accumulated into 16 int32 lanes: 64 integer ops per instruction). */
  double vnni16 = -1;
#if defined(__AVX512VNNI__) && defined(__x86_64__)
  {
    double t4 = now();
    int lane_sink = 0;
#pragma omp parallel num_threads(threads) reduction(+ : lane_sink)
    {
      __m512i acc[12];
      for (int i = 0; i < 12; i++) acc[i] = _mm512_set1_epi32(i);
      __m512i x = _mm512_set1_epi16(3), y = _mm512_set1_epi16(-3);
      for (long it = 0; it < iters; it++) {
        for (int i = 0; i < 12; i++) acc[i] = _mm512_dpwssd_epi32(acc[i], x, y);
        /* keep the products from being hoisted: the operands change every iteration */
        __asm__ volatile("" : "+v"(x), "+v"(y));
      }
      for (int i = 0; i < 12; i++) lane_sink += _mm512_reduce_add_epi32(acc[i]);
    }
    vnni16 = 64.0 * 12 * (double)iters * threads / (now() - t4) / 1e9;
    sink += lane_sink;
  }
#endif

  /* AMX: palette 1, eight 16 x 64-byte tiles; tmm4..7 loaded once, four accumulator chains. */
  double amx_bf16 = -1, amx_int8 = -1;
#if defined(__AMX_TILE__) && defined(__AMX_BF16__) && defined(__AMX_INT8__)
  if (syscall(SYS_arch_prctl, 0x1023 /* ARCH_REQ_XCOMP_PERM */, 18 /* XTILEDATA */) == 0) {
    for (int kind = 0; kind < 2; kind++) {
      long steps = 4000000L;
      double t3 = now();
#pragma omp parallel num_threads(threads)
      {
        /* static and fully written: GCC 12 drops stores to a stack array it does not see read */
        static const unsigned char cfg[64] __attribute__((aligned(64))) = {
            [0] = 1,
            [16] = 64, [18] = 64, [20] = 64, [22] = 64, [24] = 64, [26] = 64, [28] = 64, [30] = 64,
            [48] = 16, [49] = 16, [50] = 16, [51] = 16, [52] = 16, [53] = 16, [54] = 16, [55] = 16};
        static const unsigned int ones[256] = {0};
        _tile_loadconfig(cfg);
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
        _tile_loadd(4, ones, 64);
        _tile_loadd(5, ones, 64);
        _tile_loadd(6, ones, 64);
        _tile_loadd(7, ones, 64);
        if (kind == 0)
          for (long it = 0; it < steps; it++) {
            _tile_dpbf16ps(0, 4, 6);
            _tile_dpbf16ps(1, 4, 7);
            _tile_dpbf16ps(2, 5, 6);
            _tile_dpbf16ps(3, 5, 7);
          }
        else
          for (long it = 0; it < steps; it++) {
            _tile_dpbssd(0, 4, 6);
            _tile_dpbssd(1, 4, 7);
            _tile_dpbssd(2, 5, 6);
            _tile_dpbssd(3, 5, 7);
          }
        _tile_release();
      }
      double rate = 4.0 * 16384.0 * (double)steps * threads / (now() - t3) / 1e9;
      if (kind == 0) amx_bf16 = rate; else amx_int8 = rate;
    }
  }
#endif

  size_t n = (size_t)1 << 28; /* 1 GiB of floats */
  float *x = malloc(n * sizeof(float));
#pragma omp parallel for num_threads(threads)
  for (size_t i = 0; i < n; i++) x[i] = (float)(i & 1023);
  double best = 1e30;
  for (int r = 0; r < 3; r++) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    double t1 = now();
#pragma omp parallel for num_threads(threads) reduction(+ : s0, s1, s2, s3)
    for (size_t i = 0; i < n; i += 4) {
      s0 += x[i];
      s1 += x[i + 1];
      s2 += x[i + 2];
      s3 += x[i + 3];
    }
    double dt = now() - t1;
    if (dt < best) best = dt;
    sink += s0 + s1 + s2 + s3;
  }
  free(x);
  char bf16_text[32] = "null", amx_bf16_text[32] = "null", amx_int8_text[32] = "null", i16_text[32] = "null",
       vnni16_text[32] = "null";
  if (vnni16 > 0) snprintf(vnni16_text, sizeof vnni16_text, "%.1f", vnni16);
  if (i16 > 0) snprintf(i16_text, sizeof i16_text, "%.1f", i16);
  if (bf16 > 0) snprintf(bf16_text, sizeof bf16_text, "%.1f", bf16);
  if (amx_bf16 > 0) snprintf(amx_bf16_text, sizeof amx_bf16_text, "%.1f", amx_bf16);
  if (amx_int8 > 0) snprintf(amx_int8_text, sizeof amx_int8_text, "%.1f", amx_int8);
  printf("{\"fma_gflops\": %.1f, \"bf16_gflops\": %s, \"amx_bf16_gflops\": %s, \"amx_int8_gops\": %s, "
         "\"i16_gops\": %s, \"vnni16_gops\": %s, \"bandwidth_gbs\": %.1f, \"threads\": %d, \"sink\": %g}\n",
         gflops, bf16_text, amx_bf16_text, amx_int8_text, i16_text, vnni16_text, n * sizeof(float) / best / 1e9, threads,
         sink != 0 ? 1.0 : 0.0);
  return 0;
}
