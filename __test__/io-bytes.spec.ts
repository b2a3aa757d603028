/**
 * readEmbeddings / readEmbeddingsSync from the bytes of a file (a `Uint8Array`, e.g. a browser
 * `File`): the same result as from its path, the same errors.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

import { readEmbeddings, readEmbeddingsSync } from '../src/index.js'
import { rejection, thrown } from './helpers.js'

const demo = (name: string) => fileURLToPath(new URL(`../data/demo/${name}`, import.meta.url))
const jsonl = join(mkdtempSync(join(tmpdir(), 'embgeo-bytes-')), 'rows.jsonl')
writeFileSync(jsonl, Array.from({ length: 50 }, (_, i) => JSON.stringify({ id: i, v: [i / 3, -i, 0.1 * i] })).join('\n'))

/** Same values, compared as bytes (vitest's toEqual is slow on long typed arrays). */
function sameData(a: Float32Array | Float64Array, b: Float32Array | Float64Array): void {
  expect(a.constructor).toBe(b.constructor)
  expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(true)
}

describe('readEmbeddings(bytes)', () => {
  it.each([
    { file: demo('minilm-stdlib.npy'), options: {} },
    { file: jsonl, options: { format: 'jsonl' as const, field: 'v' } },
  ])('reads $file from its bytes as from its path (sync and async)', async ({ file, options }) => {
    const byPath = readEmbeddingsSync(file, options)
    const bytes = new Uint8Array(readFileSync(file))
    const sync = readEmbeddingsSync(bytes, options)
    const async_ = await readEmbeddings(bytes, options)
    for (const r of [sync, async_]) {
      expect([r.rows, r.cols, r.dtype, r.format]).toEqual([byPath.rows, byPath.cols, byPath.dtype, byPath.format])
      sameData(r.data, byPath.data)
    }
  })

  it('a subarray reads only its own bytes', () => {
    const bytes = new Uint8Array(readFileSync(demo('minilm-stdlib.npy')))
    const padded = new Uint8Array(bytes.length + 16)
    padded.set(bytes, 8)
    sameData(readEmbeddingsSync(padded.subarray(8, 8 + bytes.length)).data, readEmbeddingsSync(bytes).data)
  })

  it('bad content is ERR_BAD_FILE, bad options keep their codes', async () => {
    const junk = new TextEncoder().encode('\x93NUMPY this is not a header')
    expect(thrown(() => readEmbeddingsSync(junk)).code).toBe('ERR_BAD_FILE')
    expect((await rejection(readEmbeddings(junk, { format: 'npy' }))).code).toBe('ERR_BAD_FILE')
    expect(thrown(() => readEmbeddingsSync(junk, { format: 'nope' as never })).code).toBe('ERR_INVALID_ARG_VALUE')
  })
})
