/**
 * Command-line argument parsing for `embgeo` (node:util parseArgs, strict): one declarative spec
 * per command, from which both parsing and `--help` text are derived.
 */
import { parseArgs } from 'node:util'

/** One option of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  /** Placeholder in help, e.g. 'N' or 'FILE'. */
  value?: string
  /** One line of help. */
  help: string
  /** Default shown in help (the command applies it). */
  default?: string
}

/** A command: its usage line, description, options and how many positional arguments it takes. */
export interface CommandSpec {
  name: string
  usage: string
  summary: string
  /** Further paragraphs of help (examples). */
  details?: string
  options: Record<string, OptionSpec>
  /** Minimum and maximum positional arguments. */
  positionals: [number, number]
}

/** A mistake in the command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

/** Options every command takes. */
export const COMMON: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print machine-readable JSON on stdout (errors too)' },
  threads: { type: 'string', value: 'N', help: 'threads of the compute pool (default: all cores, or EMBGEO_THREADS)' },
  quiet: { type: 'boolean', short: 'q', help: 'no progress bar' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
}

/** Options of every command that reads an embedding file. */
export const READ_OPTIONS: Record<string, OptionSpec> = {
  format: { type: 'string', value: 'FMT', help: 'npy, fvecs, bvecs, ivecs, safetensors, raw, json, jsonl, csv, tsv (default: from the extension)' },
  dim: { type: 'string', value: 'D', help: 'columns of a raw little-endian f32 file (required for raw)' },
  tensor: { type: 'string', value: 'NAME', help: 'tensor to read from a safetensors file' },
  field: { type: 'string', value: 'NAME', help: 'JSONL objects: the field holding the vector (e.g. embedding)' },
  'limit-rows': { type: 'string', value: 'N', help: 'read only the first N rows' },
  rows: { type: 'string', value: 'START:END', help: 'read only rows START to END (0-based, END exclusive) of a binary file, by positioned reads' },
}

/** The spec of a command that reads one embedding FILE: its options, then {@link READ_OPTIONS}; one positional. */
export function fileCommand(spec: Omit<CommandSpec, 'positionals'>): CommandSpec {
  return { ...spec, options: { ...spec.options, ...READ_OPTIONS }, positionals: [1, 1] }
}

/** Parsed command line: option values by name and the positional arguments. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>
  positionals: string[]
}

/** Parse `argv` (without the command name) against `spec`; throws UsageError on any mistake. */
export function parse(spec: CommandSpec, argv: string[]): Parsed {
  const options = { ...spec.options, ...COMMON }
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, o.short ? { type: o.type, short: o.short } : { type: o.type }])),
      allowPositionals: true,
      strict: true,
    })
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''), spec.name)
  }
  const values = parsed.values as Parsed['values']
  if (values.help) return { values, positionals: parsed.positionals }
  const [min, max] = spec.positionals
  if (parsed.positionals.length < min) throw new UsageError(`missing argument: ${spec.usage}`, spec.name)
  if (parsed.positionals.length > max) throw new UsageError(`unexpected argument '${parsed.positionals[max]}'`, spec.name)
  return { values, positionals: parsed.positionals }
}

/** A non-negative integer option, or `fallback` when absent. */
export function intOption(p: Parsed, name: string, fallback: number | undefined, min = 0): number | undefined {
  const v = p.values[name]
  if (v === undefined) return fallback
  const n = Number(v)
  if (typeof v !== 'string' || !/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`--${name} must be an integer >= ${min}; got '${String(v)}'`)
  }
  return n
}

/** A finite number option, or `fallback` when absent. */
export function numberOption(p: Parsed, name: string, fallback: number | undefined): number | undefined {
  const v = p.values[name]
  if (v === undefined) return fallback
  const n = Number(v)
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number; got '${String(v)}'`)
  return n
}

/** A string option restricted to `choices`, or `fallback` when absent. */
export function choiceOption<T extends string>(p: Parsed, name: string, choices: readonly T[], fallback: T): T
export function choiceOption<T extends string>(p: Parsed, name: string, choices: readonly T[], fallback?: T): T | undefined
export function choiceOption<T extends string>(p: Parsed, name: string, choices: readonly T[], fallback?: T): T | undefined {
  const v = p.values[name]
  if (v === undefined) return fallback
  if (typeof v !== 'string' || !choices.includes(v as T)) throw new UsageError(`--${name} must be one of ${choices.join(', ')}; got '${String(v)}'`)
  return v as T
}

/** A string option, or undefined. */
export function stringOption(p: Parsed, name: string): string | undefined {
  const v = p.values[name]
  return typeof v === 'string' ? v : undefined
}

/** The help text of a command. */
export function helpText(spec: CommandSpec): string {
  const options = { ...spec.options, ...COMMON }
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`
    return [flag, o.help + (o.default === undefined ? '' : ` (default ${o.default})`)] as const
  })
  const width = Math.max(...rows.map(([f]) => f.length)) + 2
  const lines = [`Usage: ${spec.usage}`, '', spec.summary, '', 'Options:', ...rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`)]
  if (spec.details) lines.push('', spec.details)
  return lines.join('\n') + '\n'
}
