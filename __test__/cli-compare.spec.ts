/**
 * `embgeo compare`, run as users run it (`node bin/embgeo.mjs …`, which needs `dist/`, built by
 * `npm test` before vitest): the bundled demo, files and safetensors tensors, --json, --html,
 * exit codes of bad input, Ctrl-C.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { splitTensor } from '../src/cli/commands/compare.js'
import { DEFAULT_MEASURES, matrix, writeNpySync, type Comparison } from '../src/index.js'
import { randomData } from './helpers.js'

const BIN = fileURLToPath(new URL('../bin/embgeo.mjs', import.meta.url))
const LAYERS = fileURLToPath(new URL('../data/demo/minilm-layers.safetensors', import.meta.url))
let dir: string

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 180_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Every leaf of a JSON value, with its path (to find nulls, which is what NaN becomes). */
function leaves(v: unknown, path = '$'): Array<[string, unknown]> {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, `${path}[${i}]`))
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, `${path}.${k}`))
  return [[path, v]]
}

const ROWS = 200
const COLS = 12
const X = Float64Array.from(randomData(ROWS, COLS, 11))
/** X with its columns reversed and every other one negated: an exact orthogonal transform. */
const XQ = X.map((_, t) => {
  const i = Math.floor(t / COLS)
  const j = t % COLS
  return (j % 2 === 0 ? 1 : -1) * X[i * COLS + (COLS - 1 - j)]!
})

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'embgeo-cli-compare-'))
  writeNpySync(join(dir, 'x.npy'), matrix(X, COLS))
  writeNpySync(join(dir, 'xq.npy'), matrix(XQ, COLS))
  writeNpySync(join(dir, 'y.npy'), matrix(Float64Array.from(randomData(ROWS, 5, 12)), 5))
  writeNpySync(join(dir, 'short.npy'), matrix(Float64Array.from(randomData(ROWS - 1, COLS, 13)), COLS))
  const nan = Float64Array.from(X)
  nan[7] = Number.NaN
  // the writers refuse NaN: a version-1.0 little-endian f64 .npy by hand
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${ROWS}, ${COLS}), }`
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11) + '\n'
  const head = Buffer.alloc(10)
  Buffer.from('\x93NUMPY', 'latin1').copy(head)
  head[6] = 1
  head.writeUInt16LE(header.length, 8)
  writeFileSync(join(dir, 'nan.npy'), Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(nan.buffer)]))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('embgeo compare', () => {
  it('is listed in embgeo --help; --help lists its options and measures', () => {
    expect(cli('--help').stdout).toContain('  compare')
    const h = cli('compare', '--help')
    expect(h.code).toBe(0)
    expect(h.stdout).toMatch(/^Usage: embgeo compare/)
    for (const o of ['--demo', '--measures', '--metric', '--k', '--html', '--json', '--tensor']) expect(h.stdout).toContain(o)
    for (const m of DEFAULT_MEASURES) expect(h.stdout).toContain(m)
  })

  it('--demo: a 4 × 4 layer-by-layer matrix of every default measure, CKA 1 on the diagonal', () => {
    const r = cli('compare', '--demo')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('4 sets of 800 rows')
    expect(r.stdout).toContain('metric cosine')
    for (const m of DEFAULT_MEASURES) expect(r.stdout).toContain(`(${m}`)
    const cka = r.stdout.split('\n\n').find((b) => b.includes('(cka)'))!.split('\n')
    expect(cka).toHaveLength(6)
    expect(cka[1]).toMatch(/layer 0 +layer 2 +layer 4 +layer 6 \(output\)/)
    // row "layer 2": CKA(layer 2, layer 2) = 1 by identity
    expect(cka[3]!.trim().split(/ {2,}/)[2]).toBe('1')
    expect(r.stdout).not.toMatch(/NaN|undefined/)
  })

  it('--demo --json: the whole comparison, parsable, no nulls; --html: the report', () => {
    const html = join(dir, 'demo.html')
    const r = cli('compare', '--demo', '--json', '--html', html)
    expect(r.code, r.stderr).toBe(0)
    const c = JSON.parse(r.stdout) as Comparison & { command: string; html: string }
    expect(c.command).toBe('compare')
    expect(c.schema).toBe('embgeo.comparison/1')
    expect(c.labels).toEqual(['layer 0', 'layer 2', 'layer 4', 'layer 6 (output)'])
    expect([c.rows, c.cols]).toEqual([800, [384, 384, 384, 384]])
    expect(c.measures).toEqual(DEFAULT_MEASURES)
    expect(leaves(c).filter(([, v]) => v === null)).toEqual([])
    for (const m of c.measures) {
      const v = c.matrices[m]!.fields[c.matrices[m]!.primary]!
      expect(v.length, m).toBe(4)
      for (const row of v) expect(row.every(Number.isFinite), m).toBe(true)
    }
    const cka = c.matrices.cka!.fields['value']!
    for (let i = 0; i < 4; i++) {
      expect(cka[i]![i]).toBe(1)
      for (let j = 0; j < 4; j++) {
        expect(cka[i]![j]).toBe(cka[j]![i])
        expect(cka[i]![j]).toBeGreaterThan(0)
        expect(cka[i]![j]).toBeLessThanOrEqual(1 + 1e-12)
      }
    }
    const page = readFileSync(html, 'utf8')
    for (const id of ['plot-cka', 'plot-cka-debiased', 'plot-procrustes', 'plot-mutual-knn']) expect(page).toContain(`id="${id}"`)
    expect(page).not.toMatch(/NaN|undefined/)
  })

  it('two files: a rotated copy has CKA 1 and Procrustes angle 0; --measures picks and orders', () => {
    const r = cli('compare', join(dir, 'x.npy'), join(dir, 'xq.npy'), '--measures', 'procrustes,cka', '--json')
    expect(r.code, r.stderr).toBe(0)
    const c = JSON.parse(r.stdout) as Comparison
    expect(c.labels).toEqual(['x.npy', 'xq.npy'])
    expect(c.measures).toEqual(['procrustes', 'cka'])
    expect(c.matrices.cka!.fields['value']![0]![1]).toBeCloseTo(1, 12)
    // angular = arccos(ρ) turns the last-ulp error of ρ ≈ 1 into ~1e-8
    expect(c.matrices.procrustes!.fields['angular']![0]![1]).toBeLessThan(1e-6)
  })

  it('three files of different widths: every pair, information imbalance in both directions', () => {
    const r = cli('compare', join(dir, 'x.npy'), join(dir, 'y.npy'), join(dir, 'xq.npy'), '--measures', 'informationImbalance,linearity', '-k', '3', '--metric', 'cosine', '--json')
    expect(r.code, r.stderr).toBe(0)
    const c = JSON.parse(r.stdout) as Comparison
    expect(c.cols).toEqual([COLS, 5, COLS])
    expect(c.options).toEqual({ metric: 'cosine', k: 3 })
    expect(c.matrices.informationImbalance!.params).toMatchObject({ k: 3, metric: 'cosine' })
    const ii = c.matrices.informationImbalance!.fields['value']!
    expect(ii.flat().every(Number.isFinite)).toBe(true)
    // x and xq have the same neighbours under cosine: Δ(x → xq) = Δ(x → x)
    expect(ii[0]![2]).toBe(ii[0]![0])
    expect(c.matrices.linearity!.symmetric).toBe(false)
  })

  it('reads safetensors tensors as FILE:TENSOR (and labels them so)', () => {
    expect(splitTensor('a/b.safetensors:layer0')).toEqual({ path: 'a/b.safetensors', tensor: 'layer0' })
    expect(splitTensor('C:\\data\\x.npy')).toEqual({ path: 'C:\\data\\x.npy' })
    expect(splitTensor('x.safetensors')).toEqual({ path: 'x.safetensors' })
    const r = cli('compare', `${LAYERS}:layer0`, `${LAYERS}:layer4`, '--measures', 'cka', '--json')
    expect(r.code, r.stderr).toBe(0)
    const c = JSON.parse(r.stdout) as Comparison
    expect(c.labels).toEqual(['minilm-layers.safetensors:layer0', 'minilm-layers.safetensors:layer4'])
    expect(c.rows).toBe(800)
  })

  it.each([
    { name: 'one file', args: ['x.npy'], code: 2, error: 'ERR_USAGE' },
    { name: '--demo with files', args: ['--demo', 'x.npy', 'y.npy'], code: 2, error: 'ERR_USAGE' },
    { name: 'an unknown measure', args: ['x.npy', 'y.npy', '--measures', 'cka,bogus'], code: 2, error: 'ERR_USAGE' },
    { name: 'an unknown metric', args: ['x.npy', 'y.npy', '--metric', 'manhattan'], code: 2, error: 'ERR_USAGE' },
    { name: 'k = 0', args: ['x.npy', 'y.npy', '-k', '0'], code: 2, error: 'ERR_USAGE' },
    { name: 'different row counts', args: ['x.npy', 'short.npy'], code: 4, error: 'ERR_SHAPE' },
    { name: 'k ≥ rows', args: ['x.npy', 'y.npy', '-k', String(ROWS), '--measures', 'mutualKnn'], code: 4, error: 'ERR_K_TOO_LARGE' },
    { name: 'NaN in a file', args: ['x.npy', 'nan.npy', '--measures', 'cka'], code: 4, error: 'ERR_NON_FINITE' },
    { name: 'a missing file', args: ['x.npy', 'missing.npy'], code: 3, error: 'ERR_IO' },
    { name: 'a missing tensor', args: [`${LAYERS}:layer9`, `${LAYERS}:layer0`], code: 3, error: 'ERR_BAD_FILE' },
  ])('$name: exit $code, $error', ({ args, code, error }) => {
    const paths = args.map((a) => (a.endsWith('.npy') ? join(dir, a) : a))
    const r = cli('compare', ...paths, '--json')
    expect(r.code, r.stdout + r.stderr).toBe(code)
    expect(JSON.parse(r.stdout).error.code).toBe(error)
  })

  it.runIf(process.platform !== 'win32')('the first Ctrl-C aborts the comparison and exits 130', async () => {
    const big = join(dir, 'big.npy')
    const big2 = join(dir, 'big2.npy')
    // two 40 000-row sets: information imbalance computes two kNN graphs and 2·N² screened keys
    // of 128 columns (≈ 1e12 FLOPs), far more than the 3 s before the signal
    writeNpySync(big, matrix(Float32Array.from(randomData(40_000, 128, 5)), 128))
    writeNpySync(big2, matrix(Float32Array.from(randomData(40_000, 128, 6)), 128))
    const child = spawn(process.execPath, [BIN, 'compare', big, big2, '--measures', 'informationImbalance'], { stdio: 'ignore' })
    const t0 = Date.now()
    setTimeout(() => child.kill('SIGINT'), 3000)
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    expect(code).toBe(130)
    expect(Date.now() - t0).toBeLessThan(15_000)
    expect(existsSync(big)).toBe(true)
  }, 60_000)
})
