/** `embgeo knn FILE -k 10 --out neighbors.npy`: the exact k-nearest-neighbour graph of a file. */
import { knn, type Metric } from '../../knn.js'
import { choiceOption, fileCommand, intOption, stringOption, UsageError, type CommandSpec, type Parsed } from '../args.js'
import { readInput } from '../input.js'
import { fmt, printResult, writeMatrix } from '../output.js'
import type { Context } from './context.js'

export const spec: CommandSpec = fileCommand({
  name: 'knn',
  usage: 'embgeo knn FILE -k K --out INDICES.npy [options]',
  summary:
    'Exact k nearest neighbours of every row (itself excluded), or of the rows of --queries, ties to the lower index.\n' +
    'Writes the row indices (uint32, rows × k) and optionally the distances.',
  details: ['Examples:', '  embgeo knn vectors.npy -k 10 --metric cosine --out neighbors.npy --distances distances.npy', '  embgeo knn base.fvecs --queries query.fvecs -k 100 --out gt.ivecs'].join('\n'),
  options: {
    k: { type: 'string', short: 'k', value: 'K', help: 'neighbours per row (required)' },
    metric: { type: 'string', value: 'M', help: 'euclidean, sqeuclidean, cosine or dot', default: 'euclidean' },
    queries: { type: 'string', value: 'FILE', help: 'find neighbours of these rows instead (same reader options)' },
    out: { type: 'string', short: 'o', value: 'FILE', help: 'indices output: .npy (uint32) or .ivecs (required)' },
    distances: { type: 'string', value: 'FILE', help: 'distances output: .npy or .fvecs' },
  },
})

export async function run(p: Parsed, ctx: Context): Promise<void> {
  const k = intOption(p, 'k', undefined, 1)
  if (k === undefined) throw new UsageError('-k K is required', 'knn')
  const out = stringOption(p, 'out')
  if (out === undefined) throw new UsageError('--out FILE is required', 'knn')
  const metric = choiceOption<Metric>(p, 'metric', ['euclidean', 'sqeuclidean', 'cosine', 'dot'], 'euclidean')
  const path = p.positionals[0]!
  ctx.progress.phase('reading')
  const corpus = await readInput(path, p, { signal: ctx.signal })
  const queriesPath = stringOption(p, 'queries')
  const queries = queriesPath === undefined ? undefined : await readInput(queriesPath, p, { signal: ctx.signal })
  const t0 = performance.now()
  const r = await knn(corpus, { k, metric, ...(queries ? { queries } : {}), signal: ctx.signal, onProgress: ctx.progress.update })
  const seconds = (performance.now() - t0) / 1000
  ctx.progress.phase('writing')
  await writeMatrix(out, { data: r.indices, rows: r.rows, cols: r.k }, ctx.signal)
  const distances = stringOption(p, 'distances')
  if (distances !== undefined) await writeMatrix(distances, { data: r.distances, rows: r.rows, cols: r.k }, ctx.signal)
  ctx.progress.done()
  printResult(
    ctx.json,
    { command: 'knn', input: path, rows: r.rows, k: r.k, metric, corpusRows: corpus.rows, cols: corpus.cols, indices: out, distances: distances ?? null, seconds },
    [
      ['input', `${path} (${corpus.rows} × ${corpus.cols}, ${corpus.dtype})`],
      ['neighbours', `${r.rows} rows × k = ${r.k}, metric ${metric}${queriesPath ? `, queries ${queriesPath}` : ''}`],
      ['written', [out, distances].filter(Boolean).join(', ')],
      ['time', `${fmt(seconds, 3)} s`],
    ],
  )
}
