/**
 * A one-line progress bar on stderr for long CLI work: shown only when stderr is a TTY (never in
 * pipes, CI logs or files), redrawn at most 10 times a second, erased when done.
 */
import type { Progress } from '../run.js'

/** Draws `phase [#####.....] 42%` on one stderr line. */
export class ProgressBar {
  readonly #enabled: boolean
  readonly #stream: NodeJS.WriteStream
  #last = 0
  #shown = false

  constructor(enabled: boolean, stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream
    this.#enabled = enabled && stream.isTTY === true
  }

  /** The callback to pass as `onProgress`. */
  readonly update = (p: Progress): void => {
    if (!this.#enabled) return
    const now = Date.now()
    if (now - this.#last < 100 && p.completed < p.total) return
    this.#last = now
    const width = Math.max(10, Math.min(40, (this.#stream.columns ?? 80) - 40))
    const share = p.total > 0 ? Math.min(1, p.completed / p.total) : 0
    const filled = Math.round(share * width)
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled)
    this.#stream.write(`\r\x1b[2K${p.phase.slice(0, 24).padEnd(24)} [${bar}] ${String(Math.round(share * 100)).padStart(3)}%`)
    this.#shown = true
  }

  /** A phase without a measurable amount of work (e.g. reading a file). */
  phase(name: string): void {
    this.update({ phase: name, completed: 0, total: 1 })
  }

  /** Erase the bar. */
  done(): void {
    if (this.#shown) this.#stream.write('\r\x1b[2K')
    this.#shown = false
  }
}
