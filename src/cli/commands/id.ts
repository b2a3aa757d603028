/** `embgeo id FILE --method twonn`: one intrinsic-dimension estimate, optionally pointwise values. */
import { estimateId, type EstimateIdOptions, type IdMethod } from '../../intdim.js'
import { choiceOption, fileCommand, intOption, stringOption, UsageError, type CommandSpec, type Parsed } from '../args.js'
import { readInput } from '../input.js'
import { fmt, printResult, writeMatrix } from '../output.js'
import type { Context } from './context.js'

/** Command-line names (lower case) of the estimators, mapped to `estimateId` methods. */
const METHODS: Record<string, IdMethod> = {
  twonn: 'twoNN',
  mle: 'mle',
  gride: 'gride',
  lpca: 'lpca',
  corrint: 'corrInt',
  mom: 'mom',
  tle: 'tle',
  mada: 'mada',
  mindml: 'mindMl',
  danco: 'danco',
  ess: 'ess',
  fishers: 'fisherS',
  knn: 'knnId',
  ph: 'ph',
}
const POINTWISE = new Set(['mle', 'lpca', 'mom', 'tle', 'mada', 'ess'])
const WITH_K = new Set(['mle', 'lpca', 'mom', 'tle', 'mada', 'mindml', 'danco', 'ess', 'knn'])

export const spec: CommandSpec = fileCommand({
  name: 'id',
  usage: 'embgeo id FILE [--method M] [options]',
  summary: 'Estimate the intrinsic dimension of the rows of FILE with one estimator (README "Intrinsic dimension" documents each).',
  details: ['Methods: ' + Object.keys(METHODS).join(', '), '', 'Examples:', '  embgeo id vectors.npy --method twonn', '  embgeo id vectors.npy --method mle -k 20 --pointwise local-id.npy --json'].join('\n'),
  options: {
    method: { type: 'string', short: 'm', value: 'M', help: 'estimator', default: 'twonn' },
    k: { type: 'string', short: 'k', value: 'K', help: 'neighbours per point (estimators that take k)' },
    metric: { type: 'string', value: 'M', help: 'euclidean or cosine', default: 'euclidean' },
    seed: { type: 'string', value: 'S', help: 'seed of randomised estimators', default: '0' },
    pointwise: { type: 'string', value: 'FILE', help: 'write pointwise (local) values to .npy (mle, lpca, mom, tle, mada, ess)' },
  },
})

export async function run(p: Parsed, ctx: Context): Promise<void> {
  const name = choiceOption(p, 'method', Object.keys(METHODS), 'twonn')
  const k = intOption(p, 'k', undefined, 1)
  if (k !== undefined && !WITH_K.has(name)) throw new UsageError(`--method ${name} takes no -k`, 'id')
  const pointwise = stringOption(p, 'pointwise')
  if (pointwise !== undefined && !POINTWISE.has(name)) throw new UsageError(`--method ${name} has no pointwise values`, 'id')
  const metric = choiceOption(p, 'metric', ['euclidean', 'cosine'] as const, 'euclidean')
  const seed = intOption(p, 'seed', 0)!
  const path = p.positionals[0]!
  ctx.progress.phase('reading')
  const X = await readInput(path, p, { signal: ctx.signal })
  const method = METHODS[name]!
  const options = {
    method,
    ...(k === undefined ? {} : { k }),
    ...(metric === 'cosine' ? { metric } : {}),
    ...(['danco', 'ess', 'knnId', 'ph'].includes(method) ? { seed } : {}),
    ...(pointwise !== undefined ? { pointwise: true } : {}),
    signal: ctx.signal,
    onProgress: ctx.progress.update,
  } as EstimateIdOptions
  const t0 = performance.now()
  const r = await estimateId(X, options)
  const seconds = (performance.now() - t0) / 1000
  if (pointwise !== undefined && r.pointwise) await writeMatrix(pointwise, { data: r.pointwise, rows: r.pointwise.length, cols: 1 }, ctx.signal)
  ctx.progress.done()
  printResult(
    ctx.json,
    { command: 'id', input: path, method: r.method, dimension: r.dimension, stderr: r.stderr ?? null, nSamples: r.nSamples, nUsed: r.nUsed, dropped: r.dropped, params: r.params, pointwise: pointwise ?? null, seconds },
    [
      ['input', `${path} (${X.rows} × ${X.cols}, ${X.dtype})`],
      ['method', `${r.method} ${JSON.stringify(r.params)}`],
      ['dimension', r.stderr === undefined ? fmt(r.dimension, 6) : `${fmt(r.dimension, 6)} ± ${fmt(r.stderr, 3)}`],
      ['rows used', `${r.nUsed} of ${r.nSamples} (duplicates dropped ${r.dropped.duplicates}, discarded ${r.dropped.discarded})`],
      ...(pointwise ? ([['pointwise', pointwise]] as Array<[string, string]>) : []),
      ['time', `${fmt(seconds, 3)} s`],
    ],
  )
}
