/**
 * `embgeo analyze FILE` / `embgeo analyze --demo`: the whole geometry summary of an embedding file,
 * printed as text or JSON, optionally as a self-contained HTML report.
 */
import { fileURLToPath } from 'node:url'

import type { Analysis } from '../../analysis.js'
import { analyze, type AnalyzeOptions } from '../../analyze.js'
import { benchmarkManifold } from '../../datasets.js'
import { readEmbeddings } from '../../io.js'
import { renderReport } from '../../report/index.js'
import { choiceOption, intOption, READ_OPTIONS, stringOption, UsageError, type CommandSpec, type Parsed } from '../args.js'
import { readTextFile, writeOutputFile } from '../files.js'
import { readInput } from '../input.js'
import { fmt } from '../output.js'
import type { Context } from './context.js'

/** The bundled demo sample (see data/README.md for provenance and licences). */
export const DEMO_EMBEDDINGS = fileURLToPath(new URL('../../../data/demo/minilm-stdlib.npy', import.meta.url))
export const DEMO_TEXTS = fileURLToPath(new URL('../../../data/demo/minilm-stdlib.jsonl', import.meta.url))
const DEMO_MANIFOLD = { name: 'M1_Sphere', n: 4000 } as const

export const spec: CommandSpec = {
  name: 'analyze',
  usage: 'embgeo analyze FILE [options]   |   embgeo analyze --demo [options]',
  summary:
    'Summarise the geometry of an embedding set: norms, anisotropy, PCA spectrum and effective rank, intrinsic dimension\n' +
    '(TwoNN, MLE, GRIDE) with error bars and ID-vs-scale curves, local-ID distribution, kNN hubness, duplicates.',
  details: [
    'Examples:',
    '  embgeo analyze vectors.npy --metric cosine --html report.html',
    '  embgeo analyze --demo --html report.html     # bundled sentence embeddings + a sphere of known ID 10',
    '  embgeo analyze data.jsonl --field embedding --json > summary.json',
    '  embgeo analyze corpus.npy --queries queries.npy --metric cosine   # + query difficulty and hubness reduction',
  ].join('\n'),
  options: {
    demo: { type: 'boolean', help: 'analyse the bundled sample: 384-d MiniLM sentence embeddings and a synthetic 10-sphere' },
    metric: { type: 'string', value: 'M', help: "neighbour distance: euclidean, or cosine (unit rows, chord distance)", default: 'euclidean' },
    k: { type: 'string', short: 'k', value: 'K', help: 'neighbours per point for hubness', default: '10' },
    'local-k': { type: 'string', value: 'K', help: 'neighbours per point for local ID and MLE', default: '20' },
    'max-rows': { type: 'string', value: 'N', help: 'rows used by the neighbour-based measures (seeded subsample beyond)', default: '20000' },
    seed: { type: 'string', value: 'S', help: 'seed of subsamples and randomised estimators', default: '0' },
    labels: { type: 'string', value: 'FILE', help: 'text file with one label per row, shown as scatter tooltips' },
    queries: { type: 'string', value: 'FILE', help: 'queries (same columns, same reader options): adds query difficulty and hubness reduction' },
    'max-queries': { type: 'string', value: 'N', help: 'query rows used (seeded subsample beyond)', default: '2000' },
    html: { type: 'string', value: 'FILE', help: 'also write a self-contained HTML report (no network needed to view it)' },
    ...READ_OPTIONS,
  },
  positionals: [0, 1],
}

function options(p: Parsed, ctx: Context): AnalyzeOptions {
  return {
    metric: choiceOption(p, 'metric', ['euclidean', 'cosine'] as const, 'euclidean'),
    k: intOption(p, 'k', 10, 1)!,
    localK: intOption(p, 'local-k', 20, 3)!,
    maxRows: intOption(p, 'max-rows', 20_000, 8)!,
    seed: intOption(p, 'seed', 0)!,
    maxQueries: intOption(p, 'max-queries', 2000, 1)!,
    signal: ctx.signal,
    onProgress: ctx.progress.update,
  }
}

