/**
 * The `embgeo` command line: `embgeo <command> [options]`. Dispatches to one module per command,
 * wires SIGINT to an AbortSignal, maps errors to documented exit codes (see output.ts `EXIT`).
 */
import { abortError } from '../errors.js'
import { setThreads } from '../run.js'
import { VERSION } from '../version.js'
import { helpText, intOption, parse, UsageError, type CommandSpec, type Parsed } from './args.js'
import * as analyze from './commands/analyze.js'
import * as compare from './commands/compare.js'
import type { Context } from './commands/context.js'
import * as id from './commands/id.js'
import * as knn from './commands/knn.js'
import * as pca from './commands/pca.js'
import * as whiten from './commands/whiten.js'
import { removePendingTemporaries } from './files.js'
import { EXIT, exitCode, reportError } from './output.js'
import { ProgressBar } from './progress.js'

interface Command {
  spec: CommandSpec
  run(p: Parsed, ctx: Context): Promise<void>
}

const COMMANDS: Record<string, Command> = { analyze, compare, knn, id, pca, whiten }

/** `embgeo --help`. */
export function mainHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 2
  return [
    `embgeo ${VERSION}: the geometry of embedding sets (exact kNN, intrinsic dimension, PCA, whitening, comparing representations)`,
    '',
    'Usage: embgeo <command> [options]        embgeo <command> --help',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}${c.spec.summary.split('\n')[0]}`),
    '',
    'Input files: .npy (f16/f32/f64, C or Fortran order), .fvecs/.bvecs/.ivecs, .safetensors (--tensor),',
    'raw little-endian f32 (--format raw --dim D), .json/.jsonl (arrays, or objects with --field), .csv/.tsv.',
    '',
    'Exit codes: 0 success, 1 internal error, 2 bad command line, 3 unreadable or invalid input file,',
    '4 data the computation rejects (NaN, too few rows, degenerate, k too large), 130 interrupted.',
    '',
    'Try: embgeo analyze --demo --html report.html',
  ].join('\n') + '\n'
}

/** Run the CLI on `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv
  const jsonWanted = rest.includes('--json')
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp())
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(VERSION + '\n')
    return EXIT.ok
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    reportError(new UsageError(`unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')} (embgeo --help)`), jsonWanted)
    return EXIT.usage
  }
  // The first Ctrl-C aborts the running job (reads, computations and writes all take the
  // signal; the promise settles at once even if a native call is stuck) and the command exits
  // 130. A second one exits at once, after removing the temporaries of writes in flight.
  const controller = new AbortController()
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      controller.abort(new Error('interrupted (SIGINT)'))
      return
    }
    removePendingTemporaries()
    process.exit(EXIT.interrupted)
  }
  process.on('SIGINT', onSigint)
  const progress = new ProgressBar(false)
  try {
    const p = parse(command.spec, rest)
    if (p.values.help) {
      process.stdout.write(helpText(command.spec))
      return EXIT.ok
    }
    const threads = intOption(p, 'threads', undefined, 1)
    if (threads !== undefined) setThreads(threads)
    const ctx: Context = {
      json: p.values.json === true,
      progress: new ProgressBar(p.values.quiet !== true),
      signal: controller.signal,
    }
    try {
      await command.run(p, ctx)
    } finally {
      ctx.progress.done()
    }
    // interrupted during a step that cannot be cancelled: the command finished, but the user
    // asked to stop, so the exit code says so
    if (controller.signal.aborted) throw abortError(controller.signal.reason)
    return EXIT.ok
  } catch (err) {
    progress.done()
    reportError(err, jsonWanted)
    if (err instanceof UsageError && !jsonWanted) process.stderr.write(`usage: ${command.spec.usage}\n       embgeo ${name} --help\n`)
    return exitCode(err)
  } finally {
    // after an interrupt the handler stays: a further Ctrl-C while the process winds down
    // still exits 130 and removes temporaries, instead of killing it by the signal
    if (controller.signal.aborted) exitSoon()
    else process.removeListener('SIGINT', onSigint)
  }
}

/**
 * After an interrupt, a native call stuck in the kernel (the job was abandoned, not finished)
 * would keep the process alive: exit anyway once the event loop had a moment to flush output.
 */
function exitSoon(): void {
  setTimeout(() => process.exit(EXIT.interrupted), 500).unref()
}
