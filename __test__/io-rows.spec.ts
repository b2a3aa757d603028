/**
 * Row-range reads (`readEmbeddings(path, { rows: [start, end] })` and the CLI's `--rows`): each
 * binary format's range equals the same rows of a full read; bad ranges have codes.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { matrix, readEmbeddings, readEmbeddingsSync, writeFvecsSync, writeNpySync } from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'

const ROWS = 57
const COLS = 6
const X = Float32Array.from(randomData(ROWS, COLS, 5))
let dir: string
const files: Record<string, { path: string; options: Record<string, unknown> }> = {}

/** A safetensors file with one F32 tensor `emb` (8-byte header length, JSON header, data). */
function safetensorsBytes(data: Float32Array, rows: number, cols: number): Buffer {
  const header = JSON.stringify({ emb: { dtype: 'F32', shape: [rows, cols], data_offsets: [0, data.byteLength] } })
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(header.length))
  return Buffer.concat([len, Buffer.from(header), Buffer.from(data.buffer, data.byteOffset, data.byteLength)])
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'embgeo-rows-'))
  const m = matrix(X, COLS)
  files.npy = { path: join(dir, 'x.npy'), options: {} }
  writeNpySync(files.npy.path, m)
  files.npy64 = { path: join(dir, 'x64.npy'), options: {} }
  writeNpySync(files.npy64.path, matrix(Float64Array.from(X, (v) => v / 3), COLS))
  files.fvecs = { path: join(dir, 'x.fvecs'), options: {} }
  writeFvecsSync(files.fvecs.path, m)
  files.safetensors = { path: join(dir, 'x.safetensors'), options: { tensor: 'emb' } }
  writeFileSync(files.safetensors.path, safetensorsBytes(X, ROWS, COLS))
  files.raw = { path: join(dir, 'x.f32'), options: { dim: COLS } }
  writeFileSync(files.raw.path, Buffer.from(X.buffer))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('readEmbeddings with rows', () => {
  for (const name of ['npy', 'npy64', 'fvecs', 'safetensors', 'raw']) {
    it(`reads [start, end) of a ${name} file equal to slicing a full read`, async () => {
      const { path, options } = files[name]!
      const full = readEmbeddingsSync(path, options)
      for (const [a, b] of [
        [0, ROWS],
        [0, 1],
        [10, 33],
        [ROWS - 1, ROWS],
        [20, 20],
      ] as const) {
        const part = readEmbeddingsSync(path, { ...options, rows: [a, b] })
        expect([part.rows, part.cols], `${name} ${a}:${b}`).toEqual([b - a, COLS])
        expect(part.data, `${name} ${a}:${b}`).toEqual(full.data.subarray(a * COLS, b * COLS))
      }
      const asyncPart = await readEmbeddings(path, { ...options, rows: [5, 9] })
      expect(asyncPart.data).toEqual(full.data.subarray(5 * COLS, 9 * COLS))
      expect(thrown(() => readEmbeddingsSync(path, { ...options, rows: [0, ROWS + 1] })).code).toBe('ERR_OUT_OF_RANGE')
      expect((await rejection(readEmbeddings(path, { ...options, rows: [ROWS + 1, ROWS + 2] }))).code).toBe('ERR_OUT_OF_RANGE')
    })
  }

  it('rejects malformed ranges and text formats with codes', () => {
    const { path } = files.npy!
    expect(thrown(() => readEmbeddingsSync(path, { rows: [5, 4] })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => readEmbeddingsSync(path, { rows: [-1, 4] })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => readEmbeddingsSync(path, { rows: [0.5, 4] })).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => readEmbeddingsSync(path, { rows: 3 as never })).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => readEmbeddingsSync(path, { rows: [1, 2, 3] as never })).code).toBe('ERR_INVALID_ARG_TYPE')
    const csv = join(dir, 'x.csv')
    writeFileSync(csv, '1,2\n3,4\n')
    expect(thrown(() => readEmbeddingsSync(csv, { rows: [0, 1] })).code).toBe('ERR_OUT_OF_RANGE')
  })
})

describe('embgeo --rows', () => {
  const BIN = fileURLToPath(new URL('../bin/embgeo.mjs', import.meta.url))
  it('reads only START:END of the file, and refuses a malformed range as a usage error', () => {
    const out = join(dir, 'nb.npy')
    const r = spawnSync(process.execPath, [BIN, 'knn', files.npy!.path, '--rows', '10:40', '-k', '3', '--out', out, '--json', '-q'], { encoding: 'utf8' })
    expect(r.status, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ rows: 30, corpusRows: 30 })
    const bad = spawnSync(process.execPath, [BIN, 'knn', files.npy!.path, '--rows', '10-40', '-k', '3', '--out', out], { encoding: 'utf8' })
    expect(bad.status).toBe(2)
    expect(bad.stderr).toContain('--rows')
  })
})
