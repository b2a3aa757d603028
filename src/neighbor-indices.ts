/**
 * The checked neighbour-index arrays shared by `hubness` and `hubnessPart` (internal: not
 * re-exported by index.ts).
 */
import { embgeoError } from './errors.js'
import { checkInteger } from './input.js'
import type { NeighborIndices } from './metrics.js'

/**
 * The checked arrays of `neighbors` (for {@link hubness} and `hubnessPart`): the indices as a
 * Uint32Array view (an Int32Array is checked for negatives, then viewed in place), rows, k and
 * stride. O(rows·k) for Int32Array input, O(1) otherwise.
 */
export function neighborArrays(neighbors: NeighborIndices): { u32: Uint32Array; rows: number; k: number; stride: number } {
  if (neighbors === null || typeof neighbors !== 'object') {
    throw embgeoError('ERR_INVALID_ARG_TYPE', `neighbors must be a KnnResult or { indices, rows, k }; got ${String(neighbors)}`)
  }
  const { indices } = neighbors
  if (!(indices instanceof Uint32Array) && !(indices instanceof Int32Array)) {
    throw embgeoError('ERR_INVALID_ARG_TYPE', 'neighbors.indices must be a Uint32Array or Int32Array')
  }
  const rows = checkInteger('neighbors.rows', neighbors.rows, 1, 2 ** 32 - 1)
  const k = checkInteger('neighbors.k', neighbors.k, 1, 2 ** 32 - 1)
  const stride = neighbors.stride === undefined ? k : checkInteger('neighbors.stride', neighbors.stride, k, 2 ** 32 - 1)
  if (indices.length !== rows * stride) {
    const what = stride === k ? 'rows * k' : 'rows * stride'
    throw embgeoError('ERR_SHAPE', `neighbors.indices has ${indices.length} values but ${what} = ${rows} * ${stride} = ${rows * stride}`, {
      expected: rows * stride,
      actual: indices.length,
    })
  }
  let u32: Uint32Array
  if (indices instanceof Int32Array) {
    const bad = indices.findIndex((v) => v < 0)
    if (bad >= 0) {
      throw embgeoError(
        'ERR_OUT_OF_RANGE',
        `neighbors.indices must be point indices >= 0; got ${indices[bad]} at row ${Math.floor(bad / stride)}, column ${bad % stride} (drop −1 padding first)`,
        { row: Math.floor(bad / stride), col: bad % stride },
      )
    }
    u32 = new Uint32Array(indices.buffer, indices.byteOffset, indices.length)
  } else {
    u32 = indices
  }
  return { u32, rows, k, stride }
}