async function readLabels(path: string): Promise<string[]> {
  const text = await readTextFile(path, '--labels file')
  const lines = text.split(/\r?\n/)
  if (lines.at(-1) === '') lines.pop()
  return lines
}

/** The analyses the command line asks for (one file, or the two demo sets). */
async function analyses(p: Parsed, ctx: Context): Promise<Analysis[]> {
  const o = options(p, ctx)
  if (p.values.demo) {
    if (p.positionals.length > 0) throw new UsageError('--demo takes no FILE', 'analyze')
    if (p.values.queries !== undefined) throw new UsageError('--queries needs a FILE to search; it does not apply to --demo', 'analyze')
    ctx.progress.phase('reading demo')
    const file = await readEmbeddings(DEMO_EMBEDDINGS, { signal: ctx.signal })
    const labels = (await readLabels(DEMO_TEXTS)).map((line) => {
      const { text, source } = JSON.parse(line) as { text: string; source: string }
      return `${text} (${source})`
    })
    const real = await analyze(file, {
      ...o,
      metric: p.values.metric === undefined ? 'cosine' : o.metric,
      name: 'demo: MiniLM sentence embeddings',
      format: file.format,
      dtype: file.dtype,
      description:
        'all-MiniLM-L6-v2 embeddings of first sentences of Python standard-library docstrings (data/README.md has provenance and licences)',
      ...(labels.length === file.rows ? { labels } : {}),
    })
    const M = benchmarkManifold(DEMO_MANIFOLD.name, { n: DEMO_MANIFOLD.n, seed: o.seed ?? 0 })
    const synthetic = await analyze(M, {
      ...o,
      name: `demo: ${M.name} (${M.rows} points, true ID ${M.intrinsicDimension})`,
      format: 'synthetic',
      intrinsicDimension: M.intrinsicDimension,
      description: `scikit-dimension benchmark manifold ${M.name}: a ${M.intrinsicDimension}-sphere in ${M.cols} dimensions, seeded`,
    })
    return [real, synthetic]
  }
  const path = p.positionals[0]
  if (path === undefined) throw new UsageError('missing FILE (or pass --demo)', 'analyze')
  ctx.progress.phase('reading')
  const file = await readInput(path, p, { signal: ctx.signal })
  const labelsPath = stringOption(p, 'labels')
  const labels = labelsPath === undefined ? undefined : await readLabels(labelsPath)
  if (labels !== undefined && labels.length !== file.rows) {
    throw new UsageError(`--labels ${labelsPath} has ${labels.length} lines but ${path} has ${file.rows} rows`, 'analyze')
  }
  const queriesPath = stringOption(p, 'queries')
  const queries = queriesPath === undefined ? undefined : await readInput(queriesPath, p, { signal: ctx.signal })
  return [
    await analyze(file, {
      ...o,
      name: path,
      format: file.format,
      dtype: file.dtype,
      ...(labels ? { labels } : {}),
      ...(queries ? { queries, queriesName: queriesPath } : {}),
    }),
  ]
}

function pm(x: number, e: number | undefined): string {
  return e === undefined ? fmt(x, 4) : `${fmt(x, 4)} ± ${fmt(e, 2)}`
}

/** The query lines of the text summary (none without --queries). */
function queryLines(a: Analysis): Array<[string, string]> {
  const q = a.queries
  if (q === undefined) return []
  const h = q.hubnessReduction
  return [
    ['queries', `${q.name}: ${q.rows} rows${q.subsampled ? ` (seeded subsample of ${q.totalRows})` : ''}`],
    [`query difficulty (k=${q.k})`, `LID median ${fmt(q.lid.median, 3)}, relative contrast median ${fmt(q.relativeContrast.median, 3)}, expansion median ${fmt(q.expansion.median, 3)}`],
    [`hubness reduction (k=${h.k})`, `skewness ${fmt(h.before.skewness, 3)} plain → ` + h.methods.map((m) => `${m.method} ${fmt(m.after.skewness, 3)}`).join(', ')],
  ]
}

