import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

import {
  EmbgeoError,
  matrix,
  readEmbeddings,
  readEmbeddingsSync,
  writeFvecs,
  writeFvecsSync,
  writeIvecs,
  writeIvecsSync,
  writeNpy,
  writeNpySync,
  type ReadEmbeddingsOptions,
} from '../src/index.js'
import { randomData, rejection, thrown } from './helpers.js'

const FIXTURES = join(import.meta.dirname, 'fixtures', 'io')
// Written by scripts/reference/io.py (numpy / safetensors); values exact (see its docstring).
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as {
  cases: Record<string, { rows: number; cols: number; dtype: string; format: string; output: 'f32' | 'f64'; values: number[]; dim?: number; field?: string }>
  bad: Record<string, string>
}

const dir = mkdtempSync(join(tmpdir(), 'embgeo-io-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
/** A fresh file in the test's temporary directory holding `bytes`. */
function file(name: string, bytes?: Uint8Array | string): string {
  const p = join(dir, `${n++}-${name}`)
  if (bytes !== undefined) writeFileSync(p, bytes)
  return p
}

describe('readEmbeddingsSync', () => {
  for (const [name, c] of Object.entries(expected.cases)) {
    it(`reads ${name} (written by Python) exactly`, () => {
      const o: ReadEmbeddingsOptions = {}
      if (c.dim !== undefined) o.dim = c.dim
      if (c.field !== undefined) o.field = c.field
      const r = readEmbeddingsSync(join(FIXTURES, name), o)
      expect({ rows: r.rows, cols: r.cols, dtype: r.dtype, format: r.format }).toEqual({ rows: c.rows, cols: c.cols, dtype: c.dtype, format: c.format })
      expect(r.data).toBeInstanceOf(c.output === 'f32' ? Float32Array : Float64Array)
      expect(Array.from(r.data)).toEqual(c.values)
    })
  }

  it('picks a safetensors tensor by name and lists the names otherwise', () => {
    const p = join(FIXTURES, 'two-tensors.safetensors')
    expect(readEmbeddingsSync(p, { tensor: 'embeddings' }).rows).toBe(6)
    const e = thrown(() => readEmbeddingsSync(p, { tensor: 'nope' }))
    expect(e.code).toBe('ERR_BAD_FILE')
    expect(e.message).toContain("'embeddings' (f32, [6, 4])")
    expect(e.message).toContain("'bias' (f32, [4])")
  })

  it('honours dtype and limitRows', () => {
    const r = readEmbeddingsSync(join(FIXTURES, 'f64.npy'), { dtype: 'f32', limitRows: 2 })
    expect(r.data).toBeInstanceOf(Float32Array)
    expect(r.rows).toBe(2)
    expect(Array.from(r.data)).toEqual(Array.from(Float32Array.from(expected.cases['f64.npy']!.values.slice(0, 8))))
  })

  it('accepts file: URLs and an explicit format', () => {
    const p = file('no-extension', readFileSync(join(FIXTURES, 'f32.fvecs')))
    expect(thrown(() => readEmbeddingsSync(p)).code).toBe('ERR_BAD_FILE')
    const r = readEmbeddingsSync(pathToFileURL(p), { format: 'fvecs' })
    expect(r.rows).toBe(6)
  })

  it.each(Object.entries(expected.bad))('rejects %s with ERR_BAD_FILE', (name, text) => {
    const e = thrown(() => readEmbeddingsSync(join(FIXTURES, name)))
    expect(e.code).toBe('ERR_BAD_FILE')
    expect(e).toBeInstanceOf(EmbgeoError)
    expect(e.message).toContain(text)
    expect(e.message).toContain(name)
  })

  it('rejects truncated and lying binary files with ERR_BAD_FILE at a byte offset', () => {
    for (const name of ['f32.npy', 'f32.fvecs', 'two-tensors.safetensors', 'f16.npy']) {
      const bytes = readFileSync(join(FIXTURES, name))
      // 41: not a whole number of 20-byte .fvecs records (a cut at 40 is a valid 2-row file)
      for (const cut of [0, 5, 9, 41, bytes.length - 1]) {
        const e = thrown(() => readEmbeddingsSync(file(name, bytes.subarray(0, cut))))
        expect(e.code, `${name}[..${cut}]`).toBe('ERR_BAD_FILE')
        expect(e.message).toMatch(/\(at (byte \d+|header)\)$/)
      }
    }
    // a header claiming 10^12 rows over 16 bytes of data: an error, not an allocation
    const dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 4), }"
    const head = Buffer.alloc(128, 0x20)
    head.write('\x93NUMPY\x01\x00', 0, 'latin1')
    head.writeUInt16LE(118, 8)
    head.write(dict, 10, 'latin1')
    head[127] = 0x0a
    const e = thrown(() => readEmbeddingsSync(file('lie.npy', Buffer.concat([head, Buffer.alloc(16)]))))
    expect(e.code).toBe('ERR_BAD_FILE')
    expect(e.message).toContain('(1000000000000, 4)')
    expect(e.message).toContain('16 bytes follow')
    expect(e.message).toContain('(at byte 128)')
    // a .fvecs record claiming dimension 2^31 - 1
    const fv = Buffer.from(readFileSync(join(FIXTURES, 'f32.fvecs')))
    fv.writeInt32LE(0x7fffffff, 0)
    const e2 = thrown(() => readEmbeddingsSync(file('lie.fvecs', fv)))
    expect(e2.code).toBe('ERR_BAD_FILE')
    expect(e2.message).toContain('dimension 2147483647')
    expect(e2.message).toContain('(at byte 0)')
  })

  it('names line and column in bad text files', () => {
    const e = thrown(() => readEmbeddingsSync(file('x.csv', '1,2\n3,abc\n')))
    expect(e.code).toBe('ERR_BAD_FILE')
    expect(e.message).toContain('"abc" is not a number')
    expect(e.message).toContain('(at line 2, column 3)')
    const e2 = thrown(() => readEmbeddingsSync(file('x.jsonl', '[1, 2]\n[3]\n')))
    expect(e2.message).toContain('row 1 has 1 values; expected 2')
    expect(e2.message).toContain('line 2')
    const e3 = thrown(() => readEmbeddingsSync(file('x.json', '[[1, 2], [3, 4]')))
    expect(e3.message).toContain('truncated')
  })

  it('rejects NaN in a file with ERR_NON_FINITE naming row and column', () => {
    const e = thrown(() => readEmbeddingsSync(file('nan.csv', '1,2\n3,NaN\n')))
    expect(e.code).toBe('ERR_NON_FINITE')
    expect(e).toBeInstanceOf(RangeError)
    expect(e.message).toContain('row 1, column 1')
  })

  it('reports a missing file or a directory with ERR_IO', () => {
    const e = thrown(() => readEmbeddingsSync(join(dir, 'missing.npy')))
    expect(e.code).toBe('ERR_IO')
    expect(e.message).toContain('missing.npy')
    expect(thrown(() => readEmbeddingsSync(dir, { format: 'npy' })).code).toBe('ERR_IO')
  })

  it.each([
    [undefined, {}, 'ERR_INVALID_ARG_TYPE'],
    ['', {}, 'ERR_INVALID_ARG_TYPE'],
    ['x.npy', 'opts', 'ERR_INVALID_ARG_TYPE'],
    ['x.npy', { format: 'parquet' }, 'ERR_INVALID_ARG_VALUE'],
    ['x.npy', { format: 3 }, 'ERR_INVALID_ARG_TYPE'],
    ['x.npy', { dim: 0 }, 'ERR_OUT_OF_RANGE'],
    ['x.npy', { dim: 1.5 }, 'ERR_OUT_OF_RANGE'],
    ['x.npy', { dim: '4' }, 'ERR_INVALID_ARG_TYPE'],
    ['x.npy', { limitRows: -1 }, 'ERR_OUT_OF_RANGE'],
    ['x.npy', { dtype: 'f16' }, 'ERR_INVALID_ARG_VALUE'],
    ['x.npy', { tensor: 1 }, 'ERR_INVALID_ARG_TYPE'],
    ['x.csv', { delimiter: ',,' }, 'ERR_OUT_OF_RANGE'],
    ['x.csv', { header: 'yes' }, 'ERR_INVALID_ARG_TYPE'],
    ['x.npy', { limit: 3 }, 'ERR_OUT_OF_RANGE'],
    ['x.f32', { format: 'raw' }, 'ERR_OUT_OF_RANGE'],
  ])('rejects path %j with options %j: %s', (path, options, code) => {
    const e = thrown(() => readEmbeddingsSync(path as string, options as ReadEmbeddingsOptions))
    expect(e.code).toBe(code)
  })

  it('asks for dim when a raw file is recognised by its extension', () => {
    const e = thrown(() => readEmbeddingsSync(join(FIXTURES, 'f32-dim4.f32')))
    expect(e.code).toBe('ERR_OUT_OF_RANGE')
    expect(e.message).toContain('dim')
  })
})

