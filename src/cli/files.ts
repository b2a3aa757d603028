/**
 * The CLI's own files (labels, weights, the HTML report, models) follow the library's file rules
 * (README "Files"): only regular files are read, without ever blocking in `open()` (a FIFO or
 * device is refused with ERR_IO naming its type); writes go through the library's atomic writer
 * (exclusive random temporary, the destination's mode kept, read-only refused); every
 * file-system failure is an embgeo ERR_IO naming the file (exit code 3), never ERR_INTERNAL.
 */
import { constants } from 'node:fs'
import { open, stat } from 'node:fs/promises'

import { embgeoError, EmbgeoError } from '../errors.js'
import { native } from '../native.js'
import { runSync } from '../run.js'

/** A Node file-system error (or anything else) as ERR_IO naming `path` and `what` it is. */
export function ioError(path: string, what: string, err: unknown): Error {
  if (err instanceof EmbgeoError) return err
  const reason = err instanceof Error ? err.message.replace(/^[A-Z]+: /, '') : String(err)
  return embgeoError('ERR_IO', `cannot use ${what} '${path}': ${reason}`, { path })
}

function kind(s: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (s.isDirectory()) return 'a directory'
  if (s.isFIFO()) return 'a FIFO (named pipe)'
  if (s.isSocket()) return 'a socket'
  if (s.isCharacterDevice()) return 'a character device'
  if (s.isBlockDevice()) return 'a block device'
  return 'not a regular file'
}

function notRegular(path: string, what: string, s: Parameters<typeof kind>[0]): Error {
  return embgeoError('ERR_IO', `cannot use ${what} '${path}': it is ${kind(s)}; only regular files can be read`, { path })
}

/** Read the regular file `path` (`what` names it in messages: "--labels file") as UTF-8. */
export async function readTextFile(path: string, what: string): Promise<string> {
  try {
    const before = await stat(path)
    if (!before.isFile()) throw notRegular(path, what, before)
    // O_NONBLOCK: a FIFO swapped in after the stat cannot block open()
    const fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK)
    try {
      const after = await fh.stat()
      if (!after.isFile()) throw notRegular(path, what, after)
      return await fh.readFile('utf8')
    } finally {
      await fh.close()
    }
  } catch (err) {
    throw ioError(path, what, err)
  }
}

/**
 * Write `data` (bytes, or a string as UTF-8) to `path` by the library's file rules — the same
 * atomic writer as `writeNpy` (crates/io): exclusive random temporary, the destination's mode
 * kept, read-only and non-regular destinations refused. Blocks the calling thread (reports and
 * models are small). `what` names the file in messages.
 */
export function writeOutputFile(path: string, what: string, data: Uint8Array | string): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  try {
    runSync(() => native().writeFileAtomicSync(path, bytes))
  } catch (err) {
    throw ioError(path, what, err)
  }
}

/** Remove the temporaries of writes still in flight (the process is about to exit). */
export function removePendingTemporaries(): number {
  return runSync(() => native().removePendingTemporaries())
}
