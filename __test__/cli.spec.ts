/**
 * The `embgeo` command line, run as users run it (`node bin/embgeo.mjs …`, which needs `dist/`,
 * built by `npm test` before vitest): every command on fixture files, exit codes, `--json` output.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import {
  datasets,
  knnSync,
  matrix,
  PCA,
  phSync,
  readEmbeddingsSync,
  twoNNSync,
  Whitener,
  writeNpySync,
  type Analysis,
} from '../src/index.js'
import { randomData } from './helpers.js'

const BIN = fileURLToPath(new URL('../bin/embgeo.mjs', import.meta.url))
let dir: string

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Every leaf of a JSON value, with its path (to find nulls, which is what NaN becomes). */
function leaves(v: unknown, path = '$'): Array<[string, unknown]> {
  if (Array.isArray(v)) return v.flatMap((x, i) => leaves(x, `${path}[${i}]`))
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leaves(x, `${path}.${k}`))
  return [[path, v]]
}

/** A version-1.0 little-endian f64 .npy file, written here because embgeo's writers refuse NaN. */
function npyBytes(data: Float64Array, rows: number, cols: number): Buffer {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11) + '\n'
  const head = Buffer.alloc(10)
  Buffer.from('\x93NUMPY', 'latin1').copy(head)
  head[6] = 1
  head.writeUInt16LE(header.length, 8)
  return Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)])
}