describe('readEmbeddings', () => {
  it('gives the same result as the sync twin', async () => {
    for (const name of ['f16.npy', 'f32-fortran.npy', 'u8.bvecs', 'objects.jsonl']) {
      const o = { field: expected.cases[name]!.field }
      const a = await readEmbeddings(join(FIXTURES, name), o.field === undefined ? {} : o)
      const b = readEmbeddingsSync(join(FIXTURES, name), o.field === undefined ? {} : o)
      expect(a).toEqual(b)
    }
  })

  it('rejects (never throws) on bad input, with the same codes', async () => {
    expect((await rejection(readEmbeddings(join(dir, 'missing.npy')))).code).toBe('ERR_IO')
    expect((await rejection(readEmbeddings(join(FIXTURES, 'bad-1d.npy')))).code).toBe('ERR_BAD_FILE')
    expect((await rejection(readEmbeddings(42 as unknown as string))).code).toBe('ERR_INVALID_ARG_TYPE')
  })

  it('reports progress in bytes and can be aborted', async () => {
    const rows = 40_000
    const cols = 64 // 10 MB of f32
    const p = file('big.npy')
    writeNpySync(p, matrix(new Float32Array(randomData(rows, cols, 3)), cols))
    const seen: number[] = []
    const r = await readEmbeddings(p, { onProgress: (q) => seen.push(q.completed) })
    expect(r.rows).toBe(rows)
    expect(seen.at(-1)).toBeGreaterThan(rows * cols * 4)
    const ac = new AbortController()
    ac.abort()
    const e = await rejection(readEmbeddings(p, { signal: ac.signal }))
    expect(e.code).toBe('ABORT_ERR')
  })
})

