/** Shared by the benchmark runner processes: argument parsing, data loading, timing, output. */
import { readFileSync, writeFileSync } from 'node:fs'

/** `--name value` pairs → object. */
export function args() {
  const a = process.argv.slice(2)
  const o = {}
  for (let i = 0; i < a.length; i += 2) o[a[i].replace(/^--/, '')] = a[i + 1]
  return o
}

/** Raw f32 file → Float32Array with its own buffer (byteOffset 0). */
export function loadF32(path) {
  const buf = readFileSync(path)
  const out = new Float32Array(buf.byteLength / 4)
  new Uint8Array(out.buffer).set(buf)
  return out
}

/** Time `f` `runs` times after one warm-up; returns seconds per run. */
export async function timeRuns(f, runs) {
  await f()
  const times = []
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint()
    await f()
    times.push(Number(process.hrtime.bigint() - t0) / 1e9)
  }
  return times
}

/** Print the runner's JSON result (one line) and write indices (u32, rows × k) if asked. */
export function finish(o, result, indices) {
  if (o.out && indices) writeFileSync(o.out, Buffer.from(indices.buffer, indices.byteOffset, indices.byteLength))
  console.log(JSON.stringify({ ...result, maxRssMiB: process.resourceUsage().maxRSS / 1024 }))
}
