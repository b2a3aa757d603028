/**
 * Benchmark environment: machine facts, load average, and the FMA / bandwidth probes whose
 * results every report uses as "percent of peak".
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

export const root = fileURLToPath(new URL('../../', import.meta.url))
export const work = `${root}.tmp/bench/`
mkdirSync(work, { recursive: true })

/** Python of the pinned reference environment (bash scripts/reference/setup.sh creates it). */
export const python = `${root}.venv-ref/bin/python`

export function machine() {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    rustc: safe(() => execFileSync('rustc', ['--version'], { encoding: 'utf8' }).trim()),
    commit: safe(() => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()),
    date: new Date().toISOString(),
  }
}

function safe(f) {
  try {
    return f()
  } catch {
    return 'unknown'
  }
}

/** Wait (up to `maxSeconds`) for the 1-minute load average to drop below `limit`; return it. */
export async function quiet(limit = 0.5, maxSeconds = 120) {
  const start = Date.now()
  while (loadavg()[0] > limit && Date.now() - start < maxSeconds * 1000) await new Promise((r) => setTimeout(r, 5000))
  return loadavg()[0]
}

/** Build (once) and run the C probe: { fma_gflops, bf16_gflops, amx_bf16_gflops, amx_int8_gops, i16_gops, vnni16_gops, bandwidth_gbs, threads } (null for units this CPU lacks). */
export function probe(threads) {
  const bin = `${work}peak`
  const src = `${root}bench/probe/peak.c`
  // rebuilt when the probe's source is newer than the binary (a new unit probed)
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    execFileSync('cc', ['-O3', '-march=native', '-mprefer-vector-width=512', '-funroll-loops', '-fopenmp', '-o', bin, src], { stdio: 'inherit' })
  }
  return JSON.parse(execFileSync(bin, [String(threads)], { encoding: 'utf8' }))
}

/**
 * Environment for Python peers. The OpenBLAS builds inside the numpy / faiss-cpu wheels do not
 * know this CPU model and fall back to a slow generic kernel (faiss: 42 s instead of ~6 s on the
 * 20k × 384 case); on AVX-512 CPUs we point them at their SkylakeX kernels, and say so in the
 * reports.
 */
export function pythonEnv(threads) {
  const cpuinfo = safe(() => readFileSync('/proc/cpuinfo', 'utf8'))
  const avx512 = cpuinfo.includes(' avx512f')
  return {
    OMP_NUM_THREADS: String(threads),
    OPENBLAS_NUM_THREADS: String(threads),
    MKL_NUM_THREADS: String(threads),
    OMP_WAIT_POLICY: 'PASSIVE',
    ...(avx512 ? { OPENBLAS_CORETYPE: 'SkylakeX' } : {}),
  }
}

/** Median and min of numbers. */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return { median: s[Math.floor((s.length - 1) / 2)], min: s[0], runs: s.length }
}
