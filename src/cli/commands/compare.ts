/**
 * `embgeo compare A.npy B.npy [C.npy …]` / `embgeo compare --demo`: representation-similarity
 * measures between every pair of embedding files of the same items, printed as one matrix per
 * measure (or JSON), optionally as a self-contained HTML report with heatmaps.
 */
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'

import { compareMany, DEFAULT_MEASURES, MEASURE_NAMES, type Comparison, type CompareManyOptions, type MeasureName } from '../../comparison.js'
import { readEmbeddings, type EmbeddingFile } from '../../io.js'
import { renderCompareReport } from '../../report/compare.js'
import { choiceOption, intOption, READ_OPTIONS, stringOption, UsageError, type CommandSpec, type Parsed } from '../args.js'
import { writeOutputFile } from '../files.js'
import { readOptions } from '../input.js'
import { fmt } from '../output.js'
import type { Context } from './context.js'
import { DEMO_EMBEDDINGS } from './analyze.js'

/** The bundled layer file (data/README.md "Demo layers"): layers 0, 2, 4 of the demo sentences. */
export const DEMO_LAYERS = fileURLToPath(new URL('../../../data/demo/minilm-layers.safetensors', import.meta.url))
/** Rows of the demo: the 800 sentences the layer file holds (the first 800 of the demo sample). */
const DEMO_ROWS = 800

export const spec: CommandSpec = {
  name: 'compare',
  usage: 'embgeo compare A B [C …] [options]   |   embgeo compare --demo [options]',
  summary:
    'Compare representations of the same items (two models, layers, before/after fine-tuning): CKA, debiased CKA,\n' +
    'Procrustes, CCA, linearity, mutual kNN, information imbalance between every pair of files, one matrix per measure.',
  details: [
    `Measures (--measures, comma-separated): ${MEASURE_NAMES.join(', ')}`,
    `  default: ${DEFAULT_MEASURES.join(',')}`,
    'Row i of every file must describe the same item. A safetensors tensor: FILE:TENSOR (or --tensor for all files).',
    '',
    'Examples:',
    '  embgeo compare model-a.npy model-b.npy --metric cosine',
    '  embgeo compare layers.safetensors:h0 layers.safetensors:h6 final.npy --html report.html',
    '  embgeo compare --demo --html report.html      # MiniLM layers 0, 2, 4 and its output, 800 sentences',
  ].join('\n'),
  options: {
    demo: { type: 'boolean', help: 'compare the bundled MiniLM hidden states (layers 0, 2, 4) and final embeddings of 800 sentences' },
    measures: { type: 'string', value: 'LIST', help: 'measures to run, comma-separated (see below)' },
    metric: { type: 'string', value: 'M', help: 'distance of mutualKnn, informationImbalance, rsa: euclidean or cosine (default: each measure’s own; --demo: cosine)' },
    k: { type: 'string', short: 'k', value: 'K', help: 'neighbours per row of mutualKnn and informationImbalance (default: each measure’s own)' },
    seed: { type: 'string', value: 'S', help: 'seed of the sampled measures (ckaRbf, rsa)' },
    html: { type: 'string', value: 'FILE', help: 'also write a self-contained HTML report with heatmaps' },
    ...READ_OPTIONS,
  },
  positionals: [0, 64],
}

/** `FILE.safetensors:TENSOR` → the file and the tensor; anything else is a plain path. */
export function splitTensor(arg: string): { path: string; tensor?: string } {
  const m = /^(.*\.safetensors):([^/\\:]+)$/i.exec(arg)
  return m === null ? { path: arg } : { path: m[1]!, tensor: m[2]! }
}

function measureList(p: Parsed): MeasureName[] | undefined {
  const v = stringOption(p, 'measures')
  if (v === undefined) return undefined
  const names = v.split(',').map((s) => s.trim()).filter((s) => s !== '')
  for (const n of names) {
    if (!(MEASURE_NAMES as string[]).includes(n)) throw new UsageError(`--measures: unknown measure '${n}'; measures: ${MEASURE_NAMES.join(', ')}`, 'compare')
  }
  if (names.length === 0) throw new UsageError('--measures names no measure', 'compare')
  return names as MeasureName[]
}

