/** What every command receives besides its parsed arguments. */
import type { ProgressBar } from '../progress.js'

export interface Context {
  /** `--json`: machine-readable stdout. */
  json: boolean
  /** Progress on stderr (a no-op unless stderr is a TTY and --quiet is absent). */
  progress: ProgressBar
  /** Aborted on SIGINT. */
  signal: AbortSignal
}