/** The text summary of one analysis. */
export function summaryText(a: Analysis): string {
  const s = a.source
  const id = a.id
  const lines: Array<[string, string]> = [
    ['input', `${s.name}  (${s.format}, ${s.dtype}, ${s.rows} × ${s.cols})`],
    ...(s.description ? ([['about', s.description]] as Array<[string, string]>) : []),
    ['neighbour measures on', `${a.sample.rows} rows${a.sample.subsampled ? ` (seeded subsample, seed ${a.sample.seed})` : ''}, metric ${a.metric}`],
    ['row norms', `mean ${fmt(a.norms.mean)}, min ${fmt(a.norms.min)}, max ${fmt(a.norms.max)}, zero rows ${a.norms.zeroRows}`],
    ['anisotropy', `mean-vector norm ratio ${fmt(a.anisotropy.meanNormRatio, 3)}, average cosine ${fmt(a.anisotropy.averageCosine, 3)} ± ${fmt(a.anisotropy.cosineStd, 2)} (std)`],
    ['spectrum', `effective rank ${fmt(a.spectrum.effectiveRank, 4)}, participation ratio ${fmt(a.spectrum.participationRatio, 4)}`],
    ['components for 90/95/99 %', `${a.spectrum.components90} / ${a.spectrum.components95} / ${a.spectrum.components99}`],
    ['intrinsic dimension', `TwoNN ${pm(id.twoNN.dimension, id.twoNN.stderr)}, MLE ${pm(id.mle.dimension, id.mle.stderr)}, GRIDE ${pm(id.gride.dimension, id.gride.stderr)}${s.intrinsicDimension === undefined ? '' : `  (true ${s.intrinsicDimension})`}`],
    ['ID vs scale (TwoNN)', a.scaling.twonn.dimensions.map((d, i) => `${fmt(d, 3)}@${a.scaling.twonn.sizes[i]}`).join(' ')],
    ['ID vs scale (GRIDE)', a.scaling.gride.dimensions.map((d, i) => `${fmt(d, 3)}@n2=${a.scaling.gride.sizes[i]}`).join(' ')],
    ['local ID (MLE, k=' + a.localId.k + ')', `median ${fmt(a.localId.median, 3)}, 10–90 % ${fmt(a.localId.p10, 3)}–${fmt(a.localId.p90, 3)}`],
    ['hubness (k=' + a.hubness.k + ')', `skewness ${fmt(a.hubness.skewness, 3)}, max k-occurrence ${a.hubness.maxOccurrence}, hubs ${a.hubness.hubs}, anti-hubs ${a.hubness.antiHubs}`],
    ['duplicates', `${a.duplicates.count} rows repeat an earlier row (${a.duplicates.groups} groups)`],
    ...queryLines(a),
    ['time', `${fmt(Object.values(a.timings).reduce((x, y) => x + y, 0), 3)} s on ${a.versions.threads} threads (kNN kernel ${a.versions.knnKernel ?? '?'})`],
  ]
  const width = Math.max(...lines.map(([k]) => k.length)) + 2
  return lines.map(([k, v]) => `${k.padEnd(width)}${v}`).join('\n') + '\n'
}

export async function run(p: Parsed, ctx: Context): Promise<void> {
  const all = await analyses(p, ctx)
  ctx.progress.done()
  const html = stringOption(p, 'html')
  if (html !== undefined) writeOutputFile(html, '--html report', renderReport(all))
  if (ctx.json) process.stdout.write(JSON.stringify(all.length === 1 ? all[0] : all) + '\n')
  else {
    process.stdout.write(all.map(summaryText).join('\n'))
    if (html !== undefined) process.stdout.write(`\nreport written to ${html}\n`)
  }
}
