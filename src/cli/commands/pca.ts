/** `embgeo pca FILE --components 64 --out reduced.npy`: project rows onto their top principal components. */

import { PCA } from '../../pca.js'
import { choiceOption, fileCommand, intOption, numberOption, stringOption, UsageError, type CommandSpec, type Parsed } from '../args.js'
import { writeOutputFile } from '../files.js'
import { readInput } from '../input.js'
import { fmt, printResult, writeMatrix } from '../output.js'
import type { Context } from './context.js'

export const spec: CommandSpec = fileCommand({
  name: 'pca',
  usage: 'embgeo pca FILE (--components K | --variance R) --out REDUCED.npy [options]',
  summary: 'Fit PCA (scikit-learn semantics, f64 accumulation) on the rows of FILE and write the projected rows.',
  details: ['Examples:', '  embgeo pca vectors.npy --components 64 --out reduced.npy --model pca.safetensors', '  embgeo pca vectors.npy --variance 0.95 --whiten --out reduced.npy --json'].join('\n'),
  options: {
    components: { type: 'string', short: 'c', value: 'K', help: 'number of components' },
    variance: { type: 'string', value: 'R', help: 'keep the fewest components explaining this share of variance, 0 < R < 1' },
    whiten: { type: 'boolean', help: 'scale the components to unit variance' },
    solver: { type: 'string', value: 'S', help: 'auto, covariance, svd or randomized', default: 'auto' },
    seed: { type: 'string', value: 'S', help: 'seed of the randomized solver', default: '0' },
    out: { type: 'string', short: 'o', value: 'FILE', help: 'projected rows: .npy or .fvecs (required)' },
    model: { type: 'string', value: 'FILE', help: 'also save the fitted model (safetensors layout; PCA.deserialize reads it)' },
  },
})

export async function run(p: Parsed, ctx: Context): Promise<void> {
  const components = intOption(p, 'components', undefined, 1)
  const variance = numberOption(p, 'variance', undefined)
  if ((components === undefined) === (variance === undefined)) throw new UsageError('give exactly one of --components K or --variance R', 'pca')
  if (variance !== undefined && !(variance > 0 && variance < 1)) throw new UsageError(`--variance must be in (0, 1); got ${variance}`, 'pca')
  const out = stringOption(p, 'out')
  if (out === undefined) throw new UsageError('--out FILE is required', 'pca')
  const solver = choiceOption(p, 'solver', ['auto', 'covariance', 'svd', 'randomized'] as const, 'auto')
  const seed = intOption(p, 'seed', 0)!
  const path = p.positionals[0]!
  ctx.progress.phase('reading')
  const X = await readInput(path, p, { signal: ctx.signal })
  const t0 = performance.now()
  const pca = new PCA({ nComponents: components ?? { varianceRatio: variance! }, whiten: p.values.whiten === true, solver, seed })
  const Y = await pca.fitTransform(X, { signal: ctx.signal, onProgress: ctx.progress.update })
  const seconds = (performance.now() - t0) / 1000
  ctx.progress.phase('writing')
  await writeMatrix(out, Y, ctx.signal)
  const model = stringOption(p, 'model')
  if (model !== undefined) writeOutputFile(model, '--model file', pca.serialize())
  ctx.progress.done()
  const ratio = pca.explainedVarianceRatio.reduce((a, b) => a + b, 0)
  printResult(
    ctx.json,
    {
      command: 'pca',
      input: path,
      rows: X.rows,
      cols: X.cols,
      nComponents: pca.nComponents,
      explainedVarianceRatio: Array.from(pca.explainedVarianceRatio),
      solver: pca.solver,
      out,
      model: model ?? null,
      seconds,
    },
    [
      ['input', `${path} (${X.rows} × ${X.cols}, ${X.dtype})`],
      ['components', `${pca.nComponents} (${fmt(ratio * 100, 4)} % of the variance), solver ${pca.solver}${p.values.whiten ? ', whitened' : ''}`],
      ['written', [out, model].filter(Boolean).join(', ')],
      ['time', `${fmt(seconds, 3)} s`],
    ],
  )
}
