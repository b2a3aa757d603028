/**
 * PCA moments as a partial state: shards partialFit in separate models, travel as
 * `serialize()` bytes (checksummed safetensors), and merge into the model of all rows.
 */
import { describe, expect, it } from 'vitest'

import { matrix, PCA, Whitener } from '../src/index.js'
import { randomData, thrown } from './helpers.js'

describe('PCA.serialize (partial state)', () => {
  const X = randomData(300, 5, 21)
  const cuts = [0, 40, 170, 300]

  it('shards fitted apart, serialised and merged equal partialFit of every shard in one model', () => {
    const one = new PCA({ nComponents: 3 })
    const states: Uint8Array[] = []
    for (let s = 0; s + 1 < cuts.length; s++) {
      const shard = matrix(X.subarray(cuts[s]! * 5, cuts[s + 1]! * 5), 5)
      one.partialFit(shard)
      states.push(new PCA({ nComponents: 3 }).partialFit(shard).serialize())
    }
    const merged = PCA.deserialize(states[0]!)
    for (const b of states.slice(1)) merged.merge(PCA.deserialize(b))
    expect(merged.nSamplesSeen).toBe(300)
    // the same Chan merges in the same order as one model's partialFit calls
    expect(merged.mean).toEqual(one.mean)
    expect(merged.components.data).toEqual(one.components.data)
    expect(merged.explainedVariance).toEqual(one.explainedVariance)
  })

  it('rejects a flipped bit anywhere or a truncated state with ERR_BAD_MODEL', () => {
    const bytes = new PCA({ nComponents: 2 }).partialFit(matrix(X, 5)).serialize()
    const headerEnd = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))
    for (const at of [0, headerEnd + 3, Math.floor((headerEnd + bytes.length) / 2), bytes.length - 1]) {
      const bad = bytes.slice()
      bad[at]! ^= 0x01
      expect(thrown(() => PCA.deserialize(bad)).code, `byte ${at}`).toBe('ERR_BAD_MODEL')
    }
    expect(thrown(() => PCA.deserialize(bytes.subarray(0, bytes.length - 8))).code).toBe('ERR_BAD_MODEL')
    const w = new Whitener({ method: 'pca' }).fitSync(matrix(X, 5)).serialize()
    const wbad = w.slice()
    wbad[w.length - 2]! ^= 0x80
    expect(thrown(() => Whitener.deserialize(wbad)).code).toBe('ERR_BAD_MODEL')
  })
})