const sphere = datasets.benchmarkManifold('M1_Sphere', { n: 600, seed: 3 })
const X = matrix(Float32Array.from(randomData(300, 12, 7)), 12)

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'embgeo-cli-'))
  writeNpySync(join(dir, 'sphere.npy'), sphere)
  writeNpySync(join(dir, 'x.npy'), X)
  const bad = Float64Array.from(randomData(20, 3, 1))
  bad[7] = NaN
  writeFileSync(join(dir, 'nan.npy'), npyBytes(bad, 20, 3))
  writeFileSync(join(dir, 'corrupt.npy'), Buffer.from('\x93NUMPY\x01\x00garbage'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('help and usage', () => {
  it('prints the command list with --help (exit 0) and usage without a command (exit 2)', () => {
    const h = cli('--help')
    expect(h.code).toBe(0)
    for (const c of ['analyze', 'knn', 'id', 'pca', 'whiten']) expect(h.stdout).toContain(`  ${c}`)
    expect(h.stdout).toContain('Exit codes')
    expect(cli().code).toBe(2)
  })

  it.each(['analyze', 'knn', 'id', 'pca', 'whiten'])('%s --help lists its options', (c) => {
    const r = cli(c, '--help')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^Usage: embgeo ${c}`))
    expect(r.stdout).toContain('--json')
  })

  it('reports an unknown command or option with exit code 2', () => {
    const a = cli('frobnicate')
    expect(a.code).toBe(2)
    expect(a.stderr).toContain("unknown command 'frobnicate'")
    const b = cli('knn', join(dir, 'x.npy'), '-k', '3', '--out', join(dir, 'o.npy'), '--bogus')
    expect(b.code).toBe(2)
    expect(b.stderr).toContain('--bogus')
    expect(cli('knn', join(dir, 'x.npy'), '-k', 'three', '--out', join(dir, 'o.npy')).code).toBe(2)
    expect(cli('knn', join(dir, 'x.npy')).code).toBe(2)
  })
})

describe('commands', () => {
  it('knn writes the exact neighbour indices and distances', () => {
    const out = join(dir, 'nn.ivecs')
    const dist = join(dir, 'nn-d.npy')
    const r = cli('knn', join(dir, 'x.npy'), '-k', '5', '--metric', 'cosine', '--out', out, '--distances', dist, '--json')
    expect(r.code, r.stderr).toBe(0)
    const info = JSON.parse(r.stdout)
    expect(info).toMatchObject({ command: 'knn', rows: 300, k: 5, metric: 'cosine' })
    const want = knnSync(X, { k: 5, metric: 'cosine' })
    const got = readEmbeddingsSync(out)
    expect(Array.from(got.data)).toEqual(Array.from(want.indices))
    expect(Array.from(readEmbeddingsSync(dist).data)).toEqual(Array.from(want.distances))
  })

  it('id gives the library estimate and writes pointwise values', () => {
    const r = cli('id', join(dir, 'sphere.npy'), '--method', 'twonn', '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.dimension).toBe(twoNNSync(sphere).dimension)
    const pw = join(dir, 'mle-pw.npy')
    const m = cli('id', join(dir, 'sphere.npy'), '--method', 'mle', '-k', '10', '--pointwise', pw)
    expect(m.code, m.stderr).toBe(0)
    expect(m.stdout).toMatch(/dimension\s+\d/)
    expect(readEmbeddingsSync(pw).rows).toBe(600)
    expect(cli('id', join(dir, 'sphere.npy'), '--method', 'twonn', '--pointwise', pw).code).toBe(2)
  })

  it('id --method ph gives the library PH estimate with the given seed', () => {
    const r = cli('id', join(dir, 'sphere.npy'), '--method', 'ph', '--seed', '3', '--json')
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.method).toBe('ph')
    expect(out.dimension).toBe(phSync(sphere, { seed: 3 }).dimension)
  })

  it('pca writes the projection fitTransform gives, and a model that deserialises', () => {
    const out = join(dir, 'pca.npy')
    const model = join(dir, 'pca.safetensors')
    const r = cli('pca', join(dir, 'x.npy'), '--components', '3', '--out', out, '--model', model, '--json')
    expect(r.code, r.stderr).toBe(0)
    const want = new PCA({ nComponents: 3 }).fitTransformSync(X)
    const got = readEmbeddingsSync(out)
    expect([got.rows, got.cols]).toEqual([300, 3])
    expect(Array.from(got.data)).toEqual(Array.from(want.data))
    expect(PCA.deserialize(readFileSync(model)).nComponents).toBe(3)
    expect(cli('pca', join(dir, 'x.npy'), '--out', out).code).toBe(2)
  })

  it('whiten (zca) writes what Whitener gives; zipfian needs --weights', () => {
    const out = join(dir, 'white.npy')
    const r = cli('whiten', join(dir, 'x.npy'), '--method', 'zca', '--epsilon', '1e-6', '--out', out)
    expect(r.code, r.stderr).toBe(0)
    const want = new Whitener({ method: 'zca', epsilon: 1e-6 }).fitTransformSync(X)
    expect(Array.from(readEmbeddingsSync(out).data)).toEqual(Array.from(want.data))
    expect(cli('whiten', join(dir, 'x.npy'), '--method', 'zipfian', '--out', out).code).toBe(2)
    const weights = join(dir, 'w.txt')
    writeFileSync(weights, Array.from({ length: 300 }, (_, i) => String(1 + (i % 7))).join('\n'))
    expect(cli('whiten', join(dir, 'x.npy'), '--method', 'zipfian', '--weights', weights, '--out', out).code).toBe(0)
  })

  it('analyze --json prints a complete analysis with no NaN (null) anywhere, and --html a report', () => {
    const html = join(dir, 'report.html')
    const r = cli('analyze', join(dir, 'sphere.npy'), '--json', '--html', html)
    expect(r.code, r.stderr).toBe(0)
    const a = JSON.parse(r.stdout) as Analysis
    expect(a.schema).toBe('embgeo.analysis/1')
    expect(a.source).toMatchObject({ rows: 600, cols: 11, format: 'npy', dtype: 'f64' })
    expect(leaves(a).filter(([, v]) => v === null)).toEqual([])
    expect(a.id.twoNN.dimension).toBeGreaterThan(8)
    expect(a.id.twoNN.dimension).toBeLessThan(12)
    expect(a.spectrum.eigenvalues).toHaveLength(11)
    expect(a.scatter.x).toHaveLength(600)
    const page = readFileSync(html, 'utf8')
    expect(page).toMatch(/^<!doctype html>/i)
    expect(page).toContain('<svg')
    const text = cli('analyze', join(dir, 'sphere.npy'), '--max-rows', '200')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toMatch(/intrinsic dimension\s+TwoNN/)
    expect(text.stdout).toContain('seeded subsample')
  })

  it('analyze --queries adds query difficulty and hubness reduction (JSON, text, report); not with --demo', () => {
    const html = join(dir, 'queries.html')
    const r = cli('analyze', join(dir, 'sphere.npy'), '--queries', join(dir, 'sphere.npy'), '--max-queries', '50', '--json', '--html', html)
    expect(r.code, r.stderr).toBe(0)
    const a = JSON.parse(r.stdout) as Analysis
    expect(a.queries).toMatchObject({ name: join(dir, 'sphere.npy'), rows: 50, totalRows: 600, subsampled: true, k: 20 })
    expect(a.queries!.hubnessReduction.methods).toHaveLength(5)
    expect(leaves(a).filter(([, v]) => v === null)).toEqual([])
    expect(readFileSync(html, 'utf8')).toContain('<figure id="plot-query-lid">')
    const text = cli('analyze', join(dir, 'sphere.npy'), '--queries', join(dir, 'sphere.npy'), '--max-queries', '50')
    expect(text.stdout).toMatch(/query difficulty \(k=20\)\s+LID median/)
    expect(text.stdout).toMatch(/hubness reduction \(k=10\)\s+skewness .* plain → mutualProximity/)
    expect(cli('analyze', join(dir, 'sphere.npy'), '--queries', join(dir, 'x.npy'), '--json').code).toBe(4)
    expect(cli('analyze', '--demo', '--queries', join(dir, 'x.npy')).code).toBe(2)
  })
})

describe('exit codes', () => {
  it('3 for a missing or corrupt file, 4 for data the computation rejects', () => {
    const missing = cli('id', join(dir, 'nope.npy'))
    expect(missing.code).toBe(3)
    expect(missing.stderr).toContain('[ERR_IO]')
    const corrupt = cli('id', join(dir, 'corrupt.npy'), '--json')
    expect(corrupt.code).toBe(3)
    expect(JSON.parse(corrupt.stdout).error.code).toBe('ERR_BAD_FILE')
    const nan = cli('id', join(dir, 'nan.npy'), '--json')
    expect(nan.code).toBe(4)
    expect(JSON.parse(nan.stdout).error.code).toBe('ERR_NON_FINITE')
    const big = cli('knn', join(dir, 'x.npy'), '-k', '300', '--out', join(dir, 'o.npy'))
    expect(big.code).toBe(4)
    expect(big.stderr).toContain('[ERR_K_TOO_LARGE]')
  })
})

describe('files the CLI touches besides the input (README "Command line")', () => {
  it('exits 3 with ERR_IO for --labels, --weights, --html and --model problems', () => {
    const x = join(dir, 'x.npy')
    const cases: string[][] = [
      ['analyze', x, '--labels', join(dir, 'no-labels.txt'), '--json'],
      ['analyze', x, '--html', dir, '--json'],
      ['analyze', x, '--html', join(dir, 'no', 'such', 'r.html'), '--json'],
      ['pca', x, '--components', '2', '--out', join(dir, 'p.npy'), '--model', join(dir, 'no', 'm.safetensors'), '--json'],
      ['whiten', x, '--method', 'zipfian', '--weights', join(dir, 'no-weights.txt'), '--out', join(dir, 'w.npy'), '--json'],
    ]
    for (const args of cases) {
      const r = cli(...args)
      expect(r.code, args.join(' ')).toBe(3)
      expect(JSON.parse(r.stdout).error.code, args.join(' ')).toBe('ERR_IO')
    }
  })

  it.runIf(process.platform !== 'win32')('refuses a FIFO as input or --labels at once (exit 3), keeps an output mode', () => {
    const fifo = join(dir, 'pipe.npy')
    execFileSync('mkfifo', [fifo])
    const t = Date.now()
    const r = cli('id', fifo, '--json')
    expect([r.code, JSON.parse(r.stdout).error.code]).toEqual([3, 'ERR_IO'])
    const l = cli('analyze', join(dir, 'x.npy'), '--labels', fifo, '--json')
    expect([l.code, JSON.parse(l.stdout).error.code]).toEqual([3, 'ERR_IO'])
    expect(Date.now() - t).toBeLessThan(60_000)
    // --html and --out go through the same atomic writer: a 0600 report stays 0600
    mkdirSync(join(dir, 'modes'))
    const out = join(dir, 'modes', 'nn.npy')
    writeFileSync(out, 'old')
    chmodSync(out, 0o600)
    expect(cli('knn', join(dir, 'x.npy'), '-k', '2', '--out', out).code).toBe(0)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    expect(readdirSync(join(dir, 'modes'))).toEqual(['nn.npy'])
  })

  it.runIf(process.platform !== 'win32')('the first Ctrl-C aborts the job and exits 130, leaving no file behind', async () => {
    const big = join(dir, 'big.npy')
    // ~7 s of kNN unaborted on a fast host: the signals land well inside the job, whatever the
    // start-up time
    writeNpySync(big, matrix(Float32Array.from(randomData(150_000, 32, 5)), 32))
    const sub = join(dir, 'sigint')
    mkdirSync(sub)
    const child = spawn(process.execPath, [BIN, 'knn', big, '-k', '10', '--out', join(sub, 'nn.npy')], { stdio: 'ignore' })
    const t0 = Date.now()
    setTimeout(() => child.kill('SIGINT'), 3000)
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)))
    expect(code).toBe(130)
    expect(Date.now() - t0).toBeLessThan(15_000)
    expect(existsSync(join(sub, 'nn.npy'))).toBe(false)
    expect(readdirSync(sub)).toEqual([])
    // a second Ctrl-C exits at once (130, not killed by the signal), leaving no temporary. It
    // must come while the process still runs JavaScript: the first one ends the job within
    // about 20 ms on a fast host, and once Node's exit teardown has begun the signal's default
    // action applies, which no handler can change. 2 ms after the first is well inside.
    const again = spawn(process.execPath, [BIN, 'knn', big, '-k', '10', '--out', join(sub, 'nn.npy')], { stdio: 'ignore' })
    setTimeout(() => again.kill('SIGINT'), 3000)
    setTimeout(() => again.kill('SIGINT'), 3002)
    const [code2, signal2] = await new Promise<[number | null, string | null]>((resolve) => again.on('exit', (c, s) => resolve([c, s])))
    expect([code2, signal2]).toEqual([130, null])
    expect(readdirSync(sub)).toEqual([])
  }, 60_000)
})
