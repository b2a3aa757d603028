/**
 * Where partial states live between activities: Temporal payloads are limited (~2 MB), so
 * activities write their states to a store and pass keys. A store is named by a URL string
 * (serialisable workflow input); `file://` URLs and plain paths are built in, other schemes
 * (an S3-compatible object store, …) are registered with {@link registerStore}.
 *
 * @typedef {object} ObjectStore
 * @property {(key: string, bytes: Uint8Array) => Promise<void>} put  write `bytes` under `key`
 *   atomically (a reader sees the old object or the whole new one)
 * @property {(key: string) => Promise<Uint8Array | undefined>} get  the bytes, or undefined if absent
 * @property {(key: string) => Promise<void>} delete  remove `key` (no error if absent)
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** A directory as an {@link ObjectStore}: one file per key (keys may contain '/'). */
export class FileStore {
  /** @param {string} root a directory path or a file:// URL */
  constructor(root) {
    this.root = root.startsWith('file:') ? fileURLToPath(root) : resolve(root)
  }

  #path(key) {
    if (key.split('/').some((p) => p === '' || p === '.' || p === '..')) throw new TypeError(`bad store key '${key}'`)
    return join(this.root, key)
  }

  async put(key, bytes) {
    const path = this.#path(key)
    await mkdir(dirname(path), { recursive: true })
    const tmp = `${path}.${randomBytes(8).toString('hex')}.tmp`
    await writeFile(tmp, bytes)
    await rename(tmp, path)
  }

  async get(key) {
    try {
      return new Uint8Array(await readFile(this.#path(key)))
    } catch (err) {
      if (err && err.code === 'ENOENT') return undefined
      throw err
    }
  }

  async delete(key) {
    await rm(this.#path(key), { force: true })
  }
}

/** @type {Map<string, (url: string) => ObjectStore>} */
const SCHEMES = new Map()

/**
 * Make `openStore` understand URLs of `scheme` (e.g. 's3:' for an S3-compatible store: put =
 * PutObject, get = GetObject, delete = DeleteObject). Register it in every worker process.
 * @param {string} scheme with the colon, e.g. 's3:'
 * @param {(url: string) => ObjectStore} factory
 */
export function registerStore(scheme, factory) {
  SCHEMES.set(scheme, factory)
}

/** The store a URL names: a registered scheme, else a `file://` URL or a plain directory path. */
export function openStore(url) {
  const m = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(url)
  if (m && m[1] !== 'file:') {
    const f = SCHEMES.get(m[1].toLowerCase())
    if (f === undefined) throw new TypeError(`no store registered for '${m[1]}' URLs (registerStore('${m[1]}', factory) in every worker)`)
    return f(url)
  }
  return new FileStore(url)
}
