/**
 * Reading the embedding file a command names, with the shared reader options (--format, --dim,
 * --tensor, --field, --limit-rows, --rows).
 */
import { readEmbeddings, type EmbeddingFile, type ReadOptions } from '../io.js'
import type { RunOptions } from '../run.js'
import { choiceOption, intOption, stringOption, UsageError, type Parsed } from './args.js'

const FORMATS = ['npy', 'fvecs', 'bvecs', 'ivecs', 'safetensors', 'raw', 'json', 'jsonl', 'csv', 'tsv'] as const

/** `--rows START:END` as `[start, end]` (the library checks the range against the file). */
function rowsOption(p: Parsed): [number, number] | undefined {
  const v = stringOption(p, 'rows')
  if (v === undefined) return undefined
  const m = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(v)
  const range = m === null ? undefined : ([Number(m[1]), Number(m[2])] as [number, number])
  if (range === undefined || !range.every(Number.isSafeInteger) || range[0] > range[1]) {
    throw new UsageError(`--rows must be START:END with integers 0 <= START <= END; got '${v}'`)
  }
  return range
}

/** The reader options given on the command line. */
export function readOptions(p: Parsed): ReadOptions {
  const format = choiceOption(p, 'format', FORMATS)
  const dim = intOption(p, 'dim', undefined, 1)
  const tensor = stringOption(p, 'tensor')
  const field = stringOption(p, 'field')
  const limitRows = intOption(p, 'limit-rows', undefined, 1)
  const rows = rowsOption(p)
  return {
    ...(format === undefined ? {} : { format }),
    ...(dim === undefined ? {} : { dim }),
    ...(tensor === undefined ? {} : { tensor }),
    ...(field === undefined ? {} : { field }),
    ...(limitRows === undefined ? {} : { limitRows }),
    ...(rows === undefined ? {} : { rows }),
  }
}

/** Read `path` with the command line's reader options. */
export function readInput(path: string, p: Parsed, run: RunOptions): Promise<EmbeddingFile> {
  return readEmbeddings(path, { ...readOptions(p), ...run })
}