describe('writeNpySync / writeFvecsSync / writeIvecsSync', () => {
  it('round-trips every element type through .npy', () => {
    const f32 = matrix(new Float32Array(randomData(5, 3, 1)), 3)
    const f64 = matrix(randomData(4, 2, 2), 2)
    const i32 = { data: new Int32Array([-5, 0, 7, 2_000_000_000]), rows: 2, cols: 2 }
    const u32 = { data: new Uint32Array([0, 4_000_000_000]), rows: 1, cols: 2 }
    for (const [X, dtype] of [[f32, 'f32'], [f64, 'f64'], [i32, 'i32'], [u32, 'u32']] as const) {
      const p = file('x.npy')
      writeNpySync(p, X)
      const r = readEmbeddingsSync(p)
      expect(r.dtype).toBe(dtype)
      expect({ rows: r.rows, cols: r.cols }).toEqual({ rows: X.rows, cols: X.cols })
      expect(Array.from(r.data)).toEqual(Array.from(X.data))
    }
    // number[][] is written as f64
    const p = file('rows.npy')
    writeNpySync(p, [[1, 2], [3, 4.5]])
    expect(readEmbeddingsSync(p)).toMatchObject({ rows: 2, cols: 2, dtype: 'f64', data: new Float64Array([1, 2, 3, 4.5]) })
  })

  it('writes .fvecs (f64 rounded to f32) and .ivecs readable back', () => {
    const x = randomData(6, 5, 4)
    const p = file('x.fvecs')
    writeFvecsSync(p, matrix(x, 5))
    const r = readEmbeddingsSync(p)
    expect(r.format).toBe('fvecs')
    expect(Array.from(r.data)).toEqual(Array.from(Float32Array.from(x)))
    const q = file('x.ivecs')
    writeIvecsSync(q, { data: new Int32Array([1, 2, 3, 4, 5, 6]), rows: 3, cols: 2 })
    expect(readEmbeddingsSync(q)).toMatchObject({ rows: 3, cols: 2, dtype: 'i32', data: new Float64Array([1, 2, 3, 4, 5, 6]) })
    // Uint32Array (knn indices) below 2^31
    writeIvecsSync(q, { data: new Uint32Array([7, 2 ** 31 - 1]), rows: 1, cols: 2 })
    expect(Array.from(readEmbeddingsSync(q).data)).toEqual([7, 2 ** 31 - 1])
    expect(thrown(() => writeIvecsSync(q, { data: new Uint32Array([2 ** 31]), rows: 1, cols: 1 })).code).toBe('ERR_OUT_OF_RANGE')
  })

  it('replaces files atomically and leaves no temporary files', () => {
    const sub = mkdtempSync(join(dir, 'atomic-'))
    const p = join(sub, 'x.npy')
    writeNpySync(p, matrix(new Float32Array([1, 2]), 2))
    writeNpySync(p, matrix(new Float32Array([3, 4, 5, 6]), 2))
    expect(readEmbeddingsSync(p).rows).toBe(2)
    expect(readdirSync(sub)).toEqual(['x.npy'])
  })

  it('rejects bad data with codes and writes nothing', () => {
    const p = file('never.npy')
    expect(thrown(() => writeNpySync(p, matrix(new Float32Array([1, NaN]), 2))).code).toBe('ERR_NON_FINITE')
    expect(thrown(() => writeNpySync(p, { data: new Float32Array(3), rows: 2, cols: 2 })).code).toBe('ERR_SHAPE')
    expect(thrown(() => writeNpySync(p, { data: new Int16Array(4), rows: 2, cols: 2 } as never)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => writeFvecsSync(p, { data: new Int32Array(4), rows: 2, cols: 2 } as never)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => writeFvecsSync(p, matrix(new Float64Array([1e300]), 1))).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => writeIvecsSync(p, matrix(new Float32Array(2), 2) as never)).code).toBe('ERR_INVALID_ARG_TYPE')
    expect(thrown(() => writeNpySync(join(dir, 'no', 'such', 'dir.npy'), matrix(new Float32Array(2), 2))).code).toBe('ERR_IO')
    expect(readdirSync(dir).some((f) => f.includes('never'))).toBe(false)
  })
})