/** The sets and their labels: the files named (FILE or FILE:TENSOR), or the demo. */
async function readSets(p: Parsed, ctx: Context): Promise<{ sets: EmbeddingFile[]; labels: string[] }> {
  const read = readOptions(p)
  if (p.values.demo) {
    if (p.positionals.length > 0) throw new UsageError('--demo takes no FILE', 'compare')
    ctx.progress.phase('reading demo')
    const sets: EmbeddingFile[] = []
    for (const tensor of ['layer0', 'layer2', 'layer4']) sets.push(await readEmbeddings(DEMO_LAYERS, { tensor, signal: ctx.signal }))
    sets.push(await readEmbeddings(DEMO_EMBEDDINGS, { limitRows: DEMO_ROWS, signal: ctx.signal }))
    return { sets, labels: ['layer 0', 'layer 2', 'layer 4', 'layer 6 (output)'] }
  }
  if (p.positionals.length < 2) throw new UsageError('compare needs at least two files (or --demo)', 'compare')
  ctx.progress.phase('reading')
  const sets: EmbeddingFile[] = []
  const labels: string[] = []
  for (const arg of p.positionals) {
    const { path, tensor } = splitTensor(arg)
    sets.push(await readEmbeddings(path, { ...read, ...(tensor === undefined ? {} : { tensor }), signal: ctx.signal }))
    labels.push(tensor === undefined ? basename(path) : `${basename(path)}:${tensor}`)
  }
  // several files with the same name in different folders: the full arguments tell them apart
  return { sets, labels: new Set(labels).size === labels.length ? labels : [...p.positionals] }
}

/** One measure's matrix (its primary field) as aligned text. */
export function matrixText(c: Comparison, name: MeasureName): string {
  const m = c.matrices[name]!
  const v = m.fields[m.primary]!
  const cells = v.map((row) => row.map((x) => fmt(x, 4)))
  const labelWidth = Math.max(...c.labels.map((l) => l.length))
  const width = Math.max(8, ...cells.flat().map((s) => s.length), ...c.labels.map((l) => Math.min(l.length, 16))) + 2
  const head = ' '.repeat(labelWidth) + c.labels.map((l) => (l.length > width - 2 ? l.slice(0, width - 3) + '…' : l).padStart(width)).join('')
  const lines = cells.map((row, i) => c.labels[i]!.padEnd(labelWidth) + row.map((s) => s.padStart(width)).join(''))
  const field = m.primary === 'value' ? '' : `, ${m.primary}`
  const kind = m.symmetric ? '' : ' — row → column'
  return `${m.label} (${name}${field})${kind}\n${head}\n${lines.join('\n')}\n`
}

export async function run(p: Parsed, ctx: Context): Promise<void> {
  const measures = measureList(p)
  const metric = choiceOption(p, 'metric', ['euclidean', 'cosine'] as const)
  const k = intOption(p, 'k', undefined, 1)
  const seed = intOption(p, 'seed', undefined, 0)
  const { sets, labels } = await readSets(p, ctx)
  const options: CompareManyOptions = {
    labels,
    ...(measures === undefined ? {} : { measures }),
    ...(metric === undefined ? (p.values.demo ? { metric: 'cosine' as const } : {}) : { metric }),
    ...(k === undefined ? {} : { k }),
    ...(seed === undefined ? {} : { seed }),
  }
  const t0 = performance.now()
  const c = await compareMany(sets, { ...options, signal: ctx.signal, onProgress: ctx.progress.update })
  const seconds = (performance.now() - t0) / 1000
  ctx.progress.done()
  const html = stringOption(p, 'html')
  if (html !== undefined) writeOutputFile(html, '--html report', renderCompareReport(c))
  if (ctx.json) {
    process.stdout.write(JSON.stringify({ command: 'compare', inputs: p.values.demo ? 'demo' : p.positionals, ...c, html: html ?? null, seconds }) + '\n')
    return
  }
  const dims = sets.map((s, i) => `${labels[i]} (${s.cols}, ${s.dtype})`).join(', ')
  const head = `${sets.length} sets of ${c.rows} rows: ${dims}${c.options.metric ? `; metric ${c.options.metric}` : ''}\n\n`
  process.stdout.write(head + c.measures.map((name) => matrixText(c, name)).join('\n') + `\ntime ${fmt(seconds, 3)} s\n`)
  if (html !== undefined) process.stdout.write(`report written to ${html}\n`)
}
