/**
 * Reading the embedding file a command names, with the shared reader options (--format, --dim,
 * --tensor, --field, --limit-rows).
 */
import { readEmbeddings, type EmbeddingFile, type ReadOptions } from '../io.js'
import type { RunOptions } from '../run.js'
import { choiceOption, intOption, stringOption, type Parsed } from './args.js'

const FORMATS = ['npy', 'fvecs', 'bvecs', 'ivecs', 'safetensors', 'raw', 'json', 'jsonl', 'csv', 'tsv'] as const

/** The reader options given on the command line. */
export function readOptions(p: Parsed): ReadOptions {
  const format = choiceOption(p, 'format', FORMATS)
  const dim = intOption(p, 'dim', undefined, 1)
  const tensor = stringOption(p, 'tensor')
  const field = stringOption(p, 'field')
  const limitRows = intOption(p, 'limit-rows', undefined, 1)
  return {
    ...(format === undefined ? {} : { format }),
    ...(dim === undefined ? {} : { dim }),
    ...(tensor === undefined ? {} : { tensor }),
    ...(field === undefined ? {} : { field }),
    ...(limitRows === undefined ? {} : { limitRows }),
  }
}

/** Read `path` with the command line's reader options. */
export function readInput(path: string, p: Parsed, run: RunOptions): Promise<EmbeddingFile> {
  return readEmbeddings(path, { ...readOptions(p), ...run })
}
