/**
 * Table-driven bad input: every case must end in the documented error code (api.md "Errors"),
 * thrown by the sync twin and rejected by the async twin, never a crash, hang or NaN.
 */
import { describe, expect, it } from 'vitest'

import { columnStats, columnStatsSync, EmbgeoError, matrix } from '../src/index.js'
import { rejection, thrown } from './helpers.js'

type Case = [label: string, X: unknown, options: unknown, code: string, message?: RegExp]

const f32 = (n: number) => new Float32Array(n)
const withNaN = () => {
  const a = new Float64Array(12)
  a[7] = NaN
  a[9] = Infinity
  return a
}
const detached = () => {
  const a = new Float32Array(4)
  structuredClone(a.buffer, { transfer: [a.buffer] })
  return a
}

const cases: Case[] = [
  ['undefined X', undefined, {}, 'ERR_INVALID_ARG_TYPE', /X must be/],
  ['null X', null, {}, 'ERR_INVALID_ARG_TYPE', /got null/],
  ['a string', 'hello', {}, 'ERR_INVALID_ARG_TYPE', /the string "hello"/],
  ['a number', 42, {}, 'ERR_INVALID_ARG_TYPE'],
  ['a flat Float32Array without cols', f32(4), {}, 'ERR_INVALID_ARG_TYPE', /matrix\(data, cols\)/],
  ['Int16Array data', { data: new Int16Array(4), rows: 2, cols: 2 }, {}, 'ERR_INVALID_ARG_TYPE', /Int16Array/],
  ['Uint16Array data without a dtype', { data: new Uint16Array(4), rows: 2, cols: 2 }, {}, 'ERR_INVALID_ARG_VALUE', /bf16/],
  ['plain array data', { data: [1, 2, 3, 4], rows: 2, cols: 2 }, {}, 'ERR_INVALID_ARG_TYPE', /Float32Array/],
  ['Uint8Array data', { data: new Uint8Array(4), rows: 2, cols: 2 }, {}, 'ERR_INVALID_ARG_TYPE'],
  ['length not rows*cols', { data: f32(7680), rows: 10, cols: 769 }, {}, 'ERR_SHAPE', /7680 but rows \* cols = 10 \* 769 = 7690/],
  ['fractional rows', { data: f32(4), rows: 1.5, cols: 2 }, {}, 'ERR_OUT_OF_RANGE', /X.rows/],
  ['negative cols', { data: f32(4), rows: 2, cols: -2 }, {}, 'ERR_OUT_OF_RANGE', /X.cols/],
  ['zero cols', { data: f32(0), rows: 2, cols: 0 }, {}, 'ERR_OUT_OF_RANGE'],
  ['string rows', { data: f32(4), rows: '2', cols: 2 }, {}, 'ERR_INVALID_ARG_TYPE'],
  ['detached buffer', { data: detached(), rows: 2, cols: 2 }, {}, 'ERR_INVALID_ARG_TYPE', /detached/],
  ['zero rows', { data: f32(0), rows: 0, cols: 3 }, {}, 'ERR_EMPTY', /0 rows/],
  ['empty array of rows', [], {}, 'ERR_EMPTY', /0 rows/],
  ['rows of zero columns', [[], []], {}, 'ERR_EMPTY', /0 columns/],
  ['ragged rows', [[1, 2], [3, 4, 5]], {}, 'ERR_SHAPE', /row 1 has 3 values; expected 2/],
  ['ragged typed rows', [Float32Array.of(1, 2), Float32Array.of(3)], {}, 'ERR_SHAPE', /row 1 has 1 values/],
  ['a string inside rows', [[1, 2], [3, 'x']], {}, 'ERR_INVALID_ARG_TYPE', /X\[1\]\[1\] must be a number/],
  ['null row', [[1, 2], null], {}, 'ERR_INVALID_ARG_TYPE', /X\[1\]/],
  ['NaN and Infinity', { data: withNaN(), rows: 3, cols: 4 }, {}, 'ERR_NON_FINITE', /NaN at row 1, column 3 \(first of 2/],
  ['-Infinity in rows', [[1, -Infinity]], {}, 'ERR_NON_FINITE', /-Infinity at row 0, column 1/],
  ['options not an object', [[1, 2]], 'fast', 'ERR_INVALID_ARG_TYPE', /options must be an object/],
  ['options null', [[1, 2]], null, 'ERR_INVALID_ARG_TYPE'],
  ['negative ddof', [[1, 2]], { ddof: -1 }, 'ERR_OUT_OF_RANGE', /options.ddof/],
  ['fractional ddof', [[1, 2]], { ddof: 0.5 }, 'ERR_OUT_OF_RANGE'],
  ['ddof as string', [[1, 2]], { ddof: '1' }, 'ERR_INVALID_ARG_TYPE'],
  ['too few rows for ddof', [[1, 2]], { ddof: 1 }, 'ERR_EMPTY', /needs at least 2/],
]

describe('columnStatsSync / columnStats bad input', () => {
  it.each(cases.map(([label, X, options, code, message]) => ({ label, X, options, code, message })))(
    '$label -> $code',
    async ({ X, options, code, message }) => {
    const sync = thrown(() => columnStatsSync(X as never, options as never))
    expect(sync).toBeInstanceOf(EmbgeoError)
    expect(sync.code).toBe(code)
    if (message) expect(sync.message).toMatch(message)
    const asyncErr = await rejection(columnStats(X as never, options as never))
    expect(asyncErr.code).toBe(code)
    expect(asyncErr.message).toBe(sync.message)
    },
  )

  it('raises RangeError / TypeError kinds that are also EmbgeoError', () => {
    const range = thrown(() => columnStatsSync([[1, 2], [3]]))
    expect(range).toBeInstanceOf(RangeError)
    expect(range).toBeInstanceOf(EmbgeoError)
    const type = thrown(() => columnStatsSync('x' as never))
    expect(type).toBeInstanceOf(TypeError)
    expect(type).toBeInstanceOf(EmbgeoError)
  })

  it('rejects bad signal, onProgress and copy options', async () => {
    expect((await rejection(columnStats([[1]], { signal: {} as AbortSignal }))).code).toBe('ERR_INVALID_ARG_TYPE')
    expect((await rejection(columnStats([[1]], { onProgress: 3 as never }))).code).toBe('ERR_INVALID_ARG_TYPE')
    const copy = await rejection(columnStats([[1]], { copy: 'no' as never }))
    expect([copy.code, copy.message]).toEqual(['ERR_INVALID_ARG_TYPE', expect.stringContaining('copy')])
  })
})

describe('matrix', () => {
  it.each([
    { label: 'not a typed array', f: () => matrix([1, 2] as never, 2), code: 'ERR_INVALID_ARG_TYPE' },
    { label: 'cols 0', f: () => matrix(f32(4), 0), code: 'ERR_OUT_OF_RANGE' },
    { label: 'cols not integer', f: () => matrix(f32(4), 1.5), code: 'ERR_OUT_OF_RANGE' },
    { label: 'length not a multiple', f: () => matrix(f32(7), 2), code: 'ERR_SHAPE' },
  ])('$label -> $code', ({ f, code }) => {
    expect(thrown(f).code).toBe(code)
  })

  it('views without copying', () => {
    const data = f32(6)
    const m = matrix(data, 3)
    expect(m.data).toBe(data)
    expect([m.rows, m.cols]).toEqual([2, 3])
  })
})