describe('writeNpy / writeFvecs / writeIvecs', () => {
  it('write the same bytes as the sync twins', async () => {
    const X = matrix(new Float32Array(randomData(7, 3, 9)), 3)
    const a = file('a.npy')
    const b = file('b.npy')
    await writeNpy(a, X)
    writeNpySync(b, X)
    expect(readFileSync(a)).toEqual(readFileSync(b))
    const c = file('c.fvecs')
    const d = file('d.fvecs')
    await writeFvecs(c, X)
    writeFvecsSync(d, X)
    expect(readFileSync(c)).toEqual(readFileSync(d))
    const I = { data: new Int32Array([1, 2, 3, 4]), rows: 2, cols: 2 }
    const e = file('e.ivecs')
    const f = file('f.ivecs')
    await writeIvecs(e, I)
    writeIvecsSync(f, I)
    expect(readFileSync(e)).toEqual(readFileSync(f))
  })

  it('copies the input before returning, so the caller may reuse it', async () => {
    const data = new Int32Array([1, 2, 3, 4])
    const p = file('reuse.npy')
    const pending = writeNpy(p, { data, rows: 2, cols: 2 })
    data.fill(0)
    await pending
    expect(Array.from(readEmbeddingsSync(p).data)).toEqual([1, 2, 3, 4])
  })

  it('rejects with codes', async () => {
    expect((await rejection(writeNpy(file('n.npy'), matrix(new Float64Array([Infinity]), 1)))).code).toBe('ERR_NON_FINITE')
    expect((await rejection(writeFvecs(42 as unknown as string, matrix(new Float32Array(1), 1)))).code).toBe('ERR_INVALID_ARG_TYPE')
    expect((await rejection(writeIvecs(file('i.ivecs'), { data: new Float32Array(1), rows: 1, cols: 1 } as never))).code).toBe('ERR_INVALID_ARG_TYPE')
  })
})

