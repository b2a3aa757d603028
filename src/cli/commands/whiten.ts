/** `embgeo whiten FILE --method zca --out white.npy`: whitening and all-but-the-top post-processing. */

import { readEmbeddings } from '../../io.js'
import { allButTheTop, Whitener } from '../../whitening.js'
import { choiceOption, fileCommand, intOption, numberOption, stringOption, UsageError, type CommandSpec, type Parsed } from '../args.js'
import { readTextFile, writeOutputFile } from '../files.js'
import { readInput } from '../input.js'
import { fmt, printResult, writeMatrix } from '../output.js'
import type { Context } from './context.js'

const METHODS = ['zca', 'pca', 'bert', 'zipfian', 'abtt'] as const

export const spec: CommandSpec = fileCommand({
  name: 'whiten',
  usage: 'embgeo whiten FILE --method M --out WHITE.npy [options]',
  summary:
    'Whiten the rows of FILE: zca (Mahalanobis, stays in the input space), pca (rotate to principal axes), bert\n' +
    '(WhiteningBERT: top-k PCA whitening), zipfian (frequency-weighted mean and covariance; needs --weights),\n' +
    'or abtt (all-but-the-top: remove the mean and the top --remove directions).',
  details: ['Examples:', '  embgeo whiten vectors.npy --method bert --components 256 --normalize --out white.npy', '  embgeo whiten words.npy --method zipfian --weights freqs.txt --out white.npy'].join('\n'),
  options: {
    method: { type: 'string', short: 'm', value: 'M', help: METHODS.join(', '), default: 'zca' },
    components: { type: 'string', short: 'c', value: 'K', help: 'keep the top K directions (pca, bert, zipfian)' },
    epsilon: { type: 'string', value: 'E', help: 'eigenvalue shrinkage added before inverting', default: '0' },
    weights: { type: 'string', value: 'FILE', help: 'zipfian: one weight (e.g. frequency) per row, as text lines or .npy' },
    remove: { type: 'string', value: 'D', help: 'abtt: directions to remove', default: '1' },
    normalize: { type: 'boolean', help: 'L2-normalise the rows afterwards' },
    out: { type: 'string', short: 'o', value: 'FILE', help: 'whitened rows: .npy or .fvecs (required)' },
    model: { type: 'string', value: 'FILE', help: 'also save the fitted whitener (safetensors layout)' },
  },
})

async function readWeights(path: string, signal: AbortSignal): Promise<Float64Array> {
  if (path.toLowerCase().endsWith('.npy')) return Float64Array.from((await readEmbeddings(path, { signal })).data)
  const text = await readTextFile(path, '--weights file')
  const out: number[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim()
    if (t === '') return
    const v = Number(t.split(/[\s,\t]+/).at(-1))
    if (!Number.isFinite(v)) throw new UsageError(`${path}: line ${i + 1} is not a number: '${t.slice(0, 40)}'`, 'whiten')
    out.push(v)
  })
  return Float64Array.from(out)
}

export async function run(p: Parsed, ctx: Context): Promise<void> {
  const method = choiceOption(p, 'method', METHODS, 'zca')
  const components = intOption(p, 'components', undefined, 1)
  const epsilon = numberOption(p, 'epsilon', 0)!
  const weightsPath = stringOption(p, 'weights')
  const remove = intOption(p, 'remove', 1, 0)!
  const out = stringOption(p, 'out')
  if (out === undefined) throw new UsageError('--out FILE is required', 'whiten')
  if (method === 'zipfian' && weightsPath === undefined) throw new UsageError('--method zipfian needs --weights FILE', 'whiten')
  if (method !== 'zipfian' && weightsPath !== undefined) throw new UsageError('--weights applies to --method zipfian only', 'whiten')
  if (method === 'abtt' && (components !== undefined || p.values.model !== undefined)) throw new UsageError('--method abtt takes --remove D, not --components or --model', 'whiten')
  if (method === 'abtt' && p.values.normalize === true) throw new UsageError('--normalize is not available with --method abtt', 'whiten')
  if (method === 'zca' && components !== undefined) throw new UsageError('--method zca keeps every direction; use pca or bert for --components', 'whiten')
  const path = p.positionals[0]!
  ctx.progress.phase('reading')
  const X = await readInput(path, p, { signal: ctx.signal })
  const run = { signal: ctx.signal, onProgress: ctx.progress.update }
  const normalize = p.values.normalize === true ? ('l2' as const) : false
  const t0 = performance.now()
  let Y
  let model: Uint8Array | undefined
  if (method === 'abtt') {
    Y = await allButTheTop(X, { remove, ...run })
  } else {
    const w = new Whitener({
      method: method === 'zca' ? 'zca' : 'pca',
      ...(components === undefined ? {} : { nComponents: components }),
      epsilon,
      normalize,
    })
    const weights = weightsPath === undefined ? undefined : await readWeights(weightsPath, ctx.signal)
    Y = await w.fitTransform(X, { ...(weights ? { weights } : {}), ...run })
    model = w.serialize()
  }
  const seconds = (performance.now() - t0) / 1000
  ctx.progress.phase('writing')
  await writeMatrix(out, Y, ctx.signal)
  const modelPath = stringOption(p, 'model')
  if (modelPath !== undefined && model !== undefined) writeOutputFile(modelPath, '--model file', model)
  ctx.progress.done()
  printResult(
    ctx.json,
    { command: 'whiten', input: path, method, rows: Y.rows, cols: Y.cols, out, model: modelPath ?? null, seconds },
    [
      ['input', `${path} (${X.rows} × ${X.cols}, ${X.dtype})`],
      ['method', `${method}${components ? `, ${components} components` : ''}${epsilon ? `, epsilon ${epsilon}` : ''}${normalize ? ', L2-normalised' : ''}`],
      ['output', `${Y.rows} × ${Y.cols} → ${[out, modelPath].filter(Boolean).join(', ')}`],
      ['time', `${fmt(seconds, 3)} s`],
    ],
  )
}