describe('file rules (README "Files")', () => {
  const unix = process.platform !== 'win32'

  it.runIf(unix)('refuses a FIFO at once (sync and async) instead of blocking in open()', async () => {
    const fifo = file('pipe.npy')
    execFileSync('mkfifo', [fifo])
    const t = Date.now()
    const e = thrown(() => readEmbeddingsSync(fifo))
    expect([e.code, e.message]).toEqual(['ERR_IO', expect.stringContaining('a FIFO (named pipe)')])
    const a = await rejection(readEmbeddings(fifo))
    expect(a.code).toBe('ERR_IO')
    expect(thrown(() => readEmbeddingsSync('/dev/null', { format: 'npy' })).message).toContain('a character device')
    // a FIFO is not a destination either (renaming over it would replace the pipe)
    expect((await rejection(writeNpy(fifo, matrix(new Float32Array(4), 2)))).message).toContain('a FIFO')
    expect(Date.now() - t).toBeLessThan(3000)
    // and the queue is free: the next job runs
    expect((await readEmbeddings(join(FIXTURES, 'f32.npy'))).rows).toBeGreaterThan(0)
  })

  it.runIf(unix)('keeps the mode of an existing file and refuses a read-only one', async () => {
    const p = file('private.npy')
    writeNpySync(p, matrix(new Float32Array([1, 2, 3, 4]), 2))
    chmodSync(p, 0o600)
    await writeNpy(p, matrix(new Float32Array([5, 6, 7, 8]), 2))
    expect(statSync(p).mode & 0o777).toBe(0o600)
    const ro = file('ro.npy', 'keep')
    chmodSync(ro, 0o444)
    const e = thrown(() => writeNpySync(ro, matrix(new Float32Array(4), 2)))
    expect([e.code, e.message]).toEqual(['ERR_IO', expect.stringContaining('read-only')])
    expect(readFileSync(ro, 'utf8')).toBe('keep')
  })

  it.runIf(unix)('never follows a link planted at a temporary name (the old predictable one included)', async () => {
    const victim = file('victim', 'precious')
    const out = file('out.npy')
    const base = out.slice(out.lastIndexOf('/') + 1)
    for (let i = 0; i < 4; i++) symlinkSync(victim, join(dir, `.${base}.${process.pid}.${i}.tmp`))
    writeNpySync(out, matrix(new Float32Array(4), 2))
    await writeNpy(out, matrix(new Float32Array(4), 2))
    expect(readFileSync(victim, 'utf8')).toBe('precious')
    expect(readEmbeddingsSync(out).rows).toBe(2)
    const temps = readdirSync(dir).filter((f) => f.startsWith(`.${base}.`) && !/\.\d+\.\d+\.tmp$/.test(f))
    expect(temps).toEqual([])
  })

  it('resolves a committed write even if onProgress throws (a warning, not a rejection)', async () => {
    const p = file('progress.npy')
    const warnings: Error[] = []
    const onWarning = (w: Error): void => void warnings.push(w)
    process.on('warning', onWarning)
    try {
      await writeNpy(p, matrix(new Float32Array(8), 2), { onProgress: () => { throw new Error('callback failed') } })
      await new Promise((r) => setTimeout(r, 20))
    } finally {
      process.off('warning', onWarning)
    }
    expect(existsSync(p)).toBe(true)
    expect(warnings.map((w) => w.name)).toContain('EmbgeoWarning')
  })

  it('settles an aborted write with what really happened: rejected means nothing written', async () => {
    const big = matrix(new Float32Array(6_000_000), 1000)
    for (const delay of [0, 5, 30]) {
      const p = file('aborted.npy')
      const ac = new AbortController()
      const pending = writeNpy(p, big, { signal: ac.signal })
      setTimeout(() => ac.abort(), delay)
      const outcome = await pending.then(
        () => 'written',
        (e: EmbgeoError) => e.code,
      )
      if (outcome === 'written') expect(readEmbeddingsSync(p).rows).toBe(6000)
      else expect([outcome, existsSync(p)]).toEqual(['ABORT_ERR', false])
      expect(readdirSync(dir).filter((f) => f.startsWith('.') && f.endsWith('.tmp') && !/\.\d+\.\d+\.tmp$/.test(f))).toEqual([])
    }
  })

  it('rejects unknown option names and unknown strings of the writers and reader', async () => {
    expect((await rejection(writeNpy(file('o.npy'), matrix(new Float32Array(4), 2), { mode: 0o600 } as never))).code).toBe('ERR_OUT_OF_RANGE')
    expect(thrown(() => readEmbeddingsSync(file('x.csv', '1,2\n'), { format: 'CSV' as never })).code).toBe('ERR_INVALID_ARG_VALUE')
  })

  it('reads quoted CSV fields and never drops a first row with a number as a header', () => {
    const r = readEmbeddingsSync(file('q.csv', '"x, y",z\r\n"1","2.5"\r\n3,4\r\n'))
    expect([r.rows, r.cols, [...r.data]]).toEqual([2, 2, [1, 2.5, 3, 4]])
    const e = thrown(() => readEmbeddingsSync(file('h.csv', '1,,3\n4,5,6\n')))
    expect([e.code, e.message]).toEqual(['ERR_BAD_FILE', expect.stringContaining('line 1, column 3')])
  })
})
